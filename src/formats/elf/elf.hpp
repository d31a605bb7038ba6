#pragma once
/// \file elf.hpp
/// ELF parser: 32/64-bit, both endians, every machine. A pure function from bytes to a model; it
/// judges nothing (see analyzers/hardening for verdicts).
///
/// Entry point: `Result<ElfFile> parse_elf(ByteView)`. It fails only when the input is not an ELF
/// file at all (bad magic, unknown class or data encoding, a header shorter than e_ehsize). Every
/// later problem — a truncated program header table, a dynamic table outside the file, a string
/// offset out of range, a count clamped by a limit — is recorded in `ElfFile::diagnostics` and
/// parsing goes on with what could be read. Section-less files (section headers stripped or cut
/// off) are read through the program headers: PT_DYNAMIC gives the dynamic table, and DT_STRTAB /
/// DT_SYMTAB / DT_HASH / DT_GNU_HASH are mapped to file offsets through the PT_LOAD segments.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::elf {

struct Section {
  std::string name;
  std::uint32_t type = 0;
  std::uint64_t flags = 0;
  std::uint64_t addr = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint32_t link = 0;
  std::uint32_t info = 0;
  std::uint64_t entsize = 0;
};

struct Segment {
  std::uint32_t type = 0;
  std::uint32_t flags = 0;  ///< PF_R=4, PF_W=2, PF_X=1
  std::uint64_t offset = 0;
  std::uint64_t vaddr = 0;
  std::uint64_t filesz = 0;
  std::uint64_t memsz = 0;
  std::uint64_t align = 0;
};

struct DynamicEntry {
  std::int64_t tag = 0;
  std::uint64_t value = 0;
};

struct Symbol {
  std::string name;
  std::uint64_t value = 0;
  std::uint64_t size = 0;
  std::uint8_t type = 0;  ///< STT_*
  std::uint8_t bind = 0;  ///< STB_*
  std::uint16_t shndx = 0;
  bool defined() const noexcept { return shndx != 0; }
};

/// Everything read from one ELF file. Counts read from the file are bounded by the limits below;
/// when a limit trips, a diagnostic says so.
struct ElfFile {
  bool is_64 = false;
  Endian endian = Endian::kLittle;
  std::uint8_t osabi = 0;
  std::uint16_t type = 0;     ///< ET_REL=1, ET_EXEC=2, ET_DYN=3, ET_CORE=4
  std::uint16_t machine = 0;  ///< EM_*
  std::uint32_t flags = 0;    ///< e_flags (ARM EABI version, MIPS ABI, ...)
  std::uint64_t entry = 0;

  std::vector<Segment> segments;
  std::vector<Section> sections;  ///< empty for section-less files
  std::vector<DynamicEntry> dynamic;

  std::string interpreter;  ///< PT_INTERP contents, empty when absent
  bool has_interp = false;
  bool has_dynamic = false;  ///< PT_DYNAMIC present
  std::vector<std::string> needed;
  std::string soname;
  bool has_rpath = false;
  bool has_runpath = false;
  std::string rpath;
  std::string runpath;

  std::vector<Symbol> dynamic_symbols;  ///< .dynsym (or from DT_SYMTAB when section-less)
  std::vector<Symbol> symtab;           ///< .symtab (static symbols), empty when stripped
  bool has_symtab = false;              ///< a SHT_SYMTAB section exists

  std::string build_id;                  ///< hex of NT_GNU_BUILD_ID, empty when absent
  std::uint32_t x86_features = 0;        ///< GNU_PROPERTY_X86_FEATURE_1_AND (IBT=1, SHSTK=2)
  std::uint32_t aarch64_features = 0;    ///< GNU_PROPERTY_AARCH64_FEATURE_1_AND (BTI=1, PAC=2)
  bool has_x86_feature_note = false;
  bool has_aarch64_feature_note = false;

  std::vector<std::string> diagnostics;

  // Convenience lookups over the vectors above.
  const Segment* find_segment(std::uint32_t type) const noexcept;
  const Section* find_section(std::string_view name) const noexcept;
  bool has_dynamic_tag(std::int64_t tag) const noexcept;
  std::uint64_t dynamic_value(std::int64_t tag, std::uint64_t fallback = 0) const noexcept;
  /// Names of undefined (imported) dynamic symbols, in table order.
  std::vector<std::string> imports() const;
  /// Names of defined global/weak dynamic symbols, in table order.
  std::vector<std::string> exports() const;
  /// No .symtab section.
  bool stripped() const noexcept { return !has_symtab; }
  /// Statically linked: no PT_INTERP and (no PT_DYNAMIC or no DT_NEEDED).
  bool is_static() const noexcept { return !has_interp && (!has_dynamic || needed.empty()); }
  std::string machine_name() const;
};

// Limits: each bounds a count read from the file; a real binary stays far below.
inline constexpr std::size_t kMaxSegments = 4096;      // ld emits < 20; e_phnum is 16-bit anyway
inline constexpr std::size_t kMaxSections = 65536;     // ELF's own extended-numbering ceiling range
inline constexpr std::size_t kMaxDynamic = 16384;      // real tables hold < 100 entries
inline constexpr std::size_t kMaxSymbols = 1u << 20;   // the largest shipped binaries hold ~500k
inline constexpr std::size_t kMaxNameLen = 4096;       // C++ mangled names rarely exceed 1 KiB
inline constexpr std::size_t kMaxDiagnostics = 64;     // rate limit per file

/// Parses an ELF image. Fails (kMalformed/kTruncated/kUnsupported) only when no ELF header can be
/// read; everything else becomes a diagnostic in the returned model.
Result<ElfFile> parse_elf(ByteView data);

/// True when `data` starts with the ELF magic.
bool is_elf(ByteView data) noexcept;

/// Machine name for e_machine ("x86-64", "ARM", "AArch64", "MIPS", "MIPS64", ...); the class
/// distinguishes MIPS from MIPS64 (both use EM_MIPS). "EM_<n>" when unknown.
std::string machine_name(std::uint16_t machine, bool is_64);
/// "REL", "EXEC", "DYN", "CORE", or "ET_<n>".
std::string type_name(std::uint16_t type);

/// A canonical JSON dump (for golden files and fuzzing); symbol lists are capped at 200 names.
nlohmann::json to_json(const ElfFile& elf);

}  // namespace assay::elf
