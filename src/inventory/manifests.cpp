#include "inventory/manifests.hpp"

#include <plist/plist.h>

#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "inventory/package_db.hpp"

namespace assay::inventory {
namespace {

using nlohmann::json;

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string str_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// npm "license": "MIT" | {"type": "MIT"}; old "licenses": [{"type": ...}].
std::vector<std::string> npm_licenses(const json& j) {
  std::vector<std::string> out;
  auto it = j.find("license");
  if (it != j.end()) {
    if (it->is_string()) out.push_back(it->get<std::string>());
    else if (it->is_object()) out.push_back(str_of(*it, "type"));
  }
  it = j.find("licenses");
  if (it != j.end() && it->is_array())
    for (const auto& l : *it)
      if (l.is_object() && out.size() < 8) out.push_back(str_of(l, "type"));
  std::erase(out, std::string());
  return out;
}

std::vector<std::string> object_keys(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it != j.end() && it->is_object())
    for (auto e = it->begin(); e != it->end() && out.size() < kMaxDepends; ++e) out.push_back(e.key());
  return out;
}

void split_npm_name(std::string_view full, ManifestPackage& p) {
  if (!full.empty() && full.front() == '@') {
    auto slash = full.find('/');
    if (slash != std::string_view::npos) {
      p.namespace_ = std::string(full.substr(0, slash));
      p.name = std::string(full.substr(slash + 1));
      return;
    }
  }
  p.name = std::string(full);
}

std::string plist_string(plist_t dict, const char* key) {
  plist_t n = plist_dict_get_item(dict, key);
  if (n == nullptr || plist_get_node_type(n) != PLIST_STRING) return {};
  char* v = nullptr;
  plist_get_string_val(n, &v);
  std::string r = v != nullptr ? v : "";
  std::free(v);
  return r;
}

}  // namespace

bool plausible_version(std::string_view v) noexcept {
  if (v.empty() || v.size() > 64) return false;
  if (!std::isdigit(static_cast<unsigned char>(v.front())) && v.front() != 'v') return false;
  for (unsigned char c : v)
    if (!std::isalnum(c) && c != '.' && c != '-' && c != '+' && c != '_' && c != '~') return false;
  return true;
}

Result<ManifestPackage> parse_python_metadata(std::string_view text) {
  auto stanzas = parse_control(text, 1);
  if (stanzas.empty()) return make_error(Errc::kMalformed, "python metadata: no headers");
  const Stanza& s = stanzas.front();
  ManifestPackage p;
  p.name = std::string(s.get("Name"));
  p.version = std::string(s.get("Version"));
  if (p.name.empty() || p.version.empty()) return make_error(Errc::kMalformed, "python metadata: no Name or Version");
  // License-Expression (PEP 639) is SPDX; the older License field is free text, kept when short.
  std::string_view expr = s.get("License-Expression");
  std::string_view lic = s.get("License");
  if (!expr.empty()) p.licenses.emplace_back(expr);
  else if (!lic.empty() && lic != "UNKNOWN" && lic.size() <= 64 && lic.find('\n') == std::string_view::npos)
    p.licenses.emplace_back(lic);
  for (const auto& [k, v] : s.fields) {
    if (k != "Requires-Dist" || p.depends.size() >= kMaxDepends) continue;
    if (v.find("extra ==") != std::string::npos) continue;  // optional extras are not installed deps
    std::string_view name = v;
    auto end = name.find_first_of(" ;(<>=!~[");
    name = trim(name.substr(0, end));
    if (!name.empty()) p.depends.emplace_back(name);
  }
  return p;
}

Result<ManifestPackage> parse_npm_package_json(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(Errc::kMalformed, "package.json: not a JSON object");
  ManifestPackage p;
  split_npm_name(str_of(j, "name"), p);
  p.version = str_of(j, "version");
  if (p.name.empty() || p.version.empty()) return make_error(Errc::kMalformed, "package.json: no name or version");
  p.licenses = npm_licenses(j);
  p.depends = object_keys(j, "dependencies");
  return p;
}

