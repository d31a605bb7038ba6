// Archives through libarchive: fixtures made with zip, tar, cpio, ar, 7z and xorriso, and the
// corpus APKs and IPA compared with unzip (the oracle: `unzip -Z1` names, `unzip -p` contents).
#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>

#include "support/test_support.hpp"
#include "unpack/memory_sink.hpp"
#include "unpack/unpackers.hpp"

namespace assay::unpack {
namespace {

using test::read_file;
using test::run;
using test::TempDir;
using test::write_file;

struct Unpacked {
  Unpacked(Content parent, Limits limits) : sink(std::move(parent), limits) {}
  MemorySink sink;
  Status status;
};

std::unique_ptr<Unpacked> unpack(const std::string& bytes, Kind kind, Limits limits = {}) {
  Content parent = content_from(bytes);
  auto u = std::make_unique<Unpacked>(parent, limits);
  u->status = make_archive_unpacker()->open(UnpackInput{parent.view(), kind, "x"}, u->sink);
  return u;
}

bool has_diag(const MemorySink& s, std::string_view needle) {
  return std::any_of(s.diags.begin(), s.diags.end(),
                     [&](const auto& d) { return d.message.find(needle) != std::string::npos; });
}

std::string strip_slashes(std::string p) {
  if (p.rfind("./", 0) == 0) p = p.substr(2);
  while (!p.empty() && p.back() == '/') p.pop_back();
  return p;
}

// The fixture tree every archive format is built from.
void make_tree(const TempDir& dir) {
  write_file(dir / "src/hello.txt", "hello world\n");
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "row " + std::to_string(i) + "\n";
  write_file(dir / "src/sub/deep/big.txt", big);
  write_file(dir / "src/empty.txt", "");
  ASSERT_EQ(run("cd '" + dir.str() + "/src' && ln -s hello.txt link && chmod 0750 sub"), 0);
}

// Compares members with the fixture tree: files by content, symlinks by target, dirs by type.
void expect_tree(const MemorySink& s, const TempDir& dir, bool with_symlink = true) {
  std::map<std::string, const MemorySink::Member*> by;
  for (const auto& m : s.members) by[strip_slashes(m.meta.path)] = &m;
  ASSERT_TRUE(by.count("hello.txt"));
  EXPECT_EQ(by["hello.txt"]->data(), "hello world\n");
  ASSERT_TRUE(by.count("sub/deep/big.txt"));
  EXPECT_EQ(by["sub/deep/big.txt"]->data(), read_file(dir / "src/sub/deep/big.txt"));
  ASSERT_TRUE(by.count("empty.txt"));
  EXPECT_EQ(by["empty.txt"]->content.size, 0u);
  ASSERT_TRUE(by.count("sub"));
  EXPECT_EQ(by["sub"]->meta.type, EntryType::kDirectory);
  if (with_symlink) {
    ASSERT_TRUE(by.count("link"));
    EXPECT_EQ(by["link"]->meta.type, EntryType::kSymlink);
    EXPECT_EQ(by["link"]->meta.link_target, "hello.txt");
  }
}

struct Fixture {
  const char* tool;
  const char* cmd;  // run in src/, writes ../out
  Kind kind;
  bool symlink;
};

TEST(Archive, EveryFormatMatchesWhatTheToolPutIn) {
  const Fixture cases[] = {
      {"zip", "zip -q -r -y ../out.zip . && mv ../out.zip ../out", Kind::kZip, true},
      {"tar", "tar -cf ../out .", Kind::kTar, true},
      {"tar", "tar -czf ../out .", Kind::kTar, true},
      {"tar", "tar --format=gnu -cf ../out .", Kind::kTar, true},
      {"cpio", "find . | cpio --quiet -o -H newc > ../out", Kind::kCpio, true},
      {"cpio", "find . | cpio --quiet -o -H odc > ../out", Kind::kCpio, true},
      {"7z", "7z a -snl ../out.7z . > /dev/null && mv ../out.7z ../out", Kind::kSevenZip, true},
      {"xorriso", "xorriso -as mkisofs -quiet -R -o ../out . 2>/dev/null", Kind::kIso9660, true},
  };
  for (const Fixture& c : cases) {
    SCOPED_TRACE(c.cmd);
    if (!test::have_tool(c.tool)) GTEST_SKIP() << "tool not installed: " << c.tool;
    TempDir dir;
    make_tree(dir);
    ASSERT_EQ(run("cd '" + dir.str() + "/src' && " + c.cmd), 0);
    auto u = unpack(read_file(dir / "out"), c.kind);
    ASSERT_TRUE(u->status.ok()) << u->status.error().message;
    expect_tree(u->sink, dir, c.symlink);
  }
}

TEST(Archive, TarKeepsHardlinksFifosModesAndOwners) {
  ASSAY_REQUIRE_TOOL("tar");
  TempDir dir;
  make_tree(dir);
  ASSERT_EQ(run("cd '" + dir.str() + "/src' && ln hello.txt hard && mkfifo pipe && "
                "chmod 4755 hello.txt && tar --owner=1234 --group=99 --numeric-owner "
                "--mtime=@1600000000 -cf ../out ."), 0);
  auto u = unpack(read_file(dir / "out"), Kind::kTar);
  std::map<std::string, const MemorySink::Member*> by;
  for (const auto& m : u->sink.members) by[strip_slashes(m.meta.path)] = &m;
  ASSERT_TRUE(by.count("hard") && by.count("hello.txt") && by.count("pipe"));
  // tar stores the second name as a link to the first it met.
  const auto* link = by["hard"]->meta.type == EntryType::kHardlink ? by["hard"] : by["hello.txt"];
  EXPECT_EQ(link->meta.type, EntryType::kHardlink);
  EXPECT_EQ(by["pipe"]->meta.type, EntryType::kFifo);
  const auto* file = link == by["hard"] ? by["hello.txt"] : by["hard"];
  EXPECT_EQ(file->meta.mode, 04755u);
  EXPECT_EQ(file->meta.uid, 1234u);
  EXPECT_EQ(file->meta.gid, 99u);
  EXPECT_EQ(file->meta.mtime, 1600000000);
}

TEST(Archive, ArAndDeb) {
  ASSAY_REQUIRE_TOOL("ar");
  TempDir dir;
  write_file(dir / "a.txt", "alpha\n");
  write_file(dir / "b.bin", std::string(5000, 'b'));
  ASSERT_EQ(run("cd '" + dir.str() + "' && ar rc out.a a.txt b.bin"), 0);
  auto u = unpack(read_file(dir / "out.a"), Kind::kAr);
  ASSERT_EQ(u->sink.members.size(), 2u);
  EXPECT_EQ(u->sink.find("a.txt")->data(), "alpha\n");
  EXPECT_EQ(u->sink.find("b.bin")->data(), std::string(5000, 'b'));
  if (!test::have_tool("dpkg-deb")) return;
  write_file(dir / "pkg/DEBIAN/control",
             "Package: t\nVersion: 1\nArchitecture: all\nMaintainer: x <x@y>\nDescription: t\n");
  write_file(dir / "pkg/usr/bin/tool", "#!/bin/sh\n");
  ASSERT_EQ(run("cd '" + dir.str() + "' && dpkg-deb -Zxz --build pkg t.deb > /dev/null"), 0);
  auto d = unpack(read_file(dir / "t.deb"), Kind::kDeb);
  ASSERT_NE(d->sink.find("debian-binary"), nullptr);
  EXPECT_EQ(d->sink.find("debian-binary")->data(), "2.0\n");
  EXPECT_NE(d->sink.find("data.tar.xz"), nullptr);
  EXPECT_NE(d->sink.find("control.tar.xz"), nullptr);
}

TEST(Archive, RpmPayload) {
  ASSAY_REQUIRE_TOOL("rpmbuild");
  TempDir dir;
  write_file(dir / "t.spec",
             "Name: t\nVersion: 1\nRelease: 1\nSummary: t\nLicense: MIT\nBuildArch: noarch\n"
             "%description\nt\n%install\nmkdir -p %{buildroot}/usr/share/t\n"
             "echo hello > %{buildroot}/usr/share/t/hello.txt\n"
             "ln -s hello.txt %{buildroot}/usr/share/t/link\n%files\n/usr/share/t\n");
  ASSERT_EQ(run("cd '" + dir.str() + "' && rpmbuild --quiet -bb --define \"_topdir $PWD/top\" "
                "--define \"_rpmdir $PWD\" t.spec > /dev/null 2>&1"), 0);
  auto u = unpack(read_file(dir / "noarch/t-1-1.noarch.rpm"), Kind::kRpm);
  ASSERT_TRUE(u->status.ok()) << u->status.error().message;
  std::map<std::string, const MemorySink::Member*> by;
  for (const auto& m : u->sink.members) by[strip_slashes(m.meta.path)] = &m;
  ASSERT_TRUE(by.count("usr/share/t/hello.txt"));
  EXPECT_EQ(by["usr/share/t/hello.txt"]->data(), "hello\n");
  ASSERT_TRUE(by.count("usr/share/t/link"));
  EXPECT_EQ(by["usr/share/t/link"]->meta.type, EntryType::kSymlink);
  EXPECT_EQ(by["usr/share/t/link"]->meta.link_target, "hello.txt");
}

TEST(Archive, EncryptedZipMemberIsSkippedWithADiagnostic) {
  ASSAY_REQUIRE_TOOL("zip");
  TempDir dir;
  write_file(dir / "secret.txt", "top secret\n");
  write_file(dir / "plain.txt", "plain\n");
  ASSERT_EQ(run("cd '" + dir.str() + "' && zip -q -P pw out.zip secret.txt && "
                "zip -q out.zip plain.txt"), 0);
  auto u = unpack(read_file(dir / "out.zip"), Kind::kZip);
  EXPECT_EQ(u->sink.find("secret.txt"), nullptr);
  ASSERT_NE(u->sink.find("plain.txt"), nullptr);
  EXPECT_EQ(u->sink.find("plain.txt")->data(), "plain\n");
  EXPECT_TRUE(has_diag(u->sink, "encrypted"));
}

TEST(Archive, CorruptZipMemberIsDiagnosedAndTheOthersSurvive) {
  ASSAY_REQUIRE_TOOL("zip");
  TempDir dir;
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "text " + std::to_string(i * 7919 % 1000) + "\n";
  write_file(dir / "a.txt", "first\n");
  write_file(dir / "b.txt", text);
  write_file(dir / "c.txt", "last\n");
  ASSERT_EQ(run("cd '" + dir.str() + "' && zip -q out.zip a.txt b.txt c.txt"), 0);
  std::string zip = read_file(dir / "out.zip");
  std::size_t b = zip.find("b.txt");  // local header name; data follows
  ASSERT_NE(b, std::string::npos);
  for (std::size_t i = b + 200; i < b + 400; ++i) zip[i] = static_cast<char>(zip[i] ^ 0x5A);
  auto u = unpack(zip, Kind::kZip);
  ASSERT_NE(u->sink.find("a.txt"), nullptr);
  ASSERT_NE(u->sink.find("c.txt"), nullptr);
  EXPECT_EQ(u->sink.find("c.txt")->data(), "last\n");
  EXPECT_TRUE(has_diag(u->sink, "b.txt"));
}

TEST(Archive, ZipBombMemberStopsAtTheLimitAndTheNextMemberIsRead) {
  ASSAY_REQUIRE_TOOL("zip");
  TempDir dir;
  ASSERT_EQ(run("cd '" + dir.str() + "' && head -c 100000000 /dev/zero > zeros && "
                "echo tail > z.txt && zip -q out.zip zeros z.txt"), 0);
  Limits limits;
  limits.max_ratio = 20;
  limits.ratio_floor_bytes = 1 << 20;
  auto u = unpack(read_file(dir / "out.zip"), Kind::kZip, limits);
  EXPECT_TRUE(has_diag(u->sink, "max_ratio"));
  ASSERT_NE(u->sink.find("z.txt"), nullptr);
  EXPECT_EQ(u->sink.find("z.txt")->data(), "tail\n");
}

// ---- the corpus: libarchive against unzip ----

std::vector<std::filesystem::path> corpus_zips() {
  std::vector<std::filesystem::path> v;
  for (const char* sub : {"apk", "ipa"}) {
    auto d = test::corpus_dir() / sub;
    if (!std::filesystem::is_directory(d)) continue;
    for (const auto& e : std::filesystem::directory_iterator(d)) v.push_back(e.path());
  }
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

TEST(Archive, CorpusApksAndIpaMatchUnzip) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("unzip");
  auto files = corpus_zips();
  ASSERT_FALSE(files.empty());
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    std::string listing;
    ASSERT_EQ(run("unzip -Z1 '" + f.string() + "'", &listing), 0);
    std::vector<std::string> want = lines(listing);
    auto u = unpack(read_file(f), f.extension() == ".ipa" ? Kind::kIosIpa : Kind::kAndroidApk);
    ASSERT_TRUE(u->status.ok()) << u->status.error().message;
    std::vector<std::string> got;
    for (const auto& m : u->sink.members) got.push_back(m.meta.path);
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, want);
    for (const auto& d : u->sink.diags) ADD_FAILURE() << "diagnostic: " << d.message;
    if (std::getenv("ASSAY_FULL_CORPUS") != nullptr) {
      // Every member against a full `unzip` extraction (slow; for the report, not for CI).
      TempDir out;
      ASSERT_EQ(run("unzip -qq -o '" + f.string() + "' -d '" + out.str() + "' 2>/dev/null"), 0);
      for (const auto& m : u->sink.members) {
        if (m.meta.type != EntryType::kFile) continue;
        std::error_code ec;
        if (!std::filesystem::is_regular_file(out / m.meta.path, ec)) {
          ADD_FAILURE() << "unzip did not extract " << m.meta.path;
          continue;
        }
        EXPECT_EQ(m.data(), read_file(out / m.meta.path)) << m.meta.path;
      }
    }
    // Contents of a sample spread over the archive (files only).
    std::size_t step = std::max<std::size_t>(1, u->sink.members.size() / 3);
    for (std::size_t i = 0; i < u->sink.members.size(); i += step) {
      const auto& m = u->sink.members[i];
      if (m.meta.type != EntryType::kFile || m.meta.path.find('\'') != std::string::npos) continue;
      std::string expect;
      // unzip treats [ ] * ? as wildcards; escape them.
      std::string pat;
      for (char c : m.meta.path) {
        if (c == '[' || c == ']' || c == '*' || c == '?') pat += '\\';
        pat += c;
      }
      ASSERT_EQ(run("unzip -p '" + f.string() + "' '" + pat + "'", &expect), 0) << m.meta.path;
      EXPECT_EQ(m.data(), expect) << m.meta.path;
    }
  }
}

