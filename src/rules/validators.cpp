#include "rules/validators.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "formats/elf/elf.hpp"

namespace assay::rules {
namespace {

// How far around an AWS access key id the secret access key is looked for: config files and
// scripts keep the pair on adjacent lines.
constexpr std::uint64_t kAwsSecretWindow = 512;
// The longest value the generic assignment rule considers (longer runs are blobs, not passwords).
constexpr std::size_t kMaxAssignedValue = 128;
// ELF import lists are bounded by the parser; a bind or reverse shell imports a handful of
// functions, a general-purpose program (busybox, dropbear, an HTTP server) hundreds.
constexpr std::size_t kMaxShellImports = 64;
constexpr std::uint64_t kMaxShellBinaryBytes = 512u << 10;

std::string_view text(const ValidationInput& in, std::uint64_t from, std::uint64_t to) {
  return {reinterpret_cast<const char*>(in.data.data() + from), static_cast<std::size_t>(to - from)};
}

bool is_alnum(int c) { return std::isalnum(c & 0xff) != 0; }
bool is_b64url(int c) { return is_alnum(c) || c == '-' || c == '_'; }
bool is_b64(int c) { return is_alnum(c) || c == '+' || c == '/'; }

// True when the match is not the middle of a longer token of the same alphabet.
bool bounded(const ValidationInput& in, std::uint64_t from, std::uint64_t to, bool (*same)(int)) {
  if (from > 0 && same(in.data[from - 1])) return false;
  if (to < in.data.size() && same(in.data[to])) return false;
  return true;
}

Validation accept(std::uint64_t from, std::uint64_t to, std::string confidence = {}, std::string note = {}) {
  return Validation{true, from, to, std::move(confidence), std::move(note)};
}
Validation reject() { return Validation{}; }

// --- secrets ----------------------------------------------------------------------------------

Validation v_boundary(const ValidationInput& in) {
  if (!bounded(in, in.from, in.to, [](int c) { return is_b64url(c); })) return reject();
  return accept(in.from, in.to);
}

Validation v_aws_access_key(const ValidationInput& in) {
  if (!bounded(in, in.from, in.to, [](int c) { return is_alnum(c); })) return reject();
  std::string_view id = text(in, in.from, in.to);
  if (id.find("EXAMPLE") != std::string_view::npos) return reject();  // AWS documentation keys
  // The secret access key: 40 characters of base64 alphabet, standing alone, high entropy.
  std::uint64_t lo = in.from > kAwsSecretWindow ? in.from - kAwsSecretWindow : 0;
  std::uint64_t hi = std::min<std::uint64_t>(in.data.size(), in.to + kAwsSecretWindow);
  std::uint64_t run = 0;
  for (std::uint64_t i = lo; i <= hi; ++i) {
    bool b = i < hi && is_b64(in.data[i]);
    if (b) {
      ++run;
      continue;
    }
    if (run == 40) {
      std::string_view s = text(in, i - 40, i);
      if (string_entropy(s) >= 4.0 && !is_placeholder(s) && s.find("EXAMPLE") == std::string_view::npos)
        return accept(in.from, in.to, "high",
                      fmt::format("secret access key {} bytes {}", i - 40 < in.from ? "before" : "after",
                                  i - 40 < in.from ? in.from - (i - 40) : i - 40 - in.from));
    }
    run = 0;
  }
  return accept(in.from, in.to, "low", "no secret access key next to it (the key id alone)");
}

Validation v_github_token(const ValidationInput& in) {
  if (!bounded(in, in.from, in.to, [](int c) { return is_b64url(c); })) return reject();
  std::string_view t = text(in, in.from, in.to);
  if (t.starts_with("github_pat_")) return accept(in.from, in.to, "medium", "fine-grained token (no public checksum)");
  if (!github_token_checksum_ok(t)) return reject();
  return accept(in.from, in.to, "high", "CRC32 checksum valid");
}

Validation v_jwt(const ValidationInput& in) {
  std::string_view t = text(in, in.from, in.to);
  auto dot = t.find('.');
  if (dot == std::string_view::npos) return reject();
  auto header = base64_decode(t.substr(0, dot));
  if (!header) return reject();
  auto j = nlohmann::json::parse(*header, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("alg")) return reject();
  auto dot2 = t.find('.', dot + 1);
  if (dot2 == std::string_view::npos) return reject();
  auto payload = base64_decode(t.substr(dot + 1, dot2 - dot - 1));
  if (!payload || nlohmann::json::parse(*payload, nullptr, false).is_discarded()) return reject();
  return accept(in.from, in.to, "", fmt::format("alg {}", j["alg"].is_string() ? j["alg"].get<std::string>() : "?"));
}

bool looks_like_reference(std::string_view v) {
  // identifiers with dots (form.password.value, data.pwd, self.password), calls, env lookups
  if (v.find('(') != std::string_view::npos) return true;
  if (v.starts_with("os.") || v.starts_with("process.env") || v.starts_with("this.") || v.starts_with("self."))
    return true;
  bool ident = !v.empty() && (std::isalpha(static_cast<unsigned char>(v[0])) != 0 || v[0] == '_');
  bool dotted = false;
  for (char c : v) {
    if (c == '.') dotted = true;
    else if (!is_alnum(c) && c != '_') ident = false;
  }
  return ident && dotted;
}

Validation v_assignment(const ValidationInput& in) {
  std::string_view m = text(in, in.from, in.to);
  auto op = m.find_first_of("=:");
  if (op == std::string_view::npos) return reject();
  // `==` is a comparison, `:=` / `=` an assignment; `::` is a scope (C++, Perl).
  if (op + 1 < m.size() && (m[op + 1] == '=' || (m[op] == ':' && m[op + 1] == ':'))) return reject();
  std::size_t i = op + 1;
  while (i < m.size() && (m[i] == ' ' || m[i] == '\t')) ++i;
  char quote = 0;
  if (i < m.size() && (m[i] == '"' || m[i] == '\'')) quote = m[i++];
  std::size_t start = i;
  while (i < m.size() && m[i] != quote && m[i] != ' ' && m[i] != '\t' && m[i] != '"' && m[i] != '\'' && m[i] != ';' &&
         m[i] != ',')
    ++i;
  std::string_view v = m.substr(start, i - start);
  if (v.size() < 4 || v.size() > kMaxAssignedValue) return reject();
  std::uint64_t vf = in.from + start, vt = in.from + i;
  // `name:type` declarations ('password:wpakey' in a schema, user:pass in a URL) are not
  // assignments: a colon assignment has a space or a quote after the colon, or a quoted key.
  if (m[op] == ':' && op + 1 < m.size() && m[op + 1] != ' ' && m[op + 1] != '\t' && m[op + 1] != '"' &&
      m[op + 1] != '\'' && (op == 0 || (m[op - 1] != '"' && m[op - 1] != '\'')))
    return reject();
  // A value cut at an escape or an expansion ("psk=\"${key}\"") is a template, not a literal.
  if (v.back() == '\\' || v.back() == '=') return reject();
  // A value followed directly by `(`, `[` or `.x` continues as code, not a literal.
  if (vt < in.data.size() && (in.data[vt] == '(' || in.data[vt] == '[' || in.data[vt] == '$' ||
                              in.data[vt] == '{' || in.data[vt] == '%'))
    return reject();
  if (vt < in.data.size() && !quote && is_alnum(in.data[vt])) return reject();  // cut by the regex bound
  if (is_placeholder(v) || looks_like_reference(v)) return reject();
  // One character class (a lowercase word: `passwd: files` in nsswitch.conf, `password=enabled`)
  // is a setting, not a secret, unless it is quoted and long. Default passwords such as "admin"
  // are the accounts analyzer's subject (it cracks them against its list).
  int classes = 0;
  classes += std::any_of(v.begin(), v.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)) != 0; });
  classes += std::any_of(v.begin(), v.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; });
  classes += std::any_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
  classes += std::any_of(v.begin(), v.end(), [](char c) { return !is_alnum(c); });
  if (classes < 2 && !(quote && v.size() >= 8)) return reject();
  // The key itself repeated, or another key name: `password=passwd`, `pass=password_field`.
  std::string lower(v);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower.find("pass") != std::string::npos && lower.find_first_of("0123456789!@#$%^&*") == std::string::npos &&
      lower.size() <= 12 && (lower.find('_') != std::string::npos || lower == "passwd" || lower == "pass"))
    return reject();
  return accept(vf, vt, quote ? "medium" : "low");
}

