// Pattern rules (rules/patterns/*.yaml) through the vectorscan matcher and the patterns analyzer:
// each family positive and negative on generated files, placeholders not flagged, secrets masked,
// fingerprints stable, the chunked scan of big nodes, and a user's --rules directory.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <random>
#include <string>

#include <fmt/format.h>

#include "assay/scan.hpp"
#include "rules/matcher.hpp"
#include "rules/rule_pack.hpp"
#include "rules/validators.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;

Assessment scan_dir(const std::string& p, const std::string& rules_dir = {}) {
  ScanOptions o;
  o.jobs = 2;
  o.config.rules_dir = rules_dir;
  auto r = scan(p, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : Assessment{};
}

// Findings of `rule` whose evidence path ends with `file`.
std::vector<const Finding*> hits(const Assessment& a, const std::string& rule, const std::string& file) {
  std::vector<const Finding*> out;
  for (const auto& f : a.findings)
    if (f.rule_id == rule && !f.evidence.empty() && f.evidence[0].path.ends_with(file)) out.push_back(&f);
  return out;
}

std::string random_alnum(std::size_t n, std::mt19937& rng) {
  static const std::string kA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += kA[rng() % kA.size()];
  return s;
}

// A GitHub classic token with a correct CRC32/base62 checksum (the format GitHub documents).
std::string github_token(std::mt19937& rng) {
  std::string body = random_alnum(30, rng);
  auto crc = static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(body.data()), 30));
  static const std::string kB62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string sum;
  for (std::uint64_t v = crc; v > 0; v /= 62) sum.insert(sum.begin(), kB62[v % 62]);
  while (sum.size() < 6) sum.insert(sum.begin(), '0');
  return "ghp_" + body + sum;
}

std::string b64url(const std::string& s) {
  static const char* kA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : s) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kA[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kA[(acc << (6 - bits)) & 63];
  return out;
}

class PatternsTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  std::mt19937 rng{42};
  void put(const std::string& rel, const std::string& data) {
    fs::create_directories((dir.path() / rel).parent_path());
    test::write_file(dir.path() / rel, data);
  }
};

TEST(PatternRules, BuiltInPackLoadsAndCompiles) {
  auto pack = rules::load_rule_pack();
  ASSERT_TRUE(pack.ok());
  EXPECT_TRUE(pack->errors.empty()) << pack->errors.front();
  auto m = rules::PatternMatcher::compile(pack->rules);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_GE((*m)->rules().size(), 20u);
  for (const auto& r : (*m)->rules()) {
    EXPECT_FALSE(r.title.empty()) << r.id;
    EXPECT_FALSE(r.remediation.empty()) << r.id;
    EXPECT_FALSE(r.references.empty()) << r.id;
  }
}

