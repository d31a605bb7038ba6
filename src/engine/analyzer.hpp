#pragma once
// The analyzer interface. A node analyzer judges one node at a time, in parallel, over the nodes it
// wants; a product analyzer runs once over the whole tree and the facts gathered. `analyze` is
// const: analyzers are shared by every scan and thread; per-scan state lives in the ScanContext.
// Adding an analyzer is one directory under src/analyzers/, one class, one line in
// src/analyzers/registry.cpp.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "assay/assessment.hpp"
#include "assay/limits.hpp"
#include "assay/scan.hpp"
#include "core/bytes.hpp"

namespace assay {

/// Collects what analyzers establish. Thread-safe.
class ScanContext {
 public:
  explicit ScanContext(const Limits& limits, AnalysisConfig config = {})
      : limits_(limits), config_(std::move(config)) {}
  void add_finding(Finding f);
  void add_fact(Fact f);
  /// A component found by an inventory analyzer; the engine merges duplicates after the node pass.
  void add_component(Component c);
  const Limits& limits() const noexcept { return limits_; }
  const AnalysisConfig& config() const noexcept { return config_; }

  /// A per-scan object built once, on first use, by whichever thread asks first (a compiled rule
  /// database, a loaded tracker pack, an open vulnerability database). Others wait for it.
  template <class T>
  const T& resource(const std::string& key, const std::function<std::unique_ptr<T>()>& make) {
    std::lock_guard<std::mutex> lock(resource_mu_);
    auto it = resources_.find(key);
    if (it == resources_.end()) {
      std::shared_ptr<T> obj = make();
      it = resources_.emplace(key, std::static_pointer_cast<void>(obj)).first;
    }
    return *static_cast<const T*>(it->second.get());
  }

  /// Moves the results out (after all analyzers ran).
  std::vector<Finding> take_findings();
  std::vector<Fact> take_facts();
  std::vector<Component> take_components();
  /// A snapshot of the facts so far (for product analyzers).
  std::vector<Fact> facts() const;

 private:
  Limits limits_;
  AnalysisConfig config_;
  mutable std::mutex mu_;
  std::vector<Finding> findings_;
  std::vector<Fact> facts_;
  std::vector<Component> components_;
  std::mutex resource_mu_;
  std::map<std::string, std::shared_ptr<void>> resources_;
};

/// A node while it is being processed: its metadata and its bytes.
struct NodeView {
  const NodeInfo& info;
  ByteView bytes;
};

class NodeAnalyzer {
 public:
  virtual ~NodeAnalyzer() = default;
  virtual std::string_view id() const = 0;
  /// Cheap filter on metadata (kind, size, path).
  virtual bool wants(const NodeInfo& node) const = 0;
  virtual void analyze(const NodeView& node, ScanContext& ctx) const = 0;
};

/// The whole product after unpacking: the tree (sorted by path) and every fact so far.
struct ProductView {
  const std::vector<NodeInfo>& tree;
  const std::vector<Fact>& facts;
  std::string_view product_kind;
  const std::vector<Component>& components;  ///< the merged inventory
};

class ProductAnalyzer {
 public:
  virtual ~ProductAnalyzer() = default;
  virtual std::string_view id() const = 0;
  virtual void analyze(const ProductView& product, ScanContext& ctx) const = 0;
};

/// The explicit lists (src/analyzers/registry.cpp).
const std::vector<std::unique_ptr<NodeAnalyzer>>& node_analyzers();
const std::vector<std::unique_ptr<ProductAnalyzer>>& product_analyzers();

}  // namespace assay
