// Services node analyzer: one boot or configuration file at a time. See services.hpp.
#include "analyzers/services/services.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "analyzers/services/daemons.hpp"
#include "analyzers/services/system_paths.hpp"
#include "formats/initsys/initsys.hpp"
#include "formats/strings/strings.hpp"

namespace assay::analyzers {
namespace {

using nlohmann::json;
using services::DaemonInfo;
using services::DaemonTable;

// Services recorded per boot file (facts stay small; a boot script starts a handful).
constexpr std::size_t kMaxServicesPerFile = 256;
// Arguments kept per service in a fact.
constexpr std::size_t kMaxArgs = 32;
// Evidence lines per aggregated finding (debug consoles, ADB props).
constexpr std::size_t kMaxEvidence = 8;
// Insecure-update findings per file (one script fetching ten files is one problem).
constexpr std::size_t kMaxUpdateFindings = 3;

enum class FileKind {
  kNone, kInittab, kShell, kUpdateScript, kSystemd, kInetd, kXinetd, kCron, kSystemCron, kUciDropbear,
  kUciUhttpd, kSshd, kProps, kLighttpd, kNginx, kStunnel, kOpenssl, kSnmpd, kAndroidInit
};

bool has(std::string_view s, std::string_view what) { return s.find(what) != std::string_view::npos; }

bool rc_dir(std::string_view rel) {
  // etc/rc.d/, etc/rcS.d/, etc/rc3.d/, etc/rc.d/rc3.d/
  if (!rel.starts_with("etc/rc")) return false;
  auto slash = rel.find('/', 4);
  return slash != std::string_view::npos && rel.substr(4, slash - 4).ends_with(".d");
}

FileKind classify(std::string_view rel, std::string_view base, Kind kind) {
  if (rel == "etc/inittab") return FileKind::kInittab;
  // Android init: init.rc and init.<hw>.rc at the ramdisk root, *.rc under each partition's
  // etc/init/ (ueventd.rc is device permissions, another language).
  if (base.ends_with(".rc") && !base.starts_with("ueventd") &&
      (has(rel, "etc/init/") || (rel.find('/') == std::string_view::npos && base.starts_with("init"))))
    return FileKind::kAndroidInit;
  if (rel.starts_with("etc/init.d/") || rel.starts_with("etc/rc.d/init.d/") || rc_dir(rel) ||
      rel == "etc/rc.local" || rel == "etc/rc.d/rc.local" || rel == "etc/rcS" || rel == "etc/rc" ||
      rel == "etc/rc.sysinit" || rel == "sbin/rc" || (rel.starts_with("etc/") && base.starts_with("rcS") &&
                                                       rel.find('/', 4) == std::string_view::npos))
    return base == "rc.common" || base == "functions" ? FileKind::kNone : FileKind::kShell;
  if ((base.ends_with(".service") || base.ends_with(".socket")) && has(rel, "systemd/system/")) return FileKind::kSystemd;
  if (rel == "etc/inetd.conf") return FileKind::kInetd;
  if (rel.starts_with("etc/xinetd.d/") || rel == "etc/xinetd.conf") return FileKind::kXinetd;
  if (rel.starts_with("etc/crontabs/") || rel.starts_with("var/spool/cron/")) return FileKind::kCron;
  if (rel == "etc/crontab" || rel.starts_with("etc/cron.d/")) return FileKind::kSystemCron;
  if (rel == "etc/config/dropbear") return FileKind::kUciDropbear;
  if (rel == "etc/config/uhttpd") return FileKind::kUciUhttpd;
  if (base == "sshd_config") return FileKind::kSshd;
  if (base == "build.prop" || base == "default.prop" || base == "prop.default" || base == "local.prop")
    return FileKind::kProps;
  if (base == "lighttpd.conf" || (rel.starts_with("etc/lighttpd/") && base.ends_with(".conf"))) return FileKind::kLighttpd;
  if (base == "nginx.conf" || (rel.starts_with("etc/nginx/") && (base.ends_with(".conf") || has(rel, "sites-"))))
    return FileKind::kNginx;
  if (base == "stunnel.conf" || (rel.starts_with("etc/stunnel/") && base.ends_with(".conf"))) return FileKind::kStunnel;
  if (base == "openssl.cnf") return FileKind::kOpenssl;
  if (base == "snmpd.conf") return FileKind::kSnmpd;
  if (kind == Kind::kScript && (has(base, "update") || has(base, "upgrade") || has(base, "fwup") || has(base, "firmware")))
    return FileKind::kUpdateScript;
  return FileKind::kNone;
}

std::string utf8(std::string_view s) { return strings::valid_utf8(s); }

std::optional<std::uint32_t> parse_port(std::string_view s) {
  // "[::]:22", "0.0.0.0:80", "22"
  auto colon = s.rfind(':');
  if (colon != std::string_view::npos) s = s.substr(colon + 1);
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v == 0 || v > 65535) return std::nullopt;
  return v;
}

bool is_shell(std::string_view program) {
  std::string_view b = base_name(program);
  while (!b.empty() && b.front() == '-') b.remove_prefix(1);
  return b == "sh" || b == "ash" || b == "bash" || b == "hush" || b == "msh" || b == "dash" || b == "ksh" ||
         b == "zsh" || b == "busybox";
}

bool truthy(std::string_view v) {
  return v == "1" || v == "on" || v == "yes" || v == "true" || v == "enable" || v == "enabled";
}

std::string lower(std::string_view s) {
  std::string o(s);
  std::transform(o.begin(), o.end(), o.begin(), [](unsigned char c) { return std::tolower(c); });
  return o;
}

// A context in which an init script stops rather than starts things.
bool stopping_context(std::string_view ctx) {
  std::string c = lower(ctx);
  if (has(c, "start") || has(c, "boot")) return false;
  return has(c, "stop") || has(c, "kill") || has(c, "shutdown") || has(c, "status") || has(c, "usage") ||
         has(c, "help") || has(c, "disable") || has(c, "reload");
}

struct Builder {
  const NodeInfo& node;
  SystemPath sp;
  const DaemonTable& table;
  ScanContext& ctx;
  json services = json::array();
  json invokes = json::array();
  json invoke_patterns = json::array();
  std::size_t update_findings = 0;

