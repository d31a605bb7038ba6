// The Android manifest analyzer against the corpus ground truth (MANIFEST.json verified_facts):
// debuggable and allowBackup where documented, the exported components named there, and no
// critical finding on the benign apps. Also: the fact's field names other analyzers consume, and
// `assay cat` on a manifest (decoded XML) and on a missing path (exit 3).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "analyzers/android_manifest/android_manifest.hpp"
#include "assay/scan.hpp"
#include "engine/analyzer.hpp"
#include "formats/axml/axml.hpp"
#include "formats/protoxml/protoxml.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Scanned {
  Assessment a;
  json app;  // the android.app fact of the artifact itself
  std::set<std::string> rules;
  std::map<std::string, Severity> exported;  // component key -> severity
};

// Runs the analyzer alone over one corpus APK (the full pipeline is exercised by
// FactHasTheAgreedShape through assay::scan): fast enough for ASan runs.
const Scanned& scan_apk(const std::string& name) {
  static std::map<std::string, Scanned> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  const std::string bytes = test::read_file(test::corpus_dir() / "apk" / name);
  NodeInfo info;
  info.path = name;
  info.kind = Kind::kAndroidApk;
  info.type = "file";
  info.size = bytes.size();
  ScanContext ctx{Limits{}};
  analyzers::AndroidManifestAnalyzer analyzer;
  EXPECT_TRUE(analyzer.wants(info));
  analyzer.analyze(NodeView{info, as_bytes(bytes)}, ctx);
  Scanned s;
  s.a.findings = ctx.take_findings();
  s.a.facts = ctx.take_facts();
  for (const auto& f : s.a.facts)
    if (f.type == "android.app" && f.path == name) s.app = f.data;
  for (const auto& f : s.a.findings) {
    if (f.rule_id.rfind("android.", 0) != 0) continue;
    s.rules.insert(f.rule_id);
    if (f.rule_id == "android.exported-component") s.exported[f.key] = f.severity;
  }
  return cache.emplace(name, std::move(s)).first->second;
}

bool exported(const Scanned& s, const std::string& suffix) {
  for (const auto& [k, sev] : s.exported)
    if (k.size() >= suffix.size() && k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0) return true;
  return false;
}

TEST(AndroidManifest, FactHasTheAgreedShape) {
  ASSAY_REQUIRE_CORPUS();
  ScanOptions o;
  o.jobs = 2;
  auto r = scan((test::corpus_dir() / "apk" / "InsecureBankv2.apk").string(), o);
  ASSERT_TRUE(r.ok());
  Scanned s;
  for (const auto& f : r->facts)
    if (f.type == "android.app" && f.path == "InsecureBankv2.apk") s.app = f.data;
  for (const auto& f : r->findings)
    if (f.rule_id == "android.debuggable") s.rules.insert(f.rule_id);
  EXPECT_TRUE(s.rules.count("android.debuggable")) << "the analyzer is not registered";
  ASSERT_TRUE(s.app.is_object()) << "no android.app fact";
  for (const char* k : {"package", "version_code", "version_name", "label", "min_sdk", "target_sdk", "debuggable",
                        "allow_backup", "full_backup_content", "uses_cleartext_traffic", "network_security_config",
                        "permissions", "custom_permissions", "components", "signers", "schemes"})
    EXPECT_TRUE(s.app.contains(k)) << k;
  EXPECT_EQ(s.app["package"], "com.android.insecurebankv2");
  EXPECT_EQ(s.app["version_code"], 1);
  EXPECT_EQ(s.app["version_name"], "1.0");
  EXPECT_EQ(s.app["min_sdk"], 15);
  EXPECT_EQ(s.app["target_sdk"], 22);
  EXPECT_EQ(s.app["debuggable"], true);
  std::set<std::string> perms;
  for (const auto& p : s.app["permissions"]) perms.insert(p["name"].get<std::string>());
  for (const char* p : {"android.permission.READ_CONTACTS", "android.permission.READ_CALL_LOG",
                        "android.permission.READ_PHONE_STATE", "android.permission.SEND_SMS",
                        "android.permission.ACCESS_COARSE_LOCATION", "android.permission.GET_ACCOUNTS"})
    EXPECT_TRUE(perms.count(p)) << p;
  ASSERT_FALSE(s.app["components"].empty());
  for (const char* k : {"type", "name", "exported", "permission", "intent_actions", "grant_uri_permissions",
                        "task_affinity", "launch_mode"})
    EXPECT_TRUE(s.app["components"][0].contains(k)) << k;
  ASSERT_FALSE(s.app["signers"].empty());
  for (const char* k : {"schemes", "subject", "issuer", "not_before", "not_after", "key_type", "key_bits",
                        "signature_algorithm", "sha256", "debug"})
    EXPECT_TRUE(s.app["signers"][0].contains(k)) << k;
}

