#pragma once
// Factory functions of every unpacker, one per line; each is defined in its own .cpp file.
// Probes for carving (see probe.hpp) are declared beside their unpacker.

#include <memory>
#include <optional>

#include "unpack/probe.hpp"
#include "unpack/unpacker.hpp"

namespace assay::unpack {

// ASSAY-FACTORIES-BEGIN
/// Carving of raw blobs (src/unpack/carve.cpp); registered last: it opens what nothing else does.
std::unique_ptr<Unpacker> make_carve_unpacker();
std::unique_ptr<Unpacker> make_squashfs_unpacker();
std::optional<ProbeResult> probe_squashfs(ByteView data);
std::unique_ptr<Unpacker> make_ext_unpacker();
std::optional<ProbeResult> probe_ext(ByteView data);
std::unique_ptr<Unpacker> make_uimage_unpacker();
std::optional<ProbeResult> probe_uimage(ByteView data);
std::unique_ptr<Unpacker> make_trx_unpacker();
std::optional<ProbeResult> probe_trx(ByteView data);
std::unique_ptr<Unpacker> make_android_sparse_unpacker();
std::optional<ProbeResult> probe_android_sparse(ByteView data);
std::unique_ptr<Unpacker> make_android_boot_unpacker();
std::optional<ProbeResult> probe_android_boot(ByteView data);
/// Device trees and FIT images (src/unpack/fdt.cpp; fdt_is_fit in fdt.hpp).
std::unique_ptr<Unpacker> make_fdt_unpacker();
std::optional<ProbeResult> probe_fdt(ByteView data);
/// Archives through libarchive: zip family, tar, cpio, ar/deb, rpm, 7z, iso9660 (archive.cpp).
std::unique_ptr<Unpacker> make_archive_unpacker();
std::optional<ProbeResult> probe_zip(ByteView data);
std::optional<ProbeResult> probe_7z(ByteView data);
std::optional<ProbeResult> probe_tar(ByteView data);
std::optional<ProbeResult> probe_cpio(ByteView data);
/// Compressed streams: gzip, bzip2, xz, lzma, zstd, lz4 (frame and legacy), zlib (stream.cpp).
std::unique_ptr<Unpacker> make_stream_unpacker();
std::optional<ProbeResult> probe_gzip(ByteView data);
std::optional<ProbeResult> probe_bzip2(ByteView data);
std::optional<ProbeResult> probe_xz(ByteView data);
std::optional<ProbeResult> probe_lzma(ByteView data);
std::optional<ProbeResult> probe_zstd(ByteView data);
std::optional<ProbeResult> probe_lz4(ByteView data);
/// JFFS2 (src/unpack/jffs2.cpp) and cramfs (src/unpack/cramfs.cpp), both byte orders.
std::unique_ptr<Unpacker> make_jffs2_unpacker();
std::optional<ProbeResult> probe_jffs2(ByteView data);
std::unique_ptr<Unpacker> make_cramfs_unpacker();
std::optional<ProbeResult> probe_cramfs(ByteView data);
std::unique_ptr<Unpacker> make_ubi_unpacker();
std::optional<ProbeResult> probe_ubi(ByteView data);
// ASSAY-FACTORIES-END

}  // namespace assay::unpack
