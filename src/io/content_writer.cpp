#include "io/content_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace assay {
namespace {
// Content stays in memory up to this size before it is considered for spilling regardless of the
// memory budget: big members (a 300 MB system image) go straight to disk and are mapped back.
constexpr std::uint64_t kMaxInMemoryFile = 64ull << 20;
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
      file_(o.file_),
      file_path_(std::move(o.file_path_)),
      failed_(o.failed_),
      observer_(o.observer_) {
  o.reserved_ = 0;
  o.file_ = nullptr;
  o.file_path_.clear();
}

ContentWriter::~ContentWriter() {
  if (reserved_ != 0) budget_->release_memory(reserved_);
  if (file_ != nullptr) std::fclose(file_);
  if (!file_path_.empty()) std::remove(file_path_.c_str());
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
    if (new_size > reserved_) {
      std::uint64_t want = std::max<std::uint64_t>(new_size, reserved_ * 2);
      want = std::max<std::uint64_t>(want, 4096);
      std::uint64_t extra = want - reserved_;
      if (new_size <= kMaxInMemoryFile && budget_->try_reserve_memory(extra)) {
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
  auto blob = std::make_shared<OwnedBlob>(std::move(mem_), budget_, reserved_);
  reserved_ = 0;
  mem_.clear();
  return Content::whole(std::move(blob));
}

}  // namespace assay
