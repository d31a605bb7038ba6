// JFFS2 images: a log of nodes with no index. The whole image is scanned once (4-byte steps
// over erase-block padding), the newest version of every dirent and inode node wins, and each
// file is rebuilt from its data nodes by offset, the newer node winning where two overlap
// (fs/jffs2/nodelist.c does the same with its fragment tree). Only node positions are kept in
// memory; a file's data is decompressed node by node while it is streamed to the writer.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/checked.hpp"
#include "formats/jffs2/jffs2_format.hpp"
#include "unpack/unpackers.hpp"

namespace assay::unpack {
namespace {

constexpr std::uint32_t kRootIno = 1;
// JFFS2 writes at most one page per data node; 64 KiB pages are the largest in use. A node
// claiming more than this is corrupt, and refusing it bounds each decompression buffer.
constexpr std::uint32_t kMaxNodeData = 1u << 20;
// Dirent and inode records kept from the scan. A 256 MiB flash filled with minimal nodes holds
// ~4M; past that the image is not a real one and the rest is not indexed.
constexpr std::size_t kMaxRecords = 4'000'000;
// Directory nesting followed when building paths; deeper chains (or cycles) are cut and the
// member goes under lost+found/.
constexpr std::size_t kMaxPathDepth = 256;
// Symlink targets longer than PATH_MAX are not real.
constexpr std::uint32_t kMaxLinkTarget = 4096;
// Diagnostics of one kind before the rest are only counted.
constexpr std::uint32_t kMaxDiagsPerKind = 16;
// Overlapping nodes may make one node's data be decompressed once per fragment it still
// covers. Real images do not overlap; this caps the decompression work per file at a multiple
// of its size so a crafted log of interleaved 1 MiB nodes cannot turn into hours of inflate.
constexpr std::uint64_t kWorkPerFileFactor = 8;
constexpr std::uint64_t kWorkPerFileFloor = 16ull << 20;
// Symlink targets and device numbers come from the newest few nodes only.
constexpr std::size_t kMaxSmallNodes = 64;
// Without cleanmarkers to measure the erase block, the probe assumes a large NAND erase block:
// a run of non-node data this long ends the file system.
constexpr std::uint64_t kDefaultProbeGap = 128 * 1024;
// Probe gaps are never shorter than this, so a small -e image with a short padding run is not
// cut in the middle.
constexpr std::uint64_t kMinProbeGap = 4 * 1024;

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Detects the byte order from a valid node header at `offset`.
std::optional<Endian> endian_at(ByteView data, std::uint64_t offset) {
  if (jffs2::valid_header_at(data, offset, Endian::kLittle)) return Endian::kLittle;
  if (jffs2::valid_header_at(data, offset, Endian::kBig)) return Endian::kBig;
  return std::nullopt;
}

struct DataRef {
  std::uint32_t version;
  std::uint64_t pos;     // node start in the image
  std::uint32_t totlen;
};

struct InodeRecord {
  bool have_meta = false;
  std::uint32_t version = 0;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint32_t isize = 0;
  std::uint32_t mtime = 0;
  std::vector<DataRef> data;
};

struct DirentRecord {
  std::uint32_t pino;
  std::uint32_t version;
  std::uint32_t ino;
  std::uint32_t mctime;
  std::uint8_t type;
  std::string name;
};

class Jffs2Reader {
 public:
  Jffs2Reader(ByteView data, Endian e, Sink& sink) : data_(data), endian_(e), sink_(sink) {}

  // Returns false when the sink asked to stop.
  bool scan();
  bool emit();

 private:
  void diag(const char* kind, DiagLevel level, const std::string& msg, std::uint64_t off);
  void summarize_diags();
  void take_dirent(ByteView node, std::uint64_t pos);
  void take_inode(ByteView node, std::uint64_t pos);
  bool emit_file(EntryMeta meta, std::uint32_t ino, const InodeRecord& rec);
  // Writes the rebuilt content of `rec` to `w`; stops at `limit` bytes. False when the writer
  // refused (a limit) and the caller should stop this file.
  bool rebuild(const InodeRecord& rec, std::uint64_t size, ContentWriter& w, std::uint32_t ino);
  std::string small_content(const InodeRecord& rec, std::uint32_t max, std::uint32_t ino);
  std::optional<std::vector<std::uint8_t>> node_data(const DataRef& ref, std::uint32_t ino,
                                                     std::uint32_t* offset);
  std::string resolve_dir(std::uint32_t ino);

