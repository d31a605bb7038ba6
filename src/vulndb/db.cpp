// The SQLite store. Import runs in one transaction with prepared statements (≈100k records per
// few seconds; bench/vulndb.sh measures it); queries use the (ecosystem, package) and
// (cpe_vendor, cpe_product) indexes, so a scan's cost is one indexed lookup per component.
//
// Upsert rule: an advisory id is replaced only when the incoming `modified` is newer than the
// stored one (string comparison of RFC 3339 UTC timestamps, which OSV and NVD both use); its
// affected rows are deleted and re-inserted with it. Re-importing the same feed changes nothing.

#include "vulndb/db.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>

namespace assay::vulndb {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int kSchemaVersion = 1;
// Feeds are read whole (nlohmann DOM). NVD's yearly 2.0 feeds are the largest at a few hundred MB.
constexpr std::uint64_t kMaxFeedBytes = 1024ull * 1024 * 1024;
// Parse problems reported back to the user; the rest are only counted.
constexpr std::size_t kMaxProblems = 20;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS advisories(
  id TEXT PRIMARY KEY, source TEXT NOT NULL, modified TEXT, published TEXT, withdrawn TEXT,
  summary TEXT, details TEXT, severity TEXT, severity_label TEXT,
  cvss_v3_score REAL, cvss_v3_vector TEXT, cvss_v4_score REAL, cvss_v4_vector TEXT,
  aliases TEXT, refs TEXT, cwes TEXT);
CREATE TABLE IF NOT EXISTS affected(
  advisory TEXT NOT NULL, ecosystem TEXT NOT NULL, package TEXT NOT NULL, purl TEXT,
  cpe_vendor TEXT, cpe_product TEXT, cpe TEXT, range_type TEXT NOT NULL,
  introduced TEXT, introduced_exclusive INTEGER NOT NULL DEFAULT 0, fixed TEXT,
  last_affected TEXT, versions TEXT, repo TEXT);
CREATE INDEX IF NOT EXISTS affected_package ON affected(ecosystem, package);
CREATE INDEX IF NOT EXISTS affected_cpe ON affected(cpe_vendor, cpe_product);
CREATE INDEX IF NOT EXISTS affected_advisory ON affected(advisory);
CREATE TABLE IF NOT EXISTS aliases(alias TEXT NOT NULL, advisory TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS aliases_alias ON aliases(alias);
CREATE INDEX IF NOT EXISTS aliases_advisory ON aliases(advisory);
CREATE TABLE IF NOT EXISTS meta(
  source TEXT PRIMARY KEY, imported_at TEXT, advisories INTEGER, affected INTEGER,
  newest_modified TEXT);
CREATE TABLE IF NOT EXISTS info(key TEXT PRIMARY KEY, value TEXT);
)sql";

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { ok_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) == SQLITE_OK; }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return ok_; }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  void bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind_null(int i) { sqlite3_bind_null(s_, i); }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind(int i, const std::optional<double>& v) {
    if (v) sqlite3_bind_double(s_, i, *v);
    else sqlite3_bind_null(s_, i);
  }
  int step() { return sqlite3_step(s_); }
  std::string text(int col) const {
    const unsigned char* t = sqlite3_column_text(s_, col);
    return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(s_, col)))
             : std::string();
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  std::optional<double> real(int col) const {
    if (sqlite3_column_type(s_, col) == SQLITE_NULL) return std::nullopt;
    return sqlite3_column_double(s_, col);
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  bool ok_ = false;
};

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json string_array(const std::vector<std::string>& v) { return json(v); }

std::vector<std::string> parse_string_array(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& x : j)
    if (x.is_string()) out.push_back(x.get<std::string>());
  return out;
}

