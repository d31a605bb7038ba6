#pragma once
/// \file zip_classify.hpp
/// Which member of the zip family a zip is (APK, AAB, XAPK, IPA, AAR, JAR, plain zip), decided
/// from the central directory's file names only: no member is decompressed. Also a minimal
/// central-directory reader the archive unpacker uses for member sizes and stored offsets.

#include <cstdint>
#include <string>
#include <vector>

#include "assay/kind.hpp"
#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::zip {

/// Where the central directory is, from the End Of Central Directory record (Zip64 aware).
struct EocdInfo {
  std::uint64_t eocd_offset = 0;   ///< offset of the "PK\5\6" record in the data
  std::uint64_t end_offset = 0;    ///< first byte after the EOCD record and its comment
  std::uint64_t cd_offset = 0;     ///< central directory offset in the data (prefix-adjusted)
  std::uint64_t cd_size = 0;
  std::uint64_t entry_count = 0;   ///< as declared (untrusted)
  std::uint64_t base = 0;          ///< bytes prepended before the zip (self-extractor stubs)
  bool zip64 = false;
};

/// One central directory record.
struct CentralEntry {
  std::string name;                ///< raw bytes as stored
  std::uint16_t flags = 0;         ///< general purpose flags (bit 0 = encrypted)
  std::uint16_t method = 0;        ///< 0 stored, 8 deflate, ...
  std::uint32_t crc32 = 0;
  std::uint64_t compressed_size = 0;
  std::uint64_t uncompressed_size = 0;
  std::uint64_t local_offset = 0;  ///< local header offset in the data (prefix-adjusted)
  std::uint32_t external_attrs = 0;
};

/// Most central directory records read; a real APK or IPA holds well under 100k members, and
/// each record costs an allocation here.
inline constexpr std::uint64_t kMaxCentralEntries = 1'000'000;

/// Finds the EOCD (searching backwards at most 64 KiB + 22 bytes) and follows a Zip64 locator.
/// kMalformed when there is none or it points outside the data.
Result<EocdInfo> find_eocd(ByteView data);

/// Reads up to `max_entries` central directory records. Stops at the first malformed record
/// (the entries before it are returned; `*complete` tells whether the whole directory was read).
std::vector<CentralEntry> read_central_directory(ByteView data, const EocdInfo& eocd,
                                                 std::uint64_t max_entries = kMaxCentralEntries,
                                                 bool* complete = nullptr);

/// Classifies a zip by its member names:
///  - Payload/<X>.app/... -> kIosIpa
///  - base/manifest/AndroidManifest.xml -> kAndroidAab
///  - AndroidManifest.xml at the root plus classes*.dex or resources.arsc -> kAndroidApk
///  - AndroidManifest.xml at the root plus classes.jar -> kAar
///  - manifest.json plus *.apk at the root, or several *.apk at the root -> kAndroidXapk
///  - META-INF/MANIFEST.MF or *.class members -> kJar
///  - else kZip.
/// kUnknown when the data is not a zip (no EOCD and no local header at offset 0).
Kind classify_zip(ByteView data);

/// Classification from a list of names (the rules above), for callers that already have them.
Kind classify_zip_names(const std::vector<std::string>& names);

}  // namespace assay::zip
