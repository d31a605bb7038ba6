#include "analyzers/inventory/inventory.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "formats/elf/elf.hpp"
#include "formats/strings/strings.hpp"
#include "inventory/binary_meta.hpp"
#include "inventory/fingerprints.hpp"
#include "inventory/manifests.hpp"
#include "inventory/package_db.hpp"
#include "inventory/purl.hpp"

namespace assay::analyzers {
namespace {

using inventory::Purl;
using nlohmann::json;

// Metadata files are small; a "status" of hundreds of MiB is not one we parse.
constexpr std::uint64_t kMaxMetadataFile = 256u * 1024 * 1024;
// A .deb's control.tar is a few KiB; its ./control a few hundred bytes.
constexpr std::size_t kMaxControlTar = 16u * 1024 * 1024;
constexpr std::size_t kMaxControlFile = 1u * 1024 * 1024;
// Data blobs (firmware regions) are scanned for boot-loader banners up to this size.
constexpr std::uint64_t kMaxBlobScan = 256u * 1024 * 1024;

std::string_view member(std::string_view path) {
  auto p = path.rfind("!/");
  return p == std::string_view::npos ? path : path.substr(p + 2);
}

std::string_view base_name(std::string_view path) {
  auto p = path.find_last_of('/');
  return p == std::string_view::npos ? path : path.substr(p + 1);
}

// True when `path` ends with the path components `suffix` ("var/lib/dpkg/status").
bool ends_with_component(std::string_view path, std::string_view suffix) {
  if (!path.ends_with(suffix)) return false;
  return path.size() == suffix.size() || path[path.size() - suffix.size() - 1] == '/';
}

std::string root_of(std::string_view path, std::string_view suffix) {
  return std::string(path.substr(0, path.size() - suffix.size()));
}

std::string utf8(std::string_view s) { return strings::valid_utf8(s); }

bool is_binary_kind(Kind k) {
  return k == Kind::kElf || k == Kind::kPe || k == Kind::kMachO || k == Kind::kMachOFat;
}
bool is_blob_kind(Kind k) {
  return k == Kind::kLinuxKernel || k == Kind::kFirmwareBlob || k == Kind::kUnknown || k == Kind::kCarvedRegion;
}

enum class Meta {
  kNone, kDpkgStatus, kDpkgStatusD, kOpkgStatus, kOpkgControl, kApkInstalled, kRpmSqlite, kOsRelease,
  kOpenwrtRelease, kPythonMetadata, kNpmPackage, kNpmLock, kPomProperties, kJarManifest, kAndroidVersion,
  kGmsProperties, kFrameworkPlist,
};

struct MetaMatch {
  Meta meta = Meta::kNone;
  std::string root;  ///< the file system root the file belongs to ("fw!/squashfs!/")
};

MetaMatch classify(std::string_view path) {
  using M = Meta;
  static constexpr std::pair<std::string_view, Meta> kFixed[] = {
      {"var/lib/dpkg/status", M::kDpkgStatus}, {"usr/lib/opkg/status", M::kOpkgStatus},
      {"usr/lib/ipkg/status", M::kOpkgStatus}, {"var/lib/opkg/status", M::kOpkgStatus},
      {"lib/apk/db/installed", M::kApkInstalled}, {"var/lib/rpm/rpmdb.sqlite", M::kRpmSqlite},
      {"usr/lib/sysimage/rpm/rpmdb.sqlite", M::kRpmSqlite}, {"etc/os-release", M::kOsRelease},
      {"usr/lib/os-release", M::kOsRelease}, {"etc/openwrt_release", M::kOpenwrtRelease},
  };
  for (const auto& [suffix, m] : kFixed)
    if (ends_with_component(path, suffix)) return {m, root_of(path, suffix)};
  std::string_view name = base_name(path);
  std::string_view dir = path.substr(0, path.size() - name.size());
  if (dir.ends_with("var/lib/dpkg/status.d/") && !name.ends_with(".md5sums"))
    return {M::kDpkgStatusD, root_of(path, std::string("var/lib/dpkg/status.d/") + std::string(name))};
  if (name.ends_with(".control") && (dir.ends_with("usr/lib/opkg/info/") || dir.ends_with("usr/lib/ipkg/info/")))
    return {M::kOpkgControl, root_of(path, std::string("usr/lib/opkg/info/") + std::string(name))};
  if ((name == "METADATA" && dir.ends_with(".dist-info/")) || (name == "PKG-INFO" && dir.ends_with(".egg-info/")))
    return {M::kPythonMetadata, std::string(dir)};
  if (name == "package.json") {
    // Only a package's own manifest: node_modules/<name>/package.json or node_modules/@s/<name>/.
    auto nm = dir.rfind("node_modules/");
    if (nm != std::string_view::npos) {
      std::string_view rest = dir.substr(nm + 13);
      auto slashes = std::count(rest.begin(), rest.end(), '/');
      if ((slashes == 1 && rest.front() != '@') || (slashes == 2 && rest.front() == '@'))
        return {M::kNpmPackage, std::string(path.substr(0, path.find("node_modules/")))};
    }
    return {};
  }
  if ((name == "package-lock.json" || name == "npm-shrinkwrap.json") && dir.find("node_modules/") == std::string_view::npos)
    return {M::kNpmLock, std::string(dir)};
  std::string_view mem = member(path);
  // Archive metadata belongs to its archive: the root is the jar/apk ("app.apk!/").
  std::string container(path.substr(0, path.size() - mem.size()));
  if (name == "pom.properties" && mem.starts_with("META-INF/maven/")) return {M::kPomProperties, container};
  if (mem == "META-INF/MANIFEST.MF") return {M::kJarManifest, container};
  if (mem.starts_with("META-INF/") && name.ends_with(".version") && mem.find('/', 9) == std::string_view::npos)
    return {M::kAndroidVersion, container};
  if (name.ends_with(".properties") && mem == name &&
      (name.starts_with("play-services-") || name.starts_with("firebase-")))
    return {M::kGmsProperties, container};
  if (name == "Info.plist" && dir.ends_with(".framework/") && dir.find("Frameworks/") != std::string_view::npos)
    return {M::kFrameworkPlist, std::string(dir)};
  return {};
}

Component base_component(const NodeInfo& n, std::string source, std::string root) {
  Component c;
  c.path = n.path;
  c.source = std::move(source);
  c.extra = json::object();
  c.extra["root"] = std::move(root);
  return c;
}

// ---- distribution package databases ---------------------------------------------------------

void add_dpkg_records(const NodeInfo& n, std::string_view text, const std::string& root, const char* source,
                      ScanContext& ctx) {
  for (auto& r : inventory::parse_dpkg_status(text)) {
    if (r.name.empty() || r.version.empty()) continue;
    bool opkg = std::string_view(source).starts_with("opkg");
    Component c = base_component(n, source, root);
    c.name = utf8(r.name);
    c.version = utf8(r.version);
    Purl p{opkg ? "opkg" : "deb", opkg ? "openwrt" : "debian", c.name, c.version, {}};
    if (!r.architecture.empty()) p.qualifiers["arch"] = utf8(r.architecture);
    c.purl = p.str();
    c.ecosystem = opkg ? "OpenWrt" : "Debian";
    c.evidence = fmt::format("Package: {} / Version: {} ({} line {})", c.name, c.version, base_name(n.path), r.line);
    for (const auto& d : r.depends) c.depends_on.push_back(utf8(d));
    if (!r.license.empty()) c.licenses.push_back(utf8(r.license));
    c.extra["package_manager"] = opkg ? "opkg" : "dpkg";
    if (!r.architecture.empty()) c.extra["architecture"] = utf8(r.architecture);
    if (!r.source_name.empty()) c.extra["source_package"] = utf8(r.source_name);
    if (!r.source_version.empty()) c.extra["source_version"] = utf8(r.source_version);
    if (!r.maintainer.empty()) c.extra["maintainer"] = utf8(r.maintainer);
    if (!r.status.empty()) c.extra["status"] = utf8(r.status);
    ctx.add_component(std::move(c));
  }
}

// Reads one member of an archive held in memory (ar, tar, any compression libarchive knows).
std::optional<std::string> archive_member(ByteView data, bool (*want)(std::string_view), std::size_t max_size) {
  struct archive* a = archive_read_new();
  archive_read_support_format_ar(a);
  archive_read_support_format_tar(a);
  archive_read_support_filter_all(a);
  std::optional<std::string> out;
  if (archive_read_open_memory(a, data.data(), data.size()) == ARCHIVE_OK) {
    struct archive_entry* e = nullptr;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
      const char* name = archive_entry_pathname(e);
      if (name == nullptr || !want(name)) continue;
      std::string buf;
      char chunk[16384];
      la_ssize_t got;
      while ((got = archive_read_data(a, chunk, sizeof chunk)) > 0) {
        if (buf.size() + static_cast<std::size_t>(got) > max_size) break;
        buf.append(chunk, static_cast<std::size_t>(got));
      }
      if (got == 0) out = std::move(buf);
      break;
    }
  }
  archive_read_free(a);
  return out;
}

void analyze_deb(const NodeView& node, ScanContext& ctx) {
  auto control_tar = archive_member(
      node.bytes, [](std::string_view n) { return n.starts_with("control.tar"); }, kMaxControlTar);
  if (!control_tar) return;
  auto control = archive_member(
      as_bytes(*control_tar), [](std::string_view n) { return n == "./control" || n == "control"; }, kMaxControlFile);
  if (!control) return;
  auto recs = inventory::parse_dpkg_status(*control);
  if (recs.empty()) return;
  const auto& r = recs.front();
  Component c = base_component(node.info, "deb-control", node.info.path + "!/");
  c.name = utf8(r.name);
  c.version = utf8(r.version);
  c.type = "application";
  Purl p{"deb", "debian", c.name, c.version, {}};
  if (!r.architecture.empty()) p.qualifiers["arch"] = utf8(r.architecture);
  c.purl = p.str();
  c.ecosystem = "Debian";
  c.sha256 = node.info.sha256;
  c.evidence = fmt::format("control: Package: {} / Version: {} / Architecture: {}", c.name, c.version, r.architecture);
  for (const auto& d : r.depends) c.depends_on.push_back(utf8(d));
  c.extra["package_manager"] = "dpkg";
  c.extra["architecture"] = utf8(r.architecture);
  if (!r.source_name.empty()) c.extra["source_package"] = utf8(r.source_name);
  if (!r.source_version.empty()) {
    c.extra["source_version"] = utf8(r.source_version);
    // "+bN": a binary-only rebuild (binNMU) of that source version; advisories name the source.
    if (c.version.starts_with(r.source_version + "+b")) c.extra["binnmu"] = true;
  }
  if (!r.maintainer.empty()) c.extra["maintainer"] = utf8(r.maintainer);
  c.extra["package_file"] = true;
  ctx.add_component(std::move(c));
}

void add_apk_records(const NodeInfo& n, std::string_view text, const std::string& root, ScanContext& ctx) {
  for (auto& r : inventory::parse_apk_installed(text)) {
    if (r.version.empty()) continue;
    Component c = base_component(n, "apk-installed", root);
    c.name = utf8(r.name);
    c.version = utf8(r.version);
    Purl p{"apk", "alpine", c.name, c.version, {}};
    if (!r.architecture.empty()) p.qualifiers["arch"] = utf8(r.architecture);
    c.purl = p.str();
    c.ecosystem = "Alpine";
    if (!r.license.empty()) c.licenses.push_back(utf8(r.license));
    c.evidence = fmt::format("P:{} V:{} (installed line {})", c.name, c.version, r.line);
    for (const auto& d : r.depends) c.depends_on.push_back(utf8(d));
    c.extra["package_manager"] = "apk";
    if (!r.architecture.empty()) c.extra["architecture"] = utf8(r.architecture);
    if (!r.origin.empty() && r.origin != r.name) c.extra["source_package"] = utf8(r.origin);
    if (!r.maintainer.empty()) c.extra["maintainer"] = utf8(r.maintainer);
    ctx.add_component(std::move(c));
  }
}

std::string rpm_namespace(std::string_view vendor) {
  std::string v(vendor);
  for (char& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (v.find("fedora") != std::string::npos) return "fedora";
  if (v.find("red hat") != std::string::npos) return "redhat";
  if (v.find("centos") != std::string::npos) return "centos";
  if (v.find("rocky") != std::string::npos) return "rocky";
  if (v.find("alma") != std::string::npos) return "almalinux";
  if (v.find("suse") != std::string::npos) return "opensuse";
  if (v.find("amazon") != std::string::npos) return "amazon";
  if (v.find("oracle") != std::string::npos) return "oracle";
  return "rpm";
}

void add_rpm_record(const NodeInfo& n, const inventory::PackageRecord& r, const std::string& root,
                    std::int64_t hnum, ScanContext& ctx) {
  Component c = base_component(n, "rpmdb", root);
  c.name = utf8(r.name);
  c.version = utf8(r.release.empty() ? r.version : r.version + "-" + r.release);
  if (r.epoch != 0) c.version = std::to_string(r.epoch) + ":" + c.version;
  Purl p{"rpm", rpm_namespace(r.vendor), c.name, utf8(r.release.empty() ? r.version : r.version + "-" + r.release),
         {}};
  if (!r.architecture.empty()) p.qualifiers["arch"] = utf8(r.architecture);
  if (r.epoch != 0) p.qualifiers["epoch"] = std::to_string(r.epoch);
  c.purl = p.str();
  c.ecosystem = "";  // set from os-release in finalize_components
  if (!r.license.empty()) c.licenses.push_back(utf8(r.license));
  c.evidence = fmt::format("rpmdb Packages hnum {}: {} {}", hnum, c.name, c.version);
  c.extra["package_manager"] = "rpm";
  if (!r.architecture.empty()) c.extra["architecture"] = utf8(r.architecture);
  if (!r.source_name.empty()) c.extra["source_rpm"] = utf8(r.source_name);
  if (!r.vendor.empty()) c.extra["vendor"] = utf8(r.vendor);
  ctx.add_component(std::move(c));
}

void analyze_rpm_sqlite(const NodeView& node, const std::string& root, ScanContext& ctx) {
  // SQLite reads the database from a private copy (deserialize wants a mutable buffer it owns).
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return;
  }
  auto* buf = static_cast<unsigned char*>(sqlite3_malloc64(node.bytes.size()));
  if (buf == nullptr) {
    sqlite3_close(db);
    return;
  }
  std::memcpy(buf, node.bytes.data(), node.bytes.size());
  if (sqlite3_deserialize(db, "main", buf, static_cast<sqlite3_int64>(node.bytes.size()),
                          static_cast<sqlite3_int64>(node.bytes.size()),
                          SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY) != SQLITE_OK) {
    sqlite3_close(db);
    return;
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT hnum, blob FROM Packages", -1, &st, nullptr) == SQLITE_OK) {
    std::size_t count = 0;
    while (sqlite3_step(st) == SQLITE_ROW && count++ < inventory::kMaxPackages) {
      std::int64_t hnum = sqlite3_column_int64(st, 0);
      const void* blob = sqlite3_column_blob(st, 1);
      int len = sqlite3_column_bytes(st, 1);
      if (blob == nullptr || len <= 0) continue;
      auto rec = inventory::parse_rpm_header(ByteView(static_cast<const std::uint8_t*>(blob), static_cast<std::size_t>(len)));
      if (rec && rec->name != "gpg-pubkey") add_rpm_record(node.info, *rec, root, hnum, ctx);
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
}

std::string cpe_part(std::string_view s) {
  std::string r;
  for (unsigned char ch : s) {
    if (!std::isalnum(ch) && ch != '_' && ch != '-' && ch != '.') r.push_back('\\');
    r.push_back(static_cast<char>(std::tolower(ch)));
  }
  return r;
}

void analyze_os_release(const NodeView& node, const std::string& root, ScanContext& ctx) {
  auto kv = inventory::parse_shell_assignments(as_chars(node.bytes));
  std::string id = kv.count("ID") ? kv["ID"] : "";
  if (id.empty()) return;
  Component c = base_component(node.info, "os-release", root);
  c.type = "operating-system";
  c.name = utf8(id);
  c.version = utf8(kv.count("VERSION_ID") ? kv["VERSION_ID"] : "");
  c.cpe = kv.count("CPE_NAME") ? utf8(kv["CPE_NAME"]) : "";
  if (c.cpe.empty() && !c.version.empty()) {
    static const std::map<std::string, std::string> kVendorProduct = {
        {"debian", "debian:debian_linux"}, {"ubuntu", "canonical:ubuntu_linux"},
        {"alpine", "alpinelinux:alpine_linux"}, {"openwrt", "openwrt:openwrt"}};
    if (auto it = kVendorProduct.find(id); it != kVendorProduct.end())
      c.cpe = "cpe:2.3:o:" + it->second + ":" + cpe_part(c.version) + ":*:*:*:*:*:*:*";
  }
  c.evidence = utf8(kv.count("PRETTY_NAME") ? kv["PRETTY_NAME"] : id + " " + c.version);
  for (const char* k : {"ID", "ID_LIKE", "VERSION_ID", "VERSION_CODENAME", "PRETTY_NAME", "BUILD_ID"})
    if (kv.count(k)) c.extra[std::string(k)] = utf8(kv[k]);
  c.sha256 = node.info.sha256;
  ctx.add_component(std::move(c));
}

void analyze_openwrt_release(const NodeView& node, const std::string& root, ScanContext& ctx) {
  auto kv = inventory::parse_shell_assignments(as_chars(node.bytes));
  std::string version = kv["DISTRIB_RELEASE"];
  if (!inventory::plausible_version(version)) {
    // Derivatives write a code name in DISTRIB_RELEASE ("Chaos Calmer") and the number only in the
    // description: take the last version-shaped word.
    std::string found;
    std::string_view d = kv["DISTRIB_DESCRIPTION"];
    while (!d.empty()) {
      auto sp = d.find(' ');
      std::string_view w = d.substr(0, sp);
      if (inventory::plausible_version(w) && w.find('.') != std::string_view::npos) found = std::string(w);
      if (sp == std::string_view::npos) break;
      d.remove_prefix(sp + 1);
    }
    version = found;
  }
  Component c = base_component(node.info, "openwrt_release", root);
  c.type = "operating-system";
  c.name = "openwrt";
  c.version = utf8(version);
  if (!c.version.empty()) c.cpe = "cpe:2.3:o:openwrt:openwrt:" + cpe_part(c.version) + ":*:*:*:*:*:*:*";
  c.evidence = utf8(kv.count("DISTRIB_DESCRIPTION") ? kv["DISTRIB_DESCRIPTION"] : "OpenWrt " + version);
  for (const char* k : {"DISTRIB_ID", "DISTRIB_RELEASE", "DISTRIB_REVISION", "DISTRIB_TARGET", "DISTRIB_CODENAME"})
    if (kv.count(k)) c.extra[std::string(k)] = utf8(kv[k]);
  c.extra["ID"] = "openwrt";
  c.sha256 = node.info.sha256;
  ctx.add_component(std::move(c));
}

// ---- language ecosystems -----------------------------------------------------------------

void add_manifest(const NodeView& node, const MetaMatch& m, const inventory::ManifestPackage& p, const char* source,
                  const char* purl_type, const char* ecosystem, ScanContext& ctx) {
  if (p.name.empty() || p.version.empty()) return;
  Component c = base_component(node.info, source, m.root);
  c.name = utf8(p.namespace_.empty() || std::string_view(purl_type) == "maven" ? p.name : p.namespace_ + "/" + p.name);
  if (std::string_view(purl_type) == "maven") c.name = utf8(p.namespace_ + ":" + p.name);
  c.version = utf8(p.version);
  std::string name = std::string_view(purl_type) == "pypi" ? inventory::pypi_normalize(p.name) : p.name;
  c.purl = Purl{purl_type, utf8(p.namespace_), utf8(name), c.version, {}}.str();
  c.ecosystem = ecosystem;
  for (const auto& l : p.licenses) c.licenses.push_back(utf8(l));
  for (const auto& d : p.depends) c.depends_on.push_back(utf8(d));
  c.evidence = fmt::format("{} {} in {}", c.name, c.version, p.locator.empty() ? base_name(node.info.path) : p.locator);
  if (p.dev) c.extra["dev"] = true;
  if (!p.locator.empty()) c.extra["locator"] = utf8(p.locator);
  ctx.add_component(std::move(c));
}

void analyze_jar_manifest(const NodeView& node, const MetaMatch& m, ScanContext& ctx) {
  auto mf = inventory::parse_jar_manifest(as_chars(node.bytes));
  std::string name = mf["Bundle-SymbolicName"];
  name = name.substr(0, name.find(';'));  // "org.x;singleton:=true"
  std::string version = mf["Bundle-Version"];
  if (name.empty()) name = mf["Implementation-Title"];
  if (version.empty()) version = mf["Implementation-Version"];
  if (name.empty() || !inventory::plausible_version(version)) return;
  Component c = base_component(node.info, "jar-manifest", m.root);
  c.name = utf8(name);
  c.version = utf8(version);
  std::string group = mf["Implementation-Vendor-Id"];
  if (!group.empty()) {
    c.purl = Purl{"maven", utf8(group), c.name, c.version, {}}.str();
    c.ecosystem = "Maven";
  } else {
    c.purl = Purl{"generic", "", c.name, c.version, {}}.str();
  }
  c.confidence = "medium";
  c.evidence = fmt::format("MANIFEST.MF: {} {}", c.name, c.version);
  c.sha256 = node.info.sha256;
  ctx.add_component(std::move(c));
}

void analyze_android_version(const NodeView& node, const MetaMatch& m, ScanContext& ctx) {
  std::string_view name = base_name(node.info.path);
  std::string group, artifact;
  if (!inventory::android_version_file_coordinates(name.substr(0, name.size() - 8), group, artifact)) return;
  std::string_view v = as_chars(node.bytes);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  if (!inventory::plausible_version(v)) return;
  inventory::ManifestPackage p;
  p.namespace_ = group;
  p.name = artifact;
  p.version = std::string(v);
  add_manifest(node, m, p, "android-version-file", "maven", "Maven", ctx);
}

void analyze_gms_properties(const NodeView& node, const MetaMatch& m, ScanContext& ctx) {
  auto props = inventory::parse_java_properties(as_chars(node.bytes));
  std::string client = props["client"], version = props["version"];
  if (client.empty() || !inventory::plausible_version(version)) return;
  inventory::ManifestPackage p;
  p.namespace_ = client.starts_with("firebase") ? "com.google.firebase" : "com.google.android.gms";
  p.name = client;
  p.version = version;
  add_manifest(node, m, p, "android-properties", "maven", "Maven", ctx);
}

void analyze_framework_plist(const NodeView& node, const MetaMatch& m, ScanContext& ctx) {
  auto b = inventory::parse_info_plist(node.bytes);
  if (!b) return;
  std::string version = !b->short_version.empty() ? b->short_version : b->build_version;
  std::string name = b->name;
  if (name.empty()) {
    std::string_view dir = m.root;
    dir.remove_suffix(1);
    name = std::string(base_name(dir));
    if (name.ends_with(".framework")) name.resize(name.size() - 10);
  }
  if (name.empty() || !inventory::plausible_version(version)) return;
  Component c = base_component(node.info, "ios-framework-plist", m.root);
  c.name = utf8(name);
  c.version = utf8(version);
  c.purl = Purl{"generic", "", c.name, c.version, {}}.str();
  c.evidence = fmt::format("CFBundleIdentifier {} CFBundleShortVersionString {}", b->identifier, b->short_version);
  if (!b->identifier.empty()) c.extra["bundle_id"] = utf8(b->identifier);
  c.sha256 = node.info.sha256;
  ctx.add_component(std::move(c));
}

// ---- binaries ------------------------------------------------------------------------------

std::string golang_purl(std::string_view module, std::string_view version) {
  Purl p;
  p.type = "golang";
  auto slash = module.rfind('/');
  if (slash != std::string_view::npos) {
    p.namespace_ = std::string(module.substr(0, slash));
    p.name = std::string(module.substr(slash + 1));
  } else {
    p.name = std::string(module);
  }
  if (version != "(devel)") p.version = std::string(version);
  return p.str();
}

void analyze_go(const NodeView& node, ScanContext& ctx) {
  auto found = inventory::find_go_buildinfo(node.bytes);
  if (!found || !*found) return;
  const auto& bi = **found;
  std::vector<std::string> dep_purls;
  for (const auto& d : bi.deps) {
    if (d.path.empty() || d.version.empty()) continue;
    Component c = base_component(node.info, "go-buildinfo", "");
    c.name = utf8(d.path);
    c.version = utf8(d.version);
    c.purl = golang_purl(c.name, c.version);
    c.ecosystem = "Go";
    c.offset = bi.offset;
    c.sha256 = node.info.sha256;
    c.evidence = fmt::format("dep\t{}\t{}", c.name, c.version);
    if (!d.replaced_by.empty()) c.extra["replaced_by"] = utf8(d.replaced_by);
    dep_purls.push_back(c.purl);
    ctx.add_component(std::move(c));
  }
  if (!bi.go_version.empty()) {
    Component c = base_component(node.info, "go-buildinfo", "");
    c.name = "stdlib";
    std::string v = bi.go_version.starts_with("go") ? bi.go_version.substr(2) : bi.go_version;
    v = v.substr(0, v.find(' '));  // "go1.22.0 X:boringcrypto"
    c.version = utf8(v);
    c.purl = Purl{"golang", "", "stdlib", c.version, {}}.str();
    c.ecosystem = "Go";
    c.offset = bi.offset;
    c.sha256 = node.info.sha256;
    c.evidence = utf8(bi.go_version);
    dep_purls.push_back(c.purl);
    ctx.add_component(std::move(c));
  }
  if (!bi.main.path.empty()) {
    Component c = base_component(node.info, "go-buildinfo", "");
    c.type = "application";
    c.name = utf8(bi.main.path);
    c.version = utf8(bi.main.version);
    c.purl = golang_purl(c.name, c.version);
    c.ecosystem = "Go";
    c.offset = bi.offset;
    c.sha256 = node.info.sha256;
    c.evidence = fmt::format("mod\t{}\t{}", c.name, c.version);
    c.depends_on = dep_purls;
    ctx.add_component(std::move(c));
  }
}

void analyze_cargo(const NodeView& node, ScanContext& ctx) {
  constexpr std::string_view kSection = ".dep-v0";
  if (::memmem(node.bytes.data(), node.bytes.size(), kSection.data(), kSection.size()) == nullptr) return;
  auto elf = elf::parse_elf(node.bytes);
  if (!elf) return;
  const elf::Section* s = elf->find_section(kSection);
  if (s == nullptr) return;
  ByteView sec = slice(node.bytes, s->offset, s->size);
  auto pkgs = inventory::parse_cargo_auditable(sec);
  if (!pkgs) return;
  std::vector<std::string> purls;
  for (const auto& p : *pkgs) purls.push_back(Purl{"cargo", "", utf8(p.name), utf8(p.version), {}}.str());
  for (std::size_t i = 0; i < pkgs->size(); ++i) {
    const auto& p = (*pkgs)[i];
    Component c = base_component(node.info, "cargo-auditable", "");
    c.type = p.root ? "application" : "library";
    c.name = utf8(p.name);
    c.version = utf8(p.version);
    c.purl = purls[i];
    c.ecosystem = p.source == "crates.io" ? "crates.io" : "";
    c.offset = s->offset;
    c.sha256 = node.info.sha256;
    c.evidence = fmt::format("{} {} ({})", c.name, c.version, p.source);
    for (std::size_t d : p.dependencies)
      if (d < purls.size()) c.depends_on.push_back(purls[d]);
    if (p.kind == "build") c.extra["build_only"] = true;
    ctx.add_component(std::move(c));
  }
}

struct FingerprintDb {
  std::shared_ptr<const inventory::Fingerprints> fp;
  std::string error;
};

void analyze_fingerprints(const NodeView& node, ScanContext& ctx) {
  const auto& db = ctx.resource<FingerprintDb>("inventory.fingerprints", [&] {
    auto r = inventory::Fingerprints::load(ctx.config().rules_dir);
    auto out = std::make_unique<FingerprintDb>();
    if (r) out->fp = *r;
    else out->error = r.error().message;
    return out;
  });
  if (!db.fp) return;
  if (!db.fp->wants(node.info.kind)) return;
  for (auto& m : db.fp->scan(node.bytes, node.info.kind, base_name(node.info.path))) {
    Component c = base_component(node.info, m.method, "");
    c.name = m.rule->name;
    c.version = m.version;
    c.cpe = inventory::Fingerprints::cpe(*m.rule, m.version);
    c.purl = m.rule->purl_base + "@" + inventory::purl_encode(m.version);
    c.evidence = utf8(m.evidence);
    c.offset = m.offset;
    c.sha256 = node.info.sha256;
    c.confidence = m.confidence;
    c.type = m.rule->name == "linux" ? "operating-system" : "library";
    json pk = json::array();
    for (const auto& p : m.rule->packages) pk.push_back(p);
    c.extra["package_names"] = std::move(pk);
    ctx.add_component(std::move(c));
  }
}

}  // namespace

bool InventoryAnalyzer::wants(const NodeInfo& node) const {
  if (node.type != "file" || node.size == 0) return false;
  if (node.kind == Kind::kDeb) return true;
  if (is_binary_kind(node.kind)) return true;
  if (is_blob_kind(node.kind) && node.size <= kMaxBlobScan && classify(node.path).meta == Meta::kNone) return true;
  return node.size <= kMaxMetadataFile && classify(node.path).meta != Meta::kNone;
}

void InventoryAnalyzer::analyze(const NodeView& node, ScanContext& ctx) const {
  const NodeInfo& n = node.info;
  if (n.kind == Kind::kDeb) {
    analyze_deb(node, ctx);
    return;
  }
  if (is_binary_kind(n.kind)) {
    analyze_go(node, ctx);
    if (n.kind == Kind::kElf) analyze_cargo(node, ctx);
    analyze_fingerprints(node, ctx);
    return;
  }
  MetaMatch m = classify(n.path);
  std::string_view text = as_chars(node.bytes);
  switch (m.meta) {
    case Meta::kNone:
      if (is_blob_kind(n.kind)) analyze_fingerprints(node, ctx);
      return;
    case Meta::kDpkgStatus:
    case Meta::kDpkgStatusD: add_dpkg_records(n, text, m.root, "dpkg-status", ctx); return;
    case Meta::kOpkgStatus: add_dpkg_records(n, text, m.root, "opkg-status", ctx); return;
    case Meta::kOpkgControl: add_dpkg_records(n, text, m.root, "opkg-control", ctx); return;
    case Meta::kApkInstalled: add_apk_records(n, text, m.root, ctx); return;
    case Meta::kRpmSqlite: analyze_rpm_sqlite(node, m.root, ctx); return;
    case Meta::kOsRelease: analyze_os_release(node, m.root, ctx); return;
    case Meta::kOpenwrtRelease: analyze_openwrt_release(node, m.root, ctx); return;
    case Meta::kPythonMetadata:
      if (auto p = inventory::parse_python_metadata(text)) add_manifest(node, m, *p, "python-metadata", "pypi", "PyPI", ctx);
      return;
    case Meta::kNpmPackage:
      if (auto p = inventory::parse_npm_package_json(text)) add_manifest(node, m, *p, "npm-package-json", "npm", "npm", ctx);
      return;
    case Meta::kNpmLock:
      if (auto ps = inventory::parse_npm_lock(text))
        for (const auto& p : *ps) add_manifest(node, m, p, "npm-lock", "npm", "npm", ctx);
      return;
    case Meta::kPomProperties: {
      auto props = inventory::parse_java_properties(text);
      inventory::ManifestPackage p;
      p.namespace_ = props["groupId"];
      p.name = props["artifactId"];
      p.version = props["version"];
      if (!p.namespace_.empty() && inventory::plausible_version(p.version))
        add_manifest(node, m, p, "pom-properties", "maven", "Maven", ctx);
      return;
    }
    case Meta::kJarManifest: analyze_jar_manifest(node, m, ctx); return;
    case Meta::kAndroidVersion: analyze_android_version(node, m, ctx); return;
    case Meta::kGmsProperties: analyze_gms_properties(node, m, ctx); return;
    case Meta::kFrameworkPlist: analyze_framework_plist(node, m, ctx); return;
  }
}

}  // namespace assay::analyzers
