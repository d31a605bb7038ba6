#include "inventory/sbom.hpp"

#include <fmt/format.h>

#include <set>

#include "core/hash.hpp"

namespace assay::inventory::sbom {

Refs make_refs(const Assessment& a) {
  Refs r;
  std::map<std::string, int> purl_count;
  for (const auto& c : a.components)
    if (!c.purl.empty()) ++purl_count[c.purl];
  std::set<std::string> used;
  for (const auto& c : a.components) {
    std::string ref;
    if (!c.purl.empty() && purl_count[c.purl] == 1) ref = c.purl;
    else if (!c.purl.empty()) ref = c.purl + "#" + c.path;
    else ref = c.name + "@" + c.version + "#" + c.path;
    // Two records at one path with one identity cannot survive finalize_components, but a
    // reference must be unique whatever the input: number the rest.
    std::string unique = ref;
    for (int n = 2; used.count(unique); ++n) unique = ref + "#" + std::to_string(n);
    used.insert(unique);
    if (!c.purl.empty()) r.by_purl.emplace(c.purl, unique);
    r.by_purl.emplace(c.name, unique);
    r.ref.push_back(std::move(unique));
  }
  return r;
}

std::string uuid_from(const std::string& seed) {
  Sha256Digest d = sha256(as_bytes(seed));
  d[6] = static_cast<std::uint8_t>((d[6] & 0x0f) | 0x50);  // version 5 layout (name-based)
  d[8] = static_cast<std::uint8_t>((d[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string h = to_hex(ByteView(d.data(), 16));
  return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4), h.substr(16, 4),
                     h.substr(20, 12));
}

bool is_spdx_license_id(const std::string& id) {
  // The identifiers package metadata actually carries; anything else is written as a name (the
  // full SPDX list is enforced by the schemas, so guessing wrong would make the SBOM invalid).
  static const std::set<std::string> kIds = {
      "0BSD", "AFL-2.1", "AGPL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-1.1", "Apache-2.0",
      "Artistic-1.0", "Artistic-2.0", "BSD-1-Clause", "BSD-2-Clause", "BSD-3-Clause", "BSD-4-Clause",
      "BSL-1.0", "CC-BY-3.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "CDDL-1.0", "CDDL-1.1", "EPL-1.0",
      "EPL-2.0", "GPL-1.0", "GPL-1.0-or-later", "GPL-2.0", "GPL-2.0+", "GPL-2.0-only", "GPL-2.0-or-later",
      "GPL-3.0", "GPL-3.0+", "GPL-3.0-only", "GPL-3.0-or-later", "ISC", "LGPL-2.0", "LGPL-2.0-only",
      "LGPL-2.0-or-later", "LGPL-2.1", "LGPL-2.1+", "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0",
      "LGPL-3.0+", "LGPL-3.0-only", "LGPL-3.0-or-later", "MIT", "MIT-0", "MPL-1.1", "MPL-2.0", "OpenSSL",
      "PSF-2.0", "Python-2.0", "Ruby", "Unlicense", "W3C", "WTFPL", "X11", "Zlib", "curl", "libpng-2.0",
      "OFL-1.1", "BlueOak-1.0.0", "Unicode-DFS-2016", "Apache-2.0 WITH LLVM-exception"};
  return kIds.count(id) != 0;
}

bool is_license_expression(const std::string& s) {
  if (s.find(" OR ") == std::string::npos && s.find(" AND ") == std::string::npos &&
      s.find(" WITH ") == std::string::npos)
    return false;
  // Every operand must be a known identifier, or the expression would not be one.
  std::string token;
  auto flush = [&]() {
    if (token.empty() || token == "OR" || token == "AND" || token == "WITH") {
      token.clear();
      return true;
    }
    bool ok = is_spdx_license_id(token) || token == "LLVM-exception" || token == "Classpath-exception-2.0";
    token.clear();
    return ok;
  };
  for (char ch : s) {
    if (ch == ' ' || ch == '(' || ch == ')') {
      if (!flush()) return false;
    } else {
      token.push_back(ch);
    }
  }
  return flush();
}

std::string subject_seed(const Assessment& a) {
  return a.subject.sha256.empty() ? "assay:" + a.subject.name : "assay:sha256:" + a.subject.sha256;
}

}  // namespace assay::inventory::sbom
