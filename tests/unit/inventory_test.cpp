// Inventory: package database and manifest parsers, purls, version fingerprints (every example in
// rules/components.yaml), the merge in finalize_components, generated root file systems scanned
// end to end, and the corpus packages and binaries against their oracles (dpkg-deb -f, strings).
#include <sqlite3.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "assay/scan.hpp"
#include "core/embedded.hpp"
#include "inventory/binary_meta.hpp"
#include "inventory/fingerprints.hpp"
#include "inventory/inventory.hpp"
#include "inventory/manifests.hpp"
#include "inventory/package_db.hpp"
#include "inventory/purl.hpp"
#include "support/test_support.hpp"

namespace fs = std::filesystem;
using namespace assay;
using namespace assay::inventory;
using assay::test::TempDir;

namespace {

std::vector<Component> scan_components(const std::string& path) {
  ScanOptions so;
  so.jobs = 2;
  auto r = assay::scan(path, so);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r->components : std::vector<Component>{};
}

const Component* find(const std::vector<Component>& cs, const std::string& name, const std::string& source = "") {
  for (const auto& c : cs)
    if (c.name == name && (source.empty() || c.source == source)) return &c;
  return nullptr;
}

void write(const fs::path& p, std::string_view data) {
  fs::create_directories(p.parent_path());
  assay::test::write_file(p, data);
}

std::string field(const std::string& text, const std::string& key) {
  std::smatch m;
  std::regex re("(^|\\n)" + key + ": ([^\\n]*)");
  return std::regex_search(text, m, re) ? m[2].str() : "";
}

}  // namespace

TEST(PackageDb, DpkgStatusKeepsOnlyInstalledPackages) {
  const char* status =
      "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\n"
      "Version: 2.36-9+deb12u4\nDepends: libgcc-s1, libcrypt1 (>= 1:4.4.10-10~)\nDescription: GNU C Library\n"
      " continuation line\n\n"
      "Package: oldpkg\nStatus: deinstall ok config-files\nVersion: 1.0\n\n"
      "Package: busybox\nStatus: install ok installed\nVersion: 1:1.35.0-4+deb12u1+b1\n"
      "Source: busybox (1:1.35.0-4+deb12u1)\nArchitecture: amd64\nPre-Depends: libc6 (>= 2.34) | libc6.1\n";
  auto recs = parse_dpkg_status(status);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].name, "libc6");
  EXPECT_EQ(recs[0].source_name, "glibc");
  EXPECT_EQ(recs[0].depends, (std::vector<std::string>{"libgcc-s1", "libcrypt1"}));
  EXPECT_EQ(recs[1].version, "1:1.35.0-4+deb12u1+b1");
  EXPECT_EQ(recs[1].source_name, "");  // same as the binary name
  EXPECT_EQ(recs[1].source_version, "1:1.35.0-4+deb12u1");
  EXPECT_EQ(recs[1].depends, (std::vector<std::string>{"libc6"}));
}

TEST(PackageDb, UpstreamVersion) {
  EXPECT_EQ(upstream_version("1:1.35.0-4+deb12u1+b1"), "1.35.0");
  EXPECT_EQ(upstream_version("2022.83-1+deb12u3"), "2022.83");
  EXPECT_EQ(upstream_version("1.2.8-1"), "1.2.8");
  EXPECT_EQ(upstream_version("3.0.11-r0"), "3.0.11");
  EXPECT_EQ(upstream_version("7.4"), "7.4");
}

