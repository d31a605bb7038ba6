#pragma once
// Backdoor-chain analyzer: joins the accounts (system.accounts), the services started at boot
// (system.services, system.ssh-config) and the binaries (binary.elf) of each system in the
// product, and reports one explained finding when an account with an empty, default or shared
// password can log in through a remote-login service that starts at boot. Also judges the file
// system's modes: unexpected setuid/setgid files and world-writable paths. See README.md.

#include "engine/analyzer.hpp"

namespace assay::analyzers {

class BackdoorChainAnalyzer final : public ProductAnalyzer {
 public:
  std::string_view id() const override { return "backdoor_chain"; }
  void analyze(const ProductView& product, ScanContext& ctx) const override;
};

class FilesystemModesAnalyzer final : public ProductAnalyzer {
 public:
  std::string_view id() const override { return "filesystem"; }
  void analyze(const ProductView& product, ScanContext& ctx) const override;
};

}  // namespace assay::analyzers
