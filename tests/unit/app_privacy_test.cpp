// The app-privacy join: trackers, data collection and endpoints from constructed android.app /
// android.code facts (the field names the manifest and DEX analyzers record), endpoint helpers,
// and the corpus ground truth through a full scan (skipped while no android.code fact exists).
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "analyzers/app_privacy/app_privacy.hpp"
#include "analyzers/app_privacy/endpoints.hpp"
#include "assay/scan.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

using nlohmann::json;

struct Result {
  std::vector<Finding> findings;
  std::vector<Fact> facts;
  const Finding* find(const std::string& rule, const std::string& key) const {
    for (const auto& f : findings)
      if (f.rule_id == rule && f.key == key) return &f;
    return nullptr;
  }
  std::size_t count(const std::string& rule) const {
    return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.rule_id == rule; }));
  }
  const Fact* fact(const std::string& type) const {
    for (const auto& f : facts)
      if (f.type == type) return &f;
    return nullptr;
  }
};

Result run_join(std::vector<Fact> facts, std::vector<NodeInfo> tree = {}) {
  ScanContext ctx(Limits{});
  std::vector<Component> components;
  ProductView view{tree, facts, "android-app", components};
  analyzers::AppPrivacyAnalyzer().analyze(view, ctx);
  return {ctx.take_findings(), ctx.take_facts()};
}

json app_fact(int target_sdk, json extra = json::object()) {
  json j = {{"package", "com.acme.shop"},
            {"min_sdk", 21},
            {"target_sdk", target_sdk},
            {"uses_cleartext_traffic", nullptr},
            {"network_security_config", nullptr},
            {"permissions", json::array({{{"name", "android.permission.ACCESS_FINE_LOCATION"}, {"max_sdk", nullptr}},
                                         {{"name", "android.permission.ACCESS_COARSE_LOCATION"}, {"max_sdk", nullptr}},
                                         {{"name", "android.permission.READ_CONTACTS"}, {"max_sdk", nullptr}},
                                         {{"name", "android.permission.INTERNET"}, {"max_sdk", nullptr}}})}};
  j.update(extra);
  return j;
}

json code_fact() {
  return {{"classes", 120},
          {"methods", 900},
          {"packages", {"com.acme.shop", "com.acme.shop.ui", "com.google.ads", "com.google.ads.mediation",
                        "com.google.adsense.fake", "com.flurry.sdk", "com.google.android.gms.ads.identifier"}},
          {"api_uses",
           {{{"api", "android.location.LocationManager.requestLocationUpdates"},
             {"data_type", "location"},
             {"callers", {"com.acme.shop.Map.track()", "com.acme.shop.Map.start()"}}},
            {{"api", "android.telephony.TelephonyManager.getDeviceId"},
             {"data_type", "device-id"},
             {"callers", {"com.acme.shop.Ids.imei()"}}},
            {{"api", "android.content.ClipboardManager.getPrimaryClip"},
             {"data_type", "clipboard"},
             {"callers", {"com.acme.shop.Paste.read()"}}}}},
          {"urls",
           {{{"value", "http://api.acme.com/v1/login"}, {"callers", {"com.acme.shop.Api.login()"}}},
            {{"value", "https://cdn.othervendor.net/img.png"}, {"callers", json::array()}},
            {{"value", "http://10.0.2.2:8080/debug"}, {"callers", json::array()}},
            {{"value", "http://schemas.android.com/apk/res/android"}, {"callers", json::array()}},
            {{"value", "https://ssl.google-analytics.com/collect"}, {"callers", {"com.acme.shop.Stats.send()"}}},
            {{"value", "http://data.flurry.com/aap.do"}, {"callers", json::array()}},
            {{"value", "http://%s/path"}, {"callers", json::array()}}}}};
}

std::vector<Fact> android_facts(int target_sdk, json extra = json::object()) {
  return {Fact{"android.app", "shop.apk", app_fact(target_sdk, std::move(extra))},
          Fact{"android.code", "shop.apk!/classes.dex", code_fact()},
          // A dex inside an APK inside the APK belongs to that inner APK, not to this one.
          Fact{"android.code", "shop.apk!/assets/plugin.apk!/classes.dex", json{{"packages", {"com.mopub.mobileads"}}}}};
}

