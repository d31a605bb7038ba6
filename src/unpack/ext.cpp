// ext2/ext3/ext4 unpacker: walks the directory tree of an image held in memory (a mapped file or
// a slice of a firmware blob) through the bounds-checked parsers of formats/ext. Read-only; the
// journal is ignored (the committed state is read as is, as `debugfs` does without recovery).
//
// Why not libext2fs: it wants an I/O manager over a device or file and is not hardened against
// hostile images; here every block number is checked against the bytes we actually hold.
//
// Cost model: a file's work is proportional to the bytes it produces (each block-map entry or
// extent examined below the file size yields output, which the Budget charges), plus a capped
// number of wasted extent-tree steps; directory parsing is capped by the blocks of the image.

#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "core/checked.hpp"
#include "formats/ext/ext_format.hpp"
#include "unpack/unpackers.hpp"

namespace assay::unpack {
namespace {

using ext::Inode;
using ext::Superblock;

// Diagnostics kept per image; a corrupt inode table would otherwise yield one per entry.
constexpr std::size_t kMaxDiagnostics = 200;
// Extent-tree nodes or extents that lead nowhere useful (revisited, out of order, past the end)
// tolerated per file before its map is declared corrupt: real trees have none.
constexpr std::uint64_t kMaxWastedExtentSteps = 4096;
// Directory blocks parsed per image beyond the blocks the image holds (inline/small slack): each
// block belongs to at most one directory in a sane image, so this bounds a looping directory map.
constexpr std::uint64_t kDirBlockSlack = 1024;
// Paths longer than this are not descended further: well past PATH_MAX (4096), so only a
// nesting bomb (each level costs a copy of the whole path per entry) reaches it.
constexpr std::size_t kMaxPathBytes = 16384;
// Symlink targets are paths: PATH_MAX.
constexpr std::uint64_t kMaxSymlinkTarget = 4096;
// Bytes written per ContentWriter call, so cancellation is polled every few MB of output.
constexpr std::uint64_t kWriteChunk = 4ull << 20;
// Dirent file types (EXT2_FT_*).
constexpr std::uint8_t kFtDir = 2;

/// A run of logical blocks mapped to consecutive physical blocks (or zeros when `zero`).
struct Run {
  std::uint64_t logical = 0;
  std::uint64_t physical = 0;
  std::uint64_t count = 0;
  bool zero = false;
};
using RunFn = std::function<bool(const Run&)>;

class ExtWalker {
 public:
  ExtWalker(ByteView data, const Superblock& sb, Sink& sink) : data_(data), sb_(sb), sink_(sink) {
    dir_block_budget_ = data.size() / sb.block_size + kDirBlockSlack;
  }

  Status walk();

 private:
  // Directories found so far, as parent links: one name per directory instead of one full path
  // each, so a deep tree costs memory in proportion to its names.
  struct DirRec {
    std::uint32_t inode;
    std::uint32_t parent;  // index into dirs_
    std::string name;
  };
  // Where a non-directory inode was first emitted (a later name becomes a hard link to it).
  struct FirstName {
    std::uint32_t dir;
    std::string name;
  };

  void diag(DiagLevel level, std::string msg, std::uint64_t offset = EntryMeta::kNoOffset) {
    if (diag_count_++ < kMaxDiagnostics) sink_.diagnose(level, std::move(msg), offset);
  }
  bool stop() {
    if (!stopped_ && sink_.cancelled()) stopped_ = true;
    return stopped_;
  }
  ByteView block(std::uint64_t b, std::uint64_t count = 1) const {
    if (b >= sb_.blocks_count) return {};
    auto off = checked_mul<std::uint64_t>(b, sb_.block_size);
    auto len = checked_mul<std::uint64_t>(count, sb_.block_size);
    if (!off || !len) return {};
    return slice(data_, *off, *len);
  }
  std::uint64_t block_count_for(std::uint64_t size) const {
    return size / sb_.block_size + (size % sb_.block_size != 0 ? 1 : 0);
  }

