// assay sbom PRODUCT [--format cyclonedx|spdx] [-o FILE]: scans the product (the same engine as
// `assay scan`) and writes its software bill of materials. The exit code says whether the SBOM was
// written (0) or not (usage/input error), not the product's verdict.
#include "cli.hpp"
#include "report/formats.hpp"

namespace assay::cli {
namespace {

struct SbomOptions {
  CommonOptions common;
  std::string format = "cyclonedx";
  std::string output;
  assay::AnalysisConfig config;
};

int run_sbom(const SbomOptions& o) {
  assay::ScanOptions so = make_scan_options(o.common);
  so.config = o.config;
  Progress progress(!o.common.quiet, so);
  auto r = assay::scan(o.common.artifact, so);
  progress.stop();
  if (!r) return error_exit(r.error());
  std::string doc = o.format == "spdx" ? assay::report::render_spdx(*r) : assay::report::render_cyclonedx(*r);
  return write_output(o.output, doc) ? kExitPass : kExitUsage;
}

}  // namespace

void register_sbom(CLI::App& app) {
  auto o = std::make_shared<SbomOptions>();
  auto* cmd = app.add_subcommand("sbom", "write the product's SBOM (CycloneDX 1.6 or SPDX 2.3 JSON)");
  add_common(cmd, o->common);
  cmd->add_option("--format", o->format, "cyclonedx or spdx")
      ->check(CLI::IsMember({"cyclonedx", "spdx"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", o->output, "write the SBOM to FILE (default: stdout)");
  cmd->add_option("--vulndb,--db", o->config.vuln_db, "vulnerability database: adds CycloneDX vulnerabilities");
  cmd->add_option("--vex", o->config.vex_files, "OpenVEX or CycloneDX VEX statements");
  cmd->add_option("--rules", o->config.rules_dir, "read rule packs from DIR instead of the built-in ones");
  cmd->callback([o] { set_exit(run_sbom(*o)); });
}

}  // namespace assay::cli
