// SquashFS 1.x-3.x reader. Layouts follow squashfs-tools' squashfs_fs.h of the 2.x/3.x era and
// the compatibility structs of unsquash-1/-2/-3: packed C bitfield structs written in the byte
// order of the machine that built the image. A little-endian image stores its fields least
// significant bit first, a big-endian one (MIPS routers, magic "sqsh") most significant bit first,
// so every on-disk struct is read here as a bit stream (BitFields) with that one rule.
//
// Compression is not recorded before 4.0: stock images use zlib, vendor kernels patched in LZMA
// with three framings (13-byte lzma_alone header, 5-byte properties only, bare stream with
// default properties). The Decompressor tries the candidates on the first compressed block and
// keeps the first that decodes it; the per-block lengths bound every stream, which is what lets a
// raw LZMA stream without an end marker stop at the right byte.
#include "unpack/squashfs_legacy.hpp"

#include <lzma.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/checked.hpp"
#include "core/reader.hpp"

namespace assay::unpack::squashfs_legacy {
namespace {

// Metadata (inode and directory) blocks hold at most this much once decompressed.
constexpr std::uint32_t kMetadataSize = 8192;
// Decompressed metadata kept in the block cache before it is dropped and refilled; a table of
// 100k inodes is a few MB, so this only trips on hostile tables of tiny blocks.
constexpr std::size_t kMaxCacheBytes = 64u << 20;
// Directory nesting we follow; real firmware stays below 20, this stops crafted chains.
constexpr std::uint32_t kMaxDirDepth = 128;
// Members one image may report; the sink's own limits usually stop earlier.
constexpr std::uint64_t kMaxMembers = 4'000'000;
// Diagnostics per image before they are summarised (rate limit for corrupt images).
constexpr std::uint32_t kMaxDiagnostics = 64;
// Entries one directory may list; real directories hold a few thousand, the cap keeps a hostile
// listing (up to 128 MiB of 4-byte entries) from filling memory with names.
constexpr std::size_t kMaxDirEntries = 1'000'000;
// Block-list entries read per metadata read while streaming a file.
constexpr std::uint64_t kBlockListChunk = 1024;
// Bytes written between two polls of sink.cancelled().
constexpr std::uint64_t kPollBytes = 4u << 20;

constexpr std::uint32_t kInvalidFrag = 0xffffffffu;

enum InodeType : std::uint32_t {
  kIpc1 = 0,  // 1.x: fifo or socket, told apart by a sub-type field
  kDir = 1,
  kFile = 2,
  kSymlink = 3,
  kBlockDev = 4,
  kCharDev = 5,
  kFifo = 6,
  kSocket = 7,
  kLongDir = 8,
  kLongFile = 9,
};

// Reads consecutive C bitfields from a packed struct in the image's byte order.
class BitFields {
 public:
  BitFields(const std::uint8_t* p, std::size_t n, Endian e) : p_(p), n_(n), endian_(e) {}
  std::uint64_t take(unsigned bits) {
    std::uint64_t v = 0;
    for (unsigned k = 0; k < bits; ++k, ++pos_) {
      if (pos_ / 8 >= n_) return v;  // callers size their buffers; this is a guard
      std::uint8_t byte = p_[pos_ / 8];
      if (endian_ == Endian::kLittle) {
        v |= static_cast<std::uint64_t>((byte >> (pos_ % 8)) & 1u) << k;
      } else {
        v = (v << 1) | ((byte >> (7 - pos_ % 8)) & 1u);
      }
    }
    return v;
  }
  void skip(unsigned bits) { pos_ += bits; }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
  Endian endian_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Decompression with variant detection.

enum class Codec { kUnknown, kZlib, kLzmaAlone, kLzmaProps, kLzmaBare };

const char* codec_name(Codec c) {
  switch (c) {
    case Codec::kZlib:
      return "zlib";
    case Codec::kLzmaAlone:
      return "lzma (13-byte lzma_alone header)";
    case Codec::kLzmaProps:
      return "lzma (5-byte properties header)";
    case Codec::kLzmaBare:
      return "lzma (bare stream, default properties)";
    case Codec::kUnknown:
      break;
  }
  return "unknown";
}

class Decompressor {
 public:
  Decompressor(std::uint32_t block_size, bool prefer_lzma)
      : block_size_(block_size), prefer_lzma_(prefer_lzma) {}
  ~Decompressor() {
    if (lzma_init_) lzma_end(&lz_);
    if (zlib_init_) inflateEnd(&zs_);
  }
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  Codec codec() const { return codec_; }

