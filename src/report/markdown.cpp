// A short Markdown summary for a pull-request comment: verdict, counts, failed requirements and the
// most severe findings. The JSON document has the rest.
#include <fmt/format.h>

#include <map>

#include "report/formats.hpp"
#include "report/report_util.hpp"

namespace assay::report {
namespace {

// Table cells cannot hold pipes or newlines.
std::string md_cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  if (out.size() > 160) out = out.substr(0, 157) + "...";
  return out;
}

const char* verdict_icon(VerdictResult v) {
  switch (v) {
    case VerdictResult::kPass: return "✅";
    case VerdictResult::kFail: return "❌";
    default: return "⚠️";
  }
}

}  // namespace

std::string render_markdown(const Assessment& a) {
  std::string out;
  out += fmt::format("## {} Assay verdict: **{}** — `{}`\n\n", verdict_icon(a.verdict.result),
                     verdict_name(a.verdict.result), md_cell(a.subject.name));
  out += fmt::format("Policy `{}` · {} · sha256 `{}` · {} files unpacked{}\n\n", md_cell(a.verdict.policy),
                     md_cell(a.product_kind), a.subject.sha256.substr(0, 16), a.stats.files,
                     a.complete ? "" : " · **assessment incomplete**");
  for (const auto& r : a.verdict.reasons) out += fmt::format("- {}\n", md_cell(r));
  out += "\n";

  std::map<Severity, std::size_t> sev;
  std::size_t waived = 0;
  for (const auto& f : a.findings) {
    if (!f.suppression.is_null()) ++waived;
    else ++sev[f.severity];
  }
  out += "| critical | high | medium | low | info | accepted |\n|---:|---:|---:|---:|---:|---:|\n";
  out += fmt::format("| {} | {} | {} | {} | {} | {} |\n\n", sev[Severity::kCritical], sev[Severity::kHigh],
                     sev[Severity::kMedium], sev[Severity::kLow], sev[Severity::kInfo], waived);

  if (a.policy.is_object() && a.policy.contains("requirements")) {
    std::string rows;
    std::size_t n = 0;
    for (const auto& r : a.policy["requirements"]) {
      std::string res = r.value("result", "");
      if (res != "fail" && res != "needs-review") continue;
      if (++n > 20) continue;
      rows += fmt::format("| `{}` | {} | {} | {} |\n", md_cell(r.value("id", "")), md_cell(r.value("title", "")),
                          res == "fail" ? "❌ fail" : "⚠️ needs review", md_cell(r.value("reason", "")));
    }
    if (!rows.empty()) {
      out += "### Requirements not met\n\n| id | requirement | result | why |\n|---|---|---|---|\n" + rows;
      if (n > 20) out += fmt::format("\n... and {} more\n", n - 20);
      out += "\n";
    }
  }

  std::string rows;
  std::size_t shown = 0, total = 0;
  for (const auto& f : a.findings) {
    if (!f.suppression.is_null() || f.severity < Severity::kMedium) continue;
    ++total;
    if (shown >= 15) continue;
    ++shown;
    std::string where = f.evidence.empty() ? std::string() : relative_virtual_path(f.evidence[0].path);
    rows += fmt::format("| {} | {} | `{}` | `{}` |\n", severity_name(f.severity), md_cell(f.title),
                        md_cell(f.rule_id), md_cell(where));
  }
  if (!rows.empty()) {
    out += "### Findings (medium and above)\n\n| severity | finding | rule | where |\n|---|---|---|---|\n" + rows;
    if (total > shown) out += fmt::format("\n... and {} more in the full report\n", total - shown);
    out += "\n";
  }
  out += fmt::format("<sub>Assay {} · {} components · fingerprints in the JSON report</sub>\n", a.tool_version,
                     a.components.size());
  return out;
}

}  // namespace assay::report
