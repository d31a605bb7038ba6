#pragma once
/// \file passwd.hpp
/// Parsers for the account databases of Unix-like systems: passwd (also busybox's and the old
/// inline-hash form, etc/telnetd/passwd, passwd-), shadow and group; and identification of
/// crypt(3) hash schemes. Pure parsers: no judgement about what an account means.
///
/// The files are text with one record per line and ':' separators. Lines that do not have the
/// shape of a record are kept as diagnostics (line number and reason), never an error: a vetting
/// report wants to know about a broken passwd, not to stop on it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "assay/result.hpp"
#include "core/bytes.hpp"

namespace assay::passwd {

/// Lines read from one file. An account database with more records than this is not a device's
/// (a large directory server's export has ~50k); the rest is ignored with a diagnostic.
inline constexpr std::size_t kMaxRecords = 65536;
/// Longest line kept. glibc's NSS files backend has no limit, but real records are < 512 bytes;
/// longer lines are cut (and noted) so that a hostile file cannot make every field huge.
inline constexpr std::size_t kMaxLineBytes = 4096;
/// Diagnostics kept per file.
inline constexpr std::size_t kMaxDiagnostics = 32;

/// The crypt(3) scheme a password field uses (see crypt(5)).
enum class HashScheme {
  kNone,         ///< no hash: the field is empty, locked or a pointer to shadow
  kDes,          ///< traditional DES crypt: 13 chars of [./0-9A-Za-z]
  kBsdiDes,      ///< _ + 19 chars (BSDi extended DES)
  kMd5,          ///< $1$
  kBcrypt,       ///< $2$, $2a$, $2b$, $2x$, $2y$
  kSunMd5,       ///< $md5$
  kNtHash,       ///< $3$ (FreeBSD NT hash)
  kSha256,       ///< $5$
  kSha512,       ///< $6$
  kScrypt,       ///< $7$
  kYescrypt,     ///< $y$
  kGostYescrypt, ///< $gy$
  kSha1Crypt,    ///< $sha1$ (NetBSD)
  kApr1,         ///< $apr1$ (Apache htpasswd MD5, 1000 iterations)
  // Unsalted (or singly salted) fast digests that are not crypt(3) at all but that web servers,
  // vendor CGI and hand-rolled login code store (htpasswd {SHA}, "md5(password)" columns).
  kRawMd5,       ///< 32 hex digits: MD5(password)
  kRawSha1,      ///< 40 hex digits: SHA-1(password)
  kRawSha256,    ///< 64 hex digits: SHA-256(password)
  kLdapSha,      ///< {SHA} + base64(SHA-1(password)) (htpasswd -s, RFC 2307)
  kLdapSsha,     ///< {SSHA} + base64(SHA-1(password + salt) + salt)
  kPlainOrUnknown,  ///< something else: a plain-text password or an unknown encoding
};

/// What the field says about logging in with a password.
enum class PasswordState {
  kEmpty,   ///< "" : no password at all
  kLocked,  ///< "*", "!", "!!", "!<hash>", "*LK*", "x" in shadow ... : password login refused
  kHash,    ///< a crypt(3) hash (or an unknown string that may be one)
  kShadow,  ///< passwd "x" (or "*" on some busybox builds when shadow exists): look in shadow
};

struct HashInfo {
  HashScheme scheme = HashScheme::kNone;
  PasswordState state = PasswordState::kEmpty;
  /// Work factor where the scheme has one: bcrypt log2 cost, sha-crypt rounds, yescrypt N log2.
  std::optional<std::uint32_t> cost;
  /// The hash with any lock prefix removed ("!$6$..." → "$6$..."), for cracking a locked hash.
  std::string hash;
};

/// Classifies one password field. `in_shadow` selects how "x" is read (a pointer in passwd,
/// a locked marker in shadow).
HashInfo identify_hash(std::string_view field, bool in_shadow);

std::string_view scheme_name(HashScheme s) noexcept;
std::string_view state_name(PasswordState s) noexcept;
/// True for the schemes crypt(5) calls weak: DES, BSDi DES, MD5 (and the NT hash).
bool is_weak_scheme(HashScheme s) noexcept;
/// True for the unsalted (or single-round salted) digests above: one fast hash per guess, and
/// for the unsalted ones the same password has the same hash on every device (lookup tables).
bool is_raw_digest(HashScheme s) noexcept;
/// True for schemes whose default cost makes each guess take milliseconds (bcrypt, scrypt,
/// yescrypt, gost-yescrypt); the cracker spends only a short candidate list on them.
bool is_slow_scheme(HashScheme s) noexcept;

struct PasswdEntry {
  std::string name;
  std::string password;  ///< the raw field ("x", "", "*", an inline hash)
  std::optional<std::uint32_t> uid;
  std::optional<std::uint32_t> gid;
  std::string gecos;
  std::string home;
  std::string shell;
  std::uint32_t line = 0;  ///< 1-based
  std::string raw;         ///< the line as written (cut at kMaxLineBytes)
};

struct ShadowEntry {
  std::string name;
  std::string password;
  std::uint32_t line = 0;
  std::string raw;
};

struct GroupEntry {
  std::string name;
  std::string password;
  std::optional<std::uint32_t> gid;
  std::vector<std::string> members;
  std::uint32_t line = 0;
};

template <class Entry>
struct Database {
  std::vector<Entry> entries;
  std::vector<std::string> diagnostics;
};
using PasswdFile = Database<PasswdEntry>;
using ShadowFile = Database<ShadowEntry>;
using GroupFile = Database<GroupEntry>;

/// passwd(5): name:password:uid:gid:gecos:home:shell. Busybox and old embedded files with fewer
/// trailing fields (no gecos/home/shell) are accepted; NIS "+"/"-" lines are skipped.
/// kMalformed when not one line has the shape of a record.
Result<PasswdFile> parse_passwd(ByteView data);
/// shadow(5): name:password:lastchg:min:max:warn:inactive:expire:reserved (only the first two
/// fields are required: busybox and hand-written files often stop there).
Result<ShadowFile> parse_shadow(ByteView data);
/// group(5): name:password:gid:members.
Result<GroupFile> parse_group(ByteView data);

/// What a small text file looks like, from its content alone.
enum class Shape { kOther, kPasswd, kShadow, kGroup };
/// Cheap content check on the first lines (used when the name does not say).
Shape guess_shape(ByteView data);

nlohmann::json to_json(const PasswdFile& f);
nlohmann::json to_json(const ShadowFile& f);
nlohmann::json to_json(const GroupFile& f);

}  // namespace assay::passwd
