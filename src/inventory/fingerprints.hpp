#pragma once
// Version fingerprints for unmanaged components (rules/components.yaml): compiled once per scan,
// then run over a binary's bytes. Each pattern is a literal anchor found with memmem; a small
// ECMAScript regex runs only in a window of a few hundred bytes around each hit, so a multi-MiB
// binary costs one memmem pass per anchor, never a regex over the whole node.

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "assay/kind.hpp"
#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::inventory {

struct FingerprintPattern {
  std::string anchor;
  std::string regex_source;
  std::regex regex;
  std::uint32_t before = 0;
  std::uint32_t after = 160;
  std::vector<std::string> requires_all;
  std::string confidence = "high";
};

struct FingerprintRule {
  std::string name;
  std::string cpe_vendor_product;  ///< "openssl:openssl"
  char cpe_part = 'a';
  std::string purl_base;           ///< "pkg:generic/openssl"
  std::vector<std::string> packages;
  std::vector<Kind> kinds;
  std::vector<FingerprintPattern> patterns;
  std::vector<std::regex> file_names;
  std::vector<std::string> file_name_sources;
  std::vector<std::string> examples;
};

/// One version string found in a node.
struct FingerprintMatch {
  const FingerprintRule* rule = nullptr;
  std::string version;
  std::string evidence;  ///< the exact matched text (printable; NULs shown as \0)
  std::optional<std::uint64_t> offset;  ///< none for a file-name match
  std::string confidence;
  std::string method;  ///< "version-string" or "file-name"
};

class Fingerprints {
 public:
  /// Compiles rules/components.yaml text. kMalformed names the bad rule (bad YAML, bad regex).
  static Result<std::shared_ptr<const Fingerprints>> compile(std::string_view yaml_text);
  /// The built-in rules (or the --rules DIR override).
  static Result<std::shared_ptr<const Fingerprints>> load(const std::string& rules_dir);

  /// True when some rule scans nodes of this kind.
  bool wants(Kind kind) const noexcept;
  /// Every rule's first match in `bytes` (and in `file_name`), at most one per rule.
  std::vector<FingerprintMatch> scan(ByteView bytes, Kind kind, std::string_view file_name) const;

  const std::vector<FingerprintRule>& rules() const noexcept { return rules_; }
  /// The CPE 2.3 name for a rule and version.
  static std::string cpe(const FingerprintRule& rule, std::string_view version);

 private:
  std::vector<FingerprintRule> rules_;
  // One pass over a node finds every anchor: the first two bytes of each anchor index a 64 Ki
  // table of candidate (rule, pattern) pairs, so the cost per byte is one table probe whatever
  // the number of rules (a memmem per anchor cost 40+ passes over each binary).
  struct Candidate {
    std::uint32_t rule;
    std::uint32_t pattern;
  };
  std::vector<std::vector<Candidate>> by_prefix_;  ///< 65536 entries, indexed b[i] | b[i+1] << 8
  std::vector<std::uint64_t> prefix_bits_;         ///< the same as an 8 KiB bitmap (stays in L1)
  void index();
};

}  // namespace assay::inventory
