// The DEX parser and bytecode walker against Debian's dexdump as the oracle: for every dex of every
// corpus APK, class and method counts equal dexdump's and the string count equals the header; for
// the small dexes the walker's instruction histogram (every opcode, and the switch / array
// payloads) equals `dexdump -d`'s. Also: MUTF-8 decoding, descriptors, the register tracker on a
// corpus method, and hostile input (truncated and bit-flipped dexes never crash).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>

#include "formats/dex/dex.hpp"
#include "formats/dex/dex_code.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> unzip_dexes(const std::string& apk, const test::TempDir& dir) {
  std::string cmd = "unzip -o -q '" + (test::corpus_dir() / "apk" / apk).string() + "' 'classes*.dex' -d '" +
                    dir.str() + "' 2>/dev/null";
  (void)test::run(cmd);
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir.path()))
    if (e.path().extension() == ".dex") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

struct Counts {
  std::size_t classes = 0, methods = 0;
};

// dexdump's default output: "Class #N" per class; methods are the "#N : (in L...;)" entries under
// "Direct methods" / "Virtual methods" (fields use the same entry form, so sections are tracked).
Counts dexdump_counts(const fs::path& dex) {
  std::string out;
  (void)test::run("dexdump '" + dex.string() + "' 2>/dev/null", &out);
  Counts c;
  bool in_methods = false;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Class #", 0) == 0) ++c.classes;
    if (line.rfind("  Direct methods", 0) == 0 || line.rfind("  Virtual methods", 0) == 0) in_methods = true;
    if (line.rfind("  Static fields", 0) == 0 || line.rfind("  Instance fields", 0) == 0 ||
        line.rfind("  source_file_idx", 0) == 0)
      in_methods = false;
    if (in_methods && line.rfind("    #", 0) == 0 && line.find(": (in ") != std::string::npos) ++c.methods;
  }
  return c;
}

struct Histogram final : dex::CodeVisitor {
  std::map<std::string, long> counts;
  Histogram() { wants_instructions = true; }
  void on_instruction(std::uint32_t, std::uint8_t op, std::uint16_t payload) override {
    if (payload == dex::kPackedSwitchPayload) ++counts["packed-switch-data"];
    else if (payload == dex::kSparseSwitchPayload) ++counts["sparse-switch-data"];
    else if (payload == dex::kFillArrayDataPayload) ++counts["array-data"];
    else ++counts[dex::opcode_info(op).name];
  }
};

// "|0012: const-string v1, ..." -> "const-string"
std::map<std::string, long> dexdump_histogram(const fs::path& dex) {
  std::string out;
  (void)test::run("dexdump -d '" + dex.string() + "' 2>/dev/null", &out);
  std::map<std::string, long> h;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    auto bar = line.find('|');
    if (bar == std::string::npos || bar + 7 > line.size() || line[bar + 5] != ':' || line[bar + 6] != ' ') continue;
    bool hex = true;
    for (std::size_t i = bar + 1; i < bar + 5; ++i) hex = hex && std::isxdigit(static_cast<unsigned char>(line[i]));
    if (!hex) continue;
    std::size_t s = bar + 7, e = s;
    while (e < line.size() && (std::isalnum(static_cast<unsigned char>(line[e])) || line[e] == '-' || line[e] == '/'))
      ++e;
    if (e > s) ++h[line.substr(s, e - s)];
  }
  return h;
}

std::uint64_t walk_all(const dex::DexFile& d, dex::CodeVisitor& v, std::uint64_t* methods = nullptr) {
  dex::WalkScratch scratch;
  std::uint64_t insns = 0;
  for (const auto& c : d.class_defs()) {
    auto cd = d.class_data(c);
    for (const auto* list : {&cd.direct_methods, &cd.virtual_methods})
      for (const auto& m : *list) {
        if (methods) ++*methods;
        if (auto code = d.code_item(m.code_off)) insns += dex::walk_code(*code, v, scratch, true).instructions;
      }
  }
  return insns;
}

