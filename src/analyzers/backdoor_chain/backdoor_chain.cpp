#include "analyzers/backdoor_chain/backdoor_chain.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "analyzers/accounts/accounts.hpp"
#include "analyzers/services/services.hpp"
#include "analyzers/services/system_paths.hpp"

namespace assay::analyzers {
namespace {

using nlohmann::json;

// Symlink hops followed when resolving a service's program (busybox applets are one hop).
constexpr int kMaxLinkHops = 8;
// Paths listed in the aggregated world-writable finding.
constexpr std::size_t kMaxWritableEvidence = 20;

// What the tree says about one program.
struct Binary {
  bool found = false;
  std::string path;         ///< node path of the final file
  bool busybox_applet = false;
  std::string link;         ///< "usr/sbin/telnetd -> ../../bin/busybox"
  bool listens = false;     ///< imports bind/listen/accept
  bool elf = false;
};

std::string normalize(std::string_view rel) {
  // Resolves "." and ".." in a root-relative path (the path is bounded, the loop is linear).
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i <= rel.size()) {
    std::size_t e = rel.find('/', i);
    if (e == std::string_view::npos) e = rel.size();
    std::string_view p = rel.substr(i, e - i);
    if (p == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!p.empty() && p != ".") {
      parts.push_back(p);
    }
    i = e + 1;
  }
  std::string out;
  for (auto p : parts) {
    if (!out.empty()) out.push_back('/');
    out.append(p);
  }
  return out;
}

class Tree {
 public:
  explicit Tree(const ProductView& p) {
    for (const auto& n : p.tree) by_path_.emplace(n.path, &n);
    for (const auto& f : p.facts) {
      if (f.type != "binary.elf") continue;
      bool listens = false;
      if (auto it = f.data.find("imports"); it != f.data.end() && it->is_array())
        for (const auto& s : *it)
          if (s.is_string() && (s == "bind" || s == "listen" || s == "accept" || s == "accept4")) listens = true;
      elf_listens_.emplace(f.path, listens);
    }
  }

  Binary resolve(const std::string& root, std::string_view program) const {
    Binary b;
    std::vector<std::string> candidates;
    if (!program.empty() && program.front() == '/') {
      candidates.push_back(normalize(program));
    } else {
      for (std::string_view dir : {"usr/sbin/", "usr/bin/", "sbin/", "bin/", "usr/local/sbin/", "usr/local/bin/"})
        candidates.push_back(std::string(dir) + std::string(program));
    }
    for (const auto& c : candidates) {
      std::string rel = c;
      for (int hop = 0; hop <= kMaxLinkHops; ++hop) {
        auto it = by_path_.find(root + rel);
        if (it == by_path_.end()) break;
        const NodeInfo& n = *it->second;
        if (n.type == "symlink" && !n.link_target.empty()) {
          std::string target = n.link_target.front() == '/'
                                   ? normalize(n.link_target)
                                   : normalize(rel.substr(0, rel.rfind('/') + 1) + n.link_target);
          if (b.link.empty()) b.link = fmt::format("{} -> {}", rel, n.link_target);
          if (base_name(target) == "busybox") b.busybox_applet = true;
          rel = target;
          continue;
        }
        if (n.type == "file") {
          b.found = true;
          b.path = n.path;
          if (base_name(rel) == "busybox") b.busybox_applet = b.busybox_applet || !b.link.empty();
          if (auto e = elf_listens_.find(n.path); e != elf_listens_.end()) {
            b.elf = true;
            b.listens = e->second;
          }
        }
        break;
      }
      if (b.found) return b;
    }
    return b;
  }

