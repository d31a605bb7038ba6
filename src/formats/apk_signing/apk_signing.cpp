// Signer identities of an APK. The signing block sits between the last member and the central
// directory: "size | pairs | size | APK Sig Block 42" with u64 sizes. Scheme values are nested
// u32-length-prefixed sequences; every length is checked against what encloses it.
#include "formats/apk_signing/apk_signing.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <fmt/format.h>
#include <memory>

#include "core/checked.hpp"
#include "core/hash.hpp"
#include "core/reader.hpp"
#include "formats/apk_signing/apk_zip.hpp"
#include "formats/strings/strings.hpp"

namespace assay::apk_signing {
namespace {

constexpr std::string_view kBlockMagic = "APK Sig Block 42";
// u64 size + 16-byte magic after the pairs; u64 size before them.
constexpr std::uint64_t kBlockFooter = 24;
constexpr std::size_t kMaxDiagnostics = 20;

// Reads a u32-length-prefixed slice from `r`.
Result<ByteView> prefixed(Reader& r) {
  ASSAY_TRY(std::uint32_t len, r.read_le<std::uint32_t>());
  return r.bytes(len);
}

std::string asn1_time_iso(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

std::string name_string(const X509_NAME* n) {
  if (n == nullptr) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio) return {};
  // RFC 2253 order (most specific first, as apksigner and keytool print) with ", " separators;
  // UTF-8 kept as is rather than escaped.
  unsigned long flags = (XN_FLAG_RFC2253 & ~XN_FLAG_SEP_MASK & ~ASN1_STRFLGS_ESC_MSB) | XN_FLAG_SEP_CPLUS_SPC;
  X509_NAME_print_ex(bio.get(), n, 0, flags);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return strings::valid_utf8(std::string_view(data, len > 0 ? static_cast<std::size_t>(len) : 0));
}

std::string key_type_name(int id) {
  switch (id) {
    case EVP_PKEY_RSA: case EVP_PKEY_RSA_PSS: return "RSA";
    case EVP_PKEY_DSA: return "DSA";
    case EVP_PKEY_EC: return "EC";
    case EVP_PKEY_ED25519: return "Ed25519";
    case EVP_PKEY_ED448: return "Ed448";
    default: return id == NID_undef ? "unknown" : OBJ_nid2sn(id);
  }
}

}  // namespace

Result<std::vector<BlockPair>> read_signing_block(ByteView apk, const zip::EocdInfo& eocd) {
  const std::uint64_t cd = eocd.cd_offset;
  if (cd < kBlockFooter || cd > apk.size()) return make_error(Errc::kMalformed, "no room for an APK Signing Block");
  if (!has_magic(apk, cd - 16, kBlockMagic)) return make_error(Errc::kMalformed, "no APK Signing Block magic before the central directory");
  const std::uint64_t size = *load_le<std::uint64_t>(apk, cd - kBlockFooter);
  // The size counts everything after the leading u64: pairs + trailing size + magic.
  if (size < kBlockFooter || size > cd - 8) return make_error(Errc::kMalformed, "APK Signing Block size out of range");
  const std::uint64_t start = cd - size - 8;
  if (load_le<std::uint64_t>(apk, start).value_or(0) != size)
    return make_error(Errc::kMalformed, "APK Signing Block sizes disagree");
  Reader r(slice(apk, start + 8, size - kBlockFooter));
  std::vector<BlockPair> pairs;
  while (r.remaining() > 0 && pairs.size() < kMaxBlockPairs) {
    ASSAY_TRY(std::uint64_t len, r.read_le<std::uint64_t>());
    if (len < 4 || len > r.remaining()) return make_error(Errc::kMalformed, "APK Signing Block pair length out of range");
    BlockPair p;
    ASSAY_TRY(p.id, r.read_le<std::uint32_t>());
    ASSAY_TRY(p.value, r.bytes(len - 4));
    pairs.push_back(p);
  }
  return pairs;
}

Result<std::vector<ByteView>> scheme_certificates(ByteView scheme_value) {
  Reader outer(scheme_value);
  ASSAY_TRY(ByteView signers, prefixed(outer));
  Reader rs(signers);
  std::vector<ByteView> certs;
  while (rs.remaining() > 0 && certs.size() < kMaxSigners) {
    ASSAY_TRY(ByteView signer, prefixed(rs));
    Reader s(signer);
    ASSAY_TRY(ByteView signed_data, prefixed(s));
    Reader sd(signed_data);
    ASSAY_TRY(ByteView digests, prefixed(sd));
    (void)digests;
    ASSAY_TRY(ByteView cert_seq, prefixed(sd));
    Reader cs(cert_seq);
    if (cs.remaining() == 0) continue;
    ASSAY_TRY(ByteView cert, prefixed(cs));
    certs.push_back(cert);
  }
  return certs;
}

Result<std::vector<std::vector<std::uint8_t>>> pkcs7_signer_certificates(ByteView der) {
  const unsigned char* p = der.data();
  std::unique_ptr<PKCS7, decltype(&PKCS7_free)> p7(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())), PKCS7_free);
  if (!p7) return make_error(Errc::kMalformed, "not a PKCS#7 structure");
  if (!PKCS7_type_is_signed(p7.get()) || p7->d.sign == nullptr)
    return make_error(Errc::kMalformed, "PKCS#7 is not SignedData");
  std::vector<std::vector<std::uint8_t>> out;
  auto push = [&out](X509* x) {
    unsigned char* buf = nullptr;
    int len = i2d_X509(x, &buf);
    if (len > 0) out.emplace_back(buf, buf + len);
    OPENSSL_free(buf);
  };
  STACK_OF(X509)* signers = PKCS7_get0_signers(p7.get(), nullptr, 0);
  if (signers != nullptr) {
    for (int i = 0; i < sk_X509_num(signers) && out.size() < kMaxSigners; ++i) push(sk_X509_value(signers, i));
    sk_X509_free(signers);
  }
  ERR_clear_error();
  if (out.empty() && p7->d.sign->cert != nullptr && sk_X509_num(p7->d.sign->cert) > 0)
    push(sk_X509_value(p7->d.sign->cert, 0));
  if (out.empty()) return make_error(Errc::kMalformed, "PKCS#7 SignedData holds no certificate");
  return out;
}

