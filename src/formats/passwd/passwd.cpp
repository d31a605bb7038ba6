#include "formats/passwd/passwd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "formats/passwd/text_lines.hpp"

namespace assay::passwd {
namespace {

using nlohmann::json;

bool is_crypt64(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/';
}

bool all_crypt64(std::string_view s) { return std::all_of(s.begin(), s.end(), is_crypt64); }

bool all_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

bool all_base64(std::string_view s) {
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  });
}

std::optional<std::uint32_t> to_u32(std::string_view s) {
  // Leading/trailing blanks are tolerated by glibc's parser; nothing else is.
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.empty() || s.size() > 10) return std::nullopt;
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Reads "$id$rounds=N$..." or "$2b$NN$..." work factors.
void read_cost(HashInfo& h) {
  std::string_view s = h.hash;
  if (h.scheme == HashScheme::kBcrypt) {
    auto p = s.find('$', 1);
    if (p != std::string_view::npos && p + 3 <= s.size()) h.cost = to_u32(s.substr(p + 1, 2));
    return;
  }
  if (h.scheme == HashScheme::kSha256 || h.scheme == HashScheme::kSha512) {
    constexpr std::string_view kRounds = "rounds=";
    if (s.size() > 3 && s.substr(3).starts_with(kRounds)) {
      std::string_view rest = s.substr(3 + kRounds.size());
      h.cost = to_u32(rest.substr(0, rest.find('$')));
    } else {
      h.cost = 5000;  // crypt(5): the default when no rounds= is given
    }
  }
}

HashScheme scheme_of(std::string_view s) {
  if (s.starts_with("$1$")) return HashScheme::kMd5;
  if (s.starts_with("$2a$") || s.starts_with("$2b$") || s.starts_with("$2y$") || s.starts_with("$2x$") ||
      s.starts_with("$2$"))
    return HashScheme::kBcrypt;
  if (s.starts_with("$md5")) return HashScheme::kSunMd5;
  if (s.starts_with("$3$")) return HashScheme::kNtHash;
  if (s.starts_with("$5$")) return HashScheme::kSha256;
  if (s.starts_with("$6$")) return HashScheme::kSha512;
  if (s.starts_with("$7$")) return HashScheme::kScrypt;
  if (s.starts_with("$y$")) return HashScheme::kYescrypt;
  if (s.starts_with("$gy$")) return HashScheme::kGostYescrypt;
  if (s.starts_with("$sha1$")) return HashScheme::kSha1Crypt;
  if (s.starts_with("$apr1$")) return HashScheme::kApr1;
  // {SHA}: base64 of 20 bytes is 28 characters; {SSHA}: 20 bytes of digest plus a salt.
  if (s.starts_with("{SHA}") && s.size() == 5 + 28 && all_base64(s.substr(5))) return HashScheme::kLdapSha;
  if (s.starts_with("{SSHA}") && s.size() > 6 + 28 && all_base64(s.substr(6))) return HashScheme::kLdapSsha;
  if (all_hex(s)) {
    if (s.size() == 32) return HashScheme::kRawMd5;
    if (s.size() == 40) return HashScheme::kRawSha1;
    if (s.size() == 64) return HashScheme::kRawSha256;
  }
  if (s.size() == 13 && all_crypt64(s)) return HashScheme::kDes;
  if (s.size() == 20 && s[0] == '_' && all_crypt64(s.substr(1))) return HashScheme::kBsdiDes;
  return HashScheme::kPlainOrUnknown;
}

}  // namespace

HashInfo identify_hash(std::string_view field, bool in_shadow) {
  HashInfo h;
  if (field.empty()) {
    h.state = PasswordState::kEmpty;
    return h;
  }
  if (!in_shadow && field == "x") {
    h.state = PasswordState::kShadow;
    return h;
  }
  // Lock markers: "*" and "!" (shadow(5)), "!!" (useradd, never set), "*LK*" (Solaris, some
  // busybox builds), "x" in shadow, "NP"/"*NP*" (no password, login refused). A lock prefix in
  // front of a real hash keeps the hash: the account is locked but the hash is still evidence.
  if (field[0] == '!' || field[0] == '*' || field == "x" || field == "NP" || field == "LK") {
    h.state = PasswordState::kLocked;
    std::string_view rest = field;
    while (!rest.empty() && (rest[0] == '!' || rest[0] == '*')) rest.remove_prefix(1);
    if (rest.starts_with("LK*") || rest.starts_with("NP*")) rest.remove_prefix(3);
    if (!rest.empty() && rest.size() > 3) {
      HashScheme s = scheme_of(rest);
      if (s != HashScheme::kPlainOrUnknown) {
        h.scheme = s;
        h.hash = std::string(rest);
        read_cost(h);
      }
    }
    return h;
  }
  h.state = PasswordState::kHash;
  h.hash = std::string(field);
  h.scheme = scheme_of(field);
  read_cost(h);
  return h;
}