 private:
  std::map<std::string, const NodeInfo*, std::less<>> by_path_;
  std::map<std::string, bool> elf_listens_;
};

bool remote_login(const services::Service& s) {
  return s.name == "telnetd" || s.name == "dropbear" || s.name == "sshd" || s.name == "ftpd" || s.name == "rlogind";
}

// Whether `s` lets account `a` in with a password of this kind.
struct Access {
  bool allowed = false;
  std::optional<Evidence> config;
  std::string how;
};

Access access(const services::Service& s, const accounts::Account& a, bool empty,
              const std::vector<services::SshConfig>& cfgs) {
  Access r;
  bool root = a.uid && *a.uid == 0;
  if (s.name == "telnetd" || s.name == "rlogind") {
    // login(1) asks nothing for an empty password; /etc/securetty may still keep root off pts.
    r.allowed = s.auth != "key";
    r.how = "login(1) over telnet";
    return r;
  }
  if (s.name == "ftpd") {
    r.allowed = !empty;
    r.how = "FTP login";
    return r;
  }
  const services::SshConfig* cfg = nullptr;
  for (const auto& c : cfgs)
    if (c.root == s.root && c.server == s.name) cfg = &c;
  bool password = true, root_login = true, root_password = true, empty_ok = false;
  if (s.name == "dropbear") {
    if (s.started_by == "procd") {
      // OpenWrt: flags come from etc/config/dropbear; without it the init script's defaults (all on).
      if (cfg) {
        password = cfg->password_auth;
        root_login = cfg->root_login;
        root_password = cfg->root_password_auth;
        empty_ok = cfg->empty_passwords;
        r.config = cfg->evidence;
        if (!cfg->enabled) return r;
      } else {
        empty_ok = true;
      }
    } else {
      auto has = [&](std::string_view f) { return std::find(s.args.begin(), s.args.end(), f) != s.args.end(); };
      password = !has("-s");
      root_password = !has("-g") && !has("-w");
      root_login = !has("-w");
      empty_ok = has("-B");
    }
  } else {  // sshd
    root_password = false;  // OpenSSH >= 7.0: prohibit-password
    if (cfg) {
      password = cfg->password_auth;
      root_login = cfg->root_login;
      root_password = cfg->root_password_auth;
      empty_ok = cfg->empty_passwords;
      r.config = cfg->evidence;
    }
  }
  r.allowed = password && (!root || (root_login && root_password)) && (!empty || empty_ok);
  r.how = fmt::format("{} password login", s.name);
  return r;
}

}  // namespace

