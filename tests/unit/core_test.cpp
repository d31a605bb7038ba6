// Core building blocks: the reader, checked arithmetic, the budget, safe paths, content spilling,
// the scratch area and identification.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/budget.hpp"
#include "core/checked.hpp"
#include "core/entropy.hpp"
#include "core/hash.hpp"
#include "core/reader.hpp"
#include "formats/identify/identify.hpp"
#include "io/content_writer.hpp"
#include "io/safe_path.hpp"
#include "io/scratch.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

TEST(Reader, ReadsBothEndiansAndStopsAtTheEnd) {
  const std::uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05};
  Reader r(ByteView(data, sizeof data));
  auto a = r.read_le<std::uint16_t>();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 0x0201);
  auto b = r.read_be<std::uint16_t>();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, 0x0304);
  auto c = r.read_le<std::uint16_t>();  // only one byte left
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Errc::kTruncated);
  EXPECT_EQ(r.pos(), 4u);  // a failed read does not move the cursor
}

TEST(Reader, SubRejectsOverflowingOffsets) {
  const std::uint8_t data[16] = {};
  Reader r(ByteView(data, sizeof data));
  EXPECT_FALSE(r.sub(~std::uint64_t{0} - 2, 8).ok());
  EXPECT_FALSE(r.sub(8, ~std::uint64_t{0}).ok());
  EXPECT_TRUE(r.sub(8, 8).ok());
  EXPECT_FALSE(r.sub(9, 8).ok());
  EXPECT_FALSE(r.seek(17).ok());
}

TEST(Reader, CStringNeedsItsTerminator) {
  std::string s("abc\0def", 7);
  Reader r(as_bytes(s));
  auto a = r.cstring(10);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, "abc");
  EXPECT_FALSE(r.cstring(10).ok());  // "def" has no NUL
}

TEST(Checked, DetectsOverflow) {
  EXPECT_FALSE(checked_mul<std::uint64_t>(1ull << 40, 1ull << 30).has_value());
  EXPECT_EQ(*checked_add<std::uint32_t>(1, 2), 3u);
  EXPECT_FALSE(checked_add<std::uint32_t>(0xFFFFFFFFu, 1).has_value());
  EXPECT_FALSE(checked_sub<std::uint32_t>(1, 2).has_value());
  EXPECT_EQ(clamp_count(1'000'000, 100, 10, 50), 10u);
  EXPECT_EQ(clamp_count(5, 100, 10, 50), 5u);
  EXPECT_FALSE(align_up(~std::uint64_t{0}, 4096).has_value());
}

TEST(Budget, TripsEachLimitWithItsName) {
  Limits l;
  l.max_total_bytes = 100;
  l.max_nodes = 2;
  l.max_file_bytes = 50;
  l.max_ratio = 10;
  l.ratio_floor_bytes = 20;
  Budget b(l);
  EXPECT_TRUE(b.charge_bytes(60).ok());
  auto s = b.charge_bytes(60);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("max_total_bytes"), std::string::npos);
  EXPECT_TRUE(b.charge_node().ok());
  EXPECT_TRUE(b.charge_node().ok());
  EXPECT_FALSE(b.charge_node().ok());
  EXPECT_NE(b.check_stream(1, 51).error().message.find("max_file_bytes"), std::string::npos);
  EXPECT_NE(b.check_stream(2, 30).error().message.find("max_ratio"), std::string::npos);
  EXPECT_TRUE(b.check_stream(2, 19).ok());  // below the ratio floor
}

TEST(SafePath, NeverLeavesTheRoot) {
  bool esc = false;
  EXPECT_EQ(sanitize_member_path("../../etc/passwd", &esc), "etc/passwd");
  EXPECT_TRUE(esc);
  EXPECT_EQ(sanitize_member_path("/etc/shadow", &esc), "etc/shadow");
  EXPECT_TRUE(esc);
  EXPECT_EQ(sanitize_member_path("a/./b/../c", &esc), "a/c");
  EXPECT_FALSE(esc);
  EXPECT_EQ(sanitize_member_path("C:\\Windows\\evil.dll", &esc), "Windows/evil.dll");
  EXPECT_TRUE(esc);
  EXPECT_EQ(sanitize_member_path(std::string("a\0b", 3), &esc), "a_b");
  EXPECT_EQ(sanitize_member_path("..", &esc), "");
  EXPECT_EQ(sanitize_component(".."), "_..");
  EXPECT_EQ(sanitize_component(std::string(300, 'x')).size(), 200u);
}