TEST(AndroidManifest, GroundTruthInsecureBank) {
  ASSAY_REQUIRE_CORPUS();
  const Scanned& s = scan_apk("InsecureBankv2.apk");
  EXPECT_TRUE(s.rules.count("android.debuggable"));
  EXPECT_TRUE(s.rules.count("android.allow-backup"));
  for (const char* c : {".PostLogin", ".DoTransfer", ".ViewStatement", ".ChangePassword", ".MyBroadCastReceiver",
                        ".TrackUserContentProvider"})
    EXPECT_TRUE(exported(s, c)) << c;
  // Severity is higher for a provider than for an activity.
  Severity provider = Severity::kInfo, activity = Severity::kInfo;
  for (const auto& [k, sev] : s.exported) {
    if (k.ends_with(".TrackUserContentProvider")) provider = sev;
    if (k.ends_with(".PostLogin")) activity = sev;
  }
  EXPECT_GT(static_cast<int>(provider), static_cast<int>(activity));
  // The launcher activity is not a finding.
  EXPECT_FALSE(exported(s, ".LoginActivity"));
}

TEST(AndroidManifest, GroundTruthDivaAndroGoatDebuggable) {
  ASSAY_REQUIRE_CORPUS();
  const Scanned& diva = scan_apk("diva-beta.apk");
  EXPECT_TRUE(diva.rules.count("android.debuggable"));
  EXPECT_TRUE(diva.rules.count("android.allow-backup"));
  EXPECT_TRUE(exported(diva, "jakhar.aseem.diva.NotesProvider"));
  EXPECT_TRUE(exported(diva, ".APICredsActivity"));
  EXPECT_TRUE(exported(diva, ".APICreds2Activity"));
  const Scanned& goat = scan_apk("AndroGoat.apk");
  EXPECT_TRUE(goat.rules.count("android.debuggable"));
  EXPECT_TRUE(goat.rules.count("android.allow-backup"));
  EXPECT_TRUE(exported(goat, "owasp.sat.agoat.ShowDataReceiver"));
  EXPECT_TRUE(exported(goat, "owasp.sat.agoat.DownloadInvoiceService"));
  EXPECT_TRUE(exported(goat, ".AccessControl1ViewActivity"));
  EXPECT_TRUE(goat.app["network_security_config"].is_object());
  const Scanned& dbg = scan_apk("debuggable-boolean.apk");
  EXPECT_TRUE(dbg.rules.count("android.debuggable"));
  EXPECT_EQ(dbg.app["package"], "android.appsecurity.cts.tinyapp");
  for (const char* apk : {"UnCrackable-Level1.apk", "UnCrackable-Level3.apk", "blooddonation.apk"})
    EXPECT_TRUE(scan_apk(apk).rules.count("android.allow-backup")) << apk;
  EXPECT_TRUE(exported(scan_apk("blooddonation.apk"), ".BootReceiver"));
}

