#include <fmt/format.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "core/checked.hpp"
#include "core/reader.hpp"
#include "formats/axml/string_pool.hpp"
#include "formats/dex/dex.hpp"

namespace assay::dex {
namespace {

constexpr std::size_t kHeaderSize = 0x70;
constexpr std::uint32_t kEndianConstant = 0x12345678;
constexpr std::uint32_t kReverseEndianConstant = 0x78563412;
constexpr std::uint32_t kMinVersion = 35;
constexpr std::uint32_t kMaxVersion = 41;

// Sizes of the fixed-size table entries (dex-format.html "id sections").
constexpr std::uint64_t kStringIdSize = 4;
constexpr std::uint64_t kTypeIdSize = 4;
constexpr std::uint64_t kProtoIdSize = 12;
constexpr std::uint64_t kFieldIdSize = 8;
constexpr std::uint64_t kMethodIdSize = 8;
constexpr std::uint64_t kClassDefSize = 32;
constexpr std::uint64_t kCodeItemHeaderSize = 16;

std::optional<std::uint32_t> version_of(ByteView data) noexcept {
  if (data.size() < 8 || !has_magic(data, 0, "dex\n") || data[7] != 0) return std::nullopt;
  std::uint32_t v = 0;
  for (int i = 4; i < 7; ++i) {
    if (data[i] < '0' || data[i] > '9') return std::nullopt;
    v = v * 10 + (data[i] - '0');
  }
  if (v < kMinVersion || v > kMaxVersion) return std::nullopt;
  return v;
}

std::uint32_t u32(ByteView d, std::uint64_t off) noexcept { return load_le<std::uint32_t>(d, off).value_or(0); }

}  // namespace

std::optional<std::uint32_t> read_uleb128(ByteView data, std::size_t& pos) noexcept {
  std::uint32_t result = 0;
  for (int i = 0; i < 5; ++i) {
    if (pos >= data.size()) return std::nullopt;
    std::uint8_t b = data[pos++];
    result |= static_cast<std::uint32_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) return result;
  }
  return std::nullopt;  // a sixth byte would exceed 32 bits: malformed
}

bool is_dex(ByteView data) noexcept { return version_of(data).has_value(); }

void DexFile::add_diagnostic(std::string message) {
  if (diagnostics_.size() < kMaxDiagnostics) diagnostics_.push_back(std::move(message));
}

std::string DexFile::version_string() const { return fmt::format("{:03}", header_.version); }

