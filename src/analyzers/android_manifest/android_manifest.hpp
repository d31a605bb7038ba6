#pragma once
// Android manifest and platform analyzer: reads AndroidManifest.xml, resources.arsc, the network
// security config and the signatures of an APK (the node's bytes are the whole zip), records the
// app's identity and attack surface as one "android.app" fact, and judges manifest and signing
// risks (debuggable, backup, cleartext, exported components, task hijacking, debug or v1-only
// signatures). See README.md beside this file.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "assay/result.hpp"
#include "core/bytes.hpp"
#include "engine/analyzer.hpp"

namespace assay::analyzers {

class AndroidManifestAnalyzer final : public NodeAnalyzer {
 public:
  std::string_view id() const override { return "android-manifest"; }
  bool wants(const NodeInfo& node) const override;
  void analyze(const NodeView& node, ScanContext& ctx) const override;
};

namespace android {

/// The "android.app" fact's data for an APK or AAB (zip bytes), without judging it. kMalformed
/// when there is no readable manifest. Exposed for tests and for `assay cat`-like tools.
Result<nlohmann::json> describe_package(ByteView zip_bytes);

}  // namespace android
}  // namespace assay::analyzers
