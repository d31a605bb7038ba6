// ELF parser. Every structure is loaded with memcpy at a checked offset and byte-swapped here, in
// one place. Damage never stops the parse: each table is read as far as the bytes allow and the
// shortfall becomes a diagnostic, because a half-readable router binary is still evidence.

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "core/checked.hpp"
#include "formats/elf/elf.hpp"
#include "formats/elf/elf_structs.hpp"

namespace assay::elf {
namespace {

template <class T>
void sw(T& v) noexcept {
  v = assay::detail::byteswap(v);
}
void fix(raw::Ehdr32& h) {
  sw(h.e_type), sw(h.e_machine), sw(h.e_version), sw(h.e_entry), sw(h.e_phoff), sw(h.e_shoff);
  sw(h.e_flags), sw(h.e_ehsize), sw(h.e_phentsize), sw(h.e_phnum), sw(h.e_shentsize);
  sw(h.e_shnum), sw(h.e_shstrndx);
}
void fix(raw::Ehdr64& h) {
  sw(h.e_type), sw(h.e_machine), sw(h.e_version), sw(h.e_entry), sw(h.e_phoff), sw(h.e_shoff);
  sw(h.e_flags), sw(h.e_ehsize), sw(h.e_phentsize), sw(h.e_phnum), sw(h.e_shentsize);
  sw(h.e_shnum), sw(h.e_shstrndx);
}
void fix(raw::Phdr32& p) {
  sw(p.p_type), sw(p.p_offset), sw(p.p_vaddr), sw(p.p_paddr), sw(p.p_filesz), sw(p.p_memsz);
  sw(p.p_flags), sw(p.p_align);
}
void fix(raw::Phdr64& p) {
  sw(p.p_type), sw(p.p_offset), sw(p.p_vaddr), sw(p.p_paddr), sw(p.p_filesz), sw(p.p_memsz);
  sw(p.p_flags), sw(p.p_align);
}
void fix(raw::Shdr32& s) {
  sw(s.sh_name), sw(s.sh_type), sw(s.sh_flags), sw(s.sh_addr), sw(s.sh_offset), sw(s.sh_size);
  sw(s.sh_link), sw(s.sh_info), sw(s.sh_addralign), sw(s.sh_entsize);
}
void fix(raw::Shdr64& s) {
  sw(s.sh_name), sw(s.sh_type), sw(s.sh_flags), sw(s.sh_addr), sw(s.sh_offset), sw(s.sh_size);
  sw(s.sh_link), sw(s.sh_info), sw(s.sh_addralign), sw(s.sh_entsize);
}
void fix(raw::Dyn32& d) { sw(d.d_tag), sw(d.d_val); }
void fix(raw::Dyn64& d) { sw(d.d_tag), sw(d.d_val); }
void fix(raw::Sym32& s) { sw(s.st_name), sw(s.st_value), sw(s.st_size), sw(s.st_shndx); }
void fix(raw::Sym64& s) { sw(s.st_name), sw(s.st_value), sw(s.st_size), sw(s.st_shndx); }

template <class T>
bool load_raw(ByteView d, std::uint64_t off, bool swap, T& out) noexcept {
  if (!fits(off, sizeof(T), d.size())) return false;
  std::memcpy(&out, d.data() + off, sizeof(T));
  if (swap) fix(out);
  return true;
}

class Parser {
 public:
  Parser(ByteView data, ElfFile& f) : d_(data), f_(f) {}

  Status run();

