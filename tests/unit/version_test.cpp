// Version ordering: oracles where a trusted implementation is installed (dpkg, python3-apt's
// libapt-pkg port of dpkg, rpm's Lua rpm.vercmp, PyPA packaging), tables from the reference test
// suites where none is (Maven ComparableVersionTest, apk-tools version.data, semver.org §11), and
// properties (antisymmetry, reflexivity, no crash) over junk for every scheme.
#include <algorithm>
#include <iostream>
#include <random>
#include <sstream>

#include "support/test_support.hpp"
#include "vulndb/version.hpp"

namespace assay::vulndb {
namespace {

using test::run;
using test::TempDir;

int sgn(int v) { return v < 0 ? -1 : (v > 0 ? 1 : 0); }

// Version generators: pairs are often mutations of each other so that the interesting cases
// (equal prefixes, ~ vs end, leading zeros) are common, not rare.
class Gen {
 public:
  explicit Gen(unsigned seed) : rng_(seed) {}
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  template <std::size_t N>
  const char* one(const char* const (&pool)[N]) { return pool[pick(N)]; }

  std::string debian() {
    static const char* const kUp[] = {"0", "1", "2", "10", "01", "9", "a", "b", "z", "A", ".", ".", "+", "~",
                                      "~rc1", "~~", "+dfsg", "+b1", "rc", "00", "3a", ".0"};
    static const char* const kRev[] = {"1", "0", "2", "1~bpo1", "1+b1", "1ubuntu1", "0.1", "10", "1.1", "~1"};
    std::string v;
    if (pick(5) == 0) v += std::to_string(pick(3)) + ":";
    v += std::to_string(pick(12));
    for (std::size_t n = pick(5); n > 0; --n) v += one(kUp);
    if (pick(3) != 0) v += std::string("-") + one(kRev);
    return v;
  }
  std::string mutate_debian(std::string v) {
    static const char* const kEdit[] = {"~", "a", "1", "0", ".", "+", "~rc1", "-1", "b"};
    switch (pick(5)) {
      case 0: return v;
      case 1: return v + (v.find('-') == std::string::npos ? one(kEdit) : "1");
      case 2:
        if (v.size() > 2) v.pop_back();
        while (!v.empty() && (v.back() == '-' || v.back() == ':')) v.pop_back();  // keep it valid
        return v.empty() ? "1" : v;
      case 3: { std::size_t p = 1 + pick(v.size()); v.insert(std::min(p, v.size()), "0"); return v; }
      default: return debian();
    }
  }
  // The whole dpkg grammar: epoch (only then ':' in upstream), upstream starting with a digit and
  // made of digits, letters, '.', '+', '~' (and '-' only when a revision follows), a revision of
  // alphanumerics, '.', '+', '~'. Pieces are short so that pairs share long prefixes.
  std::string dpkg_version() {
    static const char* const kPiece[] = {"0", "1", "2", "9", "10", "01", "00", "100", "a", "b", "z", "A", "Z",
                                         ".", ".", "+", "~", "~~", "~rc1", "+dfsg", "+b1", "rc", "p1", "3a"};
    static const char* const kRevPiece[] = {"0", "1", "2", "10", "a", "ubuntu1", "deb12u", ".", "+", "~", "bpo"};
    std::string v;
    bool epoch = pick(4) == 0;
    if (epoch) v += std::to_string(pick(3) == 0 ? pick(20) : pick(3)) + ":";
    v += std::to_string(pick(15));
    bool revision = pick(3) != 0;
    for (std::size_t n = pick(6); n > 0; --n) {
      std::size_t r = pick(20);
      if (r == 0 && revision) v += "-";      // "1.0-beta-1": the last '-' splits
      else if (r == 1 && epoch) v += ":";    // "1:2:3": colons after an epoch
      else v += one(kPiece);
    }
    if (revision) {
      v += "-";
      v += pick(2) ? std::to_string(pick(12)) : std::string(one(kRevPiece));
      for (std::size_t n = pick(4); n > 0; --n) v += one(kRevPiece);
    }
    return v;
  }
  // A near-equal neighbour of `v` that stays in the grammar: the edits that decide real orders.
  std::string dpkg_neighbour(std::string v) {
    static const char* const kTail[] = {"~", "~~", "+", "a", "0", "1", ".0", "~rc1", "+b1", "+deb12u1"};
    auto dash = v.rfind('-');
    bool has_rev = dash != std::string::npos;
    auto last_digit = v.find_last_of("0123456789");
    switch (pick(10)) {
      case 0: return v;
      case 1: return v + one(kTail);  // a suffix: '~' sorts before the end, everything else after
      case 2:                         // one character shorter (never leave '-' or ':' dangling)
        if (v.size() > 1) v.pop_back();
        while (v.size() > 1 && (v.back() == '-' || v.back() == ':')) v.pop_back();
        return v;
      case 3:  // a leading zero somewhere in a number
        if (last_digit != std::string::npos) v.insert(last_digit, "0");
        return v;
      case 4:  // a digit one up
        if (last_digit != std::string::npos && v[last_digit] != '9') ++v[last_digit];
        return v;
      case 5:  // the revision gone, or one added ("1.0" == "1.0-0")
        if (has_rev && v.find('-') == dash) return v.substr(0, dash);
        return v + (pick(2) ? "-0" : "-1");
      case 6:  // an explicit epoch 0 ("0:1.0" == "1.0"), or a bumped one
        if (v.find(':') == std::string::npos) return (pick(2) ? "0:" : "1:") + v;
        return v;
      case 7: {  // a letter flipped to '~' or '+', or the other way
        for (char& c : v)
          if (c == '~' || c == '+') { c = c == '~' ? '+' : '~'; return v; }
        return v + "~";
      }
      case 8:  // letters against digits at the same place
        if (last_digit != std::string::npos) v.insert(last_digit + 1, pick(2) ? "a" : "Z");
        return v;
      default: return dpkg_version();
    }
  }
  std::string rpm() {
    static const char* const kPart[] = {"0", "1", "2", "10", "01", "a", "b", "Z", ".", ".", "_", "+", "~", "^",
                                        "rc1", "git", "~rc", "^post", "00"};
    std::string v;
    if (pick(6) == 0) v += std::to_string(pick(3)) + ":";
    v += std::to_string(pick(10));
    for (std::size_t n = pick(5); n > 0; --n) v += one(kPart);
    if (pick(2) == 0) v += "-" + std::to_string(pick(4)) + (pick(2) ? ".el8" : (pick(2) ? "~1" : ""));
    return v;
  }
  std::string pep440() {
    static const char* const kPre[] = {"a", "b", "rc", "alpha", "beta", "c", "pre", ".a", "-rc"};
    static const char* const kPost[] = {".post", "-", "post", ".rev", "r"};
    std::string v;
    if (pick(10) == 0) v += std::to_string(pick(3)) + "!";
    v += std::to_string(pick(4));
    for (std::size_t n = pick(4); n > 0; --n) v += "." + std::to_string(pick(3));
    if (pick(3) == 0) v += std::string(one(kPre)) + std::to_string(pick(3));
    if (pick(4) == 0) v += std::string(one(kPost)) + std::to_string(pick(3) + 1);
    if (pick(4) == 0) v += ".dev" + std::to_string(pick(3));
    if (pick(6) == 0) v += std::string("+") + (pick(2) ? "ubuntu" : "1") + "." + std::to_string(pick(3));
    return v;
  }

