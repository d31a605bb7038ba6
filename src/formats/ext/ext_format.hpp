#pragma once
// ext2/ext3/ext4 on-disk structures: the superblock, group descriptors, inodes, directory entries,
// extent nodes and in-inode extended attributes. Pure parsing over a ByteView (the whole image),
// little-endian throughout; nothing here walks the tree or allocates from input-controlled counts.
//
// References: the kernel's Documentation/filesystems/ext4/ (ondisk layout) and fs/ext4/ext4.h.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::ext {

inline constexpr std::uint64_t kSuperblockOffset = 1024;
inline constexpr std::uint64_t kMagicOffset = kSuperblockOffset + 0x38;  // 1080
inline constexpr std::uint16_t kMagic = 0xEF53;
inline constexpr std::uint32_t kRootInode = 2;

// s_feature_incompat bits.
inline constexpr std::uint32_t kIncompatCompression = 0x1;
inline constexpr std::uint32_t kIncompatFiletype = 0x2;
inline constexpr std::uint32_t kIncompatRecover = 0x4;
inline constexpr std::uint32_t kIncompatJournalDev = 0x8;
inline constexpr std::uint32_t kIncompatMetaBg = 0x10;
inline constexpr std::uint32_t kIncompatExtents = 0x40;
inline constexpr std::uint32_t kIncompat64Bit = 0x80;
inline constexpr std::uint32_t kIncompatMmp = 0x100;
inline constexpr std::uint32_t kIncompatFlexBg = 0x200;
inline constexpr std::uint32_t kIncompatEaInode = 0x400;
inline constexpr std::uint32_t kIncompatDirData = 0x1000;
inline constexpr std::uint32_t kIncompatCsumSeed = 0x2000;
inline constexpr std::uint32_t kIncompatLargeDir = 0x4000;
inline constexpr std::uint32_t kIncompatInlineData = 0x8000;
inline constexpr std::uint32_t kIncompatEncrypt = 0x10000;
inline constexpr std::uint32_t kIncompatCasefold = 0x20000;
/// Every incompat bit the kernel defines (as of 6.x); anything else is not an ext file system we
/// know, so the probe refuses it.
inline constexpr std::uint32_t kIncompatKnown =
    kIncompatCompression | kIncompatFiletype | kIncompatRecover | kIncompatJournalDev |
    kIncompatMetaBg | kIncompatExtents | kIncompat64Bit | kIncompatMmp | kIncompatFlexBg |
    kIncompatEaInode | kIncompatDirData | kIncompatCsumSeed | kIncompatLargeDir |
    kIncompatInlineData | kIncompatEncrypt | kIncompatCasefold;

// s_feature_ro_compat bits.
inline constexpr std::uint32_t kRoCompatSparseSuper = 0x1;
inline constexpr std::uint32_t kRoCompatHugeFile = 0x8;
inline constexpr std::uint32_t kRoCompatBigalloc = 0x200;

// i_flags bits.
inline constexpr std::uint32_t kInodeFlagIndex = 0x1000;
inline constexpr std::uint32_t kInodeFlagHugeFile = 0x40000;
inline constexpr std::uint32_t kInodeFlagExtents = 0x80000;
inline constexpr std::uint32_t kInodeFlagInlineData = 0x10000000;

// i_mode file types.
inline constexpr std::uint16_t kModeTypeMask = 0xF000;
inline constexpr std::uint16_t kModeFifo = 0x1000;
inline constexpr std::uint16_t kModeChar = 0x2000;
inline constexpr std::uint16_t kModeDir = 0x4000;
inline constexpr std::uint16_t kModeBlock = 0x6000;
inline constexpr std::uint16_t kModeFile = 0x8000;
inline constexpr std::uint16_t kModeSymlink = 0xA000;
inline constexpr std::uint16_t kModeSocket = 0xC000;

/// i_block: 15 32-bit words (block map, extent root, fast symlink target or inline data).
inline constexpr std::size_t kIBlockBytes = 60;
inline constexpr std::size_t kDirectBlocks = 12;

/// Extent tree depth the kernel allows (EXT4_MAX_EXTENT_DEPTH); deeper trees are corrupt.
inline constexpr std::uint16_t kMaxExtentDepth = 5;
inline constexpr std::uint16_t kExtentMagic = 0xF30A;
/// ee_len above this marks an uninitialized (preallocated) extent that reads as zeros.
inline constexpr std::uint16_t kExtentInitMaxLen = 32768;

