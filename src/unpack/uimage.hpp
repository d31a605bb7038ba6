#pragma once
// U-Boot legacy image ("uImage") header: 64 bytes, big-endian, magic 0x27051956, followed by
// `data_size` bytes of payload. Exposed beside the unpacker so analyzers can report the fields.
// Reference: u-boot include/image.h (struct legacy_img_hdr, IH_OS_*, IH_ARCH_*, IH_TYPE_*,
// IH_COMP_*).

#include <cstdint>
#include <string>
#include <string_view>

#include "assay/kind.hpp"
#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::unpack {

inline constexpr std::uint32_t kUImageMagic = 0x27051956;
inline constexpr std::size_t kUImageHeaderSize = 64;

/// IH_TYPE values that matter to unpacking (the rest are reported by number and name).
inline constexpr std::uint8_t kUImageTypeMulti = 4;
inline constexpr std::uint8_t kUImageTypeScript = 6;

struct UImageHeader {
  std::uint32_t header_crc = 0;  ///< as stored
  std::uint32_t time = 0;        ///< seconds since the epoch
  std::uint32_t data_size = 0;   ///< payload bytes after the header
  std::uint32_t load_address = 0;
  std::uint32_t entry_point = 0;
  std::uint32_t data_crc = 0;  ///< as stored (zlib crc32 of the payload)
  std::uint8_t os = 0;
  std::uint8_t arch = 0;
  std::uint8_t type = 0;
  std::uint8_t comp = 0;
  std::string name;            ///< up to 32 bytes, cut at the first NUL, raw bytes
  bool header_crc_ok = false;  ///< crc32 of the header with the CRC field zeroed matches

  /// u-boot's short names ("linux", "arm", "kernel", "gzip"); "unknown-N" for other values.
  std::string os_name() const;
  std::string arch_name() const;
  std::string type_name() const;
  std::string comp_name() const;
  /// The stream kind of IH_COMP (kGzip, kBzip2, kLzma, kLz4, kZstd); kUnknown for none, lzo and
  /// unknown values (Assay has no lzo kind).
  Kind comp_kind() const;
};

/// Parses the 64-byte header at the start of `data`. Errors: kTruncated when fewer than 64
/// bytes, kMalformed when the magic is wrong. A wrong header CRC is not an error here (see
/// header_crc_ok): the caller decides whether to trust such a header.
Result<UImageHeader> parse_uimage_header(ByteView data);

}  // namespace assay::unpack