TEST(AndroidManifest, BenignAppsHaveNoCriticalFinding) {
  ASSAY_REQUIRE_CORPUS();
  for (const char* apk : {"hello-world.apk", "a2dp.Vol_137.apk", "com.politedroid_4.apk", "com.teleca.jamendo_35.apk"}) {
    const Scanned& s = scan_apk(apk);
    EXPECT_TRUE(s.app.is_object()) << apk;
    EXPECT_FALSE(s.rules.count("android.debuggable")) << apk;
    for (const auto& f : s.a.findings)
      if (f.rule_id.rfind("android.", 0) == 0) {
        EXPECT_NE(f.severity, Severity::kCritical) << apk << " " << f.rule_id;
      }
  }
  // a2dp's NotificationCatcher is exported but protected by BIND_NOTIFICATION_LISTENER_SERVICE.
  EXPECT_FALSE(exported(scan_apk("a2dp.Vol_137.apk"), ".NotificationCatcher"));
  EXPECT_TRUE(scan_apk("hello-world.apk").app["permissions"].empty());
}

TEST(AndroidManifest, EveryFindingHasEvidenceAndRemediation) {
  ASSAY_REQUIRE_CORPUS();
  for (const char* apk : {"InsecureBankv2.apk", "AndroGoat.apk", "com.teleca.jamendo_35.apk"}) {
    for (const auto& f : scan_apk(apk).a.findings) {
      if (f.rule_id.rfind("android.", 0) != 0) continue;
      EXPECT_FALSE(f.remediation.empty()) << f.rule_id;
      EXPECT_FALSE(f.title.empty() || f.title == f.rule_id) << f.rule_id << " is not documented in rules/android";
      ASSERT_FALSE(f.evidence.empty()) << f.rule_id;
      EXPECT_FALSE(f.evidence[0].excerpt.empty()) << f.rule_id;
      EXPECT_EQ(f.evidence[0].path.rfind(apk, 0), 0u) << f.evidence[0].path;
    }
  }
}

TEST(AndroidManifest, CatDecodesManifestAndRejectsUnknownPaths) {
  ASSAY_REQUIRE_CORPUS();
  const std::string apk = (test::corpus_dir() / "apk" / "com.politedroid_4.apk").string();
  std::string out;
  ASSERT_EQ(test::run("'" + std::string(ASSAY_CLI) + "' cat '" + apk + "!/AndroidManifest.xml'", &out), 0);
  EXPECT_NE(out.find("<manifest"), std::string::npos) << out;
  EXPECT_NE(out.find("package=\"com.politedroid\""), std::string::npos);
  EXPECT_NE(out.find("android:label=\"@string/"), std::string::npos) << out;
  EXPECT_NE(out.find("android.intent.action.BOOT_COMPLETED"), std::string::npos);
  ASSERT_EQ(test::run("'" + std::string(ASSAY_CLI) + "' cat '" + apk + "!/res/xml/preferences.xml'", &out), 0);
  EXPECT_NE(out.find("<PreferenceScreen"), std::string::npos) << out;
  std::string err;
  EXPECT_EQ(test::run("'" + std::string(ASSAY_CLI) + "' cat '" + apk + "!/no/such/file' 2>&1", &err), 3);
  EXPECT_NE(err.find("no file"), std::string::npos) << err;
}

TEST(AndroidManifest, CatConvertsBinaryPlists) {
  ASSAY_REQUIRE_CORPUS();
  const fs::path ipa = test::corpus_dir() / "ipa" / "UnCrackable-Level1.ipa";
  if (!fs::exists(ipa)) GTEST_SKIP() << "no IPA in the corpus";
  std::string out;
  ASSERT_EQ(test::run("'" + std::string(ASSAY_CLI) + "' cat '" + ipa.string() +
                          "!/Payload/UnCrackable Level 1.app/Base.lproj/Main.storyboardc/Info.plist'",
                      &out),
            0);
  EXPECT_NE(out.find("<plist version=\"1.0\">"), std::string::npos) << out;
  EXPECT_EQ(out.find("bplist00"), std::string::npos);
}

