#pragma once
/// \file pe.hpp
/// PE/COFF parser (PE32 and PE32+): headers, sections, data directories, imports, the load-config
/// fields the mitigations live in, the security (Authenticode) directory and the CLR (.NET) header.
///
/// Entry point: `Result<PeFile> parse_pe(ByteView)`. Fails only when there is no MZ/PE header;
/// later damage (an import table outside the file, a truncated load config) is a diagnostic.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::pe {

struct Section {
  std::string name;
  std::uint32_t virtual_address = 0, virtual_size = 0, raw_offset = 0, raw_size = 0;
  std::uint32_t characteristics = 0;
};

struct Import {
  std::string dll;
  std::vector<std::string> functions;  ///< by name; ordinals as "#<n>"
};

struct PeFile {
  bool is_64 = false;  ///< PE32+
  std::uint16_t machine = 0;
  std::uint16_t characteristics = 0;      ///< COFF characteristics (DLL = 0x2000)
  std::uint16_t dll_characteristics = 0;  ///< DYNAMICBASE 0x40, HIGH_ENTROPY_VA 0x20, NX_COMPAT 0x100, NO_SEH 0x400, GUARD_CF 0x4000
  std::uint16_t subsystem = 0;
  std::uint64_t image_base = 0;
  std::uint32_t entry_rva = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> directories;  ///< (rva, size) per index
  std::vector<Section> sections;
  std::vector<Import> imports;

  bool has_load_config = false;
  std::uint64_t security_cookie = 0;  ///< load config SecurityCookie VA (/GS), 0 when absent
  std::uint64_t se_handler_table = 0; ///< x86 only
  std::uint64_t se_handler_count = 0; ///< x86 only
  std::uint32_t guard_flags = 0;      ///< CF_INSTRUMENTED = 0x100
  bool has_security_directory = false;  ///< Authenticode signature blob present
  bool has_clr_header = false;          ///< .NET assembly

  std::vector<std::string> diagnostics;

  std::string machine_name() const;
};

inline constexpr std::size_t kMaxSections = 96;       // the loader's own limit on Windows XP+
inline constexpr std::size_t kMaxImportDlls = 1024;   // real binaries import < 100 DLLs
inline constexpr std::size_t kMaxImportNames = 16384; // per file, across all DLLs
inline constexpr std::size_t kMaxNameLen = 512;

Result<PeFile> parse_pe(ByteView data);
bool is_pe(ByteView data) noexcept;
nlohmann::json to_json(const PeFile& pe);

}  // namespace assay::pe
