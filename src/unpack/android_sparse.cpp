// Android sparse images (magic 0xED26FF3A, little-endian): a list of chunks that each describe
// `chunk_sz` blocks of the expanded image as raw data, a 4-byte fill pattern, a hole, or a CRC.
// The expanded image is produced through the ContentWriter (holes as write_zeros), so memory stays
// bounded and the Budget's size and ratio limits apply. Reference: AOSP
// system/core/libsparse/sparse_format.h and simg2img.
#include <fmt/format.h>

#include <array>
#include <cstring>
#include <string>

#include "core/checked.hpp"
#include "core/reader.hpp"
#include "unpack/unpackers.hpp"

namespace assay::unpack {
namespace {

constexpr std::uint32_t kSparseMagic = 0xED26FF3A;
constexpr std::uint16_t kChunkRaw = 0xCAC1;
constexpr std::uint16_t kChunkFill = 0xCAC2;
constexpr std::uint16_t kChunkDontCare = 0xCAC3;
constexpr std::uint16_t kChunkCrc32 = 0xCAC4;
constexpr std::size_t kFileHeaderSize = 28;
constexpr std::size_t kChunkHeaderSize = 12;
// libsparse writes 4 KiB blocks; the format allows any multiple of 4. 64 MiB per block is far
// beyond any real image and keeps block arithmetic away from 64-bit overflow.
constexpr std::uint32_t kMaxBlockSize = 64u << 20;
// Chunks are visited once each; a chunk header is 12 bytes, so the remaining bytes bound the
// count. This cap only keeps a hostile header from making the loop run past what the data holds.
constexpr std::uint64_t kMaxChunks = 1ull << 26;
// Fill chunks are expanded through this buffer: large enough for few writer calls per chunk.
constexpr std::size_t kFillBufferSize = 64 * 1024;

struct SparseHeader {
  std::uint16_t file_hdr_sz = 0;
  std::uint16_t chunk_hdr_sz = 0;
  std::uint32_t blk_sz = 0;
  std::uint32_t total_blks = 0;
  std::uint32_t total_chunks = 0;
};

struct Chunk {
  std::uint16_t type = 0;
  std::uint32_t blocks = 0;
  std::uint32_t total_sz = 0;
  std::uint64_t data_offset = 0;  // of the chunk's payload in the file
  std::uint64_t data_size = 0;
};

std::optional<SparseHeader> parse_header(ByteView data) {
  Reader r(data, Endian::kLittle);
  auto magic = r.read<std::uint32_t>();
  if (!magic || *magic != kSparseMagic) return std::nullopt;
  auto major = r.read<std::uint16_t>();
  auto minor = r.read<std::uint16_t>();
  SparseHeader h;
  auto fh = r.read<std::uint16_t>();
  auto ch = r.read<std::uint16_t>();
  auto bs = r.read<std::uint32_t>();
  auto tb = r.read<std::uint32_t>();
  auto tc = r.read<std::uint32_t>();
  if (!tc || *major != 1) return std::nullopt;
  (void)minor;
  h.file_hdr_sz = *fh;
  h.chunk_hdr_sz = *ch;
  h.blk_sz = *bs;
  h.total_blks = *tb;
  h.total_chunks = *tc;
  if (h.file_hdr_sz < kFileHeaderSize || h.chunk_hdr_sz < kChunkHeaderSize) return std::nullopt;
  if (h.blk_sz == 0 || h.blk_sz % 4 != 0 || h.blk_sz > kMaxBlockSize) return std::nullopt;
  if (h.file_hdr_sz > data.size()) return std::nullopt;
  return h;
}

// Reads the chunk header at `pos`; nullopt when it does not fit or its sizes are inconsistent.
std::optional<Chunk> read_chunk(ByteView data, std::uint64_t pos, const SparseHeader& h) {
  if (!fits(pos, h.chunk_hdr_sz, data.size())) return std::nullopt;
  Chunk c;
  c.type = *load_le<std::uint16_t>(data, pos);
  c.blocks = *load_le<std::uint32_t>(data, pos + 4);
  c.total_sz = *load_le<std::uint32_t>(data, pos + 8);
  if (c.total_sz < h.chunk_hdr_sz) return std::nullopt;
  c.data_offset = pos + h.chunk_hdr_sz;
  c.data_size = c.total_sz - h.chunk_hdr_sz;
  return c;
}

class AndroidSparseUnpacker final : public Unpacker {
 public:
  std::string_view id() const override { return "android-sparse"; }
  bool can_open(Kind kind) const override { return kind == Kind::kAndroidSparse; }
  Status open(const UnpackInput& in, Sink& sink) const override;
};

Status AndroidSparseUnpacker::open(const UnpackInput& in, Sink& sink) const {
  auto hp = parse_header(in.bytes);
  if (!hp) return make_error(Errc::kMalformed, "not an Android sparse image header");
  const SparseHeader h = *hp;
  const ByteView data = in.bytes;
  ContentWriter w = sink.writer(data.size());
  std::uint64_t chunks =
      clamp_count(h.total_chunks, data.size() - h.file_hdr_sz, h.chunk_hdr_sz, kMaxChunks);
  if (chunks < h.total_chunks)
    sink.diagnose(
        DiagLevel::kError,
        fmt::format("sparse header declares {} chunks, only {} can fit", h.total_chunks, chunks),
        20);
  std::uint64_t pos = h.file_hdr_sz;
  std::uint64_t blocks_done = 0;
  std::array<std::uint8_t, kFillBufferSize> fill{};
  bool stopped = false;
  for (std::uint64_t i = 0; i < chunks && !stopped; ++i) {
    if (sink.cancelled()) return make_error(Errc::kCancelled, "scan cancelled");
    auto c = read_chunk(data, pos, h);
    if (!c) {
      sink.diagnose(DiagLevel::kError,
                    fmt::format("sparse chunk {} header is truncated or invalid", i), pos);
      break;
    }
    if (c->blocks > h.total_blks - blocks_done) {
      sink.diagnose(DiagLevel::kError,
                    fmt::format("sparse chunk {} runs past the {} blocks the header declares", i,
                                h.total_blks),
                    pos);
      break;
    }
    std::uint64_t out_bytes = std::uint64_t{c->blocks} * h.blk_sz;  // < 2^32 * 2^26: no overflow
    Status st;
    switch (c->type) {
      case kChunkRaw: {
        if (c->data_size != out_bytes || !fits(c->data_offset, c->data_size, data.size())) {
          sink.diagnose(DiagLevel::kError,
                        fmt::format("sparse raw chunk {} size {} does not match {} blocks or "
                                    "runs past the end",
                                    i, c->data_size, c->blocks),
                        pos);
          stopped = true;
          continue;
        }
        st = w.write(data.subspan(c->data_offset, c->data_size));
        break;
      }
      case kChunkFill: {
        auto value = load_le<std::uint32_t>(data, c->data_offset);
        if (c->data_size < 4 || !value) {
          sink.diagnose(DiagLevel::kError, fmt::format("sparse fill chunk {} is truncated", i),
                        pos);
          stopped = true;
          continue;
        }
        if (*value == 0) {
          st = w.write_zeros(out_bytes);
          break;
        }
        for (std::size_t k = 0; k < fill.size(); k += 4)
          std::memcpy(fill.data() + k, data.data() + c->data_offset, 4);
        for (std::uint64_t left = out_bytes; left > 0 && st;) {
          std::uint64_t n = left < fill.size() ? left : fill.size();
          st = w.write(ByteView(fill.data(), n));
          left -= n;
          if (sink.cancelled()) return make_error(Errc::kCancelled, "scan cancelled");
        }
        break;
      }
      case kChunkDontCare:
        st = w.write_zeros(out_bytes);
        break;
      case kChunkCrc32:
        break;  // a checksum of the output so far; libsparse itself does not verify it
      default:
        sink.diagnose(DiagLevel::kError,
                      fmt::format("sparse chunk {} has unknown type 0x{:04x}", i, c->type), pos);
        stopped = true;
        continue;
    }
    if (!st) {
      sink.diagnose(DiagLevel::kError, "sparse image expansion stopped: " + st.error().message,
                    pos);
      stopped = true;
      continue;
    }
    blocks_done += c->blocks;
    auto next = checked_add<std::uint64_t>(pos, c->total_sz);
    if (!next || *next > data.size()) {
      if (i + 1 < chunks)
        sink.diagnose(DiagLevel::kError, "sparse chunk list runs past the end of the data", pos);
      break;
    }
    pos = *next;
  }
  // simg2img sizes its output to the declared block count; blocks no chunk described are holes.
  if (!stopped && blocks_done < h.total_blks) {
    if (chunks == h.total_chunks && blocks_done != 0)
      sink.diagnose(DiagLevel::kWarning,
                    fmt::format("sparse chunks describe {} of {} blocks; the rest is zero-filled",
                                blocks_done, h.total_blks));
    if (auto st = w.write_zeros(std::uint64_t{h.total_blks - blocks_done} * h.blk_sz); !st)
      sink.diagnose(DiagLevel::kError, "sparse image expansion stopped: " + st.error().message);
  }
  auto content = w.finish();
  if (!content) return std::move(content).error();
  EntryMeta meta;
  meta.path = "image.raw";
  sink.add_content(std::move(meta), std::move(content).value());
  return {};
}

}  // namespace

// The length is the sum of the chunk sizes, found by hopping from header to header (cheap: one
// read per chunk). A header that is not self-consistent, or chunks that end past the data, or
// that describe more blocks than declared, reject the candidate.
std::optional<ProbeResult> probe_android_sparse(ByteView data) {
  auto h = parse_header(data);
  if (!h) return std::nullopt;
  std::uint64_t chunks =
      clamp_count(h->total_chunks, data.size() - h->file_hdr_sz, h->chunk_hdr_sz, kMaxChunks);
  if (chunks < h->total_chunks) return std::nullopt;
  std::uint64_t pos = h->file_hdr_sz;
  std::uint64_t blocks = 0;
  for (std::uint64_t i = 0; i < chunks; ++i) {
    auto c = read_chunk(data, pos, *h);
    if (!c || c->type < kChunkRaw || c->type > kChunkCrc32) return std::nullopt;
    if (c->blocks > h->total_blks - blocks) return std::nullopt;
    blocks += c->blocks;
    if (!fits(pos, c->total_sz, data.size())) return std::nullopt;
    pos += c->total_sz;
  }
  return ProbeResult{Kind::kAndroidSparse, pos};
}

std::unique_ptr<Unpacker> make_android_sparse_unpacker() {
  return std::make_unique<AndroidSparseUnpacker>();
}

}  // namespace assay::unpack
