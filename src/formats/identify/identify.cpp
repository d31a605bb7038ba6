#include "formats/identify/identify.hpp"

#include <algorithm>
#include <cstring>

#include "formats/zip/zip_classify.hpp"
#include "unpack/fdt.hpp"

namespace assay {
namespace {

bool starts(ByteView d, std::string_view magic) { return has_magic(d, 0, magic); }

// A POSIX/GNU tar header: the checksum over the 512-byte header (with the checksum field counted
// as spaces) must equal the octal number stored at offset 148.
bool tar_header_valid(ByteView d) {
  if (d.size() < 512) return false;
  unsigned long stored = 0;
  int digits = 0;
  for (std::size_t i = 148; i < 156; ++i) {
    char c = static_cast<char>(d[i]);
    if (c >= '0' && c <= '7') {
      stored = stored * 8 + static_cast<unsigned long>(c - '0');
      ++digits;
    } else if (c == ' ' || c == '\0') {
      if (digits > 0) break;
    } else {
      return false;
    }
  }
  if (digits == 0) return false;
  unsigned long sum = 0;
  for (std::size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : d[i];
  return sum == stored && d[0] != 0;
}

bool lzma_alone_plausible(ByteView d) {
  // 13-byte header: props (lc/lp/pb packed, < 225), dictionary size, uncompressed size (-1 or a
  // plausible size). binwalk and the kernel's unlzma accept the same shapes.
  if (d.size() < 13 || d[0] >= 225) return false;
  auto dict = load_le<std::uint32_t>(d, 1).value_or(0);
  auto usize = load_le<std::uint64_t>(d, 5).value_or(0);
  if (dict < 4096 || dict > (1u << 30)) return false;
  bool pow2ish = (dict & (dict - 1)) == 0 || ((dict & (dict - 1)) & ((dict & (dict - 1)) - 1)) == 0;
  if (!pow2ish) return false;
  if (usize != ~std::uint64_t{0} && usize > (1ull << 36)) return false;
  return d[0] == 0x5D || d[0] == 0x6D || d[0] == 0x5E;  // the properties real encoders write
}

bool der_sequence_spans(ByteView d) {
  // 30 82 LL LL: a SEQUENCE whose long-form length covers the whole buffer (certificate or key).
  if (d.size() < 8 || d[0] != 0x30 || d[1] != 0x82) return false;
  std::size_t len = (static_cast<std::size_t>(d[2]) << 8) | d[3];
  return len + 4 == d.size();
}

Kind classify_text(ByteView d, std::string_view name) {
  std::string_view s = as_chars(d.first(std::min<std::size_t>(d.size(), 4096)));
  std::size_t i = s.find_first_not_of(" \t\r\n\xef\xbb\xbf");
  std::string_view t = i == std::string_view::npos ? std::string_view{} : s.substr(i);
  if (t.substr(0, 2) == "#!") return Kind::kScript;
  if (s.find("-----BEGIN ") != std::string_view::npos) {
    if (s.find("-----BEGIN OPENSSH PRIVATE KEY-----") != std::string_view::npos) return Kind::kSshPrivateKey;
    return Kind::kPem;
  }
  if (t.substr(0, 20) == "PuTTY-User-Key-File-") return Kind::kSshPrivateKey;
  if (t.substr(0, 5) == "<?xml" || t.substr(0, 1) == "<") {
    if (s.find("<plist") != std::string_view::npos || s.find("<!DOCTYPE plist") != std::string_view::npos)
      return Kind::kPlistXml;
    if (t.substr(0, 5) == "<?xml") return Kind::kXml;
  }
  if (!t.empty() && (t[0] == '{' || t[0] == '[')) {
    auto ends_with = [&](std::string_view x) { return name.size() >= x.size() && name.substr(name.size() - x.size()) == x; };
    if (ends_with(".json") || t[0] == '{') return Kind::kJson;
  }
  auto ext_is = [&](std::string_view x) {
    return name.size() > x.size() && name.substr(name.size() - x.size()) == x;
  };
  if (ext_is(".sh") || ext_is(".py") || ext_is(".pl") || ext_is(".lua") || ext_is(".cgi") ||
      ext_is(".php") || ext_is(".asp") || ext_is(".js"))
    return Kind::kScript;
  return Kind::kText;
}

}  // namespace

bool looks_like_text(ByteView data, std::size_t sample) {
  ByteView d = data.first(std::min(sample, data.size()));
  if (d.empty()) return false;
  std::size_t bad = 0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    std::uint8_t c = d[i];
    if (c == 0) return false;
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1B) ++bad;
    else if (c >= 0x80) {
      // Accept well-formed UTF-8 sequences; count stray bytes.
      std::size_t n = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 0;
      if (n == 0) { ++bad; continue; }
      std::size_t j = 1;
      for (; j <= n && i + j < d.size(); ++j)
        if ((d[i + j] & 0xC0) != 0x80) break;
      if (j <= n && i + j < d.size()) ++bad;
      else i += n;
    }
  }
  return bad * 100 <= d.size() * 2;  // at most 2% oddities
}

