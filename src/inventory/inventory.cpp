#include "inventory/inventory.hpp"

#include <algorithm>
#include <tuple>

namespace assay::inventory {

void finalize_components(std::vector<Component>& components) {
  std::sort(components.begin(), components.end(), [](const Component& a, const Component& b) {
    return std::tie(a.name, a.version, a.path, a.source) < std::tie(b.name, b.version, b.path, b.source);
  });
}

}  // namespace assay::inventory
