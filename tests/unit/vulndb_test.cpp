// Vulnerability database: import (corpus OSV, OSV zip, generated NVD 2.0 fixture), idempotent
// re-import, matching rules (distribution data vs upstream ranges, CPE + generic order, OSV
// versions lists, alias merging), VEX suppression through the analyzer, and end-to-end scans.
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "analyzers/vulnerabilities/vulnerabilities.hpp"
#include "support/test_support.hpp"
#include "vulndb/db.hpp"
#include "vulndb/match.hpp"

namespace assay::vulndb {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::run;
using test::TempDir;
using test::write_file;

fs::path osv_dir() { return test::corpus_dir() / "data" / "osv"; }

std::unique_ptr<Database> open_rw(const fs::path& p) {
  auto db = Database::open(p.string(), true);
  EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().message);
  return std::move(db).value();
}

// A small NVD CVE JSON 2.0 feed: a range with versionEndExcluding, a start-excluding/end-including
// range, an exact-version CPE, and an AND configuration whose platform is not vulnerable.
json nvd_fixture() {
  auto cve = [](std::string id, json matches, double score, std::string vector) {
    return json{{"cve",
                 {{"id", id},
                  {"published", "2020-01-01T00:00:00.000"},
                  {"lastModified", "2021-01-01T00:00:00.000"},
                  {"vulnStatus", "Analyzed"},
                  {"descriptions", {{{"lang", "en"}, {"value", "Test flaw in " + id + ". More."}}}},
                  {"metrics",
                   {{"cvssMetricV31",
                     {{{"type", "Primary"}, {"cvssData", {{"version", "3.1"}, {"baseScore", score}, {"vectorString", vector}}}}}}}},
                  {"weaknesses", {{{"description", {{{"lang", "en"}, {"value", "CWE-787"}}}}}}},
                  {"configurations", {{{"nodes", {{{"operator", "OR"}, {"cpeMatch", matches}}}}}}},
                  {"references", {{{"url", "https://example.org/" + id}}}}}}};
  };
  json v = json::array();
  v.push_back(cve("CVE-2016-2148",
                  {{{"vulnerable", true}, {"criteria", "cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*"},
                    {"versionEndExcluding", "1.25.0"}}},
                  9.8, "CVE:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
  v.push_back(cve("CVE-2022-48174",
                  {{{"vulnerable", true}, {"criteria", "cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*"},
                    {"versionStartExcluding", "1.30.0"}, {"versionEndIncluding", "1.36.0"}}},
                  9.8, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
  v.push_back(cve("CVE-2021-36369",
                  {{{"vulnerable", true}, {"criteria", "cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2022.83:*:*:*:*:*:*:*"}},
                   {{"vulnerable", false}, {"criteria", "cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*"}}},
                  7.5, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"));
  return json{{"format", "NVD_CVE"}, {"version", "2.0"}, {"vulnerabilities", v}};
}

Component unmanaged(std::string name, std::string version, std::string vendor, std::string product) {
  Component c;
  c.name = name;
  c.version = version;
  c.cpe = "cpe:2.3:a:" + vendor + ":" + product + ":" + version + ":*:*:*:*:*:*:*";
  c.purl = "pkg:generic/" + name + "@" + version;
  c.path = "rootfs!/bin/" + name;
  c.source = "version-string";
  c.offset = 0x1234;
  c.confidence = "medium";
  return c;
}

Component debian(std::string name, std::string version, std::string source = {}) {
  Component c;
  c.name = name;
  c.version = version;
  c.ecosystem = "Debian:12";
  c.purl = "pkg:deb/debian/" + name + "@" + version + "?arch=amd64";
  c.path = "rootfs!/var/lib/dpkg/status";
  c.source = "dpkg-status";
  c.extra = json::object();
  if (!source.empty()) c.extra["source"] = source;
  return c;
}

std::set<std::string> ids_of(const MatchResult& r) {
  std::set<std::string> out;
  for (const auto& m : r.matches) out.insert(m.id);
  return out;
}

TEST(VulnDbImport, CorpusOsvImportsCleanlyAndIdempotently) {
  ASSAY_REQUIRE_CORPUS();
  TempDir dir;
  auto db = open_rw(dir / "v.db");
  auto st = db->import({osv_dir().string()});
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->files, 443u);
  EXPECT_EQ(st->records, 443u);
  EXPECT_EQ(st->inserted, 443u);
  EXPECT_EQ(st->skipped, 0u) << (st->problems.empty() ? "" : st->problems[0]);
  auto status = db->status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ((*status)["advisories"], 443);
  std::map<std::string, int> per_source;
  for (const auto& s : (*status)["sources"]) per_source[s["source"]] = s["advisories"];
  EXPECT_EQ(per_source["osv/Bitnami"], 327);
  EXPECT_EQ(per_source["osv/OSS-Fuzz"], 116);
  std::string newest = (*status)["newest_modified"];
  EXPECT_FALSE(newest.empty());

  // Re-import: nothing changes.
  auto again = db->import({osv_dir().string()});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->unchanged, 443u);
  EXPECT_EQ(again->inserted + again->updated, 0u);
  auto status2 = db->status();
  EXPECT_EQ((*status2)["affected"], (*status)["affected"]);

  // A newer `modified` replaces the record (and its ranges), an older one does not.
  json rec = json::parse(test::read_file(osv_dir() / "bitnami" / "nginx" / "BIT-nginx-2026-60005.json"));
  rec["modified"] = "2099-01-01T00:00:00Z";
  rec["affected"][0]["ranges"][0]["events"] = json::array({{{"introduced", "0"}}, {{"fixed", "0.1"}}});
  write_file(dir / "newer.json", rec.dump());
  rec["modified"] = "2000-01-01T00:00:00Z";
  write_file(dir / "older.json", rec.dump());
  auto upd = db->import({(dir / "newer.json").string(), (dir / "older.json").string()});
  ASSERT_TRUE(upd.ok());
  EXPECT_EQ(upd->updated, 1u);
  EXPECT_EQ(upd->unchanged, 1u);
  auto rows = db->find_package("Bitnami", "nginx");
  std::size_t for_id = 0;
  for (const auto& r : rows)
    if (r.advisory == "BIT-nginx-2026-60005") {
      ++for_id;
      EXPECT_EQ(r.range.fixed, "0.1");
    }
  EXPECT_EQ(for_id, 1u);  // the old two intervals were replaced by the one new interval
}

TEST(VulnDbImport, ZipArchiveAndNvdFeed) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("zip");
  TempDir dir;
  fs::create_directories(dir / "src");
  for (const auto& e : fs::directory_iterator(osv_dir() / "oss-fuzz" / "dnsmasq"))
    fs::copy_file(e.path(), dir / "src" / e.path().filename());
  std::size_t n = static_cast<std::size_t>(std::distance(fs::directory_iterator(dir / "src"), fs::directory_iterator()));
  ASSERT_EQ(run("cd " + (dir / "src").string() + " && zip -q ../osv-all.zip *.json"), 0);
  write_file(dir / "nvd.json", nvd_fixture().dump());
  ASSERT_EQ(run("gzip -k " + (dir / "nvd.json").string()), 0);
  auto db = open_rw(dir / "v.db");
  auto st = db->import({(dir / "osv-all.zip").string(), (dir / "nvd.json.gz").string()});
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->inserted, n + 3);
  EXPECT_EQ(st->skipped, 0u);
  auto adv = db->advisory("CVE-2016-2148");
  ASSERT_TRUE(adv);
  EXPECT_EQ(adv->source, "nvd");
  EXPECT_DOUBLE_EQ(*adv->cvss_v3_score, 9.8);
  EXPECT_EQ(adv->cwes, std::vector<std::string>{"CWE-787"});
  // The AND-configuration's platform (vulnerable=false) is not stored.
  EXPECT_TRUE(db->find_cpe("linux", "linux_kernel").empty());
  EXPECT_EQ(db->find_cpe("busybox", "busybox").size(), 2u);
}

TEST(VulnDbMatch, CpeRangesWithGenericOrder) {
  TempDir dir;
  write_file(dir / "nvd.json", nvd_fixture().dump());
  auto db = open_rw(dir / "v.db");
  ASSERT_TRUE(db->import({(dir / "nvd.json").string()}).ok());
  auto r = match_components(*db, {unmanaged("busybox", "1.1.0", "busybox", "busybox")});
  ASSERT_EQ(r.matches.size(), 1u);
  const auto& m = r.matches[0];
  EXPECT_EQ(m.id, "CVE-2016-2148");
  EXPECT_EQ(m.fixed, "1.25.0");
  EXPECT_EQ(m.severity, Severity::kCritical);
  EXPECT_EQ(m.confidence, "medium");
  EXPECT_NE(m.basis.find("1.1.0 < fixed 1.25.0"), std::string::npos) << m.basis;
  EXPECT_NE(m.basis.find("0x1234"), std::string::npos) << m.basis;
  // Boundaries: fixed version and later are clean; exclusive start and inclusive end are honoured.
  EXPECT_TRUE(match_components(*db, {unmanaged("busybox", "1.25.0", "busybox", "busybox")}).matches.empty());
  EXPECT_TRUE(match_components(*db, {unmanaged("busybox", "1.30.0", "busybox", "busybox")}).matches.empty());
  EXPECT_EQ(ids_of(match_components(*db, {unmanaged("busybox", "1.36.0", "busybox", "busybox")})),
            std::set<std::string>{"CVE-2022-48174"});
  EXPECT_TRUE(match_components(*db, {unmanaged("busybox", "1.36.1", "busybox", "busybox")}).matches.empty());
  // An OpenWrt (opkg) package: no feed covers OpenWrt, so its CPE and upstream version are used,
  // and the basis says so.
  Component opkg = unmanaged("busybox", "1.23.2", "busybox", "busybox");
  opkg.version = "1.23.2-1";
  opkg.ecosystem = "OpenWrt";
  opkg.source = "opkg-status";
  auto o = match_components(*db, {opkg});
  ASSERT_EQ(o.matches.size(), 1u);
  EXPECT_NE(o.matches[0].basis.find("OpenWrt package busybox 1.23.2-1 (upstream 1.23.2"), std::string::npos)
      << o.matches[0].basis;
  // Exact-version CPE.
  EXPECT_EQ(ids_of(match_components(*db, {unmanaged("dropbear", "2022.83", "dropbear_ssh_project", "dropbear_ssh")})),
            std::set<std::string>{"CVE-2021-36369"});
  EXPECT_TRUE(match_components(*db, {unmanaged("dropbear", "2022.82", "dropbear_ssh_project", "dropbear_ssh")}).matches.empty());
}

TEST(VulnDbMatch, CorpusUpstreamProjects) {
  ASSAY_REQUIRE_CORPUS();
  TempDir dir;
  auto db = open_rw(dir / "v.db");
  ASSERT_TRUE(db->import({osv_dir().string()}).ok());
  // Oracle: every Bitnami nginx advisory whose SEMVER events cover 1.20.0, computed independently
  // by a Python script over the corpus files (numeric versions only).
  std::string out;
  ASSERT_EQ(run("/usr/bin/python3 - " + (osv_dir() / "bitnami" / "nginx").string() + " <<'EOF'\n"
                "import json,glob,sys\n"
                "V=lambda s: tuple(int(x) for x in s.split('.'))\n"
                "v=V('1.20.0')\n"
                "for f in sorted(glob.glob(sys.argv[1]+'/*.json')):\n"
                "  d=json.load(open(f)); hit=False\n"
                "  for a in d['affected']:\n"
                "    for r in a['ranges']:\n"
                "      lo=None\n"
                "      for e in r['events']:\n"
                "        if 'introduced' in e: lo=V(e['introduced']) if e['introduced']!='0' else (0,)\n"
                "        if 'fixed' in e and lo is not None:\n"
                "          hit = hit or (lo<=v<V(e['fixed'])); lo=None\n"
                "        if 'last_affected' in e and lo is not None:\n"
                "          hit = hit or (lo<=v<=V(e['last_affected'])); lo=None\n"
                "      if lo is not None and lo<=v: hit=True\n"
                "  if hit: print((d.get('aliases') or [d['id']])[0])\n"
                "EOF",
                &out),
            0);
  std::set<std::string> expect;
  std::istringstream in(out);
  for (std::string id; in >> id;) expect.insert(id);
  ASSERT_FALSE(expect.empty());
  auto r = match_components(*db, {unmanaged("nginx", "1.20.0", "f5", "nginx")});
  EXPECT_EQ(ids_of(r), expect);
  // A version after every fix in the data: nothing.
  EXPECT_TRUE(match_components(*db, {unmanaged("nginx", "1.99.0", "f5", "nginx")}).matches.empty());
  // OSS-Fuzz versions lists (release tags) by project name: dnsmasq 2.86 is listed, 2.80 is not.
  Component dns = unmanaged("dnsmasq", "2.86", "thekelleys", "dnsmasq");
  auto d = match_components(*db, {dns});
  EXPECT_FALSE(d.matches.empty());
  for (const auto& m : d.matches) EXPECT_NE(m.affected_range.find("versions"), std::string::npos);
  EXPECT_TRUE(match_components(*db, {unmanaged("dnsmasq", "2.80", "thekelleys", "dnsmasq")}).matches.empty());
  EXPECT_GT(d.rows_unevaluable + r.rows_evaluated, 0u);
}

TEST(VulnDbMatch, DistributionPackagesUseDistributionDataOnly) {
  ASSAY_REQUIRE_CORPUS();
  TempDir dir;
  write_file(dir / "nvd.json", nvd_fixture().dump());
  auto db = open_rw(dir / "v.db");
  ASSERT_TRUE(db->import({osv_dir().string(), (dir / "nvd.json").string()}).ok());
  // The corpus .deb packages: upstream ranges cover their upstream versions, yet no match.
  std::vector<Component> comps = {debian("busybox", "1:1.35.0-4+deb12u1+b1", "busybox"),
                                   debian("dropbear-bin", "2022.83-1+deb12u3", "dropbear"),
                                   unmanaged("busybox", "1.35.0", "busybox", "busybox")};
  auto r = match_components(*db, comps);
  EXPECT_TRUE(r.matches.empty()) << r.matches.size() << " " << (r.matches.empty() ? "" : r.matches[0].basis);
  ASSERT_EQ(r.unmatched_distribution.size(), 1u);
  EXPECT_EQ(r.unmatched_distribution[0].ecosystem, "Debian:12");
  EXPECT_EQ(r.unmatched_distribution[0].count, 2u);
  EXPECT_EQ(r.covered_by_package, 1u);  // the busybox binary of the busybox package

  // With Debian data: matched by source package and the dpkg order.
  json deb = {{"id", "DEBIAN-CVE-2022-48174"},
              {"modified", "2024-01-01T00:00:00Z"},
              {"aliases", {"CVE-2022-48174"}},
              {"affected",
               {{{"package", {{"ecosystem", "Debian:12"}, {"name", "busybox"}}},
                 {"ranges", {{{"type", "ECOSYSTEM"}, {"events", {{{"introduced", "0"}}, {{"fixed", "1:1.35.0-4+deb12u2"}}}}}}}}}}};
  write_file(dir / "deb.json", deb.dump());
  ASSERT_TRUE(db->import({(dir / "deb.json").string()}).ok());
  r = match_components(*db, comps);
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].id, "CVE-2022-48174");
  EXPECT_EQ(r.matches[0].confidence, "high");
  // Alias merging: the NVD record is not consulted for the package, the Debian one names it.
  EXPECT_EQ(r.matches[0].aliases, (std::vector<std::string>{"CVE-2022-48174", "DEBIAN-CVE-2022-48174"}));
  EXPECT_TRUE(match_components(*db, {debian("busybox", "1:1.35.0-4+deb12u2", "busybox")}).matches.empty());
}

