#pragma once
// Android code analyzer: one pass over each DEX (src/formats/dex) that records what the code does
// with personal data, the network and crypto as the fact "android.code", and judges crypto, TLS,
// WebView, storage and credential misuse. See README.md beside this file.

#include "engine/analyzer.hpp"

namespace assay::analyzers {

class AndroidCodeAnalyzer final : public NodeAnalyzer {
 public:
  std::string_view id() const override { return "android-code"; }
  bool wants(const NodeInfo& node) const override;
  void analyze(const NodeView& node, ScanContext& ctx) const override;
};

}  // namespace assay::analyzers
