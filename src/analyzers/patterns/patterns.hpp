#pragma once
// Pattern analyzer: runs every pattern rule of the rule pack (rules/patterns/*.yaml and any other
// rule with `patterns:`) over each text, script, configuration, binary and unknown-data node in one
// vectorscan pass, validates each candidate and reports findings with masked excerpts. See
// README.md beside this file.

#include "engine/analyzer.hpp"

namespace assay::analyzers {

class PatternsAnalyzer final : public NodeAnalyzer {
 public:
  std::string_view id() const override { return "patterns"; }
  bool wants(const NodeInfo& node) const override;
  void analyze(const NodeView& node, ScanContext& ctx) const override;
};

}  // namespace assay::analyzers
