#pragma once
/// \file policy.hpp
/// The policy stage: a published policy pack decides the verdict from the findings and facts, the
/// vendor's declaration is checked against the evidence, and accepted findings are waived.
/// See docs/policy.md.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
  /// The assessment date (YYYY-MM-DD) that waiver expiry and the declared support period are judged
  /// against; "" = today (UTC). --date pins it for reproducible re-assessments and golden reports.
  std::string today;
};

/// Evaluates the policy over `a`: adds declaration findings, marks waived findings, fills
/// `a.policy` (requirement results) and sets `a.verdict`. Errors: kUsage for an unknown policy
/// id or a malformed policy, declaration or waiver file (with the line).
Status apply(Assessment& a, const PolicyOptions& options);

/// Checks the options without an assessment: the policy compiles, the date is YYYY-MM-DD, the
/// declaration and waiver files parse. The CLI calls it before scanning, so a typo in a policy
/// does not cost a scan. Errors: as apply().
Status check_options(const PolicyOptions& options);

/// Ids and titles of the built-in packs.
struct PackInfo {
  std::string id;
  std::string title;
  std::string version;
  std::string regime;
};
std::vector<PackInfo> builtin_packs();

/// A compiled policy pack: validated once, immutable, shared by every scan and thread.
class Policy;

/// Compiles a policy from YAML text (`schema: assay-policy/1`, docs/policy.md). `source_name`
/// names the file in error messages; `builtin` marks an embedded pack. Errors: kUsage with the
/// file, the requirement id or index and the line of the offending key.
Result<std::shared_ptr<const Policy>> compile_policy(std::string_view yaml, const std::string& source_name,
                                                     bool builtin = false);

/// A built-in pack by id, or a policy YAML file by path (anything with a '/' or ending in .yaml
/// or .yml is a path). Errors: kUsage (unknown id, unreadable or malformed file).
Result<std::shared_ptr<const Policy>> load_policy(const std::string& id_or_file);

/// The pack as a document: header, and every requirement with its checks explained in words
/// (`checks[].text`) and as data (`checks[].spec`). Used by `assay policy show`.
nlohmann::json explain(const Policy& policy);

/// Evaluates a compiled policy over `a` (what apply() does after loading the policy).
Status evaluate(Assessment& a, const Policy& policy, const PolicyOptions& options);

}  // namespace assay::policy
