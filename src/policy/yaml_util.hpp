#pragma once
// Reading hand-written YAML (policies, declarations, waivers) with errors a person can act on:
// every message names the file, the line and what was expected. yaml-cpp throws; callers catch
// yaml::Exception at their boundary, these helpers never throw on their own.

#include "core/embedded.hpp"

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace assay::policy::detail {

/// Hand-written files are small: anything larger is a mistake or an attack on the parser.
inline constexpr std::size_t kMaxYamlBytes = 4u << 20;
/// No list in these files needs more entries; a longer one is an error, not a loop bound.
inline constexpr std::size_t kMaxListItems = 4096;
/// Errors collected before giving up: enough to fix a file in one round.
inline constexpr std::size_t kMaxErrors = 20;

/// Collects errors with their location; the first kMaxErrors are kept.
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}
  void set_context(std::string ctx) { context_ = std::move(ctx); }
  void error(const yaml::Node& at, const std::string& message) {
    int line = at.IsDefined() && at.Mark().line >= 0 ? at.Mark().line + 1 : 0;
    error_at(line, message);
  }
  void error_at(int line, const std::string& message) {
    if (messages_.size() >= kMaxErrors) return;
    std::string where = file_;
    if (line > 0) where += fmt::format(":{}", line);
    if (!context_.empty()) where += ": " + context_;
    messages_.push_back(where + ": " + message);
  }
  bool ok() const { return messages_.empty(); }
  std::string joined() const {
    std::string out;
    for (const auto& m : messages_) {
      if (!out.empty()) out += "\n";
      out += m;
    }
    return out;
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::string context_;
  std::vector<std::string> messages_;
};

inline int line_of(const yaml::Node& n) { return n.IsDefined() && n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

/// True when `s` is well-formed UTF-8. Every string read here ends up in the JSON report, whose
/// writer rejects anything else; a file with stray bytes is an input error, not a crash later.
inline bool valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    unsigned char c = byte(0);
    std::size_t n = 0;
    if (c < 0x80)
      n = 0;
    else if (c >= 0xC2 && c <= 0xDF)
      n = 1;
    else if (c >= 0xE0 && c <= 0xEF)
      n = 2;
    else if (c >= 0xF0 && c <= 0xF4)
      n = 3;
    else
      return false;
    if (n > s.size() - i - 1) return false;
    for (std::size_t k = 1; k <= n; ++k)
      if ((byte(k) & 0xC0) != 0x80) return false;
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF.
    if ((c == 0xE0 && byte(1) < 0xA0) || (c == 0xED && byte(1) > 0x9F) || (c == 0xF0 && byte(1) < 0x90) ||
        (c == 0xF4 && byte(1) > 0x8F))
      return false;
    i += n + 1;
  }
  return true;
}

/// Reports every key of mapping `m` not in `allowed` (a typo must not silently disable a check).
inline void check_keys(Diagnostics& d, const yaml::Node& m, std::initializer_list<std::string_view> allowed,
                       std::string_view what) {
  if (!m.IsMap()) return;
  for (const auto& kv : m) {
    std::string key = kv.first.IsScalar() && valid_utf8(kv.first.Scalar()) ? kv.first.Scalar() : std::string("?");
    bool found = false;
    for (auto a : allowed) found = found || a == key;
    if (!found) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      d.error(kv.first, fmt::format("unknown key '{}' in {} (allowed: {})", key, what, list));
    }
  }
}

/// A scalar as a string; errors when the node is present but not a scalar or not UTF-8.
inline std::optional<std::string> scalar(Diagnostics& d, const yaml::Node& n, std::string_view what) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsScalar()) {
    d.error(n, fmt::format("'{}' must be a single value", what));
    return std::nullopt;
  }
  if (!valid_utf8(n.Scalar())) {
    d.error(n, fmt::format("'{}' is not valid UTF-8", what));
    return std::nullopt;
  }
  return n.Scalar();
}

inline std::string required_scalar(Diagnostics& d, const yaml::Node& parent, const char* key, std::string_view what) {
  yaml::Node n = parent[key];
  auto v = scalar(d, n, key);
  if (!v || v->empty()) {
    if (!n.IsDefined() || n.IsNull()) d.error(parent, fmt::format("{} needs '{}'", what, key));
    return {};
  }
  return *v;
}

/// A scalar or a list of scalars, as a list.
inline std::vector<std::string> string_list(Diagnostics& d, const yaml::Node& n, std::string_view what) {
  std::vector<std::string> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (n.IsScalar()) {
    if (valid_utf8(n.Scalar()))
      out.push_back(n.Scalar());
    else
      d.error(n, fmt::format("'{}' is not valid UTF-8", what));
    return out;
  }
  if (!n.IsSequence()) {
    d.error(n, fmt::format("'{}' must be a value or a list of values", what));
    return out;
  }
  if (n.size() > kMaxListItems) {
    d.error(n, fmt::format("'{}' has {} entries (at most {})", what, n.size(), kMaxListItems));
    return out;
  }
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      d.error(item, fmt::format("entries of '{}' must be single values", what));
      continue;
    }
    if (!valid_utf8(item.Scalar())) {
      d.error(item, fmt::format("an entry of '{}' is not valid UTF-8", what));
      continue;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

inline std::optional<bool> boolean(Diagnostics& d, const yaml::Node& n, std::string_view what) {
  auto v = scalar(d, n, what);
  if (!v) return std::nullopt;
  if (*v == "true" || *v == "yes") return true;
  if (*v == "false" || *v == "no") return false;
  d.error(n, fmt::format("'{}' must be true or false, not '{}'", what, *v));
  return std::nullopt;
}

inline std::optional<double> number(Diagnostics& d, const yaml::Node& n, std::string_view what) {
  auto v = scalar(d, n, what);
  if (!v) return std::nullopt;
  char* end = nullptr;
  double x = std::strtod(v->c_str(), &end);
  if (v->empty() || end != v->c_str() + v->size() || !(x == x)) {
    d.error(n, fmt::format("'{}' must be a number, not '{}'", what, *v));
    return std::nullopt;
  }
  return x;
}

}  // namespace assay::policy::detail