// ---- Android App Bundles (AAB) --------------------------------------------------------------
// An AAB keeps its manifest in aapt2's protobuf XML. The bytes below are written by hand with the
// field numbers of aapt2's Resources.proto (frameworks/base/tools/aapt2/Resources.proto):
//   XmlNode{element=1, text=2, source=3}  XmlElement{namespace_declaration=1, namespace_uri=2,
//   name=3, attribute=4, child=5}  XmlNamespace{prefix=1, uri=2}  XmlAttribute{namespace_uri=1,
//   name=2, value=3, resource_id=5, compiled_item=6}  SourcePosition{line_number=1}
//   Item{ref=1, str=2, prim=7}  Reference{type=1, id=2}  Primitive{int_decimal_value=6,
//   boolean_value=8}.
namespace pb {
std::string varint(std::uint64_t v) {
  std::string b;
  do {
    std::uint8_t c = v & 0x7F;
    v >>= 7;
    b.push_back(static_cast<char>(v ? c | 0x80 : c));
  } while (v);
  return b;
}
std::string ld(std::uint32_t field, const std::string& payload) { return varint(field << 3 | 2) + varint(payload.size()) + payload; }
std::string vi(std::uint32_t field, std::uint64_t v) { return varint(field << 3) + varint(v); }
constexpr const char* kAndroid = "http://schemas.android.com/apk/res/android";
// XmlAttribute; `item` is a serialized Item (empty: a plain string attribute).
std::string attr(const std::string& name, const std::string& value, std::uint32_t id = 0, const std::string& item = {},
                 bool android_ns = true) {
  std::string b = (android_ns ? ld(1, kAndroid) : "") + ld(2, name);
  if (!value.empty()) b += ld(3, value);
  if (id != 0) b += vi(5, id);
  if (!item.empty()) b += ld(6, item);
  return ld(4, b);
}
std::string boolean(bool v) { return ld(7, vi(8, v ? 1 : 0)); }
std::string integer(std::int32_t v) { return ld(7, vi(6, static_cast<std::uint32_t>(v))); }
std::string reference(std::uint32_t id) { return ld(1, vi(2, id)); }
// An XmlNode holding an element.
std::string element(const std::string& name, const std::string& attrs, const std::vector<std::string>& children = {},
                    std::uint32_t line = 0, const std::string& ns_decl = {}) {
  std::string body = ns_decl + ld(3, name) + attrs;
  for (const auto& c : children) body += ld(5, c);
  std::string node = ld(1, body);
  if (line != 0) node += ld(3, vi(1, line));
  return node;
}
}  // namespace pb

std::string bundle_manifest() {
  using namespace pb;
  auto named = [](const std::string& el, const std::string& n, std::uint32_t line) {
    return element(el, attr("name", n, 0x01010003), {}, line);
  };
  std::string main_activity = element(
      "activity", attr("name", ".MainActivity", 0x01010003) + attr("exported", "true", 0x01010010, boolean(true)),
      {element("intent-filter", "", {named("action", "android.intent.action.MAIN", 6), named("category", "android.intent.category.LAUNCHER", 7)}, 5)},
      4);
  std::string sync = element("service", attr("name", ".SyncService", 0x01010003) + attr("exported", "true", 0x01010010, boolean(true)), {}, 9);
  std::string files = element("provider",
                              attr("name", "com.example.bundle.FilesProvider", 0x01010003) +
                                  attr("exported", "true", 0x01010010, boolean(true)) +
                                  attr("authorities", "com.example.bundle.files", 0x01010018),
                              {}, 10);
  std::string hidden = element("receiver", attr("name", ".Hidden", 0x01010003) + attr("exported", "false", 0x01010010, boolean(false)), {}, 11);
  std::string app = element("application",
                            attr("label", "@string/app_name", 0x01010001, reference(0x7f0c0001)) +
                                attr("debuggable", "true", 0x0101000f, boolean(true)) +
                                attr("allowBackup", "false", 0x01010280, boolean(false)) +
                                attr("networkSecurityConfig", "@xml/network_security_config", 0x01010527, reference(0x7f110000)),
                            {main_activity, sync, files, hidden}, 3);
  std::string sdk = element("uses-sdk", attr("minSdkVersion", "21", 0x0101020c, integer(21)) +
                                            attr("targetSdkVersion", "33", 0x01010270, integer(33)), {}, 2);
  return element("manifest",
                 attr("versionCode", "7", 0x0101021b, integer(7)) + attr("versionName", "1.7", 0x0101021c) +
                     attr("package", "com.example.bundle", 0, {}, false),
                 {sdk, named("uses-permission", "android.permission.INTERNET", 2), app}, 1,
                 ld(1, ld(1, "android") + ld(2, kAndroid)));
}

