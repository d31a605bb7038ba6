// Compressed streams (gzip, bzip2, xz, lzma-alone, zstd, lz4, zlib) through their own libraries.
//
// Each format has one decoder that decodes a single stream (a gzip member, an xz stream, a zstd
// frame) and says how it ended and how many input bytes it consumed. The unpacker chains them
// over concatenated streams and writes the output through the sink's ContentWriter, so the
// budget (per-file bytes, ratio, total) stops a bomb; the carving probes run the same decoders
// with output discarded to measure where a stream ends. Output is produced in 64 KiB chunks, so
// memory stays flat whatever the ratio.
#include <bzlib.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/checked.hpp"
#include "core/reader.hpp"
#include "unpack/unpackers.hpp"

namespace assay::unpack {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
// Input handed to a library per call: the zlib and bzip2 APIs count input in 32-bit integers.
constexpr std::size_t kMaxFeed = 1u << 30;
// liblzma may allocate the dictionary a header declares; xz's own default preset tops out at
// 64 MiB and lzma-alone streams in firmware use at most 128 MiB, so this leaves headroom while
// refusing a header that asks for gigabytes.
constexpr std::uint64_t kLzmaMemLimit = 512ull << 20;
// The legacy lz4 format (Linux kernels, initramfs) always cuts the input into 8 MiB blocks.
constexpr std::size_t kLz4LegacyBlock = 8u << 20;
constexpr std::uint32_t kLz4LegacyMagic = 0x184C2102;
// A probe decodes to find a stream's end; past this much output it stops and reports the rest of
// the data as the stream (a length estimate), leaving the real limits to the unpacker.
constexpr std::uint64_t kProbeMaxOutput = 4ull << 30;
// Output a probe must see before it accepts a stream that is cut short or corrupt further on:
// enough that random bytes behind a magic do not pass as a stream.
constexpr std::uint64_t kProbeMinPartial = 64 * 1024;

enum class End { kStreamEnd, kTruncated, kCorrupt, kStopped };

struct Decoded {
  End end = End::kTruncated;
  std::uint64_t consumed = 0;
  std::uint64_t produced = 0;
  std::string error;
};

/// Receives output chunks; returns false to stop the decoder.
using Emit = std::function<bool(ByteView)>;

bool emit_chunk(const Emit& emit, Decoded& d, const std::uint8_t* p, std::size_t n) {
  if (n == 0) return true;
  d.produced += n;
  if (emit(ByteView(p, n))) return true;
  d.end = End::kStopped;
  return false;
}

// ---- zlib (gzip member, raw zlib stream) ----
Decoded inflate_one(ByteView in, int window_bits, const Emit& emit) {
  Decoded d;
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) {
    d.end = End::kCorrupt;
    d.error = "inflateInit2 failed";
    return d;
  }
  std::array<std::uint8_t, kChunk> out;
  std::size_t fed = 0;
  for (;;) {
    if (zs.avail_in == 0 && fed < in.size()) {
      std::size_t n = std::min(in.size() - fed, kMaxFeed);
      zs.next_in = const_cast<Bytef*>(in.data() + fed);
      zs.avail_in = static_cast<uInt>(n);
      fed += n;
    }
    zs.next_out = out.data();
    zs.avail_out = out.size();
    int rc = inflate(&zs, Z_NO_FLUSH);
    std::size_t have = out.size() - zs.avail_out;
    if (!emit_chunk(emit, d, out.data(), have)) break;
    if (rc == Z_STREAM_END) {
      d.end = End::kStreamEnd;
      break;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && fed >= in.size()) {
      d.end = End::kTruncated;
      d.error = "stream ends before its end marker";
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      d.end = End::kCorrupt;
      d.error = zs.msg != nullptr ? zs.msg : "inflate error " + std::to_string(rc);
      break;
    }
  }
  d.consumed = zs.total_in;
  inflateEnd(&zs);
  return d;
}

Decoded gzip_one(ByteView in, const Emit& emit) { return inflate_one(in, 15 + 16, emit); }
Decoded zlib_one(ByteView in, const Emit& emit) { return inflate_one(in, 15, emit); }

// ---- bzip2 ----
// Recycles libbz2's decoder state between the streams one thread decodes: a level-9 state is
// ~3.6 MB, and fresh pages for it at every block cost more than the decoding gains on a
// virtualised host (each first touch of a page is a fault).
struct BzPool {
  std::vector<std::pair<void*, std::size_t>> free_list;
  ~BzPool() {
    for (auto& [p, n] : free_list) std::free(static_cast<std::uint8_t*>(p) - sizeof(std::size_t));
  }
  static void* alloc(void* self, int items, int size) {
    auto* pool = static_cast<BzPool*>(self);
    std::size_t n = static_cast<std::size_t>(items) * static_cast<std::size_t>(size);
    for (auto it = pool->free_list.begin(); it != pool->free_list.end(); ++it) {
      if (it->second == n) {
        void* p = it->first;
        pool->free_list.erase(it);
        return p;
      }
    }
    void* p = std::malloc(n + sizeof(std::size_t));
    if (p == nullptr) return nullptr;
    std::memcpy(p, &n, sizeof n);
    return static_cast<std::uint8_t*>(p) + sizeof(std::size_t);
  }
  static void release(void* self, void* p) {
    if (p == nullptr) return;
    auto* pool = static_cast<BzPool*>(self);
    std::size_t n;
    std::memcpy(&n, static_cast<std::uint8_t*>(p) - sizeof(std::size_t), sizeof n);
    pool->free_list.emplace_back(p, n);
  }
};

