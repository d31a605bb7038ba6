// Fuzz target: the hand-written archive probes (zip, 7z, tar, cpio) and the libarchive unpacker
// over arbitrary bytes. The first byte picks the kind libarchive is asked to read (see
// fuzz_unpacker.hpp).
#include <cstddef>
#include <cstdint>
#include <iterator>

#include "fuzz_unpacker.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay;
  using namespace assay::unpack;
  if (size == 0) return 0;
  static constexpr Kind kKinds[] = {Kind::kZip, Kind::kAndroidApk, Kind::kTar,      Kind::kCpio,
                                    Kind::kAr,  Kind::kRpm,        Kind::kSevenZip, Kind::kIso9660};
  Kind kind = kKinds[data[0] % std::size(kKinds)];
  ByteView input(data + 1, size - 1);
  volatile std::uint64_t probed = fuzz::check_probes(input, {probe_zip, probe_7z, probe_tar, probe_cpio});
  (void)probed;
  return fuzz::fuzz_unpacker(input.data(), input.size(), nullptr, make_archive_unpacker(), kind,
                             {.max_file_bytes = 64ull << 20,
                              .max_total_bytes = 128ull << 20,
                              .max_memory_bytes = Limits{}.max_memory_bytes,
                              .ratio_floor_bytes = 1ull << 20});
}