std::string bundle_nsc() {
  using namespace pb;
  return element("network-security-config", "",
                 {element("base-config", attr("cleartextTrafficPermitted", "true", 0, boolean(true), false), {}, 2)}, 1);
}

// Zips members (name -> file holding the bytes, or "apk:<path>!<member>" to copy a member of an APK).
void make_zip(const fs::path& out, const std::vector<std::pair<std::string, std::string>>& members) {
  std::string py = "import zipfile,sys\nz=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED)\n";
  for (const auto& [name, src] : members) {
    if (src.rfind("apk:", 0) == 0) {
      auto bang = src.find('!');
      py += "z.writestr(" + json(name).dump() + ", zipfile.ZipFile(" + json(src.substr(4, bang - 4)).dump() +
            ").read(" + json(src.substr(bang + 1)).dump() + "))\n";
    } else {
      py += "z.write(" + json(src).dump() + ", " + json(name).dump() + ")\n";
    }
  }
  py += "z.close()\n";
  test::write_file(out.string() + ".py", py);
  ASSERT_EQ(test::run("/usr/bin/python3 '" + out.string() + ".py' '" + out.string() + "'"), 0);
}

json scan_json(const fs::path& artifact, const fs::path& out) {
  // 0 pass, 1 fail, 2 incomplete: all produce a report; 3 and 4 are usage and internal errors.
  EXPECT_LT(test::run("'" + std::string(ASSAY_CLI) + "' scan '" + artifact.string() + "' -q --format json -o '" +
                      out.string() + "'"),
            3);
  try {
    return json::parse(test::read_file(out));
  } catch (const std::exception& e) {
    ADD_FAILURE() << "report is not JSON: " << e.what();
    return json::object();
  }
}

TEST(AndroidBundle, ProtoManifestDecodesLikeAxml) {
  const std::string bytes = bundle_manifest();
  auto doc = protoxml::parse(as_bytes(bytes));
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  ASSERT_FALSE(doc->elements.empty());
  EXPECT_EQ(doc->elements[0].name, "manifest");
  EXPECT_EQ(doc->elements[0].line, 1u);
  std::string xml = axml::to_xml(*doc);
  EXPECT_NE(xml.find("xmlns:android=\"http://schemas.android.com/apk/res/android\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("android:debuggable=\"true\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("android:minSdkVersion=\"21\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("package=\"com.example.bundle\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("android:label=\"@0x7f0c0001\""), std::string::npos) << xml;
  // Truncation keeps what was decoded before the break, with a diagnostic, never a crash.
  auto cut = protoxml::parse(as_bytes(std::string_view(bytes).substr(0, bytes.size() - 40)));
  if (cut.ok()) {
    EXPECT_FALSE(cut->diagnostics.empty());
  }
  EXPECT_FALSE(protoxml::parse(as_bytes(std::string("\x03\x00\x08\x00junk", 8))).ok());
  // Nesting beyond the cap is skipped, not recursed into.
  std::string deep = pb::element("leaf", "");
  for (std::size_t i = 0; i < axml::kMaxDepth + 10; ++i) deep = pb::element("n", "", {deep});
  auto d = protoxml::parse(as_bytes(deep));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->elements.size(), axml::kMaxDepth);
  EXPECT_FALSE(d->diagnostics.empty());
}

