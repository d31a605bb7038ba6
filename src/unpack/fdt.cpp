// Device tree blobs and FIT images. The structure block is a flat token stream, so it is walked
// with a loop and a depth counter (no recursion); only the node names at depths 2 and 3 matter for
// FIT (/images and its subnodes). Inline image data is a plain range of the blob and external data
// a range after it, so every child is a zero-copy slice with the `compression` as its kind hint.
#include "unpack/fdt.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/checked.hpp"
#include "core/reader.hpp"
#include "unpack/unpackers.hpp"

namespace assay::unpack {
namespace {

constexpr std::uint32_t kTokBeginNode = 1;
constexpr std::uint32_t kTokEndNode = 2;
constexpr std::uint32_t kTokProp = 3;
constexpr std::uint32_t kTokNop = 4;
constexpr std::uint32_t kTokEnd = 9;
constexpr std::uint32_t kHeaderSizeV16 = 36;
constexpr std::uint32_t kHeaderSizeV17 = 40;
// libfdt refuses trees deeper than 32 (FDT_MAX_DEPTH); real trees are under 10 deep.
constexpr int kMaxDepth = 64;
// Node names are at most 31 characters by the specification; dtc accepts longer ones. Longer
// than this is not a device tree.
constexpr std::size_t kMaxNodeName = 4096;
// A FIT holds a kernel, a ramdisk and a few device trees; big multi-board FITs hold ~100. The cap
// bounds the children a hostile blob can produce.
constexpr std::size_t kMaxFitImages = 1024;

struct PendingImage {
  FitImage image;
  bool has_data = false;
  std::uint64_t data_offset = 0;
  std::uint64_t data_len = 0;
  std::optional<std::uint32_t> ext_offset, ext_position, ext_size;
};

std::optional<std::uint32_t> be32_value(ByteView v) {
  if (v.size() != 4) return std::nullopt;
  return load_be<std::uint32_t>(v, 0);
}

std::string string_value(ByteView v) {
  std::string_view s = as_chars(v);
  return std::string(s.substr(0, s.find('\0')));
}

void finish_image(PendingImage& p, ByteView data, FdtScan& scan) {
  FitImage& img = p.image;
  if (p.has_data) {
    img.offset = p.data_offset;
    img.size = p.data_len;
  } else if (p.ext_size && (p.ext_offset || p.ext_position)) {
    // External data starts after the blob, aligned to 4 bytes (u-boot fit_get_data_offset).
    std::uint64_t base = *align_up(scan.header.total_size, 4);
    img.offset = p.ext_position ? std::uint64_t{*p.ext_position} : base + *p.ext_offset;
    img.size = *p.ext_size;
    img.external = true;
    if (!fits(img.offset, img.size, data.size())) {
      scan.problems.push_back(
          fmt::format("FIT image {}: external data ({} bytes at {}) lies past "
                      "the end of the data",
                      img.name, img.size, img.offset));
      return;
    }
    scan.extent = std::max<std::uint64_t>(scan.extent, img.offset + img.size);
  } else {
    return;  // no data: a placeholder node
  }
  if (scan.images.size() >= kMaxFitImages) {
    if (scan.images.size() == kMaxFitImages)
      scan.problems.push_back(
          fmt::format("more than {} FIT images; the rest is skipped", kMaxFitImages));
    return;
  }
  scan.images.push_back(std::move(img));
}

}  // namespace

Result<FdtHeader> parse_fdt_header(ByteView data) {
  Reader r(data, Endian::kBig);
  ASSAY_TRY(std::uint32_t magic, r.read<std::uint32_t>());
  if (magic != kFdtMagic) return make_error(Errc::kMalformed, "not a device tree (bad magic)");
  FdtHeader h;
  ASSAY_TRY(h.total_size, r.read<std::uint32_t>());
  ASSAY_TRY(h.off_struct, r.read<std::uint32_t>());
  ASSAY_TRY(h.off_strings, r.read<std::uint32_t>());
  ASSAY_TRY(h.off_mem_rsvmap, r.read<std::uint32_t>());
  ASSAY_TRY(h.version, r.read<std::uint32_t>());
  ASSAY_TRY(h.last_comp_version, r.read<std::uint32_t>());
  ASSAY_TRY(h.boot_cpuid, r.read<std::uint32_t>());
  ASSAY_TRY(h.size_strings, r.read<std::uint32_t>());
  if (h.version < 16 || h.last_comp_version > 17 || h.last_comp_version > h.version)
    return make_error(Errc::kMalformed, fmt::format("device tree version {} (compatible with {}) "
                                                    "is not supported",
                                                    h.version, h.last_comp_version));
  std::uint32_t header_size = kHeaderSizeV16;
  if (h.version >= 17) {
    ASSAY_TRY(h.size_struct, r.read<std::uint32_t>());
    header_size = kHeaderSizeV17;
  }
  if (h.total_size < header_size || h.total_size > data.size())
    return make_error(h.total_size > data.size() ? Errc::kTruncated : Errc::kMalformed,
                      fmt::format("device tree total size {} does not fit the {} bytes present",
                                  h.total_size, data.size()));
  if (h.version < 17) {
    if (h.off_struct > h.total_size)
      return make_error(Errc::kMalformed, "device tree structure block lies outside the blob");
    h.size_struct = h.total_size - h.off_struct;
  }
  if (h.off_mem_rsvmap < header_size || h.off_mem_rsvmap % 8 != 0 ||
      h.off_mem_rsvmap > h.total_size || h.off_struct < header_size || h.off_struct % 4 != 0 ||
      !fits(h.off_struct, h.size_struct, h.total_size) || h.off_strings < header_size ||
      !fits(h.off_strings, h.size_strings, h.total_size))
    return make_error(Errc::kMalformed, "device tree block offsets lie outside the blob");
  return h;
}

Result<FdtScan> scan_fdt(ByteView data) {
  ASSAY_TRY(FdtHeader h, parse_fdt_header(data));
  FdtScan scan;
  scan.header = h;
  scan.extent = h.total_size;
  const ByteView st = data.subspan(h.off_struct, h.size_struct);
  const ByteView strings = data.subspan(h.off_strings, h.size_strings);
  Reader r(st, Endian::kBig);
  int depth = 0;
  bool in_images = false;
  std::optional<PendingImage> image;
  auto problem = [&](std::string msg) {
    scan.problems.push_back(fmt::format("{} (structure offset {})", msg, r.pos()));
  };
  while (true) {
    auto tok = r.read<std::uint32_t>();
    if (!tok) {
      problem("structure block ends without FDT_END");
      break;
    }
    if (*tok == kTokEnd) {
      scan.well_formed = depth == 0;
      if (depth != 0) problem("FDT_END inside an open node");
      break;
    }
    if (*tok == kTokNop) continue;
    if (*tok == kTokBeginNode) {
      auto name = r.cstring(kMaxNodeName);
      if (!name || !r.skip(*align_up(r.pos(), 4) - r.pos())) {
        problem("node name runs past the structure block");
        break;
      }
      if (++depth > kMaxDepth) {
        problem(fmt::format("nodes nest deeper than {}", kMaxDepth));
        break;
      }
      if (depth == 2) in_images = *name == "images";
      if (depth == 3 && in_images) image = PendingImage{FitImage{std::string(*name)}};
      continue;
    }
    if (*tok == kTokEndNode) {
      if (depth == 0) {
        problem("FDT_END_NODE without an open node");
        break;
      }
      if (depth == 3 && image) {
        if (image->has_data || image->ext_size) scan.is_fit = true;
        finish_image(*image, data, scan);
        image.reset();
      }
      if (depth == 2) in_images = false;
      --depth;
      continue;
    }
    if (*tok == kTokProp) {
      auto len = r.read<std::uint32_t>();
      auto nameoff = r.read<std::uint32_t>();
      if (!nameoff) {
        problem("property header runs past the structure block");
        break;
      }
      std::uint64_t value_pos = r.pos();
      auto value = r.bytes(*len);
      if (!value || !r.skip(*align_up(r.pos(), 4) - r.pos())) {
        problem("property value runs past the structure block");
        break;
      }
      if (*nameoff >= strings.size()) {
        problem("property name offset lies outside the strings block");
        break;
      }
      if (!(image && depth == 3)) continue;
      ByteView rest = strings.subspan(*nameoff);
      const void* nul = std::memchr(rest.data(), 0, rest.size());
      if (nul == nullptr) {
        problem("property name is not terminated inside the strings block");
        break;
      }
      std::string_view pname(
          reinterpret_cast<const char*>(rest.data()),
          static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - rest.data()));
      if (pname == "data") {
        image->has_data = true;
        image->data_offset = h.off_struct + value_pos;
        image->data_len = *len;
      } else if (pname == "data-offset") {
        image->ext_offset = be32_value(*value);
      } else if (pname == "data-position") {
        image->ext_position = be32_value(*value);
      } else if (pname == "data-size") {
        image->ext_size = be32_value(*value);
      } else if (pname == "compression") {
        image->image.compression = string_value(*value);
      } else if (pname == "type") {
        image->image.type = string_value(*value);
      }
      continue;
    }
    problem(fmt::format("unknown token 0x{:x}", *tok));
    break;
  }
  return scan;
}

