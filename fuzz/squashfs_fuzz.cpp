// Fuzz target: the squashfs probe and unpacker (libsquashfs for 4.0, the hand-written reader for
// 1.x-3.x and the vendor LZMA variants) over arbitrary bytes (see fuzz_unpacker.hpp).
#include <cstddef>
#include <cstdint>

#include "fuzz_unpacker.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay;
  using namespace assay::unpack;
  return fuzz::fuzz_unpacker(data, size, probe_squashfs, make_squashfs_unpacker(), Kind::kSquashfs,
                             {.max_file_bytes = 64ull << 20, .max_total_bytes = 256ull << 20});
}
