#pragma once
// The YARA bridge: the user's --yara files and directories compiled once per scan with libyara,
// then run over node bytes from any thread. The compiled rules (YR_RULES) are immutable and
// shared; every scan call creates its own YR_SCANNER, so threads never share scanner state.
// libyara is initialised once per process and never finalised (other scans may be running).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "assay/result.hpp"
#include "core/bytes.hpp"

struct YR_RULES;

namespace assay::rules {

/// One matching YARA rule.
struct YaraMatch {
  std::string rule;       ///< identifier
  std::string ns;         ///< namespace ("default" unless the file set one)
  std::vector<std::string> tags;
  std::string category;   ///< meta `category`, "" when absent
  std::string severity;   ///< meta `severity`, "" when absent
  std::string title;      ///< meta `title` or `description`
  std::string reference;  ///< meta `reference`
  struct StringHit {
    std::string id;  ///< "$a"
    std::uint64_t offset = 0;
    std::string bytes;  ///< the first bytes matched (bounded)
  };
  std::vector<StringHit> strings;  ///< first hits, bounded (kMaxStringHits)
};

class YaraRules {
 public:
  ~YaraRules();
  YaraRules(const YaraRules&) = delete;
  YaraRules& operator=(const YaraRules&) = delete;

  /// Compiles every file in `paths` (directories are read recursively for *.yar, *.yara, *.rule and
  /// *.rules). Errors: kUsage when a path does not exist or holds no rule file; kMalformed with
  /// "file:line: message" lines (every error YARA reports) when the rules do not compile.
  static Result<std::unique_ptr<YaraRules>> compile(const std::vector<std::string>& paths);
  /// Compiles rules from a string (tests). Errors as compile().
  static Result<std::unique_ptr<YaraRules>> compile_string(const std::string& source);

  /// Runs every rule over `data`. Errors: kLimit when YARA's per-scan timeout trips, kInternal
  /// for other libyara errors.
  Result<std::vector<YaraMatch>> scan(ByteView data) const;

  std::size_t files() const noexcept { return files_; }

  static constexpr std::size_t kMaxStringHits = 8;   ///< string offsets reported per matching rule
  static constexpr std::size_t kMaxMatchedBytes = 32;  ///< bytes of each string match kept for the excerpt
  static constexpr int kScanTimeoutSeconds = 60;        ///< YARA's own per-node deadline

 private:
  YaraRules() = default;
  YR_RULES* rules_ = nullptr;
  std::size_t files_ = 0;
};

}  // namespace assay::rules
