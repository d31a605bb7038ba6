#include "inventory/package_db.hpp"

#include <algorithm>
#include <cctype>

#include "core/checked.hpp"
#include "core/reader.hpp"

namespace assay::inventory {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Calls f(line, line_number) for each line of `text` (without the newline).
template <class F>
void for_each_line(std::string_view text, F&& f) {
  std::uint32_t no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    ++no;
    if (!f(line, no)) return;
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

void append_capped(std::string& dst, std::string_view s) {
  if (dst.size() >= kMaxFieldValue) return;
  dst.append(s.substr(0, kMaxFieldValue - dst.size()));
}

}  // namespace

std::string_view Stanza::get(std::string_view name) const noexcept {
  for (const auto& [k, v] : fields)
    if (iequals(k, name)) return v;
  return {};
}

std::vector<Stanza> parse_control(std::string_view text, std::size_t max_stanzas) {
  std::vector<Stanza> out;
  Stanza cur;
  bool last_field_dropped = false;
  auto flush = [&] {
    if (!cur.fields.empty()) out.push_back(std::move(cur));
    cur = Stanza{};
  };
  for_each_line(text, [&](std::string_view line, std::uint32_t no) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) {
      flush();
      return out.size() < max_stanzas;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      // Continuation of the previous field (Description, Conffiles).
      if (!cur.fields.empty() && !last_field_dropped) {
        std::string& v = cur.fields.back().second;
        append_capped(v, "\n");
        append_capped(v, trim(line));
      }
      return true;
    }
    if (line.front() == '#') return true;
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return true;
    if (cur.fields.size() >= kMaxFieldsPerStanza) {
      last_field_dropped = true;
      return true;
    }
    last_field_dropped = false;
    if (cur.fields.empty()) cur.line = no;
    std::string value;
    append_capped(value, trim(line.substr(colon + 1)));
    cur.fields.emplace_back(std::string(trim(line.substr(0, colon))), std::move(value));
    return true;
  });
  if (out.size() < max_stanzas) flush();
  return out;
}

