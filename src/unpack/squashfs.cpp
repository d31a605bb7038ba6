// SquashFS unpacker. 4.0 images (little-endian "hsqs", every compressor libsquashfs has) are read
// through libsquashfs over an sqfs_file_t that serves the in-memory bytes, so the image is never
// copied and file data streams block by block into the sink's writer. 1.x-3.x images, either byte
// order, zlib or a vendor LZMA variant, go to the hand-written reader in squashfs_legacy.cpp.
#include <lzo/lzo1x.h>
#include <sqfs/compressor.h>
#include <sqfs/data_reader.h>
#include <sqfs/dir.h>
#include <sqfs/dir_reader.h>
#include <sqfs/error.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/super.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/checked.hpp"
#include "core/reader.hpp"
#include "unpack/squashfs_legacy.hpp"
#include "unpack/unpackers.hpp"

namespace assay::unpack {
namespace {

// 4.0 superblock: 96 bytes, little-endian.
constexpr std::uint64_t kSuperSize = 96;
// mksquashfs pads images to a multiple of 4 KiB (the device block) after bytes_used.
constexpr std::uint64_t kPadding = 4096;
// Directory nesting we follow; real images stay below 30, this stops crafted chains.
constexpr std::uint32_t kMaxDirDepth = 128;
// Members one image may report; the sink's own limits usually stop earlier.
constexpr std::uint64_t kMaxMembers = 4'000'000;
// Diagnostics per image before they are summarised (rate limit for corrupt images).
constexpr std::uint32_t kMaxDiagnostics = 64;
// Bytes written between two polls of sink.cancelled().
constexpr std::uint64_t kPollBytes = 4u << 20;

struct V4Super {
  std::uint32_t block_size = 0;
  std::uint16_t block_log = 0;
  std::uint16_t compression = 0;
  std::uint64_t bytes_used = 0;
};

// Validates a 4.0 superblock; `data` may be shorter than bytes_used (checked by callers).
std::optional<V4Super> parse_v4(ByteView data) {
  if (!has_magic(data, 0, "hsqs") || data.size() < kSuperSize) return std::nullopt;
  Reader r(data, Endian::kLittle);
  auto u16 = [&](std::uint64_t off) { return r.peek_at<std::uint16_t>(off).value_or(0); };
  auto u32 = [&](std::uint64_t off) { return r.peek_at<std::uint32_t>(off).value_or(0); };
  auto u64 = [&](std::uint64_t off) { return r.peek_at<std::uint64_t>(off).value_or(0); };
  V4Super s;
  if (u16(28) != 4 || u16(30) != 0) return std::nullopt;
  s.block_size = u32(12);
  s.compression = u16(20);
  s.block_log = u16(22);
  s.bytes_used = u64(40);
  // Block sizes 4 KiB .. 1 MiB, stored twice (size and log) and consistent.
  if (s.block_log < 12 || s.block_log > 20 || s.block_size != (1u << s.block_log)) return std::nullopt;
  if (s.compression < 1 || s.compression > 6) return std::nullopt;
  if (s.bytes_used < kSuperSize) return std::nullopt;
  const std::uint64_t root = u64(32);
  const std::uint64_t id_start = u64(48), inode_start = u64(64), dir_start = u64(72);
  const std::uint64_t frag_start = u64(80), export_start = u64(88), xattr_start = u64(56);
  if (inode_start < kSuperSize || inode_start >= dir_start || dir_start >= s.bytes_used) return std::nullopt;
  if (id_start >= s.bytes_used) return std::nullopt;
  const std::uint64_t kAbsent = ~std::uint64_t{0};  // tables that are absent hold all ones
  for (std::uint64_t t : {frag_start, export_start, xattr_start})
    if (t != kAbsent && t >= s.bytes_used) return std::nullopt;
  if ((root >> 16) >= dir_start - inode_start || (root & 0xffff) >= 8192) return std::nullopt;
  return s;
}

// ---------------------------------------------------------------------------------------------
// libsquashfs over memory.

struct MemFile {
  sqfs_file_t base;  // first member: libsquashfs casts sqfs_file_t* back to MemFile*
  ByteView data;
};

int mem_read_at(sqfs_file_t* file, sqfs_u64 offset, void* buffer, size_t size) {
  const auto* f = reinterpret_cast<const MemFile*>(file);
  if (!fits(offset, size, f->data.size())) return SQFS_ERROR_OUT_OF_BOUNDS;
  if (size != 0) std::memcpy(buffer, f->data.data() + offset, size);
  return 0;
}
int mem_write_at(sqfs_file_t*, sqfs_u64, const void*, size_t) {
  return SQFS_ERROR_IO;
}
sqfs_u64 mem_get_size(const sqfs_file_t* file) {
  return reinterpret_cast<const MemFile*>(file)->data.size();
}
int mem_truncate(sqfs_file_t*, sqfs_u64) {
  return SQFS_ERROR_IO;
}
void mem_destroy(sqfs_object_t*) {}  // lives on the stack of open_v4

struct SqfsDeleter {
  void operator()(void* p) const { sqfs_destroy(p); }
};
struct SqfsFree {
  void operator()(void* p) const { sqfs_free(p); }
};
template <class T>
using SqfsPtr = std::unique_ptr<T, SqfsDeleter>;
using InodePtr = std::unique_ptr<sqfs_inode_generic_t, SqfsFree>;

std::string sqfs_error(int rc) {
  switch (rc) {
    case SQFS_ERROR_ALLOC:
      return "out of memory";
    case SQFS_ERROR_IO:
      return "read outside the image";
    case SQFS_ERROR_COMPRESSOR:
      return "block does not decompress";
    case SQFS_ERROR_CORRUPTED:
      return "corrupted structure";
    case SQFS_ERROR_UNSUPPORTED:
      return "unsupported feature";
    case SQFS_ERROR_OVERFLOW:
      return "size overflow";
    case SQFS_ERROR_OUT_OF_BOUNDS:
      return "offset past the end of the image";
    case SFQS_ERROR_SUPER_MAGIC:
      return "bad superblock magic";
    case SFQS_ERROR_SUPER_VERSION:
      return "unsupported version";
    case SQFS_ERROR_SUPER_BLOCK_SIZE:
      return "bad block size";
    case SQFS_ERROR_NOT_DIR:
      return "not a directory";
    default:
      break;
  }
  return "libsquashfs error " + std::to_string(rc);
}

Errc sqfs_errc(int rc) {
  switch (rc) {
    case SQFS_ERROR_IO:
    case SQFS_ERROR_OUT_OF_BOUNDS:
      return Errc::kTruncated;
    case SQFS_ERROR_UNSUPPORTED:
    case SFQS_ERROR_SUPER_VERSION:
      return Errc::kUnsupported;
    default:
      return Errc::kMalformed;
  }
}

// LZO for libsquashfs builds without it (Debian's, for licence reasons): decompression only,
// through liblzo2's bounds-checked decoder. Stateless, so one static instance serves every image.
sqfs_s32 lzo_do_block(sqfs_compressor_t*, const sqfs_u8* in, sqfs_u32 size, sqfs_u8* out, sqfs_u32 outsize) {
  lzo_uint n = outsize;
  if (lzo1x_decompress_safe(in, size, out, &n, nullptr) != LZO_E_OK) return SQFS_ERROR_COMPRESSOR;
  return static_cast<sqfs_s32>(n);
}
void lzo_get_configuration(const sqfs_compressor_t*, sqfs_compressor_config_t* cfg) {
  std::memset(cfg, 0, sizeof *cfg);
  cfg->id = SQFS_COMP_LZO;
  cfg->flags = SQFS_COMP_FLAG_UNCOMPRESS;
}
int lzo_write_options(sqfs_compressor_t*, sqfs_file_t*) {
  return SQFS_ERROR_UNSUPPORTED;
}
int lzo_read_options(sqfs_compressor_t*, sqfs_file_t*) {
  return 0;
}  // only matter to compressing
void lzo_destroy(sqfs_object_t*) {}

sqfs_compressor_t* lzo_decompressor() {
  static const bool ready = lzo_init() == LZO_E_OK;
  static sqfs_compressor_t cmp = {
      {lzo_destroy, nullptr}, lzo_get_configuration, lzo_write_options, lzo_read_options, lzo_do_block};
  return ready ? &cmp : nullptr;
}

class V4Walker {
 public:
  V4Walker(ByteView data, Sink& sink) : sink_(sink) {
    file_.base.base.destroy = mem_destroy;
    file_.base.base.copy = nullptr;
    file_.base.read_at = mem_read_at;
    file_.base.write_at = mem_write_at;
    file_.base.get_size = mem_get_size;
    file_.base.truncate = mem_truncate;
    file_.data = data;
  }

