#include "analyzers/coverage/coverage.hpp"

#include <fmt/format.h>

namespace assay::analyzers {
namespace {
bool is_firmware_container(Kind k) {
  switch (k) {
    case Kind::kUImage: case Kind::kFit: case Kind::kTrx: case Kind::kAndroidBoot: case Kind::kUbi:
    case Kind::kFirmwareBlob: case Kind::kUnknown: case Kind::kLinuxKernel: case Kind::kAndroidSparse:
      return true;
    default:
      return false;
  }
}
}  // namespace

bool CoverageAnalyzer::wants(const NodeInfo& node) const {
  return node.type == "file" && node.children == 0 &&
         (node.kind == Kind::kUnknown || node.kind == Kind::kCarvedRegion ||
          node.kind == Kind::kFirmwareBlob);
}

void CoverageAnalyzer::analyze(const NodeView& node, ScanContext& ctx) const {
  const NodeInfo& n = node.info;
  if (!n.entropy || *n.entropy < kOpaqueEntropy || n.size < 512) return;
  Finding f;
  f.rule_id = "coverage.opaque-data";
  f.category = Category::kCoverage;
  // Opaque data where a product keeps its code (a raw image, a region between carved structures,
  // a firmware container's payload) hides what the vetting must see: medium, and the assessment is
  // incomplete. An opaque file inside an unpacked file system or archive is data the product
  // uses (a font, a compressed table) and is reported for the record only.
  bool structural = n.depth == 0 || n.kind == Kind::kCarvedRegion || n.kind == Kind::kFirmwareBlob ||
                    is_firmware_container(n.container_kind);
  f.severity = (structural && n.size >= kOpaqueMinBytes) ? Severity::kMedium : Severity::kInfo;
  f.title = "Data that could not be opened (compressed or encrypted)";
  f.description = fmt::format(
      "{} bytes with an entropy of {:.2f} bits per byte match no format Assay can open; their "
      "content was not analyzed. Encrypted firmware, an unknown compression or a proprietary "
      "container hides whatever it holds from the vetting.",
      n.size, *n.entropy);
  Evidence e;
  e.path = n.path;
  e.offset = n.offset;
  e.excerpt = fmt::format("entropy {:.2f}, {} bytes", *n.entropy, n.size);
  f.evidence.push_back(std::move(e));
  f.remediation =
      "Provide the product unencrypted or the key/format description, or have a reviewer "
      "confirm what this region contains.";
  ctx.add_finding(std::move(f));
}

}  // namespace assay::analyzers
