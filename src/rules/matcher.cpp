#include "rules/matcher.hpp"

#include <hs/hs.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "assay/kind.hpp"
#include "core/hash.hpp"
#include "rules/validators.hpp"

namespace assay::rules {
namespace {

// Literals go into the same database as the regexes, so each byte is escaped (\xHH for anything
// that is not alphanumeric) and the result compiled as a regex.
std::string escape_literal(std::string_view lit) {
  std::string out;
  out.reserve(lit.size() * 2);
  for (unsigned char c : lit) {
    if (std::isalnum(c) != 0) out.push_back(static_cast<char>(c));
    else out += fmt::format("\\x{:02x}", c);
  }
  return out;
}

// literal_len value of an expression compiled without start-of-match that is not a literal.
constexpr std::uint32_t kUnknownStart = 0xffffffffu;

struct ScanState {
  std::vector<Candidate>* out = nullptr;
  std::vector<std::uint32_t> count;   // candidates kept per expression
  std::vector<std::int64_t> last;     // index in *out of the expression's last candidate, -1 none
  std::uint64_t base = 0;             // chunk start in the node
  std::uint64_t skip_below = 0;       // drop matches ending at or before this (seen in the previous chunk)
  const std::vector<std::uint32_t>* literal_len = nullptr;
};

int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int /*flags*/, void* ctx) {
  auto* st = static_cast<ScanState*>(ctx);
  std::uint64_t abs_to = st->base + to;
  if (abs_to <= st->skip_below) return 0;
  std::uint64_t abs_from = st->base + from;
  if (std::uint32_t len = (*st->literal_len)[id]; len == kUnknownStart) {
    abs_from = abs_to;  // a single-match regex: only its end is known
  } else if (len != 0) {  // compiled without start-of-match: a literal's start is its end minus its length
    abs_from = abs_to >= len ? abs_to - len : 0;
  }
  // Greedy tails (\S{4,64}) report every end for one start: keep the longest.
  std::int64_t li = st->last[id];
  if (li >= 0) {
    Candidate& prev = (*st->out)[static_cast<std::size_t>(li)];
    if (prev.from == abs_from) {
      prev.to = abs_to;
      return 0;
    }
    // Overlapping repeats of the same pattern (a long run of base64) are one candidate.
    if (abs_from < prev.to) return 0;
  }
  if (st->count[id] >= PatternMatcher::kMaxCandidatesPerExpr) return 0;
  ++st->count[id];
  st->last[id] = static_cast<std::int64_t>(st->out->size());
  st->out->push_back({id, abs_from, abs_to});
  return 0;
}

// ---- compiled-database cache ------------------------------------------------------------------
// File layout: kCacheMagic, u32 expression count, one byte per expression (1 = compiled with
// start-of-match: the compile may have dropped it for patterns vectorscan finds too large), u64
// size of the serialized database, the database (hs_serialize_database). Little-endian.
constexpr char kCacheMagic[8] = {'A', 'S', 'S', 'A', 'Y', 'H', 'S', '\x01'};
// A cache file bigger than this is not ours (the built-in pack serializes to ~120 KiB).
constexpr std::uintmax_t kMaxCacheBytes = 256ull << 20;
// Entries kept in the cache directory: every edited rule set has its own key, so old ones are
// pruned (oldest first) when a new one is written.
constexpr std::size_t kMaxCacheEntries = 16;
// Directory entries looked at when pruning (the directory is ours; this bounds a shared one).
constexpr std::size_t kMaxPruneScan = 4096;

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint64_t get_le(const std::string& in, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return v;
}

// The key covers everything the serialized database depends on: the expressions with their flags
// and ids, the library version, and the platform it was compiled for (tuning and CPU features:
// a database built for AVX2 does not load on a CPU without it).
std::string cache_key(const std::vector<std::string>& exprs, const std::vector<unsigned>& flags,
                      const std::vector<unsigned>& ids) {
  Sha256 h;
  auto add = [&](std::string_view s) { h.update(ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())); };
  std::string buf = "assay-patterns-cache-v1";
  buf.push_back('\0');
  buf += hs_version();
  buf.push_back('\0');
  hs_platform_info_t plat;
  std::memset(&plat, 0, sizeof plat);
  if (hs_populate_platform(&plat) == HS_SUCCESS) {
    put_u32(buf, plat.tune);
    put_u64(buf, plat.cpu_features);
  }
  put_u64(buf, exprs.size());
  add(buf);
  for (std::size_t i = 0; i < exprs.size(); ++i) {
    buf.clear();
    put_u32(buf, flags[i]);
    put_u32(buf, ids[i]);
    put_u64(buf, exprs[i].size());
    add(buf);
    add(exprs[i]);
  }
  return to_hex(h.finish());
}

