#pragma once
/// \file feed.hpp
/// Vulnerability feed records (OSV JSON, NVD CVE JSON 2.0) parsed into one flat model, ready to be
/// stored (db.hpp) and matched (match.hpp). Pure parsing: no database, no findings.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "assay/result.hpp"

namespace assay::vulndb {

/// One affected interval (or list of versions) of one package in one advisory.
struct AffectedRange {
  std::string ecosystem;  ///< OSV ecosystem ("Debian:12", "npm", "Bitnami", "OSS-Fuzz"); "" for NVD
  std::string package;    ///< package name as the ecosystem spells it (PyPI names normalized)
  std::string purl;
  std::string cpe_vendor;   ///< from NVD cpeMatch or OSV database_specific.cpes ("" when none)
  std::string cpe_product;
  std::string cpe;          ///< the full CPE the range came from, when one did
  /// "ECOSYSTEM", "SEMVER", "GIT" (OSV range types), "VERSIONS" (only `versions` applies),
  /// "NVD" (a cpeMatch range, compared with the generic upstream order).
  std::string range_type;
  std::string introduced;  ///< "" or "0": from the beginning
  bool introduced_exclusive = false;  ///< NVD versionStartExcluding
  std::string fixed;                  ///< first version not affected ("" = none known)
  std::string last_affected;          ///< last version affected ("" = none stated)
  std::vector<std::string> versions;  ///< explicit affected versions (OSV `versions`, NVD exact CPEs)
  std::string repo;                   ///< GIT ranges: the repository
};

struct Advisory {
  std::string id;
  std::string source;  ///< "osv/<Ecosystem>" or "nvd"
  std::string modified, published, withdrawn;
  std::string summary, details;
  nlohmann::json severity = nlohmann::json::array();  ///< OSV-shaped [{type, score}]
  std::optional<double> cvss_v3_score;
  std::string cvss_v3_vector;
  std::optional<double> cvss_v4_score;
  std::string cvss_v4_vector;
  std::string severity_label;  ///< "HIGH" etc. from the feed when no score is given
  std::vector<std::string> aliases;
  std::vector<std::string> references;
  std::vector<std::string> cwes;
  std::vector<AffectedRange> affected;
};

// Inputs are hostile and feeds are large: these bound what one record may carry.
inline constexpr std::size_t kMaxRangesPerAdvisory = 4096;   // NVD's biggest CVEs list ~2000 CPEs
inline constexpr std::size_t kMaxVersionsPerRange = 20000;   // OSV git-derived lists reach ~10k
inline constexpr std::size_t kMaxTextBytes = 64 * 1024;      // summary/details kept in the db

/// Parses one JSON document: an OSV record, an array of OSV records, or an NVD CVE JSON 2.0 feed
/// ({"vulnerabilities": [{"cve": ...}]}). Records without an id are skipped and counted in
/// `skipped`. kMalformed when the text is not JSON or has none of these shapes.
Result<std::vector<Advisory>> parse_feed(std::string_view text, std::size_t* skipped = nullptr);

/// One OSV record (already parsed JSON). kMalformed without "id".
Result<Advisory> parse_osv(const nlohmann::json& j);
/// One NVD 2.0 `cve` object. kMalformed without "id".
Result<Advisory> parse_nvd_cve(const nlohmann::json& cve);

/// CVSS v3.x base score of a vector ("CVSS:3.1/AV:N/AC:L/..."); nullopt when it does not parse.
std::optional<double> cvss3_base_score(std::string_view vector);

/// Splits "cpe:2.3:a:vendor:product:version:..." (unescaping \\ sequences); false when not a CPE
/// 2.3 formatted string.
bool split_cpe(std::string_view cpe, std::string* part, std::string* vendor, std::string* product,
               std::string* version);

/// PyPI names compare normalized (PEP 503): lower case, runs of "-_." as one "-".
std::string normalize_package(std::string_view ecosystem, std::string_view name);

}  // namespace assay::vulndb