Decoded bzip2_one(ByteView in, const Emit& emit, BzPool* pool = nullptr) {
  Decoded d;
  bz_stream bs{};
  if (pool != nullptr) {
    bs.bzalloc = &BzPool::alloc;
    bs.bzfree = &BzPool::release;
    bs.opaque = pool;
  }
  if (BZ2_bzDecompressInit(&bs, 0, 0) != BZ_OK) {
    d.end = End::kCorrupt;
    d.error = "BZ2_bzDecompressInit failed";
    return d;
  }
  std::array<std::uint8_t, kChunk> out;
  std::size_t fed = 0;
  for (;;) {
    if (bs.avail_in == 0 && fed < in.size()) {
      std::size_t n = std::min(in.size() - fed, kMaxFeed);
      bs.next_in = const_cast<char*>(reinterpret_cast<const char*>(in.data() + fed));
      bs.avail_in = static_cast<unsigned>(n);
      fed += n;
    }
    bs.next_out = reinterpret_cast<char*>(out.data());
    bs.avail_out = out.size();
    int rc = BZ2_bzDecompress(&bs);
    std::size_t have = out.size() - bs.avail_out;
    if (!emit_chunk(emit, d, out.data(), have)) break;
    if (rc == BZ_STREAM_END) {
      d.end = End::kStreamEnd;
      break;
    }
    if (rc != BZ_OK) {
      d.end = End::kCorrupt;
      d.error = "bzip2 data error " + std::to_string(rc);
      break;
    }
    if (bs.avail_in == 0 && fed >= in.size() && have == 0) {
      d.end = End::kTruncated;
      d.error = "stream ends before its end marker";
      break;
    }
  }
  d.consumed = (std::uint64_t{bs.total_in_hi32} << 32) | bs.total_in_lo32;
  BZ2_bzDecompressEnd(&bs);
  return d;
}

// ---- bzip2, block-parallel ----
// A bzip2 stream is "BZh" + level, then blocks, each starting with the 48-bit magic 0x314159265359
// at any bit position and carrying its own CRC, then the end marker 0x177245385090, the combined
// CRC (each block CRC folded in with a 1-bit rotation) and padding to a byte. Blocks are
// independent, so they decode in parallel, as lbzip2 does: each block is re-wrapped as a one-block
// stream (header, the block's bits realigned to a byte, the end marker, the block CRC as the
// combined CRC) and libbz2 decodes and checks it. Decoding is 95% of `assay extract` on a tar.bz2.
//
// Safety net: the magics are found by a bit scan, and one could occur by chance inside a block
// (2^-48 per bit). The combined CRC computed from the found blocks must equal the stored one
// before anything is decoded, every block's own CRC is checked by libbz2, and any disagreement
// falls back to the serial decoder (which then skips the bytes already emitted), so output and
// diagnostics are exactly those of the serial path.
constexpr std::uint64_t kBzBlockMagic = 0x314159265359ull;
constexpr std::uint64_t kBzEndMagic = 0x177245385090ull;
constexpr std::uint64_t kBzMask48 = (1ull << 48) - 1;
// One block decodes to at most ~46 MB (900 kB of BWT input, each 5 bytes of RLE1 worth 259); a
// block whose output passes this is left to the serial decoder, which streams it through the
// writer's limits instead of holding it. Bounds memory to window x this.
constexpr std::size_t kMaxParallelBlockOutput = 16u << 20;
// Blocks in flight ahead of the one being written, per thread: keeps every thread busy while
// bounding memory.
constexpr std::size_t kBlocksAheadPerThread = 2;
// Smallest stream worth splitting: below this the thread start-up costs more than it saves.
constexpr std::size_t kMinParallelInput = 256u << 10;

struct BzBlock {
  std::uint64_t start_bit;
  std::uint64_t end_bit;
  std::uint32_t crc;
};

std::uint64_t load_be64_padded(ByteView in, std::size_t at) {
  std::uint64_t w = 0;
  for (std::size_t k = 0; k < 8; ++k) w = (w << 8) | (at + k < in.size() ? in[at + k] : 0);
  return w;
}

std::uint32_t bits_at(ByteView in, std::uint64_t bit, unsigned n) {  // n <= 32
  std::uint64_t w = load_be64_padded(in, static_cast<std::size_t>(bit / 8));
  return static_cast<std::uint32_t>((w << (bit % 8)) >> (64 - n));
}

struct BzLayout {
  std::vector<BzBlock> blocks;
  std::uint64_t consumed = 0;  // bytes of the whole stream, padding included
  char level = '9';
};