std::string default_cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && x[0] == '/') return std::string(x) + "/assay";
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] != '\0')
    return std::string(home) + "/.cache/assay";
  return {};
}

// Reads a cache entry. Nullptr when absent or invalid (wrong magic, count, sizes, or a database
// vectorscan refuses): the caller compiles and overwrites it. `flags` loses SOM where the cached
// compile had to drop it.
hs_database* load_cache(const std::string& path, std::vector<unsigned>& flags) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec || size < sizeof kCacheMagic + 12 || size > kMaxCacheBytes) return nullptr;
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.size() != size || std::memcmp(data.data(), kCacheMagic, sizeof kCacheMagic) != 0) return nullptr;
  std::size_t at = sizeof kCacheMagic;
  if (get_le(data, at, 4) != flags.size()) return nullptr;
  at += 4;
  if (data.size() - at < flags.size() + 8) return nullptr;
  std::vector<unsigned> f = flags;
  for (std::size_t i = 0; i < f.size(); ++i) {
    const bool som = data[at + i] != 0;
    const bool asked = (f[i] & HS_FLAG_SOM_LEFTMOST) != 0;
    if (som && !asked) return nullptr;
    if (!som) f[i] &= ~static_cast<unsigned>(HS_FLAG_SOM_LEFTMOST);
  }
  at += f.size();
  const std::uint64_t n = get_le(data, at, 8);
  at += 8;
  if (n != data.size() - at) return nullptr;
  hs_database* db = nullptr;
  if (hs_deserialize_database(data.data() + at, static_cast<std::size_t>(n), &db) != HS_SUCCESS) return nullptr;
  flags = std::move(f);
  return db;
}

// Keeps the newest kMaxCacheEntries databases (and never `keep`, just written). Temporary files
// left by a killed writer are removed once they are an hour old.
void prune_cache(const std::filesystem::path& dir, const std::string& keep) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> entries;
  const auto now = fs::file_time_type::clock::now();
  std::size_t scanned = 0;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end && scanned < kMaxPruneScan; it.increment(ec), ++scanned) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with("patterns-")) continue;
    std::error_code item_ec;  // per entry: a vanished file must not end the listing
    auto t = it->last_write_time(item_ec);
    if (item_ec) continue;
    if (name.find(".tmp.") != std::string::npos) {
      if (now - t > std::chrono::hours(1)) fs::remove(it->path(), item_ec);
      continue;
    }
    if (name.ends_with(".hsdb") && it->path().string() != keep) entries.emplace_back(t, it->path());
  }
  if (entries.size() < kMaxCacheEntries) return;
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = kMaxCacheEntries - 1; i < entries.size(); ++i) fs::remove(entries[i].second, ec);
}

// Best effort: a cache that cannot be written costs the next run a compile, nothing else. Written
// to a temporary name in the same directory and renamed, so a concurrent reader sees the old file,
// the new one, or none, never half of one.
bool store_cache(const std::string& path, hs_database* db, const std::vector<unsigned>& flags) {
  char* bytes = nullptr;
  std::size_t n = 0;
  if (hs_serialize_database(db, &bytes, &n) != HS_SUCCESS || bytes == nullptr) return false;
  std::string out(kCacheMagic, sizeof kCacheMagic);
  put_u32(out, static_cast<std::uint32_t>(flags.size()));
  for (unsigned f : flags) out.push_back((f & HS_FLAG_SOM_LEFTMOST) != 0 ? '\1' : '\0');
  put_u64(out, n);
  out.append(bytes, n);
  std::free(bytes);  // hs_serialize_database allocates with the default allocator (malloc)
  namespace fs = std::filesystem;
  std::error_code ec;
  // The cache is loaded as code-like data (vectorscan bytecode): a directory we create is the
  // user's alone.
  const fs::path dir = fs::path(path).parent_path();
  if (fs::create_directories(dir, ec) && !ec) fs::permissions(dir, fs::perms::owner_all, ec);
  const std::string tmp = fmt::format("{}.tmp.{}.{}", path, ::getpid(),
                                      std::chrono::steady_clock::now().time_since_epoch().count());
  {
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    o.write(out.data(), static_cast<std::streamsize>(out.size()));
    o.close();
    if (!o) {
      fs::remove(tmp, ec);
      return false;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return false;
  }
  prune_cache(fs::path(path).parent_path(), path);
  return true;
}

std::string_view member_path(std::string_view p) {
  auto b = p.rfind("!/");
  return b == std::string_view::npos ? p : p.substr(b + 2);
}

}  // namespace

