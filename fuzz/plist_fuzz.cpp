// Fuzz target: plist wrapper (binary and XML through libplist, after our own depth and expansion
// checks) + JSON dump.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "formats/plist/plist.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = assay::plist::parse_plist(assay::ByteView(data, size));
  if (p.ok()) (void)p->dump();
  return 0;
}
