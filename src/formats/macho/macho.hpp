#pragma once
/// \file macho.hpp
/// Mach-O parser: thin 32/64-bit files in either byte order and fat (universal) files, whose
/// slices are parsed one by one. Load commands, segments, linked dylibs, rpaths, the symbol
/// table (imports are its undefined external symbols), encryption info and code signature.
///
/// Entry point: `Result<MachOFile> parse_macho(ByteView)`. Fails only when neither a thin nor a
/// fat header can be read; a slice or load command that is damaged becomes a diagnostic.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::macho {

struct Segment {
  std::string name;
  std::uint64_t vmaddr = 0, vmsize = 0, fileoff = 0, filesize = 0;
  std::uint32_t maxprot = 0, initprot = 0, nsects = 0;
};

struct Slice {
  std::uint64_t offset = 0;  ///< of the slice inside the file (0 for a thin file)
  std::uint64_t size = 0;
  bool is_64 = false;
  Endian endian = Endian::kLittle;
  std::uint32_t cputype = 0, cpusubtype = 0, filetype = 0, flags = 0, ncmds = 0;
  std::vector<std::uint32_t> load_commands;  ///< cmd values, in order
  std::vector<Segment> segments;
  std::vector<std::string> dylibs;  ///< LC_LOAD_DYLIB / WEAK / REEXPORT names
  std::vector<std::string> rpaths;
  std::string install_name;         ///< LC_ID_DYLIB
  std::string uuid;
  std::vector<std::string> imports;  ///< undefined external symbols
  std::vector<std::string> exports;  ///< defined external symbols
  bool has_encryption_info = false;
  std::uint32_t cryptid = 0;
  bool has_code_signature = false;
  std::vector<std::string> diagnostics;

  std::string cpu_name() const;  ///< "x86", "x86-64", "armv7", "arm64", ...
};

struct MachOFile {
  bool fat = false;
  std::vector<Slice> slices;
  std::vector<std::string> diagnostics;  ///< about the fat header
};

// Real universal files hold 2-4 slices; above 30 the 0xcafebabe file is a Java class (its major
// version sits where nfat_arch would: 45 and up), the same cut file(1) makes.
inline constexpr std::size_t kMaxFatArchs = 30;
inline constexpr std::size_t kMaxLoadCommands = 4096;  // dyld itself refuses far fewer
inline constexpr std::size_t kMaxSymbols = 1u << 20;
inline constexpr std::size_t kMaxNameLen = 4096;

Result<MachOFile> parse_macho(ByteView data);
/// Thin Mach-O magic in either byte order, or a plausible fat header (0xcafebabe is shared with
/// Java class files: a fat header has a small arch count, a class file a large version).
bool is_macho(ByteView data) noexcept;
nlohmann::json to_json(const MachOFile& m);

}  // namespace assay::macho