 private:
  std::mt19937 rng_;
};

struct Pair {
  std::string a, b;
};

std::vector<Pair> pairs_of(Gen& g, std::size_t n, std::string (Gen::*make)(), bool mutate_debian) {
  std::vector<Pair> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::string a = (g.*make)();
    std::string b = mutate_debian ? g.mutate_debian(a) : (g.pick(3) == 0 ? a : (g.*make)());
    out.push_back({a, b});
  }
  return out;
}

std::string pairs_file(const TempDir& dir, const std::vector<Pair>& pairs) {
  std::string text;
  for (const auto& p : pairs) text += p.a + "\t" + p.b + "\n";
  test::write_file(dir / "pairs.txt", text);
  return (dir / "pairs.txt").string();
}

std::vector<int> parse_results(const std::string& out) {
  std::vector<int> r;
  std::istringstream in(out);
  int v;
  while (in >> v) r.push_back(sgn(v));
  return r;
}

std::string_view dpkg_op(int c) { return c < 0 ? "lt" : (c > 0 ? "gt" : "eq"); }

TEST(VersionDebian, AgreesWithDpkgOnThousandsOfPairs) {
  ASSAY_REQUIRE_TOOL("dpkg");
  // dpkg itself is the oracle, but it answers one relation per process and an exec of dpkg costs
  // ~10 ms of CPU here, so asking it about every pair would take minutes. Instead: a pool of
  // versions made of clusters (a seed and chains of near-equal neighbours), sorted by our order;
  // dpkg judges each adjacent step (one fork each, one shell for the batch). dpkg's order is a
  // total preorder, so its answer for any two pool versions follows from the steps between them:
  // every one of the pool's ~250,000 pairs, close ones included, is compared with dpkg's answer.
  Gen g(20240611);
  std::vector<std::string> pool;
  std::vector<std::size_t> cluster;
  for (std::size_t c = 0; pool.size() < 720; ++c) {
    std::string v = g.dpkg_version();
    const std::size_t first = pool.size();
    for (int k = 0; k < 10; ++k) {
      pool.push_back(v);
      cluster.push_back(c);
      // A chain of edits, sometimes branching from an earlier member of the cluster.
      v = g.dpkg_neighbour(g.pick(3) == 0 ? pool[first + g.pick(pool.size() - first)] : v);
    }
  }
  std::vector<std::size_t> order(pool.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return compare_debian(pool[x], pool[y]) < 0; });
  TempDir dir;
  std::string text;
  for (std::size_t i = 0; i + 1 < order.size(); ++i)
    text += std::string(dpkg_op(compare_debian(pool[order[i]], pool[order[i + 1]]))) + "\t" + pool[order[i]] + "\t" +
            pool[order[i + 1]] + "\n";
  test::write_file(dir / "steps.txt", text);
  // Exit 0: dpkg agrees; 1: it does not (then its own answer); 2: it rejects the syntax.
  std::string script =
      "while IFS='\t' read -r op a b; do dpkg --compare-versions \"$a\" \"$op\" \"$b\" 2>/dev/null; r=$?; "
      "if [ $r -eq 1 ]; then if dpkg --compare-versions \"$a\" lt \"$b\"; then r=lt; "
      "elif dpkg --compare-versions \"$a\" gt \"$b\"; then r=gt; else r=eq; fi; fi; echo $r; done < " +
      (dir / "steps.txt").string();
  std::string out;
  ASSERT_EQ(run(script, &out), 0);
  std::vector<std::string> answers;
  std::istringstream in(out);
  for (std::string w; in >> w;) answers.push_back(w);
  ASSERT_EQ(answers.size(), order.size() - 1);
  // dpkg's rank of each sorted position: the number of strict steps before it.
  std::vector<int> rank(order.size(), 0);
  std::size_t bad_steps = 0;
  for (std::size_t i = 0; i + 1 < order.size(); ++i) {
    std::string_view ours = dpkg_op(compare_debian(pool[order[i]], pool[order[i + 1]]));
    std::string_view dpkg = answers[i] == "0" ? ours : std::string_view(answers[i]);
    if (answers[i] != "0" && ++bad_steps <= 20)
      ADD_FAILURE() << pool[order[i]] << " vs " << pool[order[i + 1]] << ": Assay says " << ours << ", dpkg says "
                    << answers[i];
    rank[i + 1] = rank[i] + (dpkg == "eq" ? 0 : 1);
  }
  ASSERT_EQ(bad_steps, 0u);
  // Every pair of the pool against dpkg's derived answer (this also proves our order transitive,
  // without which the sort above would prove nothing).
  std::size_t pairs = 0, close = 0, equal = 0, bad = 0;
  for (std::size_t i = 0; i < order.size(); ++i)
    for (std::size_t j = i + 1; j < order.size(); ++j) {
      const std::string& a = pool[order[i]];
      const std::string& b = pool[order[j]];
      int expect = rank[i] == rank[j] ? 0 : -1;
      ++pairs;
      close += cluster[order[i]] == cluster[order[j]] ? 1 : 0;
      equal += expect == 0 ? 1 : 0;
      if ((sgn(compare_debian(a, b)) != expect || sgn(compare_debian(b, a)) != -expect) && ++bad <= 20)
        ADD_FAILURE() << a << " vs " << b << ": dpkg says " << dpkg_op(expect);
    }
  EXPECT_EQ(bad, 0u);
  EXPECT_GE(pairs, 200000u);
  EXPECT_GE(close, 3000u) << "pairs of near-equal versions (same cluster)";
  EXPECT_GE(equal, 100u) << "equal-but-different spellings (1.0 vs 1.0-0, 0:1 vs 1, 01 vs 1)";
  std::cout << "[          ] dpkg judged " << answers.size() << " steps; " << pairs << " pairs compared, " << close
            << " within clusters, " << equal << " equal" << std::endl;
}

