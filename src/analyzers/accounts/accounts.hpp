#pragma once
// Accounts analyzer: reads passwd, shadow and group files (by path, and by content shape for
// files whose name says passwd/shadow), cracks their hashes against default passwords, and
// records one "system.accounts" fact per file. The product analyzer joins passwd with shadow of
// the same system and judges: empty passwords, default passwords, extra uid-0 accounts, weak hash
// schemes, hashes left in passwd. See README.md beside this file.

#include <optional>
#include <string>
#include <vector>

#include "engine/analyzer.hpp"

namespace assay::analyzers {

class AccountsAnalyzer final : public NodeAnalyzer {
 public:
  std::string_view id() const override { return "accounts"; }
  bool wants(const NodeInfo& node) const override;
  void analyze(const NodeView& node, ScanContext& ctx) const override;
};

class AccountsProductAnalyzer final : public ProductAnalyzer {
 public:
  std::string_view id() const override { return "accounts"; }
  void analyze(const ProductView& product, ScanContext& ctx) const override;
};

namespace accounts {

/// One account after joining passwd and shadow of the same system.
struct Account {
  std::string name;
  std::optional<std::uint32_t> uid;
  std::optional<std::uint32_t> gid;
  std::string home;
  std::string shell;
  bool login_shell = true;    ///< the shell is not nologin/false (unknown counts as a shell)
  bool in_passwd = false;
  std::string state = "none"; ///< empty | locked | hash | none (no password data found)
  std::string scheme = "none";
  bool inline_hash = false;   ///< the hash sits in passwd itself
  std::string default_password;  ///< set when cracked
  std::string default_source;
  bool cracked = false;
  Evidence passwd_evidence;
  std::optional<Evidence> shadow_evidence;
};

/// The accounts of one system (one root file system, or one side database such as
/// etc/telnetd/passwd, which busybox telnetd setups use instead of etc/passwd).
struct AccountDb {
  std::string root;  ///< system root (join key with services)
  std::string dir;   ///< "etc/" or "etc/telnetd/"
  std::vector<Account> accounts;
};

/// Joins the "system.accounts" facts into account databases (backup files "passwd-",
/// "shadow-" only where the primary file is absent).
std::vector<AccountDb> join_accounts(const std::vector<Fact>& facts);

}  // namespace accounts
}  // namespace assay::analyzers
