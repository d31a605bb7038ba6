// Android boot images ("ANDROID!", header versions 0-4) and vendor boot images ("VNDRBOOT",
// versions 3-4). Every section is a page-aligned plain range of the image, so children are
// zero-copy slices. The layout is computed from the sizes as AOSP's unpack_bootimg does; the
// offsets some headers store (recovery_dtbo_offset) are only cross-checked.
// Reference: AOSP system/tools/mkbootimg/include/bootimg/bootimg.h and unpack_bootimg.py.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "core/checked.hpp"
#include "unpack/unpackers.hpp"

namespace assay::unpack {
namespace {

constexpr std::string_view kBootMagic = "ANDROID!";
constexpr std::string_view kVendorMagic = "VNDRBOOT";
constexpr std::uint32_t kV3PageSize = 4096;  // fixed for boot header v3 and v4
// Flash page sizes in real images are 2048-16384; anything outside these bounds is not a
// header (old Samsung and QCOM images never go below 2048).
constexpr std::uint32_t kMinPageSize = 2048;
constexpr std::uint32_t kMaxPageSize = 1u << 17;
// Byte sizes of the fixed headers (bootimg.h): they decide how many pages the header takes.
constexpr std::uint64_t kVendorHeaderV3Size = 2112;
constexpr std::uint64_t kVendorHeaderV4Size = 2128;
// A v4 vendor ramdisk table entry is 108 bytes; real images carry a handful. The cap bounds the
// number of children a hostile table can produce.
constexpr std::uint64_t kVendorRamdiskEntryMin = 108;
constexpr std::uint64_t kMaxVendorRamdisks = 64;

struct Section {
  std::string name;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

struct Layout {
  std::uint32_t version = 0;
  std::uint32_t page_size = 0;
  bool vendor = false;
  std::vector<Section> sections;
  std::uint64_t end = 0;           // end of the last section, page aligned (may pass the data)
  std::vector<std::string> notes;  // inconsistencies found while computing the layout
};

bool valid_page_size(std::uint32_t p) {
  return p >= kMinPageSize && p <= kMaxPageSize && (p & (p - 1)) == 0;
}

// Appends sections in order, each starting on a page boundary after the previous one. Sizes are
// 32-bit, so at most a few dozen page-aligned adds of < 2^32 each: no 64-bit overflow.
class LayoutBuilder {
 public:
  LayoutBuilder(Layout& l, std::uint64_t start) : l_(l), pos_(start) {}
  void add(std::string name, std::uint64_t size) {
    if (size != 0) l_.sections.push_back({std::move(name), pos_, size});
    pos_ = *align_up(pos_ + size, l_.page_size);
  }
  /// Steps over a section that is reported otherwise.
  void skip(std::uint64_t size) { pos_ = *align_up(pos_ + size, l_.page_size); }
  std::uint64_t pos() const { return pos_; }

