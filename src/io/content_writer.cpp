#include "io/content_writer.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace assay {
namespace {
// Content stays in memory up to this size before it is considered for spilling regardless of the
// memory budget: big members (a 300 MB system image) go straight to disk and are mapped back.
constexpr std::uint64_t kMaxInMemoryFile = 64ull << 20;
// Past this size in-memory content moves from the vector to an anonymous mapping that reserves
// kMaxInMemoryFile of address space and grows in place. Why: a growing vector copies everything
// at each doubling and touches twice the final size in fresh pages; on a virtualised host every
// fresh 4 KiB page is a costly fault (perf: 40% of `assay extract` on a 30 MB initramfs went to
// reallocation copies and page faults). The mapping is asked for transparent huge pages, so a
// 30 MB member costs ~15 faults instead of ~15,000. Small members (most of a file system) stay
// in the vector, where malloc recycles memory without a system call.
constexpr std::size_t kRegionThreshold = 1u << 20;
// Huge page size on x86-64 and arm64 (4 KiB base pages); the region is aligned to it.
constexpr std::size_t kHugePage = 2u << 20;

// In-memory content held in an anonymous mapping made by ContentWriter.
class RegionBlob final : public Blob {
 public:
  RegionBlob(std::uint8_t* base, std::size_t mapped, std::size_t size, Budget* budget,
             std::uint64_t reserved)
      : base_(base), mapped_(mapped), size_(size), budget_(budget), reserved_(reserved) {}
  ~RegionBlob() override {
    ::munmap(base_, mapped_);
    if (budget_ != nullptr && reserved_ != 0) budget_->release_memory(reserved_);
  }
  RegionBlob(const RegionBlob&) = delete;
  RegionBlob& operator=(const RegionBlob&) = delete;
  ByteView bytes() const noexcept override { return {base_, size_}; }

 private:
  std::uint8_t* base_;
  std::size_t mapped_;
  std::size_t size_;
  Budget* budget_;
  std::uint64_t reserved_;
};
}  // namespace

ContentWriter::ContentWriter(Budget& budget, Scratch* scratch, std::uint64_t input_bytes)
    : budget_(&budget), scratch_(scratch), input_bytes_(input_bytes) {}

ContentWriter::ContentWriter(ContentWriter&& o) noexcept
    : budget_(o.budget_),
      scratch_(o.scratch_),
      input_bytes_(o.input_bytes_),
      size_(o.size_),
      reserved_(o.reserved_),
      mem_(std::move(o.mem_)),
      region_(o.region_),
      region_len_(o.region_len_),
      file_(o.file_),
      file_path_(std::move(o.file_path_)),
      failed_(o.failed_),
      observer_(o.observer_) {
  o.reserved_ = 0;
  o.region_ = nullptr;
  o.region_len_ = 0;
  o.file_ = nullptr;
  o.file_path_.clear();
}

ContentWriter::~ContentWriter() {
  drop_region();
  if (reserved_ != 0) budget_->release_memory(reserved_);
  if (file_ != nullptr) std::fclose(file_);
  if (!file_path_.empty()) std::remove(file_path_.c_str());
}

void ContentWriter::drop_region() noexcept {
  if (region_ != nullptr) ::munmap(region_, region_len_);
  region_ = nullptr;
  region_len_ = 0;
}

