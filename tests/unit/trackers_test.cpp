// Tracker packs: the built-in YAML pack, εxodus import (the corpus copy of the εxodus list),
// matching on package and domain boundaries, and the pack against the corpus ground truth with
// dexdump as the oracle for the package names of each APK.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "analyzers/trackers/tracker_pack.hpp"
#include "core/embedded.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

using trackers::TrackerPack;

std::set<std::string> ids(const std::vector<trackers::Match>& ms) {
  std::set<std::string> out;
  for (const auto& m : ms) out.insert(m.tracker->id);
  return out;
}

TrackerPack pack_from_yaml(const std::string& yaml) {
  auto parsed = trackers::parse_yaml_pack(yaml, "test");
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  TrackerPack p;
  if (parsed.ok())
    for (auto& t : *parsed) p.add(std::move(t));
  p.finalize();
  return p;
}

const char* kSmallPack = R"(
trackers:
  - id: ads
    name: Ads SDK
    category: advertising
    code_signatures: [com.google.ads, com.vendor.sdk.Tracker, com.facebook.CampaignReceiver]
    network_signatures: [doubleclick.net]
    ios: {frameworks: [GoogleMobileAds], class_prefixes: [GAD]}
  - id: stats
    name: Stats SDK
    category: analytics
    code_signatures: ["com.stats."]
    network_signatures: [Stats.IO]
)";

TEST(TrackerMatching, PackagePrefixStopsAtBoundaries) {
  TrackerPack p = pack_from_yaml(kSmallPack);
  EXPECT_EQ(ids(p.match_package("com.google.ads")), std::set<std::string>{"ads"});
  EXPECT_EQ(ids(p.match_package("com.google.ads.mediation.admob")), std::set<std::string>{"ads"});
  EXPECT_TRUE(p.match_package("com.google.adsense").empty());
  EXPECT_TRUE(p.match_package("com.google").empty());
  EXPECT_TRUE(p.match_package("xcom.google.ads").empty());
  // A trailing '.' in a signature is dropped: "com.stats." covers com.stats and below only.
  EXPECT_EQ(ids(p.match_package("com.stats.internal")), std::set<std::string>{"stats"});
  EXPECT_TRUE(p.match_package("com.statsd").empty());
}

TEST(TrackerMatching, ClassSignatures) {
  TrackerPack p = pack_from_yaml(kSmallPack);
  // Class names: exact class, inner classes, not a longer class name.
  EXPECT_EQ(ids(p.match_class("com.vendor.sdk.Tracker")), std::set<std::string>{"ads"});
  EXPECT_EQ(ids(p.match_class("com.vendor.sdk.Tracker$Inner")), std::set<std::string>{"ads"});
  EXPECT_TRUE(p.match_class("com.vendor.sdk.TrackerFactory").empty());
  // Only packages known: a class signature stands for its package when that has 3+ labels...
  auto m = p.match_package("com.vendor.sdk");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].confidence, "medium");
  // ...but not for a 2-label package (every Facebook SDK user would become a tracker user).
  EXPECT_TRUE(p.match_package("com.facebook").empty());
}

TEST(TrackerMatching, HostsAndIos) {
  TrackerPack p = pack_from_yaml(kSmallPack);
  EXPECT_EQ(ids(p.match_host("doubleclick.net")), std::set<std::string>{"ads"});
  EXPECT_EQ(ids(p.match_host("AD.DoubleClick.net.")), std::set<std::string>{"ads"});
  EXPECT_TRUE(p.match_host("notdoubleclick.net").empty());
  EXPECT_TRUE(p.match_host("doubleclick.net.evil.com").empty());
  EXPECT_EQ(ids(p.match_host("api.stats.io")), std::set<std::string>{"stats"});
  EXPECT_EQ(ids(p.match_ios_framework("GoogleMobileAds")), std::set<std::string>{"ads"});
  EXPECT_TRUE(p.match_ios_framework("GoogleMobileAdsX").empty());
  EXPECT_EQ(ids(p.match_ios_class("GADBannerView")), std::set<std::string>{"ads"});
  EXPECT_TRUE(p.match_ios_class("GADget").empty());
  EXPECT_TRUE(p.match_ios_class("GAD").empty());
}

