#pragma once
// Coverage: says what Assay could not look into. A vetting that silently skips an encrypted blob
// would pass a product it never saw; this analyzer turns opaque data into findings so that an
// incomplete assessment is visible and never passes.

#include "engine/analyzer.hpp"

namespace assay::analyzers {

class CoverageAnalyzer final : public NodeAnalyzer {
 public:
  std::string_view id() const override { return "coverage"; }
  bool wants(const NodeInfo& node) const override;
  void analyze(const NodeView& node, ScanContext& ctx) const override;
};

/// Bits per byte from which unexplained data counts as compressed or encrypted. Compressed and
/// encrypted data measure 7.9-8.0; machine code and text stay below 6.5.
inline constexpr double kOpaqueEntropy = 7.2;
/// Opaque data smaller than this is reported as info only (icons, salts, small assets).
inline constexpr std::uint64_t kOpaqueMinBytes = 64 * 1024;

}  // namespace assay::analyzers
