// resources.arsc: the application label of every corpus APK, resolved through the table, equals
// `aapt dump badging`'s application-label (the default configuration's value), and the reference's
// name has the @type/key form. Hostile tables (truncated, flipped) never crash a lookup.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "formats/apk_signing/apk_zip.hpp"
#include "formats/arsc/arsc.hpp"
#include "formats/axml/axml.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> member(const std::string& bytes, const std::string& name) {
  auto zip = apk::ZipIndex::open(as_bytes(bytes));
  if (!zip) return {};
  const auto* e = zip->find(name);
  if (e == nullptr) return {};
  auto r = zip->read(*e, 64 << 20);
  return r ? std::move(r).value() : std::vector<std::uint8_t>{};
}

const axml::Attribute* label_attr(const axml::Document& doc) {
  for (const auto& e : doc.elements)
    if (e.name == "application") return e.find("label", 0x01010001);
  return nullptr;
}

TEST(Arsc, LabelsEqualAaptBadging) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("aapt");
  int compared = 0;
  for (const auto& entry : fs::directory_iterator(test::corpus_dir() / "apk")) {
    const fs::path apk = entry.path();
    SCOPED_TRACE(apk.filename().string());
    std::string out;
    test::run("aapt dump badging '" + apk.string() + "' 2>/dev/null", &out);
    std::smatch m;
    static const std::regex kLabel("\napplication-label:'([^'\n]*)'");
    if (!std::regex_search(out, m, kLabel)) continue;  // no label at all
    std::string bytes = test::read_file(apk);
    auto doc = axml::parse(member(bytes, "AndroidManifest.xml"));
    ASSERT_TRUE(doc.ok());
    const axml::Attribute* label = label_attr(*doc);
    ASSERT_NE(label, nullptr);
    std::string mine = label->value;
    if (label->typed.is_reference()) {
      auto table = arsc::ResourceTable::parse(member(bytes, "resources.arsc"));
      ASSERT_TRUE(table.ok()) << table.error().message;
      auto v = table->resolve(label->typed.data);
      ASSERT_TRUE(v.has_value()) << std::hex << label->typed.data;
      mine = v->text();
      auto name = table->name(label->typed.data);
      ASSERT_TRUE(name.has_value());
      EXPECT_TRUE(name->starts_with("@string/")) << *name;
      EXPECT_GT(table->entry_count(), 0u);
    }
    EXPECT_EQ(mine, m[1].str());
    ++compared;
  }
  EXPECT_GE(compared, 8);
}

TEST(Arsc, HostileTablesNeverCrash) {
  ASSAY_REQUIRE_CORPUS();
  std::string bytes = test::read_file(test::corpus_dir() / "apk" / "com.politedroid_4.apk");
  auto base = member(bytes, "resources.arsc");
  ASSERT_FALSE(base.empty());
  auto probe = [](const std::vector<std::uint8_t>& d) {
    auto t = arsc::ResourceTable::parse(d);
    if (!t) return;
    for (std::uint32_t type = 1; type < 8; ++type)
      for (std::uint32_t e = 0; e < 8; ++e) {
        std::uint32_t id = 0x7f000000 | (type << 16) | e;
        (void)t->resolve(id);
        (void)t->name(id);
      }
  };
  for (std::size_t n = 0; n < base.size(); n += 5) probe(std::vector<std::uint8_t>(base.begin(), base.begin() + static_cast<long>(n)));
  for (std::size_t i = 0; i < base.size(); i += 2) {
    auto f = base;
    f[i] ^= 0xA5;
    probe(f);
  }
  EXPECT_FALSE(arsc::ResourceTable::parse(std::vector<std::uint8_t>{1, 2, 3}).ok());
}

TEST(Arsc, ReferenceLoopsEnd) {
  // A table is not needed to check the bound: an unknown id resolves to nothing.
  arsc::ResourceTable empty;
  EXPECT_FALSE(empty.resolve(0x7f010000).has_value());
  EXPECT_FALSE(empty.name(0x7f010000).has_value());
}

}  // namespace
}  // namespace assay
