// JFFS2 unpacker: images generated with mkfs.jffs2 from a known tree (both byte orders, each
// compressor it offers) are unpacked and compared with the tree; hand-built node logs cover what
// mkfs.jffs2 never writes (newer versions, deletions, overlapping data, LZMA, cycles).
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "formats/jffs2/jffs2_format.hpp"
#include "support/test_support.hpp"
#include "support/tree_compare.hpp"
#include "unpack/memory_sink.hpp"
#include "unpack/unpackers.hpp"

namespace fs = std::filesystem;
using namespace assay::test;
using namespace assay;
using namespace assay::unpack;

namespace {

constexpr const char* kMkfs = "PATH=$PATH:/usr/sbin:/sbin mkfs.jffs2";

// The source tree every mkfs test packs; big.bin needs five data nodes.
void make_tree(const fs::path& root) { make_basic_tree(root, "hello, jffs2\n", 20000); }

Unpacked unpack(const std::string& bytes) {
  Limits lim;
  lim.max_file_bytes = 64ull << 20;
  return unpack_image(make_jffs2_unpacker(), Kind::kJffs2, bytes, lim);
}

class Jffs2Mkfs : public ::testing::TestWithParam<std::string> {};

TEST_P(Jffs2Mkfs, UnpacksTreeAsGenerated) {
  ASSAY_REQUIRE_TOOL("mkfs.jffs2");
  TempDir t;
  make_tree(t / "src");
  // Device nodes come from a device table so the test needs no privileges.
  write_file(t / "devtable", "/dev d 755 0 0 - - - - -\n/dev/console c 600 0 0 5 1 - - -\n"
                             "/dev/sda b 640 0 6 8 0 - - -\n");
  std::string img = (t / "img").string();
  ASSERT_EQ(run(std::string(kMkfs) + " -r " + (t / "src").string() + " -D " +
                (t / "devtable").string() + " " + GetParam() + " -o " + img),
            0);
  auto u = unpack(read_file(img));
  ASSERT_TRUE(u.status.ok()) << u.status.error().message;
  expect_tree_matches(t / "src", *u.sink, 3);
  const auto* con = u.sink->find("dev/console");
  ASSERT_NE(con, nullptr);
  EXPECT_EQ(con->meta.type, EntryType::kCharDevice);
  EXPECT_EQ(con->meta.dev_major, 5u);
  EXPECT_EQ(con->meta.dev_minor, 1u);
  EXPECT_EQ(con->meta.mode, 0600u);
  const auto* sda = u.sink->find("dev/sda");
  ASSERT_NE(sda, nullptr);
  EXPECT_EQ(sda->meta.type, EntryType::kBlockDevice);
  EXPECT_EQ(sda->meta.dev_major, 8u);
  EXPECT_EQ(sda->meta.gid, 6u);
  EXPECT_TRUE(u.sink->diags.empty()) << all_diags(*u.sink);
}

INSTANTIATE_TEST_SUITE_P(
    Variants, Jffs2Mkfs,
    ::testing::Values("-l", "-b", "-l -e 0x2000", "-b -e 0x4000 -p", "-l -n -e 0x2000",
                      "-l -x zlib",                      // rtime
                      "-b -x zlib",                      // rtime, big-endian
                      "-l -X lzo -x zlib -x rtime",      // lzo
                      "-b -X lzo -y 90:lzo",             // lzo first, big-endian
                      "-l -m none -s 8192"),             // uncompressed, 8 KiB pages
    [](const auto& info) {
      std::string name = "v";
      name += std::to_string(info.index);
      return name;
    });

TEST(Jffs2, ProbeMeasuresImageAndRejectsNoise) {
  ASSAY_REQUIRE_TOOL("mkfs.jffs2");
  TempDir t;
  make_tree(t / "src");
  std::string img = (t / "img").string();
  ASSERT_EQ(run(std::string(kMkfs) + " -r " + (t / "src").string() + " -l -e 0x2000 -p -o " + img),
            0);
  std::string bytes = read_file(img);
  ASSERT_EQ(bytes.size() % 0x2000, 0u);
  ASSERT_GE(bytes.size(), 0x4000u);
  std::string with_tail = bytes;
  with_tail.append(0x4000, '\xFF');
  with_tail += mixed_pattern(50000, 9);
  auto p = probe_jffs2(as_bytes(with_tail));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, Kind::kJffs2);
  EXPECT_EQ(p->length, bytes.size());