// ---- probes ----

TEST(Archive, ProbesMeasureArchivesFollowedByOtherData) {
  struct P {
    const char* tool;
    const char* cmd;
    ProbeFn probe;
    Kind kind;
  };
  const P cases[] = {
      {"zip", "zip -q -r -y ../out.zip . && mv ../out.zip ../out", probe_zip, Kind::kZip},
      {"7z", "7z a ../out.7z . > /dev/null && mv ../out.7z ../out", probe_7z, Kind::kSevenZip},
      {"tar", "tar -cf ../out .", probe_tar, Kind::kTar},
      {"tar", "tar --format=gnu -cf ../out .", probe_tar, Kind::kTar},
      {"cpio", "find . | cpio --quiet -o -H newc > ../out", probe_cpio, Kind::kCpio},
      {"cpio", "find . | cpio --quiet -o -H odc > ../out", probe_cpio, Kind::kCpio},
      {"cpio", "find . | cpio --quiet -o -H bin > ../out", probe_cpio, Kind::kCpio},
  };
  for (const P& c : cases) {
    SCOPED_TRACE(c.cmd);
    if (!test::have_tool(c.tool)) GTEST_SKIP() << "tool not installed: " << c.tool;
    TempDir dir;
    make_tree(dir);
    ASSERT_EQ(run("cd '" + dir.str() + "/src' && " + c.cmd), 0);
    std::string archive = read_file(dir / "out");
    std::string blob = archive + "\x7f" "ELF and whatever follows the archive in the image";
    auto r = c.probe(as_bytes(blob));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->kind, c.kind);
    EXPECT_EQ(r->length, archive.size());
    EXPECT_FALSE(c.probe(as_bytes(blob.substr(1))).has_value());
  }
}

TEST(Archive, ProbeZipOnACorpusApkEmbeddedInOtherData) {
  ASSAY_REQUIRE_CORPUS();
  std::string apk = read_file(test::corpus_dir() / "apk/UnCrackable-Level1.apk");
  std::string blob = apk + std::string(1000, '\xff');
  auto r = probe_zip(as_bytes(blob));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->length, apk.size());
}

}  // namespace
}  // namespace assay::unpack