void BackdoorChainAnalyzer::analyze(const ProductView& product, ScanContext& ctx) const {
  auto dbs = accounts::join_accounts(product.facts);
  if (dbs.empty()) return;
  auto svcs = services::resolve_services(product);
  auto cfgs = services::ssh_configs(product.facts);
  Tree tree(product);
  std::set<std::string> seen;
  for (const auto& s : svcs) {
    if (!s.enabled || !remote_login(s)) continue;
    if (s.name == "telnetd" && s.auth == "none") continue;  // services.telnet-no-login says it all
    Binary bin = tree.resolve(s.root, s.program);
    for (const auto& db : dbs) {
      if (db.root != s.root || db.dir != "etc/") continue;
      for (const auto& a : db.accounts) {
        if (!a.in_passwd || (!a.login_shell && s.name != "ftpd")) continue;
        std::string kind;
        if (a.state == "empty") kind = "empty";
        else if (a.cracked) kind = "default";
        else if (a.state == "hash") kind = "shared";
        else continue;
        Access ac = access(s, a, kind == "empty", cfgs);
        if (!ac.allowed) continue;
        std::string key = fmt::format("{}@{}", a.name, s.name);
        if (!seen.insert(s.root + '\n' + key).second) continue;
        Finding f;
        f.rule_id = "backdoor.login-chain";
        f.category = Category::kBackdoor;
        f.severity = kind == "shared" ? Severity::kHigh : Severity::kCritical;
        std::string cred = kind == "empty"   ? "no password"
                           : kind == "default" ? fmt::format("the default password '{}'", a.default_password)
                                               : "a password hash fixed in the image (the same on every unit)";
        f.title = fmt::format("Remote login as '{}' with {} through {}", a.name, kind == "empty" ? "no password" :
                              kind == "default" ? "a default password" : "a shared password", s.name);
        std::string binary;
        if (bin.found)
          binary = fmt::format("{}{}{}", bin.path, bin.busybox_applet ? " (busybox applet" : "",
                               bin.busybox_applet ? fmt::format(", {})", bin.link) : "");
        else
          binary = fmt::format("{} (not found in the image)", s.program);
        f.description = fmt::format(
            "Three facts make a backdoor: account '{}'{} has {}; {} starts at boot from {} ({}); and {} {}. "
            "Anyone who reaches the device on the network logs in as '{}'{}.",
            a.name, a.uid ? fmt::format(" (uid {})", *a.uid) : "", cred, s.name, s.source_rel, ac.how, binary,
            bin.listens ? "imports bind/listen/accept: it is the listening server" : "is the program that listens",
            a.name, a.uid && *a.uid == 0 ? " with full control of the device" : "");
        f.evidence.push_back(a.passwd_evidence);
        if (a.shadow_evidence && a.shadow_evidence->path != a.passwd_evidence.path) f.evidence.push_back(*a.shadow_evidence);
        f.evidence.push_back(s.evidence);
        if (ac.config) f.evidence.push_back(*ac.config);
        if (bin.found)
          f.evidence.push_back(Evidence{bin.path, std::nullopt, std::nullopt,
                                        bin.elf ? (bin.listens ? "ELF imports bind/listen/accept" : "ELF")
                                                : bin.link});
        f.cwe = {"CWE-798", "CWE-1392", "CWE-912"};
        f.remediation = fmt::format(
            "Break the chain: ship '{}' locked (set a per-unit or owner-chosen password at first use), and do not "
            "start {} with password logins at boot ({}).",
            a.name, s.name, s.name == "telnetd" ? "remove telnetd" : "keys only, no root password login");
        f.key = key;
        f.tags = {"credential", "remote-login", "backdoor-chain"};
        f.confidence = bin.found && s.confidence == "high" ? "high" : "medium";
        if (kind == "default") f.evidence.front().excerpt += fmt::format("  [password: {}]", a.default_password);
        ctx.add_finding(std::move(f));
      }
    }
  }
}

namespace {

// Setuid/setgid programs a Linux system is expected to have (shadow-utils, util-linux, iputils,
// OpenSSH, polkit, dbus, fuse, sudo, cron, at). Anything else is reported (low): each is attack
// surface for local privilege escalation, and a setuid busybox makes every applet a root tool.
constexpr std::array<std::string_view, 32> kExpectedSetuid = {
    "su", "sudo", "sudoedit", "passwd", "chsh", "chfn", "gpasswd", "newgrp", "mount", "umount", "ping", "ping6",
    "pkexec", "fusermount", "fusermount3", "ssh-keysign", "dbus-daemon-launch-helper", "unix_chkpwd", "crontab",
    "at", "expiry", "chage", "wall", "write", "Xorg.wrap", "ntfs-3g", "traceroute6.iputils", "polkit-agent-helper-1",
    "rdisc6", "ndisc6", "rltraceroute6", "screen"};

// Containers whose members carry real Unix modes. Zip-family members (APKs, JARs) carry modes
// the packer made up, so they are not judged.
bool unix_container(Kind k) {
  return k == Kind::kTar || k == Kind::kCpio || k == Kind::kSquashfs || k == Kind::kCramfs || k == Kind::kJffs2 ||
         k == Kind::kExt || k == Kind::kUbifs || k == Kind::kDirectory || k == Kind::kIso9660;
}

bool temp_area(std::string_view rel) {
  for (std::string_view p : {"tmp", "var/tmp", "dev", "proc", "sys", "run", "var/run", "var/lock", "var/spool/cron"})
    if (rel == p || (rel.starts_with(p) && rel.size() > p.size() && rel[p.size()] == '/')) return true;
  return false;
}

}  // namespace