 private:
  void diag(std::string msg) {
    if (f_.diagnostics.size() < kMaxDiagnostics) {
      f_.diagnostics.push_back(std::move(msg));
    } else if (f_.diagnostics.size() == kMaxDiagnostics) {
      f_.diagnostics.push_back("further diagnostics suppressed");
    }
  }
  template <class T>
  std::optional<T> u(std::uint64_t off) const noexcept {
    return load<T>(d_, off, f_.endian);
  }
  /// A NUL-terminated string inside `table` at `off`; empty when out of range.
  static std::string cstr(ByteView table, std::uint64_t off) {
    if (off >= table.size()) return {};
    std::size_t limit = std::min<std::size_t>(table.size() - static_cast<std::size_t>(off), kMaxNameLen);
    const auto* p = table.data() + off;
    const void* nul = std::memchr(p, 0, limit);
    std::size_t n = nul ? static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - p) : limit;
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  /// File offset of the virtual address range [va, va+len) through the PT_LOAD segments.
  std::optional<std::uint64_t> va_to_offset(std::uint64_t va) const noexcept {
    for (const auto& s : f_.segments) {
      if (s.type != raw::kPtLoad) continue;
      if (va >= s.vaddr && va - s.vaddr < s.filesz) {
        auto off = checked_add<std::uint64_t>(s.offset, va - s.vaddr);
        if (off && *off < d_.size()) return off;
      }
    }
    return std::nullopt;
  }
  /// Bytes from the file offset of `va` up to the end of its PT_LOAD segment (and of the file).
  ByteView va_view(std::uint64_t va) const noexcept {
    for (const auto& s : f_.segments) {
      if (s.type != raw::kPtLoad) continue;
      if (va >= s.vaddr && va - s.vaddr < s.filesz) {
        std::uint64_t delta = va - s.vaddr;
        auto off = checked_add<std::uint64_t>(s.offset, delta);
        if (!off || *off >= d_.size()) return {};
        std::uint64_t len = std::min<std::uint64_t>(s.filesz - delta, d_.size() - *off);
        return slice(d_, *off, len);
      }
    }
    return {};
  }

  Status header();
  void segments();
  void sections();
  void dynamic();
  void symbols(ByteView table, std::uint64_t entsize, ByteView strtab, std::uint64_t count,
               std::vector<Symbol>& out, const char* what);
  void dynamic_symbols();
  void notes(ByteView data, std::uint64_t align);
  std::uint64_t dynsym_count_from_hash();