Result<Certificate> parse_certificate(ByteView der) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509, decltype(&X509_free)> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
  if (!x) {
    ERR_clear_error();
    return make_error(Errc::kMalformed, "not a DER X.509 certificate");
  }
  Certificate c;
  c.subject = name_string(X509_get_subject_name(x.get()));
  c.issuer = name_string(X509_get_issuer_name(x.get()));
  c.self_signed = X509_NAME_cmp(X509_get_subject_name(x.get()), X509_get_issuer_name(x.get())) == 0;
  if (const ASN1_INTEGER* serial = X509_get0_serialNumber(x.get())) {
    if (BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr)) {
      if (char* hex = BN_bn2hex(bn)) {
        c.serial = hex;
        std::transform(c.serial.begin(), c.serial.end(), c.serial.begin(), [](char ch) { return static_cast<char>(std::tolower(ch)); });
        OPENSSL_free(hex);
      }
      BN_free(bn);
    }
  }
  c.not_before = asn1_time_iso(X509_get0_notBefore(x.get()));
  c.not_after = asn1_time_iso(X509_get0_notAfter(x.get()));
  if (EVP_PKEY* key = X509_get0_pubkey(x.get())) {
    c.key_type = key_type_name(EVP_PKEY_base_id(key));
    c.key_bits = EVP_PKEY_bits(key);
  }
  int nid = X509_get_signature_nid(x.get());
  c.signature_algorithm = nid == NID_undef ? "unknown" : OBJ_nid2ln(nid);
  // The fingerprint is over the certificate as stored (apksigner hashes the encoded form).
  c.sha256 = to_hex(sha256(der.first(static_cast<std::size_t>(p - der.data()))));
  unsigned char sha1[EVP_MAX_MD_SIZE];
  unsigned int sha1_len = 0;
  if (EVP_Digest(der.data(), static_cast<std::size_t>(p - der.data()), sha1, &sha1_len, EVP_sha1(), nullptr) == 1)
    c.sha1 = to_hex(ByteView(sha1, sha1_len));
  c.debug = c.subject.find("CN=Android Debug") != std::string::npos;
  ERR_clear_error();
  return c;
}

