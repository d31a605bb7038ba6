#pragma once
// Waivers (docs/waivers.md, `schema: assay-waivers/1`): findings a named person accepted, with a
// justification and an expiry. A waived finding stays in the report, marked; it no longer counts.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "assay/assessment.hpp"
#include "assay/result.hpp"

namespace assay::policy {

struct Waiver {
  std::string fingerprint;  ///< exact (lower-case hex), or
  std::string rule;         ///< a rule-id glob, with
  std::string path;         ///< an optional glob over the evidence paths
  std::string justification;
  std::string accepted_by;
  std::string expires;  ///< YYYY-MM-DD, the last day it applies
  int line = 0;
  std::string label() const;  ///< "fingerprint 1a2b..." or "rule X on path Y"
};

struct Waivers {
  std::string file;
  std::vector<Waiver> items;
};

/// Errors: kUsage naming the file, the line and the field.
Result<Waivers> parse_waivers(std::string_view yaml, const std::string& source_name);

/// Marks the findings that unexpired waivers match (Finding::suppression), adds a
/// policy.expired-waiver finding per expired waiver, and returns the `waivers` report object
/// {file, applied, expired, unused}.
Result<nlohmann::json> apply_waivers(Assessment& a, const Waivers& w, const std::string& today);

}  // namespace assay::policy
