// Fuzz target: the hand-written archive probes (zip, 7z, tar, cpio) and the libarchive unpacker
// over arbitrary bytes. The first byte picks the kind libarchive is asked to read.
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
  if (size == 0) return 0;
  static constexpr Kind kKinds[] = {Kind::kZip, Kind::kAndroidApk, Kind::kTar,
                                    Kind::kCpio, Kind::kAr,         Kind::kRpm,
                                    Kind::kSevenZip, Kind::kIso9660};
  Kind kind = kKinds[data[0] % std::size(kKinds)];
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  ByteView input = as_bytes(bytes);
  volatile std::uint64_t sink_sum = 0;
  for (ProbeFn probe : {probe_zip, probe_7z, probe_tar, probe_cpio}) {
    if (auto p = probe(input)) {
      if (p->length > input.size() || p->length == 0) __builtin_trap();
      sink_sum = sink_sum + p->length;
    }
  }
  Limits limits;
  limits.max_file_bytes = 64ull << 20;
  limits.max_total_bytes = 128ull << 20;
  limits.ratio_floor_bytes = 1ull << 20;
  Content parent = content_from(bytes);
  MemorySink sink(parent, limits);
  sink.max_members = 4096;
  Status st = make_archive_unpacker()->open(UnpackInput{parent.view(), kind, "fuzz"}, sink);
  if (!st) sink_sum = sink_sum + st.error().message.size();
  for (const auto& m : sink.members)
    sink_sum = sink_sum + touch(m.content.view()) + m.meta.path.size();
  for (const auto& d : sink.diags) sink_sum = sink_sum + d.message.size();
  return 0;
}
