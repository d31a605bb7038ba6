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

TEST(AndroidManifest, DescribeRejectsNonPackages) {
  std::vector<std::uint8_t> junk(100, 0x41);
  EXPECT_FALSE(analyzers::android::describe_package(junk).ok());
}

}  // namespace
}  // namespace assay
