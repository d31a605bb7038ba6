#pragma once
// Inventory analyzer: turns package databases, package metadata, language manifests, embedded
// build information and version strings into components (ScanContext::add_component). Merging
// and the distribution join happen after the node pass in inventory::finalize_components. See
// README.md beside this file.

#include "engine/analyzer.hpp"

namespace assay::analyzers {

class InventoryAnalyzer final : public NodeAnalyzer {
 public:
  std::string_view id() const override { return "inventory"; }
  bool wants(const NodeInfo& node) const override;
  void analyze(const NodeView& node, ScanContext& ctx) const override;
};

}  // namespace assay::analyzers
