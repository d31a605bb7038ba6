// Keys and certificates: parsers checked against ssh-keygen and openssl (fingerprints, sizes),
// Dropbear and PuTTY files built by hand from the format specs, the keys analyzer's findings on
// generated trees, the Broadcom image's Dropbear host key and the published known-bad keys.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <string>

#include "assay/scan.hpp"
#include "formats/keys/keys.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;

Assessment scan_path(const std::string& p) {
  ScanOptions o;
  o.jobs = 2;
  auto r = scan(p, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : Assessment{};
}

std::vector<const Finding*> hits(const Assessment& a, const std::string& rule, const std::string& file) {
  std::vector<const Finding*> out;
  for (const auto& f : a.findings)
    if (f.rule_id == rule && !f.evidence.empty() && f.evidence[0].path.ends_with(file)) out.push_back(&f);
  return out;
}

std::vector<keys::KeyItem> parse_file(const fs::path& p) {
  std::string d = test::read_file(p);
  std::vector<std::string> diags;
  return keys::parse_key_file(ByteView(reinterpret_cast<const std::uint8_t*>(d.data()), d.size()), diags);
}

// `ssh-keygen -lf` on a public key or private key file: "SHA256:..." (the oracle).
std::string keygen_fingerprint(const fs::path& p) {
  std::string out;
  if (test::run("ssh-keygen -lf '" + p.string() + "' 2>/dev/null", &out) != 0) return {};
  auto a = out.find("SHA256:");
  return a == std::string::npos ? std::string() : out.substr(a, out.find(' ', a) - a);
}

void put_u32(std::string& s, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_str(std::string& s, const std::string& v) {
  put_u32(s, static_cast<std::uint32_t>(v.size()));
  s += v;
}
void put_mpint(std::string& s, const EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(k, name, &bn), 1);
  std::string mag(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(mag.data()));
  BN_free(bn);
  if (!mag.empty() && (static_cast<unsigned char>(mag[0]) & 0x80) != 0) mag.insert(mag.begin(), '\0');
  put_str(s, mag);
}

// Dropbear's RSA host-key format (dropbear/src/rsa.c buf_put_rsa_priv_key): string "ssh-rsa",
// mpint e, n, d, p, q — built from an OpenSSL key so both views can be compared.
std::string dropbear_rsa_from_pem(const fs::path& pem) {
  FILE* f = std::fopen(pem.c_str(), "rb");
  EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  std::string s;
  if (k == nullptr) return s;
  put_str(s, "ssh-rsa");
  put_mpint(s, k, OSSL_PKEY_PARAM_RSA_E);
  put_mpint(s, k, OSSL_PKEY_PARAM_RSA_N);
  put_mpint(s, k, OSSL_PKEY_PARAM_RSA_D);
  put_mpint(s, k, OSSL_PKEY_PARAM_RSA_FACTOR1);
  put_mpint(s, k, OSSL_PKEY_PARAM_RSA_FACTOR2);
  EVP_PKEY_free(k);
  return s;
}

class KeysTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  fs::path p(const std::string& rel) {
    fs::create_directories((dir.path() / rel).parent_path());
    return dir.path() / rel;
  }
  void sh(const std::string& cmd) { ASSERT_EQ(test::run(cmd + " >/dev/null 2>&1"), 0) << cmd; }
};

TEST_F(KeysTest, OpenSshKeysMatchSshKeygen) {
  ASSAY_REQUIRE_TOOL("ssh-keygen");
  sh("ssh-keygen -q -t ed25519 -N '' -C test -f " + p("k/ed").string());
  sh("ssh-keygen -q -t ecdsa -b 384 -N '' -f " + p("k/ec").string());
  sh("ssh-keygen -q -t rsa -b 1024 -N 'pw123456' -f " + p("k/rsa").string());
  struct Case {
    std::string file, algo;
    unsigned bits;
    bool encrypted;
  } cases[] = {{"k/ed", "ed25519", 256, false}, {"k/ec", "ecdsa", 384, false}, {"k/rsa", "rsa", 1024, true}};
  for (const auto& c : cases) {
    auto items = parse_file(dir / c.file);
    ASSERT_EQ(items.size(), 1u) << c.file;
    EXPECT_EQ(items[0].type, "private-key");
    EXPECT_EQ(items[0].algorithm, c.algo);
    EXPECT_EQ(items[0].bits, c.bits);
    EXPECT_EQ(items[0].encrypted, c.encrypted);
    EXPECT_EQ(items[0].fingerprint, keygen_fingerprint(dir / (c.file + ".pub"))) << c.file;
  }
}