  Finding finding(std::string rule, Category cat, Severity sev, std::string title, std::string description,
                  std::vector<std::string> cwe, std::string remediation, std::string key) const {
    Finding f;
    f.rule_id = std::move(rule);
    f.category = cat;
    f.severity = sev;
    f.title = std::move(title);
    f.description = std::move(description);
    f.cwe = std::move(cwe);
    f.remediation = std::move(remediation);
    f.key = std::move(key);
    return f;
  }
  Evidence ev(std::uint32_t line, std::string_view text) const {
    return Evidence{node.path, std::nullopt, line, utf8(text.substr(0, 200))};
  }

  void invoke(std::string_view script) {
    if (invokes.size() < kMaxServicesPerFile) invokes.push_back(utf8(rel_of_absolute(script)));
  }

  // Adds one started program; `launcher` is set when a service manager starts it (a daemon
  // whatever its name).
  void add_service(std::string program, std::vector<std::string> args, std::string started_by, bool background,
                   std::string_view launcher, std::uint32_t line, std::string_view text, std::string_view context) {
    if (services.size() >= kMaxServicesPerFile || program.empty()) return;
    if (program.front() == '$' || has(program, "`") || has(program, "$(")) return;
    std::string_view base = base_name(program);
    while (!base.empty() && base.front() == '-') base.remove_prefix(1);
    if (base.empty()) return;
    const DaemonInfo* info = table.lookup(base);
    bool managed = !launcher.empty() || started_by == "inittab" || started_by == "systemd" || started_by == "inetd" ||
                   started_by == "android-init";
    if (info == nullptr) {
      if (table.not_daemons.count(base) != 0 && launcher.empty()) return;
      if (!managed && !background) return;
      if (is_shell(base) || base == "[" || base == "test") return;
    }
    json s = {{"program", utf8(program)}, {"started_by", started_by}, {"line", line},
              {"excerpt", utf8(text.substr(0, 200))}, {"context", utf8(context)},
              {"background", background}, {"launcher", std::string(launcher)}};
    json a = json::array();
    for (std::size_t i = 0; i < args.size() && i < kMaxArgs; ++i) a.push_back(utf8(args[i]));
    s["args"] = a;
    std::string role = info ? info->role : (has(base, "httpd") ? "web" : "other");
    std::string name = info ? info->name : std::string(base);
    std::string auth = info ? info->auth : "unknown";
    std::optional<std::uint32_t> port;
    if (info && info->port != 0) port = info->port;
    bool https = false;
    json ssh;
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& w = args[i];
      bool has_next = i + 1 < args.size();
      if (name == "telnetd" && w == "-l" && has_next) {
        if (is_shell(args[i + 1])) auth = "none";
      } else if (name == "telnetd" && w.starts_with("-l") && w.size() > 2) {
        if (is_shell(w.substr(2))) auth = "none";
      } else if ((w == "-p" || w == "--port") && has_next) {
        if (auto p = parse_port(args[i + 1])) port = p;
      } else if (w.starts_with("-p") && w.size() > 2 && name != "telnetd") {
        if (auto p = parse_port(w.substr(2))) port = p;
      } else if (name == "httpd" && base == "uhttpd" && w == "-s" && has_next) {
        https = true;
      }
    }
    if (name == "dropbear") {
      // dropbear(8): -s no password logins, -g no password logins for root, -w no root logins,
      // -B allow blank passwords. A procd command line gets more flags appended from the UCI
      // file, so its flags are not the whole story (the UCI fact decides).
      bool all = std::find(args.begin(), args.end(), "-s") != args.end();
      bool g = std::find(args.begin(), args.end(), "-g") != args.end();
      bool w = std::find(args.begin(), args.end(), "-w") != args.end();
      bool b = std::find(args.begin(), args.end(), "-B") != args.end();
      ssh = {{"password_auth", !all}, {"root_login", !w}, {"root_password_auth", !all && !g && !w},
             {"empty_passwords", b}, {"complete", launcher != "procd"}};
      auth = all ? "key" : "password";
    }
    s["name"] = utf8(name);
    s["role"] = role;
    s["rule"] = info ? info->rule : "";
    s["auth"] = auth;
    s["port"] = port ? json(*port) : json();
    s["protocol"] = info ? info->protocol : "";
    s["https"] = https;
    s["known_daemon"] = info != nullptr;
    if (!ssh.is_null()) s["ssh"] = ssh;
    services.push_back(std::move(s));
  }