  ByteView d_;
  ElfFile& f_;
  bool swap_ = false;
  std::uint64_t phoff_ = 0, shoff_ = 0;
  std::uint64_t phentsize_ = 0, phnum_ = 0, shentsize_ = 0, shnum_ = 0, shstrndx_ = 0;
  ByteView dynstr_;
};

Status Parser::header() {
  if (d_.size() < 16 || !has_magic(d_, 0, "\x7f" "ELF")) {
    return make_error(Errc::kMalformed, "not an ELF file (no \\x7fELF magic)");
  }
  std::uint8_t cls = d_[4], data = d_[5];
  if (cls != raw::kClass32 && cls != raw::kClass64) {
    return make_error(Errc::kUnsupported, fmt::format("ELF class {} is neither 32 nor 64-bit", cls));
  }
  if (data != raw::kData2Lsb && data != raw::kData2Msb) {
    return make_error(Errc::kUnsupported, fmt::format("ELF data encoding {} is unknown", data));
  }
  f_.is_64 = cls == raw::kClass64;
  f_.endian = data == raw::kData2Lsb ? Endian::kLittle : Endian::kBig;
  f_.osabi = d_[7];
  swap_ = (f_.endian == Endian::kLittle) != (std::endian::native == std::endian::little);
  if (f_.is_64) {
    raw::Ehdr64 h;
    if (!load_raw(d_, 0, swap_, h)) return make_error(Errc::kTruncated, "ELF64 header truncated");
    f_.type = h.e_type, f_.machine = h.e_machine, f_.flags = h.e_flags, f_.entry = h.e_entry;
    phoff_ = h.e_phoff, shoff_ = h.e_shoff, phentsize_ = h.e_phentsize, phnum_ = h.e_phnum;
    shentsize_ = h.e_shentsize, shnum_ = h.e_shnum, shstrndx_ = h.e_shstrndx;
  } else {
    raw::Ehdr32 h;
    if (!load_raw(d_, 0, swap_, h)) return make_error(Errc::kTruncated, "ELF32 header truncated");
    f_.type = h.e_type, f_.machine = h.e_machine, f_.flags = h.e_flags, f_.entry = h.e_entry;
    phoff_ = h.e_phoff, shoff_ = h.e_shoff, phentsize_ = h.e_phentsize, phnum_ = h.e_phnum;
    shentsize_ = h.e_shentsize, shnum_ = h.e_shnum, shstrndx_ = h.e_shstrndx;
  }
  // Extended numbering (gABI): the real counts live in section header 0.
  if (shoff_ != 0 && (shnum_ == 0 || shstrndx_ == raw::kShnXindex || phnum_ == 0xffff)) {
    std::uint64_t size0 = 0, link0 = 0, info0 = 0;
    bool ok;
    if (f_.is_64) {
      raw::Shdr64 s;
      ok = load_raw(d_, shoff_, swap_, s);
      size0 = s.sh_size, link0 = s.sh_link, info0 = s.sh_info;
    } else {
      raw::Shdr32 s;
      ok = load_raw(d_, shoff_, swap_, s);
      size0 = s.sh_size, link0 = s.sh_link, info0 = s.sh_info;
    }
    if (ok) {
      if (shnum_ == 0) shnum_ = size0;
      if (shstrndx_ == raw::kShnXindex) shstrndx_ = link0;
      if (phnum_ == 0xffff) phnum_ = info0;
    }
  }
  return {};
}

void Parser::segments() {
  if (phnum_ == 0) return;
  std::size_t need = f_.is_64 ? sizeof(raw::Phdr64) : sizeof(raw::Phdr32);
  if (phentsize_ < need) {
    diag(fmt::format("e_phentsize {} is smaller than a program header ({})", phentsize_, need));
    return;
  }
  if (phoff_ >= d_.size()) {
    diag(fmt::format("program header table at {:#x} lies past the end of the file", phoff_));
    return;
  }
  std::uint64_t n = clamp_count(phnum_, d_.size() - phoff_, phentsize_, kMaxSegments);
  if (n < phnum_) diag(fmt::format("program header table truncated: {} of {} entries", n, phnum_));
  f_.segments.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t off = phoff_ + i * phentsize_;
    Segment s;
    if (f_.is_64) {
      raw::Phdr64 p;
      if (!load_raw(d_, off, swap_, p)) break;
      s = {p.p_type, p.p_flags, p.p_offset, p.p_vaddr, p.p_filesz, p.p_memsz, p.p_align};
    } else {
      raw::Phdr32 p;
      if (!load_raw(d_, off, swap_, p)) break;
      s = {p.p_type, p.p_flags, p.p_offset, p.p_vaddr, p.p_filesz, p.p_memsz, p.p_align};
    }
    f_.segments.push_back(s);
  }
  for (const auto& s : f_.segments) {
    if (s.type == raw::kPtInterp) {
      f_.has_interp = true;
      ByteView v = slice(d_, s.offset, std::min<std::uint64_t>(s.filesz, kMaxNameLen));
      if (v.empty() && s.filesz != 0) diag("PT_INTERP lies outside the file");
      f_.interpreter = cstr(v, 0);
    } else if (s.type == raw::kPtDynamic) {
      f_.has_dynamic = true;
    }
  }
}

void Parser::sections() {
  if (shoff_ == 0 || shnum_ == 0) return;
  std::size_t need = f_.is_64 ? sizeof(raw::Shdr64) : sizeof(raw::Shdr32);
  if (shentsize_ < need) {
    diag(fmt::format("e_shentsize {} is smaller than a section header ({})", shentsize_, need));
    return;
  }
  if (shoff_ >= d_.size()) {
    diag(fmt::format("section header table at {:#x} lies past the end of the file (sections lost)",
                     shoff_));
    return;
  }
  std::uint64_t n = clamp_count(shnum_, d_.size() - shoff_, shentsize_, kMaxSections);
  if (n < shnum_) diag(fmt::format("section header table truncated: {} of {} entries", n, shnum_));
  f_.sections.reserve(n);
  std::vector<std::uint32_t> name_offsets;
  name_offsets.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t off = shoff_ + i * shentsize_;
    Section s;
    std::uint32_t name = 0;
    if (f_.is_64) {
      raw::Shdr64 h;
      if (!load_raw(d_, off, swap_, h)) break;
      name = h.sh_name;
      s = {{}, h.sh_type, h.sh_flags, h.sh_addr, h.sh_offset, h.sh_size, h.sh_link, h.sh_info, h.sh_entsize};
    } else {
      raw::Shdr32 h;
      if (!load_raw(d_, off, swap_, h)) break;
      name = h.sh_name;
      s = {{}, h.sh_type, h.sh_flags, h.sh_addr, h.sh_offset, h.sh_size, h.sh_link, h.sh_info, h.sh_entsize};
    }
    f_.sections.push_back(std::move(s));
    name_offsets.push_back(name);
  }
  if (shstrndx_ < f_.sections.size()) {
    const Section& st = f_.sections[shstrndx_];
    ByteView names = slice(d_, st.offset, st.size);
    if (names.empty() && st.size != 0) diag("section name table lies outside the file");
    for (std::size_t i = 0; i < f_.sections.size(); ++i) f_.sections[i].name = cstr(names, name_offsets[i]);
  } else if (shstrndx_ != 0) {
    diag(fmt::format("e_shstrndx {} is out of range", shstrndx_));
  }
  for (const auto& s : f_.sections) {
    if (s.type == raw::kShtSymtab) f_.has_symtab = true;
  }
}