TEST(PackageDb, ApkInstalled) {
  auto recs = parse_apk_installed(
      "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\no:musl\nm:Maintainer <x@y>\n\n"
      "P:busybox\nV:1.36.1-r5\nA:x86_64\nL:GPL-2.0-only\nD:so:libc.musl-x86_64.so.1 musl>=1.2 !busybox-extras\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].name, "musl");
  EXPECT_EQ(recs[0].license, "MIT");
  EXPECT_EQ(recs[1].version, "1.36.1-r5");
  EXPECT_EQ(recs[1].depends, (std::vector<std::string>{"musl"}));
}

std::string rpm_blob() {
  // il, dl, then the index (tag, type, offset, count) and the store, all big-endian.
  std::string store = std::string("bash\0", 5) + std::string("5.2.15\0", 7) + std::string("3.fc38\0", 7) +
                      std::string("x86_64\0", 7) + std::string("GPL-3.0-or-later\0", 17) + std::string("\0\0\0\1", 4);
  struct E { std::uint32_t tag, type, off, count; };
  std::vector<E> idx = {{1000, 6, 0, 1}, {1001, 6, 5, 1}, {1002, 6, 12, 1}, {1022, 6, 19, 1}, {1014, 6, 26, 1},
                        {1003, 4, 43, 1}};
  auto be = [](std::string& s, std::uint32_t v) {
    for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  std::string blob;
  be(blob, static_cast<std::uint32_t>(idx.size()));
  be(blob, static_cast<std::uint32_t>(store.size()));
  for (const auto& e : idx) { be(blob, e.tag); be(blob, e.type); be(blob, e.off); be(blob, e.count); }
  blob += store;
  return blob;
}

TEST(PackageDb, RpmHeaderBlob) {
  std::string blob = rpm_blob();
  auto r = parse_rpm_header(as_bytes(blob));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->name, "bash");
  EXPECT_EQ(r->version, "5.2.15");
  EXPECT_EQ(r->release, "3.fc38");
  EXPECT_EQ(r->architecture, "x86_64");
  EXPECT_EQ(r->license, "GPL-3.0-or-later");
  EXPECT_EQ(r->epoch, 1u);
  // Truncations never crash and never succeed with garbage.
  for (std::size_t n = 0; n < blob.size(); n += 3) (void)parse_rpm_header(as_bytes(std::string_view(blob).substr(0, n)));
  EXPECT_FALSE(parse_rpm_header(as_bytes(blob.substr(0, 20))).ok());
}

TEST(Purl, SpecEncoding) {
  EXPECT_EQ((Purl{"deb", "debian", "busybox", "1:1.35.0-4+deb12u1+b1", {{"arch", "amd64"}}}.str()),
            "pkg:deb/debian/busybox@1:1.35.0-4%2Bdeb12u1%2Bb1?arch=amd64");
  // The purl-spec's own deb example.
  EXPECT_EQ((Purl{"deb", "debian", "attr", "1:2.4.47-2+b1", {{"arch", "amd64"}}}.str()),
            "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64");
  EXPECT_EQ((Purl{"npm", "@angular", "core", "16.0.0", {}}.str()), "pkg:npm/%40angular/core@16.0.0");
  EXPECT_EQ((Purl{"golang", "golang.org/x", "net", "v0.17.0", {}}.str()), "pkg:golang/golang.org/x/net@v0.17.0");
  EXPECT_EQ(purl_with_qualifier("pkg:deb/debian/a@1?arch=amd64", "distro", "debian-12"),
            "pkg:deb/debian/a@1?arch=amd64&distro=debian-12");
  EXPECT_EQ(pypi_normalize("Foo_Bar.baz"), "foo-bar-baz");
}

TEST(Manifests, PythonNpmJavaAndroid) {
  auto py = parse_python_metadata("Metadata-Version: 2.1\nName: Requests\nVersion: 2.31.0\nLicense: Apache 2.0\n"
                                  "Requires-Dist: idna (<4,>=2.5)\nRequires-Dist: PySocks ; extra == 'socks'\n\nbody");
  ASSERT_TRUE(py.ok());
  EXPECT_EQ(py->name, "Requests");
  EXPECT_EQ(py->depends, (std::vector<std::string>{"idna"}));
  auto lock3 = parse_npm_lock(R"({"lockfileVersion":3,"packages":{"":{"name":"app"},
      "node_modules/@babel/core":{"version":"7.22.0","license":"MIT"},
      "node_modules/a/node_modules/lodash":{"version":"4.17.20","dev":true}}})");
  ASSERT_TRUE(lock3.ok());
  ASSERT_EQ(lock3->size(), 2u);
  EXPECT_EQ((*lock3)[0].namespace_, "@babel");
  EXPECT_EQ((*lock3)[1].name, "lodash");
  EXPECT_TRUE((*lock3)[1].dev);
  auto lock1 = parse_npm_lock(R"({"lockfileVersion":1,"dependencies":{"a":{"version":"1.0.0",
      "dependencies":{"b":{"version":"2.0.0"}}},"c":{"version":"git+https://x/y.git"}}})");
  ASSERT_TRUE(lock1.ok());
  EXPECT_EQ(lock1->size(), 2u);  // the git URL is not a registry version
  EXPECT_FALSE(parse_npm_lock("{").ok());
  auto mf = parse_jar_manifest("Manifest-Version: 1.0\r\nImplementation-Title: commons-\r\n lang3\r\n"
                               "Implementation-Version: 3.12.0\r\n\r\nName: x\r\n");
  EXPECT_EQ(mf["Implementation-Title"], "commons-lang3");
  std::string g, a;
  ASSERT_TRUE(android_version_file_coordinates("androidx.core_core", g, a));
  EXPECT_EQ(g, "androidx.core");
  EXPECT_EQ(a, "core");
  ASSERT_TRUE(android_version_file_coordinates("androidx.lifecycle_lifecycle-runtime", g, a));
  EXPECT_EQ(a, "lifecycle-runtime");
}

