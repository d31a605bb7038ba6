// Protobuf XML decoding. The tree is nested messages (XmlElement.child -> XmlNode -> XmlElement),
// walked with an explicit stack of open elements, each frame holding a cursor over its element's
// fields, so hostile nesting costs a bounded stack (axml::kMaxDepth), never recursion. Each
// element's fields are read twice (names and attributes first, then children), because the
// attributes need the namespace declarations of the element whatever order the fields come in;
// sub-messages are skipped by their length, so that second pass is cheap.
#include "formats/protoxml/protoxml.hpp"

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

namespace assay::protoxml {
namespace {

// A varint is at most 10 bytes (64 bits, 7 per byte).
constexpr std::size_t kMaxVarintBytes = 10;
// Field numbers are 29 bits (protobuf encoding guide).
constexpr std::uint64_t kMaxFieldNumber = (1u << 29) - 1;
// Longest name, value or text kept from one field; the AXML string pool keeps the same.
constexpr std::size_t kMaxStringBytes = 64 * 1024;
// Diagnostics kept per document; a broken file would otherwise repeat the same complaint.
constexpr std::size_t kMaxDiagnostics = 20;
// Namespace declarations kept per element; real manifests declare one to three.
constexpr std::size_t kMaxNamespaces = 64;

// XmlNode, XmlElement, XmlNamespace, XmlAttribute, SourcePosition, Item, Reference, Primitive
// field numbers (Resources.proto; see the header).
namespace node { constexpr std::uint32_t kElement = 1, kText = 2, kSource = 3; }
namespace element {
constexpr std::uint32_t kNamespace = 1, kNamespaceUri = 2, kName = 3, kAttribute = 4, kChild = 5;
}
namespace xmlns { constexpr std::uint32_t kPrefix = 1, kUri = 2; }
namespace attribute {
constexpr std::uint32_t kNamespaceUri = 1, kName = 2, kValue = 3, kResourceId = 5, kCompiledItem = 6;
}
namespace position { constexpr std::uint32_t kLine = 1; }
namespace item {
constexpr std::uint32_t kRef = 1, kStr = 2, kRawStr = 3, kStyledStr = 4, kFile = 5, kId = 6, kPrim = 7;
}
namespace reference { constexpr std::uint32_t kType = 1, kId = 2; }

using axml::ValueType;

std::string text_of(ByteView b) {
  std::string_view s = as_chars(b);
  return std::string(s.substr(0, kMaxStringBytes));
}

void diagnose(axml::Document& doc, std::string msg) {
  if (doc.diagnostics.size() < kMaxDiagnostics) doc.diagnostics.push_back(std::move(msg));
}

bool is_bytes(const Field& f, std::uint32_t number) {
  return f.number == number && f.type == WireType::kLengthDelimited;
}
bool is_int(const Field& f, std::uint32_t number) {
  return f.number == number && (f.type == WireType::kVarint || f.type == WireType::kFixed32);
}

// The first string field `number` of a message (String/RawString/StyledString.value = 1,
// FileReference.path = 1), or nullopt.
std::optional<std::string> string_field(ByteView msg, std::uint32_t number) {
  WireReader r(msg);
  while (!r.eof()) {
    auto f = r.next();
    if (!f) return std::nullopt;
    if (is_bytes(*f, number)) return text_of(f->bytes);
  }
  return std::nullopt;
}

std::uint32_t line_of(ByteView source_position) {
  WireReader r(source_position);
  while (!r.eof()) {
    auto f = r.next();
    if (!f) break;
    if (is_int(*f, position::kLine)) return static_cast<std::uint32_t>(f->integer);
  }
  return 0;
}

// Primitive -> Res_value: the oneof member says the type; colours, dimensions and fractions
// carry the Res_value data bits unchanged (aapt2 copies them), booleans are 0 / 0xffffffff.
std::optional<axml::TypedValue> primitive(ByteView msg) {
  WireReader r(msg);
  std::optional<axml::TypedValue> out;
  while (!r.eof()) {
    auto f = r.next();
    if (!f) break;
    axml::TypedValue v;
    auto data = static_cast<std::uint32_t>(f->integer);
    switch (f->number) {
      case 1: v.type = static_cast<std::uint8_t>(ValueType::kNull); break;
      case 2: v.type = static_cast<std::uint8_t>(ValueType::kNull); v.data = 1; break;
      case 3: case 4: case 5: v.type = static_cast<std::uint8_t>(ValueType::kFloat); v.data = data; break;
      case 6: v.type = static_cast<std::uint8_t>(ValueType::kIntDec); v.data = data; break;
      case 7: v.type = static_cast<std::uint8_t>(ValueType::kIntHex); v.data = data; break;
      case 8: v.type = static_cast<std::uint8_t>(ValueType::kIntBoolean); v.data = data != 0 ? 0xFFFFFFFFu : 0; break;
      case 9: v.type = static_cast<std::uint8_t>(ValueType::kColorArgb8); v.data = data; break;
      case 10: v.type = static_cast<std::uint8_t>(ValueType::kColorRgb8); v.data = data; break;
      case 11: v.type = static_cast<std::uint8_t>(ValueType::kColorArgb4); v.data = data; break;
      case 12: v.type = static_cast<std::uint8_t>(ValueType::kColorRgb4); v.data = data; break;
      case 13: v.type = static_cast<std::uint8_t>(ValueType::kDimension); v.data = data; break;
      case 14: v.type = static_cast<std::uint8_t>(ValueType::kFraction); v.data = data; break;
      default: continue;  // a member added after this reader was written
    }
    out = v;  // a oneof: the last member on the wire wins, as in protobuf parsers
  }
  return out;
}

// Fills the attribute's typed value from a compiled Item; false when the item is not understood.
bool compiled_item(ByteView msg, axml::Attribute& a) {
  WireReader r(msg);
  bool set = false;
  while (!r.eof()) {
    auto f = r.next();
    if (!f) break;
    if (f->type != WireType::kLengthDelimited) continue;
    switch (f->number) {
      case item::kRef: {
        std::uint64_t type = 0, id = 0;
        WireReader rr(f->bytes);
        while (!rr.eof()) {
          auto g = rr.next();
          if (!g) break;
          if (is_int(*g, reference::kType)) type = g->integer;
          if (is_int(*g, reference::kId)) id = g->integer;
        }
        a.typed.type = static_cast<std::uint8_t>(type == 1 ? ValueType::kAttribute : ValueType::kReference);
        a.typed.data = static_cast<std::uint32_t>(id);
        a.value = axml::format_value(a.typed);
        set = true;
        break;
      }
      case item::kStr: case item::kRawStr: case item::kStyledStr: case item::kFile: {
        a.typed.type = static_cast<std::uint8_t>(ValueType::kString);
        a.typed.data = 0;
        a.value = string_field(f->bytes, 1).value_or(a.raw.value_or(""));
        set = true;
        break;
      }
      case item::kId:
        a.typed.type = static_cast<std::uint8_t>(ValueType::kNull);
        a.typed.data = 0;
        a.value = axml::format_value(a.typed);
        set = true;
        break;
      case item::kPrim:
        if (auto v = primitive(f->bytes)) {
          a.typed = *v;
          a.value = axml::format_value(a.typed);
          set = true;
        }
        break;
      default:
        break;
    }
  }
  return set;
}

using Scope = std::vector<std::pair<std::string, std::string>>;  // (prefix, uri), innermost last

std::string prefix_of(const Scope& scope, const std::string& uri) {
  for (auto it = scope.rbegin(); it != scope.rend(); ++it)
    if (it->second == uri) return it->first;
  return uri == axml::kAndroidNs ? "android" : std::string();
}

axml::Attribute decode_attribute(ByteView msg, const Scope& scope) {
  axml::Attribute a;
  std::optional<ByteView> item_bytes;
  WireReader r(msg);
  while (!r.eof()) {
    auto f = r.next();
    if (!f) break;
    if (is_bytes(*f, attribute::kNamespaceUri)) a.ns_uri = text_of(f->bytes);
    else if (is_bytes(*f, attribute::kName)) a.name = text_of(f->bytes);
    else if (is_bytes(*f, attribute::kValue)) a.raw = text_of(f->bytes);
    else if (is_int(*f, attribute::kResourceId)) a.resource_id = static_cast<std::uint32_t>(f->integer);
    else if (is_bytes(*f, attribute::kCompiledItem)) item_bytes = f->bytes;
  }
  if (!a.ns_uri.empty()) a.prefix = prefix_of(scope, a.ns_uri);
  if (a.resource_id != 0 && (a.name.empty() || a.name.find_first_of(" /<>=\"") != std::string::npos)) {
    // Obfuscated names: the platform reads the id, so the well-known name is the truth.
    if (const char* known = axml::android_attribute_name(a.resource_id)) a.name = known;
  }
  if (!item_bytes || !compiled_item(*item_bytes, a)) {
    // No compiled value: aapt2 keeps plain strings (names, package, authorities) only as text.
    // proto3 omits an empty string, so an absent value is "".
    a.typed.type = static_cast<std::uint8_t>(ValueType::kString);
    a.typed.data = 0;
    a.value = a.raw.value_or("");
    if (!a.raw) a.raw = a.value;
  }
  return a;
}

struct NodeParts {
  std::optional<ByteView> element;
  std::optional<ByteView> text;
  std::uint32_t line = 0;
};

Result<NodeParts> read_node(ByteView msg) {
  NodeParts p;
  WireReader r(msg);
  while (!r.eof()) {
    ASSAY_TRY(Field f, r.next());
    if (is_bytes(f, node::kElement)) p.element = f.bytes;
    else if (is_bytes(f, node::kText)) p.text = f.bytes;
    else if (is_bytes(f, node::kSource)) p.line = line_of(f.bytes);
  }
  return p;
}

// One open element: a cursor over its fields (for the children) and what to undo on close.
struct Frame {
  WireReader fields;
  std::size_t index;
  std::size_t namespaces;  // declarations pushed onto the scope by this element
};

// Reads an element's own fields (namespaces, name, attributes; children are left for the frame)
// and appends it to the document.
void open_element(ByteView body, std::uint32_t line, axml::Document& doc, Scope& scope,
                  std::vector<Frame>& open) {
  axml::Element e;
  e.line = line;
  std::vector<ByteView> attributes;
  bool too_many = false;
  WireReader r(body);
  while (!r.eof()) {
    auto f = r.next();
    if (!f) {
      diagnose(doc, fmt::format("element at line {}: {}", line, f.error().message));
      break;
    }
    if (is_bytes(*f, element::kNamespace)) {
      if (e.namespaces.size() >= kMaxNamespaces) continue;
      e.namespaces.emplace_back(string_field(f->bytes, xmlns::kPrefix).value_or(""),
                                string_field(f->bytes, xmlns::kUri).value_or(""));
    } else if (is_bytes(*f, element::kNamespaceUri)) {
      e.ns_uri = text_of(f->bytes);
    } else if (is_bytes(*f, element::kName)) {
      e.name = text_of(f->bytes);
    } else if (is_bytes(*f, element::kAttribute)) {
      if (attributes.size() < axml::kMaxAttributes) attributes.push_back(f->bytes);
      else too_many = true;
    }
  }
  if (too_many) diagnose(doc, fmt::format("element <{}> has more than {} attributes", e.name, axml::kMaxAttributes));
  for (const auto& ns : e.namespaces) scope.push_back(ns);
  if (!e.ns_uri.empty()) e.prefix = prefix_of(scope, e.ns_uri);
  e.attributes.reserve(attributes.size());
  for (ByteView a : attributes) e.attributes.push_back(decode_attribute(a, scope));
  e.depth = open.size();
  e.parent = open.empty() ? axml::Element::kNoParent : open.back().index;
  const std::size_t idx = doc.elements.size();
  const std::size_t pushed = e.namespaces.size();
  if (!open.empty()) doc.elements[open.back().index].children.push_back(idx);
  doc.elements.push_back(std::move(e));
  open.push_back(Frame{WireReader(body), idx, pushed});
}

}  // namespace

std::optional<std::uint64_t> decode_varint(ByteView data, std::size_t* length) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < data.size() && i < kMaxVarintBytes; ++i) {
    const std::uint8_t b = data[i];
    v |= std::uint64_t{b & 0x7Fu} << (7 * i);
    if ((b & 0x80u) == 0) {
      if (length != nullptr) *length = i + 1;
      return v;
    }
  }
  return std::nullopt;
}

