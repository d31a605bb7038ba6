#pragma once
// Re-assessment diff: what changed between two assessment documents of the same product (the
// vendor's fix and resubmission). Findings are matched by fingerprint, requirements by id,
// components by name.

#include <string>

#include <nlohmann/json.hpp>

namespace assay::report {

inline constexpr const char* kDiffSchema = "assay-diff/1";

/// Both inputs are canonical assessment documents (assay-assessment/1). The result (schema
/// assay-diff/1): old/new subject and verdict, findings {fixed, new, persisting,
/// severity_changed}, requirements [{id, from, to}], components {added, removed, changed}.
nlohmann::json diff_assessments(const nlohmann::json& old_doc, const nlohmann::json& new_doc);

/// The diff for a terminal (colour when asked).
std::string render_diff_text(const nlohmann::json& diff, bool color);

/// True when the new assessment introduces a finding that is not accepted (waived or VEX).
bool diff_has_new_findings(const nlohmann::json& diff);

}  // namespace assay::report
