#include "formats/macho_codesign/macho_codesign.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/reader.hpp"
#include "formats/macho/macho.hpp"
#include "formats/macho/macho_structs.hpp"
#include "formats/strings/strings.hpp"

namespace assay::macho_codesign {
namespace {

// CodeDirectory field offsets (cs_blobs.h CS_CodeDirectory), from the blob start.
constexpr std::uint64_t kCdVersion = 8;
constexpr std::uint64_t kCdFlags = 12;
constexpr std::uint64_t kCdIdentOffset = 20;
constexpr std::uint64_t kCdHashType = 37;
constexpr std::uint64_t kCdTeamOffset = 48;
constexpr std::uint32_t kCdVersionWithTeam = 0x20200;

std::string cstring_at(ByteView blob, std::uint64_t offset) {
  if (offset == 0 || offset >= blob.size()) return {};
  Reader r(blob);
  if (!r.seek(offset)) return {};
  auto s = r.cstring(kMaxIdentifierLen);
  return s ? strings::valid_utf8(*s) : std::string();
}

void read_code_directory(ByteView cd, CodeSignature& out) {
  const auto version = load_be<std::uint32_t>(cd, kCdVersion);
  const auto flags = load_be<std::uint32_t>(cd, kCdFlags);
  const auto ident = load_be<std::uint32_t>(cd, kCdIdentOffset);
  const auto hash = load_be<std::uint8_t>(cd, kCdHashType);
  if (!version || !flags || !ident || !hash) {
    out.diagnostics.push_back("CodeDirectory shorter than its header");
    return;
  }
  out.cd_version = *version;
  out.cd_flags = *flags;
  out.hash_type = *hash;
  out.adhoc = (*flags & kCsAdhoc) != 0;
  out.identifier = cstring_at(cd, *ident);
  if (*version >= kCdVersionWithTeam) {
    if (auto team = load_be<std::uint32_t>(cd, kCdTeamOffset)) out.team_id = cstring_at(cd, *team);
  }
}

}  // namespace

Result<CodeSignature> parse_superblob(ByteView blob) {
  Reader r(blob, Endian::kBig);
  ASSAY_TRY(std::uint32_t magic, r.read<std::uint32_t>());
  if (magic != kSuperBlobMagic) return make_error(Errc::kMalformed, fmt::format("code signature: magic {:#x} is not a SuperBlob", magic));
  ASSAY_TRY(std::uint32_t length, r.read<std::uint32_t>());
  ASSAY_TRY(std::uint32_t count, r.read<std::uint32_t>());
  CodeSignature out;
  ByteView sb = blob;
  if (length < 12) return make_error(Errc::kMalformed, "code signature: SuperBlob length below its header");
  if (length > blob.size()) {
    out.diagnostics.push_back(fmt::format("SuperBlob claims {} bytes, {} present", length, blob.size()));
  } else {
    sb = blob.first(length);
  }
  // Each index entry is 8 bytes: the count is clamped by the bytes present and by kMaxBlobs.
  std::uint64_t n = count;
  if (n > (sb.size() - 12) / 8) {
    out.diagnostics.push_back(fmt::format("SuperBlob index claims {} entries, room for {}", count, (sb.size() - 12) / 8));
    n = (sb.size() - 12) / 8;
  }
  if (n > kMaxBlobs) {
    out.diagnostics.push_back(fmt::format("SuperBlob index has {} entries; reading the first {}", n, kMaxBlobs));
    n = kMaxBlobs;
  }
  bool have_cd = false;
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto type = load_be<std::uint32_t>(sb, 12 + i * 8);
    const auto off = load_be<std::uint32_t>(sb, 16 + i * 8);
    if (!type || !off) break;
    out.blob_types.push_back(*type);
    const auto bmagic = load_be<std::uint32_t>(sb, *off);
    const auto blen = load_be<std::uint32_t>(sb, *off + 4ull);
    if (!bmagic || !blen || *blen < 8 || !fits(*off, *blen, sb.size())) {
      out.diagnostics.push_back(fmt::format("blob {} (type {:#x}) at {:#x} lies outside the SuperBlob", i, *type, *off));
      continue;
    }
    const ByteView b = sb.subspan(*off, *blen);
    switch (*bmagic) {
      case kCodeDirectoryMagic:
        // The primary directory is slot 0; alternates (0x1000+) repeat identifier and team.
        if (!have_cd || *type == 0) {
          read_code_directory(b, out);
          have_cd = true;
        }
        break;
      case kEntitlementsMagic: {
        std::string_view xml = as_chars(b.subspan(8));
        if (xml.size() > kMaxEntitlementsBytes) {
          xml = xml.substr(0, kMaxEntitlementsBytes);
          out.entitlements_truncated = true;
        }
        out.entitlements_xml.assign(xml);
        break;
      }
      case kDerEntitlementsMagic: out.has_der_entitlements = true; break;
      case kCmsMagic: out.has_cms = *blen > 8; break;
      default: break;
    }
  }
  if (!have_cd) out.diagnostics.push_back("no CodeDirectory in the SuperBlob");
  return out;
}

