// resources.arsc reading. The table is indexed once (packages -> types -> type chunks with their
// configuration class); entries are decoded only when looked up, so opening the table of a big
// app costs one walk over its chunk headers, not a decode of its 100k entries.
#include "formats/arsc/arsc.hpp"

#include <fmt/format.h>

#include "core/checked.hpp"
#include "core/reader.hpp"

namespace assay::arsc {
namespace {

using axml::ChunkType;
using axml::read_chunk_header;

constexpr std::uint32_t kNoEntry = 0xFFFFFFFFu;
constexpr std::uint16_t kNoEntry16 = 0xFFFF;
constexpr std::uint8_t kTypeFlagSparse = 0x01;
constexpr std::uint8_t kTypeFlagOffset16 = 0x02;
constexpr std::uint16_t kEntryFlagComplex = 0x0001;
constexpr std::uint16_t kEntryFlagCompact = 0x0008;
// ResTable_package up to lastPublicKey (typeIdOffset came later and is optional).
constexpr std::uint16_t kPackageHeaderMin = 284;
// ResTable_type before its configuration: header, id, flags, reserved, entryCount, entriesStart.
constexpr std::uint16_t kTypeHeaderMin = 20;
constexpr std::size_t kMaxDiagnostics = 20;

bool is(std::uint16_t type, ChunkType t) { return type == static_cast<std::uint16_t>(t); }

}  // namespace

std::string Value::text() const {
  return typed.is(axml::ValueType::kString) ? string : axml::format_value(typed);
}

Result<ResourceTable> ResourceTable::parse(ByteView data) {
  ResourceTable t;
  t.bytes_.assign(data.begin(), data.end());
  ByteView all(t.bytes_.data(), t.bytes_.size());
  ASSAY_TRY(axml::ChunkHeader top, read_chunk_header(all, 0));
  if (!is(top.type, ChunkType::kTable))
    return make_error(Errc::kMalformed, fmt::format("not a resource table: first chunk has type 0x{:04x}", top.type));
  ByteView table = all.first(top.size);
  bool have_values = false;
  std::uint64_t pos = top.header_size;
  while (pos < table.size()) {
    auto hr = read_chunk_header(table, pos);
    if (!hr) {
      if (t.diagnostics_.size() < kMaxDiagnostics) t.diagnostics_.push_back("table chunk stream broken: " + hr.error().message);
      break;
    }
    if (is(hr->type, ChunkType::kStringPool) && !have_values) {
      auto p = axml::StringPool::parse(table.subspan(pos, hr->size));
      if (!p) return make_error(Errc::kMalformed, "value string pool: " + p.error().message);
      t.values_ = std::move(p).value();
      have_values = true;
    } else if (is(hr->type, ChunkType::kTablePackage)) {
      if (t.packages_.size() >= kMaxPackages) break;
      auto st = t.parse_package(pos, hr->size, hr->header_size);
      if (!st && t.diagnostics_.size() < kMaxDiagnostics) t.diagnostics_.push_back("package: " + st.error().message);
    }
    pos += hr->size;
  }
  if (!have_values && t.packages_.empty()) return make_error(Errc::kMalformed, "resource table holds no string pool and no package");
  return t;
}

Status ResourceTable::parse_package(std::uint64_t offset, std::uint32_t size, std::uint16_t header_size) {
  ByteView all(bytes_.data(), bytes_.size());
  ByteView chunk = all.subspan(offset, size);
  if (header_size < kPackageHeaderMin) return make_error(Errc::kMalformed, "package header too small");
  Reader r(chunk);
  Package p;
  p.id = *r.peek_at<std::uint32_t>(8);
  for (std::size_t i = 0; i < 128; ++i) {
    std::uint16_t c = *r.peek_at<std::uint16_t>(12 + 2 * i);
    if (c == 0) break;
    axml::append_utf8(p.name, c);
  }
  std::uint32_t type_strings = *r.peek_at<std::uint32_t>(268);
  std::uint32_t key_strings = *r.peek_at<std::uint32_t>(276);
  if (header_size >= kPackageHeaderMin + 4) p.type_id_offset = *r.peek_at<std::uint32_t>(284);
  if (type_strings > 0 && type_strings < size) {
    auto pool = axml::StringPool::parse(chunk.subspan(type_strings));
    if (pool) p.type_strings = std::move(pool).value();
  }
  if (key_strings > 0 && key_strings < size) {
    auto pool = axml::StringPool::parse(chunk.subspan(key_strings));
    if (pool) p.key_strings = std::move(pool).value();
  }
  std::size_t type_chunks = 0;
  std::uint64_t pos = header_size;
  while (pos < chunk.size()) {
    auto hr = read_chunk_header(chunk, pos);
    if (!hr) {
      if (diagnostics_.size() < kMaxDiagnostics) diagnostics_.push_back("package chunk stream broken: " + hr.error().message);
      break;
    }
    if (is(hr->type, ChunkType::kTableType) && hr->header_size >= kTypeHeaderMin) {
      if (++type_chunks > kMaxTypeChunks) {
        if (diagnostics_.size() < kMaxDiagnostics) diagnostics_.push_back("type chunk limit reached");
        break;
      }
      const std::uint64_t at = offset + pos;  // absolute offset in bytes_
      TypeChunk tc;
      std::uint8_t id = all[at + 8];
      tc.flags = all[at + 9];
      tc.entry_count = *load_le<std::uint32_t>(all, at + 12);
      std::uint32_t entries_start = *load_le<std::uint32_t>(all, at + 16);
      // The configuration follows; it is the default one when every field after its size is 0.
      bool is_default = true;
      if (hr->header_size > kTypeHeaderMin + 4) {
        std::uint32_t cfg_size = load_le<std::uint32_t>(all, at + kTypeHeaderMin).value_or(0);
        std::uint64_t cfg_end = std::min<std::uint64_t>(kTypeHeaderMin + std::uint64_t{cfg_size}, hr->header_size);
        for (std::uint64_t i = kTypeHeaderMin + 4; i < cfg_end; ++i)
          if (all[at + i] != 0) {
            is_default = false;
            break;
          }
      }
      tc.default_config = is_default;
      tc.offsets_at = at + hr->header_size;
      tc.entries_at = at + entries_start;
      tc.chunk_end = at + hr->size;
      if (id != 0 && entries_start <= hr->size) {
        auto& list = p.types[id];
        if (tc.default_config) {
          // Keep the default configuration first: it is the one resolve() prefers.
          auto it = list.begin();
          while (it != list.end() && it->default_config) ++it;
          list.insert(it, tc);
        } else {
          list.push_back(tc);
        }
      }
    }
    pos += hr->size;
  }
  packages_.push_back(std::move(p));
  return {};
}

const ResourceTable::Package* ResourceTable::package(std::uint8_t id) const {
  for (const auto& p : packages_)
    if (p.id == id) return &p;
  // Shared libraries are compiled with package id 0 and assigned one at load time.
  if (packages_.size() == 1 && packages_[0].id == 0) return &packages_[0];
  return nullptr;
}

std::optional<ResourceTable::Entry> ResourceTable::entry(const Package&, const TypeChunk& t,
                                                         std::uint32_t index) const {
  ByteView all(bytes_.data(), bytes_.size());
  ByteView chunk = all.first(t.chunk_end);
  std::uint64_t entry_off = kNoEntry;
  if (t.flags & kTypeFlagSparse) {
    // Sorted (index u16, offset/4 u16) pairs: binary search, bounded by the chunk.
    std::uint64_t n = clamp_count(t.entry_count, t.offsets_at < chunk.size() ? chunk.size() - t.offsets_at : 0, 4,
                                  0x10000);
    std::uint64_t lo = 0, hi = n;
    while (lo < hi) {
      std::uint64_t mid = (lo + hi) / 2;
      std::uint16_t idx = *load_le<std::uint16_t>(chunk, t.offsets_at + mid * 4);
      if (idx == index) {
        entry_off = std::uint64_t{*load_le<std::uint16_t>(chunk, t.offsets_at + mid * 4 + 2)} * 4;
        break;
      }
      if (idx < index) lo = mid + 1;
      else hi = mid;
    }
  } else {
    if (index >= t.entry_count) return std::nullopt;
    if (t.flags & kTypeFlagOffset16) {
      auto o = load_le<std::uint16_t>(chunk, t.offsets_at + std::uint64_t{index} * 2);
      if (!o || *o == kNoEntry16) return std::nullopt;
      entry_off = std::uint64_t{*o} * 4;
    } else {
      auto o = load_le<std::uint32_t>(chunk, t.offsets_at + std::uint64_t{index} * 4);
      if (!o || *o == kNoEntry) return std::nullopt;
      entry_off = *o;
    }
  }
  if (entry_off == kNoEntry) return std::nullopt;
  auto at = checked_add<std::uint64_t>(t.entries_at, entry_off);
  if (!at) return std::nullopt;
  auto size = load_le<std::uint16_t>(chunk, *at);
  auto flags = load_le<std::uint16_t>(chunk, *at + 2);
  auto key = load_le<std::uint32_t>(chunk, *at + 4);
  if (!size || !flags || !key) return std::nullopt;
  Entry e;
  if (*flags & kEntryFlagCompact) {
    // Compact entry: key index u16, flags u16 (type in the high byte), data u32.
    e.key = *size;
    e.value.type = static_cast<std::uint8_t>(*flags >> 8);
    e.value.data = *key;
    return e;
  }
  e.key = *key;
  if (*flags & kEntryFlagComplex) {
    e.complex = true;
    return e;
  }
  auto type = load_le<std::uint8_t>(chunk, *at + *size + 3);
  auto data = load_le<std::uint32_t>(chunk, *at + *size + 4);
  if (!type || !data) return std::nullopt;
  e.value.type = *type;
  e.value.data = *data;
  return e;
}

std::optional<ResourceTable::Entry> ResourceTable::lookup(std::uint32_t id) const {
  const Package* p = package(static_cast<std::uint8_t>(id >> 24));
  if (p == nullptr) return std::nullopt;
  auto it = p->types.find(static_cast<std::uint8_t>((id >> 16) & 0xFF));
  if (it == p->types.end()) return std::nullopt;
  for (const auto& t : it->second)
    if (auto e = entry(*p, t, id & 0xFFFF)) return e;
  return std::nullopt;
}

std::optional<Value> ResourceTable::resolve(std::uint32_t id) const {
  for (int hop = 0; hop < kMaxReferenceHops; ++hop) {
    auto e = lookup(id);
    if (!e || e->complex) return std::nullopt;
    if (e->value.is_reference() && e->value.data != 0) {
      id = e->value.data;
      continue;
    }
    Value v;
    v.typed = e->value;
    if (v.typed.is(axml::ValueType::kString)) v.string = values_.at(v.typed.data);
    return v;
  }
  return std::nullopt;
}

std::optional<std::string> ResourceTable::name(std::uint32_t id) const {
  const Package* p = package(static_cast<std::uint8_t>(id >> 24));
  if (p == nullptr) return std::nullopt;
  const std::uint8_t type_id = static_cast<std::uint8_t>((id >> 16) & 0xFF);
  auto e = lookup(id);
  if (!e || type_id == 0 || type_id <= p->type_id_offset) return std::nullopt;
  auto type = p->type_strings.get(type_id - 1 - p->type_id_offset);
  auto key = p->key_strings.get(e->key);
  if (!type || !key) return std::nullopt;
  std::string prefix = "@";
  if (packages_.size() > 1 && p != &packages_.front()) prefix += p->name + ":";
  return prefix + *type + "/" + *key;
}

std::size_t ResourceTable::entry_count() const noexcept {
  std::size_t n = 0;
  for (const auto& p : packages_) n += p.key_strings.size();
  return n;
}

std::vector<std::string> ResourceTable::package_names() const {
  std::vector<std::string> v;
  for (const auto& p : packages_) v.push_back(p.name);
  return v;
}

}  // namespace assay::arsc
