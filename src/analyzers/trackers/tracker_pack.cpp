#include "analyzers/trackers/tracker_pack.hpp"

#include <fmt/format.h>
#include "core/embedded.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/embedded.hpp"

namespace assay::trackers {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

std::size_t count_labels(std::string_view s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '.')) + 1; }

bool is_java_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$';
}

// A dotted Java name: identifiers separated by single dots, at least two labels.
bool is_dotted_java_name(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = '.';
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!is_java_ident_char(c)) {
      return false;
    }
    prev = c;
  }
  return count_labels(s) >= 2;
}

// A host name: letters, digits, '-' and '_' in labels, at least two labels.
bool is_domain(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.' || s.front() == '-') return false;
  char prev = '.';
  bool has_alpha = false;
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_') {
      if (std::isalpha(static_cast<unsigned char>(c)) != 0) has_alpha = true;
    } else {
      return false;
    }
    prev = c;
  }
  return has_alpha && count_labels(s) >= 2;
}

// The last label of a dotted name starts upper case: a class, by Java convention.
bool is_class_signature(std::string_view s) {
  const auto dot = s.rfind('.');
  return dot != std::string_view::npos && dot + 1 < s.size() && std::isupper(static_cast<unsigned char>(s[dot + 1])) != 0;
}

std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '.' || s[i + 1] == '-' || s[i + 1] == '_' || s[i + 1] == '/')) {
      out += s[++i];
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> split_alternatives(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '|') {
      std::string_view alt = s.substr(start, i - start);
      while (!alt.empty() && std::isspace(static_cast<unsigned char>(alt.front()))) alt.remove_prefix(1);
      while (!alt.empty() && std::isspace(static_cast<unsigned char>(alt.back()))) alt.remove_suffix(1);
      if (!alt.empty()) out.emplace_back(alt);
      start = i + 1;
    }
  }
  return out;
}

std::string map_exodus_category(std::string_view c) {
  const std::string l = to_lower(c);
  if (l == "advertisement" || l == "advertising" || l == "ads") return "advertising";
  if (l == "crash reporting" || l == "crash-reporting") return "crash-reporting";
  if (l == "analytics" || l == "profiling" || l == "identification" || l == "location") return l;
  return "";
}

std::string primary_category(const std::vector<std::string>& cats) {
  for (std::string_view c : kCategories)
    if (std::find(cats.begin(), cats.end(), c) != cats.end()) return std::string(c);
  // εxodus lists a few SDKs without a category; the mildest class is assumed and said in README.
  return "analytics";
}

std::vector<std::string> yaml_strings(const yaml::Node& n) {
  std::vector<std::string> out;
  if (!n) return out;
  if (n.IsScalar()) {
    out.push_back(n.as<std::string>());
  } else if (n.IsSequence()) {
    for (std::size_t i = 0; i < n.size() && i < kMaxSignaturesPerTracker; ++i)
      if (n[i].IsScalar()) out.push_back(n[i].as<std::string>());
  }
  return out;
}

void dedup(std::vector<std::string>& v) {
  std::set<std::string> seen;
  std::vector<std::string> out;
  for (auto& s : v)
    if (seen.insert(s).second) out.push_back(std::move(s));
  v = std::move(out);
}

std::string yaml_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

std::string yaml_list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + yaml_quote(v[i]);
  return out + "]";
}

std::string read_whole_file(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

bool is_category(std::string_view c) noexcept {
  return std::find(std::begin(kCategories), std::end(kCategories), c) != std::end(kCategories);
}

std::string slug(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      out += lower(c);
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

void TrackerPack::add(Tracker t) {
  for (auto& existing : trackers_) {
    if (existing.id == t.id) {
      existing = std::move(t);
      return;
    }
  }
  trackers_.push_back(std::move(t));
}

void TrackerPack::finalize() {
  code_.clear();
  class_pkg_.clear();
  net_.clear();
  ios_fw_.clear();
  ios_prefix_.clear();
  for (std::size_t i = 0; i < trackers_.size(); ++i) {
    const Tracker& t = trackers_[i];
    for (const auto& s : t.code_signatures) {
      code_[s].push_back(i);
      if (is_class_signature(s)) {
        const std::string pkg = s.substr(0, s.rfind('.'));
        if (count_labels(pkg) >= kMinClassPackageLabels) class_pkg_[pkg].push_back({i, s});
      }
    }
    for (const auto& d : t.network_signatures) net_[to_lower(d)].push_back(i);
    for (const auto& f : t.ios_frameworks) ios_fw_[f].push_back(i);
    for (const auto& p : t.ios_class_prefixes) ios_prefix_.push_back({p, i});
  }
}

const Tracker* TrackerPack::find(std::string_view id) const {
  for (const auto& t : trackers_)
    if (t.id == id) return &t;
  return nullptr;
}

std::vector<Match> TrackerPack::lookup_prefixes(std::string_view name, bool class_name) const {
  std::vector<Match> out;
  auto seen = [&](std::size_t i) {
    return std::any_of(out.begin(), out.end(), [&](const Match& m) { return m.tracker == &trackers_[i]; });
  };
  // Every prefix ending on a boundary ('.', and '$' for inner classes), longest last.
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i != name.size() && name[i] != '.' && !(class_name && name[i] == '$')) continue;
    auto it = code_.find(std::string(name.substr(0, i)));
    if (it == code_.end()) continue;
    for (std::size_t idx : it->second)
      if (!seen(idx)) out.push_back({&trackers_[idx], it->first, "high"});
  }
  return out;
}