bool has_suffix(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

struct Database::Statements {
  explicit Statements(sqlite3* db)
      : get_modified(db, "SELECT modified FROM advisories WHERE id = ?1"),
        del_affected(db, "DELETE FROM affected WHERE advisory = ?1"),
        del_aliases(db, "DELETE FROM aliases WHERE advisory = ?1"),
        put_advisory(db,
                     "INSERT OR REPLACE INTO advisories(id, source, modified, published, withdrawn, "
                     "summary, details, severity, severity_label, cvss_v3_score, cvss_v3_vector, "
                     "cvss_v4_score, cvss_v4_vector, aliases, refs, cwes) "
                     "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"),
        put_affected(db,
                     "INSERT INTO affected(advisory, ecosystem, package, purl, cpe_vendor, "
                     "cpe_product, cpe, range_type, introduced, introduced_exclusive, fixed, "
                     "last_affected, versions, repo) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)"),
        put_alias(db, "INSERT INTO aliases(alias, advisory) VALUES(?1, ?2)") {}
  bool ok() const {
    return get_modified.ok() && del_affected.ok() && del_aliases.ok() && put_advisory.ok() &&
           put_affected.ok() && put_alias.ok();
  }
  Stmt get_modified, del_affected, del_aliases, put_advisory, put_affected, put_alias;
};

std::string default_db_path() {
  if (const char* p = std::getenv("ASSAY_DB"); p && *p) return p;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/assay/vuln.db";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/assay/vuln.db";
  return "vuln.db";
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path, bool writable) {
  std::error_code ec;
  if (!writable && !fs::is_regular_file(path, ec))
    return make_error(Errc::kIo, "vulnerability database not found: " + path);
  if (writable) {
    fs::path parent = fs::path(path).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
  }
  sqlite3* db = nullptr;
  int flags = writable ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return make_error(Errc::kIo, "cannot open vulnerability database " + path + ": " + msg);
  }
  std::unique_ptr<Database> d(new Database(db, path));
  sqlite3_busy_timeout(db, 5000);
  if (writable) {
    if (auto st = d->exec(kSchema); !st.ok()) return std::move(st).error();
    std::string v = "INSERT OR IGNORE INTO info(key, value) VALUES('schema', '" + std::to_string(kSchemaVersion) + "')";
    if (auto st = d->exec(v.c_str()); !st.ok()) return std::move(st).error();
  }
  Stmt q(db, "SELECT value FROM info WHERE key = 'schema'");
  if (!q.ok() || q.step() != SQLITE_ROW || q.text(0) != std::to_string(kSchemaVersion))
    return make_error(Errc::kIo, path + " is not an Assay vulnerability database (schema " +
                                     std::to_string(kSchemaVersion) + ")");
  return d;
}

Database::~Database() { sqlite3_close(db_); }

Status Database::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return make_error(Errc::kIo, "SQLite: " + msg);
  }
  return {};
}

Status Database::store(const Advisory& a, ImportStats& st) {
  Statements& s = *stmts_;
  s.get_modified.reset();
  s.get_modified.bind(1, a.id);
  bool exists = false;
  if (s.get_modified.step() == SQLITE_ROW) {
    exists = true;
    if (s.get_modified.text(0) >= a.modified) {
      ++st.unchanged;
      return {};
    }
  }
  if (exists) {
    s.del_affected.reset();
    s.del_affected.bind(1, a.id);
    s.del_affected.step();
    s.del_aliases.reset();
    s.del_aliases.bind(1, a.id);
    s.del_aliases.step();
  }
  auto& p = s.put_advisory;
  p.reset();
  p.bind(1, a.id);
  p.bind(2, a.source);
  p.bind(3, a.modified);
  p.bind(4, a.published);
  p.bind(5, a.withdrawn);
  p.bind(6, a.summary);
  p.bind(7, a.details);
  p.bind(8, a.severity.dump());
  p.bind(9, a.severity_label);
  p.bind(10, a.cvss_v3_score);
  p.bind(11, a.cvss_v3_vector);
  p.bind(12, a.cvss_v4_score);
  p.bind(13, a.cvss_v4_vector);
  p.bind(14, string_array(a.aliases).dump());
  p.bind(15, string_array(a.references).dump());
  p.bind(16, string_array(a.cwes).dump());
  if (p.step() != SQLITE_DONE) return make_error(Errc::kIo, std::string("SQLite insert: ") + sqlite3_errmsg(db_));
  for (const auto& r : a.affected) {
    auto& q = s.put_affected;
    q.reset();
    q.bind(1, a.id);
    q.bind(2, r.ecosystem);
    q.bind(3, r.package);
    q.bind(4, r.purl);
    q.bind(5, r.cpe_vendor);
    q.bind(6, r.cpe_product);
    q.bind(7, r.cpe);
    q.bind(8, r.range_type);
    q.bind(9, r.introduced);
    q.bind(10, std::int64_t{r.introduced_exclusive ? 1 : 0});
    q.bind(11, r.fixed);
    q.bind(12, r.last_affected);
    if (r.versions.empty()) q.bind_null(13);
    else q.bind(13, string_array(r.versions).dump());
    q.bind(14, r.repo);
    if (q.step() != SQLITE_DONE) return make_error(Errc::kIo, std::string("SQLite insert: ") + sqlite3_errmsg(db_));
  }
  std::set<std::string> names(a.aliases.begin(), a.aliases.end());
  names.insert(a.id);
  for (const auto& n : names) {
    s.put_alias.reset();
    s.put_alias.bind(1, n);
    s.put_alias.bind(2, a.id);
    s.put_alias.step();
  }
  ++(exists ? st.updated : st.inserted);
  return {};
}

