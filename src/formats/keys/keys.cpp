#include "formats/keys/keys.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <memory>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "core/reader.hpp"

namespace assay::keys {
namespace {

// Diagnostics per file: enough to explain, bounded for hostile input.
constexpr std::size_t kMaxDiagnostics = 16;
// An SSH key field longer than this is not a key (RSA 16384 is 2 KiB; a Dropbear ed25519 secret
// 64 bytes).
constexpr std::uint32_t kMaxSshField = 16u << 10;
// PEM blocks larger than this are not keys or certificates.
constexpr std::size_t kMaxPemBlock = 1u << 20;

std::string_view as_text(ByteView d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }
ByteView as_bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

void diag(std::vector<std::string>& d, std::string msg) {
  if (d.size() < kMaxDiagnostics) d.push_back(std::move(msg));
}

std::string b64_encode(ByteView in, bool pad) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    std::uint32_t v = in[i] << 16;
    if (i + 1 < in.size()) v |= in[i + 1] << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (i + 1 < in.size()) out += kAlphabet[(v >> 6) & 63];
    else if (pad) out += '=';
    if (pad) out += '=';
  }
  return out;
}

// Lenient base64 (skips whitespace); nullopt on any other stray character.
std::optional<std::string> b64_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int d;
    if (c >= 'A' && c <= 'Z') d = c - 'A';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
    else if (c >= '0' && c <= '9') d = c - '0' + 52;
    else if (c == '+') d = 62;
    else if (c == '/') d = 63;
    else if (c == '=' || c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    else return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

// --- SSH wire format ----------------------------------------------------------------------------

Result<ByteView> ssh_string(Reader& r) {
  ASSAY_TRY(std::uint32_t len, r.read_be<std::uint32_t>());
  if (len > kMaxSshField) return make_error(Errc::kMalformed, fmt::format("SSH field of {} bytes at {}", len, r.pos() - 4));
  return r.bytes(len);
}

// Bits of a big-endian unsigned magnitude (an mpint without its sign byte).
unsigned mpint_bits(ByteView v) {
  std::size_t i = 0;
  while (i < v.size() && v[i] == 0) ++i;
  if (i == v.size()) return 0;
  unsigned top = 0;
  for (std::uint8_t b = v[i]; b != 0; b >>= 1) ++top;
  return static_cast<unsigned>((v.size() - i - 1) * 8) + top;
}

void put_string(std::string& out, ByteView v) {
  auto n = static_cast<std::uint32_t>(v.size());
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  out.append(reinterpret_cast<const char*>(v.data()), v.size());
}
void put_string(std::string& out, std::string_view v) { put_string(out, as_bytes(v)); }

// An mpint from a big-endian magnitude: leading zeros dropped, a zero byte added when the top bit
// is set (RFC 4251 section 5).
void put_mpint(std::string& out, ByteView mag) {
  std::size_t i = 0;
  while (i < mag.size() && mag[i] == 0) ++i;
  std::string v;
  if (i < mag.size() && (mag[i] & 0x80) != 0) v.push_back('\0');
  v.append(reinterpret_cast<const char*>(mag.data() + i), mag.size() - i);
  put_string(out, std::string_view(v));
}

unsigned ec_bits_of(std::string_view curve) {
  if (curve == "nistp256") return 256;
  if (curve == "nistp384") return 384;
  if (curve == "nistp521") return 521;
  return 0;
}

// --- OpenSSL keys -------------------------------------------------------------------------------

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

// Never prompt: an encrypted key stays encrypted.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return -1; }

std::string bn_param(const EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &bn) != 1 || bn == nullptr) return {};
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