  // Decodes one block into out (capacity cap). `expected` is the exact size when known (0 = any).
  Result<std::size_t> decode(ByteView in, std::uint8_t* out, std::size_t cap, std::size_t expected) {
    if (codec_ != Codec::kUnknown) {
      auto n = run(codec_, in, out, cap);
      if (!n) return make_error(Errc::kMalformed, std::string(codec_name(codec_)) + " block does not decode");
      return *n;
    }
    static constexpr std::array<Codec, 4> kZlibFirst = {Codec::kZlib, Codec::kLzmaAlone, Codec::kLzmaProps,
                                                        Codec::kLzmaBare};
    static constexpr std::array<Codec, 4> kLzmaFirst = {Codec::kLzmaAlone, Codec::kLzmaProps,
                                                        Codec::kLzmaBare, Codec::kZlib};
    const auto& order = prefer_lzma_ ? kLzmaFirst : kZlibFirst;
    // A bare stream decodes almost anything into something, so a candidate that yields the
    // exact expected size wins over one that merely did not fail.
    std::optional<Codec> fallback;
    for (Codec c : order) {
      auto n = run(c, in, out, cap);
      if (!n || *n == 0) continue;
      if (expected == 0 || *n == expected) {
        codec_ = c;
        return *n;
      }
      if (!fallback) fallback = c;
    }
    if (fallback) {
      codec_ = *fallback;
      return run(codec_, in, out, cap).value_or(0);
    }
    return make_error(Errc::kUnsupported,
                      "no known compression (zlib, lzma variants) decodes the first block");
  }

 private:
  std::optional<std::size_t> run(Codec c, ByteView in, std::uint8_t* out, std::size_t cap) {
    switch (c) {
      case Codec::kZlib:
        return run_zlib(in, out, cap);
      case Codec::kLzmaAlone:
      case Codec::kLzmaProps:
      case Codec::kLzmaBare:
        return run_lzma(c, in, out, cap);
      case Codec::kUnknown:
        break;
    }
    return std::nullopt;
  }

  std::optional<std::size_t> run_zlib(ByteView in, std::uint8_t* out, std::size_t cap) {
    if (in.size() < 2 || (in[0] & 0x0f) != 8) return std::nullopt;  // zlib header: deflate
    if (!zlib_init_) {
      std::memset(&zs_, 0, sizeof zs_);
      if (inflateInit(&zs_) != Z_OK) return std::nullopt;
      zlib_init_ = true;
    } else if (inflateReset(&zs_) != Z_OK) {
      return std::nullopt;
    }
    zs_.next_in = const_cast<Bytef*>(in.data());
    zs_.avail_in = static_cast<uInt>(in.size());
    zs_.next_out = out;
    zs_.avail_out = static_cast<uInt>(cap);
    int rc = inflate(&zs_, Z_FINISH);
    if (rc != Z_STREAM_END) return std::nullopt;
    return cap - zs_.avail_out;
  }

  std::optional<std::size_t> run_lzma(Codec c, ByteView in, std::uint8_t* out, std::size_t cap) {
    std::size_t header = c == Codec::kLzmaAlone ? 13 : c == Codec::kLzmaProps ? 5 : 0;
    if (in.size() <= header) return std::nullopt;
    std::uint8_t props = c == Codec::kLzmaBare ? 0x5d : in[0];  // lc=3 lp=0 pb=2: the default
    if (props >= 9 * 5 * 5) return std::nullopt;
    if (c == Codec::kLzmaAlone) {
      std::uint64_t size = load_unchecked<std::uint64_t>(in.data() + 5, Endian::kLittle);
      if (size != ~std::uint64_t{0} && size > cap) return std::nullopt;
    }
    if (in[header] != 0) return std::nullopt;  // a range-coder stream always starts with 0
    lzma_options_lzma opt{};
    opt.lc = props % 9;
    opt.lp = (props / 9) % 5;
    opt.pb = props / 45;
    // The stored dictionary size is ignored: no match distance can exceed one block's output,
    // so the block size is enough and a hostile header cannot make us allocate gigabytes.
    opt.dict_size = std::max<std::uint32_t>(block_size_, kMetadataSize);
    lzma_filter filters[2] = {{LZMA_FILTER_LZMA1, &opt}, {LZMA_VLI_UNKNOWN, nullptr}};
    if (!lzma_init_) {
      lz_ = LZMA_STREAM_INIT;
      lzma_init_ = true;
    }
    if (lzma_raw_decoder(&lz_, filters) != LZMA_OK) return std::nullopt;
    lz_.next_in = in.data() + header;
    lz_.avail_in = in.size() - header;
    lz_.next_out = out;
    lz_.avail_out = cap;
    lzma_ret rc = LZMA_OK;
    while (true) {
      std::size_t before_in = lz_.avail_in, before_out = lz_.avail_out;
      rc = lzma_code(&lz_, LZMA_RUN);
      if (rc != LZMA_OK || lz_.avail_in == 0 || lz_.avail_out == 0) break;
      if (lz_.avail_in == before_in && lz_.avail_out == before_out) break;
    }
    if (rc != LZMA_OK && rc != LZMA_STREAM_END) return std::nullopt;
    return cap - lz_.avail_out;
  }

