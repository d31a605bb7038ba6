#pragma once
/// \file keys.hpp
/// Key and certificate files: what they hold, without judging it. Private keys in PEM (PKCS#1
/// RSA, SEC1 EC, DSA, PKCS#8, encrypted or not), DER, OpenSSH (openssh-key-v1), PuTTY .ppk,
/// PKCS#12 and Dropbear's own host-key format; X.509 certificates in PEM or DER (through
/// OpenSSL); OpenSSH authorized_keys lines.
///
/// Every key whose public part can be read gets an OpenSSH-style fingerprint ("SHA256:" + base64
/// of the SHA-256 of the SSH wire-format public key, what `ssh-keygen -lf` prints), whatever
/// format it came in. Certificates get the same fingerprint of their public key, so a certificate
/// and its private key can be joined, and known-bad key lists match across formats.
///
/// Hostile input: the SSH-format readers go through Reader with lengths checked against the bytes
/// that remain; item counts per file are capped (kMaxItems). OpenSSL is never asked for a
/// passphrase (a callback refuses), so an encrypted key is reported as encrypted, not prompted for.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::keys {

/// One key or certificate found in a file.
struct KeyItem {
  std::string type;       ///< "private-key", "certificate", "authorized-key", "public-key"
  std::string format;     ///< pem-pkcs1, pem-sec1, pem-dsa, pem-pkcs8, pem-pkcs8-encrypted, pem-openssh,
                          ///< der, openssh, putty, pkcs12, dropbear, x509-pem, x509-der, authorized_keys
  std::string algorithm;  ///< rsa, dsa, ecdsa, ed25519, or "unknown"
  unsigned bits = 0;      ///< key size (RSA modulus, DSA p, EC field); 0 when unknown
  bool encrypted = false; ///< the private part is protected by a passphrase
  std::string fingerprint;  ///< "SHA256:..." of the SSH public key blob; "" when unknown
  std::uint64_t offset = 0;  ///< where the item starts in the file
  std::string comment;       ///< PuTTY/OpenSSH/authorized_keys comment
  std::string options;       ///< authorized_keys options (from="...",command="...")
  // Certificates only.
  std::string subject;
  std::string issuer;
  std::string not_before;  ///< ISO 8601 UTC
  std::string not_after;
  std::string signature_hash;  ///< "sha256", "sha1", "md5"...
  std::string serial;
  bool self_signed = false;
  bool expired = false;
};

/// Items per file are capped: a bundle of CA certificates holds ~150, a hostile file could hold
/// millions of tiny PEM blocks.
inline constexpr std::size_t kMaxItems = 512;

/// Everything in a key-like file, whatever its format (PEM text with any number of blocks, DER,
/// Dropbear, PuTTY, OpenSSH binary). Problems become `diagnostics` (one line each, capped).
std::vector<KeyItem> parse_key_file(ByteView data, std::vector<std::string>& diagnostics);

/// Dropbear's host-key format: ssh-string key type, then the key's mpints / strings.
/// Errors: kMalformed (not a Dropbear key), kTruncated.
Result<KeyItem> parse_dropbear(ByteView data);
/// The binary body of an "OPENSSH PRIVATE KEY" block (after base64). Errors: kMalformed, kTruncated.
Result<KeyItem> parse_openssh(ByteView data);
/// A PuTTY .ppk file (versions 2 and 3). Errors: kMalformed.
Result<KeyItem> parse_putty(std::string_view text);
/// authorized_keys (or a .pub file): one item per key line.
std::vector<KeyItem> parse_authorized_keys(std::string_view text);

/// Algorithm and size from an SSH wire-format public key blob. Errors: kMalformed, kTruncated.
Result<KeyItem> describe_ssh_public_blob(ByteView blob);
/// "SHA256:" + unpadded base64 of SHA-256(blob).
std::string ssh_fingerprint(ByteView blob);

}  // namespace assay::keys
