// Fuzz target: the compressed-stream probes and the stream unpacker over arbitrary bytes. The
// first byte picks the kind the unpacker is told (the rest is the stream), so one corpus covers
// every decoder; tight limits keep a bomb-shaped input fast (see fuzz_unpacker.hpp).
#include <cstddef>
#include <cstdint>
#include <iterator>

#include "fuzz_unpacker.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay;
  using namespace assay::unpack;
  if (size == 0) return 0;
  static constexpr Kind kKinds[] = {Kind::kGzip, Kind::kBzip2, Kind::kXz,  Kind::kLzma,
                                    Kind::kZstd, Kind::kLz4,   Kind::kZlib};
  Kind kind = kKinds[data[0] % std::size(kKinds)];
  ByteView input(data + 1, size - 1);
  volatile std::uint64_t probed =
      fuzz::check_probes(input, {probe_gzip, probe_bzip2, probe_xz, probe_lzma, probe_zstd, probe_lz4});
  (void)probed;
  return fuzz::fuzz_unpacker(input.data(), input.size(), nullptr, make_stream_unpacker(), kind,
                             {.max_file_bytes = 64ull << 20,
                              .max_total_bytes = 128ull << 20,
                              .max_memory_bytes = Limits{}.max_memory_bytes,
                              .max_ratio = 1000,
                              .ratio_floor_bytes = 1ull << 20},
                             "fuzz.gz");
}
