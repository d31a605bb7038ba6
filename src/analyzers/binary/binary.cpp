#include "analyzers/binary/binary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "analyzers/hardening/elf_hardening.hpp"
#include "analyzers/hardening/pe_macho_hardening.hpp"
#include "formats/elf/elf.hpp"
#include "formats/macho/macho.hpp"
#include "formats/pe/pe.hpp"
#include "formats/strings/strings.hpp"

namespace assay::analyzers {
namespace {

using nlohmann::json;

// Lists in facts are capped: a libc exports thousands of symbols and the report is for people.
constexpr std::size_t kMaxListedSymbols = 200;

json capped(const std::vector<std::string>& v) {
  json a = json::array();
  for (std::size_t i = 0; i < v.size() && i < kMaxListedSymbols; ++i) a.push_back(strings::valid_utf8(v[i]));
  return a;
}

std::string base_name(const std::string& path) {
  auto p = path.find_last_of("/!");
  return p == std::string::npos ? path : path.substr(p + 1);
}

// How exposed a binary is decides how much a missing mitigation matters.
enum class Exposure { kServer, kExecutable, kLibrary, kKernelModule, kObject };

const char* exposure_name(Exposure e) {
  switch (e) {
    case Exposure::kServer: return "network-facing executable";
    case Exposure::kExecutable: return "executable";
    case Exposure::kLibrary: return "shared library";
    case Exposure::kKernelModule: return "kernel module";
    case Exposure::kObject: return "object file";
  }
  return "executable";
}

bool imports_server_calls(const std::vector<std::string>& net) {
  for (const auto& s : net)
    if (s == "bind" || s == "listen" || s == "accept" || s == "accept4") return true;
  return false;
}

Finding hardening_finding(const NodeInfo& n, std::string rule, Severity sev, std::string title,
                          std::string description, std::string cwe, std::string remediation,
                          std::string excerpt) {
  Finding f;
  f.rule_id = std::move(rule);
  f.category = Category::kHardening;
  f.severity = sev;
  f.title = std::move(title);
  f.description = std::move(description);
  f.evidence.push_back({n.path, std::nullopt, std::nullopt, std::move(excerpt)});
  if (!cwe.empty()) f.cwe.push_back(std::move(cwe));
  f.remediation = std::move(remediation);
  return f;
}

void analyze_elf(const NodeView& node, ScanContext& ctx) {
  const NodeInfo& n = node.info;
  auto parsed = elf::parse_elf(node.bytes);
  if (!parsed) {
    ctx.add_fact({"binary.parse-error", n.path, json{{"format", "elf"}, {"message", parsed.error().message}}});
    return;
  }
  const elf::ElfFile& e = *parsed;
  hardening::ElfHardening h = hardening::judge_elf(e, node.bytes);
  Exposure exp = Exposure::kExecutable;
  bool is_kmod = e.type == 1 && (e.find_section(".modinfo") != nullptr || n.path.ends_with(".ko"));
  if (is_kmod) exp = Exposure::kKernelModule;
  else if (h.pie == hardening::Pie::kRel) exp = Exposure::kObject;
  else if (h.pie == hardening::Pie::kDso) exp = Exposure::kLibrary;
  else if (imports_server_calls(h.network_imports)) exp = Exposure::kServer;

  json fact = {{"format", "elf"},
               {"class", e.is_64 ? 64 : 32},
               {"endian", e.endian == Endian::kLittle ? "little" : "big"},
               {"machine", e.machine_name()},
               {"type", elf::type_name(e.type)},
               {"role", exposure_name(exp)},
               {"interpreter", strings::valid_utf8(e.interpreter)},
               {"needed", capped(e.needed)},
               {"soname", strings::valid_utf8(e.soname)},
               {"rpath", strings::valid_utf8(e.rpath)},
               {"runpath", strings::valid_utf8(e.runpath)},
               {"build_id", e.build_id},
               {"stripped", e.stripped()},
               {"static", e.is_static()},
               {"imports", capped(e.imports())},
               {"exports", capped(e.exports())},
               {"hardening", hardening::to_json(h)}};
  if (!e.diagnostics.empty()) fact["diagnostics"] = capped(e.diagnostics);
  ctx.add_fact({"binary.elf", n.path, std::move(fact)});

  // Kernel modules and relocatable objects are judged by other rules (kernel hardening), not by
  // user-space mitigations.
  if (exp == Exposure::kKernelModule || exp == Exposure::kObject) return;
  const bool server = exp == Exposure::kServer;
  const bool library = exp == Exposure::kLibrary;
  const std::string who = fmt::format("{} ({}, {})", base_name(n.path), exposure_name(exp), e.machine_name());
  if (!h.nx) {
    ctx.add_finding(hardening_finding(
        n, "hardening.elf.executable-stack", server ? Severity::kHigh : library ? Severity::kMedium : Severity::kLow,
        "Executable stack (no NX)",
        fmt::format("{} runs with an executable stack: {}. A stack buffer overflow becomes code "
                    "execution without any bypass.{}",
                    who, h.nx_reason,
                    library ? " A shared library that asks for an executable stack gives one to every "
                              "process that loads it." : ""),
        "CWE-119", "Link with -z noexecstack and make sure no object asks for an executable stack.",
        h.nx_reason));
  }
  if (h.pie == hardening::Pie::kExec) {
    ctx.add_finding(hardening_finding(
        n, "hardening.elf.no-pie", server ? Severity::kHigh : Severity::kLow, "Not position independent (no PIE)",
        fmt::format("{} is loaded at a fixed address (ET_EXEC), so ASLR does not move its code: "
                    "return-oriented exploits can use fixed gadget addresses.", who),
        "CWE-1357", "Build with -fPIE -pie.", "ELF type EXEC"));
  }
  if (!h.canary && !h.is_static) {
    ctx.add_finding(hardening_finding(
        n, "hardening.elf.no-stack-canary", server ? Severity::kMedium : Severity::kLow, "No stack canary",
        fmt::format("{} has no stack protector (no __stack_chk_fail reference): stack overflows "
                    "reach the return address undetected.", who),
        "CWE-121", "Build with -fstack-protector-strong.", "no __stack_chk_fail / __stack_chk_guard"));
  }
  if (h.relro == hardening::Relro::kNone && !h.is_static) {
    ctx.add_finding(hardening_finding(
        n, "hardening.elf.no-relro", server ? Severity::kMedium : Severity::kLow, "No RELRO",
        fmt::format("{} keeps its GOT and relocation data writable: a write primitive can redirect "
                    "imported calls.", who),
        "", "Link with -Wl,-z,relro,-z,now.", "no PT_GNU_RELRO"));
  }
  if (h.rpath || h.runpath) {
    std::string path = h.rpath ? e.rpath : e.runpath;
    bool unsafe = path.empty() || path.find("$ORIGIN") == std::string::npos
                      ? (path.find("/tmp") != std::string::npos || path.find("./") != std::string::npos ||
                         path.find("::") != std::string::npos || path.front() == ':' || path.back() == ':' ||
                         path.front() != '/')
                      : false;
    if (unsafe)
      ctx.add_finding(hardening_finding(
          n, "hardening.elf.unsafe-rpath", Severity::kMedium, "Library search path under attacker control",
          fmt::format("{} searches for libraries in {:?}: a relative, empty or world-writable entry lets a "
                      "local user plant a library.", who, path),
          "CWE-426", "Remove RPATH/RUNPATH or use absolute, root-owned directories.", path));
  }
  for (const auto& d : h.dangerous_imports)
    if (d == "gets")
      ctx.add_finding(hardening_finding(n, "hardening.elf.gets", Severity::kMedium, "Uses gets()",
                                        fmt::format("{} imports gets(), which cannot bound its input.", who),
                                        "CWE-242", "Replace gets() with fgets().", "import gets"));
}

void analyze_pe(const NodeView& node, ScanContext& ctx) {
  const NodeInfo& n = node.info;
  auto parsed = pe::parse_pe(node.bytes);
  if (!parsed) {
    ctx.add_fact({"binary.parse-error", n.path, json{{"format", "pe"}, {"message", parsed.error().message}}});
    return;
  }
  hardening::PeHardening h = hardening::judge_pe(*parsed);
  json fact = {{"format", "pe"}, {"machine", parsed->machine_name()}, {"pe32plus", parsed->is_64},
               {"dll", (parsed->characteristics & 0x2000) != 0}, {"hardening", hardening::to_json(h)}};
  ctx.add_fact({"binary.pe", n.path, std::move(fact)});
  if (h.dotnet) return;  // managed code: the native mitigations do not apply
  const std::string who = base_name(n.path);
  if (!h.dynamic_base)
    ctx.add_finding(hardening_finding(n, "hardening.pe.no-aslr", Severity::kMedium, "No ASLR (DYNAMICBASE off)",
                                      fmt::format("{} is always loaded at its preferred base address.", who),
                                      "CWE-1357", "Link with /DYNAMICBASE.", "DllCharacteristics lacks DYNAMIC_BASE"));
  if (!h.nx_compat)
    ctx.add_finding(hardening_finding(n, "hardening.pe.no-dep", Severity::kMedium, "No DEP (NX_COMPAT off)",
                                      fmt::format("{} does not opt into data execution prevention.", who),
                                      "CWE-119", "Link with /NXCOMPAT.", "DllCharacteristics lacks NX_COMPAT"));
  if (!h.gs)
    ctx.add_finding(hardening_finding(n, "hardening.pe.no-gs", Severity::kLow, "No /GS stack cookie",
                                      fmt::format("{} has no security cookie in its load configuration.", who),
                                      "CWE-121", "Compile with /GS.", "no load-config SecurityCookie"));
}

void analyze_macho(const NodeView& node, ScanContext& ctx) {
  const NodeInfo& n = node.info;
  auto parsed = macho::parse_macho(node.bytes);
  if (!parsed) {
    ctx.add_fact({"binary.parse-error", n.path, json{{"format", "macho"}, {"message", parsed.error().message}}});
    return;
  }
  auto slices = hardening::judge_macho(*parsed);
  json arr = json::array();
  for (const auto& s : slices) arr.push_back(hardening::to_json(s));
  ctx.add_fact({"binary.macho", n.path, json{{"format", "macho"}, {"fat", parsed->fat}, {"slices", arr}}});
  const std::string who = base_name(n.path);
  for (std::size_t i = 0; i < slices.size() && i < parsed->slices.size(); ++i) {
    const auto& s = slices[i];
    if (parsed->slices[i].filetype != 2) continue;  // MH_EXECUTE only
    const std::string tag = fmt::format("{} [{}]", who, s.cpu);
    if (!s.pie)
      ctx.add_finding(hardening_finding(n, "hardening.macho.no-pie", Severity::kHigh, "Not position independent (no PIE)",
                                        fmt::format("{} is loaded at a fixed address.", tag), "CWE-1357",
                                        "Build with -fPIE (default in current Xcode).", s.cpu));
    if (!s.canary)
      ctx.add_finding(hardening_finding(n, "hardening.macho.no-stack-canary", Severity::kLow, "No stack canary",
                                        fmt::format("{} imports no ___stack_chk_guard.", tag), "CWE-121",
                                        "Build with -fstack-protector-all.", s.cpu));
    if (s.stack_exec)
      ctx.add_finding(hardening_finding(n, "hardening.macho.executable-stack", Severity::kHigh, "Executable stack",
                                        fmt::format("{} sets MH_ALLOW_STACK_EXECUTION.", tag), "CWE-119",
                                        "Remove -allow_stack_execute.", s.cpu));
    if (s.encrypted) {
      Finding f = hardening_finding(n, "coverage.encrypted-binary", Severity::kMedium, "Encrypted binary (FairPlay)",
                                    fmt::format("{} is encrypted (cryptid != 0): its code cannot be analyzed.", tag),
                                    "", "Submit the decrypted build for vetting.", s.cpu);
      f.category = Category::kCoverage;
      ctx.add_finding(std::move(f));
    }
  }
}

}  // namespace

bool BinaryAnalyzer::wants(const NodeInfo& node) const {
  return node.type == "file" &&
         (node.kind == Kind::kElf || node.kind == Kind::kPe || node.kind == Kind::kMachO ||
          node.kind == Kind::kMachOFat);
}

void BinaryAnalyzer::analyze(const NodeView& node, ScanContext& ctx) const {
  switch (node.info.kind) {
    case Kind::kElf: analyze_elf(node, ctx); break;
    case Kind::kPe: analyze_pe(node, ctx); break;
    default: analyze_macho(node, ctx); break;
  }
}

}  // namespace assay::analyzers