TEST_F(KeysTest, PemDerPkcs12MatchOpenssl) {
  ASSAY_REQUIRE_TOOL("openssl");
  ASSAY_REQUIRE_TOOL("ssh-keygen");
  sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " + p("pem/rsa8.pem").string());
  sh("openssl pkey -in " + p("pem/rsa8.pem").string() + " -traditional -out " + p("pem/rsa1.pem").string());
  sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + p("pem/ec.pem").string());
  sh("openssl pkey -in " + p("pem/ec.pem").string() + " -outform DER -out " + p("pem/ec.der").string());
  sh("openssl pkey -in " + p("pem/rsa8.pem").string() + " -aes256 -passout pass:secret123 -out " +
     p("pem/enc.pem").string());
  sh("openssl req -x509 -new -key " + p("pem/rsa8.pem").string() + " -subj /CN=device.local -days 3650 -out " +
     p("pem/cert.pem").string());
  sh("openssl pkcs12 -export -inkey " + p("pem/rsa8.pem").string() + " -in " + p("pem/cert.pem").string() +
     " -passout pass: -out " + p("pem/open.p12").string());
  sh("openssl pkcs12 -export -inkey " + p("pem/rsa8.pem").string() + " -in " + p("pem/cert.pem").string() +
     " -passout pass:hunter22 -out " + p("pem/closed.p12").string());
  // The oracle fingerprint of the RSA key: ssh-keygen reads PEM private keys.
  sh("chmod 600 " + (dir / "pem/rsa8.pem").string());
  std::string pub;
  ASSERT_EQ(test::run("ssh-keygen -y -f " + (dir / "pem/rsa8.pem").string(), &pub), 0);
  test::write_file(dir / "rsa.pub", pub);
  const std::string rsa_fp = keygen_fingerprint(dir / "rsa.pub");
  ASSERT_FALSE(rsa_fp.empty());

  for (const char* f : {"pem/rsa8.pem", "pem/rsa1.pem"}) {
    auto items = parse_file(dir / f);
    ASSERT_EQ(items.size(), 1u) << f;
    EXPECT_EQ(items[0].algorithm, "rsa");
    EXPECT_EQ(items[0].bits, 2048u);
    EXPECT_EQ(items[0].fingerprint, rsa_fp) << f;
  }
  EXPECT_EQ(parse_file(dir / "pem/rsa1.pem")[0].format, "pem-pkcs1");
  auto ec = parse_file(dir / "pem/ec.der");
  ASSERT_EQ(ec.size(), 1u);
  EXPECT_EQ(ec[0].format, "der");
  EXPECT_EQ(ec[0].algorithm, "ecdsa");
  EXPECT_EQ(ec[0].bits, 256u);
  EXPECT_EQ(ec[0].fingerprint, parse_file(dir / "pem/ec.pem")[0].fingerprint);
  auto enc = parse_file(dir / "pem/enc.pem");
  ASSERT_EQ(enc.size(), 1u);
  EXPECT_TRUE(enc[0].encrypted);
  auto cert = parse_file(dir / "pem/cert.pem");
  ASSERT_EQ(cert.size(), 1u);
  EXPECT_EQ(cert[0].type, "certificate");
  EXPECT_EQ(cert[0].subject, "CN=device.local");
  EXPECT_TRUE(cert[0].self_signed);
  EXPECT_EQ(cert[0].signature_hash, "sha256");
  EXPECT_EQ(cert[0].fingerprint, rsa_fp);  // the certificate's key is the RSA key
  auto open = parse_file(dir / "pem/open.p12");
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].format, "pkcs12");
  EXPECT_FALSE(open[0].encrypted);
  EXPECT_EQ(open[0].fingerprint, rsa_fp);
  auto closed = parse_file(dir / "pem/closed.p12");
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_TRUE(closed[0].encrypted);
}

