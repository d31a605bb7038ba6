// iOS: the plist wrapper (binary and XML plists generated with libplist, hostile nesting and
// reference bombs), the Mach-O code-signature parser (generated signatures and the corpus IPA),
// and the ios-app analyzer plus the iOS side of the app-privacy join on the corpus IPA and on a
// generated IPA.
#include <gtest/gtest.h>
#include <plist/plist.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "analyzers/ios_app/ios_app.hpp"
#include "assay/scan.hpp"
#include "formats/macho_codesign/macho_codesign.hpp"
#include "formats/plist/plist.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

using nlohmann::json;

// --- generators -------------------------------------------------------------------------------

std::string to_bin(plist_t p) {
  char* out = nullptr;
  uint32_t len = 0;
  plist_to_bin(p, &out, &len);
  std::string s(out, len);
  plist_to_bin_free(out);
  return s;
}

std::string to_xml(plist_t p) {
  char* out = nullptr;
  uint32_t len = 0;
  plist_to_xml(p, &out, &len);
  std::string s(out, len);
  plist_to_xml_free(out);
  return s;
}

plist_t sample_dict() {
  plist_t d = plist_new_dict();
  plist_dict_set_item(d, "CFBundleIdentifier", plist_new_string("com.test.app"));
  plist_dict_set_item(d, "count", plist_new_uint(42));
  plist_dict_set_item(d, "negative", plist_new_uint(static_cast<uint64_t>(-5)));
  plist_dict_set_item(d, "ratio", plist_new_real(0.5));
  plist_dict_set_item(d, "flag", plist_new_bool(1));
  plist_dict_set_item(d, "when", plist_new_date(538737484, 0));
  plist_dict_set_item(d, "blob", plist_new_data("\x01\x02\x03", 3));
  plist_t arr = plist_new_array();
  plist_array_append_item(arr, plist_new_string("a"));
  plist_t inner = plist_new_dict();
  plist_dict_set_item(inner, "k", plist_new_string("v"));
  plist_array_append_item(arr, inner);
  plist_dict_set_item(d, "list", arr);
  return d;
}

const json kSampleJson = {{"CFBundleIdentifier", "com.test.app"}, {"count", 42}, {"negative", -5}, {"ratio", 0.5},
                          {"flag", true}, {"when", "2018-01-27T09:18:04Z"}, {"blob", "AQID"},
                          {"list", json::array({"a", {{"k", "v"}}})}};

plist_t nested_arrays(int depth) {
  plist_t root = plist_new_array();
  plist_t cur = root;
  for (int i = 1; i < depth; ++i) {
    plist_t next = plist_new_array();
    plist_array_append_item(cur, next);
    cur = next;
  }
  return root;
}

void put_be32(std::string& s, std::size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[off + i] = static_cast<char>(v >> (24 - 8 * i));
}
void put_le32(std::string& s, std::size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[off + i] = static_cast<char>(v >> (8 * i));
}

// A SuperBlob with an ad hoc CodeDirectory (identifier + team) and an XML entitlements blob.
std::string superblob(const std::string& ident, const std::string& team, const std::string& entitlements_xml) {
  std::string cd(52, '\0');
  put_be32(cd, 0, macho_codesign::kCodeDirectoryMagic);
  put_be32(cd, 8, 0x20400);
  put_be32(cd, 12, macho_codesign::kCsAdhoc);
  put_be32(cd, 20, 52);
  cd[36] = 32;
  cd[37] = 2;
  cd[39] = 12;
  put_be32(cd, 48, static_cast<uint32_t>(52 + ident.size() + 1));
  cd += ident + '\0' + team + '\0';
  put_be32(cd, 4, static_cast<uint32_t>(cd.size()));
  std::string ent(8, '\0');
  put_be32(ent, 0, macho_codesign::kEntitlementsMagic);
  ent += entitlements_xml;
  put_be32(ent, 4, static_cast<uint32_t>(ent.size()));
  std::string sb(12 + 2 * 8, '\0');
  put_be32(sb, 0, macho_codesign::kSuperBlobMagic);
  put_be32(sb, 8, 2);
  put_be32(sb, 12, 0);
  put_be32(sb, 16, static_cast<uint32_t>(sb.size()));
  put_be32(sb, 20, 5);
  put_be32(sb, 24, static_cast<uint32_t>(sb.size() + cd.size()));
  sb += cd + ent;
  put_be32(sb, 4, static_cast<uint32_t>(sb.size()));
  return sb;
}

