// Fuzz target: PE parser + JSON dump + hardening judge.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "analyzers/hardening/pe_macho_hardening.hpp"
#include "formats/pe/pe.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto pe = assay::pe::parse_pe(assay::ByteView(data, size));
  if (pe.ok()) {
    (void)assay::pe::to_json(*pe).dump();
    (void)assay::hardening::to_json(assay::hardening::judge_pe(*pe)).dump();
  }
  return 0;
}