TEST_F(KeysTest, DropbearAndPuttyByHand) {
  ASSAY_REQUIRE_TOOL("openssl");
  ASSAY_REQUIRE_TOOL("ssh-keygen");
  sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out " + p("src.pem").string());
  sh("chmod 600 " + (dir / "src.pem").string());
  std::string pub;
  ASSERT_EQ(test::run("ssh-keygen -y -f " + (dir / "src.pem").string(), &pub), 0);
  test::write_file(dir / "src.pub", pub);
  const std::string fp = keygen_fingerprint(dir / "src.pub");
  std::string db = dropbear_rsa_from_pem(dir / "src.pem");
  ASSERT_FALSE(db.empty());
  auto k = keys::parse_dropbear(ByteView(reinterpret_cast<const std::uint8_t*>(db.data()), db.size()));
  ASSERT_TRUE(k.ok()) << k.error().message;
  EXPECT_EQ(k->format, "dropbear");
  EXPECT_EQ(k->algorithm, "rsa");
  EXPECT_EQ(k->bits, 1024u);
  EXPECT_EQ(k->fingerprint, fp);
  // Truncated anywhere: an error, never a crash.
  for (std::size_t n = 0; n < db.size(); n += 7) {
    auto t = keys::parse_dropbear(ByteView(reinterpret_cast<const std::uint8_t*>(db.data()), n));
    EXPECT_FALSE(t.ok()) << n;
  }
  // PuTTY v2 (the format puttygen writes): the public blob is what matters here.
  std::string b64 = pub.substr(8, pub.find(' ', 8) - 8);
  std::string ppk = "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: imported\nPublic-Lines: ";
  std::string lines;
  std::size_t nlines = 0;
  for (std::size_t i = 0; i < b64.size(); i += 64, ++nlines) lines += b64.substr(i, 64) + "\n";
  ppk += std::to_string(nlines) + "\n" + lines + "Private-Lines: 1\nAAAA\nPrivate-MAC: 00\n";
  auto pk = keys::parse_putty(ppk);
  ASSERT_TRUE(pk.ok()) << pk.error().message;
  EXPECT_EQ(pk->fingerprint, fp);
  EXPECT_EQ(pk->bits, 1024u);
  EXPECT_FALSE(pk->encrypted);
}

TEST_F(KeysTest, AnalyzerFindingsOnAGeneratedRootfs) {
  ASSAY_REQUIRE_TOOL("openssl");
  ASSAY_REQUIRE_TOOL("ssh-keygen");
  sh("ssh-keygen -q -t ed25519 -N '' -f " + p("root/etc/ssh/ssh_host_ed25519_key").string());
  sh("ssh-keygen -q -t ed25519 -N '' -C admin@vendor -f " + (dir / "admin").string());
  fs::copy_file(dir / "admin.pub", p("root/root/.ssh/authorized_keys"));
  sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out " + p("root/etc/lighttpd/server.key").string());
  sh("openssl req -x509 -new -key " + (dir / "root/etc/lighttpd/server.key").string() +
     " -subj /CN=router -sha1 -days 30 -out " + (dir / "root/etc/lighttpd/ca.pem").string());
  // A leaf signed with SHA-1 by that CA (not self-signed: its signature is what it is trusted by).
  sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + (dir / "leaf.key").string());
  sh("openssl req -new -key " + (dir / "leaf.key").string() + " -subj /CN=leaf -out " + (dir / "leaf.csr").string());
  sh("openssl x509 -req -in " + (dir / "leaf.csr").string() + " -CA " + (dir / "root/etc/lighttpd/ca.pem").string() +
     " -CAkey " + (dir / "root/etc/lighttpd/server.key").string() + " -sha1 -days 30 -set_serial 7 -out " +
     p("root/etc/leaf.pem").string());
  Assessment a = scan_path((dir / "root").string());
  auto host = hits(a, "keys.private-key", "ssh_host_ed25519_key");
  ASSERT_EQ(host.size(), 1u);
  EXPECT_EQ(host[0]->severity, Severity::kCritical);
  EXPECT_EQ(host[0]->key, keygen_fingerprint(dir / "root/etc/ssh/ssh_host_ed25519_key.pub"));
  auto ak = hits(a, "keys.ssh-authorized-keys", "authorized_keys");
  ASSERT_EQ(ak.size(), 1u);
  EXPECT_EQ(ak[0]->severity, Severity::kCritical);  // root's
  EXPECT_NE(ak[0]->evidence[0].excerpt.find("admin@vendor"), std::string::npos);
  EXPECT_EQ(hits(a, "keys.private-key", "server.key").size(), 1u);
  EXPECT_EQ(hits(a, "keys.weak-key", "server.key").size(), 1u);  // RSA 1024
  EXPECT_EQ(hits(a, "keys.weak-key", "ca.pem").size(), 1u);
  EXPECT_TRUE(hits(a, "keys.weak-signature", "ca.pem").empty());  // self-signed: not judged
  EXPECT_EQ(hits(a, "keys.weak-signature", "leaf.pem").size(), 1u);
  EXPECT_EQ(hits(a, "keys.cert-with-key", "ca.pem").size(), 1u);
  EXPECT_TRUE(hits(a, "keys.known-bad-ssh-key", "").empty());
  bool inventory = false;
  for (const auto& f : a.facts)
    if (f.type == "keys.inventory" && f.path.ends_with("ca.pem")) {
      inventory = true;
      EXPECT_EQ(f.data["items"][0]["subject"], "CN=router");
      EXPECT_EQ(f.data["items"][0]["signature_hash"], "sha1");
    }
  EXPECT_TRUE(inventory);
}

