#pragma once
/// \file plist.hpp
/// Property lists (binary "bplist00" and XML) to JSON, through libplist.
///
/// libplist 2.2 recurses once per nesting level and, in binary plists, re-expands an object each
/// time it is referenced (a few hundred bytes of shared references become millions of nodes; a
/// deep nest overflows the stack: 100,000 nested arrays crash it). So before libplist sees the
/// bytes, `parse_plist` measures them itself, without recursion: nesting depth and the number of
/// nodes the expanded tree would have (binary: walking the object references with an explicit
/// stack; XML: counting <dict>/<array> tags). Input beyond the limits below is refused with
/// Errc::kLimit and never reaches libplist.
///
/// JSON mapping: dict -> object, array -> array, string -> string (invalid UTF-8 replaced),
/// boolean, integer (libplist 2.2 keeps one 64-bit unsigned; values above INT64_MAX are the
/// negative integers it stored in two's complement), real, date -> "YYYY-MM-DDThh:mm:ssZ",
/// data -> base64 string (larger than kMaxDataBytes: "<data: N bytes>"), uid -> {"uid": n}.

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::plist {

// An Info.plist is a few KiB; the largest real plists (asset catalogs, CodeResources of big apps)
// stay under a few MiB. libplist takes a 32-bit length anyway.
inline constexpr std::size_t kMaxPlistBytes = 32u << 20;
// Apple's own plists nest 5-6 levels; 64 leaves room for any generator while keeping libplist's
// recursion shallow.
inline constexpr std::size_t kMaxDepth = 64;
// Nodes after expansion of shared references: bounds libplist's memory and our conversion time.
inline constexpr std::size_t kMaxNodes = 1u << 20;
// Data values are certificates and icons; larger ones are summarized, not copied into reports.
inline constexpr std::size_t kMaxDataBytes = 64u << 10;

/// True when the bytes start like a binary plist or an XML plist (no full check).
bool looks_like_plist(ByteView data) noexcept;

/// Parses a binary or XML plist. Errors: kLimit (too big, too deep, too many nodes), kMalformed
/// (libplist rejected it or the binary trailer / offset table is inconsistent), kTruncated.
Result<nlohmann::json> parse_plist(ByteView data);

/// A plist date (seconds since 2001-01-01T00:00:00Z) as ISO 8601 UTC.
std::string apple_date_to_iso(std::int64_t seconds_since_2001);

}  // namespace assay::plist