PatternMatcher::~PatternMatcher() {
  for (auto* s : pool_) hs_free_scratch(s);
  if (proto_ != nullptr) hs_free_scratch(proto_);
  if (db_ != nullptr) hs_free_database(db_);
}

CacheOptions CacheOptions::from_environment() {
  CacheOptions o;
  if (const char* v = std::getenv("ASSAY_NO_CACHE"); v != nullptr && v[0] != '\0' && std::strcmp(v, "0") != 0)
    o.enabled = false;
  return o;
}

Result<std::unique_ptr<PatternMatcher>> PatternMatcher::compile(const std::vector<RuleDef>& rules) {
  return compile(rules, CacheOptions::from_environment());
}

Result<std::unique_ptr<PatternMatcher>> PatternMatcher::compile(const std::vector<RuleDef>& rules,
                                                                const CacheOptions& cache) {
  std::unique_ptr<PatternMatcher> m(new PatternMatcher());
  std::vector<std::string> exprs;
  std::vector<unsigned> flags, ids;
  for (const auto& r : rules) {
    if (!r.is_pattern_rule()) continue;
    int v = -1;
    if (!r.validate.empty()) {
      v = find_validator(r.validate);
      if (v < 0) return make_error(Errc::kMalformed, fmt::format("rule {} ({}): unknown validator {:?}", r.id, r.source, r.validate));
    }
    auto ri = static_cast<std::uint32_t>(m->rules_.size());
    m->rules_.push_back(r);
    m->validator_of_rule_.push_back(v);
    for (std::size_t pi = 0; pi < r.patterns.size(); ++pi) {
      const PatternDef& p = r.patterns[pi];
      Expr e;
      e.rule = ri;
      e.pattern = static_cast<std::uint32_t>(pi);
      unsigned f = 0;
      if (p.caseless) f |= HS_FLAG_CASELESS;
      if (p.dot_all) f |= HS_FLAG_DOTALL;
      if (p.single_match) {
        // Start-of-match tracking is incompatible with single-match; a literal's start is its
        // end minus its length, and a single-match regex reports its end only.
        f |= HS_FLAG_SINGLEMATCH;
        e.literal_len = p.literal.empty() ? 0 : static_cast<std::uint32_t>(p.literal.size());
      } else if (!p.literal.empty()) {
        e.literal_len = static_cast<std::uint32_t>(p.literal.size());
      } else if (p.end_only) {
        e.literal_len = 0;  // start recovered from the line, as for a pattern too large with SOM
      } else {
        f |= HS_FLAG_SOM_LEFTMOST;
        e.som = true;
      }
      exprs.push_back(p.literal.empty() ? p.regex : escape_literal(p.literal));
      flags.push_back(f);
      ids.push_back(static_cast<unsigned>(m->exprs_.size()));
      m->exprs_.push_back(e);
    }
  }
  if (exprs.empty()) return m;
  std::vector<const char*> cexprs;
  for (const auto& s : exprs) cexprs.push_back(s.c_str());
  if (cache.enabled) {
    std::string dir = cache.dir.empty() ? default_cache_dir() : cache.dir;
    if (!dir.empty()) m->cache_path_ = dir + "/patterns-" + cache_key(exprs, flags, ids).substr(0, 32) + ".hsdb";
  }
  if (!m->cache_path_.empty()) {
    if (hs_database* db = load_cache(m->cache_path_, flags)) {
      m->db_ = db;
      m->from_cache_ = true;
      for (std::size_t i = 0; i < flags.size(); ++i)
        if (m->exprs_[i].som && (flags[i] & HS_FLAG_SOM_LEFTMOST) == 0) m->exprs_[i].som = false;
      if (hs_alloc_scratch(m->db_, &m->proto_) == HS_SUCCESS) return m;
      // A database that loads but cannot get scratch space is not usable: compile afresh.
      hs_free_database(m->db_);
      m->db_ = nullptr;
      m->from_cache_ = false;
    }
  }
  // Start-of-match tracking costs vectorscan state per bounded repeat; a pattern it rejects as
  // "too large" with it is retried without (its start is then recovered from the line it is on).
  for (std::size_t attempt = 0;; ++attempt) {
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(cexprs.data(), flags.data(), ids.data(), static_cast<unsigned>(cexprs.size()),
                         HS_MODE_BLOCK, nullptr, &m->db_, &err) == HS_SUCCESS)
      break;
    std::string msg = err != nullptr ? err->message : "unknown error";
    const int bad = err != nullptr ? err->expression : -1;
    hs_free_compile_error(err);
    if (bad >= 0 && static_cast<std::size_t>(bad) < m->exprs_.size()) {
      auto b = static_cast<std::size_t>(bad);
      Expr& e = m->exprs_[b];
      if ((flags[b] & HS_FLAG_SOM_LEFTMOST) != 0 && msg.find("too large") != std::string::npos &&
          attempt < exprs.size()) {
        flags[b] &= ~static_cast<unsigned>(HS_FLAG_SOM_LEFTMOST);
        e.som = false;
        continue;
      }
      return make_error(Errc::kMalformed,
                        fmt::format("pattern rules do not compile in rule {} ({}) pattern {} {:?}: {}",
                                    m->rules_[e.rule].id, m->rules_[e.rule].source, e.pattern + 1, exprs[b], msg));
    }
    return make_error(Errc::kMalformed, fmt::format("pattern rules do not compile: {}", msg));
  }
  if (hs_alloc_scratch(m->db_, &m->proto_) != HS_SUCCESS)
    return make_error(Errc::kInternal, "vectorscan: cannot allocate scratch space");
  if (!m->cache_path_.empty() && !store_cache(m->cache_path_, m->db_, flags)) m->cache_path_.clear();
  return m;
}

