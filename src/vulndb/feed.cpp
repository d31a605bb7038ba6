// OSV and NVD record parsing. nlohmann::json throws on type mismatches; every accessor here checks
// the type first, and the public entry points catch what is left (the library boundary rule), so
// a record of the wrong shape is an error value, never an exception escaping.
//
// OSV range events are paired in the order the feed lists them (OSV producers sort them): an
// `introduced` opens an interval, `fixed` or `last_affected` closes it, and a second `introduced`
// while one is open is ignored (OSV's evaluation treats it as already affected). A `limit` event
// only applies to GIT ranges and is ignored.

#include "vulndb/feed.hpp"

#include <cmath>
#include <set>

namespace assay::vulndb {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

const json* arr(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return nullptr;
  return &*it;
}

const json* obj(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  if (it == j.end() || !it->is_object()) return nullptr;
  return &*it;
}

std::string clip(std::string s) {
  if (s.size() > kMaxTextBytes) s.resize(kMaxTextBytes);
  return s;
}

void add_cpes_from(const json& specific, std::vector<std::pair<std::string, std::string>>& out,
                   std::string* first_cpe) {
  const json* cpes = arr(specific, "cpes");
  if (!cpes) return;
  std::set<std::pair<std::string, std::string>> seen(out.begin(), out.end());
  for (const auto& c : *cpes) {
    if (!c.is_string()) continue;
    std::string part, vendor, product, version;
    if (!split_cpe(c.get<std::string>(), &part, &vendor, &product, &version)) continue;
    if (first_cpe->empty()) *first_cpe = c.get<std::string>();
    if (seen.insert({vendor, product}).second) out.emplace_back(vendor, product);
    if (out.size() >= 16) break;  // one product rarely has more than a couple of CPE names
  }
}

void set_severity_from(const json& list, Advisory& a) {
  if (!list.is_array()) return;
  for (const auto& s : list) {
    std::string type = str(s, "type"), score = str(s, "score");
    if (type.empty() || score.empty()) continue;
    if (a.severity.size() < 8) a.severity.push_back({{"type", type}, {"score", score}});
    if (type == "CVSS_V3" && a.cvss_v3_vector.empty()) {
      a.cvss_v3_vector = score;
      a.cvss_v3_score = cvss3_base_score(score);
    } else if (type == "CVSS_V4" && a.cvss_v4_vector.empty()) {
      a.cvss_v4_vector = score;  // v4 scores need the full macro-vector table: taken from NVD only
    }
  }
}

std::string severity_label_from(const json& specific) {
  std::string s = str(specific, "severity");
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string normalize_package(std::string_view ecosystem, std::string_view name) {
  if (ecosystem != "PyPI") return std::string(name);
  std::string out;
  bool sep = false;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      sep = true;
      continue;
    }
    if (sep && !out.empty()) out.push_back('-');
    sep = false;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

bool split_cpe(std::string_view cpe, std::string* part, std::string* vendor, std::string* product,
               std::string* version) {
  if (cpe.substr(0, 8) != "cpe:2.3:") return false;
  std::vector<std::string> fields;
  std::string cur;
  for (std::size_t i = 8; i < cpe.size() && fields.size() < 4; ++i) {
    char c = cpe[i];
    if (c == '\\' && i + 1 < cpe.size()) {
      cur.push_back(cpe[++i]);
    } else if (c == ':') {
      fields.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  if (fields.size() < 4) fields.push_back(std::move(cur));
  if (fields.size() < 3 || fields[1].empty() || fields[2].empty()) return false;
  *part = fields[0];
  *vendor = fields[1];
  *product = fields[2];
  *version = fields.size() > 3 ? fields[3] : std::string("*");
  return true;
}

std::optional<double> cvss3_base_score(std::string_view vector) {
  if (vector.substr(0, 7) != "CVSS:3.") return std::nullopt;
  std::string av, ac, pr, ui, s, c, i, a;
  std::size_t pos = vector.find('/');
  while (pos != std::string_view::npos && pos < vector.size()) {
    std::size_t next = vector.find('/', pos + 1);
    std::string_view metric = vector.substr(pos + 1, next == std::string_view::npos ? next : next - pos - 1);
    auto colon = metric.find(':');
    if (colon != std::string_view::npos) {
      std::string k(metric.substr(0, colon)), v(metric.substr(colon + 1));
      if (k == "AV") av = v;
      else if (k == "AC") ac = v;
      else if (k == "PR") pr = v;
      else if (k == "UI") ui = v;
      else if (k == "S") s = v;
      else if (k == "C") c = v;
      else if (k == "I") i = v;
      else if (k == "A") a = v;
    }
    pos = next;
  }
  auto cia = [](const std::string& x) -> std::optional<double> {
    if (x == "H") return 0.56;
    if (x == "L") return 0.22;
    if (x == "N") return 0.0;
    return std::nullopt;
  };
  std::optional<double> vav, vac, vpr, vui;
  if (av == "N") vav = 0.85; else if (av == "A") vav = 0.62; else if (av == "L") vav = 0.55; else if (av == "P") vav = 0.2;
  if (ac == "L") vac = 0.77; else if (ac == "H") vac = 0.44;
  bool changed = s == "C";
  if (s != "C" && s != "U") return std::nullopt;
  if (pr == "N") vpr = 0.85; else if (pr == "L") vpr = changed ? 0.68 : 0.62; else if (pr == "H") vpr = changed ? 0.5 : 0.27;
  if (ui == "N") vui = 0.85; else if (ui == "R") vui = 0.62;
  auto vc = cia(c), vi = cia(i), va = cia(a);
  if (!vav || !vac || !vpr || !vui || !vc || !vi || !va) return std::nullopt;
  double iss = 1 - (1 - *vc) * (1 - *vi) * (1 - *va);
  double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  double expl = 8.22 * *vav * *vac * *vpr * *vui;
  if (impact <= 0) return 0.0;
  double raw = changed ? std::min(1.08 * (impact + expl), 10.0) : std::min(impact + expl, 10.0);
  // CVSS 3.1 Roundup: avoids floating-point artefacts by working in integers of 1e-5.
  auto int_input = static_cast<long long>(std::llround(raw * 100000));
  if (int_input % 10000 == 0) return static_cast<double>(int_input) / 100000.0;
  return (std::floor(static_cast<double>(int_input) / 10000.0) + 1) / 10.0;
}

Result<Advisory> parse_osv(const json& j) try {
  Advisory a;
  a.id = str(j, "id");
  if (a.id.empty()) return make_error(Errc::kMalformed, "OSV record without an id");
  a.modified = str(j, "modified");
  a.published = str(j, "published");
  a.withdrawn = str(j, "withdrawn");
  a.summary = clip(str(j, "summary"));
  a.details = clip(str(j, "details"));
  if (const json* al = arr(j, "aliases"))
    for (const auto& x : *al)
      if (x.is_string() && a.aliases.size() < 64) a.aliases.push_back(x.get<std::string>());
  if (const json* refs = arr(j, "references"))
    for (const auto& r : *refs) {
      std::string url = str(r, "url");
      if (!url.empty() && a.references.size() < 32) a.references.push_back(url);
    }
  if (const json* sev = arr(j, "severity")) set_severity_from(*sev, a);
  std::vector<std::pair<std::string, std::string>> cpes;
  std::string first_cpe;
  if (const json* ds = obj(j, "database_specific")) {
    add_cpes_from(*ds, cpes, &first_cpe);
    a.severity_label = severity_label_from(*ds);
    if (const json* cw = arr(*ds, "cwe_ids"))
      for (const auto& x : *cw)
        if (x.is_string() && a.cwes.size() < 8) a.cwes.push_back(x.get<std::string>());
  }
  const json* affected = arr(j, "affected");
  if (affected) {
    for (const auto& af : *affected) {
      const json* pkg = obj(af, "package");
      AffectedRange base;
      if (pkg) {
        base.ecosystem = str(*pkg, "ecosystem");
        base.package = normalize_package(base.ecosystem, str(*pkg, "name"));
        base.purl = str(*pkg, "purl");
      }
      if (a.source.empty() && !base.ecosystem.empty()) a.source = "osv/" + base.ecosystem.substr(0, base.ecosystem.find(':'));
      if (const json* sev = arr(af, "severity")) set_severity_from(*sev, a);
      std::vector<std::pair<std::string, std::string>> af_cpes = cpes;
      std::string af_first = first_cpe;
      if (const json* ds = obj(af, "database_specific")) add_cpes_from(*ds, af_cpes, &af_first);
      if (const json* es = obj(af, "ecosystem_specific"))
        if (a.severity_label.empty()) a.severity_label = severity_label_from(*es);
      if (af_cpes.empty()) af_cpes.emplace_back("", "");
      std::vector<AffectedRange> rows;
      if (const json* ranges = arr(af, "ranges")) {
        for (const auto& r : *ranges) {
          AffectedRange cur = base;
          cur.range_type = str(r, "type");
          cur.repo = str(r, "repo");
          bool open = false;
          const json* events = arr(r, "events");
          if (!events) continue;
          for (const auto& e : *events) {
            if (!e.is_object()) continue;
            if (e.contains("introduced")) {
              if (open) continue;
              cur.introduced = str(e, "introduced");
              cur.fixed.clear();
              cur.last_affected.clear();
              open = true;
            } else if (e.contains("fixed") || e.contains("last_affected")) {
              if (!open) {  // a close without an open: affected from the beginning
                cur.introduced = "0";
              }
              cur.fixed = str(e, "fixed");
              cur.last_affected = str(e, "last_affected");
              rows.push_back(cur);
              open = false;
            }
            if (rows.size() >= kMaxRangesPerAdvisory) break;
          }
          if (open) {
            cur.fixed.clear();
            cur.last_affected.clear();
            rows.push_back(cur);
          }
        }
      }
      if (const json* vs = arr(af, "versions"); vs && !vs->empty()) {
        AffectedRange cur = base;
        cur.range_type = "VERSIONS";
        for (const auto& v : *vs) {
          if (cur.versions.size() >= kMaxVersionsPerRange) break;
          if (v.is_string()) cur.versions.push_back(v.get<std::string>());
        }
        rows.push_back(std::move(cur));
      }
      for (auto& row : rows) {
        for (const auto& [vendor, product] : af_cpes) {
          if (a.affected.size() >= kMaxRangesPerAdvisory) break;
          AffectedRange out = row;
          out.cpe_vendor = vendor;
          out.cpe_product = product;
          if (!vendor.empty()) out.cpe = af_first;
          a.affected.push_back(std::move(out));
        }
      }
    }
  }
  if (a.source.empty()) a.source = "osv";
  return a;
} catch (const std::exception& e) {
  return make_error(Errc::kMalformed, std::string("OSV record: ") + e.what());
}

Result<Advisory> parse_nvd_cve(const json& cve) try {
  Advisory a;
  a.id = str(cve, "id");
  if (a.id.empty()) return make_error(Errc::kMalformed, "NVD record without an id");
  a.source = "nvd";
  a.modified = str(cve, "lastModified");
  a.published = str(cve, "published");
  if (str(cve, "vulnStatus") == "Rejected") a.withdrawn = a.modified;
  if (const json* ds = arr(cve, "descriptions"))
    for (const auto& d : *ds)
      if (str(d, "lang") == "en") {
        a.details = clip(str(d, "value"));
        break;
      }
  a.summary = a.details.substr(0, a.details.find('.') == std::string::npos ? 160 : std::min<std::size_t>(a.details.find('.'), 160));
  if (const json* m = obj(cve, "metrics")) {
    auto take = [&](const char* key, std::optional<double>& score, std::string& vector, const char* type) {
      const json* list = arr(*m, key);
      if (!list || score) return;
      const json* chosen = nullptr;
      for (const auto& x : *list)  // the NVD's own "Primary" score first, else the first one
        if (!chosen || str(x, "type") == "Primary") chosen = &x;
      if (!chosen) return;
      const json* data = obj(*chosen, "cvssData");
      if (!data) return;
      auto bs = data->find("baseScore");
      if (bs != data->end() && bs->is_number()) score = bs->get<double>();
      vector = str(*data, "vectorString");
      if (!vector.empty()) a.severity.push_back({{"type", type}, {"score", vector}});
    };
    take("cvssMetricV31", a.cvss_v3_score, a.cvss_v3_vector, "CVSS_V3");
    take("cvssMetricV30", a.cvss_v3_score, a.cvss_v3_vector, "CVSS_V3");
    take("cvssMetricV40", a.cvss_v4_score, a.cvss_v4_vector, "CVSS_V4");
  }
  if (const json* ws = arr(cve, "weaknesses"))
    for (const auto& w : *ws)
      if (const json* ds = arr(w, "description"))
        for (const auto& d : *ds) {
          std::string v = str(d, "value");
          if (v.rfind("CWE-", 0) == 0 && a.cwes.size() < 8) a.cwes.push_back(v);
        }
  if (const json* refs = arr(cve, "references"))
    for (const auto& r : *refs) {
      std::string url = str(r, "url");
      if (!url.empty() && a.references.size() < 32) a.references.push_back(url);
    }
  // Every vulnerable cpeMatch of every node is taken. AND-configurations ("app X on platform Y")
  // list the platform with vulnerable=false, so it is not matched; the app alone is.
  if (const json* configs = arr(cve, "configurations"))
    for (const auto& cfg : *configs) {
      const json* nodes = arr(cfg, "nodes");
      if (!nodes) continue;
      for (const auto& node : *nodes) {
        const json* matches = arr(node, "cpeMatch");
        if (!matches) continue;
        for (const auto& m : *matches) {
          if (a.affected.size() >= kMaxRangesPerAdvisory) break;
          auto vuln = m.find("vulnerable");
          if (vuln == m.end() || !vuln->is_boolean() || !vuln->get<bool>()) continue;
          AffectedRange r;
          r.cpe = str(m, "criteria");
          std::string part, version;
          if (!split_cpe(r.cpe, &part, &r.cpe_vendor, &r.cpe_product, &version)) continue;
          r.package = r.cpe_product;
          r.range_type = "NVD";
          std::string si = str(m, "versionStartIncluding"), se = str(m, "versionStartExcluding");
          std::string ei = str(m, "versionEndIncluding"), ee = str(m, "versionEndExcluding");
          if (si.empty() && se.empty() && ei.empty() && ee.empty()) {
            if (version == "*") {
              r.introduced = "0";  // every version of the product
            } else if (version == "-") {
              continue;  // "no version": cannot be compared with a found version
            } else {
              r.range_type = "VERSIONS";
              r.versions.push_back(version);
            }
          } else {
            r.introduced = !si.empty() ? si : (!se.empty() ? se : "0");
            r.introduced_exclusive = si.empty() && !se.empty();
            r.fixed = ee;
            r.last_affected = ei;
          }
          a.affected.push_back(std::move(r));
        }
      }
    }
  return a;
} catch (const std::exception& e) {
  return make_error(Errc::kMalformed, std::string("NVD record: ") + e.what());
}

Result<std::vector<Advisory>> parse_feed(std::string_view text, std::size_t* skipped) try {
  std::size_t skip_count = 0;
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return make_error(Errc::kMalformed, "not JSON");
  std::vector<Advisory> out;
  auto take_osv = [&](const json& rec) {
    auto a = parse_osv(rec);
    if (a.ok()) out.push_back(std::move(a).value());
    else ++skip_count;
  };
  if (j.is_array()) {
    for (const auto& rec : j) take_osv(rec);
  } else if (const json* vulns = arr(j, "vulnerabilities"); vulns && !j.contains("id")) {
    for (const auto& v : *vulns) {
      const json* cve = obj(v, "cve");
      auto a = cve ? parse_nvd_cve(*cve) : Result<Advisory>(make_error(Errc::kMalformed, "no cve"));
      if (a.ok()) out.push_back(std::move(a).value());
      else ++skip_count;
    }
  } else if (j.is_object() && j.contains("id")) {
    auto a = parse_osv(j);
    if (!a.ok()) return std::move(a).error();
    out.push_back(std::move(a).value());
  } else {
    return make_error(Errc::kMalformed, "neither an OSV record nor an NVD CVE 2.0 feed");
  }
  if (skipped) *skipped = skip_count;
  return out;
} catch (const std::exception& e) {
  return make_error(Errc::kMalformed, std::string("feed: ") + e.what());
}

}  // namespace assay::vulndb
