// The report formats rendered from one assessment: SARIF validated against the OASIS schema, the
// HTML page rendered by headless Chromium (screenshot kept as a test artifact), Markdown, and the
// re-assessment diff on two builds of the same binary.
#include <gtest/gtest.h>

#include <filesystem>

#include "assay/policy.hpp"
#include "assay/scan.hpp"
#include "engine/fingerprint.hpp"
#include "report/diff.hpp"
#include "report/formats.hpp"
#include "report/json.hpp"
#include "support/test_support.hpp"

namespace fs = std::filesystem;
using namespace assay;

namespace {

Assessment scan_corpus(const std::string& rel) {
  ScanOptions so;
  so.jobs = 2;
  auto r = scan((test::corpus_dir() / rel).string(), so);
  EXPECT_TRUE(r.ok());
  policy::PolicyOptions po;
  EXPECT_TRUE(policy::apply(*r, po).ok());
  return std::move(*r);
}

// Validates `doc_path` against a schema in ../shared/schemas with Debian's python3-jsonschema.
int validate_json(const fs::path& doc_path, const std::string& schema, std::string* out) {
  fs::path schemas = test::corpus_dir().parent_path() / "schemas";
  std::string cmd = "/usr/bin/python3 -c '\n"
                    "import json,sys,jsonschema\n"
                    "s=json.load(open(sys.argv[1]));d=json.load(open(sys.argv[2]))\n"
                    "v=jsonschema.validators.validator_for(s)(s)\n"
                    "errs=sorted(v.iter_errors(d),key=lambda e:list(e.path))\n"
                    "[print(\"/\".join(map(str,e.path)),e.message[:200]) for e in errs[:10]]\n"
                    "sys.exit(1 if errs else 0)' " +
                    (schemas / schema).string() + " " + doc_path.string() + " 2>&1";
  return test::run(cmd, out);
}

}  // namespace

TEST(Report, SarifValidatesAndCarriesFingerprints) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("/usr/bin/python3");
  test::TempDir tmp;
  for (const char* rel : {"elf/dvar-miniweb", "apk/UnCrackable-Level1.apk", "firmware/DV-ARM-rootfs-arm.tar.bz2"}) {
    Assessment a = scan_corpus(rel);
    std::string sarif = report::render_sarif(a);
    fs::path p = tmp / "out.sarif";
    test::write_file(p, sarif);
    std::string out;
    EXPECT_EQ(validate_json(p, "sarif-schema-2.1.0.json", &out), 0) << rel << ":\n" << out;
    auto j = nlohmann::json::parse(sarif);
    ASSERT_EQ(j["runs"].size(), 1u);
    const auto& run = j["runs"][0];
    EXPECT_EQ(run["results"].size(), a.findings.size()) << rel;
    for (const auto& r : run["results"]) {
      EXPECT_FALSE(r["partialFingerprints"]["assayFingerprint/v1"].get<std::string>().empty());
      auto idx = r["ruleIndex"].get<std::size_t>();
      ASSERT_LT(idx, run["tool"]["driver"]["rules"].size());
      EXPECT_EQ(run["tool"]["driver"]["rules"][idx]["id"], r["ruleId"]);
      EXPECT_FALSE(run["tool"]["driver"]["rules"][idx]["help"]["text"].get<std::string>().empty());
    }
  }
}

TEST(Report, SarifMarksSuppressedFindings) {
  Assessment a;
  a.subject.name = "x";
  Finding f;
  f.rule_id = "test.rule";
  f.title = "t";
  f.fingerprint = "00";
  f.evidence.push_back({"x!/a b/c", 16, std::nullopt, "excerpt"});
  f.suppression = {{"kind", "waiver"}, {"justification", "accepted by the lab"}};
  a.findings.push_back(f);
  auto j = nlohmann::json::parse(report::render_sarif(a));
  const auto& r = j["runs"][0]["results"][0];
  EXPECT_EQ(r["suppressions"][0]["justification"], "accepted by the lab");
  EXPECT_EQ(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "x!/a%20b/c");
  EXPECT_EQ(r["locations"][0]["physicalLocation"]["region"]["byteOffset"], 16);
}

