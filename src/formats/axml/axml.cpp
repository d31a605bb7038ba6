// AXML decoding. One pass over the node stream; the tree is built with an explicit stack of open
// elements, so hostile nesting costs a bounded stack, never recursion. Attribute values are kept
// raw (type + data + raw string) so that callers can follow references through resources.arsc.
#include "formats/axml/axml.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/checked.hpp"
#include "core/reader.hpp"
#include "formats/axml/string_pool.hpp"

namespace assay::axml {
namespace {

constexpr std::uint32_t kNoString = 0xFFFFFFFFu;
// Size of ResXMLTree_node (chunk header + line number + comment index).
constexpr std::uint16_t kNodeHeaderSize = 16;
// ResXMLTree_attribute: ns, name, rawValue, Res_value (size, res0, type, data).
constexpr std::uint16_t kAttributeSize = 20;
// Diagnostics kept per document; a broken file would otherwise repeat the same complaint.
constexpr std::size_t kMaxDiagnostics = 20;
// Resource map entries kept; one per attribute name, and the platform has under 2,000 attributes.
constexpr std::uint64_t kMaxResourceMap = 65'536;

struct KnownAttr {
  std::uint32_t id;
  const char* name;
};
// android: attributes a manifest judgement reads (ids from the platform's public.xml). Sorted.
constexpr KnownAttr kKnownAttrs[] = {
    {0x01010000, "theme"},           {0x01010001, "label"},
    {0x01010002, "icon"},            {0x01010003, "name"},
    {0x01010006, "permission"},      {0x01010007, "readPermission"},
    {0x01010008, "writePermission"}, {0x01010009, "protectionLevel"},
    {0x0101000a, "permissionGroup"}, {0x0101000b, "sharedUserId"},
    {0x0101000c, "hasCode"},         {0x0101000d, "persistent"},
    {0x0101000e, "enabled"},         {0x0101000f, "debuggable"},
    {0x01010010, "exported"},        {0x01010011, "process"},
    {0x01010012, "taskAffinity"},    {0x01010013, "multiprocess"},
    {0x01010014, "finishOnTaskLaunch"}, {0x01010018, "authorities"},
    {0x0101001b, "grantUriPermissions"}, {0x0101001c, "priority"},
    {0x0101001d, "launchMode"},      {0x0101001e, "screenOrientation"},
    {0x0101001f, "configChanges"},   {0x01010020, "description"},
    {0x01010024, "value"},           {0x01010025, "resource"},
    {0x01010026, "mimeType"},        {0x01010027, "scheme"},
    {0x01010028, "host"},            {0x01010029, "port"},
    {0x0101002a, "path"},            {0x0101002b, "pathPrefix"},
    {0x0101002c, "pathPattern"},     {0x0101020c, "minSdkVersion"},
    {0x0101021b, "versionCode"},     {0x0101021c, "versionName"},
    {0x0101022b, "windowSoftInputMode"}, {0x01010270, "targetSdkVersion"},
    {0x01010271, "maxSdkVersion"},   {0x01010280, "allowBackup"},
    {0x01010281, "glEsVersion"},     {0x0101028e, "required"},
    {0x010102b7, "installLocation"}, {0x010102d3, "hardwareAccelerated"},
    {0x010103a7, "parentActivityName"}, {0x010103af, "supportsRtl"},
    {0x010104eb, "fullBackupContent"}, {0x010104ec, "usesCleartextTraffic"},
    {0x01010527, "networkSecurityConfig"}, {0x0101052c, "roundIcon"},
    {0x01010572, "compileSdkVersion"}, {0x01010573, "compileSdkVersionCodename"},
    {0x0101057a, "appComponentFactory"},
};

std::string hex32(std::uint32_t v) { return fmt::format("0x{:08x}", v); }

float complex_value(std::uint32_t data) {
  // Res_value complex: 24-bit signed mantissa, 2-bit radix (23p0, 16p7, 8p15, 0p23), 4-bit unit.
  static constexpr float kRadix[4] = {1.0f, 1.0f / (1 << 7), 1.0f / (1 << 15), 1.0f / (1 << 23)};
  const auto mantissa = static_cast<std::int32_t>(data & 0xFFFFFF00u);
  return static_cast<float>(mantissa) * (1.0f / (1 << 8)) * kRadix[(data >> 4) & 3];
}

std::string format_float(float f) {
  std::string s = fmt::format("{}", f);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

void diagnose(Document& doc, std::string msg) {
  if (doc.diagnostics.size() < kMaxDiagnostics) doc.diagnostics.push_back(std::move(msg));
}

}  // namespace

const char* android_attribute_name(std::uint32_t resource_id) noexcept {
  auto it = std::lower_bound(std::begin(kKnownAttrs), std::end(kKnownAttrs), resource_id,
                             [](const KnownAttr& a, std::uint32_t id) { return a.id < id; });
  return it != std::end(kKnownAttrs) && it->id == resource_id ? it->name : nullptr;
}

std::string format_value(const TypedValue& v) {
  switch (static_cast<ValueType>(v.type)) {
    case ValueType::kNull: return v.data == 1 ? "@empty" : "@null";
    case ValueType::kReference:
    case ValueType::kDynamicReference: return v.data == 0 ? "@null" : "@" + hex32(v.data);
    case ValueType::kAttribute:
    case ValueType::kDynamicAttribute: return "?" + hex32(v.data);
    case ValueType::kString: return fmt::format("(string {})", v.data);
    case ValueType::kFloat: {
      float f;
      std::memcpy(&f, &v.data, sizeof f);
      return format_float(f);
    }
    case ValueType::kDimension: {
      static constexpr const char* kUnits[] = {"px", "dip", "sp", "pt", "in", "mm"};
      unsigned unit = v.data & 0xF;
      return format_float(complex_value(v.data)) + (unit < 6 ? kUnits[unit] : "");
    }
    case ValueType::kFraction: {
      unsigned unit = v.data & 0xF;
      return format_float(complex_value(v.data) * 100.0f) + (unit == 1 ? "%p" : "%");
    }
    case ValueType::kIntDec: return std::to_string(static_cast<std::int32_t>(v.data));
    case ValueType::kIntHex: return fmt::format("0x{:x}", v.data);
    case ValueType::kIntBoolean: return v.data != 0 ? "true" : "false";
    case ValueType::kColorArgb8:
    case ValueType::kColorArgb4: return fmt::format("#{:08x}", v.data);
    case ValueType::kColorRgb8:
    case ValueType::kColorRgb4: return fmt::format("#{:06x}", v.data & 0xFFFFFF);
  }
  return fmt::format("(type 0x{:x}){}", v.type, hex32(v.data));
}

const Attribute* Element::find(std::string_view local_name, std::uint32_t resource_id) const {
  if (resource_id != 0)
    for (const auto& a : attributes)
      if (a.resource_id == resource_id) return &a;
  for (const auto& a : attributes)
    if (a.name == local_name && (a.ns_uri.empty() || a.ns_uri == kAndroidNs)) return &a;
  return nullptr;
}

Result<Document> parse(ByteView data) {
  ASSAY_TRY(ChunkHeader top, read_chunk_header(data, 0));
  if (top.type != static_cast<std::uint16_t>(ChunkType::kXml))
    return make_error(Errc::kMalformed, fmt::format("not binary XML: first chunk has type 0x{:04x}", top.type));
  ByteView xml = data.first(top.size);

  Document doc;
  StringPool pool;
  bool have_pool = false;
  std::vector<std::uint32_t> res_map;
  // Namespaces in scope: (prefix, uri), pushed and popped by the namespace nodes.
  std::vector<std::pair<std::string, std::string>> ns_stack;
  std::vector<std::pair<std::string, std::string>> pending_ns;
  std::vector<std::size_t> open;  // the stack of open elements (indices)
  std::size_t skipped_depth = 0;  // elements past kMaxDepth / kMaxElements still open

  auto prefix_of = [&](const std::string& uri) -> std::string {
    for (auto it = ns_stack.rbegin(); it != ns_stack.rend(); ++it)
      if (it->second == uri) return it->first;
    return uri == kAndroidNs ? "android" : std::string();
  };

  std::uint64_t pos = top.header_size;
  while (pos < xml.size()) {
    auto hr = read_chunk_header(xml, pos);
    if (!hr) {
      diagnose(doc, "chunk stream broken at offset " + std::to_string(pos) + ": " + hr.error().message);
      break;
    }
    const ChunkHeader h = *hr;
    ByteView chunk = xml.subspan(pos, h.size);
    pos += h.size;
    Reader r(chunk);
    switch (static_cast<ChunkType>(h.type)) {
      case ChunkType::kStringPool: {
        if (have_pool) break;  // the first pool is the document's
        auto p = StringPool::parse(chunk);
        if (!p) return make_error(Errc::kMalformed, "string pool: " + p.error().message);
        pool = std::move(p).value();
        have_pool = true;
        break;
      }
      case ChunkType::kXmlResourceMap: {
        std::uint64_t n = clamp_count((h.size - h.header_size) / 4, h.size - h.header_size, 4, kMaxResourceMap);
        (void)r.seek(h.header_size);
        res_map.clear();
        for (std::uint64_t i = 0; i < n; ++i) res_map.push_back(*r.read_le<std::uint32_t>());
        break;
      }
      case ChunkType::kXmlStartNamespace:
      case ChunkType::kXmlEndNamespace: {
        if (h.header_size < kNodeHeaderSize || !r.seek(h.header_size)) break;
        auto prefix = r.read_le<std::uint32_t>();
        auto uri = r.read_le<std::uint32_t>();
        if (!prefix || !uri) {
          diagnose(doc, "truncated namespace node");
          break;
        }
        if (h.type == static_cast<std::uint16_t>(ChunkType::kXmlStartNamespace)) {
          if (ns_stack.size() >= kMaxDepth) {
            diagnose(doc, "too many nested namespace declarations");
            break;
          }
          ns_stack.emplace_back(pool.at(*prefix), pool.at(*uri));
          pending_ns.push_back(ns_stack.back());
        } else if (!ns_stack.empty()) {
          ns_stack.pop_back();
        }
        break;
      }
      case ChunkType::kXmlStartElement: {
        if (h.header_size < kNodeHeaderSize) break;
        std::uint32_t line = r.peek_at<std::uint32_t>(8).value_or(0);
        if (!r.seek(h.header_size)) break;
        auto ns = r.read_le<std::uint32_t>();
        auto name = r.read_le<std::uint32_t>();
        auto attr_start = r.read_le<std::uint16_t>();
        auto attr_size = r.read_le<std::uint16_t>();
        auto attr_count = r.read_le<std::uint16_t>();
        if (!ns || !name || !attr_start || !attr_size || !attr_count) {
          diagnose(doc, "truncated start element at line " + std::to_string(line));
          break;
        }
        if (skipped_depth > 0 || open.size() >= kMaxDepth || doc.elements.size() >= kMaxElements) {
          if (skipped_depth == 0) diagnose(doc, "element depth or count limit reached; the rest of the subtree is skipped");
          ++skipped_depth;
          break;
        }
        Element e;
        e.line = line;
        e.ns_uri = *ns == kNoString ? std::string() : pool.at(*ns);
        if (!e.ns_uri.empty()) e.prefix = prefix_of(e.ns_uri);
        e.name = pool.at(*name);
        e.namespaces = std::move(pending_ns);
        pending_ns.clear();
        e.depth = open.size();
        e.parent = open.empty() ? Element::kNoParent : open.back();
        // Attributes: at header_size + attributeStart, each attributeSize bytes (at least 20).
        const std::uint64_t base = std::uint64_t{h.header_size} + *attr_start;
        const std::uint16_t stride = *attr_size < kAttributeSize ? kAttributeSize : *attr_size;
        const std::uint64_t avail = base < chunk.size() ? chunk.size() - base : 0;
        const std::uint64_t n = clamp_count(*attr_count, avail, stride, kMaxAttributes);
        if (n < *attr_count) diagnose(doc, "element <" + e.name + "> declares more attributes than it holds");
        e.attributes.reserve(static_cast<std::size_t>(n));
        for (std::uint64_t i = 0; i < n; ++i) {
          const std::uint64_t at = base + i * stride;
          Attribute a;
          std::uint32_t ans = *load_le<std::uint32_t>(chunk, at);
          std::uint32_t aname = *load_le<std::uint32_t>(chunk, at + 4);
          std::uint32_t raw = *load_le<std::uint32_t>(chunk, at + 8);
          a.typed.type = *load_le<std::uint8_t>(chunk, at + 15);
          a.typed.data = *load_le<std::uint32_t>(chunk, at + 16);
          if (ans != kNoString) {
            a.ns_uri = pool.at(ans);
            a.prefix = prefix_of(a.ns_uri);
          }
          a.name = pool.at(aname);
          if (aname < res_map.size()) a.resource_id = res_map[aname];
          if (a.resource_id != 0 && (a.name.empty() || a.name.find_first_of(" /<>=\"") != std::string::npos)) {
            // Obfuscated names: the platform reads the id, so the well-known name is the truth.
            if (const char* known = android_attribute_name(a.resource_id)) a.name = known;
          }
          if (raw != kNoString) a.raw = pool.get(raw);
          if (a.typed.is(ValueType::kString)) {
            a.value = pool.at(a.typed.data);
            if (!a.raw) a.raw = a.value;
          } else {
            a.value = format_value(a.typed);
          }
          e.attributes.push_back(std::move(a));
        }
        std::size_t idx = doc.elements.size();
        if (!open.empty()) doc.elements[open.back()].children.push_back(idx);
        doc.elements.push_back(std::move(e));
        open.push_back(idx);
        break;
      }
      case ChunkType::kXmlEndElement: {
        if (skipped_depth > 0) {
          --skipped_depth;
          break;
        }
        if (open.empty()) {
          diagnose(doc, "end element without a start element");
          break;
        }
        open.pop_back();
        break;
      }
      case ChunkType::kXmlCdata: {
        if (h.header_size < kNodeHeaderSize || !r.seek(h.header_size)) break;
        auto idx = r.read_le<std::uint32_t>();
        if (idx && !open.empty() && skipped_depth == 0) {
          std::string& text = doc.elements[open.back()].text;
          if (text.size() < kMaxStringBytes) text += pool.at(*idx);
        }
        break;
      }
      default:
        break;  // unknown chunks are skipped by their size, as the platform does
    }
  }
  if (!have_pool) return make_error(Errc::kMalformed, "binary XML without a string pool");
  if (!open.empty()) diagnose(doc, std::to_string(open.size()) + " element(s) not closed");
  return doc;
}

namespace {

void escape_into(std::string& out, std::string_view s, bool attr) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': if (attr) out += "&quot;"; else out += c; break;
      case '\n': if (attr) out += "&#10;"; else out += c; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
          out += fmt::format("&#{};", static_cast<int>(c));
        else
          out += c;
    }
  }
}

