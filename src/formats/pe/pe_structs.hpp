#pragma once
// Raw PE/COFF structures (Microsoft PE format specification), little-endian, sizes pinned.

#include <cstdint>

namespace assay::pe::raw {

inline constexpr std::uint16_t kMagicPe32 = 0x10b;
inline constexpr std::uint16_t kMagicPe32Plus = 0x20b;
inline constexpr std::uint16_t kMachineI386 = 0x14c;

// Data directory indices.
inline constexpr std::uint32_t kDirImport = 1;
inline constexpr std::uint32_t kDirSecurity = 4;  // a FILE OFFSET, not an RVA
inline constexpr std::uint32_t kDirLoadConfig = 10;
inline constexpr std::uint32_t kDirClr = 14;

struct DosHeader {
  std::uint16_t e_magic;
  std::uint8_t unused[58];
  std::uint32_t e_lfanew;
};
struct CoffHeader {
  std::uint16_t machine, number_of_sections;
  std::uint32_t time_date_stamp, pointer_to_symbol_table, number_of_symbols;
  std::uint16_t size_of_optional_header, characteristics;
};
struct DataDirectory {
  std::uint32_t virtual_address, size;
};
struct SectionHeader {
  char name[8];
  std::uint32_t virtual_size, virtual_address, size_of_raw_data, pointer_to_raw_data;
  std::uint32_t pointer_to_relocations, pointer_to_linenumbers;
  std::uint16_t number_of_relocations, number_of_linenumbers;
  std::uint32_t characteristics;
};
struct ImportDescriptor {
  std::uint32_t original_first_thunk, time_date_stamp, forwarder_chain, name, first_thunk;
};

// Offsets inside the optional header (they differ between PE32 and PE32+).
inline constexpr std::uint32_t kOptSubsystem = 68;
inline constexpr std::uint32_t kOptDllCharacteristics = 70;
inline constexpr std::uint32_t kOptEntry = 16;
inline constexpr std::uint32_t kOptImageBase32 = 28;
inline constexpr std::uint32_t kOptImageBase64 = 24;
inline constexpr std::uint32_t kOptNumberOfRvaAndSizes32 = 92;
inline constexpr std::uint32_t kOptNumberOfRvaAndSizes64 = 108;

// IMAGE_LOAD_CONFIG_DIRECTORY field offsets (32 / 64-bit layouts).
inline constexpr std::uint32_t kLcSecurityCookie32 = 60, kLcSecurityCookie64 = 88;
inline constexpr std::uint32_t kLcSeHandlerTable32 = 64, kLcSeHandlerCount32 = 68;
inline constexpr std::uint32_t kLcGuardFlags32 = 88, kLcGuardFlags64 = 144;

static_assert(sizeof(DosHeader) == 64);
static_assert(sizeof(CoffHeader) == 20);
static_assert(sizeof(DataDirectory) == 8);
static_assert(sizeof(SectionHeader) == 40);
static_assert(sizeof(ImportDescriptor) == 20);

}  // namespace assay::pe::raw
