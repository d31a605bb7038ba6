#include "report/report_util.hpp"

#include <fmt/format.h>

namespace assay::report {

Question question_of(Category c) noexcept {
  switch (c) {
    case Category::kBackdoor: return kQuestions[0];
    case Category::kPrivacy: return kQuestions[1];
    case Category::kCrypto: return kQuestions[2];
    case Category::kVulnerability:
    case Category::kHardening: return kQuestions[3];
    default: return kQuestions[4];
  }
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        // Control characters from binary evidence would break the page's text.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += "&#xfffd;";
        else out += c;
    }
  }
  return out;
}

std::string uri_encode_path(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("-._~!$&'()*+,;=:@/").find(static_cast<char>(c)) != std::string_view::npos;
    if (ok) out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string relative_virtual_path(std::string_view path) {
  std::size_t cut = path.find_first_of("!/");
  if (cut == std::string_view::npos) return std::string(path);
  std::string_view rest = path.substr(cut);
  if (rest.substr(0, 2) == "!/") rest.remove_prefix(2);
  else if (!rest.empty() && rest[0] == '/') rest.remove_prefix(1);
  return std::string(rest);
}

}  // namespace assay::report