TEST(AndroidBundle, ScanReportsManifestAndCodeOfAab) {
  ASSAY_REQUIRE_CORPUS();
  test::TempDir t;
  test::write_file(t / "AndroidManifest.pb", bundle_manifest());
  test::write_file(t / "nsc.pb", bundle_nsc());
  test::write_file(t / "BundleConfig.pb", "");
  const std::string apk = (test::corpus_dir() / "apk" / "diva-beta.apk").string();
  make_zip(t / "app.aab", {{"BundleConfig.pb", (t / "BundleConfig.pb").string()},
                           {"base/manifest/AndroidManifest.xml", (t / "AndroidManifest.pb").string()},
                           {"base/res/xml/network_security_config.xml", (t / "nsc.pb").string()},
                           {"base/dex/classes.dex", "apk:" + apk + "!classes.dex"},
                           {"base/lib/x86/libdivajni.so", "apk:" + apk + "!lib/x86/libdivajni.so"}});
  json r = scan_json(t / "app.aab", t / "report.json");
  EXPECT_EQ(r.value("product_kind", ""), "android-app");
  EXPECT_EQ(r["subject"].value("kind", ""), "android-aab");
  json app, code;
  for (const auto& f : r["facts"]) {
    if (f["type"] == "android.app" && f["path"] == "app.aab") app = f["data"];
    if (f["type"] == "android.code" && f["path"] == "app.aab!/base/dex/classes.dex") code = f["data"];
  }
  ASSERT_TRUE(app.is_object()) << "no android.app fact for the bundle";
  EXPECT_EQ(app["package"], "com.example.bundle");
  EXPECT_EQ(app["version_code"], 7);
  EXPECT_EQ(app["version_name"], "1.7");
  EXPECT_EQ(app["min_sdk"], 21);
  EXPECT_EQ(app["target_sdk"], 33);
  EXPECT_EQ(app["debuggable"], true);
  EXPECT_EQ(app["allow_backup"], false);
  EXPECT_EQ(app["package_format"], "aab");
  ASSERT_EQ(app["permissions"].size(), 1u);
  EXPECT_EQ(app["permissions"][0]["name"], "android.permission.INTERNET");
  EXPECT_EQ(app["components"].size(), 4u);
  EXPECT_TRUE(app["network_security_config"].is_object()) << app.dump();
  EXPECT_TRUE(code.is_object()) << "the bundle's dex was not analyzed";
  if (code.is_object()) {
    EXPECT_GT(code.value("classes", 0), 10);
  }

  std::set<std::string> exported;
  bool debuggable = false, cleartext = false, janus = false, allow_backup = false;
  for (const auto& f : r["findings"]) {
    const std::string id = f.value("rule_id", "");
    const std::string path = f["evidence"].empty() ? "" : f["evidence"][0].value("path", "");
    if (id == "android.debuggable") {
      debuggable = true;
      EXPECT_EQ(path, "app.aab!/base/manifest/AndroidManifest.xml");
      EXPECT_EQ(f["evidence"][0].value("line", 0), 3);
    }
    if (id == "android.exported-component") exported.insert(f.value("key", ""));
    if (id == "android.cleartext-traffic") {
      cleartext = true;
      EXPECT_EQ(path, "app.aab!/base/res/xml/network_security_config.xml");
    }
    if (id == "android.v1-signature-only") janus = true;
    if (id == "android.allow-backup") allow_backup = true;
  }
  EXPECT_TRUE(debuggable);
  EXPECT_TRUE(cleartext);
  EXPECT_FALSE(janus) << "a bundle is never installed: Janus does not apply";
  EXPECT_FALSE(allow_backup);
  EXPECT_EQ(exported, (std::set<std::string>{"com.example.bundle.SyncService", "com.example.bundle.FilesProvider"}));
}