// Finds the blocks of the stream at the start of `in`; nullopt when the layout is not the plain
// one (first block right after the header, end marker found, combined CRC agrees).
std::optional<BzLayout> bzip2_layout(ByteView in) {
  if (in.size() < 14 || !has_magic(in, 0, "BZh") || in[3] < '1' || in[3] > '9') return std::nullopt;
  // For a magic starting s bits into byte j-1, byte j holds its bits 8-s..15-s: a table on that
  // byte keeps the per-byte cost of the scan at one lookup.
  std::array<std::uint16_t, 256> second{};  // bit (s) for block magic, bit (8+s) for end magic
  for (unsigned sh = 0; sh < 8; ++sh) {
    second[(kBzBlockMagic >> (32 + sh)) & 0xFF] |= static_cast<std::uint16_t>(1u << sh);
    second[(kBzEndMagic >> (32 + sh)) & 0xFF] |= static_cast<std::uint16_t>(1u << (8 + sh));
  }
  BzLayout out;
  out.level = static_cast<char>(in[3]);
  std::vector<std::uint64_t> starts;
  std::optional<std::uint64_t> end_bit;
  for (std::size_t j = 5; j < in.size() && !end_bit; ++j) {
    std::uint16_t cand = second[in[j]];
    if (cand == 0) continue;
    std::uint64_t w = load_be64_padded(in, j - 1);
    for (unsigned sh = 0; sh < 8; ++sh) {
      std::uint64_t v = (w >> (16 - sh)) & kBzMask48;
      std::uint64_t bit = (j - 1) * 8 + sh;
      if ((cand & (1u << sh)) != 0 && v == kBzBlockMagic) starts.push_back(bit);
      if ((cand & (1u << (8 + sh))) != 0 && v == kBzEndMagic) {
        end_bit = bit;
        break;
      }
    }
  }
  if (!end_bit || starts.empty() || starts.front() != 32) return std::nullopt;
  std::uint64_t tail = *end_bit + 48 + 32;
  if (tail > in.size() * 8ull) return std::nullopt;
  std::uint32_t combined = 0;
  for (std::size_t k = 0; k < starts.size(); ++k) {
    std::uint64_t e = k + 1 < starts.size() ? starts[k + 1] : *end_bit;
    if (e - starts[k] < 48 + 32 + 8) return std::nullopt;  // no room for a header: a false magic
    std::uint32_t crc = bits_at(in, starts[k] + 48, 32);
    out.blocks.push_back({starts[k], e, crc});
    combined = ((combined << 1) | (combined >> 31)) ^ crc;
  }
  if (combined != bits_at(in, *end_bit + 48, 32)) return std::nullopt;
  out.consumed = (tail + 7) / 8;
  return out;
}

// The one-block stream that holds block `b` of `in`.
std::vector<std::uint8_t> bzip2_wrap_block(ByteView in, const BzBlock& b, char level) {
  std::uint64_t bits = b.end_bit - b.start_bit;
  std::vector<std::uint8_t> out;
  out.reserve(static_cast<std::size_t>(bits / 8) + 20);
  out.insert(out.end(), {'B', 'Z', 'h', static_cast<std::uint8_t>(level)});
  const std::size_t q = static_cast<std::size_t>(b.start_bit / 8);
  const unsigned r = static_cast<unsigned>(b.start_bit % 8);
  const std::size_t whole = static_cast<std::size_t>(bits / 8);
  if (r == 0) {
    ByteView v = slice(in, q, whole);
    out.insert(out.end(), v.begin(), v.end());
  } else {
    for (std::size_t k = 0; k < whole; ++k) {
      unsigned hi = q + k < in.size() ? in[q + k] : 0;
      unsigned lo = q + k + 1 < in.size() ? in[q + k + 1] : 0;
      out.push_back(static_cast<std::uint8_t>((hi << r) | (lo >> (8 - r))));
    }
  }
  // The rest: leftover block bits, end marker, CRC, padding.
  std::uint64_t acc = 0;
  unsigned nacc = 0;
  auto put = [&](std::uint64_t v, unsigned n) {  // n <= 32
    acc = (acc << n) | (v & ((1ull << n) - 1));
    nacc += n;
    while (nacc >= 8) {
      nacc -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> nacc));
    }
  };
  unsigned left = static_cast<unsigned>(bits % 8);
  if (left != 0) put(bits_at(in, b.start_bit + whole * 8ull, left), left);
  put(kBzEndMagic >> 24, 24);
  put(kBzEndMagic & 0xFFFFFF, 24);
  put(b.crc, 32);
  if (nacc != 0) put(0, 8 - nacc);
  return out;
}