  // A command of a shell script, inittab or unit: unwraps launchers and records a service or an
  // invocation of another boot script.
  void command(const std::vector<std::string>& words, const initsys::ShellScript* script, std::string started_by,
               bool background, std::uint32_t line, std::string_view text, std::string_view context) {
    std::vector<std::string> w;
    w.reserve(words.size());
    for (const auto& x : words) w.push_back(script ? script->expand(x) : x);
    std::size_t i = 0;
    std::string launcher;
    while (i < w.size()) {
      std::string_view b = base_name(w[i]);
      if (b == "exec" || b == "nohup" || b == "setsid" || b == "sudo" || b == "chpst" || b == "nice" ||
          b == "ionice" || b == "taskset" || b == "env" || b == "stdbuf") {
        ++i;
        while (i < w.size() && (w[i].starts_with("-") || w[i].find('=') != std::string::npos ||
                                std::all_of(w[i].begin(), w[i].end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })))
          ++i;
      } else if (b == "busybox" && i + 1 < w.size() && !w[i + 1].starts_with("-")) {
        ++i;
      } else {
        break;
      }
    }
    if (i >= w.size()) return;
    std::string_view b = base_name(w[i]);
    std::string program;
    std::vector<std::string> args;
    if (b == "start-stop-daemon") {
      bool start = false;
      for (std::size_t k = i + 1; k < w.size(); ++k) {
        const std::string& o = w[k];
        if (o == "-S" || o == "--start") start = true;
        else if ((o == "-x" || o == "--exec" || o == "-a" || o == "--startas") && k + 1 < w.size()) program = w[++k];
        else if (o.starts_with("--exec=") || o.starts_with("--startas=")) program = o.substr(o.find('=') + 1);
        else if (o == "--") {
          args.assign(w.begin() + static_cast<std::ptrdiff_t>(k + 1), w.end());
          break;
        }
      }
      if (!start) return;
      launcher = "start-stop-daemon";
      background = true;
    } else if (b == "procd_set_param") {
      if (i + 2 >= w.size() || w[i + 1] != "command") return;
      program = w[i + 2];
      args.assign(w.begin() + static_cast<std::ptrdiff_t>(i + 3), w.end());
      launcher = "procd";
      started_by = "procd";
    } else if (b == "service_start") {
      if (i + 1 >= w.size()) return;
      program = w[i + 1];
      args.assign(w.begin() + static_cast<std::ptrdiff_t>(i + 2), w.end());
      launcher = "service_start";
    } else if (b == "run-parts" || ((b == "sh" || b == "ash" || b == "bash" || b == ".") && i + 1 < w.size() &&
                                    w[i + 1].starts_with("/"))) {
      std::string target = w.back();
      invoke(target);
      return;
    } else {
      program = w[i];
      args.assign(w.begin() + static_cast<std::ptrdiff_t>(i + 1), w.end());
    }
    if (has(program, "init.d/") || has(program, "/rc.d/") || has(program, "rc.local") ||
        base_name(program).starts_with("rcS")) {
      invoke(program);
      return;
    }
    add_service(std::move(program), std::move(args), std::move(started_by), background, launcher, line, text, context);
  }

  void check_update(const initsys::ShellScript& s, std::string_view base) {
    bool update_name = has(base, "update") || has(base, "upgrade") || has(base, "fwup") || has(base, "firmware");
    bool flashes = false, verifies = false;
    std::vector<const initsys::ShellCommand*> fetches;
    for (const auto& c : s.commands) {
      if (c.words.empty()) continue;
      std::string_view b = base_name(c.words[0]);
      if (b == "busybox" && c.words.size() > 1) b = base_name(c.words[1]);
      if (b == "sysupgrade" || b == "mtd" || b == "flashcp" || b == "flash_erase" || b == "nandwrite" ||
          b == "ubiupdatevol" || has(b, "fw_upgrade") || has(b, "fwupgrade") || b == "opkg" || b == "ipkg")
        flashes = true;
      if (b == "dd")
        for (const auto& a : c.words)
          if (a.starts_with("of=/dev/mtd") || a.starts_with("of=/dev/mmcblk")) flashes = true;
      if (b == "gpg" || b == "gpgv" || b == "usign" || b == "signify" || b == "minisign" || b == "fwtool" ||
          has(b, "verify") || (b == "openssl" && c.words.size() > 1 &&
                               (c.words[1] == "dgst" || c.words[1] == "smime" || c.words[1] == "cms" ||
                                c.words[1] == "pkeyutl" || c.words[1] == "rsautl")))
        verifies = true;
      bool cleartext_tool = b == "tftp" || b == "ftpget" || b == "atftp";
      bool fetch_tool = b == "wget" || b == "curl" || b == "uclient-fetch" || b == "fetch";
      if (!cleartext_tool && !fetch_tool) continue;
      bool plain_url = cleartext_tool;
      for (const auto& a : c.words) {
        std::string e = s.expand(a);
        if (e.starts_with("http://") || e.starts_with("ftp://") || e.starts_with("tftp://")) plain_url = true;
        if (plain_url && (has(e, "firmware") || has(e, "upgrade") || has(e, "update") || e.ends_with(".bin") ||
                          e.ends_with(".img") || e.ends_with(".trx") || e.ends_with(".ipk")))
          update_name = true;
      }
      if (plain_url) fetches.push_back(&c);
    }
    if (fetches.empty() || verifies || !(update_name || flashes)) return;
    for (const auto* c : fetches) {
      if (update_findings >= kMaxUpdateFindings) break;
      ++update_findings;
      Finding f = finding(
          "services.insecure-update", Category::kIntegrity, Severity::kHigh, "Update fetched over a cleartext channel without a signature check",
          fmt::format("{} downloads with '{}' over plain HTTP/FTP/TFTP and nothing in the script verifies a "
                      "signature before the result is installed: anyone on the network path can substitute the "
                      "update and run code on the device.",
                      sp.rel, base_name(c->words[0])),
          {"CWE-494", "CWE-319"},
          "Fetch updates over HTTPS with certificate validation and verify a vendor signature (usign, signify, "
          "openssl dgst -verify, gpgv) over the image before flashing it.",
          fmt::format("{}:{}", sp.rel, c->line));
      f.evidence.push_back(ev(c->line, c->text));
      f.tags = {"update", "cleartext"};
      ctx.add_finding(std::move(f));
    }
  }
};

// ---------------------------------------------------------------------------------------------

void do_shell(Builder& b, ByteView bytes, std::string_view base, bool services) {
  initsys::ShellScript s = initsys::parse_shell(bytes);
  if (services) {
    for (const auto& c : s.commands) {
      if (stopping_context(c.context)) continue;
      b.command(c.words, &s, "rc-script", c.background, c.line, c.text, c.context);
    }
    // busybox rcS: `for i in /etc/init.d/S??* ; do $i start; done` runs every S?? script.
    std::string_view text = as_chars(bytes.first(std::min<std::size_t>(bytes.size(), initsys::kMaxTextBytes)));
    for (std::string_view dir : {"init.d/S", "rc.d/S", "rcS.d/S"}) {
      auto p = text.find(dir);
      if (p != std::string_view::npos && p + dir.size() < text.size() &&
          (text[p + dir.size()] == '?' || text[p + dir.size()] == '*' || text[p + dir.size()] == '['))
        b.invoke_patterns.push_back(std::string(dir));
    }
  }
  b.check_update(s, base);
}