/// The superblock fields the reader uses, validated.
struct Superblock {
  std::uint64_t block_size = 0;
  std::uint64_t cluster_size = 0;
  std::uint64_t blocks_count = 0;
  std::uint64_t first_data_block = 0;
  std::uint64_t blocks_per_group = 0;
  std::uint64_t group_count = 0;
  std::uint32_t inodes_count = 0;
  std::uint32_t inodes_per_group = 0;
  std::uint32_t inode_size = 0;
  std::uint32_t desc_size = 0;
  std::uint32_t first_meta_bg = 0;
  std::uint32_t rev_level = 0;
  std::uint32_t feature_compat = 0;
  std::uint32_t feature_incompat = 0;
  std::uint32_t feature_ro_compat = 0;
  std::string volume_name;

  bool has_incompat(std::uint32_t f) const noexcept { return (feature_incompat & f) != 0; }
  bool has_ro_compat(std::uint32_t f) const noexcept { return (feature_ro_compat & f) != 0; }
  /// blocks_count * block_size: the image size the superblock declares (checked at parse time).
  std::uint64_t image_bytes() const noexcept { return blocks_count * block_size; }
};

/// Reads and validates the superblock of an image starting at `data[0]`. kMalformed names the
/// first inconsistent field; kTruncated when the superblock itself is cut.
Result<Superblock> parse_superblock(ByteView data);

/// Block number of the inode table of `group`, read from its group descriptor (32- or 64-bit,
/// classic or meta_bg layout). kTruncated when the descriptor lies outside the image.
Result<std::uint64_t> inode_table_block(ByteView data, const Superblock& sb, std::uint64_t group);

/// The fields of one inode the reader uses.
struct Inode {
  std::uint32_t number = 0;
  std::uint16_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::int64_t mtime = 0;
  std::uint64_t size = 0;
  std::uint16_t links = 0;
  std::uint32_t flags = 0;
  std::uint64_t blocks = 0;    ///< i_blocks, raw (512-byte units, or fs blocks with HUGE_FILE)
  std::uint64_t file_acl = 0;  ///< block of the external xattr block, 0 when none
  std::array<std::uint8_t, kIBlockBytes> i_block{};
  ByteView raw;  ///< the whole on-disk inode record (inode_size bytes), for in-inode xattrs

  std::uint16_t type() const noexcept { return mode & kModeTypeMask; }
  std::uint32_t i_block_word(std::size_t i) const noexcept {
    return load_unchecked<std::uint32_t>(i_block.data() + i * 4, Endian::kLittle);
  }
};

/// Reads inode `number` (1-based). kMalformed for a number outside the file system, kTruncated
/// when its inode table lies outside the image.
Result<Inode> read_inode(ByteView data, const Superblock& sb, std::uint32_t number);

/// The value of the in-inode extended attribute `name_index`/`name` (e.g. 7/"data" for
/// system.data, which holds inline data past the first 60 bytes). nullopt when absent; the view
/// is bounded by the inode record.
std::optional<ByteView> find_inode_xattr(const Superblock& sb, const Inode& inode,
                                         std::uint8_t name_index, std::string_view name);

/// One directory entry as stored.
struct DirEntry {
  std::uint32_t inode = 0;
  std::uint8_t file_type = 0;  ///< 0 unknown, 1 file, 2 dir, 3 chr, 4 blk, 5 fifo, 6 sock, 7 link
  std::string_view name;       ///< a view into the directory block
};

/// Iterates the linear directory entries of one block (or inline-data area). `next` returns the
/// next entry with a non-zero inode, nullopt at the end; a malformed record (rec_len too small,
/// misaligned or past the block, name longer than the record) ends the iteration and sets error().
class DirentCursor {
 public:
  DirentCursor(ByteView block, const Superblock& sb) noexcept;
  std::optional<DirEntry> next() noexcept;
  const std::string& error() const noexcept { return error_; }
  std::uint64_t error_offset() const noexcept { return error_offset_; }

 private:
  ByteView block_;
  std::uint64_t block_size_;
  bool filetype_;
  std::uint64_t pos_ = 0;
  std::string error_;
  std::uint64_t error_offset_ = 0;
};

/// An extent node header (12 bytes) checked against the space it lives in.
struct ExtentHeader {
  std::uint16_t entries = 0;
  std::uint16_t depth = 0;
};
/// Parses and checks an extent node (magic, entries <= max, entries fit `node`, depth cap).
Result<ExtentHeader> parse_extent_header(ByteView node);

/// Old (8-bit) and new (12/20-bit) device number encodings in i_block.
void decode_device(const Inode& inode, std::uint32_t& major, std::uint32_t& minor) noexcept;

}  // namespace assay::ext
