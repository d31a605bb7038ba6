// Compressed streams: fixtures made with the real tools (gzip, bzip2, xz, zstd, lz4), decoded
// by the stream unpacker and compared with the bytes that went in; probes measured on streams
// followed by other data; the D-Link image's LZMA streams as binwalk finds them.
#include <zlib.h>

#include <algorithm>
#include <random>

#include "support/test_support.hpp"
#include "unpack/memory_sink.hpp"
#include "unpack/unpackers.hpp"

namespace assay::unpack {
namespace {

using test::read_file;
using test::run;
using test::TempDir;
using test::write_file;

// Half text, half random: compressible but not trivially so, and bigger than one 64 KiB chunk.
std::string sample_bytes(std::size_t n, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::string s;
  s.reserve(n);
  while (s.size() < n) {
    s += "line " + std::to_string(s.size()) + " of the sample\n";
    for (int i = 0; i < 16 && s.size() < n; ++i) s.push_back(static_cast<char>(rng() & 0xFF));
  }
  s.resize(n);
  return s;
}

struct Unpacked {
  Unpacked(Content parent, Limits limits) : sink(std::move(parent), limits) {}
  MemorySink sink;
  Status status;
};

std::unique_ptr<Unpacked> unpack(const std::string& bytes, Kind kind, std::string_view name,
                                 Limits limits = {}) {
  Content parent = content_from(bytes);
  auto u = std::make_unique<Unpacked>(parent, limits);
  UnpackInput in{parent.view(), kind, name};
  u->status = make_stream_unpacker()->open(in, u->sink);
  return u;
}

bool has_diag(const MemorySink& s, std::string_view needle) {
  return std::any_of(s.diags.begin(), s.diags.end(),
                     [&](const auto& d) { return d.message.find(needle) != std::string::npos; });
}

// Compresses `data` with a shell pipeline `cmd` (reads data.bin, writes out.bin).
std::string tool_compress(const TempDir& dir, const std::string& data, const std::string& cmd) {
  write_file(dir / "data.bin", data);
  EXPECT_EQ(run("cd '" + dir.str() + "' && " + cmd), 0) << cmd;
  return read_file(dir / "out.bin");
}

struct Case {
  const char* tool;
  const char* cmd;
  Kind kind;
  const char* name;
  const char* child;
};

TEST(Stream, EveryFormatRoundTripsThroughItsTool) {
  const Case cases[] = {
      {"gzip", "gzip -n -c data.bin > out.bin", Kind::kGzip, "x.gz", "x"},
      {"bzip2", "bzip2 -c data.bin > out.bin", Kind::kBzip2, "x.tbz2", "x.tar"},
      {"xz", "xz -c data.bin > out.bin", Kind::kXz, "x.txz", "x.tar"},
      {"xz", "xz --format=lzma -c data.bin > out.bin", Kind::kLzma, "x.lzma", "x"},
      {"zstd", "zstd -q -c data.bin > out.bin", Kind::kZstd, "x.zst", "x"},
      {"lz4", "lz4 -q -c data.bin > out.bin", Kind::kLz4, "x.lz4", "x"},
      {"lz4", "lz4 -q -l -c data.bin > out.bin", Kind::kLz4, "vmlinux.bin", "decompressed"},
  };
  std::string data = sample_bytes(300'000);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.cmd);
    if (!test::have_tool(c.tool)) GTEST_SKIP() << "tool not installed: " << c.tool;
    TempDir dir;
    std::string packed = tool_compress(dir, data, c.cmd);
    auto u = unpack(packed, c.kind, c.name);
    ASSERT_TRUE(u->status.ok()) << u->status.error().message;
    ASSERT_EQ(u->sink.members.size(), 1u);
    EXPECT_EQ(u->sink.members[0].meta.path, c.child);
    EXPECT_EQ(u->sink.members[0].data(), data);
    EXPECT_TRUE(u->sink.diags.empty()) << u->sink.diags[0].message;
  }
}

TEST(Stream, ZlibStream) {
  std::string data = sample_bytes(100'000);
  uLongf n = compressBound(data.size());
  std::string packed(n, '\0');
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(packed.data()), &n,
                      reinterpret_cast<const Bytef*>(data.data()), data.size(), 6),
            Z_OK);
  packed.resize(n);
  auto u = unpack(packed, Kind::kZlib, "blob.zlib");
  ASSERT_TRUE(u->status.ok());
  ASSERT_EQ(u->sink.members.size(), 1u);
  EXPECT_EQ(u->sink.members[0].meta.path, "blob");
  EXPECT_EQ(u->sink.members[0].data(), data);
}

TEST(Stream, GzipNameComesFromFnameAndIsABasename) {
  ASSAY_REQUIRE_TOOL("gzip");
  TempDir dir;
  write_file(dir / "payload.txt", "hello\n");
  ASSERT_EQ(run("cd '" + dir.str() + "' && gzip -c payload.txt > whatever.bin"), 0);
  std::string packed = read_file(dir / "whatever.bin");
  auto u = unpack(packed, Kind::kGzip, "whatever.bin");
  ASSERT_EQ(u->sink.members.size(), 1u);
  EXPECT_EQ(u->sink.members[0].meta.path, "payload.txt");
  // A hostile FNAME with directories keeps only its last component.
  std::string hostile = packed;
  std::size_t at = hostile.find("payload.txt");
  ASSERT_NE(at, std::string::npos);
  hostile.replace(at, 11, "../../a/b.x");
  // The header CRC is not set by gzip, so editing the name keeps the stream valid.
  auto h = unpack(hostile, Kind::kGzip, "whatever.bin");
  ASSERT_EQ(h->sink.members.size(), 1u);
  EXPECT_EQ(h->sink.members[0].meta.path, "b.x");
  EXPECT_EQ(h->sink.members[0].data(), "hello\n");
}

TEST(Stream, ConcatenatedStreamsAreOneChild) {
  const Case cases[] = {
      {"gzip", "gzip -c data.bin > out.bin && gzip -c data.bin >> out.bin", Kind::kGzip, "a.gz", ""},
      {"bzip2", "bzip2 -c data.bin > out.bin && bzip2 -c data.bin >> out.bin", Kind::kBzip2, "a.bz2", ""},
      {"xz", "xz -c data.bin > out.bin && xz -c data.bin >> out.bin", Kind::kXz, "a.xz", ""},
      {"zstd", "zstd -q -c data.bin > out.bin && zstd -q -c data.bin >> out.bin", Kind::kZstd, "a.zst", ""},
      {"lz4", "lz4 -q -c data.bin > out.bin && lz4 -q -c data.bin >> out.bin", Kind::kLz4, "a.lz4", ""},
  };
  std::string data = sample_bytes(70'000, 7);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.cmd);
    TempDir dir;
    std::string packed = tool_compress(dir, data, c.cmd);
    auto u = unpack(packed, c.kind, c.name);
    ASSERT_EQ(u->sink.members.size(), 1u);
    EXPECT_EQ(u->sink.members[0].data(), data + data);
    EXPECT_TRUE(u->sink.diags.empty());
  }
}

TEST(Stream, TruncatedStreamKeepsPartialOutput) {
  const Case cases[] = {
      {"gzip", "gzip -c data.bin > out.bin", Kind::kGzip, "t.gz", ""},
      {"bzip2", "bzip2 -1 -c data.bin > out.bin", Kind::kBzip2, "t.bz2", ""},
      {"xz", "xz -c data.bin > out.bin", Kind::kXz, "t.xz", ""},
      {"zstd", "zstd -q -c data.bin > out.bin", Kind::kZstd, "t.zst", ""},
      {"lz4", "lz4 -q -B4 -c data.bin > out.bin", Kind::kLz4, "t.lz4", ""},
  };
  std::string data = sample_bytes(600'000, 3);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.cmd);
    TempDir dir;
    std::string packed = tool_compress(dir, data, c.cmd);
    packed.resize(packed.size() * 3 / 4);
    auto u = unpack(packed, c.kind, c.name);
    ASSERT_EQ(u->sink.members.size(), 1u);
    std::string out = u->sink.members[0].data();
    EXPECT_GT(out.size(), 0u);
    EXPECT_LT(out.size(), data.size());
    EXPECT_EQ(out, data.substr(0, out.size()));
    EXPECT_TRUE(has_diag(u->sink, "truncated")) << (u->sink.diags.empty() ? "" : u->sink.diags[0].message);
  }
}

TEST(Stream, TrailingGarbageIsDiagnosedWithItsOffset) {
  ASSAY_REQUIRE_TOOL("gzip");
  TempDir dir;
  std::string data = sample_bytes(10'000);
  std::string packed = tool_compress(dir, data, "gzip -c data.bin > out.bin");
  std::size_t gz_size = packed.size();
  packed += "this is not gzip, it is a trailer";
  auto u = unpack(packed, Kind::kGzip, "g.gz");
  ASSERT_EQ(u->sink.members.size(), 1u);
  EXPECT_EQ(u->sink.members[0].data(), data);
  ASSERT_EQ(u->sink.diags.size(), 1u);
  EXPECT_EQ(u->sink.diags[0].offset, gz_size);
  EXPECT_NE(u->sink.diags[0].message.find("trailing"), std::string::npos);
}

// Gzip of `data` (level 9), in process.
std::string gzip_in_process(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// A valid gzip of 1 GiB of zeros (~1 MB, deflate's ~1000:1 maximum), built in well under a
// second: with run-length matching and a sync flush after each 1 MiB chunk, every chunk after
// the first deflates to the same byte-aligned blocks, so those are repeated instead of
// recomputed. The trailer's CRC is combined from the chunk's CRC.
std::string gzip_of_a_gib_of_zeros() {
  constexpr std::size_t kChunkSize = 1 << 20;
  constexpr int kChunks = 1024;
  std::vector<std::uint8_t> zeros(kChunkSize, 0);
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_RLE), Z_OK);
  auto step = [&](std::size_t n, int flush) {
    std::string out(deflateBound(&zs, n) + 64, '\0');
    zs.next_in = zeros.data();
    zs.avail_in = static_cast<uInt>(n);
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, flush);
    EXPECT_EQ(zs.avail_in, 0u);
    out.resize(out.size() - zs.avail_out);
    return out;
  };
  std::string first = step(kChunkSize, Z_SYNC_FLUSH);
  std::string repeat = step(kChunkSize, Z_SYNC_FLUSH);
  EXPECT_EQ(step(kChunkSize, Z_SYNC_FLUSH), repeat);  // the premise of the shortcut
  std::string last = step(0, Z_FINISH);
  deflateEnd(&zs);
  std::string gz("\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03", 10);
  gz += first;
  for (int i = 1; i < kChunks; ++i) gz += repeat;
  gz += last;
  uLong chunk_crc = crc32(0, zeros.data(), kChunkSize);
  uLong crc = chunk_crc;
  for (int i = 1; i < kChunks; ++i) crc = crc32_combine(crc, chunk_crc, kChunkSize);
  std::uint32_t trailer[2] = {static_cast<std::uint32_t>(crc),
                              static_cast<std::uint32_t>((std::uint64_t{kChunkSize} * kChunks) &
                                                         0xFFFFFFFFu)};
  gz.append(reinterpret_cast<const char*>(trailer), sizeof(trailer));  // little-endian host
  return gz;
}