  // Random bytes starting with the magic fail the header CRC.
  std::string noise("\x85\x19", 2);
  noise += mixed_pattern(100, 3);
  EXPECT_FALSE(probe_jffs2(as_bytes(noise)).has_value());
  EXPECT_FALSE(probe_jffs2(as_bytes(std::string("\x19\x85", 2))).has_value());
}

TEST(Jffs2, TruncatedImageKeepsWhatPrecedesTheCut) {
  ASSAY_REQUIRE_TOOL("mkfs.jffs2");
  TempDir t;
  make_tree(t / "src");
  std::string img = (t / "img").string();
  ASSERT_EQ(run(std::string(kMkfs) + " -r " + (t / "src").string() + " -l -o " + img), 0);
  std::string bytes = read_file(img);
  for (std::size_t cut : {bytes.size() / 2, bytes.size() - 5, std::size_t{100}, std::size_t{13}}) {
    auto u = unpack(bytes.substr(0, cut));
    EXPECT_TRUE(u.status.ok());
    EXPECT_LT(u.sink->members.size(), 14u);
    if (cut == bytes.size() / 2) {
      EXPECT_TRUE(has_diag(*u.sink, "past the end")) << all_diags(*u.sink);
      EXPECT_GT(u.sink->members.size(), 0u);
    }
  }
}

TEST(Jffs2, CorruptNodeIsDiagnosedAndSkipped) {
  ASSAY_REQUIRE_TOOL("mkfs.jffs2");
  TempDir t;
  make_tree(t / "src");
  std::string img = (t / "img").string();
  ASSERT_EQ(run(std::string(kMkfs) + " -r " + (t / "src").string() + " -l -m none -o " + img), 0);
  std::string bytes = read_file(img);
  // Corrupt the data of hello.txt (stored uncompressed with -m none).
  auto at = bytes.find("hello, jffs2");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'J';
  // And the header of the first node after 0x1000 (bad header CRC: that node is lost).
  auto u = unpack(bytes);
  ASSERT_TRUE(u.status.ok());
  EXPECT_TRUE(has_diag(*u.sink, "data CRC mismatch")) << all_diags(*u.sink);
  const auto* hello = u.sink->find("hello.txt");
  ASSERT_NE(hello, nullptr);
  EXPECT_EQ(hello->data(), std::string(13, '\0'));  // its only data node is dropped: a hole
  const auto* big = u.sink->find("big.bin");
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->data(), mixed_pattern(20000, 1));
}

// ---- Hand-built node logs -------------------------------------------------------------------

class Builder {
 public:
  explicit Builder(Endian e) : e_(e) {}
  void dirent(std::uint32_t pino, std::uint32_t version, std::uint32_t ino, std::string name,
              std::uint8_t type) {
    std::string n(jffs2::kDirentSize, '\0');
    put32(n, 12, pino);
    put32(n, 16, version);
    put32(n, 20, ino);
    n[28] = static_cast<char>(name.size());
    n[29] = static_cast<char>(type);
    finish(n, jffs2::kTypeDirent, name);
    put32(n, 32, jffs2::crc(as_bytes(n).first(32)));
    put32(n, 36, jffs2::crc(as_bytes(name)));
    append(n);
  }
  void inode(std::uint32_t ino, std::uint32_t version, std::uint32_t mode, std::uint32_t isize,
             std::uint32_t offset, std::string data, std::uint32_t dsize, std::uint8_t compr = 0) {
    std::string n(jffs2::kInodeSize, '\0');
    put32(n, 12, ino);
    put32(n, 16, version);
    put32(n, 20, mode);
    put32(n, 28, isize);
    put32(n, 44, offset);
    put32(n, 48, static_cast<std::uint32_t>(data.size()));
    put32(n, 52, dsize);
    n[56] = static_cast<char>(compr);
    put32(n, 60, jffs2::crc(as_bytes(data)));
    finish(n, jffs2::kTypeInode, data);
    put32(n, 64, jffs2::crc(as_bytes(n).first(60)));
    append(n);
  }
  void pad(std::size_t n, char c) { out_.append(n, c); }
  const std::string& bytes() const { return out_; }