TEST_F(PatternsTest, CloudAndServiceTokens) {
  const std::string gh = github_token(rng);
  std::string bad_gh = gh;
  bad_gh.back() = bad_gh.back() == 'A' ? 'B' : 'A';  // checksum no longer holds
  const std::string aws_secret = random_alnum(40, rng);
  put("etc/cloud.conf", "[default]\naws_access_key_id = AKIA" + std::string("Q3EGRZ5NB7KXW2MV") +
                            "\naws_secret_access_key = " + aws_secret + "\n");
  put("etc/aws-docs.txt", "example: AKIAIOSFODNN7EXAMPLE\n");
  put("etc/gh.txt", "token=" + gh + "\n");
  put("etc/gh-bad.txt", "token=" + bad_gh + "\n");
  put("etc/slack.txt", "SLACK=xoxb-" + std::string("2384918273645-") + random_alnum(24, rng) + "\n");
  put("etc/google.txt", "key: AIza" + random_alnum(35, rng) + "\n");
  put("etc/stripe.txt", "STRIPE_KEY=sk_live_" + random_alnum(32, rng) + "\n");
  put("etc/sendgrid.txt", "SG." + random_alnum(22, rng) + "." + random_alnum(43, rng) + "\n");
  const std::string jwt = b64url(R"({"alg":"HS256","typ":"JWT"})") + "." + b64url(R"({"sub":"1234567890","iat":1516239022})") +
                          "." + b64url(random_alnum(32, rng));
  put("etc/jwt.txt", "Authorization: Bearer " + jwt + "\n");
  put("etc/notjwt.txt", "eyJub3RqdWt" + random_alnum(20, rng) + ".eyJ" + random_alnum(20, rng) + "." + random_alnum(30, rng) + "\n");
  Assessment a = scan_dir(dir.str());
  auto aws = hits(a, "secrets.aws-access-key", "cloud.conf");
  ASSERT_EQ(aws.size(), 1u);
  EXPECT_EQ(aws[0]->confidence, "high");  // the secret access key stands next to it
  EXPECT_EQ(aws[0]->evidence[0].line, 2u);
  EXPECT_EQ(aws[0]->evidence[0].excerpt.find("Q3EGRZ5NB7KXW2MV"), std::string::npos) << "secret not masked";
  EXPECT_TRUE(hits(a, "secrets.aws-access-key", "aws-docs.txt").empty());
  EXPECT_EQ(hits(a, "secrets.github-token", "gh.txt").size(), 1u);
  EXPECT_TRUE(hits(a, "secrets.github-token", "gh-bad.txt").empty());
  EXPECT_EQ(hits(a, "secrets.slack-token", "slack.txt").size(), 1u);
  EXPECT_EQ(hits(a, "secrets.google-api-key", "google.txt").size(), 1u);
  EXPECT_EQ(hits(a, "secrets.stripe-key", "stripe.txt").size(), 1u);
  EXPECT_EQ(hits(a, "secrets.sendgrid-key", "sendgrid.txt").size(), 1u);
  EXPECT_EQ(hits(a, "secrets.jwt", "jwt.txt").size(), 1u);
  EXPECT_TRUE(hits(a, "secrets.jwt", "notjwt.txt").empty());
  for (const auto& f : a.findings) EXPECT_EQ(f.evidence[0].excerpt.find(gh), std::string::npos) << f.rule_id;
}

TEST_F(PatternsTest, PasswordAssignmentsAndPlaceholders) {
  put("etc/app.conf", "db_host=10.0.0.1\ndb_password=Xk9#mQ2vLp\n");
  put("etc/app.json", "{\"user\": \"svc\", \"api_key\": \"f83kd9Dk20sLqA\"}\n");
  put("etc/placeholders.conf",
      "password=changeme\npassword=${PASSWORD}\npasswd: \"<password>\"\napi_key = your_api_key\n"
      "password = os.environ.get('PW')\npassword=$1\nsecret_key = xxxxxxxx\npassword: \"{{ vault_pw }}\"\n"
      "if (password == 'Zz9') {}\n");
  put("www/login.js", "var password = document.getElementById('pw').value;\n");
  Assessment a = scan_dir(dir.str());
  auto conf = hits(a, "secrets.hardcoded-password", "app.conf");
  ASSERT_EQ(conf.size(), 1u);
  EXPECT_EQ(conf[0]->evidence[0].line, 2u);
  EXPECT_EQ(conf[0]->evidence[0].excerpt.find("Xk9#mQ2vLp"), std::string::npos);
  EXPECT_EQ(hits(a, "secrets.hardcoded-password", "app.json").size(), 1u);
  for (const auto* f : hits(a, "secrets.hardcoded-password", "placeholders.conf"))
    ADD_FAILURE() << "placeholder flagged: " << f->evidence[0].excerpt;
  EXPECT_TRUE(hits(a, "secrets.hardcoded-password", "login.js").empty());
}

