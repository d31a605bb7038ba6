#include "formats/zip/zip_classify.hpp"

#include <algorithm>
#include <string_view>

#include "core/checked.hpp"
#include "core/reader.hpp"

namespace assay::zip {
namespace {

constexpr std::uint32_t kEocdSig = 0x06054b50;
constexpr std::uint32_t kZip64LocatorSig = 0x07064b50;
constexpr std::uint32_t kZip64EocdSig = 0x06064b50;
constexpr std::uint32_t kCentralSig = 0x02014b50;
constexpr std::uint32_t kLocalSig = 0x04034b50;
constexpr std::size_t kEocdSize = 22;
constexpr std::size_t kCentralSize = 46;
constexpr std::size_t kLocalSize = 30;
constexpr std::size_t kZip64LocatorSize = 20;
constexpr std::size_t kZip64EocdSize = 56;
// The EOCD comment length is a u16, so the record starts at most this far before the end.
constexpr std::size_t kMaxEocdSearch = 65535 + kEocdSize;
// Names looked at when classifying: the marker files of every rule sit near the start of the
// directory of real products, and each name costs a string copy.
constexpr std::uint64_t kMaxClassifyEntries = 200'000;

bool is_u32_max(std::uint64_t v) { return v == 0xFFFFFFFFu; }

// Reads a Zip64 EOCD record at `pos`; false when there is none.
bool read_zip64_eocd(ByteView data, std::uint64_t pos, EocdInfo& out) {
  Reader r(data);
  if (!r.seek(pos) || r.remaining() < kZip64EocdSize) return false;
  if (load_le<std::uint32_t>(data, pos).value_or(0) != kZip64EocdSig) return false;
  out.entry_count = *load_le<std::uint64_t>(data, pos + 32);
  out.cd_size = *load_le<std::uint64_t>(data, pos + 40);
  out.cd_offset = *load_le<std::uint64_t>(data, pos + 48);
  out.zip64 = true;
  return true;
}

// Resolves cd_offset against a possible prefix: the directory normally ends where the (Zip64)
// EOCD starts, so the difference is the prefix length. Checked against the "PK\1\2" signature.
bool resolve_base(ByteView data, std::uint64_t cd_end, EocdInfo& info) {
  auto cd_at = [&](std::uint64_t base) {
    auto off = checked_add(info.cd_offset, base);
    if (!off || !fits(*off, info.cd_size, cd_end)) return false;
    if (info.entry_count == 0 && info.cd_size == 0) return true;
    return load_le<std::uint32_t>(data, *off).value_or(0) == kCentralSig;
  };
  auto declared_end = checked_add(info.cd_offset, info.cd_size);
  if (declared_end && *declared_end <= cd_end && cd_at(cd_end - *declared_end)) {
    info.base = cd_end - *declared_end;
  } else if (cd_at(0)) {
    info.base = 0;
  } else {
    return false;
  }
  info.cd_offset += info.base;
  return true;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Names from the local headers, for a zip whose directory is missing (truncated download).
// Stops at a member whose size is only in a trailing data descriptor: it cannot be skipped
// without decompressing.
std::vector<std::string> local_header_names(ByteView data) {
  std::vector<std::string> names;
  Reader r(data);
  while (names.size() < kMaxClassifyEntries && r.remaining() >= kLocalSize) {
    std::uint64_t pos = r.pos();
    if (load_le<std::uint32_t>(data, pos).value_or(0) != kLocalSig) break;
    std::uint16_t flags = *load_le<std::uint16_t>(data, pos + 6);
    std::uint32_t csize = *load_le<std::uint32_t>(data, pos + 18);
    std::uint16_t name_len = *load_le<std::uint16_t>(data, pos + 26);
    std::uint16_t extra_len = *load_le<std::uint16_t>(data, pos + 28);
    auto name = r.sub(pos + kLocalSize, name_len);
    if (!name) break;
    names.emplace_back(as_chars(*name));
    if ((flags & 0x08) != 0 && csize == 0) break;
    std::uint64_t next = pos + kLocalSize + name_len + extra_len + std::uint64_t{csize};
    if (!r.seek(next)) break;
  }
  return names;
}

}  // namespace

Result<EocdInfo> find_eocd(ByteView data) {
  if (data.size() < kEocdSize) return make_error(Errc::kMalformed, "too small for a zip");
  std::size_t last = data.size() - kEocdSize;
  std::size_t first = last > kMaxEocdSearch ? last - kMaxEocdSearch : 0;
  for (std::size_t pos = last + 1; pos-- > first;) {
    if (data[pos] != 'P' || load_le<std::uint32_t>(data, pos).value_or(0) != kEocdSig) continue;
    EocdInfo info;
    info.eocd_offset = pos;
    std::uint16_t comment_len = *load_le<std::uint16_t>(data, pos + 20);
    if (!fits(pos + kEocdSize, comment_len, data.size())) continue;
    info.end_offset = pos + kEocdSize + comment_len;
    info.entry_count = *load_le<std::uint16_t>(data, pos + 10);
    info.cd_size = *load_le<std::uint32_t>(data, pos + 12);
    info.cd_offset = *load_le<std::uint32_t>(data, pos + 16);
    std::uint64_t cd_end = pos;
    bool wants_zip64 = info.entry_count == 0xFFFF || is_u32_max(info.cd_size) ||
                       is_u32_max(info.cd_offset);
    if (pos >= kZip64LocatorSize &&
        load_le<std::uint32_t>(data, pos - kZip64LocatorSize).value_or(0) == kZip64LocatorSig) {
      std::uint64_t declared = *load_le<std::uint64_t>(data, pos - kZip64LocatorSize + 8);
      std::uint64_t adjacent = pos >= kZip64LocatorSize + kZip64EocdSize
                                   ? pos - kZip64LocatorSize - kZip64EocdSize
                                   : 0;
      if (read_zip64_eocd(data, declared, info)) {
        cd_end = declared;
      } else if (read_zip64_eocd(data, adjacent, info)) {
        cd_end = adjacent;
      }
    }
    if (wants_zip64 && !info.zip64) continue;
    if (!resolve_base(data, cd_end, info)) continue;
    return info;
  }
  return make_error(Errc::kMalformed, "no end of central directory record");
}

std::vector<CentralEntry> read_central_directory(ByteView data, const EocdInfo& eocd,
                                                 std::uint64_t max_entries, bool* complete) {
  std::vector<CentralEntry> out;
  if (complete != nullptr) *complete = false;
  ByteView cd = slice(data, eocd.cd_offset, eocd.cd_size);
  Reader r(cd);
  std::uint64_t want = clamp_count(eocd.entry_count, cd.size(), kCentralSize, max_entries);
  out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(want, 4096)));
  while (out.size() < max_entries && r.remaining() >= kCentralSize) {
    std::uint64_t pos = r.pos();
    if (*load_le<std::uint32_t>(cd, pos) != kCentralSig) break;
    CentralEntry e;
    e.flags = *load_le<std::uint16_t>(cd, pos + 8);
    e.method = *load_le<std::uint16_t>(cd, pos + 10);
    e.crc32 = *load_le<std::uint32_t>(cd, pos + 16);
    e.compressed_size = *load_le<std::uint32_t>(cd, pos + 20);
    e.uncompressed_size = *load_le<std::uint32_t>(cd, pos + 24);
    std::uint16_t name_len = *load_le<std::uint16_t>(cd, pos + 28);
    std::uint16_t extra_len = *load_le<std::uint16_t>(cd, pos + 30);
    std::uint16_t comment_len = *load_le<std::uint16_t>(cd, pos + 32);
    e.external_attrs = *load_le<std::uint32_t>(cd, pos + 38);
    e.local_offset = *load_le<std::uint32_t>(cd, pos + 42);
    auto name = r.sub(pos + kCentralSize, name_len);
    auto extra = r.sub(pos + kCentralSize + name_len, extra_len);
    if (!name || !extra) break;
    e.name.assign(as_chars(*name));
    // Zip64 extended information: only the fields saturated in the record are present, in order.
    Reader x(*extra);
    while (x.remaining() >= 4) {
      std::uint16_t id = *x.read_le<std::uint16_t>();
      std::uint16_t len = *x.read_le<std::uint16_t>();
      auto body = x.bytes(len);
      if (!body) break;
      if (id != 0x0001) continue;
      Reader z(*body);
      if (is_u32_max(e.uncompressed_size))
        if (auto v = z.read_le<std::uint64_t>()) e.uncompressed_size = *v;
      if (is_u32_max(e.compressed_size))
        if (auto v = z.read_le<std::uint64_t>()) e.compressed_size = *v;
      if (is_u32_max(e.local_offset))
        if (auto v = z.read_le<std::uint64_t>()) e.local_offset = *v;
    }
    e.local_offset = checked_add(e.local_offset, eocd.base).value_or(~std::uint64_t{0});
    out.push_back(std::move(e));
    if (!r.seek(pos + kCentralSize + name_len + extra_len + comment_len)) break;
  }
  if (complete != nullptr) *complete = out.size() >= want || r.eof();
  return out;
}

