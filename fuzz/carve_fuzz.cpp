// Fuzz target: identification and carving over arbitrary bytes. Carving runs every format's probe
// on every signature hit, so this target also exercises all probes on hostile data.
#include <cstddef>
#include <cstdint>

#include "formats/identify/identify.hpp"
#include "unpack/memory_sink.hpp"
#include "unpack/unpackers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Content c = unpack::content_from(bytes);
  Kind k = identify(c.view(), "fuzz.bin");
  (void)kind_name(k);
  Limits l;
  l.max_file_bytes = 64ull << 20;
  l.max_total_bytes = 256ull << 20;
  unpack::MemorySink sink(c, l);
  auto carver = unpack::make_carve_unpacker();
  unpack::UnpackInput in{c.view(), Kind::kUnknown, "fuzz.bin"};
  (void)carver->open(in, sink);
  std::uint64_t total = 0;
  for (const auto& m : sink.members) total += m.content.view().size();
  return total == ~std::uint64_t{0} ? 1 : 0;
}
