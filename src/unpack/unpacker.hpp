#pragma once
// The unpacker interface. One Unpacker per container format; it reads its parent's bytes and
// reports children to a Sink. It never touches the disk itself, never follows a link, and never
// decides where anything is written: the engine owns the tree, the scratch area and the limits.
//
// Contract for implementations (src/unpack/<format>.cpp):
//  - read through Reader / load<T>() only; clamp every count read from the input;
//  - report each member once through the Sink; a member whose bytes are a plain range of the
//    parent uses add_slice (zero copy); decompressed members go through a ContentWriter from
//    sink.writer() and then add_content;
//  - on corrupt input: report a diagnostic, keep what was recovered, go on with the next member
//    where the format allows; return an Error only when nothing more can be read;
//  - stop promptly when a Sink call returns false (limit reached or scan cancelled);
//  - poll sink.cancelled() in long loops (every few MB of output).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "assay/kind.hpp"
#include "assay/result.hpp"
#include "core/bytes.hpp"
#include "io/blob.hpp"
#include "io/content_writer.hpp"

namespace assay::unpack {

enum class EntryType { kFile, kDirectory, kSymlink, kHardlink, kCharDevice, kBlockDevice, kFifo, kSocket };

std::string_view entry_type_name(EntryType t) noexcept;

// POSIX file-type bits of a mode word, as Unix file systems and archives store them.
inline constexpr std::uint32_t kIfMt = 0170000;
inline constexpr std::uint32_t kIfSock = 0140000;
inline constexpr std::uint32_t kIfLnk = 0120000;
inline constexpr std::uint32_t kIfReg = 0100000;
inline constexpr std::uint32_t kIfBlk = 0060000;
inline constexpr std::uint32_t kIfDir = 0040000;
inline constexpr std::uint32_t kIfChr = 0020000;
inline constexpr std::uint32_t kIfIfo = 0010000;

/// True when the file-type bits of `mode` name one of the seven POSIX types.
constexpr bool is_posix_file_type(std::uint32_t mode) noexcept {
  switch (mode & kIfMt) {
    case kIfSock: case kIfLnk: case kIfReg: case kIfBlk: case kIfDir: case kIfChr: case kIfIfo: return true;
    default: return false;
  }
}

/// Metadata of one member as the container stores it.
struct EntryMeta {
  /// Member path inside the container, '/'-separated, as stored (the engine sanitizes it; pass
  /// hostile names through unchanged so the engine can report them).
  std::string path;
  EntryType type = EntryType::kFile;
  std::uint32_t mode = 0;  ///< permission bits (and setuid/setgid/sticky), 0 when unknown
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::int64_t mtime = 0;  ///< seconds since the epoch, 0 when unknown
  std::string link_target;  ///< for symlinks and hardlinks
  std::uint32_t dev_major = 0;
  std::uint32_t dev_minor = 0;
  /// Where the member starts inside the parent, when it is a range of it (carving, stored
  /// members); kNoOffset otherwise. Reported as evidence.
  std::uint64_t offset = kNoOffset;
  /// A kind the container knows better than content sniffing (a carved region's validated
  /// kind, a uImage payload's declared type); kUnknown = let identification decide.
  Kind kind_hint = Kind::kUnknown;
  static constexpr std::uint64_t kNoOffset = ~std::uint64_t{0};
};

enum class DiagLevel { kInfo, kWarning, kError };

class Sink {
 public:
  virtual ~Sink() = default;
  /// Adds a member without content (directory, link, device, fifo, socket) or an empty file.
  /// Returns false when no more members may be added (limit, cancel): stop then.
  virtual bool add(EntryMeta meta) = 0;
  /// Adds a file whose bytes are [offset, offset+size) of the parent's bytes (zero copy).
  virtual bool add_slice(EntryMeta meta, std::uint64_t offset, std::uint64_t size) = 0;
  /// A writer for a file whose bytes the unpacker produces. `input_bytes` is the compressed size
  /// it comes from (for the compression-ratio limit).
  virtual ContentWriter writer(std::uint64_t input_bytes) = 0;
  /// Adds a file with produced content (from writer().finish()).
  virtual bool add_content(EntryMeta meta, Content content) = 0;
  /// Records a problem with the container (evidence: "inode 12 points past the end").
  virtual void diagnose(DiagLevel level, std::string message,
                        std::uint64_t offset = EntryMeta::kNoOffset) = 0;
  virtual bool cancelled() const = 0;
};

/// What an unpacker is asked to open.
struct UnpackInput {
  ByteView bytes;         ///< the container's bytes
  Kind kind;              ///< its identified kind
  std::string_view name;  ///< its file name (a hint for naming a decompressed child only)
  /// The blob `bytes` lie in, when known: a long sequential pass may call blob->release() on the
  /// part it is done with, to keep the resident set small on multi-GB images.
  const Blob* blob = nullptr;
  /// Threads the unpacker may use for work that splits (bzip2 blocks); the scan's --jobs.
  unsigned threads = 1;
};

class Unpacker {
 public:
  virtual ~Unpacker() = default;
  /// Stable id ("squashfs", "libarchive", "carve").
  virtual std::string_view id() const = 0;
  virtual bool can_open(Kind kind) const = 0;
  /// Reports the children of `in` to `sink`. An Error means the container could not be read
  /// (further than what was already reported).
  virtual Status open(const UnpackInput& in, Sink& sink) const = 0;
};

/// The explicit list of unpackers, in priority order (first that can_open wins).
const std::vector<std::unique_ptr<Unpacker>>& unpackers();

/// The unpacker that opens `kind`, or nullptr.
const Unpacker* find_unpacker(Kind kind);

}  // namespace assay::unpack
