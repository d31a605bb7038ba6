#include "analyzers/services/daemons.hpp"

#include <fmt/format.h>
#include "core/embedded.hpp"

#include "analyzers/services/data_file.hpp"

namespace assay::analyzers::services {

const DaemonInfo* DaemonTable::lookup(std::string_view base) const {
  if (auto it = by_name.find(base); it != by_name.end()) return &it->second;
  // "busybox-httpd", "webs.bin", "lighttpd-1.4": a versioned or suffixed name of a known daemon.
  for (std::string_view suffix : {".sh", ".bin", ".real"})
    if (base.ends_with(suffix))
      if (auto it = by_name.find(base.substr(0, base.size() - suffix.size())); it != by_name.end()) return &it->second;
  if (base.find("httpd") != std::string_view::npos)
    if (auto it = by_name.find("httpd"); it != by_name.end()) return &it->second;
  if (base.find("telnetd") != std::string_view::npos)
    if (auto it = by_name.find("telnetd"); it != by_name.end()) return &it->second;
  return nullptr;
}

std::unique_ptr<DaemonTable> DaemonTable::load(const AnalysisConfig& config) {
  auto t = std::make_unique<DaemonTable>();
  auto text = load_rule_data("rules/services/daemons.yaml", config.rules_dir);
  if (!text.ok()) {
    t->diagnostics.push_back(text.error().message);
    return t;
  }
  try {
    yaml::Node doc = load_yaml(*text);
    for (const auto& d : doc["daemons"]) {
      DaemonInfo info;
      info.name = d["name"].as<std::string>();
      info.role = d["role"] ? d["role"].as<std::string>() : "other";
      info.protocol = d["protocol"] ? d["protocol"].as<std::string>() : "";
      info.port = d["port"] ? d["port"].as<std::uint32_t>() : 0;
      info.auth = d["auth"] ? d["auth"].as<std::string>() : "unknown";
      info.cleartext = d["cleartext"] && d["cleartext"].as<bool>();
      info.rule = d["rule"] ? d["rule"].as<std::string>() : "";
      t->by_name.emplace(info.name, info);
      if (d["aliases"])
        for (const auto& a : d["aliases"]) t->by_name.emplace(a.as<std::string>(), info);
    }
    for (const auto& n : doc["not_daemons"]) t->not_daemons.insert(n.as<std::string>());
  } catch (const std::exception& e) {
    t->diagnostics.push_back(fmt::format("rules/services/daemons.yaml: {}", e.what()));
  }
  return t;
}

}  // namespace assay::analyzers::services
