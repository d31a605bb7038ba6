#pragma once
/// \file string_pool.hpp
/// The Android resource string pool (ResStringPool_header, chunk type 0x0001), shared by binary
/// XML and resources.arsc. Strings are decoded on demand (a resources.arsc pool holds 100k
/// strings and a lookup needs a handful), from a view the caller keeps alive.

#include <cstdint>
#include <string>
#include <vector>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::axml {

/// Chunk types of the Android resource formats (frameworks/base/libs/androidfw/ResourceTypes.h).
enum class ChunkType : std::uint16_t {
  kNull = 0x0000,
  kStringPool = 0x0001,
  kTable = 0x0002,
  kXml = 0x0003,
  kXmlStartNamespace = 0x0100,
  kXmlEndNamespace = 0x0101,
  kXmlStartElement = 0x0102,
  kXmlEndElement = 0x0103,
  kXmlCdata = 0x0104,
  kXmlResourceMap = 0x0180,
  kTablePackage = 0x0200,
  kTableType = 0x0201,
  kTableTypeSpec = 0x0202,
  kTableLibrary = 0x0203,
};

/// A chunk header: type, header size and total size (ResChunk_header).
struct ChunkHeader {
  std::uint16_t type = 0;
  std::uint16_t header_size = 0;
  std::uint32_t size = 0;
};

/// Reads the chunk header at `offset` and checks that the header and the chunk fit in `data`
/// and that header_size >= 8 and size >= header_size. kTruncated / kMalformed otherwise.
Result<ChunkHeader> read_chunk_header(ByteView data, std::uint64_t offset);

/// Most strings a pool may declare; the biggest resources.arsc files of real apps hold a few
/// hundred thousand. Each index costs 4 bytes of the input, so the count is also clamped by size.
inline constexpr std::uint32_t kMaxPoolStrings = 4'000'000;
/// Longest string decoded; manifest values and resource strings are far shorter, and a hostile
/// length must not make one lookup copy megabytes.
inline constexpr std::uint32_t kMaxStringBytes = 64 * 1024;

class StringPool {
 public:
  StringPool() = default;
  /// Parses the pool chunk that starts at the beginning of `chunk` (which spans the chunk).
  static Result<StringPool> parse(ByteView chunk);

  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(offsets_.size()); }
  bool utf8() const noexcept { return utf8_; }
  /// The string at `index` as UTF-8; nullopt when the index or the string is out of bounds.
  /// UTF-16 is converted (unpaired surrogates become U+FFFD); UTF-8 is checked and repaired.
  std::optional<std::string> get(std::uint32_t index) const;
  /// get() or "" (for places where a missing string is as good as an empty one).
  std::string at(std::uint32_t index) const { return get(index).value_or(std::string()); }

 private:
  ByteView strings_;                    // from stringsStart to the end of the chunk
  std::vector<std::uint32_t> offsets_;  // per string, relative to strings_
  bool utf8_ = false;
};

/// Appends the UTF-8 encoding of code point `cp` to `out`.
void append_utf8(std::string& out, std::uint32_t cp);

}  // namespace assay::axml
