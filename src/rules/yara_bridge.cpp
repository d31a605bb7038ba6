#include "rules/yara_bridge.hpp"

#include <yara.h>

#include <algorithm>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include <fmt/format.h>

namespace assay::rules {
namespace {

std::once_flag g_yara_init;
int g_yara_init_rc = ERROR_SUCCESS;

Status ensure_initialized() {
  std::call_once(g_yara_init, [] { g_yara_init_rc = yr_initialize(); });
  if (g_yara_init_rc != ERROR_SUCCESS)
    return make_error(Errc::kInternal, fmt::format("libyara failed to initialise ({})", g_yara_init_rc));
  return {};
}

struct CompileErrors {
  std::vector<std::string> lines;
};

void on_compile_message(int level, const char* file, int line, const YR_RULE* /*rule*/, const char* message,
                        void* user) {
  if (level != YARA_ERROR_LEVEL_ERROR) return;  // warnings (slow strings) do not stop the scan
  auto* e = static_cast<CompileErrors*>(user);
  e->lines.push_back(fmt::format("{}:{}: {}", file != nullptr ? file : "<string>", line, message != nullptr ? message : "?"));
}

struct CompilerGuard {
  YR_COMPILER* c = nullptr;
  ~CompilerGuard() {
    if (c != nullptr) yr_compiler_destroy(c);
  }
};

bool is_rule_file(const std::filesystem::path& p) {
  auto e = p.extension().string();
  return e == ".yar" || e == ".yara" || e == ".rule" || e == ".rules";
}

struct ScanState {
  std::vector<YaraMatch>* out;
};

int on_scan(YR_SCAN_CONTEXT* context, int message, void* message_data, void* user) {
  if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
  auto* st = static_cast<ScanState*>(user);
  const auto* rule = static_cast<const YR_RULE*>(message_data);
  YaraMatch m;
  m.rule = rule->identifier;
  m.ns = rule->ns != nullptr && rule->ns->name != nullptr ? rule->ns->name : "default";
  const char* tag = nullptr;
  yr_rule_tags_foreach(rule, tag) { m.tags.emplace_back(tag); }
  const YR_META* meta = nullptr;
  yr_rule_metas_foreach(rule, meta) {
    if (meta->type != META_TYPE_STRING || meta->string == nullptr) continue;
    std::string_view id = meta->identifier;
    if (id == "category") m.category = meta->string;
    else if (id == "severity") m.severity = meta->string;
    else if (id == "title" || (id == "description" && m.title.empty())) m.title = meta->string;
    else if (id == "reference" || id == "references") m.reference = meta->string;
  }
  const YR_STRING* s = nullptr;
  yr_rule_strings_foreach(rule, s) {
    if (m.strings.size() >= YaraRules::kMaxStringHits) break;
    // libyara 4.2 allocates matches in its notebook arena without 8-byte alignment, so the
    // header's yr_string_matches_foreach (which dereferences them in place) is undefined
    // behaviour that UBSan rejects. Each match is copied to an aligned local first.
    for (const void* at = context->matches[s->idx].head; at != nullptr;) {
      YR_MATCH match;
      std::memcpy(&match, at, sizeof match);
      at = match.next;
      if (match.is_private) continue;
      if (m.strings.size() >= YaraRules::kMaxStringHits) break;
      YaraMatch::StringHit h;
      h.id = s->identifier != nullptr ? s->identifier : "$";
      h.offset = static_cast<std::uint64_t>(match.base + match.offset);
      if (match.data != nullptr && match.data_length > 0)
        h.bytes.assign(reinterpret_cast<const char*>(match.data),
                       std::min<std::size_t>(static_cast<std::size_t>(match.data_length), YaraRules::kMaxMatchedBytes));
      m.strings.push_back(std::move(h));
      break;  // the first hit of each string: the report needs where, not every repeat
    }
  }
  std::sort(m.strings.begin(), m.strings.end(),
            [](const YaraMatch::StringHit& a, const YaraMatch::StringHit& b) { return a.offset < b.offset; });
  st->out->push_back(std::move(m));
  return CALLBACK_CONTINUE;
}

}  // namespace

YaraRules::~YaraRules() {
  if (rules_ != nullptr) yr_rules_destroy(rules_);
}

Result<std::unique_ptr<YaraRules>> YaraRules::compile(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  ASSAY_TRY_STATUS(ensure_initialized());
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
           !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec) && is_rule_file(it->path())) found.push_back(it->path());
      if (found.empty()) return make_error(Errc::kUsage, fmt::format("--yara {}: no .yar/.yara files in it", p));
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      files.emplace_back(p);
    } else {
      return make_error(Errc::kUsage, fmt::format("--yara {}: no such file or directory", p));
    }
  }
  CompilerGuard g;
  if (yr_compiler_create(&g.c) != ERROR_SUCCESS) return make_error(Errc::kInternal, "libyara: cannot create a compiler");
  CompileErrors errors;
  yr_compiler_set_callback(g.c, on_compile_message, &errors);
  for (const auto& f : files) {
    FILE* fp = std::fopen(f.c_str(), "rb");
    if (fp == nullptr) return make_error(Errc::kUsage, fmt::format("--yara {}: cannot open", f.string()));
    int n = yr_compiler_add_file(g.c, fp, nullptr, f.c_str());
    std::fclose(fp);
    // After an error the compiler cannot take more input; report what was found so far.
    if (n > 0) break;
  }
  if (!errors.lines.empty())
    return make_error(Errc::kMalformed, fmt::format("YARA rules do not compile:\n{}", fmt::join(errors.lines, "\n")));
  std::unique_ptr<YaraRules> out(new YaraRules());
  if (yr_compiler_get_rules(g.c, &out->rules_) != ERROR_SUCCESS)
    return make_error(Errc::kInternal, "libyara: cannot get compiled rules");
  out->files_ = files.size();
  return out;
}