  ByteView data_;
  Endian endian_;
  Sink& sink_;
  std::map<std::string, std::uint32_t> diag_counts_;
  std::unordered_map<std::uint32_t, InodeRecord> inodes_;
  // Newest dirent per (parent, name).
  std::map<std::pair<std::uint32_t, std::string>, DirentRecord> dirents_;
  std::size_t records_ = 0;
  // Directory ino -> its path ("" for the root), filled by resolve_dir.
  std::unordered_map<std::uint32_t, std::string> dir_paths_;
  // Directory ino -> the dirent that names it.
  std::unordered_map<std::uint32_t, const DirentRecord*> dir_dirent_;
  std::vector<std::string> lost_dirs_;
};

void Jffs2Reader::diag(const char* kind, DiagLevel level, const std::string& msg,
                       std::uint64_t off) {
  std::uint32_t& n = diag_counts_[kind];
  if (++n <= kMaxDiagsPerKind) sink_.diagnose(level, msg, off);
}

void Jffs2Reader::summarize_diags() {
  for (const auto& [kind, n] : diag_counts_)
    if (n > kMaxDiagsPerKind)
      sink_.diagnose(DiagLevel::kWarning,
                     std::to_string(n) + " JFFS2 problems of kind '" + kind + "' in total (" +
                         std::to_string(n - kMaxDiagsPerKind) + " not listed)");
}

void Jffs2Reader::take_dirent(ByteView node, std::uint64_t pos) {
  auto d = jffs2::parse_dirent(node, endian_);
  if (!d) {
    diag("dirent", DiagLevel::kError, "JFFS2 dirent node: " + d.error().message, pos);
    return;
  }
  if (!d->node_crc_ok || !d->name_crc_ok) {
    diag("crc", DiagLevel::kError,
         std::string("JFFS2 dirent node ") + (d->node_crc_ok ? "name" : "node") +
             " CRC mismatch; node skipped",
         pos);
    return;
  }
  if (records_ >= kMaxRecords) return;
  ++records_;
  auto key = std::make_pair(d->pino, d->name);
  auto it = dirents_.find(key);
  if (it != dirents_.end() && it->second.version > d->version) return;
  dirents_[key] = DirentRecord{d->pino, d->version, d->ino, d->mctime, d->type, std::move(d->name)};
}

void Jffs2Reader::take_inode(ByteView node, std::uint64_t pos) {
  auto n = jffs2::parse_inode(node, endian_);
  if (!n) {
    diag("inode", DiagLevel::kError, "JFFS2 inode node: " + n.error().message, pos);
    return;
  }
  if (!n->node_crc_ok) {
    diag("crc", DiagLevel::kError, "JFFS2 inode node CRC mismatch (ino " +
                                       std::to_string(n->ino) + "); node skipped", pos);
    return;
  }
  if (records_ >= kMaxRecords) return;
  ++records_;
  InodeRecord& rec = inodes_[n->ino];
  if (!rec.have_meta || n->version >= rec.version) {
    rec.have_meta = true;
    rec.version = n->version;
    rec.mode = n->mode;
    rec.uid = n->uid;
    rec.gid = n->gid;
    rec.isize = n->isize;
    rec.mtime = n->mtime;
  }
  if (n->dsize == 0) return;
  if (!n->data_crc_ok) {
    diag("crc", DiagLevel::kError, "JFFS2 inode node data CRC mismatch (ino " +
                                       std::to_string(n->ino) + "); its data is dropped", pos);
    return;
  }
  if (n->dsize > kMaxNodeData) {
    diag("inode", DiagLevel::kError, "JFFS2 inode node claims " + std::to_string(n->dsize) +
                                         " bytes of data; dropped", pos);
    return;
  }
  rec.data.push_back(DataRef{n->version, pos, static_cast<std::uint32_t>(node.size())});
}

bool Jffs2Reader::scan() {
  std::uint64_t pos = 0;
  std::uint64_t garbage_start = 0;
  std::uint64_t garbage_len = 0;
  std::uint64_t nodes = 0;
  std::uint64_t obsolete = 0;
  auto end_garbage = [&] {
    if (garbage_len == 0) return;
    diag("garbage", DiagLevel::kWarning,
         std::to_string(garbage_len) + " byte(s) of data that is neither a JFFS2 node nor padding",
         garbage_start);
    garbage_len = 0;
  };
  while (fits(pos, jffs2::kHeaderSize, data_.size())) {
    auto h = jffs2::read_header(data_, pos, endian_);
    if (h->magic == jffs2::kMagic) {
      if (++nodes % 4096 == 0 && sink_.cancelled()) return false;
      if (!h->crc_ok || h->totlen < jffs2::kHeaderSize) {
        diag("crc", DiagLevel::kError, "JFFS2 node header CRC mismatch; skipped", pos);
        pos += jffs2::kAlign;
        continue;
      }
      end_garbage();
      if (!fits(pos, h->totlen, data_.size())) {
        diag("truncated", DiagLevel::kError,
             "JFFS2 node of " + std::to_string(h->totlen) + " bytes runs past the end of the image",
             pos);
        break;
      }
      ByteView node = data_.subspan(static_cast<std::size_t>(pos), h->totlen);
      if ((h->type & jffs2::kNodeAccurate) == 0) {
        ++obsolete;
      } else if (h->type == jffs2::kTypeDirent) {
        take_dirent(node, pos);
      } else if (h->type == jffs2::kTypeInode) {
        take_inode(node, pos);
      } else if (h->type == jffs2::kTypeCleanmarker || h->type == jffs2::kTypePadding ||
                 h->type == jffs2::kTypeSummary || h->type == jffs2::kTypeXattr ||
                 h->type == jffs2::kTypeXref) {
        // Nothing to unpack: erase-block markers, the summary index, extended attributes.
      } else if ((h->type & jffs2::kFeatureMask) == jffs2::kFeatureIncompat ||
                 (h->type & jffs2::kFeatureMask) == jffs2::kFeatureRoCompat) {
        diag("unknown", DiagLevel::kWarning,
             "JFFS2 node of unknown type " + hex(h->type) + " that readers must not ignore", pos);
      }
      pos += *align_up(h->totlen, jffs2::kAlign);  // totlen is 32-bit: no overflow in 64
      continue;
    }
    std::uint32_t word = load_unchecked<std::uint32_t>(data_.data() + pos, endian_);
    if (word == 0xFFFFFFFFu || word == 0) {
      end_garbage();
    } else {
      if (garbage_len == 0) garbage_start = pos;
      garbage_len += jffs2::kAlign;
    }
    pos += jffs2::kAlign;
  }
  end_garbage();
  if (records_ >= kMaxRecords)
    sink_.diagnose(DiagLevel::kWarning, "JFFS2 image holds more than " +
                                            std::to_string(kMaxRecords) +
                                            " nodes; the rest were not indexed");
  if (obsolete != 0)
    sink_.diagnose(DiagLevel::kInfo, std::to_string(obsolete) + " obsolete JFFS2 node(s) ignored");
  return true;
}

// The path of directory `ino`, "" for the root; nullopt-free: a directory whose chain does not
// reach the root is placed under lost+found/ino-<n> of the first missing ancestor.
std::string Jffs2Reader::resolve_dir(std::uint32_t ino) {
  std::vector<std::uint32_t> chain;
  std::unordered_set<std::uint32_t> seen;
  std::string base;
  std::uint32_t cur = ino;
  std::uint32_t cut = kRootIno;  // the inode placed under lost+found/, if any
  while (true) {
    if (cur == kRootIno) {
      base = "";
      break;
    }
    if (auto it = dir_paths_.find(cur); it != dir_paths_.end()) {
      base = it->second;
      break;
    }
    auto d = dir_dirent_.find(cur);
    if (d == dir_dirent_.end() || chain.size() >= kMaxPathDepth || !seen.insert(cur).second) {
      const char* why = d == dir_dirent_.end() ? "is missing" : "is part of a cycle or too deep";
      diag("orphan", DiagLevel::kWarning,
           "JFFS2 directory inode " + std::to_string(cur) + " " + why +
               "; its members go under lost+found/",
           EntryMeta::kNoOffset);
      base = "lost+found/ino-" + std::to_string(cur);
      dir_paths_[cur] = base;
      cut = cur;
      lost_dirs_.push_back(base);
      break;
    }
    chain.push_back(cur);
    cur = d->second->pino;
  }
  // Assign paths top-down so every ancestor on the chain is memoized.
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (*it == cut) {  // a cycle's cut point keeps its lost+found/ path; its children follow it
      base = dir_paths_[cut];
      continue;
    }
    const DirentRecord* d = dir_dirent_[*it];
    base = base.empty() ? d->name : base + "/" + d->name;
    dir_paths_[*it] = base;
  }
  return ino == kRootIno ? std::string() : dir_paths_[ino];
}

std::optional<std::vector<std::uint8_t>> Jffs2Reader::node_data(const DataRef& ref,
                                                                std::uint32_t ino,
                                                                std::uint32_t* offset) {
  ByteView node = data_.subspan(static_cast<std::size_t>(ref.pos), ref.totlen);
  auto n = jffs2::parse_inode(node, endian_);
  if (!n) return std::nullopt;  // parsed once already during the scan
  *offset = n->offset;
  auto out = jffs2::decompress(n->compr, n->data, n->dsize);
  if (!out) {
    diag(out.error().code == Errc::kUnsupported ? "unsupported" : "decompress",
         DiagLevel::kError,
         "JFFS2 inode " + std::to_string(ino) + " data node (" + jffs2::compr_name(n->compr) +
             "): " + out.error().message + "; filled with zeros",
         ref.pos);
    return std::nullopt;
  }
  return std::move(out).value();
}

bool Jffs2Reader::rebuild(const InodeRecord& rec, std::uint64_t size, ContentWriter& w,
                          std::uint32_t ino) {
  // Fragment map: start -> (end, index into `refs`), non-overlapping. Nodes are applied oldest
  // first so that a newer node overwrites what it covers.
  struct Frag {
    std::uint64_t end;
    std::size_t ref;
    std::uint64_t node_start;  // file offset of the node's first byte
  };
  std::vector<DataRef> refs = rec.data;
  std::stable_sort(refs.begin(), refs.end(),
                   [](const DataRef& a, const DataRef& b) { return a.version < b.version; });
  std::map<std::uint64_t, Frag> frags;
  for (std::size_t i = 0; i < refs.size(); ++i) {
    auto n = jffs2::parse_inode(data_.subspan(static_cast<std::size_t>(refs[i].pos),
                                              refs[i].totlen), endian_);
    if (!n) continue;
    std::uint64_t start = n->offset;
    std::uint64_t end = start + n->dsize;
    if (start >= size) continue;
    end = std::min(end, size);
    // Cut every fragment overlapping [start, end).
    auto it = frags.lower_bound(start);
    if (it != frags.begin()) {
      auto prev = std::prev(it);
      if (prev->second.end > start) {
        Frag tail = prev->second;
        prev->second.end = start;
        if (tail.end > end) frags[end] = tail;
      }
    }
    it = frags.lower_bound(start);
    while (it != frags.end() && it->first < end) {
      Frag f = it->second;
      it = frags.erase(it);
      if (f.end > end) {
        frags[end] = f;
        break;
      }
    }
    frags[start] = Frag{end, i, n->offset};
  }

  std::uint64_t cursor = 0;
  std::size_t cached_ref = ~std::size_t{0};
  std::optional<std::vector<std::uint8_t>> cached;
  std::uint64_t work = 0;
  const std::uint64_t max_work = size * kWorkPerFileFactor + kWorkPerFileFloor;
  for (const auto& [start, f] : frags) {
    if (start > cursor && !w.write_zeros(start - cursor)) return false;
    if (f.ref != cached_ref) {
      std::uint32_t off = 0;
      cached_ref = f.ref;
      cached.reset();
      work += refs[f.ref].totlen;
      if (work > max_work) {
        diag("overlap", DiagLevel::kError,
             "JFFS2 inode " + std::to_string(ino) +
                 ": too many overlapping data nodes; the rest of the file is zeros",
             refs[f.ref].pos);
      } else {
        cached = node_data(refs[f.ref], ino, &off);
        // A failed node still cost up to its dsize; charge a share of the largest one.
        work += cached ? cached->size() : kMaxNodeData / 16;
      }
      if (sink_.cancelled()) return false;
    }
    std::uint64_t len = f.end - start;
    std::uint64_t from = start - f.node_start;
    if (cached && fits(from, len, cached->size())) {
      if (!w.write(ByteView(cached->data() + from, static_cast<std::size_t>(len)))) return false;
    } else if (!w.write_zeros(len)) {
      return false;
    }
    cursor = f.end;
  }
  if (cursor < size && !w.write_zeros(size - cursor)) return false;
  return true;
}

std::string Jffs2Reader::small_content(const InodeRecord& rec, std::uint32_t max,
                                       std::uint32_t ino) {
  // Symlink targets and device numbers are a few bytes in (normally) one node: rebuild them
  // the same way as files, into a small buffer.
  std::string out;
  std::uint64_t size = std::min<std::uint64_t>(rec.isize, max);
  std::vector<DataRef> refs = rec.data;
  std::stable_sort(refs.begin(), refs.end(),
                   [](const DataRef& a, const DataRef& b) { return a.version < b.version; });
  if (refs.size() > kMaxSmallNodes)
    refs.erase(refs.begin(), refs.end() - static_cast<std::ptrdiff_t>(kMaxSmallNodes));
  out.assign(static_cast<std::size_t>(size), '\0');
  for (const DataRef& ref : refs) {
    std::uint32_t off = 0;
    auto d = node_data(ref, ino, &off);
    if (!d || off >= size) continue;
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(d->size(), size - off));
    std::memcpy(out.data() + off, d->data(), n);
  }
  return out;
}