void do_inittab(Builder& b, ByteView bytes) {
  std::vector<Evidence> consoles;
  for (const auto& e : initsys::parse_inittab(bytes)) {
    static constexpr std::array<std::string_view, 8> kRun = {"sysinit", "wait", "once", "respawn", "askfirst",
                                                             "boot", "bootwait", "initdefault"};
    if (std::find(kRun.begin(), kRun.end(), e.action) == kRun.end() || e.action == "initdefault") continue;
    initsys::ShellScript s = initsys::parse_shell(as_bytes(e.process));
    if (s.commands.empty()) continue;
    const auto& w = s.commands.front().words;
    std::string_view prog = w.front();
    bool interactive = e.action == "respawn" || e.action == "askfirst" || e.action == "once" || e.action == "wait";
    // A shell on a console, or a getty/login that skips the password, is a root console.
    if (is_shell(prog)) {
      // "/bin/sh", "-/bin/sh", "/bin/ash --login": an interactive shell. "/bin/sh /etc/rc" runs a script.
      bool script = w.size() > 1 && !w[1].starts_with("-");
      if (script) b.invoke(w[1]);
      else if (interactive) consoles.push_back(b.ev(e.line, e.text));
      continue;
    }
    std::string_view pb = base_name(prog);
    if (pb == "getty" || pb == "agetty" || pb == "mingetty" || pb == "login") {
      bool nologin = false;
      for (std::size_t i = 0; i + 1 < w.size(); ++i)
        if ((w[i] == "-l" && is_shell(w[i + 1])) || ((w[i] == "-a" || w[i] == "--autologin") && w[i + 1] == "root") ||
            (pb == "login" && w[i] == "-f"))
          nologin = true;
      if (nologin) consoles.push_back(b.ev(e.line, e.text));
      continue;
    }
    b.command(w, nullptr, "inittab", e.action == "respawn", e.line, e.text, e.action);
  }
  if (consoles.empty()) return;
  Finding f = b.finding(
      "services.debug-console", Category::kBackdoor, Severity::kMedium, "Root shell on a console without login",
      fmt::format("{} starts a shell (or a getty that skips the password) on {} console line(s): whoever has "
                  "the serial header or a local terminal gets a root shell without a password.",
                  b.sp.rel, consoles.size()),
      {"CWE-306", "CWE-1191"},
      "Start getty/login on consoles instead of a shell (busybox: 'ttyS0::respawn:/sbin/getty -L ttyS0 115200 "
      "vt100'), or disable the console in production builds.",
      "inittab");
  for (std::size_t i = 0; i < consoles.size() && i < kMaxEvidence; ++i) f.evidence.push_back(consoles[i]);
  f.tags = {"console", "debug"};
  b.ctx.add_finding(std::move(f));
}

void do_systemd(Builder& b, ByteView bytes, std::string_view base) {
  auto dirs = initsys::parse_config(bytes, initsys::ConfigStyle::kIni);
  json wanted = json::array();
  for (const auto& d : dirs)
    if (d.section == "Install" && (d.key == "WantedBy" || d.key == "RequiredBy") && !d.values.empty())
      wanted.push_back(utf8(d.values.front()));
  for (const auto& d : dirs) {
    if (d.section != "Service" || d.key != "ExecStart" || d.values.empty()) continue;
    std::string v = d.values.front();
    std::size_t k = 0;
    while (k < v.size() && (v[k] == '@' || v[k] == '-' || v[k] == ':' || v[k] == '+' || v[k] == '!')) ++k;
    initsys::ShellScript s = initsys::parse_shell(as_bytes(std::string_view(v).substr(k)));
    if (s.commands.empty()) continue;
    b.command(s.commands.front().words, nullptr, "systemd", false, d.line, d.text, base);
  }
  if (!b.services.empty()) b.services.back()["wanted_by"] = wanted;
}

void do_inetd(Builder& b, ByteView bytes, bool x) {
  auto service_from = [&](std::string svc, std::string server, std::vector<std::string> args, std::uint32_t line,
                          std::string_view text) {
    if (server == "internal" || server.empty()) return;
    if (base_name(server) == "tcpd" && !args.empty()) {
      server = args.front();
      args.erase(args.begin());
    } else if (!args.empty() && base_name(args.front()) == base_name(server)) {
      args.erase(args.begin());  // argv[0]
    }
    // The service name says what it is when the program name does not ("telnet stream tcp ...").
    static const std::array<std::pair<std::string_view, std::string_view>, 6> kNames = {
        {{"telnet", "telnetd"}, {"ftp", "ftpd"}, {"tftp", "tftpd"}, {"login", "rlogind"}, {"shell", "rshd"}, {"exec", "rexecd"}}};
    std::string program = server;
    if (b.table.lookup(base_name(server)) == nullptr)
      for (const auto& [n, d] : kNames)
        if (svc == n) program = server + "#" + std::string(d);
    b.add_service(program.find('#') != std::string::npos ? program.substr(program.find('#') + 1) : program,
                  std::move(args), "inetd", true, "inetd", line, text, svc);
    if (program.find('#') != std::string::npos) b.services.back()["program"] = utf8(server);
  };
  if (!x) {
    for (const auto& e : initsys::parse_inetd(bytes)) service_from(e.service, e.server, e.args, e.line, e.text);
    return;
  }
  for (const auto& s : initsys::parse_xinetd(bytes)) {
    auto disable = s.attribute("disable");
    if (disable && truthy(lower(*disable))) continue;
    auto server = s.attribute("server");
    std::vector<std::string> args;
    if (auto a = s.attribute("server_args")) {
      initsys::ShellScript sh = initsys::parse_shell(as_bytes(*a));
      if (!sh.commands.empty()) args = sh.commands.front().words;
    }
    service_from(s.name, server.value_or(""), args, s.line, fmt::format("service {}", s.name));
  }
}

void do_cron(Builder& b, ByteView bytes, bool system) {
  for (const auto& e : initsys::parse_crontab(bytes, system)) {
    initsys::ShellScript s = initsys::parse_shell(as_bytes(e.command));
    for (const auto& c : s.commands) {
      std::string_view base = c.words.empty() ? std::string_view{} : base_name(c.words[0]);
      if (b.table.lookup(base) != nullptr)
        b.command(c.words, &s, "cron", false, e.line, e.command, e.schedule);
    }
    // Each job is its own little script for the update check; line numbers are the crontab's.
    for (auto& c : s.commands) {
      c.line = e.line;
      c.text = e.command;
    }
    b.check_update(s, base_name(b.sp.rel));
  }
}

