#pragma once
// Package URLs (https://github.com/package-url/purl-spec): building them with the spec's
// percent-encoding and per-type normalization, and adding a qualifier to an existing one.

#include <map>
#include <string>
#include <string_view>

namespace assay::inventory {

struct Purl {
  std::string type;       ///< deb, rpm, apk, opkg, npm, pypi, maven, golang, cargo, generic
  std::string namespace_; ///< "debian", "@angular", "androidx.core", "github.com/x" ('/' kept)
  std::string name;
  std::string version;
  std::map<std::string, std::string> qualifiers;  ///< sorted by key, as the spec requires
  /// The canonical string: lower-cased type, namespace segments and name percent-encoded, version
  /// encoded, qualifiers sorted with empty values dropped.
  std::string str() const;
};

/// Percent-encodes everything except the RFC 3986 unreserved set (and ':' which the purl spec
/// leaves bare in versions and qualifier values, e.g. deb epochs "1:2.4.47-2%2Bb1").
std::string purl_encode(std::string_view s);

/// `purl` with qualifier key=value added (or replaced), qualifiers re-sorted. "" stays "".
std::string purl_with_qualifier(const std::string& purl, std::string_view key, std::string_view value);

/// PyPI's name normalization (PEP 503): lower case, runs of '-', '_', '.' become one '-'.
std::string pypi_normalize(std::string_view name);

}  // namespace assay::inventory
