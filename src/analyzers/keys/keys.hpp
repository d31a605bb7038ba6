#pragma once
// Keys analyzer: private keys (PEM, DER, OpenSSH, PuTTY, PKCS#12, Dropbear), certificates and
// authorized_keys files, judged for being shipped at all, for strength, for known-bad (published)
// keys; and a product pass that joins certificates with their private keys. See README.md.

#include "engine/analyzer.hpp"

namespace assay::analyzers {

class KeysAnalyzer final : public NodeAnalyzer {
 public:
  std::string_view id() const override { return "keys"; }
  bool wants(const NodeInfo& node) const override;
  void analyze(const NodeView& node, ScanContext& ctx) const override;
};

/// Joins the "keys.inventory" facts: a certificate whose public key matches a private key
/// shipped in the same product (keys.cert-with-key).
class KeysProductAnalyzer final : public ProductAnalyzer {
 public:
  std::string_view id() const override { return "keys-join"; }
  void analyze(const ProductView& product, ScanContext& ctx) const override;
};

}  // namespace assay::analyzers
