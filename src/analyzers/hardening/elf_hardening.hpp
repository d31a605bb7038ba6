#pragma once
/// \file elf_hardening.hpp
/// Exploit-mitigation verdicts for one ELF file, with checksec 2.6's semantics where checksec is
/// right and documented departures where it is not (README.md, docs/hardening-vs-checksec.md).
///
///   auto elf = assay::elf::parse_elf(bytes);            // formats/elf/elf.hpp
///   auto h = assay::hardening::judge_elf(*elf, bytes);   // bytes enable the code-level checks
///
/// Pure functions: no I/O, no engine state; safe to call from any thread.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/bytes.hpp"
#include "formats/elf/elf.hpp"

namespace assay::hardening {

enum class Relro { kNone, kPartial, kFull };
/// kExec: ET_EXEC (fixed address). kPie: ET_DYN executable (DT_DEBUG, DF_1_PIE, or PT_INTERP
/// without a SONAME). kDso: shared library. kRel: relocatable object. kOther: core files etc.
enum class Pie { kExec, kPie, kDso, kRel, kOther };

/// Why the canary verdict is what it is.
enum class CanaryEvidence {
  kNone,          ///< nothing found (no symbol, no guard load)
  kSymbol,        ///< __stack_chk_fail / __stack_chk_guard / __intel_security_cookie in a symbol
                  ///< table (checksec's test)
  kTlsGuardLoad,  ///< stripped/static x86: the TLS canary load `mov %fs:0x28` (x86-64) or
                  ///< `mov %gs:0x14` (i386) found in executable segments
};

struct ElfHardening {
  Relro relro = Relro::kNone;
  bool canary = false;
  CanaryEvidence canary_evidence = CanaryEvidence::kNone;
  std::uint32_t canary_guard_loads = 0;  ///< TLS guard loads counted (only when scanned)
  bool nx = false;
  bool has_gnu_stack = false;
  std::string nx_reason;  ///< one sentence: "PT_GNU_STACK is RW-", "no PT_GNU_STACK: ..."
  Pie pie = Pie::kOther;
  bool rpath = false;
  bool runpath = false;
  bool symbols = false;  ///< a .symtab is present (checksec "Symbols")
  bool fortify = false;  ///< some imported function ends in _chk (checksec "FORTIFY")
  std::uint32_t fortified = 0;    ///< imports that are glibc __*_chk functions
  std::uint32_t fortifiable = 0;  ///< fortified + imports of their unchecked counterparts
  bool ibt = false;    ///< x86 IBT (GNU property)
  bool shstk = false;  ///< x86 shadow stack (GNU property)
  bool bti = false;    ///< AArch64 BTI (GNU property)
  bool pac = false;    ///< AArch64 PAC (GNU property)
  bool is_static = false;
  bool stripped = false;

  /// Facts for other analyzers (sorted, unique).
  std::vector<std::string> dangerous_imports;  ///< gets, strcpy, sprintf, system, popen, exec*...
  bool network = false;                        ///< imports socket/bind/listen/accept/connect
  std::vector<std::string> network_imports;
  std::vector<std::string> crypto_libraries;   ///< "openssl", "mbedtls", "wolfssl", "gnutls", ...
};

/// Judges one parsed ELF. `image` is the file's bytes (optional): with it, stripped or static
/// x86 binaries are searched for the TLS canary load beyond the symbol tables.
ElfHardening judge_elf(const elf::ElfFile& elf, ByteView image = {});

/// The libc functions that glibc fortifies (checksec's list: the `__*_chk` exports of glibc 2.36,
/// without the `__` prefix and `_chk` suffix), sorted.
const std::vector<std::string_view>& fortifiable_functions();

const char* relro_name(Relro r);  ///< "no", "partial", "full" (checksec's words)
const char* pie_name(Pie p);      ///< "no", "yes", "dso", "rel", "other"
const char* canary_evidence_name(CanaryEvidence e);

nlohmann::json to_json(const ElfHardening& h);

}  // namespace assay::hardening
