// The explicit analyzer lists: one line per analyzer. No static self-registration, so the list
// is visible here and in a debugger.
#include "analyzers/binary/binary.hpp"
#include "analyzers/coverage/coverage.hpp"
#include "engine/analyzer.hpp"
// ASSAY-ANALYZER-INCLUDES-BEGIN
// ASSAY-ANALYZER-INCLUDES-END

namespace assay {

const std::vector<std::unique_ptr<NodeAnalyzer>>& node_analyzers() {
  static const std::vector<std::unique_ptr<NodeAnalyzer>> list = [] {
    std::vector<std::unique_ptr<NodeAnalyzer>> v;
    v.push_back(std::make_unique<analyzers::BinaryAnalyzer>());
    v.push_back(std::make_unique<analyzers::CoverageAnalyzer>());
    // ASSAY-NODE-ANALYZERS-BEGIN
    // ASSAY-NODE-ANALYZERS-END
    return v;
  }();
  return list;
}

const std::vector<std::unique_ptr<ProductAnalyzer>>& product_analyzers() {
  static const std::vector<std::unique_ptr<ProductAnalyzer>> list = [] {
    std::vector<std::unique_ptr<ProductAnalyzer>> v;
    // ASSAY-PRODUCT-ANALYZERS-BEGIN
    // ASSAY-PRODUCT-ANALYZERS-END
    return v;
  }();
  return list;
}

}  // namespace assay
