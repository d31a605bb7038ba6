#include "analyzers/app_privacy/app_privacy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "analyzers/app_privacy/endpoints.hpp"
#include "analyzers/app_privacy/privacy_data.hpp"
#include "analyzers/trackers/tracker_pack.hpp"
#include "formats/strings/strings.hpp"

namespace assay::analyzers {
namespace {

using nlohmann::json;
using app_privacy::PrivacyData;
using trackers::Tracker;
using trackers::TrackerPack;

// Facts and findings are for people: lists are capped, and a cap that trips is said in the fact.
constexpr std::size_t kMaxEvidence = 3;        // evidence entries per finding
constexpr std::size_t kMaxCallers = 20;        // callers listed per data type or endpoint
constexpr std::size_t kMaxEndpoints = 2000;    // distinct URLs per app in app.endpoints
constexpr std::size_t kMaxUrlLength = 300;     // characters of a URL kept in facts and excerpts
constexpr int kCleartextDefaultOffSdk = 28;    // Android 9: cleartext blocked unless allowed

const std::string& str_or(const json& j, const char* key, const std::string& fallback) {
  static const std::string kEmpty;
  if (j.is_object()) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) return it->get_ref<const std::string&>();
  }
  return fallback.empty() ? kEmpty : fallback;
}

std::string get_str(const json& j, const char* key) { return str_or(j, key, std::string()); }

