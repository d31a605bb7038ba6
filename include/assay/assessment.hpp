#pragma once
/// \file assessment.hpp
/// The assessment model: what a scan establishes about a product. Its JSON form (report/json) is
/// the canonical document; every other format is rendered from it. See docs/assessment-schema.md.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "assay/kind.hpp"

namespace assay {

/// Version of the assessment document's schema. Bumped on any incompatible change.
inline constexpr const char* kAssessmentSchema = "assay-assessment/1";

enum class Severity { kInfo, kLow, kMedium, kHigh, kCritical };
std::string_view severity_name(Severity s) noexcept;
std::optional<Severity> severity_from_name(std::string_view name) noexcept;

/// The four questions of a vetting, plus hardening, integrity and coverage (DESIGN.md).
enum class Category { kBackdoor, kPrivacy, kCrypto, kVulnerability, kHardening, kIntegrity, kCoverage };
std::string_view category_name(Category c) noexcept;

/// Where a finding's evidence is: a node path, and optionally an offset, a line and an excerpt.
struct Evidence {
  std::string path;
  std::optional<std::uint64_t> offset;
  std::optional<std::uint32_t> line;
  std::string excerpt;
};

/// A judgement with evidence.
struct Finding {
  std::string rule_id;  ///< "coverage.opaque-data"
  Category category = Category::kCoverage;
  Severity severity = Severity::kInfo;
  std::string title;
  std::string description;
  std::vector<Evidence> evidence;
  std::vector<std::string> cwe;  ///< "CWE-798"
  std::string remediation;
  /// Part of the evidence that identifies this finding across rebuilds (an account name, a key
  /// fingerprint); combined with rule_id and the normalized path into `fingerprint`.
  std::string key;
  std::string fingerprint;  ///< filled by the engine
  /// Free labels policies select on ("tracker", "credential", "cleartext", "masvs-network").
  std::vector<std::string> tags;
  /// How sure the analyzer is: "high" (structural proof), "medium", "low" (heuristic).
  std::string confidence = "high";
  /// Advisories, standards and write-ups behind the rule (URLs or ids).
  std::vector<std::string> references;
  /// CVSS base score where the finding is a known vulnerability.
  std::optional<double> cvss;
  /// Set when the finding is accepted and no longer counts against the verdict: a waiver or a VEX
  /// statement. Null when not suppressed. Fields: kind ("waiver"|"vex"), justification, by,
  /// expires, source. Suppressed findings stay in the document.
  nlohmann::json suppression;
};

/// Something true about the product (not a judgement): type names a schema ("unpack.diagnostic",
/// "binary.hardening", ...), path the node it is about, data its fields.
struct Fact {
  std::string type;
  std::string path;
  nlohmann::json data;
};

/// A software component found in the product (filled by the inventory stage).
struct Component {
  std::string name;
  std::string version;
  std::string purl;
  std::string cpe;
  std::string path;
  std::string source;  ///< how it was identified: "dpkg-status", "version-string", ...
  std::string type = "library";  ///< CycloneDX component type: library, application, operating-system, firmware
  std::string ecosystem;         ///< OSV ecosystem name ("Debian:12", "npm", "PyPI") or "" for unmanaged
  std::vector<std::string> licenses;
  std::string evidence;   ///< the package-database entry or the exact version string
  std::optional<std::uint64_t> offset;  ///< where the version string was found
  std::string sha256;     ///< of the file that identifies it, when one file does
  std::string confidence = "high";
  std::vector<std::string> depends_on;  ///< purls (or names) of components this one depends on
  nlohmann::json extra;   ///< source-specific details (maintainer, architecture, source package...)
};

/// One node of the unpacked tree, without its bytes.
struct NodeInfo {
  std::string path;  ///< virtual path: "router.bin!/squashfs@0x1a0000!/etc/shadow"
  Kind kind = Kind::kUnknown;
  std::string type;  ///< file, directory, symlink, hardlink, char-device, block-device, fifo, socket
  std::uint64_t size = 0;
  std::string sha256;  ///< hex, files only
  std::optional<std::uint64_t> offset;  ///< offset inside its container, when it is a range of it
  std::optional<double> entropy;        ///< bits per byte, files only
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::string link_target;
  std::string unpacker;  ///< id of the unpacker that opened this node, when it is a container
  std::uint32_t depth = 0;
  /// Kind of the container this node came out of (kUnknown for the artifact itself).
  Kind container_kind = Kind::kUnknown;
  std::uint64_t children = 0;
  std::vector<std::string> diagnostics;
};

enum class VerdictResult { kPass, kFail, kConditional, kIncomplete };
std::string_view verdict_name(VerdictResult v) noexcept;

struct Verdict {
  VerdictResult result = VerdictResult::kIncomplete;
  std::string policy;  ///< the policy that decided it
  std::vector<std::string> reasons;
};

struct Assessment {
  struct Subject {
    std::string name;
    std::string path;
    std::uint64_t size = 0;
    std::string sha256;
    Kind kind = Kind::kUnknown;
  } subject;
  /// Product-level kind recognised from the tree: android-app, ios-app, linux-rootfs,
  /// firmware-image, linux-package, software (see docs/assessment-schema.md).
  std::string product_kind;
  std::vector<NodeInfo> tree;  ///< sorted by path
  std::vector<Finding> findings;
  std::vector<Fact> facts;
  std::vector<Component> components;
  Verdict verdict;
  /// The evaluated policy (src/policy): requirement results, declaration checks, waivers. Null
  /// until a policy is applied.
  nlohmann::json policy;
  /// The vulnerability database snapshot the matching used (src/vulndb), null when none.
  nlohmann::json vulnerability_db;
  bool complete = true;  ///< false when a limit tripped or data could not be opened
  struct Stats {
    std::uint64_t nodes = 0;
    std::uint64_t files = 0;
    std::uint64_t bytes_unpacked = 0;
    std::uint64_t memory_peak = 0;
    double seconds = 0;
    unsigned jobs = 0;
  } stats;
  std::string tool_version;
  std::string started_at;  ///< UTC, ISO 8601
};

}  // namespace assay
