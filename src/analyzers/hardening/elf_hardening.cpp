// ELF hardening verdicts. The checks reproduce checksec 2.6.0's filecheck() (a bash script over
// `readelf -W`) on the parsed model, so a verdict can be compared property by property; where
// checksec's test is wrong for a class of binaries the departure is small, named and documented
// in README.md. No verdict needs more than one pass over the symbol tables.

#include "analyzers/hardening/elf_hardening.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

#include <nlohmann/json.hpp>

#include "formats/elf/elf_structs.hpp"

namespace assay::hardening {
namespace {

namespace raw = elf::raw;
using std::string_view;

// glibc 2.36's __*_chk exports, the list checksec derives from the running system's libc.
constexpr std::array<string_view, 79> kFortifiable = {
    "asprintf", "confstr", "dprintf", "explicit_bzero", "fdelt", "fgets", "fgets_unlocked",
    "fgetws", "fgetws_unlocked", "fprintf", "fread", "fread_unlocked", "fwprintf", "getcwd",
    "getdomainname", "getgroups", "gethostname", "getlogin_r", "gets", "getwd", "longjmp",
    "mbsnrtowcs", "mbsrtowcs", "mbstowcs", "memcpy", "memmove", "mempcpy", "memset",
    "obstack_printf", "obstack_vprintf", "poll", "ppoll", "pread", "pread64", "printf",
    "ptsname_r", "read", "readlink", "readlinkat", "realpath", "recv", "recvfrom", "snprintf",
    "sprintf", "stpcpy", "stpncpy", "strcat", "strcpy", "strncat", "strncpy", "swprintf",
    "syslog", "ttyname_r", "vasprintf", "vdprintf", "vfprintf", "vfwprintf", "vprintf",
    "vsnprintf", "vsprintf", "vswprintf", "vsyslog", "vwprintf", "wcpcpy", "wcpncpy", "wcrtomb",
    "wcscat", "wcscpy", "wcsncat", "wcsncpy", "wcsnrtombs", "wcsrtombs", "wcstombs", "wctomb",
    "wmemcpy", "wmemmove", "wmempcpy", "wmemset", "wprintf"};

static_assert(std::is_sorted(kFortifiable.begin(), kFortifiable.end()), "binary_search needs order");

// Imports whose mere use is a review point: no bounds (gets, strcpy, sprintf, scanf %s), shell or
// program execution (system, popen, exec*), predictable temporary names (mktemp, tmpnam).
constexpr std::array<string_view, 30> kDangerous = {
    "execl",  "execle",  "execlp",   "execv",   "execve",  "execvp",  "execvpe", "fscanf",
    "gets",   "getwd",   "mktemp",   "popen",   "scanf",   "sprintf", "sscanf",  "stpcpy",
    "strcat", "strcpy",  "system",   "tmpnam",  "vfscanf", "vscanf",  "vsprintf", "vsscanf",
    "wcscat", "wcscpy",  "_IO_gets", "tempnam", "fexecve", "posix_spawn"};

constexpr std::array<string_view, 6> kNetwork = {"accept", "accept4", "bind", "connect", "listen",
                                                 "socket"};

struct CryptoMark {
  string_view library;
  string_view symbol_prefix;
  string_view needed_prefix;  // DT_NEEDED name prefix
};
constexpr std::array<CryptoMark, 8> kCrypto = {{
    {"openssl", "SSL_", "libssl"},
    {"openssl", "EVP_", "libcrypto"},
    {"mbedtls", "mbedtls_", "libmbed"},
    {"wolfssl", "wolfSSL_", "libwolfssl"},
    {"wolfssl", "CyaSSL_", "libcyassl"},
    {"gnutls", "gnutls_", "libgnutls"},
    {"libsodium", "crypto_box", "libsodium"},
    {"matrixssl", "matrixSsl", "libmatrixssl"},
}};

bool contains_canary_name(string_view n) {
  return n.find("__stack_chk_fail") != string_view::npos ||
         n.find("__stack_chk_guard") != string_view::npos ||
         n.find("__intel_security_cookie") != string_view::npos;
}

string_view strip_leading_underscores(string_view n) {
  std::size_t i = n.find_first_not_of('_');
  return i == string_view::npos ? string_view{} : n.substr(i);
}

bool ends_with(string_view s, string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_fortifiable(string_view n) {
  return std::binary_search(kFortifiable.begin(), kFortifiable.end(), n);
}

template <std::size_t N>
bool in(const std::array<string_view, N>& list, string_view n) {
  return std::find(list.begin(), list.end(), n) != list.end();
}

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

/// Counts TLS canary loads in executable PT_LOAD ranges: x86-64 `mov %fs:0x28,%reg`
/// (64 [REX.W] 8b modrm(mod=00,rm=100) 25 28 00 00 00) and i386 `mov %gs:0x14,%reg`
/// (65 a1 14 00 00 00 or 65 8b modrm(mod=00,rm=101) 14 00 00 00). One memchr-driven pass.
std::uint32_t count_guard_loads(const elf::ElfFile& f, ByteView image) {
  const bool x64 = f.machine == 62;
  const std::uint8_t prefix = x64 ? 0x64 : 0x65;
  std::uint32_t count = 0;
  for (const auto& s : f.segments) {
    if (s.type != raw::kPtLoad || !(s.flags & raw::kPfX)) continue;
    ByteView code = slice(image, s.offset, std::min<std::uint64_t>(s.filesz, image.size() - std::min<std::uint64_t>(s.offset, image.size())));
    const std::uint8_t* p = code.data();
    const std::uint8_t* end = code.data() + code.size();
    while (p < end) {
      const void* hit = std::memchr(p, prefix, static_cast<std::size_t>(end - p));
      if (!hit) break;
      const auto* h = static_cast<const std::uint8_t*>(hit);
      std::size_t left = static_cast<std::size_t>(end - h);
      if (x64 && left >= 9 && (h[1] == 0x48 || h[1] == 0x4c) && h[2] == 0x8b && (h[3] & 0xc7) == 0x04 &&
          h[4] == 0x25 && h[5] == 0x28 && h[6] == 0 && h[7] == 0 && h[8] == 0) {
        ++count;
      } else if (!x64 && left >= 6 && h[1] == 0xa1 && h[2] == 0x14 && h[3] == 0 && h[4] == 0 && h[5] == 0) {
        ++count;
      } else if (!x64 && left >= 7 && h[1] == 0x8b && (h[2] & 0xc7) == 0x05 && h[3] == 0x14 && h[4] == 0 &&
                 h[5] == 0 && h[6] == 0) {
        ++count;
      }
      p = h + 1;
    }
  }
  return count;
}

}  // namespace

const std::vector<std::string_view>& fortifiable_functions() {
  static const std::vector<std::string_view> v(kFortifiable.begin(), kFortifiable.end());
  return v;
}

ElfHardening judge_elf(const elf::ElfFile& f, ByteView image) {
  ElfHardening h;
  h.is_static = f.is_static();
  h.stripped = f.stripped();
  h.symbols = f.has_symtab;

  // RELRO: PT_GNU_RELRO, full when the loader binds everything at start-up. checksec greps
  // `readelf -d` for BIND_NOW, which misses DF_1_NOW alone; ld.so honours all three.
  if (f.find_segment(raw::kPtGnuRelro)) {
    bool now = f.has_dynamic_tag(raw::kDtBindNow) ||
               (f.dynamic_value(raw::kDtFlags) & raw::kDfBindNow) != 0 ||
               (f.dynamic_value(raw::kDtFlags1) & raw::kDf1Now) != 0;
    h.relro = now ? Relro::kFull : Relro::kPartial;
  }

  // PIE: checksec's "DEBUG in readelf -d" test, plus the flags a modern linker sets.
  switch (f.type) {
    case raw::kEtExec: h.pie = Pie::kExec; break;
    case raw::kEtDyn: {
      bool pie = f.has_dynamic_tag(raw::kDtDebug) ||
                 (f.dynamic_value(raw::kDtFlags1) & raw::kDf1Pie) != 0 ||
                 (f.has_interp && f.soname.empty());
      h.pie = pie ? Pie::kPie : Pie::kDso;
      break;
    }
    case raw::kEtRel: h.pie = Pie::kRel; break;
    default: h.pie = Pie::kOther; break;
  }

  // NX: PT_GNU_STACK's X bit. Without the header the kernel's default applies: executable
  // (READ_IMPLIES_EXEC or an exec stack) on i386, ARM, MIPS, PowerPC, SPARC, SH and on x86-64
  // before Linux 5.8; non-executable on AArch64 and RISC-V, which never had the legacy default.
  if (const elf::Segment* st = f.find_segment(raw::kPtGnuStack)) {
    h.has_gnu_stack = true;
    h.nx = (st->flags & raw::kPfX) == 0;
    h.nx_reason = h.nx ? "PT_GNU_STACK is not executable" : "PT_GNU_STACK has the X flag (executable stack)";
  } else {
    bool nonexec_default = (f.machine == 183 && f.is_64) || f.machine == 243;
    h.nx = nonexec_default;
    h.nx_reason = nonexec_default
                      ? "no PT_GNU_STACK; this architecture's stack is non-executable by default"
                      : "no PT_GNU_STACK; the kernel defaults to an executable stack here";
  }

  h.rpath = f.has_rpath && !f.rpath.empty();
  h.runpath = f.has_runpath && !f.runpath.empty();

  if (f.has_x86_feature_note) {
    h.ibt = (f.x86_features & 1) != 0;
    h.shstk = (f.x86_features & 2) != 0;
  }
  if (f.has_aarch64_feature_note) {
    h.bti = (f.aarch64_features & 1) != 0;
    h.pac = (f.aarch64_features & 2) != 0;
  }

  // One pass over .dynsym: canary symbol, FORTIFY (checksec counts every .dynsym name with its
  // leading underscores removed), dangerous, network and crypto imports.
  auto visit = [&](const elf::Symbol& s, bool dynsym) {
    string_view n = s.name;
    if (n.empty()) return;
    if (!h.canary && contains_canary_name(n)) h.canary = true;
    if (dynsym) {
      string_view base = strip_leading_underscores(n);
      if (ends_with(base, "_chk")) {
        h.fortify = true;
        if (is_fortifiable(base.substr(0, base.size() - 4))) {
          ++h.fortified;
          ++h.fortifiable;
        }
      } else if (is_fortifiable(base)) {
        ++h.fortifiable;
      }
    }
    // Imports, or for a static binary the functions linked in.
    bool used = dynsym ? !s.defined() : (h.is_static && s.defined() && s.type == 2);
    if (used) {
      if (in(kDangerous, n)) h.dangerous_imports.emplace_back(n);
      if (in(kNetwork, n)) h.network_imports.emplace_back(n);
    }
    for (const auto& c : kCrypto) {
      if (n.substr(0, c.symbol_prefix.size()) == c.symbol_prefix) h.crypto_libraries.emplace_back(c.library);
    }
  };
  for (const auto& s : f.dynamic_symbols) visit(s, true);
  for (const auto& s : f.symtab) visit(s, false);
  if (h.canary) h.canary_evidence = CanaryEvidence::kSymbol;
  for (const auto& lib : f.needed) {
    for (const auto& c : kCrypto) {
      if (string_view(lib).substr(0, c.needed_prefix.size()) == c.needed_prefix) h.crypto_libraries.emplace_back(c.library);
    }
  }

  // Beyond the symbol tables: a static binary without .symtab keeps no name for its canary
  // references, but on x86 every protected function loads the guard from TLS at a fixed offset.
  // (Dynamic binaries always import __stack_chk_fail, and .dynsym survives stripping.)
  // (A static-pie keeps a .dynsym holding only the null symbol, hence "no named symbol".)
  bool named_dynsym = std::any_of(f.dynamic_symbols.begin(), f.dynamic_symbols.end(),
                                  [](const elf::Symbol& s) { return !s.name.empty(); });
  if (!h.canary && !f.has_symtab && !named_dynsym && !image.empty() &&
      (f.machine == 62 || f.machine == 3)) {
    h.canary_guard_loads = count_guard_loads(f, image);
    if (h.canary_guard_loads > 0) {
      h.canary = true;
      h.canary_evidence = CanaryEvidence::kTlsGuardLoad;
    }
  }

  h.network = !h.network_imports.empty();
  sort_unique(h.dangerous_imports);
  sort_unique(h.network_imports);
  sort_unique(h.crypto_libraries);
  return h;
}

const char* relro_name(Relro r) {
  switch (r) {
    case Relro::kNone: return "no";
    case Relro::kPartial: return "partial";
    case Relro::kFull: return "full";
  }
  return "no";
}
const char* pie_name(Pie p) {
  switch (p) {
    case Pie::kExec: return "no";
    case Pie::kPie: return "yes";
    case Pie::kDso: return "dso";
    case Pie::kRel: return "rel";
    case Pie::kOther: return "other";
  }
  return "other";
}
const char* canary_evidence_name(CanaryEvidence e) {
  switch (e) {
    case CanaryEvidence::kNone: return "none";
    case CanaryEvidence::kSymbol: return "symbol";
    case CanaryEvidence::kTlsGuardLoad: return "tls-guard-load";
  }
  return "none";
}

nlohmann::json to_json(const ElfHardening& h) {
  return {
      {"relro", relro_name(h.relro)},
      {"canary", h.canary},
      {"canary_evidence", canary_evidence_name(h.canary_evidence)},
      {"canary_guard_loads", h.canary_guard_loads},
      {"nx", h.nx},
      {"nx_reason", h.nx_reason},
      {"pie", pie_name(h.pie)},
      {"rpath", h.rpath},
      {"runpath", h.runpath},
      {"symbols", h.symbols},
      {"fortify", h.fortify},
      {"fortified", h.fortified},
      {"fortifiable", h.fortifiable},
      {"ibt", h.ibt},
      {"shstk", h.shstk},
      {"bti", h.bti},
      {"pac", h.pac},
      {"static", h.is_static},
      {"stripped", h.stripped},
      {"dangerous_imports", h.dangerous_imports},
      {"network", h.network},
      {"network_imports", h.network_imports},
      {"crypto_libraries", h.crypto_libraries},
  };
}

}  // namespace assay::hardening
