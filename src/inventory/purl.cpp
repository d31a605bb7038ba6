#include "inventory/purl.hpp"

#include <cctype>
#include <vector>

namespace assay::inventory {
namespace {

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

// The spec lower-cases names for the types whose registries are case-insensitive.
bool lowercase_name(std::string_view type) {
  return type == "deb" || type == "apk" || type == "opkg" || type == "pypi" || type == "github" ||
         type == "bitbucket" || type == "alpm";
}

std::string percent_decode(std::string_view s) {
  std::string r;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      r.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      r.push_back(s[i]);
    }
  }
  return r;
}

}  // namespace

std::string purl_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string r;
  r.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ':') {
      r.push_back(static_cast<char>(c));
    } else {
      r.push_back('%');
      r.push_back(kHex[c >> 4]);
      r.push_back(kHex[c & 15]);
    }
  }
  return r;
}

std::string Purl::str() const {
  std::string t = lower(type);
  std::string r = "pkg:" + t + "/";
  if (!namespace_.empty()) {
    std::string_view ns = namespace_;
    bool first = true;
    while (!ns.empty()) {
      auto slash = ns.find('/');
      std::string_view seg = ns.substr(0, slash);
      if (!seg.empty()) {
        if (!first) r += '/';
        r += purl_encode(lowercase_name(t) ? lower(seg) : std::string(seg));
        first = false;
      }
      if (slash == std::string_view::npos) break;
      ns.remove_prefix(slash + 1);
    }
    r += '/';
  }
  r += purl_encode(lowercase_name(t) ? lower(name) : name);
  if (!version.empty()) r += "@" + purl_encode(version);
  bool first = true;
  for (const auto& [k, v] : qualifiers) {
    if (v.empty()) continue;
    r += first ? '?' : '&';
    r += lower(k) + "=" + purl_encode(v);
    first = false;
  }
  return r;
}

std::string purl_with_qualifier(const std::string& purl, std::string_view key, std::string_view value) {
  if (purl.empty()) return purl;
  auto hash = purl.find('#');
  std::string subpath = hash == std::string::npos ? "" : purl.substr(hash);
  std::string body = purl.substr(0, hash);
  auto q = body.find('?');
  std::map<std::string, std::string> quals;
  if (q != std::string::npos) {
    std::string_view qs = std::string_view(body).substr(q + 1);
    while (!qs.empty()) {
      auto amp = qs.find('&');
      std::string_view kv = qs.substr(0, amp);
      auto eq = kv.find('=');
      if (eq != std::string_view::npos) quals[std::string(kv.substr(0, eq))] = percent_decode(kv.substr(eq + 1));
      if (amp == std::string_view::npos) break;
      qs.remove_prefix(amp + 1);
    }
    body.resize(q);
  }
  quals[std::string(key)] = std::string(value);
  bool first = true;
  for (const auto& [k, v] : quals) {
    if (v.empty()) continue;
    body += first ? '?' : '&';
    body += k + "=" + purl_encode(v);
    first = false;
  }
  return body + subpath;
}

std::string pypi_normalize(std::string_view name) {
  std::string r;
  bool sep = false;
  for (unsigned char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      sep = true;
      continue;
    }
    if (sep && !r.empty()) r.push_back('-');
    sep = false;
    r.push_back(static_cast<char>(std::tolower(c)));
  }
  return r;
}

}  // namespace assay::inventory
