#pragma once
/// \file dex.hpp
/// DEX parser (Dalvik executable, versions 035 to 041): header, map, the id tables (strings,
/// types, protos, fields, methods), class definitions, class_data and code items. A pure function
/// from bytes to a view: it judges nothing (see analyzers/android_code for verdicts).
///
/// Entry point: `Result<DexFile> parse_dex(ByteView)`. It fails only when the input is not a
/// little-endian DEX at all (bad magic, a header shorter than 0x70 bytes, a reverse endian tag).
/// Every later problem — a table that runs past the end of the file, a class_data offset out of
/// range, a count clamped by a limit — is recorded in `DexFile::diagnostics` and parsing goes on
/// with what could be read.
///
/// The id tables are not copied: DexFile keeps their file offsets and clamped counts and loads an
/// entry on demand (each accessor is a bounds-checked load of a few bytes), so opening a 10 MB dex
/// costs a header read and a copy of the class_defs. Strings are decoded lazily: `string_view_raw`
/// returns the MUTF-8 bytes in place (no allocation; equal to UTF-8 for ASCII, the common case),
/// `string` decodes to UTF-8 on request. The DexFile holds views into the input: keep the bytes
/// alive as long as the DexFile.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::dex {

/// "no index" in the id fields that allow it (superclass, source file).
inline constexpr std::uint32_t kNoIndex = 0xFFFFFFFFu;

// Limits. A dex addresses at most 2^16 types, fields and methods per reference width and the
// format caps a file at 4 GiB; these keep a hostile header from sizing anything beyond that.
inline constexpr std::uint64_t kMaxTableEntries = 1u << 24;  // any id table (strings may be jumbo)
inline constexpr std::uint64_t kMaxMapItems = 1024;          // the format defines ~20 item types
inline constexpr std::uint64_t kMaxClassMembers = 1u << 20;  // fields or methods in one class_data
inline constexpr std::uint64_t kMaxTypeList = 1u << 16;      // interfaces / parameters (u16 type ids)
inline constexpr std::size_t kMaxDiagnostics = 64;           // per file: enough to see the pattern

struct Header {
  std::uint32_t version = 0;  ///< 35..41
  std::uint32_t checksum = 0;
  std::uint32_t file_size = 0;
  std::uint32_t header_size = 0;
  std::uint32_t link_size = 0, link_off = 0;
  std::uint32_t map_off = 0;
  std::uint32_t string_ids_size = 0, string_ids_off = 0;
  std::uint32_t type_ids_size = 0, type_ids_off = 0;
  std::uint32_t proto_ids_size = 0, proto_ids_off = 0;
  std::uint32_t field_ids_size = 0, field_ids_off = 0;
  std::uint32_t method_ids_size = 0, method_ids_off = 0;
  std::uint32_t class_defs_size = 0, class_defs_off = 0;
  std::uint32_t data_size = 0, data_off = 0;
};

struct MapItem {
  std::uint16_t type = 0;
  std::uint32_t size = 0;
  std::uint32_t offset = 0;
};

struct ProtoId {
  std::uint32_t shorty_idx = 0;
  std::uint32_t return_type_idx = 0;
  std::uint32_t parameters_off = 0;
};

struct FieldId {
  std::uint16_t class_idx = 0;
  std::uint16_t type_idx = 0;
  std::uint32_t name_idx = 0;
};

struct MethodId {
  std::uint16_t class_idx = 0;
  std::uint16_t proto_idx = 0;
  std::uint32_t name_idx = 0;
};

struct ClassDef {
  std::uint32_t class_idx = 0;
  std::uint32_t access_flags = 0;
  std::uint32_t superclass_idx = kNoIndex;
  std::uint32_t interfaces_off = 0;
  std::uint32_t source_file_idx = kNoIndex;
  std::uint32_t annotations_off = 0;
  std::uint32_t class_data_off = 0;
  std::uint32_t static_values_off = 0;
};

struct EncodedField {
  std::uint32_t field_idx = 0;
  std::uint32_t access_flags = 0;
};

struct EncodedMethod {
  std::uint32_t method_idx = 0;
  std::uint32_t access_flags = 0;
  std::uint32_t code_off = 0;  ///< 0 for abstract and native methods
};

struct ClassData {
  std::vector<EncodedField> static_fields;
  std::vector<EncodedField> instance_fields;
  std::vector<EncodedMethod> direct_methods;
  std::vector<EncodedMethod> virtual_methods;
  bool truncated = false;  ///< the uleb128 stream ended early or a count was clamped
};

/// A method body. `insns` views the 16-bit code units in place (little-endian).
struct CodeItem {
  std::uint16_t registers_size = 0;
  std::uint16_t ins_size = 0;
  std::uint16_t outs_size = 0;
  std::uint16_t tries_size = 0;
  std::uint32_t debug_info_off = 0;
  std::uint32_t insns_size = 0;  ///< in 16-bit code units
  ByteView insns;                ///< insns_size * 2 bytes
};