std::vector<std::string> parse_depends(std::string_view value) {
  std::vector<std::string> out;
  while (!value.empty() && out.size() < kMaxDepends) {
    auto comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    // Alternatives "a | b": the first is what a resolver prefers; the others are not required.
    item = item.substr(0, item.find('|'));
    item = item.substr(0, item.find('('));
    item = item.substr(0, item.find('['));
    item = trim(item);
    item = item.substr(0, item.find(':'));  // "python3:any"
    item = trim(item);
    if (!item.empty() && std::find(out.begin(), out.end(), item) == out.end()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

std::pair<std::string, std::string> split_source_field(std::string_view value) {
  value = trim(value);
  auto paren = value.find('(');
  if (paren == std::string_view::npos) return {std::string(value), {}};
  std::string_view name = trim(value.substr(0, paren));
  std::string_view rest = value.substr(paren + 1);
  rest = rest.substr(0, rest.find(')'));
  return {std::string(name), std::string(trim(rest))};
}

std::vector<PackageRecord> parse_dpkg_status(std::string_view text) {
  std::vector<PackageRecord> out;
  for (const Stanza& s : parse_control(text)) {
    std::string_view name = s.get("Package");
    if (name.empty()) continue;
    std::string_view status = s.get("Status");
    if (!status.empty()) {
      // "want flag status": only the third word says what is on disk ("installed"); "config-files"
      // and "not-installed" leave no binaries behind.
      auto last = status.find_last_of(' ');
      std::string_view state = last == std::string_view::npos ? status : status.substr(last + 1);
      if (state != "installed") continue;
    }
    PackageRecord r;
    r.name = std::string(name);
    r.version = std::string(s.get("Version"));
    r.architecture = std::string(s.get("Architecture"));
    r.status = std::string(status);
    r.maintainer = std::string(s.get("Maintainer"));
    r.license = std::string(s.get("License"));
    r.line = s.line;
    auto [src, srcver] = split_source_field(s.get("Source"));
    // OpenWrt writes the build-tree path ("package/libs/zlib"): its last part names the source.
    if (auto slash = src.find_last_of('/'); slash != std::string::npos) src = src.substr(slash + 1);
    if (!src.empty() && src != r.name) r.source_name = src;
    if (!srcver.empty() && srcver != r.version) r.source_version = srcver;
    r.depends = parse_depends(s.get("Depends"));
    for (auto& d : parse_depends(s.get("Pre-Depends")))
      if (r.depends.size() < kMaxDepends && std::find(r.depends.begin(), r.depends.end(), d) == r.depends.end())
        r.depends.push_back(std::move(d));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<PackageRecord> parse_apk_installed(std::string_view text) {
  std::vector<PackageRecord> out;
  PackageRecord cur;
  auto flush = [&] {
    if (!cur.name.empty() && out.size() < kMaxPackages) out.push_back(std::move(cur));
    cur = PackageRecord{};
  };
  for_each_line(text, [&](std::string_view line, std::uint32_t no) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      flush();
      return out.size() < kMaxPackages;
    }
    if (line.size() < 2 || line[1] != ':') return true;
    std::string_view v = line.substr(2);
    if (v.size() > kMaxFieldValue) v = v.substr(0, kMaxFieldValue);
    switch (line[0]) {
      case 'P':
        cur.name = std::string(v);
        cur.line = no;
        break;
      case 'V': cur.version = std::string(v); break;
      case 'A': cur.architecture = std::string(v); break;
      case 'L': cur.license = std::string(v); break;
      case 'o': cur.origin = std::string(v); break;
      case 'm': cur.maintainer = std::string(v); break;
      case 'D': {
        // Space-separated; "so:libc.musl-x86_64.so.1" and "cmd:" name provided capabilities,
        // not packages, and "!pkg" is a conflict.
        while (!v.empty() && cur.depends.size() < kMaxDepends) {
          auto sp = v.find(' ');
          std::string_view d = v.substr(0, sp);
          if (!d.empty() && d.front() != '!' && d.find(':') == std::string_view::npos) {
            d = d.substr(0, d.find_first_of("<>=~"));
            if (!d.empty()) cur.depends.emplace_back(d);
          }
          if (sp == std::string_view::npos) break;
          v.remove_prefix(sp + 1);
        }
        break;
      }
      default: break;
    }
    return true;
  });
  flush();
  return out;
}

std::map<std::string, std::string> parse_shell_assignments(std::string_view text) {
  std::map<std::string, std::string> out;
  // os-release files are a few hundred bytes; a hostile one is cut here.
  constexpr std::size_t kMaxKeys = 256;
  for_each_line(text, [&](std::string_view line, std::uint32_t) {
    line = trim(line);
    if (line.empty() || line.front() == '#') return true;
    auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) return true;
    std::string_view key = trim(line.substr(0, eq));
    std::string_view val = trim(line.substr(eq + 1));
    if (val.size() >= 2 && (val.front() == '"' || val.front() == '\'') && val.back() == val.front())
      val = val.substr(1, val.size() - 2);
    if (val.size() > kMaxFieldValue) val = val.substr(0, kMaxFieldValue);
    std::string v;
    for (std::size_t i = 0; i < val.size(); ++i) {
      if (val[i] == '\\' && i + 1 < val.size()) ++i;  // shell escapes in double quotes
      v.push_back(val[i]);
    }
    out[std::string(key)] = std::move(v);
    return out.size() < kMaxKeys;
  });
  return out;
}

Result<PackageRecord> parse_rpm_header(ByteView blob) {
  Reader r(blob, Endian::kBig);
  if (has_magic(blob, 0, "\x8e\xad\xe8\x01")) ASSAY_TRY_STATUS(r.skip(8));
  ASSAY_TRY(std::uint32_t il, r.read<std::uint32_t>());
  ASSAY_TRY(std::uint32_t dl, r.read<std::uint32_t>());
  if (il == 0 || il > kMaxRpmIndexEntries || dl > kMaxRpmDataLength)
    return make_error(Errc::kMalformed, "rpm header: implausible index count or data length");
  auto index_bytes = checked_mul<std::uint64_t>(il, 16);
  if (!index_bytes) return make_error(Errc::kMalformed, "rpm header: index size overflows");
  ASSAY_TRY(ByteView index, r.bytes(*index_bytes));
  ASSAY_TRY(ByteView store, r.bytes(dl));
  Reader ix(index, Endian::kBig);
  PackageRecord rec;
  constexpr std::uint32_t kTypeInt32 = 4, kTypeString = 6, kTypeStringArray = 8, kTypeI18n = 9;
  auto string_at = [&](std::uint32_t off) -> std::string {
    if (off >= store.size()) return {};
    Reader s(store);
    if (!s.seek(off)) return {};
    auto v = s.cstring(4096);
    return v ? std::string(*v) : std::string();
  };
  for (std::uint32_t i = 0; i < il; ++i) {
    ASSAY_TRY(std::uint32_t tag, ix.read<std::uint32_t>());
    ASSAY_TRY(std::uint32_t type, ix.read<std::uint32_t>());
    ASSAY_TRY(std::uint32_t off, ix.read<std::uint32_t>());
    ASSAY_TRY(std::uint32_t count, ix.read<std::uint32_t>());
    (void)count;
    bool is_str = type == kTypeString || type == kTypeI18n || type == kTypeStringArray;
    switch (tag) {
      case 1000: if (is_str) rec.name = string_at(off); break;       // NAME
      case 1001: if (is_str) rec.version = string_at(off); break;    // VERSION
      case 1002: if (is_str) rec.release = string_at(off); break;    // RELEASE
      case 1003:                                                      // EPOCH
        if (type == kTypeInt32)
          if (auto e = load_be<std::uint32_t>(store, off)) rec.epoch = *e;
        break;
      case 1011: if (is_str) rec.vendor = string_at(off); break;     // VENDOR
      case 1014: if (is_str) rec.license = string_at(off); break;    // LICENSE
      case 1022: if (is_str) rec.architecture = string_at(off); break;  // ARCH
      case 1044: if (is_str) rec.source_name = string_at(off); break;   // SOURCERPM
      default: break;
    }
  }
  if (rec.name.empty()) return make_error(Errc::kMalformed, "rpm header: no NAME tag");
  return rec;
}

std::string upstream_version(std::string_view version) {
  if (auto colon = version.find(':'); colon != std::string_view::npos) {
    bool digits = colon > 0;
    for (std::size_t i = 0; i < colon; ++i) digits = digits && std::isdigit(static_cast<unsigned char>(version[i]));
    if (digits) version.remove_prefix(colon + 1);
  }
  if (auto dash = version.rfind('-'); dash != std::string_view::npos && dash > 0) version = version.substr(0, dash);
  return std::string(version);
}

}  // namespace assay::inventory
