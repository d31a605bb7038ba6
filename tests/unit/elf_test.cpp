// ELF parser: facts checked against readelf on real binaries, the corpus router binaries,
// section-less and truncated variants, a handmade big-endian MIPS header; and the string
// extractor against GNU strings.

#include <algorithm>
#include <cstring>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "formats/elf/elf.hpp"
#include "formats/strings/strings.hpp"
#include "support/test_support.hpp"

using namespace assay;
using assay::test::TempDir;

namespace {
std::vector<std::string> lines_of(const std::string& cmd) {
  std::string out;
  assay::test::run(cmd, &out);
  std::vector<std::string> v;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) v.push_back(l);
  }
  return v;
}
const char* kSample = "/usr/bin/ls";
}  // namespace

TEST(Elf, MatchesReadelfOnSystemBinary) {
  ASSAY_REQUIRE_TOOL("readelf");
  std::string bytes = assay::test::read_file(kSample);
  auto e = elf::parse_elf(as_bytes(bytes));
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->is_64);
  EXPECT_EQ(e->machine_name(), "x86-64");
  EXPECT_EQ(elf::type_name(e->type), "DYN");
  EXPECT_EQ(e->interpreter, "/lib64/ld-linux-x86-64.so.2");
  EXPECT_TRUE(e->diagnostics.empty());
  auto needed = lines_of(std::string("readelf -W -d ") + kSample + " | sed -n 's/.*Shared library: \\[\\(.*\\)\\]/\\1/p'");
  EXPECT_EQ(e->needed, needed);
  auto nsyms = lines_of(std::string("readelf -W --dyn-syms ") + kSample + " | grep -c '^ *[0-9]*:'");
  ASSERT_EQ(nsyms.size(), 1u);
  EXPECT_EQ(std::to_string(e->dynamic_symbols.size()), nsyms[0]);
  auto nsec = lines_of(std::string("readelf -W -h ") + kSample + " | sed -n 's/.*Number of section headers: *//p'");
  ASSERT_EQ(nsec.size(), 1u);
  EXPECT_EQ(std::to_string(e->sections.size()), nsec[0]);
  auto bid = lines_of(std::string("readelf -n ") + kSample + " | sed -n 's/.*Build ID: //p'");
  ASSERT_EQ(bid.size(), 1u);
  EXPECT_EQ(e->build_id, bid[0]);
  EXPECT_TRUE(e->stripped());
  EXPECT_FALSE(e->is_static());
  auto imports = e->imports();
  EXPECT_NE(std::find(imports.begin(), imports.end(), "__stack_chk_fail"), imports.end());
  auto j = elf::to_json(*e);
  EXPECT_EQ(j["machine"], "x86-64");
  EXPECT_EQ(j["import_count"], imports.size());
}

TEST(Elf, SectionlessFileReadThroughProgramHeaders) {
  std::string bytes = assay::test::read_file(kSample);
  auto full = elf::parse_elf(as_bytes(bytes));
  ASSERT_TRUE(full.ok());
  // Drop the section header table as sstrip does: e_shoff, e_shnum, e_shstrndx = 0.
  std::string cut = bytes;
  std::memset(cut.data() + 0x28, 0, 8);
  std::memset(cut.data() + 0x3c, 0, 4);
  auto e = elf::parse_elf(as_bytes(cut));
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->sections.empty());
  EXPECT_EQ(e->needed, full->needed);
  EXPECT_EQ(e->interpreter, full->interpreter);
  EXPECT_EQ(e->imports(), full->imports()) << "DT_SYMTAB counted through DT_GNU_HASH";
  EXPECT_EQ(e->exports(), full->exports());
  EXPECT_EQ(e->build_id, full->build_id) << "PT_NOTE";
}

TEST(Elf, CorpusRouterBinaries) {
  ASSAY_REQUIRE_CORPUS();
  auto dir = assay::test::corpus_dir() / "elf";
  std::string mw = assay::test::read_file(dir / "dvar-miniweb");
  auto e = elf::parse_elf(as_bytes(mw));
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->is_64);
  EXPECT_EQ(e->endian, Endian::kLittle);
  EXPECT_EQ(e->machine_name(), "ARM");
  EXPECT_EQ(elf::type_name(e->type), "EXEC");
  EXPECT_EQ(e->interpreter, "/lib/ld-uClibc.so.0");
  EXPECT_NE(std::find(e->needed.begin(), e->needed.end(), "libc.so.0"), e->needed.end());
  EXPECT_FALSE(e->stripped());
  const elf::Segment* st = e->find_segment(0x6474e551);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->flags, 7u) << "GNU_STACK RWE";

  std::string bb = assay::test::read_file(dir / "dir615a-busybox");
  auto b = elf::parse_elf(as_bytes(bb));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->machine_name(), "ARM");
  EXPECT_TRUE(b->stripped());
  EXPECT_EQ(b->interpreter, "/lib/ld-linux.so.2");
  EXPECT_FALSE(b->imports().empty());
}

