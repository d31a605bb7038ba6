#pragma once
// The carving signature table: which magic bytes, at which offset relative to the start of the
// structure, suggest which format, and the probe that validates a candidate and measures it.

#include <cstdint>
#include <string_view>
#include <vector>

#include "unpack/probe.hpp"

namespace assay::unpack {

struct Signature {
  std::string_view name;        ///< for diagnostics ("squashfs-le")
  std::string_view magic;       ///< bytes to look for (at least 2; 4 or more preferred)
  std::uint32_t magic_offset;   ///< offset of the magic from the start of the structure
  ProbeFn probe;                ///< validates and measures; receives data from the structure start
};

/// Every carving signature, in the order ties are broken (earlier wins on equal start and length).
const std::vector<Signature>& signatures();

}  // namespace assay::unpack
