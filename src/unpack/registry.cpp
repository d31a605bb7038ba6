// The explicit list of unpackers. Adding a format is one file in src/unpack/ and one line here.
// Order matters only where two unpackers accept the same kind: the first wins.
#include <memory>
#include <vector>

#include "unpack/unpacker.hpp"
#include "unpack/unpackers.hpp"

namespace assay::unpack {

std::string_view entry_type_name(EntryType t) noexcept {
  switch (t) {
    case EntryType::kFile: return "file";
    case EntryType::kDirectory: return "directory";
    case EntryType::kSymlink: return "symlink";
    case EntryType::kHardlink: return "hardlink";
    case EntryType::kCharDevice: return "char-device";
    case EntryType::kBlockDevice: return "block-device";
    case EntryType::kFifo: return "fifo";
    case EntryType::kSocket: return "socket";
  }
  return "file";
}

namespace {
std::vector<std::unique_ptr<Unpacker>> make_unpackers() {
  std::vector<std::unique_ptr<Unpacker>> v;
  // --- one line per unpacker (keep sorted by id, except where priority matters) ---
  // ASSAY-UNPACKERS-BEGIN
  v.push_back(make_squashfs_unpacker());
  v.push_back(make_ext_unpacker());
  v.push_back(make_uimage_unpacker());
  v.push_back(make_trx_unpacker());
  v.push_back(make_android_sparse_unpacker());
  v.push_back(make_android_boot_unpacker());
  v.push_back(make_fdt_unpacker());
  v.push_back(make_archive_unpacker());
  v.push_back(make_stream_unpacker());
  v.push_back(make_jffs2_unpacker());
  v.push_back(make_cramfs_unpacker());
  v.push_back(make_ubi_unpacker());
  // ASSAY-UNPACKERS-END
  v.push_back(make_carve_unpacker());  // last: only for blobs nothing else opens
  return v;
}
}  // namespace

const std::vector<std::unique_ptr<Unpacker>>& unpackers() {
  static const std::vector<std::unique_ptr<Unpacker>> list = make_unpackers();
  return list;
}

const Unpacker* find_unpacker(Kind kind) {
  for (const auto& u : unpackers())
    if (u->can_open(kind)) return u.get();
  return nullptr;
}

}  // namespace assay::unpack
