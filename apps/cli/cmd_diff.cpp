// assay diff OLD NEW: the re-assessment after a vendor's fix. Each side is an assessment document
// (assay scan --format json) or a product, which is scanned here with the same policy.
#include <unistd.h>

#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "assay/policy.hpp"
#include "cli.hpp"
#include "report/diff.hpp"
#include "report/json.hpp"

namespace assay::cli {
namespace {

struct DiffOptions {
  std::string old_path, new_path, format = "text", output, policy = "baseline";
  unsigned jobs = 0;
};

// An assessment document, or the product scanned now.
Result<nlohmann::json> load_side(const std::string& path, const DiffOptions& o) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::kUsage, fmt::format("cannot open {}", path));
  char first = 0;
  in >> std::ws;
  first = static_cast<char>(in.peek());
  if (first == '{') {
    std::stringstream ss;
    ss << in.rdbuf();
    nlohmann::json doc = nlohmann::json::parse(ss.str(), nullptr, false);
    if (!doc.is_discarded() && doc.is_object() && doc.value("schema", "") == kAssessmentSchema) return doc;
  }
  ScanOptions so;
  so.jobs = o.jobs;
  so.cancel = &g_cancel;
  auto r = scan(path, so);
  if (!r) return std::move(r).error();
  policy::PolicyOptions po;
  po.policy = o.policy;
  if (auto st = policy::apply(*r, po); !st) return st.error();
  return report::to_json(*r);
}

int run_diff(const DiffOptions& o) {
  auto a = load_side(o.old_path, o);
  if (!a) return error_exit(a.error());
  auto b = load_side(o.new_path, o);
  if (!b) return error_exit(b.error());
  nlohmann::json d = report::diff_assessments(*a, *b);
  std::string out = o.format == "json" ? d.dump(2) + "\n"
                                       : report::render_diff_text(d, o.output.empty() && isatty(1) != 0 &&
                                                                         std::getenv("NO_COLOR") == nullptr);
  if (!write_output(o.output, out)) return kExitUsage;
  return report::diff_has_new_findings(d) ? kExitFail : kExitPass;
}

}  // namespace

void register_diff(CLI::App& app) {
  auto o = std::make_shared<DiffOptions>();
  auto* cmd = app.add_subcommand("diff", "what changed between two assessments (fixed, new, persisting findings)");
  cmd->add_option("OLD", o->old_path, "assessment JSON or product before the fix")->required();
  cmd->add_option("NEW", o->new_path, "assessment JSON or product after the fix")->required();
  cmd->add_option("--format", o->format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  cmd->add_option("-o,--output", o->output, "write the diff to FILE (default: stdout)");
  cmd->add_option("--policy", o->policy, "policy for sides that are products")->capture_default_str();
  cmd->add_option("-j,--jobs", o->jobs, "worker threads when scanning products");
  cmd->callback([o] { set_exit(run_diff(*o)); });
}

}  // namespace assay::cli
