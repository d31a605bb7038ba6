#pragma once
// Byte views and endian loads: the only place where raw memory becomes integers.

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

namespace assay {

using ByteView = std::span<const std::uint8_t>;

enum class Endian { kLittle, kBig };

/// True when [offset, offset + len) lies inside a buffer of `size` bytes. Written in subtraction
/// form so that no untrusted sum can overflow.
constexpr bool fits(std::uint64_t offset, std::uint64_t len, std::uint64_t size) noexcept {
  return offset <= size && len <= size - offset;
}

namespace detail {
template <class T>
constexpr T byteswap(T v) noexcept {
  static_assert(std::is_integral_v<T>);
  if constexpr (sizeof(T) == 1) {
    return v;
  } else {
    using U = std::make_unsigned_t<T>;
    U u = static_cast<U>(v);
    U r = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      r = static_cast<U>((r << 8) | (u & 0xFF));
      u = static_cast<U>(u >> 8);
    }
    return static_cast<T>(r);
  }
}
}  // namespace detail

/// Loads an integer of type T stored with `endian` at `p` (no alignment needed). Unchecked:
/// callers have checked the bounds (prefer Reader or load<T>(ByteView, offset)).
template <class T>
inline T load_unchecked(const std::uint8_t* p, Endian endian) noexcept {
  static_assert(std::is_integral_v<T>);
  T v;
  std::memcpy(&v, p, sizeof(T));
  constexpr bool host_little = std::endian::native == std::endian::little;
  if ((endian == Endian::kLittle) != host_little) v = detail::byteswap(v);
  return v;
}

/// Bounds-checked load; nullopt when the value does not fit.
template <class T>
inline std::optional<T> load(ByteView data, std::uint64_t offset, Endian endian) noexcept {
  if (!fits(offset, sizeof(T), data.size())) return std::nullopt;
  return load_unchecked<T>(data.data() + offset, endian);
}
template <class T>
inline std::optional<T> load_le(ByteView data, std::uint64_t offset) noexcept {
  return load<T>(data, offset, Endian::kLittle);
}
template <class T>
inline std::optional<T> load_be(ByteView data, std::uint64_t offset) noexcept {
  return load<T>(data, offset, Endian::kBig);
}

/// Sub-view, empty when out of bounds (use Reader::sub where the failure must be reported).
inline ByteView slice(ByteView data, std::uint64_t offset, std::uint64_t len) noexcept {
  if (!fits(offset, len, data.size())) return {};
  return data.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(len));
}

/// Does `data` hold `magic` at `offset`?
inline bool has_magic(ByteView data, std::uint64_t offset, std::string_view magic) noexcept {
  return fits(offset, magic.size(), data.size()) &&
         std::memcmp(data.data() + offset, magic.data(), magic.size()) == 0;
}

inline std::string_view as_chars(ByteView data) noexcept {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}

inline ByteView as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace assay
