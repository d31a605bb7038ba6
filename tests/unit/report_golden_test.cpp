// Golden reports: `assay scan` of corpus products under the `baseline` and `eu-cra` policies, as
// JSON, SARIF and text, compared byte for byte with tests/golden/reports/ after the parts that
// change from run to run (time, duration, tool version) are replaced by placeholders. The date is
// pinned with --date, so waiver and support-period judgements do not move either.
// Run with ASSAY_UPDATE_GOLDEN=1 to rewrite them; review the diff like code.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDate = "2026-06-30";

struct Product {
  const char* name;     // golden file stem
  const char* path;     // relative to the corpus directory
  bool json;            // the JSON document is small enough to keep whole
};

std::string normalize_json(const std::string& text) {
  auto j = nlohmann::json::parse(text);
  j["started_at"] = "<time>";
  j["stats"] = "<stats>";
  j["tool"]["version"] = "<version>";
  return j.dump(2) + "\n";
}

std::string normalize_sarif(const std::string& text) {
  auto j = nlohmann::json::parse(text);
  for (auto& run : j["runs"]) {
    for (auto& inv : run["invocations"]) {
      if (inv.contains("startTimeUtc")) inv["startTimeUtc"] = "<time>";
      if (inv.contains("endTimeUtc")) inv["endTimeUtc"] = "<time>";
    }
    auto& drv = run["tool"]["driver"];
    if (drv.contains("version")) drv["version"] = "<version>";
    if (drv.contains("semanticVersion")) drv["semanticVersion"] = "<version>";
  }
  return j.dump(2) + "\n";
}

std::string normalize_text(const std::string& text) {
  static const std::regex kDuration(R"(in [0-9]+\.[0-9]+ s)");
  static const std::regex kVersion(R"(^Assay [0-9][^ ]* )");
  std::string s = std::regex_replace(text, kDuration, "in <t> s");
  return std::regex_replace(s, kVersion, "Assay <version> ");
}

void check_golden(const std::string& file, const std::string& actual) {
  fs::path golden = fs::path(ASSAY_SOURCE_DIR) / "tests/golden/reports" / file;
  if (std::getenv("ASSAY_UPDATE_GOLDEN") != nullptr) {
    fs::create_directories(golden.parent_path());
    test::write_file(golden, actual);
    return;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden << " missing: run with ASSAY_UPDATE_GOLDEN=1";
  std::string expected = test::read_file(golden);
  if (expected == actual) return;
  // Show where it starts to differ, not two whole documents.
  std::size_t at = 0;
  while (at < expected.size() && at < actual.size() && expected[at] == actual[at]) ++at;
  std::size_t from = at > 200 ? at - 200 : 0;
  ADD_FAILURE() << "golden " << file << " differs at byte " << at << "; rerun with ASSAY_UPDATE_GOLDEN=1 and review\n"
                << "expected: ..." << expected.substr(from, 400) << "\nactual:   ..." << actual.substr(from, 400);
}

// Runs one scan from inside the corpus directory (so the subject path is relative and the same on
// every machine), with no vulnerability database and a pinned date.
std::string scan(const Product& p, const std::string& policy, const std::string& format, const test::TempDir& tmp) {
  fs::path out = tmp.path() / (std::string(p.name) + "." + policy + "." + format);
  std::string cmd = "cd '" + test::corpus_dir().string() + "' && ASSAY_DB=/nonexistent/assay-golden.db '" +
                    std::string(ASSAY_CLI) + "' scan '" + p.path + "' -q --jobs 2 --policy " + policy +
                    " --date " + kDate + " --format " + format + " -o '" + out.string() + "'";
  int rc = test::run(cmd);
  EXPECT_TRUE(rc == 0 || rc == 1 || rc == 2) << cmd << " exited " << rc;
  return fs::exists(out) ? test::read_file(out) : std::string();
}

void check_product(const Product& p) {
  test::TempDir tmp;
  for (std::string policy : {"baseline", "eu-cra"}) {
    std::string stem = std::string(p.name) + "." + policy;
    if (p.json) check_golden(stem + ".json", normalize_json(scan(p, policy, "json", tmp)));
    check_golden(stem + ".sarif", normalize_sarif(scan(p, policy, "sarif", tmp)));
    check_golden(stem + ".txt", normalize_text(scan(p, policy, "text", tmp)));
  }
}

TEST(GoldenReports, RouterWebServerBinary) {
  ASSAY_REQUIRE_CORPUS();
  check_product({"dvar-miniweb", "elf/dvar-miniweb", true});
}

TEST(GoldenReports, DebianPackage) {
  ASSAY_REQUIRE_CORPUS();
  check_product({"debian-busybox", "deb/debian-busybox_1.35.0-4+deb12u1+b1_amd64.deb", true});
}

TEST(GoldenReports, AndroidApp) {
  ASSAY_REQUIRE_CORPUS();
  check_product({"diva-beta", "apk/diva-beta.apk", false});  // app facts: tests/golden/apps
}

TEST(GoldenReports, RouterRootFileSystem) {
  ASSAY_REQUIRE_CORPUS();
  // The whole document of a 460-node tree is half a megabyte: SARIF and text carry its findings.
  check_product({"dv-arm-rootfs", "firmware/DV-ARM-rootfs-arm.tar.bz2", false});
}

// The date is an input: a waiver that expired before --date stops applying, and a malformed date
// is a usage error before anything is scanned.
TEST(GoldenReports, DateIsValidatedBeforeTheScan) {
  ASSAY_REQUIRE_CORPUS();
  std::string out;
  int rc = test::run("'" + std::string(ASSAY_CLI) + "' scan '" + (test::corpus_dir() / "elf/dvar-miniweb").string() +
                         "' -q --date 2026-13-45 2>&1",
                     &out);
  EXPECT_EQ(rc, 3) << out;
  EXPECT_NE(out.find("2026-13-45"), std::string::npos) << out;
  rc = test::run("'" + std::string(ASSAY_CLI) + "' scan '" + (test::corpus_dir() / "elf/dvar-miniweb").string() +
                     "' -q --policy no-such-policy 2>&1",
                 &out);
  EXPECT_EQ(rc, 3) << out;
}

}  // namespace
}  // namespace assay
