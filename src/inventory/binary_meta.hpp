#pragma once
// Dependency metadata that compilers embed in binaries: the Go build information blob
// ("\xff Go buildinf:", Go >= 1.18 inline format) and Rust cargo-auditable's zlib-compressed JSON
// (section .dep-v0). Pure parsers over bytes.

#include <optional>
#include <string>
#include <vector>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::inventory {

struct GoModule {
  std::string path;
  std::string version;
  std::string sum;
  std::string replaced_by;  ///< "=>" line: the module that replaced this one
};

struct GoBuildInfo {
  std::uint64_t offset = 0;  ///< of the magic
  std::string go_version;    ///< "go1.21.4"
  std::string path;          ///< main package path
  GoModule main;
  std::vector<GoModule> deps;
};

// A Go binary lists < 1,000 modules; more is not a real build.
inline constexpr std::size_t kMaxGoModules = 10000;
// Build info strings are a few KiB; a length above this is corrupt.
inline constexpr std::uint64_t kMaxGoString = 4u * 1024 * 1024;

/// Finds and parses the build info blob. nullopt when there is none; kUnsupported for the pre-1.18
/// pointer format (its strings live at virtual addresses); kMalformed/kTruncated when broken.
std::optional<Result<GoBuildInfo>> find_go_buildinfo(ByteView binary);

struct CargoPackage {
  std::string name;
  std::string version;
  std::string source;  ///< "crates.io", "git", "local", "registry"
  std::string kind;    ///< "runtime" or "build"
  bool root = false;
  std::vector<std::size_t> dependencies;  ///< indices into the package list
};

// The decompressed JSON is capped: cargo-auditable keeps it well under 1 MiB.
inline constexpr std::size_t kMaxAuditableJson = 16u * 1024 * 1024;

/// Parses the contents of a .dep-v0 section (zlib stream of JSON {"packages": [...]}).
Result<std::vector<CargoPackage>> parse_cargo_auditable(ByteView section);

/// Inflates a zlib stream into at most `max_out` bytes (kLimit past it).
Result<std::string> zlib_inflate(ByteView data, std::size_t max_out);

}  // namespace assay::inventory
