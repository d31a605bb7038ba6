// SquashFS unpacker tests. 4.0 fixtures are generated with mksquashfs into a TempDir and the
// unpacked tree is compared with the source tree (names, types, sizes, contents, link targets) and
// with `unsquashfs -lls` for what only exists inside the image (device nodes, fifos). 1.x-3.x
// cannot be generated any more: the real Broadcom 2.0 big-endian LZMA image of the shared corpus
// is checked against `7z l` as the oracle.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "support/test_support.hpp"
#include "unpack/memory_sink.hpp"
#include "unpack/unpackers.hpp"

namespace fs = std::filesystem;
using namespace assay;
using namespace assay::unpack;
using assay::test::read_file;
using assay::test::run;
using assay::test::TempDir;
using assay::test::write_file;

namespace {

struct Unpacked {
  std::unique_ptr<MemorySink> sink;
  Status status;
};

Unpacked unpack_bytes(const std::string& bytes, Limits limits = {}) {
  Content parent = content_from(bytes);
  auto sink = std::make_unique<MemorySink>(parent, limits);
  auto u = make_squashfs_unpacker();
  UnpackInput in{parent.view(), Kind::kSquashfs, "image"};
  Status st = u->open(in, *sink);
  return {std::move(sink), std::move(st)};
}

Unpacked unpack_file(const fs::path& p) {
  return unpack_bytes(read_file(p));
}

std::string diags(const MemorySink& s) {
  std::string out;
  for (const auto& d : s.diags) out += d.message + "\n";
  return out;
}

// A source tree with every kind of member mksquashfs stores from a directory.
void make_tree(const fs::path& root, std::size_t big_size) {
  fs::create_directories(root / "etc/init.d");
  fs::create_directories(root / "empty_dir");
  fs::create_directories(root / "a/b/c/d/e/f/g/h/i/j");
  write_file(root / "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
  write_file(root / "etc/init.d/rcS", "#!/bin/sh\nmount -a\n");
  write_file(root / "empty", "");
  write_file(root / "a/b/c/d/e/f/g/h/i/j/deep.txt", "deep\n");
  // More than one block plus a tail that lands in a fragment; not compressible to nothing.
  std::string big(big_size, '\0');
  std::uint32_t x = 12345;
  for (std::size_t i = 0; i < big.size(); ++i) {
    x = x * 1103515245u + 12345u;
    big[i] = static_cast<char>((i % 7 == 0) ? (x >> 16) : 'a' + (i % 23));
  }
  write_file(root / "big.bin", big);
  fs::create_symlink("etc/passwd", root / "link_to_passwd");
  fs::create_symlink("/nonexistent/target", root / "dangling");
  fs::create_hard_link(root / "etc/passwd", root / "hardlink_passwd");
  // A sparse file: a hole of several blocks, then data.
  {
    std::ofstream f(root / "sparse.bin", std::ios::binary);
    f.seekp(3 * 131072 + 17);
    f << "end-of-sparse";
  }
}

// Compares the unpacked members with the source tree on disk.
void expect_matches_tree(const MemorySink& sink, const fs::path& root) {
  std::map<std::string, const MemorySink::Member*> got;
  for (const auto& m : sink.members) got[m.meta.path] = &m;
  std::size_t expected = 0;
  std::set<std::string> hardlink_names;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    ++expected;
    std::string rel = it->path().lexically_relative(root).generic_string();  // no symlink resolution
    auto g = got.find(rel);
    ASSERT_NE(g, got.end()) << "missing " << rel << "\n" << diags(sink);
    const auto& meta = g->second->meta;
    auto st = fs::symlink_status(it->path());
    if (fs::is_symlink(st)) {
      EXPECT_EQ(meta.type, EntryType::kSymlink) << rel;
      EXPECT_EQ(meta.link_target, fs::read_symlink(it->path()).string()) << rel;
    } else if (fs::is_directory(st)) {
      EXPECT_EQ(meta.type, EntryType::kDirectory) << rel;
    } else {
      if (meta.type == EntryType::kHardlink) {
        hardlink_names.insert(rel);
        auto target = got.find(meta.link_target);
        ASSERT_NE(target, got.end()) << rel;
        EXPECT_EQ(fs::hard_link_count(it->path()), 2u) << rel;
        EXPECT_EQ(target->second->data(), read_file(it->path())) << rel;
        continue;
      }
      EXPECT_EQ(meta.type, EntryType::kFile) << rel;
      EXPECT_EQ(g->second->content.size, fs::file_size(it->path())) << rel;
      EXPECT_TRUE(g->second->data() == read_file(it->path())) << "content differs: " << rel;
      EXPECT_EQ(meta.mode, static_cast<std::uint32_t>(st.permissions()) & 07777u) << rel;
    }
  }
  EXPECT_EQ(sink.members.size(), expected);
  EXPECT_EQ(hardlink_names.size(), 1u);  // one of the two names of etc/passwd
}

bool mksquashfs(const fs::path& src, const fs::path& img, const std::string& opts) {
  std::string out;
  int rc = run("/usr/bin/mksquashfs '" + src.string() + "' '" + img.string() +
                   "' -noappend -no-progress -quiet " + opts + " 2>&1",
               &out);
  if (rc != 0) ADD_FAILURE() << "mksquashfs " << opts << " failed: " << out;
  return rc == 0;
}

class SquashfsCompressor : public ::testing::TestWithParam<const char*> {};

TEST_P(SquashfsCompressor, UnpacksTreeLikeSource) {
  ASSAY_REQUIRE_TOOL("mksquashfs");
  TempDir t;
  make_tree(t / "src", 300'000);
  ASSERT_TRUE(mksquashfs(t / "src", t / "img", std::string("-comp ") + GetParam()));
  auto r = unpack_file(t / "img");
  ASSERT_TRUE(r.status.ok()) << r.status.error().message;
  expect_matches_tree(*r.sink, t / "src");
  EXPECT_TRUE(r.sink->diags.empty()) << diags(*r.sink);
}

INSTANTIATE_TEST_SUITE_P(AllCompressors, SquashfsCompressor,
                         ::testing::Values("gzip", "lzma", "xz", "lzo", "lz4", "zstd"),
                         [](const auto& info) { return std::string(info.param); });

class SquashfsLayout : public ::testing::TestWithParam<const char*> {};

TEST_P(SquashfsLayout, UnpacksTreeLikeSource) {
  ASSAY_REQUIRE_TOOL("mksquashfs");
  TempDir t;
  make_tree(t / "src", 70'000);
  ASSERT_TRUE(mksquashfs(t / "src", t / "img", GetParam()));
  auto r = unpack_file(t / "img");
  ASSERT_TRUE(r.status.ok()) << r.status.error().message;
  expect_matches_tree(*r.sink, t / "src");
}

INSTANTIATE_TEST_SUITE_P(Options, SquashfsLayout,
                         ::testing::Values("-b 4096", "-b 1048576", "-noF", "-noD", "-noI -noD -noF -noX",
                                           "-no-fragments", "-always-use-fragments",
                                           "-b 8192 -comp xz -no-duplicates"),
                         [](const auto& info) {
                           std::string n;
                           for (const char* p = info.param; *p; ++p)
                             n += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
                           return n;
                         });

TEST(Squashfs, DevicesAndFifosMatchUnsquashfs) {
  ASSAY_REQUIRE_TOOL("mksquashfs");
  ASSAY_REQUIRE_TOOL("unsquashfs");
  TempDir t;
  fs::create_directories(t / "src");
  write_file(t / "src/a", "x");
  ASSERT_TRUE(mksquashfs(t / "src", t / "img",
                         "-p 'dev c 644 0 0 1 3' -p 'blk b 600 0 0 8 17' -p 'fifo i 644 0 0 f' "
                         "-p 'big c 600 0 0 300 70000'"));
  // unsquashfs -lls prints the stored number with the old 8:8 split; the kernel (and we) decode
  // Linux's new_encode_dev layout, so the large device is checked apart from the oracle.
  std::string listing;
  ASSERT_EQ(run("/usr/bin/unsquashfs -lls '" + (t / "img").string() + "'", &listing), 0);
  auto r = unpack_file(t / "img");
  ASSERT_TRUE(r.status.ok());
  // Each device line of unsquashfs reads "crw-r--r-- root/root  1,  3 date time path".
  std::istringstream lines(listing);
  std::string line;
  int devices = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || (line[0] != 'c' && line[0] != 'b' && line[0] != 'p')) continue;
    std::string name = line.substr(line.rfind('/') + 1);
    if (name == "big") continue;
    const auto* m = r.sink->find(name);
    ASSERT_NE(m, nullptr) << name;
    if (line[0] == 'p') {
      EXPECT_EQ(m->meta.type, EntryType::kFifo);
      continue;
    }
    ++devices;
    EXPECT_EQ(m->meta.type, line[0] == 'c' ? EntryType::kCharDevice : EntryType::kBlockDevice);
    std::size_t comma = line.find(',');
    ASSERT_NE(comma, std::string::npos);
    std::size_t start = line.rfind(' ', comma) + 1;
    unsigned major = std::stoul(line.substr(start, comma - start));
    unsigned minor = std::stoul(line.substr(comma + 1));
    EXPECT_EQ(m->meta.dev_major, major) << name;
    EXPECT_EQ(m->meta.dev_minor, minor) << name;
  }
  EXPECT_EQ(devices, 2);
  const auto* big = r.sink->find("big");
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->meta.dev_major, 300u);
  EXPECT_EQ(big->meta.dev_minor, 70000u);
  EXPECT_EQ(r.sink->find("dev")->meta.mode, 0644u);
}

