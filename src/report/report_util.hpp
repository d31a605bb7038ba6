#pragma once
// Small helpers the renderers share: the four questions, severity ordering, escaping.

#include <string>
#include <string_view>

#include "assay/assessment.hpp"

namespace assay::report {

/// The vetting question a finding answers (the report groups by it).
struct Question {
  const char* id;     ///< "backdoors"
  const char* title;  ///< "No backdoors"
};
Question question_of(Category c) noexcept;
/// The four questions and "other" (integrity, coverage), in report order.
inline constexpr Question kQuestions[] = {{"backdoors", "No backdoors"},
                                          {"privacy", "User privacy"},
                                          {"encryption", "Strong encryption"},
                                          {"flaws", "No known flaws"},
                                          {"other", "Integrity and coverage"}};

std::string html_escape(std::string_view s);
/// Percent-encodes what RFC 3986 does not allow in a path (spaces, non-ASCII, %...).
std::string uri_encode_path(std::string_view s);
/// The virtual path without its first component (the artifact's own file name), for tools that
/// want a path relative to the product.
std::string relative_virtual_path(std::string_view path);

}  // namespace assay::report
