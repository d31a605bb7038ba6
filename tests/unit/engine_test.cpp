// End-to-end behaviour of the engine and the CLI on generated products: recursion, the tree,
// the assessment document, exit codes, and the hostile-archive suite (zip slip, absolute paths,
// symlink escapes, duplicate names, bombs, truncation, depth).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "assay/scan.hpp"
#include "core/hash.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;
using test::run;
using test::TempDir;
using test::write_file;

const NodeInfo* find_node(const Assessment& a, const std::string& suffix) {
  for (const auto& n : a.tree)
    if (n.path.size() >= suffix.size() && n.path.compare(n.path.size() - suffix.size(), suffix.size(), suffix) == 0)
      return &n;
  return nullptr;
}

Assessment scan_ok(const std::string& path, Limits limits = {}) {
  ScanOptions o;
  o.limits = limits;
  o.jobs = 2;
  auto r = scan(path, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : Assessment{};
}

bool has_finding(const Assessment& a, const std::string& rule) {
  for (const auto& f : a.findings)
    if (f.rule_id == rule) return true;
  return false;
}

// Builds a small product tree in `dir`.
void make_tree(const fs::path& dir) {
  write_file(dir / "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
  write_file(dir / "bin/tool", std::string(5000, 'A') + "tail");
  write_file(dir / "empty", "");
  fs::create_symlink("/etc/shadow", dir / "etc/shadow-link");
}

TEST(Engine, DirectoryInputRecordsSymlinksWithoutFollowingThem) {
  TempDir t;
  make_tree(t / "prod");
  Assessment a = scan_ok((t / "prod").string());
  const NodeInfo* link = find_node(a, "/etc/shadow-link");
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(link->type, "symlink");
  EXPECT_EQ(link->link_target, "/etc/shadow");
  EXPECT_TRUE(link->sha256.empty());
  const NodeInfo* tool = find_node(a, "/bin/tool");
  ASSERT_NE(tool, nullptr);
  EXPECT_EQ(tool->size, 5004u);
  EXPECT_EQ(tool->sha256, to_hex(sha256(as_bytes(std::string(5000, 'A') + "tail"))));
  EXPECT_EQ(find_node(a, "/empty")->kind, Kind::kEmpty);
  EXPECT_EQ(a.product_kind, "linux-rootfs");
  EXPECT_EQ(a.verdict.result, VerdictResult::kPass);
}

TEST(Engine, UnpacksNestedContainersRecursively) {
  ASSAY_REQUIRE_TOOL("tar");
  TempDir t;
  make_tree(t / "prod");
  ASSERT_EQ(run("cd '" + (t / "prod").string() + "' && tar czf ../inner.tar.gz . && cd .. && "
                "zip -q outer.zip inner.tar.gz && xz -k outer.zip"), 0);
  Assessment a = scan_ok((t / "outer.zip.xz").string());
  const NodeInfo* passwd = find_node(a, "outer.zip.xz!/outer.zip!/inner.tar.gz!/inner.tar!/etc/passwd");
  ASSERT_NE(passwd, nullptr) << "tree has " << a.tree.size() << " nodes";
  EXPECT_EQ(passwd->kind, Kind::kText);
  EXPECT_EQ(passwd->depth, 4u);
  const NodeInfo* link = find_node(a, "!/etc/shadow-link");
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(link->type, "symlink");
}

TEST(Engine, JsonDocumentIsStableAndComplete) {
  TempDir t;
  make_tree(t / "prod");
  std::string out1, out2;
  std::string cmd = test::assay_cli() + " scan --format json -q '" + (t / "prod").string() + "'";
  EXPECT_EQ(run(cmd, &out1), 0);
  EXPECT_EQ(run(cmd + " --jobs 1", &out2), 0);
  auto j1 = nlohmann::json::parse(out1);
  auto j2 = nlohmann::json::parse(out2);
  EXPECT_EQ(j1["schema"], "assay-assessment/1");
  for (auto* j : {&j1, &j2}) {
    j->erase("stats");
    j->erase("started_at");
  }
  EXPECT_EQ(j1, j2) << "the document must not depend on thread scheduling";
  for (const char* key : {"subject", "verdict", "findings", "facts", "components", "tree", "summary", "tool"})
    EXPECT_TRUE(j1.contains(key)) << key;
  EXPECT_EQ(j1["verdict"]["result"], "pass");
}

TEST(Cli, ExitCodesAreDistinct) {
  TempDir t;
  make_tree(t / "prod");
  EXPECT_EQ(run(test::assay_cli() + " scan -q '" + (t / "prod").string() + "' >/dev/null"), 0);
  EXPECT_EQ(run(test::assay_cli() + " scan -q '" + (t / "missing").string() + "' 2>/dev/null"), 3);
  EXPECT_EQ(run(test::assay_cli() + " scan --no-such-flag x 2>/dev/null"), 3);
  EXPECT_EQ(run(test::assay_cli() + " 2>/dev/null >/dev/null"), 3);
  // Opaque data that cannot be opened makes the assessment incomplete: exit 2, never 0.
  std::string random;
  std::uint32_t x = 12345;
  for (int i = 0; i < 200000; ++i) {
    x = x * 1664525u + 1013904223u;
    random.push_back(static_cast<char>(x >> 24));
  }
  write_file(t / "blob.bin", random);
  EXPECT_EQ(run(test::assay_cli() + " scan -q '" + (t / "blob.bin").string() + "' >/dev/null"), 2);
}

TEST(Cli, ProgressOnlyOnATerminal) {
  ASSAY_REQUIRE_TOOL("script");
  TempDir t;
  make_tree(t / "prod");
  std::string err;
  // stderr to a pipe: nothing but errors may appear there.
  ASSERT_EQ(run(test::assay_cli() + " ls '" + (t / "prod").string() + "' 2>&1 >/dev/null", &err), 0);
  EXPECT_EQ(err, "");
  // stderr on a terminal (script(1) gives the command a pty): the progress line appears and is cleared.
  std::string tty;
  ASSERT_EQ(run("script -qc \"" + test::assay_cli() + " ls '" + (t / "prod").string() + "' >/dev/null\" /dev/null", &tty), 0);
  EXPECT_NE(tty.find("files,"), std::string::npos) << tty;
  EXPECT_NE(tty.find("\x1b[2K"), std::string::npos);
}

TEST(Cli, LsPrintsEveryNode) {
  TempDir t;
  make_tree(t / "prod");
  std::string out;
  ASSERT_EQ(run(test::assay_cli() + " ls -q '" + (t / "prod").string() + "'", &out), 0);
  EXPECT_NE(out.find("prod/etc/passwd"), std::string::npos);
  EXPECT_NE(out.find("-> /etc/shadow"), std::string::npos);
  EXPECT_NE(out.find(to_hex(sha256(as_bytes("root:x:0:0:root:/root:/bin/sh\n")))), std::string::npos);
}

// --- hostile archives ------------------------------------------------------------------------

// Writes a zip whose members have the given names (python's zipfile stores names verbatim).
void make_zip(const fs::path& out, const std::vector<std::pair<std::string, std::string>>& members) {
  std::string py = "import zipfile,sys\nz=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED)\n";
  for (const auto& [name, data] : members)
    py += "z.writestr(zipfile.ZipInfo(" + nlohmann::json(name).dump() + "), " + nlohmann::json(data).dump() + ")\n";
  py += "z.close()\n";
  write_file(out.string() + ".py", py);
  ASSERT_EQ(run("python3 '" + out.string() + ".py' '" + out.string() + "'"), 0);
}

TEST(Hostile, ZipSlipAndAbsolutePathsStayInside) {
  TempDir t;
  make_zip(t / "slip.zip", {{"../../../../tmp/assay-slip-victim", "pwned"},
                            {"/tmp/assay-abs-victim", "pwned"},
                            {"ok/file.txt", "fine"},
                            {"dup.txt", "one"},
                            {"dup.txt", "two"}});
  Assessment a = scan_ok((t / "slip.zip").string());
  const NodeInfo* v = find_node(a, "slip.zip!/tmp/assay-slip-victim");
  ASSERT_NE(v, nullptr) << "the member is kept, under a safe name";
  ASSERT_NE(find_node(a, "slip.zip!/dup.txt"), nullptr);
  ASSERT_NE(find_node(a, "slip.zip!/dup.txt~2"), nullptr) << "duplicates are both kept";
  bool escape_diag = false;
  for (const auto& n : a.tree)
    for (const auto& d : n.diagnostics)
      if (d.find("escapes") != std::string::npos) escape_diag = true;
  EXPECT_TRUE(escape_diag);

  fs::path out = t / "out";
  ASSERT_EQ(run(test::assay_cli() + " extract -q '" + (t / "slip.zip").string() + "' -o '" + out.string() +
                "' 2>/dev/null"), 0);
  EXPECT_FALSE(fs::exists("/tmp/assay-slip-victim"));
  EXPECT_FALSE(fs::exists("/tmp/assay-abs-victim"));
  EXPECT_EQ(test::read_file(out / "tmp/assay-slip-victim"), "pwned");
  EXPECT_EQ(test::read_file(out / "dup.txt~2"), "two");
  for (const auto& e : fs::recursive_directory_iterator(out)) {
    std::string rel = fs::relative(e.path(), out).string();
    EXPECT_EQ(rel.find(".."), std::string::npos) << rel;
  }
}

TEST(Hostile, SymlinkEscapeIsRecordedNeverFollowed) {
  TempDir t;
  fs::create_directories(t / "src");
  fs::create_symlink("/etc", t / "src/link");
  // A tar whose second member writes through the symlink: classic tar symlink escape.
  ASSERT_EQ(run("cd '" + (t / "src").string() + "' && tar cf ../evil.tar link && "
                "mkdir -p ../x/link && echo pwned > ../x/link/assay-victim && "
                "tar rf ../evil.tar -C ../x link/assay-victim"), 0);
  fs::path out = t / "out";
  ASSERT_EQ(run(test::assay_cli() + " extract -q '" + (t / "evil.tar").string() + "' -o '" + out.string() +
                "' 2>/dev/null"), 0);
  EXPECT_FALSE(fs::exists("/etc/assay-victim"));
  EXPECT_FALSE(fs::is_symlink(out / "link")) << "symlinks are never created";
  std::string tsv = test::read_file(out / "assay-tree.tsv");
  EXPECT_NE(tsv.find("symlink"), std::string::npos);
}

TEST(Hostile, ExtractRefusesANonEmptyDirectory) {
  TempDir t;
  make_tree(t / "prod");
  write_file(t / "out/keep.txt", "user data");
  EXPECT_EQ(run(test::assay_cli() + " extract -q '" + (t / "prod").string() + "' -o '" + (t / "out").string() +
                "' 2>/dev/null"), 3);
  EXPECT_EQ(test::read_file(t / "out/keep.txt"), "user data");
}

TEST(Hostile, GzipBombTripsTheRatioLimitAndIsACoverageFinding) {
  TempDir t;
  ASSERT_EQ(run("head -c 120M /dev/zero | gzip -1 > '" + (t / "bomb.gz").string() + "'"), 0);
  Limits l;
  l.ratio_floor_bytes = 16 << 20;
  l.max_ratio = 100;  // gzip -1 of zeros reaches ~200:1
  Assessment a = scan_ok((t / "bomb.gz").string(), l);
  EXPECT_TRUE(has_finding(a, "coverage.limit"));
  EXPECT_FALSE(a.complete);
  EXPECT_NE(a.verdict.result, VerdictResult::kPass);
}

TEST(Hostile, OverlappingEntryZipBombIsBounded) {
  // One deflated member of 64 MiB of zeros, referenced 64 times by the central directory
  // (the overlapping-files construction): 4 GiB claimed from ~70 KiB.
  TempDir t;
  std::string py = R"PY(
import sys, zlib, struct
data = b"\0" * (64 << 20)
comp = zlib.compressobj(9, zlib.DEFLATED, -15)
c = comp.compress(data) + comp.flush()
crc = zlib.crc32(data)
name = b"a"
lh = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 8, 0, 0, crc, len(c), len(data), len(name), 0) + name
body = lh + c
cd = b""
n = 64
for i in range(n):
    nm = b"f%03d" % i
    cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 8, 0, 0, crc, len(c), len(data), len(nm), 0, 0, 0, 0, 0, 0) + nm
eocd = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, n, n, len(cd), len(body), 0)
open(sys.argv[1], "wb").write(body + cd + eocd)
)PY";
  write_file(t / "mk.py", py);
  ASSERT_EQ(run("python3 '" + (t / "mk.py").string() + "' '" + (t / "bomb.zip").string() + "'"), 0);
  Limits l;
  l.max_total_bytes = 512ull << 20;
  l.max_memory_bytes = 64ull << 20;
  Assessment a = scan_ok((t / "bomb.zip").string(), l);
  EXPECT_LE(a.stats.bytes_unpacked, (512ull << 20) + (64ull << 20));
  EXPECT_LE(a.stats.memory_peak, 64ull << 20);
}

