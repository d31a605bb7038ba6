// The Android code analyzer against the corpus ground truth (MANIFEST.json verified_facts):
// UnCrackable-Level1 AES/ECB and the hardcoded key 8d127684cbc37c17616d806cf50473cc, InsecureBankv2
// the key 'This is the super secret key 123' and the 'devadmin' developer login, DIVA the
// 'vendorsecretkey123' check, AndroGoat the cleartext URL and its X509TrustManager use; no ECB or
// trust-all on the benign apps. The rules the corpus does not exercise (trust-all, hostname
// verifier, onReceivedSslError, world-readable, static seed, JavaScript bridge, sensitive logging)
// run on a dex assembled with smali at test time, with non-vulnerable twins that must stay quiet.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>

#include "analyzers/android_code/android_code.hpp"
#include "formats/dex/dex.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

#define REQUIRE_CORPUS_TOOLS() \
  ASSAY_REQUIRE_CORPUS();      \
  ASSAY_REQUIRE_TOOL("unzip")

struct Result {
  std::vector<Finding> findings;
  json fact;  // android.code
  double ms = 0;
  bool has(const std::string& rule, const std::string& key = {}) const {
    for (const auto& f : findings)
      if (f.rule_id == rule && (key.empty() || f.key == key)) return true;
    return false;
  }
  const Finding* get(const std::string& rule, const std::string& key) const {
    for (const auto& f : findings)
      if (f.rule_id == rule && f.key == key) return &f;
    return nullptr;
  }
};

Result analyze_bytes(const std::string& bytes, const std::string& node_path) {
  Limits limits;
  ScanContext ctx(limits);
  NodeInfo info;
  info.path = node_path;
  info.kind = Kind::kDex;
  info.type = "file";
  info.size = bytes.size();
  analyzers::AndroidCodeAnalyzer a;
  EXPECT_TRUE(a.wants(info));
  // CPU time of this thread: the build machine is shared, wall time says little.
  timespec t0{}, t1{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
  a.analyze(NodeView{info, as_bytes(bytes)}, ctx);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
  Result r;
  r.ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  r.findings = ctx.take_findings();
  for (auto& f : ctx.take_facts())
    if (f.type == "android.code") r.fact = f.data;
  return r;
}

// Analyzes every dex of a corpus APK; results per dex merged (findings appended, fact of classes.dex).
const Result& analyze_apk(const std::string& apk) {
  static std::map<std::string, Result> cache;
  if (auto it = cache.find(apk); it != cache.end()) return it->second;
  test::TempDir dir;
  (void)test::run("unzip -o -q '" + (test::corpus_dir() / "apk" / apk).string() + "' 'classes*.dex' -d '" +
                  dir.str() + "' 2>/dev/null");
  Result all;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (e.path().extension() != ".dex") continue;
    Result r = analyze_bytes(test::read_file(e.path()), apk + "!/" + e.path().filename().string());
    for (auto& f : r.findings) all.findings.push_back(std::move(f));
    if (e.path().filename() == "classes.dex") all.fact = r.fact;
    all.ms += r.ms;
  }
  if (std::getenv("ASSAY_DEX_DUMP") != nullptr)  // for reviewing false positives by hand
    for (const auto& f : all.findings)
      std::printf("%s\t%s\t%s\t%s\t%s\n", apk.c_str(), f.rule_id.c_str(), std::string(severity_name(f.severity)).c_str(),
                  f.key.c_str(), f.evidence.empty() ? "" : f.evidence[0].excerpt.c_str());
  if (const char* d = std::getenv("ASSAY_DEX_DUMP"); d != nullptr && *d == '/')
    test::write_file(fs::path(d) / (apk + ".json"), all.fact.dump(1));
  return cache[apk] = std::move(all);
}

