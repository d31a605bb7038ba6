// Fuzz target: the vulnerability feed parser (OSV records, arrays of them, NVD CVE JSON 2.0) and
// the version orders over every version string the record carries.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vulndb/feed.hpp"
#include "vulndb/version.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto recs = assay::vulndb::parse_feed(text);
  if (!recs.ok()) return 0;
  using assay::vulndb::VersionScheme;
  const VersionScheme schemes[] = {VersionScheme::kDebian, VersionScheme::kRpm,   VersionScheme::kSemver,
                                   VersionScheme::kPep440, VersionScheme::kMaven, VersionScheme::kAlpine,
                                   VersionScheme::kGeneric};
  for (const auto& a : *recs) {
    (void)assay::vulndb::cvss3_base_score(a.cvss_v3_vector);
    for (const auto& r : a.affected) {
      for (auto s : schemes) {
        int x = assay::vulndb::compare_versions(s, r.introduced, r.fixed);
        int y = assay::vulndb::compare_versions(s, r.fixed, r.introduced);
        // Antisymmetry: a broken order would make range checks disagree with themselves.
        if ((x < 0) != (y > 0) || (x == 0) != (y == 0)) __builtin_trap();
      }
      for (const auto& v : r.versions) (void)assay::vulndb::normalize_tag(v, r.package);
    }
  }
  return 0;
}
