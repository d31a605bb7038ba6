// assay: the command-line shell over the engine. Thin by design: parse options, call the library,
// render. Exit codes (docs/cli.md): 0 pass, 1 fail, 2 conditional or incomplete, 3 usage or input
// error, 4 internal error, 130 interrupted.

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "assay/policy.hpp"
#include "assay/scan.hpp"
#include "cli.hpp"
#include "io/safe_path.hpp"
#include "io/scratch.hpp"
#include "report/formats.hpp"
#include "report/json.hpp"
#include "report/text.hpp"

namespace {

namespace fs = std::filesystem;
using namespace assay::cli;

std::atomic<bool> g_done{false};

// SIGINT/SIGTERM are blocked in every thread and taken by this one with sigwait, so the handling
// runs as ordinary code: ask the scan to stop, give it a moment to clean up, then remove every
// scratch directory and exit.
void start_signal_thread() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) return;
    g_cancel.store(true);
    for (int i = 0; i < 60 && !g_done.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    assay::cleanup_all_scratch();
    std::fputs("\nassay: interrupted\n", stderr);
    _exit(kExitInterrupted);
  }).detach();
}

// --- scan ---------------------------------------------------------------------------------

struct ScanExtras {
  assay::AnalysisConfig config;
  assay::policy::PolicyOptions policy;
  std::string fail_on;
};

int cmd_scan(const CommonOptions& co, const ScanExtras& x, const std::string& format, const std::string& output) {
  assay::ScanOptions so = make_scan_options(co);
  so.config = x.config;
  assay::policy::PolicyOptions po = x.policy;
  if (!x.fail_on.empty()) po.fail_on = assay::severity_from_name(x.fail_on);
  // A bad policy, date, declaration or waiver file is a usage error before the scan, not after it.
  if (auto st = assay::policy::check_options(po); !st) return error_exit(st.error());
  Progress progress(!co.quiet, so);
  auto r = assay::scan(co.artifact, so);
  progress.stop();
  if (!r) return error_exit(r.error());
  assay::Assessment& a = *r;
  if (auto st = assay::policy::apply(a, po); !st) return error_exit(st.error());
  std::string doc;
  if (format == "json") {
    doc = assay::report::render_json(a);
  } else if (format == "sarif") {
    doc = assay::report::render_sarif(a);
  } else if (format == "html") {
    doc = assay::report::render_html(a);
  } else if (format == "markdown") {
    doc = assay::report::render_markdown(a);
  } else if (format == "cyclonedx") {
    doc = assay::report::render_cyclonedx(a);
  } else if (format == "spdx") {
    doc = assay::report::render_spdx(a);
  } else {
    assay::report::TextOptions to;
    to.color = output.empty() && isatty(1) != 0 && std::getenv("NO_COLOR") == nullptr;
    doc = assay::report::render_text(a, to);
  }
  if (!write_output(output, doc)) return kExitUsage;
  return verdict_exit(a);
}

// --- ls -----------------------------------------------------------------------------------

int cmd_ls(const CommonOptions& co, const std::string& format) {
  assay::ScanOptions so = make_scan_options(co);
  so.analyze = false;
  Progress progress(!co.quiet, so);
  auto r = assay::scan(co.artifact, so);
  progress.stop();
  if (!r) return error_exit(r.error());
  if (format == "json") {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& n : r->tree) j.push_back(assay::report::to_json(n));
    std::string s = j.dump(2) + "\n";
    std::fwrite(s.data(), 1, s.size(), stdout);
    return kExitPass;
  }
  std::uint64_t files = 0, bytes = 0;
  std::string out;
  for (const auto& n : r->tree) {
    std::string sha = n.sha256.empty() ? std::string(64, '-') : n.sha256;
    std::string line = fmt::format("{:>12}  {:<18}  {}  {}", n.type == "file" ? std::to_string(n.size) : "-",
                                   assay::kind_name(n.kind), sha, n.path);
    if (!n.link_target.empty()) line += (n.kind == assay::Kind::kDevice ? " [" + n.link_target + "]" : " -> " + n.link_target);
    out += line;
    out += '\n';
    if (n.type == "file") {
      ++files;
      bytes += n.size;
    }
  }
  out += fmt::format("{:>12}  {} nodes, {} files\n", bytes, r->tree.size(), files);
  std::fwrite(out.data(), 1, out.size(), stdout);
  for (const auto& n : r->tree)
    for (const auto& d : n.diagnostics) std::fprintf(stderr, "%s: %s\n", n.path.c_str(), d.c_str());
  return kExitPass;
}

