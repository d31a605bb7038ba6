// Fuzz target: Mach-O code signature (fat/thin load commands, SuperBlob, CodeDirectory) + JSON,
// and the bytes as a bare SuperBlob.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "formats/macho_codesign/macho_codesign.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const assay::ByteView bytes(data, size);
  auto sigs = assay::macho_codesign::parse_code_signatures(bytes);
  if (sigs.ok())
    for (const auto& s : *sigs) (void)assay::macho_codesign::to_json(s).dump();
  auto sb = assay::macho_codesign::parse_superblob(bytes);
  if (sb.ok()) (void)assay::macho_codesign::to_json(*sb).dump();
  return 0;
}