  std::uint32_t block_size_;
  bool prefer_lzma_;
  Codec codec_ = Codec::kUnknown;
  lzma_stream lz_ = LZMA_STREAM_INIT;
  bool lzma_init_ = false;
  z_stream zs_{};
  bool zlib_init_ = false;
};

// ---------------------------------------------------------------------------------------------
// Metadata blocks: a 2-byte length (bit 15 set = stored), an optional check byte, the payload.

struct MetaPos {
  std::uint64_t block = 0;   // absolute image offset of the block header
  std::uint32_t offset = 0;  // offset inside the decompressed block
};

class MetaReader {
 public:
  MetaReader(ByteView image, const Super& sb, Decompressor& dec) : image_(image), sb_(sb), dec_(dec) {}

  // Copies n bytes starting at pos into out and advances pos.
  Status read(MetaPos& pos, std::uint8_t* out, std::size_t n) {
    while (n > 0) {
      ASSAY_TRY(const Block* b, block_at(pos.block));
      if (pos.offset >= b->data.size()) {
        pos.offset -= static_cast<std::uint32_t>(b->data.size());
        pos.block = b->next;
        continue;
      }
      std::size_t take = std::min<std::size_t>(n, b->data.size() - pos.offset);
      std::memcpy(out, b->data.data() + pos.offset, take);
      out += take;
      n -= take;
      pos.offset += static_cast<std::uint32_t>(take);
    }
    return {};
  }
  Status skip(MetaPos& pos, std::size_t n) {
    std::uint8_t buf[256];
    while (n > 0) {
      std::size_t take = std::min(n, sizeof buf);
      ASSAY_TRY_STATUS(read(pos, buf, take));
      n -= take;
    }
    return {};
  }

 private:
  struct Block {
    std::vector<std::uint8_t> data;
    std::uint64_t next = 0;
  };

  Result<const Block*> block_at(std::uint64_t at) {
    auto it = cache_.find(at);
    if (it != cache_.end()) return &it->second;
    Reader r(image_, sb_.endian);
    ASSAY_TRY_STATUS(r.seek(at));
    ASSAY_TRY(std::uint16_t h, r.read<std::uint16_t>());
    if (sb_.flags & 0x04) ASSAY_TRY_STATUS(r.skip(1));  // SQUASHFS_CHECK: a marker byte follows
    std::uint32_t len = h & 0x7fffu;
    bool stored = (h & 0x8000u) != 0;
    if (len == 0) len = 0x8000;  // the format's encoding of a 32 KiB length
    if (len > 2 * kMetadataSize)
      return make_error(Errc::kMalformed, "metadata block at " + std::to_string(at) + " claims " +
                                              std::to_string(len) + " bytes");
    ASSAY_TRY(ByteView payload, r.bytes(len));
    Block b;
    b.next = r.pos();
    if (stored) {
      if (len > kMetadataSize) return make_error(Errc::kMalformed, "stored metadata block larger than 8 KiB");
      b.data.assign(payload.begin(), payload.end());
    } else {
      b.data.resize(kMetadataSize);
      ASSAY_TRY(std::size_t n, dec_.decode(payload, b.data.data(), b.data.size(), 0));
      b.data.resize(n);
    }
    if (cached_bytes_ + b.data.size() > kMaxCacheBytes) {
      cache_.clear();
      cached_bytes_ = 0;
    }
    cached_bytes_ += b.data.size();
    auto [pos, ok] = cache_.emplace(at, std::move(b));
    (void)ok;
    return &pos->second;
  }

  ByteView image_;
  const Super& sb_;
  Decompressor& dec_;
  std::unordered_map<std::uint64_t, Block> cache_;
  std::size_t cached_bytes_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Inodes, normalised across versions.

struct Inode {
  std::uint32_t type = 0;  // normalised: kDir for both directory kinds, kFile for both file kinds
  std::uint32_t mode = 0;
  std::uint32_t uid_idx = 0;
  std::uint32_t gid_idx = 0;
  std::int64_t mtime = 0;
  // directories
  std::uint64_t dir_size = 0;
  std::uint64_t dir_block = 0;  // relative to the directory table
  std::uint32_t dir_offset = 0;
  // files
  std::uint64_t file_size = 0;
  std::uint64_t start_block = 0;  // absolute
  std::uint32_t fragment = kInvalidFrag;
  std::uint32_t frag_offset = 0;
  MetaPos block_list;  // where the block-size list starts
  // symlinks and devices
  std::string target;
  std::uint32_t rdev = 0;
};

class Image {
 public:
  Image(ByteView data, const Super& sb, Sink& sink)
      : data_(data),
        sb_(sb),
        sink_(sink),
        dec_(sb.block_size, sb.lzma_magic),
        meta_(data, sb, dec_),
        block_buf_(sb.block_size) {}

  Status run();

