// cramfs unpacker: images generated with mkfs.cramfs (both byte orders, block sizes, padded,
// explicit holes) are unpacked and compared with the source tree; damaged images (truncated,
// modified, a directory cycle) give diagnostics and a partial tree.
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "support/test_support.hpp"
#include "unpack/memory_sink.hpp"
#include "unpack/unpackers.hpp"

namespace fs = std::filesystem;
using assay::test::read_file;
using assay::test::run;
using assay::test::TempDir;
using assay::test::write_file;
using namespace assay;
using namespace assay::unpack;

namespace {

constexpr const char* kMkfs = "PATH=$PATH:/usr/sbin:/sbin mkfs.cramfs";

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    s[i] = (i / 3000) % 2 ? static_cast<char>(x >> 16) : static_cast<char>('a' + (i * 7) % 23);
  }
  return s;
}

void make_tree(const fs::path& root) {
  write_file(root / "hello.txt", "hello, cramfs\n");
  write_file(root / "empty", "");
  write_file(root / "big.bin", pattern(70000, 1));  // many blocks at any block size
  write_file(root / "dir/sub/deeper/file.txt", pattern(4097, 2));
  write_file(root / "dir/zeros", std::string(9000, '\0'));
  fs::create_directories(root / "dir/emptydir");
  fs::create_symlink("../hello.txt", root / "dir/link");
  fs::create_symlink("/a/long/absolute/target/path/that/goes/nowhere", root / "abs-link");
  ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0644), 0);
  // A sparse file: mkfs.cramfs -z stores its hole as repeated block pointers.
  {
    std::string sparse(3 * 65536 + 100, '\0');
    sparse.replace(0, 5, "start");
    sparse.replace(sparse.size() - 3, 3, "end");
    write_file(root / "sparse", sparse);
  }
}

struct Unpacked {
  std::unique_ptr<MemorySink> sink;
  Status status;
};

Unpacked unpack(const std::string& bytes) {
  Content c = content_from(bytes);
  Limits lim;
  lim.max_file_bytes = 64ull << 20;
  Unpacked u{std::make_unique<MemorySink>(c, lim), {}};
  UnpackInput in{c.view(), Kind::kCramfs, "image"};
  u.status = make_cramfs_unpacker()->open(in, *u.sink);
  return u;
}

bool has_diag(const MemorySink& s, std::string_view needle) {
  for (const auto& d : s.diags)
    if (d.message.find(needle) != std::string::npos) return true;
  return false;
}

std::string all_diags(const MemorySink& s) {
  std::string out;
  for (const auto& d : s.diags) out += d.message + "\n";
  return out;
}

void expect_matches(const fs::path& root, const MemorySink& sink, std::size_t extra = 0) {
  std::size_t count = 0;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    ++count;
    std::string rel = it->path().lexically_relative(root).generic_string();
    const auto* m = sink.find(rel);
    ASSERT_NE(m, nullptr) << "missing " << rel << "\n" << all_diags(sink);
    auto st = it->symlink_status();
    switch (st.type()) {
      case fs::file_type::directory: EXPECT_EQ(m->meta.type, EntryType::kDirectory) << rel; break;
      case fs::file_type::symlink:
        EXPECT_EQ(m->meta.type, EntryType::kSymlink) << rel;
        EXPECT_EQ(m->meta.link_target, fs::read_symlink(it->path()).string()) << rel;
        break;
      case fs::file_type::fifo: EXPECT_EQ(m->meta.type, EntryType::kFifo) << rel; break;
      case fs::file_type::character: EXPECT_EQ(m->meta.type, EntryType::kCharDevice) << rel; break;
      case fs::file_type::regular:
        EXPECT_EQ(m->meta.type, EntryType::kFile) << rel;
        EXPECT_EQ(m->data(), read_file(it->path())) << rel;
        break;
      default: ADD_FAILURE() << "unexpected type in source tree: " << rel;
    }
  }
  EXPECT_EQ(sink.members.size(), count + extra);
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
  expect_matches(t / "src", *u.sink);
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
  expect_matches(t / "src", *u.sink);
  EXPECT_TRUE(u.sink->diags.empty()) << all_diags(*u.sink);
}

TEST(Cramfs, ProbeRejectsNoise) {
  std::string noise("\x45\x3d\xcd\x28", 4);
  noise += pattern(200, 4);
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
