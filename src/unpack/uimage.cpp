// U-Boot legacy images (uImage). The payload is a plain range of the file, so every child is a
// zero-copy slice; the declared compression becomes the child's kind hint and the engine
// decompresses it. Multi-file images (IH_TYPE_MULTI, and scripts, which share the layout) carry
// a table of big-endian sizes ended by 0, each sub-image padded to 4 bytes.
#include "unpack/uimage.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <array>
#include <cstring>
#include <string>

#include "core/checked.hpp"
#include "core/reader.hpp"
#include "unpack/unpackers.hpp"

namespace assay::unpack {
namespace {

// u-boot's image_multi_count() has no limit; real multi images hold 2-4 parts (kernel, ramdisk,
// device tree). 256 is far beyond that and keeps a hostile table from producing many nodes.
constexpr std::size_t kMaxMultiImages = 256;

// clang-format off
constexpr std::array<std::string_view, 29> kOsNames = {
    "invalid", "openbsd", "netbsd", "freebsd", "4_4bsd", "linux", "svr4", "esix", "solaris",
    "irix", "sco", "dell", "ncr", "lynxos", "vxworks", "psos", "qnx", "u-boot", "rtems", "artos",
    "unity", "integrity", "ose", "plan9", "openrtos", "arm-trusted-firmware", "tee", "opensbi",
    "efi"};
// clang-format on
constexpr std::array<std::string_view, 27> kArchNames = {
    "invalid", "alpha",   "arm",     "x86",  "ia64",  "mips",       "mips64", "powerpc",  "s390",
    "sh",      "sparc",   "sparc64", "m68k", "nios",  "microblaze", "nios2",  "blackfin", "avr32",
    "st200",   "sandbox", "nds32",   "or1k", "arm64", "arc",        "x86_64", "xtensa",   "riscv"};
constexpr std::array<std::string_view, 37> kTypeNames = {
    "invalid",     "standalone",   "kernel",        "ramdisk",      "multi",      "firmware",
    "script",      "filesystem",   "flat_dt",       "kwbimage",     "imximage",   "ublimage",
    "omapimage",   "aisimage",     "kernel_noload", "pblimage",     "mxsimage",   "gpimage",
    "atmelimage",  "socfpgaimage", "x86_setup",     "lpc32xximage", "loadable",   "rkimage",
    "rksd",        "rkspi",        "zynqimage",     "zynqmpimage",  "zynqmpbif",  "fpga",
    "vybridimage", "tee",          "firmware_ivt",  "pmmc",         "stm32image", "socfpgaimage_v1",
    "mtk_image"};
constexpr std::array<std::string_view, 7> kCompNames = {"none", "gzip", "bzip2", "lzma",
                                                        "lzo",  "lz4",  "zstd"};

template <std::size_t N>
std::string table_name(const std::array<std::string_view, N>& table, std::uint8_t v) {
  if (v < N) return std::string(table[v]);
  return "unknown-" + std::to_string(v);
}

std::string hex32(std::uint32_t v) { return fmt::format("0x{:08x}", v); }

std::uint32_t crc32_of(ByteView data) {
  return static_cast<std::uint32_t>(::crc32_z(0L, data.data(), data.size()));
}

// A member name from the 32-byte image name: printable, no path separators, not a dot name.
std::string child_name(std::string_view image_name) {
  std::string out;
  for (char c : image_name) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '-' || c == '_' || c == '+';
    out.push_back(keep ? c : '_');
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  while (!out.empty() && out.front() == '_') out.erase(out.begin());
  if (out.empty() || out.find_first_not_of('.') == std::string::npos) return "payload";
  return out;
}

class UImageUnpacker final : public Unpacker {
 public:
  std::string_view id() const override { return "uimage"; }
  bool can_open(Kind kind) const override { return kind == Kind::kUImage; }
  Status open(const UnpackInput& in, Sink& sink) const override;