void ssh_fact(Builder& b, std::string server, bool enabled, bool password, bool root_login, bool root_password,
              bool empty, std::optional<std::uint32_t> port, std::uint32_t line, std::string_view text,
              bool report_empty = true) {
  json d = {{"root", utf8(b.sp.root)}, {"server", server}, {"enabled", enabled}, {"password_auth", password},
            {"root_login", root_login}, {"root_password_auth", root_password}, {"empty_passwords", empty},
            {"port", port ? json(*port) : json()}, {"line", line}, {"excerpt", utf8(text)}};
  b.ctx.add_fact({"system.ssh-config", b.node.path, std::move(d)});
  if (!enabled) return;
  if (password && root_login && root_password) {
    Finding f = b.finding(
        "services.ssh-root-password", Category::kBackdoor, Severity::kHigh, "SSH allows root to log in with a password",
        fmt::format("{} lets root log in over SSH ({}) with a password: the shipped root password (or an empty "
                    "one) is then a network login to the most privileged account.",
                    b.sp.rel, server),
        {"CWE-250", "CWE-1392"},
        server == "dropbear"
            ? "Set RootPasswordAuth 'off' (dropbear -g) or PasswordAuth 'off' (-s) and use keys; never ship "
              "root with a known or empty password."
            : "Set 'PermitRootLogin prohibit-password' (or no) and 'PasswordAuthentication no'.",
        server + ":root-password");
    f.evidence.push_back(b.ev(line, text));
    f.tags = {"ssh", "remote-login"};
    b.ctx.add_finding(std::move(f));
  }
  if (password && empty && report_empty) {
    Finding f = b.finding(
        "services.ssh-empty-passwords", Category::kBackdoor, Severity::kHigh, "SSH accepts empty passwords",
        fmt::format("{} allows SSH logins to accounts whose password is empty ({}).", b.sp.rel, server),
        {"CWE-258"}, "Remove PermitEmptyPasswords yes / dropbear -B.", server + ":empty-passwords");
    f.evidence.push_back(b.ev(line, text));
    f.tags = {"ssh", "remote-login"};
    b.ctx.add_finding(std::move(f));
  }
}

void do_uci_dropbear(Builder& b, ByteView bytes) {
  for (const auto& s : initsys::parse_uci(bytes)) {
    if (s.type != "dropbear") continue;
    // OpenWrt's init script defaults (validate_section_dropbear): everything on, port 22.
    auto on = [&](std::string_view key) {
      auto v = s.option(key);
      return !v || truthy(lower(*v));
    };
    std::uint32_t line = s.line;
    std::string text = fmt::format("config dropbear {}", s.name);
    for (const auto& o : s.options)
      if (o.key == "RootPasswordAuth" || (o.key == "PasswordAuth" && line == s.line)) {
        line = o.line;
        text = o.text;
      }
    std::optional<std::uint32_t> port = 22;
    if (auto p = s.option("Port")) port = parse_port(*p);
    ssh_fact(b, "dropbear", on("enable"), on("PasswordAuth"), on("RootLogin"), on("RootPasswordAuth"),
             // OpenWrt builds dropbear so that an account without a password logs in without one
             // (first-boot access before `passwd`); the UCI file cannot turn that off.
             // It is a property of the build, not of this file: recorded for the login-chain
             // join, not reported on its own.
             true, port, line, text, false);
  }
}

void do_uci_uhttpd(Builder& b, ByteView bytes) {
  for (const auto& s : initsys::parse_uci(bytes)) {
    if (s.type != "uhttpd") continue;
    json http = json::array(), https = json::array();
    std::uint32_t line = s.line;
    for (const auto& o : s.options) {
      if (o.values.empty()) continue;
      if (o.key == "listen_http") http.push_back(utf8(o.values.front()));
      if (o.key == "listen_https") https.push_back(utf8(o.values.front()));
      if (o.key == "listen_http" && line == s.line) line = o.line;
    }
    b.ctx.add_fact({"system.tls-config", b.node.path,
                    json{{"root", utf8(b.sp.root)}, {"server", "uhttpd"}, {"http", http}, {"https", https},
                         {"tls", !https.empty()}, {"line", line}}});
  }
}

void do_sshd(Builder& b, ByteView bytes) {
  bool password = true, empty = false;
  std::string root = "prohibit-password";  // OpenSSH >= 7.0 default
  std::uint32_t line = 1;
  std::string text = "(defaults)";
  std::optional<std::uint32_t> port = 22;
  for (const auto& d : initsys::parse_config(bytes, initsys::ConfigStyle::kSpace)) {
    std::string key = lower(d.key);
    if (key == "match") break;  // only global settings
    if (d.values.empty()) continue;
    std::string v = lower(d.values.front());
    // sshd uses the first value given for a keyword.
    if (key == "permitrootlogin" && text == "(defaults)") {
      root = v;
      line = d.line;
      text = d.text;
    } else if (key == "passwordauthentication") {
      password = v != "no";
    } else if (key == "permitemptypasswords") {
      empty = v == "yes";
      if (empty) {
        line = d.line;
        text = d.text;
      }
    } else if (key == "port") {
      port = parse_port(v);
    } else if (key == "protocol" && has(v, "1")) {
      Finding f = b.finding("services.tls-weak-protocol", Category::kCrypto, Severity::kHigh,
                            "SSH protocol version 1 enabled",
                            fmt::format("{} enables SSH-1, which is broken (CRC-32 compensation attack, no "
                                        "integrity).", b.sp.rel),
                            {"CWE-327"}, "Remove 'Protocol 1'.", "sshd:protocol-1");
      f.evidence.push_back(b.ev(d.line, d.text));
      b.ctx.add_finding(std::move(f));
    }
  }
  ssh_fact(b, "sshd", true, password, root != "no", root == "yes", empty, port, line, text);
}

// Android properties that make adbd run as root, skip authentication or listen on TCP.
bool adb_prop_insecure(std::string_view key, std::string_view v) {
  return (key == "ro.debuggable" && v == "1") || (key == "ro.secure" && v == "0") ||
         (key == "ro.adb.secure" && v == "0") ||
         ((key == "service.adb.tcp.port" || key == "persist.adb.tcp.port") && parse_port(v)) ||
         (key == "persist.service.adb.enable" && v == "1");
}

bool adb_prop_recorded(std::string_view key) {
  return key.starts_with("ro.debuggable") || key.starts_with("ro.secure") || key.find("adb") != std::string_view::npos;
}

void adb_finding(Builder& b, const std::vector<Evidence>& adb, std::string_view confidence) {
  Finding f = b.finding(
      "services.adb-enabled", Category::kBackdoor, Severity::kHigh, "Android debugging enabled in the build properties",
      fmt::format("{} sets {} debug propert(ies) (ro.debuggable=1, ro.secure=0, ro.adb.secure=0 or an ADB TCP "
                  "port): adbd runs as root or without authentication, or listens on the network.",
                  b.sp.rel, adb.size()),
      {"CWE-489", "CWE-306"},
      "Build user (not userdebug/eng) images: ro.debuggable=0, ro.secure=1, ro.adb.secure=1, no adb TCP port.",
      "adb");
  for (std::size_t i = 0; i < adb.size() && i < kMaxEvidence; ++i) f.evidence.push_back(adb[i]);
  f.tags = {"adb", "debug"};
  f.confidence = std::string(confidence);
  b.ctx.add_finding(std::move(f));
}