Validation v_basic_auth_url(const ValidationInput& in) {
  // Parsed from the end (the '@' before the host): the match may start at its line's beginning
  // when vectorscan could not track its start.
  std::string_view m = text(in, in.from, in.to);
  auto at = m.rfind('@');
  if (at == std::string_view::npos || at == 0) return reject();
  auto colon = m.rfind(':', at - 1);
  if (colon == std::string_view::npos || colon == 0) return reject();
  auto scheme_end = m.rfind("://", colon - 1);
  if (scheme_end == std::string_view::npos || scheme_end + 3 > colon) return reject();
  std::size_t u = scheme_end + 3;
  std::string_view user = m.substr(u, colon - u);
  std::string_view pass = m.substr(colon + 1, at - colon - 1);
  std::string_view host = m.substr(at + 1);
  if (user.empty() || pass.empty() || host.empty()) return reject();
  if (is_placeholder(pass) || pass.front() == '$' || pass.front() == '%' || pass.front() == '{') return reject();
  if (host.find("example.") != std::string_view::npos || host.find('.') == std::string_view::npos) {
    if (host != "localhost") return reject();
  }
  // A port-only "user:pass" that is really "host:port@" (git@github.com:org/repo) has digits only.
  if (std::all_of(pass.begin(), pass.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }) &&
      pass.size() > 3)
    return reject();
  return accept(in.from + colon + 1, in.from + at, "medium", fmt::format("user {}", user));
}