TEST(Stream, GzipBombTripsTheRatioLimitAndNestedBombToo) {
  // 1 GiB of zeros compresses to ~1 MB; the lowered limits stop it after ~20 MB of output.
  Limits limits;
  limits.max_ratio = 20;
  limits.ratio_floor_bytes = 4 << 20;
  std::string bomb = gzip_of_a_gib_of_zeros();
  ASSERT_LT(bomb.size(), 2u << 20);
  auto u = unpack(bomb, Kind::kGzip, "bomb.gz", limits);
  ASSERT_TRUE(u->status.ok());
  ASSERT_EQ(u->sink.members.size(), 1u);
  EXPECT_TRUE(has_diag(u->sink, "max_ratio")) << (u->sink.diags.empty() ? "" : u->sink.diags[0].message);
  EXPECT_LT(u->sink.members[0].content.size, 64ull << 20);

  // The outer layer of a gzip-of-gzip is small and fine; its child trips the limit.
  std::string nested = gzip_in_process(bomb);
  auto outer = unpack(nested, Kind::kGzip, "bomb.gz.gz", limits);
  ASSERT_EQ(outer->sink.members.size(), 1u);
  EXPECT_FALSE(has_diag(outer->sink, "max_ratio"));
  EXPECT_EQ(outer->sink.members[0].meta.path, "bomb.gz");
  EXPECT_EQ(outer->sink.members[0].data(), bomb);
  auto inner = unpack(outer->sink.members[0].data(), Kind::kGzip, "bomb.gz", limits);
  EXPECT_TRUE(has_diag(inner->sink, "max_ratio"));
}

