// ext2/3/4 unpacker tests. Fixtures are generated at test time: a source tree is built in a
// TempDir, packed with mke2fs -d (or genext2fs), unpacked, and the result compared with the source
// tree (names, types, sizes, contents, link targets, modes).
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "formats/ext/ext_format.hpp"
#include "support/test_support.hpp"
#include "support/tree_compare.hpp"
#include "unpack/memory_sink.hpp"
#include "unpack/unpackers.hpp"

namespace fs = std::filesystem;
using namespace assay;
using namespace assay::unpack;
using namespace assay::test;

namespace {

const std::string kTools = "PATH=$PATH:/usr/sbin:/sbin ";

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 16);
  }
  return s;
}

struct TreeOptions {
  bool many = true;           // a directory big enough for htree
  bool trailing_hole = true;  // mke2fs 1.47 -O inline_data loses the size of a trailing hole
  bool big_dev = true;        // genext2fs stores device numbers in the old 8-bit encoding only
};

// A tree with everything the unpacker must handle.
void make_tree(const fs::path& root, TreeOptions opt = {}) {
  fs::create_directories(root / "a/b/c/d");
  write_file(root / "a/b/c/d/deep.txt", "deep\n");
  write_file(root / "empty", "");
  write_file(root / "small.txt", "hello ext\n");
  // With inline_data and 256-byte inodes: past the 60 bytes of i_block, into system.data.
  write_file(root / "medium.txt", pattern(100, 2));
  for (int i = 0; i < 3; ++i) write_file(root / "inl" / ("entry" + std::to_string(i)), "e");
  write_file(root / "big.bin", pattern(300 * 1024 + 17, 1));  // > 12 and > 268 1K blocks
  write_file(root / "orig.txt", "linked content\n");
  fs::create_hard_link(root / "orig.txt", root / "a/hard.txt");
  fs::create_symlink("small.txt", root / "short_link");
  std::string long_target = "a/b/c/d/" + std::string(90, 'x') + "/target";
  fs::create_symlink(long_target, root / "long_link");
  ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0644), 0);
  // Sparse: holes at the start, middle and end.
  {
    std::string cmd = "cd '" + root.string() + "' && truncate -s " +
                      (opt.trailing_hole ? "5M" : "4194304") + " sparse.bin && "
                      "printf MID | dd of=sparse.bin bs=1 seek=2097152 conv=notrunc status=none && "
                      "printf TAIL | dd of=sparse.bin bs=1 seek=4194300 conv=notrunc status=none";
    ASSERT_EQ(run(cmd), 0);
  }
  // 16 data islands between holes: more extents than the inode's root holds (4), so ext4 needs
  // an extent tree of depth >= 1.
  {
    std::string cmd = "cd '" + root.string() + "' && truncate -s " +
                      (opt.trailing_hole ? "1M" : std::to_string(15 * 65536 + 108)) + " frag.bin";
    for (int i = 0; i < 16; ++i)
      cmd += " && printf 'island" + std::to_string(i) + "' | dd of=frag.bin bs=1 seek=" +
             std::to_string(i * 65536 + 100) + " conv=notrunc status=none";
    ASSERT_EQ(run(cmd), 0);
  }
  fs::permissions(root / "small.txt", fs::perms(0751));
  if (opt.many) {
    fs::create_directories(root / "many");
    for (int i = 0; i < 320; ++i)
      write_file(root / "many" / ("file_with_a_longish_name_" + std::to_string(i)), std::to_string(i));
  }
  // Device nodes need root; without it the tree simply has none.
  (void)::mknod((root / "chr").c_str(), S_IFCHR | 0600, makedev(4, 64));
  (void)::mknod((root / "blk").c_str(), S_IFBLK | 0600,
                makedev(opt.big_dev ? 259 : 8, opt.big_dev ? 300000 : 3));
}

struct Expected {
  EntryType type;
  std::string data;  // file content or link target
  std::uint32_t mode;
  std::uint64_t rdev = 0;
};

std::map<std::string, Expected> scan_tree(const fs::path& root) {
  std::map<std::string, Expected> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    std::string rel = it->path().lexically_relative(root).string();
    struct stat st {};
    ::lstat(it->path().c_str(), &st);
    Expected e{EntryType::kFile, "", static_cast<std::uint32_t>(st.st_mode & 07777)};
    if (S_ISDIR(st.st_mode)) e.type = EntryType::kDirectory;
    else if (S_ISLNK(st.st_mode)) e.type = EntryType::kSymlink, e.data = fs::read_symlink(it->path()).string();
    else if (S_ISFIFO(st.st_mode)) e.type = EntryType::kFifo;
    else if (S_ISCHR(st.st_mode)) e.type = EntryType::kCharDevice, e.rdev = st.st_rdev;
    else if (S_ISBLK(st.st_mode)) e.type = EntryType::kBlockDevice, e.rdev = st.st_rdev;
    else e.data = read_file(it->path());
    out[rel] = e;
  }
  return out;
}