Kind identify(ByteView d, std::string_view name) {
  if (d.empty()) return Kind::kEmpty;
  auto be32 = load_be<std::uint32_t>(d, 0).value_or(0);
  auto le32 = load_le<std::uint32_t>(d, 0).value_or(0);

  // Executables and app formats.
  if (starts(d, "\x7f" "ELF")) return Kind::kElf;
  if (starts(d, "MZ")) {
    auto lfanew = load_le<std::uint32_t>(d, 0x3C);
    if (lfanew && has_magic(d, *lfanew, std::string_view("PE\0\0", 4))) return Kind::kPe;
  }
  if (be32 == 0xFEEDFACE || be32 == 0xFEEDFACF || be32 == 0xCEFAEDFE || be32 == 0xCFFAEDFE) return Kind::kMachO;
  if (be32 == 0xCAFEBABE || be32 == 0xCAFEBABF) {
    // Fat Mach-O and Java class files share this magic: a fat header counts architectures (small),
    // a class file stores minor/major versions where major >= 45.
    auto n = load_be<std::uint32_t>(d, 4).value_or(0);
    if (n > 0 && n < 30) return Kind::kMachOFat;
    return Kind::kJavaClass;
  }
  if (starts(d, "dex\n") && d.size() >= 8 && d[7] == 0) return Kind::kDex;
  if (le32 == 0x00080003) return Kind::kAndroidBinaryXml;
  if (le32 == 0x000C0002) return Kind::kAndroidResources;

  // Archives.
  if (starts(d, "PK\x03\x04") || starts(d, "PK\x05\x06") || starts(d, "PK\x07\x08")) {
    Kind k = zip::classify_zip(d);
    return k == Kind::kUnknown ? Kind::kZip : k;
  }
  if (starts(d, "!<arch>\n")) {
    if (has_magic(d, 8, "debian-binary")) return Kind::kDeb;
    return Kind::kAr;
  }
  if (starts(d, "\xed\xab\xee\xdb")) return Kind::kRpm;
  if (starts(d, "7z\xbc\xaf\x27\x1c")) return Kind::kSevenZip;
  if (starts(d, "070701") || starts(d, "070702") || starts(d, "070707")) return Kind::kCpio;
  if (d.size() >= 26 && (load_le<std::uint16_t>(d, 0) == 0x71C7 || load_be<std::uint16_t>(d, 0) == 0x71C7))
    return Kind::kCpio;
  if (has_magic(d, 257, "ustar") || tar_header_valid(d)) return Kind::kTar;
  if (has_magic(d, 0x8001, "CD001")) return Kind::kIso9660;

  // Compressed streams.
  if (d.size() >= 3 && d[0] == 0x1F && d[1] == 0x8B && d[2] == 0x08) return Kind::kGzip;
  if (starts(d, "BZh") && d.size() >= 10 && d[3] >= '1' && d[3] <= '9' && has_magic(d, 4, "1AY&SY"))
    return Kind::kBzip2;
  if (starts(d, std::string_view("\xfd" "7zXZ\0", 6))) return Kind::kXz;
  if (le32 == 0xFD2FB528) return Kind::kZstd;
  if (le32 == 0x184D2204 || le32 == 0x184C2102) return Kind::kLz4;
  if (lzma_alone_plausible(d)) return Kind::kLzma;

  // File systems.
  if (starts(d, "hsqs") || starts(d, "sqsh") || starts(d, "shsq") || starts(d, "qshs") ||
      starts(d, "sqlz") || starts(d, "hsqt") || starts(d, "tqsh"))
    return Kind::kSquashfs;
  if (le32 == 0x28CD3D45 || be32 == 0x28CD3D45) return Kind::kCramfs;
  // mkcramfs -p leaves 512 bytes of padding (room for a boot sector) before the superblock.
  if (load_le<std::uint32_t>(d, 512) == 0x28CD3D45 || load_be<std::uint32_t>(d, 512) == 0x28CD3D45) {
    if (has_magic(d, 512 + 16, "Compressed ROMFS")) return Kind::kCramfs;
  }
  if (d.size() >= 12 && (load_le<std::uint16_t>(d, 0) == 0x1985 || load_be<std::uint16_t>(d, 0) == 0x1985)) {
    bool le = load_le<std::uint16_t>(d, 0) == 0x1985;
    std::uint16_t type = le ? *load_le<std::uint16_t>(d, 2) : *load_be<std::uint16_t>(d, 2);
    if (type == 0xE001 || type == 0xE002 || type == 0x2003 || type == 0x2004 || type == 0xE008 ||
        type == 0xE009 || type == 0x2006)
      return Kind::kJffs2;
  }
  if (load_le<std::uint16_t>(d, 1080) == 0xEF53) {
    auto log_bs = load_le<std::uint32_t>(d, 1024 + 24).value_or(99);
    if (log_bs <= 6) return Kind::kExt;
  }
  if (starts(d, "UBI#")) return Kind::kUbi;
  if (le32 == 0x06101831) return Kind::kUbifs;

  // Firmware containers.
  if (be32 == 0x27051956) return Kind::kUImage;
  if (starts(d, "HDR0")) return Kind::kTrx;
  if (le32 == 0xED26FF3A) return Kind::kAndroidSparse;
  if (starts(d, "ANDROID!") || starts(d, "VNDRBOOT")) return Kind::kAndroidBoot;
  if (be32 == 0xD00DFEED) return unpack::fdt_is_fit(d) ? Kind::kFit : Kind::kDeviceTree;
  if (load_le<std::uint32_t>(d, 0x24) == 0x016F2818 || has_magic(d, 0x202, "HdrS"))
    return Kind::kLinuxKernel;

  // Data formats.
  if (starts(d, std::string_view("SQLite format 3\0", 16))) return Kind::kSqlite;
  if (starts(d, "bplist0")) return Kind::kPlistBinary;
  if (starts(d, "\x89PNG\r\n") || starts(d, "\xff\xd8\xff") || starts(d, "GIF87a") ||
      starts(d, "GIF89a") || (starts(d, "RIFF") && has_magic(d, 8, "WEBP")) ||
      (starts(d, "BM") && d.size() > 26 && load_le<std::uint32_t>(d, 2).value_or(0) == d.size()))
    return Kind::kImage;
  if (d.size() > 11 && load_be<std::uint32_t>(d, 0) == 7 && has_magic(d, 4, "ssh-")) return Kind::kSshPrivateKey;
  if (der_sequence_spans(d)) {
    // Certificates start SEQUENCE { SEQUENCE (tbs) ...; private keys SEQUENCE { INTEGER version ...
    if (d.size() > 8 && d[4] == 0x30) return Kind::kDerCertificate;
    if (d.size() > 8 && d[4] == 0x02) return Kind::kDerKey;
  }
  if (looks_like_text(d)) return classify_text(d, name);
  return Kind::kUnknown;
}

}  // namespace assay