Validation v_pem_private_key(const ValidationInput& in) {
  // After the BEGIN line: optional RFC 1421 headers (Proc-Type, DEK-Info), then only base64 lines
  // up to the END line, within 16 KiB. A string table that holds the BEGIN and END markers of a
  // key converter (dropbearconvert, openssl) has other strings in between and is not a key.
  constexpr std::uint64_t kMaxPemBlock = 16u << 10;
  std::uint64_t hi = std::min<std::uint64_t>(in.data.size(), in.to + kMaxPemBlock);
  std::string_view rest = text(in, in.to, hi);
  auto end = rest.find("-----END ");
  if (end == std::string_view::npos) return reject();
  std::string_view body = rest.substr(0, end);
  std::size_t b64 = 0;
  std::size_t line_start = 0;
  while (line_start < body.size()) {
    auto nl = body.find('\n', line_start);
    std::string_view line = body.substr(line_start, nl == std::string_view::npos ? std::string_view::npos : nl - line_start);
    line_start = nl == std::string_view::npos ? body.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (b64 == 0 && line.find(": ") != std::string_view::npos) continue;  // an encapsulated header
    for (char c : line) {
      if (!is_b64(c) && c != '=') return reject();
    }
    b64 += line.size();
  }
  if (b64 < 64) return reject();
  auto close = rest.find("-----", end + 9);
  std::uint64_t to = close == std::string_view::npos ? in.to + end : in.to + close + 5;
  return accept(in.from, to, "high", fmt::format("{} bytes of key material", b64));
}

// --- backdoor indicators ------------------------------------------------------------------------

Validation v_elf_shell(const ValidationInput& in) {
  if (in.node.kind != Kind::kElf || in.data.size() > kMaxShellBinaryBytes) return reject();
  if (!in.cache.elf_parsed) {
    in.cache.elf_parsed = true;
    if (auto e = elf::parse_elf(in.data)) in.cache.elf_imports = e->imports();
  }
  const auto& im = in.cache.elf_imports;
  if (im.empty() || im.size() > kMaxShellImports) return reject();
  auto has = [&](std::initializer_list<std::string_view> names) {
    for (const auto& s : im)
      for (auto n : names)
        if (s == n) return true;
    return false;
  };
  bool sock = has({"socket"});
  bool bind = has({"bind", "listen", "accept"});
  bool conn = has({"connect"});
  bool dup = has({"dup2", "dup3"});
  bool exec = has({"execve", "execl", "execlp", "execv", "execvp", "execle", "system", "popen"});
  if (!(sock && (bind || conn) && dup && exec)) return reject();
  return accept(in.from, in.to, "medium",
                fmt::format("{} shell: imports socket, {}dup2 and exec with {} imports in all",
                            bind ? "bind" : "reverse", bind ? "bind/listen, " : "connect, ", im.size()));
}

}  // namespace

