// Fuzz target: the hand-written inventory parsers (dpkg/opkg status, apk installed, os-release,
// RPM header blobs, Python metadata, npm lock files, JAR manifests, Go build info, cargo-auditable)
// over arbitrary bytes, then the finalize merge over what they produced. The first byte picks the
// parser so one corpus covers all of them; every parser also sees the rest unchanged.
#include <cstddef>
#include <cstdint>

#include "inventory/binary_meta.hpp"
#include "inventory/inventory.hpp"
#include "inventory/manifests.hpp"
#include "inventory/package_db.hpp"
#include "inventory/purl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace assay;
  using namespace assay::inventory;
  if (size == 0) return 0;
  ByteView bytes(data + 1, size - 1);
  std::string_view text = as_chars(bytes);
  std::vector<Component> comps;
  auto add = [&](const std::string& name, const std::string& version, const std::string& root) {
    Component c;
    c.name = name;
    c.version = version;
    c.purl = Purl{"deb", "debian", name, version, {{"arch", "x"}}}.str();
    c.source = "dpkg-status";
    c.extra = {{"root", root}, {"package_manager", "dpkg"}};
    comps.push_back(std::move(c));
  };
  switch (data[0] % 8) {
    case 0:
      for (const auto& r : parse_dpkg_status(text)) {
        add(r.name, r.version, "");
        (void)upstream_version(r.version);
      }
      break;
    case 1:
      for (const auto& r : parse_apk_installed(text)) add(r.name, r.version, "");
      break;
    case 2: {
      auto kv = parse_shell_assignments(text);
      Component os;
      os.type = "operating-system";
      os.source = "os-release";
      os.extra = {{"root", ""}, {"ID", kv["ID"]}, {"VERSION_ID", kv["VERSION_ID"]}};
      comps.push_back(os);
      add("x", "1", "");
      break;
    }
    case 3:
      if (auto r = parse_rpm_header(bytes)) add(r->name, r->version, "");
      break;
    case 4:
      (void)parse_python_metadata(text);
      (void)parse_jar_manifest(text);
      (void)parse_java_properties(text);
      break;
    case 5:
      (void)parse_npm_lock(text);
      (void)parse_npm_package_json(text);
      break;
    case 6:
      if (auto bi = find_go_buildinfo(bytes); bi && *bi)
        for (const auto& d : (*bi)->deps) add(d.path, d.version, "");
      break;
    case 7:
      (void)parse_cargo_auditable(bytes);
      break;
  }
  finalize_components(comps);
  return 0;
}