TEST(Fingerprints, EveryExampleMatchesItsRuleAndNothingElseMatchesFormatStrings) {
  auto text = load_data_file("rules/components.yaml");
  ASSERT_TRUE(text.ok());
  auto fp = Fingerprints::compile(*text);
  ASSERT_TRUE(fp.ok()) << fp.error().message;
  std::size_t examples = 0;
  for (const auto& r : (*fp)->rules()) {
    ASSERT_FALSE(r.examples.empty()) << r.name << " has no examples";
    for (const auto& ex : r.examples) {
      // Gate literals (requires:) are added around the example, as they occur in a real binary.
      std::string blob = std::string("\0\0", 2) + ex + std::string("\0\0", 2);
      for (const auto& p : r.patterns)
        for (const auto& g : p.requires_all) blob += g + std::string("\0", 1);
      auto ms = (*fp)->scan(as_bytes(blob), r.kinds.front(), "x");
      auto it = std::find_if(ms.begin(), ms.end(), [&](const FingerprintMatch& m) { return m.rule == &r; });
      ASSERT_NE(it, ms.end()) << r.name << " does not match its example " << ex;
      EXPECT_FALSE(it->version.empty());
      EXPECT_NE(ex.find(it->version), std::string::npos) << r.name << ": version " << it->version;
      ++examples;
    }
  }
  EXPECT_GE((*fp)->rules().size(), 25u);
  EXPECT_GE(examples, 40u);
  // Format strings and compatibility patterns are not versions.
  using namespace std::string_literals;
  std::string negatives = "BusyBox v%s (%s)\0OpenSSH_3.0*\0OpenSSH_6.6.1*\0OpenSSL %s\0"s +
                          "\0003.40.1\0"s /* bare version without the SQLite gates */ +
                          "Linux version %s\0dnsmasq-%s\0"s;
  auto ms = (*fp)->scan(as_bytes(negatives), Kind::kElf, "x");
  for (const auto& m : ms) ADD_FAILURE() << "false positive: " << m.rule->name << " " << m.version;
  // File names: uClibc's versioned library name.
  auto fn = (*fp)->scan(as_bytes(std::string("\x7f" "ELF")), Kind::kElf, "libuClibc-0.9.33.2.so");
  ASSERT_EQ(fn.size(), 1u);
  EXPECT_EQ(fn[0].version, "0.9.33.2");
  EXPECT_EQ(Fingerprints::cpe(*fn[0].rule, fn[0].version), "cpe:2.3:a:uclibc:uclibc:0.9.33.2:*:*:*:*:*:*:*");
}

TEST(Fingerprints, BadRuleFilesAreErrorsNotCrashes) {
  EXPECT_FALSE(Fingerprints::compile("components: [{name: x, patterns: [{anchor: a, regex: '('}]}]").ok());
  EXPECT_FALSE(Fingerprints::compile("components: [{name: x, patterns: [{anchor: a, regex: 'a'}]}]").ok());
  EXPECT_FALSE(Fingerprints::compile("components: [{name: x, kinds: [nope]}]").ok());
  EXPECT_FALSE(Fingerprints::compile(": : :\n- [").ok());
}

TEST(BinaryMeta, GoBuildInfoInlineFormat) {
  std::string mod = std::string(16, '\x30') + "path\texample.com/cmd/tool\nmod\texample.com/tool\t(devel)\t\n"
                    "dep\tgolang.org/x/net\tv0.17.0\th1:abc=\ndep\tgithub.com/a/b\tv1.0.0\th1:x=\n"
                    "=>\tgithub.com/fork/b\tv1.0.1\th1:y=\n" + std::string(16, '\x31');
  mod[mod.size() - 17] = '\n';
  std::string blob(32, '\0');
  std::memcpy(blob.data(), "\xff Go buildinf:", 14);
  blob[14] = 8;
  blob[15] = 2;
  std::string vers = "go1.21.4";
  blob.push_back(static_cast<char>(vers.size()));
  blob += vers;
  // Uvarint length of the module text (< 16384).
  blob.push_back(static_cast<char>((mod.size() & 0x7f) | 0x80));
  blob.push_back(static_cast<char>(mod.size() >> 7));
  blob += mod;
  std::string file = std::string(64, 'x') + blob + std::string(16, '\0');
  auto bi = find_go_buildinfo(as_bytes(file));
  ASSERT_TRUE(bi.has_value());
  ASSERT_TRUE(bi->ok()) << bi->error().message;
  EXPECT_EQ((*bi)->go_version, "go1.21.4");
  EXPECT_EQ((*bi)->main.path, "example.com/tool");
  ASSERT_EQ((*bi)->deps.size(), 2u);
  EXPECT_EQ((*bi)->deps[1].replaced_by, "github.com/fork/b");
  EXPECT_EQ((*bi)->deps[1].version, "v1.0.1");
  for (std::size_t n = 64; n < file.size(); n += 7) (void)find_go_buildinfo(as_bytes(std::string_view(file).substr(0, n)));
}

TEST(BinaryMeta, GoBinaryFromTheToolchain) {
  ASSAY_REQUIRE_TOOL("go");
  TempDir d;
  write(d / "m/go.mod", "module example.com/hello\n\ngo 1.19\n");
  write(d / "m/main.go", "package main\nimport \"fmt\"\nfunc main() { fmt.Println(\"hi\") }\n");
  ASSERT_EQ(assay::test::run("cd " + (d / "m").string() + " && GOFLAGS=-mod=mod GOCACHE=" + (d / "cache").string() +
                             " go build -o " + (d / "root/hello").string() + " . 2>&1"), 0);
  auto cs = scan_components(d.str() + "/root");
  const Component* std = find(cs, "stdlib", "go-buildinfo");
  ASSERT_NE(std, nullptr);
  EXPECT_EQ(std->ecosystem, "Go");
  EXPECT_NE(find(cs, "example.com/hello", "go-buildinfo"), nullptr);
}

