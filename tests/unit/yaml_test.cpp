// The YAML tree (src/yaml): yaml-cpp's reading of every embedded file survives flattening and the
// build's serialized form; conversions behave as yaml-cpp's; hostile documents are bounded.

#include <yaml-cpp/yaml.h>

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "core/embedded.hpp"
#include "yaml/node.hpp"

namespace assay {
namespace {

// Structural equality with yaml-cpp's own tree: type, scalar text, tag, position, order.
void expect_same(const YAML::Node& want, const yaml::Node& got, const std::string& where) {
  ASSERT_EQ(static_cast<int>(want.Type()), static_cast<int>(got.Type())) << where;
  EXPECT_EQ(want.Tag(), got.Tag()) << where;
  EXPECT_EQ(want.Mark().line, got.Mark().line) << where;
  EXPECT_EQ(want.Mark().column, got.Mark().column) << where;
  if (want.IsScalar()) {
    EXPECT_EQ(want.Scalar(), got.Scalar()) << where;
  } else if (want.IsSequence()) {
    ASSERT_EQ(want.size(), got.size()) << where;
    for (std::size_t i = 0; i < want.size(); ++i) expect_same(want[i], got[i], where + "/" + std::to_string(i));
  } else if (want.IsMap()) {
    ASSERT_EQ(want.size(), got.size()) << where;
    auto g = got.begin();
    for (const auto& kv : want) {
      auto entry = *g;
      expect_same(kv.first, entry.first, where + "/key");
      expect_same(kv.second, entry.second, where + "/" + kv.first.as<std::string>(""));
      ++g;
    }
  }
}

TEST(Yaml, EveryEmbeddedFileReadsBackAsYamlCppParsesIt) {
  int yaml_files = 0;
  for (const auto& f : embedded_files()) {
    if (!f.path.ends_with(".yaml") && !f.path.ends_with(".yml")) continue;
    ++yaml_files;
    YAML::Node want = YAML::Load(std::string(f.data));
    // load_yaml of the embedded text takes the build's serialized tree; parse() the live path.
    expect_same(want, load_yaml(f.data), std::string(f.path));
    expect_same(want, yaml::parse(f.data), std::string(f.path) + " (parsed)");
  }
  EXPECT_GT(yaml_files, 20);
  EXPECT_EQ(static_cast<std::size_t>(yaml_files), embedded_yaml_binaries().size());
}

TEST(Yaml, EditedCopyOfAnEmbeddedFileIsParsedNotServedFromTheBuild) {
  auto text = embedded_file("rules/privacy.yaml");
  ASSERT_TRUE(text);
  std::string edited = std::string(*text) + "\nextra_key_for_test: 1\n";
  EXPECT_EQ(load_yaml(edited)["extra_key_for_test"].as<int>(), 1);
  EXPECT_FALSE(load_yaml(*text)["extra_key_for_test"].IsDefined());
}

TEST(Yaml, ConversionsFollowYamlCpp) {
  auto doc = yaml::parse(
      "s: text\nq: \"quoted\"\nn: ~\nempty:\nb1: yes\nb2: Off\nb3: TRUE\nbad_bool: maybe\n"
      "i: -42\nhex: 0x1F\noct: 017\nbig: 99999999999\nneg: -1\nf: 2.5\ninf: -.inf\nlist: [a, b]\n");
  EXPECT_EQ(doc["s"].as<std::string>(), "text");
  EXPECT_EQ(doc["s"].Tag(), "?");
  EXPECT_EQ(doc["q"].Tag(), "!");
  EXPECT_TRUE(doc["n"].IsNull());
  EXPECT_EQ(doc["n"].as<std::string>(), "null");  // as yaml-cpp
  EXPECT_TRUE(doc["empty"].IsNull());
  EXPECT_TRUE(doc["b1"].as<bool>());
  EXPECT_FALSE(doc["b2"].as<bool>());
  EXPECT_TRUE(doc["b3"].as<bool>());
  EXPECT_THROW(doc["bad_bool"].as<bool>(), yaml::Exception);
  EXPECT_EQ(doc["i"].as<int>(), -42);
  EXPECT_EQ(doc["hex"].as<int>(), 31);
  EXPECT_EQ(doc["oct"].as<int>(), 15);
  EXPECT_THROW(doc["big"].as<int>(), yaml::Exception);
  EXPECT_EQ(doc["big"].as<std::int64_t>(), 99999999999);
  EXPECT_THROW(doc["neg"].as<unsigned>(), yaml::Exception);
  EXPECT_EQ(doc["neg"].as<unsigned>(7u), 7u);
  EXPECT_DOUBLE_EQ(doc["f"].as<double>(), 2.5);
  EXPECT_TRUE(std::isinf(doc["inf"].as<double>()));
  EXPECT_THROW(doc["list"].as<std::string>(), yaml::Exception);
  EXPECT_EQ(doc["list"][1].as<std::string>(), "b");
  EXPECT_FALSE(doc["list"][2].IsDefined());
  EXPECT_EQ(doc.size(), 16u);
}

TEST(Yaml, MissingKeysAreUndefinedAndNameThemselvesWhenConverted) {
  auto doc = yaml::parse("a: {b: 1}\n");
  yaml::Node missing = doc["a"]["nope"];
  EXPECT_FALSE(missing);
  EXPECT_EQ(missing.Type(), yaml::NodeType::Undefined);
  EXPECT_FALSE(missing.IsNull());
  EXPECT_EQ(missing.size(), 0u);
  EXPECT_EQ(missing.begin(), missing.end());
  try {
    (void)missing.as<std::string>();
    FAIL() << "no exception";
  } catch (const yaml::Exception& e) {
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos) << e.what();
  }
  EXPECT_EQ(doc["a"]["nope"].as<std::string>("dflt"), "dflt");
}

TEST(Yaml, MarksAndErrorsCarryLines) {
  auto doc = yaml::parse("a: 1\nb:\n  - x\n  - y\n");
  EXPECT_EQ(doc["b"][1].Mark().line, 3);
  EXPECT_EQ(doc["b"][1].Mark().column, 4);
  try {
    yaml::parse("a: [1\nb: 2\n");
    FAIL() << "no exception";
  } catch (const yaml::Exception& e) {
    EXPECT_GE(e.mark.line, 0);
    EXPECT_NE(std::string(e.what()).find("line"), std::string::npos);
  }
  try {
    (void)doc["a"].as<bool>();
    FAIL() << "no exception";
  } catch (const yaml::Exception& e) {
    EXPECT_EQ(e.mark.line, 0);
  }
}

TEST(Yaml, IterationOverTemporariesAndEmptyLists) {
  int n = 0;
  for (const auto& e : yaml::parse("[1, 2, 3]")) n += e.as<int>();
  EXPECT_EQ(n, 6);
  std::string keys;
  for (const auto& kv : yaml::parse("{x: 1, y: 2}")) keys += kv.first.Scalar();
  EXPECT_EQ(keys, "xy");
  auto empty = yaml::make_empty(yaml::NodeType::Sequence);
  EXPECT_TRUE(empty.IsSequence());
  EXPECT_EQ(empty.begin(), empty.end());
}

TEST(Yaml, AliasExpansionIsBounded) {
  // "Billion laughs": each level doubles ten times; yaml-cpp shares the nodes, a flattening
  // copy would not, so the converter must stop.
  std::string doc = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    doc += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) doc += (k ? ", *a" : "*a") + std::to_string(i - 1);
    doc += "]\n";
  }
  EXPECT_THROW(yaml::parse(doc), yaml::Exception);
  // Ordinary aliases still work.
  auto ok = yaml::parse("base: &b {k: v}\nuse: *b\n");
  EXPECT_EQ(ok["use"]["k"].as<std::string>(), "v");
}

