#include "io/blob.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/budget.hpp"

namespace assay {

OwnedBlob::~OwnedBlob() {
  if (budget_ != nullptr && reserved_ != 0) budget_->release_memory(reserved_);
}

Result<std::shared_ptr<MappedBlob>> MappedBlob::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(Errc::kIo, "cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return make_error(Errc::kIo, "cannot stat " + path + ": " + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(Errc::kUsage, path + " is not a regular file");
  }
  auto size = static_cast<std::size_t>(st.st_size);
  const std::uint8_t* data = nullptr;
  if (size > 0) {
    // Every byte of a node is read at least once (hash, identify): mapping the pages in one call
    // costs far less than one fault per 4 KiB page (expensive on virtualised hosts). Big files are
    // left to fault in, so a multi-GB image never has to be resident at once.
    constexpr std::size_t kPopulateMax = 64u << 20;
    int flags = MAP_PRIVATE | (size <= kPopulateMax ? MAP_POPULATE : 0);
    void* p = ::mmap(nullptr, size, PROT_READ, flags, fd, 0);
    if (p == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      return make_error(Errc::kIo, "cannot map " + path + ": " + std::strerror(e));
    }
    data = static_cast<const std::uint8_t*>(p);
  }
  ::close(fd);
  return std::shared_ptr<MappedBlob>(new MappedBlob(data, size));
}

void MappedBlob::release(ByteView range) const noexcept {
  if (range.empty() || data_ == nullptr) return;
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  auto begin = reinterpret_cast<std::uintptr_t>(range.data());
  auto end = begin + range.size();
  auto lo = reinterpret_cast<std::uintptr_t>(data_);
  auto hi = lo + size_;
  if (begin < lo || end > hi) return;
  begin = (begin + page - 1) & ~(page - 1);  // only whole pages inside the range
  end &= ~(page - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

MappedBlob::~MappedBlob() {
  if (data_ != nullptr) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

}  // namespace assay