class CorpusDex : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusDex, CountsEqualDexdump) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("dexdump");
  ASSAY_REQUIRE_TOOL("unzip");
  test::TempDir dir;
  auto dexes = unzip_dexes(GetParam(), dir);
  ASSERT_FALSE(dexes.empty()) << GetParam();
  for (const auto& p : dexes) {
    std::string bytes = test::read_file(p);
    auto d = dex::parse_dex(as_bytes(bytes));
    ASSERT_TRUE(d.ok()) << p << ": " << d.error().message;
    EXPECT_TRUE(d->diagnostics().empty()) << p << ": " << d->diagnostics().front();
    EXPECT_EQ(d->string_count(), d->header().string_ids_size) << p;
    EXPECT_EQ(d->method_count(), d->header().method_ids_size) << p;
    dex::CodeVisitor none;
    std::uint64_t methods = 0;
    auto t0 = std::chrono::steady_clock::now();
    (void)walk_all(*d, none, &methods);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    Counts want = dexdump_counts(p);
    EXPECT_EQ(d->class_defs().size(), want.classes) << p;
    EXPECT_EQ(methods, want.methods) << p;
    RecordProperty(p.filename().string() + "_walk_ms", std::to_string(ms));
  }
}

INSTANTIATE_TEST_SUITE_P(Apks, CorpusDex,
                         ::testing::Values("AndroGoat.apk", "InsecureBankv2.apk", "UnCrackable-Level1.apk",
                                           "UnCrackable-Level3.apk", "a2dp.Vol_137.apk", "blooddonation.apk",
                                           "com.politedroid_4.apk", "com.teleca.jamendo_35.apk",
                                           "debuggable-boolean.apk", "diva-beta.apk", "hello-world.apk"),
                         [](const auto& info) {
                           std::string n = info.param.substr(0, info.param.size() - 4);
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

// Every opcode the small dexes use, with its count, equals dexdump's disassembly: the formats
// table (instruction lengths) and payload skipping are right, or the counts drift.
TEST(Dex, InstructionHistogramEqualsDexdump) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("dexdump");
  ASSAY_REQUIRE_TOOL("unzip");
  for (std::string apk : {"UnCrackable-Level1.apk", "com.politedroid_4.apk", "com.teleca.jamendo_35.apk",
                          "debuggable-boolean.apk"}) {
    test::TempDir dir;
    for (const auto& p : unzip_dexes(apk, dir)) {
      std::string bytes = test::read_file(p);
      auto d = dex::parse_dex(as_bytes(bytes));
      ASSERT_TRUE(d.ok());
      Histogram h;
      (void)walk_all(*d, h);
      auto want = dexdump_histogram(p);
      EXPECT_FALSE(want.empty());
      EXPECT_EQ(h.counts, want) << apk;
    }
  }
}

// The register tracker: in UnCrackable-Level1, sg.vantagepoint.uncrackable1.a.a(String) passes the
// constant hex key to a static String->byte[] helper and Cipher.getInstance gets "AES" elsewhere.
TEST(Dex, TrackerSeesConstantArguments) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("unzip");
  test::TempDir dir;
  auto dexes = unzip_dexes("UnCrackable-Level1.apk", dir);
  ASSERT_EQ(dexes.size(), 1u);
  std::string bytes = test::read_file(dexes[0]);
  auto d = dex::parse_dex(as_bytes(bytes));
  ASSERT_TRUE(d.ok());
  struct Calls final : dex::CodeVisitor {
    const dex::DexFile* d = nullptr;
    std::map<std::string, std::vector<std::string>> string_args;  // "Class->name" -> constant args
    int params_seen = 0;
    dex::Value on_invoke(const dex::Invocation& c) override {
      auto m = d->method_id(c.index);
      if (!m) return {};
      std::string key = std::string(d->type_descriptor(m->class_idx)) + "->" + std::string(d->string_view_raw(m->name_idx));
      for (const auto& v : c.args) {
        if (v.is(dex::Value::Kind::kString)) string_args[key].push_back(d->string(v.index));
        if (v.is(dex::Value::Kind::kParam)) ++params_seen;
      }
      return {};
    }
  } calls;
  calls.d = &*d;
  (void)walk_all(*d, calls);
  EXPECT_EQ(calls.string_args["Ljavax/crypto/Cipher;->getInstance"], std::vector<std::string>{"AES"});
  EXPECT_EQ(calls.string_args["Lsg/vantagepoint/uncrackable1/a;->b"],
            std::vector<std::string>{"8d127684cbc37c17616d806cf50473cc"});
  EXPECT_EQ(calls.string_args["Ljavax/crypto/spec/SecretKeySpec;-><init>"],
            std::vector<std::string>{"AES/ECB/PKCS7Padding"});
  EXPECT_GT(calls.params_seen, 0);
}

