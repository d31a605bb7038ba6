#pragma once
// Probes for carving: given the bytes from a candidate offset to the end of the blob, a probe
// validates the structure that starts there and returns its length. Signature tables (magic at
// which relative offset) live beside the probes in src/unpack/carve.cpp.
//
// A probe must be cheap for false candidates (check headers and checksums first) and must never
// read outside `data`. It returns nullopt when the candidate is not a valid structure. The length
// may be an estimate bounded by data.size() when a format does not store its size (say so in the
// probe's comment).

#include <cstdint>
#include <optional>

#include "assay/kind.hpp"
#include "core/bytes.hpp"

namespace assay::unpack {

struct ProbeResult {
  Kind kind;
  std::uint64_t length;  ///< bytes from the candidate start that belong to the structure
};

using ProbeFn = std::optional<ProbeResult> (*)(ByteView data);

}  // namespace assay::unpack