Status ContentWriter::grow_to_region() {
  // Over-reserve by one huge page so the region can start on a huge-page boundary.
  const std::size_t want = static_cast<std::size_t>(kMaxInMemoryFile);
  void* p = ::mmap(nullptr, want + kHugePage, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return {};  // keep growing the vector: slower, still correct
  auto raw = reinterpret_cast<std::uintptr_t>(p);
  auto aligned = (raw + kHugePage - 1) & ~(std::uintptr_t{kHugePage} - 1);
  if (aligned > raw) ::munmap(p, aligned - raw);
  std::size_t tail = raw + want + kHugePage - (aligned + want);
  if (tail > 0) ::munmap(reinterpret_cast<void*>(aligned + want), tail);
  region_ = reinterpret_cast<std::uint8_t*>(aligned);
  region_len_ = want;
  ::madvise(region_, region_len_, MADV_HUGEPAGE);  // a hint: without THP it is plain pages
  if (!mem_.empty()) std::memcpy(region_, mem_.data(), mem_.size());
  mem_.clear();
  mem_.shrink_to_fit();
  return {};
}

Status ContentWriter::spill() {
  if (scratch_ == nullptr)
    return make_error(Errc::kLimit, "max_memory_bytes: content does not fit in memory and no scratch "
                                    "area is available");
  file_path_ = scratch_->new_file_path("content");
  file_ = std::fopen(file_path_.c_str(), "wb");
  if (file_ == nullptr) {
    file_path_.clear();
    return make_error(Errc::kIo, std::string("cannot create scratch file: ") + std::strerror(errno));
  }
  if (!mem_.empty() && std::fwrite(mem_.data(), 1, mem_.size(), file_) != mem_.size())
    return make_error(Errc::kIo, "cannot write scratch file (disk full?)");
  if (region_ != nullptr && size_ != 0 && std::fwrite(region_, 1, size_, file_) != size_)
    return make_error(Errc::kIo, "cannot write scratch file (disk full?)");
  drop_region();
  mem_.clear();
  mem_.shrink_to_fit();
  budget_->release_memory(reserved_);
  reserved_ = 0;
  return {};
}

Status ContentWriter::write(ByteView data) {
  if (failed_) return make_error(Errc::kLimit, "content writer already failed");
  if (data.empty()) return {};
  Status st = write_impl(data);
  if (!st && observer_ != nullptr) observer_->push_back(st.error());
  return st;
}

Status ContentWriter::write_impl(ByteView data) {
  std::uint64_t new_size = size_ + data.size();
  if (auto s = budget_->check_stream(input_bytes_, new_size); !s) {
    failed_ = true;
    return s;
  }
  if (auto s = budget_->charge_bytes(data.size()); !s) {
    failed_ = true;
    return s;
  }
  if (file_ == nullptr) {
    // Grow the in-memory reservation geometrically so the budget is not hit per write.
    // The size check comes first: the reservation may run ahead of kMaxInMemoryFile (it doubles),
    // and the in-memory region is exactly that large.
    if (new_size > kMaxInMemoryFile) {
      if (auto s = spill(); !s) {
        failed_ = true;
        return s;
      }
    } else if (new_size > reserved_) {
      std::uint64_t want = std::max<std::uint64_t>(new_size, reserved_ * 2);
      want = std::max<std::uint64_t>(want, 4096);
      std::uint64_t extra = want - reserved_;
      if (budget_->try_reserve_memory(extra)) {
        reserved_ = want;
      } else if (auto s = spill(); !s) {
        failed_ = true;
        return s;
      }
    }
  }
  if (file_ != nullptr) {
    if (std::fwrite(data.data(), 1, data.size(), file_) != data.size()) {
      failed_ = true;
      return make_error(Errc::kIo, "cannot write scratch file (disk full?)");
    }
  } else {
    if (region_ == nullptr && new_size > kRegionThreshold) ASSAY_TRY_STATUS(grow_to_region());
    if (region_ != nullptr)
      std::memcpy(region_ + size_, data.data(), data.size());  // new_size <= kMaxInMemoryFile
    else
      mem_.insert(mem_.end(), data.begin(), data.end());
  }
  size_ = new_size;
  return {};
}

Status ContentWriter::write_zeros(std::uint64_t n) {
  static const std::uint8_t kZeros[65536] = {};
  while (n > 0) {
    std::uint64_t k = std::min<std::uint64_t>(n, sizeof(kZeros));
    ASSAY_TRY_STATUS(write(ByteView(kZeros, k)));
    n -= k;
  }
  return {};
}

Result<Content> ContentWriter::finish() {
  if (file_ != nullptr) {
    if (std::fclose(file_) != 0) {
      file_ = nullptr;
      return make_error(Errc::kIo, "cannot flush scratch file");
    }
    file_ = nullptr;
    auto mapped = MappedBlob::open(file_path_);
    // The mapping keeps the data reachable; unlink the name so nothing lingers on disk.
    std::remove(file_path_.c_str());
    file_path_.clear();
    if (!mapped) return std::move(mapped).error();
    return Content::whole(std::move(mapped).value());
  }
  if (region_ != nullptr) {
    // Give back the address space past the content (untouched pages cost nothing else).
    const std::size_t keep = std::max<std::size_t>(
        kHugePage, (static_cast<std::size_t>(size_) + kHugePage - 1) & ~(kHugePage - 1));
    if (keep < region_len_) {
      ::munmap(region_ + keep, region_len_ - keep);
      region_len_ = keep;
    }
    auto blob = std::make_shared<RegionBlob>(region_, region_len_, static_cast<std::size_t>(size_),
                                             budget_, reserved_);
    region_ = nullptr;
    region_len_ = 0;
    reserved_ = 0;
    return Content::whole(std::move(blob));
  }
  auto blob = std::make_shared<OwnedBlob>(std::move(mem_), budget_, reserved_);
  reserved_ = 0;
  mem_.clear();
  return Content::whole(std::move(blob));
}

}  // namespace assay
