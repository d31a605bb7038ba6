#pragma once
// Default-password cracking: every crypt(3) hash found in an account database is tried against a
// short list of default and common device passwords (rules/credentials/default-passwords.yaml),
// the user's lists (--passwords), the account's own name, and the passwords that the user's
// DefaultCreds-style CSV gives for that user name. The work is bounded per hash by the scheme's
// cost (named limits in cracker.cpp), so a bcrypt or yescrypt hash costs a handful of guesses,
// not thousands. Thread-safe: crypt_rn with a per-call crypt_data; a per-scan cache shares
// results between identical hashes (shadow and shadow- hold the same ones).

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "assay/scan.hpp"
#include "formats/passwd/passwd.hpp"

namespace assay::analyzers::accounts {

struct Candidate {
  std::string password;
  std::string source;  ///< "built-in list (Dahua DVR (Mirai))", "user name", "--passwords FILE"
};

/// The candidate lists of one scan (built once, shared by every thread).
struct CandidateSet {
  std::vector<Candidate> builtin;   ///< in rule-file order
  std::size_t slow_top = 24;        ///< how many built-in entries a slow hash gets
  std::vector<Candidate> extra;     ///< from the user's files, deduplicated
  std::map<std::string, std::vector<Candidate>> by_user;  ///< CSV rows keyed by user name
  std::vector<std::string> diagnostics;                   ///< unreadable user files, bad YAML

  /// Loads the built-in list (through load_data_file, honouring --rules) and the user's files.
  static std::unique_ptr<CandidateSet> load(const AnalysisConfig& config);
};

struct CrackResult {
  bool cracked = false;
  Candidate match;
  std::size_t tried = 0;
  bool exhausted = false;  ///< the per-hash bound stopped the search before the lists ended
};

/// Tries the candidates against `hash` (a crypt(3) string) for account `user`.
CrackResult crack(const passwd::HashInfo& hash, const std::string& user, const CandidateSet& set);

/// Results shared across the nodes of one scan (keyed by hash and user).
class CrackCache {
 public:
  CrackResult get(const passwd::HashInfo& hash, const std::string& user, const CandidateSet& set) const;

 private:
  mutable std::mutex mu_;
  mutable std::map<std::string, CrackResult> done_;
};

}  // namespace assay::analyzers::accounts
