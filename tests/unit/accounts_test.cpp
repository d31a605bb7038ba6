// Accounts: the passwd/shadow/group parsers, crypt(3) scheme identification, default-password
// cracking (hashes made by `openssl passwd` and libcrypt as oracles) and the account findings on
// generated root file systems; the corpus ground truth (DVAR empty root password, the kirkwood
// installer's second uid-0 account).
#include <crypt.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "assay/scan.hpp"
#include "formats/passwd/passwd.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;

void put(const fs::path& root, const std::string& rel, const std::string& text, fs::perms mode = fs::perms::none) {
  fs::path p = root / rel;
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  if (mode != fs::perms::none) fs::permissions(p, mode);
}

Assessment scan_dir(const std::string& p, std::vector<std::string> password_files = {}) {
  ScanOptions o;
  o.jobs = 2;
  o.config.password_files = std::move(password_files);
  auto r = scan(p, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : Assessment{};
}

std::vector<const Finding*> findings(const Assessment& a, const std::string& rule) {
  std::vector<const Finding*> v;
  for (const auto& f : a.findings)
    if (f.rule_id == rule) v.push_back(&f);
  return v;
}

std::string openssl_passwd(const std::string& flag, const std::string& salt, const std::string& pw) {
  std::string out;
  EXPECT_EQ(test::run("openssl passwd " + flag + " -salt " + salt + " '" + pw + "'", &out), 0);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string des_crypt(const std::string& pw, const char* salt) {
  crypt_data d{};
  const char* h = crypt_rn(pw.c_str(), salt, &d, sizeof d);
  return h ? h : "";
}

constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "daemon:*:1:1:daemon:/var:/bin/false\n"
    "nobody:*:65534:65534:nobody:/var:/bin/false\n";

// ------------------------------------------------------------------------------------------------
// Parsers

TEST(PasswdFormat, IdentifiesSchemesAndStates) {
  using passwd::HashScheme;
  using passwd::PasswordState;
  auto h = passwd::identify_hash("", true);
  EXPECT_EQ(h.state, PasswordState::kEmpty);
  EXPECT_EQ(passwd::identify_hash("x", false).state, PasswordState::kShadow);
  EXPECT_EQ(passwd::identify_hash("x", true).state, PasswordState::kLocked);
  EXPECT_EQ(passwd::identify_hash("!!", true).state, PasswordState::kLocked);
  EXPECT_EQ(passwd::identify_hash("*LK*", true).state, PasswordState::kLocked);
  auto locked = passwd::identify_hash("!$6$salt$abcdefghijkl", true);
  EXPECT_EQ(locked.state, PasswordState::kLocked);
  EXPECT_EQ(locked.scheme, HashScheme::kSha512);
  EXPECT_EQ(passwd::identify_hash("abJnggxhB/yWI", true).scheme, HashScheme::kDes);
  EXPECT_EQ(passwd::identify_hash("_J9..CCCCXBrJUJV154M", true).scheme, HashScheme::kBsdiDes);
  EXPECT_EQ(passwd::identify_hash("$1$abc$def", true).scheme, HashScheme::kMd5);
  auto bc = passwd::identify_hash("$2b$12$abcdefghijklmnopqrstuu5Lo0g67CiD3M4RpN1BmBb4Crp5w7dbK", true);
  EXPECT_EQ(bc.scheme, HashScheme::kBcrypt);
  EXPECT_EQ(bc.cost.value_or(0), 12u);
  EXPECT_EQ(passwd::identify_hash("$5$rounds=10000$salt$x", true).cost.value_or(0), 10000u);
  EXPECT_EQ(passwd::identify_hash("$6$salt$x", true).cost.value_or(0), 5000u);
  EXPECT_EQ(passwd::identify_hash("$y$j9T$salt$hash", true).scheme, HashScheme::kYescrypt);
  EXPECT_EQ(passwd::identify_hash("$gy$j9T$salt$hash", true).scheme, HashScheme::kGostYescrypt);
  EXPECT_EQ(passwd::identify_hash("$7$CU..../....salt$hash", true).scheme, HashScheme::kScrypt);
  EXPECT_EQ(passwd::identify_hash("admin", true).scheme, HashScheme::kPlainOrUnknown);
  EXPECT_TRUE(passwd::is_weak_scheme(HashScheme::kDes));
  EXPECT_FALSE(passwd::is_weak_scheme(HashScheme::kSha512));
  EXPECT_TRUE(passwd::is_slow_scheme(HashScheme::kYescrypt));
}

TEST(PasswdFormat, ParsesBusyboxAndShortRecords) {
  std::string text = "# comment\nroot::0:0:root:/root:/bin/ash\r\nguest:abJnggxhB/yWI:500:500\n+::::::\nbad line\n";
  auto f = passwd::parse_passwd(as_bytes(text));
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->entries.size(), 2u);
  EXPECT_EQ(f->entries[0].shell, "/bin/ash");
  EXPECT_EQ(f->entries[0].line, 2u);
  EXPECT_EQ(f->entries[1].uid.value_or(1), 500u);
  EXPECT_TRUE(f->entries[1].shell.empty());
  EXPECT_EQ(f->diagnostics.size(), 1u);  // "bad line"
  EXPECT_FALSE(passwd::parse_passwd(as_bytes(std::string("hello world\n"))).ok());

  auto s = passwd::parse_shadow(as_bytes(std::string("root::0:0:99999:7:::\nuser:$1$a$b\n")));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->entries.size(), 2u);
  auto g = passwd::parse_group(as_bytes(std::string("root:x:0:\nwheel:x:10:root,admin\n")));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->entries[1].members.size(), 2u);

  EXPECT_EQ(passwd::guess_shape(as_bytes(std::string(kPasswd))), passwd::Shape::kPasswd);
  EXPECT_EQ(passwd::guess_shape(as_bytes(std::string("root::0:0:99999:7:::\n"))), passwd::Shape::kShadow);
  EXPECT_EQ(passwd::guess_shape(as_bytes(std::string("root:x:0:\nusers:x:100:a,b\n"))), passwd::Shape::kGroup);
  EXPECT_EQ(passwd::guess_shape(as_bytes(std::string("admin:$apr1$x$y\n"))), passwd::Shape::kOther);  // .htpasswd
}

