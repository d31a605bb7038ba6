#pragma once
/// \file initsys.hpp
/// Parsers for what starts programs on a Unix-like system and how they are configured: shell
/// scripts (rcS, rc.local, init.d, S??*), inittab (busybox and sysvinit), systemd units,
/// inetd.conf and xinetd.d, crontabs, and the line-oriented configuration formats of the daemons
/// that matter for remote access (sshd_config, OpenWrt UCI, Android build.prop, lighttpd, nginx,
/// stunnel, openssl.cnf). Pure parsers: what a command or a setting means is for the analyzers.
///
/// Every parser works on the text lines of the file and never fails: lines it cannot read are
/// skipped (with a diagnostic where the format has a grammar). Output is bounded by the named
/// limits below, whatever the input.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/bytes.hpp"

namespace assay::initsys {

/// Bytes of one file that are read. Boot scripts and configuration files are a few KiB; a
/// 1 MiB script is generated data and its tail says nothing about boot.
inline constexpr std::size_t kMaxTextBytes = 1u << 20;
/// Longest line kept (longer lines are cut).
inline constexpr std::size_t kMaxLineBytes = 8192;
/// Commands (or records, or directives) kept per file.
inline constexpr std::size_t kMaxRecords = 20000;
/// Words kept per shell command (the rest are dropped).
inline constexpr std::size_t kMaxWords = 256;
/// Variable assignments remembered per script (for `$PROG`-style indirection).
inline constexpr std::size_t kMaxVariables = 512;
/// Diagnostics kept per file.
inline constexpr std::size_t kMaxDiagnostics = 32;

// ---------------------------------------------------------------------------------------------
// Shell scripts

/// One simple command of a shell script, after quote removal. Keywords (if, then, do, ...),
/// leading assignments and redirections are removed; parameters ("$PROG") are left as written.
struct ShellCommand {
  std::uint32_t line = 0;           ///< of the first word
  std::vector<std::string> words;   ///< the command and its arguments
  bool background = false;          ///< ended by a single '&'
  /// The enclosing function ("start", "start_service", "boot") or case label ("start)"), "" at
  /// top level: an init script's `stop` branch does not start anything.
  std::string context;
  std::string text;                 ///< the source line, for evidence (cut)
};

struct ShellScript {
  std::vector<ShellCommand> commands;
  /// NAME=value assignments seen anywhere (last one wins), quote-removed.
  std::vector<std::pair<std::string, std::string>> variables;
  std::vector<std::string> diagnostics;

  /// The value assigned to `name`, if any.
  std::optional<std::string> variable(std::string_view name) const;
  /// `word` with $NAME / ${NAME} replaced from `variables` (unknown ones are left as written).
  std::string expand(std::string_view word) const;
};

/// A light tokenizer for POSIX shell: quotes, backslash escapes and line continuations, comments,
/// `;`, `&`, `&&`, `||`, `|`, `;;`, here-documents (skipped), `$(...)` and backquotes (kept as one
/// word, not parsed), functions and case branches (as context). Not an interpreter: loops and
/// conditions are flattened, so every command that may run is listed once.
ShellScript parse_shell(ByteView data);

// ---------------------------------------------------------------------------------------------
// inittab

/// `id:runlevels:action:process` — busybox (id is the tty, runlevels ignored) and sysvinit.
struct InittabEntry {
  std::uint32_t line = 0;
  std::string id;
  std::string runlevels;
  std::string action;   ///< sysinit, respawn, askfirst, once, wait, ctrlaltdel, shutdown, restart, initdefault
  std::string process;  ///< the command line
  std::string text;
};
std::vector<InittabEntry> parse_inittab(ByteView data);

// ---------------------------------------------------------------------------------------------
// Generic line-oriented configuration

/// One directive of a configuration file: a key and its values, with the section it sits in.
struct Directive {
  std::uint32_t line = 0;
  std::string section;  ///< "[Service]" name for ini files, enclosing block for nginx/lighttpd, "" else
  std::string key;
  std::vector<std::string> values;  ///< quote-removed words after the key (or the one value after '=')
  std::string text;
};

enum class ConfigStyle {
  kIni,       ///< systemd units, openssl.cnf, stunnel: `[section]`, `key = value` (value is one string)
  kSpace,     ///< sshd_config, nginx: `key value...` (a trailing ';' is dropped; `{`/`}` open and close blocks)
  kEquals,    ///< build.prop, lighttpd, *.conf: `key = value` or `key=value`, no sections (`{`/`}` blocks tracked)
};
std::vector<Directive> parse_config(ByteView data, ConfigStyle style);

/// OpenWrt UCI (/etc/config/*): `config TYPE ['NAME']`, `option KEY 'VALUE'`, `list KEY 'VALUE'`.
struct UciSection {
  std::uint32_t line = 0;
  std::string type;
  std::string name;
  std::vector<Directive> options;  ///< key = option/list name, values = [value]; lists repeat the key

