#pragma once
/// \file version.hpp
/// Version ordering per ecosystem. A vulnerability range is only as good as the order it is
/// evaluated in: "1.0.2k" vs "1.0.2", "1:2.0-1" vs "2.0-1~bpo", "1.0rc1" vs "1.0" all differ
/// between ecosystems. docs/versions.md describes every order and its source.
///
/// Every comparison is total and never fails: a string that does not parse in its ecosystem's
/// grammar is compared with the generic upstream order (kGeneric), which accepts anything.

#include <string>
#include <string_view>

namespace assay::vulndb {

enum class VersionScheme {
  kDebian,   ///< dpkg: epoch, upstream, revision, '~' before everything (dpkg --compare-versions)
  kRpm,      ///< rpmvercmp over epoch:version-release, with '~' and '^'
  kSemver,   ///< SemVer 2.0 (npm, Go, crates.io, Hex, NuGet); leading 'v' allowed
  kPep440,   ///< Python PEP 440 (epochs, pre/post/dev releases, local versions)
  kMaven,    ///< Maven ComparableVersion (qualifiers alpha < beta < milestone < rc < snapshot < "" < sp)
  kAlpine,   ///< apk-tools: letters, _alpha/_beta/_pre/_rc < release < _cvs/_svn/_git/_hg/_p, -rN
  kGeneric,  ///< upstream C versions: numbers, patch letters (1.0.2k > 1.0.2), rc/beta words before
};

/// The order an OSV ecosystem uses ("Debian:12" -> kDebian, "PyPI" -> kPep440, "" -> kGeneric).
VersionScheme scheme_for_ecosystem(std::string_view ecosystem) noexcept;
std::string_view scheme_name(VersionScheme s) noexcept;

/// <0, 0, >0 as a is older than, equal to, newer than b.
int compare_versions(VersionScheme scheme, std::string_view a, std::string_view b);

int compare_debian(std::string_view a, std::string_view b);
int compare_rpm(std::string_view a, std::string_view b);
/// The rpmvercmp segment comparison alone (no epoch/release split).
int rpmvercmp(std::string_view a, std::string_view b);
int compare_semver(std::string_view a, std::string_view b);
int compare_pep440(std::string_view a, std::string_view b);
int compare_maven(std::string_view a, std::string_view b);
int compare_alpine(std::string_view a, std::string_view b);
int compare_generic(std::string_view a, std::string_view b);

/// True when `v` parses in the scheme's own grammar (kGeneric accepts any non-empty string).
bool valid_version(VersionScheme scheme, std::string_view v);

/// A release tag as projects name them ("curl-7_58_0", "OpenSSL_1_1_1-pre1", "v2.86",
/// "libssh2-1.11.0", "v5.5.1-stable") reduced to a version ("7.58.0", "1.1.1-pre1", "2.86",
/// "1.11.0", "5.5.1"). `package` is stripped as a prefix when present.
std::string normalize_tag(std::string_view tag, std::string_view package);

}  // namespace assay::vulndb
