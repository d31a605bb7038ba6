#include "core/budget.hpp"

#include <fmt/format.h>

namespace assay {

Budget::Budget(const Limits& limits)
    : limits_(limits),
      deadline_(limits.deadline_seconds == 0
                    ? std::chrono::steady_clock::time_point::max()
                    : std::chrono::steady_clock::now() + std::chrono::seconds(limits.deadline_seconds)) {}

Status Budget::charge_bytes(std::uint64_t n) {
  std::uint64_t now = bytes_.fetch_add(n, std::memory_order_relaxed) + n;
  if (now > limits_.max_total_bytes)
    return make_error(Errc::kLimit, fmt::format("max_total_bytes: unpacking would produce more than "
                                                "{} bytes in all", limits_.max_total_bytes));
  return {};
}

Status Budget::charge_node() {
  std::uint64_t now = nodes_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (now > limits_.max_nodes)
    return make_error(Errc::kLimit, fmt::format("max_nodes: more than {} nodes", limits_.max_nodes));
  return {};
}

bool Budget::try_reserve_memory(std::uint64_t n) noexcept {
  std::uint64_t cur = memory_.load(std::memory_order_relaxed);
  do {
    if (n > limits_.max_memory_bytes || cur > limits_.max_memory_bytes - n) return false;
  } while (!memory_.compare_exchange_weak(cur, cur + n, std::memory_order_relaxed));
  std::uint64_t peak = memory_peak_.load(std::memory_order_relaxed);
  while (cur + n > peak && !memory_peak_.compare_exchange_weak(peak, cur + n)) {
  }
  return true;
}

void Budget::release_memory(std::uint64_t n) noexcept { memory_.fetch_sub(n, std::memory_order_relaxed); }

Status Budget::check_stream(std::uint64_t input_bytes, std::uint64_t output_bytes) const {
  if (output_bytes > limits_.max_file_bytes)
    return make_error(Errc::kLimit, fmt::format("max_file_bytes: one file would exceed {} bytes",
                                                limits_.max_file_bytes));
  if (output_bytes > limits_.ratio_floor_bytes && input_bytes > 0 &&
      output_bytes / input_bytes > limits_.max_ratio)
    return make_error(Errc::kLimit,
                      fmt::format("max_ratio: {} bytes expanded to more than {} bytes (ratio over {})",
                                  input_bytes, output_bytes, limits_.max_ratio));
  return {};
}

bool Budget::expired() const {
  return cancelled() || std::chrono::steady_clock::now() > deadline_;
}

Status Budget::check_time() const {
  if (cancelled()) return make_error(Errc::kCancelled, "scan cancelled");
  if (std::chrono::steady_clock::now() > deadline_)
    return make_error(Errc::kLimit, fmt::format("deadline_seconds: the scan took longer than {} s",
                                                limits_.deadline_seconds));
  return {};
}

}  // namespace assay
