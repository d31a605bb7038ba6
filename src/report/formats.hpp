#pragma once
// The report formats rendered from the one assessment document (besides json.hpp and text.hpp).

#include <string>

#include "assay/assessment.hpp"

namespace assay::report {

/// SARIF 2.1.0 (valid against the OASIS schema; accepted by GitHub code scanning).
std::string render_sarif(const Assessment& a);
/// One self-contained HTML file: verdict banner, requirement table, findings by question, charts.
std::string render_html(const Assessment& a);
/// A short Markdown summary for a pull-request comment.
std::string render_markdown(const Assessment& a);
/// CycloneDX 1.6 JSON SBOM (components, hashes, PURLs, licenses, dependencies, vulnerabilities).
std::string render_cyclonedx(const Assessment& a);
/// SPDX 2.3 JSON SBOM.
std::string render_spdx(const Assessment& a);

}  // namespace assay::report
