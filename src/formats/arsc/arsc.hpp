#pragma once
/// \file arsc.hpp
/// resources.arsc (ResTable): the global value string pool, packages with their type and key
/// string pools, type specs and types (one per configuration) with simple and complex (map)
/// entries. Enough to answer the two questions a manifest reader asks: what is the value of
/// resource 0x7f0c001b in the default configuration, and what is its name ("@string/app_name").

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "assay/result.hpp"
#include "core/bytes.hpp"
#include "formats/axml/axml.hpp"
#include "formats/axml/string_pool.hpp"

namespace assay::arsc {

/// A resolved value: the typed value and, for strings, the text.
struct Value {
  axml::TypedValue typed;
  std::string string;  ///< for kString values
  /// The value as text: the string, else axml::format_value(typed).
  std::string text() const;
};

/// Most packages read; an app has one, a shared-library app a few.
inline constexpr std::size_t kMaxPackages = 64;
/// Most type chunks (one per type and configuration) read per package; big apps have ~2,000.
inline constexpr std::size_t kMaxTypeChunks = 65'536;
/// Reference chains followed by resolve(); real chains are 1-3 long and a loop must end.
inline constexpr int kMaxReferenceHops = 16;

class ResourceTable {
 public:
  /// Parses a resources.arsc. The bytes are copied: the table owns what it points into.
  /// kMalformed when the data is not a resource table.
  static Result<ResourceTable> parse(ByteView data);

  ResourceTable() = default;
  ResourceTable(ResourceTable&&) noexcept = default;
  ResourceTable& operator=(ResourceTable&&) noexcept = default;

  /// The value of `id` in the default configuration (or, when the default has none, the first
  /// configuration that has it), following references up to kMaxReferenceHops. Complex (map)
  /// entries (styles, arrays) have no single value: nullopt, as for unknown ids.
  std::optional<Value> resolve(std::uint32_t id) const;
  /// "@string/app_name" (or "@pkg:type/name" for another package); nullopt when unknown.
  std::optional<std::string> name(std::uint32_t id) const;
  /// Resources defined, over all packages (entries with a key, in any configuration).
  std::size_t entry_count() const noexcept;
  /// Names of the packages ("com.example.app").
  std::vector<std::string> package_names() const;
  /// Problems met while reading.
  const std::vector<std::string>& diagnostics() const noexcept { return diagnostics_; }

 private:
  struct Entry {
    std::uint32_t key = 0;
    bool complex = false;
    axml::TypedValue value;
  };
  struct TypeChunk {
    bool default_config = false;
    std::uint32_t entry_count = 0;
    std::uint64_t offsets_at = 0;   // offset of the entry offsets in bytes_
    std::uint64_t entries_at = 0;   // offset of the entries in bytes_
    std::uint64_t chunk_end = 0;
    std::uint8_t flags = 0;
  };
  struct Package {
    std::uint32_t id = 0;
    std::string name;
    axml::StringPool type_strings;
    axml::StringPool key_strings;
    std::uint32_t type_id_offset = 0;
    std::map<std::uint8_t, std::vector<TypeChunk>> types;  // by type id, default config first
  };

  const Package* package(std::uint8_t id) const;
  std::optional<Entry> entry(const Package& p, const TypeChunk& t, std::uint32_t index) const;
  std::optional<Entry> lookup(std::uint32_t id) const;
  Status parse_package(std::uint64_t offset, std::uint32_t size, std::uint16_t header_size);

  std::vector<std::uint8_t> bytes_;
  axml::StringPool values_;
  std::vector<Package> packages_;
  std::vector<std::string> diagnostics_;
};

}  // namespace assay::arsc
