// Fuzz target: passwd/shadow/group parsers, shape guessing and crypt(3) scheme identification,
// each rendered to JSON (dump() also checks that every string is valid UTF-8 or throws: the
// analyzer sanitizes names, the raw dump here must not crash on any input either way).
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "formats/passwd/passwd.hpp"

namespace {
void dump(const nlohmann::json& j) {
  (void)j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  assay::ByteView bytes(data, size);
  (void)assay::passwd::guess_shape(bytes);
  if (auto p = assay::passwd::parse_passwd(bytes); p.ok()) {
    dump(assay::passwd::to_json(*p));
    for (const auto& e : p->entries) (void)assay::passwd::identify_hash(e.password, false);
  }
  if (auto s = assay::passwd::parse_shadow(bytes); s.ok()) {
    dump(assay::passwd::to_json(*s));
    for (const auto& e : s->entries) (void)assay::passwd::identify_hash(e.password, true);
  }
  if (auto g = assay::passwd::parse_group(bytes); g.ok()) dump(assay::passwd::to_json(*g));
  return 0;
}