TEST(BinaryMeta, CargoAuditable) {
  std::string j = R"({"packages":[{"name":"app","version":"0.1.0","source":"local","root":true,"dependencies":[1]},
      {"name":"serde","version":"1.0.190","source":"crates.io"}]})";
  std::string z(compressBound(j.size()), '\0');
  uLongf zn = z.size();
  ASSERT_EQ(compress(reinterpret_cast<Bytef*>(z.data()), &zn, reinterpret_cast<const Bytef*>(j.data()), j.size()), Z_OK);
  z.resize(zn);
  auto pk = parse_cargo_auditable(as_bytes(z));
  ASSERT_TRUE(pk.ok()) << pk.error().message;
  ASSERT_EQ(pk->size(), 2u);
  EXPECT_TRUE((*pk)[0].root);
  EXPECT_EQ((*pk)[0].dependencies, (std::vector<std::size_t>{1}));
  EXPECT_FALSE(parse_cargo_auditable(as_bytes(z.substr(0, z.size() / 2))).ok());
}

TEST(Finalize, VersionStringInsidePackageMergesAndDistroJoins) {
  std::vector<Component> cs;
  Component os;
  os.name = "debian";
  os.version = "12";
  os.type = "operating-system";
  os.source = "os-release";
  os.path = "r/etc/os-release";
  os.extra = {{"root", "r/"}, {"ID", "debian"}, {"VERSION_ID", "12"}};
  cs.push_back(os);
  Component pkg;
  pkg.name = "busybox";
  pkg.version = "1:1.35.0-4+deb12u1+b1";
  pkg.purl = "pkg:deb/debian/busybox@1:1.35.0-4%2Bdeb12u1%2Bb1?arch=amd64";
  pkg.source = "dpkg-status";
  pkg.path = "r/var/lib/dpkg/status";
  pkg.depends_on = {"libc6"};
  pkg.extra = {{"root", "r/"}, {"package_manager", "dpkg"}};
  cs.push_back(pkg);
  Component libc = pkg;
  libc.name = "libc6";
  libc.version = "2.36-9";
  libc.purl = "pkg:deb/debian/libc6@2.36-9?arch=amd64";
  libc.depends_on.clear();
  cs.push_back(libc);
  Component vs;
  vs.name = "busybox";
  vs.version = "1.35.0";
  vs.source = "version-string";
  vs.path = "r/bin/busybox";
  vs.purl = "pkg:generic/busybox@1.35.0";
  vs.cpe = "cpe:2.3:a:busybox:busybox:1.35.0:*:*:*:*:*:*:*";
  vs.extra = {{"package_names", {"busybox"}}};
  cs.push_back(vs);
  Component copy = vs;
  copy.name = "zlib";
  copy.version = "1.2.13";
  copy.purl = "pkg:generic/zlib@1.2.13";
  copy.path = "r/usr/lib/a.so";
  cs.push_back(copy);
  copy.path = "r/usr/lib/b.so";
  cs.push_back(copy);
  finalize_components(cs);
  ASSERT_EQ(cs.size(), 4u);  // debian, busybox, libc6, zlib
  const Component* bb = find(cs, "busybox");
  ASSERT_NE(bb, nullptr);
  EXPECT_EQ(bb->source, "dpkg-status");
  EXPECT_EQ(bb->ecosystem, "Debian:12");
  EXPECT_EQ(bb->purl, "pkg:deb/debian/busybox@1:1.35.0-4%2Bdeb12u1%2Bb1?arch=amd64&distro=debian-12");
  EXPECT_EQ(bb->cpe, vs.cpe);
  EXPECT_EQ(bb->extra["also_identified_by"][0]["path"], "r/bin/busybox");
  EXPECT_EQ(bb->depends_on, (std::vector<std::string>{"pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12"}));
  const Component* z = find(cs, "zlib");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->path, "r/usr/lib/a.so");
  EXPECT_EQ(z->extra["occurrences"][0]["path"], "r/usr/lib/b.so");
}

