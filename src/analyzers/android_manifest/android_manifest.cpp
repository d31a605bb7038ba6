// The manifest judgement. Everything is decided from the decoded manifest (resolved through
// resources.arsc where a value is a reference), the network security config it names and the
// signer certificates; no DEX is read here. Members are read straight from the zip (one central
// directory walk, three bounded inflates), so an APK costs a few milliseconds whatever its size.
#include "analyzers/android_manifest/android_manifest.hpp"

#include <fmt/format.h>
#include "core/embedded.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "core/embedded.hpp"
#include "formats/apk_signing/apk_signing.hpp"
#include "formats/apk_signing/apk_zip.hpp"
#include "formats/arsc/arsc.hpp"
#include "formats/axml/axml.hpp"
#include "formats/protoxml/protoxml.hpp"
#include "formats/strings/strings.hpp"

namespace assay::analyzers {
namespace {

using nlohmann::json;

// Biggest members read: manifests are < 100 KiB, resources.arsc of the largest apps ~30 MiB,
// network security configs a few KiB.
constexpr std::uint64_t kMaxManifestBytes = 8ull << 20;
constexpr std::uint64_t kMaxArscBytes = 96ull << 20;
constexpr std::uint64_t kMaxNscBytes = 1ull << 20;
// Lists in the fact are capped: a report is for people, and a hostile manifest could declare
// 100k components.
constexpr std::size_t kMaxListed = 2'000;
constexpr std::size_t kMaxExcerpt = 400;

// Framework attribute ids (platform public.xml); the id is what the platform reads.
namespace attr {
constexpr std::uint32_t kLabel = 0x01010001;
constexpr std::uint32_t kName = 0x01010003;
constexpr std::uint32_t kPermission = 0x01010006;
constexpr std::uint32_t kReadPermission = 0x01010007;
constexpr std::uint32_t kWritePermission = 0x01010008;
constexpr std::uint32_t kProtectionLevel = 0x01010009;
constexpr std::uint32_t kEnabled = 0x0101000e;
constexpr std::uint32_t kDebuggable = 0x0101000f;
constexpr std::uint32_t kExported = 0x01010010;
constexpr std::uint32_t kTaskAffinity = 0x01010012;
constexpr std::uint32_t kAuthorities = 0x01010018;
constexpr std::uint32_t kGrantUriPermissions = 0x0101001b;
constexpr std::uint32_t kLaunchMode = 0x0101001d;
constexpr std::uint32_t kMinSdk = 0x0101020c;
constexpr std::uint32_t kVersionCode = 0x0101021b;
constexpr std::uint32_t kVersionName = 0x0101021c;
constexpr std::uint32_t kTargetSdk = 0x01010270;
constexpr std::uint32_t kMaxSdk = 0x01010271;
constexpr std::uint32_t kAllowBackup = 0x01010280;
constexpr std::uint32_t kFullBackupContent = 0x010104eb;
constexpr std::uint32_t kUsesCleartextTraffic = 0x010104ec;
constexpr std::uint32_t kNetworkSecurityConfig = 0x01010527;
}  // namespace attr

// ---- values ----------------------------------------------------------------------------------

struct Ctx {
  const axml::Document& doc;
  const arsc::ResourceTable* table;
};

// An attribute's value after following a reference through resources.arsc.
std::optional<arsc::Value> value_of(const Ctx& c, const axml::Attribute* a) {
  if (a == nullptr) return std::nullopt;
  arsc::Value v;
  v.typed = a->typed;
  if (a->typed.is(axml::ValueType::kString)) {
    v.string = a->value;
    return v;
  }
  if (a->typed.is_reference()) {
    if (c.table != nullptr)
      if (auto r = c.table->resolve(a->typed.data)) return r;
    return std::nullopt;
  }
  if (a->typed.type == 0 && a->raw) {  // untyped: the raw string is the value
    v.typed.type = static_cast<std::uint8_t>(axml::ValueType::kString);
    v.string = *a->raw;
  }
  return v;
}

std::optional<std::string> string_attr(const Ctx& c, const axml::Element& e, std::string_view name, std::uint32_t id) {
  auto v = value_of(c, e.find(name, id));
  if (!v) return std::nullopt;
  return strings::valid_utf8(v->text());
}

std::optional<bool> bool_attr(const Ctx& c, const axml::Element& e, std::string_view name, std::uint32_t id) {
  auto v = value_of(c, e.find(name, id));
  if (!v) return std::nullopt;
  if (v->typed.is(axml::ValueType::kIntBoolean) || v->typed.is(axml::ValueType::kIntDec) ||
      v->typed.is(axml::ValueType::kIntHex))
    return v->typed.data != 0;
  if (v->typed.is(axml::ValueType::kString)) {
    if (v->string == "true") return true;
    if (v->string == "false") return false;
  }
  return std::nullopt;
}

std::optional<std::int64_t> int_attr(const Ctx& c, const axml::Element& e, std::string_view name, std::uint32_t id) {
  auto v = value_of(c, e.find(name, id));
  if (!v) return std::nullopt;
  if (v->typed.is(axml::ValueType::kIntDec) || v->typed.is(axml::ValueType::kIntHex))
    return static_cast<std::int64_t>(static_cast<std::int32_t>(v->typed.data));
  if (v->typed.is(axml::ValueType::kString)) {
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(v->string.data(), v->string.data() + v->string.size(), n);
    if (ec == std::errc() && p == v->string.data() + v->string.size()) return n;
  }
  return std::nullopt;
}

json opt(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }
json opt(const std::optional<bool>& v) { return v ? json(*v) : json(nullptr); }
json opt(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }

// The element's own start tag, for evidence.
std::string start_tag(const axml::Element& e, const arsc::ResourceTable* table) {
  std::string s = "<" + e.name;
  for (const auto& a : e.attributes) {
    std::string v = a.value;
    if (table != nullptr && a.typed.is_reference())
      if (auto n = table->name(a.typed.data)) v = *n;
    s += " " + a.qualified_name() + "=\"" + v + "\"";
    if (s.size() > kMaxExcerpt) break;
  }
  s += e.children.empty() ? "/>" : ">";
  if (s.size() > kMaxExcerpt) s = s.substr(0, kMaxExcerpt - 3) + "...";
  return strings::valid_utf8(s);
}

// ---- the model -------------------------------------------------------------------------------

struct Component {
  std::string type;
  std::string name;
  bool exported = false;
  bool explicit_export = false;
  bool enabled = true;
  std::optional<std::string> permission, read_permission, write_permission;
  std::vector<std::string> actions, categories;
  bool launcher = false;
  std::optional<bool> grant_uri;
  std::optional<std::string> task_affinity;
  std::optional<std::int64_t> launch_mode;
  std::optional<std::string> authorities;
  std::uint32_t line = 0;
  std::string excerpt;
};

struct Nsc {
  std::string path;
  std::optional<bool> base_cleartext;
  std::vector<std::string> cleartext_domains;
  bool user_cas_base = false;    // user CAs trusted in base-config
  bool user_cas_domain = false;  // ... in a domain-config
  json pin_sets = json::array();
  std::string base_excerpt, user_ca_excerpt, domains_excerpt;
};

struct App {
  std::string package;
  std::optional<std::int64_t> version_code;
  std::optional<std::string> version_name, label;
  std::int64_t min_sdk = 1;
  std::optional<std::int64_t> target_sdk_declared;
  std::int64_t target_sdk = 1;
  std::optional<bool> debuggable, allow_backup, uses_cleartext;
  std::optional<std::string> full_backup_content, app_permission, app_task_affinity;
  std::uint32_t app_line = 0;
  std::string app_excerpt, sdk_excerpt, manifest_excerpt;
  std::uint32_t sdk_line = 0;
  json permissions = json::array();
  struct CustomPermission {
    std::string name, level;
    std::uint32_t line;
    std::string excerpt;
  };
  std::vector<CustomPermission> custom_permissions;
  std::vector<Component> components;
  std::optional<std::string> nsc_ref;  // the resource path of the network security config
  std::optional<Nsc> nsc;
  apk_signing::SigningInfo signing;
  bool signing_read = false;
  // An App Bundle (AAB) keeps its manifest in aapt2's protobuf XML under base/manifest/, its
  // resources in base/resources.pb (not decoded: references stay unresolved) and is never
  // installed as such: Play builds and re-signs the APKs.
  bool bundle = false;
  std::string manifest_path = "AndroidManifest.xml";
  std::vector<std::string> diagnostics;
};

std::string qualify(const std::string& pkg, const std::string& name) {
  if (name.empty()) return name;
  if (name[0] == '.') return pkg + name;
  if (name.find('.') == std::string::npos) return pkg + "." + name;
  return name;
}

std::string protection_level_name(const arsc::Value& v) {
  if (v.typed.is(axml::ValueType::kString)) return v.string;
  // android:protectionLevel flags: base 0 normal, 1 dangerous, 2 signature, 3 signatureOrSystem.
  static constexpr const char* kBase[] = {"normal", "dangerous", "signature", "signatureOrSystem"};
  std::uint32_t base = v.typed.data & 0xF;
  std::string s = base < 4 ? kBase[base] : fmt::format("0x{:x}", v.typed.data);
  if (v.typed.data & ~0xFu) s += fmt::format("|0x{:x}", v.typed.data & ~0xFu);
  return s;
}

void read_manifest(const Ctx& c, App& app) {
  const axml::Element* root = c.doc.root();
  if (root == nullptr) return;
  app.package = strings::valid_utf8(string_attr(c, *root, "package", 0).value_or(""));
  app.version_code = int_attr(c, *root, "versionCode", attr::kVersionCode);
  app.version_name = string_attr(c, *root, "versionName", attr::kVersionName);
  app.manifest_excerpt = start_tag(*root, c.table);
  std::optional<std::int64_t> min_sdk;
  // First pass: uses-sdk (its targetSdk decides the implicit-export rule of every component).
  for (std::size_t child : root->children) {
    const axml::Element& e = c.doc.elements[child];
    if (e.name != "uses-sdk") continue;
    min_sdk = int_attr(c, e, "minSdkVersion", attr::kMinSdk);
    app.target_sdk_declared = int_attr(c, e, "targetSdkVersion", attr::kTargetSdk);
    app.sdk_line = e.line;
    app.sdk_excerpt = start_tag(e, c.table);
    break;
  }
  app.min_sdk = min_sdk.value_or(1);
  app.target_sdk = app.target_sdk_declared.value_or(app.min_sdk);

  for (std::size_t child : root->children) {
    const axml::Element& e = c.doc.elements[child];
    if (e.name == "uses-permission" || e.name == "uses-permission-sdk-23" || e.name == "uses-permission-sdk-m") {
      auto name = string_attr(c, e, "name", attr::kName);
      if (name && app.permissions.size() < kMaxListed)
        app.permissions.push_back({{"name", *name}, {"max_sdk", opt(int_attr(c, e, "maxSdkVersion", attr::kMaxSdk))}});
    } else if (e.name == "permission") {
      auto name = string_attr(c, e, "name", attr::kName);
      if (!name || app.custom_permissions.size() >= kMaxListed) continue;
      auto level = value_of(c, e.find("protectionLevel", attr::kProtectionLevel));
      app.custom_permissions.push_back({*name, level ? protection_level_name(*level) : "normal", e.line, start_tag(e, c.table)});
    } else if (e.name == "application") {
      app.app_line = e.line;
      app.app_excerpt = start_tag(e, c.table);
      app.label = string_attr(c, e, "label", attr::kLabel);
      app.debuggable = bool_attr(c, e, "debuggable", attr::kDebuggable);
      app.allow_backup = bool_attr(c, e, "allowBackup", attr::kAllowBackup);
      app.uses_cleartext = bool_attr(c, e, "usesCleartextTraffic", attr::kUsesCleartextTraffic);
      app.full_backup_content = string_attr(c, e, "fullBackupContent", attr::kFullBackupContent);
      app.app_permission = string_attr(c, e, "permission", attr::kPermission);
      app.app_task_affinity = string_attr(c, e, "taskAffinity", attr::kTaskAffinity);
      app.nsc_ref = string_attr(c, e, "networkSecurityConfig", attr::kNetworkSecurityConfig);
      for (std::size_t ci : e.children) {
        const axml::Element& ce = c.doc.elements[ci];
        static constexpr std::string_view kTypes[] = {"activity", "activity-alias", "service", "receiver", "provider"};
        if (std::find(std::begin(kTypes), std::end(kTypes), ce.name) == std::end(kTypes)) continue;
        if (app.components.size() >= kMaxListed) break;
        Component comp;
        comp.type = ce.name;
        comp.name = strings::valid_utf8(qualify(app.package, string_attr(c, ce, "name", attr::kName).value_or("")));
        comp.line = ce.line;
        comp.excerpt = start_tag(ce, c.table);
        comp.enabled = bool_attr(c, ce, "enabled", attr::kEnabled).value_or(true);
        comp.permission = string_attr(c, ce, "permission", attr::kPermission);
        if (!comp.permission) comp.permission = app.app_permission;
        comp.read_permission = string_attr(c, ce, "readPermission", attr::kReadPermission);
        comp.write_permission = string_attr(c, ce, "writePermission", attr::kWritePermission);
        comp.task_affinity = string_attr(c, ce, "taskAffinity", attr::kTaskAffinity);
        comp.launch_mode = int_attr(c, ce, "launchMode", attr::kLaunchMode);
        if (comp.type == "provider") {
          comp.grant_uri = bool_attr(c, ce, "grantUriPermissions", attr::kGrantUriPermissions);
          comp.authorities = string_attr(c, ce, "authorities", attr::kAuthorities);
        }
        bool has_filter = false;
        for (std::size_t fi : ce.children) {
          const axml::Element& f = c.doc.elements[fi];
          if (f.name != "intent-filter") continue;
          has_filter = true;
          bool main = false, launcher = false;
          for (std::size_t ai : f.children) {
            const axml::Element& a = c.doc.elements[ai];
            auto n = string_attr(c, a, "name", attr::kName);
            if (!n) continue;
            if (a.name == "action") {
              if (comp.actions.size() < 64 && std::find(comp.actions.begin(), comp.actions.end(), *n) == comp.actions.end())
                comp.actions.push_back(*n);
              main = main || *n == "android.intent.action.MAIN";
            } else if (a.name == "category") {
              if (comp.categories.size() < 64 && std::find(comp.categories.begin(), comp.categories.end(), *n) == comp.categories.end())
                comp.categories.push_back(*n);
              launcher = launcher || *n == "android.intent.category.LAUNCHER" || *n == "android.intent.category.LEANBACK_LAUNCHER";
            }
          }
          comp.launcher = comp.launcher || (main && launcher);
        }
        auto exported = bool_attr(c, ce, "exported", attr::kExported);
        comp.explicit_export = exported.has_value();
        if (exported) comp.exported = *exported;
        else if (comp.type == "provider") comp.exported = app.target_sdk < 17;  // default changed in API 17
        else comp.exported = has_filter && app.target_sdk < 31;
        app.components.push_back(std::move(comp));
      }
    }
  }
}

// ---- network security config -----------------------------------------------------------------

bool inside(const axml::Document& d, const axml::Element& e, std::string_view ancestor) {
  for (std::size_t p = e.parent; p != axml::Element::kNoParent; p = d.elements[p].parent)
    if (d.elements[p].name == ancestor) return true;
  return false;
}

// cleartextTrafficPermitted of a domain-config, inherited from enclosing domain-configs.
std::optional<bool> domain_cleartext(const Ctx& c, const axml::Element& e) {
  for (const axml::Element* cur = &e;;) {
    if (auto b = bool_attr(c, *cur, "cleartextTrafficPermitted", 0)) return b;
    if (cur->parent == axml::Element::kNoParent) return std::nullopt;
    cur = &c.doc.elements[cur->parent];
    if (cur->name != "domain-config") return std::nullopt;
  }
}

Nsc read_nsc(const Ctx& c, std::string path) {
  Nsc n;
  n.path = std::move(path);
  for (const auto& e : c.doc.elements) {
    if (inside(c.doc, e, "debug-overrides") || e.name == "debug-overrides") continue;
    if (e.name == "base-config") {
      n.base_cleartext = bool_attr(c, e, "cleartextTrafficPermitted", 0);
      n.base_excerpt = start_tag(e, c.table);
    } else if (e.name == "domain-config") {
      if (domain_cleartext(c, e).value_or(false)) {
        for (std::size_t ci : e.children) {
          const axml::Element& d = c.doc.elements[ci];
          if (d.name == "domain" && n.cleartext_domains.size() < kMaxListed)
            n.cleartext_domains.push_back(strings::valid_utf8(d.text));
        }
        if (n.domains_excerpt.empty()) n.domains_excerpt = start_tag(e, c.table);
      }
    } else if (e.name == "certificates") {
      auto src = string_attr(c, e, "src", 0);
      if (src && *src == "user") {
        if (inside(c.doc, e, "domain-config")) n.user_cas_domain = true;
        else n.user_cas_base = true;
        if (n.user_ca_excerpt.empty()) n.user_ca_excerpt = start_tag(e, c.table);
      }
    } else if (e.name == "pin-set" && n.pin_sets.size() < 64) {
      json set = {{"expiration", opt(string_attr(c, e, "expiration", 0))}, {"domains", json::array()},
                  {"digests", json::array()}};
      if (e.parent != axml::Element::kNoParent)
        for (std::size_t ci : c.doc.elements[e.parent].children)
          if (c.doc.elements[ci].name == "domain") set["domains"].push_back(strings::valid_utf8(c.doc.elements[ci].text));
      for (std::size_t ci : e.children) {
        const axml::Element& p = c.doc.elements[ci];
        if (p.name == "pin" && set["digests"].size() < 64)
          set["digests"].push_back(strings::valid_utf8(string_attr(c, p, "digest", 0).value_or("SHA-256") + "/" + p.text));
      }
      n.pin_sets.push_back(std::move(set));
    }
  }
  return n;
}

// ---- reading a package -----------------------------------------------------------------------

// Binary AXML (APK) or protobuf XML (AAB, `aapt2 convert --output-format proto`), told apart by
// their first bytes (an AXML chunk starts 03 00, a proto XmlNode with the tag 0a).
Result<axml::Document> decode_xml(ByteView bytes) {
  if (protoxml::looks_like_proto_xml(bytes)) return protoxml::parse(bytes);
  return axml::parse(bytes);
}

constexpr const char* kBundleManifest = "base/manifest/AndroidManifest.xml";

// The bundle's network security config: with resources.pb undecoded the reference is not
// resolved, but aapt2 keeps the source text ("@xml/network_security_config") beside the id, and
// bundle resources sit at base/res/<type>/<name>.xml.
std::optional<std::string> bundle_nsc_path(const axml::Document& doc) {
  for (const auto& e : doc.elements) {
    if (e.name != "application") continue;
    const axml::Attribute* a = e.find("networkSecurityConfig", attr::kNetworkSecurityConfig);
    if (a == nullptr || !a->raw || a->raw->rfind("@xml/", 0) != 0) return std::nullopt;
    std::string name = a->raw->substr(5);
    if (name.empty() || name.find_first_of("/\\") != std::string::npos) return std::nullopt;
    return "base/res/xml/" + name + ".xml";
  }
  return std::nullopt;
}

Result<App> read_package(ByteView bytes) {
  ASSAY_TRY(apk::ZipIndex zip, apk::ZipIndex::open(bytes));
  const zip::CentralEntry* me = zip.find("AndroidManifest.xml");
  const bool bundle = me == nullptr && (me = zip.find(kBundleManifest)) != nullptr;
  if (me == nullptr) return make_error(Errc::kMalformed, "no AndroidManifest.xml in the package");
  ASSAY_TRY(std::vector<std::uint8_t> manifest_bytes, zip.read(*me, kMaxManifestBytes));
  ASSAY_TRY(axml::Document doc, decode_xml(manifest_bytes));
  App app;
  app.bundle = bundle;
  if (bundle) app.manifest_path = kBundleManifest;
  for (const auto& d : doc.diagnostics) app.diagnostics.push_back(app.manifest_path + ": " + d);
  std::optional<arsc::ResourceTable> table;
  if (const zip::CentralEntry* ae = bundle ? nullptr : zip.find("resources.arsc")) {
    auto arsc_bytes = zip.read(*ae, kMaxArscBytes);
    if (arsc_bytes) {
      auto t = arsc::ResourceTable::parse(*arsc_bytes);
      if (t) table = std::move(t).value();
      else app.diagnostics.push_back("resources.arsc: " + t.error().message);
    } else {
      app.diagnostics.push_back("resources.arsc: " + arsc_bytes.error().message);
    }
  }
  const arsc::ResourceTable* tp = table ? &*table : nullptr;
  Ctx c{doc, tp};
  read_manifest(c, app);
  if (bundle) {
    app.nsc_ref = bundle_nsc_path(doc);
    if (zip.find("base/resources.pb") != nullptr)
      app.diagnostics.push_back("base/resources.pb (protobuf resource table) is not decoded: resource references in the manifest are not resolved");
  }
  if (app.nsc_ref && !app.nsc_ref->empty()) {
    if (const zip::CentralEntry* ne = zip.find(*app.nsc_ref)) {
      auto nb = zip.read(*ne, kMaxNscBytes);
      auto nd = nb ? decode_xml(*nb) : Result<axml::Document>(nb.error());
      if (nd) app.nsc = read_nsc(Ctx{*nd, tp}, *app.nsc_ref);
      else app.diagnostics.push_back(*app.nsc_ref + ": " + nd.error().message);
    } else {
      app.diagnostics.push_back("network security config " + *app.nsc_ref + " not in the package");
    }
  }
  app.signing = apk_signing::read_signing_info(bytes);
  app.signing_read = true;
  return app;
}

json to_fact(const App& app) {
  json comps = json::array();
  for (const auto& c : app.components)
    comps.push_back({{"type", c.type},
                     {"name", c.name},
                     {"exported", c.exported},
                     {"explicit_export", c.explicit_export},
                     {"enabled", c.enabled},
                     {"permission", opt(c.permission)},
                     {"read_permission", opt(c.read_permission)},
                     {"write_permission", opt(c.write_permission)},
                     {"intent_actions", c.actions},
                     {"intent_categories", c.categories},
                     {"launcher", c.launcher},
                     {"grant_uri_permissions", opt(c.grant_uri)},
                     {"authorities", opt(c.authorities)},
                     {"task_affinity", opt(c.task_affinity)},
                     {"launch_mode", opt(c.launch_mode)}});
  json custom = json::array();
  for (const auto& p : app.custom_permissions) custom.push_back({{"name", p.name}, {"protection_level", p.level}});
  json nsc = nullptr;
  if (app.nsc)
    nsc = {{"path", app.nsc->path},
           {"base_cleartext_permitted", opt(app.nsc->base_cleartext)},
           {"cleartext_domains", app.nsc->cleartext_domains},
           {"trusts_user_cas", app.nsc->user_cas_base || app.nsc->user_cas_domain},
           {"pin_sets", app.nsc->pin_sets}};
  json signers = json::array();
  for (const auto& s : app.signing.signers) signers.push_back(apk_signing::to_json(s));
  json j = {{"package", app.package},
            {"version_code", opt(app.version_code)},
            {"version_name", opt(app.version_name)},
            {"label", opt(app.label)},
            {"min_sdk", app.min_sdk},
            {"target_sdk", app.target_sdk},
            {"debuggable", app.debuggable.value_or(false)},
            {"allow_backup", app.allow_backup.value_or(true)},
            {"full_backup_content", opt(app.full_backup_content)},
            {"uses_cleartext_traffic", opt(app.uses_cleartext)},
            {"network_security_config", nsc},
            {"permissions", app.permissions},
            {"custom_permissions", custom},
            {"components", comps},
            {"signers", signers},
            {"schemes", app.signing.schemes}};
  j["package_format"] = app.bundle ? "aab" : "apk";
  if (!app.diagnostics.empty()) j["diagnostics"] = app.diagnostics;
  return j;
}

// ---- rules -----------------------------------------------------------------------------------

struct Rule {
  std::string title, remediation, rationale;
  Category category = Category::kHardening;
  Severity severity = Severity::kMedium;
  std::vector<std::string> cwe, tags, references;
  std::map<std::string, Severity> by_component;
  std::map<std::string, std::int64_t> numbers;  // own numeric fields (SDK floors)
};
struct RulePack {
  std::map<std::string, Rule> rules;
  std::string error;
};

std::optional<Category> category_from(std::string_view s) {
  for (Category c : {Category::kBackdoor, Category::kPrivacy, Category::kCrypto, Category::kVulnerability,
                     Category::kHardening, Category::kIntegrity, Category::kCoverage})
    if (category_name(c) == s) return c;
  return std::nullopt;
}

std::unique_ptr<RulePack> load_rules(const std::string& rules_dir) {
  auto pack = std::make_unique<RulePack>();
  auto text = load_data_file("rules/android/manifest.yaml", rules_dir);
  if (!text) {
    pack->error = text.error().message;
    return pack;
  }
  try {
    yaml::Node root = load_yaml(*text);
    for (const auto& r : root["rules"]) {
      Rule rule;
      std::string id = r["id"].as<std::string>();
      rule.title = r["title"].as<std::string>("");
      rule.remediation = r["remediation"].as<std::string>("");
      rule.rationale = r["rationale"].as<std::string>("");
      rule.category = category_from(r["category"].as<std::string>("hardening")).value_or(Category::kHardening);
      rule.severity = severity_from_name(r["severity"].as<std::string>("medium")).value_or(Severity::kMedium);
      for (const char* list : {"cwe", "tags", "references"}) {
        auto& dst = std::string_view(list) == "cwe" ? rule.cwe : std::string_view(list) == "tags" ? rule.tags : rule.references;
        if (r[list] && r[list].IsSequence())
          for (const auto& v : r[list]) dst.push_back(v.as<std::string>());
      }
      if (r["severity_by_component"] && r["severity_by_component"].IsMap())
        for (const auto& kv : r["severity_by_component"])
          if (auto s = severity_from_name(kv.second.as<std::string>()))
            rule.by_component[kv.first.as<std::string>()] = *s;
      for (const char* k : {"min_sdk_floor", "target_sdk_floor", "legacy_launch_mode_target"})
        if (r[k]) rule.numbers[k] = r[k].as<std::int64_t>();
      pack->rules[id] = std::move(rule);
    }
  } catch (const std::exception& e) {
    pack->error = std::string("rules/android/manifest.yaml: ") + e.what();
  }
  return pack;
}

class Reporter {
 public:
  Reporter(const RulePack& pack, ScanContext& ctx, std::string path) : pack_(pack), ctx_(ctx), path_(std::move(path)) {}

