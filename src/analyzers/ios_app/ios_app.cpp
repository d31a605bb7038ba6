#include "analyzers/ios_app/ios_app.hpp"

#include <fmt/format.h>
#include "core/embedded.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>

#include "analyzers/app_privacy/endpoints.hpp"
#include "analyzers/trackers/tracker_pack.hpp"
#include "core/embedded.hpp"
#include "formats/macho/macho.hpp"
#include "formats/macho_codesign/macho_codesign.hpp"
#include "formats/plist/plist.hpp"
#include "formats/strings/strings.hpp"

namespace assay::analyzers {
namespace ios_app {

std::optional<BundlePath> bundle_path(std::string_view path) {
  // "Payload/" at the start of a container member ("x.ipa!/Payload/...") or of the path.
  std::size_t p = 0;
  for (;;) {
    p = path.find("Payload/", p);
    if (p == std::string_view::npos) return std::nullopt;
    if (p == 0 || path[p - 1] == '/') break;
    ++p;
  }
  const std::size_t name_start = p + std::string_view("Payload/").size();
  const std::size_t slash = path.find('/', name_start);
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view name = path.substr(name_start, slash - name_start);
  if (!name.ends_with(".app") || name.size() <= 4) return std::nullopt;
  return BundlePath{std::string(path.substr(0, slash + 1)), std::string(path.substr(slash + 1))};
}

int compare_versions(std::string_view a, std::string_view b) {
  auto next = [](std::string_view& s) {
    unsigned v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    s.remove_prefix(static_cast<std::size_t>(r.ptr - s.data()));
    if (!s.empty() && s.front() == '.') s.remove_prefix(1);
    else if (r.ptr == s.data()) s = {};  // not a number: stop
    return v;
  };
  for (int i = 0; i < 4; ++i) {
    const unsigned x = next(a), y = next(b);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

}  // namespace ios_app

namespace {

using nlohmann::json;

constexpr std::size_t kMaxTrackerClasses = 50;     // class matches listed per binary
constexpr std::size_t kMaxListed = 100;            // schemes, modes, domains, dylibs listed
constexpr std::size_t kMaxProfileScan = 1u << 20;  // a provisioning profile is a few KiB of CMS
constexpr std::string_view kDefaultMinOs = "15.0";
constexpr std::string_view kObjcClassPrefix = "_OBJC_CLASS_$_";

enum class Role { kNone, kInfoPlist, kProfile, kPrivacyManifest, kMachO };

Role role_of(const NodeInfo& n) {
  if (n.type != "file") return Role::kNone;
  auto bp = ios_app::bundle_path(n.path);
  if (!bp) return Role::kNone;
  if (bp->inner == "Info.plist" && (n.kind == Kind::kPlistBinary || n.kind == Kind::kPlistXml)) return Role::kInfoPlist;
  if (bp->inner == "embedded.mobileprovision") return Role::kProfile;
  if ((bp->inner == "PrivacyInfo.xcprivacy" || bp->inner.ends_with("/PrivacyInfo.xcprivacy")) &&
      (n.kind == Kind::kPlistBinary || n.kind == Kind::kPlistXml))
    return Role::kPrivacyManifest;
  if (n.kind == Kind::kMachO || n.kind == Kind::kMachOFat) return Role::kMachO;
  return Role::kNone;
}

struct IosRules {
  std::string min_os = std::string(kDefaultMinOs);
};

const IosRules& rules(ScanContext& ctx) {
  const std::string dir = ctx.config().rules_dir;
  return ctx.resource<IosRules>("ios-app.rules", [&] {
    auto r = std::make_unique<IosRules>();
    auto text = trackers::load_rule_text("rules/ios/ios.yaml", dir);
    if (!text) return r;
    try {
      for (const auto& n : load_yaml(*text)["rules"])
        if (n["id"] && n["id"].as<std::string>() == "ios.outdated-minimum-os" && n["min_version"])
          r->min_os = n["min_version"].as<std::string>();
    } catch (const yaml::Exception&) {
      // The default stays; the rule file is checked by its own test.
    }
    return r;
  });
}

const json& member(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::string str(const json& j, const char* key) {
  const json& v = member(j, key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return v.dump();
  return {};
}

bool truthy(const json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) return v == "YES" || v == "true" || v == "1";
  if (v.is_number_integer()) return v.get<long long>() != 0;
  return false;
}

json string_list(const json& v) {
  json out = json::array();
  if (v.is_array())
    for (const auto& s : v)
      if (s.is_string() && out.size() < kMaxListed) out.push_back(s);
  return out;
}

Finding finding(std::string rule, Category cat, Severity sev, std::string title, std::string description,
                std::string remediation, std::string key, std::vector<std::string> tags, std::string cwe,
                const std::string& path, std::string excerpt) {
  Finding f;
  f.rule_id = std::move(rule);
  f.category = cat;
  f.severity = sev;
  f.title = std::move(title);
  f.description = std::move(description);
  f.remediation = std::move(remediation);
  f.key = std::move(key);
  f.tags = std::move(tags);
  if (!cwe.empty()) f.cwe.push_back(std::move(cwe));
  f.evidence.push_back({path, std::nullopt, std::nullopt, strings::valid_utf8(excerpt.substr(0, 200))});
  return f;
}

void parse_error_fact(const NodeView& node, ScanContext& ctx, const char* what, const Error& e) {
  ctx.add_fact({"ios.parse-error", node.info.path, json{{"file", what}, {"message", e.message}}});
}

// TLS versions named by ATS ("TLSv1.0" .. "TLSv1.3"), compared with the 1.2 floor.
bool below_tls12(const std::string& v) {
  return v == "TLSv1.0" || v == "TLSv1.1" || v == "SSLv3" || v == "TLSv1";
}

void analyze_info_plist(const NodeView& node, ScanContext& ctx) {
  auto parsed = plist::parse_plist(node.bytes);
  if (!parsed) return parse_error_fact(node, ctx, "Info.plist", parsed.error());
  const json& p = *parsed;
  const std::string& path = node.info.path;
  const std::string bundle_id = str(p, "CFBundleIdentifier");
  const std::string key = bundle_id.empty() ? path : bundle_id;

  json fact = {{"bundle_id", bundle_id},
               {"name", !str(p, "CFBundleDisplayName").empty() ? str(p, "CFBundleDisplayName") : str(p, "CFBundleName")},
               {"executable", str(p, "CFBundleExecutable")},
               {"version", str(p, "CFBundleShortVersionString")},
               {"build", str(p, "CFBundleVersion")},
               {"minimum_os", str(p, "MinimumOSVersion")},
               {"sdk", str(p, "DTSDKName")},
               {"platforms", string_list(member(p, "CFBundleSupportedPlatforms"))}};

  // App Transport Security.
  const json& ats = member(p, "NSAppTransportSecurity");
  json ats_fact = json::object();
  ats_fact["present"] = ats.is_object();
  ats_fact["arbitrary_loads"] = truthy(member(ats, "NSAllowsArbitraryLoads"));
  ats_fact["arbitrary_loads_in_web_content"] = truthy(member(ats, "NSAllowsArbitraryLoadsInWebContent"));
  ats_fact["arbitrary_loads_for_media"] = truthy(member(ats, "NSAllowsArbitraryLoadsForMedia"));
  ats_fact["local_networking"] = truthy(member(ats, "NSAllowsLocalNetworking"));
  json exceptions = json::array();
  const json& domains = member(ats, "NSExceptionDomains");
  if (domains.is_object()) {
    for (const auto& [domain, cfg] : domains.items()) {
      if (exceptions.size() >= kMaxListed) break;
      const bool insecure = truthy(member(cfg, "NSExceptionAllowsInsecureHTTPLoads")) ||
                            truthy(member(cfg, "NSThirdPartyExceptionAllowsInsecureHTTPLoads")) ||
                            truthy(member(cfg, "NSTemporaryExceptionAllowsInsecureHTTPLoads"));
      std::string min_tls = str(cfg, "NSExceptionMinimumTLSVersion");
      if (min_tls.empty()) min_tls = str(cfg, "NSThirdPartyExceptionMinimumTLSVersion");
      if (min_tls.empty()) min_tls = str(cfg, "NSTemporaryExceptionMinimumTLSVersion");
      const bool subdomains = truthy(member(cfg, "NSIncludesSubdomains"));
      exceptions.push_back({{"domain", domain}, {"insecure_http", insecure}, {"min_tls", min_tls}, {"include_subdomains", subdomains}});
      if (app_privacy::is_local_host(domain)) continue;  // a LAN device: nothing crosses the Internet
      if (insecure || below_tls12(min_tls)) {
        const std::string what = insecure ? "plain HTTP" : "TLS below 1.2 (" + min_tls + ")";
        ctx.add_finding(finding("ios.ats-insecure-exception", Category::kCrypto, insecure ? Severity::kMedium : Severity::kLow,
                                fmt::format("ATS exception allows {} to {}", insecure ? "cleartext HTTP" : "weak TLS", domain),
                                fmt::format("NSExceptionDomains lets the app use {} with {}{}.", what, domain,
                                            subdomains ? " and its subdomains" : ""),
                                "Serve the domain over HTTPS with TLS 1.2+ and remove the exception.", domain,
                                {"cleartext", "ats", "masvs-network"}, insecure ? "CWE-319" : "CWE-326", path,
                                fmt::format("NSExceptionDomains/{}: {}", domain, insecure ? "NSExceptionAllowsInsecureHTTPLoads=true" : "NSExceptionMinimumTLSVersion=" + min_tls)));
      }
    }
  }
  ats_fact["exception_domains"] = exceptions;
  fact["ats"] = ats_fact;
  if (ats_fact["arbitrary_loads"].get<bool>()) {
    // iOS 10+ ignores NSAllowsArbitraryLoads when one of the narrower keys is present.
    const bool narrowed = ats_fact["arbitrary_loads_in_web_content"].get<bool>() || ats_fact["arbitrary_loads_for_media"].get<bool>() ||
                          ats_fact["local_networking"].get<bool>();
    ctx.add_finding(finding("ios.ats-arbitrary-loads", Category::kCrypto, narrowed ? Severity::kLow : Severity::kMedium,
                            "App Transport Security disabled (NSAllowsArbitraryLoads)",
                            narrowed ? "NSAllowsArbitraryLoads is true; iOS 10+ ignores it because a narrower ATS key is also set, "
                                       "but iOS 9 devices (if supported) get no ATS protection."
                                     : "NSAllowsArbitraryLoads is true: every connection may use plain HTTP or weak TLS.",
                            "Remove NSAllowsArbitraryLoads; use HTTPS with TLS 1.2+; add narrow NSExceptionDomains entries only "
                            "where a server cannot be fixed.",
                            key, {"cleartext", "ats", "masvs-network"}, "CWE-319", path,
                            "NSAppTransportSecurity/NSAllowsArbitraryLoads=true"));
  }

  // Purpose strings.
  json usage = json::object();
  if (p.is_object())
    for (const auto& [k, v] : p.items())
      if ((k.ends_with("UsageDescription") || k == "NSLocationTemporaryUsageDescriptionDictionary") && usage.size() < kMaxListed)
        usage[k] = v.is_string() ? v : json(v.dump());
  fact["usage_descriptions"] = usage;

  json schemes = json::array();
  const json& url_types = member(p, "CFBundleURLTypes");
  if (url_types.is_array())
    for (const auto& t : url_types)
      for (const auto& s : string_list(member(t, "CFBundleURLSchemes")))
        if (schemes.size() < kMaxListed) schemes.push_back(s);
  fact["url_schemes"] = schemes;
  fact["background_modes"] = string_list(member(p, "UIBackgroundModes"));
  fact["queries_schemes"] = string_list(member(p, "LSApplicationQueriesSchemes"));
  ctx.add_fact({"ios.app", path, fact});

  const std::string min_os = str(p, "MinimumOSVersion");
  const IosRules& r = rules(ctx);
  if (!min_os.empty() && ios_app::compare_versions(min_os, r.min_os) < 0) {
    const bool pre_ats = ios_app::compare_versions(min_os, "9.0") < 0;
    ctx.add_finding(finding("ios.outdated-minimum-os", Category::kHardening, pre_ats ? Severity::kMedium : Severity::kLow,
                            fmt::format("Minimum iOS version {} is out of security support", min_os),
                            fmt::format("MinimumOSVersion {} is below {}, the oldest iOS release still receiving security "
                                        "updates{}.",
                                        min_os, r.min_os, pre_ats ? "; below iOS 9 there is no App Transport Security at all" : ""),
                            "Raise the deployment target (MinimumOSVersion) to a supported iOS release.", key,
                            {"platform", "masvs-code"}, "CWE-1104", path, "MinimumOSVersion=" + min_os));
  }
}

void analyze_profile(const NodeView& node, ScanContext& ctx) {
  const std::string_view all = as_chars(node.bytes.first(std::min<std::size_t>(node.bytes.size(), kMaxProfileScan)));
  const auto start = all.find("<?xml");
  const auto end = start == std::string_view::npos ? std::string_view::npos : all.find("</plist>", start);
  if (end == std::string_view::npos) {
    return parse_error_fact(node, ctx, "embedded.mobileprovision", make_error(Errc::kMalformed, "no XML plist inside the CMS envelope"));
  }
  const std::string_view xml = all.substr(start, end + std::string_view("</plist>").size() - start);
  auto parsed = plist::parse_plist(as_bytes(xml));
  if (!parsed) return parse_error_fact(node, ctx, "embedded.mobileprovision", parsed.error());
  const json& p = *parsed;
  const json& ent = member(p, "Entitlements");
  const bool all_devices = truthy(member(p, "ProvisionsAllDevices"));
  const json& devices = member(p, "ProvisionedDevices");
  const std::size_t device_count = devices.is_array() ? devices.size() : 0;
  const bool get_task_allow = truthy(member(ent, "get-task-allow"));
  std::string type = "app-store";
  if (all_devices) type = "enterprise";
  else if (devices.is_array()) type = get_task_allow ? "development" : "ad-hoc";
  const std::string expiry = str(p, "ExpirationDate");
  char now[32];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
  const bool expired = !expiry.empty() && expiry < std::string(now);  // both ISO 8601 UTC
  json ent_fact = json::object();
  for (const char* k : {"application-identifier", "com.apple.developer.team-identifier", "get-task-allow", "aps-environment",
                        "keychain-access-groups", "com.apple.developer.associated-domains"})
    if (ent.is_object() && ent.contains(k)) ent_fact[k] = ent[k];
  json fact = {{"name", str(p, "Name")},
               {"app_id_name", str(p, "AppIDName")},
               {"team_ids", string_list(member(p, "TeamIdentifier"))},
               {"team_name", str(p, "TeamName")},
               {"creation_date", str(p, "CreationDate")},
               {"expiration_date", expiry},
               {"expired", expired},
               {"type", type},
               {"provisions_all_devices", all_devices},
               {"provisioned_devices", device_count},
               {"platforms", string_list(member(p, "Platform"))},
               {"entitlements", ent_fact}};
  ctx.add_fact({"ios.provisioning-profile", node.info.path, fact});
  if (type != "app-store") {
    const std::string how = type == "development" ? fmt::format("a development profile ({} device(s), get-task-allow true): a debug build", device_count)
                            : type == "ad-hoc"    ? fmt::format("an ad hoc profile limited to {} device(s)", device_count)
                                                  : "an enterprise (in-house) profile that installs on any device without App Store review";
    ctx.add_finding(finding("ios.development-profile", Category::kIntegrity, type == "development" ? Severity::kMedium : Severity::kLow,
                            fmt::format("Signed with a{} {} provisioning profile", type == "ad-hoc" || type == "enterprise" ? "n" : "", type),
                            fmt::format("embedded.mobileprovision \"{}\" is {}; it expire{} {}.", str(p, "Name"), how,
                                        expired ? "d" : "s", expiry.empty() ? "(no date)" : expiry),
                            "Submit the App Store distribution build for vetting.", type, {"signing", "debug"}, "CWE-489",
                            node.info.path,
                            fmt::format("type={} ProvisionsAllDevices={} ProvisionedDevices={} get-task-allow={}", type, all_devices,
                                        device_count, get_task_allow)));
  }
}

void analyze_privacy_manifest(const NodeView& node, ScanContext& ctx) {
  auto parsed = plist::parse_plist(node.bytes);
  if (!parsed) return parse_error_fact(node, ctx, "PrivacyInfo.xcprivacy", parsed.error());
  const json& p = *parsed;
  json collected = json::array();
  const json& types = member(p, "NSPrivacyCollectedDataTypes");
  if (types.is_array())
    for (const auto& t : types)
      if (collected.size() < kMaxListed)
        collected.push_back({{"type", str(t, "NSPrivacyCollectedDataType")},
                             {"linked", truthy(member(t, "NSPrivacyCollectedDataTypeLinked"))},
                             {"tracking", truthy(member(t, "NSPrivacyCollectedDataTypeTracking"))},
                             {"purposes", string_list(member(t, "NSPrivacyCollectedDataTypePurposes"))}});
  json apis = json::array();
  const json& accessed = member(p, "NSPrivacyAccessedAPITypes");
  if (accessed.is_array())
    for (const auto& a : accessed)
      if (apis.size() < kMaxListed)
        apis.push_back({{"type", str(a, "NSPrivacyAccessedAPIType")}, {"reasons", string_list(member(a, "NSPrivacyAccessedAPITypeReasons"))}});
  const json& tracking = member(p, "NSPrivacyTracking");
  ctx.add_fact({"ios.privacy-manifest", node.info.path,
                json{{"tracking", truthy(tracking)},
                     {"tracking_declared", !tracking.is_null()},
                     {"tracking_domains", string_list(member(p, "NSPrivacyTrackingDomains"))},
                     {"collected_data_types", collected},
                     {"accessed_api_types", apis}}});
}

void analyze_macho(const NodeView& node, ScanContext& ctx) {
  auto sigs = macho_codesign::parse_code_signatures(node.bytes);
  json fact = json::object();
  json slices = json::array();
  json entitlements;
  std::string identifier;
  if (sigs) {
    for (const auto& s : *sigs) {
      slices.push_back(macho_codesign::to_json(s));
      if (identifier.empty()) identifier = s.identifier;
      if (entitlements.is_null() && !s.entitlements_xml.empty()) {
        auto e = plist::parse_plist(as_bytes(s.entitlements_xml));
        if (e) entitlements = std::move(*e);
        else fact["entitlements_error"] = e.error().message;
      }
    }
  } else {
    fact["signature_error"] = sigs.error().message;
  }
  fact["signed"] = sigs && !sigs->empty();
  fact["signatures"] = slices;
  fact["identifier"] = identifier;
  fact["entitlements"] = entitlements.is_null() ? json::object() : entitlements;

  // Linked frameworks and tracker SDK classes (from the first slice: slices of one app link the
  // same libraries and define the same classes).
  json dylibs = json::array();
  json classes = json::array();
  if (auto m = macho::parse_macho(node.bytes); m && !m->slices.empty()) {
    const auto& s = m->slices.front();
    for (const auto& d : s.dylibs)
      if (dylibs.size() < kMaxListed) dylibs.push_back(strings::valid_utf8(d));
    const AnalysisConfig& cfg = ctx.config();
    const trackers::TrackerPack& pack = ctx.resource<trackers::TrackerPack>(
        "trackers.pack", [&] { return std::make_unique<trackers::TrackerPack>(trackers::load_tracker_pack(cfg)); });
    std::vector<std::string> seen;
    auto scan_symbols = [&](const std::vector<std::string>& syms) {
      for (const auto& sym : syms) {
        if (classes.size() >= kMaxTrackerClasses) return;
        if (!sym.starts_with(kObjcClassPrefix)) continue;
        const std::string cls = sym.substr(kObjcClassPrefix.size());
        for (const auto& match : pack.match_ios_class(cls)) {
          if (std::find(seen.begin(), seen.end(), match.tracker->id + cls) != seen.end()) continue;
          seen.push_back(match.tracker->id + cls);
          classes.push_back({{"tracker", match.tracker->id}, {"class", strings::valid_utf8(cls)}, {"prefix", match.signature}});
        }
      }
    };
    scan_symbols(s.exports);
    scan_symbols(s.imports);
  }
  fact["dylibs"] = dylibs;
  fact["tracker_classes"] = classes;
  ctx.add_fact({"ios.binary", node.info.path, fact});

  if (truthy(member(entitlements, "get-task-allow"))) {
    ctx.add_finding(finding("ios.get-task-allow", Category::kHardening, Severity::kMedium,
                            "Debugger attachment allowed (get-task-allow entitlement)",
                            fmt::format("The code signature of {} grants get-task-allow = true: any debugger may attach to the "
                                        "process and read or change its memory. Only development builds have it.",
                                        identifier.empty() ? node.info.path : identifier),
                            "Build with a distribution signing identity and profile (get-task-allow false).",
                            identifier.empty() ? node.info.path : identifier, {"debug", "masvs-resilience"}, "CWE-489",
                            node.info.path, "entitlements: get-task-allow=true"));
  }
}

}  // namespace

bool IosAppAnalyzer::wants(const NodeInfo& node) const { return role_of(node) != Role::kNone; }

void IosAppAnalyzer::analyze(const NodeView& node, ScanContext& ctx) const {
  switch (role_of(node.info)) {
    case Role::kInfoPlist: analyze_info_plist(node, ctx); break;
    case Role::kProfile: analyze_profile(node, ctx); break;
    case Role::kPrivacyManifest: analyze_privacy_manifest(node, ctx); break;
    case Role::kMachO: analyze_macho(node, ctx); break;
    case Role::kNone: break;
  }
}

}  // namespace assay::analyzers
