#pragma once
// Helpers for the file system unpacker tests: a source tree with one entry of each kind, running
// an unpacker over an image in memory, and comparing what it unpacked with the source tree.

#include <gtest/gtest.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "unpack/memory_sink.hpp"
#include "unpack/unpackers.hpp"

namespace assay::test {

/// `n` bytes of alternating 3000-byte runs of text and noise (some blocks compress, some do not),
/// the same for the same `seed`.
std::string mixed_pattern(std::size_t n, unsigned seed);

/// Writes a tree with a file of each shape (text `hello` in hello.txt, empty, `big_size` bytes of
/// mixed_pattern in big.bin, deep, zeros), an empty directory, a relative and an absolute symlink,
/// and a fifo.
void make_basic_tree(const std::filesystem::path& root, std::string_view hello, std::size_t big_size);

struct Unpacked {
  Content content;  // the image
  std::unique_ptr<unpack::MemorySink> sink;
  Status status;
};

/// Runs `unpacker` over a copy of `bytes`, told it is a `kind`.
Unpacked unpack_image(std::unique_ptr<unpack::Unpacker> unpacker, Kind kind, std::string_view bytes,
                      Limits limits = {});

/// True when a diagnostic contains `needle`.
bool has_diag(const unpack::MemorySink& sink, std::string_view needle);
/// Every diagnostic, one a line, for failure messages.
std::string all_diags(const unpack::MemorySink& sink);

/// Every entry of `root` is in the sink with the same type, content and symlink target, and the
/// sink holds nothing else (besides `extra` entries).
void expect_tree_matches(const std::filesystem::path& root, const unpack::MemorySink& sink,
                         std::size_t extra = 0);

}  // namespace assay::test