TEST(Squashfs, ProbeMeasuresPaddedImageAndRejectsCorruptSuperblocks) {
  ASSAY_REQUIRE_TOOL("mksquashfs");
  TempDir t;
  make_tree(t / "src", 10'000);
  ASSERT_TRUE(mksquashfs(t / "src", t / "img", ""));
  std::string img = read_file(t / "img");
  ASSERT_EQ(img.size() % 4096, 0u);
  std::string carved = std::string(1000, 'x') + img + std::string(5000, '\xff');
  auto p = probe_squashfs(as_bytes(std::string_view(carved).substr(1000)));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->length, img.size());
  EXPECT_EQ(p->kind, Kind::kSquashfs);

  auto corrupt = [&](std::size_t off, char v) {
    std::string c = img;
    c[off] = v;
    return probe_squashfs(as_bytes(c));
  };
  EXPECT_FALSE(corrupt(22, 11).has_value());    // block_log no longer matches block_size
  EXPECT_FALSE(corrupt(28, 5).has_value());     // unknown major version
  EXPECT_FALSE(corrupt(47, 0x40).has_value());  // bytes_used far past the data
  EXPECT_FALSE(corrupt(0, 'X').has_value());    // magic
  EXPECT_FALSE(corrupt(20, 9).has_value());     // compressor id
  // Truncated data: the probe refuses, the unpacker still reads what is there.
  EXPECT_FALSE(probe_squashfs(as_bytes(std::string_view(img).substr(0, img.size() / 2))));
  auto bad = unpack_bytes(img.substr(0, 50));
  EXPECT_FALSE(bad.status.ok());
}

