#pragma once
// MemorySink: a Sink that keeps every member in memory. For unit tests and fuzz targets, which
// link one unpacker and this sink and nothing of the engine.

#include <memory>
#include <string>
#include <vector>

#include "core/budget.hpp"
#include "unpack/unpacker.hpp"

namespace assay::unpack {

class MemorySink final : public Sink {
 public:
  struct Member {
    EntryMeta meta;
    Content content;  // empty for non-files
    std::string data() const { return std::string(as_chars(content.view())); }
  };
  struct Diag {
    DiagLevel level;
    std::string message;
    std::uint64_t offset;
  };

  /// `parent` is the container's blob, for add_slice.
  explicit MemorySink(Content parent, Limits limits = {})
      : parent_(std::move(parent)), budget_(limits) {}

  bool add(EntryMeta meta) override {
    members.push_back({std::move(meta), {}});
    return members.size() < max_members;
  }
  bool add_slice(EntryMeta meta, std::uint64_t offset, std::uint64_t size) override {
    Content c = parent_.sub(offset, size);
    if (!c.blob && size != 0) {
      diagnose(DiagLevel::kError, "slice out of bounds: " + meta.path, offset);
      return true;
    }
    if (meta.offset == EntryMeta::kNoOffset) meta.offset = offset;
    members.push_back({std::move(meta), std::move(c)});
    return members.size() < max_members;
  }
  ContentWriter writer(std::uint64_t input_bytes) override {
    return ContentWriter(budget_, nullptr, input_bytes);
  }
  bool add_content(EntryMeta meta, Content content) override {
    members.push_back({std::move(meta), std::move(content)});
    return members.size() < max_members;
  }
  void diagnose(DiagLevel level, std::string message, std::uint64_t offset) override {
    diags.push_back({level, std::move(message), offset});
  }
  bool cancelled() const override { return false; }

  const Member* find(std::string_view path) const {
    for (const auto& m : members)
      if (m.meta.path == path) return &m;
    return nullptr;
  }

  std::vector<Member> members;
  std::vector<Diag> diags;
  std::size_t max_members = 1'000'000;
  Budget& budget() { return budget_; }

 private:
  Content parent_;
  Budget budget_;
};

/// Wraps bytes in a Content (copying) for tests.
inline Content content_from(std::string_view bytes) {
  auto blob = std::make_shared<OwnedBlob>(
      std::vector<std::uint8_t>(bytes.begin(), bytes.end()), nullptr, 0);
  return Content::whole(std::move(blob));
}

}  // namespace assay::unpack
