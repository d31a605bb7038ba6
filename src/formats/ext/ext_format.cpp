#include "formats/ext/ext_format.hpp"

#include <fmt/format.h>

#include <cstring>

#include "core/checked.hpp"

namespace assay::ext {
namespace {

// The superblock is 1024 bytes; every field we read lies in its first 0x160 bytes.
constexpr std::uint64_t kSuperblockBytes = 1024;
// log2(block size) - 10: the kernel supports 1 KiB .. 64 KiB blocks.
constexpr std::uint32_t kMaxLogBlockSize = 6;
// Cluster/block ratio of bigalloc: mke2fs caps it at 2^16 (s_log_cluster_size - s_log_block_size).
constexpr std::uint32_t kMaxLogClusterRatio = 16;
constexpr std::uint32_t kGoodOldInodeSize = 128;
// xattr header of the in-inode area (ibody): 0xEA020000.
constexpr std::uint32_t kXattrMagic = 0xEA020000;
constexpr std::uint64_t kXattrEntryHeader = 16;

Error malformed(std::string msg) { return make_error(Errc::kMalformed, std::move(msg)); }

bool is_power_of_two(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// sparse_super keeps superblock (and descriptor) backups only in groups 0, 1 and powers of 3, 5, 7.
bool is_power_of(std::uint64_t g, std::uint64_t base) {
  if (g < base) return g == 1;
  while (g % base == 0) g /= base;
  return g == 1;
}
bool group_has_super(const Superblock& sb, std::uint64_t group) {
  if (!sb.has_ro_compat(kRoCompatSparseSuper)) return true;
  if (group <= 1) return true;
  return is_power_of(group, 3) || is_power_of(group, 5) || is_power_of(group, 7);
}

}  // namespace

Result<Superblock> parse_superblock(ByteView data) {
  if (!fits(kSuperblockOffset, kSuperblockBytes, data.size()))
    return make_error(Errc::kTruncated, "ext superblock: the image ends before byte 2048");
  ByteView s = data.subspan(kSuperblockOffset, kSuperblockBytes);
  auto u32 = [&](std::size_t off) { return load_unchecked<std::uint32_t>(s.data() + off, Endian::kLittle); };
  auto u16 = [&](std::size_t off) { return load_unchecked<std::uint16_t>(s.data() + off, Endian::kLittle); };

  if (u16(0x38) != kMagic) return malformed("ext superblock: bad magic");
  Superblock sb;
  sb.rev_level = u32(0x4C);
  if (sb.rev_level > 1) return malformed(fmt::format("ext superblock: unknown revision {}", sb.rev_level));
  std::uint32_t log_block = u32(0x18);
  if (log_block > kMaxLogBlockSize)
    return malformed(fmt::format("ext superblock: log block size {} out of range", log_block));
  sb.block_size = std::uint64_t{1024} << log_block;

  sb.feature_compat = sb.rev_level >= 1 ? u32(0x5C) : 0;
  sb.feature_incompat = sb.rev_level >= 1 ? u32(0x60) : 0;
  sb.feature_ro_compat = sb.rev_level >= 1 ? u32(0x64) : 0;

  std::uint32_t log_cluster = u32(0x1C);
  if (sb.has_ro_compat(kRoCompatBigalloc)) {
    if (log_cluster < log_block || log_cluster - log_block > kMaxLogClusterRatio)
      return malformed(fmt::format("ext superblock: log cluster size {} out of range", log_cluster));
    sb.cluster_size = std::uint64_t{1024} << log_cluster;
  } else {
    sb.cluster_size = sb.block_size;
  }

  sb.blocks_count = u32(0x04);
  if (sb.has_incompat(kIncompat64Bit)) sb.blocks_count |= std::uint64_t{u32(0x150)} << 32;
  sb.first_data_block = u32(0x14);
  sb.blocks_per_group = u32(0x20);
  sb.inodes_count = u32(0x00);
  sb.inodes_per_group = u32(0x28);

  if (sb.first_data_block > 1 || (sb.block_size > 1024 && sb.first_data_block != 0))
    return malformed(fmt::format("ext superblock: first data block {} does not suit {}-byte blocks",
                                 sb.first_data_block, sb.block_size));
  if (sb.blocks_count <= sb.first_data_block)
    return malformed(fmt::format("ext superblock: blocks count {} too small", sb.blocks_count));
  // A group's block and inode bitmaps are one block (one cluster with bigalloc) each.
  std::uint64_t max_per_group = sb.block_size * 8 * (sb.cluster_size / sb.block_size);
  if (sb.blocks_per_group < 8 || sb.blocks_per_group > max_per_group)
    return malformed(fmt::format("ext superblock: blocks per group {} out of range", sb.blocks_per_group));
  if (sb.inodes_per_group == 0 || sb.inodes_per_group > sb.block_size * 8)
    return malformed(fmt::format("ext superblock: inodes per group {} out of range", sb.inodes_per_group));
  if (!checked_mul<std::uint64_t>(sb.blocks_count, sb.block_size))
    return malformed("ext superblock: blocks count * block size overflows");

  sb.group_count = (sb.blocks_count - sb.first_data_block + sb.blocks_per_group - 1) / sb.blocks_per_group;
  auto max_inodes = checked_mul<std::uint64_t>(sb.group_count, sb.inodes_per_group);
  if (sb.inodes_count < kRootInode || !max_inodes || sb.inodes_count > *max_inodes)
    return malformed(fmt::format("ext superblock: inodes count {} inconsistent with {} groups of {}",
                                 sb.inodes_count, sb.group_count, sb.inodes_per_group));
  if (u32(0x10) > sb.inodes_count)
    return malformed("ext superblock: more free inodes than inodes");
  if (u32(0x0C) > sb.blocks_count) return malformed("ext superblock: more free blocks than blocks");

  if (sb.rev_level == 0) {
    sb.inode_size = kGoodOldInodeSize;
  } else {
    sb.inode_size = u16(0x58);
    if (sb.inode_size < kGoodOldInodeSize || !is_power_of_two(sb.inode_size) ||
        sb.inode_size > sb.block_size)
      return malformed(fmt::format("ext superblock: inode size {} out of range", sb.inode_size));
  }
  if (sb.has_incompat(kIncompat64Bit)) {
    sb.desc_size = u16(0xFE);
    // EXT4_MIN_DESC_SIZE_64BIT is 64; some tools write 0 and mean 32-byte descriptors.
    if (sb.desc_size == 0) sb.desc_size = 32;
    if (sb.desc_size < 32 || !is_power_of_two(sb.desc_size) || sb.desc_size > sb.block_size)
      return malformed(fmt::format("ext superblock: descriptor size {} out of range", sb.desc_size));
  } else {
    sb.desc_size = 32;
  }
  sb.first_meta_bg = u32(0x104);
  char name[17] = {};
  std::memcpy(name, s.data() + 0x78, 16);
  sb.volume_name = name;
  return sb;
}

Result<std::uint64_t> inode_table_block(ByteView data, const Superblock& sb, std::uint64_t group) {
  if (group >= sb.group_count) return malformed(fmt::format("ext: group {} out of range", group));
  const std::uint64_t per_block = sb.block_size / sb.desc_size;
  const std::uint64_t meta_group = group / per_block;
  std::uint64_t desc_block;
  if (sb.has_incompat(kIncompatMetaBg) && meta_group >= sb.first_meta_bg) {
    // meta_bg: each meta group's descriptor block sits in its first group, after the backup
    // superblock if that group holds one.
    std::uint64_t first = meta_group * per_block;
    desc_block = sb.first_data_block + first * sb.blocks_per_group + (group_has_super(sb, first) ? 1 : 0);
  } else {
    desc_block = sb.first_data_block + 1 + meta_group;
  }
  auto off = checked_mul<std::uint64_t>(desc_block, sb.block_size);
  if (!off) return malformed("ext: descriptor offset overflows");
  std::uint64_t at = *off + (group % per_block) * sb.desc_size;
  auto lo = load_le<std::uint32_t>(data, at + 0x08);
  if (!lo)
    return make_error(Errc::kTruncated,
                      fmt::format("ext: descriptor of group {} at offset {} lies past the end", group, at));
  std::uint64_t table = *lo;
  if (sb.desc_size >= 64) {
    auto hi = load_le<std::uint32_t>(data, at + 0x28);
    if (hi) table |= std::uint64_t{*hi} << 32;
  }
  if (table >= sb.blocks_count)
    return malformed(fmt::format("ext: group {} inode table at block {} past the file system", group, table));
  return table;
}

Result<Inode> read_inode(ByteView data, const Superblock& sb, std::uint32_t number) {
  if (number == 0 || number > sb.inodes_count)
    return malformed(fmt::format("ext: inode {} out of range (1..{})", number, sb.inodes_count));
  std::uint64_t group = (number - 1) / sb.inodes_per_group;
  std::uint64_t index = (number - 1) % sb.inodes_per_group;
  ASSAY_TRY(std::uint64_t table, inode_table_block(data, sb, group));
  // table < blocks_count and blocks_count * block_size was checked not to overflow.
  std::uint64_t off = table * sb.block_size;
  auto rec_off = checked_add<std::uint64_t>(off, index * sb.inode_size);
  if (!rec_off || !fits(*rec_off, sb.inode_size, data.size()))
    return make_error(Errc::kTruncated, fmt::format("ext: inode {} lies past the end of the image", number));
  ByteView r = data.subspan(*rec_off, sb.inode_size);
  auto u32 = [&](std::size_t o) { return load_unchecked<std::uint32_t>(r.data() + o, Endian::kLittle); };
  auto u16 = [&](std::size_t o) { return load_unchecked<std::uint16_t>(r.data() + o, Endian::kLittle); };

  Inode in;
  in.number = number;
  in.raw = r;
  in.mode = u16(0x00);
  in.uid = u16(0x02) | (std::uint32_t{u16(0x78)} << 16);
  in.gid = u16(0x18) | (std::uint32_t{u16(0x7A)} << 16);
  in.size = u32(0x04) | (std::uint64_t{u32(0x6C)} << 32);
  in.mtime = static_cast<std::int32_t>(u32(0x10));
  in.links = u16(0x1A);
  in.flags = u32(0x20);
  in.blocks = u32(0x1C);
  if (sb.has_ro_compat(kRoCompatHugeFile)) in.blocks |= std::uint64_t{u16(0x74)} << 32;
  in.file_acl = u32(0x68) | (std::uint64_t{u16(0x76)} << 32);
  std::memcpy(in.i_block.data(), r.data() + 0x28, kIBlockBytes);
  if (sb.inode_size > kGoodOldInodeSize) {
    std::uint16_t extra = u16(0x80);
    // i_mtime_extra (at 0x88) low two bits extend the epoch past 2038.
    if (extra >= 0x0C && fits(0x88, 4, r.size()) && std::uint64_t{kGoodOldInodeSize} + extra <= r.size())
      in.mtime += static_cast<std::int64_t>(u32(0x88) & 3) << 32;
  }
  return in;
}

std::optional<ByteView> find_inode_xattr(const Superblock& sb, const Inode& inode,
                                         std::uint8_t name_index, std::string_view name) {
  if (sb.inode_size <= kGoodOldInodeSize || inode.raw.size() < kGoodOldInodeSize + 2) return std::nullopt;
  std::uint16_t extra = load_unchecked<std::uint16_t>(inode.raw.data() + 0x80, Endian::kLittle);
  ByteView body = slice(inode.raw, std::uint64_t{kGoodOldInodeSize} + extra,
                        inode.raw.size() - std::min<std::uint64_t>(inode.raw.size(), kGoodOldInodeSize + extra));
  auto magic = load_le<std::uint32_t>(body, 0);
  if (!magic || *magic != kXattrMagic) return std::nullopt;
  ByteView entries = body.subspan(4);
  std::uint64_t pos = 0;
  // Each entry takes at least 16 bytes, so the loop ends within entries.size() / 16 steps.
  while (fits(pos, kXattrEntryHeader, entries.size())) {
    const std::uint8_t* e = entries.data() + pos;
    if (load_unchecked<std::uint32_t>(e, Endian::kLittle) == 0) break;  // end of the list
    std::uint8_t name_len = e[0];
    std::uint8_t index = e[1];
    std::uint16_t value_offs = load_unchecked<std::uint16_t>(e + 2, Endian::kLittle);
    std::uint32_t value_inum = load_unchecked<std::uint32_t>(e + 4, Endian::kLittle);
    std::uint32_t value_size = load_unchecked<std::uint32_t>(e + 8, Endian::kLittle);
    if (!fits(pos + kXattrEntryHeader, name_len, entries.size())) break;
    std::string_view ename(reinterpret_cast<const char*>(e + kXattrEntryHeader), name_len);
    if (index == name_index && ename == name && value_inum == 0) {
      if (!fits(value_offs, value_size, entries.size())) return std::nullopt;
      return entries.subspan(value_offs, value_size);
    }
    pos += (kXattrEntryHeader + name_len + 3) & ~std::uint64_t{3};
  }
  return std::nullopt;
}

DirentCursor::DirentCursor(ByteView block, const Superblock& sb) noexcept
    : block_(block), block_size_(sb.block_size), filetype_(sb.has_incompat(kIncompatFiletype)) {}

std::optional<DirEntry> DirentCursor::next() noexcept {
  constexpr std::uint64_t kHeader = 8;
  while (error_.empty() && fits(pos_, kHeader, block_.size())) {
    const std::uint8_t* p = block_.data() + pos_;
    std::uint32_t ino = load_unchecked<std::uint32_t>(p, Endian::kLittle);
    std::uint64_t rec_len = load_unchecked<std::uint16_t>(p + 4, Endian::kLittle);
    if (block_size_ >= 65536) {
      // 64 KiB blocks do not fit in 16 bits: 65535 or 0 mean a whole block, the low two bits
      // carry bits 16..17 (ext4_rec_len_from_disk).
      if (rec_len == 65535 || rec_len == 0) rec_len = block_size_;
      else rec_len = (rec_len & 65532) | ((rec_len & 3) << 16);
    }
    std::uint64_t name_len = filetype_ ? p[6] : load_unchecked<std::uint16_t>(p + 6, Endian::kLittle);
    std::uint8_t type = filetype_ ? p[7] : 0;
    if (rec_len < kHeader || rec_len % 4 != 0 || !fits(pos_, rec_len, block_.size()) ||
        name_len > rec_len - kHeader) {
      error_ = fmt::format("bad directory record (rec_len {}, name_len {})", rec_len, name_len);
      error_offset_ = pos_;
      return std::nullopt;
    }
    std::uint64_t at = pos_;
    pos_ += rec_len;
    if (ino == 0 || name_len == 0) continue;  // unused record (deleted entry, htree node, csum tail)
    return DirEntry{ino, type,
                    std::string_view(reinterpret_cast<const char*>(block_.data() + at + kHeader), name_len)};
  }
  return std::nullopt;
}

Result<ExtentHeader> parse_extent_header(ByteView node) {
  auto magic = load_le<std::uint16_t>(node, 0);
  auto entries = load_le<std::uint16_t>(node, 2);
  auto max = load_le<std::uint16_t>(node, 4);
  auto depth = load_le<std::uint16_t>(node, 6);
  if (!magic || !entries || !max || !depth || node.size() < 12)
    return make_error(Errc::kTruncated, "ext: extent node shorter than its header");
  if (*magic != kExtentMagic) return malformed(fmt::format("ext: bad extent magic {:#x}", *magic));
  if (*entries > *max || *entries > (node.size() - 12) / 12)
    return malformed(fmt::format("ext: extent node claims {} entries (max {})", *entries, *max));
  if (*depth > kMaxExtentDepth) return malformed(fmt::format("ext: extent depth {} over the cap", *depth));
  return ExtentHeader{*entries, *depth};
}

void decode_device(const Inode& inode, std::uint32_t& major, std::uint32_t& minor) noexcept {
  std::uint32_t old = inode.i_block_word(0);
  if (old != 0) {
    major = (old >> 8) & 0xFF;
    minor = old & 0xFF;
    return;
  }
  std::uint32_t dev = inode.i_block_word(1);
  major = (dev & 0xFFF00) >> 8;
  minor = (dev & 0xFF) | ((dev >> 12) & 0xFFF00);
}

}  // namespace assay::ext
