// Small helpers of the policy stage: globbing, names, dates and the words `assay policy show`
// and the report use to explain a check.

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>

#include "core/embedded.hpp"

#include <fmt/format.h>

#include "core/embedded.hpp"
#include "policy/model.hpp"
#include "policy/yaml_util.hpp"

namespace assay::policy {

bool glob_match(std::string_view pattern, std::string_view text) noexcept {
  // The classic two-pointer wildcard match: on a mismatch after a '*', retry one character
  // further. O(|pattern| * |text|) worst case, no recursion, no allocation.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string_view on_fail_name(OnFail v) noexcept {
  switch (v) {
    case OnFail::kFail: return "fail";
    case OnFail::kConditional: return "conditional";
    case OnFail::kAdvisory: return "advisory";
  }
  return "fail";
}

std::string_view outcome_name(Outcome v) noexcept { return v == Outcome::kFail ? "fail" : "needs-review"; }

std::optional<int> confidence_rank(std::string_view word) noexcept {
  if (word == "low") return 0;
  if (word == "medium") return 1;
  if (word == "high") return 2;
  return std::nullopt;
}

std::optional<std::string> normalize_date(std::string_view s) {
  auto digits = [&](std::size_t from, std::size_t n) {
    for (std::size_t i = from; i < from + n; ++i)
      if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    return true;
  };
  if (s.size() != 7 && s.size() != 10) return std::nullopt;
  if (!digits(0, 4) || s[4] != '-' || !digits(5, 2)) return std::nullopt;
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  if (month < 1 || month > 12) return std::nullopt;
  if (s.size() == 7) return std::string(s) + "-31";  // compares as the month's last day
  if (s[7] != '-' || !digits(8, 2)) return std::nullopt;
  int day = (s[8] - '0') * 10 + (s[9] - '0');
  if (day < 1 || day > 31) return std::nullopt;
  return std::string(s);
}

Result<std::string> read_small_file(const std::string& path, std::string_view what) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return make_error(Errc::kUsage, fmt::format("cannot read {} file {}", what, path));
  std::string content;
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    content.append(buf, n);
    if (content.size() > detail::kMaxYamlBytes) {
      std::fclose(f);
      return make_error(Errc::kUsage, fmt::format("{} file {} is larger than {} bytes", what, path,
                                                  detail::kMaxYamlBytes));
    }
  }
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return make_error(Errc::kUsage, fmt::format("cannot read {} file {}", what, path));
  return content;
}

std::optional<std::string_view> embedded_text(std::string_view path) noexcept {
  for (const auto& f : embedded_files())
    if (f.path == path) return f.data;
  return std::nullopt;
}

std::string today_utc() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

bool known_product_kind(std::string_view kind) noexcept {
  static constexpr std::string_view kKinds[] = {"android-app",      "ios-app",  "linux-rootfs",
                                                "firmware-image",   "linux-package", "windows-software",
                                                "software"};
  return std::find(std::begin(kKinds), std::end(kKinds), kind) != std::end(kKinds);
}

namespace {

std::string join_or(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += i + 1 == v.size() ? " or " : ", ";
    out += v[i];
  }
  return out;
}

std::string join_and(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += i + 1 == v.size() ? " and " : ", ";
    out += v[i];
  }
  return out;
}

std::string describe_selector(const FindingSelector& s) {
  std::vector<std::string> parts;
  if (!s.rules.empty()) parts.push_back("rule " + join_or(s.rules));
  if (!s.not_rules.empty()) parts.push_back("rule not " + join_or(s.not_rules));
  if (!s.categories.empty()) {
    std::vector<std::string> c;
    for (auto cat : s.categories) c.emplace_back(category_name(cat));
    parts.push_back("category " + join_or(c));
  }
  if (!s.tags_any.empty()) parts.push_back("tagged " + join_or(s.tags_any));
  if (!s.tags_all.empty()) parts.push_back("tagged " + join_and(s.tags_all));
  if (s.min_severity) parts.push_back(fmt::format("severity {} or higher", severity_name(*s.min_severity)));
  if (s.min_cvss) parts.push_back(fmt::format("CVSS {:.1f} or higher", *s.min_cvss));
  if (s.min_confidence == 1) parts.push_back("confidence medium or high");
  if (s.min_confidence == 2) parts.push_back("confidence high");
  if (parts.empty()) return "any finding";
  return join_and(parts);
}

nlohmann::json selector_spec(const FindingSelector& s) {
  nlohmann::json j = nlohmann::json::object();
  if (!s.rules.empty()) j["rule"] = s.rules;
  if (!s.not_rules.empty()) j["not_rule"] = s.not_rules;
  if (!s.categories.empty()) {
    auto& c = j["category"] = nlohmann::json::array();
    for (auto cat : s.categories) c.push_back(std::string(category_name(cat)));
  }
  if (!s.tags_any.empty()) j["tags_any"] = s.tags_any;
  if (!s.tags_all.empty()) j["tags_all"] = s.tags_all;
  if (s.min_severity) j["min_severity"] = std::string(severity_name(*s.min_severity));
  if (s.min_cvss) j["min_cvss"] = *s.min_cvss;
  if (s.min_confidence > 0) j["min_confidence"] = s.min_confidence == 1 ? "medium" : "high";
  return j;
}

}  // namespace

