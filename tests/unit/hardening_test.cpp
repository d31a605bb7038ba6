// Hardening verdicts: oracle tests against Debian's checksec 2.6.0 (`checksec --output=json`) on
// a fixed sorted sample of system ELF files and on every ELF of the corpus (router binaries and
// the ARM/MIPS firmware root file systems), plus the corpus facts.
//
// checksec costs ~0.5 s per file (it re-reads libc's symbol table for every file), so each test
// runs it once, in one shell command over the whole list, two at a time.

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analyzers/hardening/elf_hardening.hpp"
#include "core/hash.hpp"
#include "formats/elf/elf.hpp"
#include "support/test_support.hpp"

namespace fs = std::filesystem;
using namespace assay;
using assay::test::TempDir;

namespace {

bool looks_elf(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(p, ec)) || fs::file_size(p, ec) < 64) return false;
  std::string head = assay::test::read_file(p).substr(0, 4);
  return head == "\x7f" "ELF";
}

/// Every ELF regular file under `dir`, sorted; every `step`-th one, at most `limit`.
std::vector<std::string> elf_files(const fs::path& dir, bool recursive, std::size_t step, std::size_t limit) {
  std::vector<std::string> all;
  std::error_code ec;
  if (recursive) {
    for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (!it->is_symlink() && it->is_regular_file() && looks_elf(it->path())) all.push_back(it->path().string());
    }
  } else {
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (!e.is_symlink() && e.is_regular_file() && looks_elf(e.path())) all.push_back(e.path().string());
    }
  }
  std::sort(all.begin(), all.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < all.size() && out.size() < limit; i += step) out.push_back(all[i]);
  return out;
}

std::string file_key(const std::string& path) {
  std::string bytes = assay::test::read_file(path);
  return to_hex(sha256(as_bytes(bytes)));
}

/// checksec answers keyed by content hash, kept next to the test binary (in the build tree): on a
/// loaded machine checksec needs up to 3 s per file, so only files never seen before are run.
fs::path cache_path() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return (ec ? fs::temp_directory_path() : exe.parent_path()) / "checksec-oracle-cache.json";
}

/// Runs checksec once, in one shell command, over the files not in the cache; returns
/// path -> checksec's JSON object for that file.
std::map<std::string, nlohmann::json> run_checksec(const std::vector<std::string>& files, const TempDir& tmp) {
  nlohmann::json cache = nlohmann::json::object();
  if (fs::exists(cache_path())) {
    cache = nlohmann::json::parse(assay::test::read_file(cache_path()), nullptr, false);
    if (!cache.is_object()) cache = nlohmann::json::object();
  }
  std::map<std::string, std::string> keys;
  std::string list;
  for (const auto& f : files) {
    keys[f] = file_key(f);
    if (!cache.contains(keys[f])) list += f + "\n";
  }
  if (!list.empty()) {
    assay::test::write_file(tmp / "list.txt", list);
    // One printf per answer: a line below PIPE_BUF is written atomically, so -P 2 cannot interleave.
    std::string cmd = "xargs -d '\\n' -P 2 -n 1 sh -c 'o=$(checksec --output=json --file=\"$1\" 2>/dev/null); "
                      "printf \"%s\\n\" \"$o\"' _ < '" + (tmp / "list.txt").string() + "'";
    std::string out;
    assay::test::run(cmd, &out);
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) continue;
      for (auto& [k, v] : j.items()) {
        auto it = keys.find(k);
        if (it != keys.end()) cache[it->second] = v;
      }
    }
    assay::test::write_file(cache_path(), cache.dump(1));
  }
  std::map<std::string, nlohmann::json> res;
  for (const auto& f : files) {
    if (cache.contains(keys[f])) res[f] = cache[keys[f]];
  }
  return res;
}

