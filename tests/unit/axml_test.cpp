// AXML decoder: the oracle is `aapt dump xmltree APK AndroidManifest.xml`. For every corpus APK
// the decoded manifest must hold the same elements in the same order, each with the same
// attributes (qualified name, resource id, and value: string, reference or type + data).
// Also: hostile inputs (truncations, bit flips, deep nesting) decode without crashing, and the
// printer's output is well-formed enough for python's XML parser.
#include <gtest/gtest.h>

#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <optional>
#include <sstream>

#include "formats/apk_signing/apk_zip.hpp"
#include "formats/axml/axml.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;

struct OracleAttr {
  std::string qname;
  std::uint32_t id = 0;
  std::string kind;  // "string", "ref", "attr", "typed"
  std::string text;  // for strings
  std::uint32_t type = 0, data = 0;
};
struct OracleElement {
  std::string name;
  std::vector<OracleAttr> attrs;
};

std::uint32_t hex(const std::string& s) { return static_cast<std::uint32_t>(std::stoul(s, nullptr, 16)); }

// Parses aapt's xmltree dump: "E: name (line=N)" and "A: ns:name(0xID)=VALUE" lines.
std::vector<OracleElement> parse_aapt(const std::string& out) {
  std::vector<OracleElement> v;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::size_t p = line.find_first_not_of(' ');
    if (p == std::string::npos) continue;
    std::string_view l(line);
    l.remove_prefix(p);
    if (l.starts_with("E: ")) {
      std::string_view rest = l.substr(3);
      OracleElement e;
      e.name = std::string(rest.substr(0, rest.find(' ')));
      v.push_back(std::move(e));
    } else if (l.starts_with("A: ") && !v.empty()) {
      std::string_view rest = l.substr(3);
      OracleAttr a;
      std::size_t eq = rest.find('=');
      std::string_view name = rest.substr(0, eq);
      if (auto paren = name.find("(0x"); paren != std::string_view::npos) {
        a.id = hex(std::string(name.substr(paren + 3, name.size() - paren - 4)));
        name = name.substr(0, paren);
      }
      a.qname = std::string(name);
      std::string_view val = rest.substr(eq + 1);
      if (val.starts_with("\"")) {
        a.kind = "string";
        std::size_t end = val.rfind("\" (Raw: ");
        a.text = std::string(val.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1));
      } else if (val.starts_with("@")) {
        a.kind = "ref";
        a.data = hex(std::string(val.substr(3)));
      } else if (val.starts_with("?")) {
        a.kind = "attr";
        a.data = hex(std::string(val.substr(3)));
      } else if (val.starts_with("(type 0x")) {
        a.kind = "typed";
        std::size_t close = val.find(')');
        a.type = hex(std::string(val.substr(8, close - 8)));
        a.data = hex(std::string(val.substr(close + 3)));
      } else {
        a.kind = "other:" + std::string(val);
      }
      v.back().attrs.push_back(std::move(a));
    }
  }
  return v;
}

// aapt prints strings with C-style escapes for a few characters.
std::string aapt_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '\n') o += "\\n";
    else if (c == '"') o += "\\\"";
    else o += c;
  }
  return o;
}

std::vector<std::uint8_t> member(const fs::path& apk, const std::string& name) {
  std::string bytes = test::read_file(apk);
  auto zip = apk::ZipIndex::open(as_bytes(bytes));
  if (!zip) return {};
  const auto* e = zip->find(name);
  if (e == nullptr) return {};
  auto r = zip->read(*e, 64 << 20);
  return r ? std::move(r).value() : std::vector<std::uint8_t>{};
}

std::vector<fs::path> corpus_apks() {
  std::vector<fs::path> v;
  for (const auto& e : fs::directory_iterator(test::corpus_dir() / "apk"))
    if (e.path().extension() == ".apk") v.push_back(e.path());
  std::sort(v.begin(), v.end());
  return v;
}

