// Zip-family classification from central directory names: zips built with the zip CLI for every
// rule, the corpus APKs and IPA, prefixed and truncated zips, and non-zips. The directory reader
// is checked against `unzip -Z1` on the corpus.
#include <algorithm>
#include <sstream>

#include "formats/zip/zip_classify.hpp"
#include "support/test_support.hpp"

namespace assay::zip {
namespace {

using test::read_file;
using test::run;
using test::TempDir;
using test::write_file;

// Builds a zip holding `members` (empty files or directories when the name ends with '/').
std::string build_zip(const std::vector<std::string>& members) {
  TempDir dir;
  std::string list;
  for (const auto& m : members) {
    if (m.back() == '/') {
      std::filesystem::create_directories(dir / "t" / m);
    } else {
      write_file(dir / "t" / m, "x");
    }
    list += " '" + m + "'";
  }
  EXPECT_EQ(run("cd '" + dir.str() + "/t' && zip -q ../z.zip" + list), 0);
  return read_file(dir / "z.zip");
}

Kind classify(const std::string& s) { return classify_zip(as_bytes(s)); }

TEST(ZipClassify, EveryRule) {
  ASSAY_REQUIRE_TOOL("zip");
  EXPECT_EQ(classify(build_zip({"AndroidManifest.xml", "classes.dex", "res/a.png"})),
            Kind::kAndroidApk);
  EXPECT_EQ(classify(build_zip({"AndroidManifest.xml", "resources.arsc"})), Kind::kAndroidApk);
  EXPECT_EQ(classify(build_zip({"AndroidManifest.xml", "classes2.dex"})), Kind::kAndroidApk);
  EXPECT_EQ(classify(build_zip({"base/manifest/AndroidManifest.xml", "BundleConfig.pb",
                                "base/dex/classes.dex"})),
            Kind::kAndroidAab);
  EXPECT_EQ(classify(build_zip({"manifest.json", "com.example.apk", "icon.png"})),
            Kind::kAndroidXapk);
  EXPECT_EQ(classify(build_zip({"base.apk", "split_config.arm64_v8a.apk"})), Kind::kAndroidXapk);
  EXPECT_EQ(classify(build_zip({"Payload/", "Payload/App.app/", "Payload/App.app/Info.plist"})),
            Kind::kIosIpa);
  EXPECT_EQ(classify(build_zip({"AndroidManifest.xml", "classes.jar", "R.txt"})), Kind::kAar);
  EXPECT_EQ(classify(build_zip({"META-INF/MANIFEST.MF", "lib/x.txt"})), Kind::kJar);
  EXPECT_EQ(classify(build_zip({"com/example/Main.class"})), Kind::kJar);
  EXPECT_EQ(classify(build_zip({"readme.txt", "one.apk"})), Kind::kZip);
  EXPECT_EQ(classify(build_zip({"assets/AndroidManifest.xml", "classes.dex"})), Kind::kZip);
  EXPECT_EQ(classify(build_zip({"Payload/readme.txt"})), Kind::kZip);
}

TEST(ZipClassify, NotAZip) {
  EXPECT_EQ(classify(""), Kind::kUnknown);
  EXPECT_EQ(classify("PK"), Kind::kUnknown);
  EXPECT_EQ(classify(std::string(100000, 'A')), Kind::kUnknown);
  EXPECT_EQ(classify("\x7f" "ELF......................................"), Kind::kUnknown);
}

TEST(ZipClassify, PrefixedTruncatedAndCommentedZips) {
  ASSAY_REQUIRE_TOOL("zip");
  std::string apk = build_zip({"AndroidManifest.xml", "classes.dex"});
  // A stub before the zip (self-extractor) without offset adjustment.
  EXPECT_EQ(classify(std::string(5000, '\x90') + apk), Kind::kAndroidApk);
  // No directory at all: the local headers still name the members.
  std::size_t cd = apk.find("PK\x01\x02");
  ASSERT_NE(cd, std::string::npos);
  EXPECT_EQ(classify(apk.substr(0, cd)), Kind::kAndroidApk);
  // An archive comment after the EOCD.
  TempDir dir;
  write_file(dir / "z.zip", apk);
  ASSERT_EQ(run("cd '" + dir.str() + "' && echo 'a comment' | zip -q -z z.zip"), 0);
  EXPECT_EQ(classify(read_file(dir / "z.zip")), Kind::kAndroidApk);
}

TEST(ZipClassify, Zip64) {
  ASSAY_REQUIRE_TOOL("zip");
  TempDir dir;
  write_file(dir / "AndroidManifest.xml", "m");
  write_file(dir / "classes.dex", "d");
  // zip writes Zip64 records when the output is a pipe (sizes unknown in advance).
  ASSERT_EQ(run("cd '" + dir.str() + "' && zip -q -fz - AndroidManifest.xml classes.dex > z.zip"),
            0);
  std::string z = read_file(dir / "z.zip");
  auto eocd = find_eocd(as_bytes(z));
  ASSERT_TRUE(eocd.ok());
  EXPECT_TRUE(eocd->zip64);
  EXPECT_EQ(classify(z), Kind::kAndroidApk);
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

TEST(ZipClassify, CorpusApksAndIpaAndTheirDirectoriesMatchUnzip) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("unzip");
  int seen = 0;
  for (const char* sub : {"apk", "ipa"}) {
    auto d = test::corpus_dir() / sub;
    if (!std::filesystem::is_directory(d)) continue;
    for (const auto& e : std::filesystem::directory_iterator(d)) {
      SCOPED_TRACE(e.path().filename().string());
      std::string bytes = read_file(e.path());
      EXPECT_EQ(classify(bytes), std::string(sub) == "apk" ? Kind::kAndroidApk : Kind::kIosIpa);
      auto eocd = find_eocd(as_bytes(bytes));
      ASSERT_TRUE(eocd.ok());
      bool complete = false;
      auto entries = read_central_directory(as_bytes(bytes), *eocd, kMaxCentralEntries, &complete);
      EXPECT_TRUE(complete);
      std::string listing;
      ASSERT_EQ(run("unzip -Z1 '" + e.path().string() + "'", &listing), 0);
      std::vector<std::string> names;
      for (const auto& ce : entries) names.push_back(ce.name);
      EXPECT_EQ(names, lines(listing));  // same order too: both walk the directory
      ++seen;
    }
  }
  EXPECT_GT(seen, 0);
}

}  // namespace
}  // namespace assay::zip
