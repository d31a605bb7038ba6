// Fuzz target: key and certificate parsers (PEM blocks, OpenSSH, PuTTY, Dropbear, DER via
// OpenSSL, authorized_keys). The first byte picks the entry point so every parser sees
// arbitrary bytes, not only what the format sniffing in parse_key_file lets through.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/keys/keys.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  assay::ByteView rest(data + 1, size - 1);
  std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
  std::vector<std::string> diags;
  switch (data[0] % 5) {
    case 0: (void)assay::keys::parse_key_file(rest, diags); break;
    case 1: (void)assay::keys::parse_dropbear(rest); break;
    case 2: (void)assay::keys::parse_openssh(rest); break;
    case 3: (void)assay::keys::parse_putty(text); break;
    default: (void)assay::keys::parse_authorized_keys(text); break;
  }
  (void)assay::keys::describe_ssh_public_blob(rest);
  return 0;
}