TEST(Stream, GarbageIsAnErrorNotACrash) {
  std::string junk = "\x1f\x8b\x08\x00garbagegarbagegarbage";
  for (Kind k : {Kind::kGzip, Kind::kBzip2, Kind::kXz, Kind::kLzma, Kind::kZstd, Kind::kLz4,
                 Kind::kZlib}) {
    auto u = unpack(junk, k, "junk");
    EXPECT_FALSE(u->status.ok()) << kind_name(k);
    EXPECT_TRUE(u->sink.members.empty());
  }
}

TEST(Stream, ProbesMeasureAStreamFollowedByOtherData) {
  struct P {
    const char* tool;
    const char* cmd;
    ProbeFn probe;
    Kind kind;
  };
  const P cases[] = {
      {"gzip", "gzip -c data.bin > out.bin", probe_gzip, Kind::kGzip},
      {"bzip2", "bzip2 -c data.bin > out.bin", probe_bzip2, Kind::kBzip2},
      {"xz", "xz -c data.bin > out.bin", probe_xz, Kind::kXz},
      {"xz", "xz --format=lzma -c data.bin > out.bin", probe_lzma, Kind::kLzma},
      {"zstd", "zstd -q -c data.bin > out.bin", probe_zstd, Kind::kZstd},
      {"lz4", "lz4 -q -c data.bin > out.bin", probe_lz4, Kind::kLz4},
      {"lz4", "lz4 -q -l -c data.bin > out.bin", probe_lz4, Kind::kLz4},
  };
  std::string data = sample_bytes(150'000, 5);
  std::string tail = sample_bytes(4096, 99);  // random-ish bytes after the stream
  for (const P& c : cases) {
    SCOPED_TRACE(c.cmd);
    TempDir dir;
    std::string packed = tool_compress(dir, data, c.cmd);
    std::string blob = packed + tail;
    auto r = c.probe(as_bytes(blob));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->kind, c.kind);
    EXPECT_EQ(r->length, packed.size());
    // The header alone with garbage behind it is not a stream.
    std::string fake = packed.substr(0, 16) + tail;
    EXPECT_FALSE(c.probe(as_bytes(fake)).has_value());
  }
}

