#pragma once
// Parsers for language-ecosystem manifests: Python core metadata (METADATA / PKG-INFO), npm
// package.json and package-lock.json (v1, v2, v3), Java pom.properties and MANIFEST.MF, Android
// library version files, and Apple Info.plist bundle versions. Pure: text in, records out.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::inventory {

struct ManifestPackage {
  std::string name;
  std::string namespace_;  ///< npm scope ("@babel"), Maven group id
  std::string version;
  std::vector<std::string> licenses;
  std::vector<std::string> depends;  ///< names
  std::string locator;               ///< where in the manifest ("node_modules/a/node_modules/b")
  bool dev = false;
};

/// Python core metadata (RFC 822 headers up to the first blank line). kMalformed without Name.
Result<ManifestPackage> parse_python_metadata(std::string_view text);

/// npm package.json: name ("@scope/name" split), version, license, dependencies.
Result<ManifestPackage> parse_npm_package_json(std::string_view text);

// A lock file of a large monorepo lists ~5,000 packages.
inline constexpr std::size_t kMaxLockPackages = 100000;
// v1 lock files nest "dependencies" per level; real trees are < 30 deep.
inline constexpr std::size_t kMaxLockDepth = 64;

/// npm package-lock.json / npm-shrinkwrap.json, all lockfileVersions; the root project ("") is
/// not a component and is left out.
Result<std::vector<ManifestPackage>> parse_npm_lock(std::string_view text);

/// Java .properties (pom.properties, play-services-*.properties): key=value / key: value.
std::map<std::string, std::string> parse_java_properties(std::string_view text);

/// The main section of a JAR manifest (72-byte lines joined).
std::map<std::string, std::string> parse_jar_manifest(std::string_view text);

/// The Maven coordinates of an AndroidX/Jetpack "META-INF/<group>_<artifact>.version" file name
/// (without directory and ".version"). False when the name does not have that shape.
bool android_version_file_coordinates(std::string_view stem, std::string& group, std::string& artifact);

struct BundleInfo {
  std::string identifier;  ///< CFBundleIdentifier
  std::string name;        ///< CFBundleName, else CFBundleExecutable
  std::string short_version;  ///< CFBundleShortVersionString
  std::string build_version;  ///< CFBundleVersion
};

/// An Info.plist (binary or XML) through libplist. kMalformed when it is not a dictionary.
Result<BundleInfo> parse_info_plist(ByteView bytes);

/// True when `v` looks like a version (digits, letters, '.', '-', '+', '_', '~'; starts with a
/// digit or 'v'; 1..64 chars): guards fields copied from files into identities.
bool plausible_version(std::string_view v) noexcept;

}  // namespace assay::inventory
