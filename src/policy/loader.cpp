// The policy language (docs/policy.md): YAML text -> a validated, immutable Policy. Validation is
// strict on purpose: an unknown key or a misspelt category would silently turn a check off, and a
// policy that quietly checks less than it says is worse than one that does not load.
//
// Check sets: policies/lib/checks.yaml defines the automated checks of REGIMES.md once (CHK-nn,
// DECL-nn) so that every pack says `use: CHK-05` and the packs cannot drift apart. A pack may
// define its own `check_sets` too (they shadow the library). Sets are flat: a set cannot `use`
// another, so expansion needs no recursion and cannot loop.

#include "core/embedded.hpp"

#include <algorithm>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "core/embedded.hpp"
#include "policy/model.hpp"
#include "policy/yaml_util.hpp"

namespace assay::policy {

namespace {

using detail::check_keys;
using detail::Diagnostics;
using detail::scalar;
using detail::string_list;

constexpr std::string_view kPolicySchema = "assay-policy/1";
constexpr std::string_view kChecksSchema = "assay-policy-checks/1";
constexpr std::string_view kLibraryPath = "policies/lib/checks.yaml";
/// Requirements per pack: the largest regime (EN 303 645) has under 100 provisions.
constexpr std::size_t kMaxRequirements = 1000;
/// Checks per requirement after expanding sets: generous for a cross-walk, small enough that a
/// hostile file cannot make evaluation quadratic in anything large.
constexpr std::size_t kMaxChecks = 256;

/// The declaration fields a policy may ask for (docs/declaration.md).
constexpr std::string_view kDeclarationFields[] = {
    "identity",          "identity.name",         "identity.vendor",   "identity.version",
    "identity.product_kind", "data_collected",    "third_party_sdks",  "network_services",
    "credential_model",  "support_period_end",    "vulnerability_contact", "update_mechanism"};

std::optional<Category> category_from(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(Category::kCoverage); ++i)
    if (category_name(static_cast<Category>(i)) == name) return static_cast<Category>(i);
  return std::nullopt;
}

using CheckSets = std::map<std::string, std::vector<Check>, std::less<>>;

void parse_selector(Diagnostics& d, const yaml::Node& n, FindingSelector& s) {
  if (n.IsNull()) return;  // `findings:` alone selects every finding
  if (!n.IsMap()) {
    d.error(n, "'findings' must be a mapping of selectors (rule, category, tags_any, min_severity, ...)");
    return;
  }
  check_keys(d, n,
             {"rule", "not_rule", "category", "tags", "tags_any", "tags_all", "min_severity", "min_cvss",
              "min_confidence"},
             "a findings selector");
  s.rules = string_list(d, n["rule"], "rule");
  s.not_rules = string_list(d, n["not_rule"], "not_rule");
  for (const auto& r : s.rules)
    if (r.empty()) d.error(n["rule"], "an empty rule glob matches nothing");
  for (const auto& c : string_list(d, n["category"], "category")) {
    if (auto cat = category_from(c))
      s.categories.push_back(*cat);
    else
      d.error(n["category"], fmt::format("unknown category '{}' (backdoor, privacy, crypto, vulnerability, "
                                         "hardening, integrity, coverage)",
                                         c));
  }
  s.tags_any = string_list(d, n["tags_any"], "tags_any");
  for (auto& t : string_list(d, n["tags"], "tags")) s.tags_any.push_back(std::move(t));
  s.tags_all = string_list(d, n["tags_all"], "tags_all");
  if (auto v = scalar(d, n["min_severity"], "min_severity")) {
    if (auto sev = severity_from_name(*v))
      s.min_severity = sev;
    else
      d.error(n["min_severity"], fmt::format("unknown severity '{}' (info, low, medium, high, critical)", *v));
  }
  if (auto v = detail::number(d, n["min_cvss"], "min_cvss")) {
    if (*v < 0 || *v > 10)
      d.error(n["min_cvss"], "min_cvss must be between 0 and 10");
    else
      s.min_cvss = *v;
  }
  if (auto v = scalar(d, n["min_confidence"], "min_confidence")) {
    if (auto r = confidence_rank(*v))
      s.min_confidence = *r;
    else
      d.error(n["min_confidence"], fmt::format("unknown confidence '{}' (low, medium, high)", *v));
  }
}

/// Parses one entry of a `checks:` list; `use:` entries expand from `sets` (nullptr inside a set
/// definition, where `use` is not allowed).
void parse_check(Diagnostics& d, const yaml::Node& n, const CheckSets* sets, const CheckSets* library,
                 std::vector<Check>& out) {
  if (!n.IsMap()) {
    d.error(n, "a check must be a mapping with one of: findings, fact, components, declaration, use");
    return;
  }
  check_keys(d, n,
             {"findings", "fact", "components", "declaration", "use", "otherwise", "expect", "max",
              "except_declared", "if_undeclared", "note"},
             "a check");
  int kinds = 0;
  for (const char* k : {"findings", "fact", "components", "declaration", "use"}) kinds += n[k].IsDefined() ? 1 : 0;
  if (kinds != 1) {
    d.error(n, "a check needs exactly one of: findings, fact, components, declaration, use");
    return;
  }
  std::optional<Outcome> otherwise;
  if (auto v = scalar(d, n["otherwise"], "otherwise")) {
    if (*v == "fail")
      otherwise = Outcome::kFail;
    else if (*v == "review" || *v == "needs-review")
      otherwise = Outcome::kReview;
    else
      d.error(n["otherwise"], fmt::format("otherwise must be fail or review, not '{}'", *v));
  }
  std::string note = scalar(d, n["note"], "note").value_or("");
  auto only_for = [&](const char* key, std::string_view kind) {
    if (n[key].IsDefined()) d.error(n[key], fmt::format("'{}' only applies to {} checks", key, kind));
  };

  if (n["use"].IsDefined()) {
    only_for("expect", "fact");
    only_for("max", "findings");
    only_for("except_declared", "findings");
    only_for("if_undeclared", "declaration");
    auto name = scalar(d, n["use"], "use");
    if (!name) return;
    if (sets == nullptr) {
      d.error(n["use"], "a check set cannot use another check set");
      return;
    }
    const std::vector<Check>* found = nullptr;
    if (auto it = sets->find(*name); it != sets->end()) found = &it->second;
    if (found == nullptr && library != nullptr)
      if (auto it = library->find(*name); it != library->end()) found = &it->second;
    if (found == nullptr) {
      d.error(n["use"], fmt::format("unknown check set '{}' (see policies/lib/checks.yaml)", *name));
      return;
    }
    for (Check c : *found) {
      if (otherwise) c.otherwise = *otherwise;
      if (!note.empty()) c.note = note;
      out.push_back(std::move(c));
    }
    return;
  }

  Check c;
  c.otherwise = otherwise.value_or(Outcome::kFail);
  c.note = note;
  if (n["findings"].IsDefined()) {
    c.type = Check::Type::kFindings;
    only_for("expect", "fact");
    only_for("if_undeclared", "declaration");
    parse_selector(d, n["findings"], c.select);
    if (auto v = detail::number(d, n["max"], "max")) {
      if (*v < 0 || *v > 1e6)
        d.error(n["max"], "max must be between 0 and 1000000");
      else
        c.max_matches = static_cast<std::size_t>(*v);
    }
    c.except_declared = detail::boolean(d, n["except_declared"], "except_declared").value_or(false);
  } else if (n["fact"].IsDefined()) {
    c.type = Check::Type::kFact;
    only_for("max", "findings");
    only_for("except_declared", "findings");
    only_for("if_undeclared", "declaration");
    const yaml::Node f = n["fact"];
    if (f.IsScalar()) {
      c.fact_types = string_list(d, f, "fact");
    } else if (f.IsMap()) {
      check_keys(d, f, {"type", "path", "field", "equals"}, "a fact check");
      c.fact_types = string_list(d, f["type"], "type");
      c.fact_path = scalar(d, f["path"], "path").value_or("");
      c.field = scalar(d, f["field"], "field").value_or("");
      if (f["equals"].IsDefined()) {
        const yaml::Node e = f["equals"];
        if (!e.IsScalar() && !e.IsNull()) {
          d.error(e, "'equals' must be a single value (string, number, true/false or null)");
        } else if (e.IsNull()) {
          c.equals = nlohmann::json(nullptr);
        } else if (!detail::valid_utf8(e.Scalar())) {
          d.error(e, "'equals' is not valid UTF-8");
        } else {
          // YAML leaves typing to the reader: compare as a number or boolean when it reads as one,
          // so `equals: 1883` matches the JSON number 1883 and `equals: true` the boolean.
          const std::string& s = e.Scalar();
          char* end = nullptr;
          double x = std::strtod(s.c_str(), &end);
          if (e.Tag() != "!" && (s == "true" || s == "false"))
            c.equals = nlohmann::json(s == "true");
          else if (e.Tag() != "!" && !s.empty() && end == s.c_str() + s.size())
            c.equals = nlohmann::json(x);
          else
            c.equals = nlohmann::json(s);
        }
        if (c.field.empty()) d.error(e, "'equals' needs 'field'");
      }
    } else {
      d.error(f, "'fact' must be a type or a mapping {type, path, field, equals}");
    }
    if (c.fact_types.empty()) d.error(f, "a fact check needs 'type'");
    if (auto v = scalar(d, n["expect"], "expect")) {
      if (*v == "present")
        c.expect_present = true;
      else if (*v == "absent")
        c.expect_present = false;
      else
        d.error(n["expect"], fmt::format("expect must be present or absent, not '{}'", *v));
    }
  } else if (n["components"].IsDefined()) {
    c.type = Check::Type::kComponents;
    only_for("expect", "fact");
    only_for("max", "findings");
    only_for("except_declared", "findings");
    only_for("if_undeclared", "declaration");
    const yaml::Node m = n["components"];
    if (m.IsScalar() && (m.Scalar() == "non-empty" || m.Scalar() == "present")) {
      c.min_components = 1;
    } else if (m.IsMap()) {
      check_keys(d, m, {"min"}, "a components check");
      if (auto v = detail::number(d, m["min"], "min")) {
        if (*v < 0 || *v > 1e9)
          d.error(m["min"], "min must be between 0 and 1000000000");
        else
          c.min_components = static_cast<std::size_t>(*v);
      }
    } else {
      d.error(m, "'components' must be non-empty or a mapping {min: N}");
    }
  } else {
    c.type = Check::Type::kDeclaration;
    only_for("expect", "fact");
    only_for("max", "findings");
    only_for("except_declared", "findings");
    const yaml::Node m = n["declaration"];
    if (m.IsScalar()) {
      c.field = scalar(d, m, "declaration").value_or("");
    } else if (m.IsMap()) {
      check_keys(d, m, {"field"}, "a declaration check");
      c.field = scalar(d, m["field"], "field").value_or("");
    } else {
      d.error(m, "'declaration' must be a field name or a mapping {field}");
    }
    if (std::find(std::begin(kDeclarationFields), std::end(kDeclarationFields), c.field) ==
        std::end(kDeclarationFields)) {
      std::string list;
      for (auto f : kDeclarationFields) list += (list.empty() ? "" : ", ") + std::string(f);
      d.error(m, fmt::format("unknown declaration field '{}' (one of: {})", c.field, list));
    }
    if (auto v = scalar(d, n["if_undeclared"], "if_undeclared")) {
      if (*v == "review" || *v == "needs-review")
        c.if_undeclared = Undeclared::kReview;
      else if (*v == "fail")
        c.if_undeclared = Undeclared::kFail;
      else if (*v == "not-applicable" || *v == "skip")
        c.if_undeclared = Undeclared::kSkip;
      else
        d.error(n["if_undeclared"], fmt::format("if_undeclared must be review, fail or not-applicable, not '{}'", *v));
    }
  }
  out.push_back(std::move(c));
}

void parse_check_sets(Diagnostics& d, const yaml::Node& n, CheckSets& sets) {
  if (!n.IsDefined() || n.IsNull()) return;
  if (!n.IsMap()) {
    d.error(n, "'check_sets' must map a name to {title, checks}");
    return;
  }
  if (n.size() > detail::kMaxListItems) {
    d.error(n, "too many check sets");
    return;
  }
  for (const auto& kv : n) {
    std::string name = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    if (name.empty() || !detail::valid_utf8(name)) {
      d.error(kv.first, "a check set needs a name (UTF-8 text)");
      continue;
    }
    d.set_context(fmt::format("check set '{}'", name));
    const yaml::Node body = kv.second;
    if (!body.IsMap() || !body["checks"].IsSequence()) {
      d.error(body, "a check set needs 'checks' (a list)");
      continue;
    }
    check_keys(d, body, {"title", "checks"}, "a check set");
    std::vector<Check> checks;
    for (const auto& c : body["checks"]) {
      if (checks.size() >= kMaxChecks) {
        d.error(c, fmt::format("more than {} checks", kMaxChecks));
        break;
      }
      parse_check(d, c, nullptr, nullptr, checks);
    }
    for (auto& c : checks) c.from_set = name;
    sets[name] = std::move(checks);
  }
  d.set_context("");
}

/// The shared check library, compiled once. A broken library is a build defect, reported on
/// every policy load so it cannot go unnoticed.
const Result<CheckSets>& library() {
  static const Result<CheckSets> lib = []() -> Result<CheckSets> {
    auto text = embedded_text(kLibraryPath);
    if (!text) return make_error(Errc::kInternal, fmt::format("{} is not embedded", kLibraryPath));
    Diagnostics d{std::string(kLibraryPath)};
    CheckSets sets;
    try {
      yaml::Node root = load_yaml(std::string(*text));
      check_keys(d, root, {"schema", "description", "check_sets"}, "the check library");
      if (root["schema"].as<std::string>("") != kChecksSchema)
        d.error(root, fmt::format("schema must be {}", kChecksSchema));
      parse_check_sets(d, root["check_sets"], sets);
    } catch (const yaml::Exception& e) {
      d.error_at(e.mark.line + 1, e.msg);
    }
    if (!d.ok()) return make_error(Errc::kInternal, d.joined());
    return sets;
  }();
  return lib;
}

}  // namespace

