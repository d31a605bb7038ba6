#pragma once
// Endpoint classification helpers (app-privacy): URL parsing, registrable domains, local hosts,
// first-party test. Pure functions over strings, tested directly.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::app_privacy {

struct Url {
  std::string scheme;  ///< lower case; "" when the value was a bare host
  std::string host;    ///< lower case, without brackets for IPv6
  std::optional<std::uint16_t> port;
  std::string rest;    ///< path, query and fragment as written
  bool has_userinfo = false;
};

/// Parses "scheme://[user@]host[:port][/...]" or a bare host name. nullopt when no plausible
/// host is there (format placeholders like "http://%s/", empty hosts, invalid characters).
std::optional<Url> parse_url(std::string_view value);

/// True for schemes that carry data without TLS (http, ws, ftp).
bool is_cleartext_scheme(std::string_view scheme) noexcept;
/// True for schemes that carry data over TLS (https, wss, ftps).
bool is_tls_scheme(std::string_view scheme) noexcept;

/// localhost, *.local, loopback, link-local and RFC 1918 / RFC 4193 addresses.
bool is_local_host(std::string_view host);
/// True when the host is an IPv4 or IPv6 literal.
bool is_ip_literal(std::string_view host);

/// The registrable domain ("eTLD+1") of a host, approximated without the public suffix list:
/// the last two labels, or three under a known two-label public suffix (co.uk, com.cn, ...).
/// IP literals are returned unchanged.
std::string registrable_domain(std::string_view host);

/// First party: the host shares its registrable domain with the reversed app id
/// (com.example.app -> example.com) or with one of `own_domains`, or the registrable domain's
/// name label is a distinctive label (4+ characters, not generic) of the app id
/// ("api.jamendo.com" for com.teleca.jamendo).
bool is_first_party(std::string_view host, std::string_view app_id, const std::vector<std::string>& own_domains);

}  // namespace assay::app_privacy