// --- extract ------------------------------------------------------------------------------

// Maps a virtual path to a relative disk path: the artifact's own name is dropped, and every
// container level becomes "<member>.extracted/". Components are already sanitized by the engine
// (no "..", no absolute paths); they are sanitized again here because this is where disk is written.
std::string disk_path_for(const std::string& vpath, const std::string& root) {
  std::string rest = vpath.substr(std::min(vpath.size(), root.size()));
  if (rest.rfind("!/", 0) == 0) rest = rest.substr(2);
  else if (rest.rfind("/", 0) == 0) rest = rest.substr(1);
  std::string out;
  std::size_t start = 0;
  for (;;) {
    std::size_t bang = rest.find("!/", start);
    std::string seg = assay::sanitize_member_path(rest.substr(start, bang == std::string::npos ? std::string::npos : bang - start));
    if (!out.empty()) out += ".extracted/";
    out += seg;
    if (bang == std::string::npos) break;
    start = bang + 2;
  }
  return out;
}

int cmd_extract(const CommonOptions& co, const std::string& outdir) {
  std::error_code ec;
  if (fs::exists(outdir, ec)) {
    if (!fs::is_directory(outdir, ec) || !fs::is_empty(outdir, ec)) {
      std::fprintf(stderr, "assay: %s exists and is not an empty directory; refusing to write into it\n",
                   outdir.c_str());
      return kExitUsage;
    }
  } else if (!fs::create_directories(outdir, ec)) {
    std::fprintf(stderr, "assay: cannot create %s: %s\n", outdir.c_str(), ec.message().c_str());
    return kExitUsage;
  }
  const std::string base = fs::canonical(outdir).string();
  assay::ScanOptions so = make_scan_options(co);
  so.analyze = false;
  std::string root_name;
  {
    fs::path p = fs::absolute(co.artifact).lexically_normal();
    root_name = p.filename().string();
    if (root_name.empty()) root_name = p.parent_path().filename().string();
    root_name = assay::sanitize_component(root_name);
  }
  std::atomic<std::uint64_t> written{0}, failed{0};
  std::mutex disk_mu;
  so.visitor = [&](const assay::VisitedNode& v) {
    const auto& n = v.info;
    if (n.depth == 0) return;
    std::string rel = disk_path_for(n.path, root_name);
    if (rel.empty()) return;
    fs::path target = fs::path(base) / rel;
    std::error_code e;
    if (n.type == "directory") {
      fs::create_directories(target, e);
      return;
    }
    if (n.type != "file") return;  // links, devices, fifos: recorded in assay-tree.tsv, never created
    // One writer at a time: workers creating files in the same directory contend on its inode
    // lock, and the kernel spins for it (perf: +60% CPU with 2 workers on a rootfs tarball).
    std::lock_guard<std::mutex> disk_lock(disk_mu);
    fs::create_directories(target.parent_path(), e);
    int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
      ++failed;
      std::fprintf(stderr, "assay: cannot create %s: %s\n", target.c_str(), std::strerror(errno));
      return;
    }
    std::size_t off = 0;
    while (off < v.bytes.size()) {
      ssize_t w = ::write(fd, v.bytes.data() + off, v.bytes.size() - off);
      if (w <= 0) {
        ++failed;
        break;
      }
      off += static_cast<std::size_t>(w);
    }
    ::close(fd);
    ++written;
  };
  Progress progress(!co.quiet, so);
  auto r = assay::scan(co.artifact, so);
  progress.stop();
  if (!r) return error_exit(r.error());
  // The manifest of everything, including what is never created on disk (links, devices).
  std::string tsv = "path\tkind\ttype\tsize\tsha256\tlink_target\tdisk_path\n";
  for (const auto& n : r->tree) {
    std::string rel = n.depth == 0 ? "" : disk_path_for(n.path, root_name);
    tsv += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\n", n.path, assay::kind_name(n.kind), n.type, n.size, n.sha256,
                       n.link_target, rel);
  }
  write_output(base + "/assay-tree.tsv", tsv);
  std::fprintf(stderr, "assay: extracted %llu file(s) to %s (%llu failed); tree in %s/assay-tree.tsv\n",
               static_cast<unsigned long long>(written.load()), base.c_str(),
               static_cast<unsigned long long>(failed.load()), base.c_str());
  for (const auto& n : r->tree)
    for (const auto& d : n.diagnostics) std::fprintf(stderr, "%s: %s\n", n.path.c_str(), d.c_str());
  return failed.load() == 0 ? kExitPass : kExitIncomplete;
}