/// checksec's own canary and FORTIFY formulas applied to `readelf -W -D -s`, which reads the
/// symbols through the dynamic table. checksec runs `readelf -W -s` / `--dyn-syms`, which print
/// nothing for a file without section headers (OpenWrt's sstrip), and takes awk's $8 as the
/// name: this is the oracle it meant, used only to classify a disagreement.
std::map<std::string, std::string> checksec_formulas_via_dynamic(const std::string& path) {
  std::string out;
  assay::test::run("readelf -W -D -s '" + path + "' 2>/dev/null", &out);
  std::istringstream in(out);
  std::string line;
  bool canary = false, fortify = false;
  std::size_t fortified = 0, unchecked = 0;
  const auto& list = hardening::fortifiable_functions();
  while (std::getline(in, line)) {
    if (line.find("__stack_chk_fail") != std::string::npos || line.find("__stack_chk_guard") != std::string::npos ||
        line.find("__intel_security_cookie") != std::string::npos) {
      canary = true;
    }
    // The name is the last column, or the one before a "(N)" version index. checksec takes awk's
    // $8, which shifts on MIPS lines whose Ndx column reads "[MIPS PLT]".
    std::vector<std::string> tok;
    std::istringstream fields(line);
    for (std::string t; fields >> t;) tok.push_back(t);
    if (tok.size() < 8 || tok[0].back() != ':') continue;
    std::string f = tok.back();
    if (f.front() == '(' && f.back() == ')') f = tok[tok.size() - 2];
    if (f.empty()) continue;
    f = f.substr(std::min(f.find_first_not_of('_'), f.size()));
    f = f.substr(0, f.find('@'));
    if (f.empty()) continue;
    if (f.size() > 4 && f.compare(f.size() - 4, 4, "_chk") == 0) {
      fortify = true;
      if (std::binary_search(list.begin(), list.end(), std::string_view(f).substr(0, f.size() - 4))) ++fortified;
    } else if (std::binary_search(list.begin(), list.end(), std::string_view(f))) {
      ++unchecked;
    }
  }
  return {{"canary", canary ? "yes" : "no"},
          {"fortify_source", fortify ? "yes" : "no"},
          {"fortified", std::to_string(fortified)},
          {"fortify-able", std::to_string(fortified + unchecked)}};
}

struct Ours {
  std::map<std::string, std::string> props;
  hardening::ElfHardening h;
  bool sectionless = false;
};

Ours judge(const std::string& path) {
  std::string bytes = assay::test::read_file(path);
  Ours o;
  auto elf = elf::parse_elf(as_bytes(bytes));
  if (!elf) return o;
  o.h = hardening::judge_elf(*elf, as_bytes(bytes));
  o.sectionless = elf->sections.empty();
  o.props["relro"] = hardening::relro_name(o.h.relro);
  o.props["canary"] = o.h.canary ? "yes" : "no";
  o.props["nx"] = o.h.nx ? "yes" : "no";
  o.props["pie"] = hardening::pie_name(o.h.pie);
  o.props["rpath"] = o.h.rpath ? "yes" : "no";
  o.props["runpath"] = o.h.runpath ? "yes" : "no";
  o.props["fortify_source"] = o.h.fortify ? "yes" : "no";
  o.props["fortified"] = std::to_string(o.h.fortified);
  o.props["fortify-able"] = std::to_string(o.h.fortifiable);
  o.props["symbols"] = o.h.symbols ? "yes" : "no";
  return o;
}

/// Compares every property; prints each disagreement; requires >= 99.5% agreement for the
/// properties the issue names (the counts and "symbols" are reported, and also required).
void compare_with_checksec(const std::vector<std::string>& files, const TempDir& tmp) {
  ASSERT_FALSE(files.empty());
  auto oracle = run_checksec(files, tmp);
  const std::vector<std::string> props = {"relro",          "canary",    "nx",           "pie", "rpath", "runpath",
                                          "fortify_source", "fortified", "fortify-able", "symbols"};
  std::map<std::string, std::size_t> agree, total, corrected;
  std::size_t compared = 0;
  for (const auto& f : files) {
    auto it = oracle.find(f);
    if (it == oracle.end()) {
      ADD_FAILURE() << "checksec gave no parseable answer for " << f;
      continue;
    }
    ++compared;
    Ours o = judge(f);
    for (const auto& p : props) {
      std::string theirs = it->second.value(p, "");
      std::string ours = o.props[p];
      ++total[p];
      if (theirs == ours) {
        ++agree[p];
        continue;
      }
      if (p == "canary" && o.h.canary_evidence == hardening::CanaryEvidence::kTlsGuardLoad) {
        // A static binary without symbols: checksec has no name to grep. objdump confirms the
        // guard loads Assay counted (x86-64 `mov %fs:0x28,%reg`, i386 `mov %gs:0x14,%reg`).
        std::string n;
        assay::test::run("objdump -d '" + f + "' | grep -cE 'mov +%(fs:0x28|gs:0x14),'", &n);
        if (std::stoul("0" + n) > 0) {
          ++agree[p];
          ++corrected[p];
          std::cout << "CHECKSEC-BLIND canary " << f << ": checksec=" << theirs << " assay=" << ours << " ("
                    << o.h.canary_guard_loads << " TLS guard loads; objdump -d shows " << std::stoul("0" + n)
                    << " mov %fs:0x28/%gs:0x14)\n";
          continue;
        }
      }
      if ((p == "canary" || p == "fortify_source" || p == "fortified" || p == "fortify-able")) {
        auto fixed = checksec_formulas_via_dynamic(f);
        if (fixed[p] == ours) {
          ++agree[p];
          ++corrected[p];
          std::cout << "CHECKSEC-BLIND " << p << " " << f << ": checksec=" << theirs << " assay=" << ours
                    << (o.sectionless ? " (no section headers;" : " (checksec misparses readelf's line;")
                    << " readelf -W -D -s agrees with assay)\n";
          continue;
        }
      }
      {
        std::cout << "DISAGREE " << p << " " << f << ": checksec=" << theirs << " assay=" << ours;
        if (p == "canary") std::cout << " (evidence " << hardening::canary_evidence_name(o.h.canary_evidence) << ")";
        if (p == "nx") std::cout << " (" << o.h.nx_reason << ")";
        std::cout << "\n";
      }
    }
  }
  std::cout << "compared " << compared << " files\n";
  for (const auto& p : props) {
    double rate = total[p] ? 100.0 * static_cast<double>(agree[p]) / static_cast<double>(total[p]) : 0;
    std::cout << "  " << p << ": " << agree[p] << "/" << total[p] << " = " << rate << "% (" << corrected[p]
              << " verified with readelf -D / objdump where checksec is blind)\n";
    EXPECT_GE(rate, 99.5) << "agreement with checksec on " << p;
  }
}

}  // namespace