hs_scratch* PatternMatcher::acquire() const {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      hs_scratch* s = pool_.back();
      pool_.pop_back();
      return s;
    }
  }
  hs_scratch* s = nullptr;
  if (hs_clone_scratch(proto_, &s) != HS_SUCCESS) return nullptr;
  return s;
}

void PatternMatcher::release(hs_scratch* s) const {
  if (s == nullptr) return;
  std::lock_guard<std::mutex> lock(pool_mu_);
  pool_.push_back(s);
}

std::vector<std::string> PatternMatcher::line_start_rules() const {
  std::vector<std::string> out;
  for (const auto& e : exprs_)
    if (!e.som && e.literal_len == 0 && !rules_[e.rule].patterns[e.pattern].single_match)
      out.push_back(rules_[e.rule].id);
  return out;
}

bool PatternMatcher::applies(std::size_t rule, const NodeInfo& node) const {
  const RuleContext& c = rules_[rule].context;
  if (!c.kinds.empty()) {
    auto k = kind_name(node.kind);
    if (std::find(c.kinds.begin(), c.kinds.end(), k) == c.kinds.end()) return false;
  }
  if (!c.paths.empty()) {
    std::string_view mp = member_path(node.path);
    bool any = false;
    for (const auto& g : c.paths)
      if (glob_match(g, mp) || glob_match(g, node.path)) any = true;
    if (!any) return false;
  }
  return true;
}

Status PatternMatcher::scan_raw(ByteView data, std::vector<Candidate>& out) const {
  if (db_ == nullptr || data.empty()) return {};
  hs_scratch* scratch = acquire();
  if (scratch == nullptr) return make_error(Errc::kInternal, "vectorscan: cannot clone scratch space");
  std::vector<std::uint32_t> literal_len(exprs_.size());
  for (std::size_t i = 0; i < exprs_.size(); ++i)
    literal_len[i] = exprs_[i].som ? 0 : exprs_[i].literal_len != 0 ? exprs_[i].literal_len : kUnknownStart;
  ScanState st;
  st.out = &out;
  st.count.assign(exprs_.size(), 0);
  st.last.assign(exprs_.size(), -1);
  st.literal_len = &literal_len;
  Status result;
  for (std::uint64_t start = 0; start < data.size();) {
    std::uint64_t len = std::min<std::uint64_t>(kChunkBytes, data.size() - start);
    st.base = start;
    std::fill(st.last.begin(), st.last.end(), -1);
    hs_error_t rc = hs_scan(db_, reinterpret_cast<const char*>(data.data() + start), static_cast<unsigned>(len), 0,
                            scratch, on_match, &st);
    if (rc != HS_SUCCESS) {
      result = make_error(Errc::kInternal, fmt::format("vectorscan: hs_scan failed ({})", rc));
      break;
    }
    if (start + len >= data.size()) break;
    st.skip_below = start + len;  // everything ending inside this chunk has been seen
    start = start + len - kChunkOverlap;
  }
  release(scratch);
  return result;
}

