#pragma once
// What the CLI's command files share: exit codes, common scan options, the progress line, output.
// Each command lives in apps/cli/cmd_<name>.cpp and registers itself from main() with one call.

#include <CLI/CLI.hpp>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "assay/scan.hpp"

namespace assay::cli {

enum ExitCode : int {
  kExitPass = 0,
  kExitFail = 1,
  kExitIncomplete = 2,
  kExitUsage = 3,
  kExitInternal = 4,
  kExitInterrupted = 130,
};

/// Set by the signal thread; every scan polls it.
extern std::atomic<bool> g_cancel;

/// The exit code of the command that ran (set by a command's callback).
void set_exit(int rc);
int exit_code();

struct CommonOptions {
  std::string artifact;
  unsigned jobs = 0;
  assay::Limits limits;
  std::uint64_t timeout = 0;
  bool quiet = false;
};

/// ARTIFACT, --jobs, the limits and --quiet.
void add_common(CLI::App* cmd, CommonOptions& o);
assay::ScanOptions make_scan_options(const CommonOptions& o);

int error_exit(const assay::Error& e);
int verdict_exit(const assay::Assessment& a);
/// Writes to `path`, or stdout when it is empty or "-".
bool write_output(const std::string& path, const std::string& data);

// Progress on stderr, only when stderr is a terminal.
class Progress {
 public:
  Progress(bool enabled, assay::ScanOptions& so);
  ~Progress() { stop(); }
  void stop();

 private:
  void loop();
  bool enabled_;
  assay::ScanProgress counters_;
  std::mutex mu_;
  std::string current_;
  std::atomic<bool> stopped_{false};
  std::thread thread_;
};

// Registration hooks, one per command file. Each adds its subcommand(s) with a callback that
// calls set_exit().
void register_cat(CLI::App& app);                  // cmd_cat.cpp
void register_rules(CLI::App& rules);              // cmd_rules.cpp: rules list|show
void register_trackers(CLI::App& rules);           // cmd_trackers.cpp: rules import-exodus
void register_sbom(CLI::App& app);                 // cmd_sbom.cpp
void register_db(CLI::App& app);                   // cmd_db.cpp
void register_policy(CLI::App& app);               // cmd_policy.cpp
void register_diff(CLI::App& app);                 // cmd_diff.cpp

}  // namespace assay::cli