  bool map_runs(const Inode& in, std::uint64_t nblocks, const RunFn& fn);
  bool map_block_map(const Inode& in, std::uint64_t nblocks, const RunFn& fn);
  bool map_extents(const Inode& in, std::uint64_t nblocks, const RunFn& fn);
  std::vector<std::uint8_t> inline_data(const Inode& in, std::uint64_t max_bytes);

  std::string path_of(std::uint32_t dir) const;
  static std::string join(const std::string& parent, std::string_view name) {
    std::string p = parent;
    if (!p.empty()) p.push_back('/');
    p.append(name);
    return p;
  }
  void visit_directory(std::uint32_t dir);
  void visit_dirents(ByteView area, std::uint32_t dir, const std::string& path, std::uint64_t offset);
  void visit_entry(std::uint32_t dir, const std::string& parent, const ext::DirEntry& de);
  EntryMeta meta_for(const Inode& in, std::string path) const;
  void emit_file(const Inode& in, EntryMeta meta);
  std::string symlink_target(const Inode& in);

  ByteView data_;
  const Superblock& sb_;
  Sink& sink_;
  std::vector<DirRec> dirs_;
  std::deque<std::uint32_t> queue_;  // indices into dirs_, breadth first
  std::unordered_set<std::uint32_t> seen_dirs_;
  std::unordered_map<std::uint32_t, FirstName> first_seen_;
  std::uint64_t dir_block_budget_ = 0;
  std::size_t diag_count_ = 0;
  bool stopped_ = false;
};

// --- block mapping -----------------------------------------------------------------------------

bool ExtWalker::map_runs(const Inode& in, std::uint64_t nblocks, const RunFn& fn) {
  if (nblocks == 0) return true;
  // Merge adjacent single blocks (block maps yield one at a time) into runs.
  Run pending;
  bool have = false;
  bool go_on = true;
  RunFn merge = [&](const Run& r) {
    if (have && !pending.zero && !r.zero && pending.logical + pending.count == r.logical &&
        pending.physical + pending.count == r.physical) {
      pending.count += r.count;
      return true;
    }
    if (have && !fn(pending)) return go_on = false;
    pending = r;
    have = true;
    return true;
  };
  bool ok = (in.flags & ext::kInodeFlagExtents) ? map_extents(in, nblocks, merge)
                                                 : map_block_map(in, nblocks, merge);
  if (go_on && have) go_on = fn(pending);
  return ok && go_on;
}

bool ExtWalker::map_block_map(const Inode& in, std::uint64_t nblocks, const RunFn& fn) {
  const std::uint64_t per_block = sb_.block_size / 4;
  for (std::uint64_t i = 0; i < ext::kDirectBlocks && i < nblocks; ++i) {
    std::uint32_t b = in.i_block_word(i);
    if (b != 0 && !fn(Run{i, b, 1, false})) return false;
  }
  // Single, double and triple indirect trees; the depth is fixed by the format (3), so a small
  // fixed stack replaces recursion.
  struct Frame {
    ByteView blk;
    std::uint64_t base;  // logical block of entry 0
    std::uint64_t span;  // logical blocks per entry
    std::uint64_t idx;
  };
  std::uint64_t base = ext::kDirectBlocks;
  std::uint64_t span = 1;
  for (std::size_t level = 1; level <= 3 && base < nblocks; ++level) {
    std::uint64_t top_span = span;  // span of entries in the top indirect block
    std::uint32_t root = in.i_block_word(ext::kDirectBlocks + level - 1);
    std::uint64_t covered = top_span * per_block;
    if (root != 0) {
      Frame stack[3];
      std::size_t depth = 0;
      ByteView rb = block(root);
      if (rb.empty()) {
        // Reading the range as a hole would forge zeros into the file: stop its map here.
        diag(DiagLevel::kWarning, fmt::format("inode {}: indirect block {} outside the image", in.number, root));
        return false;
      }
      stack[depth++] = Frame{rb, base, top_span, 0};
      while (depth > 0) {
        if (stop()) return false;
        Frame& f = stack[depth - 1];
        std::uint64_t logical = f.base + f.idx * f.span;
        if (f.idx >= per_block || logical >= nblocks) {
          --depth;
          continue;
        }
        std::uint32_t b = load_unchecked<std::uint32_t>(f.blk.data() + f.idx * 4, Endian::kLittle);
        ++f.idx;
        if (b == 0) continue;  // hole
        if (f.span == 1) {
          if (!fn(Run{logical, b, 1, false})) return false;
          continue;
        }
        ByteView cb = block(b);
        if (cb.empty()) {
          diag(DiagLevel::kWarning, fmt::format("inode {}: indirect block {} outside the image", in.number, b));
          return false;
        }
        stack[depth++] = Frame{cb, logical, f.span / per_block, 0};
      }
    }
    base += covered;
    span *= per_block;
  }
  return true;
}

bool ExtWalker::map_extents(const Inode& in, std::uint64_t nblocks, const RunFn& fn) {
  struct Frame {
    ByteView node;
    std::uint16_t entries;
    std::uint16_t depth;
    std::uint16_t idx;
  };
  ByteView root(in.i_block.data(), in.i_block.size());
  auto hdr = ext::parse_extent_header(root);
  if (!hdr) {
    diag(DiagLevel::kWarning, fmt::format("inode {}: {}", in.number, hdr.error().message));
    return false;
  }
  Frame stack[ext::kMaxExtentDepth + 1];
  std::size_t depth = 0;
  stack[depth++] = Frame{root, hdr->entries, hdr->depth, 0};
  std::unordered_set<std::uint64_t> visited;  // index/leaf blocks of this file (DAG guard)
  std::uint64_t wasted = 0;
  auto waste = [&](std::string why) {
    if (++wasted == kMaxWastedExtentSteps) {
      diag(DiagLevel::kWarning, fmt::format("inode {}: extent tree corrupt ({}), giving up", in.number, why));
      return false;
    }
    if (wasted < 4) diag(DiagLevel::kWarning, fmt::format("inode {}: {}", in.number, why));
    return true;
  };
  while (depth > 0) {
    if (stop()) return false;
    Frame& f = stack[depth - 1];
    if (f.idx >= f.entries) {
      --depth;
      continue;
    }
    const std::uint8_t* e = f.node.data() + 12 + std::size_t{f.idx} * 12;
    ++f.idx;
    std::uint32_t first = load_unchecked<std::uint32_t>(e, Endian::kLittle);
    if (first >= nblocks) {
      // Entries are sorted by logical block: nothing further in this node is inside the file.
      f.idx = f.entries;
      continue;
    }
    if (f.depth == 0) {
      std::uint16_t len = load_unchecked<std::uint16_t>(e + 4, Endian::kLittle);
      bool uninit = len > ext::kExtentInitMaxLen;
      if (uninit) len = static_cast<std::uint16_t>(len - ext::kExtentInitMaxLen);
      std::uint64_t start = load_unchecked<std::uint32_t>(e + 8, Endian::kLittle) |
                            (std::uint64_t{load_unchecked<std::uint16_t>(e + 6, Endian::kLittle)} << 32);
      if (len == 0) {
        if (!waste("empty extent")) return false;
        continue;
      }
      if (!fn(Run{first, start, len, uninit})) return false;
      continue;
    }
    std::uint64_t child = load_unchecked<std::uint32_t>(e + 4, Endian::kLittle) |
                          (std::uint64_t{load_unchecked<std::uint16_t>(e + 8, Endian::kLittle)} << 32);
    // A node that cannot be read ends the map: reading its range as a hole would forge zeros.
    if (!visited.insert(child).second) {
      diag(DiagLevel::kWarning, fmt::format("inode {}: extent node {} referenced twice", in.number, child));
      return false;
    }
    ByteView cb = block(child);
    auto ch = ext::parse_extent_header(cb);
    if (!ch || ch->depth + 1 != f.depth) {
      diag(DiagLevel::kWarning, fmt::format("inode {}: extent node at block {} unreadable{}", in.number, child,
                                            ch ? " (wrong depth)" : ": " + ch.error().message));
      return false;
    }
    stack[depth++] = Frame{cb, ch->entries, ch->depth, 0};
  }
  return true;
}

std::vector<std::uint8_t> ExtWalker::inline_data(const Inode& in, std::uint64_t max_bytes) {
  std::vector<std::uint8_t> out(in.i_block.begin(), in.i_block.end());
  if (auto extra = ext::find_inode_xattr(sb_, in, 7 /* system. */, "data"))
    out.insert(out.end(), extra->begin(), extra->end());
  if (out.size() > max_bytes) out.resize(max_bytes);
  return out;
}

// --- entries -----------------------------------------------------------------------------------

EntryMeta ExtWalker::meta_for(const Inode& in, std::string path) const {
  EntryMeta m;
  m.path = std::move(path);
  m.mode = in.mode & 07777u;
  m.uid = in.uid;
  m.gid = in.gid;
  m.mtime = in.mtime;
  return m;
}

std::string ExtWalker::symlink_target(const Inode& in) {
  std::uint64_t want = std::min<std::uint64_t>(in.size, kMaxSymlinkTarget);
  if (in.size > kMaxSymlinkTarget)
    diag(DiagLevel::kWarning, fmt::format("inode {}: symlink target of {} bytes cut", in.number, in.size));
  if (in.flags & ext::kInodeFlagInlineData) {
    auto v = inline_data(in, want);
    return std::string(v.begin(), v.end());
  }
  // A fast symlink keeps its target in i_block and owns no blocks (but its xattr block counts
  // in i_blocks: ext4_inode_is_fast_symlink).
  std::uint64_t ea_blocks = in.file_acl != 0
                                ? ((in.flags & ext::kInodeFlagHugeFile) ? 1 : sb_.cluster_size / 512)
                                : 0;
  if (!(in.flags & ext::kInodeFlagExtents) && in.size < ext::kIBlockBytes && in.blocks == ea_blocks)
    return std::string(reinterpret_cast<const char*>(in.i_block.data()), want);
  std::string target;
  map_runs(in, block_count_for(want), [&](const Run& r) {
    if (r.zero) return true;
    ByteView b = block(r.physical, r.count);
    if (b.empty()) {
      diag(DiagLevel::kWarning, fmt::format("inode {}: symlink block {} outside the image", in.number, r.physical));
      return false;
    }
    std::uint64_t at = r.logical * sb_.block_size;
    if (at != target.size() || at >= want) return false;
    std::uint64_t n = std::min<std::uint64_t>(b.size(), want - at);
    target.append(reinterpret_cast<const char*>(b.data()), n);
    return target.size() < want;
  });
  if (target.size() != want)
    diag(DiagLevel::kWarning, fmt::format("inode {}: symlink target incomplete", in.number));
  return target;
}

void ExtWalker::emit_file(const Inode& in, EntryMeta meta) {
  meta.type = EntryType::kFile;
  if (in.size == 0) {
    if (!sink_.add(std::move(meta))) stopped_ = true;
    return;
  }
  if (in.flags & ext::kInodeFlagInlineData) {
    auto v = inline_data(in, in.size);
    if (v.size() < in.size)
      diag(DiagLevel::kWarning, fmt::format("inode {}: inline data holds {} of {} bytes", in.number, v.size(), in.size));
    ContentWriter w = sink_.writer(data_.size());
    Status s = w.write(ByteView(v.data(), v.size()));
    if (!s) diag(DiagLevel::kWarning, fmt::format("{}: {}", meta.path, s.error().message));
    auto c = w.finish();
    if (!c) {
      diag(DiagLevel::kError, fmt::format("{}: {}", meta.path, c.error().message));
      return;
    }
    if (!sink_.add_content(std::move(meta), std::move(c).value())) stopped_ = true;
    return;
  }
  const std::uint64_t nblocks = block_count_for(in.size);
  // Zero copy when the whole file is one initialized run of blocks inside the image.
  std::vector<Run> first_runs;
  map_runs(in, nblocks, [&](const Run& r) {
    first_runs.push_back(r);
    return first_runs.size() < 2;
  });
  if (first_runs.size() == 1 && first_runs[0].logical == 0 && !first_runs[0].zero &&
      first_runs[0].count >= nblocks && !block(first_runs[0].physical, nblocks).empty()) {
    // block() checked that physical * block_size lies inside the image.
    std::uint64_t off = first_runs[0].physical * sb_.block_size;
    if (!sink_.add_slice(std::move(meta), off, in.size)) stopped_ = true;
    return;
  }

  // The ratio limit compares the output with the image bytes actually read for this file, so a
  // file of holes (a sparse bomb: 4 GiB from a 1 MiB image) trips it once past the floor.
  ContentWriter w = sink_.writer(sb_.block_size);
  std::uint64_t read_bytes = 0;
  std::uint64_t written = 0;
  bool failed = false;
  std::string why;
  auto put = [&](ByteView bytes, std::uint64_t zeros) {
    std::uint64_t room = in.size - written;
    if (bytes.size() > room) bytes = bytes.first(room);
    zeros = std::min(zeros, room - bytes.size());
    while (!bytes.empty()) {
      if (stop()) return false;
      std::uint64_t n = std::min<std::uint64_t>(bytes.size(), kWriteChunk);
      read_bytes += n;
      w.set_input_bytes(std::max(read_bytes, sb_.block_size));
      if (Status s = w.write(bytes.first(n)); !s) {
        why = s.error().message;
        return false;
      }
      bytes = bytes.subspan(n);
      written += n;
    }
    while (zeros > 0) {
      if (stop()) return false;
      std::uint64_t n = std::min<std::uint64_t>(zeros, kWriteChunk);
      if (Status s = w.write_zeros(n); !s) {
        why = s.error().message;
        return false;
      }
      zeros -= n;
      written += n;
    }
    return true;
  };
  std::uint64_t overlaps = 0;
  bool mapped = map_runs(in, nblocks, [&](const Run& r0) {
    Run r = r0;
    std::uint64_t next = written / sb_.block_size;  // written is block-aligned until the last block
    if (r.logical < next) {
      std::uint64_t skip = next - r.logical;
      if (skip >= r.count) {
        if (++overlaps == 1) diag(DiagLevel::kWarning, fmt::format("inode {}: overlapping block runs", in.number));
        return overlaps < kMaxWastedExtentSteps;
      }
      r.logical += skip;
      r.physical += r.zero ? 0 : skip;
      r.count -= skip;
    }
    std::uint64_t gap = (r.logical - next) * sb_.block_size;
    if (!put({}, gap)) return !(failed = true);
    if (r.zero) return put({}, r.count * sb_.block_size) || !(failed = true);
    std::uint64_t want = std::min(r.count, nblocks - r.logical);
    ByteView b = block(r.physical, want);
    if (b.empty()) {
      // Keep what the image still holds of this run, then stop the file.
      std::uint64_t off = r.physical * sb_.block_size;
      if (r.physical < sb_.blocks_count && off < data_.size()) put(data_.subspan(off), 0);
      why = fmt::format("blocks {}..{} lie past the end of the image", r.physical, r.physical + want - 1);
      return !(failed = true);
    }
    return put(b, 0) || !(failed = true);
  });
  if (mapped && !failed && !stopped_ && written < in.size) put({}, in.size - written);  // trailing hole
  if (failed || written < in.size) {
    diag(DiagLevel::kWarning, fmt::format("{} (inode {}): kept {} of {} bytes{}{}", meta.path, in.number,
                                          written, in.size, why.empty() ? "" : ": ", why));
  }
  auto c = w.finish();
  if (!c) {
    diag(DiagLevel::kError, fmt::format("{}: {}", meta.path, c.error().message));
    return;
  }
  if (!sink_.add_content(std::move(meta), std::move(c).value())) stopped_ = true;
}

std::string ExtWalker::path_of(std::uint32_t dir) const {
  // Depth is bounded: a directory is only recorded while its path is under kMaxPathBytes.
  std::vector<std::uint32_t> chain;
  for (std::uint32_t d = dir; d != 0; d = dirs_[d].parent) chain.push_back(d);
  std::string path;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) path = join(path, dirs_[*it].name);
  return path;
}

void ExtWalker::visit_entry(std::uint32_t dir, const std::string& parent, const ext::DirEntry& de) {
  if (de.name == "." || de.name == "..") return;
  std::string path = join(parent, de.name);
  auto in = ext::read_inode(data_, sb_, de.inode);
  if (!in) {
    diag(DiagLevel::kWarning, fmt::format("{}: {}", path, in.error().message));
    return;
  }
  std::uint16_t type = in->type();
  if (type == 0 && de.file_type == kFtDir) type = ext::kModeDir;
  if (type == ext::kModeDir) {
    if (!seen_dirs_.insert(de.inode).second) {
      diag(DiagLevel::kWarning, fmt::format("{}: directory inode {} already visited (loop or hard-linked directory)",
                                            path, de.inode));
      return;
    }
    EntryMeta m = meta_for(*in, path);
    m.type = EntryType::kDirectory;
    if (!sink_.add(std::move(m))) {
      stopped_ = true;
      return;
    }
    if (path.size() > kMaxPathBytes) {
      diag(DiagLevel::kWarning, fmt::format("directory inode {}: path longer than {} bytes, not descended",
                                            de.inode, kMaxPathBytes));
      return;
    }
    queue_.push_back(static_cast<std::uint32_t>(dirs_.size()));
    dirs_.push_back(DirRec{de.inode, dir, std::string(de.name)});
    return;
  }
  // Any second name of an inode is a hard link, whatever i_links_count says: copying the content
  // again would let one big file named 100k times cost 100k copies.
  auto [it, fresh] = first_seen_.try_emplace(de.inode, FirstName{dir, std::string(de.name)});
  if (!fresh) {
    EntryMeta m = meta_for(*in, std::move(path));
    m.type = EntryType::kHardlink;
    m.link_target = join(path_of(it->second.dir), it->second.name);
    if (!sink_.add(std::move(m))) stopped_ = true;
    return;
  }
  EntryMeta m = meta_for(*in, std::move(path));
  switch (type) {
    case ext::kModeFile:
      emit_file(*in, std::move(m));
      return;
    case ext::kModeSymlink:
      m.type = EntryType::kSymlink;
      m.link_target = symlink_target(*in);
      break;
    case ext::kModeChar:
    case ext::kModeBlock:
      m.type = type == ext::kModeChar ? EntryType::kCharDevice : EntryType::kBlockDevice;
      ext::decode_device(*in, m.dev_major, m.dev_minor);
      break;
    case ext::kModeFifo:
      m.type = EntryType::kFifo;
      break;
    case ext::kModeSocket:
      m.type = EntryType::kSocket;
      break;
    default:
      diag(DiagLevel::kWarning, fmt::format("{}: inode {} has unknown mode {:#o}", m.path, de.inode, in->mode));
      return;
  }
  if (!sink_.add(std::move(m))) stopped_ = true;
}

void ExtWalker::visit_dirents(ByteView area, std::uint32_t dir, const std::string& parent, std::uint64_t offset) {
  ext::DirentCursor cur(area, sb_);
  while (auto de = cur.next()) {
    if (stop()) return;
    visit_entry(dir, parent, *de);
  }
  if (!cur.error().empty())
    diag(DiagLevel::kWarning, fmt::format("directory '/{}': {}", parent, cur.error()),
         offset == EntryMeta::kNoOffset ? offset : offset + cur.error_offset());
}

void ExtWalker::visit_directory(std::uint32_t dir_index) {
  const std::string path = path_of(dir_index);
  const std::uint32_t inode = dirs_[dir_index].inode;
  auto in = ext::read_inode(data_, sb_, inode);
  if (!in) {
    diag(DiagLevel::kWarning, fmt::format("directory '/{}': {}", path, in.error().message));
    return;
  }
  if (in->flags & ext::kInodeFlagInlineData) {
    // i_block starts with the parent's inode number (4 bytes) instead of "." and "..".
    auto v = inline_data(*in, std::max<std::uint64_t>(in->size, ext::kIBlockBytes));
    if (v.size() > 4)
      visit_dirents(ByteView(v.data() + 4, std::min<std::size_t>(v.size(), ext::kIBlockBytes) - 4), dir_index,
                    path, EntryMeta::kNoOffset);
    if (v.size() > ext::kIBlockBytes)
      visit_dirents(ByteView(v.data() + ext::kIBlockBytes, v.size() - ext::kIBlockBytes), dir_index, path,
                    EntryMeta::kNoOffset);
    return;
  }
  // htree directories (INDEX_FL) need no special case: their index blocks look like empty
  // records to a linear reader.
  map_runs(*in, block_count_for(in->size), [&](const Run& r) {
    if (r.zero) return true;
    for (std::uint64_t i = 0; i < r.count; ++i) {
      if (stop()) return false;
      if (dir_block_budget_ == 0) {
        diag(DiagLevel::kError, "directory blocks exceed the image's blocks: directory maps loop");
        stopped_ = true;
        return false;
      }
      --dir_block_budget_;
      ByteView b = block(r.physical + i);
      if (b.empty()) {
        diag(DiagLevel::kWarning,
             fmt::format("directory '/{}': block {} outside the image", path, r.physical + i));
        return false;
      }
      visit_dirents(b, dir_index, path, (r.physical + i) * sb_.block_size);
    }
    return true;
  });
}

Status ExtWalker::walk() {
  auto root = ext::read_inode(data_, sb_, ext::kRootInode);
  if (!root) return make_error(root.error().code, "ext root directory: " + root.error().message);
  if (root->type() != ext::kModeDir)
    return make_error(Errc::kMalformed, fmt::format("ext root inode has mode {:#o}, not a directory", root->mode));
  seen_dirs_.insert(ext::kRootInode);
  dirs_.push_back(DirRec{ext::kRootInode, 0, ""});
  queue_.push_back(0);
  while (!queue_.empty() && !stop()) {
    std::uint32_t dir = queue_.front();
    queue_.pop_front();
    visit_directory(dir);
  }
  if (diag_count_ > kMaxDiagnostics)
    sink_.diagnose(DiagLevel::kWarning,
                   fmt::format("{} more diagnostics suppressed", diag_count_ - kMaxDiagnostics));
  return {};
}

class ExtUnpacker final : public Unpacker {
 public:
  std::string_view id() const override { return "ext"; }
  bool can_open(Kind kind) const override { return kind == Kind::kExt; }