// Algorithm, bits and the SSH public blob of an OpenSSL key.
void describe_pkey(const EVP_PKEY* k, KeyItem& item) {
  item.bits = static_cast<unsigned>(std::max(0, EVP_PKEY_get_bits(k)));
  std::string blob;
  switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS: {
      item.algorithm = "rsa";
      std::string e = bn_param(k, OSSL_PKEY_PARAM_RSA_E), n = bn_param(k, OSSL_PKEY_PARAM_RSA_N);
      if (!e.empty() && !n.empty()) {
        put_string(blob, std::string_view("ssh-rsa"));
        put_mpint(blob, as_bytes(e));
        put_mpint(blob, as_bytes(n));
      }
      break;
    }
    case EVP_PKEY_DSA: {
      item.algorithm = "dsa";
      std::string p = bn_param(k, OSSL_PKEY_PARAM_FFC_P), q = bn_param(k, OSSL_PKEY_PARAM_FFC_Q),
                  g = bn_param(k, OSSL_PKEY_PARAM_FFC_G), y = bn_param(k, OSSL_PKEY_PARAM_PUB_KEY);
      if (!p.empty() && !y.empty()) {
        put_string(blob, std::string_view("ssh-dss"));
        for (const auto* v : {&p, &q, &g, &y}) put_mpint(blob, as_bytes(*v));
      }
      break;
    }
    case EVP_PKEY_EC: {
      item.algorithm = "ecdsa";
      char group[64] = {0};
      std::size_t glen = 0;
      if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &glen) == 1) {
        std::string_view g(group, glen), curve;
        if (g == "prime256v1" || g == "P-256") curve = "nistp256";
        else if (g == "secp384r1" || g == "P-384") curve = "nistp384";
        else if (g == "secp521r1" || g == "P-521") curve = "nistp521";
        unsigned char pub[256];
        std::size_t plen = 0;
        if (!curve.empty() &&
            EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &plen) == 1) {
          put_string(blob, std::string("ecdsa-sha2-") + std::string(curve));
          put_string(blob, curve);
          put_string(blob, ByteView(pub, plen));
        }
      }
      break;
    }
    case EVP_PKEY_ED25519: {
      item.algorithm = "ed25519";
      unsigned char pub[32];
      std::size_t plen = sizeof(pub);
      if (EVP_PKEY_get_raw_public_key(k, pub, &plen) == 1 && plen == 32) {
        put_string(blob, std::string_view("ssh-ed25519"));
        put_string(blob, ByteView(pub, 32));
      }
      break;
    }
    default:
      item.algorithm = OBJ_nid2sn(EVP_PKEY_get_base_id(k)) != nullptr ? OBJ_nid2sn(EVP_PKEY_get_base_id(k)) : "unknown";
  }
  if (!blob.empty()) item.fingerprint = ssh_fingerprint(as_bytes(blob));
}

std::string name_of(const X509_NAME* n) {
  BioPtr b(BIO_new(BIO_s_mem()));
  if (!b || n == nullptr) return {};
  X509_NAME_print_ex(b.get(), n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* p = nullptr;
  long len = BIO_get_mem_data(b.get(), &p);
  return len > 0 ? std::string(p, static_cast<std::size_t>(len)) : std::string();
}

std::string iso_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

KeyItem describe_x509(X509* x, std::string format, std::uint64_t offset) {
  KeyItem it;
  it.type = "certificate";
  it.format = std::move(format);
  it.offset = offset;
  it.subject = name_of(X509_get_subject_name(x));
  it.issuer = name_of(X509_get_issuer_name(x));
  it.not_before = iso_time(X509_get0_notBefore(x));
  it.not_after = iso_time(X509_get0_notAfter(x));
  it.expired = X509_cmp_current_time(X509_get0_notAfter(x)) < 0;
  int md = 0, pk = 0;
  if (OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk) == 1 && md != NID_undef) {
    std::string s = OBJ_nid2sn(md) != nullptr ? OBJ_nid2sn(md) : "";
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    it.signature_hash = s;
  } else if (X509_get_signature_nid(x) == NID_ED25519) {
    it.signature_hash = "ed25519";
  }
  if (const ASN1_INTEGER* sn = X509_get0_serialNumber(x)) {
    if (BIGNUM* bn = ASN1_INTEGER_to_BN(sn, nullptr)) {
      if (char* hex = BN_bn2hex(bn)) {
        it.serial = hex;
        OPENSSL_free(hex);
      }
      BN_free(bn);
    }
  }
  if (EVP_PKEY* pub = X509_get0_pubkey(x)) {
    describe_pkey(pub, it);
    it.self_signed = X509_check_issued(x, x) == X509_V_OK && X509_verify(x, pub) == 1;
  }
  ERR_clear_error();
  return it;
}

