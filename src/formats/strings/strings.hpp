#pragma once
/// \file strings.hpp
/// Printable-string extraction (like `strings -a` plus `strings -el`): runs of printable ASCII
/// (0x20-0x7e and tab) and of UTF-16LE code units in that range, with their file offsets, in one
/// pass over the bytes. No allocation per byte; one std::string per string found.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"

namespace assay::strings {

struct FoundString {
  std::uint64_t offset = 0;  ///< of the first byte of the run
  bool utf16 = false;        ///< UTF-16LE run (text holds the ASCII projection)
  std::string text;
};

struct Options {
  std::size_t min_len = 4;             ///< characters, as `strings -n`
  std::size_t max_len = 4096;          ///< longer runs are cut (the rest starts a new string)
  std::size_t max_strings = 1u << 20;  ///< stop after this many (bounded output for huge blobs)
  bool utf16 = true;
};

/// Extracts strings in offset order of their end (ASCII and UTF-16 runs interleaved).
std::vector<FoundString> extract_strings(ByteView data, const Options& options);
inline std::vector<FoundString> extract_strings(ByteView data, std::size_t min_len = 4) {
  Options o;
  o.min_len = min_len;
  return extract_strings(data, o);
}

/// `s` unchanged when it is valid UTF-8; otherwise a copy with each invalid byte replaced by
/// U+FFFD. Names read from binaries go through this before they reach JSON (nlohmann::json's
/// dump() throws on invalid UTF-8).
std::string valid_utf8(std::string_view s);
/// valid_utf8 over a list.
std::vector<std::string> valid_utf8(const std::vector<std::string>& v);

}  // namespace assay::strings