TEST(AndroidCode, CorpusRuns) {
  REQUIRE_CORPUS_TOOLS();
  for (std::string apk : {"AndroGoat.apk", "InsecureBankv2.apk", "UnCrackable-Level1.apk", "UnCrackable-Level3.apk",
                          "a2dp.Vol_137.apk", "blooddonation.apk", "com.politedroid_4.apk",
                          "com.teleca.jamendo_35.apk", "debuggable-boolean.apk", "diva-beta.apk", "hello-world.apk"}) {
    const Result& r = analyze_apk(apk);
    ASSERT_FALSE(r.fact.is_null()) << apk;
    EXPECT_GT(r.fact["methods"].get<int>(), 0) << apk;
    EXPECT_FALSE(r.fact["packages"].empty()) << apk;
  }
}

bool has_url(const json& fact, const std::string& url) {
  for (const auto& u : fact["urls"])
    if (u["value"] == url) return true;
  return false;
}

TEST(AndroidCode, UnCrackableLevel1EcbAndHardcodedKey) {
  REQUIRE_CORPUS_TOOLS();
  const Result& r = analyze_apk("UnCrackable-Level1.apk");
  // Cipher.getInstance("AES") names no mode: ECB.
  EXPECT_TRUE(r.has("android.crypto.ecb"));
  const Finding* key = r.get("android.crypto.hardcoded-key", "8d127684cbc37c17616d806cf50473cc");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->severity, Severity::kHigh);
  ASSERT_FALSE(key->evidence.empty());
  EXPECT_EQ(key->evidence[0].path, "UnCrackable-Level1.apk!/classes.dex");
  EXPECT_TRUE(key->evidence[0].offset.has_value());
  EXPECT_NE(key->evidence[0].excerpt.find("sg.vantagepoint.uncrackable1.a.a()"), std::string::npos)
      << key->evidence[0].excerpt;
  EXPECT_EQ(r.fact["classes"], 7);
  EXPECT_EQ(r.fact["dex_version"], "035");
}

TEST(AndroidCode, InsecureBankv2KeyAndDeveloperBackdoor) {
  REQUIRE_CORPUS_TOOLS();
  const Result& r = analyze_apk("InsecureBankv2.apk");
  EXPECT_TRUE(r.has("android.crypto.hardcoded-key", "This is the super secret key 123"));
  const Finding* b = r.get("android.credential-compare", "devadmin");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->category, Category::kBackdoor);
  EXPECT_NE(b->evidence[0].excerpt.find("DoLogin"), std::string::npos) << b->evidence[0].excerpt;
  // Privacy: the sensitive APIs the manifest's permissions allow are used in the code.
  std::set<std::string> types;
  for (const auto& u : r.fact["api_uses"]) types.insert(u["data_type"].get<std::string>());
  EXPECT_TRUE(types.count("device-id") || types.count("phone-state")) << r.fact["api_uses"].dump();
  // Trackers are matched on these package names by the privacy join.
  bool gms = false;
  for (const auto& p : r.fact["packages"]) gms = gms || p == "com.google.android.gms.analytics";
  EXPECT_TRUE(gms);
}

TEST(AndroidCode, DivaVendorSecret) {
  REQUIRE_CORPUS_TOOLS();
  const Result& r = analyze_apk("diva-beta.apk");
  const Finding* f = r.get("android.credential-compare", "vendorsecretkey123");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->evidence[0].excerpt.find("HardcodeActivity"), std::string::npos);
  EXPECT_TRUE(r.has("android.external-storage"));  // InsecureDataStorage4Activity writes to the SD card
}

TEST(AndroidCode, AndroGoatCleartextUrlAndTrustManager) {
  REQUIRE_CORPUS_TOOLS();
  const Result& r = analyze_apk("AndroGoat.apk");
  EXPECT_TRUE(has_url(r.fact, "http://demo.testfire.net"));
  // The X509TrustManager code AndroGoat carries is OkHttp's (a platform trust manager handed to
  // SSLContext.init), with certificate pinning: recorded, and not a trust-all.
  EXPECT_FALSE(r.fact["tls"]["ssl_context_init_callers"].empty());
  EXPECT_TRUE(r.fact["tls"]["pinning"].get<bool>());
  EXPECT_FALSE(r.has("android.tls.trust-all"));
}

