#pragma once
// Budget: the spending side of Limits, shared by every thread of one scan. Charging is lock-free;
// a refused charge returns Errc::kLimit with a sentence naming the limit.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "assay/limits.hpp"
#include "assay/result.hpp"

namespace assay {

class Budget {
 public:
  explicit Budget(const Limits& limits);

  const Limits& limits() const noexcept { return limits_; }

  /// Accounts `n` more produced bytes. Fails when the total would pass max_total_bytes.
  Status charge_bytes(std::uint64_t n);
  /// Accounts one more node.
  Status charge_node();
  /// Reserves `n` bytes of in-memory content; false means "spill to scratch instead".
  bool try_reserve_memory(std::uint64_t n) noexcept;
  void release_memory(std::uint64_t n) noexcept;
  /// Checks a single stream's output against the per-file and ratio limits.
  Status check_stream(std::uint64_t input_bytes, std::uint64_t output_bytes) const;
  /// Fails once the deadline has passed or cancel() was called.
  Status check_time() const;
  bool expired() const;

  void cancel() noexcept { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_relaxed); }

  std::uint64_t bytes_used() const noexcept { return bytes_.load(std::memory_order_relaxed); }
  std::uint64_t nodes_used() const noexcept { return nodes_.load(std::memory_order_relaxed); }
  std::uint64_t memory_used() const noexcept { return memory_.load(std::memory_order_relaxed); }
  std::uint64_t memory_peak() const noexcept { return memory_peak_.load(std::memory_order_relaxed); }

 private:
  Limits limits_;
  std::chrono::steady_clock::time_point deadline_;
  std::atomic<std::uint64_t> bytes_{0};
  std::atomic<std::uint64_t> nodes_{0};
  std::atomic<std::uint64_t> memory_{0};
  std::atomic<std::uint64_t> memory_peak_{0};
  std::atomic<bool> cancelled_{false};
};

}  // namespace assay