 private:
  Layout& l_;
  std::uint64_t pos_;
};

std::optional<Layout> boot_layout(ByteView data) {
  auto u32 = [&](std::uint64_t off) { return load_le<std::uint32_t>(data, off); };
  auto version = u32(40);
  if (!version) return std::nullopt;
  Layout l;
  l.version = *version;
  if (l.version == 3 || l.version == 4) {
    auto kernel = u32(8), ramdisk = u32(12);
    if (!ramdisk) return std::nullopt;
    l.page_size = kV3PageSize;
    LayoutBuilder b(l, kV3PageSize);
    b.add("kernel", *kernel);
    b.add("ramdisk", *ramdisk);
    if (l.version == 4) {
      auto sig = u32(1580);
      if (!sig) return std::nullopt;
      b.add("boot_signature", *sig);
    }
    l.end = b.pos();
    return l;
  }
  auto kernel = u32(8), ramdisk = u32(16), second = u32(24), page = u32(36);
  if (!page || !valid_page_size(*page)) return std::nullopt;
  l.page_size = *page;
  LayoutBuilder b(l, l.page_size);
  b.add("kernel", *kernel);
  b.add("ramdisk", *ramdisk);
  b.add("second", *second);
  if (l.version == 1 || l.version == 2) {
    auto dtbo = u32(1632);
    auto dtbo_off = load_le<std::uint64_t>(data, 1636);
    if (!dtbo || !dtbo_off) return std::nullopt;
    if (*dtbo != 0 && *dtbo_off != b.pos())
      l.notes.push_back(
          fmt::format("recovery_dtbo_offset {} differs from the computed {}", *dtbo_off, b.pos()));
    b.add("recovery_dtbo", *dtbo);
  }
  if (l.version == 2) {
    auto dtb = u32(1648);
    if (!dtb) return std::nullopt;
    b.add("dtb", *dtb);
  }
  if (l.version > 4) {
    // Pre-v1 vendor images (QCOM) store the size of a device tree table in this field.
    l.notes.push_back(
        fmt::format("header version field {} read as a v0 device tree size", l.version));
    b.add("dt", l.version);
    l.version = 0;
  }
  l.end = b.pos();
  return l;
}

std::optional<Layout> vendor_layout(ByteView data) {
  auto u32 = [&](std::uint64_t off) { return load_le<std::uint32_t>(data, off); };
  auto version = u32(8), page = u32(12), vramdisk = u32(24), dtb = u32(2100);
  if (!dtb || (*version != 3 && *version != 4) || !valid_page_size(*page)) return std::nullopt;
  Layout l;
  l.vendor = true;
  l.version = *version;
  l.page_size = *page;
  std::uint64_t header = l.version == 3 ? kVendorHeaderV3Size : kVendorHeaderV4Size;
  LayoutBuilder b(l, *align_up(header, l.page_size));
  std::uint64_t ramdisk_start = b.pos();
  if (l.version == 3) {
    b.add("vendor_ramdisk", *vramdisk);
    b.add("dtb", *dtb);
    l.end = b.pos();
    return l;
  }
  auto table_size = u32(2112), entries = u32(2116), entry_size = u32(2120), bootconfig = u32(2124);
  if (!bootconfig) return std::nullopt;
  b.skip(*vramdisk);  // reported per table entry below
  b.add("dtb", *dtb);
  std::uint64_t table_start = b.pos();
  b.add("vendor_ramdisk_table", *table_size);
  b.add("bootconfig", *bootconfig);
  l.end = b.pos();
  // Each table entry names a range inside the vendor ramdisk section.
  std::uint64_t n = *entries;
  if (*entry_size < kVendorRamdiskEntryMin) n = 0;
  n = clamp_count(n, *table_size, *entry_size, kMaxVendorRamdisks);
  if (n == 0 && *vramdisk != 0) l.sections.push_back({"vendor_ramdisk", ramdisk_start, *vramdisk});
  if (n < *entries)
    l.notes.push_back(
        fmt::format("vendor ramdisk table lists {} entries; {} are read", *entries, n));
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t e = table_start + i * *entry_size;
    auto size = u32(e), offset = u32(e + 4);
    ByteView name = slice(data, e + 12, 32);
    if (!offset || name.empty()) {
      l.notes.push_back("vendor ramdisk table runs past the end of the data");
      break;
    }
    if (std::uint64_t{*offset} + *size > *vramdisk) {
      l.notes.push_back(fmt::format("vendor ramdisk {} lies outside the ramdisk section", i));
      continue;
    }
    std::string_view nm = as_chars(name);
    nm = nm.substr(0, nm.find('\0'));
    std::string child =
        nm.empty() ? fmt::format("vendor_ramdisk-{}", i) : "vendor_ramdisk-" + std::string(nm);
    if (*size != 0) l.sections.push_back({std::move(child), ramdisk_start + *offset, *size});
  }
  return l;
}

std::optional<Layout> layout_of(ByteView data) {
  if (has_magic(data, 0, kBootMagic)) return boot_layout(data);
  if (has_magic(data, 0, kVendorMagic)) return vendor_layout(data);
  return std::nullopt;
}

class AndroidBootUnpacker final : public Unpacker {
 public:
  std::string_view id() const override { return "android-boot"; }
  bool can_open(Kind kind) const override { return kind == Kind::kAndroidBoot; }
  Status open(const UnpackInput& in, Sink& sink) const override;
};

Status AndroidBootUnpacker::open(const UnpackInput& in, Sink& sink) const {
  auto l = layout_of(in.bytes);
  if (!l)
    return make_error(Errc::kMalformed,
                      "not an Android boot image header (magic, version "
                      "or page size)");
  for (const auto& note : l->notes) sink.diagnose(DiagLevel::kWarning, note);
  const std::uint64_t size = in.bytes.size();
  for (const auto& s : l->sections) {
    std::uint64_t len = s.size;
    if (!fits(s.offset, len, size)) {
      sink.diagnose(DiagLevel::kError,
                    fmt::format("boot image section {} ({} bytes at {}) runs past the end of the "
                                "image ({} bytes)",
                                s.name, s.size, s.offset, size),
                    s.offset);
      if (s.offset >= size) continue;
      len = size - s.offset;
    }
    EntryMeta meta;
    meta.path = s.name;
    if (!sink.add_slice(std::move(meta), s.offset, len)) break;
  }
  return {};
}

}  // namespace

// The 8-byte magic plus a valid page size (or a known v3/v4 version) and a first section that
// starts inside the data. The length is the page-aligned end of the last section, cut to the data
// (the final section is often not padded).
std::optional<ProbeResult> probe_android_boot(ByteView data) {
  auto l = layout_of(data);
  if (!l || l->sections.empty() || l->sections.front().offset >= data.size()) return std::nullopt;
  std::uint64_t len = l->end < data.size() ? l->end : data.size();
  return ProbeResult{Kind::kAndroidBoot, len};
}

std::unique_ptr<Unpacker> make_android_boot_unpacker() {
  return std::make_unique<AndroidBootUnpacker>();
}

}  // namespace assay::unpack