 private:
  void put16(std::string& s, std::size_t at, std::uint16_t v) {
    for (int i = 0; i < 2; ++i)
      s[at + i] = static_cast<char>(e_ == Endian::kLittle ? v >> (8 * i) : v >> (8 * (1 - i)));
  }
  void put32(std::string& s, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
      s[at + i] = static_cast<char>(e_ == Endian::kLittle ? v >> (8 * i) : v >> (8 * (3 - i)));
  }
  void finish(std::string& n, std::uint16_t type, const std::string& tail) {
    std::uint32_t totlen = static_cast<std::uint32_t>(n.size() + tail.size());
    put16(n, 0, jffs2::kMagic);
    put16(n, 2, type);
    put32(n, 4, totlen);
    put32(n, 8, jffs2::crc(as_bytes(n).first(8)));
    pending_tail_ = tail;
  }
  void append(std::string& n) {
    out_ += n + pending_tail_;
    while (out_.size() % 4) out_.push_back('\xFF');
  }
  Endian e_;
  std::string out_;
  std::string pending_tail_;
};

constexpr std::uint32_t kReg = 0100644;
constexpr std::uint32_t kDir = 040755;

TEST(Jffs2, NewestVersionsWinAndDeletionsUnlink) {
  for (Endian e : {Endian::kLittle, Endian::kBig}) {
    Builder b(e);
    b.dirent(1, 1, 2, "file", 8);
    b.inode(2, 1, kReg, 10, 0, "AAAAAAAAAA", 10);
    b.dirent(1, 2, 3, "gone", 8);
    b.inode(3, 1, kReg, 3, 0, "xyz", 3);
    b.pad(64, '\xFF');
    b.inode(2, 3, kReg, 12, 4, "BBBBBBBB", 8);      // overwrites bytes 4..11, extends to 12
    b.inode(2, 2, kReg, 10, 2, "cc", 2);             // older than the B node: only 2..3 show
    b.dirent(1, 5, 0, "gone", 8);                     // deletion
    b.dirent(1, 3, 4, "renamed-old", 8);
    b.inode(4, 1, kReg, 20, 16, "tail", 4);          // hole 0..15
    b.pad(256, '\0');
    b.dirent(1, 4, 4, "dir", 4);                      // not a dir (inode says file): hard link
    auto u = unpack(b.bytes());
    ASSERT_TRUE(u.status.ok());
    const auto* f = u.sink->find("file");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->data(), "AAccBBBBBBBB");
    EXPECT_EQ(u.sink->find("gone"), nullptr);
    const auto* r = u.sink->find("dir");
    const auto* o = u.sink->find("renamed-old");
    ASSERT_NE(r, nullptr);
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(r->data(), std::string(16, '\0') + "tail");
    EXPECT_EQ(o->meta.type, EntryType::kHardlink);
    EXPECT_EQ(o->meta.link_target, "dir");
    EXPECT_EQ(u.sink->members.size(), 3u);
  }
}

TEST(Jffs2, TruncationByIsizeAndMissingParents) {
  Builder b(Endian::kLittle);
  b.inode(2, 1, kReg, 8, 0, "12345678", 8);
  b.inode(2, 2, kReg, 5, 5, "", 0);  // truncation node (no data)
  b.dirent(1, 1, 2, "short", 8);
  b.dirent(77, 2, 5, "orphan", 8);   // parent 77 has no dirent
  b.inode(5, 1, kReg, 2, 0, "hi", 2);
  b.dirent(1, 3, 6, "d", 4);
  b.inode(6, 1, kDir, 0, 0, "", 0);
  b.dirent(6, 4, 7, "in-d", 8);
  b.inode(7, 1, kReg, 1, 0, "z", 1);
  auto u = unpack(b.bytes());
  ASSERT_TRUE(u.status.ok());
  ASSERT_NE(u.sink->find("short"), nullptr);
  EXPECT_EQ(u.sink->find("short")->data(), "12345");
  ASSERT_NE(u.sink->find("lost+found/ino-77/orphan"), nullptr) << all_diags(*u.sink);
  EXPECT_EQ(u.sink->find("lost+found/ino-77/orphan")->data(), "hi");
  ASSERT_NE(u.sink->find("d/in-d"), nullptr);
  EXPECT_TRUE(has_diag(*u.sink, "inode 77 is missing"));
}

