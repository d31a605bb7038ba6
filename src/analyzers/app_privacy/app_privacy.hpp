#pragma once
// App privacy: the product-level join for Android and iOS apps. Per app it pairs the manifest
// (android.app / ios.app facts) with the code (android.code per dex, ios.binary per Mach-O) and
// the tree (embedded frameworks, privacy manifests) into trackers, personal-data collection and
// endpoints. See README.md beside this file.

#include "engine/analyzer.hpp"

namespace assay::analyzers {

class AppPrivacyAnalyzer final : public ProductAnalyzer {
 public:
  std::string_view id() const override { return "app-privacy"; }
  void analyze(const ProductView& product, ScanContext& ctx) const override;
};

}  // namespace assay::analyzers
