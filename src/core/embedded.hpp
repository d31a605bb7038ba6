#pragma once
// The files under rules/ and policies/, compiled into the binary (cmake/embed.cmake), so the
// built-in rule packs and policies need nothing on disk. Paths are relative to the repository root
// ("rules/trackers.yaml").

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "assay/result.hpp"
#include "yaml/node.hpp"

namespace assay {

struct EmbeddedFile {
  std::string_view path;
  std::string_view data;
};

/// Every embedded file, sorted by path.
std::span<const EmbeddedFile> embedded_files() noexcept;

/// One embedded file by exact path.
std::optional<std::string_view> embedded_file(std::string_view path) noexcept;

/// Embedded files whose path starts with `prefix` ("rules/accounts/").
std::vector<EmbeddedFile> embedded_files_under(std::string_view prefix);

/// The same YAML files as parsed at build time (apps/yamlc, yaml::to_binary), sorted by path.
std::span<const EmbeddedFile> embedded_yaml_binaries() noexcept;

/// Parses YAML text; throws yaml::Exception. A text equal to an embedded file is not parsed
/// again: its tree is read from the form the build stored, which is what makes loading the
/// built-in rule packs cost microseconds instead of ~40 ms of yaml-cpp per scan. (Matching by
/// content, not by name, keeps a user's --rules copy of a file correct whether edited or not.)
yaml::Node load_yaml(std::string_view text);

/// A rule or policy file: from `override_dir` when it is set (the user's --rules DIR; `path` is
/// then taken relative to it without its first component, so "rules/x.yaml" is DIR/x.yaml),
/// otherwise the embedded copy. kUsage when neither has it.
Result<std::string> load_data_file(std::string_view path, const std::string& override_dir = {});

}  // namespace assay
