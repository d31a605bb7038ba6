// PE parser. Everything is little-endian; RVAs are mapped to file offsets through the section
// table (or used directly for headers-only images where the RVA falls inside the headers).

#include <algorithm>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/checked.hpp"
#include "formats/pe/pe.hpp"
#include "formats/pe/pe_structs.hpp"
#include "formats/strings/strings.hpp"

namespace assay::pe {
namespace {

template <class T>
bool load_raw(ByteView d, std::uint64_t off, T& out) noexcept {
  static_assert(std::endian::native == std::endian::little, "PE raw structs assume a LE host");
  if (!fits(off, sizeof(T), d.size())) return false;
  std::memcpy(&out, d.data() + off, sizeof(T));
  return true;
}

class Parser {
 public:
  Parser(ByteView d, PeFile& f) : d_(d), f_(f) {}
  Status run();

 private:
  void diag(std::string m) {
    if (f_.diagnostics.size() < 64) f_.diagnostics.push_back(std::move(m));
  }
  std::optional<std::uint64_t> rva_to_offset(std::uint32_t rva) const {
    for (const auto& s : f_.sections) {
      std::uint32_t span = std::max(s.virtual_size, s.raw_size);
      if (rva >= s.virtual_address && rva - s.virtual_address < span) {
        std::uint64_t delta = rva - s.virtual_address;
        if (delta >= s.raw_size) return std::nullopt;  // in the zero-filled tail
        std::uint64_t off = std::uint64_t{s.raw_offset} + delta;
        if (off < d_.size()) return off;
        return std::nullopt;
      }
    }
    if (rva < headers_size_ && rva < d_.size()) return rva;
    return std::nullopt;
  }
  std::string cstr_at_rva(std::uint32_t rva) const {
    auto off = rva_to_offset(rva);
    if (!off) return {};
    std::size_t limit = std::min<std::size_t>(d_.size() - *off, kMaxNameLen);
    const auto* p = d_.data() + *off;
    const void* nul = std::memchr(p, 0, limit);
    std::size_t n = nul ? static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - p) : limit;
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  void imports();
  void load_config();

