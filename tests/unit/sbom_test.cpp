// SBOM writers: `assay sbom` output for corpus products and a generated root file system validates
// against the official CycloneDX 1.6 and SPDX 2.3 JSON schemas (../shared/schemas, through
// Debian's python3-jsonschema with a local RefResolver: no network), is deterministic, and
// carries the identities, hashes, evidence and relations the inventory found.
#include <nlohmann/json.hpp>

#include <filesystem>

#include "assay/scan.hpp"
#include "report/formats.hpp"
#include "support/test_support.hpp"

namespace fs = std::filesystem;
using assay::test::TempDir;
using nlohmann::json;

namespace {

fs::path schemas_dir() { return fs::path(ASSAY_SOURCE_DIR) / ".." / "shared" / "schemas"; }

// Validates each document against its schema (file name in schemas_dir) in one Python run (the
// CycloneDX schema with its SPDX license enum takes a second to load); returns "" or the errors.
std::string validate_all(const TempDir& d, const std::vector<std::pair<fs::path, std::string>>& docs) {
  fs::path script = d / "validate.py";
  assay::test::write_file(script, R"(import json, sys, os
from jsonschema import RefResolver
from jsonschema.validators import validator_for
sd = sys.argv[1]
store = {}
for f in os.listdir(sd):
    if f.endswith('.json'):
        s = json.load(open(os.path.join(sd, f)))
        if isinstance(s, dict) and '$id' in s:
            store[s['$id']] = s
failed = False
for i in range(2, len(sys.argv), 2):
    doc, name = sys.argv[i], sys.argv[i + 1]
    schema = json.load(open(os.path.join(sd, name)))
    cls = validator_for(schema)
    v = cls(schema, resolver=RefResolver(schema.get('$id', ''), schema, store=store))
    errors = sorted(v.iter_errors(json.load(open(doc))), key=lambda e: list(e.path))
    for e in errors[:10]:
        print(os.path.basename(doc), list(e.path), e.message[:300])
    failed = failed or bool(errors)
sys.exit(1 if failed else 0)
)");
  std::string cmd = "/usr/bin/python3 " + script.string() + " " + schemas_dir().string();
  for (const auto& [doc, schema] : docs) cmd += " " + doc.string() + " " + schema;
  std::string out;
  int rc = assay::test::run(cmd + " 2>&1", &out);
  return rc == 0 ? "" : (out.empty() ? "validator failed" : out);
}

json sbom(const TempDir& d, const std::string& product, const std::string& format, const std::string& name) {
  fs::path out = d / name;
  std::string cmd = std::string(ASSAY_CLI) + " sbom '" + product + "' -q --format " + format + " -o " + out.string();
  EXPECT_EQ(assay::test::run(cmd + " 2>&1"), 0) << cmd;
  return json::parse(assay::test::read_file(out), nullptr, false);
}

void require_validator() {
  if (assay::test::run("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null") != 0)
    GTEST_SKIP() << "python3-jsonschema is not installed";
  if (!fs::exists(schemas_dir() / "cyclonedx-bom-1.6.schema.json")) GTEST_SKIP() << "schemas folder is absent";
}

// One scan (in process), both renderers, one validation run.
void check_product(const fs::path& product) {
  require_validator();
  ASSAY_REQUIRE_CORPUS();
  TempDir d;
  assay::ScanOptions so;
  so.jobs = 2;
  auto r = assay::scan(product.string(), so);
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::string cdx = assay::report::render_cyclonedx(*r);
  std::string spdx = assay::report::render_spdx(*r);
  assay::test::write_file(d / "p.cdx.json", cdx);
  assay::test::write_file(d / "p.spdx.json", spdx);
  EXPECT_EQ(validate_all(d, {{d / "p.cdx.json", "cyclonedx-bom-1.6.schema.json"},
                             {d / "p.spdx.json", "spdx-2.3.schema.json"}}),
            "")
      << product;
  json c = json::parse(cdx), s = json::parse(spdx);
  EXPECT_EQ(c["components"].size(), r->components.size());
  EXPECT_EQ(s["packages"].size(), r->components.size() + 1);
  EXPECT_FALSE(r->components.empty()) << product;
}

}  // namespace

TEST(Sbom, DebPackageValidates) { check_product(assay::test::corpus_dir() / "deb/debian-dropbear-bin_2022.83-1+deb12u3_amd64.deb"); }
TEST(Sbom, FirmwareBinaryValidates) { check_product(assay::test::corpus_dir() / "elf/dir615a-busybox"); }
TEST(Sbom, OpenWrtRootfsValidates) { check_product(assay::test::corpus_dir() / "firmware/DV-ARM-rootfs-arm.tar.bz2"); }