TEST(VulnDbMatch, AliasesMergeIntoOneFinding) {
  TempDir dir;
  write_file(dir / "nvd.json", nvd_fixture().dump());
  json osv = {{"id", "GHSA-xxxx-yyyy-zzzz"},
              {"modified", "2024-01-01T00:00:00Z"},
              {"aliases", {"CVE-2016-2148"}},
              {"severity", {{{"type", "CVSS_V3"}, {"score", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}}},
              {"affected", {{{"package", {{"ecosystem", "GIT"}, {"name", "busybox"}}}, {"versions", {"1_1_0"}}}}}};
  write_file(dir / "osv.json", osv.dump());
  auto db = open_rw(dir / "v.db");
  ASSERT_TRUE(db->import({(dir / "nvd.json").string(), (dir / "osv.json").string()}).ok());
  auto r = match_components(*db, {unmanaged("busybox", "1.1.0", "busybox", "busybox")});
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].id, "CVE-2016-2148");
  EXPECT_EQ(r.matches[0].advisories.size(), 2u);
  EXPECT_DOUBLE_EQ(*r.matches[0].cvss, 9.8);
}

TEST(VulnDbAnalyzer, FindingsFactsAndVex) {
  TempDir dir;
  write_file(dir / "nvd.json", nvd_fixture().dump());
  {
    auto db = open_rw(dir / "v.db");
    ASSERT_TRUE(db->import({(dir / "nvd.json").string()}).ok());
  }
  json openvex = {{"@context", "https://openvex.dev/ns/v0.2.0"},
                  {"statements",
                   {{{"vulnerability", {{"name", "CVE-2016-2148"}}},
                     {"products", {{{"@id", "pkg:generic/busybox"}}}},
                     {"status", "not_affected"},
                     {"justification", "vulnerable_code_not_present"},
                     {"impact_statement", "udhcpc is not built"}}}}};
  write_file(dir / "vex.json", openvex.dump());
  json cdx = {{"bomFormat", "CycloneDX"},
              {"specVersion", "1.6"},
              {"vulnerabilities",
               {{{"id", "CVE-2021-36369"},
                 {"analysis", {{"state", "resolved"}, {"detail", "patched in our build"}}},
                 {"affects", {{{"ref", "pkg:generic/dropbear@2022.83"}}}}}}}};
  write_file(dir / "cdx.json", cdx.dump());
  AnalysisConfig cfg;
  cfg.vuln_db = (dir / "v.db").string();
  cfg.vex_files = {(dir / "vex.json").string(), (dir / "cdx.json").string()};
  ScanContext ctx(Limits{}, cfg);
  std::vector<NodeInfo> tree;
  std::vector<Fact> facts;
  std::vector<Component> comps = {unmanaged("busybox", "1.1.0", "busybox", "busybox"),
                                  unmanaged("dropbear", "2022.83", "dropbear_ssh_project", "dropbear_ssh"),
                                  unmanaged("busybox", "1.36.0", "busybox", "busybox")};
  ProductView view{tree, facts, "linux-rootfs", comps};
  analyzers::VulnerabilitiesAnalyzer().analyze(view, ctx);
  auto findings = ctx.take_findings();
  ASSERT_EQ(findings.size(), 3u);
  std::map<std::string, const Finding*> by_title;
  for (const auto& f : findings) by_title[f.title] = &f;
  ASSERT_TRUE(by_title.count("CVE-2016-2148 in busybox 1.1.0"));
  const Finding& f = *by_title["CVE-2016-2148 in busybox 1.1.0"];
  EXPECT_EQ(f.rule_id, "vulnerability.known");
  EXPECT_EQ(f.category, Category::kVulnerability);
  EXPECT_EQ(f.key, "CVE-2016-2148:busybox");
  EXPECT_EQ(f.evidence.at(0).offset, 0x1234u);
  EXPECT_FALSE(f.remediation.empty());
  EXPECT_EQ(f.suppression["kind"], "vex");
  EXPECT_EQ(f.suppression["status"], "not_affected");
  EXPECT_EQ(f.suppression["statement"], "udhcpc is not built");
  const Finding& g = *by_title.at("CVE-2021-36369 in dropbear 2022.83");
  EXPECT_EQ(g.suppression["status"], "fixed");
  EXPECT_EQ(g.severity, Severity::kHigh);
  const Finding& h = *by_title.at("CVE-2022-48174 in busybox 1.36.0");
  EXPECT_TRUE(h.suppression.is_null());  // the statement names another CVE
  auto all_facts = ctx.take_facts();
  bool db_fact = false;
  for (const auto& fa : all_facts)
    if (fa.type == "vulnerability.database") {
      db_fact = true;
      EXPECT_EQ(fa.data["available"], true);
      EXPECT_EQ(fa.data["sources"], json::array({"nvd"}));
    }
  EXPECT_TRUE(db_fact);
}

