#include "report/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

namespace assay::report {
namespace {

std::string human_bytes(std::uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", n) : fmt::format("{:.1f} {}", v, units[u]);
}

}  // namespace

std::string render_text(const Assessment& a, const TextOptions& o) {
  auto paint = [&](std::string_view s, const char* code) {
    return o.color ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : std::string(s);
  };
  const char* vcolor = a.verdict.result == VerdictResult::kPass   ? "1;32"
                       : a.verdict.result == VerdictResult::kFail ? "1;31"
                                                                  : "1;33";
  std::string out;
  out += fmt::format("Assay {} — {}\n", a.tool_version, a.subject.name);
  out += fmt::format("  subject   {} ({}, {}, sha256 {})\n", a.subject.path, kind_name(a.subject.kind),
                     human_bytes(a.subject.size), a.subject.sha256.empty() ? "-" : a.subject.sha256.substr(0, 16));
  out += fmt::format("  product   {}\n", a.product_kind);
  std::map<std::string, std::uint64_t> kinds;
  for (const auto& n : a.tree) ++kinds[std::string(kind_name(n.kind))];
  std::vector<std::pair<std::uint64_t, std::string>> top;
  for (auto& [k, c] : kinds)
    if (k != "directory") top.emplace_back(c, k);
  std::sort(top.rbegin(), top.rend());
  std::string kind_list;
  for (std::size_t i = 0; i < top.size() && i < 8; ++i)
    kind_list += fmt::format("{}{} {}", i ? ", " : "", top[i].first, top[i].second);
  out += fmt::format("  unpacked  {} nodes, {} files, {} produced in {:.2f} s ({} jobs)\n", a.stats.nodes,
                     a.stats.files, human_bytes(a.stats.bytes_unpacked), a.stats.seconds, a.stats.jobs);
  if (!kind_list.empty()) out += fmt::format("  kinds     {}\n", kind_list);
  std::map<Severity, std::size_t> sev;
  for (const auto& f : a.findings) ++sev[f.severity];
  out += fmt::format("  findings  {} critical, {} high, {} medium, {} low, {} info\n", sev[Severity::kCritical],
                     sev[Severity::kHigh], sev[Severity::kMedium], sev[Severity::kLow], sev[Severity::kInfo]);
  std::size_t shown = 0;
  for (const auto& f : a.findings) {
    if (shown >= o.max_findings) break;
    if (f.severity == Severity::kInfo) continue;
    std::string where = f.evidence.empty() ? std::string() : f.evidence[0].path;
    out += fmt::format("    {:<8} {:<28} {}\n", paint(severity_name(f.severity), f.severity >= Severity::kHigh ? "31" : "33"),
                       f.rule_id, f.title);
    if (!where.empty()) out += fmt::format("             {}\n", where);
    ++shown;
  }
  std::size_t listed_candidates = 0;
  for (const auto& f : a.findings)
    if (f.severity != Severity::kInfo) ++listed_candidates;
  if (listed_candidates > shown) out += fmt::format("    ... and {} more (use --format json)\n", listed_candidates - shown);
  out += fmt::format("  verdict   {}", paint(verdict_name(a.verdict.result), vcolor));
  if (!a.verdict.reasons.empty()) out += fmt::format(" — {}", a.verdict.reasons.front());
  out += "\n";
  return out;
}

}  // namespace assay::report
