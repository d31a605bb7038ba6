// cramfs unpacker: images generated with mkfs.cramfs (both byte orders, block sizes, padded,
// explicit holes) are unpacked and compared with the source tree; damaged images (truncated,
// modified, a directory cycle) give diagnostics and a partial tree.
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "support/test_support.hpp"
#include "support/tree_compare.hpp"
#include "unpack/memory_sink.hpp"
#include "unpack/unpackers.hpp"

namespace fs = std::filesystem;
using namespace assay::test;
using namespace assay;
using namespace assay::unpack;

namespace {

constexpr const char* kMkfs = "PATH=$PATH:/usr/sbin:/sbin mkfs.cramfs";

void make_tree(const fs::path& root) {
  make_basic_tree(root, "hello, cramfs\n", 70000);  // big.bin: many blocks at any block size
  // A sparse file: mkfs.cramfs -z stores its hole as repeated block pointers.
  std::string sparse(3 * 65536 + 100, '\0');
  sparse.replace(0, 5, "start");
  sparse.replace(sparse.size() - 3, 3, "end");
  write_file(root / "sparse", sparse);
}

Unpacked unpack(const std::string& bytes) {
  Limits lim;
  lim.max_file_bytes = 64ull << 20;
  return unpack_image(make_cramfs_unpacker(), Kind::kCramfs, bytes, lim);
}

class CramfsMkfs : public ::testing::TestWithParam<std::string> {};

TEST_P(CramfsMkfs, UnpacksTreeAsGenerated) {
  ASSAY_REQUIRE_TOOL("mkfs.cramfs");
  TempDir t;
  make_tree(t / "src");
  bool dev = ::geteuid() == 0 && ::mknod((t / "src/null").c_str(), S_IFCHR | 0666,
                                         makedev(1, 3)) == 0;
  std::string img = (t / "img").string();
  ASSERT_EQ(run(std::string(kMkfs) + " " + GetParam() + " " + (t / "src").string() + " " + img +
                " >/dev/null 2>&1"),
            0);
  auto u = unpack(read_file(img));
  ASSERT_TRUE(u.status.ok()) << u.status.error().message;
  expect_tree_matches(t / "src", *u.sink);
  if (dev) {
    const auto* n = u.sink->find("null");
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->meta.dev_major, 1u);
    EXPECT_EQ(n->meta.dev_minor, 3u);
  }
  for (const auto& d : u.sink->diags)
    EXPECT_NE(d.level, DiagLevel::kError) << d.message;
  EXPECT_FALSE(has_diag(*u.sink, "CRC")) << all_diags(*u.sink);
  auto p = probe_cramfs(as_bytes(read_file(img)));
  if (GetParam().find("-p") == std::string::npos) {
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->length, read_file(img).size());
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, CramfsMkfs,
                         ::testing::Values("-N little", "-N big", "-N little -b 16384",
                                           "-N big -b 8192", "-N little -z", "-N big -z -p",
                                           "-N little -p"),
                         [](const auto& info) {
                           std::string name = "v";
                           name += std::to_string(info.index);
                           return name;
                         });

TEST(Cramfs, PaddedImageCarvedAtItsMagic) {
  ASSAY_REQUIRE_TOOL("mkfs.cramfs");
  TempDir t;
  make_tree(t / "src");
  std::string img = (t / "img").string();
  ASSERT_EQ(run(std::string(kMkfs) + " -p " + (t / "src").string() + " " + img + " >/dev/null"), 0);
  std::string bytes = read_file(img);
  std::string carved = bytes.substr(512);
  auto p = probe_cramfs(as_bytes(carved));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->length, carved.size());
  auto u = unpack(carved);
  ASSERT_TRUE(u.status.ok());
  expect_tree_matches(t / "src", *u.sink);
  EXPECT_TRUE(u.sink->diags.empty()) << all_diags(*u.sink);
}

