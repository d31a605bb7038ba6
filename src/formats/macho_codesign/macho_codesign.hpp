#pragma once
/// \file macho_codesign.hpp
/// The code signature of a Mach-O (thin or fat): LC_CODE_SIGNATURE points at a big-endian
/// SuperBlob (magic 0xfade0cc0) whose index lists the blobs: CodeDirectory (0xfade0c02: signing
/// identifier, team id, flags, hash type), requirements (0xfade0c01), XML entitlements
/// (0xfade7171), DER entitlements (0xfade7172) and the CMS signature (0xfade0b01, empty for ad hoc
/// signatures). Layout: Apple's xnu `osfmk/kern/cs_blobs.h` and `codesign(1)`.
///
/// Entry points: `parse_code_signatures(ByteView file)` (one entry per slice that has a
/// signature) and `parse_superblob(ByteView blob)`. Nothing is verified (no hashes checked):
/// this reads what the signer claims.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::macho_codesign {

inline constexpr std::uint32_t kSuperBlobMagic = 0xfade0cc0;
inline constexpr std::uint32_t kCodeDirectoryMagic = 0xfade0c02;
inline constexpr std::uint32_t kRequirementsMagic = 0xfade0c01;
inline constexpr std::uint32_t kEntitlementsMagic = 0xfade7171;
inline constexpr std::uint32_t kDerEntitlementsMagic = 0xfade7172;
inline constexpr std::uint32_t kCmsMagic = 0xfade0b01;
/// CodeDirectory flag: signed without a certificate ("ad hoc").
inline constexpr std::uint32_t kCsAdhoc = 0x2;

// A real signature has 3-7 blobs (directory, alternate directories, requirements, entitlements,
// DER entitlements, CMS); 64 is generous and bounds the index walk.
inline constexpr std::size_t kMaxBlobs = 64;
// Entitlements of real apps are a few KiB; larger blobs are cut (the flag says so).
inline constexpr std::size_t kMaxEntitlementsBytes = 256u << 10;
inline constexpr std::size_t kMaxIdentifierLen = 1024;

struct CodeSignature {
  std::uint32_t cputype = 0;        ///< of the slice (0 when parsed from a bare SuperBlob)
  std::uint64_t slice_offset = 0;   ///< of the slice in the file
  std::uint64_t offset = 0;         ///< of the SuperBlob in the slice
  std::string identifier;           ///< CodeDirectory identifier ("sg.vp.UnCrackable1")
  std::string team_id;              ///< CodeDirectory team id (version >= 0x20200), "" when absent
  std::uint32_t cd_version = 0;
  std::uint32_t cd_flags = 0;
  std::uint8_t hash_type = 0;       ///< 1 SHA-1, 2 SHA-256, ...
  bool adhoc = false;               ///< cd_flags has kCsAdhoc
  bool has_cms = false;             ///< a CMS blob with a non-empty payload
  std::string entitlements_xml;     ///< the 0xfade7171 payload, "" when absent
  bool entitlements_truncated = false;
  bool has_der_entitlements = false;
  std::vector<std::uint32_t> blob_types;  ///< index slot types, in order
  std::vector<std::string> diagnostics;
};

/// Parses a SuperBlob. Errors: kTruncated, kMalformed (wrong magic, length past the data).
Result<CodeSignature> parse_superblob(ByteView blob);

/// Every slice's signature. Errors: kMalformed when the data is not a Mach-O; a slice without
/// LC_CODE_SIGNATURE is skipped, a damaged one becomes an entry with diagnostics.
Result<std::vector<CodeSignature>> parse_code_signatures(ByteView file);

nlohmann::json to_json(const CodeSignature& s);

}  // namespace assay::macho_codesign