Result<DexFile> parse_dex(ByteView data) {
  auto version = version_of(data);
  if (!version) return make_error(Errc::kMalformed, "not a DEX file (magic \"dex\\n035\\0\"..\"dex\\n041\\0\" expected)");
  if (data.size() < kHeaderSize)
    return make_error(Errc::kTruncated, fmt::format("DEX header needs {} bytes, file has {}", kHeaderSize, data.size()));
  DexFile dex;
  dex.data_ = data;
  Header& h = dex.header_;
  h.version = *version;
  h.checksum = u32(data, 8);
  h.file_size = u32(data, 32);
  h.header_size = u32(data, 36);
  std::uint32_t endian_tag = u32(data, 40);
  if (endian_tag == kReverseEndianConstant)
    return make_error(Errc::kUnsupported, "big-endian DEX (reverse endian tag) is not read");
  if (endian_tag != kEndianConstant)
    dex.add_diagnostic(fmt::format("endian tag 0x{:08x} is not 0x12345678", endian_tag));
  h.link_size = u32(data, 44);
  h.link_off = u32(data, 48);
  h.map_off = u32(data, 52);
  h.string_ids_size = u32(data, 56);
  h.string_ids_off = u32(data, 60);
  h.type_ids_size = u32(data, 64);
  h.type_ids_off = u32(data, 68);
  h.proto_ids_size = u32(data, 72);
  h.proto_ids_off = u32(data, 76);
  h.field_ids_size = u32(data, 80);
  h.field_ids_off = u32(data, 84);
  h.method_ids_size = u32(data, 88);
  h.method_ids_off = u32(data, 92);
  h.class_defs_size = u32(data, 96);
  h.class_defs_off = u32(data, 100);
  h.data_size = u32(data, 104);
  h.data_off = u32(data, 108);
  if (h.file_size != data.size())
    dex.add_diagnostic(fmt::format("header file_size {} differs from the {} bytes present", h.file_size, data.size()));
  if (h.header_size < kHeaderSize)
    dex.add_diagnostic(fmt::format("header_size 0x{:x} is smaller than 0x70", h.header_size));

  // Each table: the count the header claims, clamped to what lies inside the file and to the
  // named limit. A clamped table is a diagnostic, not a failure.
  auto table = [&](const char* name, std::uint32_t count, std::uint32_t off, std::uint64_t entry) -> std::uint32_t {
    if (count == 0) return 0;
    std::uint64_t avail = off <= data.size() ? data.size() - off : 0;
    std::uint64_t c = clamp_count(count, avail, entry, kMaxTableEntries);
    if (c < count)
      dex.add_diagnostic(fmt::format("{} table claims {} entries at 0x{:x}; {} fit in the file", name, count, off, c));
    return static_cast<std::uint32_t>(c);
  };
  dex.string_count_ = table("string_ids", h.string_ids_size, h.string_ids_off, kStringIdSize);
  dex.type_count_ = table("type_ids", h.type_ids_size, h.type_ids_off, kTypeIdSize);
  dex.proto_count_ = table("proto_ids", h.proto_ids_size, h.proto_ids_off, kProtoIdSize);
  dex.field_count_ = table("field_ids", h.field_ids_size, h.field_ids_off, kFieldIdSize);
  dex.method_count_ = table("method_ids", h.method_ids_size, h.method_ids_off, kMethodIdSize);
  std::uint32_t class_count = table("class_defs", h.class_defs_size, h.class_defs_off, kClassDefSize);

  dex.class_defs_.reserve(class_count);
  for (std::uint32_t i = 0; i < class_count; ++i) {
    std::uint64_t o = h.class_defs_off + static_cast<std::uint64_t>(i) * kClassDefSize;
    ClassDef c;
    c.class_idx = u32(data, o);
    c.access_flags = u32(data, o + 4);
    c.superclass_idx = u32(data, o + 8);
    c.interfaces_off = u32(data, o + 12);
    c.source_file_idx = u32(data, o + 16);
    c.annotations_off = u32(data, o + 20);
    c.class_data_off = u32(data, o + 24);
    c.static_values_off = u32(data, o + 28);
    dex.class_defs_.push_back(c);
  }

  if (h.map_off != 0) {
    auto n = load_le<std::uint32_t>(data, h.map_off);
    if (!n) {
      dex.add_diagnostic(fmt::format("map_off 0x{:x} is outside the file", h.map_off));
    } else {
      std::uint64_t avail = data.size() - h.map_off - 4;  // the load above proved 4 bytes fit
      std::uint64_t c = clamp_count(*n, avail, 12, kMaxMapItems);
      if (c < *n) dex.add_diagnostic(fmt::format("map claims {} items; {} read", *n, c));
      dex.map_.reserve(c);
      for (std::uint64_t i = 0; i < c; ++i) {
        std::uint64_t o = h.map_off + 4 + i * 12;
        MapItem m;
        m.type = load_le<std::uint16_t>(data, o).value_or(0);
        m.size = u32(data, o + 4);
        m.offset = u32(data, o + 8);
        dex.map_.push_back(m);
      }
    }
  }
  return dex;
}

std::string_view DexFile::string_view_raw(std::uint32_t idx) const noexcept {
  if (idx >= string_count_) return {};
  auto off = load_le<std::uint32_t>(data_, header_.string_ids_off + static_cast<std::uint64_t>(idx) * kStringIdSize);
  if (!off || *off >= data_.size()) return {};
  std::size_t pos = *off;
  auto utf16_len = read_uleb128(data_, pos);
  if (!utf16_len) return {};
  // MUTF-8 spends at most 3 bytes per UTF-16 unit: that bounds the search for the NUL.
  std::uint64_t limit = static_cast<std::uint64_t>(*utf16_len) * 3 + 1;
  std::size_t remaining = data_.size() - pos;
  if (limit > remaining) limit = remaining;
  const auto* start = data_.data() + pos;
  const void* nul = std::memchr(start, 0, static_cast<std::size_t>(limit));
  if (nul == nullptr) return {};
  return {reinterpret_cast<const char*>(start),
          static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - start)};
}

