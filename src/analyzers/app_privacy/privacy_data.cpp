#include "analyzers/app_privacy/privacy_data.hpp"

#include "core/embedded.hpp"

#include "analyzers/trackers/tracker_pack.hpp"

namespace assay::app_privacy {
namespace {

constexpr std::string_view kPermissionPrefix = "android.permission.";

std::string str(const yaml::Node& n, const char* key) {
  const yaml::Node v = n[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

// Runs `body` over a YAML file's root; parse problems become a warning, never an exception.
template <class F>
void with_yaml(PrivacyData& pd, const char* path, const std::string& rules_dir, F body) {
  auto text = trackers::load_rule_text(path, rules_dir);
  if (!text) {
    pd.warnings.push_back(std::string(path) + ": " + text.error().message);
    return;
  }
  try {
    body(load_yaml(*text));
  } catch (const yaml::Exception& e) {
    pd.warnings.push_back(std::string(path) + ": " + e.what());
  }
}

}  // namespace

std::string short_permission(std::string_view name) {
  if (name.starts_with(kPermissionPrefix)) name.remove_prefix(kPermissionPrefix.size());
  return std::string(name);
}

std::string PrivacyData::canonical(std::string_view data_type) const {
  if (data_types.count(data_type) != 0) return std::string(data_type);
  auto it = aliases.find(data_type);
  return it != aliases.end() ? it->second : std::string(data_type);
}

bool PrivacyData::is_library_caller(std::string_view caller) const {
  for (const auto& p : library_packages)
    if (caller.size() > p.size() && caller.starts_with(p) && caller[p.size()] == '.') return true;
  return false;
}

DataType PrivacyData::type(std::string_view id) const {
  auto it = data_types.find(id);
  if (it != data_types.end()) return it->second;
  return DataType{std::string(id), std::string(id), Severity::kMedium};
}

PrivacyData load_privacy_data(const std::string& rules_dir) {
  PrivacyData pd;
  with_yaml(pd, "rules/android/permissions.yaml", rules_dir, [&](const yaml::Node& root) {
    for (const auto& n : root["data_types"]) {
      DataType t;
      t.id = str(n, "id");
      t.name = str(n, "name");
      if (t.id.empty()) continue;
      if (t.name.empty()) t.name = t.id;
      if (auto s = severity_from_name(str(n, "severity"))) t.severity = *s;
      if (const yaml::Node al = n["aliases"]; al && al.IsSequence())
        for (const auto& a : al) pd.aliases[a.as<std::string>()] = t.id;
      pd.data_types[t.id] = t;
    }
    for (const auto& n : root["permissions"]) {
      const std::string p = short_permission(str(n, "permission"));
      if (p.empty()) continue;
      pd.permissions[p] = {str(n, "data_type"), str(n, "detail"), str(n, "protection")};
    }
  });
  with_yaml(pd, "rules/android/apis.yaml", rules_dir, [&](const yaml::Node& root) {
    for (const auto& n : root["library_packages"])
      if (n.IsScalar()) pd.library_packages.push_back(n.as<std::string>());
    for (const auto& n : root["apis"]) {
      const std::string perm = short_permission(str(n, "permission"));
      std::string api = str(n, "api");
      if (api.empty()) {
        const std::string cls = str(n, "class");
        const std::string member = !str(n, "method").empty() ? str(n, "method") : str(n, "field");
        api = !cls.empty() && !member.empty() ? cls + "." + member : str(n, "uri_prefix");
      }
      if (!api.empty()) pd.api_permission[api] = perm;
    }
  });
  with_yaml(pd, "rules/ios/usage.yaml", rules_dir, [&](const yaml::Node& root) {
    for (const auto& n : root["usage_descriptions"]) {
      const std::string key = str(n, "key");
      if (!key.empty()) pd.usage[key] = {str(n, "data_type"), str(n, "detail")};
    }
  });
  with_yaml(pd, "rules/privacy.yaml", rules_dir, [&](const yaml::Node& root) {
    for (const auto& n : root["non_endpoint_hosts"])
      if (n.IsScalar()) pd.non_endpoint_hosts.push_back(n.as<std::string>());
  });
  return pd;
}

}  // namespace assay::app_privacy
