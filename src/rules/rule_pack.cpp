#include "rules/rule_pack.hpp"

#include "core/embedded.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include "core/embedded.hpp"

namespace assay::rules {
namespace {

using nlohmann::json;

// A user's --rules directory is input we do not control: the YAML-to-JSON copy kept for
// `rules show` stops at this depth (rule entries are two or three levels deep) instead of
// following a hostile document's nesting.
constexpr int kMaxYamlDepth = 16;
// And a rule file this big is not a rule file.
constexpr std::uintmax_t kMaxRuleFileBytes = 16u << 20;

json yaml_to_json(const yaml::Node& n, int depth) {
  if (depth > kMaxYamlDepth) return nullptr;
  switch (n.Type()) {
    case yaml::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted in the source: keep it a string
      if (s == "true" || s == "false") return s == "true";
      if (!s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) != 0 || s[0] == '-')) {
        char* end = nullptr;
        long long v = std::strtoll(s.c_str(), &end, 10);
        if (end != nullptr && *end == '\0') return v;
        double d = std::strtod(s.c_str(), &end);
        if (end != nullptr && *end == '\0') return d;
      }
      return s;
    }
    case yaml::NodeType::Sequence: {
      json a = json::array();
      for (const auto& c : n) a.push_back(yaml_to_json(c, depth + 1));
      return a;
    }
    case yaml::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = yaml_to_json(kv.second, depth + 1);
      return o;
    }
    default:
      return nullptr;
  }
}

