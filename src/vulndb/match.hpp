#pragma once
/// \file match.hpp
/// Matching components against the vulnerability database, and VEX statements against matches.
///
/// The rules (docs/vulndb.md):
/// - A packaged component (ecosystem set) is matched by (ecosystem, package) with that ecosystem's
///   order. A distribution package (Debian, Ubuntu, Alpine, RPM distributions) is matched only
///   against its distribution's data, by source package where known: distributions backport fixes
///   without changing the upstream version, so upstream ranges would flag patched packages. When
///   the database holds no data for that distribution, the component is reported as unmatched,
///   never matched upstream.
/// - An unmanaged component (no ecosystem: a version string in a binary) is matched by CPE
///   vendor:product and by upstream project name, with the generic upstream order; OSV `versions`
///   lists (release tags) are compared after tag normalization. GIT commit ranges cannot be
///   evaluated without the repository and are counted as unevaluable.
/// - Advisories that name each other (aliases: CVE, GHSA, OSV, BIT ids) become one match.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "assay/assessment.hpp"
#include "vulndb/db.hpp"

namespace assay::vulndb {

struct VulnMatch {
  std::size_t component = 0;          ///< index into the components given
  std::string id;                     ///< the displayed id: a CVE when the group has one
  std::vector<std::string> advisories;  ///< ids of the merged database records
  std::vector<std::string> aliases;   ///< every name of the vulnerability (ids and aliases), sorted
  std::string summary;
  std::optional<double> cvss;         ///< base score (v3 preferred, else v4)
  std::string cvss_vector;
  Severity severity = Severity::kMedium;
  std::string affected_range;         ///< ">= 1.15.8, < 1.30.4" or "versions 2.86, 2.87"
  std::string fixed;                  ///< first fixed version, "" when none is known
  std::string basis;                  ///< why Assay believes it applies (one sentence)
  std::string confidence = "medium";
  std::vector<std::string> references;
  std::vector<std::string> cwes;
};

struct MatchResult {
  std::vector<VulnMatch> matches;
  /// Distribution packages whose distribution has no data in the database (not matched).
  struct Unmatched {
    std::string ecosystem;
    std::size_t count = 0;
    std::vector<std::string> packages;  ///< the first kMaxUnmatchedListed names
  };
  std::vector<Unmatched> unmatched_distribution;
  std::size_t components_checked = 0;
  std::size_t rows_evaluated = 0;
  std::size_t rows_unevaluable = 0;  ///< GIT commit ranges without a versions list
  /// Unmanaged components (a version string) that are a file of a distribution package of the
  /// same name and upstream version in the product: matched through that package only.
  std::size_t covered_by_package = 0;
};

inline constexpr std::size_t kMaxUnmatchedListed = 50;  // a fact stays small; the count is exact

/// True for the OSV ecosystems of Linux distributions (which backport fixes).
bool is_distribution_ecosystem(std::string_view ecosystem) noexcept;

/// Matches every component. Never fails: a component without a version is skipped.
MatchResult match_components(Database& db, const std::vector<Component>& components);

/// Severity from a CVSS base score (FIRST's bands: 0.1 low, 4.0 medium, 7.0 high, 9.0 critical).
Severity severity_from_score(double score) noexcept;

// --- VEX ---------------------------------------------------------------------------------------

struct VexStatement {
  std::string vulnerability;          ///< "CVE-2023-1234"
  std::vector<std::string> aliases;   ///< other names the statement gives
  std::vector<std::string> products;  ///< purls or CycloneDX bom-refs; empty: every product
  std::string status;       ///< not_affected | fixed | affected | under_investigation
  std::string justification;
  std::string statement;    ///< impact statement or analysis detail
  std::string source;       ///< the file it came from
};

/// Reads an OpenVEX document (statements[]) or a CycloneDX VEX/BOM (vulnerabilities[] with
/// analysis). CycloneDX states map to OpenVEX ones: resolved -> fixed, false_positive ->
/// not_affected, exploitable -> affected, in_triage -> under_investigation. kIo when the file
/// cannot be read, kMalformed when it is neither shape.
Result<std::vector<VexStatement>> load_vex(const std::string& path);

/// The statement that suppresses `m` on `c` (status not_affected or fixed, a vulnerability name
/// among the match's names, and a product equal to the component's purl — with or without
/// version and qualifiers — or its bom-ref/name), or nullptr.
const VexStatement* find_vex(const std::vector<VexStatement>& statements, const VulnMatch& m,
                             const Component& c);

}  // namespace assay::vulndb
