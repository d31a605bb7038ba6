// assay db import FEED... | db status: the offline vulnerability database (src/vulndb). Scans read
// it with --vulndb FILE or from the default path; nothing here or there touches the network.
#include <fmt/format.h>

#include "cli.hpp"
#include "vulndb/db.hpp"

namespace assay::cli {
namespace {

struct DbOptions {
  std::vector<std::string> feeds;
  std::string db;
  bool json = false;
};

std::string db_path(const DbOptions& o) { return o.db.empty() ? vulndb::default_db_path() : o.db; }

int run_import(const DbOptions& o) {
  auto db = vulndb::Database::open(db_path(o), /*writable=*/true);
  if (!db) return error_exit(db.error());
  auto st = (*db)->import(o.feeds);
  if (!st) return error_exit(st.error());
  const auto& s = *st;
  if (o.json) {
    nlohmann::json j = {{"db", (*db)->path()},       {"files", s.files},         {"records", s.records},
                        {"inserted", s.inserted},    {"updated", s.updated},     {"unchanged", s.unchanged},
                        {"skipped", s.skipped},      {"problems", s.problems},   {"seconds", s.seconds}};
    fmt::print("{}\n", j.dump(2));
  } else {
    double rate = s.seconds > 0 ? static_cast<double>(s.records) / s.seconds : 0;
    fmt::print("{}: {} file(s), {} record(s): {} new, {} updated, {} unchanged, {} skipped in {:.2f} s ({:.0f} records/s)\n",
               (*db)->path(), s.files, s.records, s.inserted, s.updated, s.unchanged, s.skipped, s.seconds, rate);
    for (const auto& p : s.problems) fmt::print(stderr, "warning: {}\n", p);
  }
  return kExitPass;
}

int run_status(const DbOptions& o) {
  auto db = vulndb::Database::open(db_path(o), /*writable=*/false);
  if (!db) return error_exit(db.error());
  auto st = (*db)->status();
  if (!st) return error_exit(st.error());
  const auto& j = *st;
  if (o.json) {
    fmt::print("{}\n", j.dump(2));
    return kExitPass;
  }
  fmt::print("database:   {} ({} bytes, schema {})\n", j["path"].get<std::string>(), j["size"].get<std::uint64_t>(),
             j["schema"].get<int>());
  fmt::print("advisories: {}   affected ranges: {}\n", j["advisories"].get<std::uint64_t>(),
             j["affected"].get<std::uint64_t>());
  fmt::print("newest:     {}   last import: {}\n", j["newest_modified"].get<std::string>(),
             j["imported_at"].get<std::string>());
  for (const auto& s : j["sources"])
    fmt::print("  {:<20} {:>8} advisories {:>9} ranges  newest {}  imported {}\n", s["source"].get<std::string>(),
               s["advisories"].get<std::int64_t>(), s["affected"].get<std::int64_t>(),
               s["newest_modified"].get<std::string>(), s["imported_at"].get<std::string>());
  return kExitPass;
}

}  // namespace

void register_db(CLI::App& app) {
  auto o = std::make_shared<DbOptions>();
  auto* db = app.add_subcommand("db", "the offline vulnerability database (OSV and NVD feeds)");
  db->require_subcommand(1);
  auto* imp = db->add_subcommand("import", "import OSV JSON (files, directories, zip archives) and NVD CVE JSON 2.0 feeds");
  imp->add_option("feeds", o->feeds, "feed files or directories")->required();
  imp->add_option("--db", o->db, "database file (default: $ASSAY_DB, $XDG_DATA_HOME/assay/vuln.db or ~/.local/share/assay/vuln.db)");
  imp->add_flag("--json", o->json, "machine-readable summary");
  imp->callback([o] { set_exit(run_import(*o)); });
  auto* status = db->add_subcommand("status", "sources, counts, newest record and file path");
  status->add_option("--db", o->db, "database file");
  status->add_flag("--json", o->json, "machine-readable output");
  status->callback([o] { set_exit(run_status(*o)); });
}

}  // namespace assay::cli
