#pragma once
// Raw Mach-O structures (<mach-o/loader.h>, <mach-o/fat.h>), sizes pinned. Thin files are in the
// CPU's byte order (the magic says which); fat headers are always big-endian.

#include <cstdint>

namespace assay::macho::raw {

inline constexpr std::uint32_t kMagic32 = 0xfeedface;
inline constexpr std::uint32_t kMagic64 = 0xfeedfacf;
inline constexpr std::uint32_t kFatMagic = 0xcafebabe;
inline constexpr std::uint32_t kFatMagic64 = 0xcafebabf;

inline constexpr std::uint32_t kMhPie = 0x200000;
inline constexpr std::uint32_t kMhAllowStackExecution = 0x20000;
inline constexpr std::uint32_t kMhNoHeapExecution = 0x1000000;

inline constexpr std::uint32_t kLcReqDyld = 0x80000000;
inline constexpr std::uint32_t kLcSegment = 0x1;
inline constexpr std::uint32_t kLcSymtab = 0x2;
inline constexpr std::uint32_t kLcLoadDylib = 0xc;
inline constexpr std::uint32_t kLcIdDylib = 0xd;
inline constexpr std::uint32_t kLcSegment64 = 0x19;
inline constexpr std::uint32_t kLcUuid = 0x1b;
inline constexpr std::uint32_t kLcRpath = 0x1c | kLcReqDyld;
inline constexpr std::uint32_t kLcCodeSignature = 0x1d;
inline constexpr std::uint32_t kLcLoadWeakDylib = 0x18 | kLcReqDyld;
inline constexpr std::uint32_t kLcReexportDylib = 0x1f | kLcReqDyld;
inline constexpr std::uint32_t kLcEncryptionInfo = 0x21;
inline constexpr std::uint32_t kLcEncryptionInfo64 = 0x2c;

struct MachHeader {
  std::uint32_t magic, cputype, cpusubtype, filetype, ncmds, sizeofcmds, flags;
};
struct FatHeader {
  std::uint32_t magic, nfat_arch;
};
struct FatArch {
  std::uint32_t cputype, cpusubtype, offset, size, align;
};
struct FatArch64 {
  std::uint32_t cputype, cpusubtype;
  std::uint64_t offset, size;
  std::uint32_t align, reserved;
};
struct LoadCommand {
  std::uint32_t cmd, cmdsize;
};
struct SymtabCommand {
  std::uint32_t cmd, cmdsize, symoff, nsyms, stroff, strsize;
};
struct EncryptionInfoCommand {
  std::uint32_t cmd, cmdsize, cryptoff, cryptsize, cryptid;
};
struct Nlist32 {
  std::uint32_t n_strx;
  std::uint8_t n_type, n_sect;
  std::uint16_t n_desc;
  std::uint32_t n_value;
};
struct Nlist64 {
  std::uint32_t n_strx;
  std::uint8_t n_type, n_sect;
  std::uint16_t n_desc;
  std::uint64_t n_value;
};

static_assert(sizeof(MachHeader) == 28);  // + 4 reserved bytes in mach_header_64
static_assert(sizeof(FatHeader) == 8);
static_assert(sizeof(FatArch) == 20);
static_assert(sizeof(FatArch64) == 32);
static_assert(sizeof(LoadCommand) == 8);
static_assert(sizeof(SymtabCommand) == 24);
static_assert(sizeof(EncryptionInfoCommand) == 20);
static_assert(sizeof(Nlist32) == 12);
static_assert(sizeof(Nlist64) == 16);

}  // namespace assay::macho::raw
