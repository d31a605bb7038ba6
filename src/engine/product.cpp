#include "engine/product.hpp"

namespace assay {

std::string recognize_product(const std::vector<NodeInfo>& tree) {
  const NodeInfo* root = nullptr;
  for (const auto& n : tree)
    if (n.depth == 0) root = &n;
  if (root == nullptr) return "unknown";
  switch (root->kind) {
    case Kind::kAndroidApk: case Kind::kAndroidAab: case Kind::kAndroidXapk: return "android-app";
    case Kind::kIosIpa: return "ios-app";
    case Kind::kDeb: case Kind::kRpm: return "linux-package";
    case Kind::kPe: return "windows-software";
    default: break;
  }
  // A Linux root file system anywhere in the tree: etc/passwd, bin/busybox or sbin/init.
  bool rootfs = false;
  for (const auto& n : tree) {
    const std::string& p = n.path;
    auto ends = [&](std::string_view s) { return p.size() >= s.size() && p.compare(p.size() - s.size(), s.size(), s) == 0; };
    if (ends("/etc/passwd") || ends("/bin/busybox") || ends("/sbin/init") || ends("/etc/inittab")) {
      rootfs = true;
      break;
    }
  }
  bool raw_image = root->kind == Kind::kUnknown || root->kind == Kind::kFirmwareBlob ||
                   root->kind == Kind::kUImage || root->kind == Kind::kTrx || root->kind == Kind::kSquashfs ||
                   root->kind == Kind::kCramfs || root->kind == Kind::kJffs2 || root->kind == Kind::kExt ||
                   root->kind == Kind::kUbi || root->kind == Kind::kFit || root->kind == Kind::kAndroidSparse ||
                   root->kind == Kind::kAndroidBoot;
  // A raw image is firmware whether or not a root file system was found inside it.
  if (raw_image) return "firmware-image";
  if (rootfs) return "linux-rootfs";
  return "software";
}

}  // namespace assay
