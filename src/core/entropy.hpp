#pragma once
// Shannon entropy in bits per byte (0..8): high values mean compressed or encrypted data.

#include <array>
#include <cmath>
#include <cstdint>

#include "core/bytes.hpp"

namespace assay {

/// Entropy of `total` bytes whose byte values were counted into `counts` (callers that already make
/// a pass over the bytes, such as the engine's hashing loop, count there and call this).
inline double entropy_from_histogram(const std::array<std::uint64_t, 256>& counts, std::uint64_t total) noexcept {
  if (total == 0) return 0.0;
  double h = 0.0;
  const double n = static_cast<double>(total);
  for (std::uint64_t c : counts) {
    if (c == 0) continue;
    double p = static_cast<double>(c) / n;
    h -= p * std::log2(p);
  }
  return h;
}

inline double shannon_entropy(ByteView data) noexcept {
  std::array<std::uint64_t, 256> counts{};
  for (std::uint8_t b : data) ++counts[b];
  return entropy_from_histogram(counts, data.size());
}

}  // namespace assay