Result<std::uint64_t> WireReader::varint() {
  std::size_t n = 0;
  auto v = decode_varint(data_.subspan(pos_), &n);
  if (!v) {
    if (data_.size() - pos_ >= kMaxVarintBytes) return make_error(Errc::kMalformed, "varint longer than 10 bytes");
    return make_error(Errc::kTruncated, fmt::format("varint at offset {} runs past the end", pos_));
  }
  pos_ += n;
  return *v;
}

Result<Field> WireReader::next() {
  const std::size_t at = pos_;
  ASSAY_TRY(std::uint64_t tag, varint());
  Field f;
  const std::uint64_t number = tag >> 3;
  if (number == 0 || number > kMaxFieldNumber)
    return make_error(Errc::kMalformed, fmt::format("invalid field number {} at offset {}", number, at));
  f.number = static_cast<std::uint32_t>(number);
  f.type = static_cast<WireType>(tag & 7);
  switch (f.type) {
    case WireType::kVarint: {
      ASSAY_TRY(f.integer, varint());
      return f;
    }
    case WireType::kFixed64:
    case WireType::kFixed32: {
      const std::size_t n = f.type == WireType::kFixed64 ? 8 : 4;
      if (data_.size() - pos_ < n)
        return make_error(Errc::kTruncated, fmt::format("fixed field at offset {} runs past the end", at));
      for (std::size_t i = 0; i < n; ++i) f.integer |= std::uint64_t{data_[pos_ + i]} << (8 * i);
      pos_ += n;
      return f;
    }
    case WireType::kLengthDelimited: {
      ASSAY_TRY(std::uint64_t len, varint());
      if (len > data_.size() - pos_)
        return make_error(Errc::kTruncated,
                          fmt::format("field {} at offset {} declares {} bytes, {} remain", number, at, len,
                                      data_.size() - pos_));
      f.bytes = data_.subspan(pos_, static_cast<std::size_t>(len));
      pos_ += static_cast<std::size_t>(len);
      return f;
    }
    default:
      return make_error(Errc::kMalformed,
                        fmt::format("unsupported wire type {} at offset {}", static_cast<int>(tag & 7), at));
  }
}