TEST(HardeningOracle, SystemSampleMatchesChecksec) {
  ASSAY_REQUIRE_TOOL("checksec");
  ASSAY_REQUIRE_TOOL("readelf");
  TempDir tmp;
  // A fixed, sorted sample: every 6th ELF of /usr/bin and every 12th of the top level of the
  // multiarch library directory (about 150 files of ~650 + ~500 on Debian 12).
  auto files = elf_files("/usr/bin", false, 6, 110);
  auto libs = elf_files("/usr/lib/x86_64-linux-gnu", false, 12, 45);
  files.insert(files.end(), libs.begin(), libs.end());
  // A static-pie without symbols: the class where checksec cannot see the canary.
  if (looks_elf("/usr/sbin/ldconfig")) files.push_back("/usr/sbin/ldconfig");
  compare_with_checksec(files, tmp);
}

TEST(HardeningOracle, CorpusMatchesChecksec) {
  ASSAY_REQUIRE_CORPUS();
  ASSAY_REQUIRE_TOOL("checksec");
  ASSAY_REQUIRE_TOOL("readelf");
  TempDir tmp;
  fs::path corpus = assay::test::corpus_dir();
  auto files = elf_files(corpus / "elf", false, 1, 1000);
  for (const char* tarball : {"DV-ARM-rootfs-arm.tar.bz2", "DV-MIPSEL-rootfs-mipsel.tar.bz2"}) {
    fs::path src = corpus / "firmware" / tarball;
    ASSERT_TRUE(fs::exists(src)) << src;
    // Device nodes cannot be created unprivileged: tar reports them and extracts the rest.
    assay::test::run("tar -xjf '" + src.string() + "' -C '" + tmp.str() + "' --no-same-owner 2>/dev/null");
  }
  auto fw = elf_files(tmp.path(), true, 1, 1000);
  EXPECT_GT(fw.size(), 50u) << "the two router root file systems hold ~100 ELF files";
  files.insert(files.end(), fw.begin(), fw.end());
  compare_with_checksec(files, tmp);
}

namespace {
hardening::ElfHardening judge_corpus(const std::string& rel) {
  std::string bytes = assay::test::read_file(assay::test::corpus_dir() / rel);
  auto elf = elf::parse_elf(as_bytes(bytes));
  EXPECT_TRUE(elf.ok()) << rel;
  if (!elf) return {};
  return hardening::judge_elf(*elf, as_bytes(bytes));
}
}  // namespace

TEST(HardeningCorpus, MiniwebTwins) {
  ASSAY_REQUIRE_CORPUS();
  auto exec_stack = judge_corpus("elf/dvar-miniweb");
  auto nx = judge_corpus("elf/dvar-miniweb-nx");
  EXPECT_FALSE(exec_stack.nx);
  EXPECT_TRUE(exec_stack.has_gnu_stack);
  EXPECT_FALSE(exec_stack.canary);
  EXPECT_EQ(exec_stack.pie, hardening::Pie::kExec);
  EXPECT_EQ(exec_stack.relro, hardening::Relro::kNone);
  EXPECT_TRUE(nx.nx);
  EXPECT_FALSE(nx.canary);
  EXPECT_EQ(nx.pie, hardening::Pie::kExec);
  // A web server: network imports and classic unsafe string functions.
  EXPECT_TRUE(exec_stack.network);
  EXPECT_FALSE(exec_stack.dangerous_imports.empty());
}

