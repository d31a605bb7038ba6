#pragma once
// iOS app analyzer: the files of an IPA's Payload/X.app bundle. Info.plist (identity, ATS,
// purpose strings, URL schemes, background modes), embedded.mobileprovision (profile type, devices,
// expiry), PrivacyInfo.xcprivacy (the privacy manifest) and the bundle's Mach-O files (code
// signature: identifier, team, entitlements; linked frameworks; tracker SDK classes). Records
// facts for the app-privacy join and judges ATS, minimum OS, profile and get-task-allow.
// See README.md beside this file.

#include <optional>
#include <string>
#include <string_view>

#include "engine/analyzer.hpp"

namespace assay::analyzers {

class IosAppAnalyzer final : public NodeAnalyzer {
 public:
  std::string_view id() const override { return "ios-app"; }
  bool wants(const NodeInfo& node) const override;
  void analyze(const NodeView& node, ScanContext& ctx) const override;
};

namespace ios_app {

/// Where a path sits in an app bundle: "a.ipa!/Payload/X.app/Frameworks/F.framework/F" ->
/// app_dir "a.ipa!/Payload/X.app/", inner "Frameworks/F.framework/F". nullopt outside Payload/*.app/.
struct BundlePath {
  std::string app_dir;
  std::string inner;
};
std::optional<BundlePath> bundle_path(std::string_view path);

/// "8.0" < "15.0": dotted numeric compare (missing parts are 0).
int compare_versions(std::string_view a, std::string_view b);

}  // namespace ios_app

}  // namespace assay::analyzers