std::string_view scheme_name(HashScheme s) noexcept {
  switch (s) {
    case HashScheme::kNone: return "none";
    case HashScheme::kDes: return "des";
    case HashScheme::kBsdiDes: return "bsdi-des";
    case HashScheme::kMd5: return "md5";
    case HashScheme::kBcrypt: return "bcrypt";
    case HashScheme::kSunMd5: return "sun-md5";
    case HashScheme::kNtHash: return "nthash";
    case HashScheme::kSha256: return "sha256";
    case HashScheme::kSha512: return "sha512";
    case HashScheme::kScrypt: return "scrypt";
    case HashScheme::kYescrypt: return "yescrypt";
    case HashScheme::kGostYescrypt: return "gost-yescrypt";
    case HashScheme::kSha1Crypt: return "sha1crypt";
    case HashScheme::kApr1: return "apr1";
    case HashScheme::kRawMd5: return "raw-md5";
    case HashScheme::kRawSha1: return "raw-sha1";
    case HashScheme::kRawSha256: return "raw-sha256";
    case HashScheme::kLdapSha: return "ldap-sha";
    case HashScheme::kLdapSsha: return "ldap-ssha";
    case HashScheme::kPlainOrUnknown: return "plain-or-unknown";
  }
  return "none";
}

std::string_view state_name(PasswordState s) noexcept {
  switch (s) {
    case PasswordState::kEmpty: return "empty";
    case PasswordState::kLocked: return "locked";
    case PasswordState::kHash: return "hash";
    case PasswordState::kShadow: return "none";
  }
  return "none";
}

bool is_weak_scheme(HashScheme s) noexcept {
  return s == HashScheme::kDes || s == HashScheme::kBsdiDes || s == HashScheme::kMd5 || s == HashScheme::kNtHash ||
         s == HashScheme::kSunMd5 || s == HashScheme::kApr1 || is_raw_digest(s);
}

bool is_raw_digest(HashScheme s) noexcept {
  return s == HashScheme::kRawMd5 || s == HashScheme::kRawSha1 || s == HashScheme::kRawSha256 ||
         s == HashScheme::kLdapSha || s == HashScheme::kLdapSsha;
}

bool is_slow_scheme(HashScheme s) noexcept {
  return s == HashScheme::kBcrypt || s == HashScheme::kScrypt || s == HashScheme::kYescrypt ||
         s == HashScheme::kGostYescrypt;
}

namespace {

// Splits on ':' into at most `max` fields (the last keeps any further ':').
std::vector<std::string_view> split_fields(std::string_view line, std::size_t max) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < max) {
    auto p = line.find(':');
    if (p == std::string_view::npos) break;
    out.push_back(line.substr(0, p));
    line.remove_prefix(p + 1);
  }
  out.push_back(line);
  return out;
}

template <class Db>
void note(Db& db, std::uint32_t line, std::string what) {
  if (db.diagnostics.size() < kMaxDiagnostics) db.diagnostics.push_back(fmt::format("line {}: {}", line, what));
}

bool skippable(std::string_view line) {
  return line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-';
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  return std::none_of(name.begin(), name.end(),
                      [](char c) { return c == ' ' || c == '\t' || static_cast<unsigned char>(c) < 0x20; });
}

}  // namespace

Result<PasswdFile> parse_passwd(ByteView data) {
  PasswdFile f;
  std::size_t bad = 0;
  for_each_line(data, kMaxLineBytes, [&](std::string_view line, std::uint32_t no, bool cut) {
    if (f.entries.size() >= kMaxRecords) return false;
    if (cut) note(f, no, "line longer than the limit, cut");
    if (skippable(line)) return true;
    auto fl = split_fields(line, 7);
    if (fl.size() < 4 || !valid_name(fl[0])) {
      ++bad;
      note(f, no, "not a passwd record");
      return true;
    }
    PasswdEntry e;
    e.name = std::string(fl[0]);
    e.password = std::string(fl[1]);
    e.uid = to_u32(fl[2]);
    e.gid = to_u32(fl[3]);
    if (!e.uid) {
      ++bad;
      note(f, no, "uid is not a number");
      return true;
    }
    if (fl.size() > 4) e.gecos = std::string(fl[4]);
    if (fl.size() > 5) e.home = std::string(fl[5]);
    if (fl.size() > 6) e.shell = std::string(fl[6]);
    e.line = no;
    e.raw = std::string(line);
    f.entries.push_back(std::move(e));
    return true;
  });
  if (f.entries.empty()) return make_error(Errc::kMalformed, fmt::format("no passwd record ({} bad line(s))", bad));
  return f;
}