// --- hardening ----------------------------------------------------------------------------

// A checksec-style table of every executable and library in the given products (files, trees,
// firmware images, packages, apps).
int cmd_hardening(const CommonOptions& co, const std::vector<std::string>& paths, const std::string& format) {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& p : paths) {
    CommonOptions o = co;
    o.artifact = p;
    assay::ScanOptions so = make_scan_options(o);
    Progress progress(!co.quiet, so);
    auto r = assay::scan(p, so);
    progress.stop();
    if (!r) return error_exit(r.error());
    for (const auto& f : r->facts)
      if (f.type == "binary.elf" || f.type == "binary.pe" || f.type == "binary.macho")
        all.push_back({{"path", f.path}, {"type", f.type}, {"data", f.data}});
  }
  if (format == "json") {
    std::string s = all.dump(2) + "\n";
    std::fwrite(s.data(), 1, s.size(), stdout);
    return kExitPass;
  }
  auto yn = [](bool b) { return b ? "yes" : "no"; };
  std::string out = fmt::format("{:<8} {:<7} {:<4} {:<5} {:<6} {:<7} {:<8} {:<8} {:>9} {:>11}  {}\n", "RELRO",
                                "CANARY", "NX", "PIE", "RPATH", "RUNPATH", "SYMBOLS", "FORTIFY", "FORTIFIED",
                                "FORTIFIABLE", "FILE");
  for (const auto& e : all) {
    const auto& d = e["data"];
    if (e["type"] == "binary.elf") {
      const auto& h = d["hardening"];
      out += fmt::format("{:<8} {:<7} {:<4} {:<5} {:<6} {:<7} {:<8} {:<8} {:>9} {:>11}  {}\n",
                         h["relro"].get<std::string>(), yn(h["canary"]), yn(h["nx"]), h["pie"].get<std::string>(),
                         yn(h["rpath"]), yn(h["runpath"]), yn(h["symbols"]), yn(h["fortify"]),
                         h["fortified"].get<int>(), h["fortifiable"].get<int>(), e["path"].get<std::string>());
    } else if (e["type"] == "binary.pe") {
      const auto& h = d["hardening"];
      out += fmt::format("PE       aslr={} dep={} cfg={} gs={} safeseh={} authenticode={} dotnet={}  {}\n",
                         yn(h.value("dynamic_base", false)), yn(h.value("nx_compat", false)), yn(h.value("cfg", false)),
                         yn(h.value("gs", false)), yn(h.value("safe_seh", false)), yn(h.value("authenticode", false)),
                         yn(h.value("dotnet", false)), e["path"].get<std::string>());
    } else {
      for (const auto& s : d["slices"])
        out += fmt::format("Mach-O   {} pie={} canary={} arc={} encrypted={} signed={} restrict={}  {}\n",
                           s.value("cpu", ""), yn(s.value("pie", false)), yn(s.value("canary", false)),
                           yn(s.value("arc", false)), yn(s.value("encrypted", false)),
                           yn(s.value("code_signature", false)), yn(s.value("restrict_segment", false)),
                           e["path"].get<std::string>());
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitPass;
}

}  // namespace

