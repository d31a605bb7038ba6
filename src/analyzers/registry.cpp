// The explicit analyzer lists: one line per analyzer. No static self-registration, so the list
// is visible here and in a debugger.
#include "analyzers/binary/binary.hpp"
#include "analyzers/coverage/coverage.hpp"
#include "engine/analyzer.hpp"
// ASSAY-ANALYZER-INCLUDES-BEGIN
#include "analyzers/patterns/patterns.hpp"
#include "analyzers/vulnerabilities/vulnerabilities.hpp"
#include "analyzers/inventory/inventory.hpp"
#include "analyzers/android_manifest/android_manifest.hpp"
#include "analyzers/keys/keys.hpp"
#include "analyzers/yara/yara.hpp"
#include "analyzers/app_privacy/app_privacy.hpp"
#include "analyzers/ios_app/ios_app.hpp"
#include "analyzers/android_code/android_code.hpp"
#include "analyzers/accounts/accounts.hpp"
#include "analyzers/services/services.hpp"
#include "analyzers/backdoor_chain/backdoor_chain.hpp"
// ASSAY-ANALYZER-INCLUDES-END

namespace assay {

const std::vector<std::unique_ptr<NodeAnalyzer>>& node_analyzers() {
  static const std::vector<std::unique_ptr<NodeAnalyzer>> list = [] {
    std::vector<std::unique_ptr<NodeAnalyzer>> v;
    v.push_back(std::make_unique<analyzers::BinaryAnalyzer>());
    v.push_back(std::make_unique<analyzers::CoverageAnalyzer>());
    // ASSAY-NODE-ANALYZERS-BEGIN
    v.push_back(std::make_unique<analyzers::PatternsAnalyzer>());
    v.push_back(std::make_unique<analyzers::InventoryAnalyzer>());
    v.push_back(std::make_unique<analyzers::AndroidManifestAnalyzer>());
    v.push_back(std::make_unique<analyzers::KeysAnalyzer>());
    v.push_back(std::make_unique<analyzers::YaraAnalyzer>());
    v.push_back(std::make_unique<analyzers::IosAppAnalyzer>());
    v.push_back(std::make_unique<analyzers::AndroidCodeAnalyzer>());
    v.push_back(std::make_unique<analyzers::AccountsAnalyzer>());
    v.push_back(std::make_unique<analyzers::ServicesAnalyzer>());
    // ASSAY-NODE-ANALYZERS-END
    return v;
  }();
  return list;
}

const std::vector<std::unique_ptr<ProductAnalyzer>>& product_analyzers() {
  static const std::vector<std::unique_ptr<ProductAnalyzer>> list = [] {
    std::vector<std::unique_ptr<ProductAnalyzer>> v;
    // ASSAY-PRODUCT-ANALYZERS-BEGIN
    v.push_back(std::make_unique<analyzers::VulnerabilitiesAnalyzer>());
    v.push_back(std::make_unique<analyzers::KeysProductAnalyzer>());
    v.push_back(std::make_unique<analyzers::AppPrivacyAnalyzer>());
    v.push_back(std::make_unique<analyzers::AccountsProductAnalyzer>());
    v.push_back(std::make_unique<analyzers::ServicesProductAnalyzer>());
    v.push_back(std::make_unique<analyzers::BackdoorChainAnalyzer>());
    v.push_back(std::make_unique<analyzers::FilesystemModesAnalyzer>());
    // ASSAY-PRODUCT-ANALYZERS-END
    return v;
  }();
  return list;
}

}  // namespace assay
