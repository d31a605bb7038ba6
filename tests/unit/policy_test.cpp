// The policy stage: the language and its error messages, the built-in packs, evaluation and the
// verdict on constructed assessments, the vendor declaration, waivers, and the CLI commands.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "assay/policy.hpp"
#include "assay/scan.hpp"
#include "core/embedded.hpp"
#include "engine/fingerprint.hpp"
#include "policy/declaration.hpp"
#include "policy/model.hpp"
#include "policy/waivers.hpp"
#include "support/test_support.hpp"

namespace {

using namespace assay;
using assay::policy::compile_policy;
using assay::policy::PolicyOptions;

constexpr const char* kToday = "2026-06-15";

Finding make_finding(std::string rule, Category cat, Severity sev, std::string path = "app.apk!/classes.dex",
                     std::string key = "", std::vector<std::string> tags = {}) {
  Finding f;
  f.rule_id = std::move(rule);
  f.category = cat;
  f.severity = sev;
  f.title = f.rule_id + " title";
  f.evidence.push_back(Evidence{std::move(path), std::nullopt, std::nullopt, "excerpt"});
  f.key = std::move(key);
  f.tags = std::move(tags);
  f.remediation = "fix it";
  return f;
}

Assessment make_assessment(std::string kind = "software") {
  Assessment a;
  a.subject.name = "product.bin";
  a.product_kind = std::move(kind);
  return a;
}

void finalize(Assessment& a) { finalize_findings(a.findings); }

const nlohmann::json* requirement(const Assessment& a, const std::string& id) {
  for (const auto& r : a.policy["requirements"])
    if (r["id"] == id) return &r;
  return nullptr;
}

std::string result_of(const Assessment& a, const std::string& id) {
  const auto* r = requirement(a, id);
  return r == nullptr ? std::string("<missing>") : (*r)["result"].get<std::string>();
}

Status run_policy(Assessment& a, const std::string& policy, PolicyOptions o = {}) {
  o.policy = policy;
  o.today = kToday;
  return assay::policy::apply(a, o);
}

Status run_compiled(Assessment& a, std::string_view yaml, PolicyOptions o = {}) {
  auto p = compile_policy(yaml, "test.yaml");
  if (!p) return p.error();
  o.today = kToday;
  return assay::policy::evaluate(a, **p, o);
}

// ---------------------------------------------------------------------------------------------
// The language

std::string compile_error(std::string_view yaml) {
  auto p = compile_policy(yaml, "my-policy.yaml");
  if (p) return "<compiled>";
  EXPECT_EQ(p.error().code, Errc::kUsage);
  return p.error().message;
}

constexpr const char* kMinimal = R"(schema: assay-policy/1
id: t
title: T
version: "1"
requirements:
  - id: R1
    title: No backdoor
    checks:
      - findings: {category: backdoor}
)";

TEST(PolicyLanguage, MinimalCompiles) {
  auto p = compile_policy(kMinimal, "m.yaml");
  ASSERT_TRUE(p) << p.error().message;
  auto j = assay::policy::explain(**p);
  ASSERT_EQ(j["requirements"].size(), 1u);
  EXPECT_NE(j["requirements"][0]["checks"][0]["text"].get<std::string>().find("category backdoor"), std::string::npos);
  EXPECT_EQ(j["source"], "file");
}

