// `assay rules list` and `assay rules show ID`: every rule documented under rules/ (embedded, or
// the user's --rules DIR), whatever analyzer emits it.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "cli.hpp"
#include "formats/identify/identify.hpp"
#include "io/blob.hpp"
#include "rules/matcher.hpp"
#include "rules/rule_pack.hpp"
#include "rules/validators.hpp"

namespace assay::cli {
namespace {

using nlohmann::json;

struct ListOptions {
  std::string format = "text";
  std::string category;
  std::string rules_dir;
};

struct MatchOptions {
  std::vector<std::string> paths;
  std::string rules_dir;
  bool raw = false;
  bool stats = false;
  bool quiet = false;
};

struct ShowOptions {
  std::string id;
  std::string format = "text";
  std::string rules_dir;
};

void print(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }

// Load problems go to stderr; the rules that did load are still listed.
bool report_errors(const rules::RulePack& pack) {
  for (const auto& e : pack.errors) std::fprintf(stderr, "assay: %s\n", e.c_str());
  return pack.errors.empty();
}

int cmd_list(const ListOptions& o) {
  auto pack = rules::load_rule_pack(o.rules_dir);
  if (!pack) return error_exit(pack.error());
  bool clean = report_errors(*pack);
  std::vector<const rules::RuleDef*> sel;
  for (const auto& r : pack->rules)
    if (o.category.empty() || r.category == o.category) sel.push_back(&r);
  std::stable_sort(sel.begin(), sel.end(), [](const auto* a, const auto* b) { return a->id < b->id; });
  if (o.format == "json") {
    json a = json::array();
    for (const auto* r : sel)
      a.push_back({{"id", r->id}, {"category", r->category}, {"severity", r->severity}, {"title", r->title},
                   {"source", r->source}, {"pattern_rule", r->is_pattern_rule()}});
    print(a.dump(2) + "\n");
  } else {
    std::size_t w = 10;
    for (const auto* r : sel) w = std::max(w, r->id.size());
    std::string out = fmt::format("{:<{}}  {:<13}  {:<8}  {}\n", "ID", w, "CATEGORY", "SEVERITY", "TITLE");
    for (const auto* r : sel) out += fmt::format("{:<{}}  {:<13}  {:<8}  {}\n", r->id, w, r->category, r->severity, r->title);
    out += fmt::format("{} rule(s) from {} file(s)\n", sel.size(), pack->files.size());
    print(out);
  }
  return clean ? kExitPass : kExitUsage;
}

std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

int cmd_show(const ShowOptions& o) {
  auto pack = rules::load_rule_pack(o.rules_dir);
  if (!pack) return error_exit(pack.error());
  report_errors(*pack);
  const rules::RuleDef* r = pack->find(o.id);
  if (r == nullptr) {
    std::string near;
    for (const auto& x : pack->rules)
      if (x.id.find(o.id) != std::string::npos && near.size() < 400) near += "\n  " + x.id;
    std::fprintf(stderr, "assay: no rule %s%s%s\n", o.id.c_str(), near.empty() ? "" : "; did you mean:", near.c_str());
    return kExitUsage;
  }
  if (o.format == "json") {
    print(r->raw.dump(2) + "\n");
    return kExitPass;
  }
  // The common fields first, in a fixed order, then whatever else the rule carries.
  static const char* const kOrder[] = {"id", "title", "category", "severity", "confidence", "rationale", "remediation",
                                       "references", "cwe", "tags", "applies_to", "context", "patterns", "match",
                                       "validate", "min_entropy", "mask", "source"};
  std::string out;
  auto field = [&](const std::string& k, const json& v) {
    if (v.is_array()) {
      out += fmt::format("{}:\n", k);
      for (const auto& e : v) out += fmt::format("  - {}\n", scalar_text(e));
    } else if (v.is_object()) {
      out += fmt::format("{}:\n", k);
      for (const auto& [kk, vv] : v.items()) out += fmt::format("  {}: {}\n", kk, vv.is_array() || vv.is_object() ? vv.dump() : scalar_text(vv));
    } else {
      out += fmt::format("{}: {}\n", k, scalar_text(v));
    }
  };
  for (const char* k : kOrder)
    if (r->raw.contains(k)) field(k, r->raw[k]);
  for (const auto& [k, v] : r->raw.items())
    if (std::find_if(std::begin(kOrder), std::end(kOrder), [&](const char* x) { return k == x; }) == std::end(kOrder))
      field(k, v);
  if (!r->validate.empty()) {
    for (const auto& v : rules::validators())
      if (v.name == r->validate) out += fmt::format("validator {}: {}\n", v.name, v.doc);
  }
  print(out);
  return kExitPass;
}

// The pattern pass alone over files and directories as they are on disk (no unpacking): for rule
// authors checking a rule, and for the benchmark against yara (bench/rules_vs_yara.sh). --raw
// stops after the vectorscan pass (no context filter, no validation), which is what a YARA run of
// the same patterns does.
int cmd_match(const MatchOptions& o) {
  namespace fs = std::filesystem;
  auto pack = rules::load_rule_pack(o.rules_dir, /*pattern_files_only=*/true);
  if (!pack) return error_exit(pack.error());
  if (!report_errors(*pack)) return kExitUsage;
  auto m = rules::PatternMatcher::compile(pack->rules);
  if (!m) return error_exit(m.error());
  std::vector<std::string> files;
  for (const auto& p : o.paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
           !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec) && !it->is_symlink(ec)) files.push_back(it->path().string());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "assay: %s: no such file or directory\n", p.c_str());
      return kExitUsage;
    }
  }
  std::sort(files.begin(), files.end());
  std::uint64_t bytes = 0, matches = 0;
  double seconds = 0, cpu_seconds = 0;
  // CPU time of this thread as well as wall time: on a busy machine the wall clock measures the
  // other processes too, and the benchmark reports throughput per core.
  auto cpu_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  };
  std::string out;
  // Small files are read into one reused buffer: mapping and unmapping each of thousands of small
  // files costs more in TLB shootdowns than the matching itself. Large ones are mapped.
  constexpr std::uint64_t kReadLimit = 1 << 20;
  // Not value-initialised: zeroing 1 MiB that most files never reach was a tenth of a run.
  std::unique_ptr<std::uint8_t[]> buffer(new std::uint8_t[kReadLimit]);
  for (const auto& f : files) {
    std::shared_ptr<MappedBlob> blob;
    ByteView data;
    std::error_code size_ec;
    const std::uint64_t size = fs::file_size(f, size_ec);
    if (size_ec || size == 0) continue;  // unreadable or empty files
    if (size <= kReadLimit) {
      int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      std::size_t got = 0;
      while (got < size) {
        ssize_t r = ::pread(fd, buffer.get() + got, size - got, static_cast<off_t>(got));
        if (r <= 0) break;
        got += static_cast<std::size_t>(r);
      }
      ::close(fd);
      if (got == 0) continue;
      data = ByteView(buffer.get(), got);
    } else {
      auto mapped = MappedBlob::open(f);
      if (!mapped) continue;
      blob = std::move(*mapped);
      data = blob->bytes();
    }
    bytes += data.size();
    // Fault the mapping in before timing: in a scan the bytes are already in memory (the engine
    // hashed them), so the matcher is measured on resident data, as the benchmark reports it.
    volatile std::uint8_t sink = 0;
    for (std::size_t i = 0; i < data.size(); i += 4096) sink = sink + data[i];
    auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_now();
    if (o.raw) {
      std::vector<rules::Candidate> c;
      if (auto st = (*m)->scan_raw(data, c); !st) return error_exit(st.error());
      matches += c.size();
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      cpu_seconds += cpu_now() - c0;
      if (!o.quiet)
        for (const auto& x : c) out += fmt::format("{}\t{}\t{}\n", f, x.expr, x.from);
    } else {
      NodeInfo n;
      n.path = f;
      n.type = "file";
      n.size = data.size();
      n.kind = identify(data, f);
      auto hits = (*m)->scan(data, n);
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      cpu_seconds += cpu_now() - c0;
      matches += hits.size();
      if (!o.quiet)
        for (const auto& h : hits) out += fmt::format("{}\t{}\t{}\t{}\n", (*m)->rules()[h.rule].id, f, h.from, h.confidence);
    }
  }
  print(out);
  if (o.stats)
    std::fprintf(stderr,
                 "files %zu bytes %llu matches %llu seconds %.6f cpu_seconds %.6f throughput_mb_s %.1f "
                 "cpu_throughput_mb_s %.1f expressions %zu\n",
                 files.size(), static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(matches), seconds,
                 cpu_seconds, seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0.0,
                 cpu_seconds > 0 ? static_cast<double>(bytes) / 1e6 / cpu_seconds : 0.0, (*m)->expression_count());
  if (o.stats)
    for (const auto& id : (*m)->line_start_rules())
      std::fprintf(stderr, "note: a pattern of %s has no exact start (vectorscan: too large with SOM)\n", id.c_str());
  return kExitPass;
}

}  // namespace