TEST(Elf, TruncatedPrefixesNeverFail) {
  std::string bytes = assay::test::read_file(kSample);
  std::vector<std::size_t> cuts;
  for (std::size_t n = 0; n < 8192; n += 61) cuts.push_back(n);
  for (std::size_t n = 8192; n < bytes.size(); n += bytes.size() / 37) cuts.push_back(n);
  std::size_t parsed = 0;
  for (std::size_t n : cuts) {
    auto e = elf::parse_elf(as_bytes(std::string_view(bytes).substr(0, n)));
    if (n < 64) {
      EXPECT_FALSE(e.ok()) << n;
      continue;
    }
    ASSERT_TRUE(e.ok()) << "a readable header always parses, cut at " << n;
    ++parsed;
    EXPECT_FALSE(e->diagnostics.empty()) << "a cut file says what is missing, cut at " << n;
    (void)elf::to_json(*e).dump();
  }
  EXPECT_GT(parsed, 100u);
}

TEST(Elf, HandmadeBigEndianMips64Header) {
  // ELF64 MSB, EM_MIPS, ET_EXEC, one PT_GNU_STACK (RW) program header, no sections.
  std::string b(64 + 56, '\0');
  const unsigned char ident[] = {0x7f, 'E', 'L', 'F', 2, 2, 1, 0};
  std::memcpy(b.data(), ident, sizeof ident);
  auto be16 = [&](std::size_t o, unsigned v) { b[o] = char(v >> 8), b[o + 1] = char(v); };
  auto be32 = [&](std::size_t o, unsigned v) { for (int i = 0; i < 4; ++i) b[o + i] = char(v >> (24 - 8 * i)); };
  be16(16, 2), be16(18, 8), be32(20, 1);
  b[24 + 7] = 0x10;         // e_entry = 0x10
  b[32 + 7] = 64;           // e_phoff = 64
  be16(52, 64), be16(54, 56), be16(56, 1);
  be32(64, 0x6474e551), be32(68, 6);
  auto e = elf::parse_elf(as_bytes(b));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->endian, Endian::kBig);
  EXPECT_EQ(e->machine_name(), "MIPS64");
  EXPECT_EQ(e->entry, 0x10u);
  ASSERT_EQ(e->segments.size(), 1u);
  EXPECT_EQ(e->segments[0].flags, 6u);
  EXPECT_TRUE(e->is_static());
  // Hostile counts: e_phnum 0xffff with no section 0 to resolve it, e_phentsize tiny.
  be16(56, 0xffff);
  EXPECT_TRUE(elf::parse_elf(as_bytes(b)).ok());
  be16(54, 4);
  auto bad = elf::parse_elf(as_bytes(b));
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad->diagnostics.empty());
  std::string class3("\x7f" "ELF\x03\x01", 6);
  class3.resize(16, '\0');
  EXPECT_FALSE(elf::parse_elf(as_bytes(class3)).ok()) << "class 3";
}

TEST(Strings, AsciiMatchesGnuStrings) {
  ASSAY_REQUIRE_TOOL("strings");
  std::string bytes = assay::test::read_file(kSample);
  strings::Options o;
  o.utf16 = false;
  o.max_len = SIZE_MAX;
  auto ours = strings::extract_strings(as_bytes(bytes), o);
  auto theirs = lines_of(std::string("strings -a -n 4 -t d ") + kSample + " | awk '{print $1}'");
  ASSERT_EQ(ours.size(), theirs.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    ASSERT_EQ(std::to_string(ours[i].offset), theirs[i]) << i;
  }
}

TEST(Strings, Utf16AndOffsets) {
  std::string b = std::string("\x01\x02") + "hello" + std::string("\0\0", 2);
  std::size_t wide_at = b.size();
  for (char c : std::string("Wide!")) b += c, b += '\0';
  b += "\xff" "abc" "\xfe" "toolong";
  auto v = strings::extract_strings(as_bytes(b), 4);
  std::set<std::string> texts;
  for (const auto& s : v) texts.insert(s.text + (s.utf16 ? "/w" : ""));
  EXPECT_TRUE(texts.count("hello"));
  EXPECT_TRUE(texts.count("Wide!/w"));
  EXPECT_TRUE(texts.count("toolong"));
  EXPECT_FALSE(texts.count("abc"));
  for (const auto& s : v) {
    if (s.text == "Wide!") {
      EXPECT_EQ(s.offset, wide_at);
    }
    if (s.text == "hello") {
      EXPECT_EQ(s.offset, 2u);
    }
  }
}
