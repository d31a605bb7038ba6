#pragma once
// The multi-pattern matcher: every pattern of every pattern rule compiled into ONE vectorscan
// database, run in one pass over a node's bytes; each candidate match then goes through the rule's
// context filter, its entropy floor and its named validation callback (src/rules/validators.hpp).
//
// Compile once per scan (ScanContext::resource), scan from any thread: the database is immutable
// and scratch space comes from a small pool (one hs_scratch_t per concurrent scan, cloned on
// demand with hs_clone_scratch), so threads never share scratch.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "assay/assessment.hpp"
#include "assay/result.hpp"
#include "core/bytes.hpp"
#include "rules/rule_pack.hpp"

struct hs_database;
struct hs_scratch;

namespace assay::rules {

/// A validated match.
struct Hit {
  std::size_t rule = 0;      ///< index into PatternMatcher::rules()
  std::uint64_t from = 0;    ///< start of the whole match
  std::uint64_t to = 0;      ///< end (exclusive)
  std::uint64_t value_from = 0;  ///< the secret or indicator itself (inside [from, to))
  std::uint64_t value_to = 0;
  std::string confidence;    ///< the rule's, or what the validator decided
  std::string note;          ///< validator's explanation ("secret key 40 chars at +52")
};

/// Raw candidate before validation (exposed for the benchmark and tests).
struct Candidate {
  std::uint32_t expr = 0;
  std::uint64_t from = 0;
  std::uint64_t to = 0;
};

/// Where compiled databases are cached between runs (see docs/rules.md, "Compiled rule cache").
struct CacheOptions {
  bool enabled = true;
  std::string dir;  ///< "" = $XDG_CACHE_HOME/assay, else $HOME/.cache/assay
  /// Reads ASSAY_NO_CACHE (=1 disables), XDG_CACHE_HOME and HOME.
  static CacheOptions from_environment();
};

class PatternMatcher {
 public:
  ~PatternMatcher();
  PatternMatcher(const PatternMatcher&) = delete;
  PatternMatcher& operator=(const PatternMatcher&) = delete;

  /// Compiles the pattern rules among `rules` (others are ignored). Errors: kMalformed naming the
  /// rule id and pattern when vectorscan rejects a pattern or a rule names an unknown validator.
  /// The database is looked up first in the cache (keyed by SHA-256 of the expressions and
  /// their flags, the vectorscan version and the host platform) and stored there after a compile;
  /// an unreadable or invalid cache entry is ignored and rewritten.
  static Result<std::unique_ptr<PatternMatcher>> compile(const std::vector<RuleDef>& rules);
  static Result<std::unique_ptr<PatternMatcher>> compile(const std::vector<RuleDef>& rules,
                                                         const CacheOptions& cache);

  /// True when the database came from the cache (no vectorscan compile in this process).
  bool from_cache() const noexcept { return from_cache_; }
  /// The cache file used or written ("" when caching is off or failed).
  const std::string& cache_path() const noexcept { return cache_path_; }

  const std::vector<RuleDef>& rules() const noexcept { return rules_; }
  std::size_t expression_count() const noexcept { return exprs_.size(); }
  /// Rule ids of regex patterns vectorscan could not compile with start-of-match (their
  /// matches start at the beginning of their line); for rule authors (`rules match --stats`).
  std::vector<std::string> line_start_rules() const;

  /// True when `rule` applies to a node of this kind and path (its `context`).
  bool applies(std::size_t rule, const NodeInfo& node) const;

  /// One pass over `data`, then validation. Matches per rule per node are bounded
  /// (kMaxHitsPerRule). Nodes over kChunkBytes are scanned in overlapping chunks.
  std::vector<Hit> scan(ByteView data, const NodeInfo& node) const;

  /// The raw pass only (no validation): candidates per expression, bounded. For the benchmark.
  Status scan_raw(ByteView data, std::vector<Candidate>& out) const;

  /// Candidates reported per expression per node before the rest are dropped: a pattern that
  /// hits thousands of times in one file is noise, and validation is per candidate.
  static constexpr std::size_t kMaxCandidatesPerExpr = 256;
  /// Findings per rule per node: the report is for people.
  static constexpr std::size_t kMaxHitsPerRule = 8;
  /// Block-mode scans cover at most this much at a time (hs_scan takes an unsigned length and big
  /// blobs would otherwise need one huge call) ...
  static constexpr std::uint64_t kChunkBytes = 64ull << 20;
  /// ... and consecutive chunks overlap by this much, so a match up to this long that straddles a
  /// boundary is still seen once. Patterns are written bounded ({0,200}) to stay under it.
  static constexpr std::uint64_t kChunkOverlap = 4096;

 private:
  PatternMatcher() = default;
  struct Expr {
    std::uint32_t rule = 0;
    std::uint32_t pattern = 0;
    bool som = false;
    std::uint32_t literal_len = 0;  ///< for patterns compiled without start-of-match
  };
  hs_scratch* acquire() const;
  void release(hs_scratch* s) const;

  std::vector<RuleDef> rules_;
  std::vector<Expr> exprs_;
  hs_database* db_ = nullptr;
  hs_scratch* proto_ = nullptr;
  mutable std::mutex pool_mu_;
  mutable std::vector<hs_scratch*> pool_;
  std::vector<int> validator_of_rule_;  ///< index into the validator table, -1 for none
  bool from_cache_ = false;
  std::string cache_path_;
};

}  // namespace assay::rules