std::string display_value(const Attribute& a, const ReferenceNamer& namer) {
  if (a.typed.is(ValueType::kString)) return a.value;
  if (namer && (a.typed.is_reference() || a.typed.is(ValueType::kAttribute)) && a.typed.data != 0) {
    if (auto n = namer(a.typed.data)) {
      if (a.typed.is(ValueType::kAttribute) && !n->empty() && (*n)[0] == '@') return "?" + n->substr(1);
      return *n;
    }
  }
  return a.value;
}

}  // namespace

std::string to_xml(const Document& doc, const ReferenceNamer& namer) {
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  if (doc.elements.empty()) return out;
  // Iterative pre/post-order walk: (element, next child index).
  std::vector<std::pair<std::size_t, std::size_t>> stack;
  stack.emplace_back(0, 0);
  auto qname = [](const Element& e) { return e.qualified_name(); };
  while (!stack.empty()) {
    auto& [idx, next] = stack.back();
    const Element& e = doc.elements[idx];
    const std::string indent(2 * (stack.size() - 1), ' ');
    if (next == 0) {
      out += indent + "<" + qname(e);
      for (const auto& [prefix, uri] : e.namespaces) {
        out += prefix.empty() ? " xmlns=\"" : " xmlns:" + prefix + "=\"";
        escape_into(out, uri, true);
        out += '"';
      }
      for (const auto& a : e.attributes) {
        out += " " + a.qualified_name() + "=\"";
        escape_into(out, display_value(a, namer), true);
        out += '"';
      }
      if (e.children.empty() && e.text.empty()) {
        out += "/>\n";
        stack.pop_back();
        continue;
      }
      out += ">";
      if (!e.text.empty()) escape_into(out, e.text, false);
      if (!e.children.empty()) out += "\n";
    }
    if (next < e.children.size()) {
      std::size_t child = e.children[next++];
      stack.emplace_back(child, 0);
      continue;
    }
    if (!e.children.empty()) out += indent;
    out += "</" + qname(e) + ">\n";
    stack.pop_back();
  }
  return out;
}

}  // namespace assay::axml
