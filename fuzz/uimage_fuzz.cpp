// Fuzz target: the uImage header parser, probe and unpacker over arbitrary bytes (see
// fuzz_unpacker.hpp).
#include <cstddef>
#include <cstdint>

#include "fuzz_unpacker.hpp"
#include "unpack/uimage.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay;
  using namespace assay::unpack;
  volatile std::uint64_t sink_sum = 0;
  if (auto h = parse_uimage_header(ByteView(data, size))) {
    sink_sum = sink_sum + h->name.size() + h->os_name().size() + h->arch_name().size() +
               h->type_name().size() + h->comp_name().size();
  }
  return fuzz::fuzz_unpacker(data, size, probe_uimage, make_uimage_unpacker(), Kind::kUImage);
}