// Decodes the stream at the start of `in` block-parallel. Returns nullopt when it cannot (layout
// not recognised, or a block failed before anything was emitted... or after: then the serial
// decoder resumes; see the section comment).
std::optional<Decoded> bzip2_parallel(ByteView in, const Emit& emit, unsigned threads) {
  if (threads < 2 || in.size() < kMinParallelInput) return std::nullopt;
  auto layout = bzip2_layout(in);
  if (!layout || layout->blocks.size() < 2) return std::nullopt;
  const std::size_t n = layout->blocks.size();
  const unsigned workers = static_cast<unsigned>(std::min<std::size_t>(threads, n));
  const std::size_t window = std::size_t{workers} * kBlocksAheadPerThread;

  struct Slot {
    std::vector<std::uint8_t> out;
    bool done = false;
    bool ok = false;
  };
  std::vector<Slot> slots(n);
  std::mutex mu;
  std::condition_variable cv;
  std::size_t next = 0, emitted = 0;
  bool stop = false;
  auto work = [&] {
    BzPool pool;
    for (;;) {
      std::size_t i;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stop || next >= n || next < emitted + window; });
        if (stop || next >= n) return;
        i = next++;
      }
      std::vector<std::uint8_t> wrapped = bzip2_wrap_block(in, layout->blocks[i], layout->level);
      std::vector<std::uint8_t> out;
      Emit collect = [&](ByteView chunk) {
        if (out.size() + chunk.size() > kMaxParallelBlockOutput) return false;
        out.insert(out.end(), chunk.begin(), chunk.end());
        return true;
      };
      Decoded d = bzip2_one(wrapped, collect, &pool);
      bool ok = d.end == End::kStreamEnd && d.consumed == wrapped.size();
      {
        std::lock_guard<std::mutex> lock(mu);
        slots[i].out = std::move(out);
        slots[i].ok = ok;
        slots[i].done = true;
      }
      cv.notify_all();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(workers);
  for (unsigned t = 0; t < workers; ++t) pool.emplace_back(work);

  Decoded d;
  bool failed = false;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::uint8_t> out;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return slots[i].done; });
      if (!slots[i].ok) failed = true;
      out = std::move(slots[i].out);
    }
    bool go_on = !failed;
    for (std::size_t off = 0; go_on && off < out.size(); off += kChunk)
      go_on = emit_chunk(emit, d, out.data() + off, std::min(kChunk, out.size() - off));
    {
      std::lock_guard<std::mutex> lock(mu);
      ++emitted;
      if (!go_on) stop = true;
    }
    cv.notify_all();
    if (!go_on) break;
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
  }
  cv.notify_all();
  for (auto& t : pool) t.join();
  if (failed) {
    // Resume serially, discarding what was already emitted.
    std::uint64_t skip = d.produced;
    Emit tail = [&](ByteView chunk) {
      if (skip >= chunk.size()) {
        skip -= chunk.size();
        return true;
      }
      ByteView rest = chunk.subspan(static_cast<std::size_t>(skip));
      skip = 0;
      return emit(rest);
    };
    Decoded s = bzip2_one(in, tail);
    return s;
  }
  if (d.end == End::kStopped) return d;
  d.end = End::kStreamEnd;
  d.consumed = layout->consumed;
  return d;
}

// ---- liblzma (xz stream, lzma-alone) ----
const char* lzma_error_name(lzma_ret rc) {
  switch (rc) {
    case LZMA_MEM_ERROR: return "out of memory";
    case LZMA_MEMLIMIT_ERROR: return "dictionary larger than the memory limit";
    case LZMA_FORMAT_ERROR: return "not a valid header";
    case LZMA_OPTIONS_ERROR: return "unsupported options";
    case LZMA_DATA_ERROR: return "corrupt data";
    case LZMA_BUF_ERROR: return "stream ends before its end marker";
    default: return "decoder error";
  }
}

Decoded lzma_one(ByteView in, bool alone, const Emit& emit) {
  Decoded d;
  lzma_stream ls = LZMA_STREAM_INIT;
  lzma_ret init = alone ? lzma_alone_decoder(&ls, kLzmaMemLimit)
                        : lzma_stream_decoder(&ls, kLzmaMemLimit, 0);
  if (init != LZMA_OK) {
    d.end = End::kCorrupt;
    d.error = lzma_error_name(init);
    return d;
  }
  ls.next_in = in.data();
  ls.avail_in = in.size();
  std::array<std::uint8_t, kChunk> out;
  for (;;) {
    ls.next_out = out.data();
    ls.avail_out = out.size();
    lzma_ret rc = lzma_code(&ls, LZMA_FINISH);
    std::size_t have = out.size() - ls.avail_out;
    if (!emit_chunk(emit, d, out.data(), have)) break;
    if (rc == LZMA_STREAM_END) {
      d.end = End::kStreamEnd;
      break;
    }
    if (rc == LZMA_BUF_ERROR) {
      d.end = End::kTruncated;
      d.error = lzma_error_name(rc);
      break;
    }
    if (rc != LZMA_OK) {
      d.end = End::kCorrupt;
      d.error = lzma_error_name(rc);
      break;
    }
  }
  d.consumed = ls.total_in;
  lzma_end(&ls);
  return d;
}

Decoded xz_one(ByteView in, const Emit& emit) { return lzma_one(in, false, emit); }
Decoded lzma_alone_one(ByteView in, const Emit& emit) { return lzma_one(in, true, emit); }

