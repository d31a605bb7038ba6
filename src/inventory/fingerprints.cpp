#include "inventory/fingerprints.hpp"

#include "core/embedded.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#include "core/embedded.hpp"

namespace assay::inventory {
namespace {

// An anchor that occurs more often than this in one node is not a banner any more (a table of
// format strings, padding): the first hits are checked, the rest ignored, so the regex work per
// node stays bounded whatever the input.
constexpr std::size_t kMaxAnchorHits = 256;
// Window bounds accepted from the rule file (a regex never runs over more than this).
constexpr std::uint32_t kMaxWindow = 4096;
// Evidence excerpts stay short enough for a report line.
constexpr std::size_t kMaxEvidence = 120;

std::string printable(std::string_view s) {
  std::string r;
  for (unsigned char c : s) {
    if (c == 0) r += "\\0";
    else if (c < 0x20 || c > 0x7e) r += '.';
    else r.push_back(static_cast<char>(c));
  }
  return r;
}

const std::uint8_t* find(ByteView hay, std::size_t from, std::string_view needle) {
  if (from >= hay.size() || needle.empty()) return nullptr;
  return static_cast<const std::uint8_t*>(
      ::memmem(hay.data() + from, hay.size() - from, needle.data(), needle.size()));
}

std::vector<std::string> string_list(const yaml::Node& n) {
  std::vector<std::string> v;
  if (n && n.IsSequence())
    for (const auto& e : n) v.push_back(e.as<std::string>());
  return v;
}

// CPE 2.3 formatted-string escaping: everything but alphanumerics, '_', '-' and '.' is quoted.
std::string cpe_escape(std::string_view s) {
  std::string r;
  for (unsigned char c : s) {
    if (!std::isalnum(c) && c != '_' && c != '-' && c != '.') r.push_back('\\');
    r.push_back(static_cast<char>(c));
  }
  return r;
}

}  // namespace

Result<std::shared_ptr<const Fingerprints>> Fingerprints::compile(std::string_view yaml_text) {
  auto fp = std::make_shared<Fingerprints>();
  std::string current = "(file)";
  try {
    yaml::Node root = load_yaml(std::string(yaml_text));
    for (const auto& c : root["components"]) {
      FingerprintRule r;
      r.name = c["name"].as<std::string>();
      current = r.name;
      r.cpe_vendor_product = c["cpe"] ? c["cpe"].as<std::string>() : std::string();
      if (c["cpe_part"]) r.cpe_part = c["cpe_part"].as<std::string>().c_str()[0];
      r.purl_base = c["purl"] ? c["purl"].as<std::string>() : "pkg:generic/" + r.name;
      r.packages = string_list(c["packages"]);
      std::vector<std::string> kinds = c["kinds"] ? string_list(c["kinds"])
                                                  : std::vector<std::string>{"elf", "pe", "macho", "macho-fat"};
      for (const auto& k : kinds) {
        auto kk = kind_from_name(k);
        if (!kk) return make_error(Errc::kMalformed, "components.yaml: " + r.name + ": unknown kind " + k);
        r.kinds.push_back(*kk);
      }
      for (const auto& p : c["patterns"]) {
        FingerprintPattern pat;
        pat.anchor = p["anchor"].as<std::string>();
        pat.regex_source = p["regex"].as<std::string>();
        if (pat.anchor.empty()) return make_error(Errc::kMalformed, "components.yaml: " + r.name + ": empty anchor");
        pat.regex = std::regex(pat.regex_source, std::regex::ECMAScript | std::regex::optimize);
        if (pat.regex.mark_count() < 1)
          return make_error(Errc::kMalformed, "components.yaml: " + r.name + ": regex has no version group");
        if (p["before"]) pat.before = std::min(p["before"].as<std::uint32_t>(), kMaxWindow);
        if (p["after"]) pat.after = std::min(p["after"].as<std::uint32_t>(), kMaxWindow);
        pat.requires_all = string_list(p["requires"]);
        if (p["confidence"]) pat.confidence = p["confidence"].as<std::string>();
        r.patterns.push_back(std::move(pat));
      }
      for (const auto& f : string_list(c["file_names"])) {
        r.file_names.emplace_back(f, std::regex::ECMAScript);
        r.file_name_sources.push_back(f);
      }
      r.examples = string_list(c["examples"]);
      fp->rules_.push_back(std::move(r));
    }
  } catch (const std::exception& e) {
    // yaml-cpp and std::regex report errors by exception: stop them at this boundary.
    return make_error(Errc::kMalformed, "components.yaml: " + current + ": " + e.what());
  }
  fp->index();
  return std::shared_ptr<const Fingerprints>(std::move(fp));
}

void Fingerprints::index() {
  by_prefix_.assign(65536, {});
  prefix_bits_.assign(65536 / 64, 0);
  for (std::uint32_t r = 0; r < rules_.size(); ++r)
    for (std::uint32_t p = 0; p < rules_[r].patterns.size(); ++p) {
      const std::string& a = rules_[r].patterns[p].anchor;
      if (a.size() < 2) continue;  // compile() rejects empty anchors; 1-byte ones are useless
      auto key = static_cast<std::uint8_t>(a[0]) | (static_cast<std::uint8_t>(a[1]) << 8);
      by_prefix_[key].push_back({r, p});
      prefix_bits_[key >> 6] |= std::uint64_t{1} << (key & 63);
    }
}

Result<std::shared_ptr<const Fingerprints>> Fingerprints::load(const std::string& rules_dir) {
  auto text = load_data_file("rules/components.yaml", rules_dir);
  if (!text) return std::move(text).error();
  return compile(*text);
}

bool Fingerprints::wants(Kind kind) const noexcept {
  for (const auto& r : rules_)
    if (std::find(r.kinds.begin(), r.kinds.end(), kind) != r.kinds.end()) return true;
  return false;
}

std::vector<FingerprintMatch> Fingerprints::scan(ByteView bytes, Kind kind, std::string_view file_name) const {
  std::vector<FingerprintMatch> out;
  std::map<std::string_view, bool> present;  // gate literals, searched once per node
  auto has = [&](std::string_view lit) {
    auto it = present.find(lit);
    if (it != present.end()) return it->second;
    bool h = find(bytes, 0, lit) != nullptr;
    present.emplace(lit, h);
    return h;
  };
  for (const auto& r : rules_) {
    if (std::find(r.kinds.begin(), r.kinds.end(), kind) == r.kinds.end()) continue;
    for (const auto& re : r.file_names) {
      std::smatch m;
      std::string fn(file_name);
      if (std::regex_search(fn, m, re) && m.size() > 1 && m[1].matched) {
        out.push_back({&r, m[1].str(), fn, std::nullopt, "high", "file-name"});
        break;
      }
    }
  }
  // The single pass: per rule, the best pattern (lowest index) that matched; a later hit of a
  // lower-priority pattern never replaces an earlier match of a higher one.
  constexpr std::uint32_t kNone = ~0u;
  std::vector<std::uint32_t> best(rules_.size(), kNone);
  std::vector<FingerprintMatch> found(rules_.size());
  std::vector<std::vector<std::uint32_t>> hits(rules_.size());
  std::vector<bool> wanted(rules_.size(), false);
  for (std::size_t r = 0; r < rules_.size(); ++r) {
    const auto& kinds = rules_[r].kinds;
    bool by_name = false;
    for (const auto& m : out) by_name = by_name || m.rule == &rules_[r];
    wanted[r] = !by_name && std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
    hits[r].assign(rules_[r].patterns.size(), 0);
  }
  const std::uint8_t* d = bytes.data();
  std::size_t n = bytes.size();
  for (std::size_t i = 0; i + 1 < n; ++i) {
    unsigned key = d[i] | (d[i + 1] << 8);
    if (((prefix_bits_[key >> 6] >> (key & 63)) & 1) == 0) continue;
    const auto& cands = by_prefix_[key];
    for (const Candidate& c : cands) {
      if (!wanted[c.rule] || c.pattern >= best[c.rule]) continue;
      const FingerprintRule& r = rules_[c.rule];
      const FingerprintPattern& p = r.patterns[c.pattern];
      if (!fits(i, p.anchor.size(), n) || std::memcmp(d + i, p.anchor.data(), p.anchor.size()) != 0) continue;
      if (hits[c.rule][c.pattern]++ >= kMaxAnchorHits) continue;
      bool gated = true;
      for (const auto& lit : p.requires_all) gated = gated && has(lit);
      if (!gated) continue;
      std::size_t start = i >= p.before ? i - p.before : 0;
      std::size_t end = std::min(n, i + p.anchor.size() + p.after);
      const char* b = reinterpret_cast<const char*>(d) + start;
      const char* e = reinterpret_cast<const char*>(d) + end;
      std::cmatch m;
      if (!std::regex_search(b, e, m, p.regex) || !m[1].matched) continue;
      // The match must contain the anchor hit, or a window that reaches back could report a
      // string that belongs to an earlier, unrelated hit.
      std::size_t ms = start + static_cast<std::size_t>(m.position(0));
      if (ms > i || ms + static_cast<std::size_t>(m.length(0)) < i + 1) continue;
      // Evidence is the whole printable string the match starts in (up to kMaxEvidence bytes):
      // "BusyBox v1.1.0 (2007.01.24-07:26+0000)", not just the part the regex needed.
      std::size_t ee = ms + static_cast<std::size_t>(m.length(0));
      while (ee < n && ee - ms < kMaxEvidence && d[ee] >= 0x20 && d[ee] < 0x7f) ++ee;
      std::string_view ev(reinterpret_cast<const char*>(d) + ms, ee - ms);
      found[c.rule] = {&r, m[1].str(), printable(ev), ms, p.confidence, "version-string"};
      best[c.rule] = c.pattern;
    }
  }
  for (std::size_t r = 0; r < rules_.size(); ++r)
    if (best[r] != kNone) out.push_back(std::move(found[r]));
  return out;
}

std::string Fingerprints::cpe(const FingerprintRule& rule, std::string_view version) {
  if (rule.cpe_vendor_product.empty()) return {};
  auto colon = rule.cpe_vendor_product.find(':');
  std::string vendor = rule.cpe_vendor_product.substr(0, colon);
  std::string product = colon == std::string::npos ? vendor : rule.cpe_vendor_product.substr(colon + 1);
  return "cpe:2.3:" + std::string(1, rule.cpe_part) + ":" + vendor + ":" + product + ":" +
         (version.empty() ? std::string("*") : cpe_escape(version)) + ":*:*:*:*:*:*:*";
}

}  // namespace assay::inventory