// A thin arm64 MH_EXECUTE with one LC_CODE_SIGNATURE pointing at `sig`.
std::string thin_macho(const std::string& sig) {
  std::string m(48, '\0');
  put_le32(m, 0, 0xfeedfacf);
  put_le32(m, 4, 0x0100000c);
  put_le32(m, 12, 2);
  put_le32(m, 16, 1);
  put_le32(m, 20, 16);
  put_le32(m, 32, 0x1d);
  put_le32(m, 36, 16);
  put_le32(m, 40, 48);
  put_le32(m, 44, static_cast<uint32_t>(sig.size()));
  return m + sig;
}

std::string fat_macho(const std::string& thin) {
  std::string f(4096, '\0');
  put_be32(f, 0, 0xcafebabe);
  put_be32(f, 4, 1);
  put_be32(f, 8, 0x0100000c);
  put_be32(f, 16, 4096);
  put_be32(f, 20, static_cast<uint32_t>(thin.size()));
  put_be32(f, 24, 12);
  return f + thin;
}

std::string entitlements(bool get_task_allow) {
  plist_t d = plist_new_dict();
  plist_dict_set_item(d, "application-identifier", plist_new_string("TEAM123456.com.test.app"));
  plist_dict_set_item(d, "get-task-allow", plist_new_bool(get_task_allow ? 1 : 0));
  std::string x = to_xml(d);
  plist_free(d);
  return x;
}

// --- plist ------------------------------------------------------------------------------------

TEST(Plist, BinaryAndXmlGiveTheSameJson) {
  plist_t d = sample_dict();
  const std::string bin = to_bin(d), xml = to_xml(d);
  plist_free(d);
  auto b = plist::parse_plist(as_bytes(bin));
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(*b, kSampleJson);
  auto x = plist::parse_plist(as_bytes(xml));
  ASSERT_TRUE(x.ok()) << x.error().message;
  EXPECT_EQ(*x, kSampleJson);
  EXPECT_TRUE(plist::looks_like_plist(as_bytes(bin)));
  EXPECT_TRUE(plist::looks_like_plist(as_bytes(xml)));
  EXPECT_EQ(plist::apple_date_to_iso(0), "2001-01-01T00:00:00Z");
}

TEST(Plist, DeepNestingIsRefusedBeforeLibplist) {
  plist_t ok = nested_arrays(static_cast<int>(plist::kMaxDepth));
  EXPECT_TRUE(plist::parse_plist(as_bytes(to_bin(ok))).ok());
  EXPECT_TRUE(plist::parse_plist(as_bytes(to_xml(ok))).ok());
  plist_free(ok);
  plist_t deep = nested_arrays(static_cast<int>(plist::kMaxDepth) + 1);
  const std::string bin = to_bin(deep), xml = to_xml(deep);
  plist_free(deep);
  auto b = plist::parse_plist(as_bytes(bin));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Errc::kLimit);
  auto x = plist::parse_plist(as_bytes(xml));
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.error().code, Errc::kLimit);
  // 100,000 nested arrays crash libplist 2.2 by stack overflow; here they are a limit error.
  std::string huge = "<?xml version=\"1.0\"?><plist version=\"1.0\">";
  for (int i = 0; i < 100000; ++i) huge += "<array>";
  for (int i = 0; i < 100000; ++i) huge += "</array>";
  huge += "</plist>";
  auto h = plist::parse_plist(as_bytes(huge));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code, Errc::kLimit);
  // Closing tags hidden in comments, CDATA or strings do not reduce the count.
  std::string hidden = "<plist version=\"1.0\">";
  for (int i = 0; i < 100; ++i) hidden += "<array><!-- </array> --><string></array></string><![CDATA[</array>]]>";
  for (int i = 0; i < 100; ++i) hidden += "</array>";
  hidden += "</plist>";
  auto hd = plist::parse_plist(as_bytes(hidden));
  ASSERT_FALSE(hd.ok());
  EXPECT_EQ(hd.error().code, Errc::kLimit);
  // Quadratic-looking input stays fast: no '>' anywhere.
  std::string no_gt(1 << 20, 'a');
  for (std::size_t i = 0; i < no_gt.size(); i += 7) no_gt[i] = '<';
  (void)plist::parse_plist(as_bytes(no_gt));
}