Unpacked unpack_file(const fs::path& img) {
  return unpack_image(make_ext_unpacker(), Kind::kExt, read_file(img));
}

// Compares the unpacked members with the source tree.
void compare(const MemorySink& sink, const std::map<std::string, Expected>& want) {
  std::set<std::string> seen;
  for (const auto& m : sink.members) {
    const std::string& p = m.meta.path;
    SCOPED_TRACE(p);
    EXPECT_TRUE(seen.insert(p).second) << "duplicate";
    auto it = want.find(p);
    if (p == "lost+found") continue;
    ASSERT_NE(it, want.end()) << "unexpected member";
    const Expected& e = it->second;
    EXPECT_EQ(m.meta.mode, e.mode);
    if (m.meta.type == EntryType::kHardlink) {
      ASSERT_EQ(e.type, EntryType::kFile);
      auto t = want.find(m.meta.link_target);
      ASSERT_NE(t, want.end());
      EXPECT_EQ(t->second.data, e.data);
      EXPECT_TRUE(seen.count(m.meta.link_target)) << "hard link before its target";
      continue;
    }
    EXPECT_EQ(entry_type_name(m.meta.type), entry_type_name(e.type));
    if (e.type == EntryType::kFile) {
      EXPECT_EQ(m.content.size, e.data.size());
      EXPECT_TRUE(m.data() == e.data) << "content differs";
    } else if (e.type == EntryType::kSymlink) {
      EXPECT_EQ(m.meta.link_target, e.data);
    } else if (e.type == EntryType::kCharDevice || e.type == EntryType::kBlockDevice) {
      EXPECT_EQ(m.meta.dev_major, major(e.rdev));
      EXPECT_EQ(m.meta.dev_minor, minor(e.rdev));
    }
  }
  for (const auto& [p, e] : want) EXPECT_TRUE(seen.count(p)) << "missing " << p;
  EXPECT_TRUE(seen.count("lost+found") || true);
}

// Packs `src` into `img` with mke2fs.
void pack(const std::string& mkfs_args, const fs::path& src, const fs::path& img, const std::string& size) {
  std::string out;
  ASSERT_EQ(run(kTools + "mke2fs -q -F " + mkfs_args + " -d '" + src.string() + "' '" + img.string() + "' " +
                    size + " 2>&1",
                &out),
            0)
      << out;
}

// Builds the full tree in tmp/src and packs it into tmp/fs.img.
void build_image(const TempDir& tmp, const std::string& mkfs_args, const std::string& size, TreeOptions opt = {}) {
  make_tree(tmp / "src", opt);
  pack(mkfs_args, tmp / "src", tmp / "fs.img", size);
}

// Puts what debugfs says to `request` about `img` in `out`.
void debugfs(const std::string& request, const fs::path& img, std::string* out) {
  ASSERT_EQ(run(kTools + "debugfs -R '" + request + "' '" + img.string() + "' 2>/dev/null", out), 0) << request;
}

void round_trip(const std::string& mkfs_args, const std::string& size, TreeOptions opt = {}) {
  ASSAY_REQUIRE_TOOL("mke2fs");
  TempDir tmp;
  ASSERT_NO_FATAL_FAILURE(build_image(tmp, mkfs_args, size, opt));
  auto u = unpack_file(tmp / "fs.img");
  ASSERT_TRUE(u.status.ok()) << u.status.error().message;
  EXPECT_TRUE(u.sink->diags.empty()) << all_diags(*u.sink);
  compare(*u.sink, scan_tree(tmp / "src"));
  EXPECT_NE(u.sink->find("lost+found"), nullptr);
  auto probe = probe_ext(u.content.view());
  ASSERT_TRUE(probe.has_value());
  EXPECT_EQ(probe->length, u.content.size);
}

}  // namespace

TEST(Ext, Ext2With1KBlocks) { round_trip("-t ext2 -b 1024", "8M"); }
TEST(Ext, Ext3With1KBlocks) { round_trip("-t ext3 -b 1024", "12M"); }
TEST(Ext, Ext4With4KBlocks) { round_trip("-t ext4 -b 4096", "16M"); }
TEST(Ext, Ext4With1KBlocks) { round_trip("-t ext4 -b 1024", "12M"); }

