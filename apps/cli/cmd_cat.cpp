// assay cat PRODUCT!/inner/path: prints one node's bytes. Android binary XML is decoded to XML text
// (references named through the resources.arsc beside it), a binary plist is converted to an XML
// plist, anything else is written raw. The node is found by an unpack-only scan whose visitor
// copies the wanted node (and its sibling resources.arsc) as they go by; the scan stops early once
// it has both.
#include <plist/plist.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <vector>

#include "cli.hpp"
#include "core/bytes.hpp"
#include "formats/arsc/arsc.hpp"
#include "formats/axml/axml.hpp"
#include "formats/protoxml/protoxml.hpp"

namespace assay::cli {
namespace {

namespace fs = std::filesystem;

struct CatRequest {
  std::string artifact;  // the file on disk
  std::string vpath;     // the virtual path asked for: "<artifact name>!/inner/path"
  std::string arsc_path; // its sibling resources.arsc
};

// Splits "dir/app.apk!/res/xml/a.xml" at the first "!/" into the file on disk and the virtual
// path the engine gives the node (the artifact's file name, then the rest unchanged).
CatRequest split_request(const std::string& arg) {
  CatRequest r;
  std::size_t bang = arg.find("!/");
  r.artifact = bang == std::string::npos ? arg : arg.substr(0, bang);
  fs::path p = fs::path(r.artifact).lexically_normal();
  std::string name = p.filename().string();
  if (name.empty()) name = p.parent_path().filename().string();
  r.vpath = name + (bang == std::string::npos ? std::string() : arg.substr(bang));
  std::size_t last = r.vpath.rfind("!/");
  r.arsc_path = (last == std::string::npos ? r.vpath : r.vpath.substr(0, last)) + "!/resources.arsc";
  return r;
}

bool write_all(const void* data, std::size_t size) {
  return std::fwrite(data, 1, size, stdout) == size && std::fflush(stdout) == 0;
}

int cmd_cat(const CommonOptions& co_in, const std::string& target) {
  CatRequest req = split_request(target);
  CommonOptions co = co_in;
  co.artifact = req.artifact;
  std::error_code ec;
  if (!fs::exists(req.artifact, ec)) {
    std::fprintf(stderr, "assay: %s: no such file\n", req.artifact.c_str());
    return kExitUsage;
  }
  assay::ScanOptions so = make_scan_options(co);
  so.analyze = false;
  std::mutex mu;
  std::optional<std::vector<std::uint8_t>> node, arsc;
  std::optional<assay::NodeInfo> info;
  std::atomic<bool> stop{false};
  so.cancel = &stop;
  so.visitor = [&](const assay::VisitedNode& v) {
    const bool want = v.info.path == req.vpath, want_arsc = v.info.path == req.arsc_path;
    if (!want && !want_arsc) return;
    std::lock_guard<std::mutex> lock(mu);
    if (want && !node) {
      node.emplace(v.bytes.begin(), v.bytes.end());
      info = v.info;
    }
    if (want_arsc && !arsc) arsc.emplace(v.bytes.begin(), v.bytes.end());
    // Done when the node is here and either it is not binary XML or its resources are too.
    if (node && (info->kind != assay::Kind::kAndroidBinaryXml || arsc)) stop = true;
  };
  // The signal thread's flag still cancels: watch it alongside ours.
  std::thread watch([&] {
    while (!stop.load()) {
      if (g_cancel.load()) {
        stop = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  auto r = assay::scan(req.artifact, so);
  stop = true;
  watch.join();
  if (g_cancel.load()) return kExitInterrupted;
  if (!node) {
    if (!r) return error_exit(r.error());
    std::fprintf(stderr, "assay: no file %s in %s (assay ls %s lists the paths)\n", req.vpath.c_str(),
                 req.artifact.c_str(), req.artifact.c_str());
    return kExitUsage;
  }
  if (info->type != "file") {
    std::fprintf(stderr, "assay: %s is a %s, not a file\n", req.vpath.c_str(), info->type.c_str());
    return kExitUsage;
  }
  const std::vector<std::uint8_t>& bytes = *node;
  ByteView view(bytes.data(), bytes.size());
  if (info->kind == assay::Kind::kAndroidBinaryXml || (bytes.size() >= 4 && bytes[0] == 0x03 && bytes[1] == 0x00 &&
                                                        bytes[2] == 0x08 && bytes[3] == 0x00)) {
    auto doc = assay::axml::parse(view);
    if (doc) {
      std::optional<assay::arsc::ResourceTable> table;
      if (arsc) {
        auto t = assay::arsc::ResourceTable::parse(ByteView(arsc->data(), arsc->size()));
        if (t) table = std::move(t).value();
      }
      assay::axml::ReferenceNamer namer;
      if (table) namer = [&table](std::uint32_t id) { return table->name(id); };
      std::string xml = assay::axml::to_xml(*doc, namer);
      for (const auto& d : doc->diagnostics) std::fprintf(stderr, "assay: %s: %s\n", req.vpath.c_str(), d.c_str());
      return write_all(xml.data(), xml.size()) ? kExitPass : kExitUsage;
    }
    std::fprintf(stderr, "assay: %s: not decodable as binary XML (%s); writing it raw\n", req.vpath.c_str(),
                 doc.error().message.c_str());
  } else if (req.vpath.size() > 4 && req.vpath.compare(req.vpath.size() - 4, 4, ".xml") == 0 &&
             assay::protoxml::looks_like_proto_xml(view)) {
    // An App Bundle's manifest and res/xml files: aapt2's protobuf XML. References stay numeric
    // (resources.pb is not decoded), as aapt2 dump xmltree prints them without a table.
    auto doc = assay::protoxml::parse(view);
    if (doc) {
      std::string xml = assay::axml::to_xml(*doc, assay::axml::ReferenceNamer{});
      for (const auto& d : doc->diagnostics) std::fprintf(stderr, "assay: %s: %s\n", req.vpath.c_str(), d.c_str());
      return write_all(xml.data(), xml.size()) ? kExitPass : kExitUsage;
    }
    std::fprintf(stderr, "assay: %s: not decodable as protobuf XML (%s); writing it raw\n", req.vpath.c_str(),
                 doc.error().message.c_str());
  } else if (info->kind == assay::Kind::kPlistBinary || has_magic(view, 0, "bplist00")) {
    plist_t pl = nullptr;
    if (bytes.size() <= 0xFFFFFFFFu)
      plist_from_bin(reinterpret_cast<const char*>(bytes.data()), static_cast<std::uint32_t>(bytes.size()), &pl);
    if (pl != nullptr) {
      char* xml = nullptr;
      std::uint32_t len = 0;
      plist_to_xml(pl, &xml, &len);
      plist_free(pl);
      if (xml != nullptr) {
        bool ok = write_all(xml, len);
        plist_to_xml_free(xml);
        return ok ? kExitPass : kExitUsage;
      }
    }
    std::fprintf(stderr, "assay: %s: binary plist could not be converted; writing it raw\n", req.vpath.c_str());
  }
  return write_all(bytes.data(), bytes.size()) ? kExitPass : kExitUsage;
}

}  // namespace

void register_cat(CLI::App& app) {
  struct Options {
    CommonOptions co;
    std::string target;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("cat", "print one file of a product: binary XML and binary plists decoded");
  cmd->add_option("PATH", o->target, "PRODUCT!/inner/path, as `assay ls` prints it (with the product's location)")
      ->required();
  cmd->add_option("-j,--jobs", o->co.jobs, "worker threads (default: all cores)");
  cmd->add_flag("-q,--quiet", o->co.quiet, "accepted for symmetry; cat prints no progress");
  cmd->callback([o] { set_exit(cmd_cat(o->co, o->target)); });
}

}  // namespace assay::cli
