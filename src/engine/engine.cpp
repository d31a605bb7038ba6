// The scan pipeline: unpack -> identify -> analyze over a pool of worker threads.
//
// Every node is one task. A task maps or receives the node's bytes, hashes them and measures their
// entropy in the same pass, identifies the kind, asks the node's unpacker for children (each a new
// task), then runs the node analyzers and drops the bytes. Tasks are taken last-in first-out, so
// the tree is walked depth-first and the bytes held at any time stay close to one path of nested
// containers plus the pending children of each. Limits are spent from one Budget; a limit that
// trips becomes a coverage finding and the scan goes on.

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_set>

#include "assay/scan.hpp"
#include "core/budget.hpp"
#include "core/entropy.hpp"
#include "core/hash.hpp"
#include "engine/analyzer.hpp"
#include "engine/fingerprint.hpp"
#include "engine/product.hpp"
#include "formats/identify/identify.hpp"
#include "inventory/inventory.hpp"
#include "io/blob.hpp"
#include "io/safe_path.hpp"
#include "io/scratch.hpp"
#include "unpack/unpacker.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;
using unpack::DiagLevel;
using unpack::EntryMeta;
using unpack::EntryType;

// Diagnostics kept per node; past this a node says how many more there were (a hostile image can
// produce one per byte).
constexpr std::size_t kMaxDiagnosticsPerNode = 50;
// Mapped content larger than this gives its pages back to the kernel as soon as a pass over it is
// done, so a multi-GB image does not sit in the resident set.
constexpr std::size_t kReleaseThreshold = 64u << 20;

// Adds the byte histogram of `piece` (at most 1 MiB) to `counts`. Four interleaved tables: one
// table makes every run of equal bytes a chain of dependent increments of one counter (a
// store-to-load stall per byte, and firmware is full of runs); four let them overlap. It was 8% of
// `assay extract` on an initramfs, with SHA-256 (SHA-NI) only 6%.
void count_bytes(ByteView piece, std::array<std::uint64_t, 256>& counts) {
  std::array<std::array<std::uint32_t, 256>, 4> t{};  // u32: a piece is at most 1 MiB
  const std::uint8_t* p = piece.data();
  std::size_t n = piece.size(), i = 0;
  for (; i + 4 <= n; i += 4) {
    ++t[0][p[i]];
    ++t[1][p[i + 1]];
    ++t[2][p[i + 2]];
    ++t[3][p[i + 3]];
  }
  for (; i < n; ++i) ++t[0][p[i]];
  for (std::size_t b = 0; b < 256; ++b) counts[b] += std::uint64_t{t[0][b]} + t[1][b] + t[2][b] + t[3][b];
}

struct Node {
  NodeInfo info;
  Content content;          // the bytes until processed
  std::string source_path;  // a file of an input directory, mapped when processed
  Kind hint = Kind::kUnknown;
  std::size_t dropped_diags = 0;
};

class Engine;

// The Sink an unpacker reports to: turns members into child nodes of one container.
class EngineSink final : public unpack::Sink {
 public:
  EngineSink(Engine& engine, Node& parent) : engine_(engine), parent_(parent) {}
  bool add(EntryMeta meta) override;
  bool add_slice(EntryMeta meta, std::uint64_t offset, std::uint64_t size) override;
  ContentWriter writer(std::uint64_t input_bytes) override;
  bool add_content(EntryMeta meta, Content content) override;
  void diagnose(DiagLevel level, std::string message, std::uint64_t offset) override;
  bool cancelled() const override;
  bool stopped() const { return stopped_; }
  /// Limit and I/O errors the writers of this container hit.
  const std::vector<Error>& writer_errors() const { return writer_errors_; }

 private:
  bool add_node(EntryMeta meta, Content content);
  Engine& engine_;
  Node& parent_;
  std::set<std::string> names_;
  bool stopped_ = false;
  bool reported_escape_ = false;
  std::vector<Error> writer_errors_;
};

class Engine {
 public:
  Engine(const ScanOptions& opts, Budget& budget, Scratch& scratch, ScanContext& ctx)
      : opts_(opts), budget_(budget), scratch_(scratch), ctx_(ctx) {}

