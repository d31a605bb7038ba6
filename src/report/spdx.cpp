// SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/), rendered from the assessment: the
// subject as the described package, one package per component (purl and CPE as external
// references, SHA-256 checksums, declared licenses), CONTAINS from the subject and DEPENDS_ON
// where package metadata states a dependency. Licenses that are not SPDX identifiers become
// LicenseRef- entries with their original text. Deterministic: the namespace derives from the
// subject's hash; the only time is creationInfo.created.
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/hash.hpp"
#include "inventory/sbom.hpp"
#include "report/formats.hpp"

namespace assay::report {
namespace {

using nlohmann::json;
namespace sbom = inventory::sbom;

// SPDX ids allow [A-Za-z0-9.-] only.
std::string id_part(std::string_view s) {
  std::string r;
  for (unsigned char c : s) r.push_back(std::isalnum(c) || c == '.' || c == '-' ? static_cast<char>(c) : '-');
  if (r.size() > 64) r.resize(64);
  return r;
}

std::string short_hash(const std::string& s) {
  Sha256Digest d = sha256(as_bytes(s));
  return to_hex(ByteView(d.data(), 4));
}

std::string purpose(const Component& c) {
  if (c.type == "operating-system") return "OPERATING_SYSTEM";
  if (c.type == "application") return "APPLICATION";
  if (c.type == "firmware") return "FIRMWARE";
  if (c.type == "framework") return "FRAMEWORK";
  if (c.type == "container") return "CONTAINER";
  return "LIBRARY";
}

class LicenseRefs {
 public:
  /// The declared-license expression for a component, registering LicenseRef-s as needed.
  std::string declared(const std::vector<std::string>& ls) {
    if (ls.empty()) return "NOASSERTION";
    if (ls.size() == 1 && sbom::is_license_expression(ls[0])) return ls[0];
    std::string out;
    for (const auto& l : ls) {
      if (l.empty()) continue;
      std::string term = sbom::is_spdx_license_id(l) ? l : ref_for(l);
      out += out.empty() ? term : " AND " + term;
    }
    return out.empty() ? "NOASSERTION" : out;
  }
  json extracted() const {
    json a = json::array();
    for (const auto& [text, id] : refs_) a.push_back({{"licenseId", id}, {"extractedText", text}, {"name", text}});
    return a;
  }

 private:
  std::string ref_for(const std::string& text) {
    auto it = refs_.find(text);
    if (it != refs_.end()) return it->second;
    std::string id = "LicenseRef-" + id_part(text) + "-" + short_hash(text);
    refs_.emplace(text, id);
    return id;
  }
  std::map<std::string, std::string> refs_;
};

}  // namespace

std::string render_spdx(const Assessment& a) {
  sbom::Refs refs = sbom::make_refs(a);
  std::string uuid = sbom::uuid_from(sbom::subject_seed(a));
  json doc;
  doc["spdxVersion"] = "SPDX-2.3";
  doc["dataLicense"] = "CC0-1.0";
  doc["SPDXID"] = "SPDXRef-DOCUMENT";
  doc["name"] = a.subject.name.empty() ? "assay-sbom" : a.subject.name;
  doc["documentNamespace"] = "https://spdx.org/spdxdocs/assay-" + id_part(a.subject.name) + "-" + uuid;
  doc["creationInfo"] = {{"created", a.started_at.empty() ? "1970-01-01T00:00:00Z" : a.started_at},
                         {"creators", json::array({"Tool: assay-" + (a.tool_version.empty() ? "0" : a.tool_version)})}};

  LicenseRefs licenses;
  json packages = json::array();
  json rels = json::array();
  const std::string subject_id = "SPDXRef-Subject";
  json subject = {{"SPDXID", subject_id},
                  {"name", doc["name"]},
                  {"downloadLocation", "NOASSERTION"},
                  {"filesAnalyzed", false},
                  {"licenseConcluded", "NOASSERTION"},
                  {"licenseDeclared", "NOASSERTION"},
                  {"copyrightText", "NOASSERTION"},
                  {"primaryPackagePurpose", a.product_kind == "firmware-image" || a.product_kind == "linux-rootfs"
                                                ? "FIRMWARE" : "APPLICATION"}};
  if (a.subject.sha256.size() == 64)
    subject["checksums"] = json::array({{{"algorithm", "SHA256"}, {"checksumValue", a.subject.sha256}}});
  if (!a.product_kind.empty()) subject["comment"] = "Assay product kind: " + a.product_kind;
  packages.push_back(std::move(subject));
  doc["documentDescribes"] = json::array({subject_id});
  rels.push_back({{"spdxElementId", "SPDXRef-DOCUMENT"}, {"relationshipType", "DESCRIBES"},
                  {"relatedSpdxElement", subject_id}});

  std::vector<std::string> ids;
  std::map<std::string, std::string> id_by_ref;
  std::set<std::string> used;
  for (std::size_t i = 0; i < a.components.size(); ++i) {
    const Component& c = a.components[i];
    std::string id = "SPDXRef-Package-" + id_part(c.name) + "-" + short_hash(refs.ref[i]);
    for (int n = 2; used.count(id); ++n) id = "SPDXRef-Package-" + id_part(c.name) + "-" + short_hash(refs.ref[i]) + "-" + std::to_string(n);
    used.insert(id);
    ids.push_back(id);
    id_by_ref[refs.ref[i]] = id;
    json p = {{"SPDXID", id},
              {"name", c.name},
              {"downloadLocation", "NOASSERTION"},
              {"filesAnalyzed", false},
              {"licenseConcluded", "NOASSERTION"},
              {"licenseDeclared", licenses.declared(c.licenses)},
              {"copyrightText", "NOASSERTION"},
              {"primaryPackagePurpose", purpose(c)}};
    if (!c.version.empty()) p["versionInfo"] = c.version;
    if (c.sha256.size() == 64) p["checksums"] = json::array({{{"algorithm", "SHA256"}, {"checksumValue", c.sha256}}});
    json ext = json::array();
    if (!c.purl.empty())
      ext.push_back({{"referenceCategory", "PACKAGE-MANAGER"}, {"referenceType", "purl"}, {"referenceLocator", c.purl}});
    if (!c.cpe.empty())
      ext.push_back({{"referenceCategory", "SECURITY"}, {"referenceType", "cpe23Type"}, {"referenceLocator", c.cpe}});
    if (!ext.empty()) p["externalRefs"] = std::move(ext);
    std::string info = "identified by assay from " + c.source + " at " + c.path;
    if (!c.evidence.empty()) info += ": " + c.evidence;
    if (c.offset) info += " (offset " + std::to_string(*c.offset) + ")";
    p["sourceInfo"] = info;
    packages.push_back(std::move(p));
    rels.push_back({{"spdxElementId", subject_id}, {"relationshipType", "CONTAINS"}, {"relatedSpdxElement", id}});
  }
  for (std::size_t i = 0; i < a.components.size(); ++i) {
    std::set<std::string> on;
    for (const auto& d : a.components[i].depends_on)
      if (auto it = refs.by_purl.find(d); it != refs.by_purl.end() && it->second != refs.ref[i])
        on.insert(id_by_ref[it->second]);
    for (const auto& t : on)
      rels.push_back({{"spdxElementId", ids[i]}, {"relationshipType", "DEPENDS_ON"}, {"relatedSpdxElement", t}});
  }
  doc["packages"] = std::move(packages);
  doc["relationships"] = std::move(rels);
  if (json ex = licenses.extracted(); !ex.empty()) doc["hasExtractedLicensingInfos"] = std::move(ex);
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace assay::report