  const Rule* rule(const std::string& id) const {
    auto it = pack_.rules.find(id);
    return it == pack_.rules.end() ? nullptr : &it->second;
  }
  std::int64_t number(const std::string& id, const std::string& key, std::int64_t fallback) const {
    const Rule* r = rule(id);
    if (r == nullptr) return fallback;
    auto it = r->numbers.find(key);
    return it == r->numbers.end() ? fallback : it->second;
  }

  void add(const std::string& id, std::string member, std::uint32_t line, std::string excerpt, std::string description,
           std::string key = {}, std::optional<Severity> severity = std::nullopt, std::string confidence = "high") {
    const Rule* r = rule(id);
    Finding f;
    f.rule_id = id;
    if (r != nullptr) {
      f.title = r->title;
      f.category = r->category;
      f.severity = r->severity;
      f.remediation = r->remediation;
      f.cwe = r->cwe;
      f.tags = r->tags;
      f.references = r->references;
    } else {
      f.title = id;
      f.category = Category::kHardening;
      f.severity = Severity::kMedium;
      f.remediation = "See the rule documentation.";
    }
    if (severity) f.severity = *severity;
    f.description = std::move(description);
    Evidence ev;
    ev.path = member.empty() ? path_ : path_ + "!/" + member;
    if (line != 0) ev.line = line;
    ev.excerpt = std::move(excerpt);
    f.evidence.push_back(std::move(ev));
    f.key = std::move(key);
    f.confidence = std::move(confidence);
    ctx_.add_finding(std::move(f));
  }