TEST(VersionDebian, AgreesWithAptOnThousandsOfPairs) {
  if (run("/usr/bin/python3 -c 'import apt_pkg' 2>/dev/null") != 0) GTEST_SKIP() << "python3-apt not installed";
  Gen g(99);
  auto pairs = pairs_of(g, 5000, &Gen::debian, true);
  TempDir dir;
  std::string file = pairs_file(dir, pairs);
  std::string out;
  ASSERT_EQ(run("/usr/bin/python3 -c \"import apt_pkg,sys\napt_pkg.init_system()\nfor l in open(sys.argv[1]):\n"
                " a,b=l.rstrip('\\n').split('\\t'); print(apt_pkg.version_compare(a,b))\" " + file, &out), 0);
  auto expect = parse_results(out);
  ASSERT_EQ(expect.size(), pairs.size());
  std::size_t bad = 0;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (sgn(compare_debian(pairs[i].a, pairs[i].b)) != expect[i] && ++bad < 20)
      ADD_FAILURE() << pairs[i].a << " vs " << pairs[i].b << ": apt says " << expect[i];
  }
  EXPECT_EQ(bad, 0u);
}

TEST(VersionDebian, Table) {
  EXPECT_LT(compare_debian("1.0~rc1", "1.0"), 0);
  EXPECT_LT(compare_debian("1.0", "1.0+b1"), 0);
  EXPECT_LT(compare_debian("1.0-1", "1:0.9-1"), 0);
  EXPECT_EQ(compare_debian("1.0", "1.0-0"), 0);
  EXPECT_EQ(compare_debian("0:1.0", "1.0"), 0);
  EXPECT_LT(compare_debian("1.35.0-4", "1.35.0-4+deb12u1"), 0);
  EXPECT_LT(compare_debian("2022.83-1+deb12u1", "2022.83-1+deb12u3"), 0);
  EXPECT_LT(compare_debian("1.0~~", "1.0~"), 0);
  EXPECT_GT(compare_debian("1.0a", "1.0"), 0);
  EXPECT_EQ(compare_debian("1.001", "1.1"), 0);
}

