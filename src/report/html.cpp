// One self-contained HTML file a reviewer can read and print: no scripts, no external resources;
// charts are inline SVG. Sections: verdict banner, requirement table, findings by the four
// questions with evidence, data-collection map, components and vulnerabilities, coverage.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

#include "report/formats.hpp"
#include "report/report_util.hpp"

namespace assay::report {
namespace {

using nlohmann::json;

const char* severity_color(Severity s) {
  switch (s) {
    case Severity::kCritical: return "#7f1d1d";
    case Severity::kHigh: return "#dc2626";
    case Severity::kMedium: return "#d97706";
    case Severity::kLow: return "#2563eb";
    default: return "#6b7280";
  }
}

const char* verdict_color(VerdictResult v) {
  switch (v) {
    case VerdictResult::kPass: return "#15803d";
    case VerdictResult::kFail: return "#b91c1c";
    default: return "#b45309";
  }
}

const char* result_color(const std::string& r) {
  if (r == "pass") return "#15803d";
  if (r == "fail") return "#b91c1c";
  if (r == "needs-review") return "#b45309";
  return "#6b7280";
}

constexpr const char* kStyle = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;margin:0;background:#f9fafb}
main{max-width:1100px;margin:0 auto;padding:24px}
.banner{color:#fff;padding:20px 24px;border-radius:8px;margin-bottom:20px}
.banner h1{margin:0 0 4px;font-size:28px;letter-spacing:.02em}
.banner p{margin:2px 0;opacity:.95}
h2{border-bottom:2px solid #e5e7eb;padding-bottom:4px;margin-top:32px}
h3{margin:20px 0 8px}
table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0}
th,td{border:1px solid #e5e7eb;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6}
.badge{display:inline-block;color:#fff;border-radius:4px;padding:1px 7px;font-size:12px;font-weight:600;text-transform:uppercase}
.finding{background:#fff;border:1px solid #e5e7eb;border-left:5px solid #6b7280;border-radius:6px;padding:10px 14px;margin:10px 0;page-break-inside:avoid}
.finding h4{margin:0 0 4px;font-size:15px}
.muted{color:#6b7280}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
pre{background:#f3f4f6;padding:6px 8px;border-radius:4px;white-space:pre-wrap;word-break:break-all;margin:4px 0}
.charts{display:flex;gap:24px;flex-wrap:wrap}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px 16px}
.waived{opacity:.6}
@media print{body{background:#fff}main{padding:0}.finding,.card{border-color:#999}a{color:inherit;text-decoration:none}}
)css";

std::string badge(std::string_view text, const char* color) {
  return fmt::format(R"(<span class="badge" style="background:{}">{}</span>)", color, html_escape(text));
}

// A horizontal bar chart: one bar per (label, value, color).
std::string bar_chart(const std::string& title, const std::vector<std::tuple<std::string, std::size_t, std::string>>& rows) {
  std::size_t max = 1;
  for (const auto& r : rows) max = std::max(max, std::get<1>(r));
  const int bar_w = 260, row_h = 24, label_w = 150;
  int h = static_cast<int>(rows.size()) * row_h + 28;
  std::string svg = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" aria-label="{}">)",
      label_w + bar_w + 50, h, html_escape(title));
  svg += fmt::format(R"(<text x="0" y="16" font-size="13" font-weight="600">{}</text>)", html_escape(title));
  int y = 28;
  for (const auto& [label, value, color] : rows) {
    int w = static_cast<int>(static_cast<double>(value) / static_cast<double>(max) * bar_w);
    svg += fmt::format(R"(<text x="0" y="{}" font-size="12">{}</text>)", y + 15, html_escape(label));
    svg += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="18" rx="3" fill="{}"/>)", label_w, y + 2,
                       std::max(w, value ? 2 : 0), color);
    svg += fmt::format(R"(<text x="{}" y="{}" font-size="12">{}</text>)", label_w + w + 6, y + 15, value);
    y += row_h;
  }
  svg += "</svg>";
  return svg;
}

std::string finding_html(const Finding& f) {
  std::string out = fmt::format(R"(<div class="finding{}" id="f-{}" style="border-left-color:{}">)",
                                f.suppression.is_null() ? "" : " waived", f.fingerprint, severity_color(f.severity));
  out += fmt::format("<h4>{} {}</h4>", badge(severity_name(f.severity), severity_color(f.severity)), html_escape(f.title));
  out += fmt::format(R"(<div class="muted"><code>{}</code> · {} · confidence {}{}</div>)", html_escape(f.rule_id),
                     category_name(f.category), html_escape(f.confidence),
                     f.cwe.empty() ? std::string() : " · " + html_escape(fmt::format("{}", fmt::join(f.cwe, ", "))));
  if (!f.suppression.is_null())
    out += fmt::format("<p><strong>Accepted ({}):</strong> {}</p>", html_escape(f.suppression.value("kind", "")),
                       html_escape(f.suppression.value("justification", f.suppression.value("status", ""))));
  if (!f.description.empty()) out += fmt::format("<p>{}</p>", html_escape(f.description));
  if (!f.evidence.empty()) {
    out += "<div><strong>Evidence</strong>";
    std::size_t n = 0;
    for (const auto& e : f.evidence) {
      if (++n > 8) {
        out += fmt::format(R"(<div class="muted">… {} more</div>)", f.evidence.size() - 8);
        break;
      }
      std::string where = html_escape(e.path);
      if (e.line) where += fmt::format(":{}", *e.line);
      else if (e.offset) where += fmt::format(" @0x{:x}", *e.offset);
      out += fmt::format("<div><code>{}</code></div>", where);
      if (!e.excerpt.empty()) out += fmt::format("<pre>{}</pre>", html_escape(e.excerpt));
    }
    out += "</div>";
  }
  if (!f.remediation.empty()) out += fmt::format("<p><strong>Remediation.</strong> {}</p>", html_escape(f.remediation));
  if (!f.references.empty()) {
    out += "<div class=\"muted\">References: ";
    for (std::size_t i = 0; i < f.references.size(); ++i) {
      if (i != 0) out += ", ";
      out += html_escape(f.references[i]);
    }
    out += "</div>";
  }
  out += "</div>\n";
  return out;
}

const Fact* find_fact(const Assessment& a, std::string_view type) {
  for (const auto& f : a.facts)
    if (f.type == type) return &f;
  return nullptr;
}

std::string json_cell(const json& v) {
  if (v.is_string()) return html_escape(v.get<std::string>());
  if (v.is_array()) {
    std::string s;
    for (const auto& x : v) {
      if (!s.empty()) s += ", ";
      s += x.is_string() ? x.get<std::string>() : x.dump();
    }
    return html_escape(s);
  }
  if (v.is_null()) return "";
  return html_escape(v.dump());
}

}  // namespace

std::string render_html(const Assessment& a) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  out += fmt::format("<title>Assay assessment — {}</title><style>{}</style></head><body><main>\n",
                     html_escape(a.subject.name), kStyle);

  // Verdict banner.
  out += fmt::format(R"(<section class="banner" id="verdict" style="background:{}">)", verdict_color(a.verdict.result));
  out += fmt::format("<h1>Verdict: {}</h1>", html_escape(std::string(verdict_name(a.verdict.result))));
  out += fmt::format("<p><strong>{}</strong> · {} · policy <code>{}</code></p>", html_escape(a.subject.name),
                     html_escape(a.product_kind), html_escape(a.verdict.policy));
  for (const auto& r : a.verdict.reasons) out += fmt::format("<p>{}</p>", html_escape(r));
  out += "</section>\n";

  out += "<table><tr><th>Subject</th><td>" + html_escape(a.subject.path) + "</td></tr>";
  out += "<tr><th>SHA-256</th><td><code>" + html_escape(a.subject.sha256) + "</code></td></tr>";
  out += fmt::format("<tr><th>Unpacked</th><td>{} nodes, {} files, {} bytes in {:.2f} s{}</td></tr>", a.stats.nodes,
                     a.stats.files, a.stats.bytes_unpacked, a.stats.seconds,
                     a.complete ? "" : " — <strong>incomplete</strong> (see coverage findings)");
  out += "<tr><th>Assessed</th><td>" + html_escape(a.started_at) + " by Assay " + html_escape(a.tool_version) + "</td></tr>";
  if (!a.vulnerability_db.is_null())
    out += "<tr><th>Vulnerability data</th><td>" + json_cell(a.vulnerability_db) + "</td></tr>";
  out += "</table>\n";

  // Charts.
  std::map<Severity, std::size_t> sev;
  std::map<std::string, std::size_t> by_q;
  for (const auto& f : a.findings) {
    if (!f.suppression.is_null()) continue;
    ++sev[f.severity];
    ++by_q[question_of(f.category).id];
  }
  std::vector<std::tuple<std::string, std::size_t, std::string>> sev_rows;
  for (Severity s : {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow, Severity::kInfo})
    sev_rows.emplace_back(std::string(severity_name(s)), sev[s], severity_color(s));
  std::vector<std::tuple<std::string, std::size_t, std::string>> q_rows;
  for (const auto& q : kQuestions) q_rows.emplace_back(q.title, by_q[q.id], "#4b5563");
  out += "<div class=\"charts\"><div class=\"card\">" + bar_chart("Findings by severity", sev_rows) +
         "</div><div class=\"card\">" + bar_chart("Findings by question", q_rows) + "</div></div>\n";

  // Requirements.
  out += "<h2 id=\"requirements\">Requirements</h2>\n";
  if (a.policy.is_object() && a.policy.contains("requirements")) {
    out += fmt::format("<p>{} <code>{}</code> version {}{}</p>", html_escape(a.policy.value("title", "")),
                       html_escape(a.policy.value("id", "")), html_escape(a.policy.value("version", "")),
                       a.policy.contains("regime") ? " — " + json_cell(a.policy["regime"]) : std::string());
    out += "<table><tr><th>Requirement</th><th>Reference</th><th>Result</th><th>Why</th><th>Findings</th></tr>\n";
    for (const auto& r : a.policy["requirements"]) {
      std::string res = r.value("result", "");
      std::string links;
      if (r.contains("findings"))
        for (const auto& fp : r["findings"])
          if (fp.is_string()) {
            std::string s = fp.get<std::string>();
            links += fmt::format(R"(<a href="#f-{}"><code>{}</code></a> )", html_escape(s), html_escape(s.substr(0, 8)));
          }
      std::string why = html_escape(r.value("reason", ""));
      if (r.contains("review") && r["review"].is_string() && !r["review"].get<std::string>().empty())
        why += "<br><em>Reviewer: " + html_escape(r["review"].get<std::string>()) + "</em>";
      if (r.value("reconstructed", false)) why += "<br><span class=\"muted\">Requirement text reconstructed (see regime notes).</span>";
      out += fmt::format("<tr><td><strong>{}</strong><br>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                         html_escape(r.value("id", "")), html_escape(r.value("title", "")),
                         html_escape(r.value("regime_ref", "")), badge(res, result_color(res)), why, links);
    }
    out += "</table>\n";
  } else {
    out += "<p class=\"muted\">No policy was evaluated; the verdict follows the default rule (any critical or "
           "high finding fails).</p>\n";
  }

  // Findings by question.
  out += "<h2 id=\"findings\">Findings</h2>\n";
  for (const auto& q : kQuestions) {
    std::vector<const Finding*> fs;
    for (const auto& f : a.findings)
      if (std::string_view(question_of(f.category).id) == q.id) fs.push_back(&f);
    out += fmt::format("<h3 id=\"q-{}\">{} <span class=\"muted\">({})</span></h3>\n", q.id, q.title, fs.size());
    if (fs.empty()) out += "<p class=\"muted\">Nothing found.</p>\n";
    for (const Finding* f : fs) out += finding_html(*f);
  }

  // Data collection map (apps).
  const Fact* dc = find_fact(a, "app.data-collection");
  const Fact* tr = find_fact(a, "app.trackers");
  const Fact* ep = find_fact(a, "app.endpoints");
  if (dc != nullptr || tr != nullptr || ep != nullptr) {
    out += "<h2 id=\"data\">Data collection</h2>\n";
    auto table_of = [&](const Fact* f, const char* title) {
      if (f == nullptr) return;
      const json* rows = &f->data;
      for (const char* k : {"data_types", "items", "trackers", "endpoints", "data"})
        if (f->data.is_object() && f->data.contains(k) && f->data[k].is_array()) rows = &f->data[k];
      if (!rows->is_array() || rows->empty()) return;
      out += fmt::format("<h3>{}</h3><table><tr>", title);
      std::vector<std::string> cols;
      for (auto it = (*rows)[0].begin(); rows->at(0).is_object() && it != (*rows)[0].end(); ++it) cols.push_back(it.key());
      for (const auto& c : cols) out += "<th>" + html_escape(c) + "</th>";
      out += "</tr>\n";
      std::size_t n = 0;
      for (const auto& row : *rows) {
        if (++n > 200) break;
        out += "<tr>";
        for (const auto& c : cols) out += "<td>" + (row.contains(c) ? json_cell(row[c]) : std::string()) + "</td>";
        out += "</tr>\n";
      }
      out += "</table>\n";
    };
    table_of(dc, "Personal data the product can collect");
    table_of(tr, "Third-party trackers and SDKs");
    table_of(ep, "Endpoints");
  }

  // Components and vulnerabilities.
  out += fmt::format("<h2 id=\"components\">Components <span class=\"muted\">({})</span></h2>\n", a.components.size());
  if (!a.components.empty()) {
    out += "<table><tr><th>Name</th><th>Version</th><th>Identifier</th><th>Found</th><th>How</th></tr>\n";
    std::size_t n = 0;
    for (const auto& c : a.components) {
      if (++n > 500) {
        out += fmt::format("<tr><td colspan=\"5\" class=\"muted\">… {} more (see the JSON document)</td></tr>",
                           a.components.size() - 500);
        break;
      }
      out += fmt::format("<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>\n",
                         html_escape(c.name), html_escape(c.version), html_escape(c.purl.empty() ? c.cpe : c.purl),
                         html_escape(c.path), html_escape(c.source));
    }
    out += "</table>\n";
  }
  std::vector<const Finding*> vulns;
  for (const auto& f : a.findings)
    if (f.category == Category::kVulnerability) vulns.push_back(&f);
  out += fmt::format("<h3 id=\"vulnerabilities\">Known vulnerabilities <span class=\"muted\">({})</span></h3>\n", vulns.size());
  if (!vulns.empty()) {
    out += "<table><tr><th>Severity</th><th>Vulnerability</th><th>CVSS</th><th>Status</th></tr>\n";
    for (const Finding* f : vulns)
      out += fmt::format("<tr><td>{}</td><td><a href=\"#f-{}\">{}</a></td><td>{}</td><td>{}</td></tr>\n",
                         badge(severity_name(f->severity), severity_color(f->severity)), f->fingerprint,
                         html_escape(f->title), f->cvss ? fmt::format("{:.1f}", *f->cvss) : "",
                         f->suppression.is_null() ? "open" : html_escape(f->suppression.value("kind", "accepted")));
    out += "</table>\n";
  }
  out += fmt::format("<p class=\"muted\">Generated by Assay {} · schema {} · fingerprints are stable across "
                     "rebuilds of the same product.</p>\n",
                     html_escape(a.tool_version), kAssessmentSchema);
  out += "</main></body></html>\n";
  return out;
}

}  // namespace assay::report