TEST_F(KeysTest, ExpiredCertificateIsInfo) {
  // openssl's command line cannot back-date a certificate; the C API can.
  EVP_PKEY* k = EVP_EC_gen("P-256");
  ASSERT_NE(k, nullptr);
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 3);
  X509_gmtime_adj(X509_getm_notBefore(x), -3 * 86400);
  X509_gmtime_adj(X509_getm_notAfter(x), -86400);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("old"), -1, -1, 0);
  X509_set_issuer_name(x, X509_get_subject_name(x));
  X509_set_pubkey(x, k);
  ASSERT_GT(X509_sign(x, k, EVP_sha256()), 0);
  FILE* f = std::fopen(p("r/etc/old.pem").c_str(), "wb");
  PEM_write_X509(f, x);
  std::fclose(f);
  X509_free(x);
  EVP_PKEY_free(k);
  Assessment a = scan_path((dir / "r").string());
  auto e = hits(a, "keys.expired-certificate", "old.pem");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0]->severity, Severity::kInfo);
}

TEST(KeysCorpus, BroadcomImageShipsDropbearHostKey) {
  ASSAY_REQUIRE_CORPUS();
  Assessment a = scan_path((test::corpus_dir() / "firmware/squashfs_v2_broadcom_adsl.bin").string());
  auto h = hits(a, "keys.private-key", "etc/rsa_host_key");
  ASSERT_EQ(h.size(), 1u) << "MANIFEST: etc/rsa_host_key is a Dropbear RSA private host key";
  EXPECT_EQ(h[0]->severity, Severity::kCritical);
  EXPECT_NE(h[0]->evidence[0].excerpt.find("dropbear"), std::string::npos);
  EXPECT_NE(h[0]->evidence[0].excerpt.find("rsa"), std::string::npos);
}

TEST(KeysCorpus, PublishedBadKeysAreKnown) {
  ASSAY_REQUIRE_CORPUS();
  fs::path src = test::corpus_dir() / "data/default-creds/ssh_keys";
  Assessment a = scan_path(src.string());
  std::size_t keys_total = 0, detected = 0;
  for (const auto& e : fs::directory_iterator(src)) {
    if (e.path().extension() != ".key") continue;
    ++keys_total;
    detected += hits(a, "keys.known-bad-ssh-key", e.path().filename().string()).empty() ? 0 : 1;
  }
  EXPECT_GE(keys_total, 9u);
  EXPECT_EQ(detected, keys_total);
  // And the public halves, planted as authorized_keys.
  test::TempDir dir;
  std::string vagrant = test::read_file(src / "vagrant.json");
  auto a0 = vagrant.find("ssh-rsa");
  ASSERT_NE(a0, std::string::npos);
  fs::create_directories(dir.path() / "home/vagrant/.ssh");
  test::write_file(dir.path() / "home/vagrant/.ssh/authorized_keys", vagrant.substr(a0, vagrant.find('"', a0) - a0) + "\n");
  Assessment b = scan_path(dir.str());
  EXPECT_EQ(hits(b, "keys.known-bad-ssh-key", "authorized_keys").size(), 1u);
  EXPECT_EQ(hits(b, "keys.ssh-authorized-keys", "authorized_keys").size(), 1u);
}

TEST(KeysParser, HostileInputs) {
  std::vector<std::string> diags;
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  auto items = keys::parse_key_file(ByteView(reinterpret_cast<const std::uint8_t*>(many.data()), many.size()), diags);
  EXPECT_TRUE(items.empty());
  EXPECT_LE(diags.size(), 16u);
  std::string huge_len("\x00\x00\x00\x07ssh-rsa\xff\xff\xff\xff", 15);
  EXPECT_FALSE(keys::parse_dropbear(ByteView(reinterpret_cast<const std::uint8_t*>(huge_len.data()), huge_len.size())).ok());
  EXPECT_FALSE(keys::parse_putty("PuTTY-User-Key-File-2: ssh-rsa\nPublic-Lines: 99999999\nAAAA\n").ok());
}

}  // namespace
}  // namespace assay