  // Creates a node and queues it; returns false when the node budget is spent.
  bool add_child(Node& parent, EntryMeta meta, Content content, std::string source_path = {});
  std::uint32_t add_root(Node root);
  void run(unsigned jobs);
  std::vector<Node*> all_nodes() {
    std::vector<Node*> v;
    for (auto& n : nodes_) v.push_back(&n);
    return v;
  }
  void diagnose(Node& n, DiagLevel level, const std::string& message, std::uint64_t offset);
  void limit_finding(const Node& n, const Error& e);
  Budget& budget() { return budget_; }
  Scratch& scratch() { return scratch_; }
  bool cancelled() const {
    return budget_.cancelled() || (opts_.cancel != nullptr && opts_.cancel->load());
  }

 private:
  void worker();
  void process(Node& n);
  void walk_directory(Node& root);
  void unpack_node(Node& n, ByteView bytes);

  const ScanOptions& opts_;
  Budget& budget_;
  Scratch& scratch_;
  ScanContext& ctx_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Node> nodes_;       // stable addresses; appended under mu_
  std::vector<Node*> queue_;     // LIFO
  std::size_t active_ = 0;
  unsigned jobs_ = 1;
  bool node_limit_reported_ = false;
  std::mutex findings_mu_;
  std::set<std::string> limit_reported_;  // one finding per limit name
};

// --- EngineSink -----------------------------------------------------------------------------

bool EngineSink::add(EntryMeta meta) { return add_node(std::move(meta), {}); }

bool EngineSink::add_slice(EntryMeta meta, std::uint64_t offset, std::uint64_t size) {
  Content c = parent_.content.sub(offset, size);
  if (!c.blob && size != 0) {
    diagnose(DiagLevel::kError, fmt::format("member {} lies outside its container", meta.path), offset);
    return !stopped_;
  }
  if (meta.offset == EntryMeta::kNoOffset) meta.offset = offset;
  return add_node(std::move(meta), std::move(c));
}

ContentWriter EngineSink::writer(std::uint64_t input_bytes) {
  ContentWriter w(engine_.budget(), &engine_.scratch(), input_bytes);
  w.set_observer(&writer_errors_);
  return w;
}

bool EngineSink::add_content(EntryMeta meta, Content content) {
  return add_node(std::move(meta), std::move(content));
}

void EngineSink::diagnose(DiagLevel level, std::string message, std::uint64_t offset) {
  engine_.diagnose(parent_, level, message, offset);
}

bool EngineSink::cancelled() const { return stopped_ || engine_.cancelled() || engine_.budget().expired(); }

bool EngineSink::add_node(EntryMeta meta, Content content) {
  if (stopped_) return false;
  bool escaped = false;
  std::string clean = sanitize_member_path(meta.path, &escaped);
  if (escaped && !reported_escape_) {
    reported_escape_ = true;
    engine_.diagnose(parent_, DiagLevel::kWarning,
                     fmt::format("member name escapes the container (absolute or '..'): {:?}", meta.path),
                     meta.offset);
  }
  // "." or "/" as a directory member is the container's own root: nothing to add.
  if (clean.empty() && meta.type == EntryType::kDirectory) return true;
  if (clean.empty()) clean = "_unnamed";
  // Duplicate names (a hostile zip, an overlay file system) keep every copy: "name~2", "name~3".
  std::string unique = clean;
  for (int i = 2; names_.count(unique) != 0; ++i) unique = fmt::format("{}~{}", clean, i);
  if (unique != clean && names_.size() < 1'000'000)
    engine_.diagnose(parent_, DiagLevel::kWarning, fmt::format("duplicate member name: {}", clean), meta.offset);
  names_.insert(unique);
  meta.path = unique;
  if (!engine_.add_child(parent_, std::move(meta), std::move(content))) {
    stopped_ = true;
    return false;
  }
  return true;
}

// --- Engine ---------------------------------------------------------------------------------

std::uint32_t Engine::add_root(Node root) {
  std::lock_guard<std::mutex> lock(mu_);
  root.info.depth = 0;
  nodes_.push_back(std::move(root));
  queue_.push_back(&nodes_.back());
  return 0;
}

