// Carving: a blob that is no known container as a whole (a flash dump, a vendor image, a kernel)
// is searched for embedded structures at every offset. Each signature hit is validated by its
// format's probe before it is believed; accepted structures are not searched inside (their bytes
// belong to them), which resolves overlaps the way binwalk's "jump" does and keeps false hits
// inside compressed data from multiplying. The gaps between structures are reported as
// "region@0x..." children so that every byte of the blob is accounted for.
//
// Cost: one pass over the blob with a 256-entry first-byte table, plus one probe per magic hit.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "unpack/signatures.hpp"
#include "unpack/unpackers.hpp"

namespace assay::unpack {
namespace {

// A blob with more candidates than this is noise (or hostile); stop accepting after it.
constexpr std::size_t kMaxCarved = 20000;
// Gaps smaller than this between structures are alignment padding, not worth a node.
constexpr std::uint64_t kMinRegion = 512;
// How often (in bytes scanned) the cancel flag is polled.
constexpr std::size_t kPollInterval = 1 << 20;

class CarveUnpacker final : public Unpacker {
 public:
  std::string_view id() const override { return "carve"; }
  bool can_open(Kind kind) const override {
    return kind == Kind::kUnknown || kind == Kind::kFirmwareBlob || kind == Kind::kLinuxKernel;
  }
  Status open(const UnpackInput& in, Sink& sink) const override;
};

struct Hit {
  std::uint64_t start;
  std::uint64_t length;
  Kind kind;
};

Status CarveUnpacker::open(const UnpackInput& in, Sink& sink) const {
  const auto& sigs = signatures();
  if (sigs.empty()) return {};
  std::array<std::vector<std::size_t>, 256> by_first{};
  for (std::size_t i = 0; i < sigs.size(); ++i)
    if (!sigs[i].magic.empty()) by_first[static_cast<std::uint8_t>(sigs[i].magic[0])].push_back(i);

  ByteView d = in.bytes;
  std::vector<Hit> hits;
  std::uint64_t cursor = 0;  // everything before this belongs to an accepted structure
  std::size_t next_poll = kPollInterval;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i >= next_poll) {
      next_poll = i + kPollInterval;
      if (sink.cancelled()) break;
      // Pages already scanned are not needed again (children keep their own references).
      if (in.blob != nullptr && i > kPollInterval) in.blob->release(d.subspan(0, i - kPollInterval));
    }
    const auto& cands = by_first[d[i]];
    if (cands.empty()) continue;
    for (std::size_t si : cands) {
      const Signature& s = sigs[si];
      if (!fits(i, s.magic.size(), d.size()) || std::memcmp(d.data() + i, s.magic.data(), s.magic.size()) != 0)
        continue;
      if (i < s.magic_offset) continue;
      std::uint64_t start = i - s.magic_offset;
      if (start < cursor) continue;
      auto r = s.probe(d.subspan(static_cast<std::size_t>(start)));
      if (!r || r->length == 0) continue;
      std::uint64_t len = std::min<std::uint64_t>(r->length, d.size() - start);
      // Accepted: skip past it (its bytes belong to it; see the file comment).
      hits.push_back({start, len, r->kind});
      cursor = start + len;
      i = static_cast<std::size_t>(cursor) - 1;  // loop ++ lands on cursor
      break;
    }
    if (hits.size() >= kMaxCarved) {
      sink.diagnose(DiagLevel::kWarning,
                    fmt::format("carving stopped after {} structures", kMaxCarved), i);
      break;
    }
  }
  if (hits.empty()) return {};

  auto add_region = [&](std::uint64_t from, std::uint64_t to) {
    if (to <= from || to - from < kMinRegion) return true;
    EntryMeta m;
    m.path = fmt::format("region@0x{:x}", from);
    m.offset = from;
    m.kind_hint = Kind::kCarvedRegion;
    return sink.add_slice(std::move(m), from, to - from);
  };
  std::uint64_t pos = 0;
  for (const Hit& h : hits) {
    if (!add_region(pos, h.start)) return {};
    EntryMeta m;
    m.path = fmt::format("{}@0x{:x}", kind_name(h.kind), h.start);
    m.offset = h.start;
    m.kind_hint = h.kind;
    if (!sink.add_slice(std::move(m), h.start, h.length)) return {};
    pos = h.start + h.length;
  }
  add_region(pos, d.size());
  return {};
}

}  // namespace

std::unique_ptr<Unpacker> make_carve_unpacker() { return std::make_unique<CarveUnpacker>(); }

}  // namespace assay::unpack