  /// The last value of option `key`, if set.
  std::optional<std::string> option(std::string_view key) const;
};
std::vector<UciSection> parse_uci(ByteView data);

// ---------------------------------------------------------------------------------------------
// inetd / xinetd / cron

/// inetd.conf: `service socket-type protocol wait[.max] user server [args...]`.
struct InetdEntry {
  std::uint32_t line = 0;
  std::string service;      ///< a name from /etc/services, or a port number
  std::string socket_type;  ///< stream, dgram
  std::string protocol;     ///< tcp, udp, tcp6 ...
  std::string user;
  std::string server;       ///< program path ("internal" for built-in services)
  std::vector<std::string> args;
  std::string text;
};
std::vector<InetdEntry> parse_inetd(ByteView data);

/// xinetd.d: `service NAME { key = value ... }` blocks.
struct XinetdService {
  std::uint32_t line = 0;
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;  ///< key, value (`+=` folded in)
  std::optional<std::string> attribute(std::string_view key) const;
};
std::vector<XinetdService> parse_xinetd(ByteView data);

/// crontab(5) lines: five time fields or an @keyword, an optional user (system crontabs), a
/// command. `with_user` says whether the file is a system crontab (/etc/crontab, /etc/cron.d).
struct CronEntry {
  std::uint32_t line = 0;
  std::string schedule;
  std::string user;
  std::string command;
};
std::vector<CronEntry> parse_crontab(ByteView data, bool with_user);

// ---------------------------------------------------------------------------------------------
// Android init language (init.rc, /{system,vendor,odm,product}/etc/init/*.rc)

/// One command line of an `on` action (`start adbd`, `setprop ro.adb.secure 0`, `class_start main`).
struct AndroidCommand {
  std::uint32_t line = 0;
  std::vector<std::string> words;
  std::string text;
};

/// `service NAME PATH [ARGS...]` and its options.
struct AndroidService {
  std::uint32_t line = 0;
  std::string name;
  std::string program;
  std::vector<std::string> args;
  std::string user;                  ///< "" when not set: init then runs the service as root
  std::vector<std::string> groups;
  std::vector<std::string> classes;  ///< `class` option; empty means init's "default" class
  std::vector<std::string> sockets;  ///< `socket NAME TYPE PERM [USER [GROUP]]`, words joined by ' '
  std::string seclabel;
  bool disabled = false;             ///< not started by `class_start`, only by `start NAME`
  bool oneshot = false;
  bool console = false;              ///< stdin/stdout on the console
  std::string text;                  ///< the `service` line
};

/// `on TRIGGER [&& TRIGGER]...` and its commands. `trigger` is the text after `on`.
struct AndroidAction {
  std::uint32_t line = 0;
  std::string trigger;
  std::vector<AndroidCommand> commands;
  /// True when a trigger is a property condition (`property:ro.debuggable=1`): the commands run
  /// only on builds or states where it holds.
  bool conditional() const;
};

struct AndroidInit {
  std::vector<AndroidService> services;
  std::vector<AndroidAction> actions;
  std::vector<std::string> imports;
  std::vector<std::string> diagnostics;
};

/// Sections start with `service`, `on` or `import`; the lines after a section header (options or
/// commands) belong to it. `\` continues a line, `#` starts a comment at a word start, "..."
/// quotes. Services, actions and commands are bounded by kMaxRecords in all, words per line by
/// kMaxWords; a service redefined later in the same file keeps its first definition (as init does).
AndroidInit parse_android_init(ByteView data);

// ---------------------------------------------------------------------------------------------

nlohmann::json to_json(const ShellScript& s);
nlohmann::json to_json(const std::vector<InittabEntry>& v);
nlohmann::json to_json(const std::vector<Directive>& v);
nlohmann::json to_json(const std::vector<UciSection>& v);
nlohmann::json to_json(const std::vector<InetdEntry>& v);
nlohmann::json to_json(const std::vector<XinetdService>& v);
nlohmann::json to_json(const std::vector<CronEntry>& v);
nlohmann::json to_json(const AndroidInit& v);

}  // namespace assay::initsys
