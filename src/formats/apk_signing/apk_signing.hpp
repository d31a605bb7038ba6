#pragma once
/// \file apk_signing.hpp
/// Who signed an APK, and with which schemes: the APK Signing Block (v2 0x7109871a, v3
/// 0xf05368c0, v3.1 0x1b93ad61; https://source.android.com/docs/security/features/apksigning)
/// and v1 JAR signatures (META-INF/*.RSA|DSA|EC, PKCS#7). Certificates are parsed with OpenSSL.
/// This reads signer identities; it does not verify signatures or digests.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "assay/result.hpp"
#include "core/bytes.hpp"
#include "formats/zip/zip_classify.hpp"

namespace assay::apk_signing {

inline constexpr std::uint32_t kV2BlockId = 0x7109871a;
inline constexpr std::uint32_t kV3BlockId = 0xf05368c0;
inline constexpr std::uint32_t kV31BlockId = 0x1b93ad61;
/// Most id-value pairs read from a signing block (real blocks hold 2-5: schemes, padding,
/// source stamp, channel data).
inline constexpr std::size_t kMaxBlockPairs = 256;
/// Most signers per scheme and certificates per signer read (real APKs: 1 and 1-2).
inline constexpr std::size_t kMaxSigners = 16;
/// Biggest v1 signature file read (they are 1-10 KiB).
inline constexpr std::uint64_t kMaxV1SignatureBytes = 1 << 20;

struct Certificate {
  std::string subject;              ///< RFC 2253 order, ", " separated: "CN=x, OU=y, O=z, C=US"
  std::string issuer;
  std::string serial;               ///< hex
  std::string not_before;           ///< ISO 8601 UTC
  std::string not_after;
  std::string key_type;             ///< RSA, DSA, EC, Ed25519, ...
  int key_bits = 0;
  std::string signature_algorithm;  ///< "sha256WithRSAEncryption"
  std::string sha256;               ///< of the DER encoding, lower-case hex
  std::string sha1;
  bool debug = false;               ///< subject is CN=Android Debug (the SDK's debug keystore)
  bool self_signed = false;
};

struct Signer {
  std::vector<std::string> schemes;  ///< "v1", "v2", "v3", "v3.1" (this certificate signs them)
  Certificate certificate;
};

struct SigningInfo {
  bool has_signing_block = false;
  std::vector<std::uint32_t> block_ids;  ///< id of every pair in the signing block
  std::vector<std::string> schemes;      ///< schemes present, in order v1, v2, v3, v3.1
  std::vector<Signer> signers;           ///< one per distinct certificate
  std::vector<std::string> diagnostics;
};

/// The id-value pairs of the APK Signing Block (views into `apk`).
struct BlockPair {
  std::uint32_t id = 0;
  ByteView value;
};
/// Finds the block that ends where the central directory starts. kMalformed when there is none.
Result<std::vector<BlockPair>> read_signing_block(ByteView apk, const zip::EocdInfo& eocd);

/// The first certificate (DER) of each signer of a v2 / v3 / v3.1 scheme block value.
Result<std::vector<ByteView>> scheme_certificates(ByteView scheme_value);

/// The signer certificates (DER re-encoded) of a PKCS#7 SignedData (a v1 .RSA/.DSA/.EC file).
Result<std::vector<std::vector<std::uint8_t>>> pkcs7_signer_certificates(ByteView pkcs7_der);

/// Parses an X.509 certificate.
Result<Certificate> parse_certificate(ByteView der);

/// Everything above over a whole APK (the zip bytes). Problems become diagnostics.
SigningInfo read_signing_info(ByteView apk);

nlohmann::json to_json(const Certificate& c);
nlohmann::json to_json(const Signer& s);

}  // namespace assay::apk_signing
