#pragma once
// What the CycloneDX and SPDX writers (src/report) share: stable references for components, the document's
// identity derived from the subject's hash (so two runs over the same artifact give the same
// serial number / namespace), and license classification.

#include <map>
#include <string>
#include <vector>

#include "assay/assessment.hpp"

namespace assay::inventory::sbom {

/// A reference per component (index in Assessment::components), unique within the document:
/// the purl when only one component has it, else purl + "#" + path; "name@version#path" without
/// a purl. `by_purl` maps each purl (and each name) to the first component's reference, for
/// resolving Component::depends_on.
struct Refs {
  std::vector<std::string> ref;
  std::map<std::string, std::string> by_purl;
};
Refs make_refs(const Assessment& a);

/// A UUID (version-5 layout) derived from `seed` with SHA-256: deterministic per subject.
std::string uuid_from(const std::string& seed);

/// True when `id` is a license identifier that the SPDX license list (and therefore both schemas)
/// accepts; others are written as names / LicenseRef-.
bool is_spdx_license_id(const std::string& id);
/// True when the text looks like an SPDX expression ("MIT OR Apache-2.0").
bool is_license_expression(const std::string& s);

/// The identity the SBOM documents (the artifact's name and hash, or the directory name).
std::string subject_seed(const Assessment& a);

}  // namespace assay::inventory::sbom
