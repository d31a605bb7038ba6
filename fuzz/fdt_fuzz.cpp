// Fuzz target: the fdt scanner, probe and unpacker over arbitrary bytes (see fuzz_unpacker.hpp).
#include <cstddef>
#include <cstdint>

#include "fuzz_unpacker.hpp"
#include "unpack/fdt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay;
  using namespace assay::unpack;
  ByteView input(data, size);
  volatile std::uint64_t sink_sum = 0;
  if (auto s = scan_fdt(input)) {
    for (const auto& img : s->images) sink_sum = sink_sum + img.offset + img.size + img.name.size();
    sink_sum = sink_sum + s->problems.size() + fdt_is_fit(input);
  }
  return fuzz::fuzz_unpacker(data, size, probe_fdt, make_fdt_unpacker(), Kind::kFit);
}
