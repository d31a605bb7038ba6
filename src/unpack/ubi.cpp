// UBI images (erase counter headers "UBI#", volume id headers "UBI!", big-endian). A UBI image is
// a sequence of physical eraseblocks (PEBs); each carries one logical eraseblock (LEB) of one
// volume, and the same LEB may appear several times (wear levelling, atomic updates): the copy
// with the highest sequence number wins. Volume names come from the volume table, which is the
// internal layout volume. Each user volume is produced through the ContentWriter with its LEBs
// in order; unmapped LEBs read as erased flash (0xFF), as UBI itself returns them.
// Reference: linux drivers/mtd/ubi/ubi-media.h.
#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <vector>

#include "core/checked.hpp"
#include "unpack/unpackers.hpp"

namespace assay::unpack {
namespace {

constexpr std::uint32_t kEcMagic = 0x55424923;   // "UBI#"
constexpr std::uint32_t kVidMagic = 0x55424921;  // "UBI!"
constexpr std::size_t kEcHeaderSize = 64;
constexpr std::size_t kVidHeaderSize = 64;
constexpr std::uint32_t kLayoutVolumeId = 0x7FFFEFFF;
constexpr std::uint32_t kMaxVolumes = 128;  // UBI_MAX_VOLUMES
constexpr std::size_t kVtblRecordSize = 172;
constexpr std::size_t kVolNameMax = 127;
constexpr std::uint8_t kVolTypeStatic = 2;
// PEBs of real flash are 4 KiB (NOR sectors, rare) to 8 MiB (large NAND); candidates outside
// that range are not tried.
constexpr std::uint64_t kMinPebSize = 1024;
constexpr std::uint64_t kMaxPebSize = 16ull << 20;
// LEB numbers index a volume; a volume cannot hold more LEBs than a 2 GiB device of the smallest
// PEBs. Past this a VID header is treated as corrupt, so a hostile lnum cannot make the output
// (unmapped LEBs are filled) grow beyond what the device could hold.
constexpr std::uint32_t kMaxLebs = 1u << 21;

// UBI's CRC starts at ~0 and has no final inversion: the complement of zlib's crc32.
std::uint32_t ubi_crc(ByteView v) {
  return ~static_cast<std::uint32_t>(::crc32_z(0L, v.data(), v.size()));
}

struct EcHeader {
  std::uint32_t vid_offset = 0;
  std::uint32_t data_offset = 0;
  std::uint32_t image_seq = 0;
};

std::optional<EcHeader> read_ec(ByteView data, std::uint64_t off) {
  ByteView h = slice(data, off, kEcHeaderSize);
  if (h.empty() || *load_be<std::uint32_t>(h, 0) != kEcMagic) return std::nullopt;
  if (*load_be<std::uint32_t>(h, 60) != ubi_crc(h.first(60))) return std::nullopt;
  return EcHeader{*load_be<std::uint32_t>(h, 16), *load_be<std::uint32_t>(h, 20),
                  *load_be<std::uint32_t>(h, 24)};
}

struct VidHeader {
  std::uint8_t vol_type = 0;
  std::uint32_t vol_id = 0;
  std::uint32_t lnum = 0;
  std::uint32_t data_size = 0;
  std::uint32_t data_pad = 0;
  std::uint64_t sqnum = 0;
};

std::optional<VidHeader> read_vid(ByteView data, std::uint64_t off) {
  ByteView h = slice(data, off, kVidHeaderSize);
  if (h.empty() || *load_be<std::uint32_t>(h, 0) != kVidMagic) return std::nullopt;
  if (*load_be<std::uint32_t>(h, 60) != ubi_crc(h.first(60))) return std::nullopt;
  VidHeader v;
  v.vol_type = h[5];
  v.vol_id = *load_be<std::uint32_t>(h, 8);
  v.lnum = *load_be<std::uint32_t>(h, 12);
  v.data_size = *load_be<std::uint32_t>(h, 20);
  v.data_pad = *load_be<std::uint32_t>(h, 28);
  v.sqnum = *load_be<std::uint64_t>(h, 40);
  return v;
}

bool erased(ByteView data, std::uint64_t off) {
  ByteView h = slice(data, off, kEcHeaderSize);
  return !h.empty() && std::all_of(h.begin(), h.end(), [](std::uint8_t b) { return b == 0xFF; });
}

// The PEB size is the distance to the next valid EC header of the same image: the smallest power
// of two past the first PEB's data offset where one is found. A single-PEB image is its own size.
std::optional<std::uint64_t> detect_peb_size(ByteView data, const EcHeader& first) {
  for (std::uint64_t p = kMinPebSize; p <= kMaxPebSize && p < data.size(); p *= 2) {
    if (p <= first.data_offset) continue;
    auto ec = read_ec(data, p);
    if (ec && ec->image_seq == first.image_seq) return p;
  }
  if (data.size() > first.data_offset && data.size() <= kMaxPebSize) return data.size();
  return std::nullopt;
}

struct Geometry {
  EcHeader first;
  std::uint64_t peb = 0;
  std::uint64_t length = 0;  // through the last PEB with a valid EC header
};

std::optional<Geometry> geometry(ByteView data) {
  auto first = read_ec(data, 0);
  if (!first || first->vid_offset < kEcHeaderSize || first->data_offset < first->vid_offset)
    return std::nullopt;
  auto peb = detect_peb_size(data, *first);
  if (!peb || first->data_offset >= *peb || first->vid_offset > *peb - kVidHeaderSize)
    return std::nullopt;
  Geometry g{*first, *peb, *peb};
  // Erased PEBs (flash dumps) belong to the image; trailing ones are not counted.
  for (std::uint64_t off = *peb; fits(off, *peb, data.size()); off += *peb) {
    if (read_ec(data, off))
      g.length = off + *peb;
    else if (!erased(data, off))
      break;
  }
  return g;
}

struct Leb {
  std::uint64_t peb_offset = 0;
  VidHeader vid;
};

struct Volume {
  std::string name;
  std::uint8_t vol_type = 0;
  std::uint32_t reserved_pebs = 0;
  std::map<std::uint32_t, Leb> lebs;
};

class UbiUnpacker final : public Unpacker {
 public:
  std::string_view id() const override { return "ubi"; }
  bool can_open(Kind kind) const override { return kind == Kind::kUbi; }
  Status open(const UnpackInput& in, Sink& sink) const override;
};

Status UbiUnpacker::open(const UnpackInput& in, Sink& sink) const {
  const ByteView data = in.bytes;
  auto g = geometry(data);
  if (!g) return make_error(Errc::kMalformed, "no valid UBI erase counter header and PEB size");
  const std::uint64_t leb_size = g->peb - g->first.data_offset;
  std::map<std::uint32_t, Volume> volumes;
  std::map<std::uint32_t, Leb> layout;
  std::uint64_t bad_headers = 0;
  for (std::uint64_t off = 0; fits(off, g->peb, data.size()); off += g->peb) {
    if (sink.cancelled()) return make_error(Errc::kCancelled, "scan cancelled");
    auto ec = read_ec(data, off);
    if (!ec) continue;
    if (ec->vid_offset != g->first.vid_offset || ec->data_offset != g->first.data_offset) {
      ++bad_headers;
      continue;
    }
    auto vid = read_vid(data, off + ec->vid_offset);
    if (!vid) continue;  // a free PEB (EC header only)
    Leb leb{off, *vid};
    std::map<std::uint32_t, Leb>* slot = nullptr;
    if (vid->vol_id == kLayoutVolumeId) {
      slot = &layout;
    } else if (vid->vol_id < kMaxVolumes && vid->lnum < kMaxLebs) {
      auto& v = volumes[vid->vol_id];
      v.vol_type = vid->vol_type;
      slot = &v.lebs;
    } else {
      ++bad_headers;
      continue;
    }
    auto [it, inserted] = slot->try_emplace(vid->lnum, leb);
    if (!inserted && vid->sqnum > it->second.vid.sqnum) it->second = leb;
  }
  if (bad_headers != 0)
    sink.diagnose(DiagLevel::kWarning,
                  fmt::format("{} PEB(s) with inconsistent or out-of-range UBI headers skipped",
                              bad_headers));

  // The volume table: LEB 0 of the layout volume (LEB 1 is a copy).
  for (std::uint32_t copy : {0u, 1u}) {
    auto it = layout.find(copy);
    if (it == layout.end()) continue;
    ByteView tbl = slice(data, it->second.peb_offset + g->first.data_offset, leb_size);
    std::uint64_t records = std::min<std::uint64_t>(kMaxVolumes, tbl.size() / kVtblRecordSize);
    bool any_valid = false;
    for (std::uint64_t i = 0; i < records; ++i) {
      ByteView rec = tbl.subspan(i * kVtblRecordSize, kVtblRecordSize);
      if (*load_be<std::uint32_t>(rec, 168) != ubi_crc(rec.first(168))) continue;
      any_valid = true;
      std::uint32_t reserved = *load_be<std::uint32_t>(rec, 0);
      std::uint16_t name_len = *load_be<std::uint16_t>(rec, 14);
      if (reserved == 0) continue;  // empty slot
      auto& v = volumes[static_cast<std::uint32_t>(i)];
      v.reserved_pebs = reserved;
      v.vol_type = rec[12];
      v.name = std::string(as_chars(rec.subspan(16, std::min<std::size_t>(name_len, kVolNameMax))));
    }
    if (any_valid) break;
    sink.diagnose(DiagLevel::kWarning, fmt::format("UBI volume table copy {} is corrupt", copy),
                  it->second.peb_offset);
  }
  if (layout.empty()) sink.diagnose(DiagLevel::kWarning, "UBI image has no volume table");

  const std::uint64_t peb_count = data.size() / g->peb;
  std::vector<std::uint8_t> erased_leb;
  for (auto& [id, v] : volumes) {
    if (v.lebs.empty()) continue;  // declared but never written
    EntryMeta meta;
    meta.path = (v.name.empty() ? fmt::format("volume-{}", id) : v.name) + ".ubivol";
    ContentWriter w = sink.writer(data.size());
    std::uint32_t next = 0;
    Status st;
    for (const auto& [lnum, leb] : v.lebs) {
      // A volume never spans more LEBs than the device has PEBs (a full dump holds them all);
      // the bound also keeps a hostile lnum from making the erased-gap fill below huge.
      if ((v.reserved_pebs != 0 && lnum >= v.reserved_pebs) || lnum >= peb_count) {
        sink.diagnose(DiagLevel::kWarning,
                      fmt::format("volume {} LEB {} lies past its {} reserved PEBs or the {} PEBs "
                                  "of the image; the rest of the volume is skipped",
                                  id, lnum, v.reserved_pebs, peb_count),
                      leb.peb_offset);
        break;
      }
      // Unmapped LEBs of a dynamic volume read as erased flash.
      if (lnum > next && v.vol_type != kVolTypeStatic) {
        if (erased_leb.empty()) erased_leb.assign(leb_size, 0xFF);
        for (; next < lnum && st; ++next) st = w.write(erased_leb);
      }
      if (!st) break;
      std::uint64_t usable = leb_size - std::min<std::uint64_t>(leb.vid.data_pad, leb_size);
      std::uint64_t n = v.vol_type == kVolTypeStatic
                            ? std::min<std::uint64_t>(leb.vid.data_size, usable)
                            : usable;
      st = w.write(slice(data, leb.peb_offset + g->first.data_offset, n));
      if (!st) break;
      next = lnum + 1;
      if (sink.cancelled()) return make_error(Errc::kCancelled, "scan cancelled");
    }
    if (!st)
      sink.diagnose(DiagLevel::kError,
                    fmt::format("UBI volume {} stopped: {}", meta.path, st.error().message));
    auto content = w.finish();
    if (!content) return std::move(content).error();
    if (!sink.add_content(std::move(meta), std::move(content).value())) break;
  }
  return {};
}

}  // namespace

// A valid EC header CRC at the start and a PEB size confirmed by a second EC header of the same
// image (or a single-PEB image). The length runs through the last PEB with a valid EC header.
std::optional<ProbeResult> probe_ubi(ByteView data) {
  auto g = geometry(data);
  if (!g) return std::nullopt;
  return ProbeResult{Kind::kUbi, g->length};
}

std::unique_ptr<Unpacker> make_ubi_unpacker() { return std::make_unique<UbiUnpacker>(); }

}  // namespace assay::unpack
