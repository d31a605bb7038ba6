#pragma once
/// \file apk_zip.hpp
/// A small reader for single members of an APK (a zip): the central directory through
/// zip::find_eocd / zip::read_central_directory, the local header, and stored or deflated data
/// inflated with zlib into a buffer bounded by the caller. Used where one file of the package is
/// needed without unpacking the rest (the manifest, resources.arsc, META-INF/*.RSA).

#include <cstdint>
#include <string_view>
#include <vector>

#include "assay/result.hpp"
#include "core/bytes.hpp"
#include "formats/zip/zip_classify.hpp"

namespace assay::apk {

/// Central directory records read; an APK has a few thousand members.
inline constexpr std::uint64_t kMaxApkEntries = 200'000;

class ZipIndex {
 public:
  /// Reads the central directory of `data` (kept by reference: the caller keeps it alive).
  static Result<ZipIndex> open(ByteView data);

  const std::vector<zip::CentralEntry>& entries() const noexcept { return entries_; }
  const zip::EocdInfo& eocd() const noexcept { return eocd_; }
  bool complete() const noexcept { return complete_; }
  /// The member with exactly that name (the first one when a hostile zip repeats it, as the
  /// platform's package parser does); nullptr when absent.
  const zip::CentralEntry* find(std::string_view name) const;
  /// The member's uncompressed bytes. kLimit when it is bigger than `max_bytes`; kUnsupported
  /// for compression methods other than stored and deflate; kMalformed / kTruncated for broken
  /// headers or streams.
  Result<std::vector<std::uint8_t>> read(const zip::CentralEntry& e, std::uint64_t max_bytes) const;

 private:
  ByteView data_;
  zip::EocdInfo eocd_;
  std::vector<zip::CentralEntry> entries_;
  bool complete_ = false;
};

}  // namespace assay::apk