bool Jffs2Reader::emit_file(EntryMeta meta, std::uint32_t ino, const InodeRecord& rec) {
  std::uint64_t input = 0;
  for (const DataRef& r : rec.data) input += r.totlen;
  ContentWriter w = sink_.writer(input);
  bool complete = rebuild(rec, rec.isize, w, ino);
  if (!complete && sink_.cancelled()) return false;
  if (!complete)
    diag("limit", DiagLevel::kError,
         "JFFS2 file " + meta.path + " was cut short: a size limit was reached", EntryMeta::kNoOffset);
  auto content = w.finish();
  if (!content) {
    diag("limit", DiagLevel::kError, "JFFS2 file " + meta.path + ": " + content.error().message,
         EntryMeta::kNoOffset);
    return sink_.add(std::move(meta));
  }
  return sink_.add_content(std::move(meta), std::move(content).value());
}

bool Jffs2Reader::emit() {
  // Live dirents: the newest per (parent, name) that does not delete the name.
  std::vector<const DirentRecord*> live;
  for (const auto& [key, d] : dirents_) {
    if (d.ino == 0) continue;
    live.push_back(&d);
    auto it = inodes_.find(d.ino);
    bool is_dir = it != inodes_.end() && it->second.have_meta
                      ? (it->second.mode & kIfMt) == kIfDir
                      : d.type == 4;  // DT_DIR
    if (!is_dir) continue;
    auto [slot, fresh] = dir_dirent_.emplace(d.ino, &d);
    if (!fresh && slot->second->version < d.version) slot->second = &d;
  }

  struct Item {
    std::string path;
    const DirentRecord* d;
  };
  std::vector<Item> items;
  items.reserve(live.size());
  for (const DirentRecord* d : live) {
    // A directory named by several dirents keeps only its newest name (no hard-linked dirs).
    auto dd = dir_dirent_.find(d->ino);
    if (dd != dir_dirent_.end() && dd->second != d) continue;
    std::string parent = resolve_dir(d->pino);
    items.push_back({parent.empty() ? d->name : parent + "/" + d->name, d});
  }
  std::sort(lost_dirs_.begin(), lost_dirs_.end());
  bool have_lost_found = std::any_of(items.begin(), items.end(),
                                     [](const Item& i) { return i.path == "lost+found"; });
  if (!lost_dirs_.empty() && !have_lost_found) {
    EntryMeta m;
    m.path = "lost+found";
    m.type = EntryType::kDirectory;
    m.mode = 0700;
    if (!sink_.add(std::move(m))) return false;
  }
  if (!lost_dirs_.empty()) {
    for (const std::string& p : lost_dirs_) {
      EntryMeta lm;
      lm.path = p;
      lm.type = EntryType::kDirectory;
      lm.mode = 0700;
      if (!sink_.add(std::move(lm))) return false;
    }
  }
  std::sort(items.begin(), items.end(),
            [](const Item& a, const Item& b) { return a.path < b.path; });

  std::unordered_map<std::uint32_t, std::string> first_path;  // hard links
  static const InodeRecord kNoInode;
  for (const Item& item : items) {
    if (sink_.cancelled()) return false;
    const DirentRecord& d = *item.d;
    auto it = inodes_.find(d.ino);
    const InodeRecord& rec = it != inodes_.end() ? it->second : kNoInode;
    if (!rec.have_meta)
      diag("missing-inode", DiagLevel::kWarning,
           "JFFS2 entry " + item.path + " names inode " + std::to_string(d.ino) +
               " that has no valid inode node",
           EntryMeta::kNoOffset);
    EntryMeta meta;
    meta.path = item.path;
    meta.mode = rec.mode & 07777;
    meta.uid = rec.uid;
    meta.gid = rec.gid;
    meta.mtime = rec.have_meta ? rec.mtime : d.mctime;
    std::uint32_t fmt = rec.mode & kIfMt;
    if (!rec.have_meta) {
      static constexpr std::uint32_t kDtToMode[16] = {0, kIfIfo, kIfChr, 0, kIfDir, 0, kIfBlk, 0,
                                                      kIfReg, 0, kIfLnk, 0, kIfSock, 0, 0, 0};
      fmt = kDtToMode[d.type & 15];
    }
    switch (fmt) {
      case kIfDir: meta.type = EntryType::kDirectory; break;
      case kIfLnk:
        meta.type = EntryType::kSymlink;
        meta.link_target = small_content(rec, kMaxLinkTarget, d.ino);
        break;
      case kIfChr:
      case kIfBlk: {
        meta.type = fmt == kIfChr ? EntryType::kCharDevice : EntryType::kBlockDevice;
        // jffs2_device_node: the old 16-bit or the new 32-bit encoding, by the data size.
        std::uint32_t dsize = 0;
        for (const DataRef& r : rec.data)
          if (auto n = jffs2::parse_inode(data_.subspan(static_cast<std::size_t>(r.pos), r.totlen),
                                          endian_))
            dsize = std::max(dsize, n->dsize);
        InodeRecord dev = rec;
        dev.isize = dsize;
        std::string raw = small_content(dev, 4, d.ino);
        ByteView rv = as_bytes(raw);
        if (raw.size() == 2) {
          std::uint32_t v = load_unchecked<std::uint16_t>(rv.data(), endian_);
          meta.dev_major = v >> 8;
          meta.dev_minor = v & 0xFF;
        } else if (raw.size() == 4) {
          std::uint32_t v = load_unchecked<std::uint32_t>(rv.data(), endian_);
          meta.dev_major = (v & 0xFFF00) >> 8;
          meta.dev_minor = (v & 0xFF) | ((v >> 12) & 0xFFF00);
        }
        break;
      }
      case kIfIfo: meta.type = EntryType::kFifo; break;
      case kIfSock: meta.type = EntryType::kSocket; break;
      default: {
        if (fmt != kIfReg && rec.have_meta)
          diag("mode", DiagLevel::kWarning,
               "JFFS2 inode " + std::to_string(d.ino) + " has unknown file type " + hex(fmt) +
                   "; treated as a file",
               EntryMeta::kNoOffset);
        meta.type = EntryType::kFile;
        auto [slot, fresh] = first_path.emplace(d.ino, item.path);
        if (!fresh) {
          meta.type = EntryType::kHardlink;
          meta.link_target = slot->second;
          if (!sink_.add(std::move(meta))) return false;
          continue;
        }
        if (!emit_file(std::move(meta), d.ino, rec)) return false;
        continue;
      }
    }
    if (!sink_.add(std::move(meta))) return false;
  }
  summarize_diags();
  return true;
}

