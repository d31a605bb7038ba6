// PE and Mach-O verdicts: flag tests over the parsed headers plus import-name tests.

#include "analyzers/hardening/pe_macho_hardening.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include <nlohmann/json.hpp>

namespace assay::hardening {
namespace {
constexpr std::uint16_t kDynamicBase = 0x40, kHighEntropyVa = 0x20, kForceIntegrity = 0x80,
                        kNxCompat = 0x100, kNoSeh = 0x400, kGuardCf = 0x4000;
constexpr std::uint32_t kCfInstrumented = 0x100;

// Mach-O C symbols carry a leading underscore.
constexpr std::array<std::string_view, 14> kMachODangerous = {
    "_gets", "_strcpy", "_strcat", "_sprintf", "_vsprintf", "_system", "_popen",
    "_execve", "_execl", "_execv", "_execvp", "_scanf", "_sscanf", "_mktemp"};
constexpr std::array<std::string_view, 5> kMachONetwork = {"_socket", "_bind", "_listen", "_accept", "_connect"};
}  // namespace

PeHardening judge_pe(const pe::PeFile& f) {
  PeHardening h;
  std::uint16_t dc = f.dll_characteristics;
  h.dynamic_base = dc & kDynamicBase;
  h.high_entropy_va = f.is_64 && (dc & kHighEntropyVa) && h.dynamic_base;
  h.nx_compat = dc & kNxCompat;
  h.force_integrity = dc & kForceIntegrity;
  h.cfg = (dc & kGuardCf) && (f.guard_flags & kCfInstrumented);
  h.no_seh = dc & kNoSeh;
  // SafeSEH only exists for x86; other architectures use table-based unwinding.
  h.safe_seh = f.machine != 0x14c || h.no_seh || (f.se_handler_table != 0 && f.se_handler_count != 0);
  h.gs = f.security_cookie != 0;
  h.authenticode = f.has_security_directory;
  h.dotnet = f.has_clr_header;
  return h;
}

std::vector<MachOSliceHardening> judge_macho(const macho::MachOFile& m) {
  std::vector<MachOSliceHardening> out;
  for (const auto& s : m.slices) {
    MachOSliceHardening h;
    h.cpu = s.cpu_name();
    h.pie = s.flags & 0x200000;
    h.nx_heap = s.flags & 0x1000000;
    h.stack_exec = s.flags & 0x20000;
    h.encrypted = s.has_encryption_info && s.cryptid != 0;
    h.code_signature = s.has_code_signature;
    h.restrict_segment = std::any_of(s.segments.begin(), s.segments.end(),
                                     [](const macho::Segment& g) { return g.name == "__RESTRICT"; });
    for (const auto& n : s.imports) {
      if (n == "___stack_chk_guard" || n == "___stack_chk_fail") h.canary = true;
      if (n == "_objc_release") h.arc = true;
      if (std::find(kMachODangerous.begin(), kMachODangerous.end(), n) != kMachODangerous.end()) {
        h.dangerous_imports.push_back(n);
      }
      if (std::find(kMachONetwork.begin(), kMachONetwork.end(), n) != kMachONetwork.end()) h.network = true;
    }
    std::sort(h.dangerous_imports.begin(), h.dangerous_imports.end());
    h.dangerous_imports.erase(std::unique(h.dangerous_imports.begin(), h.dangerous_imports.end()),
                              h.dangerous_imports.end());
    out.push_back(std::move(h));
  }
  return out;
}

nlohmann::json to_json(const PeHardening& h) {
  return {{"dynamic_base", h.dynamic_base}, {"high_entropy_va", h.high_entropy_va}, {"nx_compat", h.nx_compat},
          {"cfg", h.cfg},                   {"no_seh", h.no_seh},                   {"safe_seh", h.safe_seh},
          {"gs", h.gs},                     {"force_integrity", h.force_integrity}, {"authenticode", h.authenticode},
          {"dotnet", h.dotnet}};
}

nlohmann::json to_json(const MachOSliceHardening& h) {
  return {{"cpu", h.cpu},         {"pie", h.pie},
          {"canary", h.canary},   {"arc", h.arc},
          {"encrypted", h.encrypted}, {"code_signature", h.code_signature},
          {"restrict", h.restrict_segment}, {"nx_heap", h.nx_heap},
          {"stack_exec", h.stack_exec}, {"dangerous_imports", h.dangerous_imports},
          {"network", h.network}};
}

}  // namespace assay::hardening