TEST(TrackerPack, RejectsBadEntries) {
  EXPECT_FALSE(trackers::parse_yaml_pack("trackers: [{id: x, name: X, category: spying}]", "t").ok());
  EXPECT_FALSE(trackers::parse_yaml_pack("trackers: [{id: x, name: X, category: analytics, code_signatures: ['com.*.x']}]", "t").ok());
  EXPECT_FALSE(trackers::parse_yaml_pack("trackers: [{id: x, name: X, category: analytics, network_signatures: ['a b']}]", "t").ok());
  EXPECT_FALSE(trackers::parse_yaml_pack("trackers: [{id: x, name: X, category: analytics, ios: {class_prefixes: [FB]}}]", "t").ok());
  EXPECT_FALSE(trackers::parse_yaml_pack("not: a pack", "t").ok());
  EXPECT_FALSE(trackers::parse_yaml_pack("trackers: [", "t").ok());
  // A later pack replaces an entry of the same id.
  TrackerPack p;
  auto a = trackers::parse_yaml_pack("trackers: [{id: x, name: X, category: analytics, code_signatures: [a.b]}]", "a");
  auto b = trackers::parse_yaml_pack("trackers: [{id: x, name: X2, category: advertising, code_signatures: [c.d]}]", "b");
  ASSERT_TRUE(a.ok() && b.ok());
  p.add((*a)[0]);
  p.add((*b)[0]);
  p.finalize();
  ASSERT_EQ(p.trackers().size(), 1u);
  EXPECT_EQ(p.trackers()[0].name, "X2");
  EXPECT_TRUE(p.match_package("a.b").empty());
  EXPECT_EQ(ids(p.match_package("c.d.e")), std::set<std::string>{"x"});
}

TEST(TrackerPack, BuiltinPackIsComplete) {
  auto text = trackers::load_rule_text("rules/trackers.yaml", "");
  ASSERT_TRUE(text.ok());
  auto parsed = trackers::parse_yaml_pack(*text, "builtin");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_GE(parsed->size(), 60u);
  std::set<std::string> seen;
  std::set<std::string> categories;
  for (const auto& t : *parsed) {
    EXPECT_TRUE(seen.insert(t.id).second) << "duplicate id " << t.id;
    EXPECT_EQ(t.id, trackers::slug(t.id)) << "id is not a slug: " << t.id;
    EXPECT_FALSE(t.code_signatures.empty() && t.network_signatures.empty() && t.ios_frameworks.empty()) << t.id;
    categories.insert(t.category);
  }
  EXPECT_EQ(categories.size(), 6u);  // every category is represented
  // The SDKs the issue names are there.
  for (const char* id : {"google-admob", "google-analytics", "google-firebase-analytics", "google-crashlytics", "google-tag-manager",
                         "google-doubleclick", "facebook-analytics", "facebook-audience-network", "appsflyer", "adjust", "branch",
                         "kochava", "singular", "flurry", "mixpanel", "amplitude", "segment", "braze", "onesignal", "unity-ads",
                         "applovin", "ironsource", "vungle", "chartboost", "inmobi", "mopub", "tapjoy", "yandex-metrica",
                         "umeng-analytics", "jpush", "getui", "tencent-bugly", "baidu-mobstat", "sentry", "bugsnag", "instabug",
                         "new-relic", "appdynamics", "localytics", "leanplum", "clevertap", "airship", "hockeyapp", "countly",
                         "matomo", "comscore", "nielsen", "moat", "integral-ad-science", "fullstory", "smartlook", "uxcam",
                         "hotjar", "foursquare-pilgrim", "radar", "cuebiq", "pendo"})
    EXPECT_TRUE(seen.count(id)) << id;
  // Loading through the scan path gives no warnings.
  TrackerPack p = trackers::load_tracker_pack(AnalysisConfig{});
  EXPECT_TRUE(p.warnings.empty()) << p.warnings.front();
  EXPECT_EQ(p.trackers().size(), parsed->size());
}

std::filesystem::path exodus_file() { return test::corpus_dir() / "data/trackers/exodus_trackers.json"; }

