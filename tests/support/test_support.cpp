#include "support/test_support.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

namespace assay::test {

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (int i = 0; i < 100; ++i) {
    auto p = base / ("assay-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create temp dir");
}

TempDir::~TempDir() {
  std::error_code ec;
  // Fixture trees may hold read-only directories; make them writable before removal.
  std::filesystem::remove_all(path_, ec);
  if (ec) {
    std::system(("chmod -R u+rwX '" + path_.string() + "' 2>/dev/null").c_str());
    std::filesystem::remove_all(path_, ec);
  }
}

int run(const std::string& cmd, std::string* out) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  std::array<char, 65536> buf{};
  std::string acc;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) acc.append(buf.data(), n);
  int st = ::pclose(p);
  if (out != nullptr) *out = std::move(acc);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

bool have_tool(const std::string& tool) {
  return run("command -v '" + tool + "' >/dev/null 2>&1 || test -x /usr/sbin/" + tool +
             " || test -x /sbin/" + tool) == 0;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::filesystem::path& p, std::string_view data) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::filesystem::path corpus_dir() {
  std::filesystem::path p = ASSAY_CORPUS_DIR;
  if (std::filesystem::is_directory(p)) return std::filesystem::canonical(p);
  return {};
}

std::string assay_cli() { return ASSAY_CLI; }

}  // namespace assay::test