void do_props(Builder& b, ByteView bytes) {
  std::vector<Evidence> adb;
  json props = json::object();
  for (const auto& d : initsys::parse_config(bytes, initsys::ConfigStyle::kEquals)) {
    if (d.values.empty()) continue;
    const std::string& v = d.values.front();
    if (adb_prop_recorded(d.key)) props[utf8(d.key)] = utf8(v);
    if (adb_prop_insecure(d.key, v)) adb.push_back(b.ev(d.line, d.text));
  }
  if (!props.empty())
    b.ctx.add_fact({"system.android-props", b.node.path, json{{"root", utf8(b.sp.root)}, {"props", props}}});
  if (adb.empty()) return;
  adb_finding(b, adb, "high");
}

// A program that hands a shell to whoever connects: telnetd, or a netcat/socat listener that
// executes a shell.
bool remote_shell_listener(const std::string& name, std::string_view program, const std::vector<std::string>& args) {
  if (name == "telnetd" || name == "rlogind") return true;
  std::string_view b = base_name(program);
  std::size_t first = 0;
  if ((b == "busybox" || b == "toybox") && !args.empty()) {
    b = base_name(args.front());
    first = 1;
  }
  if (b == "nc" || b == "netcat" || b == "ncat") {
    bool listen = false, shell = false;
    for (std::size_t i = first; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a.starts_with("-l") || a == "-L" || a == "--listen") listen = true;
      if (a == "-L") shell = i + 1 < args.size() && is_shell(args[i + 1]);
      if ((a == "-e" || a == "-c" || a == "--exec" || a == "--sh-exec") && i + 1 < args.size() && is_shell(args[i + 1]))
        shell = true;
    }
    return listen && shell;
  }
  if (b == "socat") {
    bool listen = false, shell = false;
    for (std::size_t i = first; i < args.size(); ++i) {
      std::string a = lower(args[i]);
      if (has(a, "-listen:") || a.starts_with("tcp-l:") || a.starts_with("tcp4-l:") || a.starts_with("tcp6-l:")) listen = true;
      if ((a.starts_with("exec:") || a.starts_with("system:")) && (has(a, "sh") || has(a, "bash"))) shell = true;
    }
    return listen && shell;
  }
  return false;
}

// init.rc and etc/init/*.rc: services into the inventory (started_by "android-init"), with their
// user, classes and whether they are disabled; the services this file starts explicitly (`start
// NAME`, `enable NAME`) for the product-wide join; adb debug properties set with `setprop`; and
// root remote shells defined as services.
void do_android_init(Builder& b, ByteView bytes, json& starts) {
  initsys::AndroidInit init = initsys::parse_android_init(bytes);
  // Services this file starts: name -> whether only under a property condition.
  std::map<std::string, bool> started;
  std::vector<Evidence> adb;
  bool adb_conditional_only = true;
  json props = json::object();
  for (const auto& a : init.actions) {
    for (const auto& c : a.commands) {
      if (c.words.size() >= 2 && (c.words[0] == "start" || c.words[0] == "enable" || c.words[0] == "restart")) {
        auto [it, fresh] = started.emplace(c.words[1], a.conditional());
        if (!fresh) it->second = it->second && a.conditional();
      } else if (c.words.size() >= 3 && c.words[0] == "setprop") {
        const std::string& key = c.words[1];
        const std::string& v = c.words[2];
        if ((key == "ctl.start" || key == "ctl.restart") && !v.empty()) started.emplace(v, a.conditional());
        if (adb_prop_recorded(key) && !a.conditional()) props[utf8(key)] = utf8(v);
        if (adb_prop_insecure(key, v)) {
          adb.push_back(b.ev(c.line, fmt::format("on {}: {}", a.trigger, c.text)));
          if (!a.conditional()) adb_conditional_only = false;
        }
      }
    }
  }
  for (const auto& [name, conditional] : started)
    if (starts.size() < kMaxServicesPerFile) starts.push_back({{"name", utf8(name)}, {"conditional", conditional}});
  if (!props.empty())
    b.ctx.add_fact({"system.android-props", b.node.path, json{{"root", utf8(b.sp.root)}, {"props", props}}});
  if (!adb.empty()) adb_finding(b, adb, adb_conditional_only ? "medium" : "high");

  for (const auto& s : init.services) {
    std::vector<std::string> words;
    words.reserve(s.args.size() + 1);
    words.push_back(s.program);
    words.insert(words.end(), s.args.begin(), s.args.end());
    const std::size_t before = b.services.size();
    b.command(words, nullptr, "android-init", true, s.line, s.text, s.name);
    const std::string user = s.user.empty() ? "root" : s.user;
    auto start = started.find(s.name);
    // Not disabled: started with its class (init.rc starts the standard classes). Disabled: only
    // when an action starts it; the product analyzer also looks at the other .rc files.
    const bool starts_here = !s.disabled || (start != started.end() && !start->second);
    for (std::size_t i = before; i < b.services.size(); ++i) {
      json& j = b.services[i];
      j["android"] = {{"service", utf8(s.name)}, {"user", utf8(user)}, {"classes", s.classes},
                      {"disabled", s.disabled}, {"oneshot", s.oneshot}, {"console", s.console},
                      {"sockets", s.sockets}};
    }
    if (user != "root") continue;
    // An interactive shell (no script argument) on the console or a socket, or a listener that
    // hands out a shell: a root shell for whoever reaches the console, the socket or the port.
    std::string_view prog_base = base_name(s.program);
    const bool shell = is_shell(prog_base) && prog_base != "busybox" &&
                       (s.args.empty() || (s.args.front().starts_with("-") && s.args.front() != "-c"));
    const DaemonInfo* info = b.table.lookup(prog_base);
    std::string name = info ? info->name : std::string(prog_base);
    if ((prog_base == "busybox" || prog_base == "toybox") && !s.args.empty())
      if (const DaemonInfo* i2 = b.table.lookup(base_name(s.args.front()))) name = i2->name;
    const bool listener = remote_shell_listener(name, s.program, s.args);
    if (!(listener || (shell && (s.console || !s.sockets.empty())))) continue;
    Finding f = b.finding(
        "services.android-root-shell", Category::kBackdoor, starts_here ? Severity::kHigh : Severity::kMedium,
        listener ? "Android init service runs a remote shell listener as root"
                 : "Android init service runs an interactive root shell",
        fmt::format("{} defines service '{}' ({}) running as root ({}){}: {}", b.sp.rel, s.name, s.program,
                    s.user.empty() ? "no `user` option: init's default is root" : "user root",
                    s.disabled ? (starts_here ? ", disabled but started by an action in the same file"
                                              : ", disabled (any process allowed to set ctl.start can start it)")
                               : ", started with its class at boot",
                    listener ? "whoever reaches its port gets a root shell."
                             : "whoever reaches its console or socket gets a root shell without authentication."),
        {"CWE-250", "CWE-306", "CWE-489"},
        "Remove the service from production images (keep it in userdebug/eng builds only), or run it as an "
        "unprivileged user (`user shell`) with an SELinux domain that confines it.",
        utf8(s.name));
    f.evidence.push_back(b.ev(s.line, s.text));
    f.confidence = starts_here ? "high" : "medium";
    f.tags = {"android", "remote-login", "debug"};
    b.ctx.add_finding(std::move(f));
  }
}

