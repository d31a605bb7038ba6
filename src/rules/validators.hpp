#pragma once
// Named validation callbacks for pattern rules (`validate: <name>` in rules/patterns/*.yaml). A
// vectorscan match only says "these bytes look like X"; the callback checks structure, checksums,
// entropy and placeholders so that what reaches the report is X. Each callback is cheap and
// bounded: it looks at the match and a small window around it, never the whole node (except
// `elf_shell`, which parses the ELF import table once per node and caches it).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "assay/assessment.hpp"
#include "core/bytes.hpp"

namespace assay::rules {

/// What a callback sees: the node's bytes, the match, and a per-node cache.
struct ValidationInput {
  ByteView data;
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  const NodeInfo& node;
  /// Per-node lazily computed state shared by the callbacks of one scan call.
  struct NodeCache {
    bool elf_parsed = false;
    std::vector<std::string> elf_imports;
  }& cache;
};

/// A callback's decision. `accept` false drops the candidate; otherwise the value span (the
/// secret itself, for masking and the finding key) and optionally a confidence and a note.
struct Validation {
  bool accept = false;
  std::uint64_t value_from = 0;
  std::uint64_t value_to = 0;
  std::string confidence;  ///< "" keeps the rule's
  std::string note;
};

using ValidatorFn = Validation (*)(const ValidationInput&);

struct ValidatorEntry {
  std::string_view name;
  ValidatorFn fn;
  std::string_view doc;  ///< one line for docs/rules.md and `rules show`
};

/// Every callback, by name.
const std::vector<ValidatorEntry>& validators();
/// Index of a callback, or -1.
int find_validator(std::string_view name);

// Helpers shared with tests.
/// Shannon entropy in bits per character of a short string.
double string_entropy(std::string_view s);
/// True for values that are obviously not secrets: empty, "changeme", "${VAR}", "<password>",
/// "xxxx", "****", repeated characters, "password", "example"...
bool is_placeholder(std::string_view value);
/// GitHub classic token checksum: CRC32 of the 30 random characters, base62, in the last six.
bool github_token_checksum_ok(std::string_view token);
/// Base64url (or standard base64) decode without padding requirements; nullopt on bad input.
std::optional<std::string> base64_decode(std::string_view in);

}  // namespace assay::rules