// ---- zstd (one frame; skippable frames are consumed as frames without output) ----
Decoded zstd_one(ByteView in, const Emit& emit) {
  Decoded d;
  std::unique_ptr<ZSTD_DStream, decltype(&ZSTD_freeDStream)> ds(ZSTD_createDStream(),
                                                                   &ZSTD_freeDStream);
  if (!ds || ZSTD_isError(ZSTD_initDStream(ds.get()))) {
    d.end = End::kCorrupt;
    d.error = "ZSTD_initDStream failed";
    return d;
  }
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  std::array<std::uint8_t, kChunk> out;
  for (;;) {
    ZSTD_outBuffer ob{out.data(), out.size(), 0};
    std::size_t rc = ZSTD_decompressStream(ds.get(), &ob, &ib);
    if (ZSTD_isError(rc)) {
      d.end = End::kCorrupt;
      d.error = ZSTD_getErrorName(rc);
      break;
    }
    if (!emit_chunk(emit, d, out.data(), ob.pos)) break;
    if (rc == 0) {
      d.end = End::kStreamEnd;
      break;
    }
    if (ib.pos == ib.size && ob.pos < ob.size) {
      d.end = End::kTruncated;
      d.error = "frame ends before its last block";
      break;
    }
  }
  d.consumed = ib.pos;
  return d;
}

// ---- lz4 frame format ----
Decoded lz4_frame_one(ByteView in, const Emit& emit) {
  Decoded d;
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) {
    d.end = End::kCorrupt;
    d.error = "LZ4F_createDecompressionContext failed";
    return d;
  }
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> dctx(
      raw, &LZ4F_freeDecompressionContext);
  std::array<std::uint8_t, kChunk> out;
  std::size_t pos = 0;
  for (;;) {
    std::size_t out_size = out.size();
    std::size_t in_size = in.size() - pos;
    std::size_t rc = LZ4F_decompress(dctx.get(), out.data(), &out_size, in.data() + pos,
                                     &in_size, nullptr);
    pos += in_size;
    if (LZ4F_isError(rc)) {
      d.end = End::kCorrupt;
      d.error = LZ4F_getErrorName(rc);
      break;
    }
    if (!emit_chunk(emit, d, out.data(), out_size)) break;
    if (rc == 0) {
      d.end = End::kStreamEnd;
      break;
    }
    if (pos == in.size() && out_size == 0) {
      d.end = End::kTruncated;
      d.error = "frame ends before its end mark";
      break;
    }
  }
  d.consumed = pos;
  return d;
}

// ---- lz4 legacy format: magic, then blocks of (u32 size, data) each inflating to 8 MiB
// except the last. It has no end mark: a block that inflates to less than 8 MiB is the last,
// and a size field that cannot be a block ends the stream (kernels append the original size).
Decoded lz4_legacy_one(ByteView in, const Emit& emit) {
  Decoded d;
  Reader r(in);
  if (r.read_le<std::uint32_t>().value_or(0) != kLz4LegacyMagic) {
    d.end = End::kCorrupt;
    d.error = "no lz4 legacy magic";
    return d;
  }
  std::vector<std::uint8_t> block(kLz4LegacyBlock);
  const std::uint64_t max_block = static_cast<std::uint64_t>(LZ4_compressBound(kLz4LegacyBlock));
  d.end = End::kStreamEnd;
  while (r.remaining() >= 4) {
    std::uint64_t at = r.pos();
    std::uint32_t csize = *r.read_le<std::uint32_t>();
    if (csize == kLz4LegacyMagic) continue;  // another legacy stream concatenated
    if (csize == 0 || csize > max_block) {
      r.seek(at).ok();
      break;
    }
    auto src = r.bytes(csize);
    if (!src) {
      d.end = End::kTruncated;
      d.error = "block at offset " + std::to_string(at) + " ends past the data";
      r.seek(in.size()).ok();
      break;
    }
    int n = LZ4_decompress_safe(reinterpret_cast<const char*>(src->data()),
                                reinterpret_cast<char*>(block.data()), static_cast<int>(csize),
                                static_cast<int>(block.size()));
    if (n < 0) {
      d.end = End::kCorrupt;
      d.error = "corrupt block at offset " + std::to_string(at);
      r.seek(at).ok();
      break;
    }
    bool stopped = false;
    for (std::size_t off = 0; off < static_cast<std::size_t>(n); off += kChunk) {
      std::size_t k = std::min<std::size_t>(kChunk, static_cast<std::size_t>(n) - off);
      if (!emit_chunk(emit, d, block.data() + off, k)) {
        stopped = true;
        break;
      }
    }
    if (stopped) break;
    if (static_cast<std::size_t>(n) < kLz4LegacyBlock) break;
  }
  d.consumed = r.pos();
  return d;
}

bool is_lz4_legacy(ByteView in) {
  return load_le<std::uint32_t>(in, 0).value_or(0) == kLz4LegacyMagic;
}