TEST(AppPrivacy, TrackersFromPackages) {
  Result r = run_join(android_facts(30));
  const Finding* admob = r.find("privacy.tracker", "google-admob");
  ASSERT_NE(admob, nullptr);
  EXPECT_EQ(admob->severity, Severity::kMedium);
  EXPECT_EQ(admob->category, Category::kPrivacy);
  EXPECT_TRUE(std::count(admob->tags.begin(), admob->tags.end(), "tracker"));
  EXPECT_TRUE(std::count(admob->tags.begin(), admob->tags.end(), "advertising"));
  ASSERT_FALSE(admob->evidence.empty());
  EXPECT_EQ(admob->evidence[0].path, "shop.apk!/classes.dex");
  EXPECT_NE(admob->evidence[0].excerpt.find("com.google.ads"), std::string::npos);
  EXPECT_FALSE(admob->remediation.empty());
  const Finding* flurry = r.find("privacy.tracker", "flurry");
  ASSERT_NE(flurry, nullptr);
  EXPECT_EQ(flurry->severity, Severity::kLow);  // analytics
  EXPECT_EQ(r.find("privacy.tracker", "mopub"), nullptr);  // nested APK's dex
  EXPECT_EQ(r.count("privacy.tracker"), 2u);               // adsense and ads.identifier are not trackers
  const Fact* f = r.fact("app.trackers");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->path, "shop.apk");
  EXPECT_EQ(f->data["trackers"].size(), 2u);
  // The flurry host joins the flurry tracker instead of a separate endpoint finding.
  for (const auto& t : f->data["trackers"])
    if (t["id"] == "flurry") {
      EXPECT_EQ(t["hosts"], json::array({"data.flurry.com"}));
    }
}

TEST(AppPrivacy, DataCollection) {
  Result r = run_join(android_facts(30));
  const Finding* loc = r.find("privacy.data-collection", "location");
  ASSERT_NE(loc, nullptr);
  EXPECT_EQ(loc->severity, Severity::kMedium);
  EXPECT_NE(loc->description.find("collects precise location: ACCESS_COARSE_LOCATION, ACCESS_FINE_LOCATION, used in "
                                  "com.acme.shop.Map.track() via LocationManager.requestLocationUpdates"),
            std::string::npos)
      << loc->description;
  EXPECT_EQ(loc->evidence.at(0).path, "shop.apk!/classes.dex");
  // Permission without code use: weaker.
  const Finding* contacts = r.find("privacy.data-collection", "contacts");
  ASSERT_NE(contacts, nullptr);
  EXPECT_EQ(contacts->severity, Severity::kLow);
  EXPECT_EQ(contacts->confidence, "medium");
  EXPECT_EQ(contacts->evidence.at(0).path, "shop.apk!/AndroidManifest.xml");
  // Code use without the permission it needs: noted.
  const Finding* ids = r.find("privacy.data-collection", "device-id");
  ASSERT_NE(ids, nullptr);
  EXPECT_EQ(ids->severity, Severity::kInfo);
  EXPECT_NE(ids->description.find("READ_PHONE_STATE"), std::string::npos);
  // Code use of data that needs no permission: a real collection.
  const Finding* clip = r.find("privacy.data-collection", "clipboard");
  ASSERT_NE(clip, nullptr);
  EXPECT_EQ(clip->severity, Severity::kLow);
  EXPECT_NE(clip->description.find("no permission needed"), std::string::npos);
  const Fact* f = r.fact("app.data-collection");
  ASSERT_NE(f, nullptr);
  std::map<std::string, std::string> status;
  for (const auto& d : f->data["data"]) status[d["data_type"]] = d["status"];
  EXPECT_EQ(status["location"], "used");
  EXPECT_EQ(status["contacts"], "declared");
  EXPECT_EQ(status["device-id"], "used-without-permission");
  EXPECT_EQ(status["clipboard"], "used");
}

