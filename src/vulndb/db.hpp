#pragma once
/// \file db.hpp
/// The offline vulnerability database: one SQLite file built by `assay db import` from OSV and NVD
/// feeds and opened read-only by scans. The schema is in db.cpp (kSchema) and docs/vulndb.md.
/// Not thread-safe: one Database per thread (a scan uses it from one product analyzer).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "assay/result.hpp"
#include "vulndb/feed.hpp"

struct sqlite3;

namespace assay::vulndb {

/// Where the database lives when no path is given: $ASSAY_DB, else $XDG_DATA_HOME/assay/vuln.db,
/// else ~/.local/share/assay/vuln.db.
std::string default_db_path();

struct ImportStats {
  std::uint64_t files = 0;       ///< JSON documents read (zip members count one each)
  std::uint64_t records = 0;     ///< advisories parsed
  std::uint64_t inserted = 0;    ///< new ids
  std::uint64_t updated = 0;     ///< ids with a newer `modified`
  std::uint64_t unchanged = 0;   ///< ids already present with the same or a newer `modified`
  std::uint64_t skipped = 0;     ///< records or files that did not parse
  std::vector<std::string> problems;  ///< the first few parse problems, "file: message"
  double seconds = 0;
};

struct AffectedRow {
  std::string advisory;
  AffectedRange range;
};

class Database {
 public:
  /// Opens `path`. writable: creates the file and schema when missing. Read-only: kIo when the
  /// file does not exist or is not an Assay database (the schema version is checked).
  static Result<std::unique_ptr<Database>> open(const std::string& path, bool writable);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  /// Imports OSV JSON files, directories (recursively: *.json, *.zip, *.json.gz) and OSV
  /// per-ecosystem zip archives, and NVD CVE JSON 2.0 feeds (plain, .gz or .zip). One
  /// transaction; idempotent: a record replaces the stored one only when its `modified` is newer.
  /// Errors: kIo (a path cannot be read, or SQLite fails). A record that does not parse is
  /// counted in `skipped`, not an error.
  Result<ImportStats> import(const std::vector<std::string>& paths);

  /// {path, size, schema, sources: [{source, imported_at, advisories, affected, newest_modified}],
  ///  advisories, affected, newest_modified, imported_at}.
  Result<nlohmann::json> status();

  /// Rows for a packaged component (ecosystem exact, package as normalize_package() spells it).
  std::vector<AffectedRow> find_package(std::string_view ecosystem, std::string_view package);
  /// Rows whose CPE vendor and product match (lower case).
  std::vector<AffectedRow> find_cpe(std::string_view vendor, std::string_view product);
  /// Rows of upstream projects without an ecosystem order of their own (OSV "Bitnami",
  /// "OSS-Fuzz", "GIT", NVD) whose package name is `name` (compared lower-case).
  std::vector<AffectedRow> find_upstream(std::string_view name);
  /// True when the database has any data for this exact ecosystem ("Debian:12").
  bool has_ecosystem(std::string_view ecosystem);
  /// An advisory without its affected rows (nullopt when absent).
  std::optional<Advisory> advisory(std::string_view id);

  const std::string& path() const noexcept { return path_; }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status import_text(std::string_view text, const std::string& origin, ImportStats& st);
  Status import_file(const std::string& file, ImportStats& st);
  Status import_archive(const std::string& file, ImportStats& st);
  Status store(const Advisory& a, ImportStats& st);
  std::vector<AffectedRow> query_rows(const char* sql, const std::vector<std::string>& args);
  Status exec(const char* sql);

  struct Statements;  // the prepared statements of one import (db.cpp)

  sqlite3* db_;
  std::string path_;
  Statements* stmts_ = nullptr;  // set while import() runs
};

}  // namespace assay::vulndb