TEST(PolicyLanguage, ErrorsNameFileRequirementLineAndKey) {
  std::string bad = kMinimal;
  bad.replace(bad.find("{category: backdoor}"), 20, "{category: backdoor, min_severty: high}");
  std::string e = compile_error(bad);
  EXPECT_NE(e.find("my-policy.yaml:9"), std::string::npos) << e;
  EXPECT_NE(e.find("requirement 'R1'"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'min_severty'"), std::string::npos) << e;
  EXPECT_NE(e.find("min_severity"), std::string::npos) << "the message lists the allowed keys: " << e;
}

TEST(PolicyLanguage, ErrorsForBadValues) {
  auto with = [](std::string from, std::string to) {
    std::string s = kMinimal;
    s.replace(s.find(from), from.size(), to);
    return compile_error(s);
  };
  EXPECT_NE(with("category: backdoor", "category: backdor").find("unknown category 'backdor'"), std::string::npos);
  EXPECT_NE(with("category: backdoor", "min_severity: severe").find("unknown severity 'severe'"), std::string::npos);
  EXPECT_NE(with("schema: assay-policy/1", "schema: assay-policy/9").find("schema: assay-policy/1"), std::string::npos);
  EXPECT_NE(with("      - findings: {category: backdoor}", "      - use: CHK-999").find("unknown check set 'CHK-999'"),
            std::string::npos);
  EXPECT_NE(with("    title: No backdoor", "    title: No backdoor\n    manual: true").find("needs 'review'"),
            std::string::npos);
  EXPECT_NE(with("    title: No backdoor", "    title: No backdoor\n    applies_to: [android]").find("unknown product kind 'android'"),
            std::string::npos);
  EXPECT_NE(with("    title: No backdoor", "    title: No backdoor\n    reconstructed: true").find("needs a 'note'"),
            std::string::npos);
  EXPECT_NE(with("    title: No backdoor", "    title: No backdoor\n    on_fail: block").find("on_fail must be"),
            std::string::npos);
  EXPECT_NE(with("      - findings: {category: backdoor}", "      - declaration: support_period").find("unknown declaration field"),
            std::string::npos);
  EXPECT_NE(with("      - findings: {category: backdoor}", "      - findings: {category: backdoor}\n        fact: x.y")
                .find("exactly one of"),
            std::string::npos);
  EXPECT_NE(with("version: \"1\"", "version: [1").find("YAML"), std::string::npos);
  EXPECT_NE(with("title: T\n", "title: \"T\xff\"\n").find("not valid UTF-8"), std::string::npos)
      << "stray bytes would make the JSON report throw later";
  std::string dup = std::string(kMinimal) + "  - id: R1\n    title: again\n    checks: [{findings: {}}]\n";
  EXPECT_NE(compile_error(dup).find("duplicate requirement id 'R1'"), std::string::npos);
  EXPECT_NE(compile_error("just a string").find("a policy is a YAML mapping"), std::string::npos);
  EXPECT_NE(compile_error("").find("a policy is a YAML mapping"), std::string::npos);
}

TEST(PolicyLanguage, GlobMatching) {
  using assay::policy::glob_match;
  EXPECT_TRUE(glob_match("android.tls.*", "android.tls.trust-all"));
  EXPECT_FALSE(glob_match("android.tls.*", "android.tlsx"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a?c*", "abcdef"));
  EXPECT_FALSE(glob_match("a?c", "ac"));
  EXPECT_TRUE(glob_match("*/etc/shadow", "fw.bin!/squashfs@0x10!/etc/shadow"));
  EXPECT_TRUE(glob_match("services.telnet*", "services.telnet"));
}

// ---------------------------------------------------------------------------------------------
// The built-in packs

const std::vector<std::string> kPacks = {"baseline", "eu-cra",   "etsi-en-303-645", "owasp-masvs",
                                         "cn-gb-40050", "cn-app-personal-info", "uk-psti", "us-cyber-trust"};

TEST(PolicyPacks, EveryBuiltinPackCompiles) {
  auto packs = assay::policy::builtin_packs();
  std::set<std::string> ids;
  for (const auto& p : packs) {
    EXPECT_EQ(p.title.rfind("(does not compile", 0), std::string::npos) << p.id << ": " << p.title;
    ids.insert(p.id);
  }
  for (const auto& id : kPacks) {
    EXPECT_TRUE(ids.count(id)) << "missing built-in pack " << id;
    auto p = assay::policy::load_policy(id);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ((*p)->id, id);
    EXPECT_FALSE((*p)->requirements.empty());
    EXPECT_FALSE((*p)->regime.empty()) << id;
    for (const auto& r : (*p)->requirements) {
      EXPECT_FALSE(r.regime_ref.empty()) << id << " " << r.id << " has no regime_ref";
      EXPECT_TRUE(r.manual || !r.checks.empty()) << id << " " << r.id;
    }
  }
  EXPECT_FALSE(assay::policy::load_policy("no-such-pack"));
}

/// Every rule id documented in rules/*.yaml (the other analyzers' files appear as they land).
std::set<std::string> documented_rules() {
  std::set<std::string> out;
  for (const auto& f : embedded_files_under("rules/")) {
    if (f.path.size() < 5 || f.path.substr(f.path.size() - 5) != ".yaml") continue;
    try {
      YAML::Node root = YAML::Load(std::string(f.data));
      if (!root.IsMap() || !root["rules"].IsSequence()) continue;
      for (const auto& r : root["rules"])
        if (r.IsMap() && r["id"].IsScalar()) out.insert(r["id"].Scalar());
    } catch (const YAML::Exception&) {
      ADD_FAILURE() << f.path << " is not valid YAML";
    }
  }
  return out;
}

TEST(PolicyPacks, EveryRuleGlobMatchesADocumentedRuleOrAKnownPrefix) {
  // The areas whose analyzers are being written in parallel; once an area has documented rules,
  // an exact id in it must be one of them (a typo would silently select nothing).
  const std::vector<std::string> known_prefixes = {"android.", "privacy.", "ios.", "accounts.", "services.",
                                                   "backdoor.", "keys.", "secrets.", "patterns.", "filesystem.",
                                                   "vulnerability.", "hardening.", "coverage.", "declaration.",
                                                   "policy."};
  auto documented = documented_rules();
  ASSERT_TRUE(documented.count("declaration.undeclared-tracker")) << "rules/declaration.yaml is not embedded";
  for (const auto& id : kPacks) {
    auto p = assay::policy::load_policy(id);
    ASSERT_TRUE(p) << p.error().message;
    for (const auto& r : (*p)->requirements)
      for (const auto& c : r.checks) {
        std::vector<std::string> globs = c.select.rules;
        globs.insert(globs.end(), c.select.not_rules.begin(), c.select.not_rules.end());
        for (const auto& g : globs) {
          bool matched = std::any_of(documented.begin(), documented.end(),
                                     [&](const std::string& d) { return assay::policy::glob_match(g, d); });
          if (matched) continue;
          std::string literal = g.substr(0, g.find_first_of("*?"));
          auto prefix = std::find_if(known_prefixes.begin(), known_prefixes.end(),
                                     [&](const std::string& k) { return literal.rfind(k, 0) == 0; });
          ASSERT_NE(prefix, known_prefixes.end()) << id << " " << r.id << ": rule glob '" << g
                                                  << "' matches no documented rule and no known prefix";
          bool area_documented = std::any_of(documented.begin(), documented.end(),
                                             [&](const std::string& d) { return d.rfind(*prefix, 0) == 0; });
          bool exact = g.find_first_of("*?") == std::string::npos;
          EXPECT_FALSE(exact && area_documented)
              << id << " " << r.id << ": '" << g << "' is not among the documented " << *prefix << "* rules";
        }
      }
  }
}

TEST(PolicyPacks, ReconstructedRequirementsAreMarked) {
  // REGIMES.md §10: GB 40050 5.5, 5.7-5.10, 6.3; GB/T 41391 clause bodies; PSTI Schedule 2.
  auto gb = assay::policy::load_policy("cn-gb-40050");
  ASSERT_TRUE(gb);
  std::size_t marked = 0;
  for (const auto& r : (*gb)->requirements) marked += r.reconstructed ? 1 : 0;
  EXPECT_GE(marked, 5u);
  auto pi = assay::policy::load_policy("cn-app-personal-info");
  ASSERT_TRUE(pi);
  for (const auto& r : (*pi)->requirements) EXPECT_TRUE(r.reconstructed) << r.id;
  Assessment a = make_assessment("android-app");
  ASSERT_TRUE(run_policy(a, "cn-app-personal-info"));
  EXPECT_TRUE(a.policy["requirements"][0]["reconstructed"].get<bool>());
  EXPECT_TRUE(a.policy["requirements"][0].contains("note"));
}

// ---------------------------------------------------------------------------------------------
// Evaluation and the verdict

TEST(PolicyEvaluation, CleanProductPassesBaseline) {
  Assessment a = make_assessment("android-app");
  ASSERT_TRUE(run_policy(a, "baseline"));
  EXPECT_EQ(a.verdict.result, VerdictResult::kPass) << a.verdict.reasons.front();
  EXPECT_EQ(a.verdict.policy, "baseline");
  EXPECT_EQ(a.policy["id"], "baseline");
  EXPECT_EQ(a.policy["source"], "builtin");
  EXPECT_EQ(result_of(a, "BL-1"), "pass");
  EXPECT_EQ(result_of(a, "BL-3"), "not-applicable") << "no declaration supplied";
  EXPECT_NE((*requirement(a, "BL-3"))["reason"].get<std::string>().find("no vendor declaration"), std::string::npos);
}

TEST(PolicyEvaluation, BackdoorFailsWithItsFingerprint) {
  Assessment a = make_assessment("linux-rootfs");
  a.findings.push_back(make_finding("backdoor.login-chain", Category::kBackdoor, Severity::kCritical,
                                    "fw.bin!/squashfs@0x100!/etc/passwd", "root"));
  a.findings.push_back(make_finding("hardening.elf.no-pie", Category::kHardening, Severity::kLow, "fw.bin!/bin/x"));
  finalize(a);
  ASSERT_TRUE(run_policy(a, "baseline"));
  EXPECT_EQ(a.verdict.result, VerdictResult::kFail);
  EXPECT_EQ(result_of(a, "BL-1"), "fail");
  const auto* r = requirement(a, "BL-1");
  ASSERT_EQ((*r)["findings"].size(), 1u);
  std::string fp = (*r)["findings"][0];
  auto it = std::find_if(a.findings.begin(), a.findings.end(), [](const Finding& f) { return f.rule_id == "backdoor.login-chain"; });
  EXPECT_EQ(fp, it->fingerprint);
  ASSERT_FALSE(a.verdict.reasons.empty());
  EXPECT_NE(a.verdict.reasons.front().find("BL-1"), std::string::npos) << a.verdict.reasons.front();
}

TEST(PolicyEvaluation, SuppressedFindingsDoNotCount) {
  Assessment a = make_assessment();
  a.findings.push_back(make_finding("backdoor.login-chain", Category::kBackdoor, Severity::kCritical));
  a.findings.back().suppression = {{"kind", "vex"}, {"justification", "not reachable"}};
  finalize(a);
  ASSERT_TRUE(run_policy(a, "baseline"));
  EXPECT_EQ(a.verdict.result, VerdictResult::kPass);
}

TEST(PolicyEvaluation, TrackerNeedsReviewSoConditional) {
  Assessment a = make_assessment("android-app");
  a.findings.push_back(make_finding("privacy.tracker", Category::kPrivacy, Severity::kMedium, "app.apk!/classes.dex",
                                    "google-admob", {"tracker", "advertising"}));
  finalize(a);
  ASSERT_TRUE(run_policy(a, "baseline"));
  EXPECT_EQ(result_of(a, "BL-2"), "needs-review");
  EXPECT_EQ(a.verdict.result, VerdictResult::kConditional);
  bool named = false;
  for (const auto& s : a.verdict.reasons) named = named || s.find("BL-2") != std::string::npos;
  EXPECT_TRUE(named) << "the verdict says which requirement needs review";
}

TEST(PolicyEvaluation, NotApplicableByProductKind) {
  Assessment a = make_assessment("linux-package");
  ASSERT_TRUE(run_policy(a, "baseline"));
  EXPECT_EQ(result_of(a, "BL-2"), "not-applicable");
  EXPECT_NE((*requirement(a, "BL-2"))["reason"].get<std::string>().find("linux-package"), std::string::npos);
}

TEST(PolicyEvaluation, IncompleteIsNeverPass) {
  Assessment a = make_assessment();
  a.complete = false;
  ASSERT_TRUE(run_policy(a, "baseline"));
  EXPECT_EQ(a.verdict.result, VerdictResult::kConditional);
  bool said = false;
  for (const auto& s : a.verdict.reasons) said = said || s.find("incomplete") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(PolicyEvaluation, FailOn) {
  Assessment a = make_assessment();
  a.findings.push_back(make_finding("hardening.elf.no-relro", Category::kHardening, Severity::kLow, "p!/bin/a"));
  finalize(a);
  PolicyOptions o;
  o.fail_on = Severity::kMedium;
  ASSERT_TRUE(run_policy(a, "baseline", o));
  EXPECT_EQ(a.verdict.result, VerdictResult::kPass);
  o.fail_on = Severity::kLow;
  ASSERT_TRUE(run_policy(a, "baseline", o));
  EXPECT_EQ(a.verdict.result, VerdictResult::kFail);
  EXPECT_NE(a.verdict.reasons.front().find("--fail-on low"), std::string::npos);
  EXPECT_EQ(a.policy["fail_on"], "low");
  // A suppressed finding does not trip --fail-on.
  a.findings.front().suppression = {{"kind", "waiver"}};
  ASSERT_TRUE(run_policy(a, "baseline", o));
  EXPECT_EQ(a.verdict.result, VerdictResult::kPass);
}

TEST(PolicyEvaluation, OnFailConditionalAdvisoryAndCheckKinds) {
  constexpr const char* kPolicy = R"(schema: assay-policy/1
id: custom
title: Custom
version: "2"
requirements:
  - id: SOFT
    title: Soft
    regime_ref: X 1
    on_fail: conditional
    checks: [{findings: {rule: "hardening.*", min_severity: low}}]
  - id: ADVICE
    title: Advice
    on_fail: advisory
    checks: [{findings: {category: crypto}}]
  - id: FACT
    title: Manifest says not debuggable
    checks:
      - fact: {type: android.app, field: manifest.debuggable, equals: false}
      - fact: {type: android.app, field: permissions, equals: android.permission.CAMERA}
        expect: absent
  - id: SBOM
    title: SBOM
    checks: [{components: non-empty}]
  - id: DECL
    title: Contact
    checks: [{declaration: vulnerability_contact}]
  - id: HUMAN
    title: Human
    manual: true
    review: look at it
)";
  Assessment a = make_assessment("android-app");
  a.findings.push_back(make_finding("hardening.elf.no-pie", Category::kHardening, Severity::kLow, "a!/lib/x.so"));
  a.findings.push_back(make_finding("android.crypto.ecb", Category::kCrypto, Severity::kMedium));
  a.facts.push_back(Fact{"android.app", "a.apk", {{"manifest", {{"debuggable", false}}},
                                                  {"permissions", {"android.permission.INTERNET"}}}});
  finalize(a);
  ASSERT_TRUE(run_compiled(a, kPolicy));
  EXPECT_EQ(result_of(a, "SOFT"), "fail");
  EXPECT_EQ(result_of(a, "ADVICE"), "fail");
  EXPECT_EQ(result_of(a, "FACT"), "pass");
  EXPECT_EQ(result_of(a, "SBOM"), "fail");
  EXPECT_EQ(result_of(a, "DECL"), "needs-review") << "no declaration: the default is review";
  EXPECT_EQ(result_of(a, "HUMAN"), "needs-review");
  EXPECT_EQ((*requirement(a, "HUMAN"))["review"], "look at it");
  EXPECT_EQ(a.verdict.result, VerdictResult::kFail) << "SBOM is on_fail: fail (the default)";
  EXPECT_EQ(a.policy["source"], "file");

  a.components.push_back(Component{});
  a.facts.back().data["permissions"].push_back("android.permission.CAMERA");
  ASSERT_TRUE(run_compiled(a, kPolicy));
  EXPECT_EQ(result_of(a, "FACT"), "fail");
  a.facts.back().data["permissions"].erase(1);
  ASSERT_TRUE(run_compiled(a, kPolicy));
  EXPECT_EQ(result_of(a, "SBOM"), "pass");
  EXPECT_EQ(a.verdict.result, VerdictResult::kConditional) << "only conditional/advisory failures and reviews remain";
  EXPECT_EQ(a.policy["summary"]["needs-review"], 2);
}

// ---------------------------------------------------------------------------------------------
// The declaration

std::string write_temp(const assay::test::TempDir& dir, const std::string& name, const std::string& text) {
  auto p = dir / name;
  assay::test::write_file(p, text);
  return p.string();
}

Assessment app_with_tracker() {
  Assessment a = make_assessment("android-app");
  a.subject.name = "blood.apk";
  a.findings.push_back(make_finding("privacy.tracker", Category::kPrivacy, Severity::kMedium,
                                    "blood.apk!/classes.dex", "google-admob", {"tracker", "advertising"}));
  a.findings.back().title = "Google AdMob";
  a.findings.push_back(make_finding("privacy.data-collection", Category::kPrivacy, Severity::kMedium,
                                    "blood.apk!/AndroidManifest.xml", "location", {"personal-data"}));
  finalize(a);
  return a;
}

TEST(Declaration, NoSdksDeclaredYieldsUndeclaredTracker) {
  assay::test::TempDir dir;
  Assessment a = app_with_tracker();
  PolicyOptions o;
  o.declaration_file = write_temp(dir, "product.yaml", R"(schema: assay-declaration/1
identity: {name: Blood Donation, vendor: mobdev, version: "3.4", product_kind: android-app}
data_collected:
  - type: location
    purpose: find donation centres
    recipients: [first-party]
third_party_sdks: []
support_period_end: 2030-12
vulnerability_contact: https://example.org/security
)");
  ASSERT_TRUE(run_policy(a, "baseline", o));
  auto it = std::find_if(a.findings.begin(), a.findings.end(),
                         [](const Finding& f) { return f.rule_id == "declaration.undeclared-tracker"; });
  ASSERT_NE(it, a.findings.end());
  EXPECT_EQ(it->key, "google-admob");
  EXPECT_EQ(it->category, Category::kPrivacy);
  EXPECT_EQ(it->fingerprint, fingerprint(*it)) << "fingerprinted like the engine's findings";
  EXPECT_FALSE(it->remediation.empty());
  EXPECT_NE(it->evidence.front().excerpt.find("no third-party SDKs"), std::string::npos) << it->evidence.front().excerpt;
  EXPECT_EQ(result_of(a, "BL-3"), "fail");
  EXPECT_EQ(a.verdict.result, VerdictResult::kFail);
  EXPECT_TRUE(a.policy["declaration"]["supplied"].get<bool>());
  // Location is declared: no undeclared-data-collection.
  EXPECT_TRUE(std::none_of(a.findings.begin(), a.findings.end(),
                           [](const Finding& f) { return f.rule_id == "declaration.undeclared-data-collection"; }));
  EXPECT_TRUE(a.policy["declaration"]["identity"]["product_kind_matches"].get<bool>());
}

TEST(Declaration, DeclaredSdkCoversTheTracker) {
  assay::test::TempDir dir;
  Assessment a = app_with_tracker();
  PolicyOptions o;
  o.declaration_file = write_temp(dir, "product.yaml", R"(schema: assay-declaration/1
data_collected: [{type: location, purpose: maps}]
third_party_sdks: [{name: AdMob}]
)");
  ASSERT_TRUE(run_policy(a, "baseline", o));
  for (const auto& f : a.findings) EXPECT_NE(f.rule_id, "declaration.undeclared-tracker");
  EXPECT_EQ(result_of(a, "BL-2"), "pass") << "declared tracker and data do not need review";
  EXPECT_EQ(result_of(a, "BL-3"), "pass");
  EXPECT_EQ(a.verdict.result, VerdictResult::kPass) << a.verdict.reasons.front();
  // The same evidence without the declaration needs review.
  Assessment b = app_with_tracker();
  ASSERT_TRUE(run_policy(b, "baseline"));
  EXPECT_EQ(result_of(b, "BL-2"), "needs-review");
}

TEST(Declaration, TrackerEndpointsAreCoveredNotReported) {
  assay::test::TempDir dir;
  Assessment a = app_with_tracker();
  a.findings.push_back(make_finding("privacy.tracker-endpoint", Category::kPrivacy, Severity::kMedium,
                                    "blood.apk!/classes.dex", "ad.doubleclick.net", {"tracker", "network"}));
  a.findings.back().title = "Tracker endpoint ad.doubleclick.net (Google DoubleClick)";
  finalize(a);
  PolicyOptions o;
  o.declaration_file = write_temp(dir, "p1.yaml", "schema: assay-declaration/1\ndata_collected: [location]\n"
                                                  "third_party_sdks: [AdMob]\n");
  Assessment b = a;
  ASSERT_TRUE(run_policy(b, "baseline", o));
  for (const auto& f : b.findings) EXPECT_NE(f.rule_id, "declaration.undeclared-tracker") << f.title;
  EXPECT_EQ(result_of(b, "BL-2"), "needs-review") << "the DoubleClick endpoint is not accounted for";
  o.declaration_file = write_temp(dir, "p2.yaml", "schema: assay-declaration/1\ndata_collected: [location]\n"
                                                  "third_party_sdks: [AdMob, Google DoubleClick]\n");
  ASSERT_TRUE(run_policy(a, "baseline", o));
  EXPECT_EQ(result_of(a, "BL-2"), "pass");
}

TEST(Declaration, ServicesCredentialsSupportAndContact) {
  assay::test::TempDir dir;
  Assessment a = make_assessment("linux-rootfs");
  a.subject.name = "fw.bin";
  a.facts.push_back(Fact{"system.services", "fw.bin!/etc/inittab",
                         {{"services", {{{"program", "/usr/sbin/telnetd"}, {"port", 23}, {"protocol", "tcp"}, {"source", "etc/inittab:3"}},
                                        {{"program", "/usr/sbin/dropbear"}, {"port", 22}, {"protocol", "tcp"}},
                                        {{"program", "/bin/sh"}}}}}});
  a.findings.push_back(make_finding("accounts.default-password", Category::kBackdoor, Severity::kCritical,
                                    "fw.bin!/etc/shadow", "root", {"credential"}));
  finalize(a);
  PolicyOptions o;
  o.declaration_file = write_temp(dir, "product.yaml", R"(schema: assay-declaration/1
network_services:
  - {program: dropbear, port: 22, protocol: tcp}
credential_model: unique-per-device
support_period_end: 2025-01-31
)");
  ASSERT_TRUE(run_policy(a, "eu-cra", o));
  std::multiset<std::string> rules;
  for (const auto& f : a.findings) rules.insert(f.rule_id);
  EXPECT_EQ(rules.count("declaration.undeclared-service"), 1u) << "telnetd:23 only; dropbear is declared";
  EXPECT_EQ(rules.count("declaration.inconsistent-credential-model"), 1u);
  EXPECT_EQ(rules.count("declaration.support-period-ended"), 1u);
  EXPECT_EQ(rules.count("declaration.missing-vulnerability-contact"), 1u);
  EXPECT_EQ(rules.count("declaration.missing-support-period"), 0u);
  auto svc = std::find_if(a.findings.begin(), a.findings.end(),
                          [](const Finding& f) { return f.rule_id == "declaration.undeclared-service"; });
  EXPECT_EQ(svc->key, "telnetd:23/tcp");
  EXPECT_EQ(svc->evidence.front().path, "fw.bin!/etc/inittab");

  Assessment b = make_assessment("linux-rootfs");
  PolicyOptions o2;
  o2.declaration_file = write_temp(dir, "shared.yaml", "schema: assay-declaration/1\ncredential_model: default-shared\n");
  ASSERT_TRUE(run_policy(b, "uk-psti", o2));
  EXPECT_TRUE(std::any_of(b.findings.begin(), b.findings.end(),
                          [](const Finding& f) { return f.rule_id == "declaration.shared-default-credentials"; }));
  EXPECT_EQ(b.verdict.result, VerdictResult::kFail);
}

TEST(Declaration, MalformedDeclarationIsAUsageError) {
  auto e = assay::policy::parse_declaration("schema: assay-declaration/1\ncredential_model: shared\nsupport_period_end: soon\n",
                                            "p.yaml");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, Errc::kUsage);
  EXPECT_NE(e.error().message.find("p.yaml:2"), std::string::npos) << e.error().message;
  EXPECT_NE(e.error().message.find("credential_model must be"), std::string::npos);
  EXPECT_NE(e.error().message.find("support_period_end must be"), std::string::npos);
  auto t = assay::policy::parse_declaration("schema: assay-declaration/1\nthird_party_sdk: []\n", "p.yaml");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("unknown key 'third_party_sdk'"), std::string::npos);
}

TEST(Declaration, CorpusBloodDonationUndeclaredTracker) {
  ASSAY_REQUIRE_CORPUS();
  auto apk = assay::test::corpus_dir() / "apk/blooddonation.apk";
  ScanOptions so;
  so.jobs = 2;
  auto r = assay::scan(apk.string(), so);
  ASSERT_TRUE(r) << r.error().message;
  bool tracker = std::any_of(r->findings.begin(), r->findings.end(),
                             [](const Finding& f) { return f.rule_id == "privacy.tracker"; });
  if (!tracker) GTEST_SKIP() << "no privacy.tracker finding: the tracker analyzer has not landed yet";
  assay::test::TempDir dir;
  PolicyOptions o;
  o.declaration_file = write_temp(dir, "product.yaml", "schema: assay-declaration/1\nthird_party_sdks: []\n");
  ASSERT_TRUE(run_policy(*r, "baseline", o));
  auto it = std::find_if(r->findings.begin(), r->findings.end(),
                         [](const Finding& f) { return f.rule_id == "declaration.undeclared-tracker"; });
  ASSERT_NE(it, r->findings.end());
  EXPECT_NE(it->title.find("AdMob"), std::string::npos) << it->title;
  EXPECT_EQ(r->verdict.result, VerdictResult::kFail);
}

// ---------------------------------------------------------------------------------------------
// Waivers

TEST(Waivers, ApplyExpireAndUnused) {
  assay::test::TempDir dir;
  Assessment a = make_assessment("linux-rootfs");
  a.findings.push_back(make_finding("backdoor.login-chain", Category::kBackdoor, Severity::kCritical, "fw!/etc/passwd", "root"));
  a.findings.push_back(make_finding("hardening.elf.executable-stack", Category::kHardening, Severity::kHigh, "fw!/usr/sbin/httpd"));
  finalize(a);
  std::string fp = std::find_if(a.findings.begin(), a.findings.end(),
                                [](const Finding& f) { return f.rule_id == "backdoor.login-chain"; })->fingerprint;
  PolicyOptions o;
  o.waivers_file = write_temp(dir, "waivers.yaml", "schema: assay-waivers/1\nwaivers:\n"
                                                   "  - fingerprint: " + fp + "\n"
                                                   "    justification: lab unit only\n"
                                                   "    accepted_by: Jane Roe\n"
                                                   "    expires: 2027-01-01\n"
                                                   "  - rule: hardening.elf.*\n"
                                                   "    path: '*/usr/sbin/*'\n"
                                                   "    justification: vendor fix in 2.1\n"
                                                   "    accepted_by: John Doe\n"
                                                   "    expires: 2026-12-31\n"
                                                   "  - rule: keys.private-key\n"
                                                   "    justification: nothing\n"
                                                   "    accepted_by: Nobody\n"
                                                   "    expires: 2030-01-01\n");
  ASSERT_TRUE(run_policy(a, "baseline", o));
  for (const auto& f : a.findings) {
    if (f.rule_id == "backdoor.login-chain" || f.rule_id == "hardening.elf.executable-stack") {
      ASSERT_FALSE(f.suppression.is_null()) << f.rule_id;
      EXPECT_EQ(f.suppression["kind"], "waiver");
      EXPECT_FALSE(f.suppression["by"].get<std::string>().empty());
    }
  }
  EXPECT_EQ(a.verdict.result, VerdictResult::kPass) << "both waived; waived findings stay in the document";
  EXPECT_EQ(a.findings.size(), 2u);
  ASSERT_EQ(a.policy["waivers"]["unused"].size(), 1u);
  EXPECT_EQ(a.policy["waivers"]["unused"][0]["rule"], "keys.private-key");
  EXPECT_EQ(a.policy["waivers"]["applied"].size(), 2u);

  // A year later the first two have expired: they stop applying and say so.
  Assessment b = a;
  for (auto& f : b.findings) f.suppression = nullptr;
  o.today = "2027-06-01";
  o.policy = "baseline";
  ASSERT_TRUE(assay::policy::apply(b, o));
  EXPECT_EQ(b.verdict.result, VerdictResult::kFail);
  std::size_t expired = 0;
  for (const auto& f : b.findings) {
    if (f.rule_id == "policy.expired-waiver") {
      ++expired;
      EXPECT_EQ(f.severity, Severity::kInfo);
      EXPECT_NE(f.evidence.front().excerpt.find("expired on"), std::string::npos);
    } else {
      EXPECT_TRUE(f.suppression.is_null()) << f.rule_id;
    }
  }
  EXPECT_EQ(expired, 2u);
  EXPECT_EQ(b.policy["waivers"]["expired"].size(), 2u);
}

TEST(Waivers, WaiverNeedsOwnerJustificationAndExpiry) {
  auto w = assay::policy::parse_waivers("schema: assay-waivers/1\nwaivers:\n  - rule: x.y\n    justification: j\n", "w.yaml");
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("needs 'accepted_by'"), std::string::npos) << w.error().message;
  EXPECT_NE(w.error().message.find("needs 'expires'"), std::string::npos) << w.error().message;
  EXPECT_NE(w.error().message.find("waiver #1"), std::string::npos) << w.error().message;
  auto bad = assay::policy::parse_waivers(
      "schema: assay-waivers/1\nwaivers:\n  - fingerprint: xyz\n    justification: j\n    accepted_by: a\n    expires: 2026-13-01\n",
      "w.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("32 hex digits"), std::string::npos);
  EXPECT_NE(bad.error().message.find("expires must be a date"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// The CLI

TEST(PolicyCli, ListAndShow) {
  std::string out;
  ASSERT_EQ(assay::test::run(std::string(ASSAY_CLI) + " policy list", &out), 0);
  for (const auto& id : kPacks) EXPECT_NE(out.find(id), std::string::npos) << id;
  ASSERT_EQ(assay::test::run(std::string(ASSAY_CLI) + " policy show eu-cra --format json", &out), 0);
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["id"], "eu-cra");
  for (const auto& r : j["requirements"]) {
    EXPECT_FALSE(r["regime_ref"].get<std::string>().empty());
    for (const auto& c : r["checks"]) EXPECT_FALSE(c["text"].get<std::string>().empty());
  }
  ASSERT_EQ(assay::test::run(std::string(ASSAY_CLI) + " policy show baseline", &out), 0);
  EXPECT_NE(out.find("BL-1"), std::string::npos);
  EXPECT_NE(out.find("fails when any unsuppressed finding matches"), std::string::npos) << out;
  EXPECT_EQ(assay::test::run(std::string(ASSAY_CLI) + " policy show no-such-pack 2>/dev/null", &out), 3);
}

TEST(PolicyCli, ScanWithPolicyAndBadPolicy) {
  assay::test::TempDir dir;
  auto file = write_temp(dir, "hello.txt", "hello, world\n");
  std::string out;
  std::string cli = ASSAY_CLI;
  int rc = assay::test::run(cli + " scan -q " + file + " --format json --policy eu-cra", &out);
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["verdict"]["policy"], "eu-cra");
  EXPECT_EQ(j["policy"]["id"], "eu-cra");
  EXPECT_EQ(j["verdict"]["result"], "conditional") << "eu-cra has manual requirements";
  EXPECT_EQ(rc, 2);
  // A broken user pack is an input error naming the file (shown without scanning anything).
  auto bad = write_temp(dir, "bad.yaml", "schema: assay-policy/1\nid: x\n");
  std::string err;
  EXPECT_EQ(assay::test::run(cli + " policy show " + bad + " 2>&1 >/dev/null", &err), 3);
  EXPECT_NE(err.find("bad.yaml"), std::string::npos) << err;
  EXPECT_NE(err.find("needs 'title'"), std::string::npos) << err;
}

}  // namespace