void Parser::dynamic() {
  // The loader reads PT_DYNAMIC, so it wins; a SHT_DYNAMIC section is the fallback.
  ByteView table;
  if (const Segment* seg = f_.find_segment(raw::kPtDynamic)) {
    table = slice(d_, seg->offset, std::min<std::uint64_t>(seg->filesz, d_.size() - std::min<std::uint64_t>(seg->offset, d_.size())));
    if (table.empty() && seg->filesz != 0) diag("PT_DYNAMIC lies outside the file");
  }
  const Section* dynsec = nullptr;
  for (const auto& s : f_.sections) {
    if (s.type == raw::kShtDynamic) { dynsec = &s; break; }
  }
  if (table.empty() && dynsec) table = slice(d_, dynsec->offset, dynsec->size);
  if (table.empty()) return;
  std::size_t entsize = f_.is_64 ? sizeof(raw::Dyn64) : sizeof(raw::Dyn32);
  std::uint64_t n = clamp_count(table.size() / entsize, table.size(), entsize, kMaxDynamic);
  bool terminated = false;
  for (std::uint64_t i = 0; i < n; ++i) {
    DynamicEntry e;
    if (f_.is_64) {
      raw::Dyn64 r;
      if (!load_raw(table, i * entsize, swap_, r)) break;
      e = {r.d_tag, r.d_val};
    } else {
      raw::Dyn32 r;
      if (!load_raw(table, i * entsize, swap_, r)) break;
      e = {r.d_tag, r.d_val};
    }
    if (e.tag == raw::kDtNull) { terminated = true; break; }
    f_.dynamic.push_back(e);
  }
  if (!terminated) diag("dynamic table has no DT_NULL terminator (truncated?)");

  // Dynamic string table: DT_STRTAB through the load segments, else the dynamic section's link.
  if (f_.has_dynamic_tag(raw::kDtStrtab)) {
    ByteView v = va_view(f_.dynamic_value(raw::kDtStrtab));
    std::uint64_t sz = f_.dynamic_value(raw::kDtStrsz, v.size());
    dynstr_ = v.first(static_cast<std::size_t>(std::min<std::uint64_t>(sz, v.size())));
  }
  if (dynstr_.empty() && dynsec && dynsec->link < f_.sections.size()) {
    const Section& s = f_.sections[dynsec->link];
    dynstr_ = slice(d_, s.offset, s.size);
  }
  if (dynstr_.empty()) {
    diag("dynamic string table not found; library names unavailable");
    return;
  }
  for (const auto& e : f_.dynamic) {
    switch (e.tag) {
      case raw::kDtNeeded: f_.needed.push_back(cstr(dynstr_, e.value)); break;
      case raw::kDtSoname: f_.soname = cstr(dynstr_, e.value); break;
      case raw::kDtRpath: f_.has_rpath = true; f_.rpath = cstr(dynstr_, e.value); break;
      case raw::kDtRunpath: f_.has_runpath = true; f_.runpath = cstr(dynstr_, e.value); break;
      default: break;
    }
  }
}