std::vector<Match> TrackerPack::match_package(std::string_view package) const {
  std::vector<Match> out = lookup_prefixes(package, false);
  auto it = class_pkg_.find(std::string(package));
  if (it != class_pkg_.end()) {
    for (const auto& [idx, sig] : it->second) {
      const bool dup = std::any_of(out.begin(), out.end(), [&](const Match& m) { return m.tracker == &trackers_[idx]; });
      if (!dup) out.push_back({&trackers_[idx], sig, "medium"});
    }
  }
  return out;
}

std::vector<Match> TrackerPack::match_class(std::string_view class_name) const {
  return lookup_prefixes(class_name, true);
}

std::vector<Match> TrackerPack::match_host(std::string_view host) const {
  std::vector<Match> out;
  std::string h = to_lower(host);
  while (!h.empty() && h.back() == '.') h.pop_back();
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (i != 0 && h[i - 1] != '.') continue;
    auto it = net_.find(h.substr(i));
    if (it == net_.end()) continue;
    for (std::size_t idx : it->second) {
      const bool dup = std::any_of(out.begin(), out.end(), [&](const Match& m) { return m.tracker == &trackers_[idx]; });
      if (!dup) out.push_back({&trackers_[idx], it->first, "high"});
    }
  }
  return out;
}

std::vector<Match> TrackerPack::match_ios_framework(std::string_view name) const {
  std::vector<Match> out;
  auto it = ios_fw_.find(std::string(name));
  if (it != ios_fw_.end())
    for (std::size_t idx : it->second) out.push_back({&trackers_[idx], it->first, "high"});
  return out;
}

std::vector<Match> TrackerPack::match_ios_class(std::string_view class_name) const {
  std::vector<Match> out;
  for (const auto& [prefix, idx] : ios_prefix_) {
    if (class_name.size() <= prefix.size() || !class_name.starts_with(prefix)) continue;
    if (std::isupper(static_cast<unsigned char>(class_name[prefix.size()])) == 0) continue;
    const bool dup = std::any_of(out.begin(), out.end(), [&](const Match& m) { return m.tracker == &trackers_[idx]; });
    if (!dup) out.push_back({&trackers_[idx], prefix, "medium"});
  }
  return out;
}

