#pragma once
/// \file scan.hpp
/// The engine's entry point: scan one artifact (a file or a directory) into an Assessment.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "assay/assessment.hpp"
#include "assay/limits.hpp"
#include "assay/result.hpp"

namespace assay {

/// Progress counters, readable from another thread while a scan runs.
struct ScanProgress {
  std::atomic<std::uint64_t> nodes{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> pending{0};
};

/// A node as a visitor sees it, with its bytes (valid during the call only).
struct VisitedNode {
  const NodeInfo& info;
  std::span<const std::uint8_t> bytes;
};

/// What the user adds to the built-in analysis (all optional; the built-in rules and packs are
/// embedded in the binary and need nothing on disk).
struct AnalysisConfig {
  std::vector<std::string> yara_paths;      ///< --yara: YARA rule files or directories
  std::vector<std::string> password_files;  ///< --passwords: extra default-credential lists
  std::string vuln_db;                      ///< --db: SQLite vulnerability database ("" = none)
  std::vector<std::string> vex_files;       ///< --vex: OpenVEX or CycloneDX VEX statements
  std::vector<std::string> tracker_files;   ///< --trackers: extra tracker packs (Assay YAML or εxodus JSON)
  std::string rules_dir;                    ///< --rules: read rule packs from DIR instead of the embedded ones
};

struct ScanOptions {
  Limits limits;
  AnalysisConfig config;
  /// Worker threads; 0 = the number of hardware threads.
  unsigned jobs = 0;
  /// Where the private scratch directory is created ("" = $TMPDIR or /tmp).
  std::string scratch_base;
  /// Run the analyzers (false: unpack and identify only, for `ls` and `extract`).
  bool analyze = true;
  /// Called for every node once its bytes are known, from worker threads (must be thread-safe).
  std::function<void(const VisitedNode&)> visitor;
  /// Updated while the scan runs (optional).
  ScanProgress* progress = nullptr;
  /// Current path being processed, for progress display (optional; guarded by its own mutex).
  std::function<void(const std::string&)> on_current;
  /// Set to true from another thread to cancel the scan (optional).
  const std::atomic<bool>* cancel = nullptr;
};

/// Scans `path`. Errors: kUsage (path missing or unreadable type), kIo (cannot map or create the
/// scratch area), kCancelled. Problems inside the product never fail the scan: they become
/// diagnostics and `coverage` findings.
Result<Assessment> scan(const std::string& path, const ScanOptions& options);

/// The verdict rule used until a policy is given: any critical or high finding fails; an
/// incomplete assessment never passes (it is kIncomplete); otherwise pass.
Verdict default_verdict(const Assessment& a);

}  // namespace assay