std::string DexFile::string(std::uint32_t idx) const { return mutf8_to_utf8(string_view_raw(idx)); }

std::string_view DexFile::type_descriptor(std::uint32_t idx) const noexcept {
  if (idx >= type_count_) return {};
  auto s = load_le<std::uint32_t>(data_, header_.type_ids_off + static_cast<std::uint64_t>(idx) * kTypeIdSize);
  return s ? string_view_raw(*s) : std::string_view{};
}

std::optional<ProtoId> DexFile::proto_id(std::uint32_t idx) const noexcept {
  if (idx >= proto_count_) return std::nullopt;
  std::uint64_t o = header_.proto_ids_off + static_cast<std::uint64_t>(idx) * kProtoIdSize;
  return ProtoId{u32(data_, o), u32(data_, o + 4), u32(data_, o + 8)};
}

std::optional<FieldId> DexFile::field_id(std::uint32_t idx) const noexcept {
  if (idx >= field_count_) return std::nullopt;
  std::uint64_t o = header_.field_ids_off + static_cast<std::uint64_t>(idx) * kFieldIdSize;
  return FieldId{load_le<std::uint16_t>(data_, o).value_or(0), load_le<std::uint16_t>(data_, o + 2).value_or(0),
                 u32(data_, o + 4)};
}

std::optional<MethodId> DexFile::method_id(std::uint32_t idx) const noexcept {
  if (idx >= method_count_) return std::nullopt;
  std::uint64_t o = header_.method_ids_off + static_cast<std::uint64_t>(idx) * kMethodIdSize;
  return MethodId{load_le<std::uint16_t>(data_, o).value_or(0), load_le<std::uint16_t>(data_, o + 2).value_or(0),
                  u32(data_, o + 4)};
}