// Access flags used by callers.
inline constexpr std::uint32_t kAccPublic = 0x1;
inline constexpr std::uint32_t kAccStatic = 0x8;
inline constexpr std::uint32_t kAccFinal = 0x10;
inline constexpr std::uint32_t kAccNative = 0x100;
inline constexpr std::uint32_t kAccInterface = 0x200;
inline constexpr std::uint32_t kAccAbstract = 0x400;
inline constexpr std::uint32_t kAccConstructor = 0x10000;

class DexFile {
 public:
  const Header& header() const noexcept { return header_; }
  ByteView bytes() const noexcept { return data_; }
  /// "035" ... "041".
  std::string version_string() const;

  // Table sizes after clamping (may be smaller than the header's when a table is cut off).
  std::uint32_t string_count() const noexcept { return string_count_; }
  std::uint32_t type_count() const noexcept { return type_count_; }
  std::uint32_t proto_count() const noexcept { return proto_count_; }
  std::uint32_t field_count() const noexcept { return field_count_; }
  std::uint32_t method_count() const noexcept { return method_count_; }

  /// The raw MUTF-8 bytes of string `idx`, in place; empty when the index or its data is out of
  /// range. Equal to UTF-8 when the string is ASCII (`is_ascii`).
  std::string_view string_view_raw(std::uint32_t idx) const noexcept;
  /// String `idx` decoded from MUTF-8 to valid UTF-8 (invalid sequences become U+FFFD).
  std::string string(std::uint32_t idx) const;
  /// The type descriptor ("Ljava/lang/String;", "[B", "I") of type `idx`, raw; empty when out of range.
  std::string_view type_descriptor(std::uint32_t idx) const noexcept;

  std::optional<ProtoId> proto_id(std::uint32_t idx) const noexcept;
  std::optional<FieldId> field_id(std::uint32_t idx) const noexcept;
  std::optional<MethodId> method_id(std::uint32_t idx) const noexcept;
  /// Type ids of a type_list (interfaces, parameters) at `offset`; empty when 0 or out of range.
  std::vector<std::uint16_t> type_list(std::uint32_t offset) const;

  const std::vector<ClassDef>& class_defs() const noexcept { return class_defs_; }
  const std::vector<MapItem>& map() const noexcept { return map_; }
  /// The class_data of `def` (empty for a class without members). Never fails: damage sets
  /// `truncated` and what was read is returned.
  ClassData class_data(const ClassDef& def) const;
  /// The string constants among the initial values of `def`'s static fields (its
  /// static_values encoded_array): (position in class_data's static_fields, string idx). Stops
  /// at a nested array or annotation (javac never emits one there) rather than recursing, and
  /// at damage; what was read is returned.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> static_string_values(const ClassDef& def) const;
  /// The code item at `code_off`; nullopt when 0 or out of range.
  std::optional<CodeItem> code_item(std::uint32_t code_off) const noexcept;

  /// Human-readable problems found while parsing (bounded by kMaxDiagnostics).
  const std::vector<std::string>& diagnostics() const noexcept { return diagnostics_; }
  void add_diagnostic(std::string message);

 private:
  friend Result<DexFile> parse_dex(ByteView data);
  ByteView data_;
  Header header_;
  std::uint32_t string_count_ = 0, type_count_ = 0, proto_count_ = 0, field_count_ = 0,
                method_count_ = 0;
  std::vector<ClassDef> class_defs_;
  std::vector<MapItem> map_;
  std::vector<std::string> diagnostics_;
};

/// True when `data` starts with a DEX magic of a version this parser reads.
bool is_dex(ByteView data) noexcept;
Result<DexFile> parse_dex(ByteView data);

/// Modified UTF-8 (the dex string encoding: NUL as C0 80, supplementary characters as surrogate
/// pairs) to valid UTF-8.
std::string mutf8_to_utf8(std::string_view mutf8);

/// "Lcom/example/Foo$Bar;" -> "com.example.Foo$Bar"; "[B" -> "byte[]"; "I" -> "int".
std::string descriptor_to_java(std::string_view descriptor);
/// The package of a class descriptor, dotted, without trailing dot ("Lcom/x/Y;" -> "com.x");
/// empty for the default package or a non-class descriptor.
std::string descriptor_package(std::string_view descriptor);

/// Reads an unsigned LEB128 (at most 5 bytes, 32 bits) at `pos`, advancing it; nullopt when it
/// runs past the end or is longer than 5 bytes.
std::optional<std::uint32_t> read_uleb128(ByteView data, std::size_t& pos) noexcept;

/// Summary for dumps and the fuzz target: header fields, table sizes, map, diagnostics.
nlohmann::json to_json(const DexFile& dex);

}  // namespace assay::dex
