#pragma once
// The compiled form of a policy pack (docs/policy.md). Built once by the loader, never changed
// afterwards: every scan and thread reads the same object through a shared_ptr<const Policy>.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "assay/assessment.hpp"
#include "assay/policy.hpp"

namespace assay::policy {

/// What a requirement's failure does to the verdict.
enum class OnFail {
  kFail,         ///< the product fails
  kConditional,  ///< the verdict is conditional at best
  kAdvisory,     ///< reported, never changes the verdict
};

/// What an unmet check means for its requirement.
enum class Outcome { kFail, kReview };

/// What a declaration check does when no declaration was supplied at all.
enum class Undeclared { kReview, kFail, kSkip };

/// Selects findings. Fields combine with AND; the values of one field with OR. Unset fields do not
/// constrain.
struct FindingSelector {
  std::vector<std::string> rules;      ///< rule-id globs ("android.tls.*")
  std::vector<std::string> not_rules;  ///< rule-id globs excluded
  std::vector<Category> categories;
  std::vector<std::string> tags_any;
  std::vector<std::string> tags_all;
  std::optional<Severity> min_severity;
  std::optional<double> min_cvss;  ///< findings without a CVSS score do not match
  int min_confidence = 0;          ///< 0 low, 1 medium, 2 high
};

struct Check {
  enum class Type { kFindings, kFact, kComponents, kDeclaration };
  Type type = Type::kFindings;
  // kFindings: no unsuppressed finding may match (more than `max_matches`).
  FindingSelector select;
  std::size_t max_matches = 0;
  bool except_declared = false;  ///< findings the vendor's declaration accounts for do not count
  // kFact: a fact of one of `fact_types` (globs), optionally with `field` (dotted) equal to `equals`.
  std::vector<std::string> fact_types;
  std::string fact_path;  ///< glob over the fact's node path ("" = any)
  std::string field;      ///< also the declaration field for kDeclaration
  std::optional<nlohmann::json> equals;
  bool expect_present = true;
  // kComponents
  std::size_t min_components = 1;
  // kDeclaration
  Undeclared if_undeclared = Undeclared::kReview;

  Outcome otherwise = Outcome::kFail;
  std::string from_set;  ///< the check set it came from ("CHK-05"), for explanations
  std::string note;      ///< the author's words, shown with the generated explanation
};

struct Requirement {
  std::string id;
  std::string title;
  std::string regime_ref;
  std::string rationale;
  bool reconstructed = false;
  std::string note;  ///< why it is reconstructed, or any caveat the report must carry
  std::vector<std::string> applies_to;  ///< product kinds; empty = every product
  std::vector<Check> checks;
  OnFail on_fail = OnFail::kFail;
  bool manual = false;
  std::string review;  ///< what the reviewer must check
  int line = 0;
};

class Policy {
 public:
  std::string id;
  std::string title;
  std::string version;
  std::string regime;
  std::string description;
  std::string source_name;  ///< "policies/baseline.yaml" or the user's path
  bool builtin = false;
  std::vector<Requirement> requirements;
};

// Shared helpers of the policy stage (policy_util.cpp).

/// Glob over a whole string: `*` any run (including '/' and '.'), `?` one character. Iterative.
bool glob_match(std::string_view pattern, std::string_view text) noexcept;
std::string_view on_fail_name(OnFail v) noexcept;
std::string_view outcome_name(Outcome v) noexcept;
/// Confidence words to a rank: low 0, medium 1, high 2; nullopt for anything else.
std::optional<int> confidence_rank(std::string_view word) noexcept;
/// Check a date written YYYY-MM-DD (or YYYY-MM, meaning the month's last day for comparisons);
/// returns it as YYYY-MM-DD or nullopt.
std::optional<std::string> normalize_date(std::string_view text);
/// A user's YAML file (policy, declaration, waivers), at most detail::kMaxYamlBytes. Errors:
/// kUsage naming `what` and the path.
Result<std::string> read_small_file(const std::string& path, std::string_view what);
/// An embedded rules/ or policies/ file by exact path. A linear scan on purpose: the embedded
/// table is not sorted across its directories (cmake/embed.cmake appends rules/ before
/// policies/), so embedded_file()'s binary search misses entries; a few dozen files cost nothing.
std::optional<std::string_view> embedded_text(std::string_view path) noexcept;
/// Today in UTC as YYYY-MM-DD.
std::string today_utc();
/// The product kinds a requirement may name.
bool known_product_kind(std::string_view kind) noexcept;
/// A finding of one of the policy stage's own rules (rules/declaration.yaml: declaration.*,
/// policy.*) with category, severity, title, remediation, CWE, references and tags from the
/// documented rule, so the documentation and the findings cannot disagree. kInternal when the
/// rule is not documented (a build defect).
Result<Finding> rule_finding(std::string_view rule_id);
/// One check in words ("fails when an unsuppressed finding matches ...").
std::string describe(const Check& c);
nlohmann::json check_spec(const Check& c);

}  // namespace assay::policy
