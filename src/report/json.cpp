#include "report/json.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

namespace assay::report {

using nlohmann::json;

json to_json(const NodeInfo& n) {
  json j = {{"path", n.path}, {"kind", kind_name(n.kind)}, {"type", n.type}, {"size", n.size},
            {"depth", n.depth}};
  if (!n.sha256.empty()) j["sha256"] = n.sha256;
  if (n.offset) j["offset"] = *n.offset;
  if (n.entropy) j["entropy"] = *n.entropy;
  if (n.mode != 0) j["mode"] = fmt::format("{:04o}", n.mode);
  if (n.uid != 0) j["uid"] = n.uid;
  if (n.gid != 0) j["gid"] = n.gid;
  if (!n.link_target.empty()) j["link_target"] = n.link_target;
  if (!n.unpacker.empty()) j["unpacker"] = n.unpacker;
  if (n.children != 0) j["children"] = n.children;
  if (!n.diagnostics.empty()) j["diagnostics"] = n.diagnostics;
  return j;
}

json to_json(const Finding& f) {
  json ev = json::array();
  for (const auto& e : f.evidence) {
    json x = {{"path", e.path}};
    if (e.offset) x["offset"] = *e.offset;
    if (e.line) x["line"] = *e.line;
    if (!e.excerpt.empty()) x["excerpt"] = e.excerpt;
    ev.push_back(std::move(x));
  }
  json j = {{"rule_id", f.rule_id},       {"category", category_name(f.category)},
            {"severity", severity_name(f.severity)}, {"title", f.title},
            {"description", f.description}, {"evidence", std::move(ev)},
            {"fingerprint", f.fingerprint}};
  if (!f.cwe.empty()) j["cwe"] = f.cwe;
  if (!f.remediation.empty()) j["remediation"] = f.remediation;
  if (!f.tags.empty()) j["tags"] = f.tags;
  if (!f.key.empty()) j["key"] = f.key;
  j["confidence"] = f.confidence;
  if (!f.references.empty()) j["references"] = f.references;
  if (f.cvss) j["cvss"] = *f.cvss;
  if (!f.suppression.is_null()) j["suppression"] = f.suppression;
  return j;
}

json to_json(const Component& c) {
  json x = {{"name", c.name}, {"version", c.version}, {"path", c.path}, {"source", c.source},
            {"type", c.type}, {"confidence", c.confidence}};
  if (!c.purl.empty()) x["purl"] = c.purl;
  if (!c.cpe.empty()) x["cpe"] = c.cpe;
  if (!c.ecosystem.empty()) x["ecosystem"] = c.ecosystem;
  if (!c.licenses.empty()) x["licenses"] = c.licenses;
  if (!c.evidence.empty()) x["evidence"] = c.evidence;
  if (c.offset) x["offset"] = *c.offset;
  if (!c.sha256.empty()) x["sha256"] = c.sha256;
  if (!c.depends_on.empty()) x["depends_on"] = c.depends_on;
  if (!c.extra.is_null()) x["extra"] = c.extra;
  return x;
}

json to_json(const Assessment& a) {
  json tree = json::array();
  std::map<std::string, std::uint64_t> by_kind;
  for (const auto& n : a.tree) {
    tree.push_back(to_json(n));
    ++by_kind[std::string(kind_name(n.kind))];
  }
  json findings = json::array();
  std::map<std::string, std::uint64_t> by_sev = {{"critical", 0}, {"high", 0}, {"medium", 0}, {"low", 0}, {"info", 0}};
  std::map<std::string, std::uint64_t> by_cat;
  for (const auto& f : a.findings) {
    findings.push_back(to_json(f));
    ++by_sev[std::string(severity_name(f.severity))];
    ++by_cat[std::string(category_name(f.category))];
  }
  json facts = json::array();
  for (const auto& f : a.facts) facts.push_back({{"type", f.type}, {"path", f.path}, {"data", f.data}});
  json comps = json::array();
  for (const auto& c : a.components) comps.push_back(to_json(c));
  json j;
  j["schema"] = kAssessmentSchema;
  j["tool"] = {{"name", "assay"}, {"version", a.tool_version}};
  j["started_at"] = a.started_at;
  j["subject"] = {{"name", a.subject.name}, {"path", a.subject.path}, {"size", a.subject.size},
                  {"sha256", a.subject.sha256}, {"kind", kind_name(a.subject.kind)}};
  j["product_kind"] = a.product_kind;
  j["verdict"] = {{"result", verdict_name(a.verdict.result)}, {"policy", a.verdict.policy},
                  {"reasons", a.verdict.reasons}};
  j["complete"] = a.complete;
  if (!a.policy.is_null()) j["policy"] = a.policy;
  if (!a.vulnerability_db.is_null()) j["vulnerability_db"] = a.vulnerability_db;
  j["summary"] = {{"nodes", a.stats.nodes}, {"files", a.stats.files},
                  {"bytes_unpacked", a.stats.bytes_unpacked}, {"kinds", by_kind},
                  {"findings_by_severity", by_sev}, {"findings_by_category", by_cat}};
  j["stats"] = {{"seconds", std::round(a.stats.seconds * 1000.0) / 1000.0}, {"jobs", a.stats.jobs},
                {"memory_peak", a.stats.memory_peak}};
  j["findings"] = std::move(findings);
  j["facts"] = std::move(facts);
  j["components"] = std::move(comps);
  j["tree"] = std::move(tree);
  return j;
}

std::string render_json(const Assessment& a) { return to_json(a).dump(2) + "\n"; }

}  // namespace assay::report