// ---- what starts a further concatenated stream of the same format ----
bool zstd_frame_magic(ByteView v) {
  auto m = load_le<std::uint32_t>(v, 0);
  return m && (*m == 0xFD2FB528u || (*m & 0xFFFFFFF0u) == 0x184D2A50u);
}
bool continues(Kind kind, ByteView rest) {
  switch (kind) {
    case Kind::kGzip: return has_magic(rest, 0, "\x1f\x8b\x08");
    case Kind::kBzip2: return has_magic(rest, 0, "BZh");
    case Kind::kXz: return has_magic(rest, 0, std::string_view("\xFD" "7zXZ\0", 6));
    case Kind::kZstd: return zstd_frame_magic(rest);
    case Kind::kLz4:
      return has_magic(rest, 0, "\x04\x22\x4d\x18") || is_lz4_legacy(rest) ||
             (load_le<std::uint32_t>(rest, 0).value_or(0) & 0xFFFFFFF0u) == 0x184D2A50u;
    default: return false;
  }
}

Decoded decode_one(Kind kind, ByteView in, const Emit& emit, unsigned threads = 1) {
  switch (kind) {
    case Kind::kGzip: return gzip_one(in, emit);
    case Kind::kBzip2:
      if (auto d = bzip2_parallel(in, emit, threads)) return *d;
      return bzip2_one(in, emit);
    case Kind::kXz: return xz_one(in, emit);
    case Kind::kLzma: return lzma_alone_one(in, emit);
    case Kind::kZstd: return zstd_one(in, emit);
    case Kind::kLz4: return is_lz4_legacy(in) ? lz4_legacy_one(in, emit) : lz4_frame_one(in, emit);
    default: return zlib_one(in, emit);
  }
}

// ---- naming the child ----
std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

// The FNAME field of a gzip header, if any (raw bytes; basename taken by the caller).
std::string gzip_fname(ByteView in) {
  constexpr std::size_t kMaxName = 1024;  // longer is not a file name anyone meant
  Reader r(in);
  if (!r.skip(3)) return {};
  auto flags = r.read<std::uint8_t>();
  if (!flags || !r.skip(6)) return {};
  if ((*flags & 0x04) != 0) {
    auto xlen = r.read_le<std::uint16_t>();
    if (!xlen || !r.skip(*xlen)) return {};
  }
  if ((*flags & 0x08) == 0) return {};
  auto name = r.cstring(kMaxName);
  return name ? std::string(*name) : std::string();
}

std::string sanitize_basename(std::string_view s) {
  std::size_t cut = s.find_last_of("/\\");
  if (cut != std::string_view::npos) s = s.substr(cut + 1);
  if (s.empty() || s == "." || s == "..") return {};
  std::string r(s);
  for (char& c : r)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
  return r;
}

std::string strip_suffix(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kSuffixes[] = {
      {".tgz", ".tar"}, {".taz", ".tar"}, {".tbz2", ".tar"}, {".tbz", ".tar"},
      {".txz", ".tar"}, {".tzst", ".tar"}, {".tlz4", ".tar"}, {".gz", ""},
      {".bz2", ""},     {".xz", ""},       {".lzma", ""},     {".zst", ""},
      {".zstd", ""},    {".lz4", ""},      {".zlib", ""},     {".z", ""}};
  std::string base = sanitize_basename(name);
  std::string low = lower(base);
  for (const auto& [suffix, replacement] : kSuffixes) {
    if (low.size() > suffix.size() && low.compare(low.size() - suffix.size(), suffix.size(),
                                                  suffix) == 0)
      return base.substr(0, base.size() - suffix.size()) + std::string(replacement);
  }
  return {};
}

std::string child_name(const UnpackInput& in) {
  if (in.kind == Kind::kGzip) {
    std::string n = sanitize_basename(gzip_fname(in.bytes));
    if (!n.empty()) return n;
  }
  std::string n = strip_suffix(in.name);
  return n.empty() ? std::string("decompressed") : n;
}

bool all_zero(ByteView v) {
  return std::all_of(v.begin(), v.end(), [](std::uint8_t b) { return b == 0; });
}

class StreamUnpacker final : public Unpacker {
 public:
  std::string_view id() const override { return "stream"; }
  bool can_open(Kind kind) const override { return is_compressed_stream(kind); }

