#pragma once
// ContentWriter: collects the bytes an unpacker produces for one file. Small content stays in
// memory while the scan's memory budget allows; the rest spills to a file in the scratch area that
// is then mapped. Every write is charged to the Budget (total bytes, per-file bytes), so a bomb
// trips a limit instead of exhausting memory or disk.

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "assay/result.hpp"
#include "core/budget.hpp"
#include "io/blob.hpp"
#include "io/scratch.hpp"

namespace assay {

class ContentWriter {
 public:
  /// `input_bytes`: the compressed size this content comes from (for the ratio limit; 0 = none).
  ContentWriter(Budget& budget, Scratch* scratch, std::uint64_t input_bytes = 0);
  ~ContentWriter();
  ContentWriter(ContentWriter&&) noexcept;
  ContentWriter& operator=(ContentWriter&&) = delete;
  ContentWriter(const ContentWriter&) = delete;

  /// Appends bytes. Fails with kLimit when a limit trips (the content so far stays valid).
  Status write(ByteView data);
  /// Appends `n` zero bytes (sparse regions, holes).
  Status write_zeros(std::uint64_t n);
  std::uint64_t size() const noexcept { return size_; }
  /// Updates the compressed-input size used for the ratio check.
  void set_input_bytes(std::uint64_t n) noexcept { input_bytes_ = n; }
  /// Every limit or I/O error this writer hits is also appended to `*observer` (the engine's sink
  /// uses it so that a limit becomes a finding even when an unpacker handles the error quietly).
  void set_observer(std::vector<Error>* observer) noexcept { observer_ = observer; }
  /// Finishes and returns the content (memory or mapped scratch file).
  Result<Content> finish();

 private:
  Status spill();
  Status write_impl(ByteView data);
  Status grow_to_region();
  void drop_region() noexcept;

  Budget* budget_;
  Scratch* scratch_;
  std::uint64_t input_bytes_;
  std::uint64_t size_ = 0;
  std::uint64_t reserved_ = 0;
  std::vector<std::uint8_t> mem_;
  // Large in-memory content lives in an anonymous mapping instead of mem_ (see the .cpp): it grows
  // in place, so bytes are never copied by a reallocation and pages come in as huge pages.
  std::uint8_t* region_ = nullptr;
  std::size_t region_len_ = 0;
  std::FILE* file_ = nullptr;
  std::string file_path_;
  bool failed_ = false;
  std::vector<Error>* observer_ = nullptr;
};

}  // namespace assay
