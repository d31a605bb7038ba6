#pragma once
// Raw ELF on-disk structures (System V gABI), sizes pinned. Loaded with memcpy and byte-swapped
// in one place (elf_parser.cpp) when the file's endianness differs from the host's.

#include <cstdint>

namespace assay::elf::raw {

inline constexpr std::uint8_t kClass32 = 1;
inline constexpr std::uint8_t kClass64 = 2;
inline constexpr std::uint8_t kData2Lsb = 1;
inline constexpr std::uint8_t kData2Msb = 2;

// e_type
inline constexpr std::uint16_t kEtRel = 1;
inline constexpr std::uint16_t kEtExec = 2;
inline constexpr std::uint16_t kEtDyn = 3;
inline constexpr std::uint16_t kEtCore = 4;

// p_type
inline constexpr std::uint32_t kPtLoad = 1;
inline constexpr std::uint32_t kPtDynamic = 2;
inline constexpr std::uint32_t kPtInterp = 3;
inline constexpr std::uint32_t kPtNote = 4;
inline constexpr std::uint32_t kPtGnuEhFrame = 0x6474e550;
inline constexpr std::uint32_t kPtGnuStack = 0x6474e551;
inline constexpr std::uint32_t kPtGnuRelro = 0x6474e552;
inline constexpr std::uint32_t kPtGnuProperty = 0x6474e553;
inline constexpr std::uint32_t kPfX = 1;
inline constexpr std::uint32_t kPfW = 2;
inline constexpr std::uint32_t kPfR = 4;

// sh_type
inline constexpr std::uint32_t kShtSymtab = 2;
inline constexpr std::uint32_t kShtStrtab = 3;
inline constexpr std::uint32_t kShtDynamic = 6;
inline constexpr std::uint32_t kShtNote = 7;
inline constexpr std::uint32_t kShtNobits = 8;
inline constexpr std::uint32_t kShtDynsym = 11;
inline constexpr std::uint64_t kShfExecinstr = 4;

// d_tag
inline constexpr std::int64_t kDtNull = 0;
inline constexpr std::int64_t kDtNeeded = 1;
inline constexpr std::int64_t kDtHash = 4;
inline constexpr std::int64_t kDtStrtab = 5;
inline constexpr std::int64_t kDtSymtab = 6;
inline constexpr std::int64_t kDtStrsz = 10;
inline constexpr std::int64_t kDtSyment = 11;
inline constexpr std::int64_t kDtSoname = 14;
inline constexpr std::int64_t kDtRpath = 15;
inline constexpr std::int64_t kDtDebug = 21;
inline constexpr std::int64_t kDtBindNow = 24;
inline constexpr std::int64_t kDtRunpath = 29;
inline constexpr std::int64_t kDtFlags = 30;
inline constexpr std::int64_t kDtGnuHash = 0x6ffffef5;
inline constexpr std::int64_t kDtFlags1 = 0x6ffffffb;
inline constexpr std::uint64_t kDfBindNow = 0x8;
inline constexpr std::uint64_t kDf1Now = 0x1;
inline constexpr std::uint64_t kDf1Pie = 0x08000000;

// notes
inline constexpr std::uint32_t kNtGnuBuildId = 3;
inline constexpr std::uint32_t kNtGnuPropertyType0 = 5;
inline constexpr std::uint32_t kGnuPropertyX86Feature1And = 0xc0000002;
inline constexpr std::uint32_t kGnuPropertyAarch64Feature1And = 0xc0000000;

// symbols
inline constexpr std::uint16_t kShnUndef = 0;
inline constexpr std::uint16_t kShnXindex = 0xffff;
inline constexpr std::uint16_t kShnLoreserve = 0xff00;

struct Ehdr32 {
  std::uint8_t e_ident[16];
  std::uint16_t e_type, e_machine;
  std::uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
  std::uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};
struct Ehdr64 {
  std::uint8_t e_ident[16];
  std::uint16_t e_type, e_machine;
  std::uint32_t e_version;
  std::uint64_t e_entry, e_phoff, e_shoff;
  std::uint32_t e_flags;
  std::uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};
struct Phdr32 {
  std::uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};
struct Phdr64 {
  std::uint32_t p_type, p_flags;
  std::uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};
struct Shdr32 {
  std::uint32_t sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info,
      sh_addralign, sh_entsize;
};
struct Shdr64 {
  std::uint32_t sh_name, sh_type;
  std::uint64_t sh_flags, sh_addr, sh_offset, sh_size;
  std::uint32_t sh_link, sh_info;
  std::uint64_t sh_addralign, sh_entsize;
};
struct Dyn32 {
  std::int32_t d_tag;
  std::uint32_t d_val;
};
struct Dyn64 {
  std::int64_t d_tag;
  std::uint64_t d_val;
};
struct Sym32 {
  std::uint32_t st_name, st_value, st_size;
  std::uint8_t st_info, st_other;
  std::uint16_t st_shndx;
};
struct Sym64 {
  std::uint32_t st_name;
  std::uint8_t st_info, st_other;
  std::uint16_t st_shndx;
  std::uint64_t st_value, st_size;
};

static_assert(sizeof(Ehdr32) == 52);
static_assert(sizeof(Ehdr64) == 64);
static_assert(sizeof(Phdr32) == 32);
static_assert(sizeof(Phdr64) == 56);
static_assert(sizeof(Shdr32) == 40);
static_assert(sizeof(Shdr64) == 64);
static_assert(sizeof(Dyn32) == 8);
static_assert(sizeof(Dyn64) == 16);
static_assert(sizeof(Sym32) == 16);
static_assert(sizeof(Sym64) == 24);

}  // namespace assay::elf::raw