// Oracle: aapt2 converts a real APK's manifest to protobuf XML; the bundle built from it must
// describe the same app as the APK (fields that need resources.arsc, like the label, excepted).
TEST(AndroidBundle, Aapt2ProtoManifestMatchesApk) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("aapt2");
  test::TempDir t;
  // Small APKs (aapt2 convert costs ~1 s per MB of resources) with varied manifests: exported
  // providers, pre-17 defaults, android:debuggable.
  for (const char* name : {"diva-beta", "com.politedroid_4", "com.teleca.jamendo_35", "debuggable-boolean"}) {
    SCOPED_TRACE(name);
    const std::string apk = (test::corpus_dir() / "apk" / (std::string(name) + ".apk")).string();
    const fs::path proto = t / (std::string(name) + ".proto.apk");
    ASSERT_EQ(test::run("aapt2 convert --output-format proto -o '" + proto.string() + "' '" + apk + "' 2>/dev/null"), 0);
    const fs::path aab = t / (std::string(name) + ".aab");
    make_zip(aab, {{"base/manifest/AndroidManifest.xml", "apk:" + proto.string() + "!AndroidManifest.xml"},
                   {"base/resources.pb", "apk:" + proto.string() + "!resources.pb"}});
    auto want = analyzers::android::describe_package(as_bytes(test::read_file(apk)));
    auto got = analyzers::android::describe_package(as_bytes(test::read_file(aab)));
    ASSERT_TRUE(want.ok() && got.ok());
    for (const char* k : {"package", "version_code", "version_name", "min_sdk", "target_sdk", "debuggable",
                          "allow_backup", "uses_cleartext_traffic", "permissions", "custom_permissions"})
      EXPECT_EQ((*got)[k], (*want)[k]) << k;
    ASSERT_EQ((*got)["components"].size(), (*want)["components"].size());
    for (std::size_t i = 0; i < (*want)["components"].size(); ++i) {
      const json& w = (*want)["components"][i];
      const json& g = (*got)["components"][i];
      for (const char* k : {"type", "name", "exported", "explicit_export", "permission", "intent_actions", "launcher",
                            "authorities"})
        EXPECT_EQ(g[k], w[k]) << k << " of " << w["name"];
    }
  }
}

// An XAPK / split-APK set is a zip of APKs: every APK inside is analyzed as an app.
TEST(AndroidBundle, ApksInsideAZipAreAnalyzed) {
  ASSAY_REQUIRE_CORPUS();
  test::TempDir t;
  const fs::path dir = test::corpus_dir() / "apk";
  make_zip(t / "set.xapk", {{"com.politedroid.apk", (dir / "com.politedroid_4.apk").string()},
                            {"config.debug.apk", (dir / "debuggable-boolean.apk").string()}});
  json r = scan_json(t / "set.xapk", t / "report.json");
  EXPECT_EQ(r.value("product_kind", ""), "android-app");
  std::set<std::string> apps, code;
  for (const auto& f : r["facts"]) {
    if (f["type"] == "android.app") apps.insert(f["path"].get<std::string>() + "=" + f["data"].value("package", ""));
    if (f["type"] == "android.code") code.insert(f["path"].get<std::string>());
  }
  EXPECT_TRUE(apps.count("set.xapk!/com.politedroid.apk=com.politedroid")) << json(apps).dump();
  EXPECT_EQ(apps.size(), 2u) << json(apps).dump();
  EXPECT_TRUE(code.count("set.xapk!/com.politedroid.apk!/classes.dex")) << json(code).dump();
  bool debuggable = false;
  for (const auto& f : r["findings"])
    if (f.value("rule_id", "") == "android.debuggable" &&
        f["evidence"][0].value("path", "").rfind("set.xapk!/config.debug.apk!/", 0) == 0)
      debuggable = true;
  EXPECT_TRUE(debuggable);
}

TEST(AndroidManifest, DescribeRejectsNonPackages) {
  std::vector<std::uint8_t> junk(100, 0x41);
  EXPECT_FALSE(analyzers::android::describe_package(junk).ok());
}

}  // namespace
}  // namespace assay