  Status open(const UnpackInput& in, Sink& sink) const override {
    auto sb = ext::parse_superblock(in.bytes);
    if (!sb) return std::move(sb).error();
    if (sb->image_bytes() > in.bytes.size())
      sink.diagnose(DiagLevel::kWarning,
                    fmt::format("image truncated: the superblock declares {} bytes, {} present", sb->image_bytes(),
                                in.bytes.size()));
    if (std::uint32_t unknown = sb->feature_incompat & ~ext::kIncompatKnown)
      sink.diagnose(DiagLevel::kWarning, fmt::format("unknown incompatible features {:#x}; reading anyway", unknown));
    if (sb->has_incompat(ext::kIncompatJournalDev))
      return make_error(Errc::kUnsupported, "ext external journal device: holds no files");
    if (sb->has_incompat(ext::kIncompatCompression))
      sink.diagnose(DiagLevel::kWarning, "ext2 compression feature: compressed files are read raw");
    if (sb->has_incompat(ext::kIncompatEncrypt))
      sink.diagnose(DiagLevel::kWarning, "ext4 encryption enabled: names and contents of encrypted "
                                         "directories are ciphertext");
    if (sb->has_incompat(ext::kIncompatRecover))
      sink.diagnose(DiagLevel::kInfo, "journal needs recovery: reading the committed state only");
    ExtWalker walker(in.bytes, *sb, sink);
    return walker.walk();
  }
};

}  // namespace

std::unique_ptr<Unpacker> make_ext_unpacker() { return std::make_unique<ExtUnpacker>(); }

std::optional<ProbeResult> probe_ext(ByteView data) {
  auto sb = ext::parse_superblock(data);
  if (!sb) return std::nullopt;
  if (sb->feature_incompat & ~ext::kIncompatKnown) return std::nullopt;
  std::uint64_t len = std::min<std::uint64_t>(sb->image_bytes(), data.size());
  return ProbeResult{Kind::kExt, len};
}

}  // namespace assay::unpack
