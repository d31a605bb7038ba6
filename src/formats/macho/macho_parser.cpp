// Mach-O parser. Fields are read with load<T>(view, offset, endian) inside the slice's own view,
// so a load command can never reach outside its slice.

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/checked.hpp"
#include "formats/macho/macho.hpp"
#include "formats/macho/macho_structs.hpp"
#include "formats/strings/strings.hpp"

namespace assay::macho {
namespace {

std::string cstr(ByteView v, std::uint64_t off) {
  if (off >= v.size()) return {};
  std::size_t limit = std::min<std::size_t>(v.size() - static_cast<std::size_t>(off), kMaxNameLen);
  const auto* p = v.data() + off;
  const void* nul = std::memchr(p, 0, limit);
  std::size_t n = nul ? static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - p) : limit;
  return std::string(reinterpret_cast<const char*>(p), n);
}

void diag(Slice& s, std::string m) {
  if (s.diagnostics.size() < 64) s.diagnostics.push_back(std::move(m));
}

void parse_symtab(ByteView v, Slice& s, std::uint64_t lc) {
  Endian e = s.endian;
  std::uint32_t symoff = load<std::uint32_t>(v, lc + 8, e).value_or(0);
  std::uint32_t nsyms = load<std::uint32_t>(v, lc + 12, e).value_or(0);
  std::uint32_t stroff = load<std::uint32_t>(v, lc + 16, e).value_or(0);
  std::uint32_t strsize = load<std::uint32_t>(v, lc + 20, e).value_or(0);
  ByteView strtab = slice(v, stroff, std::min<std::uint64_t>(strsize, v.size() - std::min<std::uint64_t>(stroff, v.size())));
  std::uint64_t ent = s.is_64 ? sizeof(raw::Nlist64) : sizeof(raw::Nlist32);
  if (symoff > v.size()) {
    diag(s, "symbol table lies outside the slice");
    return;
  }
  std::uint64_t n = clamp_count(nsyms, v.size() - symoff, ent, kMaxSymbols);
  if (n < nsyms) diag(s, fmt::format("{} of {} symbols readable", n, nsyms));
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t off = symoff + i * ent;
    auto strx = load<std::uint32_t>(v, off, e);
    auto type = load<std::uint8_t>(v, off + 4, e);
    if (!strx || !type) break;
    if ((*type & 0xe0) != 0) continue;  // N_STAB debugging entries
    if ((*type & 0x01) == 0) continue;  // not N_EXT
    std::string name = cstr(strtab, *strx);
    if (name.empty()) continue;
    std::uint8_t kind = *type & 0x0e;  // N_TYPE: N_UNDF=0, N_SECT=0xe
    if (kind == 0) {
      s.imports.push_back(std::move(name));
    } else {
      s.exports.push_back(std::move(name));
    }
  }
}