  ByteView d_;
  PeFile& f_;
  std::uint32_t headers_size_ = 0;
};

Status Parser::run() {
  raw::DosHeader dos;
  if (!load_raw(d_, 0, dos) || dos.e_magic != 0x5a4d) return make_error(Errc::kMalformed, "no MZ header");
  std::uint64_t pe_off = dos.e_lfanew;
  if (!has_magic(d_, pe_off, std::string_view("PE\0\0", 4))) {
    return make_error(Errc::kMalformed, fmt::format("no PE signature at e_lfanew {:#x}", pe_off));
  }
  raw::CoffHeader coff;
  if (!load_raw(d_, pe_off + 4, coff)) return make_error(Errc::kTruncated, "COFF header truncated");
  f_.machine = coff.machine;
  f_.characteristics = coff.characteristics;
  std::uint64_t opt = pe_off + 24;
  auto magic = load_le<std::uint16_t>(d_, opt);
  if (!magic) return make_error(Errc::kTruncated, "optional header truncated");
  if (*magic != raw::kMagicPe32 && *magic != raw::kMagicPe32Plus) {
    return make_error(Errc::kUnsupported, fmt::format("optional header magic {:#x} is not PE32/PE32+", *magic));
  }
  f_.is_64 = *magic == raw::kMagicPe32Plus;
  f_.entry_rva = load_le<std::uint32_t>(d_, opt + raw::kOptEntry).value_or(0);
  f_.subsystem = load_le<std::uint16_t>(d_, opt + raw::kOptSubsystem).value_or(0);
  f_.dll_characteristics = load_le<std::uint16_t>(d_, opt + raw::kOptDllCharacteristics).value_or(0);
  f_.image_base = f_.is_64 ? load_le<std::uint64_t>(d_, opt + raw::kOptImageBase64).value_or(0)
                           : load_le<std::uint32_t>(d_, opt + raw::kOptImageBase32).value_or(0);
  headers_size_ = load_le<std::uint32_t>(d_, opt + 60).value_or(0);
  std::uint32_t ndir_off = f_.is_64 ? raw::kOptNumberOfRvaAndSizes64 : raw::kOptNumberOfRvaAndSizes32;
  std::uint32_t ndir = load_le<std::uint32_t>(d_, opt + ndir_off).value_or(0);
  // The format defines 16 directories; anything beyond is ignored by the loader.
  ndir = std::min<std::uint32_t>(ndir, 16);
  for (std::uint32_t i = 0; i < ndir; ++i) {
    std::uint64_t off = opt + ndir_off + 4 + i * 8ull;
    if (off + 8 > opt + coff.size_of_optional_header) break;
    raw::DataDirectory dd;
    if (!load_raw(d_, off, dd)) {
      diag("data directories truncated");
      break;
    }
    f_.directories.emplace_back(dd.virtual_address, dd.size);
  }
  std::uint64_t sec_off = opt + coff.size_of_optional_header;
  std::uint64_t nsec = clamp_count(coff.number_of_sections, d_.size() - std::min<std::uint64_t>(sec_off, d_.size()),
                                   sizeof(raw::SectionHeader), kMaxSections);
  if (nsec < coff.number_of_sections) diag(fmt::format("{} of {} section headers readable", nsec, coff.number_of_sections));
  for (std::uint64_t i = 0; i < nsec; ++i) {
    raw::SectionHeader sh;
    if (!load_raw(d_, sec_off + i * sizeof(sh), sh)) break;
    Section s;
    s.name.assign(sh.name, strnlen(sh.name, 8));
    s.virtual_address = sh.virtual_address, s.virtual_size = sh.virtual_size;
    s.raw_offset = sh.pointer_to_raw_data, s.raw_size = sh.size_of_raw_data;
    s.characteristics = sh.characteristics;
    f_.sections.push_back(std::move(s));
  }
  auto dir = [&](std::uint32_t i) -> std::pair<std::uint32_t, std::uint32_t> {
    return i < f_.directories.size() ? f_.directories[i] : std::pair<std::uint32_t, std::uint32_t>{0, 0};
  };
  auto sec = dir(raw::kDirSecurity);
  f_.has_security_directory = sec.first != 0 && sec.second != 0;
  if (f_.has_security_directory && !fits(sec.first, sec.second, d_.size())) {
    diag("security directory points outside the file");
  }
  f_.has_clr_header = dir(raw::kDirClr).first != 0 && dir(raw::kDirClr).second != 0;
  imports();
  load_config();
  return {};
}

void Parser::imports() {
  if (f_.directories.size() <= raw::kDirImport || f_.directories[raw::kDirImport].first == 0) return;
  auto off = rva_to_offset(f_.directories[raw::kDirImport].first);
  if (!off) {
    diag("import directory does not map into the file");
    return;
  }
  std::size_t names = 0;
  for (std::size_t i = 0; i < kMaxImportDlls; ++i) {
    raw::ImportDescriptor id;
    if (!load_raw(d_, *off + i * sizeof(id), id)) {
      diag("import directory truncated");
      return;
    }
    if (id.name == 0 && id.first_thunk == 0 && id.original_first_thunk == 0) return;
    Import imp;
    imp.dll = cstr_at_rva(id.name);
    std::uint32_t thunk_rva = id.original_first_thunk ? id.original_first_thunk : id.first_thunk;
    auto t = rva_to_offset(thunk_rva);
    std::uint64_t step = f_.is_64 ? 8 : 4;
    for (std::uint64_t k = 0; t && names < kMaxImportNames; ++k) {
      std::uint64_t v;
      if (f_.is_64) {
        auto x = load_le<std::uint64_t>(d_, *t + k * step);
        if (!x) break;
        v = *x;
      } else {
        auto x = load_le<std::uint32_t>(d_, *t + k * step);
        if (!x) break;
        v = *x;
      }
      if (v == 0) break;
      bool ordinal = f_.is_64 ? (v >> 63) != 0 : (v >> 31) != 0;
      if (ordinal) {
        imp.functions.push_back(fmt::format("#{}", v & 0xffff));
      } else {
        imp.functions.push_back(cstr_at_rva(static_cast<std::uint32_t>(v & 0x7fffffff) + 2));
      }
      ++names;
    }
    f_.imports.push_back(std::move(imp));
  }
}

void Parser::load_config() {
  if (f_.directories.size() <= raw::kDirLoadConfig || f_.directories[raw::kDirLoadConfig].first == 0) return;
  auto off = rva_to_offset(f_.directories[raw::kDirLoadConfig].first);
  if (!off) {
    diag("load config directory does not map into the file");
    return;
  }
  auto size = load_le<std::uint32_t>(d_, *off);
  if (!size) return;
  f_.has_load_config = true;
  // A field exists only when the structure's own Size covers it (the struct grew over releases).
  auto field32 = [&](std::uint32_t o) -> std::uint64_t {
    return o + 4 <= *size ? load_le<std::uint32_t>(d_, *off + o).value_or(0) : 0;
  };
  auto field64 = [&](std::uint32_t o) -> std::uint64_t {
    return o + 8 <= *size ? load_le<std::uint64_t>(d_, *off + o).value_or(0) : 0;
  };
  if (f_.is_64) {
    f_.security_cookie = field64(raw::kLcSecurityCookie64);
    f_.guard_flags = static_cast<std::uint32_t>(field32(raw::kLcGuardFlags64));
  } else {
    f_.security_cookie = field32(raw::kLcSecurityCookie32);
    f_.se_handler_table = field32(raw::kLcSeHandlerTable32);
    f_.se_handler_count = field32(raw::kLcSeHandlerCount32);
    f_.guard_flags = static_cast<std::uint32_t>(field32(raw::kLcGuardFlags32));
  }
}

}  // namespace

bool is_pe(ByteView data) noexcept {
  auto lfanew = load_le<std::uint32_t>(data, 60);
  return has_magic(data, 0, "MZ") && lfanew && has_magic(data, *lfanew, std::string_view("PE\0\0", 4));
}

Result<PeFile> parse_pe(ByteView data) {
  PeFile f;
  Parser p(data, f);
  ASSAY_TRY_STATUS(p.run());
  return f;
}

std::string PeFile::machine_name() const {
  switch (machine) {
    case 0x14c: return "x86";
    case 0x8664: return "x86-64";
    case 0x1c0: return "ARM";
    case 0x1c4: return "ARMv7";
    case 0xaa64: return "ARM64";
    case 0x200: return "IA-64";
    default: return fmt::format("{:#x}", machine);
  }
}

nlohmann::json to_json(const PeFile& f) {
  nlohmann::json j;
  j["format"] = f.is_64 ? "PE32+" : "PE32";
  j["machine"] = f.machine_name();
  j["characteristics"] = f.characteristics;
  j["dll_characteristics"] = f.dll_characteristics;
  j["subsystem"] = f.subsystem;
  j["image_base"] = fmt::format("{:#x}", f.image_base);
  j["entry_rva"] = fmt::format("{:#x}", f.entry_rva);
  auto secs = nlohmann::json::array();
  for (const auto& s : f.sections) {
    secs.push_back({{"name", strings::valid_utf8(s.name)}, {"va", s.virtual_address}, {"vsize", s.virtual_size},
                    {"raw_offset", s.raw_offset}, {"raw_size", s.raw_size}, {"characteristics", s.characteristics}});
  }
  j["sections"] = std::move(secs);
  auto imps = nlohmann::json::array();
  for (const auto& i : f.imports) {
    nlohmann::json fn = nlohmann::json::array();
    for (std::size_t k = 0; k < i.functions.size() && k < 200; ++k) fn.push_back(strings::valid_utf8(i.functions[k]));
    imps.push_back({{"dll", strings::valid_utf8(i.dll)}, {"count", i.functions.size()}, {"functions", fn}});
  }
  j["imports"] = std::move(imps);
  j["load_config"] = f.has_load_config;
  j["security_cookie"] = fmt::format("{:#x}", f.security_cookie);
  j["se_handler_table"] = fmt::format("{:#x}", f.se_handler_table);
  j["se_handler_count"] = f.se_handler_count;
  j["guard_flags"] = f.guard_flags;
  j["authenticode"] = f.has_security_directory;
  j["dotnet"] = f.has_clr_header;
  j["diagnostics"] = strings::valid_utf8(f.diagnostics);
  return j;
}

}  // namespace assay::pe
