// Replays fuzz inputs without libFuzzer: each argument is a file or a directory of files, and each
// file is passed once to LLVMFuzzerTestOneInput. Nothing here catches a crash: a crash fails the
// test, as it would fail the fuzzer.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {
int run_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(buf.data()), buf.size());
  return 1;
}
}  // namespace

int main(int argc, char** argv) {
  int count = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      std::vector<std::filesystem::path> files;
      for (const auto& e : std::filesystem::recursive_directory_iterator(p))
        if (e.is_regular_file()) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) count += run_file(f);
    } else {
      count += run_file(p);
    }
  }
  // Also run the empty input: every parser must survive it.
  LLVMFuzzerTestOneInput(nullptr, 0);
  std::printf("replayed %d input(s)\n", count);
  return count > 0 ? 0 : 1;
}
