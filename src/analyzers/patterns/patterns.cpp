#include "analyzers/patterns/patterns.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "formats/strings/strings.hpp"
#include "rules/matcher.hpp"
#include "rules/rule_pack.hpp"

namespace assay::analyzers {
namespace {

// Excerpts are for people: the line around the match, cut to this many characters.
constexpr std::size_t kMaxExcerpt = 120;

// The compiled pattern rules of one scan. Built once, by the first node that needs it.
struct CompiledPatterns {
  std::unique_ptr<rules::PatternMatcher> matcher;
  std::string error;  ///< why the rules could not be loaded or compiled ("" when fine)
  mutable std::atomic<bool> reported{false};
};

std::unique_ptr<CompiledPatterns> build(const AnalysisConfig& config) {
  auto out = std::make_unique<CompiledPatterns>();
  auto pack = rules::load_rule_pack(config.rules_dir, /*pattern_files_only=*/true);
  if (!pack) {
    out->error = pack.error().message;
    return out;
  }
  for (const auto& e : pack->errors) out->error += (out->error.empty() ? "" : "; ") + e;
  auto m = rules::PatternMatcher::compile(pack->rules);
  if (!m) {
    out->error += (out->error.empty() ? "" : "; ") + m.error().message;
    return out;
  }
  out->matcher = std::move(*m);
  return out;
}

bool text_like(Kind k) {
  return k == Kind::kText || k == Kind::kScript || k == Kind::kJson || k == Kind::kXml || k == Kind::kPlistXml;
}

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c == '\n' || c == '\r' || c == '\t') out.push_back(' ');
    else if (c >= 0x20 && c < 0x7f) out.push_back(static_cast<char>(c));
    else out.push_back('.');
  }
  return out;
}

// First four and last four characters of a secret, the middle replaced: enough to recognise it
// in the product, not enough to use it.
std::string mask_value(std::string_view v) {
  if (v.size() <= 8) return std::string(v.substr(0, std::min<std::size_t>(2, v.size()))) + "****";
  return fmt::format("{}****{}", v.substr(0, 4), v.substr(v.size() - 4));
}

std::string excerpt_for(ByteView data, const rules::Hit& h, bool mask) {
  std::uint64_t from = h.from, to = std::min<std::uint64_t>(h.to, data.size());
  auto sv = [&](std::uint64_t a, std::uint64_t b) {
    return std::string_view(reinterpret_cast<const char*>(data.data() + a), static_cast<std::size_t>(b - a));
  };
  std::string s;
  if (mask && h.value_to > h.value_from) {
    s = printable(sv(from, std::max(from, h.value_from))) + mask_value(sv(h.value_from, h.value_to)) +
        printable(sv(std::min(to, std::max(h.value_to, from)), to));
  } else {
    s = printable(sv(from, to));
  }
  if (s.size() > kMaxExcerpt) s = s.substr(0, kMaxExcerpt - 3) + "...";
  return s;
}

std::uint32_t line_of(ByteView data, std::uint64_t offset) {
  std::uint32_t line = 1;
  const auto* p = data.data();
  const auto* end = p + std::min<std::uint64_t>(offset, data.size());
  while (p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    if (nl == nullptr) break;
    ++line;
    p = static_cast<const std::uint8_t*>(nl) + 1;
  }
  return line;
}

Severity one_lower(Severity s) { return s == Severity::kInfo ? s : static_cast<Severity>(static_cast<int>(s) - 1); }

}  // namespace

bool PatternsAnalyzer::wants(const NodeInfo& node) const {
  if (node.type != "file" || node.size == 0) return false;
  switch (node.kind) {
    case Kind::kText:
    case Kind::kScript:
    case Kind::kJson:
    case Kind::kXml:
    case Kind::kPlistXml:
    case Kind::kElf:
    case Kind::kPe:
    case Kind::kMachO:
    case Kind::kMachOFat:
    case Kind::kDex:
    case Kind::kJavaClass:
    case Kind::kUnknown:
    case Kind::kCarvedRegion:
    case Kind::kSqlite:
      return true;
    default:  // media, containers (their members are scanned), key files (the keys analyzer)
      return false;
  }
}

void PatternsAnalyzer::analyze(const NodeView& node, ScanContext& ctx) const {
  const auto& cp = ctx.resource<CompiledPatterns>(
      "patterns.matcher", [&] { return build(ctx.config()); });
  if (!cp.error.empty() && !cp.reported.exchange(true)) {
    Finding f;
    f.rule_id = "coverage.pattern-rules-error";
    f.category = Category::kCoverage;
    f.severity = Severity::kMedium;
    f.title = "Pattern rules could not be loaded";
    f.description = fmt::format("Some pattern rules were not applied: {}", cp.error);
    f.evidence.push_back({ctx.config().rules_dir.empty() ? "rules/" : ctx.config().rules_dir, std::nullopt,
                          std::nullopt, cp.error.substr(0, 200)});
    f.remediation = "Fix the rule files named in the message (assay rules list shows what loads).";
    f.key = cp.error.substr(0, 200);
    ctx.add_finding(std::move(f));
  }
  if (!cp.matcher) return;
  const auto& m = *cp.matcher;
  auto hits = m.scan(node.bytes, node.info);
  const bool text = text_like(node.info.kind);
  for (const auto& h : hits) {
    const rules::RuleDef& r = m.rules()[h.rule];
    Finding f;
    f.rule_id = r.id;
    f.category = r.category_value();
    f.severity = r.severity_value();
    f.confidence = h.confidence;
    if (h.confidence == "low" && r.confidence != "low") f.severity = one_lower(f.severity);
    f.title = r.title;
    f.description = r.rationale;
    if (!h.note.empty()) f.description += fmt::format(" ({})", h.note);
    Evidence ev;
    ev.path = node.info.path;
    ev.offset = h.from;
    if (text) ev.line = line_of(node.bytes, h.from);
    ev.excerpt = strings::valid_utf8(excerpt_for(node.bytes, h, r.mask));
    f.evidence.push_back(std::move(ev));
    f.cwe = r.cwe;
    f.remediation = r.remediation;
    f.tags = r.tags;
    f.references = r.references;
    // The value's hash: the same secret or indicator fingerprints the same in every build, and the
    // report never carries the secret itself.
    ByteView value = node.bytes.subspan(static_cast<std::size_t>(h.value_from),
                                        static_cast<std::size_t>(h.value_to - h.value_from));
    f.key = to_hex(sha256(value)).substr(0, 16);
    ctx.add_finding(std::move(f));
  }
}

}  // namespace assay::analyzers