class Jffs2Unpacker final : public Unpacker {
 public:
  std::string_view id() const override { return "jffs2"; }
  bool can_open(Kind kind) const override { return kind == Kind::kJffs2; }
  Status open(const UnpackInput& in, Sink& sink) const override {
    // The image normally starts with a node; tolerate leading padding up to one probe gap.
    std::optional<Endian> e;
    std::uint64_t first = 0;
    for (; fits(first, jffs2::kHeaderSize, in.bytes.size()) && first <= kDefaultProbeGap;
         first += jffs2::kAlign) {
      if ((e = endian_at(in.bytes, first))) break;
    }
    if (!e) return make_error(Errc::kMalformed, "no valid JFFS2 node header found");
    if (first != 0)
      sink.diagnose(DiagLevel::kWarning,
                    "first JFFS2 node is at offset " + std::to_string(first), first);
    Jffs2Reader r(in.bytes, *e, sink);
    if (!r.scan()) return {};
    r.emit();
    return {};
  }
};

}  // namespace

std::unique_ptr<Unpacker> make_jffs2_unpacker() { return std::make_unique<Jffs2Unpacker>(); }

std::optional<ProbeResult> probe_jffs2(ByteView data) {
  // Cheap rejection first: a random "\x85\x19" hit fails the header CRC.
  auto e = endian_at(data, 0);
  if (!e) return std::nullopt;
  std::uint64_t pos = 0;
  std::uint64_t end = 0;
  std::uint64_t gap = kDefaultProbeGap;
  std::uint64_t last_cleanmarker = EntryMeta::kNoOffset;
  bool gap_measured = false;
  while (fits(pos, jffs2::kHeaderSize, data.size()) && pos - end < gap) {
    auto h = jffs2::read_header(data, pos, *e);
    if (h->crc_ok && h->totlen >= jffs2::kHeaderSize && fits(pos, h->totlen, data.size())) {
      if (h->type == jffs2::kTypeCleanmarker && !gap_measured) {
        // Cleanmarkers open every erase block: their spacing is the erase-block size.
        if (last_cleanmarker != EntryMeta::kNoOffset && pos > last_cleanmarker) {
          gap = std::max(pos - last_cleanmarker, kMinProbeGap);
          gap_measured = true;
        }
        last_cleanmarker = pos;
      }
      pos += *align_up(h->totlen, jffs2::kAlign);
      end = pos;
      continue;
    }
    pos += jffs2::kAlign;
  }
  // Trailing padding (0xFF) up to the next erase-block boundary belongs to the image; without
  // a measured erase block, up to the next 4 KiB (the smallest erase block in use).
  std::uint64_t block = gap_measured && (gap & (gap - 1)) == 0 ? gap : kMinProbeGap;
  std::uint64_t block_end = std::min<std::uint64_t>(*align_up(end, block), data.size());
  bool all_ff = true;
  for (std::uint64_t i = end; i < block_end && all_ff; ++i) all_ff = data[i] == 0xFF;
  if (all_ff) end = block_end;
  return ProbeResult{Kind::kJffs2, end};
}

}  // namespace assay::unpack
