// Fuzz target: the protobuf XML decoder (AAB manifests) and the shared XML printer over arbitrary
// bytes. Checks the DOM's structural invariants (children after parents, depth and attribute
// counts within the caps) so that a broken tree fails loudly, and walks raw wire fields too.
#include <cstddef>
#include <cstdint>

#include "formats/protoxml/protoxml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay;
  const ByteView bytes(data, size);
  protoxml::WireReader r(bytes);
  std::size_t fields = 0;
  while (!r.eof()) {
    auto f = r.next();
    if (!f) break;
    if (f->bytes.size() > size) __builtin_trap();
    ++fields;
  }
  (void)protoxml::looks_like_proto_xml(bytes);
  auto doc = protoxml::parse(bytes);
  if (!doc) return 0;
  if (doc->elements.empty() || doc->elements.size() > axml::kMaxElements) __builtin_trap();
  for (std::size_t i = 0; i < doc->elements.size(); ++i) {
    const auto& e = doc->elements[i];
    if (e.depth >= axml::kMaxDepth || e.attributes.size() > axml::kMaxAttributes) __builtin_trap();
    for (std::size_t c : e.children)
      if (c <= i || c >= doc->elements.size() || doc->elements[c].parent != i) __builtin_trap();
  }
  std::string xml = axml::to_xml(*doc);
  volatile std::size_t sink = xml.size() + fields;
  (void)sink;
  return 0;
}