Result<std::vector<Tracker>> parse_yaml_pack(std::string_view text, const std::string& source) {
  std::vector<Tracker> out;
  try {
    yaml::Node root = load_yaml(std::string(text));
    yaml::Node list = root["trackers"];
    if (!list || !list.IsSequence()) return make_error(Errc::kMalformed, source + ": no `trackers:` list");
    if (list.size() > kMaxTrackersPerPack)
      return make_error(Errc::kLimit, fmt::format("{}: more than {} trackers", source, kMaxTrackersPerPack));
    for (std::size_t i = 0; i < list.size(); ++i) {
      const yaml::Node n = list[i];
      if (!n.IsMap()) return make_error(Errc::kMalformed, fmt::format("{}: tracker #{} is not a mapping", source, i));
      Tracker t;
      t.name = n["name"] ? n["name"].as<std::string>() : "";
      t.id = n["id"] ? n["id"].as<std::string>() : slug(t.name);
      if (t.id.empty() || t.name.empty())
        return make_error(Errc::kMalformed, fmt::format("{}: tracker #{} has no id or name", source, i));
      t.categories = yaml_strings(n["categories"]);
      if (n["category"]) t.category = n["category"].as<std::string>();
      if (t.category.empty()) t.category = primary_category(t.categories);
      if (std::find(t.categories.begin(), t.categories.end(), t.category) == t.categories.end())
        t.categories.insert(t.categories.begin(), t.category);
      for (const auto& c : t.categories)
        if (!is_category(c)) return make_error(Errc::kMalformed, fmt::format("{}: tracker {} has unknown category '{}'", source, t.id, c));
      if (n["website"]) t.website = n["website"].as<std::string>();
      for (auto& s : yaml_strings(n["code_signatures"])) {
        while (!s.empty() && s.back() == '.') s.pop_back();
        if (!is_dotted_java_name(s))
          return make_error(Errc::kMalformed, fmt::format("{}: tracker {} code signature '{}' is not a dotted Java name", source, t.id, s));
        t.code_signatures.push_back(std::move(s));
      }
      for (auto& s : yaml_strings(n["network_signatures"])) {
        s = to_lower(s);
        if (!is_domain(s)) return make_error(Errc::kMalformed, fmt::format("{}: tracker {} network signature '{}' is not a domain", source, t.id, s));
        t.network_signatures.push_back(std::move(s));
      }
      if (const yaml::Node ios = n["ios"]) {
        if (ios.IsMap()) {
          t.ios_frameworks = yaml_strings(ios["frameworks"]);
          t.ios_class_prefixes = yaml_strings(ios["class_prefixes"]);
        }
      }
      // Short class prefixes ("FB", "GA") would hit unrelated classes; three letters is Apple's own advice.
      for (const auto& p : t.ios_class_prefixes)
        if (p.size() < 3) return make_error(Errc::kMalformed, fmt::format("{}: tracker {} iOS class prefix '{}' is shorter than 3", source, t.id, p));
      dedup(t.code_signatures);
      dedup(t.network_signatures);
      t.source = source;
      out.push_back(std::move(t));
    }
  } catch (const yaml::Exception& e) {
    return make_error(Errc::kMalformed, source + ": " + e.what());
  }
  return out;
}

Result<ExodusImport> import_exodus(std::string_view json_text, const std::string& source) {
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, false);
  if (doc.is_discarded()) return make_error(Errc::kMalformed, source + ": not JSON");
  // Accepted shapes: [ {id: {...}} ], {id: {...}}, {"trackers": {id: {...}}} or a list of trackers.
  if (doc.is_object() && doc.contains("trackers")) doc = doc["trackers"];
  std::vector<const nlohmann::json*> entries;
  auto collect = [&](const nlohmann::json& obj) {
    if (obj.is_object() && obj.contains("name") && obj.contains("code_signature")) {
      entries.push_back(&obj);
      return;
    }
    if (!obj.is_object()) return;
    for (const auto& [k, v] : obj.items())
      if (v.is_object() && v.contains("name")) entries.push_back(&v);
  };
  if (doc.is_array()) {
    for (const auto& e : doc) collect(e);
  } else {
    collect(doc);
  }
  if (entries.empty()) return make_error(Errc::kMalformed, source + ": no εxodus tracker entries (objects with name and code_signature)");
  if (entries.size() > kMaxTrackersPerPack)
    return make_error(Errc::kLimit, fmt::format("{}: more than {} trackers", source, kMaxTrackersPerPack));

  ExodusImport out;
  std::set<std::string> ids;
  for (const nlohmann::json* e : entries) {
    Tracker t;
    t.name = (*e)["name"].is_string() ? (*e)["name"].get<std::string>() : "";
    if (t.name.empty()) continue;
    t.id = slug(t.name);
    if (t.id.empty() || !ids.insert(t.id).second) {
      // Two entries with one display name: keep both, tell them apart by the εxodus id.
      const std::string num = e->contains("id") ? (*e)["id"].dump() : std::to_string(ids.size());
      t.id = slug(t.name + "-" + num);
      ids.insert(t.id);
    }
    if (e->contains("website") && (*e)["website"].is_string()) t.website = (*e)["website"].get<std::string>();
    if (e->contains("categories") && (*e)["categories"].is_array())
      for (const auto& c : (*e)["categories"])
        if (c.is_string())
          if (auto m = map_exodus_category(c.get<std::string>()); !m.empty() && std::find(t.categories.begin(), t.categories.end(), m) == t.categories.end())
            t.categories.push_back(m);
    t.category = primary_category(t.categories);
    if (t.categories.empty()) t.categories.push_back(t.category);
    std::sort(t.categories.begin(), t.categories.end(), [](const std::string& a, const std::string& b) {
      auto rank = [](const std::string& c) { return std::find(std::begin(kCategories), std::end(kCategories), c) - std::begin(kCategories); };
      return rank(a) < rank(b);
    });

    const std::string code = (*e)["code_signature"].is_string() ? (*e)["code_signature"].get<std::string>() : "";
    for (const auto& alt : split_alternatives(code)) {
      ++out.signatures_in;
      std::string s = unescape(alt);
      std::string reason;
      if (s.front() == '.') {
        reason = "leading '.' matches the name inside any package (not a prefix)";
      } else {
        while (!s.empty() && s.back() == '.') s.pop_back();
        if (!is_dotted_java_name(s)) reason = "not a plain dotted Java name (regex syntax or a single label)";
      }
      if (!reason.empty()) {
        out.refused.push_back({t.name, alt, reason});
        continue;
      }
      if (t.code_signatures.size() < kMaxSignaturesPerTracker) t.code_signatures.push_back(std::move(s));
    }
    const std::string net = e->contains("network_signature") && (*e)["network_signature"].is_string()
                                ? (*e)["network_signature"].get<std::string>() : "";
    for (const auto& alt : split_alternatives(net)) {
      ++out.signatures_in;
      std::string_view v = alt;
      // "Any subdomain of" is what a domain signature means already.
      if (v.starts_with("^")) v.remove_prefix(1);
      if (v.starts_with(".*\\.")) v.remove_prefix(4);
      else if (v.starts_with("(.*\\.)?")) v.remove_prefix(7);
      else if (v.starts_with("\\.")) v.remove_prefix(2);
      else if (v.starts_with(".")) v.remove_prefix(1);  // regex "any character": a subdomain boundary in practice
      if (v.ends_with("$")) v.remove_suffix(1);
      std::string s = to_lower(unescape(v));
      if (!is_domain(s)) {
        out.refused.push_back({t.name, alt, "not a plain domain (wildcard, character class, port or path)"});
        continue;
      }
      if (t.network_signatures.size() < kMaxSignaturesPerTracker) t.network_signatures.push_back(std::move(s));
    }
    dedup(t.code_signatures);
    dedup(t.network_signatures);
    t.source = "exodus:" + source;
    out.trackers.push_back(std::move(t));
  }
  return out;
}