Result<std::vector<CodeSignature>> parse_code_signatures(ByteView file) {
  struct SliceRef {
    std::uint64_t offset, size;
    std::uint32_t cputype;
  };
  std::vector<SliceRef> slices;
  std::vector<CodeSignature> out;
  const auto magic_be = load_be<std::uint32_t>(file, 0);
  if (!magic_be) return make_error(Errc::kTruncated, "code signature: no Mach-O header");
  if ((*magic_be == macho::raw::kFatMagic || *magic_be == macho::raw::kFatMagic64) && macho::is_macho(file)) {
    const bool fat64 = *magic_be == macho::raw::kFatMagic64;
    Reader r(file, Endian::kBig);
    ASSAY_TRY_STATUS(r.skip(4));
    ASSAY_TRY(std::uint32_t narch, r.read<std::uint32_t>());
    const std::uint64_t n = narch < macho::kMaxFatArchs ? narch : macho::kMaxFatArchs;
    for (std::uint64_t i = 0; i < n; ++i) {
      ASSAY_TRY(std::uint32_t cpu, r.read<std::uint32_t>());
      ASSAY_TRY_STATUS(r.skip(4));
      std::uint64_t off = 0, size = 0;
      if (fat64) {
        ASSAY_TRY(std::uint64_t o, r.read<std::uint64_t>());
        ASSAY_TRY(std::uint64_t s, r.read<std::uint64_t>());
        ASSAY_TRY_STATUS(r.skip(8));
        off = o;
        size = s;
      } else {
        ASSAY_TRY(std::uint32_t o, r.read<std::uint32_t>());
        ASSAY_TRY(std::uint32_t s, r.read<std::uint32_t>());
        ASSAY_TRY_STATUS(r.skip(4));
        off = o;
        size = s;
      }
      if (!fits(off, size, file.size())) {
        CodeSignature bad;
        bad.cputype = cpu;
        bad.slice_offset = off;
        bad.diagnostics.push_back(fmt::format("fat slice {} at {:#x}+{:#x} lies outside the file", i, off, size));
        out.push_back(std::move(bad));
        continue;
      }
      slices.push_back({off, size, cpu});
    }
  } else {
    slices.push_back({0, file.size(), 0});
  }

  for (const SliceRef& s : slices) {
    const ByteView slice = file.subspan(s.offset, s.size);
    const auto m = load_le<std::uint32_t>(slice, 0);
    if (!m) continue;
    Endian e = Endian::kLittle;
    bool is64 = false;
    if (*m == macho::raw::kMagic32 || *m == macho::raw::kMagic64) {
      is64 = *m == macho::raw::kMagic64;
    } else if (detail::byteswap(*m) == macho::raw::kMagic32 || detail::byteswap(*m) == macho::raw::kMagic64) {
      e = Endian::kBig;
      is64 = detail::byteswap(*m) == macho::raw::kMagic64;
    } else {
      if (slices.size() == 1 && s.offset == 0) return make_error(Errc::kMalformed, "code signature: not a Mach-O");
      continue;
    }
    Reader r(slice, e);
    const auto cpu = r.peek_at<std::uint32_t>(4);
    const auto ncmds = r.peek_at<std::uint32_t>(16);
    if (!cpu || !ncmds) continue;
    std::uint64_t pos = is64 ? 32 : 28;
    // Each load command is at least 8 bytes: clamp the count by the bytes present.
    std::uint64_t n = *ncmds;
    if (n > macho::kMaxLoadCommands) n = macho::kMaxLoadCommands;
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto cmd = r.peek_at<std::uint32_t>(pos);
      const auto size = r.peek_at<std::uint32_t>(pos + 4);
      if (!cmd || !size || *size < 8) break;
      if (*cmd == macho::raw::kLcCodeSignature) {
        const auto dataoff = r.peek_at<std::uint32_t>(pos + 8);
        const auto datasize = r.peek_at<std::uint32_t>(pos + 12);
        CodeSignature sig;
        if (dataoff && datasize && fits(*dataoff, *datasize, slice.size())) {
          auto parsed = parse_superblob(slice.subspan(*dataoff, *datasize));
          if (parsed) sig = std::move(*parsed);
          else sig.diagnostics.push_back(parsed.error().message);
        } else {
          sig.diagnostics.push_back("LC_CODE_SIGNATURE points outside the slice");
        }
        sig.cputype = *cpu;
        sig.slice_offset = s.offset;
        sig.offset = dataoff ? *dataoff : 0;
        out.push_back(std::move(sig));
        break;
      }
      pos += *size;
    }
  }
  return out;
}

nlohmann::json to_json(const CodeSignature& s) {
  return {{"cputype", s.cputype},
          {"slice_offset", s.slice_offset},
          {"identifier", s.identifier},
          {"team_id", s.team_id},
          {"cd_version", s.cd_version},
          {"cd_flags", s.cd_flags},
          {"hash_type", s.hash_type},
          {"adhoc", s.adhoc},
          {"has_cms", s.has_cms},
          {"has_entitlements", !s.entitlements_xml.empty()},
          {"entitlements_truncated", s.entitlements_truncated},
          {"has_der_entitlements", s.has_der_entitlements},
          {"blob_types", s.blob_types},
          {"diagnostics", s.diagnostics}};
}

}  // namespace assay::macho_codesign
