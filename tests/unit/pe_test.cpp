// PE parser and PE hardening on handmade images (the mingw cross compiler is not installed on the
// test machine; the layout follows the PE/COFF specification field by field), plus truncated and
// hostile variants.

#include <cstring>

#include <nlohmann/json.hpp>

#include "analyzers/hardening/pe_macho_hardening.hpp"
#include "formats/pe/pe.hpp"
#include "support/test_support.hpp"

using namespace assay;

namespace {

struct PeSpec {
  bool is_64 = true;
  std::uint16_t dll_characteristics = 0x40 | 0x20 | 0x100 | 0x4000;
  std::uint32_t guard_flags = 0x100;
  std::uint64_t cookie = 0x140003000;
  std::uint32_t seh_table = 0, seh_count = 0;
  bool signature = true;
  bool clr = false;
};

std::string build_pe(const PeSpec& s) {
  std::string b(0x400, '\0');
  auto w16 = [&](std::size_t o, std::uint16_t v) { std::memcpy(b.data() + o, &v, 2); };
  auto w32 = [&](std::size_t o, std::uint32_t v) { std::memcpy(b.data() + o, &v, 4); };
  auto w64 = [&](std::size_t o, std::uint64_t v) { std::memcpy(b.data() + o, &v, 8); };
  b[0] = 'M', b[1] = 'Z';
  w32(60, 0x40);
  std::memcpy(b.data() + 0x40, "PE\0\0", 4);
  const std::size_t coff = 0x44, opt = 0x58;
  const std::uint16_t opt_size = s.is_64 ? 240 : 224;
  w16(coff, s.is_64 ? 0x8664 : 0x14c);
  w16(coff + 2, 1);
  w16(coff + 16, opt_size);
  w16(coff + 18, 0x22);
  w16(opt, s.is_64 ? 0x20b : 0x10b);
  w32(opt + 16, 0x1000);
  w32(opt + 60, 0x200);
  w16(opt + 68, 3);
  w16(opt + 70, s.dll_characteristics);
  const std::size_t ndir = opt + (s.is_64 ? 108 : 92);
  w32(ndir, 16);
  auto dir = [&](int i, std::uint32_t rva, std::uint32_t size) { w32(ndir + 4 + 8 * i, rva), w32(ndir + 8 + 8 * i, size); };
  dir(1, 0x1100, 40);
  if (s.signature) dir(4, 0x400, 8);
  dir(10, 0x1000, s.is_64 ? 160 : 96);
  if (s.clr) dir(14, 0x11c0, 72);
  const std::size_t sec = opt + opt_size;
  std::memcpy(b.data() + sec, ".rdata\0\0", 8);
  w32(sec + 8, 0x200), w32(sec + 12, 0x1000), w32(sec + 16, 0x200), w32(sec + 20, 0x200);
  w32(sec + 36, 0x40000040);
  // Load config at RVA 0x1000 (file 0x200).
  const std::size_t lc = 0x200;
  if (s.is_64) {
    w32(lc, 160);
    w64(lc + 88, s.cookie);
    w32(lc + 144, s.guard_flags);
  } else {
    w32(lc, 96);
    w32(lc + 60, static_cast<std::uint32_t>(s.cookie));
    w32(lc + 64, s.seh_table);
    w32(lc + 68, s.seh_count);
    w32(lc + 88, s.guard_flags);
  }
  // Imports at RVA 0x1100 (file 0x300): one DLL, one function by name, one by ordinal.
  w32(0x300, 0x1140), w32(0x300 + 12, 0x1180), w32(0x300 + 16, 0x1140);
  if (s.is_64) {
    w64(0x340, 0x1190), w64(0x348, 0x8000000000000007ull);
  } else {
    w32(0x340, 0x1190), w32(0x344, 0x80000007u);
  }
  std::memcpy(b.data() + 0x380, "KERNEL32.dll", 12);
  std::memcpy(b.data() + 0x392, "CreateProcessA", 14);
  if (s.signature) b += std::string(8, '\x30');
  return b;
}

}  // namespace

TEST(Pe, HandmadePe32PlusAllMitigations) {
  std::string img = build_pe({});
  auto p = pe::parse_pe(as_bytes(img));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_TRUE(p->is_64);
  EXPECT_EQ(p->machine_name(), "x86-64");
  ASSERT_EQ(p->sections.size(), 1u);
  EXPECT_EQ(p->sections[0].name, ".rdata");
  ASSERT_EQ(p->imports.size(), 1u);
  EXPECT_EQ(p->imports[0].dll, "KERNEL32.dll");
  EXPECT_EQ(p->imports[0].functions, (std::vector<std::string>{"CreateProcessA", "#7"}));
  EXPECT_TRUE(p->diagnostics.empty());
  auto h = hardening::judge_pe(*p);
  EXPECT_TRUE(h.dynamic_base);
  EXPECT_TRUE(h.high_entropy_va);
  EXPECT_TRUE(h.nx_compat);
  EXPECT_TRUE(h.cfg);
  EXPECT_TRUE(h.gs);
  EXPECT_TRUE(h.safe_seh) << "not applicable to x64";
  EXPECT_TRUE(h.authenticode);
  EXPECT_FALSE(h.dotnet);
  EXPECT_EQ(pe::to_json(*p)["format"], "PE32+");
}

TEST(Pe, HandmadePe32WithoutMitigations) {
  PeSpec s;
  s.is_64 = false;
  s.dll_characteristics = 0;
  s.guard_flags = 0;
  s.cookie = 0;
  s.signature = false;
  s.clr = true;
  auto p = pe::parse_pe(as_bytes(build_pe(s)));
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->is_64);
  EXPECT_EQ(p->imports.at(0).functions.at(0), "CreateProcessA");
  auto h = hardening::judge_pe(*p);
  EXPECT_FALSE(h.dynamic_base || h.high_entropy_va || h.nx_compat || h.cfg || h.gs || h.authenticode);
  EXPECT_FALSE(h.safe_seh) << "x86 without an SEHandlerTable";
  EXPECT_TRUE(h.dotnet);
  s.seh_table = 0x401000, s.seh_count = 3, s.cookie = 0x403000;
  auto h2 = hardening::judge_pe(*pe::parse_pe(as_bytes(build_pe(s))));
  EXPECT_TRUE(h2.safe_seh);
  EXPECT_TRUE(h2.gs);
}

TEST(Pe, TruncatedAndHostile) {
  std::string img = build_pe({});
  for (std::size_t n = 0; n <= img.size(); n += 7) {
    auto p = pe::parse_pe(as_bytes(std::string_view(img).substr(0, n)));
    if (p.ok()) (void)pe::to_json(*p).dump(), (void)hardening::judge_pe(*p);
  }
  std::string bad = img;
  std::uint16_t many = 0xffff;
  std::memcpy(bad.data() + 0x46, &many, 2);  // NumberOfSections
  std::uint32_t far = 0x7fffffff;
  std::memcpy(bad.data() + 0x58 + 108 + 4 + 8, &far, 4);  // import RVA
  auto p = pe::parse_pe(as_bytes(bad));
  ASSERT_TRUE(p.ok());
  EXPECT_LE(p->sections.size(), pe::kMaxSections);
  EXPECT_FALSE(p->diagnostics.empty());
  EXPECT_FALSE(pe::parse_pe(as_bytes(std::string("MZ"))).ok());
  EXPECT_FALSE(pe::is_pe(as_bytes(std::string(64, 'M'))));
}
