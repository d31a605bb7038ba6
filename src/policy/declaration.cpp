// The declaration check. A vendor's promise only counts when it is compared with the evidence:
// every tracker the privacy analyzer found must be among the declared SDKs, every data type it saw
// collected among the declared data, every listening service among the declared services. The
// comparison is by normalized name (case and punctuation do not matter, "AdMob" covers
// "Google AdMob") because vendors write SDK names by hand; it errs towards accepting a
// declaration that plausibly names the thing, since a false "undeclared" accuses the vendor.

#include "policy/declaration.hpp"

#include "core/embedded.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "engine/fingerprint.hpp"
#include "policy/model.hpp"
#include "policy/yaml_util.hpp"

namespace assay::policy {

namespace {

using detail::check_keys;
using detail::Diagnostics;
using detail::scalar;

constexpr std::string_view kDeclarationSchema = "assay-declaration/1";
/// Undeclared items reported one finding each; beyond this the rest are summarized (a product
/// with hundreds of undeclared services needs a new declaration, not hundreds of findings).
constexpr std::size_t kMaxItemFindings = 200;

std::string norm(std::string_view s) {
  std::string out;
  for (char c : s)
    if (std::isalnum(static_cast<unsigned char>(c))) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

/// Data-type names: lower case, '_', '.', ' ' and '-' equivalent.
std::string norm_type(std::string_view s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u))
      out.push_back(static_cast<char>(std::tolower(u)));
    else if (!out.empty() && out.back() != '-')
      out.push_back('-');
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

bool has_tag(const Finding& f, std::string_view tag) {
  return std::find(f.tags.begin(), f.tags.end(), tag) != f.tags.end();
}

std::string basename(std::string_view p) {
  auto slash = p.find_last_of('/');
  return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

/// Lists inside a fact's data: the data itself when it is an array, else the first array found
/// under one of `keys`.
const nlohmann::json* fact_list(const nlohmann::json& data, std::initializer_list<const char*> keys) {
  if (data.is_array()) return &data;
  if (!data.is_object()) return nullptr;
  for (const char* k : keys)
    if (auto it = data.find(k); it != data.end() && it->is_array()) return &*it;
  return nullptr;
}

std::string json_str(const nlohmann::json& o, const char* key) {
  if (!o.is_object()) return {};
  auto it = o.find(key);
  if (it == o.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return {};
}

std::optional<long> json_port(const nlohmann::json& o) {
  if (!o.is_object()) return std::nullopt;
  auto it = o.find("port");
  if (it == o.end()) return std::nullopt;
  if (it->is_number_integer()) {
    long p = it->get<long>();
    if (p > 0 && p < 65536) return p;
    return std::nullopt;
  }
  if (it->is_string()) {
    const std::string s = it->get<std::string>();
    char* end = nullptr;
    long p = std::strtol(s.c_str(), &end, 10);
    if (!s.empty() && end == s.c_str() + s.size() && p > 0 && p < 65536) return p;
  }
  return std::nullopt;
}

}  // namespace

int Declaration::line_of(std::string_view field) const {
  for (const auto& [k, l] : lines)
    if (k == field) return l;
  return 0;
}

bool Declaration::has(std::string_view field) const {
  if (field == "identity") return identity.has_value();
  if (field == "identity.name") return identity && !identity->name.empty();
  if (field == "identity.vendor") return identity && !identity->vendor.empty();
  if (field == "identity.version") return identity && !identity->version.empty();
  if (field == "identity.product_kind") return identity && !identity->product_kind.empty();
  if (field == "data_collected") return data_collected.has_value();
  if (field == "third_party_sdks") return third_party_sdks.has_value();
  if (field == "network_services") return network_services.has_value();
  if (field == "credential_model") return !credential_model.empty();
  if (field == "support_period_end") return !support_period_end.empty();
  if (field == "vulnerability_contact") return !vulnerability_contact.empty();
  if (field == "update_mechanism") return !update_mechanism.empty();
  return false;
}

Result<Declaration> parse_declaration(std::string_view yaml, const std::string& source_name) {
  if (yaml.size() > detail::kMaxYamlBytes)
    return make_error(Errc::kUsage, fmt::format("{}: too large for a declaration", source_name));
  Diagnostics d{source_name};
  Declaration decl;
  decl.file = source_name;
  try {
    yaml::Node root = load_yaml(std::string(yaml));
    if (!root.IsMap())
      return make_error(Errc::kUsage, source_name + ": a declaration is a YAML mapping (see docs/declaration.md)");
    check_keys(d, root,
               {"schema", "identity", "data_collected", "third_party_sdks", "network_services", "credential_model",
                "support_period_end", "vulnerability_contact", "update_mechanism"},
               "a declaration");
    for (const auto& kv : root)
      if (kv.first.IsScalar()) decl.lines.emplace_back(kv.first.Scalar(), detail::line_of(kv.first));
    auto schema = scalar(d, root["schema"], "schema");
    if (!schema || *schema != kDeclarationSchema)
      d.error(root, fmt::format("'schema: {}' is required (found '{}')", kDeclarationSchema, schema.value_or("")));

    auto list_of = [&](const char* key) -> std::optional<yaml::Node> {
      yaml::Node n = root[key];
      if (!n.IsDefined()) return std::nullopt;
      if (n.IsNull()) return yaml::make_empty(yaml::NodeType::Sequence);  // `key:` alone declares none
      if (!n.IsSequence()) {
        d.error(n, fmt::format("'{}' must be a list ([] declares none)", key));
        return std::nullopt;
      }
      if (n.size() > detail::kMaxListItems) {
        d.error(n, fmt::format("'{}' has more than {} entries", key, detail::kMaxListItems));
        return std::nullopt;
      }
      return n;
    };

    if (yaml::Node id = root["identity"]; id.IsDefined() && !id.IsNull()) {
      if (!id.IsMap()) {
        d.error(id, "'identity' must be a mapping {name, vendor, version, product_kind}");
      } else {
        check_keys(d, id, {"name", "vendor", "version", "product_kind"}, "identity");
        Declaration::Identity ident;
        ident.name = scalar(d, id["name"], "name").value_or("");
        ident.vendor = scalar(d, id["vendor"], "vendor").value_or("");
        ident.version = scalar(d, id["version"], "version").value_or("");
        ident.product_kind = scalar(d, id["product_kind"], "product_kind").value_or("");
        if (!ident.product_kind.empty() && !known_product_kind(ident.product_kind))
          d.error(id["product_kind"], fmt::format("unknown product kind '{}'", ident.product_kind));
        decl.identity = ident;
      }
    }
    if (auto n = list_of("data_collected")) {
      std::vector<Declaration::DataItem> items;
      for (const auto& e : *n) {
        Declaration::DataItem item;
        if (e.IsScalar()) {
          item.type = scalar(d, e, "data_collected").value_or("");
        } else if (e.IsMap()) {
          check_keys(d, e, {"type", "purpose", "recipients"}, "a data_collected entry");
          item.type = scalar(d, e["type"], "type").value_or("");
          item.purpose = scalar(d, e["purpose"], "purpose").value_or("");
          item.recipients = detail::string_list(d, e["recipients"], "recipients");
        }
        if (item.type.empty())
          d.error(e, "a data_collected entry needs 'type' (location, contacts, ... as the privacy analyzer names them)");
        else
          items.push_back(std::move(item));
      }
      decl.data_collected = std::move(items);
    }
    if (auto n = list_of("third_party_sdks")) {
      std::vector<Declaration::Sdk> sdks;
      for (const auto& e : *n) {
        Declaration::Sdk sdk;
        if (e.IsScalar()) {
          sdk.name = scalar(d, e, "third_party_sdks").value_or("");
        } else if (e.IsMap()) {
          check_keys(d, e, {"name", "tracker", "purpose"}, "a third_party_sdks entry");
          sdk.name = scalar(d, e["name"], "name").value_or("");
          sdk.tracker = scalar(d, e["tracker"], "tracker").value_or("");
        }
        if (sdk.name.empty() && sdk.tracker.empty())
          d.error(e, "a third_party_sdks entry needs 'name' or 'tracker'");
        else
          sdks.push_back(std::move(sdk));
      }
      decl.third_party_sdks = std::move(sdks);
    }
    if (auto n = list_of("network_services")) {
      std::vector<Declaration::Service> services;
      for (const auto& e : *n) {
        Declaration::Service s;
        if (!e.IsMap()) {
          d.error(e, "a network_services entry is a mapping {program, port, protocol}");
          continue;
        }
        check_keys(d, e, {"program", "port", "protocol", "purpose"}, "a network_services entry");
        s.program = scalar(d, e["program"], "program").value_or("");
        s.protocol = scalar(d, e["protocol"], "protocol").value_or("");
        if (auto p = detail::number(d, e["port"], "port")) {
          if (*p < 1 || *p > 65535 || *p != static_cast<double>(static_cast<long>(*p)))
            d.error(e["port"], "port must be a whole number from 1 to 65535");
          else
            s.port = static_cast<long>(*p);
        }
        if (s.program.empty() && !s.port) d.error(e, "a network_services entry needs 'program' or 'port'");
        services.push_back(std::move(s));
      }
      decl.network_services = std::move(services);
    }
    if (auto v = scalar(d, root["credential_model"], "credential_model")) {
      if (*v != "unique-per-device" && *v != "user-set-at-first-use" && *v != "default-shared")
        d.error(root["credential_model"],
                fmt::format("credential_model must be unique-per-device, user-set-at-first-use or default-shared, "
                            "not '{}'",
                            *v));
      decl.credential_model = *v;
    }
    if (auto v = scalar(d, root["support_period_end"], "support_period_end")) {
      if (auto date = normalize_date(*v))
        decl.support_period_end = *date;
      else
        d.error(root["support_period_end"], fmt::format("support_period_end must be YYYY-MM-DD or YYYY-MM, not '{}'", *v));
    }
    if (auto v = scalar(d, root["vulnerability_contact"], "vulnerability_contact")) {
      bool url = v->find("://") != std::string::npos;
      auto at = v->find('@');
      bool mail = at != std::string::npos && at > 0 && v->find('.', at) != std::string::npos;
      if (!url && !mail && !v->empty())
        d.error(root["vulnerability_contact"],
                fmt::format("vulnerability_contact must be a URL or an e-mail address, not '{}'", *v));
      decl.vulnerability_contact = *v;
    }
    decl.update_mechanism = scalar(d, root["update_mechanism"], "update_mechanism").value_or("");
  } catch (const yaml::Exception& e) {
    d.error_at(e.mark.line + 1, "YAML: " + e.msg);
  }
  if (!d.ok()) return make_error(Errc::kUsage, d.joined());
  return decl;
}

namespace {

struct Detected {
  std::string id;    ///< tracker id, data type or service key
  std::string name;  ///< display name
  std::string extra; ///< category, source...
  Evidence evidence;
  std::vector<std::string> fingerprints;  ///< the findings that show it
};

void add_detected(std::map<std::string, Detected>& m, Detected d) {
  std::string k = norm_type(d.id);
  auto it = m.find(k);
  if (it == m.end()) {
    m.emplace(k, std::move(d));
    return;
  }
  // A fact's plain name ("Google AdMob") reads better than a finding's title ("Tracker SDK: ...").
  if (it->second.name.empty() || (d.evidence.path.empty() == false && d.fingerprints.empty() && !d.name.empty()))
    it->second.name = d.name;
  if (it->second.extra.empty()) it->second.extra = d.extra;
  if (it->second.evidence.path.empty()) it->second.evidence = d.evidence;
  for (auto& fp : d.fingerprints) it->second.fingerprints.push_back(std::move(fp));
}

bool sdk_matches(const Declaration::Sdk& sdk, const Detected& t) {
  std::vector<std::string> declared = {norm(sdk.name), norm(sdk.tracker)};
  std::vector<std::string> found = {norm(t.id), norm(t.name)};
  for (const auto& a : declared) {
    if (a.empty()) continue;
    for (const auto& b : found) {
      if (b.empty()) continue;
      if (a == b) return true;
      // "AdMob" covers "Google AdMob"; short words ("ads") are too vague to cover anything.
      if (a.size() >= 4 && b.find(a) != std::string::npos) return true;
      if (b.size() >= 4 && a.find(b) != std::string::npos) return true;
    }
  }
  return false;
}

/// "location" covers "precise-location" and "location-background"; "precise-location" does not
/// cover "location".
bool data_type_matches(std::string_view declared, std::string_view found) {
  std::string a = norm_type(declared), b = norm_type(found);
  if (a.empty() || b.empty()) return false;
  if (a == b) return true;
  std::size_t pos = 0;
  while ((pos = b.find(a, pos)) != std::string::npos) {
    bool left = pos == 0 || b[pos - 1] == '-';
    bool right = pos + a.size() == b.size() || b[pos + a.size()] == '-';
    if (left && right) return true;
    ++pos;
  }
  return false;
}

}  // namespace

Result<DeclarationCheck> check_declaration(Assessment& a, const Declaration& d, const std::string& today) {
  DeclarationCheck out;
  std::vector<Finding> added;
  nlohmann::json checks = nlohmann::json::array();
  std::string base = a.subject.name.empty() ? std::string("product") : a.subject.name;

  auto make = [&](std::string_view rule, const std::string& key, Evidence ev, const std::string& description)
      -> Result<Finding> {
    auto f = rule_finding(rule);
    if (!f) return f;
    f->key = key;
    if (ev.path.empty()) ev.path = base;
    f->evidence.push_back(std::move(ev));
    if (!description.empty()) f->description = description + (f->description.empty() ? "" : "\n\n" + f->description);
    f->fingerprint = fingerprint(*f);
    return f;
  };
  auto decl_evidence = [&](std::string_view field, const std::string& excerpt) {
    Evidence ev;
    ev.path = base;
    int line = d.line_of(field);
    if (line > 0) ev.line = static_cast<std::uint32_t>(line);
    ev.excerpt = fmt::format("{}: {}", d.file, excerpt);
    return ev;
  };

  // --- trackers -----------------------------------------------------------------------------
  {
    std::map<std::string, Detected> trackers;
    // Other tracker-tagged findings (a tracker's endpoint, say) are not trackers of their own:
    // they are covered when a declared SDK names them, and never reported as undeclared SDKs.
    std::vector<const Finding*> related;
    for (const auto& f : a.findings) {
      if (f.rule_id.rfind("declaration.", 0) == 0) continue;
      if (f.rule_id != "privacy.tracker") {
        if (has_tag(f, "tracker") && f.category == Category::kPrivacy) related.push_back(&f);
        continue;
      }
      Detected t;
      t.id = f.key.empty() ? f.title : f.key;
      t.name = f.title;
      if (!f.evidence.empty()) t.evidence = f.evidence.front();
      t.fingerprints.push_back(f.fingerprint);
      add_detected(trackers, std::move(t));
    }
    for (const auto& fact : a.facts) {
      if (fact.type != "app.trackers") continue;
      const nlohmann::json* list = fact_list(fact.data, {"trackers", "items"});
      if (list == nullptr) continue;
      for (const auto& item : *list) {
        Detected t;
        if (item.is_string()) {
          t.id = item.get<std::string>();
        } else {
          t.id = json_str(item, "id");
          t.name = json_str(item, "name");
          t.extra = json_str(item, "category");
        }
        if (t.id.empty()) t.id = t.name;
        if (t.id.empty()) continue;
        t.evidence.path = fact.path;
        add_detected(trackers, std::move(t));
      }
    }
    if (d.third_party_sdks)
      for (const Finding* f : related) {
        Detected t;
        t.id = f->key;
        t.name = f->title;
        for (const auto& sdk : *d.third_party_sdks)
          if (sdk_matches(sdk, t)) out.covered.insert(f->fingerprint);
      }
    nlohmann::json undeclared = nlohmann::json::array(), declared = nlohmann::json::array();
    nlohmann::json fps = nlohmann::json::array();
    std::size_t count = 0;
    for (auto& [k, t] : trackers) {
      bool ok = false;
      if (d.third_party_sdks)
        for (const auto& sdk : *d.third_party_sdks) ok = ok || sdk_matches(sdk, t);
      std::string label = t.name.empty() || norm(t.name) == norm(t.id) ? t.id : fmt::format("{} ({})", t.name, t.id);
      if (ok) {
        declared.push_back(label);
        for (const auto& fp : t.fingerprints) out.covered.insert(fp);
        continue;
      }
      undeclared.push_back(label);
      if (++count > kMaxItemFindings) continue;
      std::string said = !d.third_party_sdks        ? "the declaration does not list third-party SDKs"
                         : d.third_party_sdks->empty() ? "the declaration says there are no third-party SDKs"
                                                       : "the declaration's third_party_sdks does not name it";
      Evidence ev = t.evidence;
      if (ev.excerpt.empty()) ev.excerpt = fmt::format("tracker {}", label);
      ev.excerpt += fmt::format(" — {} ({})", said, d.file);
      auto f = make("declaration.undeclared-tracker", t.id, std::move(ev),
                    fmt::format("The product embeds the tracker {}, but {}.", label, said));
      if (!f) return f.error();
      f->title = fmt::format("Undeclared tracker: {}", t.name.empty() ? t.id : t.name);
      fps.push_back(f->fingerprint);
      added.push_back(std::move(*f));
    }
    checks.push_back({{"id", "third_party_sdks"},
                      {"declared", d.third_party_sdks ? nlohmann::json(d.third_party_sdks->size()) : nlohmann::json(nullptr)},
                      {"detected", trackers.size()},
                      {"covered", declared},
                      {"undeclared", undeclared},
                      {"result", undeclared.empty() ? "pass" : "fail"},
                      {"findings", fps}});
  }

  // --- data collection ----------------------------------------------------------------------
  {
    std::map<std::string, Detected> types;
    for (const auto& f : a.findings) {
      if (f.rule_id != "privacy.data-collection" || f.key.empty()) continue;
      Detected t;
      t.id = f.key;
      t.name = f.title;
      if (!f.evidence.empty()) t.evidence = f.evidence.front();
      t.fingerprints.push_back(f.fingerprint);
      add_detected(types, std::move(t));
    }
    for (const auto& fact : a.facts) {
      if (fact.type != "app.data-collection") continue;
      const nlohmann::json* list = fact_list(fact.data, {"data_types", "items", "data_collection", "collection"});
      if (list == nullptr) continue;
      for (const auto& item : *list) {
        Detected t;
        t.id = item.is_string() ? item.get<std::string>() : json_str(item, "data_type");
        if (t.id.empty()) t.id = json_str(item, "type");
        if (t.id.empty()) continue;
        t.evidence.path = fact.path;
        add_detected(types, std::move(t));
      }
    }
    nlohmann::json undeclared = nlohmann::json::array(), declared = nlohmann::json::array();
    nlohmann::json fps = nlohmann::json::array();
    std::size_t count = 0;
    for (auto& [k, t] : types) {
      bool ok = false;
      if (d.data_collected)
        for (const auto& item : *d.data_collected) ok = ok || data_type_matches(item.type, t.id);
      if (ok) {
        declared.push_back(t.id);
        for (const auto& fp : t.fingerprints) out.covered.insert(fp);
        continue;
      }
      undeclared.push_back(t.id);
      if (++count > kMaxItemFindings) continue;
      std::string said = !d.data_collected          ? "the declaration does not list the data collected"
                         : d.data_collected->empty() ? "the declaration says no personal data is collected"
                                                     : "the declaration's data_collected does not name it";
      Evidence ev = t.evidence;
      if (ev.excerpt.empty()) ev.excerpt = fmt::format("collects {}", t.id);
      ev.excerpt += fmt::format(" — {} ({})", said, d.file);
      auto f = make("declaration.undeclared-data-collection", t.id, std::move(ev),
                    fmt::format("The product collects {} (see the privacy findings), but {}.", t.id, said));
      if (!f) return f.error();
      f->title = fmt::format("Undeclared data collection: {}", t.id);
      fps.push_back(f->fingerprint);
      added.push_back(std::move(*f));
    }
    checks.push_back({{"id", "data_collected"},
                      {"declared", d.data_collected ? nlohmann::json(d.data_collected->size()) : nlohmann::json(nullptr)},
                      {"detected", types.size()},
                      {"covered", declared},
                      {"undeclared", undeclared},
                      {"result", undeclared.empty() ? "pass" : "fail"},
                      {"findings", fps}});
  }

  // --- listening services -------------------------------------------------------------------
  {
    std::map<std::string, Detected> services;
    std::map<std::string, std::pair<std::string, long>> detail;  // key -> (program, port)
    for (const auto& fact : a.facts) {
      if (fact.type != "system.services") continue;
      const nlohmann::json* list = fact_list(fact.data, {"services"});
      if (list == nullptr) continue;
      for (const auto& s : *list) {
        auto port = json_port(s);
        if (!port) continue;  // not listening on a known port: nothing to compare
        std::string program = basename(json_str(s, "program"));
        std::string proto = json_str(s, "protocol");
        Detected t;
        t.id = fmt::format("{}:{}/{}", program.empty() ? "?" : program, *port, proto.empty() ? "tcp" : proto);
        t.name = program;
        t.extra = proto;
        t.evidence.path = fact.path;
        std::string src = json_str(s, "source");
        t.evidence.excerpt = src.empty() ? t.id : fmt::format("{} started in {}", t.id, src);
        detail[norm_type(t.id)] = {program, *port};
        add_detected(services, std::move(t));
      }
    }
    nlohmann::json undeclared = nlohmann::json::array(), declared = nlohmann::json::array();
    nlohmann::json fps = nlohmann::json::array();
    std::size_t count = 0;
    for (auto& [k, t] : services) {
      const auto& [program, port] = detail[k];
      bool ok = false;
      if (d.network_services)
        for (const auto& s : *d.network_services) {
          bool proto_ok = s.protocol.empty() || t.extra.empty() || norm(s.protocol) == norm(t.extra);
          if (s.port && *s.port == port && proto_ok) ok = true;
          if (!s.port && !s.program.empty() && norm(basename(s.program)) == norm(program)) ok = true;
        }
      if (ok) {
        declared.push_back(t.id);
        continue;
      }
      undeclared.push_back(t.id);
      if (++count > kMaxItemFindings) continue;
      std::string said = !d.network_services          ? "the declaration does not list network services"
                         : d.network_services->empty() ? "the declaration says there are no network services"
                                                       : "the declaration's network_services does not name it";
      Evidence ev = t.evidence;
      ev.excerpt += fmt::format(" — {} ({})", said, d.file);
      auto f = make("declaration.undeclared-service", t.id, std::move(ev),
                    fmt::format("The image starts {} listening on port {}, but {}.", program, port, said));
      if (!f) return f.error();
      f->title = fmt::format("Undeclared network service: {} on port {}", program, port);
      fps.push_back(f->fingerprint);
      added.push_back(std::move(*f));
    }
    checks.push_back({{"id", "network_services"},
                      {"declared", d.network_services ? nlohmann::json(d.network_services->size()) : nlohmann::json(nullptr)},
                      {"detected", services.size()},
                      {"covered", declared},
                      {"undeclared", undeclared},
                      {"result", undeclared.empty() ? "pass" : "fail"},
                      {"findings", fps}});
  }

  // --- credential model ---------------------------------------------------------------------
  {
    nlohmann::json c = {{"id", "credential_model"}, {"declared", d.credential_model.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.credential_model)}};
    nlohmann::json fps = nlohmann::json::array();
    if (d.credential_model == "default-shared") {
      auto f = make("declaration.shared-default-credentials", d.credential_model,
                    decl_evidence("credential_model", "credential_model: default-shared"),
                    "The vendor declares that every unit ships with the same default credentials.");
      if (!f) return f.error();
      fps.push_back(f->fingerprint);
      added.push_back(std::move(*f));
    } else if (!d.credential_model.empty()) {
      // The claim "unique per device" or "set by the user" contradicts a login credential baked
      // into the image: such a credential is by construction the same on every unit.
      const Finding* contra = nullptr;
      for (const auto& f : a.findings) {
        if (!f.suppression.is_null() || f.severity < Severity::kMedium) continue;
        if (f.rule_id == "accounts.default-password" || f.rule_id == "accounts.empty-password" ||
            f.rule_id == "backdoor.login-chain" || f.rule_id == "services.snmp-default-community") {
          contra = &f;
          break;
        }
      }
      if (contra != nullptr) {
        Evidence ev = contra->evidence.empty() ? Evidence{} : contra->evidence.front();
        ev.excerpt = fmt::format("{} ({}) — the declaration says credential_model: {} ({})", contra->title,
                                 contra->rule_id, d.credential_model, d.file);
        auto f = make("declaration.inconsistent-credential-model", d.credential_model, std::move(ev),
                      fmt::format("The declaration says credentials are {}, but the image ships a usable credential "
                                  "({}).",
                                  d.credential_model, contra->rule_id));
        if (!f) return f.error();
        fps.push_back(f->fingerprint);
        added.push_back(std::move(*f));
      }
    }
    c["result"] = fps.empty() ? (d.credential_model.empty() ? "not-declared" : "pass") : "fail";
    c["findings"] = fps;
    checks.push_back(c);
  }

  // --- support period -----------------------------------------------------------------------
  {
    nlohmann::json c = {{"id", "support_period_end"},
                        {"declared", d.support_period_end.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.support_period_end)}};
    std::optional<Result<Finding>> f;
    if (d.support_period_end.empty())
      f = make("declaration.missing-support-period", "support_period_end",
               decl_evidence("support_period_end", "no support_period_end"),
               "The declaration does not state until when the product receives security updates.");
    else if (d.support_period_end < today)
      f = make("declaration.support-period-ended", d.support_period_end,
               decl_evidence("support_period_end", "support_period_end: " + d.support_period_end),
               fmt::format("The declared support period ended on {} (assessed on {}).", d.support_period_end, today));
    if (f) {
      if (!*f) return f->error();
      c["result"] = "fail";
      c["findings"] = {(*f)->fingerprint};
      added.push_back(std::move(**f));
    } else {
      c["result"] = "pass";
      c["findings"] = nlohmann::json::array();
    }
    checks.push_back(c);
  }

