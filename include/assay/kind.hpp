#pragma once
/// \file kind.hpp
/// Kind: what a node is, decided from its content (never from its name alone). Each kind has a
/// stable lower-case name used in reports ("squashfs", "elf", "android-apk").

#include <optional>
#include <string_view>

namespace assay {

#define ASSAY_KINDS(X)                                                        \
  /* nothing known */                                                          \
  X(kUnknown, "data")                                                          \
  X(kEmpty, "empty")                                                           \
  X(kDirectory, "directory")                                                   \
  X(kSymlink, "symlink")                                                       \
  X(kDevice, "device")                                                         \
  X(kFifo, "fifo")                                                             \
  X(kSocket, "socket")                                                         \
  X(kHardlink, "hardlink")                                                     \
  /* executables */                                                            \
  X(kElf, "elf")                                                               \
  X(kPe, "pe")                                                                 \
  X(kMachO, "macho")                                                           \
  X(kMachOFat, "macho-fat")                                                    \
  X(kDex, "dex")                                                               \
  X(kAndroidBinaryXml, "android-binary-xml")                                   \
  X(kAndroidResources, "android-resources")                                    \
  X(kJavaClass, "java-class")                                                  \
  /* zip family */                                                             \
  X(kZip, "zip")                                                               \
  X(kAndroidApk, "android-apk")                                                \
  X(kAndroidAab, "android-aab")                                                \
  X(kAndroidXapk, "android-xapk")                                              \
  X(kJar, "jar")                                                               \
  X(kAar, "aar")                                                               \
  X(kIosIpa, "ios-ipa")                                                        \
  /* archives */                                                               \
  X(kTar, "tar")                                                               \
  X(kCpio, "cpio")                                                             \
  X(kAr, "ar")                                                                 \
  X(kDeb, "deb")                                                               \
  X(kRpm, "rpm")                                                               \
  X(kSevenZip, "7z")                                                           \
  X(kIso9660, "iso9660")                                                       \
  /* compressed streams */                                                     \
  X(kGzip, "gzip")                                                             \
  X(kBzip2, "bzip2")                                                           \
  X(kXz, "xz")                                                                 \
  X(kLzma, "lzma")                                                             \
  X(kZstd, "zstd")                                                             \
  X(kLz4, "lz4")                                                               \
  X(kZlib, "zlib")                                                             \
  /* file systems */                                                           \
  X(kSquashfs, "squashfs")                                                     \
  X(kCramfs, "cramfs")                                                         \
  X(kJffs2, "jffs2")                                                           \
  X(kExt, "ext")                                                               \
  X(kUbi, "ubi")                                                               \
  X(kUbifs, "ubifs")                                                           \
  /* firmware containers */                                                    \
  X(kUImage, "uimage")                                                         \
  X(kFit, "fit")                                                               \
  X(kTrx, "trx")                                                               \
  X(kAndroidSparse, "android-sparse")                                          \
  X(kAndroidBoot, "android-boot")                                              \
  X(kDeviceTree, "device-tree")                                                \
  X(kLinuxKernel, "linux-kernel")                                              \
  X(kFirmwareBlob, "firmware-blob")                                            \
  /* keys, data, text */                                                       \
  X(kPem, "pem")                                                               \
  X(kDerCertificate, "der-certificate")                                        \
  X(kDerKey, "der-key")                                                        \
  X(kSshPrivateKey, "ssh-private-key")                                         \
  X(kSqlite, "sqlite")                                                         \
  X(kPlistBinary, "plist-binary")                                              \
  X(kPlistXml, "plist-xml")                                                    \
  X(kXml, "xml")                                                               \
  X(kJson, "json")                                                             \
  X(kScript, "script")                                                         \
  X(kText, "text")                                                             \
  X(kImage, "image")                                                           \
  X(kCarvedRegion, "unexplained-region")

enum class Kind {
#define ASSAY_KIND_ENUM(id, name) id,
  ASSAY_KINDS(ASSAY_KIND_ENUM)
#undef ASSAY_KIND_ENUM
};

/// The stable report name of a kind.
std::string_view kind_name(Kind kind) noexcept;
/// The kind with that report name, if any.
std::optional<Kind> kind_from_name(std::string_view name) noexcept;

/// True for the zip-based kinds (plain zip, APK, AAB, XAPK, JAR, AAR, IPA).
bool is_zip_family(Kind kind) noexcept;
/// True for single compressed streams (gzip, bzip2, xz, lzma, zstd, lz4, zlib).
bool is_compressed_stream(Kind kind) noexcept;

}  // namespace assay