Result<std::unique_ptr<YaraRules>> YaraRules::compile_string(const std::string& source) {
  ASSAY_TRY_STATUS(ensure_initialized());
  CompilerGuard g;
  if (yr_compiler_create(&g.c) != ERROR_SUCCESS) return make_error(Errc::kInternal, "libyara: cannot create a compiler");
  CompileErrors errors;
  yr_compiler_set_callback(g.c, on_compile_message, &errors);
  yr_compiler_add_string(g.c, source.c_str(), nullptr);
  if (!errors.lines.empty())
    return make_error(Errc::kMalformed, fmt::format("YARA rules do not compile:\n{}", fmt::join(errors.lines, "\n")));
  std::unique_ptr<YaraRules> out(new YaraRules());
  if (yr_compiler_get_rules(g.c, &out->rules_) != ERROR_SUCCESS)
    return make_error(Errc::kInternal, "libyara: cannot get compiled rules");
  return out;
}

Result<std::vector<YaraMatch>> YaraRules::scan(ByteView data) const {
  std::vector<YaraMatch> out;
  YR_SCANNER* scanner = nullptr;
  if (yr_scanner_create(rules_, &scanner) != ERROR_SUCCESS)
    return make_error(Errc::kInternal, "libyara: cannot create a scanner");
  ScanState st{&out};
  yr_scanner_set_callback(scanner, on_scan, &st);
  yr_scanner_set_timeout(scanner, kScanTimeoutSeconds);
  int rc = yr_scanner_scan_mem(scanner, data.data(), data.size());
  yr_scanner_destroy(scanner);
  if (rc == ERROR_SCAN_TIMEOUT)
    return make_error(Errc::kLimit, fmt::format("YARA scan exceeded {} s", kScanTimeoutSeconds));
  if (rc != ERROR_SUCCESS) return make_error(Errc::kInternal, fmt::format("libyara scan error {}", rc));
  return out;
}

}  // namespace assay::rules