TEST(Ext, Ext4ExtentTreeWithIndexNodes) {
  ASSAY_REQUIRE_TOOL("debugfs");
  TempDir tmp;
  ASSERT_NO_FATAL_FAILURE(build_image(tmp, "-t ext4 -b 4096", "16M"));
  auto img = tmp / "fs.img";
  std::string out;
  ASSERT_NO_FATAL_FAILURE(debugfs("stat /frag.bin", img, &out));
  EXPECT_NE(out.find("(ETB0)"), std::string::npos) << "fixture has no extent index node:\n" << out;
  auto u = unpack_file(img);
  ASSERT_TRUE(u.status.ok());
  const auto* frag = u.sink->find("frag.bin");
  ASSERT_NE(frag, nullptr);
  EXPECT_TRUE(frag->data() == read_file(tmp / "src/frag.bin")) << "frag.bin content differs";
}
TEST(Ext, Ext4With64Bit) { round_trip("-t ext4 -b 4096 -O 64bit", "16M"); }
TEST(Ext, Ext4InlineData) { 
  TreeOptions opt;
  opt.trailing_hole = false;
  round_trip("-t ext4 -b 4096 -I 256 -O inline_data", "16M", opt);
  // The oracle confirms the fixture exercises inline data: a file past i_block (system.data) and
  // a directory (mke2fs 1.47 moves a directory to a block rather than into system.data).
  TempDir tmp;
  ASSERT_NO_FATAL_FAILURE(build_image(tmp, "-t ext4 -b 4096 -I 256 -O inline_data", "16M", opt));
  auto img = tmp / "fs.img";
  for (std::string p : {"/medium.txt", "/inl"}) {
    std::string out;
    ASSERT_NO_FATAL_FAILURE(debugfs("stat " + p, img, &out));
    auto at = out.find("Size of inline data: ");
    ASSERT_NE(at, std::string::npos) << p << "\n" << out;
    EXPECT_GE(std::stoi(out.substr(at + 21)), p == "/inl" ? 60 : 100) << p;
  }
}
TEST(Ext, Ext4MetaBg) { round_trip("-t ext4 -b 1024 -O meta_bg,^resize_inode", "12M"); }
TEST(Ext, Ext4FlexBgSmallGroups) { round_trip("-t ext4 -b 1024 -g 1024 -G 4", "12M"); }

TEST(Ext, HtreeDirectoryIsIndexed) {
  ASSAY_REQUIRE_TOOL("debugfs");
  TempDir tmp;
  ASSERT_NO_FATAL_FAILURE(build_image(tmp, "-t ext4 -b 1024", "12M"));
  auto img = tmp / "fs.img";
  // mke2fs -d writes linear directories; e2fsck -D rebuilds them as htree indexes.
  ASSERT_LE(run(kTools + "e2fsck -fyD '" + img.string() + "' >/dev/null 2>&1"), 1);
  // The oracle: the kernel's tools say the directory is htree-indexed, and list it.
  std::string out;
  ASSERT_NO_FATAL_FAILURE(debugfs("htree /many", img, &out));
  EXPECT_NE(out.find("Root node dump"), std::string::npos) << out;
  std::string ls;
  ASSERT_NO_FATAL_FAILURE(debugfs("ls -p /many", img, &ls));
  auto u = unpack_file(img);
  ASSERT_TRUE(u.status.ok());
  std::size_t n = 0;
  for (const auto& m : u.sink->members)
    if (m.meta.path.rfind("many/", 0) == 0) {
      ++n;
      std::string needle = "/";
      needle.append(m.meta.path, 5).push_back('/');
      EXPECT_NE(ls.find(needle), std::string::npos) << m.meta.path;
    }
  EXPECT_EQ(n, 320u);
}

TEST(Ext, Genext2fs) {
  ASSAY_REQUIRE_TOOL("genext2fs");
  TempDir tmp;
  TreeOptions opt;
  opt.big_dev = false;
  make_tree(tmp / "src", opt);
  auto img = tmp / "fs.img";
  std::string out;
  ASSERT_EQ(run("genext2fs -z -B 1024 -b 12000 -N 1000 -d '" + (tmp / "src").string() + "' '" + img.string() +
                    "' 2>&1",
                &out),
            0)
      << out;
  auto u = unpack_file(img);
  ASSERT_TRUE(u.status.ok()) << u.status.error().message;
  EXPECT_TRUE(u.sink->diags.empty()) << all_diags(*u.sink);
  compare(*u.sink, scan_tree(tmp / "src"));
}