TEST(Yaml, DeepNestingIsAnErrorNotAStackOverflow) {
  std::string doc(5000, '[');
  doc += std::string(5000, ']');
  EXPECT_THROW(yaml::parse(doc), yaml::Exception);
}

TEST(Yaml, SerializedFormRoundTripsAndRejectsDamage) {
  auto doc = yaml::parse("rules:\n  - id: a.b\n    tags: [x, y]\n  - id: c.d\n");
  std::string bin = yaml::to_binary(doc);
  auto back = yaml::from_binary(bin);
  EXPECT_EQ(back["rules"][1]["id"].as<std::string>(), "c.d");
  EXPECT_EQ(back["rules"][0]["tags"].size(), 2u);
  EXPECT_THROW(yaml::from_binary(bin.substr(0, bin.size() - 1)), yaml::Exception);
  EXPECT_THROW(yaml::from_binary("AYML"), yaml::Exception);
  // Every single-byte change is either rejected or yields a tree that can be walked safely.
  std::function<void(const yaml::Node&, int)> walk = [&](const yaml::Node& n, int depth) {
    ASSERT_LT(depth, 64);
    (void)n.scalar_view();
    (void)n.Tag();
    for (const auto& e : n) {
      walk(e, depth + 1);
      walk(e.first, depth + 1);
      walk(e.second, depth + 1);
    }
  };
  for (std::size_t i = 0; i < bin.size(); ++i) {
    std::string bad = bin;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    try {
      walk(yaml::from_binary(bad), 0);
    } catch (const yaml::Exception&) {
    }
  }
}

}  // namespace
}  // namespace assay