  Status open(const UnpackInput& in, Sink& sink) const override {
    ContentWriter writer = sink.writer(in.bytes.size());
    Status write_error;
    bool cancelled = false;
    Emit emit = [&](ByteView chunk) {
      if (sink.cancelled()) {
        cancelled = true;
        return false;
      }
      if (auto s = writer.write(chunk); !s) {
        write_error = std::move(s);
        return false;
      }
      return true;
    };
    std::string_view fmt_name = kind_name(in.kind);
    std::uint64_t offset = 0;
    bool any_end = false;
    for (;;) {
      ByteView rest = in.bytes.subspan(static_cast<std::size_t>(offset));
      Decoded d = decode_one(in.kind, rest, emit, in.threads);
      std::uint64_t at = offset;
      offset += d.consumed;
      if (d.end == End::kStopped) {
        if (cancelled) return make_error(Errc::kCancelled, "scan cancelled");
        sink.diagnose(DiagLevel::kWarning,
                      std::string(fmt_name) + " output stopped: " + write_error.error().message,
                      at);
        break;
      }
      if (d.end != End::kStreamEnd && !any_end && writer.size() == 0)
        return make_error(d.end == End::kTruncated ? Errc::kTruncated : Errc::kMalformed,
                          std::string(fmt_name) + ": " + d.error);
      if (d.end == End::kTruncated) {
        sink.diagnose(DiagLevel::kWarning,
                      std::string(fmt_name) + " stream truncated (" + d.error +
                          "); kept the " + std::to_string(writer.size()) + " bytes decoded",
                      offset);
        break;
      }
      if (d.end == End::kCorrupt) {
        sink.diagnose(DiagLevel::kWarning,
                      std::string(fmt_name) + " stream corrupt at offset " +
                          std::to_string(offset) + " (" + d.error + "); kept the " +
                          std::to_string(writer.size()) + " bytes decoded",
                      offset);
        break;
      }
      any_end = true;
      // xz pads between streams with zeros in multiples of 4 bytes.
      if (in.kind == Kind::kXz) {
        while (fits(offset, 4, in.bytes.size()) && all_zero(slice(in.bytes, offset, 4)))
          offset += 4;
      }
      if (offset >= in.bytes.size()) break;
      ByteView next = in.bytes.subspan(static_cast<std::size_t>(offset));
      if (d.consumed > 0 && continues(in.kind, next)) continue;
      bool zeros = all_zero(next);
      sink.diagnose(zeros ? DiagLevel::kInfo : DiagLevel::kWarning,
                    std::to_string(next.size()) + (zeros ? " zero" : "") +
                        " byte(s) of trailing data after the " + std::string(fmt_name) +
                        " stream at offset " + std::to_string(offset),
                    offset);
      break;
    }
    auto content = writer.finish();
    if (!content) return std::move(content).error();
    EntryMeta meta;
    meta.path = child_name(in);
    meta.type = EntryType::kFile;
    sink.add_content(std::move(meta), std::move(content).value());
    return {};
  }
};

// ---- probes ----

// Decodes one stream with the output discarded and turns its end into a length.
std::optional<ProbeResult> measure(Kind kind, ByteView data, std::uint64_t min_partial) {
  std::uint64_t produced = 0;
  Emit discard = [&](ByteView chunk) {
    produced += chunk.size();
    return produced < kProbeMaxOutput;
  };
  Decoded d = decode_one(kind, data, discard);
  switch (d.end) {
    case End::kStreamEnd:
      if (d.consumed == 0) return std::nullopt;
      return ProbeResult{kind, d.consumed};
    case End::kStopped:
      return ProbeResult{kind, data.size()};
    case End::kTruncated:
      if (d.produced < min_partial) return std::nullopt;
      return ProbeResult{kind, data.size()};
    case End::kCorrupt:
      if (d.produced < kProbeMinPartial || d.consumed == 0) return std::nullopt;
      return ProbeResult{kind, d.consumed};
  }
  return std::nullopt;
}

bool is_pow2_or_3x(std::uint32_t v) {
  if (v == 0) return false;
  if ((v & (v - 1)) == 0) return true;
  std::uint32_t low = v & (~v + 1);  // lowest set bit
  return v == low * 3;
}

}  // namespace

std::unique_ptr<Unpacker> make_stream_unpacker() { return std::make_unique<StreamUnpacker>(); }

std::optional<ProbeResult> probe_gzip(ByteView data) {
  if (!has_magic(data, 0, "\x1f\x8b\x08")) return std::nullopt;
  auto flags = load_le<std::uint8_t>(data, 3);
  if (!flags || (*flags & 0xE0) != 0) return std::nullopt;  // reserved flag bits are zero
  auto xfl = load_le<std::uint8_t>(data, 8);
  if (!xfl || (*xfl != 0 && *xfl != 2 && *xfl != 4)) return std::nullopt;
  return measure(Kind::kGzip, data, 1);
}

std::optional<ProbeResult> probe_bzip2(ByteView data) {
  if (!has_magic(data, 0, "BZh")) return std::nullopt;
  auto level = load_le<std::uint8_t>(data, 3);
  if (!level || *level < '1' || *level > '9') return std::nullopt;
  // A block (pi) or, for an empty stream, the end-of-stream marker (sqrt(pi)).
  if (!has_magic(data, 4, "\x31\x41\x59\x26\x53\x59") &&
      !has_magic(data, 4, "\x17\x72\x45\x38\x50\x90"))
    return std::nullopt;
  return measure(Kind::kBzip2, data, 1);
}

