// The policy stage: declaration check, waivers, requirement evaluation and the verdict.
//
// Order matters and is fixed: the declaration's findings are added first (so waivers can accept
// them and requirements can select them), then waivers mark findings as suppressed, then every
// requirement is evaluated over the unsuppressed findings, and finally the verdict follows from the
// requirement results, --fail-on and the completeness of the assessment.
//
// Cost: one pass over the findings per findings check (a pack has a few hundred checks, a scan a
// few thousand findings at most), no allocation proportional to anything but the output.

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "assay/policy.hpp"
#include "engine/fingerprint.hpp"
#include "policy/declaration.hpp"
#include "policy/model.hpp"
#include "policy/waivers.hpp"

namespace assay::policy {

namespace {

/// Findings named in one reason; the full list is in `findings`.
constexpr std::size_t kMaxNamedInReason = 3;
/// Verdict reasons listed one by one before summarizing.
constexpr std::size_t kMaxVerdictReasons = 12;

enum class State { kPass, kFail, kReview, kSkip };

struct CheckOutcome {
  State state = State::kPass;
  std::string reason;
  std::vector<std::string> fingerprints;
};

struct Context {
  const Assessment& a;
  const std::optional<Declaration>& declaration;
  const std::set<std::string>& covered;
};

bool selector_matches(const FindingSelector& s, const Finding& f) {
  if (!s.rules.empty() &&
      std::none_of(s.rules.begin(), s.rules.end(), [&](const std::string& g) { return glob_match(g, f.rule_id); }))
    return false;
  if (std::any_of(s.not_rules.begin(), s.not_rules.end(), [&](const std::string& g) { return glob_match(g, f.rule_id); }))
    return false;
  if (!s.categories.empty() && std::find(s.categories.begin(), s.categories.end(), f.category) == s.categories.end())
    return false;
  auto has = [&](const std::string& t) { return std::find(f.tags.begin(), f.tags.end(), t) != f.tags.end(); };
  if (!s.tags_any.empty() && std::none_of(s.tags_any.begin(), s.tags_any.end(), has)) return false;
  if (!std::all_of(s.tags_all.begin(), s.tags_all.end(), has)) return false;
  if (s.min_severity && f.severity < *s.min_severity) return false;
  if (s.min_cvss && (!f.cvss || *f.cvss < *s.min_cvss)) return false;
  if (s.min_confidence > 0 && confidence_rank(f.confidence).value_or(2) < s.min_confidence) return false;
  return true;
}

bool json_equal(const nlohmann::json& want, const nlohmann::json& have) {
  if (want.is_number() && have.is_number()) return want.get<double>() == have.get<double>();
  if (want.is_number() && have.is_string()) return want.dump() == have.get<std::string>();
  if (want.is_string() && have.is_number()) return want.get<std::string>() == have.dump();
  return want == have;
}

/// Values at a dotted path; an array on the way is searched element by element (a fact's list of
/// services, say). Iterative, bounded by the size of the fact.
std::vector<const nlohmann::json*> values_at(const nlohmann::json& root, std::string_view dotted) {
  std::vector<const nlohmann::json*> frontier{&root};
  std::size_t start = 0;
  while (start <= dotted.size() && !dotted.empty()) {
    std::size_t dot = dotted.find('.', start);
    std::string key(dotted.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    std::vector<const nlohmann::json*> next;
    for (const auto* node : frontier) {
      if (node->is_object()) {
        if (auto it = node->find(key); it != node->end()) next.push_back(&*it);
      } else if (node->is_array()) {
        for (const auto& e : *node)
          if (e.is_object())
            if (auto it = e.find(key); it != e.end()) next.push_back(&*it);
      }
    }
    frontier = std::move(next);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return frontier;
}

std::string finding_label(const Finding& f) {
  std::string where = f.evidence.empty() ? std::string() : " at " + f.evidence.front().path;
  return fmt::format("{} ({}{})", f.title.empty() ? f.rule_id : f.title, f.rule_id, where);
}

CheckOutcome evaluate_check(const Check& c, const Context& ctx) {
  CheckOutcome o;
  State unmet = c.otherwise == Outcome::kFail ? State::kFail : State::kReview;
  switch (c.type) {
    case Check::Type::kFindings: {
      std::vector<const Finding*> hits;
      for (const auto& f : ctx.a.findings) {
        if (!f.suppression.is_null()) continue;
        if (c.except_declared && ctx.covered.count(f.fingerprint) > 0) continue;
        if (selector_matches(c.select, f)) hits.push_back(&f);
      }
      if (hits.size() <= c.max_matches) {
        o.reason = hits.empty() ? "no finding matches" : fmt::format("{} finding(s) match, {} allowed", hits.size(), c.max_matches);
        return o;
      }
      o.state = unmet;
      std::string names;
      for (std::size_t i = 0; i < hits.size() && i < kMaxNamedInReason; ++i)
        names += (i ? "; " : "") + finding_label(*hits[i]);
      if (hits.size() > kMaxNamedInReason) names += fmt::format("; and {} more", hits.size() - kMaxNamedInReason);
      o.reason = fmt::format("{} finding(s): {}", hits.size(), names);
      for (const auto* f : hits) o.fingerprints.push_back(f->fingerprint);
      return o;
    }
    case Check::Type::kFact: {
      const Fact* found = nullptr;
      for (const auto& fact : ctx.a.facts) {
        if (std::none_of(c.fact_types.begin(), c.fact_types.end(),
                         [&](const std::string& g) { return glob_match(g, fact.type); }))
          continue;
        if (!c.fact_path.empty() && !glob_match(c.fact_path, fact.path)) continue;
        if (!c.field.empty()) {
          auto values = values_at(fact.data, c.field);
          bool ok = false;
          for (const auto* v : values) {
            if (!c.equals) {
              ok = ok || !v->is_null();
            } else if (v->is_array() && !c.equals->is_array()) {
              for (const auto& e : *v) ok = ok || json_equal(*c.equals, e);
            } else {
              ok = ok || json_equal(*c.equals, *v);
            }
          }
          if (!ok) continue;
        }
        found = &fact;
        break;
      }
      std::string what = c.fact_types.size() == 1 ? c.fact_types.front() : fmt::format("{} ...", c.fact_types.front());
      if (found != nullptr) {
        o.reason = fmt::format("fact {} found at {}", found->type, found->path);
        if (!c.expect_present) o.state = unmet;
      } else {
        o.reason = fmt::format("no fact {}{}", what, c.field.empty() ? "" : " with " + c.field + (c.equals ? " = " + c.equals->dump() : ""));
        if (c.expect_present) o.state = unmet;
      }
      return o;
    }
    case Check::Type::kComponents: {
      std::size_t n = ctx.a.components.size();
      o.reason = fmt::format("{} component(s) in the inventory", n);
      if (n < c.min_components) {
        o.state = unmet;
        o.reason += fmt::format(" (at least {} required)", c.min_components);
      }
      return o;
    }
    case Check::Type::kDeclaration: {
      if (!ctx.declaration) {
        o.reason = fmt::format("no vendor declaration supplied (--declaration) to state {}", c.field);
        o.state = c.if_undeclared == Undeclared::kSkip   ? State::kSkip
                  : c.if_undeclared == Undeclared::kFail ? State::kFail
                                                         : State::kReview;
        return o;
      }
      if (ctx.declaration->has(c.field)) {
        o.reason = fmt::format("the declaration states {}", c.field);
      } else {
        o.state = unmet;
        o.reason = fmt::format("the declaration does not state {}", c.field);
      }
      return o;
    }
  }
  return o;
}

struct RequirementResult {
  const Requirement* req = nullptr;
  std::string result;  ///< pass | fail | needs-review | not-applicable
  std::string reason;
  std::vector<std::string> fingerprints;
  nlohmann::json checks = nlohmann::json::array();
};

RequirementResult evaluate_requirement(const Requirement& r, const Context& ctx) {
  RequirementResult out;
  out.req = &r;
  if (!r.applies_to.empty() &&
      std::find(r.applies_to.begin(), r.applies_to.end(), ctx.a.product_kind) == r.applies_to.end()) {
    std::string kinds;
    for (const auto& k : r.applies_to) kinds += (kinds.empty() ? "" : ", ") + k;
    out.result = "not-applicable";
    out.reason = fmt::format("applies to {}; this product is {}", kinds,
                             ctx.a.product_kind.empty() ? std::string("of unknown kind") : ctx.a.product_kind);
    return out;
  }
  std::vector<std::string> fail_reasons, review_reasons, skip_reasons;
  std::set<std::string> fail_fps, review_fps;
  std::size_t passed = 0;
  for (const auto& c : r.checks) {
    CheckOutcome o = evaluate_check(c, ctx);
    const char* state = o.state == State::kPass   ? "pass"
                        : o.state == State::kFail ? "fail"
                        : o.state == State::kReview ? "needs-review"
                                                    : "not-applicable";
    out.checks.push_back({{"check", describe(c)}, {"result", state}, {"reason", o.reason}, {"findings", o.fingerprints}});
    switch (o.state) {
      case State::kPass: ++passed; break;
      case State::kFail:
        fail_reasons.push_back(o.reason);
        fail_fps.insert(o.fingerprints.begin(), o.fingerprints.end());
        break;
      case State::kReview:
        review_reasons.push_back(o.reason);
        review_fps.insert(o.fingerprints.begin(), o.fingerprints.end());
        break;
      case State::kSkip: skip_reasons.push_back(o.reason); break;
    }
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : "; ") + x;
    return s;
  };
  if (!fail_reasons.empty()) {
    out.result = "fail";
    out.reason = join(fail_reasons);
    out.fingerprints.assign(fail_fps.begin(), fail_fps.end());
  } else if (!review_reasons.empty() || r.manual) {
    out.result = "needs-review";
    std::vector<std::string> parts = review_reasons;
    if (r.manual) parts.push_back("manual review: " + r.review);
    out.reason = join(parts);
    out.fingerprints.assign(review_fps.begin(), review_fps.end());
  } else if (!skip_reasons.empty()) {
    // A skipped check means the requirement's premise is absent (no declaration was supplied):
    // the checks that did pass had nothing to look at, so "pass" would claim too much.
    out.result = "not-applicable";
    out.reason = join(skip_reasons);
  } else {
    out.result = "pass";
    out.reason = fmt::format("{} check(s) passed", passed);
  }
  return out;
}

nlohmann::json requirement_header(const Requirement& r) {
  nlohmann::json j = {{"id", r.id},
                      {"title", r.title},
                      {"regime_ref", r.regime_ref},
                      {"reconstructed", r.reconstructed},
                      {"on_fail", std::string(on_fail_name(r.on_fail))},
                      {"manual", r.manual}};
  if (!r.note.empty()) j["note"] = r.note;
  if (!r.review.empty()) j["review"] = r.review;
  return j;
}

}  // namespace

nlohmann::json explain(const Policy& p) {
  nlohmann::json reqs = nlohmann::json::array();
  for (const auto& r : p.requirements) {
    nlohmann::json j = requirement_header(r);
    j["rationale"] = r.rationale;
    j["applies_to"] = r.applies_to;
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& c : r.checks) checks.push_back({{"text", describe(c)}, {"spec", check_spec(c)}});
    j["checks"] = checks;
    j["line"] = r.line;
    reqs.push_back(j);
  }
  return {{"schema", "assay-policy/1"},
          {"id", p.id},
          {"title", p.title},
          {"version", p.version},
          {"regime", p.regime},
          {"description", p.description},
          {"source", p.builtin ? "builtin" : "file"},
          {"file", p.source_name},
          {"requirements", reqs}};
}

Status evaluate(Assessment& a, const Policy& p, const PolicyOptions& options) {
  std::string today = options.today.empty() ? today_utc() : options.today;
  if (!normalize_date(today) || today.size() != 10)
    return make_error(Errc::kUsage, fmt::format("the assessment date '{}' is not YYYY-MM-DD", today));

  // 1. The declaration's findings.
  std::optional<Declaration> declaration;
  DeclarationCheck decl_check;
  decl_check.report = {{"supplied", false}};
  if (!options.declaration_file.empty()) {
    auto text = read_small_file(options.declaration_file, "declaration");
    if (!text) return text.error();
    auto parsed = parse_declaration(*text, options.declaration_file);
    if (!parsed) return parsed.error();
    declaration = std::move(*parsed);
    auto checked = check_declaration(a, *declaration, today);
    if (!checked) return checked.error();
    decl_check = std::move(*checked);
  }

  // 2. Waivers.
  nlohmann::json waivers_report = nullptr;
  if (!options.waivers_file.empty()) {
    auto text = read_small_file(options.waivers_file, "waivers");
    if (!text) return text.error();
    auto parsed = parse_waivers(*text, options.waivers_file);
    if (!parsed) return parsed.error();
    auto applied = apply_waivers(a, *parsed, today);
    if (!applied) return applied.error();
    waivers_report = std::move(*applied);
  }
  // The added findings join the engine's: one order, duplicates merged, same fingerprints.
  finalize_findings(a.findings);

  // 3. Requirements.
  Context ctx{a, declaration, decl_check.covered};
  std::vector<RequirementResult> results;
  results.reserve(p.requirements.size());
  for (const auto& r : p.requirements) results.push_back(evaluate_requirement(r, ctx));

  // 4. Verdict.
  Verdict v;
  v.policy = p.id;
  std::vector<std::string> blocking, conditional, review;
  std::map<std::string, std::size_t> counts;
  nlohmann::json reqs = nlohmann::json::array();
  for (const auto& rr : results) {
    const Requirement& r = *rr.req;
    ++counts[rr.result];
    nlohmann::json j = requirement_header(r);
    j["result"] = rr.result;
    j["reason"] = rr.reason;
    j["findings"] = rr.fingerprints;
    j["checks"] = rr.checks;
    reqs.push_back(std::move(j));
    std::string label = r.regime_ref.empty() ? r.id : fmt::format("{} ({})", r.id, r.regime_ref);
    if (r.on_fail == OnFail::kAdvisory) continue;
    if (rr.result == "fail") {
      (r.on_fail == OnFail::kFail ? blocking : conditional).push_back(fmt::format("{} failed: {}", label, rr.reason));
    } else if (rr.result == "needs-review") {
      review.push_back(label);
    }
  }
  std::vector<std::string> fail_on_hits;
  std::size_t fail_on_count = 0;
  if (options.fail_on) {
    for (const auto& f : a.findings) {
      if (!f.suppression.is_null() || f.severity < *options.fail_on) continue;
      if (++fail_on_count <= kMaxNamedInReason) fail_on_hits.push_back(finding_label(f));
    }
  }
  auto add_reasons = [&](const std::vector<std::string>& list) {
    for (const auto& s : list) {
      if (v.reasons.size() >= kMaxVerdictReasons) {
        v.reasons.push_back(fmt::format("... and {} more (see the requirement results)", list.size()));
        break;
      }
      v.reasons.push_back(s);
    }
  };
  if (fail_on_count > 0) {
    std::string names;
    for (const auto& n : fail_on_hits) names += (names.empty() ? "" : "; ") + n;
    if (fail_on_count > fail_on_hits.size()) names += fmt::format("; and {} more", fail_on_count - fail_on_hits.size());
    v.reasons.push_back(fmt::format("--fail-on {}: {} unsuppressed finding(s) at or above it: {}",
                                    severity_name(*options.fail_on), fail_on_count, names));
  }
  add_reasons(blocking);
  if (!blocking.empty() || fail_on_count > 0) {
    v.result = VerdictResult::kFail;
  } else if (!conditional.empty() || !review.empty() || !a.complete) {
    v.result = VerdictResult::kConditional;
    add_reasons(conditional);
    if (!review.empty()) {
      std::string names;
      for (std::size_t i = 0; i < review.size() && i < kMaxVerdictReasons; ++i) names += (i ? ", " : "") + review[i];
      if (review.size() > kMaxVerdictReasons) names += fmt::format(" and {} more", review.size() - kMaxVerdictReasons);
      v.reasons.push_back(fmt::format("{} requirement(s) need review: {}", review.size(), names));
    }
  } else {
    v.result = VerdictResult::kPass;
    v.reasons.push_back(fmt::format("all {} applicable requirement(s) of {} pass", counts["pass"], p.id));
  }
  if (!a.complete)
    v.reasons.push_back("the assessment is incomplete (see the coverage findings): it cannot pass");
  a.verdict = std::move(v);

  nlohmann::json summary = nlohmann::json::object();
  for (const char* k : {"pass", "fail", "needs-review", "not-applicable"}) summary[k] = counts[k];
  a.policy = {{"id", p.id},
              {"title", p.title},
              {"version", p.version},
              {"regime", p.regime},
              {"source", p.builtin ? "builtin" : "file"},
              {"file", p.source_name},
              {"assessed_on", today},
              {"summary", summary},
              {"requirements", reqs},
              {"declaration", decl_check.report},
              {"waivers", waivers_report}};
  if (options.fail_on) a.policy["fail_on"] = std::string(severity_name(*options.fail_on));
  return {};
}

Status check_options(const PolicyOptions& options) {
  auto p = load_policy(options.policy.empty() ? std::string("baseline") : options.policy);
  if (!p) return p.error();
  if (!options.today.empty()) {
    std::string today = options.today;
    if (!normalize_date(today) || today.size() != 10)
      return make_error(Errc::kUsage, fmt::format("the assessment date '{}' is not YYYY-MM-DD", options.today));
  }
  if (!options.declaration_file.empty()) {
    auto text = read_small_file(options.declaration_file, "declaration");
    if (!text) return text.error();
    if (auto parsed = parse_declaration(*text, options.declaration_file); !parsed) return parsed.error();
  }
  if (!options.waivers_file.empty()) {
    auto text = read_small_file(options.waivers_file, "waivers");
    if (!text) return text.error();
    if (auto parsed = parse_waivers(*text, options.waivers_file); !parsed) return parsed.error();
  }
  return {};
}

Status apply(Assessment& a, const PolicyOptions& options) {
  auto p = load_policy(options.policy.empty() ? std::string("baseline") : options.policy);
  if (!p) return p.error();
  return evaluate(a, **p, options);
}

}  // namespace assay::policy
