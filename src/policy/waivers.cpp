// Waivers. Every waiver must say why, who accepted it and until when: an acceptance without an
// owner or an end is how findings disappear for good. Expired waivers stop applying and leave an
// info finding behind so the lapse is visible in the report; waivers that match nothing are
// listed, because they usually mean the finding was fixed (good) or its fingerprint changed.

#include "policy/waivers.hpp"

#include "core/embedded.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "engine/fingerprint.hpp"
#include "policy/model.hpp"
#include "policy/yaml_util.hpp"

namespace assay::policy {

namespace {

using detail::check_keys;
using detail::Diagnostics;
using detail::scalar;

constexpr std::string_view kWaiversSchema = "assay-waivers/1";

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool matches(const Waiver& w, const Finding& f) {
  if (!w.fingerprint.empty()) return lower(f.fingerprint) == w.fingerprint;
  if (!glob_match(w.rule, f.rule_id)) return false;
  if (w.path.empty()) return true;
  for (const auto& e : f.evidence)
    if (glob_match(w.path, e.path)) return true;
  return false;
}

nlohmann::json waiver_json(const Waiver& w) {
  nlohmann::json j = {{"justification", w.justification}, {"accepted_by", w.accepted_by}, {"expires", w.expires}};
  if (!w.fingerprint.empty()) j["fingerprint"] = w.fingerprint;
  if (!w.rule.empty()) j["rule"] = w.rule;
  if (!w.path.empty()) j["path"] = w.path;
  if (w.line > 0) j["line"] = w.line;
  return j;
}

}  // namespace

std::string Waiver::label() const {
  if (!fingerprint.empty()) return "fingerprint " + fingerprint;
  return path.empty() ? "rule " + rule : fmt::format("rule {} on path {}", rule, path);
}

Result<Waivers> parse_waivers(std::string_view yaml, const std::string& source_name) {
  if (yaml.size() > detail::kMaxYamlBytes)
    return make_error(Errc::kUsage, fmt::format("{}: too large for a waivers file", source_name));
  Diagnostics d{source_name};
  Waivers out;
  out.file = source_name;
  try {
    yaml::Node root = load_yaml(std::string(yaml));
    if (!root.IsMap())
      return make_error(Errc::kUsage, source_name + ": a waivers file is a YAML mapping (see docs/waivers.md)");
    check_keys(d, root, {"schema", "waivers"}, "a waivers file");
    auto schema = scalar(d, root["schema"], "schema");
    if (!schema || *schema != kWaiversSchema)
      d.error(root, fmt::format("'schema: {}' is required (found '{}')", kWaiversSchema, schema.value_or("")));
    yaml::Node list = root["waivers"];
    if (list.IsDefined() && !list.IsNull() && !list.IsSequence()) d.error(list, "'waivers' must be a list");
    if (list.IsSequence() && list.size() > detail::kMaxListItems)
      d.error(list, fmt::format("more than {} waivers", detail::kMaxListItems));
    else if (list.IsSequence()) {
      std::size_t index = 0;
      for (const auto& n : list) {
        ++index;
        d.set_context(fmt::format("waiver #{}", index));
        if (!n.IsMap()) {
          d.error(n, "a waiver is a mapping {fingerprint | rule + path, justification, accepted_by, expires}");
          continue;
        }
        check_keys(d, n, {"fingerprint", "rule", "path", "justification", "accepted_by", "expires"}, "a waiver");
        Waiver w;
        w.line = detail::line_of(n);
        w.fingerprint = lower(scalar(d, n["fingerprint"], "fingerprint").value_or(""));
        w.rule = scalar(d, n["rule"], "rule").value_or("");
        w.path = scalar(d, n["path"], "path").value_or("");
        if (w.fingerprint.empty() == w.rule.empty())
          d.error(n, "a waiver names either 'fingerprint' or 'rule' (with an optional 'path'), not both");
        if (!w.fingerprint.empty()) {
          bool hex = w.fingerprint.size() == 32 &&
                     std::all_of(w.fingerprint.begin(), w.fingerprint.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
          if (!hex) d.error(n["fingerprint"], "a fingerprint is 32 hex digits (as in the report)");
          if (!w.path.empty()) d.error(n["path"], "'path' goes with 'rule', not with 'fingerprint'");
        }
        w.justification = detail::required_scalar(d, n, "justification", "a waiver");
        w.accepted_by = detail::required_scalar(d, n, "accepted_by", "a waiver");
        std::string exp = detail::required_scalar(d, n, "expires", "a waiver");
        if (!exp.empty()) {
          if (auto date = normalize_date(exp); date && exp.size() == 10)
            w.expires = *date;
          else
            d.error(n["expires"], fmt::format("expires must be a date YYYY-MM-DD, not '{}'", exp));
        }
        out.items.push_back(std::move(w));
      }
    }
  } catch (const yaml::Exception& e) {
    d.set_context("");
    d.error_at(e.mark.line + 1, "YAML: " + e.msg);
  }
  if (!d.ok()) return make_error(Errc::kUsage, d.joined());
  return out;
}

Result<nlohmann::json> apply_waivers(Assessment& a, const Waivers& w, const std::string& today) {
  nlohmann::json applied = nlohmann::json::array(), expired = nlohmann::json::array(),
                 unused = nlohmann::json::array();
  std::vector<Finding> added;
  for (const auto& waiver : w.items) {
    nlohmann::json j = waiver_json(waiver);
    if (waiver.expires < today) {
      // Still list what it would have matched: the reviewer sees which findings came back.
      nlohmann::json would = nlohmann::json::array();
      for (const auto& f : a.findings)
        if (matches(waiver, f)) would.push_back(f.fingerprint);
      j["would_match"] = would;
      expired.push_back(j);
      auto f = rule_finding("policy.expired-waiver");
      if (!f) return f.error();
      f->title = fmt::format("Expired waiver: {}", waiver.label());
      f->key = waiver.label();
      Evidence ev;
      ev.path = a.subject.name.empty() ? std::string("product") : a.subject.name;
      if (waiver.line > 0) ev.line = static_cast<std::uint32_t>(waiver.line);
      ev.excerpt = fmt::format("{}: {} accepted by {} expired on {} ({} finding(s) count again)", w.file,
                               waiver.label(), waiver.accepted_by, waiver.expires, would.size());
      f->evidence.push_back(std::move(ev));
      f->fingerprint = fingerprint(*f);
      added.push_back(std::move(*f));
      continue;
    }
    nlohmann::json matched = nlohmann::json::array();
    for (auto& f : a.findings) {
      if (!matches(waiver, f)) continue;
      matched.push_back(f.fingerprint);
      if (!f.suppression.is_null()) continue;  // already accepted (an earlier waiver or a VEX statement)
      f.suppression = {{"kind", "waiver"},
                       {"justification", waiver.justification},
                       {"by", waiver.accepted_by},
                       {"expires", waiver.expires},
                       {"source", waiver.line > 0 ? fmt::format("{}:{}", w.file, waiver.line) : w.file}};
    }
    if (matched.empty()) {
      unused.push_back(j);
    } else {
      j["matched"] = matched;
      applied.push_back(j);
    }
  }
  for (auto& f : added) a.findings.push_back(std::move(f));
  return nlohmann::json{{"file", w.file}, {"applied", applied}, {"expired", expired}, {"unused", unused}};
}

}  // namespace assay::policy
