#include "analyzers/yara/yara.hpp"

#include <atomic>

#include <fmt/format.h>

#include "formats/strings/strings.hpp"
#include "rules/yara_bridge.hpp"

namespace assay::analyzers {
namespace {

struct CompiledYara {
  std::unique_ptr<rules::YaraRules> rules;
  std::string error;
  mutable std::atomic<bool> reported{false};
};

std::unique_ptr<CompiledYara> build(const AnalysisConfig& config) {
  auto out = std::make_unique<CompiledYara>();
  auto r = rules::YaraRules::compile(config.yara_paths);
  if (r) out->rules = std::move(*r);
  else out->error = r.error().message;
  return out;
}

std::optional<Category> category_of(std::string_view s) {
  static constexpr std::pair<std::string_view, Category> kNames[] = {
      {"backdoor", Category::kBackdoor},   {"privacy", Category::kPrivacy},     {"crypto", Category::kCrypto},
      {"vulnerability", Category::kVulnerability}, {"hardening", Category::kHardening},
      {"integrity", Category::kIntegrity}, {"coverage", Category::kCoverage}, {"malware", Category::kIntegrity}};
  for (const auto& [n, c] : kNames)
    if (s == n) return c;
  return std::nullopt;
}

std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.');
  return out;
}

// The first file:line of a compile error message ("a.yar:3: syntax error ...").
void split_location(const std::string& msg, std::string& path, std::optional<std::uint32_t>& line) {
  auto nl = msg.find('\n');
  std::string first = nl == std::string::npos ? msg : msg.substr(nl + 1, msg.find('\n', nl + 1) - nl - 1);
  auto c1 = first.find(':');
  auto c2 = c1 == std::string::npos ? std::string::npos : first.find(':', c1 + 1);
  if (c2 == std::string::npos) return;
  path = first.substr(0, c1);
  line = static_cast<std::uint32_t>(std::strtoul(first.substr(c1 + 1, c2 - c1 - 1).c_str(), nullptr, 10));
}

}  // namespace

bool YaraAnalyzer::wants(const NodeInfo& node) const { return node.type == "file" && node.size > 0; }

void YaraAnalyzer::analyze(const NodeView& node, ScanContext& ctx) const {
  if (ctx.config().yara_paths.empty()) return;
  const auto& y = ctx.resource<CompiledYara>("yara.rules", [&] { return build(ctx.config()); });
  if (!y.error.empty()) {
    if (!y.reported.exchange(true)) {
      Finding f;
      f.rule_id = "coverage.yara-error";
      f.category = Category::kCoverage;
      f.severity = Severity::kHigh;
      f.title = "YARA rules could not be compiled";
      f.description = fmt::format("None of the --yara rules ran: {}", y.error);
      Evidence ev{fmt::format("{}", fmt::join(ctx.config().yara_paths, ", ")), std::nullopt, std::nullopt,
                  y.error.substr(0, 300)};
      split_location(y.error, ev.path, ev.line);
      f.evidence.push_back(std::move(ev));
      f.remediation = "Fix the rule at the file and line named here (yara reports the same error).";
      f.key = y.error.substr(0, 200);
      f.tags = {"rules", "yara"};
      ctx.add_finding(std::move(f));
    }
    return;
  }
  auto matches = y.rules->scan(node.bytes);
  if (!matches) {
    ctx.add_fact({"yara.error", node.info.path, {{"message", matches.error().message}}});
    return;
  }
  for (const auto& m : *matches) {
    Finding f;
    f.rule_id = "yara." + m.rule;
    f.category = category_of(m.category).value_or(Category::kIntegrity);
    f.severity = severity_from_name(m.severity).value_or(Severity::kMedium);
    f.title = m.title.empty() ? fmt::format("YARA rule {} matched", m.rule) : m.title;
    f.description = fmt::format("The user's YARA rule {}:{} matched{}.", m.ns, m.rule,
                                m.tags.empty() ? "" : fmt::format(" (tags {})", fmt::join(m.tags, ", ")));
    Evidence ev;
    ev.path = node.info.path;
    std::string excerpt;
    for (const auto& s : m.strings) {
      if (!ev.offset) ev.offset = s.offset;
      if (!excerpt.empty()) excerpt += "; ";
      excerpt += fmt::format("{} at 0x{:x}: {}", s.id, s.offset, printable(s.bytes));
    }
    ev.excerpt = strings::valid_utf8(excerpt.substr(0, 240));
    f.evidence.push_back(std::move(ev));
    f.remediation = "Review the matched content against the rule's intent (rule author's guidance).";
    f.key = m.ns + ":" + m.rule;
    f.tags = m.tags;
    f.tags.push_back("yara");
    if (!m.reference.empty()) f.references.push_back(m.reference);
    f.confidence = "medium";
    ctx.add_finding(std::move(f));
  }
}

}  // namespace assay::analyzers