TEST_F(PatternsTest, CredentialsInUrlsAndEmbeddedKeys) {
  put("usr/sbin/backup.sh", "#!/bin/sh\nwget ftp://backup:Tr0ub4dor3@files.vendor-cloud.com/cfg.tgz\n"
                            "wget http://user:password@example.com/x\ncurl https://${U}:${P}@api.vendor.com/\n");
  put("usr/share/provision.sh",
      "#!/bin/sh\ncat > /tmp/k <<EOF\n-----BEGIN RSA PRIVATE KEY-----\n" + std::string(64 * 20, 'A') +
          "\n-----END RSA PRIVATE KEY-----\nEOF\n");
  put("usr/share/doc/readme.txt", "Put your -----BEGIN PRIVATE KEY----- block in the file.\n");
  Assessment a = scan_dir(dir.str());
  auto url = hits(a, "secrets.basic-auth-url", "backup.sh");
  ASSERT_EQ(url.size(), 1u);
  EXPECT_EQ(url[0]->evidence[0].excerpt.find("Tr0ub4dor3"), std::string::npos);
  EXPECT_NE(url[0]->evidence[0].excerpt.find("backup:"), std::string::npos);
  EXPECT_EQ(hits(a, "secrets.embedded-private-key", "provision.sh").size(), 1u);
  EXPECT_TRUE(hits(a, "secrets.embedded-private-key", "readme.txt").empty());
}

TEST_F(PatternsTest, CertificateChecksSwitchedOff) {
  put("usr/bin/update.sh", "#!/bin/sh\ncurl -sSk https://upd.vendor.com/fw.bin -o /tmp/fw\n"
                           "wget --no-check-certificate -O /tmp/x https://upd.vendor.com/x\n");
  put("usr/bin/fetch.sh", "#!/bin/sh\ncurl --insecure https://a.vendor.com/\n");
  put("usr/bin/safe.sh", "#!/bin/sh\ncurl -sS -X POST -o /tmp/file.k https://a.vendor.com/\nwget -q https://a/x\n");
  put("opt/app/client.py", "import requests\nr = requests.get(url, verify=False)\n");
  put("opt/app/good.py", "import requests\nr = requests.get(url, verify=True)\n");
  Assessment a = scan_dir(dir.str());
  EXPECT_EQ(hits(a, "crypto.tls-verify-disabled.curl", "update.sh").size(), 1u);
  EXPECT_EQ(hits(a, "crypto.tls-verify-disabled.curl", "fetch.sh").size(), 1u);
  EXPECT_EQ(hits(a, "crypto.tls-verify-disabled.wget", "update.sh").size(), 1u);
  EXPECT_TRUE(hits(a, "crypto.tls-verify-disabled.curl", "safe.sh").empty());
  EXPECT_TRUE(hits(a, "crypto.tls-verify-disabled.wget", "safe.sh").empty());
  EXPECT_EQ(hits(a, "crypto.tls-verify-disabled.python", "client.py").size(), 1u);
  EXPECT_TRUE(hits(a, "crypto.tls-verify-disabled.python", "good.py").empty());
}

TEST_F(PatternsTest, BackdoorIndicators) {
  // Binary-looking blobs (NUL bytes keep them from being text) carrying the advisory strings.
  std::string blob(512, '\0');
  put("usr/bin/alpha_httpd.bin", blob + "xmlset_roodkcableoj28840ybtide" + blob);
  put("usr/bin/dbg.bin", blob + "telnetd -p 2323 -l /bin/sh" + blob);
  put("usr/bin/cam.bin", blob + "YWRtaW46MTEK" + blob);
  put("usr/bin/plain.bin", blob + "telnetd -l /bin/login" + blob + "xmlset_" + blob);
  put("www/cgi-bin/diag.php", "<?php\n$c = $_GET['cmd'];\nsystem('ping -c 1 ' . $_GET['host']);\n?>\n");
  put("www/cgi-bin/ok.php", "<?php\nsystem('uptime');\necho htmlspecialchars($_GET['q']);\n?>\n");
  Assessment a = scan_dir(dir.str());
  EXPECT_EQ(hits(a, "backdoor.dlink-user-agent", "alpha_httpd.bin").size(), 1u);
  EXPECT_EQ(hits(a, "backdoor.telnetd-shell-string", "dbg.bin").size(), 1u);
  EXPECT_EQ(hits(a, "backdoor.hikvision-magic-auth", "cam.bin").size(), 1u);
  EXPECT_TRUE(hits(a, "backdoor.telnetd-shell-string", "plain.bin").empty());
  EXPECT_TRUE(hits(a, "backdoor.dlink-user-agent", "plain.bin").empty());
  EXPECT_EQ(hits(a, "backdoor.web-command-exec", "diag.php").size(), 1u);
  EXPECT_TRUE(hits(a, "backdoor.web-command-exec", "ok.php").empty());
  for (const auto* f : hits(a, "backdoor.dlink-user-agent", "alpha_httpd.bin")) {
    EXPECT_EQ(f->severity, Severity::kCritical);
    EXPECT_EQ(f->category, Category::kBackdoor);
    EXPECT_EQ(f->evidence[0].offset, 512u);
    EXPECT_FALSE(f->references.empty());
  }
}