Status Database::import_text(std::string_view text, const std::string& origin, ImportStats& st) {
  ++st.files;
  std::size_t skipped = 0;
  auto recs = parse_feed(text, &skipped);
  if (!recs.ok()) {
    ++st.skipped;
    if (st.problems.size() < kMaxProblems) st.problems.push_back(origin + ": " + recs.error().message);
    return {};
  }
  st.skipped += skipped;
  if (skipped && st.problems.size() < kMaxProblems)
    st.problems.push_back(origin + ": " + std::to_string(skipped) + " record(s) without an id skipped");
  for (const auto& a : *recs) {
    ++st.records;
    ASSAY_TRY_STATUS(store(a, st));
  }
  return {};
}

Status Database::import_archive(const std::string& file, ImportStats& st) {
  struct archive* ar = archive_read_new();
  archive_read_support_filter_all(ar);
  archive_read_support_format_zip(ar);
  archive_read_support_format_tar(ar);
  archive_read_support_format_raw(ar);
  if (archive_read_open_filename(ar, file.c_str(), 64 * 1024) != ARCHIVE_OK) {
    std::string msg = archive_error_string(ar) ? archive_error_string(ar) : "unreadable";
    archive_read_free(ar);
    return make_error(Errc::kIo, file + ": " + msg);
  }
  struct archive_entry* entry = nullptr;
  Status result;
  while (archive_read_next_header(ar, &entry) == ARCHIVE_OK) {
    const char* name_c = archive_entry_pathname(entry);
    std::string name = name_c ? name_c : "data";
    bool raw = archive_format(ar) == ARCHIVE_FORMAT_RAW;
    if (!raw && (archive_entry_filetype(entry) != AE_IFREG || !has_suffix(name, ".json"))) continue;
    std::string text;
    char buf[64 * 1024];
    la_ssize_t n;
    while ((n = archive_read_data(ar, buf, sizeof buf)) > 0) {
      if (text.size() + static_cast<std::size_t>(n) > kMaxFeedBytes) break;
      text.append(buf, static_cast<std::size_t>(n));
    }
    if (n < 0) {
      ++st.skipped;
      if (st.problems.size() < kMaxProblems) st.problems.push_back(file + "!/" + name + ": " + (archive_error_string(ar) ? archive_error_string(ar) : "read error"));
      continue;
    }
    result = import_text(text, file + "!/" + name, st);
    if (!result.ok()) break;
  }
  archive_read_free(ar);
  return result;
}

Status Database::import_file(const std::string& file, ImportStats& st) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(Errc::kIo, "cannot read " + file);
  char magic[4] = {};
  in.read(magic, 4);
  bool zip = magic[0] == 'P' && magic[1] == 'K';
  bool gz = static_cast<unsigned char>(magic[0]) == 0x1f && static_cast<unsigned char>(magic[1]) == 0x8b;
  bool xz = static_cast<unsigned char>(magic[0]) == 0xfd && magic[1] == '7';
  bool bz = magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h';
  if (zip || gz || xz || bz) {
    in.close();
    return import_archive(file, st);
  }
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec || size > kMaxFeedBytes) {
    ++st.skipped;
    if (st.problems.size() < kMaxProblems) st.problems.push_back(file + ": too large or unreadable");
    return {};
  }
  std::string text(static_cast<std::size_t>(size), '\0');
  in.seekg(0);
  in.read(text.data(), static_cast<std::streamsize>(size));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return import_text(text, file, st);
}