TEST(AndroidCode, BenignAppsNoFalsePositives) {
  REQUIRE_CORPUS_TOOLS();
  for (std::string apk : {"hello-world.apk", "com.politedroid_4.apk", "a2dp.Vol_137.apk",
                          "com.teleca.jamendo_35.apk", "debuggable-boolean.apk"}) {
    const Result& r = analyze_apk(apk);
    EXPECT_FALSE(r.has("android.crypto.ecb")) << apk;
    EXPECT_FALSE(r.has("android.tls.trust-all")) << apk;
    EXPECT_FALSE(r.has("android.crypto.hardcoded-key")) << apk;
    EXPECT_FALSE(r.has("android.credential-compare")) << apk;
    for (const auto& f : r.findings)
      EXPECT_LT(f.severity, Severity::kCritical) << apk << ": " << f.rule_id << " " << f.key;
    EXPECT_FALSE(r.fact.is_null()) << apk;
    // What these apps use of personal-data APIs comes from the support library, and says so.
    for (const auto& u : r.fact["api_uses"]) {
      if (u["data_type"] == "location" && apk == "hello-world.apk") {
        EXPECT_TRUE(u["library_only"].get<bool>());
      }
    }
    // XML namespaces are identifiers, not endpoints; every URL is listed once.
    std::set<std::string> seen;
    for (const auto& u : r.fact["urls"]) {
      EXPECT_EQ(u["value"].get<std::string>().find("schemas.android.com"), std::string::npos) << apk;
      EXPECT_TRUE(seen.insert(u["value"].get<std::string>()).second) << apk << " " << u["value"];
    }
  }
}

// Every rule id the analyzer can emit is documented in rules/android/code.yaml.
TEST(AndroidCode, RuleIdsDocumented) {
  std::string yaml = test::read_file(fs::path(ASSAY_SOURCE_DIR) / "rules/android/code.yaml");
  std::string src = test::read_file(fs::path(ASSAY_SOURCE_DIR) / "src/analyzers/android_code/android_code.cpp");
  std::size_t pos = 0, n = 0;
  while ((pos = src.find("\"android.", pos)) != std::string::npos) {
    auto end = src.find('"', pos + 1);
    std::string id = src.substr(pos + 1, end - pos - 1);
    pos = end;
    if (id == "android.code" || id.rfind("android.code.", 0) == 0) continue;  // fact types
    ++n;
    EXPECT_NE(yaml.find("- id: " + id + "\n"), std::string::npos) << id;
  }
  EXPECT_GT(n, 15u);
}