// ------------------------------------------------------------------------------------------------
// Findings on generated systems

TEST(Accounts, EmptyRootPasswordIsCritical) {
  test::TempDir d;
  put(d.path(), "etc/passwd", kPasswd);
  put(d.path(), "etc/shadow", "root::19000:0:99999:7:::\ndaemon:*:0:0:99999:7:::\nnobody:*:0:0:99999:7:::\n");
  Assessment a = scan_dir(d.str());
  auto f = findings(a, "accounts.empty-password");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->severity, Severity::kCritical);
  EXPECT_EQ(f[0]->key, "root");
  EXPECT_EQ(f[0]->evidence.size(), 2u);  // the passwd line and the shadow line
  bool fact = false;
  for (const auto& x : a.facts)
    if (x.type == "system.accounts" && x.data["file"] == "shadow") {
      fact = true;
      EXPECT_EQ(x.data["accounts"][0]["password_state"], "empty");
    }
  EXPECT_TRUE(fact);
}

TEST(Accounts, LockedRootGetsNothing) {
  test::TempDir d;
  put(d.path(), "etc/passwd", kPasswd);
  put(d.path(), "etc/shadow", "root:*:19000:0:99999:7:::\ndaemon:!:0:0:99999:7:::\nnobody:!!:0:0:99999:7:::\n");
  Assessment a = scan_dir(d.str());
  for (const auto& f : a.findings) {
    EXPECT_FALSE(f.rule_id.starts_with("accounts.")) << f.rule_id;
  }
}