// --- PEM ----------------------------------------------------------------------------------------

void parse_pem_block(std::string_view label, std::string_view block, std::uint64_t offset, std::vector<KeyItem>& out,
                     std::vector<std::string>& diagnostics) {
  BioPtr bio(BIO_new_mem_buf(block.data(), static_cast<int>(block.size())));
  if (!bio) return;
  if (label == "CERTIFICATE" || label == "X509 CERTIFICATE" || label == "TRUSTED CERTIFICATE") {
    X509* raw = label == "TRUSTED CERTIFICATE" ? PEM_read_bio_X509_AUX(bio.get(), nullptr, no_passphrase, nullptr)
                                               : PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr);
    X509Ptr x(raw);
    if (!x) {
      diag(diagnostics, fmt::format("certificate at {} does not parse", offset));
    } else {
      out.push_back(describe_x509(x.get(), "x509-pem", offset));
    }
    ERR_clear_error();
    return;
  }
  if (label == "OPENSSH PRIVATE KEY") {
    auto body_start = block.find('\n');
    auto body_end = block.find("-----END");
    if (body_start == std::string_view::npos || body_end == std::string_view::npos || body_end < body_start) return;
    auto bin = b64_decode(block.substr(body_start, body_end - body_start));
    if (!bin) {
      diag(diagnostics, fmt::format("OpenSSH key at {}: bad base64", offset));
      return;
    }
    auto k = parse_openssh(as_bytes(*bin));
    if (!k) {
      diag(diagnostics, fmt::format("OpenSSH key at {}: {}", offset, k.error().message));
      return;
    }
    k->offset = offset;
    k->format = "pem-openssh";
    out.push_back(std::move(*k));
    return;
  }
  if (label.find("PRIVATE KEY") == std::string_view::npos) return;  // public keys, CSRs, DH params
  KeyItem it;
  it.type = "private-key";
  it.offset = offset;
  if (label == "RSA PRIVATE KEY") it.format = "pem-pkcs1", it.algorithm = "rsa";
  else if (label == "EC PRIVATE KEY") it.format = "pem-sec1", it.algorithm = "ecdsa";
  else if (label == "DSA PRIVATE KEY") it.format = "pem-dsa", it.algorithm = "dsa";
  else if (label == "ENCRYPTED PRIVATE KEY") it.format = "pem-pkcs8-encrypted", it.algorithm = "unknown";
  else it.format = "pem-pkcs8", it.algorithm = "unknown";
  it.encrypted = label == "ENCRYPTED PRIVATE KEY" || block.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos;
  if (!it.encrypted) {
    PkeyPtr k(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
    ERR_clear_error();
    if (!k) {
      // A help page or a template with a BEGIN/END pair around placeholder text: not a key.
      diag(diagnostics, fmt::format("{} at {} does not parse", label, offset));
      return;
    }
    describe_pkey(k.get(), it);
  }
  ERR_clear_error();
  out.push_back(std::move(it));
}

void parse_pem(std::string_view text, std::vector<KeyItem>& out, std::vector<std::string>& diagnostics) {
  std::size_t pos = 0;
  while (out.size() < kMaxItems) {
    auto b = text.find("-----BEGIN ", pos);
    if (b == std::string_view::npos) break;
    auto le = text.find("-----", b + 11);
    if (le == std::string_view::npos || le - b > 80) break;
    std::string_view label = text.substr(b + 11, le - b - 11);
    std::string end_line = fmt::format("-----END {}-----", label);
    auto e = text.find(end_line, le);
    if (e == std::string_view::npos) {
      diag(diagnostics, fmt::format("PEM block {:?} at {} has no END line", label, b));
      break;
    }
    std::size_t stop = e + end_line.size();
    if (stop - b <= kMaxPemBlock) parse_pem_block(label, text.substr(b, stop - b), b, out, diagnostics);
    pos = stop;
  }
}

