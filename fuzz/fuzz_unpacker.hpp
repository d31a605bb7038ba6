#pragma once
// The body every unpacker fuzz target shares: probe the input, unpack it into a MemorySink under
// tight limits, then touch every member's bytes and every diagnostic so that a bad slice or a
// dangling buffer shows up under ASan.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string_view>

#include "unpack/memory_sink.hpp"
#include "unpack/unpackers.hpp"

namespace assay::fuzz {

/// Limits of one fuzz run. The defaults keep expansion (sparse images, volume assembly,
/// decompression) fast per input.
struct FuzzLimits {
  std::uint64_t max_file_bytes = 16ull << 20;
  std::uint64_t max_total_bytes = 128ull << 20;
  std::size_t max_members = 4096;
  std::uint64_t max_memory_bytes = 256ull << 20;
  std::uint64_t max_ratio = Limits{}.max_ratio;
  std::uint64_t ratio_floor_bytes = Limits{}.ratio_floor_bytes;
  std::uint64_t deadline_seconds = Limits{}.deadline_seconds;
};

/// The file system targets (cramfs, ext, jffs2): whole trees of up to 64 MiB files, with a
/// deadline so that a pathological image ends the run instead of hanging it.
inline constexpr FuzzLimits kFileSystemLimits{.max_file_bytes = 64ull << 20,
                                              .max_total_bytes = 256ull << 20,
                                              .max_members = 100'000,
                                              .deadline_seconds = 20};

/// Adds every byte of `v`, so that each one is read.
inline std::uint64_t touch(ByteView v) {
  std::uint64_t sum = 0;
  for (std::uint8_t b : v) sum += b;
  return sum;
}

/// Runs each probe over `input`; traps when one claims no byte or more bytes than there are.
/// Returns the sum of the lengths found.
inline std::uint64_t check_probes(ByteView input, std::initializer_list<unpack::ProbeFn> probes) {
  std::uint64_t sum = 0;
  for (unpack::ProbeFn probe : probes) {
    if (auto p = probe(input)) {
      if (p->length > input.size() || p->length == 0) __builtin_trap();
      sum += p->length;
    }
  }
  return sum;
}

/// Runs `probe` (may be nullptr) and `unpacker` over `data`, told it is a `kind` named `name`.
/// Traps when the probe claims more bytes than there are. Always returns 0.
inline int fuzz_unpacker(const std::uint8_t* data, std::size_t size, unpack::ProbeFn probe,
                         std::unique_ptr<unpack::Unpacker> unpacker, Kind kind, FuzzLimits fuzz_limits = {},
                         std::string_view name = "fuzz") {
  using namespace assay::unpack;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  volatile std::uint64_t sink_sum = 0;
  if (probe != nullptr) {
    if (auto p = probe(as_bytes(bytes))) {
      if (p->length > size) __builtin_trap();  // a probe must stay inside its data
    }
  }
  Limits limits;
  limits.max_file_bytes = fuzz_limits.max_file_bytes;
  limits.max_total_bytes = fuzz_limits.max_total_bytes;
  limits.max_memory_bytes = fuzz_limits.max_memory_bytes;
  limits.max_ratio = fuzz_limits.max_ratio;
  limits.ratio_floor_bytes = fuzz_limits.ratio_floor_bytes;
  limits.deadline_seconds = fuzz_limits.deadline_seconds;
  Content parent = content_from(bytes);
  MemorySink sink(parent, limits);
  sink.max_members = fuzz_limits.max_members;
  Status st = unpacker->open(UnpackInput{parent.view(), kind, name}, sink);
  if (!st) sink_sum = sink_sum + st.error().message.size();
  for (const auto& m : sink.members)
    sink_sum =
        sink_sum + touch(m.content.view()) + m.meta.path.size() + m.meta.link_target.size() + m.meta.mode;
  for (const auto& d : sink.diags) sink_sum = sink_sum + d.message.size();
  return 0;
}

}  // namespace assay::fuzz
