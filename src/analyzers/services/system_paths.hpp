#pragma once
// Where a node sits in the Unix file system it belongs to. A node's virtual path is
// "fw.bin!/squashfs@0x1a0000!/etc/shadow" or, for a directory or tarball whose files sit under a
// top folder, "rootfs.tar!/rootfs-arm/etc/shadow". The accounts, services and backdoor-chain
// analyzers join files of the same system: they split each path into the system's root (the
// join key) and the path relative to it ("etc/shadow").

#include <array>
#include <string>
#include <string_view>

namespace assay::analyzers {

struct SystemPath {
  std::string root;  ///< everything before the system-relative part, "" or ending in '/' or "!/"
  std::string rel;   ///< "etc/shadow", "usr/bin/miniweb"
};

/// Top-level directories of a Unix root file system (FHS and Android): the first path segment
/// (after the innermost container) that is one of these starts the system-relative part.
inline constexpr std::array<std::string_view, 14> kRootAnchors = {
    "etc", "usr", "bin", "sbin", "lib", "var", "system", "vendor", "root", "home", "www", "opt", "data", "mnt"};

inline SystemPath split_system_path(std::string_view path) {
  std::size_t member = path.rfind("!/");
  member = member == std::string_view::npos ? 0 : member + 2;
  std::size_t pos = member;
  // A tar's "./etc/passwd" is the same file as "etc/passwd".
  while (path.substr(pos).starts_with("./")) pos += 2;
  std::size_t seg = pos;
  while (seg < path.size()) {
    std::size_t end = path.find('/', seg);
    std::string_view name = path.substr(seg, end == std::string_view::npos ? std::string_view::npos : end - seg);
    for (std::string_view a : kRootAnchors)
      if (name == a) return {std::string(path.substr(0, seg)), std::string(path.substr(seg))};
    // Android's loose props live at the root: "default.prop", "build.prop".
    if (end == std::string_view::npos) break;
    seg = end + 1;
  }
  // No anchor: the file sits at the root of its container (a bare "default.prop", "passwd").
  std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash < pos) return {std::string(path.substr(0, pos)), std::string(path.substr(pos))};
  return {std::string(path.substr(0, slash + 1)), std::string(path.substr(slash + 1))};
}

inline std::string_view base_name(std::string_view path) {
  auto p = path.find_last_of('/');
  return p == std::string_view::npos ? path : path.substr(p + 1);
}

/// "/usr/sbin/telnetd" relative to a root: "usr/sbin/telnetd".
inline std::string rel_of_absolute(std::string_view program) {
  while (!program.empty() && program.front() == '/') program.remove_prefix(1);
  return std::string(program);
}

}  // namespace assay::analyzers
