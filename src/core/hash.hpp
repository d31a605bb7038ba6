#pragma once
// SHA-256 through OpenSSL's EVP interface, one-shot or incremental, and hex rendering.

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "core/bytes.hpp"

namespace assay {

using Sha256Digest = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(ByteView data);
  Sha256Digest finish();

 private:
  void* ctx_;  // EVP_MD_CTX*
};

Sha256Digest sha256(ByteView data);
std::string to_hex(ByteView data);
inline std::string to_hex(const Sha256Digest& d) { return to_hex(ByteView(d.data(), d.size())); }

}  // namespace assay