void parse_slice(ByteView v, Slice& s) {
  auto magic_le = load_le<std::uint32_t>(v, 0);
  if (!magic_le) {
    diag(s, "slice shorter than a magic number");
    return;
  }
  if (*magic_le == raw::kMagic32 || *magic_le == raw::kMagic64) {
    s.endian = Endian::kLittle;
  } else if (detail::byteswap(*magic_le) == raw::kMagic32 || detail::byteswap(*magic_le) == raw::kMagic64) {
    s.endian = Endian::kBig;
  } else {
    diag(s, fmt::format("slice magic {:#x} is not Mach-O", *magic_le));
    return;
  }
  Endian e = s.endian;
  std::uint32_t magic = *load<std::uint32_t>(v, 0, e);
  s.is_64 = magic == raw::kMagic64;
  std::uint64_t hdr = s.is_64 ? 32 : 28;
  if (v.size() < hdr) {
    diag(s, "Mach-O header truncated");
    return;
  }
  s.cputype = *load<std::uint32_t>(v, 4, e);
  s.cpusubtype = *load<std::uint32_t>(v, 8, e);
  s.filetype = *load<std::uint32_t>(v, 12, e);
  s.ncmds = *load<std::uint32_t>(v, 16, e);
  s.flags = *load<std::uint32_t>(v, 24, e);
  std::uint64_t off = hdr;
  std::uint64_t n = clamp_count(s.ncmds, v.size() - hdr, sizeof(raw::LoadCommand), kMaxLoadCommands);
  if (n < s.ncmds) diag(s, fmt::format("{} of {} load commands fit", n, s.ncmds));
  for (std::uint64_t i = 0; i < n; ++i) {
    auto cmd = load<std::uint32_t>(v, off, e);
    auto size = load<std::uint32_t>(v, off + 4, e);
    if (!cmd || !size) {
      diag(s, fmt::format("load command {} truncated", i));
      break;
    }
    if (*size < 8 || !fits(off, *size, v.size())) {
      diag(s, fmt::format("load command {} has a bad size {}", i, *size));
      break;
    }
    ByteView lc = v.subspan(static_cast<std::size_t>(off), *size);
    s.load_commands.push_back(*cmd);
    switch (*cmd) {
      case raw::kLcSegment:
      case raw::kLcSegment64: {
        Segment seg;
        seg.name = cstr(slice(lc, 8, 16), 0);
        if (*cmd == raw::kLcSegment64) {
          seg.vmaddr = load<std::uint64_t>(lc, 24, e).value_or(0);
          seg.vmsize = load<std::uint64_t>(lc, 32, e).value_or(0);
          seg.fileoff = load<std::uint64_t>(lc, 40, e).value_or(0);
          seg.filesize = load<std::uint64_t>(lc, 48, e).value_or(0);
          seg.maxprot = load<std::uint32_t>(lc, 56, e).value_or(0);
          seg.initprot = load<std::uint32_t>(lc, 60, e).value_or(0);
          seg.nsects = load<std::uint32_t>(lc, 64, e).value_or(0);
        } else {
          seg.vmaddr = load<std::uint32_t>(lc, 24, e).value_or(0);
          seg.vmsize = load<std::uint32_t>(lc, 28, e).value_or(0);
          seg.fileoff = load<std::uint32_t>(lc, 32, e).value_or(0);
          seg.filesize = load<std::uint32_t>(lc, 36, e).value_or(0);
          seg.maxprot = load<std::uint32_t>(lc, 40, e).value_or(0);
          seg.initprot = load<std::uint32_t>(lc, 44, e).value_or(0);
          seg.nsects = load<std::uint32_t>(lc, 48, e).value_or(0);
        }
        s.segments.push_back(std::move(seg));
        break;
      }
      case raw::kLcLoadDylib:
      case raw::kLcLoadWeakDylib:
      case raw::kLcReexportDylib:
        s.dylibs.push_back(cstr(lc, load<std::uint32_t>(lc, 8, e).value_or(0)));
        break;
      case raw::kLcIdDylib: s.install_name = cstr(lc, load<std::uint32_t>(lc, 8, e).value_or(0)); break;
      case raw::kLcRpath: s.rpaths.push_back(cstr(lc, load<std::uint32_t>(lc, 8, e).value_or(0))); break;
      case raw::kLcUuid: {
        static constexpr char kHex[] = "0123456789abcdef";
        for (std::uint8_t b : slice(lc, 8, 16)) s.uuid += {kHex[b >> 4], kHex[b & 15]};
        break;
      }
      case raw::kLcCodeSignature: s.has_code_signature = true; break;
      case raw::kLcEncryptionInfo:
      case raw::kLcEncryptionInfo64:
        s.has_encryption_info = true;
        s.cryptid = std::max(s.cryptid, load<std::uint32_t>(lc, 16, e).value_or(0));
        break;
      case raw::kLcSymtab: parse_symtab(v, s, off); break;
      default: break;
    }
    off += *size;
  }
}

}  // namespace

bool is_macho(ByteView data) noexcept {
  auto le = load_le<std::uint32_t>(data, 0);
  if (!le) return false;
  if (*le == raw::kMagic32 || *le == raw::kMagic64) return true;
  std::uint32_t be = detail::byteswap(*le);
  if (be == raw::kMagic32 || be == raw::kMagic64) return true;
  if (be == raw::kFatMagic || be == raw::kFatMagic64) {
    auto n = load_be<std::uint32_t>(data, 4);
    return n && *n > 0 && *n <= kMaxFatArchs;
  }
  return false;
}

