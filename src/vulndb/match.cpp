// Matching (see match.hpp for the rules). Costs: one indexed query per component (two or three for
// unmanaged ones), one advisory lookup per distinct hit, comparisons only over the rows of that
// package. Advisory records are cached per call, so a CVE hitting many components is read once.

#include "vulndb/match.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "vulndb/version.hpp"

namespace assay::vulndb {
namespace {

using nlohmann::json;

std::string hex_offset(std::uint64_t v) {
  std::ostringstream o;
  o << "0x" << std::hex << v;
  return o.str();
}

std::string extra_string(const json& extra, const char* key) {
  if (!extra.is_object()) return {};
  auto it = extra.find(key);
  return it != extra.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The source package a binary package was built from. The inventory records it as
// `source_package` (dpkg Source:, apk o:); "source" is the older key, still read.
std::string source_package(const json& extra) {
  std::string s = extra_string(extra, "source_package");
  return s.empty() ? extra_string(extra, "source") : s;
}

bool is_zero_version(const std::string& v) { return v.empty() || v == "0"; }

struct RowHit {
  const AffectedRow* row = nullptr;
  std::string range_text;
  std::string comparison;  // "1.1.0 < fixed 1.25.0"
};

std::string describe_range(const AffectedRange& r) {
  if (r.range_type == "VERSIONS") {
    std::string s = "versions ";
    for (std::size_t i = 0; i < r.versions.size() && i < 8; ++i) s += (i ? ", " : "") + r.versions[i];
    if (r.versions.size() > 8) s += ", ... (" + std::to_string(r.versions.size()) + " in all)";
    return s;
  }
  std::vector<std::string> parts;
  if (!is_zero_version(r.introduced)) parts.push_back((r.introduced_exclusive ? "> " : ">= ") + r.introduced);
  if (!r.fixed.empty()) parts.push_back("< " + r.fixed);
  if (!r.last_affected.empty()) parts.push_back("<= " + r.last_affected);
  if (parts.empty()) return "all versions";
  std::string s;
  for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? ", " : "") + parts[i];
  return s;
}

// Evaluates one row; fills `hit` when `version` is affected.
bool evaluate(const AffectedRow& row, const std::string& version, VersionScheme scheme, RowHit* hit) {
  const AffectedRange& r = row.range;
  if (r.range_type == "VERSIONS") {
    for (const auto& v : r.versions) {
      std::string norm = scheme == VersionScheme::kGeneric ? normalize_tag(v, r.package) : v;
      if (norm.empty()) continue;
      if (norm == version || compare_versions(scheme, version, norm) == 0) {
        hit->row = &row;
        hit->range_text = describe_range(r);
        hit->comparison = version + " is listed as affected (" + v + ")";
        return true;
      }
    }
    return false;
  }
  std::string why;
  if (!is_zero_version(r.introduced)) {
    int c = compare_versions(scheme, version, r.introduced);
    if (r.introduced_exclusive ? c <= 0 : c < 0) return false;
    why = version + (c == 0 ? " = introduced " : " > introduced ") + r.introduced;
  }
  if (!r.fixed.empty()) {
    if (compare_versions(scheme, version, r.fixed) >= 0) return false;
    why += (why.empty() ? "" : " and ") + version + " < fixed " + r.fixed;
  }
  if (!r.last_affected.empty()) {
    if (compare_versions(scheme, version, r.last_affected) > 0) return false;
    why += (why.empty() ? "" : " and ") + version + " <= last affected " + r.last_affected;
  }
  if (why.empty()) why = "every version of " + (r.package.empty() ? r.cpe_product : r.package) + " is affected";
  hit->row = &row;
  hit->range_text = describe_range(r);
  hit->comparison = why;
  return true;
}

struct UnionFind {
  std::vector<std::size_t> parent;
  std::size_t find(std::size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void unite(std::size_t a, std::size_t b) { parent[find(a)] = find(b); }
};

int severity_rank(Severity s) { return static_cast<int>(s); }

Severity severity_from_label(const std::string& label) {
  if (label == "CRITICAL") return Severity::kCritical;
  if (label == "HIGH") return Severity::kHigh;
  if (label == "LOW") return Severity::kLow;
  return Severity::kMedium;  // MODERATE, MEDIUM, or nothing stated
}

}  // namespace

bool is_distribution_ecosystem(std::string_view eco) noexcept {
  auto base = eco.substr(0, eco.find(':'));
  static constexpr std::string_view kDistros[] = {
      "Debian", "Ubuntu", "Alpine", "Red Hat", "Rocky Linux", "AlmaLinux", "SUSE", "openSUSE",
      "Mageia", "Photon OS", "openEuler", "Wolfi", "Chainguard", "Oracle Linux", "Fedora",
      "CentOS", "Android"};
  return std::find(std::begin(kDistros), std::end(kDistros), base) != std::end(kDistros);
}

Severity severity_from_score(double score) noexcept {
  if (score >= 9.0) return Severity::kCritical;
  if (score >= 7.0) return Severity::kHigh;
  if (score >= 4.0) return Severity::kMedium;
  if (score > 0.0) return Severity::kLow;
  return Severity::kInfo;
}

MatchResult match_components(Database& db, const std::vector<Component>& components) {
  MatchResult result;
  std::map<std::string, bool> ecosystem_present;
  std::map<std::string, std::optional<Advisory>> advisory_cache;
  auto get_advisory = [&](const std::string& id) -> const std::optional<Advisory>& {
    auto it = advisory_cache.find(id);
    if (it == advisory_cache.end()) it = advisory_cache.emplace(id, db.advisory(id)).first;
    return it->second;
  };
  std::map<std::string, std::size_t> unmatched_index;
  // Distribution packages by lower-case binary and source name, with their upstream version: a
  // version string found in a file of such a package (busybox in the busybox .deb) is that package,
  // whose fixes the distribution tracks, not an unmanaged copy to match upstream.
  std::map<std::string, std::vector<std::string>> distro_upstream;
  for (const auto& c : components) {
    if (!is_distribution_ecosystem(c.ecosystem)) continue;
    std::string up = c.version;
    if (auto colon = up.find(':'); colon != std::string::npos) up = up.substr(colon + 1);
    if (auto dash = up.rfind('-'); dash != std::string::npos) up = up.substr(0, dash);
    for (std::string n : {c.name, source_package(c.extra)}) {
      for (char& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (!n.empty()) distro_upstream[n].push_back(up);
    }
  }
  auto covered_by_package = [&](const Component& c) {
    std::string n = c.name;
    for (char& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto it = distro_upstream.find(n);
    if (it == distro_upstream.end()) return false;
    for (const auto& up : it->second)
      if (compare_generic(c.version, up) == 0) return true;
    return false;
  };

  for (std::size_t ci = 0; ci < components.size(); ++ci) {
    const Component& c = components[ci];
    if (c.version.empty()) continue;
    ++result.components_checked;
    std::vector<AffectedRow> rows;
    std::string version = c.version;
    std::string how;
    std::string confidence = "high";
    bool packaged = !c.ecosystem.empty();
    VersionScheme scheme = VersionScheme::kGeneric;
    if (packaged) {
      if (is_distribution_ecosystem(c.ecosystem)) {
        auto [it, fresh] = ecosystem_present.emplace(c.ecosystem, false);
        if (fresh) it->second = db.has_ecosystem(c.ecosystem);
        if (!it->second) {
          auto [u, added] = unmatched_index.emplace(c.ecosystem, result.unmatched_distribution.size());
          if (added) result.unmatched_distribution.push_back({c.ecosystem, 0, {}});
          auto& un = result.unmatched_distribution[u->second];
          ++un.count;
          if (un.packages.size() < kMaxUnmatchedListed) un.packages.push_back(c.name + " " + c.version);
          continue;
        }
      }
      std::string name = c.name;
      // Distribution advisories are per source package, with the source version.
      if (std::string src = source_package(c.extra); !src.empty()) name = src;
      if (std::string sv = extra_string(c.extra, "source_version"); !sv.empty()) version = sv;
      rows = db.find_package(c.ecosystem, name);
      scheme = scheme_for_ecosystem(c.ecosystem);
      how = "package " + name + " " + version + " from " + (c.source.empty() ? "a package database" : c.source) +
            ", matched against " + c.ecosystem + " data by the " + std::string(scheme_name(scheme)) + " order";
    }
    // Packages of ecosystems no feed covers (OpenWrt's opkg packages: upstream version plus a
    // package release) are matched like unmanaged components, by CPE and upstream version; the
    // basis says so. Distributions with their own feeds never reach this (handled above).
    std::string via_package;
    if (packaged && rows.empty() && !c.cpe.empty() && !is_distribution_ecosystem(c.ecosystem)) {
      std::string part, vendor, product, cpe_version;
      if (split_cpe(c.cpe, &part, &vendor, &product, &cpe_version) && cpe_version != "*" && cpe_version != "-" &&
          !cpe_version.empty()) {
        via_package = c.ecosystem + " package " + c.name + " " + c.version + " (upstream " + cpe_version +
                      "; backported fixes of this ecosystem are not in the database)";
        version = cpe_version;
        packaged = false;
      }
    }
    if (!packaged) {
      if (covered_by_package(c)) {
        ++result.covered_by_package;
        continue;
      }
      std::string part, vendor, product, cpe_version;
      auto add = [&](std::vector<AffectedRow> more) {
        for (auto& r : more) rows.push_back(std::move(r));
      };
      if (!c.cpe.empty() && split_cpe(c.cpe, &part, &vendor, &product, &cpe_version)) add(db.find_cpe(vendor, product));
      add(db.find_upstream(c.name));
      if (!product.empty() && product != c.name) add(db.find_upstream(product));
      // The same row can come from the CPE and the name query: keep one of each.
      std::sort(rows.begin(), rows.end(), [](const AffectedRow& a, const AffectedRow& b) {
        return std::tie(a.advisory, a.range.range_type, a.range.introduced, a.range.fixed, a.range.last_affected,
                        a.range.cpe_vendor) < std::tie(b.advisory, b.range.range_type, b.range.introduced,
                                                       b.range.fixed, b.range.last_affected, b.range.cpe_vendor);
      });
      rows.erase(std::unique(rows.begin(), rows.end(), [](const AffectedRow& a, const AffectedRow& b) {
                   return a.advisory == b.advisory && a.range.range_type == b.range.range_type &&
                          a.range.introduced == b.range.introduced && a.range.fixed == b.range.fixed &&
                          a.range.last_affected == b.range.last_affected;
                 }),
                 rows.end());
      confidence = c.confidence.empty() ? "medium" : c.confidence;
      if (confidence == "high") confidence = "medium";  // a version string can be a backported build
      how = !via_package.empty() ? via_package + ", matched by CPE " + vendor + ":" + product +
                                       " with the generic upstream order"
                                 : "component identified by " + (c.source.empty() ? std::string("version string") : c.source) +
            (c.offset ? " at " + hex_offset(*c.offset) : std::string()) + " (confidence " +
            (c.confidence.empty() ? "medium" : c.confidence) + "), matched by " +
            (vendor.empty() ? "project name " + c.name : "CPE " + vendor + ":" + product + " and project name") +
            " with the generic upstream order";
    }

    // One hit per advisory: the first affected row wins.
    std::map<std::string, RowHit> hits;
    for (const auto& row : rows) {
      if (hits.count(row.advisory)) continue;
      if (row.range.range_type == "GIT") {
        ++result.rows_unevaluable;
        continue;
      }
      ++result.rows_evaluated;
      VersionScheme s = scheme;
      if (packaged && row.range.range_type == "SEMVER") s = VersionScheme::kSemver;
      RowHit hit;
      if (evaluate(row, version, s, &hit)) hits.emplace(row.advisory, std::move(hit));
    }
    if (hits.empty()) continue;

    // Merge advisories that share a name (id or alias).
    std::vector<std::string> ids;
    for (const auto& [id, hit] : hits) {
      const auto& adv = get_advisory(id);
      if (adv && !adv->withdrawn.empty()) continue;
      ids.push_back(id);
    }
    UnionFind uf;
    uf.parent.resize(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) uf.parent[i] = i;
    std::map<std::string, std::size_t> owner;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      std::vector<std::string> names{ids[i]};
      if (const auto& adv = get_advisory(ids[i])) names.insert(names.end(), adv->aliases.begin(), adv->aliases.end());
      for (const auto& n : names) {
        auto [it, fresh] = owner.emplace(n, i);
        if (!fresh) uf.unite(i, it->second);
      }
    }
    std::map<std::size_t, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < ids.size(); ++i) groups[uf.find(i)].push_back(i);
    for (const auto& [root, members] : groups) {
      VulnMatch m;
      m.component = ci;
      m.confidence = confidence;
      std::set<std::string> names, refs, cwes;
      const RowHit* best_hit = nullptr;
      int best_rank = -1;
      for (std::size_t i : members) {
        const auto& adv = get_advisory(ids[i]);
        const RowHit& hit = hits.at(ids[i]);
        m.advisories.push_back(ids[i]);
        names.insert(ids[i]);
        if (!best_hit) best_hit = &hit;
        if (!adv) continue;
        names.insert(adv->aliases.begin(), adv->aliases.end());
        refs.insert(adv->references.begin(), adv->references.end());
        cwes.insert(adv->cwes.begin(), adv->cwes.end());
        if (m.summary.empty()) m.summary = adv->summary.empty() ? adv->details.substr(0, 200) : adv->summary;
        std::optional<double> score = adv->cvss_v3_score ? adv->cvss_v3_score : adv->cvss_v4_score;
        std::string vector = adv->cvss_v3_score ? adv->cvss_v3_vector : adv->cvss_v4_vector;
        Severity sev = score ? severity_from_score(*score) : severity_from_label(adv->severity_label);
        int rank = score ? 100 + static_cast<int>(*score * 10) : severity_rank(sev);
        if (rank > best_rank) {
          best_rank = rank;
          m.cvss = score;
          m.cvss_vector = score ? vector : std::string();
          m.severity = sev;
        }
        // Prefer the hit that states a fixed version: it tells the user what to upgrade to.
        if (best_hit->row->range.fixed.empty() && !hit.row->range.fixed.empty()) best_hit = &hit;
      }
      m.aliases.assign(names.begin(), names.end());
      for (const auto& n : m.aliases)
        if (n.rfind("CVE-", 0) == 0) {
          m.id = n;
          break;
        }
      if (m.id.empty()) m.id = m.advisories.front();
      m.references.assign(refs.begin(), refs.end());
      if (m.references.size() > 16) m.references.resize(16);
      m.cwes.assign(cwes.begin(), cwes.end());
      m.affected_range = best_hit->range_text;
      m.fixed = best_hit->row->range.fixed;
      m.basis = best_hit->comparison + " (" + best_hit->row->advisory + ", " + best_hit->row->range.range_type +
                " range); " + how;
      result.matches.push_back(std::move(m));
    }
  }
  return result;
}

// --- VEX ---------------------------------------------------------------------------------------

namespace {

std::string jstr(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "pkg:deb/debian/busybox@1.35.0?arch=amd64" -> "pkg:deb/debian/busybox"
std::string purl_base(std::string_view purl) {
  auto end = purl.find_first_of("@?#");
  return std::string(purl.substr(0, end));
}

}  // namespace

Result<std::vector<VexStatement>> load_vex(const std::string& path) try {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::kIo, "cannot read VEX file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(Errc::kMalformed, path + ": not a JSON object");
  std::vector<VexStatement> out;
  constexpr std::size_t kMaxStatements = 100000;  // a VEX document covers one product's CVEs
  if (auto it = j.find("statements"); it != j.end() && it->is_array()) {  // OpenVEX
    for (const auto& s : *it) {
      if (out.size() >= kMaxStatements) break;
      VexStatement v;
      v.source = path;
      auto vuln = s.find("vulnerability");
      if (vuln != s.end() && vuln->is_object()) {
        v.vulnerability = jstr(*vuln, "name");
        if (v.vulnerability.empty()) v.vulnerability = jstr(*vuln, "@id");
        if (auto al = vuln->find("aliases"); al != vuln->end() && al->is_array())
          for (const auto& a : *al)
            if (a.is_string()) v.aliases.push_back(a.get<std::string>());
      } else if (vuln != s.end() && vuln->is_string()) {
        v.vulnerability = vuln->get<std::string>();  // OpenVEX 0.0.x
      }
      if (auto pr = s.find("products"); pr != s.end() && pr->is_array())
        for (const auto& p : *pr) {
          if (p.is_string()) v.products.push_back(p.get<std::string>());
          std::string id = jstr(p, "@id");
          if (!id.empty()) v.products.push_back(id);
          if (auto ids = p.find("identifiers"); p.is_object() && ids != p.end() && ids->is_object()) {
            std::string purl = jstr(*ids, "purl");
            if (!purl.empty()) v.products.push_back(purl);
          }
        }
      v.status = jstr(s, "status");
      v.justification = jstr(s, "justification");
      v.statement = jstr(s, "impact_statement");
      if (v.statement.empty()) v.statement = jstr(s, "status_notes");
      if (!v.vulnerability.empty()) out.push_back(std::move(v));
    }
    return out;
  }
  if (auto it = j.find("vulnerabilities"); it != j.end() && it->is_array()) {  // CycloneDX
    for (const auto& vu : *it) {
      if (out.size() >= kMaxStatements) break;
      VexStatement v;
      v.source = path;
      v.vulnerability = jstr(vu, "id");
      auto an = vu.find("analysis");
      if (!vu.is_object() || an == vu.end() || !an->is_object()) continue;
      std::string state = jstr(*an, "state");
      if (state == "resolved" || state == "resolved_with_pedigree") v.status = "fixed";
      else if (state == "false_positive" || state == "not_affected") v.status = "not_affected";
      else if (state == "exploitable") v.status = "affected";
      else if (state == "in_triage") v.status = "under_investigation";
      else v.status = state;
      v.justification = jstr(*an, "justification");
      v.statement = jstr(*an, "detail");
      if (auto aff = vu.find("affects"); aff != vu.end() && aff->is_array())
        for (const auto& a : *aff) {
          std::string ref = jstr(a, "ref");
          if (!ref.empty()) v.products.push_back(ref);
        }
      if (auto refs = vu.find("references"); refs != vu.end() && refs->is_array())
        for (const auto& r : *refs) {
          std::string id = jstr(r, "id");
          if (!id.empty()) v.aliases.push_back(id);
        }
      if (!v.vulnerability.empty()) out.push_back(std::move(v));
    }
    return out;
  }
  return make_error(Errc::kMalformed, path + ": neither OpenVEX (statements) nor CycloneDX (vulnerabilities)");
} catch (const std::exception& e) {
  return make_error(Errc::kMalformed, path + ": " + e.what());
}

const VexStatement* find_vex(const std::vector<VexStatement>& statements, const VulnMatch& m,
                             const Component& c) {
  auto names_match = [&](const VexStatement& s) {
    if (std::binary_search(m.aliases.begin(), m.aliases.end(), s.vulnerability)) return true;
    for (const auto& a : s.aliases)
      if (std::binary_search(m.aliases.begin(), m.aliases.end(), a)) return true;
    return false;
  };
  auto product_matches = [&](const VexStatement& s) {
    if (s.products.empty()) return false;  // a statement must say what it is about
    for (const auto& p : s.products) {
      if (!c.purl.empty() && (p == c.purl || (p.find('@') == std::string::npos && p == purl_base(c.purl))))
        return true;
      if (p == c.name || (!c.version.empty() && p == c.name + "@" + c.version)) return true;
    }
    return false;
  };
  for (const auto& s : statements) {
    if (s.status != "not_affected" && s.status != "fixed") continue;
    if (names_match(s) && product_matches(s)) return &s;
  }
  return nullptr;
}

}  // namespace assay::vulndb
