#include "assay/kind.hpp"

namespace assay {

std::string_view kind_name(Kind kind) noexcept {
  switch (kind) {
#define ASSAY_KIND_CASE(id, name) \
  case Kind::id:                  \
    return name;
    ASSAY_KINDS(ASSAY_KIND_CASE)
#undef ASSAY_KIND_CASE
  }
  return "data";
}

std::optional<Kind> kind_from_name(std::string_view name) noexcept {
#define ASSAY_KIND_FROM(id, n) \
  if (name == (n)) return Kind::id;
  ASSAY_KINDS(ASSAY_KIND_FROM)
#undef ASSAY_KIND_FROM
  return std::nullopt;
}

bool is_zip_family(Kind kind) noexcept {
  switch (kind) {
    case Kind::kZip: case Kind::kAndroidApk: case Kind::kAndroidAab: case Kind::kAndroidXapk:
    case Kind::kJar: case Kind::kAar: case Kind::kIosIpa:
      return true;
    default:
      return false;
  }
}

bool is_compressed_stream(Kind kind) noexcept {
  switch (kind) {
    case Kind::kGzip: case Kind::kBzip2: case Kind::kXz: case Kind::kLzma: case Kind::kZstd:
    case Kind::kLz4: case Kind::kZlib:
      return true;
    default:
      return false;
  }
}

}  // namespace assay
