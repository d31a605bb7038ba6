// Fuzz target: the AXML decoder and printer over arbitrary bytes. Checks structural invariants of
// the DOM (children after parents, depth within the cap) so that a broken tree fails loudly.
#include <cstddef>
#include <cstdint>

#include "formats/axml/axml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay;
  auto doc = axml::parse(ByteView(data, size));
  if (!doc) return 0;
  for (std::size_t i = 0; i < doc->elements.size(); ++i) {
    const auto& e = doc->elements[i];
    if (e.depth >= axml::kMaxDepth || e.attributes.size() > axml::kMaxAttributes) __builtin_trap();
    for (std::size_t c : e.children)
      if (c <= i || c >= doc->elements.size()) __builtin_trap();
  }
  std::string xml = axml::to_xml(*doc, [](std::uint32_t id) -> std::optional<std::string> {
    if (id & 1) return std::nullopt;
    return "@string/x";
  });
  volatile std::size_t sink = xml.size();
  (void)sink;
  return 0;
}
