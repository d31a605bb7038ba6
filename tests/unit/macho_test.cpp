// Mach-O parser and hardening on the corpus iOS app (a fat armv7 + arm64 executable), plus
// truncated and hostile variants.

#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

#include "analyzers/hardening/pe_macho_hardening.hpp"
#include "formats/macho/macho.hpp"
#include "support/test_support.hpp"

using namespace assay;
using assay::test::TempDir;

namespace {
std::string uncrackable_binary(const TempDir& tmp) {
  auto ipa = assay::test::corpus_dir() / "ipa" / "UnCrackable-Level1.ipa";
  EXPECT_EQ(assay::test::run("cd '" + tmp.str() + "' && unzip -qq -o '" + ipa.string() +
                             "' 'Payload/UnCrackable Level 1.app/UnCrackable Level 1'"),
            0);
  return assay::test::read_file(tmp / "Payload/UnCrackable Level 1.app/UnCrackable Level 1");
}
}  // namespace

TEST(MachO, UncrackableFatBinary) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("unzip");
  TempDir tmp;
  std::string bin = uncrackable_binary(tmp);
  ASSERT_FALSE(bin.empty());
  EXPECT_TRUE(macho::is_macho(as_bytes(bin)));
  auto m = macho::parse_macho(as_bytes(bin));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_TRUE(m->fat);
  ASSERT_EQ(m->slices.size(), 2u);
  EXPECT_EQ(m->slices[0].cpu_name(), "armv7");
  EXPECT_EQ(m->slices[1].cpu_name(), "arm64");
  EXPECT_FALSE(m->slices[0].is_64);
  EXPECT_TRUE(m->slices[1].is_64);
  for (const auto& s : m->slices) {
    EXPECT_TRUE(s.diagnostics.empty()) << s.diagnostics.front();
    EXPECT_EQ(s.filetype, 2u) << "MH_EXECUTE";
    EXPECT_NE(std::find(s.dylibs.begin(), s.dylibs.end(), "/usr/lib/libobjc.A.dylib"), s.dylibs.end());
    EXPECT_TRUE(s.has_encryption_info);
    EXPECT_EQ(s.uuid.size(), 32u);
  }
  auto verdicts = hardening::judge_macho(*m);
  ASSERT_EQ(verdicts.size(), 2u);
  for (const auto& h : verdicts) {
    EXPECT_TRUE(h.pie) << h.cpu;
    EXPECT_FALSE(h.encrypted) << "cryptid 0: not FairPlay-encrypted";
    EXPECT_TRUE(h.code_signature);
    EXPECT_TRUE(h.canary);
    EXPECT_TRUE(h.arc);
    EXPECT_FALSE(h.restrict_segment);
    EXPECT_FALSE(h.stack_exec);
  }
  auto j = macho::to_json(*m);
  EXPECT_EQ(j["slices"].size(), 2u);
}

TEST(MachO, TruncatedAndHostile) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("unzip");
  TempDir tmp;
  std::string bin = uncrackable_binary(tmp);
  ASSERT_GT(bin.size(), 4096u);
  std::size_t ok = 0;
  for (std::size_t n = 0; n < bin.size(); n += bin.size() / 97 + 1) {
    auto m = macho::parse_macho(as_bytes(std::string_view(bin).substr(0, n)));
    if (!m.ok()) continue;
    ++ok;
    (void)macho::to_json(*m).dump();
    (void)hardening::judge_macho(*m);
  }
  EXPECT_GT(ok, 90u);
  // Slice 0 claims 0xffffffff load commands of size 8: clamped, diagnosed, no hang.
  std::string bad = bin;
  std::uint32_t slice0 = 0;
  for (int i = 0; i < 4; ++i) slice0 = (slice0 << 8) | static_cast<std::uint8_t>(bad[16 + i]);
  std::memset(bad.data() + slice0 + 16, 0xff, 4);
  auto m = macho::parse_macho(as_bytes(bad));
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->slices[0].diagnostics.empty());
  // A Java class file shares 0xcafebabe but has a large "arch count" (its version).
  std::string cls = std::string("\xca\xfe\xba\xbe\x00\x00\x00\x34", 8) + std::string(64, '\0');
  EXPECT_FALSE(macho::is_macho(as_bytes(cls)));
}