std::vector<Hit> PatternMatcher::scan(ByteView data, const NodeInfo& node) const {
  std::vector<Hit> hits;
  if (db_ == nullptr) return hits;
  std::vector<Candidate> cands;
  if (!scan_raw(data, cands)) return hits;
  if (cands.empty()) return hits;
  // Matches of regexes compiled without start-of-match start, for the report, at the beginning of
  // their line (at most kChunkOverlap back): the rules that need an exact start keep SOM.
  for (Candidate& c : cands) {
    if (c.from != c.to || exprs_[c.expr].som || exprs_[c.expr].literal_len != 0) continue;
    std::uint64_t lo = c.to > kChunkOverlap ? c.to - kChunkOverlap : 0;
    std::uint64_t i = c.to;
    while (i > lo && data[i - 1] != '\n' && data[i - 1] != '\0') --i;
    c.from = i;
  }
  // By start, then pattern, then longest first: the dedup below keeps the longest of one start.
  std::sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
    if (a.from != b.from) return a.from < b.from;
    return a.expr != b.expr ? a.expr < b.expr : a.to > b.to;
  });
  ValidationInput::NodeCache cache;
  std::vector<std::uint32_t> per_rule(rules_.size(), 0);
  std::vector<std::int8_t> applies_cache(rules_.size(), -1);
  // For `match: all` rules: which patterns hit, and the first hit to report.
  std::vector<std::uint64_t> seen_mask(rules_.size(), 0);
  std::vector<std::int64_t> first_hit(rules_.size(), -1);
  std::vector<Hit> pending_all;
  const Candidate* prev = nullptr;
  for (const Candidate& c : cands) {
    // Two ends of one line-start-recovered match are one candidate.
    if (prev != nullptr && prev->expr == c.expr && prev->from == c.from) continue;
    prev = &c;
    const Expr& e = exprs_[c.expr];
    const RuleDef& r = rules_[e.rule];
    if (applies_cache[e.rule] < 0) applies_cache[e.rule] = applies(e.rule, node) ? 1 : 0;
    if (applies_cache[e.rule] == 0) continue;
    if (per_rule[e.rule] >= kMaxHitsPerRule) continue;
    Hit h{e.rule, c.from, c.to, c.from, c.to, r.confidence, {}};
    int v = validator_of_rule_[e.rule];
    if (v >= 0) {
      ValidationInput in{data, c.from, c.to, node, cache};
      Validation res = validators()[static_cast<std::size_t>(v)].fn(in);
      if (!res.accept) continue;
      h.value_from = res.value_from;
      h.value_to = res.value_to;
      if (!res.confidence.empty()) h.confidence = res.confidence;
      h.note = std::move(res.note);
      h.to = std::max(h.to, res.value_to);
    }
    if (r.min_entropy > 0) {
      std::string_view val(reinterpret_cast<const char*>(data.data() + h.value_from),
                           static_cast<std::size_t>(h.value_to - h.value_from));
      if (string_entropy(val) < r.min_entropy) continue;
    }
    if (r.match_all && r.patterns.size() > 1) {
      if (e.pattern < 64) seen_mask[e.rule] |= 1ull << e.pattern;
      if (first_hit[e.rule] < 0) {
        first_hit[e.rule] = static_cast<std::int64_t>(pending_all.size());
        pending_all.push_back(h);
      }
      continue;
    }
    ++per_rule[e.rule];
    hits.push_back(std::move(h));
  }
  for (std::size_t ri = 0; ri < rules_.size(); ++ri) {
    if (first_hit[ri] < 0) continue;
    std::size_t n = std::min<std::size_t>(rules_[ri].patterns.size(), 64);
    std::uint64_t want = n == 64 ? ~0ull : ((1ull << n) - 1);
    if ((seen_mask[ri] & want) == want) hits.push_back(pending_all[static_cast<std::size_t>(first_hit[ri])]);
  }
  return hits;
}

}  // namespace assay::rules