Result<MachOFile> parse_macho(ByteView data) {
  MachOFile m;
  if (!is_macho(data)) return make_error(Errc::kMalformed, "not a Mach-O file (no thin or fat magic)");
  std::uint32_t be = *load_be<std::uint32_t>(data, 0);
  if (be != raw::kFatMagic && be != raw::kFatMagic64) {
    Slice s;
    s.size = data.size();
    parse_slice(data, s);
    m.slices.push_back(std::move(s));
    return m;
  }
  m.fat = true;
  bool fat64 = be == raw::kFatMagic64;
  std::uint32_t n = *load_be<std::uint32_t>(data, 4);
  std::uint64_t ent = fat64 ? sizeof(raw::FatArch64) : sizeof(raw::FatArch);
  for (std::uint32_t i = 0; i < n; ++i) {
    std::uint64_t off = 8 + i * ent;
    Slice s;
    std::uint64_t so, sz;
    if (fat64) {
      auto o = load_be<std::uint64_t>(data, off + 8);
      auto z = load_be<std::uint64_t>(data, off + 16);
      if (!o || !z) break;
      so = *o, sz = *z;
    } else {
      auto o = load_be<std::uint32_t>(data, off + 8);
      auto z = load_be<std::uint32_t>(data, off + 12);
      if (!o || !z) break;
      so = *o, sz = *z;
    }
    s.offset = so, s.size = sz;
    s.cputype = load_be<std::uint32_t>(data, off).value_or(0);
    if (!fits(so, sz, data.size())) {
      m.diagnostics.push_back(fmt::format("fat slice {} [{:#x}+{:#x}] lies outside the file", i, so, sz));
      std::uint64_t avail = so < data.size() ? data.size() - so : 0;
      sz = avail;
    }
    parse_slice(slice(data, so, sz), s);
    m.slices.push_back(std::move(s));
  }
  return m;
}

std::string Slice::cpu_name() const {
  switch (cputype) {
    case 7: return "x86";
    case 0x01000007: return "x86-64";
    case 12: return (cpusubtype & 0xff) == 9 ? "armv7" : (cpusubtype & 0xff) == 11 ? "armv7s" : "arm";
    case 0x0100000c: return (cpusubtype & 0xff) == 2 ? "arm64e" : "arm64";
    case 0x0200000c: return "arm64_32";
    case 18: return "ppc";
    case 0x01000012: return "ppc64";
    default: return fmt::format("cpu_{:#x}", cputype);
  }
}

nlohmann::json to_json(const MachOFile& m) {
  nlohmann::json j;
  j["fat"] = m.fat;
  j["diagnostics"] = m.diagnostics;
  auto slices = nlohmann::json::array();
  for (const auto& s : m.slices) {
    nlohmann::json js;
    js["offset"] = s.offset;
    js["size"] = s.size;
    js["cpu"] = s.cpu_name();
    js["bits"] = s.is_64 ? 64 : 32;
    js["filetype"] = s.filetype;
    js["flags"] = fmt::format("{:#x}", s.flags);
    js["ncmds"] = s.ncmds;
    auto segs = nlohmann::json::array();
    for (const auto& g : s.segments) segs.push_back({{"name", strings::valid_utf8(g.name)}, {"fileoff", g.fileoff}, {"filesize", g.filesize}});
    js["segments"] = std::move(segs);
    js["dylibs"] = strings::valid_utf8(s.dylibs);
    js["rpaths"] = strings::valid_utf8(s.rpaths);
    js["install_name"] = strings::valid_utf8(s.install_name);
    js["uuid"] = s.uuid;
    js["import_count"] = s.imports.size();
    js["export_count"] = s.exports.size();
    nlohmann::json imps = nlohmann::json::array();
    for (std::size_t i = 0; i < s.imports.size() && i < 200; ++i) imps.push_back(strings::valid_utf8(s.imports[i]));
    js["imports"] = std::move(imps);
    js["encryption_info"] = s.has_encryption_info;
    js["cryptid"] = s.cryptid;
    js["code_signature"] = s.has_code_signature;
    js["diagnostics"] = strings::valid_utf8(s.diagnostics);
    slices.push_back(std::move(js));
  }
  j["slices"] = std::move(slices);
  return j;
}

}  // namespace assay::macho
