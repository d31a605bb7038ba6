// Version ordering: oracles where a trusted implementation is installed (dpkg, python3-apt's
// libapt-pkg port of dpkg, rpm's Lua rpm.vercmp, PyPA packaging), tables from the reference test
// suites where none is (Maven ComparableVersionTest, apk-tools version.data, semver.org §11), and
// properties (antisymmetry, reflexivity, no crash) over junk for every scheme.
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

TEST(VersionDebian, AgreesWithDpkg) {
  ASSAY_REQUIRE_TOOL("dpkg");
  // dpkg answers one pair per process (tens of ms each on a loaded machine), so dpkg itself sees
  // a sample; the bulk goes to libapt-pkg's port of the same algorithm in the next test.
  Gen g(1234);
  auto pairs = pairs_of(g, 80, &Gen::debian, true);
  TempDir dir;
  std::string script = "while IFS='\t' read -r a b; do if dpkg --compare-versions \"$a\" lt \"$b\"; then echo -1; "
                       "elif dpkg --compare-versions \"$a\" gt \"$b\"; then echo 1; else echo 0; fi; done < " +
                       pairs_file(dir, pairs);
  std::string out;
  ASSERT_EQ(run(script, &out), 0);
  auto expect = parse_results(out);
  ASSERT_EQ(expect.size(), pairs.size());
  for (std::size_t i = 0; i < pairs.size(); ++i)
    EXPECT_EQ(sgn(compare_debian(pairs[i].a, pairs[i].b)), expect[i]) << pairs[i].a << " vs " << pairs[i].b;
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