void Parser::symbols(ByteView table, std::uint64_t entsize, ByteView strtab, std::uint64_t count,
                     std::vector<Symbol>& out, const char* what) {
  std::size_t need = f_.is_64 ? sizeof(raw::Sym64) : sizeof(raw::Sym32);
  if (entsize < need) entsize = need;
  std::uint64_t n = clamp_count(count, table.size(), entsize, kMaxSymbols);
  if (n < count) diag(fmt::format("{}: {} of {} symbols readable", what, n, count));
  out.reserve(out.size() + n);
  for (std::uint64_t i = 0; i < n; ++i) {
    Symbol s;
    std::uint32_t name = 0;
    std::uint8_t info = 0;
    if (f_.is_64) {
      raw::Sym64 r;
      if (!load_raw(table, i * entsize, swap_, r)) break;
      name = r.st_name, info = r.st_info, s.value = r.st_value, s.size = r.st_size, s.shndx = r.st_shndx;
    } else {
      raw::Sym32 r;
      if (!load_raw(table, i * entsize, swap_, r)) break;
      name = r.st_name, info = r.st_info, s.value = r.st_value, s.size = r.st_size, s.shndx = r.st_shndx;
    }
    s.type = info & 0xf;
    s.bind = static_cast<std::uint8_t>(info >> 4);
    s.name = cstr(strtab, name);
    out.push_back(std::move(s));
  }
}

std::uint64_t Parser::dynsym_count_from_hash() {
  if (f_.has_dynamic_tag(raw::kDtHash)) {
    ByteView h = va_view(f_.dynamic_value(raw::kDtHash));
    // DT_HASH words are 32-bit on every class (except s390x/alpha, which use 64-bit words).
    if (auto nchain = load<std::uint32_t>(h, 4, f_.endian)) return *nchain;
  }
  if (f_.has_dynamic_tag(raw::kDtGnuHash)) {
    ByteView h = va_view(f_.dynamic_value(raw::kDtGnuHash));
    auto nbuckets = load<std::uint32_t>(h, 0, f_.endian);
    auto symoffset = load<std::uint32_t>(h, 4, f_.endian);
    auto bloom_size = load<std::uint32_t>(h, 8, f_.endian);
    if (!nbuckets || !symoffset || !bloom_size) return 0;
    std::uint64_t word = f_.is_64 ? 8 : 4;
    std::uint64_t buckets_off = 16 + std::uint64_t{*bloom_size} * word;
    std::uint64_t nb = clamp_count(*nbuckets, h.size(), 4, kMaxSymbols);
    std::uint32_t max_bucket = 0;
    for (std::uint64_t i = 0; i < nb; ++i) {
      auto b = load<std::uint32_t>(h, buckets_off + i * 4, f_.endian);
      if (!b) break;
      max_bucket = std::max(max_bucket, *b);
    }
    if (max_bucket < *symoffset) return *symoffset;
    std::uint64_t chains_off = buckets_off + std::uint64_t{*nbuckets} * 4;
    std::uint64_t idx = max_bucket;
    // The last chain ends with a word whose low bit is set; bounded by the table and kMaxSymbols.
    for (std::uint64_t steps = 0; steps < kMaxSymbols; ++steps, ++idx) {
      auto c = load<std::uint32_t>(h, chains_off + (idx - *symoffset) * 4, f_.endian);
      if (!c) {
        diag("DT_GNU_HASH chain runs past its segment");
        return idx;
      }
      if (*c & 1) return idx + 1;
    }
    return idx;
  }
  return 0;
}