TEST(Sbom, CycloneDxCarriesIdentityHashesEvidenceAndDependencies) {
  ASSAY_REQUIRE_CORPUS();
  TempDir d;
  std::string deb = (assay::test::corpus_dir() / "deb/debian-busybox_1.35.0-4+deb12u1+b1_amd64.deb").string();
  json a = sbom(d, deb, "cyclonedx", "a.json");
  json b = sbom(d, deb, "cyclonedx", "b.json");
  EXPECT_EQ(a["specVersion"], "1.6");
  EXPECT_EQ(a["metadata"]["component"]["hashes"][0]["content"],
            "4b355fad07d4fe1f5aa282e949281f8dcb7bcdebb023d7e40f4f8fe475e21e29");
  // Deterministic apart from the timestamp: the serial number derives from the subject hash.
  EXPECT_EQ(a["serialNumber"], b["serialNumber"]);
  a["metadata"].erase("timestamp");
  b["metadata"].erase("timestamp");
  EXPECT_EQ(a, b);
  const json* bb = nullptr;
  for (const auto& c : a["components"])
    if (c["name"] == "busybox") bb = &c;
  ASSERT_NE(bb, nullptr);
  EXPECT_EQ((*bb)["purl"], "pkg:deb/debian/busybox@1:1.35.0-4%2Bdeb12u1%2Bb1?arch=amd64");
  EXPECT_EQ((*bb)["bom-ref"], (*bb)["purl"]);
  EXPECT_EQ((*bb)["evidence"]["identity"][0]["methods"][0]["technique"], "manifest-analysis");
  EXPECT_GE((*bb)["evidence"]["occurrences"].size(), 2u);  // the .deb and bin/busybox's banner
  bool subject_dep = false;
  for (const auto& dep : a["dependencies"])
    if (dep["ref"] == "subject")
      for (const auto& on : dep["dependsOn"]) subject_dep = subject_dep || on == (*bb)["bom-ref"];
  EXPECT_TRUE(subject_dep);
}

TEST(Sbom, GeneratedRootfsDependenciesAndLicenses) {
  require_validator();
  TempDir d;
  fs::path r = d / "rootfs";
  fs::create_directories(r / "etc");
  fs::create_directories(r / "var/lib/dpkg");
  fs::create_directories(r / "lib/python3/site-packages/six-1.16.0.dist-info");
  assay::test::write_file(r / "etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
  assay::test::write_file(r / "var/lib/dpkg/status",
                          "Package: curl\nStatus: install ok installed\nVersion: 7.88.1-10+deb12u5\n"
                          "Architecture: amd64\nDepends: libcurl4 (= 7.88.1-10+deb12u5), zlib1g\n\n"
                          "Package: libcurl4\nStatus: install ok installed\nSource: curl\nVersion: 7.88.1-10+deb12u5\n"
                          "Architecture: amd64\n\nPackage: zlib1g\nStatus: install ok installed\nSource: zlib\n"
                          "Version: 1:1.2.13.dfsg-1\nArchitecture: amd64\n");
  assay::test::write_file(r / "lib/python3/site-packages/six-1.16.0.dist-info/METADATA",
                          "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\nLicense: MIT\n\n");
  json cdx = sbom(d, r.string(), "cyclonedx", "r.cdx.json");
  json spdx = sbom(d, r.string(), "spdx", "r.spdx.json");
  EXPECT_EQ(validate_all(d, {{d / "r.cdx.json", "cyclonedx-bom-1.6.schema.json"},
                             {d / "r.spdx.json", "spdx-2.3.schema.json"}}),
            "");
  std::string curl = "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12";
  bool deps = false;
  for (const auto& dep : cdx["dependencies"])
    if (dep["ref"] == curl) deps = dep["dependsOn"].size() == 2;
  EXPECT_TRUE(deps) << cdx["dependencies"].dump();
  bool mit = false;
  for (const auto& c : cdx["components"])
    if (c["name"] == "six") mit = c["licenses"][0]["license"]["id"] == "MIT";
  EXPECT_TRUE(mit);
  std::size_t depends_on = 0, contains = 0, describes = 0;
  for (const auto& rel : spdx["relationships"]) {
    depends_on += rel["relationshipType"] == "DEPENDS_ON";
    contains += rel["relationshipType"] == "CONTAINS";
    describes += rel["relationshipType"] == "DESCRIBES";
  }
  EXPECT_EQ(depends_on, 2u);
  EXPECT_EQ(contains, cdx["components"].size());
  EXPECT_EQ(describes, 1u);
  bool purl_ref = false;
  for (const auto& p : spdx["packages"])
    if (p.contains("externalRefs"))
      for (const auto& e : p["externalRefs"]) purl_ref = purl_ref || e["referenceLocator"] == curl;
  EXPECT_TRUE(purl_ref);
}