TEST(Jffs2, DirentCycleTerminates) {
  Builder b(Endian::kBig);
  b.dirent(3, 1, 2, "a", 4);  // 2 lives in 3
  b.inode(2, 1, kDir, 0, 0, "", 0);
  b.dirent(2, 2, 3, "b", 4);  // 3 lives in 2
  b.inode(3, 1, kDir, 0, 0, "", 0);
  b.dirent(3, 3, 4, "f", 8);
  b.inode(4, 1, kReg, 1, 0, "q", 1);
  auto u = unpack(b.bytes());
  ASSERT_TRUE(u.status.ok());
  EXPECT_TRUE(has_diag(*u.sink, "cycle")) << all_diags(*u.sink);
  // Whichever directory the walk meets twice is cut and placed under lost+found/; the other
  // one and the file keep their names below it.
  const auto* f = u.sink->find("lost+found/ino-2/b/f");
  if (f == nullptr) f = u.sink->find("lost+found/ino-3/f");
  ASSERT_NE(f, nullptr) << all_diags(*u.sink);
  EXPECT_EQ(f->data(), "q");
}

TEST(Jffs2, LzmaNodesAsOpenWrtWritesThem) {
  ASSAY_REQUIRE_TOOL("xz");
  TempDir t;
  std::string text = mixed_pattern(4096, 5);
  write_file(t / "in", text);
  // Raw LZMA1, lc=0 lp=0 pb=0, 8 KiB dictionary: OpenWrt's JFFS2 LZMA compressor.
  ASSERT_EQ(run("xz --format=raw --lzma1=dict=8KiB,lc=0,lp=0,pb=0 -c " + (t / "in").string() +
                " > " + (t / "out").string()),
            0);
  // The 5-byte properties header of mtd-utils' compr_lzma.c (lc=3 pb=2), then the raw stream:
  // an .lzma file without its 8-byte size field.
  ASSERT_EQ(run("xz --format=lzma --lzma1=dict=8KiB,lc=3,lp=0,pb=2 -c " + (t / "in").string() +
                " > " + (t / "alone").string()),
            0);
  std::string alone = read_file(t / "alone");
  ASSERT_GT(alone.size(), 13u);
  std::string with_props = alone.substr(0, 5) + alone.substr(13);
  Builder b(Endian::kLittle);
  b.dirent(1, 1, 2, "lz", 8);
  b.inode(2, 1, kReg, 8192, 0, read_file(t / "out"), 4096, 8);
  b.inode(2, 2, kReg, 8192, 4096, with_props, 4096, 0x15);
  auto u = unpack(b.bytes());
  ASSERT_TRUE(u.status.ok());
  const auto* m = u.sink->find("lz");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->data(), text + text) << all_diags(*u.sink);
  EXPECT_TRUE(u.sink->diags.empty()) << all_diags(*u.sink);
}

TEST(Jffs2, UnsupportedAndCorruptCompressionBecomeHoles) {
  Builder b(Endian::kLittle);
  b.dirent(1, 1, 2, "r", 8);
  b.inode(2, 1, kReg, 8, 0, "junk", 4, 5);              // dynrubin
  b.inode(2, 2, kReg, 8, 4, "\x78\x9c\xff\xff", 4, 6);  // broken zlib
  auto u = unpack(b.bytes());
  ASSERT_TRUE(u.status.ok());
  ASSERT_NE(u.sink->find("r"), nullptr);
  EXPECT_EQ(u.sink->find("r")->data(), std::string(8, '\0'));
  EXPECT_TRUE(has_diag(*u.sink, "not supported"));
  EXPECT_TRUE(has_diag(*u.sink, "zlib"));
}

TEST(Jffs2, InterleavedOverlapsAreBounded) {
  // Each newer 1 MiB node hides all but 100 bytes of the older one: without a work cap every
  // fragment would decompress a whole node again.
  Builder b(Endian::kLittle);
  b.dirent(1, 1, 2, "o", 8);
  constexpr std::uint32_t kNodes = 3000;
  for (std::uint32_t k = 0; k < kNodes; ++k)
    b.inode(2, k + 1, kReg, kNodes * 100, k * 100, "", 1u << 20, 1 /* zero */);
  auto u = unpack(b.bytes());
  ASSERT_TRUE(u.status.ok());
  ASSERT_NE(u.sink->find("o"), nullptr);
  EXPECT_EQ(u.sink->find("o")->data(), std::string(kNodes * 100, '\0'));
  EXPECT_TRUE(has_diag(*u.sink, "overlapping")) << all_diags(*u.sink);
}

TEST(Jffs2, NoNodeIsAnError) {
  auto u = unpack(std::string(1000, '\xFF'));
  EXPECT_FALSE(u.status.ok());
}

}  // namespace
