#include "engine/analyzer.hpp"

namespace assay {

void ScanContext::add_finding(Finding f) {
  std::lock_guard<std::mutex> lock(mu_);
  findings_.push_back(std::move(f));
}

void ScanContext::add_fact(Fact f) {
  std::lock_guard<std::mutex> lock(mu_);
  facts_.push_back(std::move(f));
}

void ScanContext::add_component(Component c) {
  std::lock_guard<std::mutex> lock(mu_);
  components_.push_back(std::move(c));
}

std::vector<Component> ScanContext::take_components() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::move(components_);
}

std::vector<Finding> ScanContext::take_findings() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::move(findings_);
}

std::vector<Fact> ScanContext::take_facts() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::move(facts_);
}

std::vector<Fact> ScanContext::facts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return facts_;
}

}  // namespace assay