TEST(Stream, ProbeLzmaFindsTheDlinkWebStreams) {
  ASSAY_REQUIRE_CORPUS();
  std::string img = read_file(test::corpus_dir() / "firmware/DIR-612_B1_FW214TCb01.img");
  ASSERT_GT(img.size(), 0x24209u);
  ByteView all = as_bytes(img);
  // binwalk: LZMA streams at 0x46 and 0x18B0, properties 0x5D, dictionary 8 MiB.
  auto first = probe_lzma(all.subspan(0x46));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->kind, Kind::kLzma);
  std::uint64_t end = 0x46 + first->length;
  EXPECT_LE(end, 0x18B0u);
  EXPECT_GT(end, 0x18B0u - 64);
  auto second = probe_lzma(all.subspan(0x18B0));
  ASSERT_TRUE(second.has_value());
  // Every stream binwalk lists is accepted, and each ends before the next begins.
  const std::uint64_t starts[] = {0x46,    0x18B0,  0x2BC8,  0x4979,  0x67BD,  0x848F,
                                  0xA3BF,  0xC0D9,  0xDC90,  0xF6B8,  0x10FD0, 0x12B18,
                                  0x145F2, 0x16325, 0x17C90, 0x19487, 0x1B006, 0x1CCE5,
                                  0x1E7B0, 0x1FE85, 0x214E1, 0x22C4A, 0x24209};
  for (std::size_t i = 0; i < std::size(starts); ++i) {
    auto r = probe_lzma(all.subspan(starts[i]));
    ASSERT_TRUE(r.has_value()) << std::hex << starts[i];
    if (i + 1 < std::size(starts)) {
      EXPECT_LE(starts[i] + r->length, starts[i + 1]);
    }
  }
  // Decoded through the unpacker, the first stream gives binwalk's uncompressed size.
  auto u = unpack(img.substr(0x46, first->length), Kind::kLzma, "46.lzma");
  ASSERT_EQ(u->sink.members.size(), 1u);
  EXPECT_EQ(u->sink.members[0].content.size, 32746u);
  // A position one byte off is rejected.
  EXPECT_FALSE(probe_lzma(all.subspan(0x47)).has_value());
}

}  // namespace
}  // namespace assay::unpack
