#include "analyzers/accounts/cracker.hpp"

#include <crypt.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include "core/embedded.hpp"

#include <algorithm>
#include <optional>
#include <fstream>
#include <set>
#include <sstream>

#include "analyzers/services/data_file.hpp"

namespace assay::analyzers::accounts {
namespace {

// Guesses per hash, by what one guess costs (measured on a loaded 2-core runner: DES ~4 µs,
// MD5-crypt ~0.1 ms, SHA-crypt at 5000 rounds ~3-12 ms, bcrypt cost 10 and yescrypt ~0.5 s).
// Each bound keeps one hash under ~0.5 s; a firmware has a handful of hashes.
constexpr std::size_t kMaxGuessesDes = 8192;
constexpr std::size_t kMaxGuessesMd5 = 1024;
constexpr std::size_t kMaxGuessesShaCrypt = 64;   // at the default 5000 rounds; fewer with more
constexpr std::size_t kMinGuessesShaCrypt = 4;
constexpr std::uint32_t kShaDefaultRounds = 5000;
// bcrypt up to this cost gets the built-in top list; above it (and yescrypt/scrypt) only the
// account's own name, the empty string and the first few list entries.
constexpr std::uint32_t kBcryptCheapCost = 8;
constexpr std::size_t kMaxGuessesExpensive = 4;
// User files: lines read per file (the DefaultCreds sheet has ~3,800 rows).
constexpr std::size_t kMaxUserLines = 200000;
// Longest password considered (crypt(3) phrases are bounded anyway; DES uses 8 chars).
constexpr std::size_t kMaxPasswordBytes = 128;

std::size_t guess_budget(const passwd::HashInfo& h, std::size_t slow_top) {
  using passwd::HashScheme;
  switch (h.scheme) {
    case HashScheme::kDes:
    case HashScheme::kBsdiDes: return kMaxGuessesDes;
    case HashScheme::kMd5:
    case HashScheme::kSunMd5:
    case HashScheme::kNtHash:
    case HashScheme::kSha1Crypt: return kMaxGuessesMd5;
    case HashScheme::kSha256:
    case HashScheme::kSha512: {
      std::uint64_t rounds = std::max<std::uint64_t>(h.cost.value_or(kShaDefaultRounds), 1000);
      std::uint64_t n = kMaxGuessesShaCrypt * kShaDefaultRounds / rounds;
      return static_cast<std::size_t>(std::clamp<std::uint64_t>(n, kMinGuessesShaCrypt, kMaxGuessesShaCrypt));
    }
    case HashScheme::kBcrypt:
      return h.cost.value_or(99) <= kBcryptCheapCost ? slow_top : kMaxGuessesExpensive;
    case HashScheme::kScrypt:
    case HashScheme::kYescrypt:
    case HashScheme::kGostYescrypt: return kMaxGuessesExpensive;
    case HashScheme::kApr1: return 0;  // not in crypt(3); reported as weak, not cracked
    case HashScheme::kRawMd5:
    case HashScheme::kRawSha1:
    case HashScheme::kRawSha256:
    case HashScheme::kLdapSha:
    case HashScheme::kLdapSsha: return kMaxGuessesDes;  // one fast digest per guess
    case HashScheme::kPlainOrUnknown: return kMaxGuessesDes;  // a string compare, no crypt
    case HashScheme::kNone: return 0;
  }
  return 0;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// Splits one CSV record (no embedded newlines; "..." quoting with "" escapes).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back().push_back(c);
    }
  }
  return out;
}

// "<blank>" and "<N/A>" are the cheat sheet's spellings of "no password" and "unknown".
std::optional<std::string> csv_password(std::string p) {
  p = trim(std::move(p));
  if (p == "<blank>" || p == "(blank)" || p == "<empty>") return std::string();
  if (p.empty() || (p.front() == '<' && p.back() == '>') || p.size() > kMaxPasswordBytes) return std::nullopt;
  return p;
}

void load_user_file(const std::string& file, CandidateSet& set, std::set<std::string>& seen) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    set.diagnostics.push_back(fmt::format("cannot read password list {}", file));
    return;
  }
  std::string line;
  std::size_t n = 0;
  bool csv = false;
  const std::string source = fmt::format("--passwords {}", file);
  while (n < kMaxUserLines && std::getline(in, line)) {
    ++n;
    line = trim(line);
    if (n == 1) {
      // The cheat sheet's header: "productvendor,username,password" (any column names ending in
      // user and password are accepted).
      std::string lower = line;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (lower.find(',') != std::string::npos && lower.find("user") != std::string::npos &&
          lower.ends_with("password")) {
        csv = true;
        continue;
      }
    }
    if (line.empty() || (!csv && line[0] == '#')) continue;
    if (csv) {
      auto f = csv_fields(line);
      if (f.size() < 3) continue;
      auto pw = csv_password(f[f.size() - 1]);
      if (!pw) continue;
      std::string user = trim(f[f.size() - 2]);
      std::string product = trim(f[0]);
      Candidate c{*pw, fmt::format("{} ({})", source, product.empty() ? "csv" : product)};
      if (!user.empty() && user.front() != '<') {
        auto& v = set.by_user[user];
        if (v.size() < 256 && std::none_of(v.begin(), v.end(), [&](const Candidate& x) { return x.password == c.password; }))
          v.push_back(c);
      }
      if (seen.insert(c.password).second) set.extra.push_back(std::move(c));
    } else if (line.size() <= kMaxPasswordBytes && seen.insert(line).second) {
      set.extra.push_back({line, source});
    }
  }
}

