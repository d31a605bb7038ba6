// APK signer identities: for every corpus APK the set of SHA-256 certificate digests equals what
// `apksigner verify --print-certs` prints, the schemes agree with apksigner's "Verified using"
// lines for v1/v2/v3, and hostile signing blocks are rejected without crashing.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <regex>
#include <set>

#include "formats/apk_signing/apk_signing.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One test per corpus APK: apksigner is a JVM start (~2 s), so one test for all would be slow.
class ApkSigningCorpus : public ::testing::TestWithParam<std::string> {};

TEST_P(ApkSigningCorpus, DigestsEqualApksigner) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("apksigner");
  const fs::path apk = test::corpus_dir() / "apk" / GetParam();
  std::string out;
  test::run("apksigner verify --print-certs -v '" + apk.string() + "' 2>&1", &out);
  std::set<std::string> theirs;
  static const std::regex kDigest("certificate SHA-256 digest: ([0-9a-f]{64})");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), kDigest); it != std::sregex_iterator(); ++it)
    theirs.insert((*it)[1].str());
  std::string bytes = test::read_file(apk);
  auto info = apk_signing::read_signing_info(as_bytes(bytes));
  std::set<std::string> mine;
  for (const auto& s : info.signers) {
    mine.insert(s.certificate.sha256);
    EXPECT_FALSE(s.certificate.subject.empty());
    EXPECT_GT(s.certificate.key_bits, 0);
    EXPECT_FALSE(s.certificate.not_after.empty());
  }
  if (out.find("DOES NOT VERIFY") != std::string::npos && theirs.empty()) {
    // apksigner prints no certificate for a package that does not verify (unsigned): we must
    // not invent one either.
    EXPECT_TRUE(mine.empty()) << GetParam();
    return;
  }
  EXPECT_EQ(mine, theirs) << out;
  auto has = [&](const char* s) { return std::find(info.schemes.begin(), info.schemes.end(), s) != info.schemes.end(); };
  if (out.find("Verified using v1 scheme (JAR signing): true") != std::string::npos) {
    EXPECT_TRUE(has("v1"));
  }
  if (out.find("Verified using v2 scheme (APK Signature Scheme v2): true") != std::string::npos) {
    EXPECT_TRUE(has("v2"));
  }
  if (out.find("Verified using v3 scheme (APK Signature Scheme v3): true") != std::string::npos) {
    EXPECT_TRUE(has("v3"));
  }
  // apksigner prints "Signer #1 certificate DN: ..." in the same RFC 2253 order (Java spells the
  // e-mail attribute EMAILADDRESS, OpenSSL emailAddress: compared without case).
  static const std::regex kDn("Signer #1 certificate DN: ([^\n]*)");
  std::smatch m;
  if (info.signers.size() == 1 && std::regex_search(out, m, kDn)) {
    EXPECT_EQ(lower(info.signers[0].certificate.subject), lower(m[1].str()));
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, ApkSigningCorpus,
                         ::testing::Values("AndroGoat.apk", "InsecureBankv2.apk", "UnCrackable-Level1.apk",
                                           "UnCrackable-Level3.apk", "a2dp.Vol_137.apk", "blooddonation.apk",
                                           "com.politedroid_4.apk", "com.teleca.jamendo_35.apk",
                                           "debuggable-boolean.apk", "diva-beta.apk", "hello-world.apk"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

// The corpus list above is the whole corpus folder (a new APK there must be added).
TEST(ApkSigning, CorpusListIsComplete) {
  ASSAY_REQUIRE_CORPUS();
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(test::corpus_dir() / "apk")) n += e.path().extension() == ".apk";
  EXPECT_EQ(n, 11u);
}

TEST(ApkSigning, HostileBlocksAreRejected) {
  // A fake zip: one stored member, a signing block with a pair claiming 2^63 bytes, the central
  // directory and the EOCD.
  std::vector<std::uint8_t> d;
  auto u16 = [&d](std::uint16_t v) { d.push_back(v & 0xFF); d.push_back(v >> 8); };
  auto u32 = [&d](std::uint32_t v) { for (int i = 0; i < 4; ++i) d.push_back((v >> (8 * i)) & 0xFF); };
  auto u64 = [&d](std::uint64_t v) { for (int i = 0; i < 8; ++i) d.push_back((v >> (8 * i)) & 0xFF); };
  // Local header "a" (empty, stored).
  u32(0x04034b50); u16(20); u16(0); u16(0); u16(0); u16(0); u32(0); u32(0); u32(0); u16(1); u16(0); d.push_back('a');
  const std::uint64_t block_size = 8 + 4 + 24;  // one pair (len 8 + id 4) + footer
  u64(block_size);
  u64(0x7FFFFFFFFFFFFFFFull); u32(apk_signing::kV2BlockId);
  u64(block_size);
  for (char c : std::string("APK Sig Block 42")) d.push_back(static_cast<std::uint8_t>(c));
  const std::uint32_t cd = static_cast<std::uint32_t>(d.size());
  u32(0x02014b50); u16(20); u16(20); u16(0); u16(0); u16(0); u16(0); u32(0); u32(0); u32(0); u16(1); u16(0); u16(0);
  u16(0); u16(0); u32(0); u32(0); d.push_back('a');
  const std::uint32_t cd_size = static_cast<std::uint32_t>(d.size()) - cd;
  u32(0x06054b50); u16(0); u16(0); u16(1); u16(1); u32(cd_size); u32(cd); u16(0);
  auto eocd = zip::find_eocd(d);
  ASSERT_TRUE(eocd.ok()) << eocd.error().message;
  auto pairs = apk_signing::read_signing_block(d, *eocd);
  EXPECT_FALSE(pairs.ok());
  auto info = apk_signing::read_signing_info(d);
  EXPECT_TRUE(info.signers.empty());
  EXPECT_FALSE(apk_signing::parse_certificate(std::vector<std::uint8_t>{0x30, 0x82, 0xFF, 0xFF}).ok());
  EXPECT_FALSE(apk_signing::pkcs7_signer_certificates(std::vector<std::uint8_t>{0x30, 0x03, 0x02, 0x01, 0x01}).ok());
  // Nested length prefixes that overrun their parent.
  std::vector<std::uint8_t> v2 = {0x10, 0, 0, 0, 0x0c, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_FALSE(apk_signing::scheme_certificates(v2).ok());
}

}  // namespace
}  // namespace assay