TEST(Ext, ContiguousFileIsZeroCopy) {
  ASSAY_REQUIRE_TOOL("mke2fs");
  TempDir tmp;
  TreeOptions opt;
  opt.many = false;
  ASSERT_NO_FATAL_FAILURE(build_image(tmp, "-t ext4", "16M", opt));
  auto u = unpack_file(tmp / "fs.img");
  ASSERT_TRUE(u.status.ok());
  const auto* big = u.sink->find("big.bin");
  ASSERT_NE(big, nullptr);
  // A slice of the image's own blob, not a copy.
  EXPECT_EQ(big->content.blob, u.content.blob);
  EXPECT_NE(big->meta.offset, EntryMeta::kNoOffset);
  const auto* sparse = u.sink->find("sparse.bin");
  ASSERT_NE(sparse, nullptr);
  EXPECT_NE(sparse->content.blob, u.content.blob);
}

TEST(Ext, TruncatedImageKeepsPartialTree) {
  ASSAY_REQUIRE_TOOL("mke2fs");
  TempDir tmp;
  ASSERT_NO_FATAL_FAILURE(build_image(tmp, "-t ext4 -b 1024", "12M"));
  auto img = tmp / "fs.img";
  std::string full = read_file(img);
  auto want = scan_tree(tmp / "src");
  for (std::size_t cut : {full.size() / 2, full.size() / 8, std::size_t{300 * 1024}, std::size_t{4096}}) {
    SCOPED_TRACE(cut);
    write_file(img, std::string_view(full).substr(0, cut));
    auto u = unpack_file(img);
    EXPECT_FALSE(u.sink->diags.empty());
    EXPECT_NE(all_diags(*u.sink).find("truncated"), std::string::npos) << all_diags(*u.sink);
    // Whatever was recovered is correct as far as it goes: files are prefixes of the source.
    for (const auto& m : u.sink->members) {
      auto it = want.find(m.meta.path);
      if (it == want.end() || m.meta.type != EntryType::kFile) continue;
      EXPECT_TRUE(it->second.data.substr(0, m.content.size) == m.data()) << m.meta.path << " not a prefix";
    }
  }
}

TEST(Ext, CorruptInodeTableGivesDiagnosticsAndPartialTree) {
  ASSAY_REQUIRE_TOOL("mke2fs");
  TempDir tmp;
  ASSERT_NO_FATAL_FAILURE(build_image(tmp, "-t ext4 -b 4096", "16M"));
  auto img = tmp / "fs.img";
  std::string bytes = read_file(img);
  ByteView v = as_bytes(bytes);
  auto sb = ext::parse_superblock(v);
  ASSERT_TRUE(sb.ok());
  auto table = ext::inode_table_block(v, *sb, 0);
  ASSERT_TRUE(table.ok());
  // Keep inodes 1..11 (root, journal, lost+found) and scribble over the first user inodes.
  std::size_t off = *table * sb->block_size + 11 * sb->inode_size;
  for (std::size_t i = 0; i < 40 * sb->inode_size; ++i)
    bytes[off + i] = static_cast<char>((i * 131 + 7) ^ (i >> 3));
  write_file(img, bytes);
  auto u = unpack_file(img);
  ASSERT_TRUE(u.status.ok()) << u.status.error().message;
  EXPECT_FALSE(u.sink->diags.empty());
  EXPECT_NE(u.sink->find("lost+found"), nullptr);
  EXPECT_GT(u.sink->members.size(), 1u);
}

TEST(Ext, ProbeFindsImageInsideBlob) {
  ASSAY_REQUIRE_TOOL("mke2fs");
  TempDir tmp;
  fs::create_directories(tmp / "src");
  write_file(tmp / "src/x", "x");
  auto img = tmp / "fs.img";
  ASSERT_NO_FATAL_FAILURE(pack("-t ext4", tmp / "src", img, "2M"));
  std::string fsimg = read_file(img);
  std::string blob = std::string(4096, '\x55') + fsimg + std::string(1000, '\0');
  ByteView v = as_bytes(blob);
  auto p = probe_ext(v.subspan(4096));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, Kind::kExt);
  EXPECT_EQ(p->length, fsimg.size());
  EXPECT_FALSE(probe_ext(v).has_value());
  // Truncated: the length is clamped to what is there.
  auto q = probe_ext(v.subspan(4096, 100000));
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->length, 100000u);
  // Corrupt superblock fields are refused.
  std::string bad = fsimg;
  bad[1024 + 0x18] = 9;  // log block size
  EXPECT_FALSE(probe_ext(as_bytes(bad)).has_value());
  EXPECT_FALSE(probe_ext({}).has_value());
}