Result<ShadowFile> parse_shadow(ByteView data) {
  ShadowFile f;
  std::size_t bad = 0;
  for_each_line(data, kMaxLineBytes, [&](std::string_view line, std::uint32_t no, bool cut) {
    if (f.entries.size() >= kMaxRecords) return false;
    if (cut) note(f, no, "line longer than the limit, cut");
    if (skippable(line)) return true;
    auto fl = split_fields(line, 9);
    if (fl.size() < 2 || !valid_name(fl[0])) {
      ++bad;
      note(f, no, "not a shadow record");
      return true;
    }
    ShadowEntry e;
    e.name = std::string(fl[0]);
    e.password = std::string(fl[1]);
    e.line = no;
    e.raw = std::string(line);
    f.entries.push_back(std::move(e));
    return true;
  });
  if (f.entries.empty()) return make_error(Errc::kMalformed, fmt::format("no shadow record ({} bad line(s))", bad));
  return f;
}

Result<GroupFile> parse_group(ByteView data) {
  GroupFile f;
  std::size_t bad = 0;
  for_each_line(data, kMaxLineBytes, [&](std::string_view line, std::uint32_t no, bool cut) {
    if (f.entries.size() >= kMaxRecords) return false;
    if (cut) note(f, no, "line longer than the limit, cut");
    if (skippable(line)) return true;
    auto fl = split_fields(line, 4);
    if (fl.size() < 3 || !valid_name(fl[0]) || !to_u32(fl[2])) {
      ++bad;
      note(f, no, "not a group record");
      return true;
    }
    GroupEntry e;
    e.name = std::string(fl[0]);
    e.password = std::string(fl[1]);
    e.gid = to_u32(fl[2]);
    e.line = no;
    if (fl.size() > 3) {
      std::string_view m = fl[3];
      // Members are bounded by the line length (kMaxLineBytes), so this loop is too.
      while (!m.empty()) {
        auto p = m.find(',');
        std::string_view one = m.substr(0, p);
        if (!one.empty()) e.members.emplace_back(one);
        if (p == std::string_view::npos) break;
        m.remove_prefix(p + 1);
      }
    }
    f.entries.push_back(std::move(e));
    return true;
  });
  if (f.entries.empty()) return make_error(Errc::kMalformed, fmt::format("no group record ({} bad line(s))", bad));
  return f;
}

Shape guess_shape(ByteView data) {
  // The first few records decide: a passwd line has 6 colons and numeric uid/gid, a shadow line
  // 8 colons with numeric (or empty) day counts, a group line 3 colons and a numeric gid.
  constexpr std::size_t kProbeLines = 8;
  std::size_t passwd = 0, shadow = 0, group = 0, other = 0, seen = 0;
  for_each_line(data.first(std::min<std::size_t>(data.size(), 4096)), kMaxLineBytes,
                [&](std::string_view line, std::uint32_t, bool) {
                  if (line.empty() || line[0] == '#') return true;
                  if (++seen > kProbeLines) return false;
                  auto colons = static_cast<std::size_t>(std::count(line.begin(), line.end(), ':'));
                  auto fl = split_fields(line, 9);
                  if (!valid_name(fl[0])) {
                    ++other;
                  } else if (colons == 6 && to_u32(fl[2]) && to_u32(fl[3])) {
                    ++passwd;
                  } else if (colons == 8 && (fl[2].empty() || to_u32(fl[2]))) {
                    ++shadow;
                  } else if (colons == 3 && to_u32(fl[2])) {
                    ++group;
                  } else {
                    ++other;
                  }
                  return true;
                });
  if (other != 0 || seen == 0) return Shape::kOther;
  if (passwd != 0 && shadow == 0 && group == 0) return Shape::kPasswd;
  if (shadow != 0 && passwd == 0 && group == 0) return Shape::kShadow;
  if (group != 0 && passwd == 0 && shadow == 0) return Shape::kGroup;
  return Shape::kOther;
}

json to_json(const PasswdFile& f) {
  json a = json::array();
  for (const auto& e : f.entries) {
    HashInfo h = identify_hash(e.password, false);
    a.push_back({{"name", e.name}, {"uid", e.uid ? json(*e.uid) : json()}, {"gid", e.gid ? json(*e.gid) : json()},
                 {"home", e.home}, {"shell", e.shell}, {"state", state_name(h.state)},
                 {"scheme", scheme_name(h.scheme)}, {"line", e.line}});
  }
  return {{"entries", a}, {"diagnostics", f.diagnostics}};
}

json to_json(const ShadowFile& f) {
  json a = json::array();
  for (const auto& e : f.entries) {
    HashInfo h = identify_hash(e.password, true);
    a.push_back({{"name", e.name}, {"state", state_name(h.state)}, {"scheme", scheme_name(h.scheme)},
                 {"cost", h.cost ? json(*h.cost) : json()}, {"line", e.line}});
  }
  return {{"entries", a}, {"diagnostics", f.diagnostics}};
}

json to_json(const GroupFile& f) {
  json a = json::array();
  for (const auto& e : f.entries)
    a.push_back({{"name", e.name}, {"gid", e.gid ? json(*e.gid) : json()}, {"members", e.members}, {"line", e.line}});
  return {{"entries", a}, {"diagnostics", f.diagnostics}};
}

}  // namespace assay::passwd
