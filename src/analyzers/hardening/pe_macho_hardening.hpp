#pragma once
/// \file pe_macho_hardening.hpp
/// Mitigation verdicts for PE and Mach-O files (the checks of winchecksec / BinSkim and of
/// MobSF's iOS binary analysis). Pure functions over the parsed models.

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "formats/macho/macho.hpp"
#include "formats/pe/pe.hpp"

namespace assay::hardening {

struct PeHardening {
  bool dynamic_base = false;     ///< IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE (ASLR)
  bool high_entropy_va = false;  ///< HIGH_ENTROPY_VA, meaningful for PE32+ only (false on PE32)
  bool nx_compat = false;        ///< NX_COMPAT (DEP)
  bool cfg = false;              ///< GUARD_CF flag and load-config CF_INSTRUMENTED
  bool no_seh = false;           ///< NO_SEH: the image has no SEH handlers at all
  bool safe_seh = false;         ///< x86: SEHandlerTable present (or NO_SEH); true for non-x86 (table-based EH)
  bool gs = false;               ///< load-config SecurityCookie set (/GS)
  bool force_integrity = false;  ///< FORCE_INTEGRITY (signature checked at load)
  bool authenticode = false;     ///< security directory present (not verified)
  bool dotnet = false;           ///< CLR header: managed code, most native checks do not apply
};

PeHardening judge_pe(const pe::PeFile& pe);
nlohmann::json to_json(const PeHardening& h);

struct MachOSliceHardening {
  std::string cpu;
  bool pie = false;             ///< MH_PIE
  bool canary = false;          ///< imports ___stack_chk_guard / ___stack_chk_fail
  bool arc = false;             ///< imports _objc_release (ARC-compiled Objective-C)
  bool encrypted = false;       ///< LC_ENCRYPTION_INFO with cryptid != 0 (FairPlay)
  bool code_signature = false;  ///< LC_CODE_SIGNATURE present (not verified)
  bool restrict_segment = false;  ///< a __RESTRICT segment (blocks DYLD_ environment variables)
  bool nx_heap = false;         ///< MH_NO_HEAP_EXECUTION
  bool stack_exec = false;      ///< MH_ALLOW_STACK_EXECUTION (bad)
  std::vector<std::string> dangerous_imports;
  bool network = false;
};

/// One verdict per slice of a fat file (a thin file has one slice).
std::vector<MachOSliceHardening> judge_macho(const macho::MachOFile& m);
nlohmann::json to_json(const MachOSliceHardening& h);

}  // namespace assay::hardening
