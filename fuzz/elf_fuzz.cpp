// Fuzz target: ELF parser + JSON dump + hardening judge (with the code-level canary scan).
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "analyzers/hardening/elf_hardening.hpp"
#include "formats/elf/elf.hpp"
#include "formats/strings/strings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  assay::ByteView bytes(data, size);
  auto elf = assay::elf::parse_elf(bytes);
  if (elf.ok()) {
    (void)assay::elf::to_json(*elf).dump();
    auto h = assay::hardening::judge_elf(*elf, bytes);
    (void)assay::hardening::to_json(h).dump();
  }
  (void)assay::strings::extract_strings(bytes, 4);
  return 0;
}
