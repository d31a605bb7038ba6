// Member reads for APKs. Sizes come from the central directory (what the platform trusts); the
// local header only tells where the data starts. Inflation stops at the bound, so a member that
// lies about its size costs at most `max_bytes`.
#include "formats/apk_signing/apk_zip.hpp"

#include <zlib.h>

#include <fmt/format.h>

#include "core/checked.hpp"

namespace assay::apk {
namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50;
constexpr std::uint64_t kLocalHeaderSize = 30;
constexpr std::uint16_t kMethodStored = 0;
constexpr std::uint16_t kMethodDeflate = 8;
constexpr std::uint64_t kMaxDeflateRatio = 1032;

}  // namespace

Result<ZipIndex> ZipIndex::open(ByteView data) {
  ASSAY_TRY(zip::EocdInfo eocd, zip::find_eocd(data));
  ZipIndex z;
  z.data_ = data;
  z.eocd_ = eocd;
  z.entries_ = zip::read_central_directory(data, eocd, kMaxApkEntries, &z.complete_);
  return z;
}

const zip::CentralEntry* ZipIndex::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

Result<std::vector<std::uint8_t>> ZipIndex::read(const zip::CentralEntry& e, std::uint64_t max_bytes) const {
  if (e.uncompressed_size > max_bytes)
    return make_error(Errc::kLimit, fmt::format("{} holds {} bytes, more than the {} read for analysis", e.name,
                                                e.uncompressed_size, max_bytes));
  auto sig = load_le<std::uint32_t>(data_, e.local_offset);
  auto name_len = load_le<std::uint16_t>(data_, e.local_offset + 26);
  auto extra_len = load_le<std::uint16_t>(data_, e.local_offset + 28);
  if (!sig || !name_len || !extra_len) return make_error(Errc::kTruncated, e.name + ": local header past the end");
  if (*sig != kLocalSig) return make_error(Errc::kMalformed, e.name + ": no local header at the directory's offset");
  auto start = checked_add<std::uint64_t>(e.local_offset, kLocalHeaderSize + *name_len + *extra_len);
  if (!start || !fits(*start, e.compressed_size, data_.size()))
    return make_error(Errc::kTruncated, e.name + ": data past the end of the archive");
  ByteView in = data_.subspan(*start, e.compressed_size);
  if (e.method == kMethodStored) {
    // Stored: the directory's compressed size is what is there (uncompressed may be a lie).
    if (in.size() > max_bytes) return make_error(Errc::kLimit, e.name + ": stored member too big");
    return std::vector<std::uint8_t>(in.begin(), in.end());
  }
  if (e.method != kMethodDeflate)
    return make_error(Errc::kUnsupported, fmt::format("{}: compression method {}", e.name, e.method));
  // Deflate expands at most ~1032:1; a directory that claims more is lying, and the claim must
  // not size the buffer.
  const std::uint64_t most = std::min<std::uint64_t>(e.uncompressed_size, e.compressed_size * kMaxDeflateRatio + 64);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(most));
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return make_error(Errc::kInternal, "inflateInit2 failed");
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(std::min<std::uint64_t>(in.size(), 0xFFFFFFFFu));
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = out.empty() ? Z_STREAM_END : inflate(&zs, Z_FINISH);
  std::size_t produced = out.size() - zs.avail_out;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END && rc != Z_BUF_ERROR && rc != Z_OK)
    return make_error(Errc::kMalformed, fmt::format("{}: deflate stream broken (zlib {})", e.name, rc));
  out.resize(produced);
  return out;
}

}  // namespace assay::apk