TEST(Axml, ManifestsEqualAaptXmltree) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("aapt");
  int compared = 0;
  for (const auto& apk : corpus_apks()) {
    SCOPED_TRACE(apk.filename().string());
    std::string out;
    ASSERT_EQ(test::run("aapt dump xmltree '" + apk.string() + "' AndroidManifest.xml 2>/dev/null", &out), 0);
    auto oracle = parse_aapt(out);
    ASSERT_FALSE(oracle.empty());
    auto bytes = member(apk, "AndroidManifest.xml");
    auto doc = axml::parse(bytes);
    ASSERT_TRUE(doc.ok()) << doc.error().message;
    EXPECT_TRUE(doc->diagnostics.empty()) << doc->diagnostics.front();
    ASSERT_EQ(doc->elements.size(), oracle.size());
    for (std::size_t i = 0; i < oracle.size(); ++i) {
      const auto& mine = doc->elements[i];
      const auto& theirs = oracle[i];
      ASSERT_EQ(mine.qualified_name(), theirs.name) << "element " << i;
      ASSERT_EQ(mine.attributes.size(), theirs.attrs.size()) << "<" << mine.name << "> line " << mine.line;
      for (std::size_t j = 0; j < theirs.attrs.size(); ++j) {
        const auto& a = mine.attributes[j];
        const auto& o = theirs.attrs[j];
        SCOPED_TRACE(fmt::format("<{}> line {} attribute {}", mine.name, mine.line, o.qname));
        EXPECT_EQ(a.qualified_name(), o.qname);
        EXPECT_EQ(a.resource_id, o.id);
        if (o.kind == "string") {
          EXPECT_EQ(aapt_escape(a.value), o.text);
        } else if (o.kind == "ref") {
          EXPECT_TRUE(a.typed.is_reference());
          EXPECT_EQ(a.typed.data, o.data);
        } else if (o.kind == "attr") {
          EXPECT_TRUE(a.typed.is(axml::ValueType::kAttribute));
          EXPECT_EQ(a.typed.data, o.data);
        } else {
          ASSERT_EQ(o.kind, "typed");
          EXPECT_EQ(a.typed.type, o.type);
          EXPECT_EQ(a.typed.data, o.data);
        }
      }
    }
    ++compared;
  }
  EXPECT_GE(compared, 10);
}

TEST(Axml, FormatsTypedValues) {
  using axml::format_value;
  using axml::TypedValue;
  auto tv = [](axml::ValueType t, std::uint32_t d) { return TypedValue{static_cast<std::uint8_t>(t), d}; };
  EXPECT_EQ(format_value(tv(axml::ValueType::kIntBoolean, 0xFFFFFFFF)), "true");
  EXPECT_EQ(format_value(tv(axml::ValueType::kIntBoolean, 0)), "false");
  EXPECT_EQ(format_value(tv(axml::ValueType::kIntDec, 15)), "15");
  EXPECT_EQ(format_value(tv(axml::ValueType::kIntDec, 0xFFFFFFFF)), "-1");
  EXPECT_EQ(format_value(tv(axml::ValueType::kIntHex, 0x30)), "0x30");
  EXPECT_EQ(format_value(tv(axml::ValueType::kReference, 0x7f050000)), "@0x7f050000");
  EXPECT_EQ(format_value(tv(axml::ValueType::kAttribute, 0x01010036)), "?0x01010036");
  EXPECT_EQ(format_value(tv(axml::ValueType::kColorArgb8, 0xff00ff00)), "#ff00ff00");
  EXPECT_EQ(format_value(tv(axml::ValueType::kFloat, 0x3fc00000)), "1.5");
  // 16dip: mantissa 16 << 8, radix 23p0, unit dip.
  EXPECT_EQ(format_value(tv(axml::ValueType::kDimension, (16u << 8) | 1)), "16.0dip");
  // 50%: 0.5 in radix 0p23 (mantissa 0.5 * 2^23 << 8 ... expressed as 0x400000 << 8 >> ...).
  EXPECT_EQ(format_value(tv(axml::ValueType::kFraction, (0x400000u << 8) | (3 << 4))), "50.0%");
}

