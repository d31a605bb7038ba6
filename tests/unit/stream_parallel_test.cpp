// Block-parallel bzip2 (src/unpack/stream.cpp): for every input the output, the diagnostics and
// the status must be exactly those of the serial decoder, whatever the thread count. Fixtures are
// made with the real bzip2; damaged variants check the fallback to the serial decoder.
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

// Text mixed with random bytes: several 100 kB blocks at `bzip2 -1`, and more than the 256 KiB of
// input below which the parallel path is not tried.
std::string sample_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s;
  s.reserve(n);
  while (s.size() < n) {
    s += "record " + std::to_string(s.size()) + " of the parallel sample\n";
    for (int i = 0; i < 24 && s.size() < n; ++i) s.push_back(static_cast<char>(rng() & 0xFF));
  }
  s.resize(n);
  return s;
}

struct Outcome {
  bool ok = false;
  std::string error;
  std::vector<std::string> data;
  std::vector<std::string> diags;
};

Outcome decode(const std::string& bytes, unsigned threads) {
  Content parent = content_from(bytes);
  MemorySink sink(parent, Limits{});
  UnpackInput in{parent.view(), Kind::kBzip2, "x.bz2"};
  in.threads = threads;
  Status st = make_stream_unpacker()->open(in, sink);
  Outcome o;
  o.ok = st.ok();
  if (!st) o.error = st.error().message;
  for (const auto& m : sink.members) o.data.push_back(m.data());
  for (const auto& d : sink.diags) o.diags.push_back(d.message);
  return o;
}

void expect_same(const Outcome& serial, const Outcome& parallel) {
  EXPECT_EQ(serial.ok, parallel.ok);
  EXPECT_EQ(serial.error, parallel.error);
  EXPECT_EQ(serial.diags, parallel.diags);
  ASSERT_EQ(serial.data.size(), parallel.data.size());
  for (std::size_t i = 0; i < serial.data.size(); ++i) {
    EXPECT_EQ(serial.data[i].size(), parallel.data[i].size());
    EXPECT_TRUE(serial.data[i] == parallel.data[i]) << "member " << i << " differs";
  }
}

std::string compress(const TempDir& dir, const std::string& data, const std::string& cmd) {
  write_file(dir / "data.bin", data);
  EXPECT_EQ(run("cd '" + dir.str() + "' && " + cmd), 0) << cmd;
  return read_file(dir / "out.bin");
}

TEST(StreamParallel, MultiBlockStreamDecodesLikeTheSerialDecoder) {
  ASSAY_REQUIRE_TOOL("bzip2");
  TempDir dir;
  std::string data = sample_bytes(900'000, 11);
  std::string packed = compress(dir, data, "bzip2 -1 -c data.bin > out.bin");
  ASSERT_GT(packed.size(), 256u << 10);
  Outcome serial = decode(packed, 1);
  ASSERT_TRUE(serial.ok) << serial.error;
  ASSERT_EQ(serial.data.size(), 1u);
  EXPECT_TRUE(serial.data[0] == data);
  for (unsigned threads : {2u, 3u, 8u}) {
    SCOPED_TRACE(threads);
    expect_same(serial, decode(packed, threads));
  }
}

TEST(StreamParallel, ConcatenatedAndTrailingDataMatchSerial) {
  ASSAY_REQUIRE_TOOL("bzip2");
  TempDir dir;
  std::string data = sample_bytes(700'000, 12);
  std::string packed = compress(dir, data, "bzip2 -1 -c data.bin > out.bin && bzip2 -2 -c data.bin >> out.bin");
  expect_same(decode(packed, 1), decode(packed, 2));
  Outcome two = decode(packed, 2);
  ASSERT_EQ(two.data.size(), 1u);
  EXPECT_TRUE(two.data[0] == data + data);
  std::string trailing = packed + "not a stream at all";
  Outcome t = decode(trailing, 2);
  EXPECT_FALSE(t.diags.empty());
  expect_same(decode(trailing, 1), t);
}

// A damaged block, a damaged block header (CRC field), a cut stream: the parallel path must give
// up and the serial decoder decide, so the results stay identical, partial output included.
TEST(StreamParallel, DamagedStreamsFallBackToTheSerialDecoder) {
  ASSAY_REQUIRE_TOOL("bzip2");
  TempDir dir;
  std::string data = sample_bytes(900'000, 13);
  std::string packed = compress(dir, data, "bzip2 -1 -c data.bin > out.bin");
  std::vector<std::string> variants;
  for (double where : {0.1, 0.55, 0.9}) {
    std::string v = packed;
    v[static_cast<std::size_t>(v.size() * where)] ^= 0x20;
    variants.push_back(v);
  }
  {
    std::string v = packed;
    v[4 + 6 + 1] ^= 0x01;  // first block's CRC: the combined CRC no longer agrees
    variants.push_back(v);
  }
  variants.push_back(packed.substr(0, packed.size() * 2 / 3));
  variants.push_back(packed.substr(0, packed.size() - 3));  // end marker cut
  for (std::size_t i = 0; i < variants.size(); ++i) {
    SCOPED_TRACE(i);
    Outcome serial = decode(variants[i], 1);
    Outcome parallel = decode(variants[i], 2);
    // libbz2 emits a block's bytes before it checks the block's CRC, so a damaged block leaves
    // some wrong bytes in the serial output too: identical, not correct, is the contract here.
    expect_same(serial, parallel);
    EXPECT_FALSE(serial.diags.empty() && serial.ok);
  }
}

// Blocks whose output is large (runs of one byte expand ~50x through bzip2's first RLE) pass the
// per-block buffer cap of the parallel path; the result must still be the same.
TEST(StreamParallel, HighlyCompressibleBlocksMatchSerial) {
  ASSAY_REQUIRE_TOOL("bzip2");
  TempDir dir;
  std::string data = sample_bytes(600'000, 14) + std::string(20u << 20, '\0') + sample_bytes(600'000, 15);
  std::string packed = compress(dir, data, "bzip2 -9 -c data.bin > out.bin");
  Outcome serial = decode(packed, 1);
  ASSERT_EQ(serial.data.size(), 1u);
  EXPECT_EQ(serial.data[0].size(), data.size());
  expect_same(serial, decode(packed, 2));
}

}  // namespace
}  // namespace assay::unpack