SigningInfo read_signing_info(ByteView apk) {
  SigningInfo info;
  auto diag = [&info](std::string m) {
    if (info.diagnostics.size() < kMaxDiagnostics) info.diagnostics.push_back(std::move(m));
  };
  auto add = [&info](const Certificate& c, const char* scheme) {
    for (auto& s : info.signers)
      if (s.certificate.sha256 == c.sha256) {
        if (std::find(s.schemes.begin(), s.schemes.end(), scheme) == s.schemes.end()) s.schemes.push_back(scheme);
        return;
      }
    if (info.signers.size() < kMaxSigners) info.signers.push_back(Signer{{scheme}, c});
  };
  auto zip = apk::ZipIndex::open(apk);
  if (!zip) {
    diag("not a zip: " + zip.error().message);
    return info;
  }
  // v1: META-INF/<name>.RSA|.DSA|.EC directly under META-INF.
  bool v1 = false;
  for (const auto& e : zip->entries()) {
    std::string_view n = e.name;
    if (!n.starts_with("META-INF/") || n.find('/', 9) != std::string_view::npos) continue;
    if (!(n.ends_with(".RSA") || n.ends_with(".DSA") || n.ends_with(".EC"))) continue;
    auto bytes = zip->read(e, kMaxV1SignatureBytes);
    if (!bytes) {
      diag(bytes.error().message);
      continue;
    }
    auto certs = pkcs7_signer_certificates(*bytes);
    if (!certs) {
      diag(e.name + ": " + certs.error().message);
      continue;
    }
    for (const auto& der : *certs)
      if (auto c = parse_certificate(der)) {
        add(*c, "v1");
        v1 = true;
      }
  }
  if (v1) info.schemes.push_back("v1");
  auto pairs = read_signing_block(apk, zip->eocd());
  if (pairs) {
    info.has_signing_block = true;
    struct Scheme {
      std::uint32_t id;
      const char* name;
    };
    static constexpr Scheme kSchemes[] = {{kV2BlockId, "v2"}, {kV3BlockId, "v3"}, {kV31BlockId, "v3.1"}};
    for (const auto& p : *pairs) info.block_ids.push_back(p.id);
    for (const auto& s : kSchemes) {
      for (const auto& p : *pairs) {
        if (p.id != s.id) continue;
        auto certs = scheme_certificates(p.value);
        if (!certs) {
          diag(std::string(s.name) + " block: " + certs.error().message);
          continue;
        }
        bool any = false;
        for (ByteView der : *certs) {
          auto c = parse_certificate(der);
          if (!c) {
            diag(std::string(s.name) + " certificate: " + c.error().message);
            continue;
          }
          add(*c, s.name);
          any = true;
        }
        if (any) info.schemes.push_back(s.name);
        break;
      }
    }
  }
  return info;
}

nlohmann::json to_json(const Certificate& c) {
  return {{"subject", c.subject},
          {"issuer", c.issuer},
          {"serial", c.serial},
          {"not_before", c.not_before},
          {"not_after", c.not_after},
          {"key_type", c.key_type},
          {"key_bits", c.key_bits},
          {"signature_algorithm", c.signature_algorithm},
          {"sha256", c.sha256},
          {"sha1", c.sha1},
          {"debug", c.debug},
          {"self_signed", c.self_signed}};
}

nlohmann::json to_json(const Signer& s) {
  nlohmann::json j = to_json(s.certificate);
  j["schemes"] = s.schemes;
  return j;
}

}  // namespace assay::apk_signing