TEST(Accounts, DefaultPasswordFromBuiltInListMd5) {
  ASSAY_REQUIRE_TOOL("openssl");
  test::TempDir d;
  put(d.path(), "etc/passwd", kPasswd);
  put(d.path(), "etc/shadow", "root:" + openssl_passwd("-1", "Xq3zT9", "xc3511") + ":19000:0:99999:7:::\n");
  Assessment a = scan_dir(d.str());
  auto f = findings(a, "accounts.default-password");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->severity, Severity::kCritical);
  EXPECT_NE(f[0]->description.find("xc3511"), std::string::npos);
  EXPECT_NE(f[0]->description.find("Xiongmai"), std::string::npos);  // names the list entry
  EXPECT_EQ(findings(a, "accounts.weak-hash-scheme").size(), 1u);     // MD5-crypt
  EXPECT_EQ(findings(a, "accounts.no-shadow").size(), 0u);
}

TEST(Accounts, StrongUniquePasswordIsNotCracked) {
  ASSAY_REQUIRE_TOOL("openssl");
  test::TempDir d;
  put(d.path(), "etc/passwd", kPasswd);
  put(d.path(), "etc/shadow", "root:" + openssl_passwd("-6", "Kp0wq8", "v9!Qm#2rTz-unique") + ":19000:0:99999:7:::\n");
  Assessment a = scan_dir(d.str());
  EXPECT_EQ(findings(a, "accounts.default-password").size(), 0u);
  EXPECT_EQ(findings(a, "accounts.weak-hash-scheme").size(), 0u);
  EXPECT_EQ(findings(a, "accounts.empty-password").size(), 0u);
}

TEST(Accounts, UserNameAsPasswordInlineDesHash) {
  test::TempDir d;
  std::string h = des_crypt("support", "ab");
  ASSERT_EQ(h.size(), 13u);
  put(d.path(), "etc/passwd", "root:*:0:0:root:/root:/bin/sh\nsupport:" + h + ":100:100::/tmp:/bin/sh\n");
  Assessment a = scan_dir(d.str());
  auto f = findings(a, "accounts.default-password");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->key, "support");
  EXPECT_EQ(findings(a, "accounts.no-shadow").size(), 1u);
  auto w = findings(a, "accounts.weak-hash-scheme");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0]->title.find("des"), std::string::npos);
}

TEST(Accounts, UserPasswordListInCheatSheetFormat) {
  ASSAY_REQUIRE_TOOL("openssl");
  test::TempDir d;
  fs::path rootfs = d.path() / "rootfs";
  put(rootfs, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000::/home/admin:/bin/sh\n");
  put(rootfs, "etc/shadow", "root:*:1:0:::::\nadmin:" + openssl_passwd("-6", "Ab12Cd", "AcmeRouter#77") + ":1:0:::::\n");
  put(d.path(), "creds.csv", "productvendor,username,password\nAcme,admin,AcmeRouter#77\nOther,root,<blank>\n");
  Assessment without = scan_dir(rootfs.string());
  EXPECT_EQ(findings(without, "accounts.default-password").size(), 0u);
  Assessment with = scan_dir(rootfs.string(), {(d.path() / "creds.csv").string()});
  auto f = findings(with, "accounts.default-password");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->key, "admin");
  EXPECT_NE(f[0]->description.find("Acme"), std::string::npos);
}

TEST(Accounts, SecondUid0Account) {
  test::TempDir d;
  put(d.path(), "etc/passwd", "root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n");
  put(d.path(), "etc/shadow", "root:*:1:0:::::\ntoor:$6$abc$Jv9hP0wQ3kM7nA1sD2fG3hJ4kL5zX6cV7bN8mQ9wE0rT1yU2iO3pA4sD5fG6hJ7kL8zX9cV0bN1mQ2w:1:0:::::\n");
  Assessment a = scan_dir(d.str());
  auto f = findings(a, "accounts.extra-uid0");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->key, "toor");
  EXPECT_EQ(f[0]->severity, Severity::kHigh);
}