 private:
  void diag(DiagLevel level, std::string msg, std::uint64_t offset = EntryMeta::kNoOffset) {
    if (diag_count_ < kMaxDiagnostics)
      sink_.diagnose(level, std::move(msg), offset);
    else if (diag_count_ == kMaxDiagnostics)
      sink_.diagnose(DiagLevel::kWarning, "further squashfs diagnostics suppressed");
    ++diag_count_;
  }
  Result<Inode> read_inode(std::uint64_t block_rel, std::uint32_t offset);
  Status list_dir(const Inode& dir, std::vector<std::pair<std::string, MetaPos>>& out);
  std::uint32_t lookup_id(std::uint32_t idx, bool gid, std::uint32_t uid);
  void emit_file(EntryMeta meta, const Inode& ino);
  Result<std::pair<std::uint64_t, std::uint32_t>> fragment_entry(std::uint32_t index);

  ByteView data_;
  const Super& sb_;
  Sink& sink_;
  Decompressor dec_;
  MetaReader meta_;
  std::vector<std::uint8_t> block_buf_;
  std::vector<std::uint8_t> frag_buf_;
  std::uint64_t frag_cached_at_ = ~std::uint64_t{0};
  std::uint32_t diag_count_ = 0;
};

std::uint32_t Image::lookup_id(std::uint32_t idx, bool gid, std::uint32_t uid) {
  if (gid) {
    // "guid == max" means "same as the owner" in 1.x (4-bit index) and later (8-bit index).
    std::uint32_t same = sb_.major == 1 ? 15 : 255;
    if (idx == same || sb_.no_guids == 0) return uid;
    if (idx >= sb_.no_guids) return 0;
    return load<std::uint32_t>(data_, sb_.guid_start + 4ull * idx, sb_.endian).value_or(0);
  }
  if (idx >= sb_.no_uids) return 0;
  return load<std::uint32_t>(data_, sb_.uid_start + 4ull * idx, sb_.endian).value_or(0);
}

Result<Inode> Image::read_inode(std::uint64_t block_rel, std::uint32_t offset) {
  auto block = checked_add(sb_.inode_table_start, block_rel);
  if (!block) return make_error(Errc::kMalformed, "inode reference overflows");
  MetaPos pos{*block, offset};
  const Endian e = sb_.endian;
  const unsigned v = sb_.major;
  // Largest fixed header: 3.x long file (40 bytes).
  std::uint8_t buf[48] = {};
  std::size_t base_len = v == 1 ? 3 : v == 2 ? 4 : 12;
  MetaPos probe = pos;
  ASSAY_TRY_STATUS(meta_.read(probe, buf, base_len));
  BitFields base(buf, base_len, e);
  Inode ino;
  std::uint32_t raw_type = static_cast<std::uint32_t>(base.take(4));
  ino.mode = static_cast<std::uint32_t>(base.take(12));
  ino.uid_idx = static_cast<std::uint32_t>(base.take(v == 1 ? 4 : 8));
  ino.gid_idx = static_cast<std::uint32_t>(base.take(v == 1 ? 4 : 8));
  ino.mtime = sb_.mkfs_time;
  if (v == 3) {
    ino.mtime = static_cast<std::int64_t>(base.take(32));
    base.take(32);  // inode_number: 3.x numbers inodes, nothing here needs it
  }

  std::size_t len = 0;
  switch (raw_type) {
    case kIpc1:
      len = v == 1 ? 4 : 0;
      break;
    case kDir:
      len = v == 1 ? 14 : v == 2 ? 15 : 28;
      break;
    case kFile:
      len = v == 1 ? 15 : v == 2 ? 24 : 32;
      break;
    case kSymlink:
      len = v == 1 ? 5 : v == 2 ? 6 : 18;
      break;
    case kBlockDev:
    case kCharDev:
      len = v == 1 ? 5 : v == 2 ? 6 : 18;
      break;
    case kFifo:
    case kSocket:
      len = v == 1 ? 0 : v == 2 ? 4 : 16;
      break;
    case kLongDir:
      len = v == 2 ? 18 : v == 3 ? 31 : 0;
      break;
    case kLongFile:
      len = v == 3 ? 40 : 0;
      break;
    default:
      break;
  }
  if (len == 0)
    return make_error(Errc::kMalformed, "inode type " + std::to_string(raw_type) +
                                            " is not valid in version " + std::to_string(v));
  ASSAY_TRY_STATUS(meta_.read(pos, buf, len));
  BitFields f(buf, len, e);
  f.skip(static_cast<unsigned>(base_len * 8));
  ino.type = raw_type;
  switch (raw_type) {
    case kIpc1: {
      std::uint32_t sub = static_cast<std::uint32_t>(f.take(4));
      f.take(4);
      ino.type = sub == kSocket ? kSocket : kFifo;
      break;
    }
    case kFifo:
    case kSocket:
      break;
    case kBlockDev:
    case kCharDev:
      if (v == 3) f.take(32);  // nlink
      ino.rdev = static_cast<std::uint32_t>(f.take(16));
      break;
    case kSymlink: {
      if (v == 3) f.take(32);  // nlink
      std::uint32_t n = static_cast<std::uint32_t>(f.take(16));
      ino.target.resize(n);
      ASSAY_TRY_STATUS(meta_.read(pos, reinterpret_cast<std::uint8_t*>(ino.target.data()), n));
      break;
    }
    case kDir:
      if (v == 3) {
        f.take(32);  // nlink
        ino.dir_size = f.take(19);
        ino.dir_offset = static_cast<std::uint32_t>(f.take(13));
        ino.dir_block = f.take(32);
      } else {
        ino.dir_size = f.take(19);
        ino.dir_offset = static_cast<std::uint32_t>(f.take(13));
        ino.mtime = static_cast<std::int64_t>(f.take(32));
        ino.dir_block = f.take(24);
      }
      break;
    case kLongDir:
      if (v == 3) {
        f.take(32);  // nlink
        ino.dir_size = f.take(27);
        ino.dir_offset = static_cast<std::uint32_t>(f.take(13));
        ino.dir_block = f.take(32);
      } else {
        ino.dir_size = f.take(27);
        ino.dir_offset = static_cast<std::uint32_t>(f.take(13));
        ino.mtime = static_cast<std::int64_t>(f.take(32));
        ino.dir_block = f.take(24);
      }
      ino.type = kDir;  // the trailing directory index only speeds up lookups
      break;
    case kFile:
      if (v == 1) {
        ino.mtime = static_cast<std::int64_t>(f.take(32));
        ino.start_block = f.take(32);
        ino.file_size = f.take(32);
      } else if (v == 2) {
        ino.mtime = static_cast<std::int64_t>(f.take(32));
        ino.start_block = f.take(32);
        ino.fragment = static_cast<std::uint32_t>(f.take(32));
        ino.frag_offset = static_cast<std::uint32_t>(f.take(32));
        ino.file_size = f.take(32);
      } else {
        ino.start_block = f.take(64);
        ino.fragment = static_cast<std::uint32_t>(f.take(32));
        ino.frag_offset = static_cast<std::uint32_t>(f.take(32));
        ino.file_size = f.take(32);
      }
      ino.block_list = pos;
      break;
    case kLongFile:
      f.take(32);  // nlink
      ino.start_block = f.take(64);
      ino.fragment = static_cast<std::uint32_t>(f.take(32));
      ino.frag_offset = static_cast<std::uint32_t>(f.take(32));
      ino.file_size = f.take(64);
      ino.block_list = pos;
      ino.type = kFile;
      break;
    default:
      break;
  }
  if (sb_.major < 2) ino.fragment = kInvalidFrag;  // 1.x has no fragments
  return ino;
}

Status Image::list_dir(const Inode& dir, std::vector<std::pair<std::string, MetaPos>>& out) {
  const Endian e = sb_.endian;
  const bool v3 = sb_.major == 3;
  std::uint64_t size = dir.dir_size;
  if (v3) size = size >= 3 ? size - 3 : 0;  // 3.x counts the implicit "." and ".."
  if (size == 0) return {};
  auto block = checked_add(sb_.directory_table_start, dir.dir_block);
  if (!block) return make_error(Errc::kMalformed, "directory reference overflows");
  MetaPos pos{*block, dir.dir_offset};
  const std::size_t header_len = v3 ? 9 : 4;
  const std::size_t entry_len = v3 ? 5 : 3;
  std::uint64_t used = 0;
  std::uint8_t buf[16];
  while (used < size) {
    ASSAY_TRY_STATUS(meta_.read(pos, buf, header_len));
    used += header_len;
    BitFields h(buf, header_len, e);
    std::uint32_t count = static_cast<std::uint32_t>(h.take(8)) + 1;  // stored minus one
    std::uint64_t start = h.take(v3 ? 32 : 24);
    for (std::uint32_t i = 0; i < count && used < size; ++i) {
      ASSAY_TRY_STATUS(meta_.read(pos, buf, entry_len));
      used += entry_len;
      BitFields en(buf, entry_len, e);
      std::uint32_t offset = static_cast<std::uint32_t>(en.take(13));
      en.take(3);  // type: the inode says it with more detail
      std::uint32_t name_len = static_cast<std::uint32_t>(en.take(8)) + 1;
      std::string name(name_len, '\0');
      ASSAY_TRY_STATUS(meta_.read(pos, reinterpret_cast<std::uint8_t*>(name.data()), name_len));
      used += name_len;
      if (out.size() >= kMaxDirEntries)
        return make_error(Errc::kLimit,
                          "directory lists more than " + std::to_string(kMaxDirEntries) + " entries");
      out.emplace_back(std::move(name), MetaPos{start, offset});
    }
  }
  return {};
}

Result<std::pair<std::uint64_t, std::uint32_t>> Image::fragment_entry(std::uint32_t index) {
  if (index >= sb_.fragments)
    return make_error(Errc::kMalformed,
                      "fragment " + std::to_string(index) + " of " + std::to_string(sb_.fragments));
  const bool v3 = sb_.major == 3;
  const std::uint64_t entry_len = v3 ? 16 : 8;
  const std::uint64_t byte = entry_len * index;
  const std::uint64_t idx_len = v3 ? 8 : 4;
  std::uint64_t block = 0;
  if (v3) {
    auto b =
        load<std::uint64_t>(data_, sb_.fragment_table_start + idx_len * (byte / kMetadataSize), sb_.endian);
    if (!b) return make_error(Errc::kTruncated, "fragment index past the end of the image");
    block = *b;
  } else {
    auto b =
        load<std::uint32_t>(data_, sb_.fragment_table_start + idx_len * (byte / kMetadataSize), sb_.endian);
    if (!b) return make_error(Errc::kTruncated, "fragment index past the end of the image");
    block = *b;
  }
  MetaPos pos{block, static_cast<std::uint32_t>(byte % kMetadataSize)};
  std::uint8_t buf[16];
  ASSAY_TRY_STATUS(meta_.read(pos, buf, entry_len));
  BitFields f(buf, entry_len, sb_.endian);
  std::uint64_t start = f.take(v3 ? 64 : 32);
  std::uint32_t size = static_cast<std::uint32_t>(f.take(32));
  return std::make_pair(start, size);
}

void Image::emit_file(EntryMeta meta, const Inode& ino) {
  const bool v1 = sb_.major == 1;
  const std::uint64_t bs = sb_.block_size;
  const bool has_frag = ino.fragment != kInvalidFrag;
  std::uint64_t blocks = has_frag ? ino.file_size / bs : (ino.file_size + bs - 1) / bs;
  const std::uint64_t tail = has_frag ? ino.file_size % bs : 0;
  meta.offset = ino.start_block;
  ContentWriter w = sink_.writer(0);
  std::uint64_t pos = ino.start_block;
  std::uint64_t compressed = 0;
  std::uint64_t left = ino.file_size;
  std::uint64_t since_poll = 0;
  MetaPos list = ino.block_list;
  std::vector<std::uint32_t> sizes;
  bool failed = false;
  auto fail = [&](std::string msg) {
    diag(DiagLevel::kError, meta.path + ": " + msg, pos);
    failed = true;
  };
  for (std::uint64_t done = 0; done < blocks && !failed;) {
    std::uint64_t chunk = std::min(blocks - done, kBlockListChunk);
    std::size_t entry = v1 ? 2 : 4;
    std::vector<std::uint8_t> raw(chunk * entry);
    if (auto st = meta_.read(list, raw.data(), raw.size()); !st) {
      fail("block list: " + st.error().message);
      break;
    }
    for (std::uint64_t i = 0; i < chunk && !failed; ++i) {
      std::uint32_t sz = v1 ? load_unchecked<std::uint16_t>(raw.data() + i * 2, sb_.endian)
                            : load_unchecked<std::uint32_t>(raw.data() + i * 4, sb_.endian);
      const std::uint32_t stored_bit = v1 ? 0x8000u : 0x1000000u;
      std::uint64_t want = std::min(left, bs);
      if (sz == 0) {  // a hole (sparse file)
        if (auto st = w.write_zeros(want); !st) fail(st.error().message);
        left -= want;
        continue;
      }
      bool stored = (sz & stored_bit) != 0;
      std::uint32_t len = sz & ~stored_bit;
      if (len == 0) len = stored_bit;
      ByteView in = slice(data_, pos, len);
      if (in.empty()) {
        fail("data block of " + std::to_string(len) + " bytes past the end of the image");
        break;
      }
      ByteView outv;
      if (stored) {
        outv = in.first(std::min<std::size_t>(in.size(), want));
      } else {
        // The output is capped at the expected size: a raw LZMA stream has no end marker and
        // its flush bytes would otherwise decode into a spurious trailing byte.
        auto n = dec_.decode(in, block_buf_.data(), static_cast<std::size_t>(want), want);
        if (!n) {
          fail("data block: " + n.error().message);
          break;
        }
        outv = ByteView(block_buf_.data(), *n);
      }
      if (outv.size() != want)
        diag(DiagLevel::kWarning,
             meta.path + ": data block holds " + std::to_string(outv.size()) + " bytes, expected " +
                 std::to_string(want),
             pos);
      if (auto st = w.write(outv); !st) fail(st.error().message);
      pos += len;
      compressed += len;
      left -= std::min<std::uint64_t>(left, outv.size());
      since_poll += outv.size();
      if (since_poll >= kPollBytes) {
        since_poll = 0;
        if (sink_.cancelled()) failed = true;
      }
    }
    done += chunk;
  }
  if (!failed && tail > 0) {
    auto fe = fragment_entry(ino.fragment);
    if (!fe) {
      fail("fragment: " + fe.error().message);
    } else {
      auto [start, sz] = *fe;
      bool stored = (sz & 0x1000000u) != 0;
      std::uint32_t len = sz & ~0x1000000u;
      ByteView in = slice(data_, start, len);
      if (in.empty() || len == 0) {
        fail("fragment block past the end of the image");
      } else {
        if (frag_cached_at_ != start) {
          frag_buf_.assign(bs, 0);
          std::size_t n = 0;
          if (stored) {
            n = std::min<std::size_t>(in.size(), bs);
            std::memcpy(frag_buf_.data(), in.data(), n);
          } else if (auto r = dec_.decode(in, frag_buf_.data(), frag_buf_.size(), 0); r) {
            n = *r;
          } else {
            frag_cached_at_ = ~std::uint64_t{0};
            fail("fragment block: " + r.error().message);
          }
          if (!failed) {
            frag_buf_.resize(n);
            frag_cached_at_ = start;
          }
        }
        if (!failed) {
          if (!fits(ino.frag_offset, tail, frag_buf_.size())) {
            fail("file tail lies outside its fragment block");
          } else if (auto st = w.write(ByteView(frag_buf_.data() + ino.frag_offset, tail)); !st) {
            fail(st.error().message);
          }
        }
      }
    }
  }
  w.set_input_bytes(compressed);
  auto content = w.finish();
  if (!content) {
    diag(DiagLevel::kError, meta.path + ": " + content.error().message);
    return;
  }
  sink_.add_content(std::move(meta), std::move(*content));
}

Status Image::run() {
  if (sb_.bytes_used > data_.size())
    diag(DiagLevel::kWarning, "image truncated: superblock says " + std::to_string(sb_.bytes_used) +
                                  " bytes, " + std::to_string(data_.size()) + " present");
  auto root = read_inode(sb_.root_inode >> 16, static_cast<std::uint32_t>(sb_.root_inode & 0xffff));
  if (!root) return make_error(root.error().code, "root inode: " + root.error().message);
  if (root->type != kDir) return make_error(Errc::kMalformed, "root inode is not a directory");

  struct Job {
    Inode dir;
    std::string path;
    std::uint32_t depth;
  };
  std::vector<Job> stack;
  stack.push_back({std::move(*root), std::string(), 0});
  std::set<std::pair<std::uint64_t, std::uint32_t>> seen_dirs;  // listing locations: stops loops
  std::map<std::pair<std::uint64_t, std::uint32_t>, std::string> seen_files;  // hard links
  std::uint64_t members = 0;
  bool stop = false;
  while (!stack.empty() && !stop) {
    Job job = std::move(stack.back());
    stack.pop_back();
    // Empty directories share one listing location; only non-empty listings can form a loop.
    const bool empty = job.dir.dir_size <= (sb_.major == 3 ? 3u : 0u);
    if (!empty && !seen_dirs.insert({job.dir.dir_block, job.dir.dir_offset}).second) {
      diag(DiagLevel::kError, "directory listing reached twice (loop): " + job.path);
      continue;
    }
    std::vector<std::pair<std::string, MetaPos>> entries;
    if (auto st = list_dir(job.dir, entries); !st)
      diag(DiagLevel::kError, "directory '" + job.path + "': " + st.error().message);
    for (auto& [name, ref] : entries) {
      if (sink_.cancelled() || ++members > kMaxMembers) {
        stop = true;
        break;
      }
      std::string path = job.path.empty() ? name : job.path + "/" + name;
      auto ino = read_inode(ref.block, ref.offset);
      if (!ino) {
        diag(DiagLevel::kError, path + ": inode: " + ino.error().message);
        continue;
      }
      EntryMeta meta;
      meta.path = path;
      meta.mode = ino->mode;
      meta.uid = lookup_id(ino->uid_idx, false, 0);
      meta.gid = lookup_id(ino->gid_idx, true, meta.uid);
      meta.mtime = ino->mtime;
      bool ok = true;
      switch (ino->type) {
        case kDir:
          meta.type = EntryType::kDirectory;
          ok = sink_.add(meta);
          if (job.depth + 1 >= kMaxDirDepth) {
            diag(DiagLevel::kError,
                 path + ": directory nesting deeper than " + std::to_string(kMaxDirDepth) + ", not followed");
          } else {
            stack.push_back({std::move(*ino), path, job.depth + 1});
          }
          break;
        case kFile: {
          auto key = std::make_pair(ref.block, ref.offset);
          if (auto it = seen_files.find(key); it != seen_files.end()) {
            meta.type = EntryType::kHardlink;
            meta.link_target = it->second;
            ok = sink_.add(meta);
            break;
          }
          seen_files.emplace(key, path);
          meta.type = EntryType::kFile;
          if (ino->file_size == 0)
            ok = sink_.add(meta);
          else
            emit_file(std::move(meta), *ino);
          break;
        }
        case kSymlink:
          meta.type = EntryType::kSymlink;
          meta.link_target = ino->target;
          ok = sink_.add(meta);
          break;
        case kBlockDev:
        case kCharDev:
          meta.type = ino->type == kBlockDev ? EntryType::kBlockDevice : EntryType::kCharDevice;
          // 16-bit old-style dev_t: major in the high byte.
          meta.dev_major = (ino->rdev >> 8) & 0xff;
          meta.dev_minor = ino->rdev & 0xff;
          ok = sink_.add(meta);
          break;
        case kFifo:
          meta.type = EntryType::kFifo;
          ok = sink_.add(meta);
          break;
        case kSocket:
          meta.type = EntryType::kSocket;
          ok = sink_.add(meta);
          break;
        default:
          diag(DiagLevel::kError, path + ": unknown inode type " + std::to_string(ino->type));
          break;
      }
      if (!ok) {
        stop = true;
        break;
      }
    }
  }
  if (dec_.codec() != Codec::kUnknown)
    sink_.diagnose(DiagLevel::kInfo, std::string("squashfs ") + std::to_string(sb_.major) + "." +
                                         std::to_string(sb_.minor) + " " +
                                         (sb_.endian == Endian::kBig ? "big" : "little") +
                                         "-endian, compression: " + codec_name(dec_.codec()));
  return {};
}

}  // namespace

std::optional<Super> parse_super(ByteView data) {
  if (data.size() < 63) return std::nullopt;
  Super s;
  // Byte order from the magic; vendor magics announce LZMA ("shsq"/"qshs" are the byte-swapped
  // 0x71736873 of the LZMA patches, "sqlz" is DD-WRT's, "hsqt"/"tqsh" come from TP-Link/Zyxel).
  if (has_magic(data, 0, "hsqs") || has_magic(data, 0, "hsqt")) {
    s.endian = Endian::kLittle;
  } else if (has_magic(data, 0, "sqsh") || has_magic(data, 0, "tqsh")) {
    s.endian = Endian::kBig;
  } else if (has_magic(data, 0, "shsq")) {
    s.endian = Endian::kLittle;
    s.lzma_magic = true;
  } else if (has_magic(data, 0, "qshs") || has_magic(data, 0, "sqlz")) {
    s.endian = Endian::kBig;
    s.lzma_magic = true;
  } else {
    return std::nullopt;
  }
  Reader r(data, s.endian);
  auto u16 = [&](std::uint64_t off) { return r.peek_at<std::uint16_t>(off).value_or(0); };
  auto u32 = [&](std::uint64_t off) { return r.peek_at<std::uint32_t>(off).value_or(0); };
  auto u64 = [&](std::uint64_t off) { return r.peek_at<std::uint64_t>(off).value_or(0); };
  s.major = u16(28);
  s.minor = u16(30);
  if (s.major < 1 || s.major > 3) return std::nullopt;
  s.inodes = u32(4);
  s.block_log = u16(34);
  s.flags = data[36];
  s.no_uids = data[37];
  s.no_guids = data[38];
  s.mkfs_time = u32(39);
  s.root_inode = u64(43);
  if (s.major == 1) {
    s.block_size = u16(32);
  } else {
    s.block_size = u32(51);
    s.fragments = u32(55);
  }
  if (s.major == 3) {
    if (data.size() < 119) return std::nullopt;
    s.bytes_used = u64(63);
    s.uid_start = u64(71);
    s.guid_start = u64(79);
    s.inode_table_start = u64(87);
    s.directory_table_start = u64(95);
    s.fragment_table_start = u64(103);
  } else {
    s.bytes_used = u32(8);
    s.uid_start = u32(12);
    s.guid_start = u32(16);
    s.inode_table_start = u32(20);
    s.directory_table_start = u32(24);
    s.fragment_table_start = s.major == 2 ? u32(59) : 0;
  }
  // 1.x blocks are at most 32 KiB, 2.x 64 KiB, 3.x 1 MiB; 4 KiB is the smallest ever written.
  const std::uint16_t max_log = s.major == 1 ? 15 : s.major == 2 ? 16 : 20;
  if (s.block_log < 12 || s.block_log > max_log) return std::nullopt;
  if (s.block_size != (1u << s.block_log)) return std::nullopt;
  const std::uint64_t header = s.major == 3 ? 119 : 63;
  if (s.bytes_used < header) return std::nullopt;
  if (s.inode_table_start < header || s.inode_table_start >= s.directory_table_start ||
      s.directory_table_start >= s.bytes_used)
    return std::nullopt;
  if (s.uid_start >= s.bytes_used || (s.no_guids && s.guid_start >= s.bytes_used)) return std::nullopt;
  if (s.fragments != 0 && s.fragment_table_start >= s.bytes_used) return std::nullopt;
  if (s.fragments > s.inodes) return std::nullopt;
  // The root inode lies in the inode table.
  if ((s.root_inode >> 16) >= s.directory_table_start - s.inode_table_start) return std::nullopt;
  if ((s.root_inode & 0xffff) >= kMetadataSize) return std::nullopt;
  return s;
}

Status unpack(ByteView data, const Super& super, Sink& sink) {
  Image image(data, super, sink);
  return image.run();
}

}  // namespace assay::unpack::squashfs_legacy