// Standard base64 (RFC 4648, padding optional); nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '+' ? 62 : c == '/' ? 63 : -1;
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), out, &n, md, nullptr) != 1) return {};
  return std::string(reinterpret_cast<const char*>(out), n);
}

std::string hex_lower(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

// Unsalted hex digests and the RFC 2307 {SHA}/{SSHA} forms, through OpenSSL's digests.
bool matches_raw(const passwd::HashInfo& h, const std::string& candidate) {
  using passwd::HashScheme;
  switch (h.scheme) {
    case HashScheme::kRawMd5:
    case HashScheme::kRawSha1:
    case HashScheme::kRawSha256: {
      const EVP_MD* md = h.scheme == HashScheme::kRawMd5 ? EVP_md5() : h.scheme == HashScheme::kRawSha1 ? EVP_sha1() : EVP_sha256();
      std::string want = h.hash;
      std::transform(want.begin(), want.end(), want.begin(), [](unsigned char c) { return std::tolower(c); });
      return hex_lower(digest(md, candidate)) == want;
    }
    case HashScheme::kLdapSha:
    case HashScheme::kLdapSsha: {
      const std::size_t prefix = h.scheme == HashScheme::kLdapSha ? 5 : 6;
      auto raw = base64_decode(std::string_view(h.hash).substr(prefix));
      if (!raw || raw->size() < 20) return false;
      std::string salt = raw->substr(20);
      return digest(EVP_sha1(), candidate + salt) == raw->substr(0, 20);
    }
    default: return false;
  }
}

bool matches(const passwd::HashInfo& h, const std::string& candidate, crypt_data& data) {
  if (h.scheme == passwd::HashScheme::kPlainOrUnknown) return candidate == h.hash;
  if (passwd::is_raw_digest(h.scheme)) return matches_raw(h, candidate);
  const char* out = crypt_rn(candidate.c_str(), h.hash.c_str(), &data, static_cast<int>(sizeof data));
  // crypt_rn returns NULL (or a "*" failure token) for a setting it cannot use.
  return out != nullptr && out[0] != '*' && h.hash == out;
}

}  // namespace

std::unique_ptr<CandidateSet> CandidateSet::load(const AnalysisConfig& config) {
  auto set = std::make_unique<CandidateSet>();
  std::set<std::string> seen;
  auto text = load_rule_data("rules/credentials/default-passwords.yaml", config.rules_dir);
  if (!text.ok()) {
    set->diagnostics.push_back(text.error().message);
  } else {
    try {
      yaml::Node doc = load_yaml(*text);
      if (doc["slow_top"]) set->slow_top = doc["slow_top"].as<std::size_t>();
      for (const auto& e : doc["passwords"]) {
        std::string pw = e["password"].as<std::string>();
        std::string vendor = e["vendor"] ? e["vendor"].as<std::string>() : "generic";
        if (pw.size() > kMaxPasswordBytes || !seen.insert(pw).second) continue;
        set->builtin.push_back({pw, fmt::format("built-in default list: {}", vendor)});
      }
    } catch (const std::exception& e) {
      set->diagnostics.push_back(fmt::format("rules/credentials/default-passwords.yaml: {}", e.what()));
    }
  }
  for (const auto& f : config.password_files) load_user_file(f, *set, seen);
  return set;
}

CrackResult crack(const passwd::HashInfo& hash, const std::string& user, const CandidateSet& set) {
  CrackResult r;
  if (hash.hash.empty() || hash.scheme == passwd::HashScheme::kNone) return r;
  const std::size_t budget = guess_budget(hash, set.slow_top);
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: heap, one per call (thread-safe)
  std::set<std::string> tried;
  auto attempt = [&](const std::string& pw, const std::string& source) {
    if (r.cracked) return true;
    if (r.tried >= budget) {
      r.exhausted = true;
      return true;
    }
    if (!tried.insert(pw).second) return false;
    ++r.tried;
    if (matches(hash, pw, *data)) {
      r.cracked = true;
      r.match = {pw, source};
      return true;
    }
    return false;
  };
  // Most specific first: the user name, no password, this user's rows from the user's CSV,
  // then the built-in list, then the user's plain lists.
  if (attempt(user, "the account's own name")) return r;
  if (attempt("", "empty string")) return r;
  if (auto it = set.by_user.find(user); it != set.by_user.end())
    for (const auto& c : it->second)
      if (attempt(c.password, c.source)) return r;
  for (const auto& c : set.builtin)
    if (attempt(c.password, c.source)) return r;
  for (const auto& c : set.extra)
    if (attempt(c.password, c.source)) return r;
  return r;
}

CrackResult CrackCache::get(const passwd::HashInfo& hash, const std::string& user, const CandidateSet& set) const {
  std::string key = user + '\n' + hash.hash;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = done_.find(key); it != done_.end()) return it->second;
  }
  // Computed outside the lock: two threads may crack the same hash once each, which is cheaper
  // than serialising every crack behind one mutex.
  CrackResult r = crack(hash, user, set);
  std::lock_guard<std::mutex> lock(mu_);
  done_.emplace(key, r);
  return r;
}

}  // namespace assay::analyzers::accounts
