// TEMPORARY scaffold until the SBOM writers land (to be replaced by cyclonedx.cpp and spdx.cpp).
#include "report/formats.hpp"
#include "report/json.hpp"

namespace assay::report {

std::string render_cyclonedx(const Assessment& a) { return render_json(a); }
std::string render_spdx(const Assessment& a) { return render_json(a); }

}  // namespace assay::report
