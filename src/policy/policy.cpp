// TEMPORARY scaffold until the policy engine lands: keeps the engine's default verdict.
#include "assay/policy.hpp"

#include "assay/scan.hpp"

namespace assay::policy {

Status apply(Assessment& a, const PolicyOptions& options) {
  (void)options;
  a.verdict = default_verdict(a);
  return {};
}

std::vector<PackInfo> builtin_packs() { return {}; }

}  // namespace assay::policy
