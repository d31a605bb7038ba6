#pragma once
/// \file policy.hpp
/// The policy stage: a published policy pack decides the verdict from the findings and facts, the
/// vendor's declaration is checked against the evidence, and accepted findings are waived.
/// See docs/policy.md.

#include <optional>
#include <string>
#include <vector>

#include "assay/assessment.hpp"
#include "assay/result.hpp"

namespace assay::policy {

struct PolicyOptions {
  /// A built-in pack id ("baseline", "eu-cra", ...) or a path to a policy YAML file.
  std::string policy = "baseline";
  std::string declaration_file;  ///< --declaration: the vendor's product.yaml ("" = none)
  std::string waivers_file;      ///< --waivers ("" = none)
  /// --fail-on: any unsuppressed finding at or above this severity fails, whatever the policy says.
  std::optional<Severity> fail_on;
  /// The date waivers are judged against (YYYY-MM-DD); "" = today (UTC).
  std::string today;
};

/// Evaluates the policy over `a`: adds declaration findings, marks waived findings, fills
/// `a.policy` (requirement results) and sets `a.verdict`. Errors: kUsage for an unknown policy
/// id or a malformed policy, declaration or waiver file (with the line).
Status apply(Assessment& a, const PolicyOptions& options);

/// Ids and titles of the built-in packs.
struct PackInfo {
  std::string id;
  std::string title;
  std::string version;
};
std::vector<PackInfo> builtin_packs();

}  // namespace assay::policy