TEST(AppPrivacy, Endpoints) {
  Result r = run_join(android_facts(30));
  const Fact* f = r.fact("app.endpoints");
  ASSERT_NE(f, nullptr);
  std::map<std::string, json> by_host;
  for (const auto& e : f->data["endpoints"]) by_host[e["host"]] = e;
  EXPECT_EQ(by_host.count("schemas.android.com"), 0u);  // a namespace, not an endpoint
  EXPECT_EQ(by_host.size(), 5u);                        // "%s" is no host
  EXPECT_EQ(by_host["api.acme.com"]["party"], "first");  // com.acme.shop reversed: shop.acme.com
  EXPECT_EQ(by_host["cdn.othervendor.net"]["party"], "third");
  EXPECT_EQ(by_host["api.acme.com"]["transport"], "cleartext");
  EXPECT_EQ(by_host["10.0.2.2"]["party"], "local");
  EXPECT_EQ(by_host["cdn.othervendor.net"]["transport"], "tls");
  EXPECT_EQ(by_host["ssl.google-analytics.com"]["tracker"], "google-analytics");
  // targetSdk 30, no network config: the platform blocks cleartext, so low.
  const Finding* ct = r.find("privacy.cleartext-endpoint", "api.acme.com");
  ASSERT_NE(ct, nullptr);
  EXPECT_EQ(ct->severity, Severity::kLow);
  EXPECT_EQ(ct->evidence.at(0).excerpt, "http://api.acme.com/v1/login");
  EXPECT_EQ(r.find("privacy.cleartext-endpoint", "10.0.2.2"), nullptr);
  EXPECT_EQ(r.count("privacy.cleartext-endpoint"), 2u);  // api.acme.com, data.flurry.com
  // Google Analytics has no code in this app: the endpoint is reported on its own.
  const Finding* te = r.find("privacy.tracker-endpoint", "ssl.google-analytics.com");
  ASSERT_NE(te, nullptr);
  EXPECT_EQ(te->severity, Severity::kLow);
  EXPECT_EQ(r.find("privacy.tracker-endpoint", "data.flurry.com"), nullptr);
}

TEST(AppPrivacy, CleartextAllowedRaisesSeverity) {
  // Old targetSdk: cleartext is on by default.
  EXPECT_EQ(run_join(android_facts(22)).find("privacy.cleartext-endpoint", "api.acme.com")->severity, Severity::kMedium);
  // usesCleartextTraffic=true.
  EXPECT_EQ(run_join(android_facts(30, {{"uses_cleartext_traffic", true}})).find("privacy.cleartext-endpoint", "api.acme.com")->severity,
            Severity::kMedium);
  // A network security config that allows cleartext for this domain only.
  Result nsc = run_join(android_facts(30, {{"network_security_config",
                                            {{"base_cleartext_permitted", false}, {"cleartext_domains", {"acme.com"}}}}}));
  EXPECT_EQ(nsc.find("privacy.cleartext-endpoint", "api.acme.com")->severity, Severity::kMedium);
  EXPECT_EQ(nsc.find("privacy.cleartext-endpoint", "data.flurry.com")->severity, Severity::kLow);
}

TEST(AppPrivacy, NoCodeFactsStillReportsPermissions) {
  Result r = run_join({Fact{"android.app", "a.apk", app_fact(30)}});
  EXPECT_EQ(r.count("privacy.tracker"), 0u);
  EXPECT_NE(r.find("privacy.data-collection", "location"), nullptr);
  EXPECT_NE(r.fact("app.privacy-coverage"), nullptr);
  // Nothing at all for products that are not apps.
  EXPECT_TRUE(run_join({Fact{"binary.elf", "x", json::object()}}).facts.empty());
}

TEST(Endpoints, UrlParsingAndClassification) {
  using namespace app_privacy;
  auto u = parse_url("HTTP://User:pw@API.Example.co.uk:8443/a?b#c");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "api.example.co.uk");
  EXPECT_EQ(u->port, 8443);
  EXPECT_TRUE(u->has_userinfo);
  EXPECT_EQ(u->rest, "/a?b#c");
  EXPECT_FALSE(parse_url("http://%s/x").has_value());
  EXPECT_FALSE(parse_url("http://").has_value());
  EXPECT_FALSE(parse_url("http://word/x").has_value());
  EXPECT_FALSE(parse_url("http://a.b:99999/").has_value());
  EXPECT_FALSE(parse_url("http://1.2.3/").has_value());
  EXPECT_TRUE(parse_url("http://localhost:8080/").has_value());
  EXPECT_TRUE(parse_url("https://[::1]:443/").has_value());
  EXPECT_EQ(parse_url("api.acme.com")->scheme, "");
  EXPECT_EQ(registrable_domain("a.b.example.co.uk"), "example.co.uk");
  EXPECT_EQ(registrable_domain("a.b.example.com"), "example.com");
  EXPECT_EQ(registrable_domain("example.com"), "example.com");
  EXPECT_EQ(registrable_domain("10.1.2.3"), "10.1.2.3");
  for (const char* h : {"localhost", "127.0.0.1", "10.0.2.2", "192.168.1.1", "172.20.0.1", "printer.local", "::1", "169.254.1.1"})
    EXPECT_TRUE(is_local_host(h)) << h;
  for (const char* h : {"8.8.8.8", "172.32.0.1", "example.com", "localhost.example.com"}) EXPECT_FALSE(is_local_host(h)) << h;
  EXPECT_TRUE(is_first_party("api.shop.acme.com", "com.acme.shop", {}));
  EXPECT_TRUE(is_first_party("api.jamendo.com", "com.teleca.jamendo", {}));
  EXPECT_TRUE(is_first_party("cdn.vendor.io", "com.x.y", {"vendor.io"}));
  EXPECT_FALSE(is_first_party("tracker.net", "com.acme.shop", {}));
  EXPECT_FALSE(is_first_party("api.mobile.io", "com.acme.mobile", {}));  // a generic label says nothing
}

