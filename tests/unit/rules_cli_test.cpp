// `assay rules list|show`, and the guard for every engineer: every rule id a scan of the corpus
// emits is documented in rules/ (so `rules show` and the policies can find it), and ids are unique.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <filesystem>
#include <set>
#include <string>

#include "support/test_support.hpp"

namespace assay {
namespace {

using nlohmann::json;

json rules_list() {
  std::string out;
  int rc = test::run(std::string(ASSAY_CLI) + " rules list --format json", &out);
  EXPECT_EQ(rc, 0) << "a rule file does not load (see stderr of `assay rules list`)";
  auto j = json::parse(out, nullptr, false);
  EXPECT_TRUE(j.is_array());
  return j.is_array() ? j : json::array();
}

TEST(RulesCli, ListHasUniqueDocumentedIds) {
  json list = rules_list();
  EXPECT_GE(list.size(), 30u);
  std::set<std::string> ids;
  for (const auto& r : list) {
    std::string id = r["id"];
    EXPECT_TRUE(ids.insert(id).second) << "duplicate rule id " << id << " (" << r["source"] << ")";
    EXPECT_NE(id.find('.'), std::string::npos) << "rule ids are dotted: " << id;
    EXPECT_FALSE(r["category"].get<std::string>().empty()) << id;
    EXPECT_FALSE(r["severity"].get<std::string>().empty()) << id;
    EXPECT_FALSE(r["title"].get<std::string>().empty()) << id;
  }
  EXPECT_TRUE(ids.count("keys.private-key"));
  EXPECT_TRUE(ids.count("secrets.github-token"));
}

TEST(RulesCli, TextListAndCategoryFilter) {
  std::string out;
  ASSERT_EQ(test::run(std::string(ASSAY_CLI) + " rules list --category backdoor", &out), 0);
  EXPECT_NE(out.find("backdoor.dlink-user-agent"), std::string::npos);
  EXPECT_EQ(out.find("secrets.github-token"), std::string::npos);  // category crypto
  EXPECT_NE(out.find("rule(s) from"), std::string::npos);
}

TEST(RulesCli, ShowPrintsEveryField) {
  std::string out;
  ASSERT_EQ(test::run(std::string(ASSAY_CLI) + " rules show secrets.github-token", &out), 0);
  for (const char* f : {"id: secrets.github-token", "category: crypto", "severity: high", "rationale:", "remediation:",
                        "references:", "cwe:", "patterns:", "validate: github_token", "validator github_token:",
                        "source: rules/patterns/secrets.yaml"})
    EXPECT_NE(out.find(f), std::string::npos) << f << "\n" << out;
  EXPECT_EQ(test::run(std::string(ASSAY_CLI) + " rules show no.such-rule 2>/dev/null"), 3);
  ASSERT_EQ(test::run(std::string(ASSAY_CLI) + " rules show keys.private-key --format json", &out), 0);
  auto j = json::parse(out, nullptr, false);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["severity"], "high");
}

// Every finding rule id emitted on the corpus firmware and binaries is documented. Rule ids made
// from user input (yara.<rule>) are the one exception.
TEST(RulesCli, EveryEmittedRuleIdIsDocumented) {
  ASSAY_REQUIRE_CORPUS();
  std::set<std::string> documented;
  for (const auto& r : rules_list()) documented.insert(r["id"].get<std::string>());
  // One artifact per analyzer family (firmware tree, raw image, package, bare binary), scanned in
  // parallel to stay fast.
  const char* artifacts[] = {"firmware/squashfs_v2_broadcom_adsl.bin", "firmware/DV-MIPSEL-rootfs-mipsel.tar.bz2",
                             "firmware/DIR-612_B1_FW214TCb01.img",
                             "deb/debian-dropbear-bin_2022.83-1+deb12u3_amd64.deb", "elf/dir615a-busybox"};
  test::TempDir out_dir;
  std::string cmd;
  for (std::size_t i = 0; i < std::size(artifacts); ++i)
    cmd += std::string(ASSAY_CLI) + " scan -q -j 1 --format json -o " + (out_dir / std::to_string(i)).string() + " '" +
           (test::corpus_dir() / artifacts[i]).string() + "' & ";
  test::run(cmd + "wait");
  std::set<std::string> undocumented;
  for (std::size_t i = 0; i < std::size(artifacts); ++i) {
    auto j = json::parse(test::read_file(out_dir / std::to_string(i)), nullptr, false);
    ASSERT_TRUE(j.is_object()) << artifacts[i];
    for (const auto& f : j["findings"]) {
      std::string id = f["rule_id"];
      if (!id.starts_with("yara.") && !documented.count(id)) undocumented.insert(id + " (" + artifacts[i] + ")");
    }
  }
  std::string list;
  for (const auto& u : undocumented) list += "\n  " + u;
  EXPECT_TRUE(undocumented.empty()) << "finding rule ids missing from rules/*.yaml:" << list;
}

// The compiled-database cache through the CLI: written under $XDG_CACHE_HOME/assay on the first
// run, loaded on the second (same matches), never touched with ASSAY_NO_CACHE=1.
TEST(RulesCli, PatternDatabaseCacheFollowsTheEnvironment) {
  test::TempDir d;
  test::write_file(d / "conf.sh", "wget -q --no-check-certificate https://h/x\nxmlset_roodkcableoj28840ybtide\n");
  const std::string match = std::string(ASSAY_CLI) + " rules match '" + (d / "conf.sh").string() + "'";
  std::string off_out;
  ASSERT_EQ(test::run("XDG_CACHE_HOME='" + (d / "off").string() + "' ASSAY_NO_CACHE=1 " + match, &off_out), 0);
  EXPECT_FALSE(std::filesystem::exists(d / "off"));
  const std::string env = "XDG_CACHE_HOME='" + (d / "xdg").string() + "' ";
  std::string cold, warm;
  ASSERT_EQ(test::run(env + match, &cold), 0);
  std::size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(d / "xdg" / "assay"))
    entries += e.path().filename().string().starts_with("patterns-") ? 1 : 0;
  EXPECT_EQ(entries, 1u);
  ASSERT_EQ(test::run(env + match, &warm), 0);
  EXPECT_EQ(cold, warm);
  EXPECT_EQ(cold, off_out);
  EXPECT_NE(cold.find("crypto.tls-verify-disabled.wget"), std::string::npos) << cold;
  EXPECT_NE(cold.find("backdoor.dlink-user-agent"), std::string::npos) << cold;
}

}  // namespace
}  // namespace assay
