#pragma once
// Services analyzer: reads what starts programs at boot (inittab, rc scripts, init.d, procd,
// systemd units, inetd/xinetd, crontabs) and the configuration of the remote-access daemons
// (sshd_config, OpenWrt dropbear/uhttpd UCI, Android props, lighttpd/nginx/stunnel/openssl TLS
// settings, snmpd.conf). Records a "system.services" fact per boot file (the service inventory),
// "system.ssh-config" / "system.tls-config" facts, and the findings a single file proves (debug
// consoles, SSH root/empty-password logins, ADB, weak TLS, default SNMP communities, insecure
// update fetches). The product analyzer resolves which boot scripts are enabled (rc.d links,
// systemd wants, scripts invoked by others) and judges the services that really start.
// See README.md beside this file.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/analyzer.hpp"

namespace assay::analyzers {

class ServicesAnalyzer final : public NodeAnalyzer {
 public:
  std::string_view id() const override { return "services"; }
  bool wants(const NodeInfo& node) const override;
  void analyze(const NodeView& node, ScanContext& ctx) const override;
};

class ServicesProductAnalyzer final : public ProductAnalyzer {
 public:
  std::string_view id() const override { return "services"; }
  void analyze(const ProductView& product, ScanContext& ctx) const override;
};

namespace services {

/// A service from a "system.services" fact, with whether its boot file is enabled.
struct Service {
  std::string root;
  std::string program;             ///< as written (absolute path or bare name)
  std::vector<std::string> args;
  std::string name;                ///< daemon-table name ("telnetd", "dropbear", "" when unknown)
  std::string role;                ///< remote-login, file-transfer, web, upnp, snmp, adb, ..., other
  std::string rule;                ///< daemon-table finding rule ("" = none)
  std::string started_by;          ///< inittab | rc-script | systemd | inetd | procd | cron
  std::string auth;                ///< password | none | key | unknown
  std::optional<std::uint32_t> port;
  std::string protocol;
  bool https = false;              ///< a web server started with a TLS listener
  bool enabled = true;             ///< its boot file is linked, invoked or always run
  std::string confidence = "high";
  Evidence evidence;               ///< the boot file line
  std::string source_rel;          ///< boot file path relative to the root
};

/// SSH server settings from sshd_config or OpenWrt's dropbear UCI file.
struct SshConfig {
  std::string root;
  std::string server;  ///< dropbear | sshd
  bool enabled = true;
  bool password_auth = true;
  bool root_login = true;           ///< root may log in at all
  bool root_password_auth = true;   ///< root may log in with a password
  bool empty_passwords = false;
  Evidence evidence;
};

/// Services of the product with their boot files resolved (enabled or not).
std::vector<Service> resolve_services(const ProductView& product);
std::vector<SshConfig> ssh_configs(const std::vector<Fact>& facts);

}  // namespace services
}  // namespace assay::analyzers