TEST(ExodusImport, CorpusList) {
  ASSAY_REQUIRE_CORPUS();
  const std::string body = test::read_file(exodus_file());
  auto imported = trackers::import_exodus(body, "exodus_trackers.json");
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  // Independent count: the entries of the file, read with nlohmann here.
  auto doc = nlohmann::json::parse(body);
  std::size_t entries = 0, alternatives = 0;
  for (const auto& [k, v] : doc.at(0).items()) {
    ++entries;
    for (const char* field : {"code_signature", "network_signature"}) {
      std::string s = v[field].get<std::string>();
      std::stringstream ss(s);
      for (std::string alt; std::getline(ss, alt, '|');) alternatives += !alt.empty();
    }
  }
  EXPECT_EQ(imported->trackers.size(), entries);
  EXPECT_EQ(imported->signatures_in, alternatives);
  std::size_t kept = 0;
  for (const auto& t : imported->trackers) kept += t.code_signatures.size() + t.network_signatures.size();
  // Every alternative is either kept or refused (deduplication inside an entry aside).
  EXPECT_LE(kept + imported->refused.size(), alternatives);
  EXPECT_GE(kept + imported->refused.size() + 5, alternatives);

  auto find = [&](const std::string& name) -> const trackers::Tracker* {
    for (const auto& t : imported->trackers)
      if (t.name == name) return &t;
    return nullptr;
  };
  const auto* admob = find("Google AdMob");
  ASSERT_NE(admob, nullptr);
  EXPECT_EQ(admob->id, "google-admob");
  EXPECT_EQ(admob->category, "advertising");
  EXPECT_TRUE(std::count(admob->code_signatures.begin(), admob->code_signatures.end(), "com.google.ads"));  // "com.google.ads." -> prefix
  EXPECT_TRUE(std::count(admob->network_signatures.begin(), admob->network_signatures.end(), "doubleclick.net"));
  const auto* estimote = find("Estimote");
  ASSERT_NE(estimote, nullptr);
  EXPECT_TRUE(std::count(estimote->network_signatures.begin(), estimote->network_signatures.end(), "estimote.com"));  // ".*\.estimote\.com"
  const auto* fb = find("Facebook Ads");
  ASSERT_NE(fb, nullptr);
  EXPECT_TRUE(std::count(fb->network_signatures.begin(), fb->network_signatures.end(), "facebook.com"));  // "\.facebook\.com"

  // Refusals: wildcards, character classes, ports and paths, leading-dot class names.
  std::set<std::string> refused;
  for (const auto& r : imported->refused) refused.insert(r.signature);
  for (const char* s : {"adservice\\.google\\..*", "mst[0-9]*\\.is\\.autonavi\\.com", "54\\.243\\.73\\.253:8080/SilverPush/",
                        ".LigatusManager", ".S4MAnalytic"})
    EXPECT_TRUE(refused.count(s)) << s;
  EXPECT_LE(imported->refused.size(), 20u);  // the list is overwhelmingly plain prefixes
}

TEST(ExodusImport, RejectsNonExodusInput) {
  EXPECT_FALSE(trackers::import_exodus("{\"a\": 1}", "x").ok());
  EXPECT_FALSE(trackers::import_exodus("not json", "x").ok());
  auto one = trackers::import_exodus(
      R"({"trackers": {"7": {"id": 7, "name": "Acme SDK", "code_signature": "com.acme.|net.acme.sdk\\.|[a-z]+\\.x", "network_signature": "acme\\.com|.*\\.acme-cdn\\.net", "categories": ["Advertisement", "Analytics"], "website": "https://acme.test"}}})",
      "x");
  ASSERT_TRUE(one.ok()) << one.error().message;
  ASSERT_EQ(one->trackers.size(), 1u);
  const auto& t = one->trackers[0];
  EXPECT_EQ(t.id, "acme-sdk");
  EXPECT_EQ(t.category, "advertising");
  EXPECT_EQ(t.code_signatures, (std::vector<std::string>{"com.acme", "net.acme.sdk"}));
  EXPECT_EQ(t.network_signatures, (std::vector<std::string>{"acme.com", "acme-cdn.net"}));
  ASSERT_EQ(one->refused.size(), 1u);
  EXPECT_EQ(one->refused[0].signature, "[a-z]+\\.x");
  // The YAML rendering reads back into the same tracker.
  auto back = trackers::parse_yaml_pack(trackers::to_yaml(one->trackers, "header\nline two"), "rt");
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].code_signatures, t.code_signatures);
  EXPECT_EQ((*back)[0].network_signatures, t.network_signatures);
  EXPECT_EQ((*back)[0].categories, t.categories);
}

