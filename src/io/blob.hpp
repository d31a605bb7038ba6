#pragma once
// Blob and Content: where a node's bytes live. A Blob owns memory (a vector, a mapping of the
// input or of a scratch file); Content is a window into one. Children carved or stored uncompressed
// in a parent share the parent's Blob, so the bytes are never copied.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay {

class Budget;

class Blob {
 public:
  virtual ~Blob() = default;
  virtual ByteView bytes() const noexcept = 0;
  /// Tells the kernel the pages of `range` (a part of bytes()) are not needed for now: a mapping
  /// drops them from the resident set (they are re-read from the file if touched again). Owned
  /// memory ignores it.
  virtual void release(ByteView range) const noexcept { (void)range; }
};
using BlobPtr = std::shared_ptr<const Blob>;

/// Bytes held in memory; gives its reservation back to the Budget when destroyed.
class OwnedBlob final : public Blob {
 public:
  OwnedBlob(std::vector<std::uint8_t> data, Budget* budget, std::uint64_t reserved)
      : data_(std::move(data)), budget_(budget), reserved_(reserved) {}
  ~OwnedBlob() override;
  ByteView bytes() const noexcept override { return data_; }

 private:
  std::vector<std::uint8_t> data_;
  Budget* budget_;
  std::uint64_t reserved_;
};

/// A read-only memory mapping of a whole file (the input, or a spilled scratch file).
class MappedBlob final : public Blob {
 public:
  static Result<std::shared_ptr<MappedBlob>> open(const std::string& path);
  ~MappedBlob() override;
  MappedBlob(const MappedBlob&) = delete;
  MappedBlob& operator=(const MappedBlob&) = delete;
  ByteView bytes() const noexcept override { return {data_, size_}; }
  void release(ByteView range) const noexcept override;

 private:
  MappedBlob(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  const std::uint8_t* data_;
  std::size_t size_;
};

/// A window [offset, offset + size) of a Blob. Empty Content (no blob) has no bytes.
struct Content {
  BlobPtr blob;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;

  ByteView view() const noexcept {
    if (!blob) return {};
    return slice(blob->bytes(), offset, size);
  }
  /// A narrower window of the same blob; offsets are relative to this window.
  Content sub(std::uint64_t off, std::uint64_t len) const noexcept {
    if (!fits(off, len, size)) return {};
    return Content{blob, offset + off, len};
  }
  static Content whole(BlobPtr b) {
    std::uint64_t n = b ? b->bytes().size() : 0;
    return Content{std::move(b), 0, n};
  }
};

}  // namespace assay
