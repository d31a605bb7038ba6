// The binary analyzer wired into scans: facts for every executable, mitigation findings by
// context, and the checksec-style `assay hardening` command.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "assay/scan.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

Assessment scan_path(const std::string& p) {
  ScanOptions o;
  o.jobs = 2;
  auto r = scan(p, o);
  EXPECT_TRUE(r.ok());
  return r.ok() ? std::move(r).value() : Assessment{};
}

std::size_t count_rule(const Assessment& a, const std::string& rule) {
  std::size_t n = 0;
  for (const auto& f : a.findings) n += f.rule_id == rule;
  return n;
}

TEST(BinaryAnalyzer, ExecutableStackTwins) {
  ASSAY_REQUIRE_CORPUS();
  Assessment rwx = scan_path((test::corpus_dir() / "elf/dvar-miniweb").string());
  Assessment nx = scan_path((test::corpus_dir() / "elf/dvar-miniweb-nx").string());
  EXPECT_EQ(count_rule(rwx, "hardening.elf.executable-stack"), 1u);
  EXPECT_EQ(count_rule(nx, "hardening.elf.executable-stack"), 0u);
  EXPECT_EQ(count_rule(rwx, "hardening.elf.no-pie"), 1u);
  // miniweb listens on a socket: a network-facing executable, so missing NX/PIE is high.
  for (const auto& f : rwx.findings)
    if (f.rule_id == "hardening.elf.executable-stack") {
      EXPECT_EQ(f.severity, Severity::kHigh);
    }
  EXPECT_EQ(rwx.verdict.result, VerdictResult::kFail);
  bool fact = false;
  for (const auto& f : rwx.facts)
    if (f.type == "binary.elf") {
      fact = true;
      EXPECT_EQ(f.data["machine"], "ARM");
      EXPECT_EQ(f.data["type"], "EXEC");
      EXPECT_EQ(f.data["interpreter"], "/lib/ld-uClibc.so.0");
      EXPECT_EQ(f.data["role"], "network-facing executable");
    }
  EXPECT_TRUE(fact);
}

TEST(BinaryAnalyzer, HardenedDebianPackagePasses) {
  ASSAY_REQUIRE_CORPUS();
  Assessment a = scan_path((test::corpus_dir() / "deb/debian-dropbear-bin_2022.83-1+deb12u3_amd64.deb").string());
  std::size_t elves = 0;
  for (const auto& f : a.facts) elves += f.type == "binary.elf";
  EXPECT_GE(elves, 3u);
  EXPECT_EQ(a.verdict.result, VerdictResult::kPass);
}

TEST(BinaryAnalyzer, RouterRootfsFailsOnItsNetworkDaemons) {
  ASSAY_REQUIRE_CORPUS();
  Assessment a = scan_path((test::corpus_dir() / "firmware/DV-ARM-rootfs-arm.tar.bz2").string());
  bool miniweb = false;
  for (const auto& f : a.findings)
    if (f.rule_id == "hardening.elf.executable-stack" && !f.evidence.empty() &&
        f.evidence[0].path.ends_with("usr/bin/miniweb"))
      miniweb = true;
  EXPECT_TRUE(miniweb);
  EXPECT_EQ(a.verdict.result, VerdictResult::kFail);
}

TEST(Cli, HardeningTableLikeChecksec) {
  ASSAY_REQUIRE_CORPUS();
  std::string out;
  ASSERT_EQ(test::run(test::assay_cli() + " hardening -q '" + (test::corpus_dir() / "elf").string() + "' /usr/bin/ls",
                      &out), 0);
  EXPECT_NE(out.find("RELRO"), std::string::npos);
  EXPECT_NE(out.find("elf/dvar-miniweb-nx"), std::string::npos);
  std::string json;
  ASSERT_EQ(test::run(test::assay_cli() + " hardening -q --format json /usr/bin/ls", &json), 0);
  auto j = nlohmann::json::parse(json);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["data"]["hardening"]["nx"], true);
  EXPECT_EQ(j[0]["data"]["hardening"]["pie"], "yes");
}

}  // namespace
}  // namespace assay
