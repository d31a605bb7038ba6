// Fuzz target for the jffs2 unpacker: probe, then unpack into a MemorySink with tight limits
// and touch every member's bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "unpack/memory_sink.hpp"
#include "unpack/unpackers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay;
  using namespace assay::unpack;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  Content parent = content_from(bytes);
  (void)probe_jffs2(parent.view());

  Limits limits;
  limits.max_file_bytes = 64ull << 20;
  limits.max_total_bytes = 256ull << 20;
  limits.max_memory_bytes = 256ull << 20;
  limits.deadline_seconds = 20;
  MemorySink sink(parent, limits);
  sink.max_members = 100'000;
  auto unpacker = make_jffs2_unpacker();
  Status s = unpacker->open(UnpackInput{parent.view(), Kind::kJffs2, "fuzz.img"}, sink);
  std::uint64_t acc = s.ok() ? 0 : s.error().message.size();
  for (const auto& m : sink.members) {
    acc += m.meta.path.size() + m.meta.link_target.size() + m.meta.mode;
    ByteView v = m.content.view();
    for (std::size_t i = 0; i < v.size(); i += 4096) acc += v[i];
  }
  for (const auto& d : sink.diags) acc += d.message.size();
  return acc == 0xFFFFFFFFFFFFFFFFull ? 1 : 0;
}