bool Engine::add_child(Node& parent, EntryMeta meta, Content content, std::string source_path) {
  if (auto s = budget_.charge_node(); !s) {
    limit_finding(parent, s.error());
    return false;
  }
  Node n;
  // Members of an input directory are joined with '/', members of a container with "!/".
  const bool input_dir = parent.info.depth == 0 && parent.info.kind == Kind::kDirectory;
  n.info.path = parent.info.path + (input_dir ? "/" : "!/") + meta.path;
  n.info.type = std::string(unpack::entry_type_name(meta.type));
  n.info.mode = meta.mode;
  n.info.uid = meta.uid;
  n.info.gid = meta.gid;
  n.info.link_target = std::move(meta.link_target);
  if (meta.offset != EntryMeta::kNoOffset) n.info.offset = meta.offset;
  n.info.depth = parent.info.depth + 1;
  n.info.container_kind = parent.info.kind;
  n.hint = meta.kind_hint;
  n.info.size = content.size;
  n.content = std::move(content);
  n.source_path = std::move(source_path);
  switch (meta.type) {
    case EntryType::kDirectory: n.info.kind = Kind::kDirectory; break;
    case EntryType::kSymlink: n.info.kind = Kind::kSymlink; break;
    case EntryType::kHardlink: n.info.kind = Kind::kHardlink; break;
    case EntryType::kCharDevice:
    case EntryType::kBlockDevice:
      n.info.kind = Kind::kDevice;
      n.info.link_target = fmt::format("{},{}", meta.dev_major, meta.dev_minor);
      break;
    case EntryType::kFifo: n.info.kind = Kind::kFifo; break;
    case EntryType::kSocket: n.info.kind = Kind::kSocket; break;
    case EntryType::kFile: break;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    parent.info.children++;
    nodes_.push_back(std::move(n));
    queue_.push_back(&nodes_.back());
    if (opts_.progress != nullptr) opts_.progress->pending.fetch_add(1, std::memory_order_relaxed);
  }
  cv_.notify_one();
  return true;
}

void Engine::diagnose(Node& n, DiagLevel level, const std::string& message, std::uint64_t offset) {
  // Only the task that owns `n` writes its diagnostics (unpackers run inside that task).
  if (n.info.diagnostics.size() >= kMaxDiagnosticsPerNode) {
    ++n.dropped_diags;
    return;
  }
  const char* lv = level == DiagLevel::kError ? "error" : level == DiagLevel::kWarning ? "warning" : "info";
  if (offset != EntryMeta::kNoOffset)
    n.info.diagnostics.push_back(fmt::format("{}: {} (at offset 0x{:x})", lv, message, offset));
  else
    n.info.diagnostics.push_back(fmt::format("{}: {}", lv, message));
}

void Engine::limit_finding(const Node& n, const Error& e) {
  std::string limit_name = e.message.substr(0, e.message.find(':'));
  {
    std::lock_guard<std::mutex> lock(findings_mu_);
    if (!limit_reported_.insert(limit_name + "\n" + n.info.path).second) return;
    if (limit_reported_.size() > 1000) return;
  }
  Finding f;
  f.rule_id = e.code == Errc::kCancelled ? "coverage.cancelled" : "coverage.limit";
  f.category = Category::kCoverage;
  f.severity = Severity::kMedium;
  f.title = e.code == Errc::kCancelled ? "Scan cancelled before it finished"
                                       : fmt::format("Scan limit reached: {}", limit_name);
  f.description = fmt::format(
      "Unpacking stopped early: {}. What lies beyond was not analyzed, so the assessment is "
      "incomplete. A product that needs more than these limits is either very large or built to "
      "exhaust scanners (a decompression bomb).",
      e.message);
  f.evidence.push_back({n.info.path, n.info.offset, std::nullopt, e.message});
  f.remediation = "Review the named container; raise the limit (see `assay scan --help`) if the "
                  "product is legitimately this large.";
  f.key = limit_name;
  ctx_.add_finding(std::move(f));
}

void Engine::run(unsigned jobs) {
  jobs_ = std::max(1u, jobs);
  std::vector<std::thread> threads;
  threads.reserve(jobs);
  for (unsigned i = 0; i < jobs; ++i) threads.emplace_back([this] { worker(); });
  for (auto& t : threads) t.join();
}

