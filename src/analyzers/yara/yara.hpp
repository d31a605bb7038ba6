#pragma once
// YARA analyzer: runs the user's --yara rules (compiled once per scan, src/rules/yara_bridge)
// over every file node. Matches become findings "yara.<rule>" with category and severity from the
// rule's meta. Does nothing when no --yara path was given. See README.md.

#include "engine/analyzer.hpp"

namespace assay::analyzers {

class YaraAnalyzer final : public NodeAnalyzer {
 public:
  std::string_view id() const override { return "yara"; }
  bool wants(const NodeInfo& node) const override;
  void analyze(const NodeView& node, ScanContext& ctx) const override;
};

}  // namespace assay::analyzers