std::vector<std::uint16_t> DexFile::type_list(std::uint32_t offset) const {
  std::vector<std::uint16_t> out;
  if (offset == 0) return out;
  auto n = load_le<std::uint32_t>(data_, offset);
  if (!n) return out;
  std::uint64_t avail = data_.size() - offset - 4;  // the load above proved 4 bytes fit
  std::uint64_t c = clamp_count(*n, avail, 2, kMaxTypeList);
  out.reserve(c);
  for (std::uint64_t i = 0; i < c; ++i) out.push_back(load_le<std::uint16_t>(data_, offset + 4 + i * 2).value_or(0));
  return out;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> DexFile::static_string_values(const ClassDef& def) const {
  // encoded_value: a byte (value_arg << 5 | value_type), then value_arg + 1 little-endian bytes
  // for the sized types; none for null and boolean (dex-format.html, "encoded_value").
  constexpr std::uint8_t kValueString = 0x17, kValueArray = 0x1c, kValueAnnotation = 0x1d, kValueNull = 0x1e,
                         kValueBoolean = 0x1f;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  if (def.static_values_off == 0 || def.static_values_off >= data_.size()) return out;
  std::size_t pos = def.static_values_off;
  auto size = read_uleb128(data_, pos);
  if (!size) return out;
  // Each value takes at least one byte; kMaxClassMembers bounds a class's static fields.
  const std::uint64_t n = clamp_count(*size, data_.size() - pos, 1, kMaxClassMembers);
  for (std::uint32_t i = 0; i < n; ++i) {
    if (pos >= data_.size()) break;
    const std::uint8_t head = data_[pos++];
    const std::uint8_t type = head & 0x1F;
    const std::size_t arg = head >> 5;
    if (type == kValueArray || type == kValueAnnotation) break;
    if (type == kValueNull || type == kValueBoolean) continue;
    const std::size_t len = arg + 1;
    if (len > data_.size() - pos) break;
    if (type == kValueString && len <= 4) {
      std::uint32_t idx = 0;
      for (std::size_t b = 0; b < len; ++b) idx |= std::uint32_t{data_[pos + b]} << (8 * b);
      out.emplace_back(i, idx);
    }
    pos += len;
  }
  return out;
}

ClassData DexFile::class_data(const ClassDef& def) const {
  ClassData cd;
  if (def.class_data_off == 0) return cd;
  if (def.class_data_off >= data_.size()) {
    cd.truncated = true;
    return cd;
  }
  std::size_t pos = def.class_data_off;
  std::uint32_t counts[4] = {};
  for (auto& c : counts) {
    auto v = read_uleb128(data_, pos);
    if (!v) {
      cd.truncated = true;
      return cd;
    }
    c = *v;
  }
  // Each encoded field takes at least 2 bytes and each encoded method at least 3: that, and
  // kMaxClassMembers, bound the loops whatever the counts say.
  auto read_fields = [&](std::uint32_t count, std::vector<EncodedField>& out) {
    std::uint64_t c = clamp_count(count, data_.size() - pos, 2, kMaxClassMembers);
    if (c < count) cd.truncated = true;
    out.reserve(c);
    std::uint32_t idx = 0;
    for (std::uint64_t i = 0; i < c; ++i) {
      auto diff = read_uleb128(data_, pos);
      auto flags = diff ? read_uleb128(data_, pos) : std::nullopt;
      if (!flags) {
        cd.truncated = true;
        return false;
      }
      idx += *diff;  // wraps on hostile input; the index is range-checked at use
      out.push_back({idx, *flags});
    }
    return true;
  };
  auto read_methods = [&](std::uint32_t count, std::vector<EncodedMethod>& out) {
    std::uint64_t c = clamp_count(count, data_.size() - pos, 3, kMaxClassMembers);
    if (c < count) cd.truncated = true;
    out.reserve(c);
    std::uint32_t idx = 0;
    for (std::uint64_t i = 0; i < c; ++i) {
      auto diff = read_uleb128(data_, pos);
      auto flags = diff ? read_uleb128(data_, pos) : std::nullopt;
      auto code = flags ? read_uleb128(data_, pos) : std::nullopt;
      if (!code) {
        cd.truncated = true;
        return false;
      }
      idx += *diff;
      out.push_back({idx, *flags, *code});
    }
    return true;
  };
  if (!read_fields(counts[0], cd.static_fields)) return cd;
  if (!read_fields(counts[1], cd.instance_fields)) return cd;
  if (!read_methods(counts[2], cd.direct_methods)) return cd;
  read_methods(counts[3], cd.virtual_methods);
  return cd;
}

std::optional<CodeItem> DexFile::code_item(std::uint32_t code_off) const noexcept {
  if (code_off == 0 || !fits(code_off, kCodeItemHeaderSize, data_.size())) return std::nullopt;
  CodeItem c;
  c.registers_size = load_le<std::uint16_t>(data_, code_off).value_or(0);
  c.ins_size = load_le<std::uint16_t>(data_, code_off + 2).value_or(0);
  c.outs_size = load_le<std::uint16_t>(data_, code_off + 4).value_or(0);
  c.tries_size = load_le<std::uint16_t>(data_, code_off + 6).value_or(0);
  c.debug_info_off = u32(data_, code_off + 8);
  c.insns_size = u32(data_, code_off + 12);
  std::uint64_t bytes = static_cast<std::uint64_t>(c.insns_size) * 2;  // < 2^33: no overflow in u64
  if (!fits(code_off + kCodeItemHeaderSize, bytes, data_.size())) return std::nullopt;
  c.insns = data_.subspan(code_off + kCodeItemHeaderSize, static_cast<std::size_t>(bytes));
  return c;
}

std::string mutf8_to_utf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  // The same UTF-8 encoder as binary XML's UTF-16 strings (lone surrogates become U+FFFD there too).
  auto put = [&out](std::uint32_t cp) { axml::append_utf8(out, cp); };
  constexpr std::uint32_t kReplacement = 0xFFFD;
  // Decodes one MUTF-8 unit (1-3 bytes, each a UTF-16 code unit) at i; kReplacement when invalid.
  auto unit = [&in](std::size_t& i) -> std::uint32_t {
    auto b0 = static_cast<std::uint8_t>(in[i]);
    if (b0 < 0x80) {
      ++i;
      return b0;
    }
    auto cont = [&in](std::size_t k) {
      return k < in.size() && (static_cast<std::uint8_t>(in[k]) & 0xC0) == 0x80;
    };
    if ((b0 & 0xE0) == 0xC0 && cont(i + 1)) {
      std::uint32_t cp = ((b0 & 0x1Fu) << 6) | (static_cast<std::uint8_t>(in[i + 1]) & 0x3Fu);
      i += 2;
      return cp;
    }
    if ((b0 & 0xF0) == 0xE0 && cont(i + 1) && cont(i + 2)) {
      std::uint32_t cp = ((b0 & 0x0Fu) << 12) | ((static_cast<std::uint8_t>(in[i + 1]) & 0x3Fu) << 6) |
                         (static_cast<std::uint8_t>(in[i + 2]) & 0x3Fu);
      i += 3;
      return cp;
    }
    ++i;
    return kReplacement;
  };
  std::size_t i = 0;
  while (i < in.size()) {
    std::uint32_t cp = unit(i);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      // A high surrogate: join with the following low surrogate into one code point.
      std::size_t j = i;
      std::uint32_t lo = j < in.size() ? unit(j) : 0;
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        put(0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
        i = j;
      } else {
        put(kReplacement);
      }
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      put(kReplacement);  // lone low surrogate
    } else {
      put(cp);
    }
  }
  return out;
}

