#pragma once
// JFFS2 on-disk structures: the common node header, directory-entry and inode nodes, and the
// per-node decompressors. Pure parsing over a ByteView; nothing here walks the log or builds the
// tree (src/unpack/jffs2.cpp does). JFFS2 is written in the CPU's byte order, so every field is
// read with the endianness detected from the first node's magic.
//
// References: the kernel's include/uapi/linux/jffs2.h (node layouts, JFFS2_COMPR_*),
// fs/jffs2/compr_*.c (decompressors), OpenWrt's jffs2 LZMA patch (LZMA parameters).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::jffs2 {

inline constexpr std::uint16_t kMagic = 0x1985;
/// Every node starts on a 4-byte boundary; totlen is padded up to it.
inline constexpr std::uint32_t kAlign = 4;

// Node type bits: the high two bits say what an unaware reader must do with an unknown type,
// JFFS2_NODE_ACCURATE is cleared in place when a node becomes obsolete.
inline constexpr std::uint16_t kFeatureMask = 0xC000;
inline constexpr std::uint16_t kFeatureIncompat = 0xC000;
inline constexpr std::uint16_t kFeatureRoCompat = 0x8000;
inline constexpr std::uint16_t kNodeAccurate = 0x2000;
inline constexpr std::uint16_t kTypeDirent = 0xE001;
inline constexpr std::uint16_t kTypeInode = 0xE002;
inline constexpr std::uint16_t kTypeCleanmarker = 0x2003;
inline constexpr std::uint16_t kTypePadding = 0x2004;
inline constexpr std::uint16_t kTypeSummary = 0x2006;
inline constexpr std::uint16_t kTypeXattr = 0xE008;
inline constexpr std::uint16_t kTypeXref = 0xE009;

inline constexpr std::uint32_t kHeaderSize = 12;
inline constexpr std::uint32_t kDirentSize = 40;  // without the name
inline constexpr std::uint32_t kInodeSize = 68;   // without the data

/// JFFS2_COMPR_* values of jffs2_raw_inode.compr.
enum class Compr : std::uint8_t {
  kNone = 0,
  kZero = 1,
  kRtime = 2,
  kRubinMips = 3,
  kCopy = 4,
  kDynRubin = 5,
  kZlib = 6,
  kLzo = 7,
  kLzma = 8,
};
const char* compr_name(std::uint8_t compr) noexcept;

/// The kernel's crc32(0, ...): the reflected CRC-32 polynomial without the pre- and
/// post-inversion zlib applies.
std::uint32_t crc(ByteView data) noexcept;

/// The 12-byte header every node starts with.
struct NodeHeader {
  std::uint16_t magic = 0;
  std::uint16_t type = 0;
  std::uint32_t totlen = 0;
  std::uint32_t hdr_crc = 0;
  bool crc_ok = false;
};
/// Reads a node header at `offset`; nullopt when fewer than 12 bytes remain.
std::optional<NodeHeader> read_header(ByteView data, std::uint64_t offset, Endian e) noexcept;
/// True when a valid node header (magic and header CRC) starts at `offset`.
bool valid_header_at(ByteView data, std::uint64_t offset, Endian e) noexcept;

/// jffs2_raw_dirent, without the header fields.
struct Dirent {
  std::uint32_t pino = 0;
  std::uint32_t version = 0;
  std::uint32_t ino = 0;  ///< 0: this dirent deletes the name
  std::uint32_t mctime = 0;
  std::uint8_t type = 0;  ///< DT_* of the target
  std::string name;
  bool node_crc_ok = false;
  bool name_crc_ok = false;
};
/// Parses a dirent node whose totlen bytes are `node`. Errors: kTruncated when the node is
/// shorter than its fixed part or its name.
Result<Dirent> parse_dirent(ByteView node, Endian e);

/// jffs2_raw_inode, without the header fields; `data` is the compressed payload.
struct Inode {
  std::uint32_t ino = 0;
  std::uint32_t version = 0;
  std::uint32_t mode = 0;
  std::uint16_t uid = 0;
  std::uint16_t gid = 0;
  std::uint32_t isize = 0;
  std::uint32_t mtime = 0;
  std::uint32_t offset = 0;  ///< where this node's data goes in the file
  std::uint32_t csize = 0;
  std::uint32_t dsize = 0;
  std::uint8_t compr = 0;
  std::uint32_t data_crc = 0;
  bool node_crc_ok = false;
  bool data_crc_ok = false;
  ByteView data;
};
/// Parses an inode node whose totlen bytes are `node`. Errors: kTruncated when the node is
/// shorter than its fixed part or its csize.
Result<Inode> parse_inode(ByteView node, Endian e);

/// Decompresses one node's payload into exactly `dsize` bytes. Errors: kUnsupported for the
/// rubin compressors and unknown values, kMalformed when the stream is corrupt or does not
/// produce `dsize` bytes.
Result<std::vector<std::uint8_t>> decompress(std::uint8_t compr, ByteView in, std::uint32_t dsize);

}  // namespace assay::jffs2