TEST(ExodusImport, CliWritesAUsablePack) {
  ASSAY_REQUIRE_CORPUS();
  test::TempDir tmp;
  const std::string out = (tmp / "exodus.yaml").string();
  std::string log;
  int rc = test::run(std::string(ASSAY_CLI) + " rules import-exodus '" + exodus_file().string() + "' -o '" + out + "' 2>&1", &log);
  ASSERT_EQ(rc, 0) << log;
  EXPECT_NE(log.find("refused:"), std::string::npos);
  auto parsed = trackers::parse_yaml_pack(test::read_file(out), out);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_GT(parsed->size(), 400u);
  // As a --trackers pack it overrides built-in entries of the same id and adds the others.
  AnalysisConfig cfg;
  cfg.tracker_files.push_back(out);
  TrackerPack p = trackers::load_tracker_pack(cfg);
  EXPECT_TRUE(p.warnings.empty()) << p.warnings.front();
  EXPECT_GT(p.trackers().size(), 400u);
  EXPECT_EQ(p.find("google-admob")->source, out);
  // The raw εxodus JSON works as a --trackers file too (refusals become one warning).
  AnalysisConfig raw;
  raw.tracker_files.push_back(exodus_file().string());
  TrackerPack q = trackers::load_tracker_pack(raw);
  EXPECT_EQ(q.trackers().size(), p.trackers().size());
  EXPECT_EQ(q.warnings.size(), 1u);
  // A missing file is a usage error.
  EXPECT_EQ(test::run(std::string(ASSAY_CLI) + " rules import-exodus /nonexistent.json 2>/dev/null"), 3);
}

// Ground truth: the built-in pack over the package names dexdump lists for each corpus APK
// equals the εxodus matches MANIFEST.json records (InsecureBankv2: AdMob, Analytics, Tag
// Manager; blooddonation: AdMob) and finds nothing in the benign apps.
std::set<std::string> trackers_of_apk(const TrackerPack& p, const std::string& apk) {
  test::TempDir tmp;
  std::string out;
  test::run("cd '" + tmp.str() + "' && unzip -q -o '" + apk + "' 'classes*.dex' 2>/dev/null; for d in classes*.dex; do dexdump \"$d\" 2>/dev/null | grep 'Class descriptor'; done", &out);
  std::set<std::string> found;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    auto a = line.find("'L"), b = line.rfind(";'");
    if (a == std::string::npos || b == std::string::npos || b <= a + 2) continue;
    std::string cls = line.substr(a + 2, b - a - 2);
    std::replace(cls.begin(), cls.end(), '/', '.');
    const auto dot = cls.rfind('.');
    if (dot == std::string::npos) continue;
    for (const auto& m : p.match_package(cls.substr(0, dot))) found.insert(m.tracker->id);
    for (const auto& m : p.match_class(cls)) found.insert(m.tracker->id);
  }
  return found;
}

TEST(TrackerPack, CorpusGroundTruthWithDexdump) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("dexdump");
  ASSAY_REQUIRE_TOOL("unzip");
  TrackerPack p = trackers::load_tracker_pack(AnalysisConfig{});
  const auto apk = [](const char* n) { return (test::corpus_dir() / "apk" / n).string(); };
  EXPECT_EQ(trackers_of_apk(p, apk("InsecureBankv2.apk")),
            (std::set<std::string>{"google-admob", "google-analytics", "google-tag-manager"}));
  EXPECT_EQ(trackers_of_apk(p, apk("blooddonation.apk")), (std::set<std::string>{"google-admob"}));
  for (const char* benign : {"a2dp.Vol_137.apk", "com.teleca.jamendo_35.apk", "com.politedroid_4.apk", "hello-world.apk",
                             "diva-beta.apk", "AndroGoat.apk", "UnCrackable-Level1.apk"})
    EXPECT_TRUE(trackers_of_apk(p, apk(benign)).empty()) << benign;
}

}  // namespace
}  // namespace assay