void Engine::worker() {
  for (;;) {
    Node* n = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || active_ == 0; });
      if (queue_.empty()) {
        // Nothing queued and nobody working: the tree is complete.
        cv_.notify_all();
        return;
      }
      n = queue_.back();
      queue_.pop_back();
      ++active_;
    }
    try {
      process(*n);
    } catch (const std::bad_alloc&) {
      diagnose(*n, DiagLevel::kError, "out of memory while processing this node", EntryMeta::kNoOffset);
      limit_finding(*n, make_error(Errc::kLimit, "memory: allocation failed"));
    } catch (const std::exception& ex) {
      diagnose(*n, DiagLevel::kError, fmt::format("internal error: {}", ex.what()), EntryMeta::kNoOffset);
    }
    if (n->content.blob && n->content.size > kReleaseThreshold) n->content.blob->release(n->content.view());
    n->content = {};  // drop the bytes: everything after this works on metadata and facts
    {
      std::lock_guard<std::mutex> lock(mu_);
      --active_;
      if (opts_.progress != nullptr) opts_.progress->pending.fetch_sub(1, std::memory_order_relaxed);
    }
    cv_.notify_all();
  }
}

void Engine::walk_directory(Node& root) {
  // Iterative walk that records symlinks as nodes and never follows them.
  std::error_code ec;
  fs::recursive_directory_iterator it(root.source_path, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    diagnose(root, DiagLevel::kError, fmt::format("cannot list directory: {}", ec.message()), EntryMeta::kNoOffset);
    return;
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      diagnose(root, DiagLevel::kError, fmt::format("cannot list: {}", ec.message()), EntryMeta::kNoOffset);
      break;
    }
    if (cancelled()) break;
    const fs::path& p = it->path();
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) continue;
    EntryMeta m;
    m.path = p.lexically_relative(root.source_path).generic_string();
    m.mode = st.st_mode & 07777;
    m.uid = st.st_uid;
    m.gid = st.st_gid;
    m.mtime = st.st_mtime;
    std::string src;
    if (S_ISDIR(st.st_mode)) m.type = EntryType::kDirectory;
    else if (S_ISLNK(st.st_mode)) {
      m.type = EntryType::kSymlink;
      std::error_code lec;
      m.link_target = fs::read_symlink(p, lec).string();
    } else if (S_ISCHR(st.st_mode)) m.type = EntryType::kCharDevice;
    else if (S_ISBLK(st.st_mode)) m.type = EntryType::kBlockDevice;
    else if (S_ISFIFO(st.st_mode)) m.type = EntryType::kFifo;
    else if (S_ISSOCK(st.st_mode)) m.type = EntryType::kSocket;
    else src = p.string();
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      m.dev_major = major(st.st_rdev);
      m.dev_minor = minor(st.st_rdev);
    }
    if (!add_child(root, std::move(m), {}, std::move(src))) break;
    if (it.depth() >= static_cast<int>(budget_.limits().max_depth) * 4) it.disable_recursion_pending();
  }
}

void Engine::process(Node& n) {
  if (opts_.on_current) opts_.on_current(n.info.path);
  if (n.info.kind == Kind::kDirectory && n.info.depth == 0 && !n.source_path.empty()) {
    walk_directory(n);
    return;
  }
  if (!n.source_path.empty()) {
    auto m = MappedBlob::open(n.source_path);
    if (!m) {
      diagnose(n, DiagLevel::kError, m.error().message, EntryMeta::kNoOffset);
      return;
    }
    n.content = Content::whole(std::move(m).value());
    n.info.size = n.content.size;
  }
  if (n.info.type != "file") {
    if (opts_.visitor) opts_.visitor(VisitedNode{n.info, {}});
    return;
  }
  ByteView bytes = n.content.view();
  n.info.size = bytes.size();

  // One pass: SHA-256 and the byte histogram for entropy, in 1 MiB pieces.
  {
    Sha256 h;
    std::array<std::uint64_t, 256> counts{};
    constexpr std::size_t kPiece = 1 << 20;
    for (std::size_t off = 0; off < bytes.size(); off += kPiece) {
      ByteView piece = bytes.subspan(off, std::min(kPiece, bytes.size() - off));
      h.update(piece);
      count_bytes(piece, counts);
      // Large mapped content: keep the resident set bounded while hashing (see docs/unpacking.md).
      if (bytes.size() > kReleaseThreshold && n.content.blob) n.content.blob->release(piece);
    }
    n.info.sha256 = to_hex(h.finish());
    n.info.entropy = std::round(entropy_from_histogram(counts, bytes.size()) * 1000.0) / 1000.0;
  }
  if (opts_.progress != nullptr) {
    opts_.progress->nodes.fetch_add(1, std::memory_order_relaxed);
    opts_.progress->bytes.fetch_add(bytes.size(), std::memory_order_relaxed);
  }

  // Identify: content first; a container's hint decides where content is ambiguous (a carved
  // region, a uImage payload declared as lzma).
  std::string_view name = n.info.path;
  if (auto slash = name.find_last_of('/'); slash != std::string_view::npos) name = name.substr(slash + 1);
  Kind k = identify(bytes, name);
  if (n.hint != Kind::kUnknown && (k == Kind::kUnknown || k == Kind::kText || n.hint == Kind::kCarvedRegion))
    k = n.hint;
  n.info.kind = k;

  if (opts_.visitor) opts_.visitor(VisitedNode{n.info, bytes});
  if (!cancelled()) unpack_node(n, bytes);

  if (opts_.analyze) {
    NodeView view{n.info, bytes};
    for (const auto& a : node_analyzers())
      if (a->wants(n.info)) a->analyze(view, ctx_);
  }
}

