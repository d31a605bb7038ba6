#include "io/scratch.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <vector>

namespace assay {
namespace {

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
std::set<std::string>& registry() {
  static std::set<std::string> r;
  return r;
}

// Removes the entries of directory `dirfd` and then nothing else; never follows symlinks
// (unlinkat on a symlink removes the link). Iterative over an explicit stack of open directories.
bool remove_contents(int root_fd) {
  struct Frame {
    int fd;
    DIR* dir;
  };
  std::vector<Frame> stack;
  int dup_fd = ::dup(root_fd);
  if (dup_fd < 0) return false;
  DIR* d = ::fdopendir(dup_fd);
  if (d == nullptr) {
    ::close(dup_fd);
    return false;
  }
  stack.push_back({dup_fd, d});
  std::vector<std::string> names_to_rmdir;  // parallel to stack depth
  bool ok = true;
  while (!stack.empty()) {
    Frame& f = stack.back();
    errno = 0;
    struct dirent* e = ::readdir(f.dir);
    if (e == nullptr) {
      ::closedir(f.dir);
      stack.pop_back();
      if (!names_to_rmdir.empty() && !stack.empty()) {
        if (::unlinkat(stack.back().fd, names_to_rmdir.back().c_str(), AT_REMOVEDIR) != 0) ok = false;
        names_to_rmdir.pop_back();
      }
      continue;
    }
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    struct stat st {};
    if (::fstatat(f.fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      ok = false;
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      int cfd = ::openat(f.fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (cfd < 0) {
        ok = false;
        continue;
      }
      DIR* cd = ::fdopendir(cfd);
      if (cd == nullptr) {
        ::close(cfd);
        ok = false;
        continue;
      }
      names_to_rmdir.emplace_back(e->d_name);
      stack.push_back({cfd, cd});
    } else if (::unlinkat(f.fd, e->d_name, 0) != 0) {
      ok = false;
    }
  }
  return ok;
}

}  // namespace

bool remove_tree(const std::string& path) noexcept {
  try {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return errno == ENOENT;
    if (!S_ISDIR(st.st_mode)) return ::unlink(path.c_str()) == 0;
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = remove_contents(fd);
    ::close(fd);
    return ::rmdir(path.c_str()) == 0 && ok;
  } catch (...) {
    return false;
  }
}

Result<std::unique_ptr<Scratch>> Scratch::create(const std::string& base) {
  std::string root = base;
  if (root.empty()) {
    const char* t = std::getenv("TMPDIR");
    root = (t != nullptr && *t != '\0') ? t : "/tmp";
  }
  std::string templ = root + "/assay-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    return make_error(Errc::kIo, "cannot create scratch directory in " + root + ": " + std::strerror(errno));
  std::string path(buf.data());
  {
    std::lock_guard<std::mutex> lock(registry_mutex());
    registry().insert(path);
  }
  return std::unique_ptr<Scratch>(new Scratch(path));
}

Scratch::Scratch(std::string path) : path_(std::move(path)) {}

Scratch::~Scratch() {
  remove_tree(path_);
  std::lock_guard<std::mutex> lock(registry_mutex());
  registry().erase(path_);
}

std::string Scratch::new_file_path(const char* stem) {
  return path_ + "/" + stem + "-" + std::to_string(counter_.fetch_add(1));
}

void cleanup_all_scratch() noexcept {
  std::lock_guard<std::mutex> lock(registry_mutex());
  for (const auto& p : registry()) remove_tree(p);
  registry().clear();
}

}  // namespace assay
