#include "inventory/inventory.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "inventory/package_db.hpp"
#include "inventory/purl.hpp"

namespace assay::inventory {
namespace {

using nlohmann::json;

std::string extra_str(const Component& c, const char* key) {
  if (!c.extra.is_object()) return {};
  auto it = c.extra.find(key);
  return it != c.extra.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_packaged(const Component& c) {
  std::string pm = extra_str(c, "package_manager");
  return pm == "dpkg" || pm == "opkg" || pm == "apk" || pm == "rpm";
}

// The scope a packaged component vouches for: its file system root, or for a package file the
// package's own members ("busybox.deb!/").
std::string scope_of(const Component& c) {
  if (c.extra.is_object() && c.extra.contains("package_file")) return c.path + "!/";
  return extra_str(c, "root");
}

struct OsInfo {
  std::string id;
  std::string version_id;
};

std::string major_minor(std::string_view v) {
  auto d1 = v.find('.');
  if (d1 == std::string_view::npos) return std::string(v);
  auto d2 = v.find('.', d1 + 1);
  return std::string(v.substr(0, d2));
}

// OSV ecosystem names (https://ossf.github.io/osv-schema/#affectedpackage-field).
std::string osv_ecosystem(const std::string& pm, const OsInfo& os) {
  const std::string& v = os.version_id;
  if (pm == "dpkg") {
    if (os.id == "debian") return v.empty() ? "Debian" : "Debian:" + v.substr(0, v.find('.'));
    if (os.id == "ubuntu") return v.empty() ? "Ubuntu" : "Ubuntu:" + v;
    return "Debian";
  }
  if (pm == "apk") {
    if (os.id == "alpine") return v.empty() ? "Alpine" : "Alpine:v" + major_minor(v);
    if (os.id == "wolfi") return "Wolfi";
    if (os.id == "chainguard") return "Chainguard";
    return "Alpine";
  }
  if (pm == "rpm") {
    std::string major = v.substr(0, v.find('.'));
    if (os.id == "almalinux") return "AlmaLinux:" + major;
    if (os.id == "rocky") return "Rocky Linux:" + major;
    if (os.id == "rhel") return "Red Hat";
    if (os.id.starts_with("opensuse")) return "openSUSE";
    if (os.id == "sles") return "SUSE";
    if (os.id == "mariner" || os.id == "azurelinux") return "Azure Linux";
    return "";
  }
  if (pm == "opkg") return "OpenWrt";
  return "";
}

// Replaces the namespace of "pkg:type/ns/name..." (distribution packages carry one segment).
std::string with_namespace(const std::string& purl, const std::string& ns) {
  auto t = purl.find('/');
  if (t == std::string::npos) return purl;
  auto n = purl.find('/', t + 1);
  if (n == std::string::npos) return purl;
  return purl.substr(0, t + 1) + purl_encode(ns) + purl.substr(n);
}

// Does the version string found in a binary name the same release as the package version?
bool same_upstream(const std::string& package_version, const std::string& found) {
  if (found.empty()) return false;
  std::string up = upstream_version(package_version);
  if (up == found) return true;
  for (char sep : {'.', '+', '~', '-', '_', 'p'})
    if (up.starts_with(found + sep)) return true;
  return false;
}

int source_rank(const Component& c) {
  // The more authoritative identity wins a merge: package database, package file, manifest,
  // embedded build info, then version strings.
  static const std::map<std::string, int> kRank = {
      {"dpkg-status", 0}, {"apk-installed", 0}, {"rpmdb", 0}, {"opkg-status", 0}, {"deb-control", 1},
      {"opkg-control", 2}, {"os-release", 0}, {"openwrt_release", 1}, {"npm-lock", 3},
      {"npm-package-json", 2}, {"pom-properties", 2}, {"python-metadata", 2}, {"go-buildinfo", 3},
      {"cargo-auditable", 3}, {"jar-manifest", 5}, {"file-name", 6}, {"version-string", 7}};
  auto it = kRank.find(c.source);
  return it == kRank.end() ? 4 : it->second;
}

json occurrence(const Component& c) {
  json o = {{"path", c.path}, {"source", c.source}};
  if (!c.evidence.empty()) o["evidence"] = c.evidence;
  if (c.offset) o["offset"] = *c.offset;
  if (!c.sha256.empty()) o["sha256"] = c.sha256;
  return o;
}

void append(json& extra, const char* key, json value) {
  if (!extra.is_object()) extra = json::object();
  if (!extra.contains(key) || !extra[key].is_array()) extra[key] = json::array();
  // Occurrence lists are capped: a busybox linked into 300 applets is one component.
  constexpr std::size_t kMaxOccurrences = 64;
  if (extra[key].size() < kMaxOccurrences) extra[key].push_back(std::move(value));
}

}  // namespace

void finalize_components(std::vector<Component>& components) {
  // Components arrive in the order the worker threads finish their nodes. Every merge below picks
  // "the first" of several candidates, so the input is put in one order first: the most
  // authoritative source, then the identity and place. Without it the same product gave a CPE to
  // a package in one run and not in the next (the version string joined whichever of the opkg
  // status and control-file records came first, and the latter is merged away).
  std::stable_sort(components.begin(), components.end(), [](const Component& a, const Component& b) {
    return std::make_tuple(source_rank(a), std::cref(a.name), std::cref(a.version), std::cref(a.path),
                           std::cref(a.source), a.offset.value_or(0)) <
           std::make_tuple(source_rank(b), std::cref(b.name), std::cref(b.version), std::cref(b.path),
                           std::cref(b.source), b.offset.value_or(0));
  });
  // 1. The distribution each package database belongs to (os-release in the same root).
  std::map<std::string, OsInfo> os_by_root;
  for (const auto& c : components) {
    if (c.type != "operating-system" || (c.source != "os-release" && c.source != "openwrt_release")) continue;
    std::string root = extra_str(c, "root");
    OsInfo info{extra_str(c, "ID"), extra_str(c, "VERSION_ID")};
    if (c.source == "openwrt_release") info.version_id = c.version;
    // etc/os-release and usr/lib/os-release both exist on most systems: the first one read wins.
    if (!info.id.empty()) os_by_root.emplace(root, info);
  }
  for (auto& c : components) {
    if (!is_packaged(c)) continue;
    std::string pm = extra_str(c, "package_manager");
    auto it = os_by_root.find(extra_str(c, "root"));
    if (it == os_by_root.end()) {
      if (c.ecosystem.empty()) c.ecosystem = osv_ecosystem(pm, {});
      continue;
    }
    const OsInfo& os = it->second;
    c.ecosystem = osv_ecosystem(pm, os);
    if (pm != "opkg") {
      std::string ns = os.id == "rhel" ? "redhat" : os.id;
      if (!ns.empty()) c.purl = with_namespace(c.purl, ns);
    }
    if (!os.version_id.empty()) c.purl = purl_with_qualifier(c.purl, "distro", os.id + "-" + os.version_id);
    c.extra["distro"] = os.id + (os.version_id.empty() ? "" : "-" + os.version_id);
  }

  // 2. Dependencies by package name → the purl of that package in the same root.
  std::map<std::pair<std::string, std::string>, std::string> purl_by_name;
  for (const auto& c : components)
    if (is_packaged(c)) purl_by_name.emplace(std::make_pair(extra_str(c, "root"), c.name), c.purl);
  for (auto& c : components) {
    if (!is_packaged(c)) continue;
    std::string root = extra_str(c, "root");
    for (auto& d : c.depends_on)
      if (auto it = purl_by_name.find({root, d}); it != purl_by_name.end()) d = it->second;
  }

  // 3. A version string inside a packaged file is that package, not a second component.
  std::vector<std::size_t> packaged;
  for (std::size_t i = 0; i < components.size(); ++i)
    if (is_packaged(components[i])) packaged.push_back(i);
  std::vector<bool> drop(components.size(), false);
  for (std::size_t i = 0; i < components.size(); ++i) {
    Component& s = components[i];
    if (s.source != "version-string" && s.source != "file-name") continue;
    if (!s.extra.is_object() || !s.extra.contains("package_names")) continue;
    std::set<std::string> names;
    for (const auto& n : s.extra["package_names"])
      if (n.is_string()) names.insert(n.get<std::string>());
    names.insert(s.name);
    for (std::size_t j : packaged) {
      Component& p = components[j];
      std::string scope = scope_of(p);
      if (!s.path.starts_with(scope)) continue;
      if (!names.count(p.name) && !names.count(extra_str(p, "source_package"))) continue;
      if (!same_upstream(p.version, s.version)) continue;
      append(p.extra, "also_identified_by", occurrence(s));
      if (p.cpe.empty()) p.cpe = s.cpe;  // the upstream identity, for CPE-keyed advisories
      drop[i] = true;
      break;
    }
  }

  // 4. The same component found twice in one root (opkg status and info/*.control, a lock file
  //    and node_modules, copies of one library, one jar's manifest and its pom.properties).
  std::map<std::pair<std::string, std::string>, std::size_t> best;
  std::map<std::string, std::size_t> pom_by_root;
  for (std::size_t i = 0; i < components.size(); ++i)
    if (!drop[i] && components[i].source == "pom-properties") pom_by_root.emplace(extra_str(components[i], "root"), i);
  for (std::size_t i = 0; i < components.size(); ++i) {
    if (drop[i]) continue;
    Component& c = components[i];
    if (c.source == "jar-manifest") {
      if (auto it = pom_by_root.find(extra_str(c, "root")); it != pom_by_root.end()) {
        append(components[it->second].extra, "also_identified_by", occurrence(c));
        drop[i] = true;
        continue;
      }
    }
    std::string identity = !c.purl.empty() ? c.purl : c.type + ":" + c.name + "@" + c.version;
    auto key = std::make_pair(identity, extra_str(c, "root"));
    auto [it, inserted] = best.emplace(key, i);
    if (inserted) continue;
    std::size_t k = it->second;
    // Keep the most authoritative record, then the first path.
    bool replace = std::make_tuple(source_rank(c), std::cref(c.path)) <
                   std::make_tuple(source_rank(components[k]), std::cref(components[k].path));
    std::size_t keep = replace ? i : k, gone = replace ? k : i;
    append(components[keep].extra, "occurrences", occurrence(components[gone]));
    if (components[keep].cpe.empty()) components[keep].cpe = components[gone].cpe;
    if (components[gone].extra.is_object())
      for (const char* key : {"occurrences", "also_identified_by"})
        if (components[gone].extra.contains(key) && components[gone].extra[key].is_array())
          for (const auto& o : components[gone].extra[key]) append(components[keep].extra, key, o);
    for (const auto& d : components[gone].depends_on)
      if (std::find(components[keep].depends_on.begin(), components[keep].depends_on.end(), d) ==
          components[keep].depends_on.end())
        components[keep].depends_on.push_back(d);
    drop[gone] = true;
    it->second = keep;
  }

  std::vector<Component> out;
  out.reserve(components.size());
  for (std::size_t i = 0; i < components.size(); ++i) {
    if (drop[i]) continue;
    Component& c = components[i];
    if (c.extra.is_object()) {
      c.extra.erase("package_names");  // rule data, not a fact about the product
      if (c.extra.empty()) c.extra = nullptr;
    }
    out.push_back(std::move(c));
  }
  components = std::move(out);
  std::sort(components.begin(), components.end(), [](const Component& a, const Component& b) {
    return std::tie(a.name, a.version, a.path, a.source) < std::tie(b.name, b.version, b.path, b.source);
  });
}

}  // namespace assay::inventory