Result<std::shared_ptr<const Policy>> compile_policy(std::string_view yaml, const std::string& source_name,
                                                     bool builtin) {
  if (yaml.size() > detail::kMaxYamlBytes)
    return make_error(Errc::kUsage, fmt::format("{}: {} bytes is too large for a policy (at most {})", source_name,
                                                yaml.size(), detail::kMaxYamlBytes));
  const auto& lib = library();
  if (!lib) return lib.error();
  Diagnostics d{source_name};
  auto p = std::make_shared<Policy>();
  p->source_name = source_name;
  p->builtin = builtin;
  try {
    yaml::Node root = load_yaml(std::string(yaml));
    if (!root.IsMap()) return make_error(Errc::kUsage, source_name + ": a policy is a YAML mapping (see docs/policy.md)");
    check_keys(d, root,
               {"schema", "id", "title", "version", "regime", "description", "check_sets", "requirements"},
               "a policy");
    auto schema = scalar(d, root["schema"], "schema");
    if (!schema || *schema != kPolicySchema)
      d.error(root, fmt::format("'schema: {}' is required (found '{}')", kPolicySchema, schema.value_or("")));
    p->id = detail::required_scalar(d, root, "id", "a policy");
    p->title = detail::required_scalar(d, root, "title", "a policy");
    p->version = detail::required_scalar(d, root, "version", "a policy");
    p->regime = scalar(d, root["regime"], "regime").value_or("");
    p->description = scalar(d, root["description"], "description").value_or("");
    CheckSets local;
    parse_check_sets(d, root["check_sets"], local);

    const yaml::Node reqs = root["requirements"];
    if (!reqs.IsSequence() || reqs.size() == 0) {
      d.error(root, "a policy needs 'requirements' (a non-empty list)");
    } else if (reqs.size() > kMaxRequirements) {
      d.error(reqs, fmt::format("{} requirements (at most {})", reqs.size(), kMaxRequirements));
    } else {
      std::size_t index = 0;
      for (const auto& rn : reqs) {
        ++index;
        Requirement r;
        r.line = detail::line_of(rn);
        if (!rn.IsMap()) {
          d.set_context(fmt::format("requirement #{}", index));
          d.error(rn, "a requirement must be a mapping");
          continue;
        }
        auto id = scalar(d, rn["id"], "id");
        r.id = id.value_or("");
        d.set_context(r.id.empty() ? fmt::format("requirement #{}", index) : fmt::format("requirement '{}'", r.id));
        if (r.id.empty()) d.error(rn, "a requirement needs 'id'");
        check_keys(d, rn,
                   {"id", "title", "regime_ref", "rationale", "reconstructed", "note", "applies_to", "checks",
                    "on_fail", "manual", "review"},
                   "a requirement");
        r.title = detail::required_scalar(d, rn, "title", "a requirement");
        r.regime_ref = scalar(d, rn["regime_ref"], "regime_ref").value_or("");
        r.rationale = scalar(d, rn["rationale"], "rationale").value_or("");
        r.reconstructed = detail::boolean(d, rn["reconstructed"], "reconstructed").value_or(false);
        r.note = scalar(d, rn["note"], "note").value_or("");
        if (r.reconstructed && r.note.empty())
          d.error(rn, "a reconstructed requirement needs a 'note' saying what was not read verbatim");
        r.applies_to = string_list(d, rn["applies_to"], "applies_to");
        for (const auto& k : r.applies_to)
          if (!known_product_kind(k))
            d.error(rn["applies_to"], fmt::format("unknown product kind '{}' (android-app, ios-app, linux-rootfs, "
                                                  "firmware-image, linux-package, windows-software, software)",
                                                  k));
        if (auto v = scalar(d, rn["on_fail"], "on_fail")) {
          if (*v == "fail")
            r.on_fail = OnFail::kFail;
          else if (*v == "conditional")
            r.on_fail = OnFail::kConditional;
          else if (*v == "advisory")
            r.on_fail = OnFail::kAdvisory;
          else
            d.error(rn["on_fail"], fmt::format("on_fail must be fail, conditional or advisory, not '{}'", *v));
        }
        r.manual = detail::boolean(d, rn["manual"], "manual").value_or(false);
        r.review = scalar(d, rn["review"], "review").value_or("");
        if (r.manual && r.review.empty())
          d.error(rn, "a manual requirement needs 'review': what the reviewer must check");
        const yaml::Node checks = rn["checks"];
        if (checks.IsDefined() && !checks.IsNull()) {
          if (!checks.IsSequence()) {
            d.error(checks, "'checks' must be a list");
          } else {
            for (const auto& c : checks) {
              parse_check(d, c, &local, &*lib, r.checks);
              if (r.checks.size() > kMaxChecks) {
                d.error(c, fmt::format("more than {} checks after expanding check sets", kMaxChecks));
                break;
              }
            }
          }
        }
        if (r.checks.empty() && !r.manual)
          d.error(rn, "a requirement without checks must be 'manual: true' with a 'review'");
        for (const auto& other : p->requirements)
          if (!r.id.empty() && other.id == r.id) d.error(rn, fmt::format("duplicate requirement id '{}'", r.id));
        p->requirements.push_back(std::move(r));
      }
    }
  } catch (const yaml::Exception& e) {
    d.set_context("");
    d.error_at(e.mark.line + 1, "YAML: " + e.msg);
  }
  if (!d.ok()) return make_error(Errc::kUsage, d.joined());
  return std::shared_ptr<const Policy>(std::move(p));
}