TEST(Plist, SharedReferenceBombIsRefused) {
  // 40 arrays, each holding two references to the next: 2^40 nodes once expanded.
  constexpr int kObjects = 41;
  std::string b = "bplist00";
  std::vector<uint8_t> offsets;
  for (int i = 0; i < kObjects - 1; ++i) {
    offsets.push_back(static_cast<uint8_t>(b.size()));
    b += static_cast<char>(0xA2);
    b += static_cast<char>(i + 1);
    b += static_cast<char>(i + 1);
  }
  offsets.push_back(static_cast<uint8_t>(b.size()));
  b += static_cast<char>(0x09);  // true
  const std::size_t table = b.size();
  for (auto o : offsets) b += static_cast<char>(o);
  std::string trailer(32, '\0');
  trailer[6] = 1;
  trailer[7] = 1;
  trailer[15] = kObjects;
  trailer[31] = static_cast<char>(table);
  b += trailer;
  auto r = plist::parse_plist(as_bytes(b));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kLimit);
}

TEST(Plist, DamagedInputIsAnError) {
  plist_t d = sample_dict();
  const std::string bin = to_bin(d);
  plist_free(d);
  EXPECT_FALSE(plist::parse_plist({}).ok());
  EXPECT_FALSE(plist::parse_plist(as_bytes("bplist00")).ok());
  EXPECT_FALSE(plist::parse_plist(as_bytes("<plist><dict><key>a</key></plist>")).ok());
  for (std::size_t cut = 0; cut < bin.size(); ++cut) (void)plist::parse_plist(as_bytes(std::string_view(bin).substr(0, cut)));
  for (std::size_t i = 0; i < bin.size(); ++i) {
    std::string flipped = bin;
    flipped[i] = static_cast<char>(flipped[i] ^ 0xff);
    (void)plist::parse_plist(as_bytes(flipped));  // must not crash or hang
  }
}

// --- code signature ---------------------------------------------------------------------------

TEST(MachOCodeSign, GeneratedThinAndFat) {
  const std::string thin = thin_macho(superblob("com.test.app", "TEAM123456", entitlements(true)));
  for (const std::string& file : {thin, fat_macho(thin)}) {
    auto sigs = macho_codesign::parse_code_signatures(as_bytes(file));
    ASSERT_TRUE(sigs.ok()) << sigs.error().message;
    ASSERT_EQ(sigs->size(), 1u);
    const auto& s = (*sigs)[0];
    EXPECT_EQ(s.identifier, "com.test.app");
    EXPECT_EQ(s.team_id, "TEAM123456");
    EXPECT_TRUE(s.adhoc);
    EXPECT_FALSE(s.has_cms);
    EXPECT_EQ(s.hash_type, 2);
    EXPECT_EQ(s.cputype, 0x0100000cu);
    EXPECT_TRUE(s.diagnostics.empty()) << s.diagnostics.front();
    auto ent = plist::parse_plist(as_bytes(s.entitlements_xml));
    ASSERT_TRUE(ent.ok());
    EXPECT_EQ((*ent)["get-task-allow"], true);
  }
  EXPECT_FALSE(macho_codesign::parse_code_signatures(as_bytes(std::string("not a mach-o at all"))).ok());
  // Every truncation and byte flip is survived.
  for (std::size_t cut = 0; cut < thin.size(); ++cut) (void)macho_codesign::parse_code_signatures(as_bytes(thin.substr(0, cut)));
  for (std::size_t i = 0; i < thin.size(); ++i) {
    std::string f = thin;
    f[i] = static_cast<char>(f[i] ^ 0x80);
    (void)macho_codesign::parse_code_signatures(as_bytes(f));
  }
  // A SuperBlob whose index claims far more entries than it holds is clamped.
  std::string sb = superblob("x", "", "");
  put_be32(sb, 8, 0xffffffff);
  auto clamped = macho_codesign::parse_superblob(as_bytes(sb));
  ASSERT_TRUE(clamped.ok());
  EXPECT_FALSE(clamped->diagnostics.empty());
}

std::string unzip_member(const std::string& zip, const std::string& member) {
  std::string out;
  test::run("unzip -p '" + zip + "' '" + member + "'", &out);
  return out;
}