TEST(VulnDbAnalyzer, MissingExplicitDatabaseIsACoverageFinding) {
  AnalysisConfig cfg;
  cfg.vuln_db = "/nonexistent/vuln.db";
  ScanContext ctx(Limits{}, cfg);
  std::vector<NodeInfo> tree;
  std::vector<Fact> facts;
  std::vector<Component> comps;
  analyzers::VulnerabilitiesAnalyzer().analyze(ProductView{tree, facts, "software", comps}, ctx);
  auto findings = ctx.take_findings();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rule_id, "vulnerability.database-unavailable");
}

TEST(VulnDbCli, ImportStatusAndEndToEndScan) {
  ASSAY_REQUIRE_CORPUS();
  TempDir dir;
  std::string cli = test::assay_cli();
  std::string out;
  write_file(dir / "nvd.json", nvd_fixture().dump());
  std::string db = (dir / "v.db").string();
  ASSERT_EQ(run(cli + " db import " + osv_dir().string() + " " + (dir / "nvd.json").string() + " --db " + db, &out), 0)
      << out;
  EXPECT_NE(out.find("446 record(s)"), std::string::npos) << out;
  ASSERT_EQ(run(cli + " db status --db " + db + " --json", &out), 0);
  json st = json::parse(out);
  EXPECT_EQ(st["advisories"], 446);
  EXPECT_EQ(st["sources"].size(), 3u);

  // A generated root file system: an nginx binary of a vulnerable version, a sqlite library of a
  // fixed one, and a Debian package database.
  fs::path root = dir / "rootfs";
  fs::create_directories(root / "usr/sbin");
  fs::create_directories(root / "usr/lib");
  fs::create_directories(root / "var/lib/dpkg");
  std::string pad(4096, '\0');
  write_file(root / "usr/sbin/nginx", "\x7f" "ELF" + pad + "nginx version: nginx/1.20.0" + std::string(1, '\0') + pad);
  write_file(root / "usr/lib/libsqlite3.so.0", pad + "3.46.1" + std::string(1, '\0') + "SQLite version %s" + pad);
  write_file(root / "var/lib/dpkg/status",
             "Package: busybox\nStatus: install ok installed\nArchitecture: amd64\nSource: busybox (1:1.35.0-4+deb12u1)\n"
             "Version: 1:1.35.0-4+deb12u1+b1\nDescription: x\n\n");
  run(cli + " scan " + root.string() + " --vulndb " + db + " --format json -q -o " + (dir / "a.json").string());
  json a = json::parse(test::read_file(dir / "a.json"), nullptr, false);
  ASSERT_TRUE(a.is_object());
  bool has_db = a.contains("vulnerability_db") && !a["vulnerability_db"].is_null();
  bool has_fact = false;
  for (const auto& f : a["facts"])
    if (f["type"] == "vulnerability.database") has_fact = true;
  EXPECT_TRUE(has_db || has_fact);
  bool nginx = false;
  for (const auto& c : a["components"])
    if (c.value("name", "") == "nginx" && c.value("version", "") == "1.20.0") nginx = true;
  std::set<std::string> vuln_components;
  for (const auto& f : a["findings"])
    if (f["rule_id"] == "vulnerability.known") {
      std::string t = f["title"];
      vuln_components.insert(t.substr(t.find(" in ") + 4));
    }
  for (const auto& c : vuln_components) {
    EXPECT_TRUE(c.rfind("nginx", 0) == 0) << "unexpected vulnerable component: " << c;  // sqlite 3.46.1, busybox: none
  }
  if (!nginx) GTEST_SKIP() << "the inventory did not identify nginx 1.20.0 (inventory not merged yet?)";
  EXPECT_TRUE(vuln_components.count("nginx 1.20.0"));
}

TEST(VulnDbCli, CorpusDebsAreNotFlaggedByUpstreamRanges) {
  ASSAY_REQUIRE_CORPUS();
  TempDir dir;
  std::string cli = test::assay_cli();
  write_file(dir / "nvd.json", nvd_fixture().dump());
  std::string db = (dir / "v.db").string();
  ASSERT_EQ(run(cli + " db import " + osv_dir().string() + " " + (dir / "nvd.json").string() + " --db " + db + " >/dev/null"), 0);
  for (const char* deb : {"debian-busybox_1.35.0-4+deb12u1+b1_amd64.deb", "debian-dropbear-bin_2022.83-1+deb12u3_amd64.deb"}) {
    fs::path p = test::corpus_dir() / "deb" / deb;
    std::string out = (dir / "out.json").string();
    run(cli + " scan " + p.string() + " --vulndb " + db + " --format json -q -o " + out);
    json a = json::parse(test::read_file(out), nullptr, false);
    ASSERT_TRUE(a.is_object()) << deb;
    for (const auto& f : a["findings"])
      EXPECT_NE(f["rule_id"], "vulnerability.known") << deb << ": " << f.value("title", "");
  }
}

}  // namespace
}  // namespace assay::vulndb