bool looks_like_proto_xml(ByteView data) noexcept {
  if (data.size() < 2 || data[0] != 0x0A) return false;
  std::size_t n = 0;
  auto len = decode_varint(data.subspan(1), &n);
  return len && *len <= data.size() - 1 - n;
}

Result<axml::Document> parse(ByteView data) {
  auto root = read_node(data);
  if (!root) return make_error(Errc::kMalformed, "not protobuf XML: " + root.error().message);
  if (!root->element) return make_error(Errc::kMalformed, "not protobuf XML: the root node holds no element");
  axml::Document doc;
  Scope scope;
  std::vector<Frame> open;
  open_element(*root->element, root->line, doc, scope, open);
  if (doc.elements.front().name.empty())
    return make_error(Errc::kMalformed, "not protobuf XML: the root element has no name");
  // Elements beyond the depth or count cap are skipped with their subtree; said once.
  bool limited = false;
  while (!open.empty()) {
    Frame& top = open.back();
    if (top.fields.eof()) {
      scope.resize(scope.size() - top.namespaces);
      open.pop_back();
      continue;
    }
    auto f = top.fields.next();
    if (!f) {
      // The first pass met the same error and said so; the children before it are kept.
      top.fields = WireReader(ByteView());
      continue;
    }
    if (!is_bytes(*f, element::kChild)) continue;
    auto child = read_node(f->bytes);
    if (!child) {
      diagnose(doc, fmt::format("child of <{}>: {}", doc.elements[top.index].name, child.error().message));
      continue;
    }
    if (child->text) {
      std::string& text = doc.elements[top.index].text;
      if (text.size() < kMaxStringBytes) text += text_of(*child->text);
    }
    if (!child->element) continue;
    if (open.size() >= axml::kMaxDepth || doc.elements.size() >= axml::kMaxElements) {
      if (!limited) diagnose(doc, "element depth or count limit reached; the rest of the subtree is skipped");
      limited = true;
      continue;
    }
    open_element(*child->element, child->line, doc, scope, open);  // invalidates `top`
  }
  return doc;
}

}  // namespace assay::protoxml
