// Names of the model's enums, as they appear in every report.
#include "assay/assessment.hpp"

namespace assay {

std::string_view severity_name(Severity s) noexcept {
  switch (s) {
    case Severity::kInfo: return "info";
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "info";
}

std::optional<Severity> severity_from_name(std::string_view n) noexcept {
  if (n == "info") return Severity::kInfo;
  if (n == "low") return Severity::kLow;
  if (n == "medium") return Severity::kMedium;
  if (n == "high") return Severity::kHigh;
  if (n == "critical") return Severity::kCritical;
  return std::nullopt;
}

std::string_view category_name(Category c) noexcept {
  switch (c) {
    case Category::kBackdoor: return "backdoor";
    case Category::kPrivacy: return "privacy";
    case Category::kCrypto: return "crypto";
    case Category::kVulnerability: return "vulnerability";
    case Category::kHardening: return "hardening";
    case Category::kIntegrity: return "integrity";
    case Category::kCoverage: return "coverage";
  }
  return "coverage";
}

std::string_view verdict_name(VerdictResult v) noexcept {
  switch (v) {
    case VerdictResult::kPass: return "pass";
    case VerdictResult::kFail: return "fail";
    case VerdictResult::kConditional: return "conditional";
    case VerdictResult::kIncomplete: return "incomplete";
  }
  return "incomplete";
}

}  // namespace assay