  Status run();

 private:
  void diag(DiagLevel level, std::string msg) {
    if (diag_count_ < kMaxDiagnostics)
      sink_.diagnose(level, std::move(msg));
    else if (diag_count_ == kMaxDiagnostics)
      sink_.diagnose(DiagLevel::kWarning, "further squashfs diagnostics suppressed");
    ++diag_count_;
  }
  std::uint32_t id_of(std::uint16_t idx) {
    sqfs_u32 id = 0;
    if (ids_ && sqfs_id_table_index_to_id(ids_.get(), idx, &id) == 0) return id;
    return 0;
  }
  void emit_file(EntryMeta meta, const sqfs_inode_generic_t& inode);

  Sink& sink_;
  MemFile file_{};
  sqfs_super_t super_{};
  SqfsPtr<sqfs_compressor_t> cmp_;
  SqfsPtr<sqfs_id_table_t> ids_;
  SqfsPtr<sqfs_dir_reader_t> dirs_;
  SqfsPtr<sqfs_data_reader_t> data_;
  std::vector<std::uint8_t> buf_;
  std::uint32_t diag_count_ = 0;
};

void V4Walker::emit_file(EntryMeta meta, const sqfs_inode_generic_t& inode) {
  sqfs_u64 size = 0;
  sqfs_inode_get_file_size(&inode, &size);
  // Compressed input of the full blocks, for the ratio limit (the tail's fragment is shared).
  std::uint64_t input = 0;
  const std::size_t nblocks = inode.payload_bytes_used / sizeof(sqfs_u32);
  for (std::size_t i = 0; i < nblocks; ++i) input += inode.extra[i] & 0x00ffffffu;
  sqfs_u64 start = 0;
  if (sqfs_inode_get_file_block_start(&inode, &start) == 0 && nblocks > 0) meta.offset = start;
  ContentWriter w = sink_.writer(input);
  std::uint64_t off = 0, since_poll = 0;
  while (off < size) {
    const auto want = static_cast<sqfs_u32>(std::min<std::uint64_t>(buf_.size(), size - off));
    sqfs_s32 n = sqfs_data_reader_read(data_.get(), &inode, off, buf_.data(), want);
    if (n <= 0) {
      diag(DiagLevel::kError, meta.path + ": data at offset " + std::to_string(off) + ": " +
                                  (n == 0 ? std::string("ends early") : sqfs_error(n)));
      break;
    }
    if (auto st = w.write(ByteView(buf_.data(), static_cast<std::size_t>(n))); !st) {
      diag(DiagLevel::kError, meta.path + ": " + st.error().message);
      break;
    }
    off += static_cast<std::uint64_t>(n);
    since_poll += static_cast<std::uint64_t>(n);
    if (since_poll >= kPollBytes) {
      since_poll = 0;
      if (sink_.cancelled()) break;
    }
  }
  auto content = w.finish();
  if (!content) {
    diag(DiagLevel::kError, meta.path + ": " + content.error().message);
    return;
  }
  sink_.add_content(std::move(meta), std::move(*content));
}

Status V4Walker::run() {
  if (int rc = sqfs_super_read(&super_, &file_.base); rc != 0)
    return make_error(sqfs_errc(rc), "squashfs superblock: " + sqfs_error(rc));
  if (super_.bytes_used > file_.data.size())
    diag(DiagLevel::kWarning, "image truncated: superblock says " + std::to_string(super_.bytes_used) +
                                  " bytes, " + std::to_string(file_.data.size()) + " present");
  sqfs_compressor_config_t cfg;
  if (int rc = sqfs_compressor_config_init(&cfg, static_cast<SQFS_COMPRESSOR>(super_.compression_id),
                                           super_.block_size, SQFS_COMP_FLAG_UNCOMPRESS);
      rc != 0)
    return make_error(Errc::kUnsupported,
                      "squashfs compressor " + std::to_string(super_.compression_id) + ": " + sqfs_error(rc));
  sqfs_compressor_t* cmp = nullptr;
  int create_rc = sqfs_compressor_create(&cfg, &cmp);
  if (create_rc == SQFS_ERROR_UNSUPPORTED && super_.compression_id == SQFS_COMP_LZO) {
    cmp = lzo_decompressor();
    create_rc = cmp ? 0 : SQFS_ERROR_UNSUPPORTED;
  }
  if (int rc = create_rc; rc != 0)
    return make_error(
        Errc::kUnsupported,
        std::string("squashfs compressor ") +
            (sqfs_compressor_name_from_id(static_cast<SQFS_COMPRESSOR>(super_.compression_id)) ?: "?") +
            ": " + sqfs_error(rc));
  cmp_.reset(cmp);
  ids_.reset(sqfs_id_table_create(0));
  if (ids_ && sqfs_id_table_read(ids_.get(), &file_.base, &super_, cmp_.get()) != 0) {
    diag(DiagLevel::kWarning, "id table unreadable: owners reported as 0");
    ids_.reset();
  }
  dirs_.reset(sqfs_dir_reader_create(&super_, cmp_.get(), &file_.base, 0));
  data_.reset(sqfs_data_reader_create(&file_.base, super_.block_size, cmp_.get(), 0));
  if (!dirs_ || !data_) return make_error(Errc::kInternal, "libsquashfs: out of memory");
  if (int rc = sqfs_data_reader_load_fragment_table(data_.get(), &super_); rc != 0)
    diag(DiagLevel::kError, "fragment table: " + sqfs_error(rc) + " (file tails unreadable)");
  buf_.resize(super_.block_size);

  sqfs_inode_generic_t* root_raw = nullptr;
  if (int rc = sqfs_dir_reader_get_root_inode(dirs_.get(), &root_raw); rc != 0)
    return make_error(sqfs_errc(rc), "squashfs root inode: " + sqfs_error(rc));
  InodePtr root(root_raw);

  struct Job {
    InodePtr dir;
    std::string path;
    std::uint32_t depth;
  };
  std::vector<Job> stack;
  stack.push_back({std::move(root), std::string(), 0});
  std::set<std::uint32_t> seen_dirs;  // inode numbers: a directory listed twice is a loop
  std::unordered_map<std::uint32_t, std::string> seen_files;  // inode number -> first path
  std::uint64_t members = 0;
  bool stop = false;
  while (!stack.empty() && !stop) {
    Job job = std::move(stack.back());
    stack.pop_back();
    if (!seen_dirs.insert(job.dir->base.inode_number).second) {
      diag(DiagLevel::kError, "directory inode " + std::to_string(job.dir->base.inode_number) +
                                  " reached twice (loop): " + job.path);
      continue;
    }
    if (int rc = sqfs_dir_reader_open_dir(dirs_.get(), job.dir.get(), 0); rc != 0) {
      diag(DiagLevel::kError, "directory '" + job.path + "': " + sqfs_error(rc));
      continue;
    }
    // Children are collected before any is opened: the reader keeps one listing position.
    struct Child {
      std::string path;
      InodePtr inode;
    };
    std::vector<Child> children;
    while (true) {
      sqfs_dir_entry_t* ent_raw = nullptr;
      int rc = sqfs_dir_reader_read(dirs_.get(), &ent_raw);
      if (rc > 0) break;
      if (rc < 0) {
        diag(DiagLevel::kError, "directory '" + job.path + "': " + sqfs_error(rc));
        break;
      }
      std::unique_ptr<sqfs_dir_entry_t, SqfsFree> ent(ent_raw);
      std::string name(reinterpret_cast<const char*>(ent->name), ent->size + 1u);
      std::string path = job.path.empty() ? name : job.path + "/" + name;
      sqfs_inode_generic_t* ino_raw = nullptr;
      if (int irc = sqfs_dir_reader_get_inode(dirs_.get(), &ino_raw); irc != 0) {
        diag(DiagLevel::kError, path + ": inode: " + sqfs_error(irc));
        continue;
      }
      children.push_back({std::move(path), InodePtr(ino_raw)});
      if (++members > kMaxMembers) {
        stop = true;
        break;
      }
    }
    for (auto& child : children) {
      if (stop || sink_.cancelled()) {
        stop = true;
        break;
      }
      const sqfs_inode_generic_t& ino = *child.inode;
      EntryMeta meta;
      meta.path = child.path;
      meta.mode = ino.base.mode & 07777u;
      meta.uid = id_of(ino.base.uid_idx);
      meta.gid = id_of(ino.base.gid_idx);
      meta.mtime = ino.base.mod_time;
      bool ok = true;
      switch (ino.base.type) {
        case SQFS_INODE_DIR:
        case SQFS_INODE_EXT_DIR:
          meta.type = EntryType::kDirectory;
          ok = sink_.add(meta);
          if (job.depth + 1 >= kMaxDirDepth)
            diag(DiagLevel::kError, child.path + ": directory nesting deeper than " +
                                        std::to_string(kMaxDirDepth) + ", not followed");
          else
            stack.push_back({std::move(child.inode), child.path, job.depth + 1});
          break;
        case SQFS_INODE_FILE:
        case SQFS_INODE_EXT_FILE: {
          auto [it, fresh] = seen_files.emplace(ino.base.inode_number, child.path);
          if (!fresh) {
            meta.type = EntryType::kHardlink;
            meta.link_target = it->second;
            ok = sink_.add(meta);
            break;
          }
          meta.type = EntryType::kFile;
          sqfs_u64 size = 0;
          sqfs_inode_get_file_size(&ino, &size);
          if (size == 0)
            ok = sink_.add(meta);
          else
            emit_file(std::move(meta), ino);
          break;
        }
        case SQFS_INODE_SLINK:
        case SQFS_INODE_EXT_SLINK: {
          meta.type = EntryType::kSymlink;
          std::uint32_t n =
              ino.base.type == SQFS_INODE_SLINK ? ino.data.slink.target_size : ino.data.slink_ext.target_size;
          n = std::min<std::uint32_t>(n, ino.payload_bytes_used);
          meta.link_target.assign(reinterpret_cast<const char*>(ino.extra), n);
          ok = sink_.add(meta);
          break;
        }
        case SQFS_INODE_BDEV:
        case SQFS_INODE_CDEV:
        case SQFS_INODE_EXT_BDEV:
        case SQFS_INODE_EXT_CDEV: {
          bool block = ino.base.type == SQFS_INODE_BDEV || ino.base.type == SQFS_INODE_EXT_BDEV;
          meta.type = block ? EntryType::kBlockDevice : EntryType::kCharDevice;
          std::uint32_t dev = (ino.base.type == SQFS_INODE_BDEV || ino.base.type == SQFS_INODE_CDEV)
                                  ? ino.data.dev.devno
                                  : ino.data.dev_ext.devno;
          // Linux's new_encode_dev layout, which squashfs stores.
          meta.dev_major = (dev & 0xfff00u) >> 8;
          meta.dev_minor = (dev & 0xffu) | ((dev >> 12) & 0xfff00u);
          ok = sink_.add(meta);
          break;
        }
        case SQFS_INODE_FIFO:
        case SQFS_INODE_EXT_FIFO:
          meta.type = EntryType::kFifo;
          ok = sink_.add(meta);
          break;
        case SQFS_INODE_SOCKET:
        case SQFS_INODE_EXT_SOCKET:
          meta.type = EntryType::kSocket;
          ok = sink_.add(meta);
          break;
        default:
          diag(DiagLevel::kError, child.path + ": unknown inode type " + std::to_string(ino.base.type));
          break;
      }
      if (!ok) stop = true;
    }
  }
  return {};
}

class SquashfsUnpacker final : public Unpacker {
 public:
  std::string_view id() const override { return "squashfs"; }
  bool can_open(Kind kind) const override { return kind == Kind::kSquashfs; }
  Status open(const UnpackInput& in, Sink& sink) const override {
    if (parse_v4(in.bytes)) {
      V4Walker walker(in.bytes, sink);
      return walker.run();
    }
    if (auto legacy = squashfs_legacy::parse_super(in.bytes))
      return squashfs_legacy::unpack(in.bytes, *legacy, sink);
    if (in.bytes.size() >= 30) {
      auto le = load_le<std::uint16_t>(in.bytes, 28).value_or(0);
      auto be = load_be<std::uint16_t>(in.bytes, 28).value_or(0);
      if (le > 4 || be > 4)
        return make_error(Errc::kUnsupported, "squashfs version " + std::to_string(le) + " / " +
                                                  std::to_string(be) + " is not known");
    }
    return make_error(Errc::kMalformed, "no valid squashfs superblock");
  }
};

}  // namespace

std::unique_ptr<Unpacker> make_squashfs_unpacker() {
  return std::make_unique<SquashfsUnpacker>();
}

// Length: 4.0 images end at bytes_used rounded up to the 4 KiB padding mksquashfs writes when the
// padding is present (zeros); older images end at bytes_used. A candidate whose bytes_used runs
// past the data is rejected (carving cannot vouch for a truncated image).
std::optional<ProbeResult> probe_squashfs(ByteView data) {
  if (auto v4 = parse_v4(data)) {
    if (v4->bytes_used > data.size()) return std::nullopt;
    std::uint64_t len = v4->bytes_used;
    if (auto padded = align_up(len, kPadding); padded && *padded <= data.size()) {
      ByteView pad = slice(data, len, *padded - len);
      bool zeros = true;
      for (std::uint8_t b : pad) zeros = zeros && b == 0;
      if (zeros) len = *padded;
    }
    return ProbeResult{Kind::kSquashfs, len};
  }
  if (auto legacy = squashfs_legacy::parse_super(data)) {
    if (legacy->bytes_used > data.size()) return std::nullopt;
    return ProbeResult{Kind::kSquashfs, legacy->bytes_used};
  }
  return std::nullopt;
}

}  // namespace assay::unpack
