// Fuzz target: the YAML loaders of the policy stage — a policy pack (compiled and explained), a
// vendor declaration and a waivers file, all from the same bytes. They read hand-written files
// from users, so every malformed input must come back as a kUsage error, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "assay/policy.hpp"
#include "policy/declaration.hpp"
#include "policy/waivers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = assay::policy::compile_policy(text, "fuzz.yaml");
  if (p.ok()) (void)assay::policy::explain(**p).dump();
  auto d = assay::policy::parse_declaration(text, "fuzz.yaml");
  if (d.ok()) {
    assay::Assessment a;
    a.subject.name = "fuzz.bin";
    auto checked = assay::policy::check_declaration(a, *d, "2026-01-01");
    if (checked.ok()) (void)checked->report.dump();
  }
  auto w = assay::policy::parse_waivers(text, "fuzz.yaml");
  if (w.ok()) {
    assay::Assessment a;
    auto r = assay::policy::apply_waivers(a, *w, "2026-01-01");
    if (r.ok()) (void)r->dump();
  }
  return 0;
}
