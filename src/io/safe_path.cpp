#include "io/safe_path.hpp"

#include <vector>

namespace assay {
namespace {
// Longest component written to disk; Linux allows 255 bytes.
constexpr std::size_t kMaxComponent = 200;
}  // namespace

std::string sanitize_component(std::string_view name) {
  std::string out;
  out.reserve(std::min(name.size(), kMaxComponent));
  for (char c : name) {
    if (out.size() >= kMaxComponent) break;
    auto u = static_cast<unsigned char>(c);
    if (c == '/' || c == '\\' || u < 0x20 || u == 0x7F) out.push_back('_');
    else out.push_back(c);
  }
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

std::string sanitize_member_path(std::string_view name, bool* escaped) {
  bool esc = false;
  std::vector<std::string> parts;
  // Drive letters ("C:") and leading separators make a path absolute.
  if (name.size() >= 2 && name[1] == ':' &&
      ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'))) {
    name.remove_prefix(2);
    esc = true;
  }
  if (!name.empty() && (name.front() == '/' || name.front() == '\\')) esc = true;
  std::size_t i = 0;
  while (i <= name.size()) {
    std::size_t j = i;
    while (j < name.size() && name[j] != '/' && name[j] != '\\') ++j;
    std::string_view comp = name.substr(i, j - i);
    if (comp.empty() || comp == ".") {
      // skip
    } else if (comp == "..") {
      if (parts.empty()) esc = true;
      else parts.pop_back();
    } else {
      parts.push_back(sanitize_component(comp));
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out.push_back('/');
    out += p;
  }
  if (escaped != nullptr) *escaped = esc;
  return out;
}

}  // namespace assay