void Parser::dynamic_symbols() {
  for (const auto& s : f_.sections) {
    if (s.type != raw::kShtDynsym && s.type != raw::kShtSymtab) continue;
    ByteView table = slice(d_, s.offset, s.size);
    if (table.empty() && s.size != 0) {
      diag(fmt::format("symbol table {} lies outside the file", s.name));
      continue;
    }
    ByteView strtab;
    if (s.link < f_.sections.size()) {
      const Section& st = f_.sections[s.link];
      strtab = slice(d_, st.offset, st.size);
    }
    std::uint64_t ent = s.entsize ? s.entsize : (f_.is_64 ? sizeof(raw::Sym64) : sizeof(raw::Sym32));
    std::uint64_t count = s.size / ent;
    auto& out = s.type == raw::kShtDynsym ? f_.dynamic_symbols : f_.symtab;
    if (s.type == raw::kShtDynsym && !f_.dynamic_symbols.empty()) continue;  // one .dynsym only
    symbols(table, ent, strtab, count, out, s.type == raw::kShtDynsym ? ".dynsym" : ".symtab");
  }
  if (!f_.dynamic_symbols.empty() || !f_.has_dynamic_tag(raw::kDtSymtab)) return;
  // Section-less: DT_SYMTAB through the load segments, counted by the hash tables.
  ByteView table = va_view(f_.dynamic_value(raw::kDtSymtab));
  if (table.empty()) {
    diag("DT_SYMTAB does not map into the file");
    return;
  }
  std::uint64_t ent = f_.dynamic_value(raw::kDtSyment, f_.is_64 ? sizeof(raw::Sym64) : sizeof(raw::Sym32));
  std::uint64_t count = dynsym_count_from_hash();
  if (count == 0) {
    diag("no DT_HASH/DT_GNU_HASH: dynamic symbol count unknown");
    return;
  }
  symbols(table, ent, dynstr_, count, f_.dynamic_symbols, "DT_SYMTAB");
}