// --- binary formats -----------------------------------------------------------------------------

Result<KeyItem> parse_der(ByteView d) {
  // A certificate, a PKCS#12 bundle, or a raw private key (PKCS#1/SEC1/PKCS#8).
  const unsigned char* p = d.data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(d.size())));
  if (x) return describe_x509(x.get(), "x509-der", 0);
  ERR_clear_error();
  p = d.data();
  if (PKCS12* p12 = d2i_PKCS12(nullptr, &p, static_cast<long>(d.size()))) {
    KeyItem it;
    it.type = "private-key";
    it.format = "pkcs12";
    it.algorithm = "unknown";
    EVP_PKEY* pkey = nullptr;
    X509* cert = nullptr;
    // Bundles protected by an empty password are common in firmware; anything else stays closed.
    bool open = PKCS12_parse(p12, "", &pkey, &cert, nullptr) == 1 ||
                (ERR_clear_error(), PKCS12_parse(p12, nullptr, &pkey, &cert, nullptr) == 1);
    if (open && pkey != nullptr) describe_pkey(pkey, it);
    it.encrypted = !open;
    if (open && pkey == nullptr) it.type = "certificate";
    EVP_PKEY_free(pkey);
    X509_free(cert);
    PKCS12_free(p12);
    ERR_clear_error();
    return it;
  }
  ERR_clear_error();
  p = d.data();
  PkeyPtr k(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(d.size())));
  ERR_clear_error();
  if (!k) return make_error(Errc::kMalformed, "DER data is not a certificate, PKCS#12 bundle or private key");
  KeyItem it;
  it.type = "private-key";
  it.format = "der";
  describe_pkey(k.get(), it);
  return it;
}

bool looks_like_ssh_type(ByteView d) {
  if (d.size() < 11) return false;
  auto len = load<std::uint32_t>(d, 0, Endian::kBig).value_or(0);
  if (len < 7 || len > 40 || !fits(4, len, d.size())) return false;
  std::string_view t = as_text(d.subspan(4, len));
  return t.starts_with("ssh-") || t.starts_with("ecdsa-sha2-");
}

}  // namespace

std::string ssh_fingerprint(ByteView blob) {
  auto d = sha256(blob);
  return "SHA256:" + b64_encode(ByteView(d.data(), d.size()), false);
}

Result<KeyItem> describe_ssh_public_blob(ByteView blob) {
  Reader r(blob, Endian::kBig);
  ASSAY_TRY(ByteView type, ssh_string(r));
  std::string_view t = as_text(type);
  KeyItem it;
  it.fingerprint = ssh_fingerprint(blob);
  if (t == "ssh-rsa") {
    ASSAY_TRY(ByteView e, ssh_string(r));
    (void)e;
    ASSAY_TRY(ByteView n, ssh_string(r));
    it.algorithm = "rsa";
    it.bits = mpint_bits(n);
  } else if (t == "ssh-dss") {
    ASSAY_TRY(ByteView p, ssh_string(r));
    it.algorithm = "dsa";
    it.bits = mpint_bits(p);
  } else if (t.starts_with("ecdsa-sha2-") || t.starts_with("sk-ecdsa-sha2-")) {
    ASSAY_TRY(ByteView curve, ssh_string(r));
    it.algorithm = "ecdsa";
    it.bits = ec_bits_of(as_text(curve));
  } else if (t == "ssh-ed25519" || t.starts_with("sk-ssh-ed25519")) {
    it.algorithm = "ed25519";
    it.bits = 256;
  } else {
    return make_error(Errc::kMalformed, fmt::format("unknown SSH key type {:?}", std::string(t.substr(0, 40))));
  }
  return it;
}