TEST(Hostile, NestingDeeperThanTheLimitStops) {
  TempDir t;
  write_file(t / "f", "core");
  std::string cmd = "cd '" + t.str() + "' && cp f n0";
  for (int i = 0; i < 12; ++i) cmd += " && gzip -c n" + std::to_string(i) + " > n" + std::to_string(i + 1);
  ASSERT_EQ(run(cmd), 0);
  Limits l;
  l.max_depth = 5;
  Assessment a = scan_ok((t / "n12").string(), l);
  EXPECT_TRUE(has_finding(a, "coverage.limit"));
  std::uint32_t max_depth = 0;
  for (const auto& n : a.tree) max_depth = std::max(max_depth, n.depth);
  EXPECT_LE(max_depth, 5u);
}

TEST(Hostile, TruncatedContainersKeepWhatTheyHold) {
  TempDir t;
  fs::create_directories(t / "src");
  ASSERT_EQ(run("cd '" + (t / "src").string() + "' && head -c 60000 /dev/urandom | base64 > a.txt && "
                "head -c 60000 /dev/urandom | base64 > b.txt && tar czf ../full.tgz a.txt b.txt && "
                "head -c 100000 ../full.tgz > ../cut.tgz"), 0);
  Assessment a = scan_ok((t / "cut.tgz").string());
  EXPECT_NE(find_node(a, "!/a.txt"), nullptr);
  bool diag = false;
  for (const auto& n : a.tree) diag = diag || !n.diagnostics.empty();
  EXPECT_TRUE(diag) << "truncation is reported";
}

