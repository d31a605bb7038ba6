#include "support/tree_compare.hpp"

#include <sys/stat.h>

#include "support/test_support.hpp"

namespace fs = std::filesystem;

namespace assay::test {

using unpack::EntryType;
using unpack::MemorySink;

std::string mixed_pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    s[i] = (i / 3000) % 2 ? static_cast<char>(x >> 16) : static_cast<char>('a' + (i * 7) % 23);
  }
  return s;
}

void make_basic_tree(const fs::path& root, std::string_view hello, std::size_t big_size) {
  write_file(root / "hello.txt", hello);
  write_file(root / "empty", "");
  write_file(root / "big.bin", mixed_pattern(big_size, 1));
  write_file(root / "dir/sub/deeper/file.txt", mixed_pattern(4097, 2));  // one byte past a page
  write_file(root / "dir/zeros", std::string(9000, '\0'));
  fs::create_directories(root / "dir/emptydir");
  fs::create_symlink("../hello.txt", root / "dir/link");
  fs::create_symlink("/a/long/absolute/target/path/that/goes/nowhere", root / "abs-link");
  ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0644), 0);
}

Unpacked unpack_image(std::unique_ptr<unpack::Unpacker> unpacker, Kind kind, std::string_view bytes,
                      Limits limits) {
  Unpacked u;
  u.content = unpack::content_from(bytes);
  u.sink = std::make_unique<MemorySink>(u.content, limits);
  u.status = unpacker->open(unpack::UnpackInput{u.content.view(), kind, "image"}, *u.sink);
  return u;
}

bool has_diag(const MemorySink& sink, std::string_view needle) {
  for (const auto& d : sink.diags)
    if (d.message.find(needle) != std::string::npos) return true;
  return false;
}

std::string all_diags(const MemorySink& sink) {
  std::string out;
  for (const auto& d : sink.diags) out += d.message + "\n";
  return out;
}

void expect_tree_matches(const fs::path& root, const MemorySink& sink, std::size_t extra) {
  std::size_t count = 0;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    ++count;
    std::string rel = it->path().lexically_relative(root).generic_string();
    const auto* m = sink.find(rel);
    ASSERT_NE(m, nullptr) << "missing " << rel << "\n" << all_diags(sink);
    switch (it->symlink_status().type()) {
      case fs::file_type::directory: EXPECT_EQ(m->meta.type, EntryType::kDirectory) << rel; break;
      case fs::file_type::symlink:
        EXPECT_EQ(m->meta.type, EntryType::kSymlink) << rel;
        EXPECT_EQ(m->meta.link_target, fs::read_symlink(it->path()).string()) << rel;
        break;
      case fs::file_type::fifo: EXPECT_EQ(m->meta.type, EntryType::kFifo) << rel; break;
      case fs::file_type::character: EXPECT_EQ(m->meta.type, EntryType::kCharDevice) << rel; break;
      case fs::file_type::regular:
        EXPECT_EQ(m->meta.type, EntryType::kFile) << rel;
        EXPECT_EQ(m->data(), read_file(it->path())) << rel;
        break;
      default: ADD_FAILURE() << "unexpected type in source tree: " << rel;
    }
  }
  EXPECT_EQ(sink.members.size(), count + extra);
}

}  // namespace assay::test
