// Broadcom TRX firmware containers ("HDR0", little-endian). The header lists up to three (v1)
// or four (v2) partition offsets from the start of the header; each partition runs to the next
// offset or to the declared length, so every child is a zero-copy slice. The CRC covers the bytes
// from offset 12 to the declared length. Reference: OpenWrt tools/firmware-utils/src/trx.c.
#include <fmt/format.h>
#include <zlib.h>

#include <array>
#include <string>

#include "core/reader.hpp"
#include "unpack/unpackers.hpp"

namespace assay::unpack {
namespace {

constexpr std::uint32_t kTrxMagic = 0x30524448;  // "HDR0" read little-endian
constexpr std::size_t kCrcStart = 12;            // the CRC covers flags/version onwards
constexpr std::size_t kMaxPartitions = 4;

struct TrxHeader {
  std::uint32_t length = 0;
  std::uint32_t crc = 0;
  std::uint16_t flags = 0;
  std::uint16_t version = 0;
  std::array<std::uint32_t, kMaxPartitions> offsets{};
  std::size_t slots = 0;        // 3 for v1, 4 for v2
  std::size_t header_size = 0;  // 28 for v1, 32 for v2
};

std::optional<TrxHeader> parse_header(ByteView data) {
  Reader r(data, Endian::kLittle);
  auto magic = r.read<std::uint32_t>();
  if (!magic || *magic != kTrxMagic) return std::nullopt;
  TrxHeader h;
  auto length = r.read<std::uint32_t>();
  auto crc = r.read<std::uint32_t>();
  auto flags = r.read<std::uint16_t>();
  auto version = r.read<std::uint16_t>();
  if (!version || (*version != 1 && *version != 2)) return std::nullopt;
  h.length = *length;
  h.crc = *crc;
  h.flags = *flags;
  h.version = *version;
  h.slots = h.version == 1 ? 3 : 4;
  h.header_size = 16 + 4 * h.slots;
  for (std::size_t i = 0; i < h.slots; ++i) {
    auto off = r.read<std::uint32_t>();
    if (!off) return std::nullopt;
    h.offsets[i] = *off;
  }
  if (h.length < h.header_size) return std::nullopt;
  return h;
}

// Offsets are sane when the used ones start right after the header (or later), increase, and
// stay inside the declared length; unused slots are 0.
bool offsets_sane(const TrxHeader& h) {
  std::uint32_t prev = 0;
  bool any = false;
  for (std::size_t i = 0; i < h.slots; ++i) {
    std::uint32_t off = h.offsets[i];
    if (off == 0) continue;
    if (off < h.header_size || off >= h.length || off <= prev) return false;
    prev = off;
    any = true;
  }
  return any;
}

// Broadcom's CRC starts at ~0 and is stored without the final inversion, i.e. the complement of
// zlib's crc32; some third-party tools store zlib's value itself. Both are accepted.
bool crc_matches(const TrxHeader& h, ByteView data) {
  if (h.length > data.size()) return false;
  ByteView covered = data.subspan(kCrcStart, h.length - kCrcStart);
  auto crc = static_cast<std::uint32_t>(::crc32_z(0L, covered.data(), covered.size()));
  return h.crc == ~crc || h.crc == crc;
}

class TrxUnpacker final : public Unpacker {
 public:
  std::string_view id() const override { return "trx"; }
  bool can_open(Kind kind) const override { return kind == Kind::kTrx; }
  Status open(const UnpackInput& in, Sink& sink) const override;
};

Status TrxUnpacker::open(const UnpackInput& in, Sink& sink) const {
  auto h = parse_header(in.bytes);
  if (!h) return make_error(Errc::kMalformed, "not a TRX header (magic, version or length)");
  std::uint64_t end = h->length;
  if (end > in.bytes.size()) {
    sink.diagnose(DiagLevel::kError,
                  "TRX truncated: header declares " + std::to_string(h->length) + " bytes, " +
                      std::to_string(in.bytes.size()) + " present",
                  4);
    end = in.bytes.size();
  } else if (!crc_matches(*h, in.bytes)) {
    sink.diagnose(DiagLevel::kWarning, fmt::format("TRX CRC mismatch (stored 0x{:08x})", h->crc),
                  8);
  }
  if (!offsets_sane(*h))
    sink.diagnose(DiagLevel::kWarning, "TRX partition offsets are not increasing or out of range",
                  16);

  for (std::size_t i = 0; i < h->slots; ++i) {
    std::uint64_t start = h->offsets[i];
    if (start == 0) continue;
    if (start < h->header_size || start >= end) {
      sink.diagnose(DiagLevel::kError,
                    "TRX partition " + std::to_string(i) + " offset " + std::to_string(start) +
                        " lies outside the data",
                    16 + 4 * i);
      continue;
    }
    // The partition ends where the next one that starts after it begins, else at the end.
    std::uint64_t stop = end;
    for (std::size_t j = i + 1; j < h->slots; ++j) {
      std::uint64_t next = h->offsets[j];
      if (next > start && next < stop) {
        stop = next;
        break;
      }
    }
    EntryMeta meta;
    meta.path = "partition-" + std::to_string(i);
    if (!sink.add_slice(std::move(meta), start, stop - start)) break;
  }
  return {};
}

}  // namespace

// The 4-byte magic is weak, so a candidate needs a known version and either strictly sane
// partition offsets (the first right after the header; a damaged image is still worth
// extracting) or a matching CRC. Sanity goes first: the CRC costs a pass over the declared length.
std::optional<ProbeResult> probe_trx(ByteView data) {
  auto h = parse_header(data);
  if (!h) return std::nullopt;
  std::uint64_t len = h->length < data.size() ? h->length : data.size();
  if (offsets_sane(*h) && h->offsets[0] == h->header_size) return ProbeResult{Kind::kTrx, len};
  if (crc_matches(*h, data)) return ProbeResult{Kind::kTrx, len};
  return std::nullopt;
}

std::unique_ptr<Unpacker> make_trx_unpacker() { return std::make_unique<TrxUnpacker>(); }

}  // namespace assay::unpack
