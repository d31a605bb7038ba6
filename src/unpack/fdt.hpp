#pragma once
// Flattened device tree blobs (DTB, magic 0xd00dfeed, big-endian) and FIT images, which are DTBs
// whose /images node carries the images (kernel, ramdisk, device trees) either inline as `data`
// properties or after the blob (`data-offset`/`data-position` with `data-size`).
// Reference: the devicetree specification, chapter 5 (flattened format), and u-boot
// doc/usage/fit/source_file_format.rst.

#include <cstdint>
#include <string>
#include <vector>

#include "assay/kind.hpp"
#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::unpack {

inline constexpr std::uint32_t kFdtMagic = 0xd00dfeed;

struct FdtHeader {
  std::uint32_t total_size = 0;
  std::uint32_t off_struct = 0;
  std::uint32_t off_strings = 0;
  std::uint32_t off_mem_rsvmap = 0;
  std::uint32_t version = 0;
  std::uint32_t last_comp_version = 0;
  std::uint32_t boot_cpuid = 0;
  std::uint32_t size_strings = 0;
  std::uint32_t size_struct = 0;  ///< computed from the layout for version 16 blobs
};

/// Parses and validates the header at the start of `data`: version 16 or later, every block
/// inside `total_size`, and `total_size` inside `data`. Errors: kTruncated (data shorter than
/// the header or than total_size), kMalformed (magic, version, block offsets).
Result<FdtHeader> parse_fdt_header(ByteView data);

/// One image of a FIT (a subnode of /images).
struct FitImage {
  std::string name;          ///< node name ("kernel-1", "fdt@1")
  std::string type;          ///< `type` property ("kernel", "ramdisk", "flat_dt"), may be empty
  std::string compression;   ///< `compression` property ("gzip", "none"), may be empty
  std::uint64_t offset = 0;  ///< of the image bytes from the start of the FIT
  std::uint64_t size = 0;
  bool external = false;  ///< stored after the blob (data-offset / data-position)
};

struct FdtScan {
  FdtHeader header;
  bool is_fit = false;                ///< an /images node with at least one image with data
  bool well_formed = false;           ///< the structure block ends with FDT_END at depth 0
  std::vector<FitImage> images;       ///< in the order of the structure block
  std::uint64_t extent = 0;           ///< total_size, or the end of the furthest external image
  std::vector<std::string> problems;  ///< inconsistencies (bad token, image data out of range)
};

/// Validates the header and walks the structure block (iteratively, with a depth cap), collecting
/// the FIT images. External images that lie past `data` are listed in `problems`, not in `images`.
Result<FdtScan> scan_fdt(ByteView data);

/// True when `data` starts with a valid DTB that is a FIT image (see FdtScan::is_fit). Used by
/// identification to tell kFit from kDeviceTree.
bool fdt_is_fit(ByteView data);

/// The stream kind of a FIT `compression` value (gzip, bzip2, lzma, lz4, zstd); kUnknown otherwise.
Kind fit_compression_kind(std::string_view compression);

}  // namespace assay::unpack