TEST(InventoryScan, GeneratedRootFileSystem) {
  TempDir d;
  fs::path r = d / "rootfs";
  write(r / "etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
                              "VERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n");
  write(r / "var/lib/dpkg/status",
        "Package: openssl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0.11-1~deb12u2\n"
        "Depends: libssl3 (>= 3.0.9)\n\nPackage: libssl3\nStatus: install ok installed\nSource: openssl\n"
        "Architecture: amd64\nVersion: 3.0.11-1~deb12u2\n\nPackage: removed\nStatus: deinstall ok config-files\n"
        "Version: 1\n");
  write(r / "usr/lib/x86_64-linux-gnu/libssl.so.3", std::string("\x7f" "ELF\2\1\1", 7) + std::string(64, '\0') +
                                                        "OpenSSL 3.0.11 19 Sep 2023" + std::string(8, '\0'));
  write(r / "usr/lib/python3/dist-packages/requests-2.28.1.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: requests\nVersion: 2.28.1\nLicense: Apache 2.0\n\n");
  write(r / "srv/app/package-lock.json",
        R"({"lockfileVersion":2,"packages":{"":{},"node_modules/lodash":{"version":"4.17.20","license":"MIT"}}})");
  write(r / "srv/app/node_modules/lodash/package.json", R"({"name":"lodash","version":"4.17.20","license":"MIT"})");
  write(r / "opt/alpine/lib/apk/db/installed", "P:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\n\n");
  write(r / "opt/alpine/etc/os-release", "ID=alpine\nVERSION_ID=3.18.4\n");
  write(r / "opt/openwrt/usr/lib/opkg/status",
        "Package: dropbear\nVersion: 2017.75-1\nDepends: libc\nStatus: install user installed\nArchitecture: arm\n");
  write(r / "opt/openwrt/usr/lib/opkg/info/dropbear.control", "Package: dropbear\nVersion: 2017.75-1\nArchitecture: arm\n");
  // A jar with Maven metadata, built with zip.
  if (assay::test::have_tool("zip")) {
    write(d / "jar/META-INF/maven/org.apache.commons/commons-text/pom.properties",
          "#Generated\nversion=1.9\ngroupId=org.apache.commons\nartifactId=commons-text\n");
    write(d / "jar/META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nImplementation-Title: commons-text\n"
                                          "Implementation-Version: 1.9\n\n");
    fs::create_directories(r / "opt/app");
    ASSERT_EQ(assay::test::run("cd " + (d / "jar").string() + " && zip -qr " + (r / "opt/app/commons-text-1.9.jar").string() + " META-INF"), 0);
  }
  auto t0 = std::chrono::steady_clock::now();
  auto cs = scan_components(r.string());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(secs, 10.0);

  const Component* ossl = find(cs, "openssl");
  ASSERT_NE(ossl, nullptr);
  EXPECT_EQ(ossl->source, "dpkg-status");
  EXPECT_EQ(ossl->ecosystem, "Debian:12");
  EXPECT_EQ(ossl->purl, "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12");
  const Component* libssl = find(cs, "libssl3");
  ASSERT_NE(libssl, nullptr);
  // The version string in libssl.so.3 is the packaged openssl (source package), not a 2nd component.
  EXPECT_EQ(find(cs, "openssl", "version-string"), nullptr);
  EXPECT_EQ(find(cs, "removed"), nullptr);
  const Component* deb = find(cs, "debian");
  ASSERT_NE(deb, nullptr);
  EXPECT_EQ(deb->type, "operating-system");
  const Component* req = find(cs, "requests");
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->purl, "pkg:pypi/requests@2.28.1");
  EXPECT_EQ(req->ecosystem, "PyPI");
  std::size_t lodash = std::count_if(cs.begin(), cs.end(), [](const Component& c) { return c.name == "lodash"; });
  EXPECT_EQ(lodash, 1u);  // the lock file and node_modules are one component
  const Component* musl = find(cs, "musl");
  ASSERT_NE(musl, nullptr);
  EXPECT_EQ(musl->ecosystem, "Alpine:v3.18");
  EXPECT_EQ(musl->purl, "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.18.4");
  std::size_t dropbear = std::count_if(cs.begin(), cs.end(), [](const Component& c) { return c.name == "dropbear"; });
  EXPECT_EQ(dropbear, 1u);
  const Component* db = find(cs, "dropbear");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->purl, "pkg:opkg/openwrt/dropbear@2017.75-1?arch=arm");
  EXPECT_EQ(db->ecosystem, "OpenWrt");
  if (assay::test::have_tool("zip")) {
    const Component* jar = find(cs, "org.apache.commons:commons-text");
    ASSERT_NE(jar, nullptr);
    EXPECT_EQ(jar->purl, "pkg:maven/org.apache.commons/commons-text@1.9");
    EXPECT_EQ(find(cs, "commons-text", "jar-manifest"), nullptr);  // merged into the pom identity
  }
}

