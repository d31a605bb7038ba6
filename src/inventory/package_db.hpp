#pragma once
// Parsers for package databases and package metadata: dpkg/opkg status (RFC 822 stanzas), the
// Alpine installed database, RPM header blobs, os-release and openwrt_release. Pure functions from
// bytes to records; they judge nothing and know nothing of components or findings. Every count
// read from the input is bounded by the limits below: a hostile status file yields a truncated
// list, never an unbounded allocation.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::inventory {

// A real Debian system has ~3,000 packages; a big distribution image < 20,000.
inline constexpr std::size_t kMaxPackages = 100000;
// Fields per stanza: dpkg writes < 30; the rest of a hostile stanza is ignored.
inline constexpr std::size_t kMaxFieldsPerStanza = 256;
// A field value (Description, Conffiles) rarely exceeds a few KiB; longer values are cut.
inline constexpr std::size_t kMaxFieldValue = 64 * 1024;
// Dependencies kept per package (the report lists them; real packages declare < 100).
inline constexpr std::size_t kMaxDepends = 512;

/// One stanza of a Debian-style control file: fields in file order, names as written.
struct Stanza {
  std::vector<std::pair<std::string, std::string>> fields;
  std::uint32_t line = 0;  ///< 1-based line of the stanza's first field
  /// The value of `name` (case-insensitive), "" when absent.
  std::string_view get(std::string_view name) const noexcept;
};

/// Splits RFC 822-style control text (dpkg status, opkg status, .deb control, PKG-INFO headers)
/// into stanzas separated by blank lines; continuation lines (leading space or tab) are appended
/// to the previous field with a newline. Lines without a colon are skipped.
std::vector<Stanza> parse_control(std::string_view text, std::size_t max_stanzas = kMaxPackages);

/// A package as the package manager records it.
struct PackageRecord {
  std::string name;
  std::string version;  ///< full version as the package manager writes it (epoch included)
  std::string architecture;
  std::string source_name;     ///< source package, when it differs from the binary name
  std::string source_version;  ///< source version, when it differs (binNMU "+b1")
  std::string license;
  std::string maintainer;
  std::string status;  ///< "install ok installed"
  std::string origin;  ///< apk o:, the origin (source) package
  std::vector<std::string> depends;  ///< package names only (versions and alternatives dropped)
  std::uint32_t line = 0;
  std::uint64_t epoch = 0;  ///< RPM EPOCH (0 when absent); dpkg keeps it in `version`
  std::string release;      ///< RPM RELEASE
  std::string vendor;       ///< RPM VENDOR
};

/// Package names from a Depends/Pre-Depends value: "libc6 (>= 2.34), a | b, c:any" → libc6, a, c.
std::vector<std::string> parse_depends(std::string_view value);

/// The installed packages of a dpkg or opkg status file (Status's third word "installed";
/// stanzas without Status count as installed, as in a .deb control or opkg info/*.control).
std::vector<PackageRecord> parse_dpkg_status(std::string_view text);

/// Splits "busybox (1:1.35.0-4+deb12u1)" into name and version ("" when no parentheses).
std::pair<std::string, std::string> split_source_field(std::string_view value);

/// The packages of an Alpine lib/apk/db/installed file (P: V: A: L: o: m: D: lines, blank line
/// between packages).
std::vector<PackageRecord> parse_apk_installed(std::string_view text);

/// KEY=value / KEY="value" / KEY='value' lines (os-release, openwrt_release, lsb-release).
std::map<std::string, std::string> parse_shell_assignments(std::string_view text);

/// One RPM header blob as stored in an rpmdb (no lead, no magic: il, dl, index, store) or as in a
/// package file's header (with the 8-byte magic "\x8e\xad\xe8\x01" + reserved in front).
/// kTruncated/kMalformed when the index does not fit; tags pointing outside the store are skipped.
Result<PackageRecord> parse_rpm_header(ByteView blob);

// An RPM header declares its index count; real headers hold < 200 tags (we read 6).
inline constexpr std::uint32_t kMaxRpmIndexEntries = 65536;
// RPM's own limit on a header's data store (rpm/lib/header.c: 256 MiB).
inline constexpr std::uint32_t kMaxRpmDataLength = 256u * 1024 * 1024;

/// Upstream part of a packaged version: epoch ("1:") and the packaging revision ("-4+deb12u1",
/// "-r0", "-1") removed: "1:1.35.0-4+deb12u1+b1" → "1.35.0".
std::string upstream_version(std::string_view version);

}  // namespace assay::inventory