int main(int argc, char** argv) {
  start_signal_thread();
  CLI::App app{"Assay: evidence-backed security vetting of apps, firmware and software products"};
  app.set_version_flag("--version", std::string("assay ") + ASSAY_VERSION);
  app.require_subcommand(1);

  CommonOptions scan_o;
  ScanExtras scan_x;
  std::string scan_format = "text", scan_out;
  auto* scan = app.add_subcommand("scan", "assess a product and print a verdict");
  add_common(scan, scan_o);
  scan->add_option("--format", scan_format, "text, json, sarif, html, markdown, cyclonedx or spdx")
      ->check(CLI::IsMember({"text", "json", "sarif", "html", "markdown", "cyclonedx", "spdx"}))
      ->capture_default_str();
  scan->add_option("-o,--output", scan_out, "write the report to FILE (default: stdout)");
  scan->add_option("--policy", scan_x.policy.policy, "built-in policy id or a policy YAML file")->capture_default_str();
  scan->add_option("--declaration", scan_x.policy.declaration_file, "the vendor's declaration (product.yaml)");
  scan->add_option("--waivers", scan_x.policy.waivers_file, "accepted findings (waivers YAML)");
  scan->add_option("--date", scan_x.policy.today,
                   "assess as of DATE (YYYY-MM-DD): waiver expiry, declared support period (default: today, UTC)");
  scan->add_option("--fail-on", scan_x.fail_on, "fail on any finding at or above this severity")
      ->check(CLI::IsMember({"info", "low", "medium", "high", "critical"}));
  scan->add_option("--yara", scan_x.config.yara_paths, "YARA rule files or directories to run over every node");
  scan->add_option("--passwords", scan_x.config.password_files, "extra default-credential lists");
  scan->add_option("--vulndb,--db", scan_x.config.vuln_db, "vulnerability database (from `assay db import`)");
  scan->add_option("--vex", scan_x.config.vex_files, "OpenVEX or CycloneDX VEX statements");
  scan->add_option("--trackers", scan_x.config.tracker_files, "extra tracker packs (YAML or εxodus JSON)");
  scan->add_option("--rules", scan_x.config.rules_dir, "read rule packs from DIR instead of the built-in ones");

  CommonOptions ls_o;
  std::string ls_format = "text";
  auto* ls = app.add_subcommand("ls", "list the unpacked tree: size, kind, SHA-256, virtual path");
  add_common(ls, ls_o);
  ls->add_option("--format", ls_format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();

  CommonOptions ex_o;
  std::string ex_dir;
  auto* ex = app.add_subcommand("extract", "write the unpacked tree to a directory");
  add_common(ex, ex_o);
  ex->add_option("-o,--output", ex_dir, "output directory (must not exist or be empty)")->required();

  CommonOptions hd_o;
  std::vector<std::string> hd_paths;
  std::string hd_format = "text";
  auto* hd = app.add_subcommand("hardening", "checksec-style mitigation table for every binary in the products");
  hd->add_option("PATH", hd_paths, "files, directories or products")->required();
  hd->add_option("-j,--jobs", hd_o.jobs, "worker threads (default: all cores)");
  hd->add_option("--format", hd_format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  hd->add_flag("-q,--quiet", hd_o.quiet, "no progress line");

  register_cat(app);
  auto* rules = app.add_subcommand("rules", "list, show and import the rule packs");
  rules->require_subcommand(1);
  register_rules(*rules);
  register_trackers(*rules);
  register_sbom(app);
  register_db(app);
  register_policy(app);
  register_diff(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  } catch (const std::exception& e) {  // thrown by a registered command's callback
    std::fprintf(stderr, "assay: internal error: %s\n", e.what());
    g_done.store(true);
    return kExitInternal;
  }
  int rc = kExitInternal;
  try {
    if (*scan) rc = cmd_scan(scan_o, scan_x, scan_format, scan_out);
    else if (*ls) rc = cmd_ls(ls_o, ls_format);
    else if (*ex) rc = cmd_extract(ex_o, ex_dir);
    else if (*hd) rc = cmd_hardening(hd_o, hd_paths, hd_format);
    else rc = exit_code();  // a registered command ran from its callback
  } catch (const std::exception& e) {
    std::fprintf(stderr, "assay: internal error: %s\n", e.what());
    rc = kExitInternal;
  }
  g_done.store(true);
  return rc;
}