// Weak protocol names in TLS settings (any spelling the servers accept).
bool weak_protocol(std::string_view v) {
  std::string l = lower(v);
  if (l.starts_with("!") || l.starts_with("-")) return false;
  return l == "sslv2" || l == "sslv3" || l == "tlsv1" || l == "tlsv1.0" || l == "tlsv1.1" || l == "tlsv1_1" ||
         l == "tlsv1_0" || l == "ssl3" || l == "ssl2" || l == "all";
}

// Weak suites named positively in an OpenSSL cipher string ("RC4-SHA:HIGH:!aNULL").
std::vector<std::string> weak_ciphers(std::string_view list) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < list.size() && out.size() < 8) {
    std::size_t e = list.find_first_of(":, ", i);
    std::string_view t = list.substr(i, e == std::string_view::npos ? std::string_view::npos : e - i);
    i = e == std::string_view::npos ? list.size() : e + 1;
    if (t.empty() || t[0] == '!' || t[0] == '-') continue;
    std::string u(t);
    std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) { return std::toupper(c); });
    if (has(u, "NULL") || has(u, "EXP") || has(u, "RC4") || has(u, "RC2") || u == "DES" || has(u, "DES-CBC") ||
        has(u, "3DES") || u == "LOW" || u == "MEDIUM" || has(u, "MD5") || u == "ADH" || u == "AECDH" ||
        has(u, "@SECLEVEL=0") || has(u, "ANON") || has(u, "ARCFOUR") || has(u, "BLOWFISH"))
      out.emplace_back(t);
  }
  return out;
}

void tls_findings(Builder& b, const initsys::Directive& d, std::string_view server, std::vector<std::string> weak_protos,
                  std::vector<std::string> ciphers) {
  if (!weak_protos.empty()) {
    std::string list;
    for (const auto& p : weak_protos) list += (list.empty() ? "" : ", ") + p;
    Finding f = b.finding(
        "services.tls-weak-protocol", Category::kCrypto, Severity::kMedium, "Obsolete TLS/SSL protocol versions enabled",
        fmt::format("{} ({}) allows {}: SSLv2/SSLv3 and TLS 1.0/1.1 are deprecated (RFC 8996) and open "
                    "downgrade and padding-oracle attacks.", b.sp.rel, server, list),
        {"CWE-327", "CWE-757"}, "Allow TLS 1.2 and 1.3 only (MinProtocol = TLSv1.2).",
        fmt::format("{}:{}", server, d.key));
    f.evidence.push_back(b.ev(d.line, d.text));
    f.tags = {"tls"};
    b.ctx.add_finding(std::move(f));
  }
  if (!ciphers.empty()) {
    std::string list;
    for (const auto& p : ciphers) list += (list.empty() ? "" : ", ") + p;
    Finding f = b.finding(
        "services.tls-weak-cipher", Category::kCrypto, Severity::kMedium, "Weak cipher suites enabled",
        fmt::format("{} ({}) enables {}: null, export, RC4, DES/3DES, MD5 or anonymous suites give no or "
                    "breakable protection.", b.sp.rel, server, list),
        {"CWE-327", "CWE-326"},
        "Use a modern suite list (Mozilla 'intermediate': ECDHE with AES-GCM or ChaCha20-Poly1305) and exclude "
        "!aNULL:!eNULL:!EXPORT:!RC4:!3DES:!MD5.",
        fmt::format("{}:{}", server, d.key));
    f.evidence.push_back(b.ev(d.line, d.text));
    f.tags = {"tls"};
    b.ctx.add_finding(std::move(f));
  }
}

