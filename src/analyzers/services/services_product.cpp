// Services product analyzer: which boot files are enabled, and the findings about the services
// that really start. See services.hpp.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "analyzers/services/services.hpp"
#include "analyzers/services/system_paths.hpp"

namespace assay::analyzers {
namespace services {
namespace {

using nlohmann::json;

// Evidence items per aggregated finding.
constexpr std::size_t kMaxEvidence = 8;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& list_of(const json& j, const char* key) {
  static const json kEmpty = json::array();
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : kEmpty;
}

bool digit(char c) { return c >= '0' && c <= '9'; }

// "etc/rc.d/S50dropbear" -> "dropbear"; "" when not a start link.
std::string start_link_name(std::string_view rel) {
  if (!rel.starts_with("etc/")) return {};
  std::string_view dir = rel.substr(0, rel.rfind('/') + 1);
  if (!(dir.ends_with(".d/")) || !dir.starts_with("etc/rc")) return {};
  std::string_view b = base_name(rel);
  if (b.size() > 3 && b[0] == 'S' && digit(b[1]) && digit(b[2])) return std::string(b.substr(3));
  return {};
}

struct RootBoot {
  std::set<std::string> start_links;   ///< init.d names with an rc?.d/S?? link
  std::set<std::string> wanted_units;  ///< systemd units linked from *.wants/
  std::set<std::string> invoked;       ///< boot scripts run by other boot files (rel)
  std::set<std::string> patterns;      ///< "init.d/S": every S?? script of that directory runs
};

}  // namespace

std::vector<Service> resolve_services(const ProductView& product) {
  std::map<std::string, RootBoot> boot;
  // Android init services started by name (`start NAME` in any .rc file of the product: the
  // ramdisk's init.rc starts services the system partition defines, so this join is product-wide):
  // name -> only under a property condition.
  std::map<std::string, bool> android_started;
  for (const auto& f : product.facts) {
    if (f.type != "system.services") continue;
    for (const auto& st : list_of(f.data, "android_starts")) {
      std::string name = str(st, "name");
      if (name.empty()) continue;
      bool conditional = st.value("conditional", true);
      auto [it, fresh] = android_started.emplace(name, conditional);
      if (!fresh) it->second = it->second && conditional;
    }
  }
  for (const auto& n : product.tree) {
    if (n.type == "directory") continue;
    SystemPath sp = split_system_path(n.path);
    if (auto name = start_link_name(sp.rel); !name.empty()) boot[sp.root].start_links.insert(name);
    if (sp.rel.find("systemd/system/") != std::string::npos && sp.rel.find(".wants/") != std::string::npos)
      boot[sp.root].wanted_units.insert(std::string(base_name(sp.rel)));
  }
  for (const auto& f : product.facts) {
    if (f.type != "system.services") continue;
    RootBoot& rb = boot[str(f.data, "root")];
    for (const auto& i : list_of(f.data, "invokes"))
      if (i.is_string()) rb.invoked.insert(i.get<std::string>());
    for (const auto& p : list_of(f.data, "invoke_patterns"))
      if (p.is_string()) rb.patterns.insert(p.get<std::string>());
  }
  std::vector<Service> out;
  for (const auto& f : product.facts) {
    if (f.type != "system.services") continue;
    std::string root = str(f.data, "root");
    std::string rel = str(f.data, "rel");
    const RootBoot& rb = boot[root];
    std::string_view b = base_name(rel);
    bool enabled = true;
    std::string confidence = "high";
    std::string src = str(f.data, "source");
    if (rel.starts_with("etc/init.d/") || rel.starts_with("etc/rc.d/init.d/")) {
      bool s_named = b.size() > 3 && b[0] == 'S' && digit(b[1]) && digit(b[2]);
      bool linked = rb.start_links.count(std::string(b)) != 0 || rb.invoked.count(rel) != 0;
      if (s_named) {
        enabled = true;  // busybox rcS runs init.d/S??* by convention
      } else if (linked) {
        enabled = true;
      } else if (rb.start_links.empty() && rb.invoked.empty()) {
        confidence = "medium";  // nothing tells what runs: assume it does, say so
      } else {
        enabled = false;
      }
    } else if (src == "systemd") {
      bool system_dir = rel.starts_with("etc/systemd/system/");
      enabled = system_dir || rb.wanted_units.count(std::string(b)) != 0;
    }
    for (const auto& s : list_of(f.data, "services")) {
      Service sv;
      sv.root = root;
      sv.source_rel = rel;
      sv.program = str(s, "program");
      for (const auto& a : list_of(s, "args"))
        if (a.is_string()) sv.args.push_back(a.get<std::string>());
      sv.name = str(s, "name");
      sv.role = str(s, "role");
      sv.rule = str(s, "rule");
      sv.started_by = str(s, "started_by");
      sv.auth = str(s, "auth");
      sv.protocol = str(s, "protocol");
      if (auto it = s.find("port"); it != s.end() && it->is_number_unsigned()) sv.port = it->get<std::uint32_t>();
      sv.https = s.value("https", false);
      sv.enabled = enabled;
      sv.confidence = s.value("known_daemon", false) ? confidence : "medium";
      if (auto a = s.find("android"); a != s.end() && a->is_object() && a->value("disabled", false)) {
        // A disabled Android service runs only when something starts it by name.
        auto st = android_started.find(str(*a, "service"));
        sv.enabled = st != android_started.end();
        if (sv.enabled && st->second) sv.confidence = "medium";
      }
      sv.evidence.path = f.path;
      if (auto it = s.find("line"); it != s.end() && it->is_number_unsigned()) sv.evidence.line = it->get<std::uint32_t>();
      sv.evidence.excerpt = str(s, "excerpt");
      out.push_back(std::move(sv));
    }
  }
  return out;
}

std::vector<SshConfig> ssh_configs(const std::vector<Fact>& facts) {
  std::vector<SshConfig> out;
  for (const auto& f : facts) {
    if (f.type != "system.ssh-config") continue;
    SshConfig c;
    c.root = str(f.data, "root");
    c.server = str(f.data, "server");
    c.enabled = f.data.value("enabled", true);
    c.password_auth = f.data.value("password_auth", true);
    c.root_login = f.data.value("root_login", true);
    c.root_password_auth = f.data.value("root_password_auth", true);
    c.empty_passwords = f.data.value("empty_passwords", false);
    c.evidence.path = f.path;
    if (auto it = f.data.find("line"); it != f.data.end() && it->is_number_unsigned())
      c.evidence.line = it->get<std::uint32_t>();
    c.evidence.excerpt = str(f.data, "excerpt");
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace services

namespace {

using services::Service;

struct RuleText {
  const char* rule;
  Severity severity;
  const char* title;
  const char* why;
  const char* cwe;
  const char* remediation;
  const char* tag;
};

constexpr RuleText kRules[] = {
    {"services.telnet", Severity::kHigh, "Telnet server starts at boot",
     "Telnet sends the login name, the password and the whole session in clear text; anyone on the path reads "
     "them, and telnet is the first door botnets knock on.",
     "CWE-319", "Remove telnetd from the image (or from the boot files) and provide SSH with keys instead.", "cleartext"},
    {"services.rlogin", Severity::kHigh, "rlogin/rsh/rexec server starts at boot",
     "The r-services authenticate by host name or send passwords in clear text.", "CWE-319",
     "Remove the r-services; use SSH.", "cleartext"},
    {"services.ftp", Severity::kMedium, "FTP server starts at boot",
     "FTP sends credentials and files in clear text.", "CWE-319",
     "Disable the FTP server or replace it with SFTP/FTPS.", "cleartext"},
    {"services.tftp", Severity::kMedium, "TFTP server starts at boot",
     "TFTP has no authentication at all: anyone who reaches the port reads (and often writes) files.", "CWE-306",
     "Do not run a TFTP server in production; if recovery needs one, start it only in a recovery mode.",
     "cleartext"},
    {"services.upnp", Severity::kMedium, "UPnP IGD daemon starts at boot",
     "UPnP lets any host on the LAN (and malware on it) open ports in the firewall without authentication; "
     "exposed UPnP has been abused for DDoS reflection and to reach internal hosts (CallStranger, CVE-2020-12695).",
     "CWE-306", "Ship UPnP disabled by default and let the owner enable it; never bind it to the WAN side.",
     "exposure"},
    {"services.snmp", Severity::kLow, "SNMP agent starts at boot",
     "SNMPv1/v2c authenticates with cleartext community strings and discloses the device configuration.",
     "CWE-319", "Disable snmpd by default or configure SNMPv3 with authPriv.", "exposure"},
};

const RuleText* rule_text(std::string_view rule) {
  for (const auto& r : kRules)
    if (rule == r.rule) return &r;
  return nullptr;
}

std::string describe(const Service& s) {
  std::string args;
  for (std::size_t i = 0; i < s.args.size() && i < 8; ++i) args += " " + s.args[i];
  return fmt::format("'{}{}' (started by {} from {}{})", s.program, args, s.started_by, s.source_rel,
                     s.port ? fmt::format(", port {}", *s.port) : "");
}

Finding service_finding(const Service& s, const RuleText& r) {
  Finding f;
  f.rule_id = r.rule;
  f.category = Category::kBackdoor;
  f.severity = r.severity;
  f.title = r.title;
  f.description = fmt::format("{} {}", describe(s), r.why);
  f.evidence.push_back(s.evidence);
  f.cwe = {r.cwe};
  f.remediation = r.remediation;
  f.key = s.name.empty() ? s.program : s.name;
  f.tags = {"service", r.tag};
  f.confidence = s.confidence;
  return f;
}

}  // namespace

void ServicesProductAnalyzer::analyze(const ProductView& product, ScanContext& ctx) const {
  auto all = services::resolve_services(product);
  std::set<std::string> seen;  // one finding per rule, root and program
  std::map<std::string, std::vector<const Service*>> web_by_root;
  std::set<std::string> tls_roots;
  for (const auto& f : product.facts)
    if (f.type == "system.tls-config" && f.data.value("tls", false)) tls_roots.insert(services::str(f.data, "root"));

  for (const auto& s : all) {
    if (!s.enabled) continue;
    std::string key = s.root + '\n' + s.program;
    if (!s.rule.empty()) {
      if (const RuleText* r = rule_text(s.rule); r && seen.insert(s.rule + '\n' + key).second)
        ctx.add_finding(service_finding(s, *r));
    }
    if (s.name == "telnetd" && s.auth == "none" && seen.insert("no-login\n" + key).second) {
      Finding f;
      f.rule_id = "services.telnet-no-login";
      f.category = Category::kBackdoor;
      f.severity = Severity::kCritical;
      f.title = "Telnet server gives a shell without login";
      f.description = fmt::format("{} runs a shell directly (-l pointing at a shell) instead of login(1): anyone "
                                  "who reaches the port gets a root shell with no password at all.",
                                  describe(s));
      f.evidence.push_back(s.evidence);
      f.cwe = {"CWE-306", "CWE-912"};
      f.remediation = "Remove the telnet server; never start a shell on a network port.";
      f.key = s.program;
      f.tags = {"service", "remote-login", "cleartext"};
      ctx.add_finding(std::move(f));
    }
    if (s.name == "dropbear" && s.started_by != "procd" && seen.insert("dropbear\n" + key).second) {
      // A dropbear command line that is complete (not built up from a UCI file) decides alone.
      bool has_s = std::find(s.args.begin(), s.args.end(), "-s") != s.args.end();
      bool has_g = std::find(s.args.begin(), s.args.end(), "-g") != s.args.end();
      bool has_w = std::find(s.args.begin(), s.args.end(), "-w") != s.args.end();
      bool has_b = std::find(s.args.begin(), s.args.end(), "-B") != s.args.end();
      auto ssh_finding = [&](const char* rule, const char* title, const char* why, const char* cwe, const char* fix) {
        Finding f;
        f.rule_id = rule;
        f.category = Category::kBackdoor;
        f.severity = Severity::kHigh;
        f.title = title;
        f.description = fmt::format("{} {}", describe(s), why);
        f.evidence.push_back(s.evidence);
        f.cwe = {cwe};
        f.remediation = fix;
        f.key = "dropbear:" + s.program;
        f.tags = {"ssh", "remote-login"};
        ctx.add_finding(std::move(f));
      };
      if (!has_s && !has_g && !has_w)
        ssh_finding("services.ssh-root-password", "SSH allows root to log in with a password",
                    "starts dropbear without -s, -g or -w: root may log in with a password.", "CWE-250",
                    "Start dropbear with -g (no root password logins) or -s (keys only), or -w.");
      if (has_b && !has_s)
        ssh_finding("services.ssh-empty-passwords", "SSH accepts empty passwords",
                    "starts dropbear with -B: accounts with an empty password log in without one.", "CWE-258",
                    "Remove -B.");
    }
    if (s.role == "web") web_by_root[s.root].push_back(&s);
  }

  for (const auto& [root, web] : web_by_root) {
    bool tls = tls_roots.count(root) != 0 ||
               std::any_of(web.begin(), web.end(), [](const Service* s) { return s->https || (s->port && *s->port == 443); });
    if (tls) continue;
    Finding f;
    f.rule_id = "services.http-admin-only";
    f.category = Category::kCrypto;
    f.severity = Severity::kMedium;
    f.title = "Web server without TLS";
    f.description = fmt::format(
        "{} web server(s) start at boot ({}) and no TLS listener is configured for this system: the web "
        "interface, and any administrator password typed into it, cross the network in clear text.",
        web.size(), describe(*web.front()));
    for (std::size_t i = 0; i < web.size() && i < services::kMaxEvidence; ++i) f.evidence.push_back(web[i]->evidence);
    f.cwe = {"CWE-319"};
    f.remediation = "Serve the administration interface over HTTPS only (a per-unit certificate), redirect HTTP to "
                    "HTTPS, and bind it to the LAN side.";
    f.key = web.front()->program;
    f.tags = {"cleartext", "web"};
    f.confidence = "medium";
    ctx.add_finding(std::move(f));
  }
}

}  // namespace assay::analyzers
