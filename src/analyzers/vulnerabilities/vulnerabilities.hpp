#pragma once
// Vulnerabilities analyzer: matches the merged component inventory against the offline
// vulnerability database (src/vulndb) and reports one `vulnerability.known` finding per
// (component, vulnerability), with VEX statements applied. See README.md beside this file.

#include "engine/analyzer.hpp"

namespace assay::analyzers {

class VulnerabilitiesAnalyzer final : public ProductAnalyzer {
 public:
  std::string_view id() const override { return "vulnerabilities"; }
  void analyze(const ProductView& product, ScanContext& ctx) const override;
};

}  // namespace assay::analyzers
