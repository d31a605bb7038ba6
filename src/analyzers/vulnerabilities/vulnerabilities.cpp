// Runs once per scan after the inventory: opens the database read-only (the scan never writes or
// touches the network), matches, and turns matches into findings. The database snapshot is
// recorded as the fact "vulnerability.database" so every report says which data it used.

#include "analyzers/vulnerabilities/vulnerabilities.hpp"

#include <filesystem>

#include "vulndb/db.hpp"
#include "vulndb/match.hpp"

namespace assay::analyzers {
namespace {

constexpr std::size_t kMaxExcerpt = 200;  // evidence excerpts stay one line in any report

std::string clip(std::string s, std::size_t n) {
  if (s.size() > n) {
    s.resize(n);
    s += "...";
  }
  return s;
}

Finding unavailable_finding(const std::string& path, const std::string& why) {
  Finding f;
  f.rule_id = "vulnerability.database-unavailable";
  f.category = Category::kCoverage;
  f.severity = Severity::kLow;
  f.title = "Vulnerability database could not be used";
  f.description = "The vulnerability database " + path + " was requested but could not be opened (" + why +
                  "); components were not checked for known vulnerabilities.";
  f.evidence.push_back({path, std::nullopt, std::nullopt, clip(why, kMaxExcerpt)});
  f.remediation = "Create the database with `assay db import FEED... --db FILE` and pass it with --vulndb FILE.";
  f.key = path;
  f.confidence = "high";
  return f;
}

}  // namespace

void VulnerabilitiesAnalyzer::analyze(const ProductView& product, ScanContext& ctx) const {
  std::string path = ctx.config().vuln_db;
  bool explicit_path = !path.empty();
  if (!explicit_path) {
    path = vulndb::default_db_path();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      ctx.add_fact({"vulnerability.database", "", {{"available", false}, {"path", path}}});
      return;
    }
  }
  auto opened = vulndb::Database::open(path, /*writable=*/false);
  if (!opened.ok()) {
    ctx.add_fact({"vulnerability.database", "", {{"available", false}, {"path", path},
                                                 {"error", opened.error().message}}});
    ctx.add_finding(unavailable_finding(path, opened.error().message));
    return;
  }
  auto& db = **opened;
  auto status = db.status();
  nlohmann::json snapshot = {{"available", true}, {"path", path}};
  if (status.ok()) {
    nlohmann::json sources = nlohmann::json::array();
    for (const auto& s : (*status)["sources"]) sources.push_back(s["source"]);
    snapshot["sources"] = sources;
    snapshot["advisories"] = (*status)["advisories"];
    snapshot["newest"] = (*status)["newest_modified"];
    snapshot["imported_at"] = (*status)["imported_at"];
    snapshot["size"] = (*status)["size"];
  }
  ctx.add_fact({"vulnerability.database", "", snapshot});

  std::vector<vulndb::VexStatement> vex;
  for (const auto& file : ctx.config().vex_files) {
    auto loaded = vulndb::load_vex(file);
    if (loaded.ok()) {
      vex.insert(vex.end(), loaded->begin(), loaded->end());
    } else {
      ctx.add_fact({"vulnerability.vex-error", file, {{"error", loaded.error().message}}});
    }
  }

  const auto& components = product.components;
  vulndb::MatchResult result = vulndb::match_components(db, components);
  std::size_t suppressed = 0;
  for (const auto& m : result.matches) {
    const Component& c = components[m.component];
    Finding f;
    f.rule_id = "vulnerability.known";
    f.category = Category::kVulnerability;
    f.severity = m.severity;
    f.title = m.id + " in " + c.name + " " + c.version;
    std::string description = (m.summary.empty() ? std::string("Known vulnerability") : m.summary) + ".";
    description += " Affected: " + m.affected_range + ".";
    description += m.fixed.empty() ? " No fixed version is known." : " Fixed in " + m.fixed + ".";
    description += " Basis: " + m.basis + ".";
    if (m.aliases.size() > 1) {
      description += " Also known as:";
      for (const auto& a : m.aliases)
        if (a != m.id) description += " " + a;
      description += ".";
    }
    if (m.cvss) description += " CVSS " + m.cvss_vector + ".";
    f.description = std::move(description);
    Evidence ev;
    ev.path = c.path;
    ev.offset = c.offset;
    ev.excerpt = clip(c.evidence.empty() ? c.name + " " + c.version : c.evidence, kMaxExcerpt);
    f.evidence.push_back(std::move(ev));
    f.cwe = m.cwes;
    f.remediation = m.fixed.empty()
                        ? "No fixed version is known: remove or replace " + c.name +
                              ", or mitigate and record a VEX statement explaining why it is not exploitable."
                        : "Update " + c.name + " to " + m.fixed +
                              " or later (or a distribution build that includes the fix); if the product is not "
                              "affected, record a VEX statement.";
    f.key = m.id + ":" + c.name;
    f.tags = {"known-vulnerability", "component:" + c.name};
    f.confidence = m.confidence;
    f.references = m.references;
    f.cvss = m.cvss;
    if (const auto* s = vulndb::find_vex(vex, m, c)) {
      f.suppression = {{"kind", "vex"}, {"status", s->status}, {"justification", s->justification},
                       {"statement", s->statement}, {"source", s->source}};
      ++suppressed;
    }
    ctx.add_finding(std::move(f));
  }
  for (const auto& u : result.unmatched_distribution) {
    // "Debian" without ":12": a package file scanned on its own, or a package database without an
    // os-release. Distribution feeds are per release, so the release, not the feed, is missing.
    bool release_unknown = (u.ecosystem == "Debian" || u.ecosystem == "Ubuntu" || u.ecosystem == "Alpine");
    std::string why = release_unknown
                          ? "the distribution release of these packages is unknown (a package file scanned on "
                            "its own, or no os-release next to the package database) and " + u.ecosystem +
                                " advisories are published per release"
                          : "the database has no " + u.ecosystem + " data";
    ctx.add_fact({"vulnerability.unmatched-distribution", "",
                  {{"ecosystem", u.ecosystem},
                   {"count", u.count},
                   {"packages", u.packages},
                   {"release_known", !release_unknown},
                   {"reason", why + "; distribution packages are not matched against upstream ranges "
                                    "because distributions backport fixes without changing the upstream version"}}});
  }
  ctx.add_fact({"vulnerability.matching", "",
                {{"components", components.size()},
                 {"checked", result.components_checked},
                 {"findings", result.matches.size()},
                 {"suppressed_by_vex", suppressed},
                 {"rows_evaluated", result.rows_evaluated},
                 {"rows_unevaluable", result.rows_unevaluable},
                 {"covered_by_distribution_package", result.covered_by_package},
                 {"vex_statements", vex.size()}}});
}

}  // namespace assay::analyzers