TEST(Squashfs, TruncatedImageGivesDiagnosticsAndPartialTree) {
  ASSAY_REQUIRE_TOOL("mksquashfs");
  TempDir t;
  make_tree(t / "src", 400'000);
  // Uncompressed so that most of the image is file data and a cut lands inside it.
  ASSERT_TRUE(mksquashfs(t / "src", t / "img", "-noD -noF"));
  std::string img = read_file(t / "img");
  auto used = probe_squashfs(as_bytes(img));
  ASSERT_TRUE(used.has_value());
  const std::size_t end = static_cast<std::size_t>(std::min<std::uint64_t>(used->length, img.size()));
  // bytes_used is the image without its 4 KiB padding; cut below it.
  std::size_t bytes_used = img.size();
  for (std::size_t off = end; off > 0 && img[off - 1] == '\0'; --off) bytes_used = off - 1;
  for (std::size_t cut : {img.size() / 3, img.size() / 2, bytes_used - 3000, bytes_used - 20}) {
    auto r = unpack_bytes(img.substr(0, cut));
    // Either a clean error (tables gone) or a partial tree with diagnostics; never a crash.
    if (r.status.ok()) {
      EXPECT_FALSE(r.sink->diags.empty()) << "cut at " << cut;
    }
  }
  // Cutting inside the file data keeps the tables at the end unreadable... so truncate only the
  // data of big.bin by zeroing: the tree stays complete and the damaged file is diagnosed.
  std::string damaged = img;
  std::fill(damaged.begin() + 200, damaged.begin() + 120'000, '\0');
  auto r = unpack_bytes(damaged);
  ASSERT_TRUE(r.status.ok());
  EXPECT_NE(r.sink->find("etc/passwd"), nullptr);
}

TEST(Squashfs, FileLimitStopsOneFileAndContinues) {
  ASSAY_REQUIRE_TOOL("mksquashfs");
  TempDir t;
  make_tree(t / "src", 300'000);
  ASSERT_TRUE(mksquashfs(t / "src", t / "img", "-comp zstd"));
  Limits lim;
  lim.max_file_bytes = 100'000;
  auto r = unpack_bytes(read_file(t / "img"), lim);
  ASSERT_TRUE(r.status.ok());
  EXPECT_NE(r.sink->find("etc/passwd"), nullptr);
  EXPECT_NE(r.sink->find("a/b/c/d/e/f/g/h/i/j/deep.txt"), nullptr);
  EXPECT_FALSE(r.sink->diags.empty());
}

// --- the real SquashFS 2.0 big-endian LZMA image ------------------------------------------------

std::set<std::string> sevenzip_files(const fs::path& img) {
  std::string out;
  std::set<std::string> names;
  if (run("7z l -ba -slt '" + img.string() + "' 2>/dev/null", &out) != 0) return names;
  std::istringstream in(out);
  std::string line, path;
  while (std::getline(in, line)) {
    if (line.rfind("Path = ", 0) == 0) path = line.substr(7);
    if (line.rfind("Folder = -", 0) == 0 && !path.empty()) names.insert(path);
    if (line.rfind("Folder = +", 0) == 0) path.clear();
  }
  return names;
}

TEST(SquashfsCorpus, BroadcomV2BigEndianLzma) {
  ASSAY_REQUIRE_CORPUS();
  fs::path img = assay::test::corpus_dir() / "firmware/squashfs_v2_broadcom_adsl.bin";
  if (!fs::exists(img)) GTEST_SKIP() << "corpus file missing: " << img;
  std::string bytes = read_file(img);
  auto p = probe_squashfs(as_bytes(bytes));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->length, 2587654u);

  auto r = unpack_bytes(bytes);
  ASSERT_TRUE(r.status.ok()) << r.status.error().message;
  const auto& s = *r.sink;
  for (const auto& d : s.diags) EXPECT_EQ(d.level, DiagLevel::kInfo) << d.message;

  const auto* key = s.find("etc/rsa_host_key");
  ASSERT_NE(key, nullptr) << diags(s);
  EXPECT_EQ(key->meta.type, EntryType::kFile);
  EXPECT_EQ(key->content.size, 427u);
  const auto* busybox = s.find("bin/busybox");
  ASSERT_NE(busybox, nullptr);
  EXPECT_EQ(busybox->data().substr(0, 4),
            "\x7f"
            "ELF");
  EXPECT_EQ(busybox->data()[5], 2);  // ELFDATA2MSB: a big-endian MIPS binary
  int busybox_links = 0;
  std::size_t files = 0, dirs = 0;
  for (const auto& m : s.members) {
    if (m.meta.type == EntryType::kSymlink && m.meta.path.rfind("bin/", 0) == 0 &&
        m.meta.link_target == "busybox")
      ++busybox_links;
    if (m.meta.type == EntryType::kDirectory)
      ++dirs;
    else
      ++files;
  }
  EXPECT_GT(busybox_links, 20);
  EXPECT_EQ(s.members.size() + 1, 431u);  // every inode but the root
  EXPECT_EQ(dirs, 28u);

  auto oracle = sevenzip_files(img);
  if (oracle.empty()) GTEST_SKIP() << "7z cannot list the image";
  EXPECT_EQ(files, oracle.size());
  std::size_t missing = 0;
  for (const auto& name : oracle)
    if (!s.find(name)) ++missing;
  EXPECT_EQ(missing, 0u);
  // Where 7z can extract a file, its bytes match ours.
  TempDir t;
  if (run("cd '" + t.str() + "' && 7z x -y '" + img.string() +
          "' etc/passwd etc/rsa_host_key >/dev/null 2>&1") == 0) {
    for (const char* name : {"etc/rsa_host_key", "etc/passwd"}) {
      if (!fs::exists(t / name) || fs::is_symlink(t / name)) continue;
      const auto* m = s.find(name);
      ASSERT_NE(m, nullptr);
      EXPECT_EQ(m->data(), read_file(t / name)) << name;
    }
  }
}

}  // namespace

namespace {

// The checked-in fuzz seed is the Broadcom image's superblock, first data block and complete
// inode/directory/uid tables (the other data blocks cut away): the whole 2.0 big-endian tree is
// readable without the corpus, and the one file whose data is present decodes through LZMA.
TEST(Squashfs, CheckedInV2SeedKeepsTheWholeTree) {
  std::string bytes = read_file(fs::path(ASSAY_SOURCE_DIR) / "fuzz/corpus/squashfs/v2_be_lzma_min.img");
  ASSERT_FALSE(bytes.empty());
  auto r = unpack_bytes(bytes);
  ASSERT_TRUE(r.status.ok()) << r.status.error().message;
  EXPECT_EQ(r.sink->members.size(), 430u);
  const auto* sh = r.sink->find("bin/sh");
  ASSERT_NE(sh, nullptr);
  EXPECT_EQ(sh->meta.type, EntryType::kSymlink);
  EXPECT_EQ(sh->meta.link_target, "busybox");
  int html = 0;
  for (const auto& m : r.sink->members)
    if (m.content.size == 1846 && m.data().rfind("<html>", 0) == 0) ++html;
  EXPECT_EQ(html, 1);
  EXPECT_FALSE(r.sink->diags.empty());  // the missing data blocks are reported
}

}  // namespace
