#pragma once
// The daemon table (rules/services/daemons.yaml): which program names are network daemons, their
// default port and protocol, how they authenticate and which finding rule their start raises.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "assay/scan.hpp"

namespace assay::analyzers::services {

struct DaemonInfo {
  std::string name;  ///< canonical name ("telnetd" for utelnetd, in.telnetd ...)
  std::string role;
  std::string protocol;
  std::uint32_t port = 0;
  std::string auth;
  bool cleartext = false;
  std::string rule;
};

struct DaemonTable {
  std::map<std::string, DaemonInfo, std::less<>> by_name;  ///< every name and alias
  std::set<std::string, std::less<>> not_daemons;
  std::vector<std::string> diagnostics;

  /// The entry for a program's base name; names containing "httpd" fall back to the web entry.
  const DaemonInfo* lookup(std::string_view base) const;
  static std::unique_ptr<DaemonTable> load(const AnalysisConfig& config);
};

}  // namespace assay::analyzers::services