TEST(ContentWriter, SpillsToScratchPastTheMemoryBudgetAndCleansUp) {
  auto scratch = Scratch::create();
  ASSERT_TRUE(scratch.ok());
  std::string dir = (*scratch)->path();
  Limits l;
  l.max_memory_bytes = 8192;
  Budget b(l);
  {
    ContentWriter w(b, scratch->get());
    std::string chunk(4096, 'a');
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(w.write(as_bytes(chunk)).ok());
    auto c = w.finish();
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->size, 40960u);
    EXPECT_EQ(c->view()[40959], 'a');
    EXPECT_LE(b.memory_used(), 8192u);
  }
  EXPECT_EQ(b.memory_used(), 0u);
  scratch->reset();
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(ContentWriter, StopsABomb) {
  Limits l;
  l.max_file_bytes = 1 << 20;
  Budget b(l);
  ContentWriter w(b, nullptr, 10);
  std::string chunk(65536, '\0');
  Status last;
  for (int i = 0; i < 100 && last.ok(); ++i) last = w.write(as_bytes(chunk));
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().code, Errc::kLimit);
  EXPECT_LE(w.size(), 1u << 20);
}

TEST(Scratch, CleanupAllRemovesEveryLiveDirectory) {
  auto s1 = Scratch::create();
  ASSERT_TRUE(s1.ok());
  std::string p = (*s1)->path();
  std::filesystem::create_directories(p + "/a/b");
  test::write_file(p + "/a/b/f", "x");
  std::filesystem::create_symlink("/etc", p + "/a/link");  // must be removed, not followed
  cleanup_all_scratch();
  EXPECT_FALSE(std::filesystem::exists(p));
  EXPECT_TRUE(std::filesystem::exists("/etc/passwd"));
}

TEST(Hash, Sha256KnownAnswer) {
  EXPECT_EQ(to_hex(sha256(as_bytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_NEAR(shannon_entropy(as_bytes("aaaa")), 0.0, 1e-9);
  EXPECT_NEAR(shannon_entropy(as_bytes("ab")), 1.0, 1e-9);
}

TEST(Identify, KnowsCommonMagics) {
  EXPECT_EQ(identify(as_bytes(std::string("\x7f" "ELF\x01\x01\x01", 7))), Kind::kElf);
  EXPECT_EQ(identify(as_bytes(std::string("\x1f\x8b\x08\x00", 4))), Kind::kGzip);
  EXPECT_EQ(identify(as_bytes("hsqs0000")), Kind::kSquashfs);
  EXPECT_EQ(identify(as_bytes("sqsh0000")), Kind::kSquashfs);
  EXPECT_EQ(identify(as_bytes(std::string("\x27\x05\x19\x56", 4))), Kind::kUImage);
  EXPECT_EQ(identify(as_bytes("#!/bin/sh\necho hi\n")), Kind::kScript);
  EXPECT_EQ(identify(as_bytes("root:x:0:0:root:/root:/bin/sh\n")), Kind::kText);
  EXPECT_EQ(identify(as_bytes("-----BEGIN RSA PRIVATE KEY-----\nMII\n")), Kind::kPem);
  EXPECT_EQ(identify(as_bytes(std::string("dex\n035\0", 8))), Kind::kDex);
  EXPECT_EQ(identify(as_bytes(std::string("SQLite format 3\0", 16))), Kind::kSqlite);
  EXPECT_EQ(identify(ByteView{}), Kind::kEmpty);
  std::string padded_cramfs(512, '\0');
  padded_cramfs += std::string("\x45\x3d\xcd\x28", 4) + std::string(12, '\0') + "Compressed ROMFS";
  EXPECT_EQ(identify(as_bytes(padded_cramfs)), Kind::kCramfs);
  std::string random;
  for (int i = 0; i < 4096; ++i) random.push_back(static_cast<char>((i * 2654435761u) >> 13));
  EXPECT_EQ(identify(as_bytes(random)), Kind::kUnknown);
}

}  // namespace
}  // namespace assay