void register_rules(CLI::App& rules) {
  auto lo = std::make_shared<ListOptions>();
  auto* list = rules.add_subcommand("list", "every documented rule: id, category, severity, title");
  list->add_option("--format", lo->format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  list->add_option("--category", lo->category, "only this category")
      ->check(CLI::IsMember({"backdoor", "privacy", "crypto", "vulnerability", "hardening", "integrity", "coverage"}));
  list->add_option("--rules", lo->rules_dir, "read rule packs from DIR instead of the built-in ones");
  list->callback([lo] { set_exit(cmd_list(*lo)); });

  auto so = std::make_shared<ShowOptions>();
  auto* show = rules.add_subcommand("show", "every field of one rule");
  show->add_option("ID", so->id, "rule id (assay rules list)")->required();
  show->add_option("--format", so->format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  show->add_option("--rules", so->rules_dir, "read rule packs from DIR instead of the built-in ones");
  show->callback([so] { set_exit(cmd_show(*so)); });

  auto mo = std::make_shared<MatchOptions>();
  auto* match = rules.add_subcommand("match", "run only the pattern rules over files or directories on disk");
  match->add_option("PATH", mo->paths, "files or directories (not unpacked)")->required();
  match->add_option("--rules", mo->rules_dir, "read rule packs from DIR instead of the built-in ones");
  match->add_flag("--raw", mo->raw, "vectorscan pass only: no context filter, no validation");
  match->add_flag("--stats", mo->stats, "print bytes, matches, scan seconds and MB/s to stderr");
  match->add_flag("-q,--quiet", mo->quiet, "do not list matches");
  match->callback([mo] { set_exit(cmd_match(*mo)); });
}

}  // namespace assay::cli
