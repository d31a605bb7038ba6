// Carving signatures, one line per magic. Each format's probe is defined beside its unpacker.
#include "unpack/signatures.hpp"

#include "unpack/unpackers.hpp"

namespace assay::unpack {

const std::vector<Signature>& signatures() {
  static const std::vector<Signature> list = {
      // ASSAY-SIGNATURES-BEGIN
      // ASSAY-SIGNATURES-END
  };
  return list;
}

}  // namespace assay::unpack