// --- corpus ground truth (full scans) ----------------------------------------------------------

Assessment scan_apk(const std::string& name) {
  ScanOptions o;
  o.jobs = 2;
  auto r = scan((test::corpus_dir() / "apk" / name).string(), o);
  EXPECT_TRUE(r.ok());
  return r.ok() ? std::move(r).value() : Assessment{};
}

bool has_code_facts(const Assessment& a) {
  return std::any_of(a.facts.begin(), a.facts.end(), [](const Fact& f) { return f.type == "android.code"; });
}

std::set<std::string> tracker_keys(const Assessment& a) {
  std::set<std::string> out;
  for (const auto& f : a.findings)
    if (f.rule_id == "privacy.tracker") out.insert(f.key);
  return out;
}

TEST(AppPrivacyCorpus, TrackersMatchGroundTruth) {
  ASSAY_REQUIRE_CORPUS();
  Assessment bank = scan_apk("InsecureBankv2.apk");
  if (!has_code_facts(bank)) GTEST_SKIP() << "no android.code fact yet (the DEX analyzer has not landed)";
  EXPECT_EQ(tracker_keys(bank), (std::set<std::string>{"google-admob", "google-analytics", "google-tag-manager"}));
  EXPECT_EQ(tracker_keys(scan_apk("blooddonation.apk")), (std::set<std::string>{"google-admob"}));
}

TEST(AppPrivacyCorpus, BenignAppsHaveNoTrackers) {
  ASSAY_REQUIRE_CORPUS();
  for (const char* benign : {"a2dp.Vol_137.apk", "com.teleca.jamendo_35.apk", "com.politedroid_4.apk", "hello-world.apk"}) {
    Assessment a = scan_apk(benign);
    if (!has_code_facts(a)) GTEST_SKIP() << "no android.code fact yet (the DEX analyzer has not landed)";
    EXPECT_TRUE(tracker_keys(a).empty()) << benign;
    for (const auto& f : a.findings)
      if (f.rule_id.starts_with("privacy.")) {
        EXPECT_NE(f.severity, Severity::kCritical) << benign << " " << f.rule_id;
      }
  }
}

TEST(AppPrivacyCorpus, InsecureBankDataCollection) {
  ASSAY_REQUIRE_CORPUS();
  Assessment a = scan_apk("InsecureBankv2.apk");
  const Fact* dc = nullptr;
  for (const auto& f : a.facts)
    if (f.type == "app.data-collection") dc = &f;
  if (std::none_of(a.facts.begin(), a.facts.end(), [](const Fact& f) { return f.type == "android.app"; }))
    GTEST_SKIP() << "no android.app fact yet (the manifest analyzer has not landed)";
  ASSERT_NE(dc, nullptr);
  // MANIFEST.json: READ_CONTACTS, READ_CALL_LOG, READ_PHONE_STATE, SEND_SMS, ACCESS_COARSE_LOCATION, GET_ACCOUNTS.
  std::set<std::string> types;
  for (const auto& d : dc->data["data"]) types.insert(d["data_type"]);
  for (const char* t : {"contacts", "call-log", "sms", "location", "accounts"}) EXPECT_TRUE(types.count(t)) << t;
  EXPECT_TRUE(types.count("phone-state") || types.count("device-id"));
}

}  // namespace
}  // namespace assay