TEST(VersionRpm, AgreesWithRpmVercmp) {
  ASSAY_REQUIRE_TOOL("rpm");
  Gen g(7);
  std::vector<Pair> pairs;
  for (int i = 0; i < 3000; ++i) {
    std::string a = g.rpm();
    pairs.push_back({a, g.pick(4) == 0 ? a : g.rpm()});
  }
  TempDir dir;
  std::string file = pairs_file(dir, pairs);
  // One rpm process evaluates every pair with rpm's own Lua binding (rpmverCmp on parsed EVRs).
  std::string lua = "for l in io.lines('" + file + "') do local a,b = l:match('^(.-)\\t(.*)$') print(rpm.vercmp(a,b) .. ' ') end";
  std::string out;
  ASSERT_EQ(run("rpm --eval \"%{lua: " + lua + "}\" 2>/dev/null", &out), 0);
  auto expect = parse_results(out);
  ASSERT_EQ(expect.size(), pairs.size());
  std::size_t bad = 0;
  for (std::size_t i = 0; i < pairs.size(); ++i)
    if (sgn(compare_rpm(pairs[i].a, pairs[i].b)) != expect[i] && ++bad < 20)
      ADD_FAILURE() << pairs[i].a << " vs " << pairs[i].b << ": rpm says " << expect[i];
  EXPECT_EQ(bad, 0u);
}

TEST(VersionRpm, Table) {
  EXPECT_LT(rpmvercmp("1.0~rc1", "1.0"), 0);
  EXPECT_GT(rpmvercmp("1.0^git1", "1.0"), 0);
  EXPECT_LT(rpmvercmp("1.0^git1", "1.0.1"), 0);
  EXPECT_LT(rpmvercmp("1.0", "1.0a"), 0);
  EXPECT_EQ(rpmvercmp("1.0", "1_0"), 0);
  EXPECT_GT(rpmvercmp("10", "9"), 0);
  EXPECT_GT(compare_rpm("1:1.0-1", "2.0-1"), 0);
}

