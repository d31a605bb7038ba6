#include "inventory/binary_meta.hpp"

#include <zlib.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "core/reader.hpp"

namespace assay::inventory {
namespace {

constexpr std::string_view kGoMagic{"\xff Go buildinf:", 14};
constexpr std::size_t kGoHeaderSize = 32;
constexpr std::uint8_t kGoFlagVersionInline = 2;

// Go's binary.Uvarint: at most 10 bytes.
Result<std::uint64_t> read_uvarint(Reader& r) {
  std::uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    ASSAY_TRY(std::uint8_t b, r.read<std::uint8_t>());
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  return make_error(Errc::kMalformed, "go buildinfo: varint too long");
}

Result<std::string_view> read_go_string(Reader& r) {
  ASSAY_TRY(std::uint64_t n, read_uvarint(r));
  if (n > kMaxGoString) return make_error(Errc::kMalformed, "go buildinfo: string length out of range");
  ASSAY_TRY(ByteView b, r.bytes(n));
  return as_chars(b);
}

std::string str_of(const nlohmann::json& j, const char* key, const char* dflt = "") {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string(dflt);
}

GoModule module_from(const std::vector<std::string_view>& f) {
  GoModule m;
  if (f.size() > 1) m.path = std::string(f[1]);
  if (f.size() > 2) m.version = std::string(f[2]);
  if (f.size() > 3) m.sum = std::string(f[3]);
  return m;
}

}  // namespace

std::optional<Result<GoBuildInfo>> find_go_buildinfo(ByteView binary) {
  // The blob is 16-byte aligned in .go.buildinfo; searching the whole file also covers PE and
  // Mach-O without parsing their section tables.
  std::size_t from = 0;
  while (from < binary.size()) {
    const void* hit = ::memmem(binary.data() + from, binary.size() - from, kGoMagic.data(), kGoMagic.size());
    if (hit == nullptr) return std::nullopt;
    std::size_t off = static_cast<std::size_t>(static_cast<const std::uint8_t*>(hit) - binary.data());
    from = off + 1;
    if (off % 16 != 0) continue;
    auto flags = load_le<std::uint8_t>(binary, off + 15);
    if (!flags) return Result<GoBuildInfo>(make_error(Errc::kTruncated, "go buildinfo: header cut off"));
    if ((*flags & kGoFlagVersionInline) == 0)
      return Result<GoBuildInfo>(make_error(Errc::kUnsupported, "go buildinfo: pre-Go 1.18 pointer format"));
    Reader r(binary.subspan(off));
    if (!r.skip(kGoHeaderSize)) return Result<GoBuildInfo>(make_error(Errc::kTruncated, "go buildinfo: header cut off"));
    GoBuildInfo bi;
    bi.offset = off;
    auto vers = read_go_string(r);
    if (!vers) return Result<GoBuildInfo>(std::move(vers).error());
    bi.go_version = std::string(*vers);
    auto mod = read_go_string(r);
    if (!mod) return Result<GoBuildInfo>(std::move(mod).error());
    std::string_view m = *mod;
    // The module text is framed by 16-byte sentinels (runtime/debug.modinfoStart/End).
    if (m.size() >= 33 && m[m.size() - 17] == '\n') m = m.substr(16, m.size() - 32);
    while (!m.empty()) {
      auto nl = m.find('\n');
      std::string_view line = m.substr(0, nl);
      std::vector<std::string_view> f;
      while (f.size() < 8) {
        auto tab = line.find('\t');
        f.push_back(line.substr(0, tab));
        if (tab == std::string_view::npos) break;
        line.remove_prefix(tab + 1);
      }
      if (!f.empty()) {
        if (f[0] == "path" && f.size() > 1) bi.path = std::string(f[1]);
        else if (f[0] == "mod") bi.main = module_from(f);
        else if (f[0] == "dep" && bi.deps.size() < kMaxGoModules) bi.deps.push_back(module_from(f));
        else if (f[0] == "=>") {
          GoModule rep = module_from(f);
          GoModule* target = bi.deps.empty() ? &bi.main : &bi.deps.back();
          target->replaced_by = rep.path;
          if (!rep.version.empty()) target->version = rep.version;
        }
      }
      if (nl == std::string_view::npos) break;
      m.remove_prefix(nl + 1);
    }
    return Result<GoBuildInfo>(std::move(bi));
  }
  return std::nullopt;
}

Result<std::string> zlib_inflate(ByteView data, std::size_t max_out) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return make_error(Errc::kInternal, "zlib: inflateInit failed");
  std::string out;
  std::uint8_t buf[16384];
  zs.next_in = const_cast<Bytef*>(data.data());
  zs.avail_in = static_cast<uInt>(std::min<std::size_t>(data.size(), 0xffffffffu));
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = buf;
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return make_error(Errc::kMalformed, "zlib: corrupt stream");
    }
    std::size_t got = sizeof buf - zs.avail_out;
    if (out.size() + got > max_out) {
      inflateEnd(&zs);
      return make_error(Errc::kLimit, "zlib: output exceeds " + std::to_string(max_out) + " bytes");
    }
    out.append(reinterpret_cast<const char*>(buf), got);
    if (rc == Z_OK && got == 0 && zs.avail_in == 0) {
      inflateEnd(&zs);
      return make_error(Errc::kTruncated, "zlib: stream ends early");
    }
  }
  inflateEnd(&zs);
  return out;
}

Result<std::vector<CargoPackage>> parse_cargo_auditable(ByteView section) {
  ASSAY_TRY(std::string text, zlib_inflate(section, kMaxAuditableJson));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("packages") || !j["packages"].is_array())
    return make_error(Errc::kMalformed, "cargo-auditable: not the expected JSON");
  std::vector<CargoPackage> out;
  for (const auto& p : j["packages"]) {
    if (!p.is_object()) continue;
    CargoPackage c;
    c.name = str_of(p, "name");
    c.version = str_of(p, "version");
    c.source = str_of(p, "source");
    c.kind = str_of(p, "kind", "runtime");
    c.root = p.contains("root") && p["root"].is_boolean() && p["root"].get<bool>();
    if (p.contains("dependencies") && p["dependencies"].is_array())
      for (const auto& d : p["dependencies"])
        if (d.is_number_unsigned() && c.dependencies.size() < 4096) c.dependencies.push_back(d.get<std::size_t>());
    if (!c.name.empty()) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace assay::inventory
