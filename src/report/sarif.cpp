// SARIF 2.1.0 (OASIS), the shape GitHub code scanning accepts: one run, the rules that fired with
// help text, results with a stable partial fingerprint, suppressions for waived findings.
#include <fmt/format.h>

#include <map>

#include "report/formats.hpp"
#include "report/report_util.hpp"

namespace assay::report {
namespace {

using nlohmann::json;

const char* sarif_level(Severity s) {
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh: return "error";
    case Severity::kMedium: return "warning";
    default: return "note";
  }
}

// GitHub ranks security results by this property (a CVSS-like score as a string).
std::string security_severity(const Finding& f) {
  if (f.cvss) return fmt::format("{:.1f}", *f.cvss);
  switch (f.severity) {
    case Severity::kCritical: return "9.5";
    case Severity::kHigh: return "8.0";
    case Severity::kMedium: return "5.5";
    case Severity::kLow: return "3.0";
    default: return "0.0";
  }
}

json rule_of(const Finding& f) {
  std::string help = f.description;
  if (!f.remediation.empty()) {
    if (!help.empty()) help += "\n\n";
    help += "Remediation: ";
    help += f.remediation;
  }
  std::string md = fmt::format("**{}**\n\n{}", f.title, f.description);
  if (!f.remediation.empty()) md += fmt::format("\n\n**Remediation.** {}", f.remediation);
  for (const auto& r : f.references) md += fmt::format("\n- {}", r);
  json tags = json::array({"security", std::string(category_name(f.category))});
  for (const auto& t : f.tags) tags.push_back(t);
  for (const auto& c : f.cwe) tags.push_back("external/cwe/" + c);
  json rule = {{"id", f.rule_id},
               {"name", f.rule_id},
               {"shortDescription", {{"text", f.title}}},
               {"fullDescription", {{"text", f.description.empty() ? f.title : f.description}}},
               {"help", {{"text", help.empty() ? f.title : help}, {"markdown", md}}},
               {"defaultConfiguration", {{"level", sarif_level(f.severity)}}},
               {"properties",
                {{"tags", tags},
                 {"precision", f.confidence == "low" ? "low" : f.confidence == "medium" ? "medium" : "high"},
                 {"security-severity", security_severity(f)},
                 {"category", category_name(f.category)}}}};
  if (!f.references.empty()) rule["helpUri"] = f.references.front();
  return rule;
}

json location_of(const Evidence& e) {
  json phys = {{"artifactLocation", {{"uri", uri_encode_path(e.path)}}}};
  if (e.line) {
    phys["region"] = {{"startLine", *e.line}};
    if (!e.excerpt.empty()) phys["region"]["snippet"] = {{"text", e.excerpt}};
  } else if (e.offset) {
    phys["region"] = {{"byteOffset", *e.offset}};
    if (!e.excerpt.empty()) phys["region"]["snippet"] = {{"text", e.excerpt}};
  }
  return {{"physicalLocation", phys}};
}

}  // namespace

std::string render_sarif(const Assessment& a) {
  json rules = json::array();
  std::map<std::string, std::size_t> index;
  json results = json::array();
  for (const auto& f : a.findings) {
    auto [it, inserted] = index.emplace(f.rule_id, rules.size());
    // The most severe instance describes the rule (findings are sorted by severity).
    if (inserted) rules.push_back(rule_of(f));
    json r = {{"ruleId", f.rule_id},
              {"ruleIndex", it->second},
              {"level", sarif_level(f.severity)},
              {"message", {{"text", f.evidence.empty() || f.evidence[0].excerpt.empty()
                                        ? f.title
                                        : fmt::format("{}: {}", f.title, f.evidence[0].excerpt)}}},
              {"partialFingerprints", {{"assayFingerprint/v1", f.fingerprint}}},
              {"properties",
               {{"severity", severity_name(f.severity)},
                {"category", category_name(f.category)},
                {"security-severity", security_severity(f)}}}};
    json locs = json::array();
    for (const auto& e : f.evidence) {
      if (locs.size() >= 10) break;
      locs.push_back(location_of(e));
    }
    if (locs.empty()) locs.push_back(location_of(Evidence{a.subject.name, {}, {}, {}}));
    r["locations"] = std::move(locs);
    if (!f.suppression.is_null()) {
      json s = {{"kind", "external"}, {"status", "accepted"}};
      s["justification"] = f.suppression.value("justification", f.suppression.value("status", std::string("accepted")));
      r["suppressions"] = json::array({s});
    }
    results.push_back(std::move(r));
  }
  json run = {
      {"tool",
       {{"driver",
         {{"name", "Assay"},
          {"version", a.tool_version},
          {"semanticVersion", a.tool_version},
          {"informationUri", "https://github.com/assay-vetting/assay"},
          {"rules", std::move(rules)}}}}},
      {"results", std::move(results)},
      {"invocations", json::array({{{"executionSuccessful", true},
                                    {"startTimeUtc", a.started_at.empty() ? "1970-01-01T00:00:00Z" : a.started_at}}})},
      {"properties",
       {{"verdict", verdict_name(a.verdict.result)},
        {"policy", a.verdict.policy},
        {"complete", a.complete},
        {"subject", {{"name", a.subject.name}, {"sha256", a.subject.sha256}}}}}};
  json doc = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", json::array({std::move(run)})}};
  return doc.dump(2) + "\n";
}

}  // namespace assay::report