namespace {
// End offset of the first valid xz stream footer in `data`, if any (see probe_xz).
std::optional<std::uint64_t> xz_footer_end(ByteView data, ByteView header_flags) {
  constexpr std::size_t kHeader = 12;
  constexpr std::size_t kFooter = 12;
  const std::uint8_t* base = data.data();
  std::size_t pos = kHeader;
  while (pos + 2 <= data.size()) {
    const void* hit = std::memchr(base + pos, 'Y', data.size() - pos - 1);
    if (hit == nullptr) break;
    std::size_t y = static_cast<std::size_t>(static_cast<const std::uint8_t*>(hit) - base);
    pos = y + 1;
    if (base[y + 1] != 'Z' || (y + 2) % 4 != 0 || y + 2 < kHeader + kFooter) continue;
    std::size_t footer = y + 2 - kFooter;
    if (base[footer + 8] != header_flags[0] || base[footer + 9] != header_flags[1]) continue;
    auto crc = load_le<std::uint32_t>(data, footer);
    if (!crc || ::crc32(0, base + footer + 4, 6) != *crc) continue;
    auto backward = load_le<std::uint32_t>(data, footer + 4);
    std::uint64_t index_size = (static_cast<std::uint64_t>(*backward) + 1) * 4;
    if (index_size > footer - kHeader) continue;
    if (base[footer - index_size] != 0x00) continue;
    return static_cast<std::uint64_t>(y + 2);
  }
  return std::nullopt;
}
}  // namespace

std::optional<ProbeResult> probe_xz(ByteView data) {
  if (!has_magic(data, 0, std::string_view("\xFD" "7zXZ\0", 6))) return std::nullopt;
  auto flags = slice(data, 6, 2);
  auto crc = load_le<std::uint32_t>(data, 8);
  if (flags.empty() || !crc) return std::nullopt;
  if (::crc32(0, flags.data(), 2) != *crc) return std::nullopt;
  // Measure from the stream footer instead of decoding everything: carving would otherwise decode
  // a multi-MB kernel twice (here and in the unpacker). The footer is CRC32 | backward size |
  // stream flags (equal to the header's) | "YZ", ends 4-byte aligned, and the index it points back
  // to starts with a 0x00 indicator byte. The first footer that checks out ends the stream.
  if (auto end = xz_footer_end(data, flags)) {
    std::uint64_t produced = 0;
    Emit first = [&](ByteView chunk) {
      produced += chunk.size();
      return produced < kProbeMinPartial;
    };
    Decoded d = xz_one(slice(data, 0, *end), first);
    if (d.end == End::kCorrupt || (d.end == End::kTruncated && produced < kProbeMinPartial)) return std::nullopt;
    return ProbeResult{Kind::kXz, *end};
  }
  return measure(Kind::kXz, data, 1);
}

std::optional<ProbeResult> probe_lzma(ByteView data) {
  constexpr std::uint32_t kMinDict = 4u << 10;
  constexpr std::uint32_t kMaxDict = 128u << 20;  // larger than any lzma-alone encoder's default
  auto props = load_le<std::uint8_t>(data, 0);
  auto dict = load_le<std::uint32_t>(data, 1);
  auto usize = load_le<std::uint64_t>(data, 5);
  if (!props || !dict || !usize) return std::nullopt;
  if (*props > 224) return std::nullopt;  // (pb * 5 + lp) * 9 + lc with lc<9, lp<5, pb<5
  if (*dict < kMinDict || *dict > kMaxDict || !is_pow2_or_3x(*dict)) return std::nullopt;
  bool unknown_size = *usize == ~std::uint64_t{0};
  if (!unknown_size && (*usize == 0 || *usize >= (1ull << 32))) return std::nullopt;
  // The format has no checksum: only a clean decode tells a stream from bytes that happen to
  // look like a header. A short stream must decode to its end; a cut one must give 64 KiB.
  return measure(Kind::kLzma, data, kProbeMinPartial);
}

std::optional<ProbeResult> probe_zstd(ByteView data) {
  if (load_le<std::uint32_t>(data, 0).value_or(0) != 0xFD2FB528u) return std::nullopt;
  std::size_t len = ZSTD_findFrameCompressedSize(data.data(), data.size());
  if (ZSTD_isError(len)) return measure(Kind::kZstd, data, kProbeMinPartial);
  // The block walk proves the framing; decoding the first 64 KiB proves the content.
  std::uint64_t produced = 0;
  Emit first = [&](ByteView chunk) {
    produced += chunk.size();
    return produced < kProbeMinPartial;
  };
  Decoded d = zstd_one(slice(data, 0, len), first);
  if (d.end == End::kCorrupt || d.end == End::kTruncated) return std::nullopt;
  return ProbeResult{Kind::kZstd, len};
}

std::optional<ProbeResult> probe_lz4(ByteView data) {
  if (is_lz4_legacy(data)) {
    auto first = load_le<std::uint32_t>(data, 4);
    if (!first || *first == 0 ||
        *first > static_cast<std::uint32_t>(LZ4_compressBound(kLz4LegacyBlock)))
      return std::nullopt;
    return measure(Kind::kLz4, data, 1);
  }
  if (!has_magic(data, 0, "\x04\x22\x4d\x18")) return std::nullopt;
  // LZ4F_getFrameInfo checks the frame descriptor's checksum byte.
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) return std::nullopt;
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> dctx(
      raw, &LZ4F_freeDecompressionContext);
  LZ4F_frameInfo_t info{};
  std::size_t n = std::min<std::size_t>(data.size(), LZ4F_HEADER_SIZE_MAX);
  if (LZ4F_isError(LZ4F_getFrameInfo(dctx.get(), &info, data.data(), &n))) return std::nullopt;
  return measure(Kind::kLz4, data, 1);
}

}  // namespace assay::unpack
