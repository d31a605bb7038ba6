// Carving signatures, one line per magic. Each format's probe is defined beside its unpacker.
#include "unpack/signatures.hpp"

#include "unpack/unpackers.hpp"

namespace assay::unpack {

const std::vector<Signature>& signatures() {
  static const std::vector<Signature> list = {
      // ASSAY-SIGNATURES-BEGIN
      {"squashfs-le", "hsqs", 0, probe_squashfs},
      {"squashfs-be", "sqsh", 0, probe_squashfs},
      {"squashfs-lzma-le", "shsq", 0, probe_squashfs},
      {"squashfs-lzma-be", "qshs", 0, probe_squashfs},
      {"squashfs-sqlz", "sqlz", 0, probe_squashfs},
      {"squashfs-hsqt", "hsqt", 0, probe_squashfs},
      {"squashfs-tqsh", "tqsh", 0, probe_squashfs},
      {"ext", "\x53\xef", 1080, probe_ext},
      {"uimage", "\x27\x05\x19\x56", 0, probe_uimage},
      {"trx", "HDR0", 0, probe_trx},
      {"android-sparse", "\x3a\xff\x26\xed", 0, probe_android_sparse},
      {"android-boot", "ANDROID!", 0, probe_android_boot},
      {"android-vendor-boot", "VNDRBOOT", 0, probe_android_boot},
      {"fdt", "\xd0\x0d\xfe\xed", 0, probe_fdt},
      {"zip", "PK\x03\x04", 0, probe_zip},
      {"7z", "7z\xBC\xAF\x27\x1C", 0, probe_7z},
      {"tar-ustar", "ustar", 257, probe_tar},
      {"cpio-newc", "070701", 0, probe_cpio},
      {"cpio-crc", "070702", 0, probe_cpio},
      {"cpio-odc", "070707", 0, probe_cpio},
      {"cpio-bin-le", "\xC7\x71", 0, probe_cpio},
      {"cpio-bin-be", "\x71\xC7", 0, probe_cpio},
      {"gzip", "\x1F\x8B\x08", 0, probe_gzip},
      {"bzip2", "BZh", 0, probe_bzip2},
      {"xz", std::string_view("\xFD" "7zXZ\0", 6), 0, probe_xz},
      {"lzma", std::string_view("\x5D\x00\x00", 3), 0, probe_lzma},
      {"zstd", "\x28\xB5\x2F\xFD", 0, probe_zstd},
      {"lz4", "\x04\x22\x4D\x18", 0, probe_lz4},
      {"lz4-legacy", "\x02\x21\x4C\x18", 0, probe_lz4},
      {"jffs2-le", "\x85\x19", 0, probe_jffs2},
      {"jffs2-be", "\x19\x85", 0, probe_jffs2},
      {"cramfs-le", "\x45\x3D\xCD\x28", 0, probe_cramfs},
      {"cramfs-be", "\x28\xCD\x3D\x45", 0, probe_cramfs},
      {"ubi", "UBI#", 0, probe_ubi},
      // ASSAY-SIGNATURES-END
  };
  return list;
}

}  // namespace assay::unpack
