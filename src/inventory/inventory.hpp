#pragma once
// The inventory stage: components found by the node analyzers are merged here, after the node
// pass and before the vulnerability matching (a product analyzer).

#include <vector>

#include "assay/assessment.hpp"

namespace assay::inventory {

/// Merges components found twice (by a package database and by a version string, or in two
/// copies of one file) and sorts them (name, version, path) for a stable document.
void finalize_components(std::vector<Component>& components);

}  // namespace assay::inventory
