#include "analyzers/app_privacy/endpoints.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace assay::app_privacy {
namespace {

// Two-label public suffixes common in app endpoints. Without them "api.example.co.uk" would count
// as a subdomain of "co.uk" and every .co.uk host would share a "registrable domain". A full public
// suffix list is not worth its weight for this one heuristic; misses only weaken first-party.
constexpr std::array<std::string_view, 40> kTwoLabelSuffixes = {
    "co.uk", "org.uk", "ac.uk", "gov.uk", "me.uk", "com.au", "net.au", "org.au", "edu.au", "gov.au",
    "co.jp", "ne.jp", "or.jp", "ac.jp", "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "com.hk",
    "com.tw", "co.kr", "or.kr", "co.in", "net.in", "co.nz", "com.sg", "com.my", "com.br", "com.mx",
    "com.ar", "co.za", "com.tr", "com.ru", "com.ua", "co.id", "com.vn", "com.ph", "co.il", "com.sa"};

// Labels of app ids that say nothing about who owns a domain.
constexpr std::array<std::string_view, 22> kGenericLabels = {
    "com", "org", "net", "android", "app", "apps", "mobile", "www", "example", "google", "client",
    "free", "lite", "demo", "test", "main", "core", "sdk", "play", "store", "beta", "debug"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool parse_ipv4(std::string_view h, std::array<int, 4>& out) {
  int part = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= h.size(); ++i) {
    if (i == h.size() || h[i] == '.') {
      if (part > 3 || i == start || i - start > 3) return false;
      int v = 0;
      auto r = std::from_chars(h.data() + start, h.data() + i, v);
      if (r.ec != std::errc() || r.ptr != h.data() + i || v > 255) return false;
      out[static_cast<std::size_t>(part++)] = v;
      start = i + 1;
    }
  }
  return part == 4;
}

std::vector<std::string_view> labels(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (i > start) out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

}  // namespace

std::optional<Url> parse_url(std::string_view value) {
  Url u;
  std::string_view v = value;
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  const auto sep = v.find("://");
  if (sep != std::string_view::npos) {
    const std::string_view scheme = v.substr(0, sep);
    if (scheme.empty() || !std::all_of(scheme.begin(), scheme.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
        }))
      return std::nullopt;
    u.scheme = lower(scheme);
    v.remove_prefix(sep + 3);
  }
  const auto end = v.find_first_of("/?#");
  std::string_view authority = v.substr(0, end);
  if (end != std::string_view::npos) u.rest = std::string(v.substr(end));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    u.has_userinfo = true;
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    port = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!port.empty() && port.front() != ':') return std::nullopt;
    if (!port.empty()) port.remove_prefix(1);
    if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.'; }))
      return std::nullopt;
  } else {
    if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
    }
    if (host.empty() || host.size() > 253) return std::nullopt;
    for (char c : host)
      if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '.' && c != '-' && c != '_') return std::nullopt;
    if (host.front() == '.' || host.front() == '-' || host.find("..") != std::string_view::npos) return std::nullopt;
    // A bare word is not a host ("http://localhost" is the one exception worth keeping).
    if (host.find('.') == std::string_view::npos && lower(host) != "localhost") return std::nullopt;
    // The last label of a domain name is alphabetic (TLD) or the host is an IPv4 literal.
    std::array<int, 4> ip{};
    std::string_view tld = host.substr(host.rfind('.') == std::string_view::npos ? 0 : host.rfind('.') + 1);
    if (!parse_ipv4(host, ip) && (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; })))
      return std::nullopt;
  }
  if (!port.empty()) {
    unsigned p = 0;
    auto r = std::from_chars(port.data(), port.data() + port.size(), p);
    if (r.ec != std::errc() || r.ptr != port.data() + port.size() || p > 65535) return std::nullopt;
    u.port = static_cast<std::uint16_t>(p);
  }
  u.host = lower(host);
  while (!u.host.empty() && u.host.back() == '.') u.host.pop_back();
  if (u.host.empty()) return std::nullopt;
  return u;
}

bool is_cleartext_scheme(std::string_view s) noexcept { return s == "http" || s == "ws" || s == "ftp"; }
bool is_tls_scheme(std::string_view s) noexcept { return s == "https" || s == "wss" || s == "ftps"; }

bool is_ip_literal(std::string_view host) {
  std::array<int, 4> ip{};
  return parse_ipv4(host, ip) || host.find(':') != std::string_view::npos;
}

bool is_local_host(std::string_view host) {
  const std::string h = lower(host);
  if (h == "localhost" || h.ends_with(".localhost") || h.ends_with(".local") || h.ends_with(".internal") ||
      h.ends_with(".lan") || h.ends_with(".home.arpa"))
    return true;
  std::array<int, 4> ip{};
  if (parse_ipv4(h, ip)) {
    return ip[0] == 127 || ip[0] == 10 || ip[0] == 0 || (ip[0] == 192 && ip[1] == 168) ||
           (ip[0] == 172 && ip[1] >= 16 && ip[1] <= 31) || (ip[0] == 169 && ip[1] == 254);
  }
  if (h.find(':') != std::string::npos) {
    return h == "::1" || h == "::" || h.starts_with("fe80:") || h.starts_with("fc") || h.starts_with("fd");
  }
  return false;
}

std::string registrable_domain(std::string_view host) {
  const std::string h = lower(host);
  if (is_ip_literal(h)) return h;
  const auto ls = labels(h);  // views into `h`
  if (ls.size() <= 2) return h;
  const std::string last2 = std::string(ls[ls.size() - 2]) + "." + std::string(ls.back());
  const bool two_label_suffix = std::find(kTwoLabelSuffixes.begin(), kTwoLabelSuffixes.end(), last2) != kTwoLabelSuffixes.end();
  const std::size_t keep = two_label_suffix ? 3 : 2;
  if (ls.size() <= keep) return h;
  std::string out;
  for (std::size_t i = ls.size() - keep; i < ls.size(); ++i) out += (out.empty() ? "" : ".") + std::string(ls[i]);
  return out;
}

bool is_first_party(std::string_view host, std::string_view app_id, const std::vector<std::string>& own_domains) {
  if (host.empty() || is_ip_literal(host)) return false;
  const std::string reg = registrable_domain(host);
  std::string reversed;
  const std::string app = lower(app_id);
  const auto app_labels = labels(app);
  for (auto it = app_labels.rbegin(); it != app_labels.rend(); ++it) reversed += (reversed.empty() ? "" : ".") + std::string(*it);
  if (!reversed.empty() && registrable_domain(reversed) == reg) return true;
  for (const auto& d : own_domains)
    if (!d.empty() && registrable_domain(d) == reg) return true;
  const auto reg_labels = labels(reg);  // views into `reg`, which outlives them
  if (reg_labels.empty()) return false;
  const std::string_view name = reg_labels.front();
  if (name.size() < 4 || std::find(kGenericLabels.begin(), kGenericLabels.end(), name) != kGenericLabels.end()) return false;
  return std::find(app_labels.begin(), app_labels.end(), name) != app_labels.end();
}

}  // namespace assay::app_privacy
