// The real corpus (../shared/corpus): every firmware image unpacks to its root file system, and
// the unpacked trees agree with the trusted tools (cpio, tar, unzip, binwalk) as oracles.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "assay/scan.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;
using test::run;

Assessment scan_corpus(const std::string& rel) {
  ScanOptions o;
  o.jobs = 2;
  auto r = scan((test::corpus_dir() / rel).string(), o);
  EXPECT_TRUE(r.ok()) << rel << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : Assessment{};
}

// Member paths (after the last "!/") of the nodes under the container whose path ends with `container`.
std::set<std::string> members_under(const Assessment& a, const std::string& container) {
  std::set<std::string> out;
  for (const auto& n : a.tree) {
    auto pos = n.path.find(container + "!/");
    if (pos == std::string::npos) continue;
    std::string rest = n.path.substr(pos + container.size() + 2);
    if (rest.find("!/") != std::string::npos) continue;
    out.insert(rest);
  }
  return out;
}

bool has_path_suffix(const Assessment& a, const std::string& suffix, const char* type = "file") {
  for (const auto& n : a.tree)
    if (n.type == type && n.path.size() >= suffix.size() &&
        n.path.compare(n.path.size() - suffix.size(), suffix.size(), suffix) == 0)
      return true;
  return false;
}

std::set<std::string> lines_of(const std::string& s) {
  std::set<std::string> out;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line)) {
    while (line.rfind("./", 0) == 0) line = line.substr(2);
    while (!line.empty() && line.back() == '/') line.pop_back();
    if (!line.empty() && line != ".") out.insert(line);
  }
  return out;
}

TEST(Corpus, KirkwoodInitrdHoldsExactlyTheCpioMembers) {
  ASSAY_REQUIRE_CORPUS();
  const std::string rel = "firmware/debian-kirkwood-sheevaplug/uInitrd";
  std::string listing;
  ASSERT_EQ(run("dd if='" + (test::corpus_dir() / rel).string() +
                    "' bs=64 skip=1 status=none | gunzip | cpio -t --quiet 2>/dev/null",
                &listing), 0);
  std::set<std::string> expected = lines_of(listing);
  ASSERT_GT(expected.size(), 500u);
  Assessment a = scan_corpus(rel);
  // The cpio archive is the gzip payload's decompressed child.
  std::string cpio_path;
  for (const auto& n : a.tree)
    if (n.kind == Kind::kCpio) cpio_path = n.path;
  ASSERT_FALSE(cpio_path.empty());
  std::set<std::string> got = members_under(a, cpio_path);
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(), std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  EXPECT_TRUE(missing.empty()) << missing.size() << " missing, first: " << (missing.empty() ? "" : missing[0]);
  EXPECT_TRUE(extra.empty()) << extra.size() << " extra, first: " << (extra.empty() ? "" : extra[0]);
}

TEST(Corpus, KirkwoodKernelImageIsOpened) {
  ASSAY_REQUIRE_CORPUS();
  Assessment a = scan_corpus("firmware/debian-kirkwood-sheevaplug/uImage");
  EXPECT_EQ(a.subject.kind, Kind::kUImage);
  EXPECT_GE(a.tree.size(), 2u);
}

TEST(Corpus, DvarRootfsTarballsMatchTar) {
  ASSAY_REQUIRE_CORPUS();
  for (std::string rel : {"firmware/DV-ARM-rootfs-arm.tar.bz2", "firmware/DV-MIPSEL-rootfs-mipsel.tar.bz2"}) {
    std::string listing;
    ASSERT_EQ(run("tar -tjf '" + (test::corpus_dir() / rel).string() + "'", &listing), 0);
    std::set<std::string> expected = lines_of(listing);
    Assessment a = scan_corpus(rel);
    std::string tar_path;
    for (const auto& n : a.tree)
      if (n.kind == Kind::kTar) tar_path = n.path;
    ASSERT_FALSE(tar_path.empty()) << rel;
    std::set<std::string> got = members_under(a, tar_path);
    EXPECT_EQ(got, expected) << rel;
    EXPECT_EQ(a.product_kind, "linux-rootfs") << rel;
    EXPECT_TRUE(has_path_suffix(a, "/etc/shadow")) << rel;
    EXPECT_TRUE(has_path_suffix(a, "/etc/rc.local")) << rel;
  }
}

