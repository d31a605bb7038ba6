// `assay rules import-exodus FILE [-o OUT.yaml]`: converts the εxodus tracker list (JSON) into an
// Assay tracker pack (YAML) that `assay scan --trackers OUT.yaml` reads, so users keep the list
// current themselves. Signatures that are not plain prefixes or domains are refused and listed on
// stderr (the pack matches on package and domain boundaries; it runs no regexes).
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "analyzers/trackers/tracker_pack.hpp"
#include "cli.hpp"

namespace assay::cli {

void register_trackers(CLI::App& rules) {
  struct Options {
    std::string file;
    std::string out;
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = rules.add_subcommand("import-exodus", "convert an εxodus tracker list (JSON) into an Assay tracker pack (YAML)");
  cmd->add_option("FILE", o->file, "εxodus trackers JSON (e.g. from https://reports.exodus-privacy.eu.org/api/trackers)")->required();
  cmd->add_option("-o,--output", o->out, "write the YAML pack here (default: stdout)");
  cmd->add_flag("-q,--quiet", o->quiet, "do not list refused signatures");
  cmd->callback([o] {
    std::ifstream in(o->file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "assay: cannot read %s\n", o->file.c_str());
      set_exit(kExitUsage);
      return;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    auto imported = trackers::import_exodus(ss.str(), o->file);
    if (!imported) {
      std::fprintf(stderr, "assay: %s\n", imported.error().message.c_str());
      set_exit(kExitUsage);
      return;
    }
    std::size_t code = 0, net = 0;
    for (const auto& t : imported->trackers) {
      code += t.code_signatures.size();
      net += t.network_signatures.size();
    }
    const std::string header = fmt::format(
        "Assay tracker pack converted from εxodus ({}) by `assay rules import-exodus`.\n"
        "{} trackers, {} code signatures, {} network signatures; {} signature(s) refused (not a plain prefix or domain).\n"
        "Use with: assay scan --trackers THIS_FILE ARTIFACT",
        o->file, imported->trackers.size(), code, net, imported->refused.size());
    if (!write_output(o->out, trackers::to_yaml(imported->trackers, header))) {
      std::fprintf(stderr, "assay: cannot write %s\n", o->out.c_str());
      set_exit(kExitUsage);
      return;
    }
    if (!o->quiet)
      for (const auto& r : imported->refused)
        std::fprintf(stderr, "refused: %s: '%s': %s\n", r.tracker.c_str(), r.signature.c_str(), r.reason.c_str());
    std::fprintf(stderr, "imported %zu trackers (%zu code, %zu network signatures); refused %zu signature(s)\n",
                 imported->trackers.size(), code, net, imported->refused.size());
    set_exit(kExitPass);
  });
}

}  // namespace assay::cli
