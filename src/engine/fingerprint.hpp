#pragma once
// Stable finding fingerprints: rule id + normalized path + the finding's key. They survive
// rebuilds of the same product, so waivers and re-assessment diffs keep matching: the artifact's own
// file name and carving offsets (which move when a vendor rebuilds) are normalized away.

#include <string>
#include <vector>

#include "assay/assessment.hpp"

namespace assay {

/// "router_v2.bin!/squashfs@0x1a0000!/etc/shadow" -> "$!/squashfs@*!/etc/shadow"
std::string normalize_path_for_fingerprint(std::string_view path);
std::string fingerprint(const Finding& f);
/// Fills fingerprints, merges duplicates (same fingerprint) and sorts: severity (highest first),
/// category, rule, first evidence path.
void finalize_findings(std::vector<Finding>& findings);

}  // namespace assay
