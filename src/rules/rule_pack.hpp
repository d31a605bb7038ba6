#pragma once
// The rule-pack model: every rule documented under rules/ (any YAML file with a `rules:` list),
// loaded from the embedded copy or from the user's --rules DIR. One shape for every analyzer's
// rules (docs/rules.md); pattern rules add the fields the multi-pattern matcher needs.
//
// Loading never throws: yaml-cpp's exceptions are caught here and become per-file errors, so one
// broken file in a user's rule directory costs that file, not the scan.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "assay/assessment.hpp"
#include "assay/result.hpp"

namespace assay::rules {

/// One pattern of a pattern rule: a vectorscan regex or a literal string.
struct PatternDef {
  std::string regex;    ///< PCRE subset accepted by vectorscan ("" when `literal` is used)
  std::string literal;  ///< matched byte for byte (escaped before compiling)
  bool caseless = false;
  bool single_match = false;  ///< one report per node is enough (indicator strings)
  bool dot_all = false;
  /// Compile without start-of-match state: the match start is recovered as the start of its line.
  /// For regexes with long bounded repeats over wide classes, which vectorscan otherwise rejects
  /// as "too large" with start-of-match (each such rejection costs one more whole compile).
  bool end_only = false;
};

/// Where a pattern rule applies. Empty lists mean "anywhere the analyzer looks".
struct RuleContext {
  std::vector<std::string> kinds;  ///< node kind names ("elf", "script", "text", "data")
  std::vector<std::string> paths;  ///< globs on the member path ("*.py", "*/etc/*", "*.cgi")
};

/// One documented rule. Only the common fields are typed; the whole entry is kept as JSON so that
/// `assay rules show` prints the fields other analyzers add.
struct RuleDef {
  std::string id;
  std::string title;
  std::string category;  ///< backdoor|privacy|crypto|vulnerability|hardening|integrity|coverage
  std::string severity;  ///< info|low|medium|high|critical
  std::string rationale;
  std::string remediation;
  std::vector<std::string> references;
  std::vector<std::string> cwe;
  std::vector<std::string> tags;
  std::vector<std::string> applies_to;
  std::string confidence = "high";
  std::string source;  ///< "rules/patterns/secrets.yaml"
  nlohmann::json raw;  ///< the entry as written (for `rules show`)

  // Pattern-rule fields (patterns empty for documentation-only rules).
  std::vector<PatternDef> patterns;
  bool match_all = false;  ///< `match: all`: every pattern must hit the node (a multi-string indicator)
  std::string validate;    ///< name of a C++ validation callback (src/rules/validators.hpp)
  double min_entropy = 0;  ///< bits per character of the matched value, below which it is dropped
  bool mask = false;       ///< mask the middle of the value in excerpts (secrets)
  RuleContext context;

  bool is_pattern_rule() const noexcept { return !patterns.empty(); }
  Category category_value() const noexcept;
  Severity severity_value() const noexcept;
};

/// Every rule of every file, in file then declaration order.
struct RulePack {
  std::vector<RuleDef> rules;
  std::vector<std::string> files;   ///< the YAML files read
  std::vector<std::string> errors;  ///< "rules/x.yaml: line 3: ..." per file that failed to load
  const RuleDef* find(std::string_view id) const noexcept;
};

/// Parses one YAML document (`source` names it in errors). Files without `rules:` yield nothing.
/// Errors: kMalformed with the file and line.
Result<std::vector<RuleDef>> parse_rule_file(std::string_view yaml, const std::string& source);

/// Loads every `*.yaml`/`*.yml` under rules/: from `override_dir` when it is set (the user's --rules
/// DIR, read recursively), else the embedded copies. A file that fails to parse is listed in
/// `errors` and skipped. Errors: kUsage when `override_dir` is set but is not a directory.
/// `pattern_files_only`: skip, before parsing, files whose text never says "patterns" (they can
/// hold no pattern rule). A scan needs only those; parsing the other ~200 KB of YAML with yaml-cpp
/// was a third of the start-up of a scan of a small app.
Result<RulePack> load_rule_pack(const std::string& override_dir = {}, bool pattern_files_only = false);

/// Glob match with `*` (any run, including '/') and `?`; used for rule contexts.
bool glob_match(std::string_view pattern, std::string_view text) noexcept;

}  // namespace assay::rules