std::string to_yaml(const std::vector<Tracker>& trackers, const std::string& header_comment) {
  std::string out;
  std::istringstream hc(header_comment);
  for (std::string line; std::getline(hc, line);) out += "# " + line + "\n";
  out += "trackers:\n";
  for (const auto& t : trackers) {
    out += "  - id: " + yaml_quote(t.id) + "\n";
    out += "    name: " + yaml_quote(t.name) + "\n";
    out += "    category: " + t.category + "\n";
    if (t.categories.size() > 1) out += "    categories: " + yaml_list(t.categories) + "\n";
    if (!t.website.empty()) out += "    website: " + yaml_quote(t.website) + "\n";
    out += "    code_signatures: " + yaml_list(t.code_signatures) + "\n";
    out += "    network_signatures: " + yaml_list(t.network_signatures) + "\n";
    if (!t.ios_frameworks.empty() || !t.ios_class_prefixes.empty()) {
      out += "    ios:\n";
      out += "      frameworks: " + yaml_list(t.ios_frameworks) + "\n";
      out += "      class_prefixes: " + yaml_list(t.ios_class_prefixes) + "\n";
    }
  }
  return out;
}

Result<std::string> load_rule_text(std::string_view path, const std::string& rules_dir) {
  auto text = load_data_file(path, rules_dir);
  if (text) return text;
  for (const auto& f : embedded_files())
    if (f.path == path) return std::string(f.data);
  return text;
}

TrackerPack load_tracker_pack(const AnalysisConfig& config) {
  TrackerPack pack;
  auto text = load_rule_text("rules/trackers.yaml", config.rules_dir);
  if (!text) {
    pack.warnings.push_back("built-in tracker pack: " + text.error().message);
  } else if (auto parsed = parse_yaml_pack(*text, "builtin"); !parsed) {
    pack.warnings.push_back("built-in tracker pack: " + parsed.error().message);
  } else {
    for (auto& t : *parsed) pack.add(std::move(t));
  }
  for (const auto& file : config.tracker_files) {
    bool ok = false;
    const std::string body = read_whole_file(file, ok);
    if (!ok) {
      pack.warnings.push_back("tracker pack " + file + ": cannot be read");
      continue;
    }
    const auto first = body.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && (body[first] == '[' || body[first] == '{')) {
      auto imported = import_exodus(body, file);
      if (!imported) {
        pack.warnings.push_back(imported.error().message);
        continue;
      }
      if (!imported->refused.empty())
        pack.warnings.push_back(fmt::format("{}: {} signature(s) are not plain prefixes or domains and were skipped", file, imported->refused.size()));
      for (auto& t : imported->trackers) pack.add(std::move(t));
    } else {
      auto parsed = parse_yaml_pack(body, file);
      if (!parsed) {
        pack.warnings.push_back(parsed.error().message);
        continue;
      }
      for (auto& t : *parsed) pack.add(std::move(t));
    }
  }
  pack.finalize();
  return pack;
}

}  // namespace assay::trackers
