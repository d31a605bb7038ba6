// The YARA bridge: user rules compiled with libyara, matched over every node, meta mapped to
// category and severity, and compile errors reported with file and line. `yara` itself is the
// oracle for what matches.
#include <gtest/gtest.h>

#include <string>

#include "assay/scan.hpp"
#include "rules/yara_bridge.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;

Result<Assessment> scan_with_yara(const std::string& p, std::vector<std::string> yara) {
  ScanOptions o;
  o.jobs = 2;
  o.config.yara_paths = std::move(yara);
  return scan(p, o);
}

constexpr const char* kRules = R"(
rule planted_marker : backdoor demo {
  meta:
    category = "backdoor"
    severity = "critical"
    title = "Planted marker string"
    reference = "https://example.invalid/advisory"
  strings:
    $a = "PLANTED-MARKER-0042"
    $b = { DE AD BE EF 13 37 }
  condition:
    $a and $b
}
rule no_meta {
  strings:
    $x = "plain-indicator"
  condition:
    $x
}
)";

TEST(Yara, GeneratedRuleMatchesWithMeta) {
  test::TempDir dir;
  fs::create_directories(dir / "tree/usr/bin");
  fs::create_directories(dir / "rules");
  test::write_file(dir / "rules/demo.yar", kRules);
  std::string blob(100, '\0');
  blob += "PLANTED-MARKER-0042";
  blob += std::string(50, '\0');
  blob += "\xDE\xAD\xBE\xEF\x13\x37";
  test::write_file(dir / "tree/usr/bin/daemon", blob);
  test::write_file(dir / "tree/usr/bin/other", "a plain-indicator here\n");
  test::write_file(dir / "tree/usr/bin/clean", "nothing to see\n");
  auto r = scan_with_yara((dir / "tree").string(), {(dir / "rules").string()});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Finding* planted = nullptr;
  const Finding* plain = nullptr;
  std::size_t total = 0;
  for (const auto& f : r->findings) {
    if (!f.rule_id.starts_with("yara.")) continue;
    ++total;
    if (f.rule_id == "yara.planted_marker") planted = &f;
    if (f.rule_id == "yara.no_meta") plain = &f;
  }
  EXPECT_EQ(total, 2u);
  ASSERT_NE(planted, nullptr);
  EXPECT_EQ(planted->category, Category::kBackdoor);
  EXPECT_EQ(planted->severity, Severity::kCritical);
  EXPECT_EQ(planted->title, "Planted marker string");
  EXPECT_TRUE(planted->evidence[0].path.ends_with("usr/bin/daemon"));
  EXPECT_EQ(planted->evidence[0].offset, 100u);
  EXPECT_NE(planted->evidence[0].excerpt.find("$b at 0x"), std::string::npos);
  EXPECT_EQ(planted->references.size(), 1u);
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->category, Category::kIntegrity);  // no meta: integrity / medium
  EXPECT_EQ(plain->severity, Severity::kMedium);
  EXPECT_TRUE(plain->evidence[0].path.ends_with("usr/bin/other"));

  // The yara command agrees on which files match.
  if (test::have_tool("yara")) {
    std::string out;
    test::run("yara -r " + (dir / "rules/demo.yar").string() + " " + (dir / "tree").string(), &out);
    EXPECT_NE(out.find("planted_marker"), std::string::npos);
    EXPECT_NE(out.find("no_meta"), std::string::npos);
    EXPECT_EQ(out.find("clean"), std::string::npos);
  }
}

TEST(Yara, SyntaxErrorIsAClearError) {
  test::TempDir dir;
  test::write_file(dir / "bad.yar", "rule ok { condition: true }\nrule broken {\n  strings: $a = \"x\"\n  condition: $a and\n}\n");
  auto c = rules::YaraRules::compile({(dir / "bad.yar").string()});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Errc::kMalformed);
  EXPECT_NE(c.error().message.find("bad.yar:5"), std::string::npos) << c.error().message;
  // In a scan: one coverage finding naming the file and line, and the scan goes on.
  test::write_file(dir / "tree/a.txt", "hello\n");
  auto r = scan_with_yara((dir / "tree").string(), {(dir / "bad.yar").string()});
  ASSERT_TRUE(r.ok());
  std::size_t n = 0;
  for (const auto& f : r->findings)
    if (f.rule_id == "coverage.yara-error") {
      ++n;
      EXPECT_TRUE(f.evidence[0].path.ends_with("bad.yar")) << f.evidence[0].path;
      EXPECT_EQ(f.evidence[0].line, 5u);
    }
  EXPECT_EQ(n, 1u);
  auto missing = rules::YaraRules::compile({(dir / "nope.yar").string()});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kUsage);
}

TEST(Yara, ThreadsShareCompiledRules) {
  auto c = rules::YaraRules::compile_string("rule r { strings: $a = \"needle\" condition: $a }");
  ASSERT_TRUE(c.ok());
  const rules::YaraRules& y = **c;
  std::string data = std::string(4096, 'x') + "needle";
  std::vector<std::thread> ts;
  std::atomic<int> matched{0};
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto m = y.scan(ByteView(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
        if (m.ok() && m->size() == 1) ++matched;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(matched.load(), 200);
}

}  // namespace
}  // namespace assay
