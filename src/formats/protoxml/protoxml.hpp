#pragma once
/// \file protoxml.hpp
/// aapt2's protobuf XML (the format of base/manifest/AndroidManifest.xml and base/res/xml/*.xml
/// inside an Android App Bundle, and of `aapt2 convert --output-format proto`), decoded into the
/// same document model as binary AXML (formats/axml), so that the manifest and resource judgements
/// run unchanged on bundles.
///
/// The messages are those of aapt2's Resources.proto (frameworks/base/tools/aapt2/Resources.proto):
///   XmlNode      { XmlElement element = 1; string text = 2; SourcePosition source = 3; }
///   XmlElement   { repeated XmlNamespace namespace_declaration = 1; string namespace_uri = 2;
///                  string name = 3; repeated XmlAttribute attribute = 4; repeated XmlNode child = 5; }
///   XmlNamespace { string prefix = 1; string uri = 2; SourcePosition source = 3; }
///   XmlAttribute { string namespace_uri = 1; string name = 2; string value = 3;
///                  SourcePosition source = 4; uint32 resource_id = 5; Item compiled_item = 6; }
///   SourcePosition { uint32 line_number = 1; uint32 column_number = 2; }
///   Item         { Reference ref = 1; String str = 2; RawString raw_str = 3;
///                  StyledString styled_str = 4; FileReference file = 5; Id id = 6; Primitive prim = 7; }
///   Reference    { Type type = 1 (0 REFERENCE, 1 ATTRIBUTE); uint32 id = 2; string name = 3; }
///   String / RawString / StyledString { string value = 1; ... }   FileReference { string path = 1; }
///   Primitive    { oneof: NullType null_value = 1; EmptyType empty_value = 2; float float_value = 3;
///                  float dimension_value_deprecated = 4; float fraction_value_deprecated = 5;
///                  int32 int_decimal_value = 6; uint32 int_hexadecimal_value = 7;
///                  bool boolean_value = 8; uint32 color_argb8_value = 9; color_rgb8_value = 10;
///                  color_argb4_value = 11; color_rgb4_value = 12; uint32 dimension_value = 13;
///                  uint32 fraction_value = 14; }
/// Compiled values become axml::TypedValue with the Res_value type they stand for; an attribute
/// with no compiled item is a plain string (its `value`).

#include <cstdint>
#include <optional>

#include "assay/result.hpp"
#include "core/bytes.hpp"
#include "formats/axml/axml.hpp"

namespace assay::protoxml {

/// Protocol buffer wire types (protobuf encoding guide). Groups (3, 4) are obsolete and never
/// written by aapt2: they are rejected.
enum class WireType : std::uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

/// One field of a message: its number, wire type and payload (the integer for varint and fixed
/// types, the bytes for length-delimited ones; a view into the input).
struct Field {
  std::uint32_t number = 0;
  WireType type = WireType::kVarint;
  std::uint64_t integer = 0;
  ByteView bytes;
};

/// A bounds-checked cursor over the fields of one protobuf message. Never reads past the view
/// it was given; a length prefix is checked against the bytes that remain before it is used.
class WireReader {
 public:
  explicit WireReader(ByteView data) noexcept : data_(data) {}
  bool eof() const noexcept { return pos_ >= data_.size(); }
  /// The next field; kTruncated when a varint, fixed value or length runs past the end,
  /// kMalformed for field number 0, an over-long varint or a group.
  Result<Field> next();

 private:
  Result<std::uint64_t> varint();
  ByteView data_;
  std::size_t pos_ = 0;
};

/// Decodes a varint from the start of `data` (at most 10 bytes); nullopt when truncated or too long.
std::optional<std::uint64_t> decode_varint(ByteView data, std::size_t* length = nullptr) noexcept;

/// Decodes a protobuf XML document (an XmlNode whose element is the root). kMalformed when the
/// data is not one (a wire error before the root element, or a root without an element name);
/// a document broken off inside the tree returns what was decoded, with diagnostics. The same
/// limits as AXML apply (axml::kMaxDepth, kMaxElements, kMaxAttributes).
Result<axml::Document> parse(ByteView data);

/// Cheap sniff: does the data start like an XmlNode holding an element (field 1, length-
/// delimited, fitting the data)? Used to tell proto XML from binary AXML (which starts 03 00 08 00).
bool looks_like_proto_xml(ByteView data) noexcept;

}  // namespace assay::protoxml