std::string uncrackable() { return (test::corpus_dir() / "ipa/UnCrackable-Level1.ipa").string(); }

TEST(MachOCodeSign, CorpusUnCrackable) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("unzip");
  const std::string exe = unzip_member(uncrackable(), "Payload/UnCrackable Level 1.app/UnCrackable Level 1");
  ASSERT_EQ(exe.size(), 197104u);
  auto sigs = macho_codesign::parse_code_signatures(as_bytes(exe));
  ASSERT_TRUE(sigs.ok());
  ASSERT_EQ(sigs->size(), 2u);  // armv7 + arm64
  for (const auto& s : *sigs) {
    EXPECT_EQ(s.identifier, "sg.vp.UnCrackable1");
    EXPECT_EQ(s.team_id, "LRUD9L355Y");
    EXPECT_TRUE(s.has_cms);
    EXPECT_FALSE(s.adhoc);
    auto ent = plist::parse_plist(as_bytes(s.entitlements_xml));
    ASSERT_TRUE(ent.ok());
    EXPECT_EQ((*ent)["application-identifier"], "LRUD9L355Y.sg.vp.UnCrackable1");
    EXPECT_EQ((*ent)["get-task-allow"], false);
  }
}

// --- the analyzers over whole IPAs --------------------------------------------------------------

Assessment scan_file(const std::string& p) {
  ScanOptions o;
  o.jobs = 2;
  auto r = scan(p, o);
  EXPECT_TRUE(r.ok());
  return r.ok() ? std::move(r).value() : Assessment{};
}

const Fact* fact(const Assessment& a, const std::string& type) {
  for (const auto& f : a.facts)
    if (f.type == type) return &f;
  return nullptr;
}

std::vector<const Finding*> findings(const Assessment& a, const std::string& rule) {
  std::vector<const Finding*> out;
  for (const auto& f : a.findings)
    if (f.rule_id == rule) out.push_back(&f);
  return out;
}

TEST(IosApp, CorpusUnCrackable) {
  ASSAY_REQUIRE_CORPUS();
  Assessment a = scan_file(uncrackable());
  const Fact* app = fact(a, "ios.app");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->path, "UnCrackable-Level1.ipa!/Payload/UnCrackable Level 1.app/Info.plist");
  EXPECT_EQ(app->data["bundle_id"], "sg.vp.UnCrackable1");
  EXPECT_EQ(app->data["minimum_os"], "8.0");
  EXPECT_EQ(app->data["name"], "UnCrackable1");  // CFBundleDisplayName wins over CFBundleName
  EXPECT_EQ(app->data["version"], "1.0");
  EXPECT_EQ(app->data["ats"]["present"], false);
  auto old_os = findings(a, "ios.outdated-minimum-os");
  ASSERT_EQ(old_os.size(), 1u);
  EXPECT_EQ(old_os[0]->severity, Severity::kMedium);  // below iOS 9: no ATS at all
  EXPECT_TRUE(findings(a, "ios.ats-arbitrary-loads").empty());

  const Fact* profile = fact(a, "ios.provisioning-profile");
  ASSERT_NE(profile, nullptr);
  EXPECT_EQ(profile->data["type"], "enterprise");
  EXPECT_EQ(profile->data["expired"], true);
  EXPECT_EQ(profile->data["expiration_date"], "2018-01-27T09:18:04Z");
  EXPECT_EQ(profile->data["team_ids"], json::array({"LRUD9L355Y"}));
  auto dev = findings(a, "ios.development-profile");
  ASSERT_EQ(dev.size(), 1u);
  EXPECT_EQ(dev[0]->severity, Severity::kLow);

  const Fact* bin = fact(a, "ios.binary");
  ASSERT_NE(bin, nullptr);
  EXPECT_EQ(bin->data["identifier"], "sg.vp.UnCrackable1");
  EXPECT_EQ(bin->data["entitlements"]["get-task-allow"], false);
  EXPECT_EQ(bin->data["signatures"].size(), 2u);
  EXPECT_TRUE(findings(a, "ios.get-task-allow").empty());
  EXPECT_TRUE(findings(a, "privacy.tracker").empty());
  EXPECT_NE(fact(a, "app.data-collection"), nullptr);
}

