#pragma once
// Factory functions of every unpacker, one per line; each is defined in its own .cpp file.
// Probes for carving (see probe.hpp) are declared beside their unpacker.

#include <memory>
#include <optional>

#include "unpack/probe.hpp"
#include "unpack/unpacker.hpp"

namespace assay::unpack {

// ASSAY-FACTORIES-BEGIN
// ASSAY-FACTORIES-END

}  // namespace assay::unpack
