#pragma once
// Line iteration over small text files (account databases, init scripts, configuration files),
// shared by the passwd and initsys parsers. One pass, no copies: each line is a view into `data`.

#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/bytes.hpp"

namespace assay::passwd {

/// Calls `fn(line, number, cut)` for each line (1-based numbers, "\n" or "\r\n" endings). A line
/// longer than `max_line` is passed cut to that length with `cut` set. `fn` returns false to stop.
/// Line numbers saturate at UINT32_MAX (a 4 GiB file of empty lines).
template <class Fn>
void for_each_line(ByteView data, std::size_t max_line, Fn&& fn) {
  std::string_view text = as_chars(data);
  std::uint32_t no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (no != UINT32_MAX) ++no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool cut = line.size() > max_line;
    if (cut) line = line.substr(0, max_line);
    if (!fn(line, no, cut)) return;
  }
}

}  // namespace assay::passwd
