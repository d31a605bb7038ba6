#include "assay/result.hpp"

namespace assay {

const char* errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::kTruncated: return "truncated";
    case Errc::kMalformed: return "malformed";
    case Errc::kUnsupported: return "unsupported";
    case Errc::kLimit: return "limit";
    case Errc::kIo: return "io";
    case Errc::kUsage: return "usage";
    case Errc::kCancelled: return "cancelled";
    case Errc::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace assay