bool fdt_is_fit(ByteView data) {
  if (!load_be<std::uint32_t>(data, 0) || *load_be<std::uint32_t>(data, 0) != kFdtMagic)
    return false;
  auto scan = scan_fdt(data);
  return scan && scan->is_fit;
}

Kind fit_compression_kind(std::string_view c) {
  if (c == "gzip") return Kind::kGzip;
  if (c == "bzip2") return Kind::kBzip2;
  if (c == "lzma") return Kind::kLzma;
  if (c == "lz4") return Kind::kLz4;
  if (c == "zstd") return Kind::kZstd;
  return Kind::kUnknown;
}

namespace {

class FdtUnpacker final : public Unpacker {
 public:
  std::string_view id() const override { return "fdt"; }
  // A plain device tree opens to no children; accepting it keeps a DTB that identification
  // could not tell from a FIT on the same path.
  bool can_open(Kind kind) const override {
    return kind == Kind::kFit || kind == Kind::kDeviceTree;
  }
  Status open(const UnpackInput& in, Sink& sink) const override;
};

Status FdtUnpacker::open(const UnpackInput& in, Sink& sink) const {
  auto scan = scan_fdt(in.bytes);
  if (!scan) return std::move(scan).error();
  for (const auto& p : scan->problems) sink.diagnose(DiagLevel::kWarning, p);
  for (const auto& img : scan->images) {
    EntryMeta meta;
    meta.path = img.name.empty() ? std::string("image") : img.name;
    meta.kind_hint = fit_compression_kind(img.compression);
    if (!sink.add_slice(std::move(meta), img.offset, img.size)) break;
  }
  return {};
}

}  // namespace

// A valid header whose blob fits in the data and whose structure block walks to FDT_END: the
// magic is 4 bytes, so the walk is what rejects false hits. The length includes the external
// data of a FIT.
std::optional<ProbeResult> probe_fdt(ByteView data) {
  if (!load_be<std::uint32_t>(data, 0) || *load_be<std::uint32_t>(data, 0) != kFdtMagic)
    return std::nullopt;
  auto scan = scan_fdt(data);
  if (!scan || !scan->well_formed) return std::nullopt;
  // mkimage pads external data to 4 bytes; the padding belongs to the FIT when present.
  std::uint64_t len = scan->extent;
  if (len > scan->header.total_size && *align_up(len, 4) <= data.size()) len = *align_up(len, 4);
  return ProbeResult{scan->is_fit ? Kind::kFit : Kind::kDeviceTree, len};
}

std::unique_ptr<Unpacker> make_fdt_unpacker() { return std::make_unique<FdtUnpacker>(); }

}  // namespace assay::unpack
