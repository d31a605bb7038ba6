#pragma once
// Binary analyzer: reads every ELF, PE and Mach-O node with the format parsers, records what it is
// (architecture, type, interpreter, libraries, symbols, mitigations) as a fact, and judges missing
// exploit mitigations by context. See README.md beside this file.

#include "engine/analyzer.hpp"

namespace assay::analyzers {

class BinaryAnalyzer final : public NodeAnalyzer {
 public:
  std::string_view id() const override { return "binary"; }
  bool wants(const NodeInfo& node) const override;
  void analyze(const NodeView& node, ScanContext& ctx) const override;
};

}  // namespace assay::analyzers