TEST_F(PatternsTest, BindShellShapeInElf) {
  ASSAY_REQUIRE_TOOL("gcc");
  // Compiled, never run: a reverse shell's import shape next to an ordinary program with a shell.
  put("src/rs.c",
      "#include <sys/socket.h>\n#include <netinet/in.h>\n#include <unistd.h>\n"
      "int main(void){int s=socket(AF_INET,SOCK_STREAM,0);struct sockaddr_in a={0};a.sin_family=AF_INET;"
      "a.sin_port=htons(4444);connect(s,(struct sockaddr*)&a,sizeof a);dup2(s,0);dup2(s,1);dup2(s,2);"
      "char*argv[]={\"/bin/sh\",0};execve(\"/bin/sh\",argv,0);return 0;}\n");
  put("src/tool.c", "#include <stdlib.h>\nint main(void){return system(\"/bin/sh -c true\");}\n");
  ASSERT_EQ(test::run("gcc -O1 -o " + (dir / "rs").string() + " " + (dir / "src/rs.c").string()), 0);
  ASSERT_EQ(test::run("gcc -O1 -o " + (dir / "tool").string() + " " + (dir / "src/tool.c").string()), 0);
  fs::remove_all(dir / "src");
  Assessment a = scan_dir(dir.str());
  auto rs = hits(a, "backdoor.bind-shell", "/rs");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_NE(rs[0]->description.find("reverse shell"), std::string::npos);
  EXPECT_TRUE(hits(a, "backdoor.bind-shell", "/tool").empty());
}

TEST_F(PatternsTest, SameSecretSameFingerprintAcrossFiles) {
  const std::string gh = github_token(rng);
  put("a/one.conf", "x=1\ntoken=" + gh + "\n");
  put("b/two.conf", "token=" + gh + "\n");
  Assessment a = scan_dir(dir.str());
  auto one = hits(a, "secrets.github-token", "one.conf"), two = hits(a, "secrets.github-token", "two.conf");
  ASSERT_EQ(one.size(), 1u);
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(one[0]->key, two[0]->key);
  EXPECT_EQ(one[0]->key.find(gh.substr(4, 8)), std::string::npos);  // the key is a hash, not the token
}

TEST_F(PatternsTest, UserRulesDirectoryReplacesBuiltIns) {
  put("rules/custom.yaml",
      "rules:\n  - id: custom.magic\n    title: Magic\n    category: backdoor\n    severity: high\n"
      "    rationale: r\n    remediation: fix\n    references: [x]\n    patterns:\n      - literal: 'OPEN-SESAME-42'\n");
  put("tree/etc/x.conf", "mode=OPEN-SESAME-42\n");
  put("tree/etc/y.conf", "xmlset_roodkcableoj28840ybtide\n");
  Assessment a = scan_dir((dir / "tree").string(), (dir / "rules").string());
  EXPECT_EQ(hits(a, "custom.magic", "x.conf").size(), 1u);
  EXPECT_TRUE(hits(a, "backdoor.dlink-user-agent", "y.conf").empty());  // built-ins replaced
}

