#pragma once
// Scratch: a private temporary directory for one scan (spilled content, extracted data).
// Created mode 0700 under $TMPDIR; removed by the destructor, and by cleanup_all_scratch() which the
// CLI calls from its signal-handling thread on SIGINT/SIGTERM.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "assay/result.hpp"

namespace assay {

class Scratch {
 public:
  /// Creates a fresh directory `<base>/assay-XXXXXX` (base: $TMPDIR or /tmp when empty).
  static Result<std::unique_ptr<Scratch>> create(const std::string& base = {});
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  const std::string& path() const noexcept { return path_; }
  /// A new unique file path inside the directory (the file is not created).
  std::string new_file_path(const char* stem = "blob");

 private:
  explicit Scratch(std::string path);
  std::string path_;
  std::atomic<std::uint64_t> counter_{0};
};

/// Removes every scratch directory still alive in this process. Safe to call from a normal thread
/// while others run (the CLI's signal thread calls it and then exits).
void cleanup_all_scratch() noexcept;

/// Removes a directory tree without following symlinks. Returns false on failure.
bool remove_tree(const std::string& path) noexcept;

}  // namespace assay
