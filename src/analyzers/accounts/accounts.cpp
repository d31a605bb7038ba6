#include "analyzers/accounts/accounts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "analyzers/accounts/cracker.hpp"
#include "analyzers/services/system_paths.hpp"
#include "formats/passwd/passwd.hpp"
#include "formats/strings/strings.hpp"

namespace assay::analyzers {
namespace {

using nlohmann::json;
using accounts::Account;
using accounts::AccountDb;

// Account databases are small; a larger "passwd" is a data file that happens to be called so.
constexpr std::uint64_t kMaxDatabaseBytes = 1u << 20;
// Accounts listed in one fact (facts are for people and joins; a device has < 50).
constexpr std::size_t kMaxFactAccounts = 512;
// Hashes cracked per file: a file with thousands of hashes is a user database, not a device's
// defaults; the first ones are the system accounts.
constexpr std::size_t kMaxCrackedPerFile = 64;
// Hash characters kept in an evidence excerpt (enough to see the scheme and salt).
constexpr std::size_t kHashExcerpt = 12;

enum class DbKind { kPasswd, kShadow, kGroup };

const char* db_name(DbKind k) {
  switch (k) {
    case DbKind::kPasswd: return "passwd";
    case DbKind::kShadow: return "shadow";
    case DbKind::kGroup: return "group";
  }
  return "passwd";
}

bool name_says(std::string_view base, std::string_view what) { return base.find(what) != std::string_view::npos; }

bool is_backup(std::string_view base) {
  return base.ends_with("-") || base.ends_with(".bak") || base.ends_with(".old") || base.ends_with(".orig") ||
         base.ends_with("~");
}

// Shells that refuse an interactive login.
bool is_login_shell(std::string_view shell) {
  if (shell.empty()) return true;  // login(1) and busybox default to /bin/sh
  return !(shell.ends_with("nologin") || shell.ends_with("/false") || shell == "false" ||
           shell.ends_with("/bin/sync") || shell.ends_with("/halt") || shell.ends_with("/shutdown") ||
           shell == "/dev/null" || shell.ends_with("/true"));
}

// The line with the hash field cut, for evidence.
std::string masked(std::string_view raw) {
  auto c1 = raw.find(':');
  if (c1 == std::string_view::npos) return strings::valid_utf8(raw.substr(0, 200));
  auto c2 = raw.find(':', c1 + 1);
  std::string_view field = raw.substr(c1 + 1, c2 == std::string_view::npos ? std::string_view::npos : c2 - c1 - 1);
  std::string out(raw.substr(0, c1 + 1));
  if (field.size() > kHashExcerpt + 3) {
    out.append(field.substr(0, kHashExcerpt));
    out.append("...");
  } else {
    out.append(field);
  }
  if (c2 != std::string_view::npos) out.append(raw.substr(c2));
  return strings::valid_utf8(std::string_view(out).substr(0, 200));
}

json crack_json(const passwd::HashInfo& h, const std::string& user, const accounts::CandidateSet& set,
                const accounts::CrackCache& cache, std::size_t& budget) {
  if (h.state != passwd::PasswordState::kHash || budget == 0) return nullptr;
  --budget;
  auto r = cache.get(h, user, set);
  json j = {{"tried", r.tried}, {"exhausted", r.exhausted}};
  if (r.cracked) {
    j["password"] = strings::valid_utf8(r.match.password);
    j["source"] = strings::valid_utf8(r.match.source);
  }
  return j;
}

}  // namespace

bool AccountsAnalyzer::wants(const NodeInfo& node) const {
  if (node.type != "file" || node.size == 0 || node.size > kMaxDatabaseBytes) return false;
  if (node.kind != Kind::kText && node.kind != Kind::kUnknown && node.kind != Kind::kScript) return false;
  std::string_view base = base_name(node.path);
  return name_says(base, "passwd") || name_says(base, "shadow") || base == "group" || base == "group-";
}

namespace accounts {
void htpasswd_findings(const NodeView& node, ScanContext& ctx, const CandidateSet& set, const CrackCache& cache);
}

void AccountsAnalyzer::analyze(const NodeView& node, ScanContext& ctx) const {
  std::string_view base = base_name(node.info.path);
  if (name_says(base, "htpasswd")) {
    const auto& set = ctx.resource<accounts::CandidateSet>(
        "accounts.candidates", [&] { return accounts::CandidateSet::load(ctx.config()); });
    const auto& cache = ctx.resource<accounts::CrackCache>(
        "accounts.crack-cache", [] { return std::make_unique<accounts::CrackCache>(); });
    accounts::htpasswd_findings(node, ctx, set, cache);
    return;
  }
  passwd::Shape shape = passwd::guess_shape(node.bytes);
  DbKind kind;
  // The content decides when it has a clear shape (busybox builds put shadow-style lines in a
  // file called passwd); otherwise the name does, for the exact system names only.
  if (shape == passwd::Shape::kPasswd) kind = DbKind::kPasswd;
  else if (shape == passwd::Shape::kShadow) kind = DbKind::kShadow;
  else if (shape == passwd::Shape::kGroup) kind = DbKind::kGroup;
  else if (base == "passwd" || base == "passwd-") kind = DbKind::kPasswd;
  else if (base == "shadow" || base == "shadow-") kind = DbKind::kShadow;
  else if (base == "group" || base == "group-") kind = DbKind::kGroup;
  else return;

  SystemPath sp = split_system_path(node.info.path);
  std::string_view rel = sp.rel;
  std::string dir(rel.substr(0, rel.size() - base.size()));
  json fact = {{"file", db_name(kind)}, {"root", strings::valid_utf8(sp.root)}, {"dir", strings::valid_utf8(dir)},
               {"backup", is_backup(base)}};

  const auto& set = ctx.resource<accounts::CandidateSet>(
      "accounts.candidates", [&] { return accounts::CandidateSet::load(ctx.config()); });
  const auto& cache = ctx.resource<accounts::CrackCache>(
      "accounts.crack-cache", [] { return std::make_unique<accounts::CrackCache>(); });
  std::size_t crack_budget = kMaxCrackedPerFile;
  json list = json::array();

  if (kind == DbKind::kPasswd) {
    auto f = passwd::parse_passwd(node.bytes);
    if (!f) return;
    for (const auto& e : f->entries) {
      if (list.size() >= kMaxFactAccounts) break;
      passwd::HashInfo h = passwd::identify_hash(e.password, false);
      bool defers = e.password == "x" || e.password == "*" || e.password == "!";
      json a = {{"name", strings::valid_utf8(e.name)},
                {"uid", e.uid ? json(*e.uid) : json()},
                {"gid", e.gid ? json(*e.gid) : json()},
                {"home", strings::valid_utf8(e.home)},
                {"shell", strings::valid_utf8(e.shell)},
                {"login_shell", is_login_shell(e.shell)},
                {"password_state", passwd::state_name(h.state)},
                {"hash_scheme", passwd::scheme_name(h.scheme)},
                {"defers_to_shadow", defers},
                {"line", e.line},
                {"excerpt", masked(e.raw)}};
      json c = crack_json(h, e.name, set, cache, crack_budget);
      if (!c.is_null()) a["crack"] = std::move(c);
      list.push_back(std::move(a));
    }
    if (!f->diagnostics.empty()) fact["diagnostics"] = strings::valid_utf8(f->diagnostics);
  } else if (kind == DbKind::kShadow) {
    auto f = passwd::parse_shadow(node.bytes);
    if (!f) return;
    for (const auto& e : f->entries) {
      if (list.size() >= kMaxFactAccounts) break;
      passwd::HashInfo h = passwd::identify_hash(e.password, true);
      json a = {{"name", strings::valid_utf8(e.name)},
                {"password_state", passwd::state_name(h.state)},
                {"hash_scheme", passwd::scheme_name(h.scheme)},
                {"cost", h.cost ? json(*h.cost) : json()},
                {"line", e.line},
                {"excerpt", masked(e.raw)}};
      json c = crack_json(h, e.name, set, cache, crack_budget);
      if (!c.is_null()) a["crack"] = std::move(c);
      list.push_back(std::move(a));
    }
    if (!f->diagnostics.empty()) fact["diagnostics"] = strings::valid_utf8(f->diagnostics);
  } else {
    auto f = passwd::parse_group(node.bytes);
    if (!f) return;
    for (const auto& e : f->entries) {
      if (list.size() >= kMaxFactAccounts) break;
      list.push_back({{"name", strings::valid_utf8(e.name)},
                      {"gid", e.gid ? json(*e.gid) : json()},
                      {"members", strings::valid_utf8(e.members)},
                      {"line", e.line}});
    }
  }
  if (!set.diagnostics.empty()) fact["candidate_diagnostics"] = strings::valid_utf8(set.diagnostics);
  fact[kind == DbKind::kGroup ? "groups" : "accounts"] = std::move(list);
  ctx.add_fact({"system.accounts", node.info.path, std::move(fact)});
}

namespace accounts {

namespace {

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<std::uint32_t> u32(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<std::uint32_t>();
}

const json& list_of(const json& j, const char* key) {
  static const json kEmpty = json::array();
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : kEmpty;
}

Evidence evidence_of(const Fact& f, const json& a) {
  Evidence e;
  e.path = f.path;
  e.line = u32(a, "line");
  e.excerpt = str(a, "excerpt");
  return e;
}

void apply_crack(Account& acc, const json& a) {
  auto it = a.find("crack");
  if (it == a.end() || !it->is_object() || !it->contains("password")) return;
  acc.cracked = true;
  acc.default_password = str(*it, "password");
  acc.default_source = str(*it, "source");
}

}  // namespace

std::vector<AccountDb> join_accounts(const std::vector<Fact>& facts) {
  struct Files {
    const Fact* passwd = nullptr;
    const Fact* passwd_backup = nullptr;
    const Fact* shadow = nullptr;
    const Fact* shadow_backup = nullptr;
    std::string root, dir;
  };
  std::map<std::string, Files> by_key;
  for (const auto& f : facts) {
    if (f.type != "system.accounts" || !f.data.is_object()) continue;
    std::string file = str(f.data, "file");
    if (file != "passwd" && file != "shadow") continue;
    std::string root = str(f.data, "root"), dir = str(f.data, "dir");
    Files& fs = by_key[root + '\n' + dir];
    fs.root = root;
    fs.dir = dir;
    bool backup = f.data.value("backup", false);
    const Fact** slot = file == "passwd" ? (backup ? &fs.passwd_backup : &fs.passwd)
                                         : (backup ? &fs.shadow_backup : &fs.shadow);
    if (*slot == nullptr) *slot = &f;
  }
  std::vector<AccountDb> out;
  for (auto& [key, fs] : by_key) {
    const Fact* pw = fs.passwd ? fs.passwd : fs.passwd_backup;
    const Fact* sh = fs.shadow ? fs.shadow : fs.shadow_backup;
    AccountDb db;
    db.root = fs.root;
    db.dir = fs.dir;
    std::map<std::string, const json*> shadow_by_name;
    if (sh != nullptr)
      for (const auto& a : list_of(sh->data, "accounts")) shadow_by_name.emplace(str(a, "name"), &a);
    if (pw != nullptr) {
      for (const auto& a : list_of(pw->data, "accounts")) {
        Account acc;
        acc.name = str(a, "name");
        acc.uid = u32(a, "uid");
        acc.gid = u32(a, "gid");
        acc.home = str(a, "home");
        acc.shell = str(a, "shell");
        acc.login_shell = a.value("login_shell", true);
        acc.in_passwd = true;
        acc.passwd_evidence = evidence_of(*pw, a);
        acc.state = str(a, "password_state");
        acc.scheme = str(a, "hash_scheme");
        // busybox and glibc read shadow when the passwd field is "x" (busybox also for "*").
        auto s = shadow_by_name.find(acc.name);
        if (a.value("defers_to_shadow", false) && s != shadow_by_name.end()) {
          const json& sa = *s->second;
          acc.state = str(sa, "password_state");
          acc.scheme = str(sa, "hash_scheme");
          acc.shadow_evidence = evidence_of(*sh, sa);
          apply_crack(acc, sa);
        } else {
          acc.inline_hash = acc.state == "hash";
          apply_crack(acc, a);
        }
        db.accounts.push_back(std::move(acc));
      }
    } else if (sh != nullptr) {
      // A shadow without a passwd beside it: the accounts are known by name only.
      for (const auto& sa : list_of(sh->data, "accounts")) {
        Account acc;
        acc.name = str(sa, "name");
        acc.state = str(sa, "password_state");
        acc.scheme = str(sa, "hash_scheme");
        acc.shadow_evidence = evidence_of(*sh, sa);
        acc.passwd_evidence = *acc.shadow_evidence;
        apply_crack(acc, sa);
        db.accounts.push_back(std::move(acc));
      }
    }
    out.push_back(std::move(db));
  }
  return out;
}

}  // namespace accounts

namespace {

Finding account_finding(const Account& a, std::string rule, Category cat, Severity sev, std::string title,
                        std::string description, std::vector<std::string> cwe, std::string remediation) {
  Finding f;
  f.rule_id = std::move(rule);
  f.category = cat;
  f.severity = sev;
  f.title = std::move(title);
  f.description = std::move(description);
  f.evidence.push_back(a.passwd_evidence);
  if (a.shadow_evidence && a.shadow_evidence->path != a.passwd_evidence.path) f.evidence.push_back(*a.shadow_evidence);
  f.cwe = std::move(cwe);
  f.remediation = std::move(remediation);
  f.key = a.name;
  f.tags = {"credential", "account"};
  return f;
}

std::string who(const Account& a) {
  std::string s = fmt::format("Account '{}'", a.name);
  if (a.uid) s += fmt::format(" (uid {}", *a.uid) + (a.shell.empty() ? ")" : fmt::format(", shell {})", a.shell));
  return s;
}

bool unsalted_scheme(std::string_view s) {
  return s == "raw-md5" || s == "raw-sha1" || s == "raw-sha256" || s == "ldap-sha";
}

// Weak crypt(3) schemes, clear text, and the unsalted digests that are not crypt(3) at all.
void weak_hash_findings(const Account& a, ScanContext& ctx) {
  if (a.state != "hash") return;
  if (unsalted_scheme(a.scheme)) {
    Finding f = account_finding(
        a, "accounts.unsalted-hash", Category::kCrypto, Severity::kHigh,
        fmt::format("Account '{}' password stored as an unsalted {} digest", a.name, a.scheme),
        fmt::format("{} stores its password as one unsalted fast digest ({}): the same password has the same "
                    "hash on every device and in public lookup tables, and a GPU tries billions of guesses per "
                    "second.", who(a), a.scheme),
        {"CWE-759", "CWE-916", "CWE-328"},
        "Store passwords with a salted, slow scheme (yescrypt, SHA-512 crypt, bcrypt; htpasswd -B), or ship "
        "no password and make the owner set one at first use.");
    f.tags.push_back("weak-crypto");
    ctx.add_finding(std::move(f));
    return;
  }
  if (a.scheme == "des" || a.scheme == "bsdi-des" || a.scheme == "md5" || a.scheme == "nthash" ||
      a.scheme == "sun-md5" || a.scheme == "apr1" || a.scheme == "ldap-ssha" || a.scheme == "plain-or-unknown") {
    bool plain = a.scheme == "plain-or-unknown";
    Finding f = account_finding(
        a, "accounts.weak-hash-scheme", Category::kCrypto, plain ? Severity::kHigh : Severity::kMedium,
        fmt::format("Account '{}' password stored with a weak scheme ({})", a.name, a.scheme),
        plain ? fmt::format("{} has a password field that is not a crypt(3) hash: it may be the password in "
                            "clear text.", who(a))
        : a.scheme == "ldap-ssha"
            ? fmt::format("{} uses {{SSHA}}: one salted SHA-1, fast enough that a GPU tests billions of guesses "
                          "per second.", who(a))
            : fmt::format("{} uses {} crypt, which crypt(5) lists as weak: DES keeps 8 characters and the others "
                          "fall to a GPU in minutes to hours.", who(a), a.scheme),
        {"CWE-916", "CWE-328"},
        "Hash passwords with yescrypt or SHA-512 crypt (busybox: CONFIG_FEATURE_DEFAULT_PASSWD_ALGO=\"sha512\"); "
        "better, ship no password at all.");
    ctx.add_finding(std::move(f));
  }
}

Finding default_password_finding(const Account& a) {
  Finding f = account_finding(
      a, "accounts.default-password", Category::kBackdoor, Severity::kCritical,
      fmt::format("Account '{}' uses a default password", a.name),
      fmt::format("{} has the password '{}' ({}). The hash ships in the image, so every unit shares the "
                  "password, and it is on the lists that scanners and botnets (Mirai and successors) try "
                  "first.",
                  who(a), a.default_password, a.default_source),
      {"CWE-798", "CWE-1392", "CWE-521"},
      "Remove the fixed password: lock the account in the image and require the owner to set a unique "
      "password at first use (ETSI EN 303 645 provision 5.1-1), or generate a per-unit password at "
      "manufacturing.");
  f.tags.push_back("default-password");
  f.evidence.front().excerpt += fmt::format("  [password: {}]", a.default_password);
  return f;
}

}  // namespace

namespace accounts {

// htpasswd files (web server logins: `user:hash`) are their own account database: not joined
// with the system's passwd, judged on their own.
void htpasswd_findings(const NodeView& node, ScanContext& ctx, const CandidateSet& set, const CrackCache& cache) {
  auto f = passwd::parse_shadow(node.bytes);
  if (!f) return;
  std::size_t budget = kMaxCrackedPerFile;
  std::size_t n = 0;
  for (const auto& e : f->entries) {
    if (++n > kMaxFactAccounts) break;
    passwd::HashInfo h = passwd::identify_hash(e.password, true);
    Account a;
    a.name = e.name;
    a.state = std::string(passwd::state_name(h.state));
    a.scheme = std::string(passwd::scheme_name(h.scheme));
    a.passwd_evidence = Evidence{node.info.path, std::nullopt, e.line, masked(e.raw)};
    json c = crack_json(h, e.name, set, cache, budget);
    if (c.is_object() && c.contains("password")) {
      a.cracked = true;
      a.default_password = c["password"].get<std::string>();
      a.default_source = c["source"].get<std::string>();
    }
    if (a.state == "empty") continue;  // htpasswd has no empty-password semantics (Apache refuses)
    if (a.cracked) ctx.add_finding(default_password_finding(a));
    weak_hash_findings(a, ctx);
  }
}

}  // namespace accounts

void AccountsProductAnalyzer::analyze(const ProductView& product, ScanContext& ctx) const {
  for (const auto& db : accounts::join_accounts(product.facts)) {
    for (const auto& a : db.accounts) {
      if (a.state == "empty" && (a.in_passwd || a.shadow_evidence)) {
        bool shell = a.login_shell;
        Finding f = account_finding(
            a, "accounts.empty-password", Category::kBackdoor, shell ? Severity::kCritical : Severity::kMedium,
            fmt::format("Account '{}' has no password", a.name),
            fmt::format("{} has an empty password field{}: anyone who reaches a login prompt (console, telnet, "
                        "an SSH server that accepts empty passwords, su) logs in as this user without a password. "
                        "Every unit built from this image shares it.",
                        who(a), shell ? " and a login shell" : " (no login shell, but su, ftp or other PAM-less "
                                                               "services may still accept it)"),
            {"CWE-258", "CWE-1392"},
            "Ship the account locked ('*' or '!' in shadow) and make the owner set a unique password at first use, "
            "or derive a per-unit password; never ship an empty password field.");
        f.tags.push_back("empty-password");
        ctx.add_finding(std::move(f));
      }
      if (a.cracked) ctx.add_finding(default_password_finding(a));
      if (a.uid && *a.uid == 0 && a.name != "root" && a.in_passwd) {
        bool usable = a.state == "empty" || a.state == "hash";
        ctx.add_finding(account_finding(
            a, "accounts.extra-uid0", Category::kBackdoor, usable ? Severity::kHigh : Severity::kMedium,
            fmt::format("Second superuser account '{}' (uid 0)", a.name),
            fmt::format("{} has uid 0: it is root under another name, with password state '{}'. Extra uid-0 "
                        "accounts are a classic hidden maintenance login and escape reviews that only look at "
                        "'root'.",
                        who(a), a.state),
            {"CWE-269", "CWE-912"},
            "Remove the account or give it its own unprivileged uid; document any maintenance access and protect "
            "it with a per-unit credential or a key."));
      }
      weak_hash_findings(a, ctx);
      if (a.inline_hash && a.state == "hash") {
        ctx.add_finding(account_finding(
            a, "accounts.no-shadow", Category::kHardening, Severity::kMedium,
            fmt::format("Password hash of '{}' is in the world-readable passwd file", a.name),
            fmt::format("{} keeps its password hash in passwd, which every local user and process can read "
                        "(shadow exists to keep hashes root-only). Any local foothold can copy the hash and crack it "
                        "offline.", who(a)),
            {"CWE-522"},
            "Move the hash to /etc/shadow (mode 0600/0640) and leave 'x' in the passwd field (busybox: "
            "CONFIG_USE_BB_SHADOW)."));
      }
    }
  }
}

}  // namespace assay::analyzers
