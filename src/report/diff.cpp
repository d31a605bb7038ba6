#include "report/diff.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

namespace assay::report {
namespace {

using nlohmann::json;

json brief(const json& f) {
  json b = {{"fingerprint", f.value("fingerprint", "")}, {"rule_id", f.value("rule_id", "")},
            {"severity", f.value("severity", "")}, {"title", f.value("title", "")},
            {"category", f.value("category", "")}};
  if (f.contains("evidence") && f["evidence"].is_array() && !f["evidence"].empty())
    b["path"] = f["evidence"][0].value("path", "");
  if (f.contains("suppression") && !f["suppression"].is_null()) b["suppressed"] = true;
  return b;
}

std::map<std::string, json> by_key(const json& doc, const char* array, const char* key) {
  std::map<std::string, json> out;
  if (!doc.contains(array) || !doc[array].is_array()) return out;
  for (const auto& x : doc[array])
    if (x.is_object()) out.emplace(x.value(key, ""), x);
  return out;
}

json side(const json& doc) {
  json s = {{"subject", doc.value("subject", json::object())}};
  if (doc.contains("verdict")) s["verdict"] = doc["verdict"].value("result", "");
  if (doc.contains("policy") && doc["policy"].is_object()) s["policy"] = doc["policy"].value("id", "");
  s["started_at"] = doc.value("started_at", "");
  return s;
}

int severity_rank(const std::string& s) {
  static const std::map<std::string, int> r = {{"info", 0}, {"low", 1}, {"medium", 2}, {"high", 3}, {"critical", 4}};
  auto it = r.find(s);
  return it == r.end() ? -1 : it->second;
}

}  // namespace

json diff_assessments(const json& old_doc, const json& new_doc) {
  json d;
  d["schema"] = kDiffSchema;
  d["old"] = side(old_doc);
  d["new"] = side(new_doc);
  d["verdict_changed"] = d["old"].value("verdict", "") != d["new"].value("verdict", "");

  auto of = by_key(old_doc, "findings", "fingerprint");
  auto nf = by_key(new_doc, "findings", "fingerprint");
  json fixed = json::array(), added = json::array(), persisting = json::array(), sev_changed = json::array();
  for (const auto& [fp, f] : of) {
    auto it = nf.find(fp);
    if (it == nf.end()) {
      fixed.push_back(brief(f));
      continue;
    }
    persisting.push_back(brief(it->second));
    if (f.value("severity", "") != it->second.value("severity", ""))
      sev_changed.push_back({{"fingerprint", fp}, {"rule_id", f.value("rule_id", "")},
                             {"from", f.value("severity", "")}, {"to", it->second.value("severity", "")}});
  }
  for (const auto& [fp, f] : nf)
    if (!of.count(fp)) added.push_back(brief(f));
  auto by_sev = [](json& arr) {
    std::stable_sort(arr.begin(), arr.end(), [](const json& x, const json& y) {
      return severity_rank(x.value("severity", "")) > severity_rank(y.value("severity", ""));
    });
  };
  by_sev(fixed);
  by_sev(added);
  by_sev(persisting);
  d["findings"] = {{"fixed", fixed}, {"new", added}, {"persisting", persisting}, {"severity_changed", sev_changed}};

  json reqs = json::array();
  auto req_map = [](const json& doc) {
    std::map<std::string, std::string> m;
    if (doc.contains("policy") && doc["policy"].is_object() && doc["policy"].contains("requirements"))
      for (const auto& r : doc["policy"]["requirements"]) m[r.value("id", "")] = r.value("result", "");
    return m;
  };
  auto orq = req_map(old_doc), nrq = req_map(new_doc);
  std::set<std::string> ids;
  for (const auto& [k, v] : orq) ids.insert(k);
  for (const auto& [k, v] : nrq) ids.insert(k);
  for (const auto& id : ids) {
    std::string from = orq.count(id) ? orq[id] : "absent", to = nrq.count(id) ? nrq[id] : "absent";
    if (from != to) reqs.push_back({{"id", id}, {"from", from}, {"to", to}});
  }
  d["requirements"] = reqs;

  auto comp_map = [](const json& doc) {
    std::map<std::string, std::set<std::string>> m;
    if (doc.contains("components") && doc["components"].is_array())
      for (const auto& c : doc["components"]) m[c.value("name", "")].insert(c.value("version", ""));
    return m;
  };
  auto oc = comp_map(old_doc), nc = comp_map(new_doc);
  json cadd = json::array(), crem = json::array(), cchg = json::array();
  for (const auto& [name, vers] : oc) {
    auto it = nc.find(name);
    if (it == nc.end()) crem.push_back({{"name", name}, {"versions", vers}});
    else if (it->second != vers) cchg.push_back({{"name", name}, {"from", vers}, {"to", it->second}});
  }
  for (const auto& [name, vers] : nc)
    if (!oc.count(name)) cadd.push_back({{"name", name}, {"versions", vers}});
  d["components"] = {{"added", cadd}, {"removed", crem}, {"changed", cchg}};
  d["summary"] = {{"fixed", fixed.size()},           {"new", added.size()},
                  {"persisting", persisting.size()}, {"requirements_changed", reqs.size()},
                  {"components_added", cadd.size()}, {"components_removed", crem.size()},
                  {"components_changed", cchg.size()}};
  return d;
}

bool diff_has_new_findings(const json& diff) {
  for (const auto& f : diff["findings"]["new"])
    if (!f.value("suppressed", false)) return true;
  return false;
}

std::string render_diff_text(const json& d, bool color) {
  auto paint = [&](const std::string& s, const char* code) {
    return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : s;
  };
  std::string out;
  auto name_of = [](const json& s) { return s["subject"].value("name", "?"); };
  out += fmt::format("Assay re-assessment: {} -> {}\n", name_of(d["old"]), name_of(d["new"]));
  out += fmt::format("  verdict   {} -> {}{}\n", d["old"].value("verdict", "?"), d["new"].value("verdict", "?"),
                     d.value("verdict_changed", false) ? "" : " (unchanged)");
  const json& s = d["summary"];
  out += fmt::format("  findings  {} fixed, {} new, {} persisting\n", s.value("fixed", 0), s.value("new", 0),
                     s.value("persisting", 0));
  auto list = [&](const char* title, const json& arr, const char* code, const char* mark) {
    if (arr.empty()) return;
    out += fmt::format("\n{}\n", title);
    for (const auto& f : arr)
      out += fmt::format("  {} {:<8} {:<34} {}{}\n", paint(mark, code), f.value("severity", ""), f.value("rule_id", ""),
                         f.value("title", ""), f.value("suppressed", false) ? " (accepted)" : "");
  };
  list("Fixed", d["findings"]["fixed"], "32", "-");
  list("New", d["findings"]["new"], "31", "+");
  if (!d["findings"]["severity_changed"].empty()) {
    out += "\nSeverity changed\n";
    for (const auto& c : d["findings"]["severity_changed"])
      out += fmt::format("  ~ {:<34} {} -> {}\n", c.value("rule_id", ""), c.value("from", ""), c.value("to", ""));
  }
  if (!d["requirements"].empty()) {
    out += "\nRequirements\n";
    for (const auto& r : d["requirements"])
      out += fmt::format("  {:<28} {} -> {}\n", r.value("id", ""), r.value("from", ""), r.value("to", ""));
  }
  const json& c = d["components"];
  if (!c["added"].empty() || !c["removed"].empty() || !c["changed"].empty()) {
    out += "\nComponents\n";
    auto vers = [](const json& v) {
      std::string s;
      for (const auto& x : v) {
        if (!s.empty()) s += ',';
        s += x.get<std::string>();
      }
      return s;
    };
    for (const auto& x : c["added"]) out += fmt::format("  + {} {}\n", x.value("name", ""), vers(x["versions"]));
    for (const auto& x : c["removed"]) out += fmt::format("  - {} {}\n", x.value("name", ""), vers(x["versions"]));
    for (const auto& x : c["changed"])
      out += fmt::format("  ~ {} {} -> {}\n", x.value("name", ""), vers(x["from"]), vers(x["to"]));
  }
  return out;
}

}  // namespace assay::report