TEST(InventoryScan, RpmdbSqliteWithOsRelease) {
  TempDir d;
  fs::path r = d / "rootfs";
  write(r / "etc/os-release", "ID=\"rocky\"\nVERSION_ID=\"9.3\"\n");
  fs::create_directories(r / "var/lib/rpm");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((r / "var/lib/rpm/rpmdb.sqlite").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)",
                         nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO Packages (blob) VALUES (?)", -1, &st, nullptr), SQLITE_OK);
  std::string blob = rpm_blob();
  sqlite3_bind_blob(st, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(db);
  auto cs = scan_components(r.string());
  const Component* bash = find(cs, "bash", "rpmdb");
  ASSERT_NE(bash, nullptr);
  EXPECT_EQ(bash->version, "1:5.2.15-3.fc38");
  EXPECT_EQ(bash->ecosystem, "Rocky Linux:9");
  EXPECT_EQ(bash->purl, "pkg:rpm/rocky/bash@5.2.15-3.fc38?arch=x86_64&distro=rocky-9.3&epoch=1");
  EXPECT_EQ(bash->licenses, (std::vector<std::string>{"GPL-3.0-or-later"}));
}

TEST(InventoryCorpus, DebPackagesMatchDpkgDeb) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("dpkg-deb");
  std::size_t checked = 0;
  for (const auto& e : fs::directory_iterator(assay::test::corpus_dir() / "deb")) {
    if (e.path().extension() != ".deb") continue;
    std::string control;
    ASSERT_EQ(assay::test::run("dpkg-deb -f '" + e.path().string() + "'", &control), 0);
    auto cs = scan_components(e.path().string());
    const Component* c = find(cs, field(control, "Package"), "deb-control");
    ASSERT_NE(c, nullptr) << e.path();
    EXPECT_EQ(c->version, field(control, "Version"));
    EXPECT_EQ(c->extra["architecture"], field(control, "Architecture"));
    EXPECT_EQ(c->purl, Purl({"deb", "debian", field(control, "Package"), field(control, "Version"),
                             {{"arch", field(control, "Architecture")}}}).str());
    EXPECT_EQ(c->sha256.size(), 64u);
    // The upstream version string in the package's own binary is that package, not a second one.
    for (const auto& o : cs) EXPECT_NE(o.source, "version-string") << o.name << " " << o.version << " " << o.path;
    ++checked;
  }
  EXPECT_EQ(checked, 2u);
  auto cs = scan_components((assay::test::corpus_dir() / "deb/debian-busybox_1.35.0-4+deb12u1+b1_amd64.deb").string());
  const Component* bb = find(cs, "busybox", "deb-control");
  ASSERT_NE(bb, nullptr);
  EXPECT_EQ(bb->purl, "pkg:deb/debian/busybox@1:1.35.0-4%2Bdeb12u1%2Bb1?arch=amd64");
  EXPECT_EQ(bb->extra["source_version"], "1:1.35.0-4+deb12u1");
  EXPECT_EQ(bb->extra["binnmu"], true);
  EXPECT_EQ(bb->ecosystem, "Debian");
  ASSERT_TRUE(bb->extra.contains("also_identified_by"));
}

TEST(InventoryCorpus, Dir615BusyboxIsBusybox110) {
  ASSAY_REQUIRE_CORPUS();
  auto cs = scan_components((assay::test::corpus_dir() / "elf/dir615a-busybox").string());
  const Component* bb = find(cs, "busybox", "version-string");
  ASSERT_NE(bb, nullptr);
  EXPECT_EQ(bb->version, "1.1.0");
  EXPECT_EQ(bb->cpe, "cpe:2.3:a:busybox:busybox:1.1.0:*:*:*:*:*:*:*");
  EXPECT_EQ(bb->evidence.rfind("BusyBox v1.1.0 (", 0), 0u) << bb->evidence;
  ASSERT_TRUE(bb->offset.has_value());
  std::string bytes = assay::test::read_file(assay::test::corpus_dir() / "elf/dir615a-busybox");
  EXPECT_EQ(bytes.compare(*bb->offset, 15, "BusyBox v1.1.0 "), 0);
}

TEST(InventoryCorpus, DvarRootfsFindsBusyboxUclibcDropbear) {
  ASSAY_REQUIRE_CORPUS();
  auto cs = scan_components((assay::test::corpus_dir() / "firmware/DV-ARM-rootfs-arm.tar.bz2").string());
  auto has_cpe = [&](const std::string& prefix) {
    return std::any_of(cs.begin(), cs.end(), [&](const Component& c) { return c.cpe.rfind(prefix, 0) == 0; });
  };
  EXPECT_TRUE(has_cpe("cpe:2.3:a:busybox:busybox:1.23.2:"));
  EXPECT_TRUE(has_cpe("cpe:2.3:a:uclibc:uclibc:0.9.33.2:"));
  EXPECT_TRUE(has_cpe("cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2017.75:"));
  EXPECT_TRUE(has_cpe("cpe:2.3:a:openssl:openssl:1.0.2n:"));
  EXPECT_TRUE(has_cpe("cpe:2.3:a:zlib:zlib:1.2.8:"));
  const Component* bb = find(cs, "busybox");
  ASSERT_NE(bb, nullptr);
  EXPECT_EQ(bb->source, "opkg-status");  // the packaged identity wins; the string is recorded
  EXPECT_EQ(bb->ecosystem, "OpenWrt");
  const Component* os = find(cs, "openwrt");
  ASSERT_NE(os, nullptr);
  EXPECT_EQ(os->version, "15.05.1");
  std::size_t busyboxes = std::count_if(cs.begin(), cs.end(), [](const Component& c) { return c.name == "busybox"; });
  EXPECT_EQ(busyboxes, 1u);
}