std::string descriptor_to_java(std::string_view d) {
  std::size_t dims = 0;
  while (dims < d.size() && d[dims] == '[') ++dims;
  std::string_view base = d.substr(dims);
  std::string out;
  if (base.size() >= 2 && base.front() == 'L' && base.back() == ';') {
    out.assign(base.substr(1, base.size() - 2));
    for (char& c : out)
      if (c == '/') c = '.';
  } else if (base.size() == 1) {
    switch (base[0]) {
      case 'V': out = "void"; break;
      case 'Z': out = "boolean"; break;
      case 'B': out = "byte"; break;
      case 'S': out = "short"; break;
      case 'C': out = "char"; break;
      case 'I': out = "int"; break;
      case 'J': out = "long"; break;
      case 'F': out = "float"; break;
      case 'D': out = "double"; break;
      default: out.assign(base); break;
    }
  } else {
    out.assign(base);
  }
  for (std::size_t i = 0; i < dims; ++i) out += "[]";
  return out;
}

std::string descriptor_package(std::string_view d) {
  if (d.size() < 3 || d.front() != 'L' || d.back() != ';') return {};
  auto slash = d.rfind('/');
  if (slash == std::string_view::npos) return {};
  std::string out(d.substr(1, slash - 1));
  for (char& c : out)
    if (c == '/') c = '.';
  return out;
}

nlohmann::json to_json(const DexFile& dex) {
  const Header& h = dex.header();
  nlohmann::json map = nlohmann::json::array();
  for (const auto& m : dex.map())
    map.push_back({{"type", fmt::format("0x{:04x}", m.type)}, {"size", m.size}, {"offset", m.offset}});
  nlohmann::json diags = nlohmann::json::array();
  for (const auto& d : dex.diagnostics()) diags.push_back(d);
  return {{"version", dex.version_string()},
          {"file_size", h.file_size},
          {"checksum", fmt::format("0x{:08x}", h.checksum)},
          {"strings", dex.string_count()},
          {"types", dex.type_count()},
          {"protos", dex.proto_count()},
          {"fields", dex.field_count()},
          {"methods", dex.method_count()},
          {"classes", dex.class_defs().size()},
          {"map", std::move(map)},
          {"diagnostics", std::move(diags)}};
}

}  // namespace assay::dex
