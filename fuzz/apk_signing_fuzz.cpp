// Fuzz target: APK signer extraction over arbitrary bytes (zip central directory, member inflate,
// signing block pairs, v2/v3 nested length prefixes, PKCS#7 and X.509 through OpenSSL).
#include <cstddef>
#include <cstdint>

#include "formats/apk_signing/apk_signing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay;
  ByteView in(data, size);
  auto info = apk_signing::read_signing_info(in);
  volatile std::size_t sink = info.signers.size() + info.schemes.size();
  for (const auto& s : info.signers) sink = sink + apk_signing::to_json(s).dump().size();
  // The nested-sequence reader directly, on the raw input.
  if (auto certs = apk_signing::scheme_certificates(in)) sink = sink + certs->size();
  (void)sink;
  return 0;
}
