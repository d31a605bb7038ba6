#pragma once
// Checked arithmetic for sizes computed from untrusted numbers: `count * sizeof(T)` overflows.

#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>

namespace assay {

template <class T>
constexpr std::optional<T> checked_add(T a, T b) noexcept {
  static_assert(std::is_unsigned_v<T>);
  T r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

template <class T>
constexpr std::optional<T> checked_mul(T a, T b) noexcept {
  static_assert(std::is_unsigned_v<T>);
  T r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

template <class T>
constexpr std::optional<T> checked_sub(T a, T b) noexcept {
  static_assert(std::is_unsigned_v<T>);
  if (b > a) return std::nullopt;
  return a - b;
}

/// Rounds `v` up to a multiple of `align` (a power of two); nullopt on overflow.
constexpr std::optional<std::uint64_t> align_up(std::uint64_t v, std::uint64_t align) noexcept {
  if (align == 0) return v;
  auto s = checked_add<std::uint64_t>(v, align - 1);
  if (!s) return std::nullopt;
  return *s & ~(align - 1);
}

/// Clamps a count read from a file by what the remaining bytes could hold (`remaining /
/// min_record_size`) and by a named hard limit, so it never sizes an allocation by itself.
constexpr std::uint64_t clamp_count(std::uint64_t count, std::uint64_t remaining,
                                    std::uint64_t min_record_size, std::uint64_t hard_limit) noexcept {
  std::uint64_t by_bytes = min_record_size ? remaining / min_record_size : remaining;
  std::uint64_t c = count < by_bytes ? count : by_bytes;
  return c < hard_limit ? c : hard_limit;
}

}  // namespace assay
