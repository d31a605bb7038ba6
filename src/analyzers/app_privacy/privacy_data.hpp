#pragma once
// The data the app-privacy join reads, loaded once per scan: data types, permission -> data type
// (rules/android/permissions.yaml), sensitive API -> required permission (rules/android/apis.yaml),
// iOS purpose strings -> data type (rules/ios/usage.yaml), non-endpoint hosts (rules/privacy.yaml).

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "assay/assessment.hpp"

namespace assay::app_privacy {

struct DataType {
  std::string id;
  std::string name;
  Severity severity = Severity::kMedium;
};

struct PermissionInfo {
  std::string data_type;
  std::string detail;
  std::string protection;
};

struct UsageInfo {
  std::string data_type;
  std::string detail;
};

struct PrivacyData {
  std::map<std::string, DataType, std::less<>> data_types;          ///< by id
  std::map<std::string, std::string, std::less<>> aliases;          ///< alias -> id
  std::map<std::string, PermissionInfo, std::less<>> permissions;   ///< short permission name
  std::map<std::string, std::string, std::less<>> api_permission;   ///< api name -> short permission
  std::map<std::string, UsageInfo, std::less<>> usage;              ///< Info.plist key
  std::vector<std::string> non_endpoint_hosts;
  std::vector<std::string> library_packages;  ///< rules/android/apis.yaml: well-known libraries

  /// True when a caller ("com.x.Y.z()") is in one of the library packages (boundary match).
  bool is_library_caller(std::string_view caller) const;
  std::vector<std::string> warnings;

  /// The canonical data-type id for a name from a fact (aliases resolved); unknown names as given.
  std::string canonical(std::string_view data_type) const;
  /// The data type, or a generic medium one named after the id.
  DataType type(std::string_view id) const;
};

/// "android.permission.CAMERA" -> "CAMERA"; other names unchanged.
std::string short_permission(std::string_view name);

/// Loads the four files through load_data_file (embedded, or --rules DIR). Never fails: what
/// cannot be read is listed in `warnings`.
PrivacyData load_privacy_data(const std::string& rules_dir);

}  // namespace assay::app_privacy