constexpr const char* kSmali = R"SMALI(
.class public Lcom/example/bad/TrustAll;
.super Ljava/lang/Object;
.implements Ljavax/net/ssl/X509TrustManager;
.method public checkClientTrusted([Ljava/security/cert/X509Certificate;Ljava/lang/String;)V
    .registers 3
    return-void
.end method
.method public checkServerTrusted([Ljava/security/cert/X509Certificate;Ljava/lang/String;)V
    .registers 3
    const-string v0, "chain"
    invoke-static {p1, v0}, Lkotlin/jvm/internal/Intrinsics;->checkParameterIsNotNull(Ljava/lang/Object;Ljava/lang/String;)V
    return-void
.end method
.method public getAcceptedIssuers()[Ljava/security/cert/X509Certificate;
    .registers 2
    const/4 v0, 0x0
    new-array v0, v0, [Ljava/security/cert/X509Certificate;
    return-object v0
.end method
---
.class public Lcom/example/good/CheckingTrust;
.super Ljava/lang/Object;
.implements Ljavax/net/ssl/X509TrustManager;
.method public checkServerTrusted([Ljava/security/cert/X509Certificate;Ljava/lang/String;)V
    .registers 4
    new-instance v0, Ljava/security/cert/CertificateException;
    invoke-direct {v0}, Ljava/security/cert/CertificateException;-><init>()V
    throw v0
.end method
---
.class public Lcom/example/bad/AllowAll;
.super Ljava/lang/Object;
.implements Ljavax/net/ssl/HostnameVerifier;
.method public verify(Ljava/lang/String;Ljavax/net/ssl/SSLSession;)Z
    .registers 4
    const/4 v0, 0x1
    return v0
.end method
---
.class public Lcom/example/good/Exact;
.super Ljava/lang/Object;
.implements Ljavax/net/ssl/HostnameVerifier;
.method public verify(Ljava/lang/String;Ljavax/net/ssl/SSLSession;)Z
    .registers 4
    const-string v0, "api.example.com"
    invoke-virtual {p1, v0}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v0
    if-eqz v0, :no
    const/4 v0, 0x1
    return v0
    :no
    const/4 v0, 0x0
    return v0
.end method
---
.class public Lcom/example/bad/Client;
.super Landroid/webkit/WebViewClient;
.method public onReceivedSslError(Landroid/webkit/WebView;Landroid/webkit/SslErrorHandler;Landroid/net/http/SslError;)V
    .registers 4
    invoke-virtual {p2}, Landroid/webkit/SslErrorHandler;->proceed()V
    return-void
.end method
---
.class public Lcom/example/bad/Crypto;
.super Ljava/lang/Object;
.method public static run(Landroid/content/Context;)V
    .registers 6
    const-string v0, "DES/CBC/PKCS5Padding"
    invoke-static {v0}, Ljavax/crypto/Cipher;->getInstance(Ljava/lang/String;)Ljavax/crypto/Cipher;
    const-string v0, "AES/GCM/NoPadding"
    invoke-static {v0}, Ljavax/crypto/Cipher;->getInstance(Ljava/lang/String;)Ljavax/crypto/Cipher;
    new-instance v1, Ljava/security/SecureRandom;
    invoke-direct {v1}, Ljava/security/SecureRandom;-><init>()V
    const-wide/16 v2, 0x2a
    invoke-virtual {v1, v2, v3}, Ljava/security/SecureRandom;->setSeed(J)V
    const-string v0, "prefs"
    const/4 v2, 0x1
    invoke-virtual {p0, v0, v2}, Landroid/content/Context;->getSharedPreferences(Ljava/lang/String;I)Landroid/content/SharedPreferences;
    const-string v0, "private"
    const/4 v2, 0x0
    invoke-virtual {p0, v0, v2}, Landroid/content/Context;->getSharedPreferences(Ljava/lang/String;I)Landroid/content/SharedPreferences;
    const/16 v0, 0x4
    new-array v0, v0, [B
    fill-array-data v0, :iv
    new-instance v1, Ljavax/crypto/spec/IvParameterSpec;
    invoke-direct {v1, v0}, Ljavax/crypto/spec/IvParameterSpec;-><init>([B)V
    return-void
    :iv
    .array-data 1
        0x1t
        0x2t
        0x3t
        0x4t
    .end array-data
.end method
---
.class public Lcom/example/bad/Keys;
.super Ljava/lang/Object;
.method public static key()Ljavax/crypto/spec/SecretKeySpec;
    .registers 3
    const-string v0, "0123456789abcdef"
    invoke-virtual {v0}, Ljava/lang/String;->getBytes()[B
    move-result-object v0
    invoke-static {v0}, Lcom/example/bad/Keys;->wrap([B)Ljavax/crypto/spec/SecretKeySpec;
    move-result-object v0
    return-object v0
.end method
.method public static wrap([B)Ljavax/crypto/spec/SecretKeySpec;
    .registers 3
    new-instance v0, Ljavax/crypto/spec/SecretKeySpec;
    const-string v1, "AES"
    invoke-direct {v0, p0, v1}, Ljavax/crypto/spec/SecretKeySpec;-><init>([BLjava/lang/String;)V
    return-object v0
.end method
---
.class public Lcom/example/bad/Web;
.super Ljava/lang/Object;
.method public static setup(Landroid/webkit/WebView;Landroid/telephony/TelephonyManager;)V
    .registers 6
    invoke-virtual {p0}, Landroid/webkit/WebView;->getSettings()Landroid/webkit/WebSettings;
    move-result-object v0
    const/4 v1, 0x1
    invoke-virtual {v0, v1}, Landroid/webkit/WebSettings;->setJavaScriptEnabled(Z)V
    invoke-virtual {v0, v1}, Landroid/webkit/WebSettings;->setAllowUniversalAccessFromFileURLs(Z)V
    new-instance v1, Ljava/lang/Object;
    invoke-direct {v1}, Ljava/lang/Object;-><init>()V
    const-string v2, "bridge"
    invoke-virtual {p0, v1, v2}, Landroid/webkit/WebView;->addJavascriptInterface(Ljava/lang/Object;Ljava/lang/String;)V
    invoke-virtual {p1}, Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;
    move-result-object v1
    const-string v2, "imei"
    invoke-static {v2, v1}, Landroid/util/Log;->d(Ljava/lang/String;Ljava/lang/String;)I
    const-string v2, "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
    sput-object v2, Lcom/example/bad/Web;->API_SECRET:Ljava/lang/String;
    const-string v2, "/sdcard/plugin.dex"
    new-instance v3, Ldalvik/system/DexClassLoader;
    invoke-direct {v3, v2, v2, v2, v2}, Ldalvik/system/DexClassLoader;-><init>(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/ClassLoader;)V
    const-string v2, "see https://api.vendor-cloud.io/v1/users?id=1 and ftp://files.vendor-cloud.io or http://www.example.com"
    return-void
.end method
---
.class public Lcom/example/bad/LoginActivity;
.super Ljava/lang/Object;
.method public check(Ljava/lang/String;)Z
    .registers 4
    const-string v0, "s3cr3tAdmin"
    invoke-virtual {p1, v0}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v0
    return v0
.end method
---
.class public Lcom/example/good/Parser;
.super Ljava/lang/Object;
.method public isJson(Ljava/lang/String;)Z
    .registers 4
    const-string v0, "json_type"
    invoke-virtual {p1, v0}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v0
    return v0
.end method
---
.class public Lokhttp3/internal/Fake;
.super Ljava/lang/Object;
.method public static md()V
    .registers 1
    const-string v0, "AES"
    invoke-static {v0}, Ljavax/crypto/Cipher;->getInstance(Ljava/lang/String;)Ljavax/crypto/Cipher;
    return-void
.end method
)SMALI";

const Result& smali_fixture() {
  static Result r;
  static bool done = false;
  if (done) return r;
  done = true;
  test::TempDir dir;
  fs::create_directories(dir / "src");
  std::string all = kSmali, part;
  std::size_t start = 0;
  int i = 0;
  while (true) {
    auto sep = all.find("\n---\n", start);
    test::write_file(dir / "src" / ("c" + std::to_string(i++) + ".smali"),
                     all.substr(start, sep == std::string::npos ? std::string::npos : sep - start + 1));
    if (sep == std::string::npos) break;
    start = sep + 5;
  }
  std::string out;
  int rc = test::run("smali assemble -o '" + (dir / "classes.dex").string() + "' '" + (dir / "src").string() + "' 2>&1",
                     &out);
  EXPECT_EQ(rc, 0) << out;
  if (rc == 0) r = analyze_bytes(test::read_file(dir / "classes.dex"), "fixture.apk!/classes.dex");
  return r;
}

TEST(AndroidCode, SmaliFixtureTls) {
  ASSAY_REQUIRE_TOOL("smali");
  const Result& r = smali_fixture();
  EXPECT_TRUE(r.has("android.tls.trust-all", "com.example.bad.TrustAll"));
  EXPECT_FALSE(r.has("android.tls.trust-all", "com.example.good.CheckingTrust"));
  EXPECT_TRUE(r.has("android.tls.hostname-verifier-all", "com.example.bad.AllowAll"));
  EXPECT_FALSE(r.has("android.tls.hostname-verifier-all", "com.example.good.Exact"));
  EXPECT_TRUE(r.has("android.tls.ssl-error-proceed"));
  auto tms = r.fact["tls"]["trust_managers"];
  EXPECT_EQ(tms.size(), 2u) << tms.dump();
}

TEST(AndroidCode, SmaliFixtureCryptoAndStorage) {
  ASSAY_REQUIRE_TOOL("smali");
  const Result& r = smali_fixture();
  EXPECT_TRUE(r.has("android.crypto.weak-cipher"));
  EXPECT_TRUE(r.has("android.crypto.static-seed", "42"));
  EXPECT_TRUE(r.has("android.crypto.hardcoded-key", "bytes 01020304"));       // IV from an array
  EXPECT_TRUE(r.has("android.crypto.hardcoded-key", "0123456789abcdef"));     // via getBytes and a helper
  EXPECT_TRUE(r.has("android.world-readable", "com.example.bad.Crypto.run():prefs"));
  EXPECT_FALSE(r.has("android.world-readable", "com.example.bad.Crypto.run():private"));
  // GCM is fine; "AES" in okhttp3 (a library package) is ECB at the library severity.
  const Finding* lib = nullptr;
  for (const auto& f : r.findings)
    if (f.rule_id == "android.crypto.ecb") lib = &f;
  ASSERT_NE(lib, nullptr);
  EXPECT_EQ(lib->severity, Severity::kLow);
  EXPECT_NE(lib->evidence[0].excerpt.find("[library code]"), std::string::npos);
  int ecb = 0;
  for (const auto& f : r.findings) ecb += f.rule_id == "android.crypto.ecb";
  EXPECT_EQ(ecb, 1);
}

TEST(AndroidCode, SmaliFixtureAppLogic) {
  ASSAY_REQUIRE_TOOL("smali");
  const Result& r = smali_fixture();
  EXPECT_TRUE(r.has("android.webview.js-interface"));
  EXPECT_TRUE(r.has("android.sensitive-logging", "com.example.bad.Web.setup()"));
  EXPECT_TRUE(r.has("android.credential-compare", "s3cr3tAdmin"));
  EXPECT_FALSE(r.has("android.credential-compare", "json_type"));
  EXPECT_TRUE(has_url(r.fact, "https://api.vendor-cloud.io/v1/users?id=1"));
  EXPECT_TRUE(has_url(r.fact, "ftp://files.vendor-cloud.io"));
  EXPECT_FALSE(has_url(r.fact, "http://www.example.com"));
  bool imei = false;
  for (const auto& u : r.fact["api_uses"])
    if (u["api"] == "android.telephony.TelephonyManager.getDeviceId") {
      imei = true;
      EXPECT_EQ(u["data_type"], "device-id");
      EXPECT_EQ(u["callers"][0], "com.example.bad.Web.setup()");
    }
  EXPECT_TRUE(imei) << r.fact["api_uses"].dump();
  EXPECT_TRUE(r.fact["webview"]["javascript_enabled"].get<bool>());
  EXPECT_TRUE(r.has("android.webview.file-access"));
  EXPECT_TRUE(r.has("android.hardcoded-secret", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"));
  EXPECT_TRUE(r.has("android.dynamic-code", "com.example.bad.Web.setup()"));
  EXPECT_TRUE(r.fact["dynamic_code_loading"].get<bool>());
}

// Key material handed to native code: a key-named static final constant (inlined by javac at the
// call, so only the class's static values name it) and a key-named field written once, each
// passed to a `native` method, are reported; a key-named preference name passed to Java code,
// and an unnamed constant passed to native code, are not.
constexpr const char* kNativeSmali = R"SMALI(
.class public Lcom/example/nat/Guard;
.super Ljava/lang/Object;
.field private static final SIGNING_KEY:Ljava/lang/String; = "k3y-Material-Inlined"
.field private static final PREF_KEY:Ljava/lang/String; = "last_user_name"
.field private static sessionSecret:Ljava/lang/String;
.method static constructor <clinit>()V
    .registers 1
    const-string v0, "s3ss10n-s3cr3t-value"
    sput-object v0, Lcom/example/nat/Guard;->sessionSecret:Ljava/lang/String;
    return-void
.end method
.method private native init([B)V
.end method
.method private native setup(Ljava/lang/String;)V
.end method
.method private native load(Ljava/lang/String;)V
.end method
.method public start(Landroid/content/SharedPreferences;)V
    .registers 5
    const-string v0, "k3y-Material-Inlined"
    invoke-virtual {v0}, Ljava/lang/String;->getBytes()[B
    move-result-object v0
    invoke-direct {p0, v0}, Lcom/example/nat/Guard;->init([B)V
    sget-object v1, Lcom/example/nat/Guard;->sessionSecret:Ljava/lang/String;
    invoke-direct {p0, v1}, Lcom/example/nat/Guard;->setup(Ljava/lang/String;)V
    const-string v2, "last_user_name"
    const/4 v3, 0x0
    invoke-interface {p1, v2, v3}, Landroid/content/SharedPreferences;->getString(Ljava/lang/String;Ljava/lang/String;)Ljava/lang/String;
    const-string v2, "config-v2-release"
    invoke-direct {p0, v2}, Lcom/example/nat/Guard;->load(Ljava/lang/String;)V
    return-void
.end method
)SMALI";

TEST(AndroidCode, SmaliFixtureNativeKey) {
  ASSAY_REQUIRE_TOOL("smali");
  test::TempDir dir;
  fs::create_directories(dir / "src");
  test::write_file(dir / "src" / "Guard.smali", kNativeSmali);
  std::string out;
  ASSERT_EQ(test::run("smali assemble -o '" + (dir / "classes.dex").string() + "' '" + (dir / "src").string() + "' 2>&1",
                      &out),
            0)
      << out;
  Result r = analyze_bytes(test::read_file(dir / "classes.dex"), "native.apk!/classes.dex");
  const Finding* inlined = r.get("android.native-hardcoded-key", "k3y-Material-Inlined");
  ASSERT_NE(inlined, nullptr);
  EXPECT_EQ(inlined->severity, Severity::kHigh);
  EXPECT_NE(inlined->evidence[0].excerpt.find("SIGNING_KEY"), std::string::npos) << inlined->evidence[0].excerpt;
  EXPECT_NE(inlined->evidence[0].excerpt.find("Guard.init()"), std::string::npos) << inlined->evidence[0].excerpt;
  EXPECT_TRUE(r.has("android.native-hardcoded-key", "s3ss10n-s3cr3t-value"));
  EXPECT_FALSE(r.has("android.native-hardcoded-key", "last_user_name"));
  EXPECT_FALSE(r.has("android.native-hardcoded-key", "config-v2-release"));
  int n = 0;
  for (const auto& f : r.findings) n += f.rule_id == "android.native-hardcoded-key";
  EXPECT_EQ(n, 2);
}

TEST(AndroidCode, UnCrackableLevel3NativeKey) {
  REQUIRE_CORPUS_TOOLS();
  // MANIFEST ground truth: expected to fail; the secret is checked in libfoo.so with a key the
  // Java side holds in a static final field and hands to native init().
  const Result& r = analyze_apk("UnCrackable-Level3.apk");
  bool found = false;
  for (const auto& f : r.findings)
    if (f.rule_id == "android.native-hardcoded-key") {
      found = true;
      EXPECT_EQ(f.severity, Severity::kHigh);
      EXPECT_NE(f.evidence[0].excerpt.find("xorkey"), std::string::npos) << f.evidence[0].excerpt;
    }
  EXPECT_TRUE(found);
  for (std::string apk : {"hello-world.apk", "com.politedroid_4.apk", "a2dp.Vol_137.apk", "com.teleca.jamendo_35.apk",
                          "debuggable-boolean.apk", "blooddonation.apk"})
    EXPECT_FALSE(analyze_apk(apk).has("android.native-hardcoded-key")) << apk;
}

// Timing of the whole analysis of the largest corpus dex (printed; benchmarks are not tests).
TEST(AndroidCode, LargestDexTiming) {
  REQUIRE_CORPUS_TOOLS();
  const Result& r = analyze_apk("InsecureBankv2.apk");
  RecordProperty("insecurebankv2_ms", std::to_string(r.ms));
  std::printf("android-code on InsecureBankv2 classes.dex (6.1 MB): %.1f ms CPU\n", r.ms);
  EXPECT_FALSE(r.fact.is_null());
}

}  // namespace
}  // namespace assay