TEST(VersionPep440, AgreesWithPackaging) {
  if (run("/usr/bin/python3 -c 'import packaging.version' 2>/dev/null") != 0)
    GTEST_SKIP() << "python3-packaging not installed";
  Gen g(42);
  std::vector<Pair> pairs;
  for (int i = 0; i < 3000; ++i) {
    std::string a = g.pep440();
    pairs.push_back({a, g.pick(5) == 0 ? a : g.pep440()});
  }
  TempDir dir;
  std::string file = pairs_file(dir, pairs);
  std::string out;
  ASSERT_EQ(run("/usr/bin/python3 -c \"import sys\nfrom packaging.version import Version as V\nfor l in "
                "open(sys.argv[1]):\n a,b=l.rstrip('\\n').split('\\t'); x,y=V(a),V(b); print((x>y)-(x<y))\" " + file,
                &out),
            0);
  auto expect = parse_results(out);
  ASSERT_EQ(expect.size(), pairs.size());
  std::size_t bad = 0;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    EXPECT_TRUE(valid_version(VersionScheme::kPep440, pairs[i].a)) << pairs[i].a;
    if (sgn(compare_pep440(pairs[i].a, pairs[i].b)) != expect[i] && ++bad < 20)
      ADD_FAILURE() << pairs[i].a << " vs " << pairs[i].b << ": packaging says " << expect[i];
  }
  EXPECT_EQ(bad, 0u);
}

// Each list is strictly increasing.
void expect_increasing(VersionScheme s, const std::vector<std::string>& list) {
  for (std::size_t i = 0; i < list.size(); ++i)
    for (std::size_t j = i + 1; j < list.size(); ++j) {
      EXPECT_LT(compare_versions(s, list[i], list[j]), 0) << scheme_name(s) << ": " << list[i] << " < " << list[j];
      EXPECT_GT(compare_versions(s, list[j], list[i]), 0) << scheme_name(s) << ": " << list[j] << " > " << list[i];
    }
}

TEST(VersionPep440, Table) {
  expect_increasing(VersionScheme::kPep440,
                    {"1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2",
                     "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5",
                     "1.0+abc.7", "1.0+5", "1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1", "1!0.1"});
  EXPECT_EQ(compare_pep440("1.0", "1.0.0"), 0);
  EXPECT_EQ(compare_pep440("1.0-1", "1.0.post1"), 0);
  EXPECT_EQ(compare_pep440("1.0alpha1", "1.0a1"), 0);
}

TEST(VersionSemver, Table) {
  expect_increasing(VersionScheme::kSemver,
                    {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
                     "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.10.0", "2.0.0"});
  EXPECT_EQ(compare_semver("1.0.0+build.1", "1.0.0+build.2"), 0);
  EXPECT_EQ(compare_semver("v1.2.3", "1.2.3"), 0);
  EXPECT_LT(compare_semver("v0.0.0-20191109021931-daa7c04131f5", "v0.0.1"), 0);  // Go pseudo-version
  EXPECT_GT(compare_semver("99999999999999999999.0.0", "9999999999999999999.0.0"), 0);
}

TEST(VersionMaven, ComparableVersionTestOrder) {
  // Maven's own ComparableVersionTest: VERSIONS_QUALIFIER and VERSIONS_NUMBER.
  expect_increasing(VersionScheme::kMaven,
                    {"1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2", "1-m11",
                     "1-rc", "1-cr2", "1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc",
                     "1-def", "1-pom-1", "1-1-snapshot", "1-1", "1-2", "1-123"});
  expect_increasing(VersionScheme::kMaven,
                    {"2.0", "2-1", "2.0.a", "2.0.0.a", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c",
                     "2.1-1", "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2",
                     "11.m11", "11", "11.a", "11b", "11c", "11m"});
  EXPECT_EQ(compare_maven("1", "1.0.0"), 0);
  EXPECT_EQ(compare_maven("1-ga", "1"), 0);
  EXPECT_EQ(compare_maven("1.0-FINAL", "1"), 0);
  EXPECT_EQ(compare_maven("1-cr1", "1-rc1"), 0);
}