Result<KeyItem> parse_dropbear(ByteView data) {
  Reader r(data, Endian::kBig);
  ASSAY_TRY(ByteView type, ssh_string(r));
  std::string_view t = as_text(type);
  KeyItem it;
  it.type = "private-key";
  it.format = "dropbear";
  std::string blob;
  if (t == "ssh-rsa" || t == "ssh-dss") {
    // RSA: e n d p q; DSS: p q g y x. The public blob is the type and the first two (RSA) or four
    // (DSS) fields, exactly as they are stored.
    const int pub_fields = t == "ssh-rsa" ? 2 : 4;
    const int all_fields = 5;
    std::size_t pub_end = 0;
    ByteView size_field;
    for (int i = 0; i < all_fields; ++i) {
      ASSAY_TRY(ByteView f, ssh_string(r));
      if ((t == "ssh-rsa" && i == 1) || (t == "ssh-dss" && i == 0)) size_field = f;
      if (i + 1 == pub_fields) pub_end = r.pos();
    }
    blob.assign(reinterpret_cast<const char*>(data.data()), pub_end);
    it.algorithm = t == "ssh-rsa" ? "rsa" : "dsa";
    it.bits = mpint_bits(size_field);
  } else if (t.starts_with("ecdsa-sha2-")) {
    ASSAY_TRY(ByteView curve, ssh_string(r));
    ASSAY_TRY(ByteView q, ssh_string(r));
    (void)q;
    std::size_t pub_end = r.pos();
    ASSAY_TRY(ByteView d, ssh_string(r));
    (void)d;
    blob.assign(reinterpret_cast<const char*>(data.data()), pub_end);
    it.algorithm = "ecdsa";
    it.bits = ec_bits_of(as_text(curve));
  } else if (t == "ssh-ed25519") {
    ASSAY_TRY(ByteView both, ssh_string(r));  // 32-byte secret then 32-byte public
    if (both.size() != 64) return make_error(Errc::kMalformed, "Dropbear ed25519 key is not 64 bytes");
    put_string(blob, std::string_view("ssh-ed25519"));
    put_string(blob, both.subspan(32, 32));
    it.algorithm = "ed25519";
    it.bits = 256;
  } else {
    return make_error(Errc::kMalformed, "not a Dropbear key (unknown key type)");
  }
  it.fingerprint = ssh_fingerprint(as_bytes(blob));
  return it;
}

Result<KeyItem> parse_openssh(ByteView data) {
  static constexpr std::string_view kMagic("openssh-key-v1\0", 15);
  if (data.size() < kMagic.size() || as_text(data.first(kMagic.size())) != kMagic)
    return make_error(Errc::kMalformed, "no openssh-key-v1 magic");
  Reader r(data, Endian::kBig);
  ASSAY_TRY_STATUS(r.skip(kMagic.size()));
  ASSAY_TRY(ByteView cipher, ssh_string(r));
  ASSAY_TRY(ByteView kdf, ssh_string(r));
  (void)kdf;
  ASSAY_TRY(ByteView kdf_opts, ssh_string(r));
  (void)kdf_opts;
  ASSAY_TRY(std::uint32_t nkeys, r.read_be<std::uint32_t>());
  if (nkeys == 0) return make_error(Errc::kMalformed, "openssh-key-v1 with no keys");
  ASSAY_TRY(ByteView pub, ssh_string(r));
  ASSAY_TRY(KeyItem it, describe_ssh_public_blob(pub));
  it.type = "private-key";
  it.format = "openssh";
  it.encrypted = as_text(cipher) != "none";
  return it;
}

