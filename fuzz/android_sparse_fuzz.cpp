// Fuzz target: the android_sparse probe and unpacker over arbitrary bytes (see fuzz_unpacker.hpp).
#include <cstddef>
#include <cstdint>

#include "fuzz_unpacker.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay::unpack;
  return assay::fuzz::fuzz_unpacker(data, size, probe_android_sparse, make_android_sparse_unpacker(),
                                    assay::Kind::kAndroidSparse, {.max_file_bytes = 4ull << 20});
}