 private:
  static void open_multi(const UImageHeader& h, ByteView payload, Sink& sink);
};

Status UImageUnpacker::open(const UnpackInput& in, Sink& sink) const {
  auto parsed = parse_uimage_header(in.bytes);
  if (!parsed) return std::move(parsed).error();
  const UImageHeader& h = *parsed;
  if (!h.header_crc_ok)
    sink.diagnose(DiagLevel::kWarning,
                  "uImage header CRC mismatch (stored " + hex32(h.header_crc) + ")", 4);

  std::uint64_t avail = in.bytes.size() - kUImageHeaderSize;
  std::uint64_t size = h.data_size;
  if (size > avail) {
    sink.diagnose(DiagLevel::kError,
                  "uImage payload truncated: header declares " + std::to_string(h.data_size) +
                      " bytes, " + std::to_string(avail) + " present",
                  kUImageHeaderSize);
    size = avail;
  } else if (size < avail) {
    sink.diagnose(DiagLevel::kInfo,
                  std::to_string(avail - size) + " byte(s) after the uImage payload",
                  kUImageHeaderSize + size);
  }
  ByteView payload = in.bytes.subspan(kUImageHeaderSize, static_cast<std::size_t>(size));
  if (size == h.data_size) {
    std::uint32_t crc = crc32_of(payload);
    if (crc != h.data_crc)
      sink.diagnose(DiagLevel::kWarning,
                    "uImage data CRC mismatch (stored " + hex32(h.data_crc) + ", computed " +
                        hex32(crc) + ")",
                    kUImageHeaderSize);
  }

  if (h.type == kUImageTypeMulti || h.type == kUImageTypeScript) {
    open_multi(h, payload, sink);
    return {};
  }
  EntryMeta meta;
  meta.path = child_name(h.name);
  meta.mtime = h.time;
  meta.kind_hint = h.comp_kind();
  sink.add_slice(std::move(meta), kUImageHeaderSize, size);
  return {};
}

void UImageUnpacker::open_multi(const UImageHeader& h, ByteView payload, Sink& sink) {
  Reader r(payload, Endian::kBig);
  std::array<std::uint32_t, kMaxMultiImages> sizes{};
  std::size_t count = 0;
  bool terminated = false;
  while (count < kMaxMultiImages) {
    auto v = r.read<std::uint32_t>();
    if (!v) break;
    if (*v == 0) {
      terminated = true;
      break;
    }
    sizes[count++] = *v;
  }
  std::size_t dropped = 0;
  // Past the cap the table is only skipped, to find where the data starts.
  while (!terminated) {
    auto v = r.read<std::uint32_t>();
    if (!v) break;
    if (*v == 0)
      terminated = true;
    else
      ++dropped;
  }
  if (!terminated) {
    sink.diagnose(DiagLevel::kError, "uImage multi-file size table is not terminated",
                  kUImageHeaderSize);
    return;  // the data area cannot be located
  }
  if (dropped != 0)
    sink.diagnose(DiagLevel::kWarning,
                  "uImage multi-file table lists " + std::to_string(count + dropped) +
                      " images; only the first " + std::to_string(kMaxMultiImages) +
                      " are extracted",
                  kUImageHeaderSize);
  std::uint64_t pos = r.pos();
  for (std::size_t i = 0; i < count; ++i) {
    std::uint64_t len = sizes[i];
    if (!fits(pos, len, payload.size())) {
      sink.diagnose(DiagLevel::kError,
                    "uImage sub-image " + std::to_string(i) + " (" + std::to_string(len) +
                        " bytes) runs past the end of the payload",
                    kUImageHeaderSize + pos);
      len = payload.size() - pos;
      if (len == 0) return;
    }
    EntryMeta meta;
    meta.path = "image-" + std::to_string(i);
    meta.mtime = h.time;
    // u-boot decompresses only the first part (the kernel) according to ih_comp; the others
    // (ramdisk, device tree) are loaded as they are.
    if (i == 0 && h.type == kUImageTypeMulti) meta.kind_hint = h.comp_kind();
    if (!sink.add_slice(std::move(meta), kUImageHeaderSize + pos, len)) return;
    auto next = align_up(pos + len, 4);  // pos + len <= payload size: no overflow
    if (!next || *next > payload.size()) return;
    pos = *next;
  }
}

}  // namespace

Result<UImageHeader> parse_uimage_header(ByteView data) {
  if (data.size() < kUImageHeaderSize)
    return make_error(Errc::kTruncated, "uImage header needs 64 bytes");
  Reader r(data, Endian::kBig);
  UImageHeader h;
  ASSAY_TRY(std::uint32_t magic, r.read<std::uint32_t>());
  if (magic != kUImageMagic) return make_error(Errc::kMalformed, "not a uImage (bad magic)");
  ASSAY_TRY(h.header_crc, r.read<std::uint32_t>());
  ASSAY_TRY(h.time, r.read<std::uint32_t>());
  ASSAY_TRY(h.data_size, r.read<std::uint32_t>());
  ASSAY_TRY(h.load_address, r.read<std::uint32_t>());
  ASSAY_TRY(h.entry_point, r.read<std::uint32_t>());
  ASSAY_TRY(h.data_crc, r.read<std::uint32_t>());
  ASSAY_TRY(h.os, r.read<std::uint8_t>());
  ASSAY_TRY(h.arch, r.read<std::uint8_t>());
  ASSAY_TRY(h.type, r.read<std::uint8_t>());
  ASSAY_TRY(h.comp, r.read<std::uint8_t>());
  ASSAY_TRY(ByteView name, r.bytes(32));
  std::string_view n = as_chars(name);
  h.name = std::string(n.substr(0, n.find('\0')));

  std::array<std::uint8_t, kUImageHeaderSize> copy{};
  std::memcpy(copy.data(), data.data(), kUImageHeaderSize);
  std::memset(copy.data() + 4, 0, 4);
  h.header_crc_ok = crc32_of(ByteView(copy.data(), copy.size())) == h.header_crc;
  return h;
}

std::string UImageHeader::os_name() const { return table_name(kOsNames, os); }
std::string UImageHeader::arch_name() const { return table_name(kArchNames, arch); }
std::string UImageHeader::type_name() const { return table_name(kTypeNames, type); }
std::string UImageHeader::comp_name() const { return table_name(kCompNames, comp); }

Kind UImageHeader::comp_kind() const {
  switch (comp) {
    case 1:
      return Kind::kGzip;
    case 2:
      return Kind::kBzip2;
    case 3:
      return Kind::kLzma;
    case 5:
      return Kind::kLz4;
    case 6:
      return Kind::kZstd;
    default:
      return Kind::kUnknown;
  }
}

// A valid header CRC makes the structure real; the length is the declared one, cut to what is
// present (a truncated payload is still reported, by the unpacker).
std::optional<ProbeResult> probe_uimage(ByteView data) {
  if (data.size() < kUImageHeaderSize || load_be<std::uint32_t>(data, 0) != kUImageMagic)
    return std::nullopt;
  auto h = parse_uimage_header(data);
  if (!h || !h->header_crc_ok) return std::nullopt;
  std::uint64_t len = kUImageHeaderSize + std::uint64_t{h->data_size};
  if (len > data.size()) len = data.size();
  return ProbeResult{Kind::kUImage, len};
}

std::unique_ptr<Unpacker> make_uimage_unpacker() { return std::make_unique<UImageUnpacker>(); }

}  // namespace assay::unpack