Result<KeyItem> parse_putty(std::string_view text) {
  if (!text.starts_with("PuTTY-User-Key-File-")) return make_error(Errc::kMalformed, "no PuTTY header");
  KeyItem it;
  it.type = "private-key";
  it.format = "putty";
  std::size_t pos = 0;
  std::string pub_b64;
  int pub_lines = -1;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (pub_lines > 0) {
      pub_b64.append(line);
      if (--pub_lines == 0) pub_lines = -2;
      continue;
    }
    if (line.starts_with("Encryption: ")) it.encrypted = line.substr(12) != "none";
    else if (line.starts_with("Comment: ")) it.comment = std::string(line.substr(9, 200));
    else if (line.starts_with("Public-Lines: ") && pub_lines == -1) {
      // The count is input: a key's public part is at most a few dozen lines.
      pub_lines = std::clamp(std::atoi(std::string(line.substr(14, 8)).c_str()), 0, 64);
      if (pub_lines == 0) pub_lines = -2;
    }
  }
  auto blob = b64_decode(pub_b64);
  if (!blob || blob->empty()) return make_error(Errc::kMalformed, "PuTTY key without a public part");
  ASSAY_TRY(KeyItem pub, describe_ssh_public_blob(as_bytes(*blob)));
  it.algorithm = pub.algorithm;
  it.bits = pub.bits;
  it.fingerprint = pub.fingerprint;
  return it;
}

std::vector<KeyItem> parse_authorized_keys(std::string_view text) {
  std::vector<KeyItem> out;
  std::size_t pos = 0, line_start = 0;
  while (pos < text.size() && out.size() < kMaxItems) {
    auto nl = text.find('\n', pos);
    line_start = pos;
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    // Find the key-type token (options before it may hold quoted spaces).
    static constexpr std::string_view kTypes[] = {"ssh-rsa ", "ssh-dss ", "ssh-ed25519 ", "ecdsa-sha2-", "sk-ecdsa-sha2-",
                                                  "sk-ssh-ed25519"};
    std::size_t tpos = std::string_view::npos;
    for (auto t : kTypes) {
      auto p = line.find(t);
      if (p != std::string_view::npos && (p == 0 || line[p - 1] == ' ' || line[p - 1] == '\t') && p < tpos) tpos = p;
    }
    if (tpos == std::string_view::npos || line.starts_with("#")) continue;
    auto sp = line.find(' ', tpos);
    if (sp == std::string_view::npos) continue;
    auto b64_start = sp + 1;
    auto b64_end = line.find_first_of(" \t\r", b64_start);
    std::string_view b64 = line.substr(b64_start, b64_end == std::string_view::npos ? std::string_view::npos
                                                                                    : b64_end - b64_start);
    auto blob = b64_decode(b64);
    if (!blob) continue;
    auto k = describe_ssh_public_blob(as_bytes(*blob));
    if (!k) continue;
    k->type = "authorized-key";
    k->format = "authorized_keys";
    k->offset = line_start;
    if (tpos > 0) k->options = std::string(line.substr(0, std::min<std::size_t>(tpos - 1, 200)));
    if (b64_end != std::string_view::npos) {
      std::string_view c = line.substr(b64_end);
      auto f = c.find_first_not_of(" \t\r");
      if (f != std::string_view::npos) k->comment = std::string(c.substr(f, 200));
      while (!k->comment.empty() && (k->comment.back() == '\r' || k->comment.back() == ' ')) k->comment.pop_back();
    }
    out.push_back(std::move(*k));
  }
  return out;
}

std::vector<KeyItem> parse_key_file(ByteView data, std::vector<std::string>& diagnostics) {
  std::vector<KeyItem> out;
  std::string_view text = as_text(data);
  if (text.find("-----BEGIN ") != std::string_view::npos) {
    parse_pem(text, out, diagnostics);
    return out;
  }
  if (text.starts_with("PuTTY-User-Key-File-")) {
    auto k = parse_putty(text);
    if (k) out.push_back(std::move(*k));
    else diag(diagnostics, k.error().message);
    return out;
  }
  if (looks_like_ssh_type(data)) {
    auto k = parse_dropbear(data);
    if (k) out.push_back(std::move(*k));
    else diag(diagnostics, k.error().message);
    return out;
  }
  if (!data.empty() && data[0] == 0x30) {
    auto k = parse_der(data);
    if (k) out.push_back(std::move(*k));
    else diag(diagnostics, k.error().message);
  }
  return out;
}

}  // namespace assay::keys
