// Golden JSON dumps of the binary parsers and judges for corpus binaries (tests/golden/binary/).
// Run with ASSAY_UPDATE_GOLDEN=1 to rewrite them; review the diff like code.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "analyzers/hardening/elf_hardening.hpp"
#include "analyzers/hardening/pe_macho_hardening.hpp"
#include "formats/elf/elf.hpp"
#include "formats/macho/macho.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;

void check_golden(const std::string& name, const nlohmann::json& actual) {
  fs::path golden = fs::path(ASSAY_SOURCE_DIR) / "tests/golden/binary" / (name + ".json");
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

}  // namespace
}  // namespace assay
