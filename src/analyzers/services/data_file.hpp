#pragma once
// Reads a rule data file like load_data_file, but finds the embedded copy by a linear scan when the
// binary search of embedded_file() misses it: cmake/embed.cmake sorts each embedded directory on
// its own (rules/ then policies/), so the embedded table is not sorted as a whole and lower_bound
// can miss late rules/ entries. Remove once the table is sorted globally.

#include <string>
#include <string_view>

#include "core/embedded.hpp"

namespace assay::analyzers {

inline Result<std::string> load_rule_data(std::string_view path, const std::string& override_dir) {
  auto r = load_data_file(path, override_dir);
  if (r.ok() || !override_dir.empty()) return r;
  for (const auto& f : embedded_files())
    if (f.path == path) return std::string(f.data);
  return r;
}

}  // namespace assay::analyzers