double string_entropy(std::string_view s) {
  if (s.empty()) return 0;
  std::array<unsigned, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  double h = 0, n = static_cast<double>(s.size());
  for (unsigned c : counts) {
    if (c == 0) continue;
    double p = c / n;
    h -= p * std::log2(p);
  }
  return h;
}

bool is_placeholder(std::string_view value) {
  std::string v(value);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (v.size() < 3) return true;
  static constexpr std::string_view kWords[] = {
      "changeme", "change_me", "change-me", "password", "passwd", "yourpassword", "your_password", "mypassword",
      "secret", "yoursecret", "your_secret", "example", "sample", "dummy", "placeholder", "redacted", "removed",
      "none", "null", "nil", "undefined", "empty", "true", "false", "todo", "fixme", "xxxx", "****", "....",
      "<password>", "api_key", "apikey", "your_api_key", "your-api-key", "insert", "replace", "enter", "string",
      "value", "test", "testing", "foobar", "notset", "not_set", "default", "required", "optional", "passphrase",
      "pass_word", "pwd", "token", "api-key", "secret_key", "client_secret", "auth_token", "access_token",
      // settings that are switches, not secrets (encodePassword="enable")
      "enable", "enabled", "disable", "disabled", "yes", "no", "on", "off", "auto"};
  for (auto w : kWords)
    if (v == w) return true;
  for (auto w : {"your", "example", "changeme", "placeholder", "replace_me", "xxxxx", "*****", "<", ">", "{{", "}}"})
    if (v.find(w) != std::string::npos) return true;
  if (v.front() == '$' || v.front() == '%' || v.front() == '@' || v.front() == '&') return true;
  // One repeated character (xxxxxxxx, 00000000) or a simple run (12345678, abcdefgh).
  if (std::all_of(v.begin(), v.end(), [&](char c) { return c == v.front(); })) return true;
  bool run = true;
  for (std::size_t i = 1; i < v.size(); ++i)
    if (v[i] != v[i - 1] + 1) run = false;
  return run;
}

bool github_token_checksum_ok(std::string_view token) {
  auto us = token.find('_');
  if (us == std::string_view::npos || token.size() - us - 1 != 36) return false;
  std::string_view body = token.substr(us + 1, 30);
  std::string_view sum = token.substr(us + 31, 6);
  auto crc = static_cast<std::uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::uint64_t v = 0;
  for (char c : sum) {
    auto d = kAlphabet.find(c);
    if (d == std::string_view::npos) return false;
    v = v * 62 + d;
  }
  return v == crc;
}

std::optional<std::string> base64_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int d;
    if (c >= 'A' && c <= 'Z') d = c - 'A';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
    else if (c >= '0' && c <= '9') d = c - '0' + 52;
    else if (c == '+' || c == '-') d = 62;
    else if (c == '/' || c == '_') d = 63;
    else if (c == '=' || c == '\n' || c == '\r') continue;
    else return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

const std::vector<ValidatorEntry>& validators() {
  static const std::vector<ValidatorEntry> list = {
      {"boundary", v_boundary, "the match is not part of a longer token"},
      {"aws_access_key", v_aws_access_key,
       "not an AWS documentation key; high confidence when a 40-character secret access key stands within 512 "
       "bytes, low otherwise"},
      {"github_token", v_github_token,
       "classic tokens (ghp_/gho_/ghu_/ghs_/ghr_): the CRC32 checksum in the last six base62 characters holds"},
      {"jwt", v_jwt, "header and payload decode from base64url to JSON; the header has \"alg\""},
      {"assignment", v_assignment,
       "the assigned value is a literal (not a variable, call or field reference), not a placeholder "
       "(changeme, ${VAR}, <password>, xxxx, enable...), and mixes two character classes unless quoted and 8+ long"},
      {"basic_auth_url", v_basic_auth_url,
       "user and password are present, the password is not a placeholder, the host is not example.*"},
      {"pem_private_key", v_pem_private_key, "a base64 body and an END line follow within 16 KiB"},
      {"elf_shell", v_elf_shell,
       "an ELF of at most 512 KiB and 64 imports that imports socket, bind/listen or connect, dup2 and an exec "
       "function (bind or reverse shell)"},
  };
  return list;
}

int find_validator(std::string_view name) {
  const auto& v = validators();
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i].name == name) return static_cast<int>(i);
  return -1;
}

}  // namespace assay::rules