TEST(Dex, Mutf8AndDescriptors) {
  // C0 80 is an embedded NUL; ED A0 BD ED B8 80 is the surrogate pair of U+1F600.
  std::string m = "a\xC0\x80" "b\xED\xA0\xBD\xED\xB8\x80";
  EXPECT_EQ(dex::mutf8_to_utf8(m), std::string("a\0b\xF0\x9F\x98\x80", 7));
  EXPECT_EQ(dex::mutf8_to_utf8("\xED\xA0\xBD"), "\xEF\xBF\xBD");  // lone high surrogate
  EXPECT_EQ(dex::mutf8_to_utf8("\xFF"), "\xEF\xBF\xBD");
  EXPECT_EQ(dex::descriptor_to_java("Lcom/x/Y$Z;"), "com.x.Y$Z");
  EXPECT_EQ(dex::descriptor_to_java("[[B"), "byte[][]");
  EXPECT_EQ(dex::descriptor_package("Lcom/x/Y;"), "com.x");
  EXPECT_EQ(dex::descriptor_package("LY;"), "");
  std::size_t pos = 0;
  const std::uint8_t uleb[] = {0xE5, 0x8E, 0x26};
  EXPECT_EQ(dex::read_uleb128(ByteView(uleb, 3), pos), 624485u);
  const std::uint8_t bad[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  pos = 0;
  EXPECT_FALSE(dex::read_uleb128(ByteView(bad, 6), pos).has_value());
}

TEST(Dex, RejectsWhatIsNotDex) {
  std::string junk = "dex\n099\0";
  EXPECT_FALSE(dex::parse_dex(as_bytes(junk)).ok());
  std::string short_header("dex\n035\0", 8);
  auto r = dex::parse_dex(as_bytes(short_header));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kTruncated);
}

// Truncations and bit flips of a real dex: parse and walk must finish without crashing (ASan in
// CI), and a cut-off table becomes a diagnostic.
TEST(Dex, HostileVariantsDoNotCrash) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("unzip");
  test::TempDir dir;
  auto dexes = unzip_dexes("com.politedroid_4.apk", dir);
  ASSERT_FALSE(dexes.empty());
  const std::string orig = test::read_file(dexes[0]);
  std::uint32_t seed = 12345;
  auto rnd = [&seed] { return seed = seed * 1103515245u + 12345u; };
  bool saw_diagnostic = false;
  for (int i = 0; i < 200; ++i) {
    std::string b = orig;
    if (i % 3 == 0) b.resize(0x70 + rnd() % (orig.size() - 0x70));
    for (int k = 0; k < 1 + i % 8; ++k) b[rnd() % b.size()] ^= static_cast<char>(1u << (rnd() % 8));
    auto d = dex::parse_dex(as_bytes(b));
    if (!d) continue;
    saw_diagnostic = saw_diagnostic || !d->diagnostics().empty();
    dex::CodeVisitor none;
    (void)walk_all(*d, none);
    for (std::uint32_t s = 0; s < d->string_count(); ++s) (void)d->string(s);
  }
  EXPECT_TRUE(saw_diagnostic);
}

}  // namespace
}  // namespace assay
