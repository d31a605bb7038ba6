// ELF names and the canonical JSON dump.

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "formats/elf/elf.hpp"
#include "formats/strings/strings.hpp"

namespace assay::elf {

std::string machine_name(std::uint16_t machine, bool is_64) {
  switch (machine) {
    case 2: return "SPARC";
    case 3: return "x86";
    case 4: return "m68k";
    case 8: return is_64 ? "MIPS64" : "MIPS";
    case 10: return "MIPS-RS3-LE";
    case 18: return "SPARC32PLUS";
    case 20: return "PowerPC";
    case 21: return "PowerPC64";
    case 22: return "S390";
    case 40: return "ARM";
    case 42: return "SuperH";
    case 43: return "SPARCV9";
    case 50: return "IA-64";
    case 62: return "x86-64";
    case 83: return "AVR";
    case 92: return "OpenRISC";
    case 93: return "ARC";
    case 94: return "Xtensa";
    case 106: return "Blackfin";
    case 113: return "Nios II";
    case 164: return "Hexagon";
    case 183: return "AArch64";
    case 189: return "MicroBlaze";
    case 195: return "ARCv2";
    case 243: return "RISC-V";
    case 247: return "BPF";
    case 258: return "LoongArch";
    default: return fmt::format("EM_{}", machine);
  }
}

std::string type_name(std::uint16_t type) {
  switch (type) {
    case 1: return "REL";
    case 2: return "EXEC";
    case 3: return "DYN";
    case 4: return "CORE";
    default: return fmt::format("ET_{}", type);
  }
}

namespace {
// Golden dumps and fuzzing only need a prefix of long symbol lists; the counts are complete.
constexpr std::size_t kJsonSymbolCap = 200;

nlohmann::json names(const std::vector<std::string>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (std::size_t i = 0; i < v.size() && i < kJsonSymbolCap; ++i) a.push_back(strings::valid_utf8(v[i]));
  return a;
}
}  // namespace

nlohmann::json to_json(const ElfFile& f) {
  nlohmann::json j;
  j["class"] = f.is_64 ? "ELF64" : "ELF32";
  j["endian"] = f.endian == Endian::kLittle ? "little" : "big";
  j["osabi"] = f.osabi;
  j["type"] = type_name(f.type);
  j["machine"] = f.machine_name();
  j["e_flags"] = fmt::format("{:#x}", f.flags);
  j["entry"] = fmt::format("{:#x}", f.entry);
  j["interpreter"] = strings::valid_utf8(f.interpreter);
  j["needed"] = strings::valid_utf8(f.needed);
  j["soname"] = strings::valid_utf8(f.soname);
  if (f.has_rpath) j["rpath"] = strings::valid_utf8(f.rpath);
  if (f.has_runpath) j["runpath"] = strings::valid_utf8(f.runpath);
  j["build_id"] = f.build_id;
  j["stripped"] = f.stripped();
  j["static"] = f.is_static();
  if (f.has_x86_feature_note) j["x86_feature_1_and"] = f.x86_features;
  if (f.has_aarch64_feature_note) j["aarch64_feature_1_and"] = f.aarch64_features;
  auto segs = nlohmann::json::array();
  for (const auto& s : f.segments) {
    segs.push_back({{"type", fmt::format("{:#x}", s.type)},
                    {"flags", s.flags},
                    {"offset", s.offset},
                    {"vaddr", fmt::format("{:#x}", s.vaddr)},
                    {"filesz", s.filesz},
                    {"memsz", s.memsz}});
  }
  j["segments"] = std::move(segs);
  auto secs = nlohmann::json::array();
  for (const auto& s : f.sections) {
    secs.push_back({{"name", strings::valid_utf8(s.name)}, {"type", s.type}, {"offset", s.offset}, {"size", s.size}});
  }
  j["sections"] = std::move(secs);
  auto dyn = nlohmann::json::array();
  for (const auto& e : f.dynamic) dyn.push_back({fmt::format("{:#x}", e.tag), fmt::format("{:#x}", e.value)});
  j["dynamic"] = std::move(dyn);
  auto imports = f.imports();
  auto exports = f.exports();
  j["import_count"] = imports.size();
  j["export_count"] = exports.size();
  j["imports"] = names(imports);
  j["exports"] = names(exports);
  j["dynamic_symbol_count"] = f.dynamic_symbols.size();
  j["symtab_count"] = f.symtab.size();
  j["diagnostics"] = strings::valid_utf8(f.diagnostics);
  return j;
}

}  // namespace assay::elf