TEST(IosApp, GeneratedIpa) {
  ASSAY_REQUIRE_TOOL("zip");
  test::TempDir tmp;
  const auto app = tmp / "src/Payload/Shop.app";
  std::filesystem::create_directories(app / "Frameworks/GoogleMobileAds.framework");
  std::filesystem::create_directories(app / "Frameworks/Helper.framework");

  plist_t info = plist_new_dict();
  plist_dict_set_item(info, "CFBundleIdentifier", plist_new_string("com.test.shop"));
  plist_dict_set_item(info, "CFBundleName", plist_new_string("Shop"));
  plist_dict_set_item(info, "CFBundleExecutable", plist_new_string("Shop"));
  plist_dict_set_item(info, "CFBundleShortVersionString", plist_new_string("2.1"));
  plist_dict_set_item(info, "CFBundleVersion", plist_new_string("210"));
  plist_dict_set_item(info, "MinimumOSVersion", plist_new_string("12.0"));
  plist_dict_set_item(info, "NSCameraUsageDescription", plist_new_string("Scan receipts"));
  plist_dict_set_item(info, "NSLocationWhenInUseUsageDescription", plist_new_string("Find stores near you"));
  plist_t ats = plist_new_dict();
  plist_dict_set_item(ats, "NSAllowsArbitraryLoads", plist_new_bool(1));
  plist_t domains = plist_new_dict();
  plist_t legacy = plist_new_dict();
  plist_dict_set_item(legacy, "NSExceptionAllowsInsecureHTTPLoads", plist_new_bool(1));
  plist_dict_set_item(legacy, "NSIncludesSubdomains", plist_new_bool(1));
  plist_dict_set_item(domains, "legacy.example.net", legacy);
  plist_t old = plist_new_dict();
  plist_dict_set_item(old, "NSExceptionMinimumTLSVersion", plist_new_string("TLSv1.0"));
  plist_dict_set_item(domains, "old.example.org", old);
  plist_t lan = plist_new_dict();
  plist_dict_set_item(lan, "NSExceptionAllowsInsecureHTTPLoads", plist_new_bool(1));
  plist_dict_set_item(domains, "printer.local", lan);
  plist_dict_set_item(ats, "NSExceptionDomains", domains);
  plist_dict_set_item(info, "NSAppTransportSecurity", ats);
  plist_t types = plist_new_array();
  plist_t type = plist_new_dict();
  plist_t schemes = plist_new_array();
  plist_array_append_item(schemes, plist_new_string("shopapp"));
  plist_dict_set_item(type, "CFBundleURLSchemes", schemes);
  plist_array_append_item(types, type);
  plist_dict_set_item(info, "CFBundleURLTypes", types);
  test::write_file(app / "Info.plist", to_bin(info));  // binary, as Xcode ships it
  plist_free(info);

  test::write_file(app / "Shop", thin_macho(superblob("com.test.shop", "TEAM123456", entitlements(true))));
  test::write_file(app / "Frameworks/GoogleMobileAds.framework/GoogleMobileAds",
                   thin_macho(superblob("com.google.GoogleMobileAds", "", "")));
  test::write_file(app / "Frameworks/Helper.framework/Helper", thin_macho(superblob("com.test.helper", "", "")));
  test::write_file(app / "PrivacyInfo.xcprivacy",
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
                   "<key>NSPrivacyTracking</key><false/><key>NSPrivacyTrackingDomains</key><array/>"
                   "<key>NSPrivacyAccessedAPITypes</key><array><dict><key>NSPrivacyAccessedAPIType</key>"
                   "<string>NSPrivacyAccessedAPICategoryUserDefaults</string><key>NSPrivacyAccessedAPITypeReasons</key>"
                   "<array><string>CA92.1</string></array></dict></array></dict></plist>\n");
  // A provisioning profile is CMS (DER) around an XML plist.
  test::write_file(app / "embedded.mobileprovision",
                   std::string("\x30\x82\x1d\x01\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02", 15) +
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
                       "<key>Name</key><string>Shop Dev</string><key>TeamIdentifier</key><array><string>TEAM123456</string></array>"
                       "<key>ExpirationDate</key><date>2031-05-01T00:00:00Z</date>"
                       "<key>ProvisionedDevices</key><array><string>00008030-001</string><string>00008030-002</string></array>"
                       "<key>Entitlements</key><dict><key>get-task-allow</key><true/></dict></dict></plist>" +
                       std::string("\xa0\x82\x0b\x00", 4));
  const std::string ipa = (tmp / "Shop.ipa").string();
  ASSERT_EQ(test::run("cd '" + (tmp / "src").string() + "' && zip -qr '" + ipa + "' Payload"), 0);

  Assessment a = scan_file(ipa);
  const Fact* app_fact = fact(a, "ios.app");
  ASSERT_NE(app_fact, nullptr);
  EXPECT_EQ(app_fact->data["bundle_id"], "com.test.shop");
  EXPECT_EQ(app_fact->data["ats"]["arbitrary_loads"], true);
  EXPECT_EQ(app_fact->data["ats"]["exception_domains"].size(), 3u);
  EXPECT_EQ(app_fact->data["url_schemes"], json::array({"shopapp"}));
  EXPECT_EQ(app_fact->data["usage_descriptions"]["NSCameraUsageDescription"], "Scan receipts");

  ASSERT_EQ(findings(a, "ios.ats-arbitrary-loads").size(), 1u);
  EXPECT_EQ(findings(a, "ios.ats-arbitrary-loads")[0]->severity, Severity::kMedium);
  std::map<std::string, Severity> exceptions;
  for (const auto* f : findings(a, "ios.ats-insecure-exception")) exceptions[f->key] = f->severity;
  EXPECT_EQ(exceptions, (std::map<std::string, Severity>{{"legacy.example.net", Severity::kMedium}, {"old.example.org", Severity::kLow}}));
  ASSERT_EQ(findings(a, "ios.outdated-minimum-os").size(), 1u);
  EXPECT_EQ(findings(a, "ios.outdated-minimum-os")[0]->severity, Severity::kLow);

  auto gta = findings(a, "ios.get-task-allow");
  ASSERT_EQ(gta.size(), 1u);
  EXPECT_EQ(gta[0]->key, "com.test.shop");
  auto dev = findings(a, "ios.development-profile");
  ASSERT_EQ(dev.size(), 1u);
  EXPECT_EQ(dev[0]->severity, Severity::kMedium);
  const Fact* prof = fact(a, "ios.provisioning-profile");
  ASSERT_NE(prof, nullptr);
  EXPECT_EQ(prof->data["type"], "development");
  EXPECT_EQ(prof->data["provisioned_devices"], 2);
  EXPECT_EQ(prof->data["expired"], false);

  const Fact* pm = fact(a, "ios.privacy-manifest");
  ASSERT_NE(pm, nullptr);
  EXPECT_EQ(pm->data["tracking"], false);
  EXPECT_EQ(pm->data["accessed_api_types"][0]["reasons"], json::array({"CA92.1"}));

  // The join: the AdMob framework is a tracker the manifest does not declare.
  std::set<std::string> tracker_keys;
  for (const auto* f : findings(a, "privacy.tracker")) tracker_keys.insert(f->key);
  EXPECT_EQ(tracker_keys, std::set<std::string>{"google-admob"});
  auto undeclared = findings(a, "privacy.undeclared-tracking");
  ASSERT_EQ(undeclared.size(), 1u);
  EXPECT_EQ(undeclared[0]->key, "google-admob");
  std::set<std::string> data_types;
  for (const auto* f : findings(a, "privacy.data-collection")) data_types.insert(f->key);
  EXPECT_EQ(data_types, (std::set<std::string>{"camera", "location"}));
}

TEST(IosApp, BundlePaths) {
  auto bp = analyzers::ios_app::bundle_path("x.ipa!/Payload/A B.app/Frameworks/F.framework/F");
  ASSERT_TRUE(bp.has_value());
  EXPECT_EQ(bp->app_dir, "x.ipa!/Payload/A B.app/");
  EXPECT_EQ(bp->inner, "Frameworks/F.framework/F");
  EXPECT_FALSE(analyzers::ios_app::bundle_path("x.ipa!/Payload/readme.txt").has_value());
  EXPECT_FALSE(analyzers::ios_app::bundle_path("x.zip!/NotPayload/A.app/Info.plist").has_value());
  EXPECT_LT(analyzers::ios_app::compare_versions("8.0", "15.0"), 0);
  EXPECT_EQ(analyzers::ios_app::compare_versions("15", "15.0.0"), 0);
  EXPECT_GT(analyzers::ios_app::compare_versions("16.4.1", "16.4"), 0);
}

}  // namespace
}  // namespace assay