TEST(VersionAlpine, Table) {
  expect_increasing(VersionScheme::kAlpine,
                    {"1.0_alpha", "1.0_alpha1", "1.0_beta", "1.0_pre1", "1.0_rc1", "1.0", "1.0-r1", "1.0_cvs",
                     "1.0_p1", "1.0_p1-r1", "1.0a", "1.0.1", "1.1", "1.10", "2.0"});
  EXPECT_EQ(compare_alpine("1.0-r0", "1.0-r0"), 0);
  EXPECT_LT(compare_alpine("1.01", "1.1"), 0);  // leading zeros: apk's "digit or zero" rule
  EXPECT_GT(compare_alpine("1.2.3-r10", "1.2.3-r9"), 0);
}

TEST(VersionGeneric, UpstreamOrder) {
  expect_increasing(VersionScheme::kGeneric,
                    {"0.9.8", "1.0.1u", "1.0.2", "1.0.2a", "1.0.2j", "1.0.2k", "1.1.0", "1.1.1-pre1", "1.1.1",
                     "1.1.1w", "3.0.0"});
  expect_increasing(VersionScheme::kGeneric, {"2.86test5", "2.86rc1", "2.86", "2.86.1", "2.87"});
  expect_increasing(VersionScheme::kGeneric, {"2012.55", "2013.56", "2020.81", "2022.83"});
  expect_increasing(VersionScheme::kGeneric, {"7.4", "7.4p1", "7.5", "7.58.0", "7.61.1"});
  expect_increasing(VersionScheme::kGeneric, {"1.0-alpha", "1.0-beta2", "1.0-rc1", "1.0"});
  EXPECT_EQ(compare_generic("1.0", "1.0.0"), 0);
  EXPECT_EQ(compare_generic("v1.2", "1.2"), 0);
  EXPECT_EQ(compare_generic("5.5.1-stable", "5.5.1"), 0);
  EXPECT_EQ(compare_generic("1.1.0", "1.1.0"), 0);
}

TEST(VersionTags, Normalize) {
  EXPECT_EQ(normalize_tag("curl-7_58_0", "curl"), "7.58.0");
  EXPECT_EQ(normalize_tag("OpenSSL_1_1_1-pre1", "openssl"), "1.1.1-pre1");
  EXPECT_EQ(normalize_tag("v2.86", "dnsmasq"), "2.86");
  EXPECT_EQ(normalize_tag("libssh2-1.11.0", "libssh2"), "1.11.0");
  EXPECT_EQ(normalize_tag("v5.5.1-stable", "wolfssl"), "5.5.1");
  EXPECT_EQ(normalize_tag("gnutls_3_6_11_1", "gnutls"), "3.6.11.1");
}

TEST(VersionAll, TotalOrderPropertiesOnJunk) {
  std::mt19937 rng(5);
  const std::string alphabet = "0123456789.-_~^+:!abcrpvz";
  auto junk = [&] {
    std::string s;
    std::size_t n = rng() % 12;
    for (std::size_t i = 0; i < n; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
    return s;
  };
  const VersionScheme schemes[] = {VersionScheme::kDebian, VersionScheme::kRpm,   VersionScheme::kSemver,
                                   VersionScheme::kPep440, VersionScheme::kMaven, VersionScheme::kAlpine,
                                   VersionScheme::kGeneric};
  for (int i = 0; i < 3000; ++i) {
    std::string a = junk(), b = junk();
    for (auto s : schemes) {
      EXPECT_EQ(compare_versions(s, a, a), 0) << scheme_name(s) << " " << a;
      EXPECT_EQ(sgn(compare_versions(s, a, b)), -sgn(compare_versions(s, b, a)))
          << scheme_name(s) << ": " << a << " vs " << b;
    }
  }
  std::string huge(100000, '1');
  huge[50000] = '-';
  for (auto s : schemes) (void)compare_versions(s, huge, "1.0");
  EXPECT_EQ(scheme_for_ecosystem("Debian:12"), VersionScheme::kDebian);
  EXPECT_EQ(scheme_for_ecosystem("Alpine:v3.18"), VersionScheme::kAlpine);
  EXPECT_EQ(scheme_for_ecosystem("crates.io"), VersionScheme::kSemver);
  EXPECT_EQ(scheme_for_ecosystem(""), VersionScheme::kGeneric);
}

}  // namespace
}  // namespace assay::vulndb