Result<std::vector<ManifestPackage>> parse_npm_lock(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(Errc::kMalformed, "package-lock.json: not a JSON object");
  std::vector<ManifestPackage> out;
  auto pk = j.find("packages");
  if (pk != j.end() && pk->is_object()) {
    // lockfileVersion 2 and 3: flat map from install path to package.
    for (auto it = pk->begin(); it != pk->end() && out.size() < kMaxLockPackages; ++it) {
      const std::string& key = it.key();
      if (key.empty() || !it->is_object()) continue;  // "" is the root project
      auto nm = key.rfind("node_modules/");
      if (nm == std::string::npos) continue;  // workspace links ("packages/a") are the project's own
      if (it->contains("link") && (*it)["link"].is_boolean() && (*it)["link"].get<bool>()) continue;
      ManifestPackage p;
      std::string full = str_of(*it, "name");
      split_npm_name(full.empty() ? key.substr(nm + 13) : full, p);
      p.version = str_of(*it, "version");
      if (p.version.empty()) continue;
      p.licenses = npm_licenses(*it);
      p.depends = object_keys(*it, "dependencies");
      p.dev = it->contains("dev") && (*it)["dev"].is_boolean() && (*it)["dev"].get<bool>();
      p.locator = key;
      out.push_back(std::move(p));
    }
    return out;
  }
  auto deps = j.find("dependencies");
  if (deps == j.end() || !deps->is_object()) return out;
  // lockfileVersion 1: nested "dependencies"; an explicit stack bounds the depth the input chooses.
  struct Frame {
    const json* deps;
    std::string prefix;
    std::size_t depth;
  };
  std::vector<Frame> stack{{&*deps, "", 0}};
  while (!stack.empty() && out.size() < kMaxLockPackages) {
    Frame f = stack.back();
    stack.pop_back();
    for (auto it = f.deps->begin(); it != f.deps->end() && out.size() < kMaxLockPackages; ++it) {
      if (!it->is_object()) continue;
      ManifestPackage p;
      split_npm_name(it.key(), p);
      p.version = str_of(*it, "version");
      p.locator = f.prefix + "node_modules/" + it.key();
      p.dev = it->contains("dev") && (*it)["dev"].is_boolean() && (*it)["dev"].get<bool>();
      p.depends = object_keys(*it, "requires");
      // "version" may be a URL or path for git/file dependencies: not a registry version.
      if (!p.version.empty() && plausible_version(p.version)) out.push_back(p);
      auto sub = it->find("dependencies");
      if (sub != it->end() && sub->is_object() && f.depth + 1 < kMaxLockDepth)
        stack.push_back({&*sub, p.locator + "/", f.depth + 1});
    }
  }
  return out;
}

std::map<std::string, std::string> parse_java_properties(std::string_view text) {
  std::map<std::string, std::string> out;
  constexpr std::size_t kMaxKeys = 1024;  // pom.properties holds 3-5 keys
  while (!text.empty() && out.size() < kMaxKeys) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    if (!line.empty() && line.front() != '#' && line.front() != '!') {
      auto sep = line.find_first_of("=:");
      if (sep != std::string_view::npos)
        out[std::string(trim(line.substr(0, sep)))] = std::string(trim(line.substr(sep + 1)));
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

std::map<std::string, std::string> parse_jar_manifest(std::string_view text) {
  std::map<std::string, std::string> out;
  std::string* last = nullptr;
  constexpr std::size_t kMaxKeys = 1024;
  while (!text.empty() && out.size() < kMaxKeys) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // end of the main section
    if (line.front() == ' ') {
      // Continuation: the line was wrapped at 72 bytes; the leading space is not content.
      if (last != nullptr && last->size() < 4096) last->append(line.substr(1));
    } else if (auto colon = line.find(": "); colon != std::string_view::npos) {
      last = &out[std::string(line.substr(0, colon))];
      *last = std::string(line.substr(colon + 2));
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

bool android_version_file_coordinates(std::string_view stem, std::string& group, std::string& artifact) {
  // Kotlin coroutines write "kotlinx_coroutines_core.version" without their group.
  if (stem.starts_with("kotlinx_coroutines_")) {
    group = "org.jetbrains.kotlinx";
    artifact = "kotlinx-coroutines-" + std::string(stem.substr(19));
    for (char& c : artifact) if (c == '_') c = '-';
    return true;
  }
  auto dot = stem.rfind('.');
  if (dot == std::string_view::npos) return false;
  auto us = stem.find('_', dot);
  if (us == std::string_view::npos || us + 1 >= stem.size()) return false;
  group = std::string(stem.substr(0, us));
  artifact = std::string(stem.substr(us + 1));
  return true;
}

Result<BundleInfo> parse_info_plist(ByteView bytes) {
  if (bytes.size() > 0xffffffffu) return make_error(Errc::kLimit, "Info.plist too large");
  plist_t root = nullptr;
  plist_from_memory(reinterpret_cast<const char*>(bytes.data()), static_cast<std::uint32_t>(bytes.size()), &root);
  if (root == nullptr) return make_error(Errc::kMalformed, "Info.plist: not a property list");
  if (plist_get_node_type(root) != PLIST_DICT) {
    plist_free(root);
    return make_error(Errc::kMalformed, "Info.plist: root is not a dictionary");
  }
  BundleInfo b;
  b.identifier = plist_string(root, "CFBundleIdentifier");
  b.name = plist_string(root, "CFBundleName");
  if (b.name.empty()) b.name = plist_string(root, "CFBundleExecutable");
  b.short_version = plist_string(root, "CFBundleShortVersionString");
  b.build_version = plist_string(root, "CFBundleVersion");
  plist_free(root);
  return b;
}

}  // namespace assay::inventory