TEST_F(PatternsTest, BrokenUserRuleIsACoverageFinding) {
  put("rules/bad.yaml", "rules:\n  - id: bad.regex\n    title: t\n    category: backdoor\n    severity: low\n"
                        "    patterns:\n      - regex: '(unclosed'\n");
  put("tree/a.txt", "hello\n");
  Assessment a = scan_dir((dir / "tree").string(), (dir / "rules").string());
  bool found = false;
  for (const auto& f : a.findings)
    if (f.rule_id == "coverage.pattern-rules-error") {
      found = true;
      EXPECT_NE(f.description.find("bad.regex"), std::string::npos) << f.description;
    }
  EXPECT_TRUE(found);
}

TEST(PatternMatcher, ChunkedScanSeesStraddlingMatchOnce) {
  auto rs = rules::parse_rule_file("rules:\n  - id: t.lit\n    title: t\n    patterns:\n      - literal: 'NEEDLE-XYZ'\n",
                                   "rules/t.yaml");
  ASSERT_TRUE(rs.ok());
  auto m = rules::PatternMatcher::compile(*rs);
  ASSERT_TRUE(m.ok());
  std::vector<std::uint8_t> big(rules::PatternMatcher::kChunkBytes + 4096, 'a');
  const std::size_t at = rules::PatternMatcher::kChunkBytes - 4;  // straddles the first boundary
  std::memcpy(big.data() + at, "NEEDLE-XYZ", 10);
  std::memcpy(big.data() + 100, "NEEDLE-XYZ", 10);
  NodeInfo n;
  n.kind = Kind::kUnknown;
  auto h = (*m)->scan(ByteView(big.data(), big.size()), n);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].from, 100u);
  EXPECT_EQ(h[1].from, at);
}

TEST(PatternMatcher, CompiledDatabaseCache) {
  // A rule with a literal, a start-of-match regex and an end-only regex: the cache must keep what
  // each expression was compiled with.
  auto rs = rules::parse_rule_file(
      "rules:\n  - id: t.mix\n    title: t\n    patterns:\n      - literal: 'NEEDLE'\n"
      "      - regex: 'tok_[a-z]{4,8}'\n      - regex: 'curl[ \\t][^\\n]{0,40}--insecure'\n        flags: [endonly]\n",
      "rules/t.yaml");
  ASSERT_TRUE(rs.ok()) << rs.error().message;
  test::TempDir cache_dir;
  rules::CacheOptions opt;
  opt.dir = cache_dir.str() + "/assay";
  const std::string text = "x NEEDLE y\nab tok_abcdef\n  run: curl -s --insecure http://h\n";
  NodeInfo n;
  n.kind = Kind::kText;
  auto offsets = [&](const rules::PatternMatcher& m) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> v;
    for (const auto& h : m.scan(as_bytes(text), n)) v.emplace_back(h.from, h.to);
    return v;
  };
  auto cold = rules::PatternMatcher::compile(*rs, opt);
  ASSERT_TRUE(cold.ok()) << cold.error().message;
  EXPECT_FALSE((*cold)->from_cache());
  ASSERT_FALSE((*cold)->cache_path().empty());
  ASSERT_TRUE(fs::exists((*cold)->cache_path()));
  auto want = offsets(**cold);
  ASSERT_EQ(want.size(), 3u);
  EXPECT_EQ(want[1].first, text.find("tok_"));      // start of match
  EXPECT_EQ(want[2].first, text.find("  run"));     // end-only: the line's start
  auto warm = rules::PatternMatcher::compile(*rs, opt);
  ASSERT_TRUE(warm.ok());
  EXPECT_TRUE((*warm)->from_cache());
  EXPECT_EQ((*warm)->cache_path(), (*cold)->cache_path());
  EXPECT_EQ(offsets(**warm), want);
  // Another rule set has another key.
  auto rs2 = rules::parse_rule_file("rules:\n  - id: t.other\n    patterns: [{literal: OTHER}]\n", "rules/u.yaml");
  auto other = rules::PatternMatcher::compile(*rs2, opt);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE((*other)->from_cache());
  EXPECT_NE((*other)->cache_path(), (*cold)->cache_path());
  // A damaged entry (truncated, then bytes flipped inside the database) is ignored and rewritten.
  const std::string path = (*cold)->cache_path();
  std::string bytes = test::read_file(path);
  for (std::string bad : {bytes.substr(0, bytes.size() / 2), bytes, std::string("junk")}) {
    if (bad == bytes)
      for (std::size_t i = 40; i < bad.size(); i += 97) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    test::write_file(path, bad);
    auto again = rules::PatternMatcher::compile(*rs, opt);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(offsets(**again), want);
    auto next = rules::PatternMatcher::compile(*rs, opt);
    ASSERT_TRUE(next.ok());
    EXPECT_TRUE((*next)->from_cache());
  }
  // Old entries are pruned: the directory stays bounded however many rule sets were seen.
  for (int i = 0; i < 20; ++i) {
    auto ri = rules::parse_rule_file(fmt::format("rules:\n  - id: t.n{}\n    patterns: [{{literal: LIT{}}}]\n", i, i),
                                     "rules/n.yaml");
    ASSERT_TRUE(ri.ok());
    ASSERT_TRUE(rules::PatternMatcher::compile(*ri, opt).ok());
  }
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(opt.dir)) entries += e.path().extension() == ".hsdb" ? 1 : 0;
  EXPECT_LE(entries, 16u);
  EXPECT_GE(entries, 10u);
  // Disabled: nothing read or written.
  rules::CacheOptions off;
  off.enabled = false;
  off.dir = cache_dir.str() + "/off";
  auto none = rules::PatternMatcher::compile(*rs, off);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE((*none)->from_cache());
  EXPECT_TRUE((*none)->cache_path().empty());
  EXPECT_FALSE(fs::exists(off.dir));
  ::setenv("ASSAY_NO_CACHE", "1", 1);
  EXPECT_FALSE(rules::CacheOptions::from_environment().enabled);
  ::setenv("ASSAY_NO_CACHE", "0", 1);
  EXPECT_TRUE(rules::CacheOptions::from_environment().enabled);
  ::unsetenv("ASSAY_NO_CACHE");
}