// The package list of a real Debian root file system (debootstrap --variant=minbase bookworm)
// against dpkg's own reading of its database, both directions. The root is built once by
// scripts/make-debootstrap-root (network, 1-3 minutes) and reused: ASSAY_DEBOOTSTRAP_ROOT names
// another one. The test skips only when debootstrap cannot build it (offline, not root).
TEST(Inventory, DebootstrapRootEqualsDpkgQuery) {
  ASSAY_REQUIRE_TOOL("dpkg-query");
  const char* env = std::getenv("ASSAY_DEBOOTSTRAP_ROOT");
  fs::path root = env != nullptr && *env != '\0' ? fs::path(env) : fs::path(ASSAY_SOURCE_DIR) / "build/debootstrap-bookworm";
  if (!fs::exists(root / ".complete")) {
    std::string log;
    int rc = assay::test::run(std::string(ASSAY_SOURCE_DIR) + "/scripts/make-debootstrap-root '" + root.string() +
                                  "' 2>&1",
                              &log);
    if (rc != 0) {
      if (log.size() > 1500) log = "..." + log.substr(log.size() - 1500);
      GTEST_SKIP() << "debootstrap could not build " << root << " (exit " << rc << "; no network or not root?):\n"
                   << log;
    }
  }
  ASSERT_TRUE(fs::exists(root / "var/lib/dpkg/status")) << root;

  // The oracle: every package dpkg considers installed, keyed by (name, architecture).
  using Key = std::pair<std::string, std::string>;
  std::string out;
  ASSERT_EQ(assay::test::run("dpkg-query -W --admindir='" + (root / "var/lib/dpkg").string() +
                                 "' -f '${Package}\\t${Version}\\t${Architecture}\\t${db:Status-Status}\\n'",
                             &out),
            0);
  std::map<Key, std::string> dpkg;
  std::size_t not_installed = 0;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> f;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
      f.push_back(line.substr(start, tab - start));
    f.push_back(line.substr(start));
    ASSERT_EQ(f.size(), 4u) << line;
    if (f[3] != "installed") {
      ++not_installed;  // config-files, half-installed: not on the system as a package
      continue;
    }
    dpkg[{f[0], f[2]}] = f[1];
  }
  ASSERT_GT(dpkg.size(), 50u) << "a minbase bookworm has ~90 packages";

  // Assay, through the CLI as a user runs it.
  TempDir d;
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(assay::test::run("'" + assay::test::assay_cli() + "' sbom '" + root.string() + "' --format cyclonedx -q -o '" +
                             (d / "bom.json").string() + "'"),
            0);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[          ] assay sbom on " << root << ": " << seconds << " s" << std::endl;
  RecordProperty("sbom_seconds", std::to_string(seconds));
  auto bom = nlohmann::json::parse(assay::test::read_file(d / "bom.json"), nullptr, false);
  ASSERT_TRUE(bom.is_object() && bom.contains("components"));
  std::map<Key, std::string> assay;
  std::map<Key, std::string> purls, ecosystems;
  for (const auto& c : bom["components"]) {
    std::map<std::string, std::string> props;
    for (const auto& p : c.value("properties", nlohmann::json::array()))
      props[p.value("name", "")] = p.value("value", "");
    // The installed-package list only: the apt cache's .debs (var/cache/apt/archives) are files of
    // the product, reported as deb-control components, not installed packages.
    if (props["assay:source"] != "dpkg-status") continue;
    Key k{c.value("name", ""), props["assay:architecture"]};
    EXPECT_FALSE(assay.count(k)) << "listed twice: " << k.first << ":" << k.second;
    assay[k] = c.value("version", "");
    purls[k] = c.value("purl", "");
    ecosystems[k] = props["assay:ecosystem"];
  }

  std::size_t missing = 0, extra = 0, wrong = 0;
  for (const auto& [k, v] : dpkg) {
    auto it = assay.find(k);
    if (it == assay.end()) {
      ++missing;
      ADD_FAILURE() << "dpkg has " << k.first << ":" << k.second << " " << v << ", Assay does not";
    } else if (it->second != v) {
      ++wrong;
      ADD_FAILURE() << k.first << ":" << k.second << ": dpkg " << v << ", Assay " << it->second;
    } else {
      EXPECT_EQ(purls[k], Purl({"deb", "debian", k.first, v, {{"arch", k.second}, {"distro", "debian-12"}}}).str());
      EXPECT_EQ(ecosystems[k], "Debian:12") << k.first;
    }
  }
  for (const auto& [k, v] : assay)
    if (!dpkg.count(k)) {
      ++extra;
      ADD_FAILURE() << "Assay has " << k.first << ":" << k.second << " " << v << ", dpkg does not";
    }
  std::cout << "[          ] dpkg " << dpkg.size() << " installed (" << not_installed << " other states), Assay "
            << assay.size() << ": " << missing << " missing, " << extra << " extra, " << wrong << " wrong versions"
            << std::endl;
}

