#include "formats/axml/string_pool.hpp"

#include "core/checked.hpp"
#include "core/reader.hpp"
#include "formats/strings/strings.hpp"

namespace assay::axml {
namespace {

constexpr std::uint16_t kPoolHeaderSize = 28;
constexpr std::uint32_t kUtf8Flag = 0x100;

}  // namespace

Result<ChunkHeader> read_chunk_header(ByteView data, std::uint64_t offset) {
  Reader r(data);
  ASSAY_TRY_STATUS(r.seek(offset));
  ChunkHeader h;
  ASSAY_TRY(h.type, r.read_le<std::uint16_t>());
  ASSAY_TRY(h.header_size, r.read_le<std::uint16_t>());
  ASSAY_TRY(h.size, r.read_le<std::uint32_t>());
  if (h.header_size < 8 || h.size < h.header_size)
    return make_error(Errc::kMalformed, "chunk at offset " + std::to_string(offset) + " has header size " +
                                            std::to_string(h.header_size) + " and size " + std::to_string(h.size));
  if (!fits(offset, h.size, data.size()))
    return make_error(Errc::kTruncated, "chunk at offset " + std::to_string(offset) + " declares " +
                                            std::to_string(h.size) + " bytes past the end of the data");
  return h;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

Result<StringPool> StringPool::parse(ByteView chunk) {
  ASSAY_TRY(ChunkHeader h, read_chunk_header(chunk, 0));
  if (h.type != static_cast<std::uint16_t>(ChunkType::kStringPool))
    return make_error(Errc::kMalformed, "expected a string pool chunk, found type " + std::to_string(h.type));
  if (h.header_size < kPoolHeaderSize) return make_error(Errc::kMalformed, "string pool header too small");
  ByteView c = chunk.first(h.size);
  Reader r(c);
  ASSAY_TRY_STATUS(r.seek(8));
  ASSAY_TRY(std::uint32_t count, r.read_le<std::uint32_t>());
  ASSAY_TRY(std::uint32_t style_count, r.read_le<std::uint32_t>());
  ASSAY_TRY(std::uint32_t flags, r.read_le<std::uint32_t>());
  ASSAY_TRY(std::uint32_t strings_start, r.read_le<std::uint32_t>());
  ASSAY_TRY(std::uint32_t styles_start, r.read_le<std::uint32_t>());
  (void)style_count;
  StringPool pool;
  pool.utf8_ = (flags & kUtf8Flag) != 0;
  // The offsets follow the header; each costs 4 bytes, so the bytes left bound the count.
  ASSAY_TRY_STATUS(r.seek(h.header_size));
  std::uint64_t n = clamp_count(count, r.remaining(), 4, kMaxPoolStrings);
  if (count == 0) return pool;
  if (strings_start >= h.size || strings_start < h.header_size)
    return make_error(Errc::kMalformed, "string pool strings start " + std::to_string(strings_start) +
                                            " lies outside the chunk");
  // Strings end where styles begin (when there are styles), else at the end of the chunk.
  std::uint32_t strings_end = h.size;
  if (styles_start > strings_start && styles_start < h.size) strings_end = styles_start;
  pool.strings_ = c.subspan(strings_start, strings_end - strings_start);
  pool.offsets_.reserve(static_cast<std::size_t>(n));
  for (std::uint64_t i = 0; i < n; ++i) {
    ASSAY_TRY(std::uint32_t off, r.read_le<std::uint32_t>());
    pool.offsets_.push_back(off);
  }
  return pool;
}

std::optional<std::string> StringPool::get(std::uint32_t index) const {
  if (index >= offsets_.size()) return std::nullopt;
  const std::uint64_t off = offsets_[index];
  Reader r(strings_);
  if (!r.seek(off)) return std::nullopt;
  if (utf8_) {
    // Two lengths, each 1 or 2 bytes (high bit = long form): UTF-16 units, then UTF-8 bytes.
    auto read_len8 = [&r]() -> std::optional<std::uint32_t> {
      auto a = r.read_le<std::uint8_t>();
      if (!a) return std::nullopt;
      if ((*a & 0x80) == 0) return *a;
      auto b = r.read_le<std::uint8_t>();
      if (!b) return std::nullopt;
      return ((*a & 0x7Fu) << 8) | *b;
    };
    if (!read_len8()) return std::nullopt;
    auto len = read_len8();
    if (!len) return std::nullopt;
    std::uint32_t n = *len < kMaxStringBytes ? *len : kMaxStringBytes;
    if (n > r.remaining()) n = static_cast<std::uint32_t>(r.remaining());
    auto bytes = r.bytes(n);
    if (!bytes) return std::nullopt;
    return strings::valid_utf8(as_chars(*bytes));
  }
  // UTF-16: a length of 1 or 2 units (high bit = long form), then the units.
  auto a = r.read_le<std::uint16_t>();
  if (!a) return std::nullopt;
  std::uint32_t len = *a;
  if (len & 0x8000) {
    auto b = r.read_le<std::uint16_t>();
    if (!b) return std::nullopt;
    len = ((len & 0x7FFFu) << 16) | *b;
  }
  std::uint64_t units = clamp_count(len, r.remaining(), 2, kMaxStringBytes);
  std::string out;
  out.reserve(static_cast<std::size_t>(units));
  for (std::uint64_t i = 0; i < units; ++i) {
    std::uint32_t u = *r.read_le<std::uint16_t>();
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
      std::uint32_t lo = *r.peek_at<std::uint16_t>(r.pos());
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        (void)r.skip(2);
        ++i;
        append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
        continue;
      }
    }
    append_utf8(out, u);
  }
  return out;
}

}  // namespace assay::axml