TEST(PatternMatcher, BadPatternNamesTheRule) {
  auto rs = rules::parse_rule_file(
      "rules:\n  - id: ok.one\n    patterns: [{literal: abc}]\n  - id: broken.two\n    patterns: [{regex: 'a(b'}]\n",
      "rules/t.yaml");
  ASSERT_TRUE(rs.ok());
  auto m = rules::PatternMatcher::compile(*rs);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("broken.two"), std::string::npos) << m.error().message;
}

TEST(PatternMatcher, RuleFileErrorsCarryTheLine) {
  auto rs = rules::parse_rule_file("rules:\n  - id: x\n    severity: huge\n", "rules/s.yaml");
  ASSERT_FALSE(rs.ok());
  EXPECT_NE(rs.error().message.find("rules/s.yaml: line 2"), std::string::npos) << rs.error().message;
  auto none = rules::parse_rule_file("known_bad: []\n", "rules/k.yaml");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(Validators, Helpers) {
  EXPECT_TRUE(rules::is_placeholder("changeme"));
  EXPECT_TRUE(rules::is_placeholder("${PASSWORD}"));
  EXPECT_TRUE(rules::is_placeholder("<password>"));
  EXPECT_TRUE(rules::is_placeholder("xxxxxxxx"));
  EXPECT_TRUE(rules::is_placeholder("12345678"));
  EXPECT_FALSE(rules::is_placeholder("Xk9#mQ2vLp"));
  EXPECT_TRUE(rules::glob_match("*.py", "opt/app/x.py"));
  EXPECT_TRUE(rules::glob_match("*/cgi-bin/*", "r/www/cgi-bin/a.php"));
  EXPECT_FALSE(rules::glob_match("*.py", "x.pyc"));
  EXPECT_NEAR(rules::string_entropy("aaaa"), 0.0, 1e-9);
  EXPECT_NEAR(rules::string_entropy("abcd"), 2.0, 1e-9);
  EXPECT_EQ(rules::base64_decode("eyJhbGciOiJub25lIn0").value_or(""), "{\"alg\":\"none\"}");
}

}  // namespace
}  // namespace assay