TEST(Cramfs, ProbeRejectsNoise) {
  std::string noise("\x45\x3d\xcd\x28", 4);
  noise += mixed_pattern(200, 4);
  EXPECT_FALSE(probe_cramfs(as_bytes(noise)).has_value());
  EXPECT_FALSE(probe_cramfs(as_bytes(std::string("\x28\xcd\x3d\x45", 4))).has_value());
}

TEST(Cramfs, TruncatedImageGivesPartialTree) {
  ASSAY_REQUIRE_TOOL("mkfs.cramfs");
  TempDir t;
  make_tree(t / "src");
  std::string img = (t / "img").string();
  ASSERT_EQ(run(std::string(kMkfs) + " " + (t / "src").string() + " " + img + " >/dev/null"), 0);
  std::string bytes = read_file(img);
  for (std::size_t cut : {bytes.size() / 2, bytes.size() - 7, std::size_t{200}, std::size_t{80}}) {
    auto u = unpack(bytes.substr(0, cut));
    EXPECT_TRUE(u.status.ok());
    EXPECT_TRUE(has_diag(*u.sink, "truncated")) << cut;
    EXPECT_FALSE(probe_cramfs(as_bytes(bytes.substr(0, cut))).has_value());
  }
  auto u = unpack(bytes.substr(0, bytes.size() / 2));
  EXPECT_NE(u.sink->find("hello.txt"), nullptr);
}

TEST(Cramfs, ModifiedImageFailsCrcAndKeepsGoing) {
  ASSAY_REQUIRE_TOOL("mkfs.cramfs");
  TempDir t;
  make_tree(t / "src");
  std::string img = (t / "img").string();
  ASSERT_EQ(run(std::string(kMkfs) + " -N big " + (t / "src").string() + " " + img + " >/dev/null"),
            0);
  std::string bytes = read_file(img);
  bytes[bytes.size() - 20] ^= 0x55;  // inside the last file's compressed data
  auto u = unpack(bytes);
  ASSERT_TRUE(u.status.ok());
  EXPECT_TRUE(has_diag(*u.sink, "CRC mismatch")) << all_diags(*u.sink);
  ASSERT_NE(u.sink->find("hello.txt"), nullptr);
  EXPECT_EQ(u.sink->find("hello.txt")->data(), "hello, cramfs\n");
}

TEST(Cramfs, DirectoryCycleTerminates) {
  ASSAY_REQUIRE_TOOL("mkfs.cramfs");
  TempDir t;
  write_file(t / "src/a/b/f", "x");
  std::string img = (t / "img").string();
  ASSERT_EQ(run(std::string(kMkfs) + " -N little " + (t / "src").string() + " " + img +
                " >/dev/null"),
            0);
  std::string bytes = read_file(img);
  // Point directory "b" at the root directory's entries (which hold "a", which holds "b" ...).
  auto at = bytes.find(std::string("b\0\0\0", 4), 76);
  ASSERT_NE(at, std::string::npos);
  std::size_t inode = at - 12;
  std::uint32_t root_w2 = static_cast<std::uint8_t>(bytes[72]) |
                          static_cast<std::uint8_t>(bytes[73]) << 8 |
                          static_cast<std::uint8_t>(bytes[74]) << 16 |
                          static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[75])) << 24;
  std::uint32_t w2 = (root_w2 & ~0x3Fu) | 1;  // root offset, name length 1 (4 bytes)
  for (int i = 0; i < 4; ++i) bytes[inode + 8 + i] = static_cast<char>(w2 >> (8 * i));
  // The root directory is 16 bytes ("a"); make b's size match so the parse stays aligned.
  auto u = unpack(bytes);
  ASSERT_TRUE(u.status.ok());
  EXPECT_TRUE(has_diag(*u.sink, "already visited")) << all_diags(*u.sink);
  EXPECT_NE(u.sink->find("a/b"), nullptr);
}

}  // namespace