std::optional<bool> get_bool(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

long get_int(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_integer()) return it->get<long>();
  if (it->is_string()) {
    try {
      return std::stol(it->get<std::string>());
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

const json& get_array(const json& j, const char* key) {
  static const json kEmpty = json::array();
  if (!j.is_object()) return kEmpty;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : kEmpty;
}

std::string cut(std::string_view s, std::size_t n) {
  return strings::valid_utf8(s.size() <= n ? s : s.substr(0, n));
}

// The facts of nodes directly inside `container` ("app.apk!/classes.dex", not a dex of an APK
// nested in the APK's assets).
bool directly_inside(std::string_view path, std::string_view container) {
  if (path.size() <= container.size() + 2 || !path.starts_with(container)) return false;
  std::string_view rest = path.substr(container.size());
  if (!rest.starts_with("!/")) return false;
  return rest.substr(2).find("!/") == std::string_view::npos;
}

// Privacy weight of a tracker category (README: advertising, profiling, identification and
// location trackers move personal data to third parties for their own purposes: medium;
// analytics and crash reporting usually act for the app's developer: low).
Severity tracker_severity(std::string_view category) {
  if (category == "advertising" || category == "profiling" || category == "identification" || category == "location")
    return Severity::kMedium;
  return Severity::kLow;
}

bool tracks_users(std::string_view category) { return tracker_severity(category) == Severity::kMedium; }

Severity one_lower(Severity s) {
  switch (s) {
    case Severity::kCritical: return Severity::kHigh;
    case Severity::kHigh: return Severity::kMedium;
    case Severity::kMedium: return Severity::kLow;
    default: return Severity::kInfo;
  }
}

std::string short_api(std::string_view api) {
  // "android.location.LocationManager.requestLocationUpdates" -> "LocationManager.requestLocationUpdates"
  const auto last = api.rfind('.');
  if (last == std::string_view::npos || last == 0) return std::string(api);
  const auto prev = api.rfind('.', last - 1);
  return std::string(prev == std::string_view::npos ? api : api.substr(prev + 1));
}

Finding make_finding(std::string rule, Severity sev, std::string title, std::string description,
                     std::string remediation, std::string key, std::vector<std::string> tags, std::string cwe) {
  Finding f;
  f.rule_id = std::move(rule);
  f.category = Category::kPrivacy;
  f.severity = sev;
  f.title = std::move(title);
  f.description = std::move(description);
  f.remediation = std::move(remediation);
  f.key = std::move(key);
  f.tags = std::move(tags);
  if (!cwe.empty()) f.cwe.push_back(std::move(cwe));
  return f;
}

constexpr const char* kTrackerRemediation =
    "Remove the SDK if it is not needed; otherwise disclose it in the privacy policy and store declaration, "
    "initialise it only after consent and disable automatic identifier collection.";

// --- trackers ---------------------------------------------------------------------------------

struct TrackerHit {
  const Tracker* tracker = nullptr;
  std::vector<json> evidence;  // {path, package|framework|class, signature}
  std::string confidence = "medium";
  std::vector<std::string> hosts;
  std::vector<std::string> frameworks;  // iOS framework node paths (for the privacy-manifest check)
};

void add_hit(std::map<std::string, TrackerHit>& hits, const trackers::Match& m, json evidence) {
  TrackerHit& h = hits[m.tracker->id];
  h.tracker = m.tracker;
  if (m.confidence == "high") h.confidence = "high";
  if (h.evidence.size() < kMaxEvidence) h.evidence.push_back(std::move(evidence));
}

void report_trackers(const std::map<std::string, TrackerHit>& hits, const std::string& app_path, ScanContext& ctx) {
  json list = json::array();
  for (const auto& [id, h] : hits) {
    const Tracker& t = *h.tracker;
    Finding f = make_finding("privacy.tracker", tracker_severity(t.category),
                             fmt::format("Tracker SDK: {} ({})", t.name, t.category),
                             fmt::format("The app embeds {} ({}{}), an SDK of category {}. Found: {}.", t.name, t.website.empty() ? "" : t.website,
                                         t.categories.size() > 1 ? ", also " + fmt::format("{}", fmt::join(t.categories, ", ")) : "",
                                         t.category, h.evidence.empty() ? "" : get_str(h.evidence.front(), "match")),
                             kTrackerRemediation, t.id, {"tracker", t.category}, "CWE-359");
    f.confidence = h.confidence;
    f.references.push_back("https://reports.exodus-privacy.eu.org/en/trackers/");
    if (!t.website.empty()) f.references.push_back(t.website);
    for (const auto& e : h.evidence) f.evidence.push_back({get_str(e, "path"), std::nullopt, std::nullopt, get_str(e, "match")});
    ctx.add_finding(std::move(f));
    list.push_back({{"id", t.id},
                    {"name", t.name},
                    {"category", t.category},
                    {"categories", t.categories},
                    {"website", t.website},
                    {"confidence", h.confidence},
                    {"evidence", h.evidence},
                    {"hosts", h.hosts},
                    {"source", t.source}});
  }
  ctx.add_fact({"app.trackers", app_path, json{{"trackers", list}}});
}

// --- data collection --------------------------------------------------------------------------

struct Collection {
  std::set<std::string> declared;       // permissions (short) of this data type
  std::set<std::string> satisfied_by;   // declared permissions that allow the uses
  std::set<std::string> missing;        // permissions the uses need but the manifest lacks
  std::vector<std::string> apis;
  std::vector<std::string> callers;
  std::string first_path;               // dex of the first use
  bool code_use = false;
  bool works = false;                   // at least one use is allowed (permission held or none needed)
};

std::string data_type_label(const app_privacy::DataType& t, const std::set<std::string>& perms) {
  if (t.id == "location") {
    if (perms.count("ACCESS_FINE_LOCATION") != 0) return "precise location";
    if (perms.count("ACCESS_COARSE_LOCATION") != 0) return "approximate location";
  }
  return t.name;
}

void analyze_android_collection(const Fact& app, const std::vector<const Fact*>& code, const PrivacyData& pd,
                                ScanContext& ctx) {
  std::map<std::string, Collection> by_type;
  std::set<std::string> declared_all;
  for (const auto& p : get_array(app.data, "permissions")) {
    const std::string name = app_privacy::short_permission(p.is_string() ? p.get<std::string>() : get_str(p, "name"));
    if (name.empty()) continue;
    declared_all.insert(name);
    auto it = pd.permissions.find(name);
    if (it != pd.permissions.end()) by_type[pd.canonical(it->second.data_type)].declared.insert(name);
  }
  // A use is allowed when the manifest holds its permission or another of the same data type
  // (ACCESS_COARSE_LOCATION serves requestLocationUpdates too, with less precision).
  auto satisfying = [&](const std::string& required) -> std::string {
    if (declared_all.count(required) != 0) return required;
    auto it = pd.permissions.find(required);
    if (it == pd.permissions.end()) return {};
    for (const auto& d : declared_all) {
      auto dt = pd.permissions.find(d);
      if (dt != pd.permissions.end() && dt->second.data_type == it->second.data_type) return d;
    }
    return {};
  };
  std::set<std::string> exercised;
  for (const Fact* f : code) {
    for (const auto& use : get_array(f->data, "api_uses")) {
      const std::string api = get_str(use, "api");
      const std::string dt = pd.canonical(get_str(use, "data_type"));
      if (api.empty() || dt.empty()) continue;
      Collection& c = by_type[dt];
      c.code_use = true;
      if (c.first_path.empty()) c.first_path = f->path;
      if (std::find(c.apis.begin(), c.apis.end(), api) == c.apis.end()) c.apis.push_back(api);
      for (const auto& caller : get_array(use, "callers"))
        if (caller.is_string() && c.callers.size() < kMaxCallers &&
            std::find(c.callers.begin(), c.callers.end(), caller.get<std::string>()) == c.callers.end())
          c.callers.push_back(caller.get<std::string>());
      auto req = pd.api_permission.find(api);
      const std::string required = req != pd.api_permission.end() ? req->second : std::string();
      if (required.empty()) {
        c.works = true;
      } else if (const std::string by = satisfying(required); !by.empty()) {
        c.works = true;
        c.satisfied_by.insert(by);
        exercised.insert(by);
      } else {
        c.missing.insert(required);
      }
    }
  }

  json list = json::array();
  for (auto& [dt, c] : by_type) {
    const app_privacy::DataType type = pd.type(dt);
    std::set<std::string> perms = c.declared;
    perms.insert(c.satisfied_by.begin(), c.satisfied_by.end());
    const std::string label = data_type_label(type, perms);
    std::string status;
    Severity sev = type.severity;
    std::string confidence = "high";
    if (c.code_use && c.works) {
      status = "used";
    } else if (c.code_use) {
      status = "used-without-permission";
      sev = Severity::kInfo;
      confidence = "medium";
    } else {
      // Covered elsewhere: READ_PHONE_STATE exercised by the device-id calls is not "unused".
      if (std::all_of(c.declared.begin(), c.declared.end(), [&](const std::string& p) { return exercised.count(p) != 0; }))
        status = "declared-used-elsewhere";
      else
        status = "declared";
      sev = one_lower(type.severity);
      confidence = "medium";
    }
    list.push_back({{"data_type", dt},
                    {"name", label},
                    {"status", status},
                    {"permissions", std::vector<std::string>(perms.begin(), perms.end())},
                    {"missing_permissions", std::vector<std::string>(c.missing.begin(), c.missing.end())},
                    {"apis", c.apis},
                    {"callers", c.callers}});
    if (status == "declared-used-elsewhere") continue;
    // A library's dormant code path (the support library's TwilightManager reading the last
    // location) is no sign of intent when the app never asks for the permission: fact only.
    if (status == "used-without-permission" && !c.callers.empty() &&
        std::all_of(c.callers.begin(), c.callers.end(), [&](const std::string& s) { return pd.is_library_caller(s); }))
      continue;

    const std::string perm_text = perms.empty() ? "no permission needed" : fmt::format("{}", fmt::join(perms, ", "));
    std::string description;
    std::string excerpt;
    // An App Bundle keeps its manifest under base/manifest/ (android.app's package_format).
    const char* manifest = get_str(app.data, "package_format") == "aab" ? "!/base/manifest/AndroidManifest.xml"
                                                                         : "!/AndroidManifest.xml";
    std::string path = c.first_path.empty() ? app.path + manifest : c.first_path;
    if (status == "used") {
      const std::string caller = c.callers.empty() ? std::string("app code") : c.callers.front();
      description = fmt::format("collects {}: {}, used in {} via {}", label, perm_text, caller, short_api(c.apis.front()));
      if (c.callers.size() > 1) description += fmt::format(" (and {} more caller{})", c.callers.size() - 1, c.callers.size() > 2 ? "s" : "");
      if (c.apis.size() > 1) description += fmt::format("; APIs: {}", fmt::join(c.apis, ", "));
      excerpt = fmt::format("{} -> {}", caller, c.apis.front());
    } else if (status == "used-without-permission") {
      description = fmt::format("code reaches {} via {} in {}, but the manifest lacks {}: the call fails at run time on "
                                "Android 6+ unless the permission is added (shows intent)",
                                label, short_api(c.apis.front()), c.callers.empty() ? std::string("app code") : c.callers.front(),
                                fmt::join(c.missing, ", "));
      excerpt = c.apis.front();
    } else {
      description = fmt::format("can collect {}: {} requested; no use of the data was found in the DEX code (unused "
                                "permission, or used from native code, reflection or loaded code)",
                                label, perm_text);
      excerpt = "uses-permission " + fmt::format("{}", fmt::join(c.declared, ", "));
    }
    Finding f = make_finding("privacy.data-collection", sev,
                             status == "declared" ? fmt::format("Can collect {} (permission only)", label)
                                                  : status == "used" ? fmt::format("Collects {}", label)
                                                                     : fmt::format("Code reaches {} without permission", label),
                             description,
                             "Request only the permissions the app's features need, declare each collected data type in the "
                             "privacy policy and the store's data-safety form, and remove unused permissions.",
                             dt, {"personal-data", "permission", dt}, "CWE-359");
    f.confidence = confidence;
    f.evidence.push_back({path, std::nullopt, std::nullopt, cut(excerpt, 200)});
    ctx.add_finding(std::move(f));
  }
  ctx.add_fact({"app.data-collection", app.path, json{{"platform", "android"}, {"data", list}}});
}

// --- endpoints --------------------------------------------------------------------------------

struct EndpointUse {
  app_privacy::Url url;
  std::string value;
  std::set<std::string> paths;
  std::vector<std::string> callers;
};

bool non_endpoint(const PrivacyData& pd, const std::string& host) {
  for (const auto& h : pd.non_endpoint_hosts)
    if (host == h || (host.size() > h.size() && host.ends_with(h) && host[host.size() - h.size() - 1] == '.')) return true;
  return false;
}

bool domain_covers(const std::string& domain, const std::string& host) {
  return host == domain || (host.size() > domain.size() && host.ends_with(domain) && host[host.size() - domain.size() - 1] == '.');
}

// Whether Android would let a cleartext request to `host` out (network security config first,
// then usesCleartextTraffic, then the targetSdk default).
bool android_cleartext_allowed(const json& app, const std::string& host) {
  const json& nsc = app.is_object() && app.contains("network_security_config") ? app["network_security_config"] : json();
  if (nsc.is_object()) {
    for (const auto& d : get_array(nsc, "cleartext_domains")) {
      const std::string dom = d.is_string() ? d.get<std::string>() : get_str(d, "domain");
      if (!dom.empty() && domain_covers(dom, host)) return true;
    }
    if (auto base = get_bool(nsc, "base_cleartext_permitted")) return *base;
  }
  if (auto uses = get_bool(app, "uses_cleartext_traffic")) return *uses;
  long target = get_int(app, "target_sdk");
  if (target <= 0) target = get_int(app, "min_sdk");
  return target <= 0 || target < kCleartextDefaultOffSdk;
}

void analyze_endpoints(const Fact& app, const std::string& app_id, const std::vector<const Fact*>& code,
                       const PrivacyData& pd, const TrackerPack& pack, std::map<std::string, TrackerHit>& hits,
                       ScanContext& ctx) {
  std::map<std::string, EndpointUse> uses;
  bool capped = false;
  for (const Fact* f : code) {
    for (const auto& u : get_array(f->data, "urls")) {
      const std::string value = u.is_string() ? u.get<std::string>() : get_str(u, "value");
      if (value.empty()) continue;
      auto it = uses.find(value);
      if (it == uses.end()) {
        if (uses.size() >= kMaxEndpoints) {
          capped = true;
          continue;
        }
        auto parsed = app_privacy::parse_url(value);
        if (!parsed || non_endpoint(pd, parsed->host)) continue;
        it = uses.emplace(value, EndpointUse{*parsed, value, {}, {}}).first;
      }
      it->second.paths.insert(f->path);
      if (u.is_object())
        for (const auto& c : get_array(u, "callers"))
          if (c.is_string() && it->second.callers.size() < kMaxCallers) it->second.callers.push_back(c.get<std::string>());
    }
  }

  struct HostAgg {
    const EndpointUse* first = nullptr;
    std::size_t urls = 0;
  };
  std::map<std::string, HostAgg> cleartext_hosts;
  std::map<std::string, std::pair<trackers::Match, const EndpointUse*>> tracker_hosts;
  json list = json::array();
  const auto& own = get_array(app.data, "own_domains");
  std::vector<std::string> own_domains;
  for (const auto& d : own)
    if (d.is_string()) own_domains.push_back(d.get<std::string>());
  for (const auto& [value, e] : uses) {
    const std::string& host = e.url.host;
    const bool local = app_privacy::is_local_host(host);
    const bool cleartext = app_privacy::is_cleartext_scheme(e.url.scheme);
    const bool first = app_privacy::is_first_party(host, app_id, own_domains);
    auto matches = local ? std::vector<trackers::Match>{} : pack.match_host(host);
    json entry = {{"url", cut(value, kMaxUrlLength)},
                  {"host", host},
                  {"scheme", e.url.scheme},
                  {"transport", cleartext ? "cleartext" : app_privacy::is_tls_scheme(e.url.scheme) ? "tls" : "unknown"},
                  {"party", local ? "local" : first ? "first" : "third"},
                  {"tracker", matches.empty() ? json() : json(matches.front().tracker->id)},
                  {"paths", std::vector<std::string>(e.paths.begin(), e.paths.end())},
                  {"callers", e.callers}};
    if (e.url.has_userinfo) entry["userinfo"] = true;
    list.push_back(std::move(entry));
    if (cleartext && !local) {
      HostAgg& a = cleartext_hosts[host];
      if (a.first == nullptr) a.first = &e;
      ++a.urls;
    }
    if (!matches.empty() && tracker_hosts.count(host) == 0) {
      // A host of an SDK already found in the code joins that SDK (ad.doubleclick.net and AdMob).
      auto known = std::find_if(matches.begin(), matches.end(), [&](const trackers::Match& m) { return hits.count(m.tracker->id) != 0; });
      tracker_hosts.emplace(host, std::make_pair(known != matches.end() ? *known : matches.front(), &e));
    }
  }
  json fact = {{"endpoints", list}};
  if (capped) fact["truncated_at"] = kMaxEndpoints;
  ctx.add_fact({"app.endpoints", app.path, std::move(fact)});

  const std::string own_prefix = app_id + ".";
  for (const auto& [host, a] : cleartext_hosts) {
    const bool allowed = android_cleartext_allowed(app.data, host);
    const EndpointUse& e = *a.first;
    // The app's own traffic weighs more than a constant in a bundled library (map tile servers of
    // osmdroid, documentation links of slf4j): medium needs the platform to let it out AND the
    // host to be first party or the URL to be used from the app's own package (or from code
    // Assay cannot attribute).
    bool own = app_privacy::is_first_party(host, app_id, own_domains) || e.callers.empty();
    for (const auto& c : e.callers) own = own || (!app_id.empty() && c.starts_with(own_prefix));
    std::string where = e.callers.empty() ? "" : fmt::format(", used in {}", e.callers.front());
    Finding f = make_finding(
        "privacy.cleartext-endpoint", allowed && own ? Severity::kMedium : Severity::kLow,
        fmt::format("Cleartext endpoint {}", host),
        fmt::format("{} URL(s) to {} use {}{}; {}{}.", a.urls, host, e.url.scheme + "://", where,
                    allowed ? "the app's network configuration lets cleartext traffic out"
                            : "the platform blocks cleartext by default for this app (targetSdk >= 28, no exception), so the request fails unless the configuration changes",
                    own ? "" : "; only library code uses it"),
        "Use https:// for this host and keep cleartext traffic disabled in the network security config.", host,
        {"cleartext", "network", "masvs-network"}, "CWE-319");
    f.confidence = allowed ? "high" : "medium";
    f.evidence.push_back({*e.paths.begin(), std::nullopt, std::nullopt, cut(e.value, kMaxUrlLength)});
    ctx.add_finding(std::move(f));
  }
  for (const auto& [host, m] : tracker_hosts) {
    const Tracker& t = *m.first.tracker;
    auto hit = hits.find(t.id);
    if (hit != hits.end()) {  // the SDK's code is already reported: the host joins its evidence
      if (hit->second.hosts.size() < kMaxCallers) hit->second.hosts.push_back(host);
      continue;
    }
    const EndpointUse& e = *m.second;
    Finding f = make_finding("privacy.tracker-endpoint", tracker_severity(t.category),
                             fmt::format("Tracker endpoint {} ({})", host, t.name),
                             fmt::format("The app contains the address {} of {} ({}), matched by the network signature {}; "
                                         "its SDK code was not recognised (web view, custom integration or obfuscated code).",
                                         host, t.name, t.category, m.first.signature),
                             kTrackerRemediation, host, {"tracker", "network", t.category}, "CWE-359");
    f.confidence = "medium";
    f.evidence.push_back({*e.paths.begin(), std::nullopt, std::nullopt, cut(e.value, kMaxUrlLength)});
    ctx.add_finding(std::move(f));
  }
}

void analyze_android(const Fact& app, const ProductView& pv, const PrivacyData& pd, const TrackerPack& pack,
                     ScanContext& ctx) {
  std::vector<const Fact*> code;
  for (const Fact& f : pv.facts)
    if (f.type == "android.code" && directly_inside(f.path, app.path)) code.push_back(&f);

  std::map<std::string, TrackerHit> hits;
  for (const Fact* f : code) {
    for (const auto& p : get_array(f->data, "packages")) {
      if (!p.is_string()) continue;
      const std::string& pkg = p.get_ref<const std::string&>();
      for (const auto& m : pack.match_package(pkg))
        add_hit(hits, m, {{"path", f->path}, {"package", pkg}, {"signature", m.signature},
                          {"match", fmt::format("package {} (signature {})", pkg, m.signature)}});
    }
    // Class names, when a code fact lists them, make class-level signatures exact.
    if (f->data.is_object() && f->data.contains("classes") && f->data["classes"].is_array()) {
      for (const auto& c : f->data["classes"]) {
        if (!c.is_string()) continue;
        for (const auto& m : pack.match_class(c.get_ref<const std::string&>()))
          add_hit(hits, m, {{"path", f->path}, {"class", c}, {"signature", m.signature},
                            {"match", fmt::format("class {} (signature {})", c.get<std::string>(), m.signature)}});
      }
    }
  }
  const std::string app_id = get_str(app.data, "package");
  analyze_android_collection(app, code, pd, ctx);
  analyze_endpoints(app, app_id, code, pd, pack, hits, ctx);
  report_trackers(hits, app.path, ctx);
  if (code.empty())
    ctx.add_fact({"app.privacy-coverage", app.path,
                  json{{"message", "no android.code fact for this APK's dex files: trackers, API uses and endpoints "
                                   "from code were not joined"}}});
}

// --- iOS --------------------------------------------------------------------------------------

std::string framework_name_from_dylib(std::string_view dylib) {
  // "@rpath/FBSDKCoreKit.framework/FBSDKCoreKit" -> "FBSDKCoreKit"
  const auto pos = dylib.find(".framework/");
  if (pos == std::string_view::npos) return {};
  const auto start = dylib.rfind('/', pos);
  return std::string(dylib.substr(start == std::string_view::npos ? 0 : start + 1, pos - (start == std::string_view::npos ? 0 : start + 1)));
}

void analyze_ios(const Fact& app, const ProductView& pv, const PrivacyData& pd, const TrackerPack& pack, ScanContext& ctx) {
  // app.path: ".../Payload/X.app/Info.plist"
  const std::string app_dir = app.path.substr(0, app.path.size() - std::string_view("Info.plist").size());
  const std::string app_node = app_dir.substr(0, app_dir.size() - 1);
  const std::string fw_prefix = app_dir + "Frameworks/";
  std::map<std::string, TrackerHit> hits;
  std::map<std::string, std::string> framework_paths;  // name -> node path
  for (const NodeInfo& n : pv.tree) {
    if (!n.path.starts_with(fw_prefix)) continue;
    const std::string rest = n.path.substr(fw_prefix.size());
    const std::string first = rest.substr(0, rest.find('/'));
    if (!first.ends_with(".framework")) continue;
    const std::string name = first.substr(0, first.size() - std::string_view(".framework").size());
    if (framework_paths.emplace(name, fw_prefix + first).second) {
      for (const auto& m : pack.match_ios_framework(name)) {
        add_hit(hits, m, {{"path", fw_prefix + first}, {"framework", name}, {"signature", m.signature},
                          {"match", fmt::format("framework {}", name)}});
        hits[m.tracker->id].frameworks.push_back(name);
      }
    }
  }
  for (const Fact& f : pv.facts) {
    if (f.type != "ios.binary" || !f.path.starts_with(app_dir)) continue;
    for (const auto& d : get_array(f.data, "dylibs")) {
      if (!d.is_string()) continue;
      const std::string name = framework_name_from_dylib(d.get_ref<const std::string&>());
      if (name.empty()) continue;
      for (const auto& m : pack.match_ios_framework(name)) {
        add_hit(hits, m, {{"path", f.path}, {"framework", name}, {"signature", m.signature},
                          {"match", fmt::format("links {}", d.get<std::string>())}});
        hits[m.tracker->id].frameworks.push_back(name);
      }
    }
    for (const auto& c : get_array(f.data, "tracker_classes")) {
      const Tracker* t = pack.find(get_str(c, "tracker"));
      if (t == nullptr) continue;
      trackers::Match m{t, get_str(c, "prefix"), "medium"};
      add_hit(hits, m, {{"path", f.path}, {"class", get_str(c, "class")}, {"signature", m.signature},
                        {"match", fmt::format("class {} (prefix {})", get_str(c, "class"), m.signature)}});
    }
  }

  // Purpose strings -> declared data access.
  json list = json::array();
  std::map<std::string, std::vector<std::string>> keys_by_type;
  const json& usage = app.data.is_object() && app.data.contains("usage_descriptions") ? app.data["usage_descriptions"] : json();
  if (usage.is_object()) {
    for (const auto& [key, text] : usage.items()) {
      auto it = pd.usage.find(key);
      keys_by_type[it != pd.usage.end() ? pd.canonical(it->second.data_type) : std::string("other")].push_back(key);
    }
  }
  for (const auto& [dt, keys] : keys_by_type) {
    const app_privacy::DataType type = pd.type(dt);
    list.push_back({{"data_type", dt}, {"name", type.name}, {"status", "declared"}, {"usage_descriptions", keys}});
    if (dt == "other") continue;
    const std::string text = usage[keys.front()].is_string() ? usage[keys.front()].get<std::string>() : std::string();
    Finding f = make_finding("privacy.data-collection", one_lower(type.severity), fmt::format("Declares access to {}", type.name),
                             fmt::format("declares access to {}: {} (\"{}\")", type.name, fmt::join(keys, ", "), cut(text, 160)),
                             "Keep only the purpose strings of features the app has; describe the real purpose; declare the "
                             "data type in the App Store privacy label and PrivacyInfo.xcprivacy.",
                             dt, {"personal-data", "permission", dt}, "CWE-359");
    f.confidence = "medium";
    f.evidence.push_back({app.path, std::nullopt, std::nullopt, cut(keys.front() + ": " + text, 200)});
    ctx.add_finding(std::move(f));
  }
  ctx.add_fact({"app.data-collection", app_node, json{{"platform", "ios"}, {"data", list}}});

  // The privacy manifest against what is embedded.
  const Fact* manifest = nullptr;
  std::map<std::string, const Fact*> fw_manifests;
  for (const Fact& f : pv.facts) {
    if (f.type != "ios.privacy-manifest" || !f.path.starts_with(app_dir)) continue;
    if (f.path == app_dir + "PrivacyInfo.xcprivacy") manifest = &f;
    for (const auto& [name, path] : framework_paths)
      if (f.path.starts_with(path + "/")) fw_manifests[name] = &f;
  }
  for (auto& [id, h] : hits) {
    const Tracker& t = *h.tracker;
    if (!tracks_users(t.category)) continue;
    bool declared = manifest != nullptr && get_bool(manifest->data, "tracking").value_or(false);
    for (const auto& fw : h.frameworks) {
      auto it = fw_manifests.find(fw);
      if (it != fw_manifests.end() && get_bool(it->second->data, "tracking").value_or(false)) declared = true;
    }
    if (declared) continue;
    const std::string why = manifest == nullptr ? "the app has no PrivacyInfo.xcprivacy"
                                                : "its PrivacyInfo.xcprivacy sets NSPrivacyTracking to false or leaves it out";
    Finding f = make_finding("privacy.undeclared-tracking", Severity::kMedium,
                             fmt::format("Undeclared tracking: {} embedded", t.name),
                             fmt::format("The app embeds {} ({}), but {} (nor does the SDK's own manifest declare it).", t.name,
                                         t.category, why),
                             "Declare tracking in PrivacyInfo.xcprivacy (NSPrivacyTracking, NSPrivacyTrackingDomains, collected "
                             "data types) or remove the SDK; use SDK versions that ship their own privacy manifest.",
                             t.id, {"tracker", "declaration", "ios"}, "CWE-359");
    f.confidence = h.confidence;
    for (const auto& e : h.evidence) f.evidence.push_back({get_str(e, "path"), std::nullopt, std::nullopt, get_str(e, "match")});
    ctx.add_finding(std::move(f));
  }
  report_trackers(hits, app_node, ctx);
}

}  // namespace

void AppPrivacyAnalyzer::analyze(const ProductView& product, ScanContext& ctx) const {
  bool any = false;
  for (const Fact& f : product.facts)
    if (f.type == "android.app" || f.type == "ios.app") any = true;
  if (!any) return;
  const std::string rules_dir = ctx.config().rules_dir;
  const PrivacyData& pd =
      ctx.resource<PrivacyData>("app-privacy.data", [&] { return std::make_unique<PrivacyData>(app_privacy::load_privacy_data(rules_dir)); });
  const AnalysisConfig config = ctx.config();
  const TrackerPack& pack =
      ctx.resource<TrackerPack>("trackers.pack", [&] { return std::make_unique<TrackerPack>(trackers::load_tracker_pack(config)); });
  if (!pd.warnings.empty() || !pack.warnings.empty()) {
    json w = json::array();
    for (const auto& s : pd.warnings) w.push_back(s);
    for (const auto& s : pack.warnings) w.push_back(s);
    ctx.add_fact({"app-privacy.warnings", "", json{{"warnings", w}}});
  }
  for (const Fact& f : product.facts) {
    if (f.type == "android.app") analyze_android(f, product, pd, pack, ctx);
    else if (f.type == "ios.app" && f.path.ends_with("/Info.plist")) analyze_ios(f, product, pd, pack, ctx);
  }
}

}  // namespace assay::analyzers
