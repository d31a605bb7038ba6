// Fuzz target: resources.arsc parsing and lookups (resolve and name) over a spread of resource
// ids, including ids taken from the input itself so that real entries are reached.
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "formats/arsc/arsc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay;
  ByteView in(data, size);
  auto t = arsc::ResourceTable::parse(in);
  if (!t) return 0;
  volatile std::size_t sink = t->entry_count();
  for (std::uint32_t type = 1; type <= 16; ++type)
    for (std::uint32_t e = 0; e < 16; ++e) {
      std::uint32_t id = 0x7f000000u | (type << 16) | e;
      if (auto v = t->resolve(id)) sink = sink + v->text().size();
      if (auto n = t->name(id)) sink = sink + n->size();
    }
  for (std::size_t off = 0; off + 4 <= size && off < 4096; off += 4) {
    std::uint32_t id = *load_le<std::uint32_t>(in, off);
    if (auto v = t->resolve(id)) sink = sink + v->text().size();
    if (auto n = t->name(id)) sink = sink + n->size();
  }
  (void)sink;
  return 0;
}
