#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/embedded.hpp"

namespace assay {

std::optional<std::string_view> embedded_file(std::string_view path) noexcept {
  auto files = embedded_files();
  auto it = std::lower_bound(files.begin(), files.end(), path,
                             [](const EmbeddedFile& f, std::string_view p) { return f.path < p; });
  if (it == files.end() || it->path != path) return std::nullopt;
  return it->data;
}

std::vector<EmbeddedFile> embedded_files_under(std::string_view prefix) {
  std::vector<EmbeddedFile> out;
  for (const auto& f : embedded_files())
    if (f.path.substr(0, prefix.size()) == prefix) out.push_back(f);
  return out;
}

Result<std::string> load_data_file(std::string_view path, const std::string& override_dir) {
  if (!override_dir.empty()) {
    std::string_view rel = path;
    if (auto slash = rel.find('/'); slash != std::string_view::npos) rel = rel.substr(slash + 1);
    std::string full = fmt::format("{}/{}", override_dir, rel);
    std::ifstream in(full, std::ios::binary);
    if (in) {
      std::ostringstream ss;
      ss << in.rdbuf();
      return ss.str();
    }
  }
  if (auto e = embedded_file(path)) return std::string(*e);
  return make_error(Errc::kUsage, fmt::format("no data file {}", path));
}

yaml::Node load_yaml(std::string_view text) {
  auto files = embedded_files();
  auto binaries = embedded_yaml_binaries();
  for (const auto& f : files) {
    if (f.data.size() != text.size() || f.data != text) continue;
    auto it = std::lower_bound(binaries.begin(), binaries.end(), f.path,
                               [](const EmbeddedFile& b, std::string_view p) { return b.path < p; });
    if (it != binaries.end() && it->path == f.path) return yaml::from_binary(it->data);
  }
  return yaml::parse(text);
}

}  // namespace assay