TEST(Corpus, BroadcomSquashfs2YieldsEtcAndBin) {
  ASSAY_REQUIRE_CORPUS();
  Assessment a = scan_corpus("firmware/squashfs_v2_broadcom_adsl.bin");
  EXPECT_EQ(a.subject.kind, Kind::kSquashfs);
  EXPECT_TRUE(has_path_suffix(a, "!/etc/rsa_host_key"));
  EXPECT_TRUE(has_path_suffix(a, "!/bin/busybox"));
  EXPECT_TRUE(has_path_suffix(a, "!/etc", "directory"));
  EXPECT_TRUE(has_path_suffix(a, "!/bin", "directory"));
  EXPECT_EQ(a.product_kind, "firmware-image");
}

// Everything binwalk -Me recovers from the D-Link image must be recovered by Assay with the same
// content. binwalk writes, for each LZMA hit at offset X, the decompression of everything from X to
// the end of the image (its 7z call runs on through the following streams); Assay carves each stream
// exactly. So binwalk's file for X must equal the concatenation of Assay's decompressed streams at
// offsets >= X, in order.
TEST(Corpus, Dir612YieldsEverythingBinwalkYields) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("binwalk");
  test::TempDir t;
  const std::string img = (test::corpus_dir() / "firmware/DIR-612_B1_FW214TCb01.img").string();
  ASSERT_EQ(run("cd '" + t.str() + "' && binwalk -q -Me --run-as=root -C bw '" + img + "' >/dev/null 2>&1; true"), 0);
  ASSERT_EQ(run(test::assay_cli() + " extract -q '" + img + "' -o '" + (t / "assay").string() + "' 2>/dev/null"), 0);
  std::map<std::uint64_t, std::string> ours;  // offset -> decompressed bytes
  for (const auto& e : fs::directory_iterator(t / "assay")) {
    std::string name = e.path().filename().string();
    if (name.rfind("lzma@0x", 0) != 0 || name.find(".extracted") == std::string::npos) continue;
    std::uint64_t off = std::stoull(name.substr(7), nullptr, 16);
    ours[off] = test::read_file(e.path() / "decompressed");
  }
  ASSERT_GE(ours.size(), 23u);
  std::size_t compared = 0;
  for (const auto& e : fs::recursive_directory_iterator(t / "bw")) {
    if (!e.is_regular_file() || e.path().has_extension()) continue;  // skip the raw *.7z carvings
    std::uint64_t off = std::stoull(e.path().filename().string(), nullptr, 16);
    std::string expected = test::read_file(e.path());
    std::string concat;
    for (auto it = ours.lower_bound(off); it != ours.end() && concat.size() < expected.size(); ++it)
      concat += it->second;
    EXPECT_EQ(concat.size(), expected.size()) << "binwalk file " << e.path().filename();
    EXPECT_TRUE(concat == expected) << "binwalk file " << e.path().filename();
    ++compared;
  }
  EXPECT_GE(compared, 23u);
}

TEST(Corpus, EveryArtifactScansWithoutError) {
  ASSAY_REQUIRE_CORPUS();
  for (const auto& e : fs::recursive_directory_iterator(test::corpus_dir())) {
    if (!e.is_regular_file() || e.path().filename() == "MANIFEST.json") continue;
    std::string rel = fs::relative(e.path(), test::corpus_dir()).string();
    if (rel.rfind("data/", 0) == 0) continue;
    Assessment a = scan_corpus(rel);
    EXPECT_GT(a.tree.size(), 0u) << rel;
  }
}

TEST(Corpus, ApkMembersMatchUnzip) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("unzip");
  for (const auto& e : fs::directory_iterator(test::corpus_dir() / "apk")) {
    std::string listing;
    ASSERT_EQ(run("unzip -Z1 '" + e.path().string() + "' | grep -v '/$'", &listing), 0);
    std::set<std::string> expected = lines_of(listing);
    ScanOptions o;
    o.analyze = false;
    auto r = scan(e.path().string(), o);
    ASSERT_TRUE(r.ok());
    std::set<std::string> got;
    const std::string root = r->tree.empty() ? "" : e.path().filename().string();
    for (const auto& n : r->tree) {
      if (n.depth != 1 || n.type != "file") continue;
      got.insert(n.path.substr(root.size() + 2));
    }
    EXPECT_EQ(got, expected) << e.path().filename();
  }
}

}  // namespace
}  // namespace assay
