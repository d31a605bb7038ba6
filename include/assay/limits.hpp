#pragma once
/// \file limits.hpp
/// Scan limits: how much a hostile product may make Assay spend. Each default suits a 2 GB
/// firmware image and a 1 GB APK; a limit that trips becomes a `coverage` finding naming it,
/// and the scan goes on with what it has.

#include <cstdint>

namespace assay {

struct Limits {
  /// Nesting of containers (file system in a compressed stream in a firmware header ...).
  /// Real products nest 5-8 deep; 32 leaves room while stopping recursive bombs.
  std::uint32_t max_depth = 32;
  /// Nodes in the tree. A large Android system image holds ~100k files.
  std::uint64_t max_nodes = 2'000'000;
  /// Bytes produced by all unpacking together (decompressed, not slices of a parent).
  std::uint64_t max_total_bytes = 32ull << 30;
  /// Bytes one unpacked file may hold.
  std::uint64_t max_file_bytes = 4ull << 30;
  /// Output/input ratio of one decompression before it counts as a bomb; only applied once the
  /// output passes `ratio_floor_bytes`, so small, very compressible files (zeros) are fine. Real
  /// data compresses below 20:1 and sparse file system images below 200:1; deflate tops out at
  /// 1032:1, so a limit near that would let a zip bomb run to its end.
  std::uint64_t max_ratio = 200;
  std::uint64_t ratio_floor_bytes = 64ull << 20;
  /// Owned, in-memory content across the whole scan; content past it spills to the scratch area.
  /// This is the engine's memory bound for unpacked data (mapped input is not counted).
  std::uint64_t max_memory_bytes = 512ull << 20;
  /// Wall-clock budget of one scan in seconds (0 = none).
  std::uint64_t deadline_seconds = 3600;
  /// Carving examines blobs up to this size (bigger blobs are carved in their first part only).
  std::uint64_t max_carve_bytes = 8ull << 30;
};

}  // namespace assay