namespace {

// An OSV record for one Debian release's source package, affected below `fixed`.
nlohmann::json debian_osv(const std::string& id, const std::string& ecosystem, const std::string& source,
                          const std::string& fixed) {
  return {{"id", id},
          {"modified", "2024-01-01T00:00:00Z"},
          {"summary", "test record " + id},
          {"affected",
           {{{"package", {{"ecosystem", ecosystem}, {"name", source}}},
             {"ranges", {{{"type", "ECOSYSTEM"}, {"events", {{{"introduced", "0"}}, {{"fixed", fixed}}}}}}}}}}};
}

// `assay scan` of `artifact` with the database `db`: the JSON assessment.
nlohmann::json scan_with_db(const TempDir& d, const fs::path& artifact, const fs::path& db) {
  std::string out = (d / "a.json").string();
  assay::test::run("'" + assay::test::assay_cli() + "' scan '" + artifact.string() + "' --vulndb '" + db.string() +
                   "' --format json -q -o '" + out + "'");
  return nlohmann::json::parse(assay::test::read_file(out), nullptr, false);
}

std::vector<std::string> vulnerability_titles(const nlohmann::json& a) {
  std::vector<std::string> t;
  if (a.is_object() && a.contains("findings"))
    for (const auto& f : a["findings"])
      if (f.value("rule_id", "") == "vulnerability.known") t.push_back(f.value("title", ""));
  return t;
}

}  // namespace

// Debian advisories name source packages: libssl3 (Source: openssl) is matched as openssl, with
// the dpkg order, in its release's data only.
TEST(InventoryVulns, DistributionPackageMatchedBySourcePackage) {
  TempDir d;
  fs::path r = d / "rootfs";
  write(r / "etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
  write(r / "var/lib/dpkg/status",
        "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\n"
        "Version: 3.0.11-1~deb12u2\n\n"
        "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\n"
        "Version: 1:1.2.13.dfsg-1\n\n");
  nlohmann::json feed = nlohmann::json::array(
      {debian_osv("DEBIAN-CVE-2024-0727", "Debian:12", "openssl", "3.0.13-1~deb12u1"),
       debian_osv("DEBIAN-CVE-2023-9999", "Debian:11", "openssl", "3.9.0-1"),        // another release
       debian_osv("DEBIAN-CVE-2022-37434", "Debian:12", "zlib", "1:1.2.11.dfsg-4"),  // fixed before 1:1.2.13
       debian_osv("DEBIAN-CVE-2023-0001", "Debian:12", "libssl3", "9.9")});          // binary name: not a key
  assay::test::write_file(d / "feed.json", feed.dump());
  ASSERT_EQ(assay::test::run("'" + assay::test::assay_cli() + "' db import '" + (d / "feed.json").string() +
                             "' --db '" + (d / "v.db").string() + "' >/dev/null"),
            0);
  auto titles = vulnerability_titles(scan_with_db(d, r, d / "v.db"));
  EXPECT_EQ(titles, (std::vector<std::string>{"DEBIAN-CVE-2024-0727 in libssl3 3.0.11-1~deb12u2"}));
}

// docs/vulndb.md "A bare .deb": no release, so no release's data applies; the package is listed
// as unmatched, and its own binary's version string is not matched upstream either.
TEST(InventoryCorpus, BareDebIsListedUnmatchedNotGuessed) {
  ASSAY_REQUIRE_CORPUS();
  TempDir d;
  nlohmann::json feed = nlohmann::json::array(
      {debian_osv("DEBIAN-CVE-2022-48174", "Debian:12", "busybox", "1:1.35.0-4+deb12u9"),
       debian_osv("DEBIAN-CVE-2022-48175", "Debian:11", "busybox", "1:1.36.0-1")});
  assay::test::write_file(d / "feed.json", feed.dump());
  ASSERT_EQ(assay::test::run("'" + assay::test::assay_cli() + "' db import '" + (d / "feed.json").string() +
                             "' --db '" + (d / "v.db").string() + "' >/dev/null"),
            0);
  auto a = scan_with_db(d, assay::test::corpus_dir() / "deb/debian-busybox_1.35.0-4+deb12u1+b1_amd64.deb", d / "v.db");
  ASSERT_TRUE(a.is_object());
  EXPECT_TRUE(vulnerability_titles(a).empty());
  bool listed = false;
  for (const auto& f : a["facts"])
    if (f.value("type", "") == "vulnerability.unmatched-distribution") {
      EXPECT_EQ(f["data"]["ecosystem"], "Debian");
      EXPECT_EQ(f["data"]["release_known"], false);
      EXPECT_EQ(f["data"]["packages"], nlohmann::json::array({"busybox 1:1.35.0-4+deb12u1+b1"}));
      listed = true;
    }
  EXPECT_TRUE(listed);
}