TEST(Axml, PrinterOutputIsWellFormedXml) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("python3");
  test::TempDir tmp;
  for (const auto& apk : corpus_apks()) {
    SCOPED_TRACE(apk.filename().string());
    auto doc = axml::parse(member(apk, "AndroidManifest.xml"));
    ASSERT_TRUE(doc.ok());
    std::string xml = axml::to_xml(*doc);
    EXPECT_NE(xml.find("<manifest"), std::string::npos);
    test::write_file(tmp / "m.xml", xml);
    EXPECT_EQ(test::run("/usr/bin/python3 -c \"import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])\" '" +
                        (tmp / "m.xml").string() + "'"),
              0)
        << xml.substr(0, 2000);
  }
}

TEST(Axml, HostileInputsNeverCrash) {
  ASSAY_REQUIRE_CORPUS();
  auto base = member(test::corpus_dir() / "apk" / "com.politedroid_4.apk", "AndroidManifest.xml");
  ASSERT_FALSE(base.empty());
  // Every truncation length and a sweep of single-byte corruptions.
  for (std::size_t n = 0; n < base.size(); n += 7) {
    std::vector<std::uint8_t> cut(base.begin(), base.begin() + static_cast<long>(n));
    auto r = axml::parse(cut);
    if (r) (void)axml::to_xml(*r);
  }
  for (std::size_t i = 0; i < base.size(); i += 3) {
    auto flipped = base;
    flipped[i] ^= 0xFF;
    auto r = axml::parse(flipped);
    if (r) (void)axml::to_xml(*r);
  }
  EXPECT_FALSE(axml::parse(std::vector<std::uint8_t>{0x03, 0x00}).ok());
  EXPECT_FALSE(axml::parse(std::vector<std::uint8_t>{}).ok());
}

// A hand-built document: 100k nested start elements must be capped at kMaxDepth, not recursed.
TEST(Axml, DeepNestingIsCapped) {
  std::vector<std::uint8_t> d;
  auto u16 = [&d](std::uint16_t v) { d.push_back(v & 0xFF); d.push_back(v >> 8); };
  auto u32 = [&d](std::uint32_t v) { for (int i = 0; i < 4; ++i) d.push_back((v >> (8 * i)) & 0xFF); };
  const std::uint32_t kN = 100'000;
  // String pool with one UTF-8 string "a".
  std::vector<std::uint8_t> pool;
  {
    std::vector<std::uint8_t> p;
    auto pu16 = [&p](std::uint16_t v) { p.push_back(v & 0xFF); p.push_back(v >> 8); };
    auto pu32 = [&p](std::uint32_t v) { for (int i = 0; i < 4; ++i) p.push_back((v >> (8 * i)) & 0xFF); };
    pu16(0x0001); pu16(28); pu32(28 + 4 + 4); pu32(1); pu32(0); pu32(0x100); pu32(32); pu32(0);
    pu32(0);
    p.push_back(1); p.push_back(1); p.push_back('a'); p.push_back(0);
    pool = p;
  }
  const std::uint32_t start_size = 16 + 20, end_size = 16 + 8;
  u16(0x0003); u16(8); u32(static_cast<std::uint32_t>(8 + pool.size() + kN * (start_size + end_size)));
  d.insert(d.end(), pool.begin(), pool.end());
  for (std::uint32_t i = 0; i < kN; ++i) {
    u16(0x0102); u16(16); u32(start_size); u32(i); u32(0xFFFFFFFF);
    u32(0xFFFFFFFF); u32(0); u16(20); u16(20); u16(0); u16(0); u16(0); u16(0);
  }
  for (std::uint32_t i = 0; i < kN; ++i) {
    u16(0x0103); u16(16); u32(end_size); u32(i); u32(0xFFFFFFFF); u32(0xFFFFFFFF); u32(0);
  }
  auto doc = axml::parse(d);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ(doc->elements.size(), axml::kMaxDepth);
  EXPECT_FALSE(doc->diagnostics.empty());
  std::string xml = axml::to_xml(*doc);
  EXPECT_NE(xml.find("</a>"), std::string::npos);
}

}  // namespace
}  // namespace assay