  // --- vulnerability contact ----------------------------------------------------------------
  {
    nlohmann::json c = {{"id", "vulnerability_contact"},
                        {"declared", d.vulnerability_contact.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.vulnerability_contact)}};
    if (d.vulnerability_contact.empty()) {
      auto f = make("declaration.missing-vulnerability-contact", "vulnerability_contact",
                    decl_evidence("vulnerability_contact", "no vulnerability_contact"),
                    "The declaration gives no contact for reporting vulnerabilities.");
      if (!f) return f.error();
      c["result"] = "fail";
      c["findings"] = {f->fingerprint};
      added.push_back(std::move(*f));
    } else {
      c["result"] = "pass";
      c["findings"] = nlohmann::json::array();
    }
    checks.push_back(c);
  }
  checks.push_back({{"id", "update_mechanism"},
                    {"declared", d.update_mechanism.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.update_mechanism)},
                    {"result", d.update_mechanism.empty() ? "not-declared" : "recorded"}});

  nlohmann::json identity = nullptr;
  if (d.identity) {
    identity = {{"name", d.identity->name},
                {"vendor", d.identity->vendor},
                {"version", d.identity->version},
                {"product_kind", d.identity->product_kind}};
    if (!d.identity->product_kind.empty())
      identity["product_kind_matches"] = d.identity->product_kind == a.product_kind;
  }
  out.report = {{"supplied", true},
                {"file", d.file},
                {"schema", std::string(kDeclarationSchema)},
                {"identity", identity},
                {"checks", checks}};
  for (auto& f : added) a.findings.push_back(std::move(f));
  return out;
}

}  // namespace assay::policy
