#pragma once
// The canonical JSON form of an Assessment (docs/assessment-schema.md). Keys are sorted (stable
// order), the tree is sorted by path, findings by severity then rule then path.

#include <nlohmann/json.hpp>

#include "assay/assessment.hpp"

namespace assay::report {

nlohmann::json to_json(const Assessment& a);
nlohmann::json to_json(const Finding& f);
nlohmann::json to_json(const NodeInfo& n);
nlohmann::json to_json(const Component& c);
/// Serialises with two-space indentation and a final newline.
std::string render_json(const Assessment& a);

}  // namespace assay::report
