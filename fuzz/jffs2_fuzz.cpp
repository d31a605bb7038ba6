// Fuzz target: the jffs2 probe and unpacker over arbitrary bytes (see fuzz_unpacker.hpp).
#include <cstddef>
#include <cstdint>

#include "fuzz_unpacker.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay::unpack;
  return assay::fuzz::fuzz_unpacker(data, size, probe_jffs2, make_jffs2_unpacker(), assay::Kind::kJffs2,
                                    assay::fuzz::kFileSystemLimits);
}