 private:
  const RulePack& pack_;
  ScanContext& ctx_;
  std::string path_;
};

void judge(const App& app, Reporter& rep) {
  const std::string& manifest = app.manifest_path;
  if (app.debuggable.value_or(false))
    rep.add("android.debuggable", manifest, app.app_line, app.app_excerpt,
            "The <application> element sets android:debuggable=\"true\": the app accepts a debugger and run-as "
            "access on any device.");
  if (app.allow_backup.value_or(true)) {
    bool explicit_true = app.allow_backup.has_value();
    std::string desc = explicit_true ? "android:allowBackup=\"true\"" : "android:allowBackup is absent (it defaults to true)";
    desc += app.full_backup_content ? fmt::format("; backup rules restrict it ({})", *app.full_backup_content)
                                    : "; no backup rules restrict what is copied";
    desc += ": the app's private data can be extracted through backup.";
    std::optional<Severity> sev;
    if (!explicit_true || app.full_backup_content) sev = Severity::kLow;
    rep.add("android.allow-backup", manifest, app.app_line, app.app_excerpt, desc, {}, sev);
  }

  // Cleartext: the manifest attribute is ignored when a network security config exists (API 24+).
  if (app.nsc) {
    const Nsc& n = *app.nsc;
    bool base = n.base_cleartext.value_or(app.target_sdk < 28);
    if (base)
      rep.add("android.cleartext-traffic", n.path, 0, n.base_excerpt.empty() ? "(no base-config)" : n.base_excerpt,
              n.base_cleartext ? "The network security config's base-config sets cleartextTrafficPermitted=\"true\": "
                                 "every host may be reached over HTTP."
                               : fmt::format("The network security config has no cleartext setting for its base "
                                             "config and the app targets SDK {} (< 28), so HTTP is allowed.",
                                             app.target_sdk),
              "nsc-base-config", n.base_cleartext ? std::nullopt : std::optional<Severity>(Severity::kLow));
    if (!n.cleartext_domains.empty()) {
      std::string list;
      for (std::size_t i = 0; i < n.cleartext_domains.size() && i < 10; ++i)
        list += (i ? ", " : "") + n.cleartext_domains[i];
      rep.add("android.cleartext-traffic", n.path, 0, n.domains_excerpt,
              fmt::format("The network security config permits cleartext HTTP to {} domain(s): {}.",
                          n.cleartext_domains.size(), list),
              "nsc-domains", Severity::kLow);
    }
  } else if (app.uses_cleartext.value_or(false)) {
    rep.add("android.cleartext-traffic", manifest, app.app_line, app.app_excerpt,
            "android:usesCleartextTraffic=\"true\": the app may use unencrypted HTTP to any host.", "manifest");
  } else if (!app.uses_cleartext && app.target_sdk < 28) {
    rep.add("android.cleartext-traffic", manifest, app.sdk_line, app.sdk_excerpt.empty() ? app.app_excerpt : app.sdk_excerpt,
            fmt::format("The app targets SDK {} (< 28) and sets neither usesCleartextTraffic nor a network security "
                        "config, so the platform allows unencrypted HTTP to any host.", app.target_sdk),
            "implicit", Severity::kLow, "medium");
  }
  if (app.nsc && (app.nsc->user_cas_base || app.nsc->user_cas_domain))
    rep.add("android.nsc-user-certs", app.nsc->path, 0, app.nsc->user_ca_excerpt,
            app.nsc->user_cas_base ? "The base configuration trusts user-installed CA certificates for every connection."
                                   : "A domain configuration trusts user-installed CA certificates.",
            {}, app.nsc->user_cas_base ? std::nullopt : std::optional<Severity>(Severity::kMedium));

  // Custom permissions: a weak one is worse when it guards an exported component.
  std::map<std::string, std::string> weak;
  for (const auto& p : app.custom_permissions)
    if (p.level.rfind("normal", 0) == 0 || p.level.rfind("dangerous", 0) == 0) weak[p.name] = p.level;

  const Rule* exported_rule = rep.rule("android.exported-component");
  for (const auto& c : app.components) {
    if (!c.exported || !c.enabled || c.launcher) continue;
    bool protected_ = c.permission.has_value() && !c.permission->empty();
    if (c.type == "provider") protected_ = protected_ || (c.read_permission && c.write_permission);
    if (protected_) continue;
    std::optional<Severity> sev;
    if (exported_rule != nullptr)
      if (auto it = exported_rule->by_component.find(c.type); it != exported_rule->by_component.end()) sev = it->second;
    std::string how = c.explicit_export ? "android:exported=\"true\""
                      : c.type == "provider"
                          ? fmt::format("no android:exported and targetSdk {} < 17 (providers exported by default)", app.target_sdk)
                          : fmt::format("an intent filter and no android:exported with targetSdk {} < 31", app.target_sdk);
    std::string desc = fmt::format("The {} {} is exported ({}) and requires no permission", c.type, c.name, how);
    if (c.type == "provider" && (c.read_permission || c.write_permission))
      desc += fmt::format(" for {}", c.read_permission ? "writing" : "reading");
    if (!c.actions.empty()) {
      desc += "; it handles";
      for (std::size_t i = 0; i < c.actions.size() && i < 5; ++i) desc += (i ? ", " : " ") + c.actions[i];
    }
    desc += ".";
    rep.add("android.exported-component", manifest, c.line, c.excerpt, desc, c.name, sev);
  }
  for (const auto& c : app.components) {
    if (c.type == "provider" && c.grant_uri.value_or(false))
      rep.add("android.grant-uri-permissions", manifest, c.line, c.excerpt,
              fmt::format("Provider {} sets android:grantUriPermissions=\"true\"{}.", c.name,
                          c.exported ? " and is exported" : ""),
              c.name, c.exported ? std::optional<Severity>(Severity::kMedium) : std::nullopt);
  }
  for (const auto& p : app.custom_permissions) {
    auto it = weak.find(p.name);
    if (it == weak.end()) continue;
    bool guards = false;
    for (const auto& c : app.components)
      if (c.exported && c.permission && *c.permission == p.name) guards = true;
    rep.add("android.weak-custom-permission", manifest, p.line, p.excerpt,
            fmt::format("The app defines permission {} with protectionLevel {}{}: any app can obtain it.", p.name,
                        p.level, guards ? " and uses it to guard exported components" : ""),
            p.name, guards ? std::nullopt : std::optional<Severity>(Severity::kLow));
  }

  const std::int64_t min_floor = rep.number("android.outdated-min-sdk", "min_sdk_floor", 21);
  if (app.min_sdk < min_floor)
    rep.add("android.outdated-min-sdk", manifest, app.sdk_line, app.sdk_excerpt.empty() ? "(no uses-sdk)" : app.sdk_excerpt,
            fmt::format("minSdkVersion is {} (floor {}): the app installs on platform versions without security updates.",
                        app.min_sdk, min_floor));
  const std::int64_t target_floor = rep.number("android.outdated-target-sdk", "target_sdk_floor", 30);
  if (app.target_sdk < target_floor)
    rep.add("android.outdated-target-sdk", manifest, app.sdk_line, app.sdk_excerpt.empty() ? "(no uses-sdk)" : app.sdk_excerpt,
            fmt::format("targetSdkVersion is {}{} (floor {}): the platform applies legacy behaviour{}.", app.target_sdk,
                        app.target_sdk_declared ? "" : " (not declared: it defaults to minSdkVersion)", target_floor,
                        app.target_sdk < 23 ? ", including install-time grant of dangerous permissions" : ""));

  const std::int64_t legacy_target = rep.number("android.task-hijacking", "legacy_launch_mode_target", 28);
  for (const auto& c : app.components) {
    if (c.type != "activity" && c.type != "activity-alias") continue;
    std::optional<std::string> affinity = c.task_affinity ? c.task_affinity : app.app_task_affinity;
    bool own_affinity = affinity && !affinity->empty() && *affinity != app.package;
    bool legacy_mode = c.launch_mode && (*c.launch_mode == 2 || *c.launch_mode == 3) && app.target_sdk < legacy_target;
    if (!own_affinity && !legacy_mode) continue;
    std::string desc = fmt::format("Activity {}", c.name);
    if (own_affinity) desc += fmt::format(" has taskAffinity \"{}\"", *affinity);
    if (legacy_mode)
      desc += fmt::format("{} uses launchMode {} with targetSdk {} (< {})", own_affinity ? " and" : "",
                          *c.launch_mode == 2 ? "singleTask" : "singleInstance", app.target_sdk, legacy_target);
    desc += ": another app can insert its activity into this task.";
    rep.add("android.task-hijacking", manifest, c.line, c.excerpt, desc, c.name,
            legacy_mode ? std::nullopt : std::optional<Severity>(Severity::kLow));
  }

  // Signing.
  if (app.signing_read) {
    const auto& s = app.signing;
    if (s.signers.empty()) {
      rep.add("android.unsigned", "", 0, s.has_signing_block ? "APK Signing Block without a readable signer" : "no META-INF/*.RSA|DSA|EC, no APK Signing Block",
              "No v1, v2, v3 or v3.1 signer certificate was found in the package.");
    }
    for (const auto& signer : s.signers) {
      if (!signer.certificate.debug) continue;
      rep.add("android.debug-certificate", "", 0,
              fmt::format("subject: {}; SHA-256: {}", signer.certificate.subject, signer.certificate.sha256),
              fmt::format("The package is signed with the Android debug certificate ({}).", signer.certificate.subject),
              signer.certificate.sha256);
    }
    // A bundle is signed with jarsigner (v1) by design: it is never installed, the APKs built
    // from it are signed again, so Janus does not apply to it.
    bool v1_only = !s.schemes.empty() && s.schemes.size() == 1 && s.schemes[0] == "v1";
    if (v1_only && app.min_sdk < 24 && !app.bundle)
      rep.add("android.v1-signature-only", "", 0, "signature schemes: v1 only; minSdkVersion " + std::to_string(app.min_sdk),
              fmt::format("The package carries only a v1 (JAR) signature and installs on SDK {} and later, where "
                          "Janus (CVE-2017-13156) lets code be prepended without breaking the signature.",
                          app.min_sdk));
  }
}

}  // namespace

namespace android {
Result<nlohmann::json> describe_package(ByteView zip_bytes) {
  ASSAY_TRY(App app, read_package(zip_bytes));
  return to_fact(app);
}
}  // namespace android

bool AndroidManifestAnalyzer::wants(const NodeInfo& node) const {
  return node.kind == Kind::kAndroidApk || node.kind == Kind::kAndroidAab;
}

void AndroidManifestAnalyzer::analyze(const NodeView& node, ScanContext& ctx) const {
  const std::string rules_dir = ctx.config().rules_dir;
  const RulePack& pack = ctx.resource<RulePack>("android-manifest.rules", [&] { return load_rules(rules_dir); });
  Reporter rep(pack, ctx, node.info.path);
  auto app = read_package(node.bytes);
  if (!app) {
    rep.add("android.manifest-unreadable", node.info.kind == Kind::kAndroidAab ? kBundleManifest : "AndroidManifest.xml", 0,
            app.error().message,
            "The package's manifest could not be decoded, so its permissions, components and flags were not judged: " +
                app.error().message);
    return;
  }
  ctx.add_fact({"android.app", node.info.path, to_fact(*app)});
  judge(*app, rep);
}

}  // namespace assay::analyzers
