// Fuzz target: the compressed-stream probes and the stream unpacker over arbitrary bytes. The
// first byte picks the kind the unpacker is told (the rest is the stream), so one corpus covers
// every decoder; tight limits keep a bomb-shaped input fast. Every output byte is touched.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "unpack/memory_sink.hpp"
#include "unpack/unpackers.hpp"

namespace {
std::uint64_t touch(assay::ByteView v) {
  std::uint64_t sum = 0;
  for (std::uint8_t b : v) sum += b;
  return sum;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay;
  using namespace assay::unpack;
  if (size == 0) return 0;
  static constexpr Kind kKinds[] = {Kind::kGzip, Kind::kBzip2, Kind::kXz,  Kind::kLzma,
                                    Kind::kZstd, Kind::kLz4,   Kind::kZlib};
  Kind kind = kKinds[data[0] % std::size(kKinds)];
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  ByteView input = as_bytes(bytes);
  volatile std::uint64_t sink_sum = 0;
  for (ProbeFn probe : {probe_gzip, probe_bzip2, probe_xz, probe_lzma, probe_zstd, probe_lz4}) {
    if (auto p = probe(input)) {
      if (p->length > input.size() || p->length == 0) __builtin_trap();
      sink_sum = sink_sum + p->length;
    }
  }
  Limits limits;
  limits.max_file_bytes = 64ull << 20;
  limits.max_total_bytes = 128ull << 20;
  limits.max_ratio = 1000;
  limits.ratio_floor_bytes = 1ull << 20;
  Content parent = content_from(bytes);
  MemorySink sink(parent, limits);
  Status st = make_stream_unpacker()->open(UnpackInput{parent.view(), kind, "fuzz.gz"}, sink);
  if (!st) sink_sum = sink_sum + st.error().message.size();
  for (const auto& m : sink.members)
    sink_sum = sink_sum + touch(m.content.view()) + m.meta.path.size();
  for (const auto& d : sink.diags) sink_sum = sink_sum + d.message.size();
  return 0;
}
