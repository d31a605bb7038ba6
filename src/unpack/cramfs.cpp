// cramfs images. The tree is walked with an explicit stack (directories are byte ranges of
// inodes, found by offset), each directory offset is visited once, and files are streamed block
// by block: a table of block-end pointers, each block a zlib stream of one page.
//
// The superblock does not record the block size (the kernel assumes PAGE_SIZE): it is guessed
// from the files themselves, the size at which their first block inflates to exactly one block.
// Images made with `mkfs.cramfs -p` keep 512 bytes for a boot loader before the superblock and
// every offset counts from the start of that padding; when such an image is carved at its magic
// the padding is gone, which shows in the root directory offset, and offsets are shifted back.
#include <zlib.h>

#include <algorithm>
#include <array>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/checked.hpp"
#include "formats/cramfs/cramfs_format.hpp"
#include "unpack/unpackers.hpp"

namespace assay::unpack {
namespace {

// Directory nesting followed; deeper directories (only a hostile image has them) are skipped.
constexpr std::size_t kMaxDepth = 256;
// Entries collected before emitting: each takes at least 12 bytes of a 16 MiB-class image, so
// a real image has far fewer; the cap bounds memory for a huge hostile one.
constexpr std::size_t kMaxEntries = 2'000'000;
// Symlink targets longer than PATH_MAX are not real.
constexpr std::uint32_t kMaxLinkTarget = 4096;
// Block sizes tried, most likely first (PAGE_SIZE of the building host; util-linux allows the
// others with -b). 64 KiB is the largest page size in use.
constexpr std::array<std::uint32_t, 6> kBlockSizes = {4096, 16384, 65536, 8192, 32768, 2048};
// Files examined to guess the block size.
constexpr std::size_t kGuessFiles = 8;
// Diagnostics of one kind before the rest are only counted.
constexpr std::uint32_t kMaxDiags = 16;

struct Layout {
  cramfs::Super sb;
  std::uint64_t sb_pos = 0;  // superblock offset in the view
  std::uint64_t shift = 0;   // image bytes before the view (stored offset - shift = view offset)
};

std::optional<Layout> locate(ByteView data) {
  Layout l;
  if (auto sb = cramfs::parse_super(data)) {
    l.sb = *sb;
    // A padded image carved at its magic: the root directory follows the superblock, and its
    // stored offset still counts the 512 bytes of padding.
    if (l.sb.root.offset == cramfs::kPadding + cramfs::kSuperSize) l.shift = cramfs::kPadding;
    return l;
  }
  if (auto sb = cramfs::parse_super(slice(data, cramfs::kPadding, cramfs::kSuperSize))) {
    l.sb = *sb;
    l.sb_pos = cramfs::kPadding;
    return l;
  }
  return std::nullopt;
}

// The image end in view coordinates, from the stored size (v2) or the data (old images).
std::uint64_t image_end(const Layout& l, std::uint64_t avail) {
  if ((l.sb.flags & cramfs::kFlagFsidV2) == 0) return avail;
  std::uint64_t size = l.sb.size;
  return size > l.shift ? size - l.shift : 0;
}

struct Entry {
  std::string path;
  cramfs::Inode inode;
};

class CramfsReader {
 public:
  CramfsReader(ByteView data, const Layout& l, Sink& sink)
      : data_(data), l_(l), e_(l.sb.endian), sink_(sink) {}

  void check_crc();
  void walk();
  void guess_block_size();
  bool emit();

 private:
  void diag(DiagLevel level, const std::string& msg, std::uint64_t off = EntryMeta::kNoOffset) {
    if (++diags_ <= kMaxDiags) sink_.diagnose(level, msg, off);
  }
  std::optional<std::uint64_t> view_offset(std::uint64_t stored) const {
    if (stored < l_.shift) return std::nullopt;
    return stored - l_.shift;
  }
  // Reads file content of `n`, calling out(bytes) per block; false when out refused.
  template <class Out>
  bool read_blocks(const Entry& en, std::uint32_t bs, Out&& out, bool quiet);
  bool inflate_block(ByteView in, std::vector<std::uint8_t>& buf, std::uint32_t want);