// ------------------------------------------------------------------------------------------------
// Corpus ground truth

std::string shell_out(const std::string& cmd) {
  std::string out;
  EXPECT_EQ(test::run(cmd, &out), 0) << cmd;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// Unsalted digests made by `openssl dgst` (the oracle), {SHA}/{SSHA} as htpasswd -s / slappasswd
// write them.
std::string hex_digest(const std::string& alg, const std::string& pw) {
  std::string out = shell_out("printf '%s' '" + pw + "' | openssl dgst -" + alg + " -r");
  return out.substr(0, out.find(' '));
}
std::string ldap_sha(const std::string& pw) {
  return "{SHA}" + shell_out("printf '%s' '" + pw + "' | openssl dgst -sha1 -binary | base64");
}
std::string ldap_ssha(const std::string& pw, const std::string& salt) {
  return "{SSHA}" + shell_out("(printf '%s' '" + pw + salt + "' | openssl dgst -sha1 -binary; printf '%s' '" + salt +
                              "') | base64 -w0");
}

TEST(PasswdFormat, IdentifiesUnsaltedDigests) {
  using passwd::HashScheme;
  EXPECT_EQ(passwd::identify_hash("21232f297a57a5a743894a0e4a801fc3", true).scheme, HashScheme::kRawMd5);
  EXPECT_EQ(passwd::identify_hash("D033E22AE348AEB5660FC2140AEC35850C4DA997", true).scheme, HashScheme::kRawSha1);
  EXPECT_EQ(passwd::identify_hash(std::string(64, 'a'), true).scheme, HashScheme::kRawSha256);
  EXPECT_EQ(passwd::identify_hash("{SHA}0DPiKuNIrrVmD8IUCuw1hQxNqZc=", true).scheme, HashScheme::kLdapSha);
  EXPECT_EQ(passwd::identify_hash("{SSHA}DkMTwBl+a/3DQTxCYEApdUtNXGgdUac3", true).scheme, HashScheme::kLdapSsha);
  EXPECT_EQ(passwd::identify_hash("$apr1$abc$def", true).scheme, HashScheme::kApr1);
  // Not digests: wrong lengths, non-hex characters, bad base64.
  EXPECT_EQ(passwd::identify_hash(std::string(31, 'a'), true).scheme, HashScheme::kPlainOrUnknown);
  EXPECT_EQ(passwd::identify_hash("21232f297a57a5a743894a0e4a801fcg", true).scheme, HashScheme::kPlainOrUnknown);
  EXPECT_EQ(passwd::identify_hash("{SHA}short", true).scheme, HashScheme::kPlainOrUnknown);
  EXPECT_TRUE(passwd::is_raw_digest(HashScheme::kRawSha256));
  EXPECT_TRUE(passwd::is_weak_scheme(HashScheme::kLdapSsha));
  EXPECT_FALSE(passwd::is_raw_digest(HashScheme::kMd5));
}

TEST(Accounts, UnsaltedDigestsInShadowAreCracked) {
  ASSAY_REQUIRE_TOOL("openssl");
  test::TempDir d;
  put(d.path(), "etc/passwd",
      "root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000::/home/admin:/bin/sh\nsupport:x:1001:1001::/:/bin/sh\n"
      "guest:x:1002:1002::/:/bin/sh\nops:x:1003:1003::/:/bin/sh\n");
  put(d.path(), "etc/shadow",
      "root:" + hex_digest("md5", "admin") + ":19000::::::\n" +          // raw MD5 of a default
      "admin:" + hex_digest("sha1", "1234") + ":19000::::::\n" +         // raw SHA-1 of a default
      "support:" + hex_digest("sha256", "support") + ":19000::::::\n" +  // its own name, SHA-256
      "guest:" + ldap_ssha("admin", "s4Lt") + ":19000::::::\n" +          // salted SHA-1
      "ops:" + hex_digest("sha256", "Zq8!unique-Passphrase-77") + ":19000::::::\n");
  Assessment a = scan_dir(d.str());
  auto dp = findings(a, "accounts.default-password");
  std::set<std::string> cracked;
  for (const auto* f : dp) cracked.insert(f->key);
  EXPECT_EQ(cracked, (std::set<std::string>{"root", "admin", "support", "guest"}));
  std::set<std::string> unsalted;
  for (const auto* f : findings(a, "accounts.unsalted-hash")) unsalted.insert(f->key);
  EXPECT_EQ(unsalted, (std::set<std::string>{"root", "admin", "support", "ops"}));  // not guest: {SSHA} is salted
  auto weak = findings(a, "accounts.weak-hash-scheme");
  ASSERT_EQ(weak.size(), 1u);
  EXPECT_EQ(weak[0]->key, "guest");
}

TEST(Accounts, HtpasswdIsItsOwnDatabase) {
  ASSAY_REQUIRE_TOOL("openssl");
  test::TempDir d;
  put(d.path(), "etc/passwd", kPasswd);
  put(d.path(), "etc/shadow", "root:*:19000:0:99999:7:::\n");
  put(d.path(), "www/.htpasswd",
      "admin:" + ldap_sha("admin") + "\n" + "viewer:" + openssl_passwd("-apr1", "Xq3zT9Ab", "Zq8!unique-77") + "\n" +
      "api:" + openssl_passwd("-6", "Kp0wq8", "v9!Qm#2rTz-unique") + "\n");
  Assessment a = scan_dir(d.str());
  auto dp = findings(a, "accounts.default-password");
  ASSERT_EQ(dp.size(), 1u);
  EXPECT_EQ(dp[0]->key, "admin");
  EXPECT_NE(dp[0]->evidence.front().path.find(".htpasswd"), std::string::npos);
  auto un = findings(a, "accounts.unsalted-hash");
  ASSERT_EQ(un.size(), 1u);
  EXPECT_EQ(un[0]->key, "admin");
  auto weak = findings(a, "accounts.weak-hash-scheme");
  ASSERT_EQ(weak.size(), 1u);  // apr1; the SHA-512 crypt entry is fine
  EXPECT_EQ(weak[0]->key, "viewer");
  // The htpasswd users are not system accounts: no empty-password or uid findings for them, and
  // the system's locked root stays quiet.
  EXPECT_EQ(findings(a, "accounts.empty-password").size(), 0u);
}

TEST(AccountsCorpus, DvarRootHasEmptyPassword) {
  ASSAY_REQUIRE_CORPUS();
  for (const char* fw : {"firmware/DV-ARM-rootfs-arm.tar.bz2", "firmware/DV-MIPSEL-rootfs-mipsel.tar.bz2"}) {
    Assessment a = scan_dir((test::corpus_dir() / fw).string());
    auto f = findings(a, "accounts.empty-password");
    ASSERT_EQ(f.size(), 1u) << fw;
    EXPECT_EQ(f[0]->key, "root");
    EXPECT_EQ(f[0]->severity, Severity::kCritical);
    EXPECT_EQ(findings(a, "accounts.extra-uid0").size(), 0u);
  }
}

TEST(AccountsCorpus, KirkwoodInstallerIsSecondUid0) {
  ASSAY_REQUIRE_CORPUS();
  Assessment a = scan_dir((test::corpus_dir() / "firmware/debian-kirkwood-sheevaplug/uInitrd").string());
  auto f = findings(a, "accounts.extra-uid0");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->key, "installer");
  // root is locked ('*'): nothing about root.
  for (const auto& x : a.findings) {
    if (x.rule_id.starts_with("accounts.")) {
      EXPECT_NE(x.key, "root") << x.rule_id;
    }
  }
}

}  // namespace
}  // namespace assay
