#pragma once
// cramfs on-disk structures: the 76-byte superblock and the 12-byte inode with its bit fields.
// cramfs is written in the byte order of the host that built it (MIPS routers: big-endian), and
// the bit fields follow that host's allocation order, so a big-endian inode is not a byte-swapped
// little-endian one. Pure parsing; src/unpack/cramfs.cpp walks the tree.
//
// Reference: the kernel's include/uapi/linux/cramfs_fs.h and fs/cramfs/inode.c, util-linux
// disk-utils/cramfs_common.c (big-endian layout).

#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.hpp"

namespace assay::cramfs {

inline constexpr std::uint32_t kMagic = 0x28CD3D45;
inline constexpr std::string_view kSignature = "Compressed ROMFS";
inline constexpr std::uint32_t kSuperSize = 76;
inline constexpr std::uint32_t kInodeSize = 12;
inline constexpr std::uint32_t kCrcOffset = 32;  // fsid.crc
/// mkfs.cramfs -p leaves this much room for a boot loader before the superblock.
inline constexpr std::uint32_t kPadding = 512;

inline constexpr std::uint32_t kFlagFsidV2 = 0x1;
inline constexpr std::uint32_t kFlagSortedDirs = 0x2;
inline constexpr std::uint32_t kFlagHoles = 0x100;
inline constexpr std::uint32_t kFlagWrongSignature = 0x200;
inline constexpr std::uint32_t kFlagShiftedRootOffset = 0x400;
inline constexpr std::uint32_t kFlagExtBlockPointers = 0x800;
/// What the kernel accepts (CRAMFS_SUPPORTED_FLAGS).
inline constexpr std::uint32_t kFlagsSupported = 0xFF | kFlagHoles | kFlagWrongSignature |
                                                 kFlagShiftedRootOffset | kFlagExtBlockPointers;

// Extended block pointers (CRAMFS_FLAG_EXT_BLOCK_POINTERS).
inline constexpr std::uint32_t kBlkUncompressed = 1u << 31;
inline constexpr std::uint32_t kBlkDirect = 1u << 30;
inline constexpr std::uint32_t kBlkFlags = kBlkUncompressed | kBlkDirect;
inline constexpr std::uint32_t kBlkDirectShift = 2;

struct Inode {
  std::uint32_t mode = 0;     // 16 bits
  std::uint32_t uid = 0;      // 16 bits
  std::uint32_t size = 0;     // 24 bits; the device number for devices
  std::uint32_t gid = 0;      // 8 bits
  std::uint32_t namelen = 0;  // in bytes (stored in 4-byte units)
  std::uint64_t offset = 0;   // in bytes (stored in 4-byte units)
};

/// Decodes the 12 bytes at `p` (caller checked the bounds).
inline Inode decode_inode(const std::uint8_t* p, Endian e) noexcept {
  std::uint32_t w0 = load_unchecked<std::uint32_t>(p, e);
  std::uint32_t w1 = load_unchecked<std::uint32_t>(p + 4, e);
  std::uint32_t w2 = load_unchecked<std::uint32_t>(p + 8, e);
  Inode n;
  if (e == Endian::kLittle) {  // fields from the low bits up
    n.mode = w0 & 0xFFFF;
    n.uid = w0 >> 16;
    n.size = w1 & 0xFFFFFF;
    n.gid = w1 >> 24;
    n.namelen = (w2 & 0x3F) * 4;
    n.offset = std::uint64_t{w2 >> 6} * 4;
  } else {  // fields from the high bits down
    n.mode = w0 >> 16;
    n.uid = w0 & 0xFFFF;
    n.size = w1 >> 8;
    n.gid = w1 & 0xFF;
    n.namelen = (w2 >> 26) * 4;
    n.offset = std::uint64_t{w2 & 0x3FFFFFF} * 4;
  }
  return n;
}

struct Super {
  Endian endian = Endian::kLittle;
  std::uint32_t size = 0;
  std::uint32_t flags = 0;
  std::uint32_t crc = 0;
  std::uint32_t edition = 0;
  std::uint32_t blocks = 0;
  std::uint32_t files = 0;
  std::string name;
  Inode root;
};

/// Parses a superblock at the start of `data`: magic in either byte order and the signature.
inline std::optional<Super> parse_super(ByteView data) noexcept {
  if (data.size() < kSuperSize) return std::nullopt;
  Super s;
  if (load_unchecked<std::uint32_t>(data.data(), Endian::kLittle) == kMagic)
    s.endian = Endian::kLittle;
  else if (load_unchecked<std::uint32_t>(data.data(), Endian::kBig) == kMagic)
    s.endian = Endian::kBig;
  else
    return std::nullopt;
  if (!has_magic(data, 16, kSignature)) return std::nullopt;
  const std::uint8_t* p = data.data();
  s.size = load_unchecked<std::uint32_t>(p + 4, s.endian);
  s.flags = load_unchecked<std::uint32_t>(p + 8, s.endian);
  s.crc = load_unchecked<std::uint32_t>(p + 32, s.endian);
  s.edition = load_unchecked<std::uint32_t>(p + 36, s.endian);
  s.blocks = load_unchecked<std::uint32_t>(p + 40, s.endian);
  s.files = load_unchecked<std::uint32_t>(p + 44, s.endian);
  std::string_view name = as_chars(data.subspan(48, 16));
  s.name.assign(name.substr(0, name.find('\0')));
  s.root = decode_inode(p + 64, s.endian);
  return s;
}

}  // namespace assay::cramfs