Result<ImportStats> Database::import(const std::vector<std::string>& paths) {
  auto t0 = std::chrono::steady_clock::now();
  ImportStats st;
  Statements stmts(db_);
  if (!stmts.ok()) return make_error(Errc::kIo, std::string("SQLite prepare: ") + sqlite3_errmsg(db_));
  stmts_ = &stmts;
  struct Reset {
    Statements*& p;
    ~Reset() { p = nullptr; }
  } reset{stmts_};
  // A large page cache keeps the three affected-row indexes in memory while they grow (the
  // default 2 MB made a 200k-advisory import several times slower); it is per connection only.
  (void)exec("PRAGMA cache_size = -262144");
  ASSAY_TRY_STATUS(exec("BEGIN IMMEDIATE"));
  Status result;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> files;
      for (fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
           !ec && it != end; it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        std::string f = it->path().string();
        if (has_suffix(f, ".json") || has_suffix(f, ".zip") || has_suffix(f, ".json.gz") || has_suffix(f, ".json.xz"))
          files.push_back(f);
      }
      std::sort(files.begin(), files.end());  // deterministic order: same problems, same counts
      for (const auto& f : files) {
        result = import_file(f, st);
        if (!result.ok()) break;
      }
    } else if (fs::is_regular_file(p, ec)) {
      result = import_file(p, st);
    } else {
      result = make_error(Errc::kIo, "no such file or directory: " + p);
    }
    if (!result.ok()) break;
  }
  if (!result.ok()) {
    (void)exec("ROLLBACK");
    return std::move(result).error();
  }
  // meta: per source, recomputed from the tables so it is right after any mix of imports.
  std::string now = now_utc();
  Stmt sources(db_,
               "SELECT a.source, COUNT(*), MAX(a.modified), "
               "(SELECT COUNT(*) FROM affected f WHERE f.advisory IN "
               "(SELECT id FROM advisories b WHERE b.source = a.source)) FROM advisories a GROUP BY a.source");
  Stmt prev(db_, "SELECT advisories, newest_modified FROM meta WHERE source = ?1");
  Stmt put(db_, "INSERT OR REPLACE INTO meta(source, imported_at, advisories, affected, newest_modified) VALUES(?1,?2,?3,?4,?5)");
  Stmt keep(db_, "SELECT imported_at FROM meta WHERE source = ?1");
  while (sources.step() == SQLITE_ROW) {
    std::string src = sources.text(0);
    prev.reset();
    prev.bind(1, src);
    std::string imported_at = now;  // kept from before when nothing of this source changed
    if (prev.step() == SQLITE_ROW && prev.integer(0) == sources.integer(1) && prev.text(1) == sources.text(2) &&
        st.inserted + st.updated == 0) {
      keep.reset();
      keep.bind(1, src);
      if (keep.step() == SQLITE_ROW) imported_at = keep.text(0);
    }
    put.reset();
    put.bind(1, src);
    put.bind(2, imported_at);
    put.bind(3, sources.integer(1));
    put.bind(4, sources.integer(3));
    put.bind(5, sources.text(2));
    put.step();
  }
  ASSAY_TRY_STATUS(exec("COMMIT"));
  st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return st;
}

Result<json> Database::status() {
  json out;
  out["path"] = path_;
  std::error_code ec;
  out["size"] = static_cast<std::uint64_t>(fs::file_size(path_, ec));
  out["schema"] = kSchemaVersion;
  json sources = json::array();
  std::uint64_t adv = 0, aff = 0;
  std::string newest, imported;
  Stmt q(db_, "SELECT source, imported_at, advisories, affected, newest_modified FROM meta ORDER BY source");
  if (!q.ok()) return make_error(Errc::kIo, std::string("SQLite: ") + sqlite3_errmsg(db_));
  while (q.step() == SQLITE_ROW) {
    json s = {{"source", q.text(0)}, {"imported_at", q.text(1)}, {"advisories", q.integer(2)},
              {"affected", q.integer(3)}, {"newest_modified", q.text(4)}};
    adv += static_cast<std::uint64_t>(q.integer(2));
    aff += static_cast<std::uint64_t>(q.integer(3));
    newest = std::max(newest, q.text(4));
    imported = std::max(imported, q.text(1));
    sources.push_back(std::move(s));
  }
  out["sources"] = std::move(sources);
  out["advisories"] = adv;
  out["affected"] = aff;
  out["newest_modified"] = newest;
  out["imported_at"] = imported;
  return out;
}