  ByteView data_;
  Layout l_;
  Endian e_;
  Sink& sink_;
  std::vector<Entry> entries_;
  std::uint32_t block_size_ = 4096;
  std::uint32_t diags_ = 0;
};

void CramfsReader::check_crc() {
  if ((l_.sb.flags & cramfs::kFlagFsidV2) == 0) return;
  std::uint64_t end = image_end(l_, data_.size());
  if (end > data_.size()) {
    sink_.diagnose(DiagLevel::kError,
                   "cramfs image truncated: superblock declares " + std::to_string(l_.sb.size) +
                       " bytes, " + std::to_string(data_.size() + l_.shift) + " present",
                   l_.sb_pos + 4);
    return;
  }
  if (end < l_.sb_pos + cramfs::kSuperSize) {
    sink_.diagnose(DiagLevel::kError, "cramfs superblock size is smaller than the superblock",
                   l_.sb_pos + 4);
    return;
  }
  // The CRC covers the image from the superblock, with the CRC field itself as zeros.
  const std::uint8_t* p = data_.data() + l_.sb_pos;
  const std::uint8_t zeros[4] = {0, 0, 0, 0};
  uLong c = crc32_z(0L, nullptr, 0);
  c = crc32_z(c, p, cramfs::kCrcOffset);
  c = crc32_z(c, zeros, 4);
  std::uint64_t rest = cramfs::kCrcOffset + 4;
  c = crc32_z(c, p + rest, static_cast<std::size_t>(end - l_.sb_pos - rest));
  if (static_cast<std::uint32_t>(c) != l_.sb.crc)
    sink_.diagnose(DiagLevel::kWarning, "cramfs CRC mismatch (the image was modified)",
                   l_.sb_pos + cramfs::kCrcOffset);
}

void CramfsReader::walk() {
  struct Dir {
    std::uint64_t off;   // view offset of the first entry
    std::uint64_t size;  // bytes of entries
    std::string path;
    std::size_t depth;
  };
  std::vector<Dir> stack;
  std::unordered_set<std::uint64_t> visited;
  const cramfs::Inode& root = l_.sb.root;
  if ((root.mode & kIfMt) != kIfDir) {
    diag(DiagLevel::kError, "cramfs root inode is not a directory", l_.sb_pos + 64);
    return;
  }
  if (root.size != 0) {
    auto off = view_offset(root.offset);
    if (!off) {
      diag(DiagLevel::kError, "cramfs root directory offset is invalid", l_.sb_pos + 64);
      return;
    }
    stack.push_back({*off, root.size, "", 0});
    visited.insert(*off);
  }
  while (!stack.empty()) {
    Dir dir = std::move(stack.back());
    stack.pop_back();
    if (!fits(dir.off, dir.size, data_.size())) {
      diag(DiagLevel::kError,
           "cramfs directory '" + dir.path + "' runs past the end of the image", dir.off);
      dir.size = dir.off < data_.size() ? data_.size() - dir.off : 0;
    }
    std::uint64_t pos = dir.off;
    std::uint64_t end = dir.off + dir.size;
    while (pos < end) {
      if (entries_.size() >= kMaxEntries) {
        diag(DiagLevel::kError, "cramfs image holds more than " + std::to_string(kMaxEntries) +
                                    " entries; the rest are skipped");
        return;
      }
      if (end - pos < cramfs::kInodeSize) {
        diag(DiagLevel::kError, "cramfs directory entry truncated", pos);
        break;
      }
      cramfs::Inode n = cramfs::decode_inode(data_.data() + pos, e_);
      pos += cramfs::kInodeSize;
      if (n.namelen == 0 || end - pos < n.namelen) {
        diag(DiagLevel::kError, "cramfs directory entry has a bad name length", pos);
        break;
      }
      std::string_view name = as_chars(data_.subspan(static_cast<std::size_t>(pos), n.namelen));
      name = name.substr(0, name.find('\0'));
      pos += n.namelen;
      std::string path = dir.path.empty() ? std::string(name) : dir.path + "/" + std::string(name);
      if ((n.mode & kIfMt) == kIfDir && n.size != 0) {
        auto off = view_offset(n.offset);
        if (dir.depth + 1 >= kMaxDepth) {
          diag(DiagLevel::kError, "cramfs directory nesting deeper than " +
                                      std::to_string(kMaxDepth) + " at " + path + "; skipped");
        } else if (!off || !visited.insert(*off).second) {
          diag(DiagLevel::kError, "cramfs directory " + path +
                                      " points at an invalid or already visited offset; skipped");
        } else {
          stack.push_back({*off, n.size, path, dir.depth + 1});
        }
      }
      entries_.push_back({std::move(path), n});
    }
  }
}

bool CramfsReader::inflate_block(ByteView in, std::vector<std::uint8_t>& buf, std::uint32_t want) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return false;
  buf.resize(want);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = buf.data();
  zs.avail_out = want;
  int rc = Z_OK;
  while (rc == Z_OK && zs.avail_out > 0) rc = inflate(&zs, Z_FINISH);
  if (rc == Z_BUF_ERROR && zs.avail_out == 0) rc = Z_OK;  // full block, no room for the trailer
  bool ok = (rc == Z_STREAM_END || rc == Z_OK) && zs.avail_out == 0;
  inflateEnd(&zs);
  return ok;
}

template <class Out>
bool CramfsReader::read_blocks(const Entry& en, std::uint32_t bs, Out&& out, bool quiet) {
  const cramfs::Inode& n = en.inode;
  std::uint64_t size = n.size;
  if (size == 0) return true;
  auto table = view_offset(n.offset);
  std::uint64_t nblocks = (size + bs - 1) / bs;  // size is 24-bit: small
  if (!table || !fits(*table, nblocks * 4, data_.size())) {
    if (!quiet) diag(DiagLevel::kError, "cramfs file " + en.path + " block table is out of bounds");
    return false;
  }
  const bool ext = (l_.sb.flags & cramfs::kFlagExtBlockPointers) != 0;
  std::uint64_t prev_end = *table + nblocks * 4;
  std::vector<std::uint8_t> buf;
  for (std::uint64_t i = 0; i < nblocks; ++i) {
    std::uint32_t want = static_cast<std::uint32_t>(std::min<std::uint64_t>(bs, size - i * bs));
    std::uint32_t ptr = load_unchecked<std::uint32_t>(data_.data() + *table + i * 4, e_);
    bool uncompressed = false;
    std::uint64_t start = prev_end;
    std::uint64_t len = 0;
    bool bad = false;
    if (ext && (ptr & cramfs::kBlkDirect)) {
      uncompressed = (ptr & cramfs::kBlkUncompressed) != 0;
      auto s = view_offset(std::uint64_t{ptr & ~cramfs::kBlkFlags} << cramfs::kBlkDirectShift);
      bad = !s;
      start = s.value_or(0);
      if (!bad && uncompressed) {
        len = want;
      } else if (!bad) {
        auto l16 = load<std::uint16_t>(data_, start, e_);
        bad = !l16;
        len = l16.value_or(0);
        start += 2;
      }
    } else {
      if (ext) uncompressed = (ptr & cramfs::kBlkUncompressed) != 0;
      std::uint32_t p = ext ? ptr & ~cramfs::kBlkFlags : ptr;
      auto e = view_offset(p);
      bad = !e || *e < start;
      len = bad ? 0 : *e - start;
    }
    if (bad || !fits(start, len, data_.size())) {
      if (!quiet)
        diag(DiagLevel::kError, "cramfs file " + en.path + " block " + std::to_string(i) +
                                    " pointer is invalid; the rest of the file is zeros");
      return false;
    }
    prev_end = start + len;
    ByteView in = data_.subspan(static_cast<std::size_t>(start), static_cast<std::size_t>(len));
    if (len == 0) {  // a hole
      buf.assign(want, 0);
    } else if (uncompressed) {
      buf.assign(in.begin(), in.begin() + std::min<std::uint64_t>(want, len));
      buf.resize(want, 0);
    } else if (!inflate_block(in, buf, want)) {
      if (quiet) return false;
      diag(DiagLevel::kError, "cramfs file " + en.path + " block " + std::to_string(i) +
                                  " does not inflate to " + std::to_string(want) +
                                  " bytes; zeros instead", start);
      buf.assign(want, 0);
    }
    if (!out(ByteView(buf.data(), buf.size()))) return false;
  }
  return true;
}

void CramfsReader::guess_block_size() {
  if (l_.sb.flags & cramfs::kFlagExtBlockPointers) return;  // direct pointers: 4096
  std::vector<const Entry*> files;
  for (const Entry& en : entries_)
    if ((en.inode.mode & kIfMt) == kIfReg && en.inode.size > kBlockSizes.back()) {
      files.push_back(&en);
      if (files.size() >= kGuessFiles) break;
    }
  if (files.empty()) return;
  std::size_t best_score = 0;
  for (std::uint32_t bs : kBlockSizes) {
    std::size_t score = 0;
    for (const Entry* en : files) {
      // Only the first block is needed to tell block sizes apart.
      Entry first = *en;
      first.inode.size = std::min<std::uint32_t>(first.inode.size, bs);
      // The table length depends on the real size: keep it, read block 0 only.
      bool ok = true;
      std::uint64_t nblocks = (std::uint64_t{en->inode.size} + bs - 1) / bs;
      auto table = view_offset(en->inode.offset);
      if (!table || !fits(*table, nblocks * 4, data_.size())) continue;
      std::uint32_t ptr = load_unchecked<std::uint32_t>(data_.data() + *table, e_);
      std::uint64_t start = *table + nblocks * 4;
      auto end = view_offset(ptr);
      if (!end || *end <= start || !fits(start, *end - start, data_.size())) ok = false;
      std::vector<std::uint8_t> buf;
      if (ok)
        ok = inflate_block(data_.subspan(static_cast<std::size_t>(start),
                                         static_cast<std::size_t>(*end - start)),
                           buf, first.inode.size);
      if (ok) ++score;
    }
    if (score > best_score) {
      best_score = score;
      block_size_ = bs;
    }
    if (score == files.size()) break;
  }
  if (block_size_ != 4096)
    sink_.diagnose(DiagLevel::kInfo, "cramfs block size is " + std::to_string(block_size_));
}

bool CramfsReader::emit() {
  for (const Entry& en : entries_) {
    if (sink_.cancelled()) return false;
    const cramfs::Inode& n = en.inode;
    EntryMeta meta;
    meta.path = en.path;
    meta.mode = n.mode & 07777;
    meta.uid = n.uid;
    meta.gid = n.gid;
    switch (n.mode & kIfMt) {
      case kIfDir: meta.type = EntryType::kDirectory; break;
      case kIfLnk: {
        meta.type = EntryType::kSymlink;
        Entry capped = en;
        capped.inode.size = std::min(n.size, kMaxLinkTarget);
        read_blocks(capped, block_size_, [&](ByteView b) {
          meta.link_target.append(as_chars(b));
          return true;
        }, false);
        break;
      }
      case kIfChr:
      case kIfBlk:
        meta.type = (n.mode & kIfMt) == kIfChr ? EntryType::kCharDevice : EntryType::kBlockDevice;
        // The size field holds the device number as the host's dev_t, cut to 24 bits.
        meta.dev_major = (n.size >> 8) & 0xFFF;
        meta.dev_minor = (n.size & 0xFF) | ((n.size >> 12) & 0xFFF00);
        break;
      case kIfIfo: meta.type = EntryType::kFifo; break;
      case kIfSock: meta.type = EntryType::kSocket; break;
      default: {
        if ((n.mode & kIfMt) != kIfReg)
          diag(DiagLevel::kWarning, "cramfs entry " + en.path + " has an unknown file type; "
                                    "treated as a file");
        meta.type = EntryType::kFile;
        if (n.size == 0) break;
        ContentWriter w = sink_.writer(0);
        bool limit = false;
        std::uint64_t written = 0;
        bool done = read_blocks(en, block_size_, [&](ByteView b) {
          if (!w.write(b)) {
            limit = true;
            return false;
          }
          written += b.size();
          return !sink_.cancelled();
        }, false);
        if (sink_.cancelled()) return false;
        if (!done && !limit && written < n.size) (void)w.write_zeros(n.size - written);
        if (limit)
          diag(DiagLevel::kError, "cramfs file " + en.path + " was cut short: a size limit was "
                                  "reached");
        auto content = w.finish();
        if (!content) {
          diag(DiagLevel::kError, "cramfs file " + en.path + ": " + content.error().message);
          if (!sink_.add(std::move(meta))) return false;
          continue;
        }
        if (!sink_.add_content(std::move(meta), std::move(content).value())) return false;
        continue;
      }
    }
    if (!sink_.add(std::move(meta))) return false;
  }
  if (diags_ > kMaxDiags)
    sink_.diagnose(DiagLevel::kWarning, std::to_string(diags_) + " cramfs problems in total (" +
                                            std::to_string(diags_ - kMaxDiags) + " not listed)");
  return true;
}

class CramfsUnpacker final : public Unpacker {
 public:
  std::string_view id() const override { return "cramfs"; }
  bool can_open(Kind kind) const override { return kind == Kind::kCramfs; }
  Status open(const UnpackInput& in, Sink& sink) const override {
    auto l = locate(in.bytes);
    if (!l) return make_error(Errc::kMalformed, "no cramfs superblock");
    if (l->sb.flags & ~cramfs::kFlagsSupported)
      sink.diagnose(DiagLevel::kWarning,
                    "cramfs superblock has flags the kernel does not support: " +
                        std::to_string(l->sb.flags & ~cramfs::kFlagsSupported),
                    l->sb_pos + 8);
    // Reading stops at the declared end so that data after the image is not taken as ours.
    std::uint64_t end = std::min<std::uint64_t>(image_end(*l, in.bytes.size()), in.bytes.size());
    CramfsReader(in.bytes, *l, sink).check_crc();
    CramfsReader bounded(in.bytes.first(static_cast<std::size_t>(
                             std::max<std::uint64_t>(end, l->sb_pos + cramfs::kSuperSize))),
                         *l, sink);
    bounded.walk();
    bounded.guess_block_size();
    bounded.emit();
    return {};
  }
};

}  // namespace

std::unique_ptr<Unpacker> make_cramfs_unpacker() { return std::make_unique<CramfsUnpacker>(); }

std::optional<ProbeResult> probe_cramfs(ByteView data) {
  auto sb = cramfs::parse_super(data);
  if (!sb) return std::nullopt;
  std::uint64_t shift =
      sb->root.offset == cramfs::kPadding + cramfs::kSuperSize ? cramfs::kPadding : 0;
  if ((sb->root.mode & kIfMt) != kIfDir) return std::nullopt;
  if ((sb->flags & cramfs::kFlagFsidV2) == 0) {
    // Pre-2.4 images do not store their size: claim what a maximal image could span.
    return ProbeResult{Kind::kCramfs, std::min<std::uint64_t>(data.size(), 256ull << 20)};
  }
  if (sb->size < shift + cramfs::kSuperSize || sb->size - shift > data.size()) return std::nullopt;
  return ProbeResult{Kind::kCramfs, sb->size - shift};
}

}  // namespace assay::unpack