std::string scalar(const yaml::Node& n, const char* key) {
  const yaml::Node v = n[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

std::vector<std::string> list(const yaml::Node& n, const char* key) {
  std::vector<std::string> out;
  const yaml::Node v = n[key];
  if (!v) return out;
  if (v.IsScalar()) {
    out.push_back(v.as<std::string>());
  } else if (v.IsSequence()) {
    for (const auto& e : v)
      if (e.IsScalar()) out.push_back(e.as<std::string>());
  }
  return out;
}

Result<PatternDef> parse_pattern(const yaml::Node& p, const std::string& where) {
  PatternDef d;
  if (p.IsScalar()) {  // shorthand: a bare string is a regex
    d.regex = p.as<std::string>();
    return d;
  }
  if (!p.IsMap()) return make_error(Errc::kMalformed, where + ": a pattern is a map {regex|literal, flags}");
  d.regex = scalar(p, "regex");
  d.literal = scalar(p, "literal");
  if (d.regex.empty() == d.literal.empty())
    return make_error(Errc::kMalformed, where + ": a pattern has exactly one of `regex` and `literal`");
  for (const auto& f : list(p, "flags")) {
    if (f == "caseless" || f == "nocase") d.caseless = true;
    else if (f == "singlematch" || f == "single") d.single_match = true;
    else if (f == "dotall") d.dot_all = true;
    else if (f == "endonly") d.end_only = true;
    else return make_error(Errc::kMalformed, fmt::format("{}: unknown pattern flag {:?}", where, f));
  }
  return d;
}

const char* const kCategories[] = {"backdoor", "privacy", "crypto", "vulnerability", "hardening", "integrity",
                                   "coverage"};

Result<RuleDef> parse_rule(const yaml::Node& r, const std::string& source) {
  const std::string where = fmt::format("{}: line {}", source, r.Mark().line + 1);
  if (!r.IsMap()) return make_error(Errc::kMalformed, where + ": a rule is a map");
  RuleDef d;
  d.source = source;
  d.id = scalar(r, "id");
  if (d.id.empty()) return make_error(Errc::kMalformed, where + ": rule without `id`");
  d.title = scalar(r, "title");
  d.category = scalar(r, "category");
  d.severity = scalar(r, "severity");
  if (!d.category.empty() &&
      std::find(std::begin(kCategories), std::end(kCategories), d.category) == std::end(kCategories))
    return make_error(Errc::kMalformed, fmt::format("{}: rule {}: unknown category {:?}", where, d.id, d.category));
  if (!d.severity.empty() && !severity_from_name(d.severity))
    return make_error(Errc::kMalformed, fmt::format("{}: rule {}: unknown severity {:?}", where, d.id, d.severity));
  d.rationale = scalar(r, "rationale");
  d.remediation = scalar(r, "remediation");
  d.references = list(r, "references");
  d.cwe = list(r, "cwe");
  d.tags = list(r, "tags");
  d.applies_to = list(r, "applies_to");
  if (auto c = scalar(r, "confidence"); !c.empty()) d.confidence = c;
  d.validate = scalar(r, "validate");
  d.mask = scalar(r, "mask") == "true";
  d.match_all = scalar(r, "match") == "all";
  if (auto e = scalar(r, "min_entropy"); !e.empty()) d.min_entropy = std::strtod(e.c_str(), nullptr);
  if (const yaml::Node ctx = r["context"]) {
    if (ctx.IsMap()) {
      d.context.kinds = list(ctx, "kinds");
      d.context.paths = list(ctx, "paths");
    } else {
      // A flat list: entries with a glob character or a slash are paths, the rest kinds.
      for (const auto& s : list(r, "context")) {
        if (s.find_first_of("*?/.") != std::string::npos) d.context.paths.push_back(s);
        else d.context.kinds.push_back(s);
      }
    }
  }
  if (const yaml::Node ps = r["patterns"]; ps && ps.IsSequence()) {
    for (const auto& p : ps) {
      auto pd = parse_pattern(p, fmt::format("{}: rule {}", where, d.id));
      if (!pd) return std::move(pd).error();
      d.patterns.push_back(std::move(*pd));
    }
  }
  d.raw = yaml_to_json(r, 0);
  d.raw["source"] = source;
  return d;
}

}  // namespace

Category RuleDef::category_value() const noexcept {
  for (std::size_t i = 0; i < std::size(kCategories); ++i)
    if (category == kCategories[i]) return static_cast<Category>(i);
  return Category::kIntegrity;
}

Severity RuleDef::severity_value() const noexcept { return severity_from_name(severity).value_or(Severity::kMedium); }

const RuleDef* RulePack::find(std::string_view id) const noexcept {
  for (const auto& r : rules)
    if (r.id == id) return &r;
  return nullptr;
}

Result<std::vector<RuleDef>> parse_rule_file(std::string_view yaml, const std::string& source) {
  std::vector<RuleDef> out;
  try {
    yaml::Node doc = load_yaml(std::string(yaml));
    if (!doc.IsMap()) return out;
    const yaml::Node rs = doc["rules"];
    if (!rs || !rs.IsSequence()) return out;
    for (const auto& r : rs) {
      auto d = parse_rule(r, source);
      if (!d) return std::move(d).error();
      out.push_back(std::move(*d));
    }
  } catch (const yaml::Exception& e) {
    return make_error(Errc::kMalformed, fmt::format("{}: line {}: {}", source, e.mark.line + 1, e.msg));
  } catch (const std::exception& e) {
    return make_error(Errc::kMalformed, fmt::format("{}: {}", source, e.what()));
  }
  return out;
}

Result<RulePack> load_rule_pack(const std::string& override_dir, bool pattern_files_only) {
  RulePack pack;
  std::vector<std::pair<std::string, std::string>> files;  // (source name, text)
  auto is_yaml = [](std::string_view p) { return p.ends_with(".yaml") || p.ends_with(".yml"); };
  if (!override_dir.empty()) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(override_dir, ec))
      return make_error(Errc::kUsage, fmt::format("--rules {}: not a directory", override_dir));
    for (fs::recursive_directory_iterator it(override_dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      if (!it->is_regular_file(ec) || !is_yaml(it->path().string())) continue;
      if (it->file_size(ec) > kMaxRuleFileBytes) {
        pack.errors.push_back(fmt::format("{}: larger than {} bytes, skipped", it->path().string(), kMaxRuleFileBytes));
        continue;
      }
      std::ifstream in(it->path(), std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      files.emplace_back("rules/" + fs::relative(it->path(), override_dir, ec).generic_string(), ss.str());
    }
    std::sort(files.begin(), files.end());
  } else {
    for (const auto& f : embedded_files_under("rules/"))
      if (is_yaml(f.path)) files.emplace_back(std::string(f.path), std::string(f.data));
  }
  for (auto& [name, text] : files) {
    if (pattern_files_only && text.find("patterns") == std::string::npos) continue;
    pack.files.push_back(name);
    auto rs = parse_rule_file(text, name);
    if (!rs) {
      pack.errors.push_back(rs.error().message);
      continue;
    }
    for (auto& r : *rs) pack.rules.push_back(std::move(r));
  }
  return pack;
}

bool glob_match(std::string_view p, std::string_view t) noexcept {
  // Iterative wildcard match with one backtrack point: linear in practice, no recursion.
  std::size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace assay::rules