TEST(Report, HtmlRendersInChromium) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("chromium");
  Assessment a = scan_corpus("elf/dvar-miniweb");
  std::string html = report::render_html(a);
  // Self-contained: no scripts, no external resources.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  fs::path dir = fs::path(ASSAY_ARTIFACT_DIR);
  fs::create_directories(dir);
  fs::path page = dir / "report-dvar-miniweb.html";
  fs::path png = dir / "report-dvar-miniweb.png";
  test::write_file(page, html);
  fs::remove(png);
  test::TempDir profile;
  std::string flags = "--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run "
                      "--user-data-dir=" + profile.str() + " ";
  std::string dom;
  ASSERT_EQ(test::run("timeout 60 chromium " + flags + "--dump-dom file://" + page.string() + " 2>/dev/null", &dom), 0);
  // What the browser parsed: the verdict banner, the requirement table (or its explanation) and
  // the findings grouped by question.
  EXPECT_NE(dom.find("id=\"verdict\""), std::string::npos);
  EXPECT_NE(dom.find("Verdict: fail"), std::string::npos);
  EXPECT_NE(dom.find("id=\"requirements\""), std::string::npos);
  EXPECT_NE(dom.find("No known flaws"), std::string::npos);
  EXPECT_NE(dom.find("hardening.elf.executable-stack"), std::string::npos);
  ASSERT_EQ(test::run("timeout 60 chromium " + flags + "--window-size=1200,1600 --screenshot=" + png.string() +
                          " file://" + page.string() + " >/dev/null 2>&1"),
            0);
  ASSERT_TRUE(fs::exists(png));
  std::string bytes = test::read_file(png);
  ASSERT_GT(bytes.size(), 10000u) << "a blank page compresses to almost nothing";
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
}

TEST(Report, MarkdownSummary) {
  ASSAY_REQUIRE_CORPUS();
  Assessment a = scan_corpus("elf/dvar-miniweb");
  std::string md = report::render_markdown(a);
  EXPECT_NE(md.find("Assay verdict: **fail**"), std::string::npos) << md;
  EXPECT_NE(md.find("| critical | high |"), std::string::npos);
  EXPECT_NE(md.find("hardening.elf.executable-stack"), std::string::npos);
}

TEST(Report, FingerprintIgnoresBuildSpecificPathParts) {
  EXPECT_EQ(normalize_path_for_fingerprint("fw-1.2.bin!/squashfs@0x1a0000!/lib/modules/4.14.0-3/x.ko"),
            normalize_path_for_fingerprint("fw-1.3.bin!/squashfs@0x1b0000!/lib/modules/4.19.2-1/x.ko"));
  EXPECT_NE(normalize_path_for_fingerprint("fw.bin!/etc/shadow"), normalize_path_for_fingerprint("fw.bin!/etc/passwd"));
}

TEST(Diff, FixedExecutableStackAndNothingElse) {
  ASSAY_REQUIRE_CORPUS();
  test::TempDir tmp;
  std::string cli = test::assay_cli();
  std::string old_json = (tmp / "old.json").string();
  test::run(cli + " scan -q --format json -o " + old_json + " " + (test::corpus_dir() / "elf/dvar-miniweb").string());
  std::string out;
  // One side a saved assessment, the other a product scanned on the spot.
  int rc = test::run(cli + " diff --format json " + old_json + " " + (test::corpus_dir() / "elf/dvar-miniweb-nx").string(), &out);
  EXPECT_EQ(rc, 0) << "no new finding: exit 0";
  auto d = nlohmann::json::parse(out);
  ASSERT_EQ(d["findings"]["fixed"].size(), 1u) << out;
  EXPECT_EQ(d["findings"]["fixed"][0]["rule_id"], "hardening.elf.executable-stack");
  EXPECT_TRUE(d["findings"]["new"].empty()) << out;
  EXPECT_GT(d["findings"]["persisting"].size(), 0u);
  for (const auto& r : d["requirements"]) EXPECT_NE(r["from"], r["to"]);
  // The other way round the stack is a new finding and the exit code says so.
  rc = test::run(cli + " diff " + (test::corpus_dir() / "elf/dvar-miniweb-nx").string() + " " + old_json, &out);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("hardening.elf.executable-stack"), std::string::npos) << out;
}

TEST(Diff, ComponentsAndRequirements) {
  nlohmann::json a = {{"schema", kAssessmentSchema},
                      {"verdict", {{"result", "fail"}}},
                      {"findings", nlohmann::json::array()},
                      {"components", {{{"name", "busybox"}, {"version", "1.1.0"}}, {{"name", "zlib"}, {"version", "1.2.3"}}}},
                      {"policy", {{"requirements", {{{"id", "R1"}, {"result", "fail"}}}}}}};
  nlohmann::json b = a;
  b["verdict"]["result"] = "pass";
  b["components"] = {{{"name", "busybox"}, {"version", "1.36.1"}}, {{"name", "dropbear"}, {"version", "2022.83"}}};
  b["policy"]["requirements"][0]["result"] = "pass";
  auto d = report::diff_assessments(a, b);
  EXPECT_TRUE(d["verdict_changed"].get<bool>());
  ASSERT_EQ(d["requirements"].size(), 1u);
  EXPECT_EQ(d["requirements"][0]["to"], "pass");
  EXPECT_EQ(d["components"]["added"][0]["name"], "dropbear");
  EXPECT_EQ(d["components"]["removed"][0]["name"], "zlib");
  EXPECT_EQ(d["components"]["changed"][0]["name"], "busybox");
  std::string text = report::render_diff_text(d, false);
  EXPECT_NE(text.find("busybox 1.1.0 -> 1.36.1"), std::string::npos) << text;
}
