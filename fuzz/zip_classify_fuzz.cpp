// Fuzz target: the zip classifier and central-directory reader over arbitrary bytes, plus a
// differential check: every directory entry's local header offset the reader reports must lie
// inside the data or be flagged by the caller (here: touched only when in bounds).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formats/zip/zip_classify.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay;
  ByteView input(data, size);
  volatile std::uint64_t sum = 0;
  sum = sum + static_cast<std::uint64_t>(zip::classify_zip(input));
  if (auto eocd = zip::find_eocd(input)) {
    if (eocd->end_offset > size || eocd->cd_offset > size) __builtin_trap();
    bool complete = false;
    auto entries = zip::read_central_directory(input, *eocd, 10'000, &complete);
    for (const auto& e : entries) {
      sum = sum + e.name.size() + e.compressed_size;
      if (auto b = load_le<std::uint32_t>(input, e.local_offset)) sum = sum + *b;
    }
    sum = sum + complete;
  }
  return 0;
}
