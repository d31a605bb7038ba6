// CycloneDX 1.6 JSON (https://cyclonedx.org/docs/1.6/json/), rendered from the assessment: the
// subject as metadata.component, every inventory component with its identity evidence
// (technique and confidence per source) and occurrences, the dependency graph where package
// metadata states it, and the `vulnerability` findings. Deterministic: the only time is the
// document's timestamp; the serial number derives from the subject's hash.
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "inventory/sbom.hpp"
#include "report/formats.hpp"

namespace assay::report {
namespace {

using nlohmann::json;
namespace sbom = inventory::sbom;

// CycloneDX identity techniques for each inventory source, with the confidence (0..1) that
// technique earns: a package database is the package manager's own record; a version string
// is a banner the code prints about itself.
std::pair<const char*, double> technique(const Component& c) {
  const std::string& s = c.source;
  if (s == "version-string") return {"binary-analysis", c.confidence == "high" ? 0.8 : c.confidence == "medium" ? 0.6 : 0.4};
  if (s == "file-name") return {"filename", 0.5};
  if (s == "go-buildinfo" || s == "cargo-auditable") return {"binary-analysis", 1.0};
  if (s == "jar-manifest") return {"manifest-analysis", 0.7};
  return {"manifest-analysis", 1.0};
}

std::string component_type(const Component& c) {
  static const std::set<std::string> kTypes = {"application", "framework", "library", "container", "platform",
                                               "operating-system", "device", "device-driver", "firmware",
                                               "file", "machine-learning-model", "data", "cryptographic-asset"};
  return kTypes.count(c.type) ? c.type : "library";
}

json licenses_of(const std::vector<std::string>& ls) {
  json out = json::array();
  if (ls.size() == 1 && sbom::is_license_expression(ls[0])) {
    out.push_back({{"expression", ls[0]}});
    return out;
  }
  for (const auto& l : ls) {
    if (l.empty()) continue;
    if (sbom::is_spdx_license_id(l)) out.push_back({{"license", {{"id", l}}}});
    else out.push_back({{"license", {{"name", l}}}});
  }
  return out;
}

json occurrence_of(const json& o) {
  json r = {{"location", o.value("path", "")}};
  if (o.contains("offset") && o["offset"].is_number_unsigned()) r["offset"] = o["offset"];
  if (o.contains("source") && o["source"].is_string()) r["additionalContext"] = o["source"];
  return r;
}

json component_json(const Component& c, const std::string& ref) {
  json j;
  j["type"] = component_type(c);
  j["bom-ref"] = ref;
  j["name"] = c.name;
  if (!c.version.empty()) j["version"] = c.version;
  if (!c.purl.empty()) j["purl"] = c.purl;
  if (!c.cpe.empty()) j["cpe"] = c.cpe;
  if (c.sha256.size() == 64) j["hashes"] = json::array({{{"alg", "SHA-256"}, {"content", c.sha256}}});
  if (json l = licenses_of(c.licenses); !l.empty()) j["licenses"] = std::move(l);

  auto [tech, conf] = technique(c);
  json method = {{"technique", tech}, {"confidence", conf}};
  if (!c.evidence.empty()) method["value"] = c.evidence;
  json methods = json::array({method});
  json occurrences = json::array();
  json first = {{"location", c.path}};
  if (c.offset) first["offset"] = *c.offset;
  occurrences.push_back(first);
  if (c.extra.is_object()) {
    if (auto it = c.extra.find("also_identified_by"); it != c.extra.end() && it->is_array())
      for (const auto& o : *it) {
        json m = {{"technique", o.value("source", "") == "file-name" ? "filename" : "binary-analysis"},
                  {"confidence", 0.8}};
        if (o.contains("evidence") && o["evidence"].is_string()) m["value"] = o["evidence"];
        methods.push_back(std::move(m));
        occurrences.push_back(occurrence_of(o));
      }
    if (auto it = c.extra.find("occurrences"); it != c.extra.end() && it->is_array())
      for (const auto& o : *it) occurrences.push_back(occurrence_of(o));
  }
  json identity = {{"field", !c.purl.empty() ? "purl" : "name"}, {"confidence", conf}, {"methods", methods}};
  if (c.source == "version-string" || c.source == "file-name") identity["concludedValue"] = c.version;
  j["evidence"] = {{"identity", json::array({identity})}, {"occurrences", occurrences}};

  json props = json::array();
  props.push_back({{"name", "assay:source"}, {"value", c.source}});
  if (!c.ecosystem.empty()) props.push_back({{"name", "assay:ecosystem"}, {"value", c.ecosystem}});
  props.push_back({{"name", "assay:confidence"}, {"value", c.confidence}});
  if (c.extra.is_object())
    for (const char* k : {"source_package", "source_version", "architecture", "distro", "maintainer"})
      if (auto it = c.extra.find(k); it != c.extra.end() && it->is_string())
        props.push_back({{"name", std::string("assay:") + k}, {"value", *it}});
  j["properties"] = std::move(props);
  return j;
}

// The subject's component type from what the tree shows it to be.
std::string subject_type(const Assessment& a) {
  if (a.product_kind == "firmware-image" || a.product_kind == "linux-rootfs") return "firmware";
  if (a.product_kind == "linux-package") return "application";
  return "application";
}

std::string severity_text(Severity s) {
  switch (s) {
    case Severity::kCritical: return "critical";
    case Severity::kHigh: return "high";
    case Severity::kMedium: return "medium";
    case Severity::kLow: return "low";
    case Severity::kInfo: return "info";
  }
  return "unknown";
}

json vulnerabilities_of(const Assessment& a, const sbom::Refs& refs) {
  json out = json::array();
  std::map<std::string, std::size_t> by_id;
  for (const auto& f : a.findings) {
    if (f.category != Category::kVulnerability || f.rule_id != "vulnerability.known") continue;
    // The finding key is "<advisory id>:<component name>" (src/analyzers/vulnerabilities).
    auto colon = f.key.find(':');
    std::string id = colon == std::string::npos ? f.key : f.key.substr(0, colon);
    std::string comp = colon == std::string::npos ? "" : f.key.substr(colon + 1);
    if (id.empty()) continue;
    std::string path = f.evidence.empty() ? "" : f.evidence.front().path;
    std::string ref;
    for (std::size_t i = 0; i < a.components.size(); ++i)
      if (a.components[i].name == comp && (path.empty() || a.components[i].path == path)) {
        ref = refs.ref[i];
        break;
      }
    if (ref.empty()) continue;
    auto [it, inserted] = by_id.emplace(id, out.size());
    if (!inserted) {
      json& v = out[it->second];
      json aff = {{"ref", ref}};
      if (std::find(v["affects"].begin(), v["affects"].end(), aff) == v["affects"].end()) v["affects"].push_back(aff);
      continue;
    }
    json v;
    v["bom-ref"] = "vulnerability:" + id;
    v["id"] = id;
    std::string src = id.starts_with("CVE-") ? "NVD" : id.starts_with("GHSA-") ? "GitHub" : "OSV";
    v["source"] = {{"name", src}};
    json rating = {{"severity", severity_text(f.severity)}};
    if (f.cvss) rating["score"] = *f.cvss;
    v["ratings"] = json::array({rating});
    json cwes = json::array();
    for (const auto& c : f.cwe) {
      std::string n = c.starts_with("CWE-") ? c.substr(4) : c;
      if (!n.empty() && n.find_first_not_of("0123456789") == std::string::npos && n.size() < 9)
        cwes.push_back(std::stoi(n));
    }
    if (!cwes.empty()) v["cwes"] = cwes;
    if (!f.description.empty()) v["description"] = f.description;
    if (!f.remediation.empty()) v["recommendation"] = f.remediation;
    json advisories = json::array();
    for (const auto& r : f.references)
      if (r.starts_with("http://") || r.starts_with("https://")) advisories.push_back({{"url", r}});
    if (!advisories.empty()) v["advisories"] = advisories;
    v["affects"] = json::array({{{"ref", ref}}});
    if (!f.suppression.is_null() && f.suppression.value("kind", "") == "vex") {
      json analysis = {{"state", "not_affected"}};
      if (f.suppression.contains("statement") && f.suppression["statement"].is_string() &&
          !f.suppression["statement"].get<std::string>().empty())
        analysis["detail"] = f.suppression["statement"];
      v["analysis"] = analysis;
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

std::string render_cyclonedx(const Assessment& a) {
  sbom::Refs refs = sbom::make_refs(a);
  json bom;
  bom["bomFormat"] = "CycloneDX";
  bom["specVersion"] = "1.6";
  bom["serialNumber"] = "urn:uuid:" + sbom::uuid_from(sbom::subject_seed(a));
  bom["version"] = 1;
  json subject = {{"type", subject_type(a)}, {"bom-ref", "subject"}, {"name", a.subject.name}};
  if (a.subject.sha256.size() == 64)
    subject["hashes"] = json::array({{{"alg", "SHA-256"}, {"content", a.subject.sha256}}});
  if (!a.product_kind.empty())
    subject["properties"] = json::array({{{"name", "assay:product_kind"}, {"value", a.product_kind}}});
  json meta;
  if (!a.started_at.empty()) meta["timestamp"] = a.started_at;
  meta["tools"] = {{"components", json::array({{{"type", "application"}, {"name", "assay"},
                                                 {"version", a.tool_version.empty() ? "0" : a.tool_version}}})}};
  meta["component"] = std::move(subject);
  bom["metadata"] = std::move(meta);

  json comps = json::array();
  for (std::size_t i = 0; i < a.components.size(); ++i) comps.push_back(component_json(a.components[i], refs.ref[i]));
  bom["components"] = std::move(comps);

  // The subject contains every component; each component depends on what its metadata names.
  json deps = json::array();
  json top = json::array();
  for (const auto& r : refs.ref) top.push_back(r);
  deps.push_back({{"ref", "subject"}, {"dependsOn", top}});
  for (std::size_t i = 0; i < a.components.size(); ++i) {
    std::set<std::string> on;
    for (const auto& d : a.components[i].depends_on)
      if (auto it = refs.by_purl.find(d); it != refs.by_purl.end() && it->second != refs.ref[i]) on.insert(it->second);
    json e = {{"ref", refs.ref[i]}};
    if (!on.empty()) e["dependsOn"] = on;
    deps.push_back(std::move(e));
  }
  bom["dependencies"] = std::move(deps);
  if (json v = vulnerabilities_of(a, refs); !v.empty()) bom["vulnerabilities"] = std::move(v);
  return bom.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace assay::report
