#pragma once
// Product-level identification: what kind of product the tree is (android-app, ios-app,
// linux-package, linux-rootfs, firmware-image, windows-software, software).

#include <string>
#include <vector>

#include "assay/assessment.hpp"

namespace assay {

std::string recognize_product(const std::vector<NodeInfo>& tree);

}  // namespace assay