std::string describe(const Check& c) {
  std::string verdict = c.otherwise == Outcome::kFail ? "fails" : "needs review";
  std::string text;
  switch (c.type) {
    case Check::Type::kFindings:
      text = fmt::format("{} when {} unsuppressed finding{} {}", verdict,
                         c.max_matches == 0 ? std::string("any") : fmt::format("more than {}", c.max_matches),
                         c.max_matches == 0 ? "" : "s", "matches: " + describe_selector(c.select));
      if (c.except_declared) text += " (findings the vendor's declaration accounts for do not count)";
      break;
    case Check::Type::kFact: {
      std::string what = "a fact of type " + join_or(c.fact_types);
      if (!c.fact_path.empty()) what += " on a path matching " + c.fact_path;
      if (!c.field.empty())
        what += c.equals ? fmt::format(" whose field {} equals {}", c.field, c.equals->dump())
                         : fmt::format(" with the field {}", c.field);
      text = fmt::format("{} when {} {}", verdict, what, c.expect_present ? "is missing" : "is present");
      break;
    }
    case Check::Type::kComponents:
      text = fmt::format("{} when the inventory (SBOM) has fewer than {} component{}", verdict, c.min_components,
                         c.min_components == 1 ? "" : "s");
      break;
    case Check::Type::kDeclaration: {
      std::string none = c.if_undeclared == Undeclared::kSkip     ? "is not applicable"
                         : c.if_undeclared == Undeclared::kFail ? "fails"
                                                                : "needs review";
      text = fmt::format("{} when the vendor's declaration does not give {}; without a declaration it {}", verdict,
                         c.field, none);
      break;
    }
  }
  if (!c.from_set.empty()) text = "[" + c.from_set + "] " + text;
  if (!c.note.empty()) text += " — " + c.note;
  return text;
}

nlohmann::json check_spec(const Check& c) {
  nlohmann::json j = nlohmann::json::object();
  switch (c.type) {
    case Check::Type::kFindings:
      j["findings"] = selector_spec(c.select);
      if (c.max_matches > 0) j["max"] = c.max_matches;
      if (c.except_declared) j["except_declared"] = true;
      break;
    case Check::Type::kFact: {
      nlohmann::json f = {{"type", c.fact_types}};
      if (!c.fact_path.empty()) f["path"] = c.fact_path;
      if (!c.field.empty()) f["field"] = c.field;
      if (c.equals) f["equals"] = *c.equals;
      j["fact"] = f;
      j["expect"] = c.expect_present ? "present" : "absent";
      break;
    }
    case Check::Type::kComponents: j["components"] = {{"min", c.min_components}}; break;
    case Check::Type::kDeclaration:
      j["declaration"] = {{"field", c.field}};
      j["if_undeclared"] = c.if_undeclared == Undeclared::kSkip   ? "not-applicable"
                           : c.if_undeclared == Undeclared::kFail ? "fail"
                                                                  : "review";
      break;
  }
  j["otherwise"] = c.otherwise == Outcome::kFail ? "fail" : "review";
  if (!c.from_set.empty()) j["set"] = c.from_set;
  if (!c.note.empty()) j["note"] = c.note;
  return j;
}

}  // namespace assay::policy

namespace assay::policy {

namespace {

/// rules/declaration.yaml, read once. It is embedded in the binary, so a failure here is a build
/// defect; it is still a value, not a crash.
const Result<std::map<std::string, Finding, std::less<>>>& rule_docs() {
  static const Result<std::map<std::string, Finding, std::less<>>> docs =
      []() -> Result<std::map<std::string, Finding, std::less<>>> {
    auto text = embedded_text("rules/declaration.yaml");
    if (!text) return make_error(Errc::kInternal, "rules/declaration.yaml is not embedded");
    std::map<std::string, Finding, std::less<>> out;
    try {
      yaml::Node root = load_yaml(std::string(*text));
      for (const auto& r : root["rules"]) {
        Finding f;
        f.rule_id = r["id"].as<std::string>();
        std::string cat = r["category"].as<std::string>();
        bool found = false;
        for (int i = 0; i <= static_cast<int>(Category::kCoverage); ++i)
          if (category_name(static_cast<Category>(i)) == cat) {
            f.category = static_cast<Category>(i);
            found = true;
          }
        auto sev = severity_from_name(r["severity"].as<std::string>());
        if (!found || !sev)
          return make_error(Errc::kInternal, "rules/declaration.yaml: bad category or severity in " + f.rule_id);
        f.severity = *sev;
        f.title = r["title"].as<std::string>();
        f.remediation = r["remediation"].as<std::string>("");
        f.description = r["rationale"].as<std::string>("");
        if (r["cwe"].IsSequence())
          for (const auto& c : r["cwe"]) f.cwe.push_back(c.as<std::string>());
        if (r["references"].IsSequence())
          for (const auto& c : r["references"]) f.references.push_back(c.as<std::string>());
        if (r["tags"].IsSequence())
          for (const auto& c : r["tags"]) f.tags.push_back(c.as<std::string>());
        out.emplace(f.rule_id, std::move(f));
      }
    } catch (const yaml::Exception& e) {
      return make_error(Errc::kInternal, std::string("rules/declaration.yaml: ") + e.what());
    }
    return out;
  }();
  return docs;
}

}  // namespace

Result<Finding> rule_finding(std::string_view rule_id) {
  const auto& docs = rule_docs();
  if (!docs) return docs.error();
  auto it = docs->find(rule_id);
  if (it == docs->end())
    return make_error(Errc::kInternal, fmt::format("rule {} is not documented in rules/declaration.yaml", rule_id));
  return it->second;
}

}  // namespace assay::policy
