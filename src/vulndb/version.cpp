// Version ordering per ecosystem. Each comparison follows its reference implementation step by
// step (dpkg lib/dpkg/version.c, rpm rpmio/rpmvercmp.c + rpmver.c, semver.org 2.0 §11, PyPA
// packaging.version, Maven ComparableVersion, apk-tools src/version.c) so that the oracle tests
// can compare against the real tools. Versions come from hostile input (a vulnerability feed, a
// package database): every loop is bounded by the string length, numbers are compared as digit
// strings (never converted, so "99999999999999999999" does not overflow), and strings longer than
// kMaxVersionLength fall back to the iterative generic order (Maven's nested lists would otherwise
// nest as deep as the input is long).

#include "vulndb/version.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <vector>

namespace assay::vulndb {
namespace {

// Real versions are far shorter; anything longer is junk that still must compare deterministically.
constexpr std::size_t kMaxVersionLength = 256;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
int sign(int v) { return v < 0 ? -1 : (v > 0 ? 1 : 0); }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

// Compares two digit strings numerically without converting them.
int compare_digits(std::string_view a, std::string_view b) {
  while (!a.empty() && a.front() == '0') a.remove_prefix(1);
  while (!b.empty() && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return sign(a.compare(b));
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// ---------------------------------------------------------------------------------------------
// Debian (dpkg lib/dpkg/version.c: order() and verrevcmp()).

int dpkg_order(char c) {
  if (is_digit(c)) return 0;
  if (is_alpha(c)) return static_cast<unsigned char>(c);
  if (c == '~') return -1;
  if (c != 0) return static_cast<unsigned char>(c) + 256;
  return 0;
}

int verrevcmp(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  auto at = [](std::string_view s, std::size_t k) { return k < s.size() ? s[k] : '\0'; };
  while (i < a.size() || j < b.size()) {
    int first_diff = 0;
    while ((i < a.size() && !is_digit(a[i])) || (j < b.size() && !is_digit(b[j]))) {
      int ac = dpkg_order(at(a, i));
      int bc = dpkg_order(at(b, j));
      if (ac != bc) return ac - bc;
      ++i;
      ++j;
    }
    while (at(a, i) == '0') ++i;
    while (at(b, j) == '0') ++j;
    while (is_digit(at(a, i)) && is_digit(at(b, j))) {
      if (!first_diff) first_diff = at(a, i) - at(b, j);
      ++i;
      ++j;
    }
    if (is_digit(at(a, i))) return 1;
    if (is_digit(at(b, j))) return -1;
    if (first_diff) return first_diff;
  }
  return 0;
}

struct DebVersion {
  std::string_view epoch, upstream, revision;
};

DebVersion split_debian(std::string_view v) {
  DebVersion d;
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (auto colon = v.find(':'); colon != std::string_view::npos) {
    d.epoch = v.substr(0, colon);
    v = v.substr(colon + 1);
  }
  if (auto dash = v.rfind('-'); dash != std::string_view::npos) {
    d.revision = v.substr(dash + 1);
    v = v.substr(0, dash);
  }
  d.upstream = v;
  return d;
}

// ---------------------------------------------------------------------------------------------
// Semver 2.0.

struct Semver {
  std::array<std::string_view, 3> core{"0", "0", "0"};
  std::vector<std::string_view> pre;
};

bool parse_semver(std::string_view v, Semver& out) {
  if (!v.empty() && (v.front() == 'v' || v.front() == 'V')) v.remove_prefix(1);
  if (auto plus = v.find('+'); plus != std::string_view::npos) v = v.substr(0, plus);
  std::string_view pre;
  if (auto dash = v.find('-'); dash != std::string_view::npos) {
    pre = v.substr(dash + 1);
    if (pre.empty()) return false;
    v = v.substr(0, dash);
  }
  // Lenient on the core: "1.2" and "1" are read as 1.2.0 and 1.0.0 (Go and crates write them).
  std::size_t n = 0;
  while (!v.empty()) {
    if (n == 3) return false;
    auto dot = v.find('.');
    std::string_view part = v.substr(0, dot);
    if (!all_digits(part)) return false;
    out.core[n++] = part;
    if (dot == std::string_view::npos) break;
    v = v.substr(dot + 1);
    if (v.empty()) return false;
  }
  if (n == 0) return false;
  while (!pre.empty()) {
    auto dot = pre.find('.');
    std::string_view id = pre.substr(0, dot);
    if (id.empty()) return false;
    for (char c : id)
      if (!is_alnum(c) && c != '-') return false;
    out.pre.push_back(id);
    if (dot == std::string_view::npos) break;
    pre = pre.substr(dot + 1);
    if (pre.empty()) return false;
  }
  return true;
}

int compare_semver_parsed(const Semver& a, const Semver& b) {
  for (std::size_t k = 0; k < 3; ++k)
    if (int c = compare_digits(a.core[k], b.core[k])) return c;
  if (a.pre.empty() != b.pre.empty()) return a.pre.empty() ? 1 : -1;
  for (std::size_t k = 0; k < a.pre.size() && k < b.pre.size(); ++k) {
    bool an = all_digits(a.pre[k]), bn = all_digits(b.pre[k]);
    if (an && bn) {
      if (int c = compare_digits(a.pre[k], b.pre[k])) return c;
    } else if (an != bn) {
      return an ? -1 : 1;  // numeric identifiers have lower precedence
    } else if (int c = sign(a.pre[k].compare(b.pre[k]))) {
      return c;
    }
  }
  if (a.pre.size() != b.pre.size()) return a.pre.size() < b.pre.size() ? -1 : 1;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// PEP 440 (the ordering key of packaging.version.Version._cmpkey).

struct Pep440 {
  std::string_view epoch = "0";
  std::vector<std::string_view> release;
  int pre_rank = 4;  // 0 = dev-only (-inf), 1 a, 2 b, 3 rc, 4 none (+inf)
  std::string_view pre_num = "0";
  bool has_post = false;
  std::string_view post_num = "0";
  bool has_dev = false;
  std::string_view dev_num = "0";
  std::vector<std::string_view> local;
};

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek(std::size_t k = 0) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  bool eat(std::string_view word) {
    if (s_.substr(i_).substr(0, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  bool eat_sep() {
    char c = peek();
    if (c == '.' || c == '-' || c == '_') {
      ++i_;
      return true;
    }
    return false;
  }
  std::string_view digits() {
    std::size_t start = i_;
    while (is_digit(peek())) ++i_;
    return s_.substr(start, i_ - start);
  }
  std::size_t pos() const { return i_; }
  void set(std::size_t p) { i_ = p; }
  std::string_view rest() const { return s_.substr(std::min(i_, s_.size())); }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

bool parse_pep440(std::string_view lowered, Pep440& out) {
  std::string_view v = lowered;
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  if (!v.empty() && v.front() == 'v') v.remove_prefix(1);
  Cursor c(v);
  std::size_t save = c.pos();
  std::string_view num = c.digits();
  if (!num.empty() && c.peek() == '!') {
    out.epoch = num;
    c.eat("!");
  } else {
    c.set(save);
  }
  for (;;) {
    std::string_view part = c.digits();
    if (part.empty()) return false;
    out.release.push_back(part);
    if (c.peek() == '.' && is_digit(c.peek(1))) {
      c.eat(".");
      continue;
    }
    break;
  }
  // Pre-release: [sep] (alpha|a|beta|b|preview|pre|c|rc) [sep] [N]
  save = c.pos();
  c.eat_sep();
  static constexpr std::array<std::pair<std::string_view, int>, 8> kPre = {{
      {"alpha", 1}, {"a", 1}, {"beta", 2}, {"b", 2}, {"preview", 3}, {"pre", 3}, {"rc", 3}, {"c", 3}}};
  bool got_pre = false;
  for (const auto& [word, rank] : kPre) {
    if (c.eat(word)) {
      out.pre_rank = rank;
      std::size_t p = c.pos();
      c.eat_sep();
      std::string_view n = c.digits();
      if (n.empty()) c.set(p);
      out.pre_num = n.empty() ? "0" : n;
      got_pre = true;
      break;
    }
  }
  if (!got_pre) c.set(save);
  // Post-release: -N | [sep] (post|rev|r) [sep] [N]
  save = c.pos();
  if (c.peek() == '-' && is_digit(c.peek(1))) {
    c.eat("-");
    out.has_post = true;
    out.post_num = c.digits();
  } else {
    c.eat_sep();
    static constexpr std::array<std::string_view, 3> kPost = {"post", "rev", "r"};
    bool got = false;
    for (auto word : kPost) {
      if (c.eat(word)) {
        std::size_t p = c.pos();
        c.eat_sep();
        std::string_view n = c.digits();
        if (n.empty()) c.set(p);
        out.has_post = true;
        out.post_num = n.empty() ? "0" : n;
        got = true;
        break;
      }
    }
    if (!got) c.set(save);
  }
  // Development release: [sep] dev [sep] [N]
  save = c.pos();
  c.eat_sep();
  if (c.eat("dev")) {
    std::size_t p = c.pos();
    c.eat_sep();
    std::string_view n = c.digits();
    if (n.empty()) c.set(p);
    out.has_dev = true;
    out.dev_num = n.empty() ? "0" : n;
  } else {
    c.set(save);
  }
  if (c.peek() == '+') {
    c.eat("+");
    std::string_view rest = c.rest();
    if (rest.empty()) return false;
    std::size_t start = 0;
    for (std::size_t k = 0; k <= rest.size(); ++k) {
      if (k == rest.size() || rest[k] == '.' || rest[k] == '-' || rest[k] == '_') {
        if (k == start) return false;
        out.local.push_back(rest.substr(start, k - start));
        start = k + 1;
      } else if (!is_alnum(rest[k])) {
        return false;
      }
    }
    c.set(c.pos() + rest.size());
  }
  if (!c.done()) return false;
  if (!got_pre && !out.has_post && out.has_dev) out.pre_rank = 0;
  return true;
}

int compare_pep440_parsed(const Pep440& a, const Pep440& b) {
  if (int c = compare_digits(a.epoch, b.epoch)) return c;
  std::size_t n = std::max(a.release.size(), b.release.size());
  for (std::size_t k = 0; k < n; ++k) {
    std::string_view x = k < a.release.size() ? a.release[k] : "0";
    std::string_view y = k < b.release.size() ? b.release[k] : "0";
    if (int c = compare_digits(x, y)) return c;
  }
  if (a.pre_rank != b.pre_rank) return a.pre_rank < b.pre_rank ? -1 : 1;
  if (a.pre_rank >= 1 && a.pre_rank <= 3)
    if (int c = compare_digits(a.pre_num, b.pre_num)) return c;
  if (a.has_post != b.has_post) return a.has_post ? 1 : -1;
  if (a.has_post)
    if (int c = compare_digits(a.post_num, b.post_num)) return c;
  if (a.has_dev != b.has_dev) return a.has_dev ? -1 : 1;
  if (a.has_dev)
    if (int c = compare_digits(a.dev_num, b.dev_num)) return c;
  if (a.local.empty() != b.local.empty()) return a.local.empty() ? -1 : 1;
  for (std::size_t k = 0; k < a.local.size() && k < b.local.size(); ++k) {
    bool an = all_digits(a.local[k]), bn = all_digits(b.local[k]);
    if (an && bn) {
      if (int c = compare_digits(a.local[k], b.local[k])) return c;
    } else if (an != bn) {
      return an ? 1 : -1;  // numeric segments sort after alphanumeric ones
    } else if (int c = sign(a.local[k].compare(b.local[k]))) {
      return c;
    }
  }
  if (a.local.size() != b.local.size()) return a.local.size() < b.local.size() ? -1 : 1;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Maven ComparableVersion. Lists live in a pool and refer to each other by index, so the tree is
// built without owning pointers; nesting is bounded by kMaxVersionLength.

struct MavenItem {
  enum class Type { kInt, kString, kList } type;
  std::string value;     // digits (kInt) or the canonical qualifier (kString)
  std::size_t list = 0;  // index into the pool (kList)
};

struct MavenVersion {
  std::vector<std::vector<MavenItem>> pool;  // pool[0] is the root
};

constexpr std::array<std::string_view, 7> kMavenQualifiers = {"alpha", "beta", "milestone", "rc",
                                                               "snapshot", "", "sp"};
constexpr std::string_view kMavenReleaseIndex = "5";

std::string maven_comparable_qualifier(const std::string& q) {
  for (std::size_t k = 0; k < kMavenQualifiers.size(); ++k)
    if (kMavenQualifiers[k] == q) return std::to_string(k);
  return std::to_string(kMavenQualifiers.size()) + "-" + q;
}

MavenItem maven_string_item(std::string v, bool followed_by_digit) {
  if (followed_by_digit && v.size() == 1) {
    if (v == "a") v = "alpha";
    else if (v == "b") v = "beta";
    else if (v == "m") v = "milestone";
  }
  if (v == "ga" || v == "final" || v == "release") v = "";
  else if (v == "cr") v = "rc";
  return {MavenItem::Type::kString, std::move(v), 0};
}

MavenItem maven_parse_item(bool digit, std::string_view buf) {
  if (digit) {
    while (buf.size() > 1 && buf.front() == '0') buf.remove_prefix(1);
    return {MavenItem::Type::kInt, std::string(buf), 0};
  }
  return maven_string_item(std::string(buf), false);
}

bool maven_is_null(const MavenVersion& mv, const MavenItem& it) {
  switch (it.type) {
    case MavenItem::Type::kInt: return it.value == "0";
    case MavenItem::Type::kString: return it.value.empty();
    case MavenItem::Type::kList: return mv.pool[it.list].empty();
  }
  return false;
}

MavenVersion parse_maven(std::string_view input) {
  std::string v = to_lower(input);
  MavenVersion mv;
  mv.pool.emplace_back();
  std::size_t list = 0;
  std::vector<std::size_t> stack{0};
  auto new_list = [&] {
    mv.pool.emplace_back();
    std::size_t idx = mv.pool.size() - 1;
    mv.pool[list].push_back({MavenItem::Type::kList, {}, idx});
    list = idx;
    stack.push_back(idx);
  };
  bool digit = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '.' || c == '-') {
      if (i == start) mv.pool[list].push_back({MavenItem::Type::kInt, "0", 0});
      else mv.pool[list].push_back(maven_parse_item(digit, std::string_view(v).substr(start, i - start)));
      start = i + 1;
      if (c == '-') new_list();
    } else if (is_digit(c)) {
      if (!digit && i > start) {
        mv.pool[list].push_back(maven_string_item(v.substr(start, i - start), true));
        start = i;
        new_list();
      }
      digit = true;
    } else {
      if (digit && i > start) {
        mv.pool[list].push_back(maven_parse_item(true, std::string_view(v).substr(start, i - start)));
        start = i;
        new_list();
      }
      digit = false;
    }
  }
  if (v.size() > start) mv.pool[list].push_back(maven_parse_item(digit, std::string_view(v).substr(start)));
  // normalize(): innermost lists first, dropping trailing null items up to the first non-list.
  while (!stack.empty()) {
    auto& items = mv.pool[stack.back()];
    stack.pop_back();
    for (std::size_t k = items.size(); k-- > 0;) {
      if (maven_is_null(mv, items[k])) items.erase(items.begin() + static_cast<std::ptrdiff_t>(k));
      else if (items[k].type != MavenItem::Type::kList) break;
    }
  }
  return mv;
}

// Item.compareTo(other); `b == nullptr` is Java's null. Recursion depth is the list nesting,
// bounded by the version length (kMaxVersionLength).
int maven_compare(const MavenVersion& va, const MavenItem* a, const MavenVersion& vb,
                  const MavenItem* b);

int maven_compare_lists(const MavenVersion& va, std::size_t la, const MavenVersion& vb,
                        std::size_t lb) {
  const auto& x = va.pool[la];
  const auto& y = vb.pool[lb];
  std::size_t n = std::max(x.size(), y.size());
  for (std::size_t k = 0; k < n; ++k) {
    const MavenItem* l = k < x.size() ? &x[k] : nullptr;
    const MavenItem* r = k < y.size() ? &y[k] : nullptr;
    int c;
    if (l == nullptr) c = r == nullptr ? 0 : -maven_compare(vb, r, va, nullptr);
    else c = maven_compare(va, l, vb, r);
    if (c != 0) return c;
  }
  return 0;
}

int maven_compare(const MavenVersion& va, const MavenItem* a, const MavenVersion& vb,
                  const MavenItem* b) {
  using T = MavenItem::Type;
  switch (a->type) {
    case T::kInt:
      if (b == nullptr) return a->value == "0" ? 0 : 1;
      if (b->type == T::kInt) return compare_digits(a->value, b->value);
      return 1;
    case T::kString:
      if (b == nullptr)
        return sign(maven_comparable_qualifier(a->value).compare(kMavenReleaseIndex));
      if (b->type == T::kString)
        return sign(maven_comparable_qualifier(a->value).compare(maven_comparable_qualifier(b->value)));
      return -1;
    case T::kList: {
      const auto& items = va.pool[a->list];
      if (b == nullptr) return items.empty() ? 0 : maven_compare(va, &items[0], vb, nullptr);
      if (b->type == T::kInt) return -1;
      if (b->type == T::kString) return 1;
      return maven_compare_lists(va, a->list, vb, b->list);
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Alpine (apk-tools 2.x src/version.c: next_token / get_token / apk_version_compare).

enum AlpineToken : int {
  kTokInvalid = -1,
  kTokDigitOrZero = 0,
  kTokDigit = 1,
  kTokLetter = 2,
  kTokSuffix = 3,
  kTokSuffixNo = 4,
  kTokRevisionNo = 5,
  kTokEnd = 6,
};

void alpine_next_token(int& type, std::string_view& s) {
  int n = kTokInvalid;
  if (s.empty() || s[0] == 0) {
    n = kTokEnd;
  } else if ((type == kTokDigit || type == kTokDigitOrZero) && s[0] >= 'a' && s[0] <= 'z') {
    n = kTokLetter;
  } else if (type == kTokLetter && is_digit(s[0])) {
    n = kTokDigit;
  } else if (type == kTokSuffix && is_digit(s[0])) {
    n = kTokSuffixNo;
  } else {
    switch (s[0]) {
      case '.': n = kTokDigitOrZero; break;
      case '_': n = kTokSuffix; break;
      case '-':
        if (s.size() > 1 && s[1] == 'r') {
          n = kTokRevisionNo;
          s.remove_prefix(1);
        }
        break;
      default: break;
    }
    s.remove_prefix(1);
  }
  if (n < type) {
    if (!((n == kTokDigitOrZero && type == kTokDigit) || (n == kTokSuffix && type == kTokSuffixNo) ||
          (n == kTokDigit && type == kTokLetter)))
      n = kTokInvalid;
  }
  type = n;
}

// Token values as apk computes them, saturated so 20-digit numbers do not overflow.
std::int64_t alpine_get_token(int& type, std::string_view& s) {
  static constexpr std::array<std::string_view, 4> kPreSuffixes = {"alpha", "beta", "pre", "rc"};
  static constexpr std::array<std::string_view, 5> kPostSuffixes = {"cvs", "svn", "git", "hg", "p"};
  constexpr std::int64_t kSaturate = INT64_C(1) << 60;
  std::int64_t v = 0;
  std::size_t i = 0;
  int nt = kTokInvalid;
  if (s.empty()) {
    type = kTokEnd;
    return 0;
  }
  bool digits = false;
  switch (type) {
    case kTokDigitOrZero: {
      // apk 2.x gives leading zeros a negative value ("1.01" < "1.1"). Taken literally that rule
      // also turns a lone "0" into a zero-length token, which orders "1.0_rc1" after "1.0"; Assay
      // applies it only when more digits follow, which keeps both orders apk users expect.
      std::size_t zeros = 0;
      while (zeros < s.size() && s[zeros] == '0') ++zeros;
      if (zeros > 0 && zeros < s.size() && is_digit(s[zeros])) {
        i = zeros;
        nt = kTokDigit;
        v = -static_cast<std::int64_t>(i);
        break;
      }
      digits = true;
      break;
    }
    case kTokDigit:
    case kTokSuffixNo:
    case kTokRevisionNo: digits = true; break;
    case kTokLetter: v = static_cast<unsigned char>(s[i++]); break;
    case kTokSuffix: {
      bool found = false;
      for (std::size_t k = 0; k < kPreSuffixes.size() && !found; ++k) {
        if (s.substr(0, kPreSuffixes[k].size()) == kPreSuffixes[k]) {
          i = kPreSuffixes[k].size();
          v = static_cast<std::int64_t>(k) - static_cast<std::int64_t>(kPreSuffixes.size());
          found = true;
        }
      }
      for (std::size_t k = 0; k < kPostSuffixes.size() && !found; ++k) {
        if (s.substr(0, kPostSuffixes[k].size()) == kPostSuffixes[k]) {
          i = kPostSuffixes[k].size();
          v = static_cast<std::int64_t>(k);
          found = true;
        }
      }
      if (!found) {
        type = kTokInvalid;
        return -1;
      }
      break;
    }
    default: type = kTokInvalid; return -1;
  }
  if (digits) {
    while (i < s.size() && is_digit(s[i])) {
      v = v >= kSaturate / 10 ? kSaturate : std::min(kSaturate, v * 10 + (s[i] - '0'));
      ++i;
    }
  }
  s.remove_prefix(i);
  if (s.empty()) type = kTokEnd;
  else if (nt != kTokInvalid) type = nt;
  else alpine_next_token(type, s);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Generic upstream order (docs/versions.md).

struct GenericToken {
  bool number = false;
  std::string_view text;  // digits, or a lower-cased word
  int rank = 0;           // words: 0..4 pre-release ranks, 10 = patch level
};

int generic_word_rank(std::string_view w, bool* skip) {
  *skip = false;
  if (w == "dev" || w == "snapshot" || w == "nightly") return 0;
  if (w == "alpha") return 1;
  if (w == "beta") return 2;
  if (w == "pre" || w == "preview" || w == "test") return 3;
  if (w == "rc") return 4;
  if (w == "final" || w == "release" || w == "stable" || w == "ga") {
    *skip = true;
    return 0;
  }
  return 10;  // a patch level: 1.0.2k, 7.4p1
}

std::vector<GenericToken> generic_tokens(const std::string& s) {
  std::vector<GenericToken> out;
  std::size_t i = 0;
  if (s.size() > 1 && s[0] == 'v' && is_digit(s[1])) i = 1;
  while (i < s.size()) {
    std::size_t start = i;
    if (is_digit(s[i])) {
      while (i < s.size() && is_digit(s[i])) ++i;
      out.push_back({true, std::string_view(s).substr(start, i - start), 0});
    } else if (is_alpha(s[i])) {
      while (i < s.size() && is_alpha(s[i])) ++i;
      std::string_view w = std::string_view(s).substr(start, i - start);
      bool skip = false;
      int rank = generic_word_rank(w, &skip);
      if (!skip) out.push_back({false, w, rank});
    } else {
      ++i;  // separators carry no order
    }
  }
  return out;
}

}  // namespace

VersionScheme scheme_for_ecosystem(std::string_view eco) noexcept {
  auto base = eco.substr(0, eco.find(':'));
  if (base == "Debian" || base == "Ubuntu") return VersionScheme::kDebian;
  if (base == "Red Hat" || base == "Rocky Linux" || base == "AlmaLinux" || base == "SUSE" ||
      base == "openSUSE" || base == "Mageia" || base == "Photon OS" || base == "openEuler" ||
      base == "Oracle Linux" || base == "Fedora" || base == "CentOS")
    return VersionScheme::kRpm;
  if (base == "Alpine" || base == "Wolfi" || base == "Chainguard") return VersionScheme::kAlpine;
  if (base == "npm" || base == "Go" || base == "crates.io" || base == "Hex" || base == "NuGet" ||
      base == "Pub" || base == "SwiftURL")
    return VersionScheme::kSemver;
  if (base == "PyPI") return VersionScheme::kPep440;
  if (base == "Maven") return VersionScheme::kMaven;
  return VersionScheme::kGeneric;
}

std::string_view scheme_name(VersionScheme s) noexcept {
  switch (s) {
    case VersionScheme::kDebian: return "debian";
    case VersionScheme::kRpm: return "rpm";
    case VersionScheme::kSemver: return "semver";
    case VersionScheme::kPep440: return "pep440";
    case VersionScheme::kMaven: return "maven";
    case VersionScheme::kAlpine: return "alpine";
    case VersionScheme::kGeneric: return "generic upstream";
  }
  return "generic upstream";
}

int compare_debian(std::string_view a, std::string_view b) {
  if (a.size() > kMaxVersionLength || b.size() > kMaxVersionLength) return compare_generic(a, b);
  DebVersion x = split_debian(a), y = split_debian(b);
  if (int c = compare_digits(x.epoch.empty() ? "0" : x.epoch, y.epoch.empty() ? "0" : y.epoch))
    return c;
  if (int c = sign(verrevcmp(x.upstream, y.upstream))) return c;
  return sign(verrevcmp(x.revision, y.revision));
}

int rpmvercmp(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  std::size_t i = 0, j = 0;
  auto at = [](std::string_view s, std::size_t k) { return k < s.size() ? s[k] : '\0'; };
  while (i < a.size() || j < b.size()) {
    while (i < a.size() && !is_alnum(a[i]) && a[i] != '~' && a[i] != '^') ++i;
    while (j < b.size() && !is_alnum(b[j]) && b[j] != '~' && b[j] != '^') ++j;
    char ca = at(a, i), cb = at(b, j);
    if (ca == '~' || cb == '~') {
      if (ca != '~') return 1;
      if (cb != '~') return -1;
      ++i;
      ++j;
      continue;
    }
    if (ca == '^' || cb == '^') {
      if (ca == '\0') return -1;
      if (cb == '\0') return 1;
      if (ca != '^') return 1;
      if (cb != '^') return -1;
      ++i;
      ++j;
      continue;
    }
    if (ca == '\0' || cb == '\0') break;
    std::size_t ei = i, ej = j;
    bool isnum = is_digit(ca);
    if (isnum) {
      while (ei < a.size() && is_digit(a[ei])) ++ei;
      while (ej < b.size() && is_digit(b[ej])) ++ej;
    } else {
      while (ei < a.size() && is_alpha(a[ei])) ++ei;
      while (ej < b.size() && is_alpha(b[ej])) ++ej;
    }
    if (ei == i) return -1;  // cannot happen: a[i] is alnum
    if (ej == j) return isnum ? 1 : -1;
    std::string_view sa = a.substr(i, ei - i), sb = b.substr(j, ej - j);
    int rc = isnum ? compare_digits(sa, sb) : sign(sa.compare(sb));
    if (rc) return rc;
    i = ei;
    j = ej;
  }
  bool ea = i >= a.size(), eb = j >= b.size();
  if (ea && eb) return 0;
  return ea ? -1 : 1;
}

int compare_rpm(std::string_view a, std::string_view b) {
  struct Evr {
    std::string_view e = "0", v;
    std::string_view r;
    bool has_r = false;
  };
  auto parse = [](std::string_view s) {
    Evr out;
    std::size_t k = 0;
    while (k < s.size() && is_digit(s[k])) ++k;
    if (k < s.size() && s[k] == ':') {
      out.e = k == 0 ? std::string_view("0") : s.substr(0, k);
      s = s.substr(k + 1);
    }
    if (auto dash = s.rfind('-'); dash != std::string_view::npos) {
      out.r = s.substr(dash + 1);
      out.has_r = true;
      s = s.substr(0, dash);
    }
    out.v = s;
    return out;
  };
  Evr x = parse(a), y = parse(b);
  if (int c = rpmvercmp(x.e, y.e)) return c;
  if (int c = rpmvercmp(x.v, y.v)) return c;
  // rpm 4.18's rpm.vercmp compares releases even when one side has none ("1.0" < "1.0-1"): an
  // advisory's fixed "1.0" then does not cover the later "1.0-3" build.
  return rpmvercmp(x.r, y.r);
}

int compare_semver(std::string_view a, std::string_view b) {
  Semver x, y;
  if (!parse_semver(a, x) || !parse_semver(b, y)) return compare_generic(a, b);
  return compare_semver_parsed(x, y);
}

int compare_pep440(std::string_view a, std::string_view b) {
  std::string la = to_lower(a), lb = to_lower(b);
  Pep440 x, y;
  if (!parse_pep440(la, x) || !parse_pep440(lb, y)) return compare_generic(a, b);
  return compare_pep440_parsed(x, y);
}

int compare_maven(std::string_view a, std::string_view b) {
  if (a.size() > kMaxVersionLength || b.size() > kMaxVersionLength) return compare_generic(a, b);
  MavenVersion x = parse_maven(a), y = parse_maven(b);
  return sign(maven_compare_lists(x, 0, y, 0));
}

int compare_alpine(std::string_view a, std::string_view b) {
  int at = kTokDigit, bt = kTokDigit;
  std::int64_t av = 0, bv = 0;
  while (at == bt && at != kTokEnd && at != kTokInvalid && av == bv) {
    av = alpine_get_token(at, a);
    bv = alpine_get_token(bt, b);
  }
  if (av < bv) return -1;
  if (av > bv) return 1;
  if (at == bt) return 0;
  int tt = at;
  if (at == kTokSuffix && alpine_get_token(tt, a) < 0) return -1;
  tt = bt;
  if (bt == kTokSuffix && alpine_get_token(tt, b) < 0) return 1;
  if (at > bt) return -1;
  if (bt > at) return 1;
  return 0;
}

int compare_generic(std::string_view a, std::string_view b) {
  std::string la = to_lower(a), lb = to_lower(b);
  if (la.size() > kMaxVersionLength * 16) la.resize(kMaxVersionLength * 16);
  if (lb.size() > kMaxVersionLength * 16) lb.resize(kMaxVersionLength * 16);
  auto x = generic_tokens(la), y = generic_tokens(lb);
  std::size_t i = 0, j = 0;
  while (i < x.size() || j < y.size()) {
    const GenericToken* p = i < x.size() ? &x[i] : nullptr;
    const GenericToken* q = j < y.size() ? &y[j] : nullptr;
    if (p && q) {
      if (p->number && q->number) {
        if (int c = compare_digits(p->text, q->text)) return c;
      } else if (p->number != q->number) {
        return p->number ? 1 : -1;  // 1.0.1 > 1.0rc1 and 1.0.1 > 1.0a
      } else {
        if (p->rank != q->rank) return p->rank < q->rank ? -1 : 1;
        if (p->rank == 10)
          if (int c = sign(p->text.compare(q->text))) return c;
      }
      ++i;
      ++j;
      continue;
    }
    // One side ended: trailing zeros are equal (1.0 == 1.0.0), a number or patch level beyond
    // the end is newer (1.0.2k > 1.0.2), a pre-release word is older (1.0rc1 < 1.0).
    const GenericToken* rest = p ? p : q;
    int dir = p ? 1 : -1;
    if (rest->number) {
      if (compare_digits(rest->text, "0") != 0) return dir;
    } else {
      return rest->rank == 10 ? dir : -dir;
    }
    if (p) ++i;
    else ++j;
  }
  return 0;
}

int compare_versions(VersionScheme scheme, std::string_view a, std::string_view b) {
  switch (scheme) {
    case VersionScheme::kDebian: return compare_debian(a, b);
    case VersionScheme::kRpm: return compare_rpm(a, b);
    case VersionScheme::kSemver: return compare_semver(a, b);
    case VersionScheme::kPep440: return compare_pep440(a, b);
    case VersionScheme::kMaven: return compare_maven(a, b);
    case VersionScheme::kAlpine: return compare_alpine(a, b);
    case VersionScheme::kGeneric: return compare_generic(a, b);
  }
  return compare_generic(a, b);
}

bool valid_version(VersionScheme scheme, std::string_view v) {
  if (v.empty()) return false;
  switch (scheme) {
    case VersionScheme::kSemver: {
      Semver s;
      return parse_semver(v, s);
    }
    case VersionScheme::kPep440: {
      Pep440 p;
      std::string l = to_lower(v);
      return parse_pep440(l, p);
    }
    case VersionScheme::kDebian: {
      DebVersion d = split_debian(v);
      return !d.upstream.empty() && is_digit(d.upstream.front()) &&
             (d.epoch.empty() || all_digits(d.epoch));
    }
    default: return true;
  }
}

std::string normalize_tag(std::string_view tag, std::string_view package) {
  std::string t = to_lower(tag);
  std::string p = to_lower(package);
  std::string_view s = t;
  if (!p.empty() && s.size() > p.size() && s.substr(0, p.size()) == p &&
      (s[p.size()] == '-' || s[p.size()] == '_'))
    s.remove_prefix(p.size() + 1);
  while (!s.empty() && !is_digit(s.front())) s.remove_prefix(1);
  std::string out(s);
  // "7_58_0" is how CVS-era projects spell 7.58.0 in a tag.
  if (out.find('.') == std::string::npos) {
    for (std::size_t k = 0; k < out.size(); ++k) {
      if (out[k] == '_' && k > 0 && is_digit(out[k - 1]) && k + 1 < out.size() && is_digit(out[k + 1]))
        out[k] = '.';
    }
  }
  for (std::string_view suffix : {"-stable", "-release", "-final"}) {
    if (out.size() > suffix.size() && out.compare(out.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.resize(out.size() - suffix.size());
  }
  return out;
}

}  // namespace assay::vulndb