void FilesystemModesAnalyzer::analyze(const ProductView& product, ScanContext& ctx) const {
  std::map<std::string, std::vector<const NodeInfo*>> writable;
  std::map<std::string_view, Kind> kinds;
  Kind artifact = Kind::kUnknown;
  for (const auto& n : product.tree) {
    kinds.emplace(n.path, n.kind);
    if (n.depth == 0) artifact = n.kind;
  }
  for (const auto& n : product.tree) {
    if (n.depth == 0 || (n.type != "file" && n.type != "directory")) continue;
    std::size_t bang = n.path.rfind("!/");
    Kind container = artifact;
    if (bang != std::string::npos) {
      auto it = kinds.find(std::string_view(n.path).substr(0, bang));
      container = it == kinds.end() ? Kind::kUnknown : it->second;
    }
    if (!unix_container(container)) continue;
    SystemPath sp = split_system_path(n.path);
    if (n.type == "file" && (n.mode & 06000) != 0) {
      std::string_view b = base_name(sp.rel);
      bool expected = std::find(kExpectedSetuid.begin(), kExpectedSetuid.end(), b) != kExpectedSetuid.end();
      if (!expected) {
        bool suid = (n.mode & 04000) != 0;
        Finding f;
        f.rule_id = "filesystem.setuid";
        f.category = Category::kHardening;
        f.severity = suid ? Severity::kLow : Severity::kInfo;
        f.title = fmt::format("{} file: {}", suid ? "Setuid" : "Setgid", sp.rel);
        f.description = fmt::format(
            "{} is {} (mode {:04o}, owner uid {}): it runs with its owner's privileges whoever starts it, so any "
            "flaw in it is a local privilege escalation.{}",
            sp.rel, suid ? "setuid" : "setgid", n.mode, n.uid,
            b == "busybox" ? " A setuid busybox gives every applet (sh, vi, cp ...) root privileges unless it was "
                             "built with CONFIG_FEATURE_SUID_CONFIG and a strict /etc/busybox.conf."
                           : "");
        f.evidence.push_back(Evidence{n.path, std::nullopt, std::nullopt, fmt::format("mode {:04o}", n.mode)});
        f.cwe = {"CWE-250"};
        f.remediation = "Remove the setuid/setgid bit unless the program needs it; prefer file capabilities or a "
                        "privileged helper with a narrow interface.";
        f.key = sp.rel;
        f.tags = {"permissions"};
        ctx.add_finding(std::move(f));
      }
    }
    bool sticky_dir = n.type == "directory" && (n.mode & 01000) != 0;
    if ((n.mode & 0002) != 0 && !sticky_dir && !temp_area(sp.rel)) writable[sp.root].push_back(&n);
  }
  for (const auto& [root, nodes] : writable) {
    Finding f;
    f.rule_id = "filesystem.world-writable";
    f.category = Category::kHardening;
    f.severity = Severity::kLow;
    f.title = fmt::format("{} world-writable path(s) outside temporary directories", nodes.size());
    f.description = fmt::format(
        "{} file(s) or directories (without the sticky bit) are writable by every user, outside /tmp and "
        "/var/tmp: any local process can replace a program, a script or a configuration file that root later "
        "runs or reads.", nodes.size());
    for (std::size_t i = 0; i < nodes.size() && i < kMaxWritableEvidence; ++i)
      f.evidence.push_back(Evidence{nodes[i]->path, std::nullopt, std::nullopt,
                                    fmt::format("{} mode {:04o}", nodes[i]->type, nodes[i]->mode)});
    f.cwe = {"CWE-732"};
    f.remediation = "Remove o+w from these paths (chmod o-w), or give shared directories the sticky bit.";
    f.key = root;
    f.tags = {"permissions"};
    ctx.add_finding(std::move(f));
  }
}

}  // namespace assay::analyzers
