// Fuzz target: the trx probe and unpacker over arbitrary bytes (see fuzz_unpacker.hpp).
#include <cstddef>
#include <cstdint>

#include "fuzz_unpacker.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay::unpack;
  return assay::fuzz::fuzz_unpacker(data, size, probe_trx, make_trx_unpacker(), assay::Kind::kTrx);
}
