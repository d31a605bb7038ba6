#pragma once
// Reader: the bounds-checked cursor every parser reads through.

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <string>
#include <string_view>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay {

class Reader {
 public:
  explicit Reader(ByteView data, Endian endian = Endian::kLittle) noexcept
      : data_(data), endian_(endian) {}

  std::size_t size() const noexcept { return data_.size(); }
  std::size_t pos() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  bool eof() const noexcept { return pos_ >= data_.size(); }
  ByteView data() const noexcept { return data_; }
  Endian endian() const noexcept { return endian_; }
  void set_endian(Endian e) noexcept { endian_ = e; }

  Status seek(std::uint64_t offset) noexcept {
    if (offset > data_.size()) return truncated(offset, 0);
    pos_ = static_cast<std::size_t>(offset);
    return {};
  }
  Status skip(std::uint64_t n) noexcept {
    if (!fits(pos_, n, data_.size())) return truncated(pos_, n);
    pos_ += static_cast<std::size_t>(n);
    return {};
  }

  /// Reads an integer in the reader's endianness and advances.
  template <class T>
  Result<T> read() noexcept {
    return read_as<T>(endian_);
  }
  template <class T>
  Result<T> read_le() noexcept {
    return read_as<T>(Endian::kLittle);
  }
  template <class T>
  Result<T> read_be() noexcept {
    return read_as<T>(Endian::kBig);
  }
  /// Reads an integer at an absolute offset without moving the cursor.
  template <class T>
  Result<T> peek_at(std::uint64_t offset) const noexcept {
    if (!fits(offset, sizeof(T), data_.size())) return truncated(offset, sizeof(T));
    return load_unchecked<T>(data_.data() + offset, endian_);
  }

  /// Reads `n` raw bytes and advances.
  Result<ByteView> bytes(std::uint64_t n) noexcept {
    if (!fits(pos_, n, data_.size())) return truncated(pos_, n);
    ByteView v = data_.subspan(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return v;
  }
  /// A checked sub-view at an absolute offset.
  Result<ByteView> sub(std::uint64_t offset, std::uint64_t len) const noexcept {
    if (!fits(offset, len, data_.size())) return truncated(offset, len);
    return data_.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(len));
  }
  /// Copies a trivially-copyable raw struct (no endian conversion) and advances.
  template <class T>
  Result<T> read_raw() noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    if (!fits(pos_, sizeof(T), data_.size())) return truncated(pos_, sizeof(T));
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  /// Reads a NUL-terminated string of at most `max_len` bytes (the NUL is consumed).
  Result<std::string_view> cstring(std::size_t max_len) noexcept {
    std::size_t limit = remaining() < max_len ? remaining() : max_len;
    const auto* start = data_.data() + pos_;
    const void* nul = std::memchr(start, 0, limit);
    if (nul == nullptr) return truncated(pos_, limit + 1);
    std::size_t n = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - start);
    pos_ += n + 1;
    return std::string_view(reinterpret_cast<const char*>(start), n);
  }

 private:
  template <class T>
  Result<T> read_as(Endian e) noexcept {
    if (!fits(pos_, sizeof(T), data_.size())) return truncated(pos_, sizeof(T));
    T v = load_unchecked<T>(data_.data() + pos_, e);
    pos_ += sizeof(T);
    return v;
  }
  static Error truncated(std::uint64_t offset, std::uint64_t len) {
    return make_error(Errc::kTruncated, "need " + std::to_string(len) + " byte(s) at offset " +
                                            std::to_string(offset) + " past the end of the data");
  }

  ByteView data_;
  std::size_t pos_ = 0;
  Endian endian_;
};

}  // namespace assay
