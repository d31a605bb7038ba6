// Fuzz target: the boot-file parsers (shell tokenizer with variable expansion, inittab, ini /
// space / equals configuration, UCI, inetd, xinetd, crontabs, Android init), each rendered to JSON.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "formats/initsys/initsys.hpp"

namespace {
void dump(const nlohmann::json& j) {
  (void)j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace assay::initsys;
  assay::ByteView bytes(data, size);
  ShellScript s = parse_shell(bytes);
  for (const auto& c : s.commands)
    for (const auto& w : c.words) (void)s.expand(w);
  dump(to_json(s));
  dump(to_json(parse_inittab(bytes)));
  dump(to_json(parse_config(bytes, ConfigStyle::kIni)));
  dump(to_json(parse_config(bytes, ConfigStyle::kSpace)));
  dump(to_json(parse_config(bytes, ConfigStyle::kEquals)));
  dump(to_json(parse_uci(bytes)));
  dump(to_json(parse_inetd(bytes)));
  dump(to_json(parse_xinetd(bytes)));
  dump(to_json(parse_crontab(bytes, false)));
  dump(to_json(parse_crontab(bytes, true)));
  AndroidInit init = parse_android_init(bytes);
  for (const auto& a : init.actions) (void)a.conditional();
  dump(to_json(init));
  return 0;
}