namespace {

bool looks_like_path(const std::string& s) {
  auto ends = [&](std::string_view suf) { return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0; };
  return s.find('/') != std::string::npos || ends(".yaml") || ends(".yml");
}

/// Built-in packs are top-level files of policies/ (policies/lib/ holds the check library).
std::vector<EmbeddedFile> builtin_files() {
  std::vector<EmbeddedFile> out;
  for (const auto& f : embedded_files_under("policies/")) {
    std::string_view rest = f.path.substr(std::string_view("policies/").size());
    if (rest.find('/') != std::string_view::npos) continue;
    if (rest.size() < 6 || rest.substr(rest.size() - 5) != ".yaml") continue;
    out.push_back(f);
  }
  return out;
}

}  // namespace

Result<std::shared_ptr<const Policy>> load_policy(const std::string& id_or_file) {
  // Built-in packs compile once per process: a server evaluating thousands of products reuses them.
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Policy>> cache;
  if (!looks_like_path(id_or_file)) {
    {
      std::lock_guard lock(mu);
      if (auto it = cache.find(id_or_file); it != cache.end()) return it->second;
    }
    std::string path = "policies/" + id_or_file + ".yaml";
    auto text = embedded_text(path);
    if (!text) {
      std::string ids;
      for (const auto& f : builtin_files()) {
        std::string_view name = f.path.substr(9, f.path.size() - 14);
        ids += (ids.empty() ? "" : ", ") + std::string(name);
      }
      return make_error(Errc::kUsage,
                        fmt::format("unknown policy '{}' (built-in: {}; or give a policy YAML file)", id_or_file, ids));
    }
    auto p = compile_policy(*text, path, true);
    if (!p) return p;
    std::lock_guard lock(mu);
    cache.emplace(id_or_file, *p);
    return *p;
  }
  auto content = read_small_file(id_or_file, "policy");
  if (!content) return content.error();
  return compile_policy(*content, id_or_file, false);
}

std::vector<PackInfo> builtin_packs() {
  std::vector<PackInfo> out;
  for (const auto& f : builtin_files()) {
    std::string id(f.path.substr(9, f.path.size() - 14));
    auto p = load_policy(id);
    if (!p) {
      out.push_back(PackInfo{id, "(does not compile: " + p.error().message + ")", "", ""});
      continue;
    }
    out.push_back(PackInfo{(*p)->id, (*p)->title, (*p)->version, (*p)->regime});
  }
  return out;
}

}  // namespace assay::policy
