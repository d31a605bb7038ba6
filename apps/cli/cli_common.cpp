// The CLI's shared pieces (apps/cli/cli.hpp).

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>

#include "cli.hpp"

namespace assay::cli {

std::atomic<bool> g_cancel{false};
namespace {
std::atomic<int> g_exit{kExitInternal};
}  // namespace

void set_exit(int rc) { g_exit.store(rc); }
int exit_code() { return g_exit.load(); }

void add_common(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("ARTIFACT", o.artifact, "product file or directory")->required();
  cmd->add_option("-j,--jobs", o.jobs, "worker threads (default: all cores)");
  cmd->add_option("--max-depth", o.limits.max_depth, "container nesting limit")->capture_default_str();
  cmd->add_option("--max-nodes", o.limits.max_nodes, "node count limit")->capture_default_str();
  cmd->add_option("--max-bytes", o.limits.max_total_bytes, "total unpacked bytes limit")->capture_default_str();
  cmd->add_option("--max-file-bytes", o.limits.max_file_bytes, "per-file unpacked bytes limit")->capture_default_str();
  cmd->add_option("--max-ratio", o.limits.max_ratio, "compression ratio limit")->capture_default_str();
  cmd->add_option("--max-memory", o.limits.max_memory_bytes, "in-memory unpacked bytes before spilling to disk")
      ->capture_default_str();
  cmd->add_option("--timeout", o.limits.deadline_seconds, "scan time limit in seconds (0 = none)")->capture_default_str();
  cmd->add_flag("-q,--quiet", o.quiet, "no progress line");
}

Progress::Progress(bool enabled, assay::ScanOptions& so) : enabled_(enabled && isatty(2) != 0) {
  if (!enabled_) return;
  so.progress = &counters_;
  so.on_current = [this](const std::string& p) {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = p;
  };
  thread_ = std::thread([this] { loop(); });
}

void Progress::stop() {
  if (!enabled_ || stopped_.exchange(true)) return;
  thread_.join();
  std::fputs("\r\x1b[2K", stderr);
  std::fflush(stderr);
}

void Progress::loop() {
  // At least one line, however fast the scan: the user sees what ran.
  do {
    std::string cur;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cur = current_;
    }
    struct winsize ws {};
    std::size_t width = (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) ? ws.ws_col : 80;
    std::string line = fmt::format("{} files, {:.1f} MiB, {} queued  ", counters_.nodes.load(),
                                   static_cast<double>(counters_.bytes.load()) / 1048576.0, counters_.pending.load());
    if (line.size() + 10 < width) {
      std::size_t room = width - line.size() - 1;
      if (cur.size() > room) cur = "..." + cur.substr(cur.size() - room + 3);
      line += cur;
    }
    std::fprintf(stderr, "\r\x1b[2K%s", line.c_str());
    std::fflush(stderr);
    for (int i = 0; i < 4 && !stopped_.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (!stopped_.load());
}

assay::ScanOptions make_scan_options(const CommonOptions& o) {
  assay::ScanOptions so;
  so.limits = o.limits;
  so.jobs = o.jobs;
  so.cancel = &g_cancel;
  return so;
}

int error_exit(const assay::Error& e) {
  std::fprintf(stderr, "assay: %s\n", e.message.c_str());
  if (e.code == assay::Errc::kCancelled) return kExitInterrupted;
  if (e.code == assay::Errc::kInternal) return kExitInternal;
  return kExitUsage;
}

int verdict_exit(const assay::Assessment& a) {
  switch (a.verdict.result) {
    case assay::VerdictResult::kPass: return kExitPass;
    case assay::VerdictResult::kFail: return kExitFail;
    default: return kExitIncomplete;
  }
}

bool write_output(const std::string& path, const std::string& data) {
  if (path.empty() || path == "-") {
    std::fwrite(data.data(), 1, data.size(), stdout);
    return true;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  if (!out) {
    std::fprintf(stderr, "assay: cannot write %s\n", path.c_str());
    return false;
  }
  return true;
}

}  // namespace assay::cli
