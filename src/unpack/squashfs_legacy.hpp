#pragma once
// SquashFS 1.x, 2.x and 3.x, both byte orders, as vendors shipped them (zlib or one of the LZMA
// variants of the Broadcom / OpenWrt / DD-WRT era). libsquashfs and stock unsquashfs only read
// 4.0, so these images are read here, by hand, over the in-memory bytes.
//
// Internal to src/unpack: squashfs.cpp dispatches to it and owns the probe and the signatures.

#include <cstdint>
#include <optional>

#include "assay/result.hpp"
#include "core/bytes.hpp"
#include "unpack/unpacker.hpp"

namespace assay::unpack::squashfs_legacy {

/// The superblock fields every version shares, normalised (absolute offsets, 64-bit).
struct Super {
  Endian endian = Endian::kLittle;
  std::uint16_t major = 0;
  std::uint16_t minor = 0;
  std::uint32_t inodes = 0;
  std::uint32_t block_size = 0;
  std::uint16_t block_log = 0;
  std::uint8_t flags = 0;
  std::uint8_t no_uids = 0;
  std::uint8_t no_guids = 0;
  std::uint32_t mkfs_time = 0;
  std::uint64_t root_inode = 0;
  std::uint32_t fragments = 0;
  std::uint64_t bytes_used = 0;
  std::uint64_t uid_start = 0;
  std::uint64_t guid_start = 0;
  std::uint64_t inode_table_start = 0;
  std::uint64_t directory_table_start = 0;
  std::uint64_t fragment_table_start = 0;
  bool lzma_magic = false;  ///< a vendor magic that says "LZMA" ("shsq", "qshs", "sqlz")
};

/// Parses and validates a 1.x-3.x superblock at the start of `data`. `data` may be shorter than
/// bytes_used (a truncated image still parses; the probe checks the length itself).
std::optional<Super> parse_super(ByteView data);

/// Reports every member of the image to `sink`. Errors in single inodes, directories or blocks
/// become diagnostics; an Error means the tree could not be read at all.
Status unpack(ByteView data, const Super& super, Sink& sink);

}  // namespace assay::unpack::squashfs_legacy
