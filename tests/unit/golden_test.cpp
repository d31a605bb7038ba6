// Golden JSON dumps of the binary parsers and judges for corpus binaries (tests/golden/binary/),
// and of whole app assessments, projected to what a reviewer reads (tests/golden/apps/).
// Run with ASSAY_UPDATE_GOLDEN=1 to rewrite them; review the diff like code.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string_view>

#include "analyzers/hardening/elf_hardening.hpp"
#include "assay/scan.hpp"
#include "analyzers/hardening/pe_macho_hardening.hpp"
#include "formats/elf/elf.hpp"
#include "formats/macho/macho.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;

void check_golden(const std::string& name, const nlohmann::json& actual, const char* dir = "binary") {
  fs::path golden = fs::path(ASSAY_SOURCE_DIR) / "tests/golden" / dir / (name + ".json");
  std::string text = actual.dump(2) + "\n";
  if (std::getenv("ASSAY_UPDATE_GOLDEN") != nullptr) {
    test::write_file(golden, text);
    return;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden << " missing: run with ASSAY_UPDATE_GOLDEN=1";
  EXPECT_EQ(test::read_file(golden), text) << "golden " << name << " differs; rerun with ASSAY_UPDATE_GOLDEN=1 and review";
}

nlohmann::json elf_doc(const std::string& bytes) {
  ByteView b = as_bytes(bytes);
  auto e = elf::parse_elf(b);
  EXPECT_TRUE(e.ok());
  if (!e.ok()) return {};
  return {{"elf", elf::to_json(*e)}, {"hardening", hardening::to_json(hardening::judge_elf(*e, b))}};
}

TEST(Golden, CorpusElfBinaries) {
  ASSAY_REQUIRE_CORPUS();
  for (const char* n : {"dvar-miniweb", "dvar-miniweb-nx", "dir615a-busybox"})
    check_golden(n, elf_doc(test::read_file(test::corpus_dir() / "elf" / n)));
}

TEST(Golden, CorpusIosBinary) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("unzip");
  std::string bin;
  ASSERT_EQ(test::run("unzip -p '" + (test::corpus_dir() / "ipa/UnCrackable-Level1.ipa").string() +
                          "' 'Payload/UnCrackable Level 1.app/UnCrackable Level 1'",
                      &bin), 0);
  auto m = macho::parse_macho(as_bytes(bin));
  ASSERT_TRUE(m.ok());
  nlohmann::json slices = nlohmann::json::array();
  for (const auto& s : hardening::judge_macho(*m)) slices.push_back(hardening::to_json(s));
  check_golden("uncrackable-level1-ios", {{"macho", macho::to_json(*m)}, {"hardening", slices}});
}

// An app's assessment, projected so the golden stays small and stable: every finding as
// rule / severity / first evidence path / key (sorted), and the app-level facts (android.app,
// ios.app, app.*; endpoints without their callers). Paths are already relative to the artifact;
// nothing timed is kept.
nlohmann::json app_projection(const Assessment& a) {
  using nlohmann::json;
  std::vector<json> findings;
  for (const auto& f : a.findings)
    findings.push_back({{"rule", f.rule_id},
                        {"severity", std::string(severity_name(f.severity))},
                        {"path", f.evidence.empty() ? std::string() : f.evidence.front().path},
                        {"key", f.key}});
  std::sort(findings.begin(), findings.end(), [](const json& x, const json& y) { return x.dump() < y.dump(); });
  std::vector<json> facts;
  for (const auto& f : a.facts) {
    std::string_view t = f.type;
    if (t != "android.app" && t != "ios.app" && !t.starts_with("app.")) continue;
    json data = f.data;
    // Endpoints: what is contacted and how it is classified; callers and paths are code detail
    // already covered by the analyzers' own tests.
    if (t == "app.endpoints" && data.contains("endpoints") && data["endpoints"].is_array())
      for (auto& e : data["endpoints"])
        if (e.is_object()) {
          e.erase("callers");
          e.erase("paths");
        }
    facts.push_back({{"type", f.type}, {"path", f.path}, {"data", std::move(data)}});
  }
  std::sort(facts.begin(), facts.end(), [](const json& x, const json& y) { return x.dump() < y.dump(); });
  return {{"product_kind", a.product_kind}, {"findings", findings}, {"facts", facts}};
}

TEST(Golden, CorpusApps) {
  ASSAY_REQUIRE_CORPUS();
  for (const char* rel : {"apk/diva-beta.apk", "apk/blooddonation.apk", "ipa/UnCrackable-Level1.ipa"}) {
    SCOPED_TRACE(rel);
    ScanOptions o;
    o.jobs = 2;
    auto r = scan((test::corpus_dir() / rel).string(), o);
    ASSERT_TRUE(r.ok()) << r.error().message;
    std::string name = fs::path(rel).stem().string() + (std::string_view(rel).starts_with("ipa/") ? "-ipa" : "");
    check_golden(name, app_projection(*r), "apps");
  }
}

}  // namespace
}  // namespace assay
