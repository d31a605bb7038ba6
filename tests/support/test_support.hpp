#pragma once
// Helpers shared by the tests: temporary directories, running the real tools that generate
// fixtures, reading files, and locating the shared corpus.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace assay::test {

/// A fresh temporary directory removed at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::filesystem::path operator/(const std::string& s) const { return path_ / s; }

 private:
  std::filesystem::path path_;
};

/// Runs a shell command; returns its exit status (and stdout in `out` if given).
int run(const std::string& cmd, std::string* out = nullptr);
/// True when `tool` is on PATH.
bool have_tool(const std::string& tool);
std::string read_file(const std::filesystem::path& p);
void write_file(const std::filesystem::path& p, std::string_view data);
/// The shared corpus folder, or empty when absent (tests then GTEST_SKIP with a message).
std::filesystem::path corpus_dir();
/// Path of the built `assay` executable.
std::string assay_cli();

}  // namespace assay::test

/// Skips the test when a fixture-generating tool is missing (scripts/setup installs them all).
#define ASSAY_REQUIRE_TOOL(tool) \
  if (!::assay::test::have_tool(tool)) GTEST_SKIP() << "tool not installed: " << (tool) << " (run scripts/setup)"
#define ASSAY_REQUIRE_CORPUS() \
  if (::assay::test::corpus_dir().empty()) GTEST_SKIP() << "corpus folder ../shared/corpus is absent"
