#pragma once
// The short human summary printed by `assay scan` (text format).

#include <string>

#include "assay/assessment.hpp"

namespace assay::report {

struct TextOptions {
  bool color = false;
  std::size_t max_findings = 25;  ///< findings listed before "... and N more"
};

std::string render_text(const Assessment& a, const TextOptions& opts = {});

}  // namespace assay::report