void Engine::unpack_node(Node& n, ByteView bytes) {
  if (n.info.kind == Kind::kCarvedRegion || bytes.empty()) return;
  const unpack::Unpacker* u = unpack::find_unpacker(n.info.kind);
  if (u == nullptr) return;
  if (n.info.depth >= budget_.limits().max_depth) {
    limit_finding(n, make_error(Errc::kLimit, fmt::format("max_depth: containers nested deeper than {}",
                                                          budget_.limits().max_depth)));
    return;
  }
  if (auto t = budget_.check_time(); !t) {
    limit_finding(n, t.error());
    return;
  }
  n.info.unpacker = std::string(u->id());
  EngineSink sink(*this, n);
  std::string_view name = n.info.path;
  if (auto slash = name.find_last_of('/'); slash != std::string_view::npos) name = name.substr(slash + 1);
  unpack::UnpackInput in{bytes, n.info.kind, name,
                        bytes.size() > kReleaseThreshold ? n.content.blob.get() : nullptr, jobs_};
  Status st = u->open(in, sink);
  if (!st) {
    const Error& e = st.error();
    if (e.code == Errc::kLimit || e.code == Errc::kCancelled) {
      limit_finding(n, e);
    } else {
      diagnose(n, DiagLevel::kError, fmt::format("{}: {}", errc_name(e.code), e.message), EntryMeta::kNoOffset);
      Finding f;
      f.rule_id = e.code == Errc::kUnsupported ? "coverage.unsupported-format" : "coverage.unpack-error";
      f.category = Category::kCoverage;
      f.severity = Severity::kLow;
      f.title = e.code == Errc::kUnsupported ? fmt::format("Unsupported {} variant", kind_name(n.info.kind))
                                             : fmt::format("{} could not be fully unpacked", kind_name(n.info.kind));
      f.description = fmt::format("The {} container could not be read completely ({}). {} member(s) "
                                  "were recovered; the rest was not analyzed.",
                                  kind_name(n.info.kind), e.message, n.info.children);
      f.evidence.push_back({n.info.path, n.info.offset, std::nullopt, e.message});
      f.remediation = "Check the container with its native tools; a corrupt or truncated product "
                      "image cannot be vetted completely.";
      ctx_.add_finding(std::move(f));
    }
  }
  for (const Error& e : sink.writer_errors()) {
    if (e.code == Errc::kLimit) limit_finding(n, e);
    else diagnose(n, DiagLevel::kError, e.message, EntryMeta::kNoOffset);
  }
  // Time and cancellation that stopped the unpacker are reported once per container.
  if (sink.stopped() || budget_.expired()) {
    if (auto t = budget_.check_time(); !t) limit_finding(n, t.error());
  }
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

Result<Assessment> scan(const std::string& path, const ScanOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return make_error(Errc::kUsage, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  bool is_dir = S_ISDIR(st.st_mode);
  if (!is_dir && !S_ISREG(st.st_mode))
    return make_error(Errc::kUsage, fmt::format("{} is neither a regular file nor a directory", path));

  auto scratch = Scratch::create(options.scratch_base);
  if (!scratch) return std::move(scratch).error();
  Budget budget(options.limits);
  ScanContext ctx(options.limits, options.config);
  Engine engine(options, budget, **scratch, ctx);

  Assessment a;
  a.tool_version = ASSAY_VERSION;
  a.started_at = utc_now();
  fs::path p = fs::absolute(path).lexically_normal();
  std::string root_name = p.filename().string();
  if (root_name.empty()) root_name = p.parent_path().filename().string();
  if (root_name.empty()) root_name = "root";
  a.subject.name = root_name;
  a.subject.path = path;

  Node root;
  root.info.path = sanitize_component(root_name);
  root.info.type = is_dir ? "directory" : "file";
  root.info.kind = is_dir ? Kind::kDirectory : Kind::kUnknown;
  root.source_path = p.string();
  if (!is_dir) {
    auto m = MappedBlob::open(p.string());
    if (!m) return std::move(m).error();
    root.content = Content::whole(std::move(m).value());
    root.source_path.clear();
  }
  (void)budget.charge_node();
  engine.add_root(std::move(root));
  unsigned jobs = options.jobs != 0 ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  engine.run(jobs);
  if (options.cancel != nullptr && options.cancel->load())
    return make_error(Errc::kCancelled, "scan cancelled");

  // Collect the tree, sorted by path for a stable document.
  std::vector<Node*> nodes = engine.all_nodes();
  a.tree.reserve(nodes.size());
  for (Node* n : nodes) {
    if (n->dropped_diags != 0)
      n->info.diagnostics.push_back(fmt::format("... and {} more diagnostic(s)", n->dropped_diags));
    a.tree.push_back(std::move(n->info));
  }
  std::sort(a.tree.begin(), a.tree.end(), [](const NodeInfo& x, const NodeInfo& y) { return x.path < y.path; });
  for (const auto& n : a.tree) {
    ++a.stats.nodes;
    if (n.type == "file") ++a.stats.files;
  }
  if (!a.tree.empty()) {
    const NodeInfo* r = nullptr;
    for (const auto& n : a.tree)
      if (n.depth == 0) r = &n;
    if (r != nullptr) {
      a.subject.size = is_dir ? 0 : r->size;
      a.subject.sha256 = r->sha256;
      a.subject.kind = r->kind;
    }
  }
  a.product_kind = recognize_product(a.tree);

  a.components = ctx.take_components();
  inventory::finalize_components(a.components);
  if (options.analyze) {
    auto facts = ctx.facts();
    ProductView pv{a.tree, facts, a.product_kind, a.components};
    for (const auto& pa : product_analyzers()) pa->analyze(pv, ctx);
  }
  a.findings = ctx.take_findings();
  a.facts = ctx.take_facts();
  // The vulnerability database snapshot the matching used is part of the document's header.
  for (const auto& f : a.facts)
    if (f.type == "vulnerability.database") a.vulnerability_db = f.data;
  // Container diagnostics are facts: evidence for a reviewer, not judgements.
  for (const auto& n : a.tree)
    for (const auto& d : n.diagnostics)
      a.facts.push_back(Fact{"unpack.diagnostic", n.path, nlohmann::json{{"message", d}}});
  finalize_findings(a.findings);
  std::sort(a.facts.begin(), a.facts.end(), [](const Fact& x, const Fact& y) {
    return std::tie(x.type, x.path) < std::tie(y.type, y.path);
  });
  for (const auto& f : a.findings)
    if (f.category == Category::kCoverage && f.severity >= Severity::kMedium) a.complete = false;
  a.verdict = default_verdict(a);
  a.stats.bytes_unpacked = budget.bytes_used();
  a.stats.memory_peak = budget.memory_peak();
  a.stats.jobs = jobs;
  a.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return a;
}

Verdict default_verdict(const Assessment& a) {
  Verdict v;
  v.policy = "default";
  std::size_t blocking = 0;
  for (const auto& f : a.findings)
    if (f.severity >= Severity::kHigh && f.suppression.is_null()) {
      ++blocking;
      if (v.reasons.size() < 10)
        v.reasons.push_back(fmt::format("{} finding {}: {}", severity_name(f.severity), f.rule_id, f.title));
    }
  if (blocking > 0) {
    v.result = VerdictResult::kFail;
    if (blocking > v.reasons.size())
      v.reasons.push_back(fmt::format("... {} critical or high finding(s) in all", blocking));
  } else if (!a.complete) {
    v.result = VerdictResult::kIncomplete;
    v.reasons.push_back("the assessment is incomplete (see the coverage findings): it cannot pass");
  } else {
    v.result = VerdictResult::kPass;
    v.reasons.push_back("no critical or high finding");
  }
  return v;
}

}  // namespace assay