void do_tls(Builder& b, ByteView bytes, FileKind kind) {
  const char* server = kind == FileKind::kLighttpd ? "lighttpd" : kind == FileKind::kNginx ? "nginx"
                       : kind == FileKind::kStunnel ? "stunnel" : "openssl";
  auto style = kind == FileKind::kNginx ? initsys::ConfigStyle::kSpace
               : kind == FileKind::kLighttpd ? initsys::ConfigStyle::kEquals : initsys::ConfigStyle::kIni;
  bool tls = false;
  json http = json::array();
  for (const auto& d : initsys::parse_config(bytes, style)) {
    std::string key = lower(d.key);
    std::string v = d.values.empty() ? "" : d.values.front();
    std::vector<std::string> protos, ciphers;
    if (kind == FileKind::kLighttpd) {
      if (key == "ssl.engine" && truthy(lower(v))) tls = true;
      if (key == "server.port") http.push_back(utf8(v));
      if ((key == "ssl.use-sslv3" || key == "ssl.use-sslv2") && truthy(lower(v))) protos.push_back(key.substr(8));
      if (key == "ssl.openssl.ssl-conf-cmd" && (has(v, "MinProtocol") || has(v, "Protocol"))) {
        for (std::string_view p : {"SSLv3", "TLSv1.1", "TLSv1\""})
          if (has(v, p)) protos.emplace_back(p.substr(0, p.size() - (p.back() == '"' ? 1 : 0)));
      }
      if (key == "ssl.cipher-list") ciphers = weak_ciphers(v);
    } else if (kind == FileKind::kNginx) {
      if (key == "listen") {
        bool ssl = std::find(d.values.begin(), d.values.end(), "ssl") != d.values.end() ||
                   (!d.values.empty() && d.values.front().ends_with("443"));
        if (ssl) tls = true;
        else if (!d.values.empty()) http.push_back(utf8(d.values.front()));
      }
      if (key == "ssl_protocols")
        for (const auto& p : d.values)
          if (weak_protocol(p)) protos.push_back(p);
      if (key == "ssl_ciphers") ciphers = weak_ciphers(v);
    } else {  // stunnel, openssl.cnf
      if (key == "sslversion" || key == "sslversionmin" || key == "minprotocol") {
        tls = true;
        if (weak_protocol(v)) protos.push_back(v);
      }
      if (key == "ciphers" || key == "cipherstring" || key == "cipherlist") ciphers = weak_ciphers(v);
      if (key == "accept" || key == "cert") tls = true;
    }
    tls_findings(b, d, server, std::move(protos), std::move(ciphers));
  }
  if (kind == FileKind::kLighttpd || kind == FileKind::kNginx)
    b.ctx.add_fact({"system.tls-config", b.node.path,
                    json{{"root", utf8(b.sp.root)}, {"server", server}, {"http", http}, {"tls", tls}}});
}

void do_snmpd(Builder& b, ByteView bytes) {
  static constexpr std::array<std::string_view, 10> kDefaults = {"public", "private", "community", "snmp",  "admin",
                                                                 "write",  "read",    "secret",    "manager", "default"};
  for (const auto& d : initsys::parse_config(bytes, initsys::ConfigStyle::kSpace)) {
    std::string key = lower(d.key);
    std::string community;
    bool rw = false;
    if ((key == "rocommunity" || key == "rwcommunity" || key == "rocommunity6" || key == "rwcommunity6") && !d.values.empty()) {
      community = d.values.front();
      rw = key.starts_with("rw");
    } else if (key == "com2sec" && d.values.size() >= 3) {
      community = d.values[2];
      rw = true;  // com2sec maps to a group whose access is set elsewhere: assume the worst
    } else {
      continue;
    }
    if (std::find(kDefaults.begin(), kDefaults.end(), lower(community)) == kDefaults.end()) continue;
    Finding f = b.finding(
        "services.snmp-default-community", Category::kBackdoor, rw ? Severity::kHigh : Severity::kMedium,
        fmt::format("SNMP community '{}' ({})", community, rw ? "read-write" : "read-only"),
        fmt::format("{} accepts the well-known SNMP community '{}': SNMPv1/v2c communities are cleartext "
                    "passwords, and the default ones are tried by every scanner. {}",
                    b.sp.rel, community,
                    rw ? "Read-write access lets anyone on the network change the configuration."
                       : "Read-only access leaks the configuration and network details."),
        {"CWE-798", "CWE-1392"},
        "Remove the default communities; use SNMPv3 with per-unit credentials (authPriv) or disable snmpd.",
        utf8(community));
    f.evidence.push_back(b.ev(d.line, d.text));
    f.tags = {"credential", "snmp", "cleartext"};
    b.ctx.add_finding(std::move(f));
  }
}

}  // namespace

bool ServicesAnalyzer::wants(const NodeInfo& node) const {
  if (node.type != "file" || node.size == 0 || node.size > initsys::kMaxTextBytes) return false;
  if (node.kind != Kind::kText && node.kind != Kind::kScript && node.kind != Kind::kUnknown) return false;
  SystemPath sp = split_system_path(node.path);
  return classify(sp.rel, base_name(sp.rel), node.kind) != FileKind::kNone;
}

void ServicesAnalyzer::analyze(const NodeView& node, ScanContext& ctx) const {
  SystemPath sp = split_system_path(node.info.path);
  std::string_view base = base_name(sp.rel);
  FileKind kind = classify(sp.rel, base, node.info.kind);
  const auto& table = ctx.resource<DaemonTable>("services.daemons",
                                                [&] { return DaemonTable::load(ctx.config()); });
  Builder b{node.info, sp, table, ctx};
  std::string source;
  json android_starts = json::array();
  switch (kind) {
    case FileKind::kInittab: do_inittab(b, node.bytes); source = "inittab"; break;
    case FileKind::kShell: do_shell(b, node.bytes, base, true); source = "rc-script"; break;
    case FileKind::kUpdateScript: do_shell(b, node.bytes, base, false); return;
    case FileKind::kSystemd: do_systemd(b, node.bytes, base); source = "systemd"; break;
    case FileKind::kInetd: do_inetd(b, node.bytes, false); source = "inetd"; break;
    case FileKind::kXinetd: do_inetd(b, node.bytes, true); source = "inetd"; break;
    case FileKind::kCron: do_cron(b, node.bytes, false); source = "cron"; break;
    case FileKind::kSystemCron: do_cron(b, node.bytes, true); source = "cron"; break;
    case FileKind::kUciDropbear: do_uci_dropbear(b, node.bytes); return;
    case FileKind::kUciUhttpd: do_uci_uhttpd(b, node.bytes); return;
    case FileKind::kSshd: do_sshd(b, node.bytes); return;
    case FileKind::kProps: do_props(b, node.bytes); return;
    case FileKind::kLighttpd:
    case FileKind::kNginx:
    case FileKind::kStunnel:
    case FileKind::kOpenssl: do_tls(b, node.bytes, kind); return;
    case FileKind::kSnmpd: do_snmpd(b, node.bytes); return;
    case FileKind::kAndroidInit: do_android_init(b, node.bytes, android_starts); source = "android-init"; break;
    case FileKind::kNone: return;
  }
  if (b.services.empty() && b.invokes.empty() && b.invoke_patterns.empty() && android_starts.empty()) return;
  json data{{"root", utf8(sp.root)}, {"rel", utf8(sp.rel)}, {"source", source}, {"services", b.services},
            {"invokes", b.invokes}, {"invoke_patterns", b.invoke_patterns}};
  if (kind == FileKind::kAndroidInit) data["android_starts"] = std::move(android_starts);
  ctx.add_fact({"system.services", node.info.path, std::move(data)});
}

}  // namespace assay::analyzers
