// Fuzz target: DEX parser + JSON summary + the bytecode walk of every method (with parameter
// seeding and a visitor that reads back every value it is handed), and every string decoded.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "formats/dex/dex.hpp"
#include "formats/dex/dex_code.hpp"

namespace {

struct Reader final : assay::dex::CodeVisitor {
  const assay::dex::DexFile* dex = nullptr;
  std::size_t sink = 0;
  Reader() { wants_instructions = true; }
  void on_instruction(std::uint32_t pc, std::uint8_t op, std::uint16_t payload) override {
    sink += pc + op + payload + assay::dex::opcode_info(op).units;
  }
  assay::dex::Value on_invoke(const assay::dex::Invocation& call) override {
    if (auto m = dex->method_id(call.index)) sink += dex->type_descriptor(m->class_idx).size();
    for (const auto& v : call.args) {
      if (v.is(assay::dex::Value::Kind::kString)) sink += dex->string_view_raw(v.index).size();
      for (auto b : v.array_data) sink += b;
    }
    return call.args.empty() ? assay::dex::Value{} : call.args[0];
  }
  void on_field(std::uint32_t, std::uint8_t, std::uint32_t field, bool, const assay::dex::Value&) override {
    if (auto f = dex->field_id(field)) sink += dex->string_view_raw(f->name_idx).size();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  assay::ByteView bytes(data, size);
  auto dex = assay::dex::parse_dex(bytes);
  if (!dex.ok()) return 0;
  (void)assay::dex::to_json(*dex).dump();
  for (std::uint32_t i = 0; i < dex->string_count() && i < 4096; ++i) (void)dex->string(i);
  Reader reader;
  reader.dex = &*dex;
  assay::dex::WalkScratch scratch;
  for (const auto& c : dex->class_defs()) {
    (void)dex->type_list(c.interfaces_off);
    auto cd = dex->class_data(c);
    for (const auto* list : {&cd.direct_methods, &cd.virtual_methods})
      for (const auto& m : *list)
        if (auto code = dex->code_item(m.code_off)) (void)assay::dex::walk_code(*code, reader, scratch, true);
  }
  return 0;
}
