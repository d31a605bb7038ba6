#pragma once
/// \file axml.hpp
/// Android binary XML (AXML: AndroidManifest.xml and res/xml/*.xml inside an APK), decoded into a
/// small DOM, and a printer that renders it as XML text. The format is the ResXMLTree of
/// frameworks/base/libs/androidfw (ResourceTypes.h): an XML chunk holding a string pool, a
/// resource map (attribute name -> resource id) and a flat stream of namespace, element and
/// CDATA nodes. The stream is flat, so the tree is built with an explicit stack, capped in depth.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::axml {

/// Res_value data types.
enum class ValueType : std::uint8_t {
  kNull = 0x00,
  kReference = 0x01,
  kAttribute = 0x02,
  kString = 0x03,
  kFloat = 0x04,
  kDimension = 0x05,
  kFraction = 0x06,
  kDynamicReference = 0x07,
  kDynamicAttribute = 0x08,
  kIntDec = 0x10,
  kIntHex = 0x11,
  kIntBoolean = 0x12,
  kColorArgb8 = 0x1c,
  kColorRgb8 = 0x1d,
  kColorArgb4 = 0x1e,
  kColorRgb4 = 0x1f,
};

/// A raw typed value (Res_value): the type byte as stored (unknown types are kept) and the data.
struct TypedValue {
  std::uint8_t type = 0;
  std::uint32_t data = 0;
  bool is(ValueType t) const noexcept { return type == static_cast<std::uint8_t>(t); }
  bool is_reference() const noexcept {
    return is(ValueType::kReference) || is(ValueType::kDynamicReference);
  }
};

/// Renders a non-string typed value: "true", "15", "0x10", "@0x7f050000", "?0x01010036",
/// "16.0dip", "50.0%", "#ff00ff00", "1.5". Strings are not rendered here (they live in a pool).
std::string format_value(const TypedValue& v);

struct Attribute {
  std::string ns_uri;    ///< "" or "http://schemas.android.com/apk/res/android"
  std::string prefix;    ///< "android", resolved from the namespace declarations in scope
  std::string name;      ///< local name; from the well-known table when the pool's name is empty
  std::uint32_t resource_id = 0;  ///< from the resource map (0 when the name has none)
  std::optional<std::string> raw;  ///< the raw string value, when the attribute has one
  TypedValue typed;
  /// The value as text: the string for strings, else format_value(typed).
  std::string value;
  /// "android:name" or "name".
  std::string qualified_name() const { return prefix.empty() ? name : prefix + ":" + name; }
};

struct Element {
  std::string ns_uri;
  std::string prefix;  ///< of ns_uri, from the declarations in scope ("" for none)
  std::string name;    ///< local name
  std::uint32_t line = 0;
  std::vector<Attribute> attributes;
  /// Namespace declarations that start on this element: (prefix, uri).
  std::vector<std::pair<std::string, std::string>> namespaces;
  std::string text;  ///< CDATA directly inside this element (concatenated)
  std::vector<std::size_t> children;  ///< indices into Document::elements
  std::size_t parent = kNoParent;
  std::size_t depth = 0;
  /// "android:uses-permission" or "manifest".
  std::string qualified_name() const { return prefix.empty() ? name : prefix + ":" + name; }
  static constexpr std::size_t kNoParent = static_cast<std::size_t>(-1);

  /// The attribute with that resource id (preferred: obfuscators rename attribute strings but
  /// the platform reads the id), else with that local name in the android namespace or none.
  const Attribute* find(std::string_view local_name, std::uint32_t resource_id = 0) const;
};

struct Document {
  /// Elements in document order; elements[0] is the root when the document is not empty.
  std::vector<Element> elements;
  /// Problems met while decoding (truncated chunk, unbalanced end tag, limit reached).
  std::vector<std::string> diagnostics;
  const Element* root() const { return elements.empty() ? nullptr : &elements.front(); }
};

/// Deepest element nesting kept; real manifests nest 6 deep, layouts a few dozen.
inline constexpr std::size_t kMaxDepth = 256;
/// Most elements kept; a large manifest has a few thousand.
inline constexpr std::size_t kMaxElements = 200'000;
/// Most attributes read per element; the platform defines under 1,000 attributes in all.
inline constexpr std::size_t kMaxAttributes = 1'024;

/// The well-known android: attribute name of a framework attribute id (0x0101xxxx), used when
/// an obfuscated manifest has emptied the attribute's name string; nullptr when unknown.
const char* android_attribute_name(std::uint32_t resource_id) noexcept;

inline constexpr const char* kAndroidNs = "http://schemas.android.com/apk/res/android";

/// Decodes an AXML document. kMalformed when the data is not AXML (no XML chunk, no string
/// pool); a document that breaks off midway returns what was decoded, with diagnostics.
Result<Document> parse(ByteView data);

/// Names a reference for the printer: "@string/app_name" for 0x7f0c001b; nullopt when unknown.
using ReferenceNamer = std::function<std::optional<std::string>(std::uint32_t id)>;

/// Renders the document as indented XML text with namespace declarations, escaping, and
/// references named through `namer` when given (otherwise "@0x7f0c001b").
std::string to_xml(const Document& doc, const ReferenceNamer& namer = {});

}  // namespace assay::axml