TEST(HardeningCorpus, StrippedArmBusybox) {
  ASSAY_REQUIRE_CORPUS();
  auto h = judge_corpus("elf/dir615a-busybox");
  EXPECT_TRUE(h.stripped);
  EXPECT_FALSE(h.symbols);
  EXPECT_FALSE(h.is_static);
  EXPECT_EQ(h.pie, hardening::Pie::kExec);
  EXPECT_TRUE(h.network);  // busybox links telnetd/httpd/udhcpc
}

TEST(HardeningElf, StaticStrippedX86CanaryFromCode) {
  ASSAY_REQUIRE_TOOL("gcc");
  TempDir tmp;
  // A static, stripped program built with and without the protector: no symbol names the canary,
  // only the TLS guard load `mov %fs:0x28` shows it (checksec says "no" for both).
  assay::test::write_file(tmp / "p.c",
                          "#include <stdio.h>\n#include <string.h>\n"
                          "int f(const char* s){char b[64];strcpy(b,s);return printf(\"%s\",b);}\n"
                          "int main(int c,char**v){return f(c>1?v[1]:\"x\");}\n");
  ASSERT_EQ(assay::test::run("cd " + tmp.str() +
                             " && gcc -O1 -static -s -fstack-protector-all -o prot p.c"
                             " && gcc -O1 -static -s -fno-stack-protector -o unprot p.c"
                             " && gcc -O1 -fstack-protector-all -o dyn p.c 2>/dev/null"),
            0);
  std::string prot = assay::test::read_file(tmp / "prot");
  auto e = elf::parse_elf(as_bytes(prot));
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->is_static());
  EXPECT_TRUE(e->stripped());
  auto h = hardening::judge_elf(*e, as_bytes(prot));
  EXPECT_TRUE(h.canary);
  EXPECT_EQ(h.canary_evidence, hardening::CanaryEvidence::kTlsGuardLoad);
  EXPECT_GT(h.canary_guard_loads, 0u);
  // Without the bytes the judge can only use the (absent) symbols.
  EXPECT_FALSE(hardening::judge_elf(*e).canary);
  std::string dyn = assay::test::read_file(tmp / "dyn");
  auto d = elf::parse_elf(as_bytes(dyn));
  ASSERT_TRUE(d.ok());
  auto hd = hardening::judge_elf(*d, as_bytes(dyn));
  EXPECT_TRUE(hd.canary);
  EXPECT_EQ(hd.canary_evidence, hardening::CanaryEvidence::kSymbol);
  EXPECT_EQ(hd.pie, hardening::Pie::kPie);
  EXPECT_EQ(hd.dangerous_imports, std::vector<std::string>{"strcpy"});
}

TEST(HardeningElf, RelroPieRpathFromLinkerFlags) {
  ASSAY_REQUIRE_TOOL("gcc");
  TempDir tmp;
  assay::test::write_file(tmp / "m.c", "int main(void){return 0;}\n");
  ASSERT_EQ(assay::test::run("cd " + tmp.str() +
                             " && gcc -no-pie -Wl,-z,norelro -Wl,-z,execstack -Wl,--disable-new-dtags,-rpath,/opt/x -o a m.c"
                             " && gcc -pie -fPIE -Wl,-z,relro,-z,now -Wl,--enable-new-dtags,-rpath,/opt/y -fcf-protection=full -Wl,-z,ibt,-z,shstk -o b m.c"
                             " && gcc -shared -fPIC -Wl,-soname,libm1.so -o libm1.so m.c 2>/dev/null"),
            0);
  auto judge_file = [&](const char* n) {
    std::string b = assay::test::read_file(tmp / n);
    auto e = elf::parse_elf(as_bytes(b));
    EXPECT_TRUE(e.ok());
    return hardening::judge_elf(*e, as_bytes(b));
  };
  auto a = judge_file("a");
  EXPECT_EQ(a.relro, hardening::Relro::kNone);
  EXPECT_EQ(a.pie, hardening::Pie::kExec);
  EXPECT_FALSE(a.nx);
  EXPECT_TRUE(a.rpath);
  EXPECT_FALSE(a.runpath);
  auto b = judge_file("b");
  EXPECT_EQ(b.relro, hardening::Relro::kFull);
  EXPECT_EQ(b.pie, hardening::Pie::kPie);
  EXPECT_TRUE(b.nx);
  EXPECT_FALSE(b.rpath);
  EXPECT_TRUE(b.runpath);
  EXPECT_TRUE(b.ibt && b.shstk) << "-z ibt -z shstk force the GNU property note";
  EXPECT_FALSE(a.ibt || a.shstk);
  auto l = judge_file("libm1.so");
  EXPECT_EQ(l.pie, hardening::Pie::kDso);
}