std::vector<AffectedRow> Database::query_rows(const char* sql, const std::vector<std::string>& args) {
  std::vector<AffectedRow> out;
  Stmt q(db_,
         (std::string("SELECT advisory, ecosystem, package, purl, cpe_vendor, cpe_product, cpe, "
                      "range_type, introduced, introduced_exclusive, fixed, last_affected, versions, "
                      "repo FROM affected WHERE ") + sql).c_str());
  if (!q.ok()) return out;
  for (std::size_t i = 0; i < args.size(); ++i) q.bind(static_cast<int>(i + 1), args[i]);
  while (q.step() == SQLITE_ROW) {
    AffectedRow row;
    row.advisory = q.text(0);
    auto& r = row.range;
    r.ecosystem = q.text(1);
    r.package = q.text(2);
    r.purl = q.text(3);
    r.cpe_vendor = q.text(4);
    r.cpe_product = q.text(5);
    r.cpe = q.text(6);
    r.range_type = q.text(7);
    r.introduced = q.text(8);
    r.introduced_exclusive = q.integer(9) != 0;
    r.fixed = q.text(10);
    r.last_affected = q.text(11);
    r.versions = parse_string_array(q.text(12));
    r.repo = q.text(13);
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<AffectedRow> Database::find_package(std::string_view ecosystem, std::string_view package) {
  return query_rows("ecosystem = ?1 AND package = ?2",
                    {std::string(ecosystem), normalize_package(ecosystem, package)});
}

std::vector<AffectedRow> Database::find_cpe(std::string_view vendor, std::string_view product) {
  return query_rows("cpe_vendor = ?1 AND cpe_product = ?2", {std::string(vendor), std::string(product)});
}

std::vector<AffectedRow> Database::find_upstream(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return query_rows(
      "ecosystem IN ('Bitnami', 'OSS-Fuzz', 'GIT', '') AND package IN (?1, ?2)",
      {std::string(name), lower});
}

bool Database::has_ecosystem(std::string_view ecosystem) {
  Stmt q(db_, "SELECT 1 FROM affected WHERE ecosystem = ?1 LIMIT 1");
  if (!q.ok()) return false;
  q.bind(1, ecosystem);
  return q.step() == SQLITE_ROW;
}

std::optional<Advisory> Database::advisory(std::string_view id) {
  Stmt q(db_,
         "SELECT id, source, modified, published, withdrawn, summary, details, severity, "
         "severity_label, cvss_v3_score, cvss_v3_vector, cvss_v4_score, cvss_v4_vector, aliases, "
         "refs, cwes FROM advisories WHERE id = ?1");
  if (!q.ok()) return std::nullopt;
  q.bind(1, id);
  if (q.step() != SQLITE_ROW) return std::nullopt;
  Advisory a;
  a.id = q.text(0);
  a.source = q.text(1);
  a.modified = q.text(2);
  a.published = q.text(3);
  a.withdrawn = q.text(4);
  a.summary = q.text(5);
  a.details = q.text(6);
  a.severity = json::parse(q.text(7), nullptr, false);
  if (a.severity.is_discarded()) a.severity = json::array();
  a.severity_label = q.text(8);
  a.cvss_v3_score = q.real(9);
  a.cvss_v3_vector = q.text(10);
  a.cvss_v4_score = q.real(11);
  a.cvss_v4_vector = q.text(12);
  a.aliases = parse_string_array(q.text(13));
  a.references = parse_string_array(q.text(14));
  a.cwes = parse_string_array(q.text(15));
  return a;
}

}  // namespace assay::vulndb
