// Fuzz target: the squashfs probe and unpacker (libsquashfs for 4.0, the hand-written reader for
// 1.x-3.x and the vendor LZMA variants) over arbitrary bytes, with a MemorySink under tight
// limits; every member's bytes are touched so that a bad slice or buffer shows up under ASan.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "unpack/memory_sink.hpp"
#include "unpack/unpackers.hpp"

namespace {
std::uint64_t touch(assay::ByteView v) {
  std::uint64_t sum = 0;
  for (std::uint8_t b : v) sum += b;
  return sum;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay;
  using namespace assay::unpack;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ByteView input = as_bytes(bytes);
  volatile std::uint64_t sink_sum = 0;
  if (auto p = probe_squashfs(input)) {
    if (p->length > size) __builtin_trap();  // a probe must stay inside its data
  }
  Limits limits;
  limits.max_file_bytes = 64ull << 20;
  limits.max_total_bytes = 256ull << 20;
  limits.max_memory_bytes = 256ull << 20;
  Content parent = content_from(bytes);
  MemorySink sink(parent, limits);
  sink.max_members = 4096;
  auto unpacker = make_squashfs_unpacker();
  Status st = unpacker->open(UnpackInput{parent.view(), Kind::kSquashfs, "fuzz"}, sink);
  if (!st) sink_sum = sink_sum + st.error().message.size();
  for (const auto& m : sink.members)
    sink_sum = sink_sum + touch(m.content.view()) + m.meta.path.size() + m.meta.link_target.size();
  for (const auto& d : sink.diags) sink_sum = sink_sum + d.message.size();
  return 0;
}
