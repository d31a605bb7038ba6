#pragma once
// Shannon entropy in bits per byte (0..8): high values mean compressed or encrypted data.

#include <array>
#include <cmath>
#include <cstdint>

#include "core/bytes.hpp"

namespace assay {

inline double shannon_entropy(ByteView data) noexcept {
  if (data.empty()) return 0.0;
  std::array<std::uint64_t, 256> counts{};
  for (std::uint8_t b : data) ++counts[b];
  double h = 0.0;
  const double n = static_cast<double>(data.size());
  for (std::uint64_t c : counts) {
    if (c == 0) continue;
    double p = static_cast<double>(c) / n;
    h -= p * std::log2(p);
  }
  return h;
}

}  // namespace assay