void Parser::notes(ByteView data, std::uint64_t align) {
  std::uint64_t a = align == 8 ? 8 : 4;
  std::uint64_t off = 0;
  // Each note is at least 12 bytes, so the loop is bounded by the view size.
  while (fits(off, 12, data.size())) {
    auto namesz = load<std::uint32_t>(data, off, f_.endian);
    auto descsz = load<std::uint32_t>(data, off + 4, f_.endian);
    auto type = load<std::uint32_t>(data, off + 8, f_.endian);
    std::uint64_t name_off = off + 12;
    auto name_end = align_up(name_off + *namesz, a);
    if (!name_end || !fits(name_off, *namesz, data.size())) break;
    std::uint64_t desc_off = *name_end;
    if (!fits(desc_off, *descsz, data.size())) break;
    ByteView name = data.subspan(static_cast<std::size_t>(name_off), *namesz);
    ByteView desc = data.subspan(static_cast<std::size_t>(desc_off), *descsz);
    if (*namesz == 4 && has_magic(name, 0, std::string_view("GNU\0", 4))) {
      if (*type == raw::kNtGnuBuildId && f_.build_id.empty()) {
        static constexpr char kHex[] = "0123456789abcdef";
        for (std::uint8_t b : desc.first(std::min<std::size_t>(desc.size(), 64))) {
          f_.build_id.push_back(kHex[b >> 4]);
          f_.build_id.push_back(kHex[b & 15]);
        }
      } else if (*type == raw::kNtGnuPropertyType0) {
        std::uint64_t p = 0;
        std::uint64_t pa = f_.is_64 ? 8 : 4;
        while (fits(p, 8, desc.size())) {
          std::uint32_t pr_type = *load<std::uint32_t>(desc, p, f_.endian);
          std::uint32_t pr_size = *load<std::uint32_t>(desc, p + 4, f_.endian);
          if (pr_size >= 4) {
            if (auto v = load<std::uint32_t>(desc, p + 8, f_.endian)) {
              if (pr_type == raw::kGnuPropertyX86Feature1And) {
                f_.x86_features = *v, f_.has_x86_feature_note = true;
              } else if (pr_type == raw::kGnuPropertyAarch64Feature1And) {
                f_.aarch64_features = *v, f_.has_aarch64_feature_note = true;
              }
            }
          }
          auto next = align_up(p + 8 + pr_size, pa);
          if (!next || *next <= p) break;
          p = *next;
        }
      }
    }
    auto next = align_up(desc_off + *descsz, a);
    if (!next || *next <= off) break;
    off = *next;
  }
}

Status Parser::run() {
  ASSAY_TRY_STATUS(header());
  segments();
  sections();
  dynamic();
  dynamic_symbols();
  bool any_note_section = false;
  for (const auto& s : f_.sections) {
    if (s.type == raw::kShtNote) {
      any_note_section = true;
      notes(slice(d_, s.offset, s.size), s.entsize == 8 || s.name == ".note.gnu.property" ? (f_.is_64 ? 8 : 4) : 4);
    }
  }
  if (!any_note_section) {
    for (const auto& s : f_.segments) {
      if (s.type == raw::kPtNote) notes(slice(d_, s.offset, s.filesz), s.align);
    }
  }
  if (f_.segments.empty() && f_.type != 1) diag("no program headers");
  return {};
}

}  // namespace

bool is_elf(ByteView data) noexcept { return has_magic(data, 0, "\x7f" "ELF"); }

Result<ElfFile> parse_elf(ByteView data) {
  ElfFile f;
  Parser p(data, f);
  ASSAY_TRY_STATUS(p.run());
  return f;
}

const Segment* ElfFile::find_segment(std::uint32_t t) const noexcept {
  for (const auto& s : segments) {
    if (s.type == t) return &s;
  }
  return nullptr;
}
const Section* ElfFile::find_section(std::string_view n) const noexcept {
  for (const auto& s : sections) {
    if (s.name == n) return &s;
  }
  return nullptr;
}
bool ElfFile::has_dynamic_tag(std::int64_t tag) const noexcept {
  return std::any_of(dynamic.begin(), dynamic.end(), [&](const DynamicEntry& e) { return e.tag == tag; });
}
std::uint64_t ElfFile::dynamic_value(std::int64_t tag, std::uint64_t fallback) const noexcept {
  for (const auto& e : dynamic) {
    if (e.tag == tag) return e.value;
  }
  return fallback;
}
std::vector<std::string> ElfFile::imports() const {
  std::vector<std::string> out;
  for (const auto& s : dynamic_symbols) {
    if (!s.defined() && !s.name.empty()) out.push_back(s.name);
  }
  return out;
}
std::vector<std::string> ElfFile::exports() const {
  std::vector<std::string> out;
  for (const auto& s : dynamic_symbols) {
    if (s.defined() && !s.name.empty() && (s.bind == 1 || s.bind == 2)) out.push_back(s.name);
  }
  return out;
}
std::string ElfFile::machine_name() const { return elf::machine_name(machine, is_64); }

}  // namespace assay::elf