TEST(Hostile, NodeLimitIsAFindingNotACrash) {
  TempDir t;
  for (int i = 0; i < 50; ++i) write_file(t / ("src/f" + std::to_string(i)), "x");
  ASSERT_EQ(run("cd '" + (t / "src").string() + "' && tar cf ../many.tar ."), 0);
  Limits l;
  l.max_nodes = 20;
  Assessment a = scan_ok((t / "many.tar").string(), l);
  EXPECT_TRUE(has_finding(a, "coverage.limit"));
  EXPECT_LE(a.tree.size(), 21u);
}

TEST(Hostile, ScratchAreaIsRemovedOnSigterm) {
  TempDir t;
  ASSERT_EQ(run("head -c 300M /dev/urandom > '" + (t / "big.bin").string() + "' && gzip -1 -c '" +
                (t / "big.bin").string() + "' > '" + (t / "big.gz").string() + "'"), 0);
  fs::create_directories(t / "tmp");
  std::string cmd = "TMPDIR='" + (t / "tmp").string() + "' " + test::assay_cli() + " scan -q --max-memory 1048576 '" +
                    (t / "big.gz").string() + "' >/dev/null 2>&1 & pid=$!; "
                    // The signal is sent once the scratch area exists (the handlers are in place by
                    // then): a fixed sleep raced a slow start under ASan on a loaded machine.
                    "for i in $(seq 200); do [ -n \"$(ls -A '" + (t / "tmp").string() + "')\" ] && break; sleep 0.05; done; "
                    "kill -TERM $pid; wait $pid; echo $?";
  std::string out;
  run(cmd, &out);
  EXPECT_EQ(std::stoi(out), 130);
  EXPECT_TRUE(fs::is_empty(t / "tmp")) << "scratch directory left behind";
}

}  // namespace
}  // namespace assay
