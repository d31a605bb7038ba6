// Fuzz target: Mach-O (thin and fat) parser + JSON dump + per-slice hardening judge.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "analyzers/hardening/pe_macho_hardening.hpp"
#include "formats/macho/macho.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto m = assay::macho::parse_macho(assay::ByteView(data, size));
  if (m.ok()) {
    (void)assay::macho::to_json(*m).dump();
    for (const auto& h : assay::hardening::judge_macho(*m)) (void)assay::hardening::to_json(h).dump();
  }
  return 0;
}