Kind classify_zip_names(const std::vector<std::string>& names) {
  bool root_manifest = false, dex = false, arsc = false, classes_jar = false;
  bool aab_manifest = false, ipa_app = false, xapk_manifest = false, jar_manifest = false;
  bool class_file = false;
  std::size_t root_apks = 0;
  for (const std::string& n : names) {
    std::string_view s = n;
    bool at_root = s.find('/') == std::string_view::npos;
    if (s == "AndroidManifest.xml") root_manifest = true;
    else if (s == "resources.arsc") arsc = true;
    else if (s == "classes.jar") classes_jar = true;
    else if (s == "base/manifest/AndroidManifest.xml") aab_manifest = true;
    else if (s == "manifest.json") xapk_manifest = true;
    else if (s == "META-INF/MANIFEST.MF") jar_manifest = true;
    if (at_root && starts_with(s, "classes") && ends_with(s, ".dex")) dex = true;
    if (at_root && ends_with(s, ".apk")) ++root_apks;
    if (ends_with(s, ".class")) class_file = true;
    if (starts_with(s, "Payload/")) {
      std::string_view rest = s.substr(8);
      std::size_t slash = rest.find('/');
      if (slash != std::string_view::npos && ends_with(rest.substr(0, slash), ".app"))
        ipa_app = true;
    }
  }
  if (ipa_app) return Kind::kIosIpa;
  if (aab_manifest) return Kind::kAndroidAab;
  if (root_manifest && (dex || arsc)) return Kind::kAndroidApk;
  if (root_manifest && classes_jar) return Kind::kAar;
  if ((xapk_manifest && root_apks >= 1) || root_apks >= 2) return Kind::kAndroidXapk;
  if (jar_manifest || class_file) return Kind::kJar;
  return Kind::kZip;
}

Kind classify_zip(ByteView data) {
  std::vector<std::string> names;
  if (auto eocd = find_eocd(data)) {
    for (auto& e : read_central_directory(data, *eocd, kMaxClassifyEntries))
      names.push_back(std::move(e.name));
  } else if (load_le<std::uint32_t>(data, 0).value_or(0) == kLocalSig) {
    names = local_header_names(data);
  } else {
    return Kind::kUnknown;
  }
  return classify_zip_names(names);
}

}  // namespace assay::zip
