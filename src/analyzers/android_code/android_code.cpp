#include "analyzers/android_code/android_code.hpp"

#include <fmt/format.h>
#include "core/embedded.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/embedded.hpp"
#include "formats/dex/dex.hpp"
#include "formats/dex/dex_code.hpp"
#include "formats/strings/strings.hpp"

namespace assay::analyzers {
namespace {

using nlohmann::json;
using dex::Value;
using VK = dex::Value::Kind;

// Bounds on what one dex contributes to the fact and the findings: the report is for people and
// the fact is joined by the privacy analyzer; a hostile dex must not inflate either.
constexpr std::size_t kMaxPackages = 5000;
constexpr std::size_t kMaxUrls = 1000;
constexpr std::size_t kMaxUrlCallers = 3;
constexpr std::size_t kMaxApiCallers = 5;
constexpr std::size_t kMaxListed = 50;            // callers / classes in the webview, tls, dynamic lists
constexpr std::size_t kMaxEvidence = 5;           // per finding
constexpr std::size_t kMaxFindingsPerRule = 100;  // distinct keys per rule per dex
constexpr std::size_t kMaxPending = 1u << 16;     // deferred sink checks (calls, fields, summaries)
constexpr std::size_t kMaxUrlLength = 2048;
constexpr std::size_t kMaxExcerpt = 160;

// Tags the visitor puts on values it derives (Value::tag).
constexpr std::uint16_t kTagBytes = 1;      // bytes or chars of a constant (getBytes, toCharArray, decode)
constexpr std::uint16_t kTagUserInput = 2;  // text typed by the user (EditText.getText().toString())
constexpr std::uint16_t kTagSensitive = 4;  // an identifier, location, account or password value

// ---- rule data --------------------------------------------------------------------------------

struct RuleDoc {
  std::string title, remediation, rationale;
  Category category = Category::kCrypto;
  Severity severity = Severity::kMedium;
  std::optional<Severity> library_severity;
  std::vector<std::string> cwe, tags, references;
};

struct ApiEntry {
  std::string api;
  std::string data_type;
  std::string permission;
  std::string arg;  // lower-case; empty = any call
};

struct CodeRules {
  std::map<std::string, RuleDoc, std::less<>> rules;
  std::vector<ApiEntry> apis;
  // "Lpkg/Class;->name" -> indexes into apis
  std::unordered_map<std::string, std::vector<int>> methods;
  std::unordered_map<std::string, std::vector<int>> fields;
  std::vector<std::pair<std::string, int>> uri_prefixes;
  std::vector<std::string> library_prefixes;  // descriptor form: "Lcom/google/"
  std::vector<std::string> errors;
};

std::optional<Category> category_from(std::string_view s) {
  for (Category c : {Category::kBackdoor, Category::kPrivacy, Category::kCrypto, Category::kVulnerability,
                     Category::kHardening, Category::kIntegrity, Category::kCoverage})
    if (category_name(c) == s) return c;
  return std::nullopt;
}

std::string java_to_descriptor(std::string_view cls) {
  std::string d = "L";
  for (char c : cls) d += c == '.' ? '/' : c;
  d += ';';
  return d;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::unique_ptr<CodeRules> load_rules(const std::string& rules_dir) {
  auto r = std::make_unique<CodeRules>();
  auto code = load_data_file("rules/android/code.yaml", rules_dir);
  if (!code) {
    r->errors.push_back(code.error().message);
  } else {
    try {
      yaml::Node root = load_yaml(*code);
      for (const auto& n : root["rules"]) {
        RuleDoc d;
        std::string id = n["id"].as<std::string>();
        d.title = n["title"].as<std::string>("");
        d.remediation = n["remediation"].as<std::string>("");
        d.rationale = n["rationale"].as<std::string>("");
        d.category = category_from(n["category"].as<std::string>("crypto")).value_or(Category::kCrypto);
        d.severity = severity_from_name(n["severity"].as<std::string>("medium")).value_or(Severity::kMedium);
        if (n["library_severity"]) d.library_severity = severity_from_name(n["library_severity"].as<std::string>(""));
        for (const auto& v : n["cwe"]) d.cwe.push_back(v.as<std::string>());
        for (const auto& v : n["tags"]) d.tags.push_back(v.as<std::string>());
        for (const auto& v : n["references"]) d.references.push_back(v.as<std::string>());
        r->rules[id] = std::move(d);
      }
    } catch (const std::exception& e) {
      r->errors.push_back(std::string("rules/android/code.yaml: ") + e.what());
    }
  }
  auto apis = load_data_file("rules/android/apis.yaml", rules_dir);
  if (!apis) {
    r->errors.push_back(apis.error().message);
    return r;
  }
  try {
    yaml::Node root = load_yaml(*apis);
    for (const auto& p : root["library_packages"]) {
      std::string d = "L";
      for (char c : p.as<std::string>()) d += c == '.' ? '/' : c;
      d += '/';
      r->library_prefixes.push_back(std::move(d));
    }
    for (const auto& n : root["apis"]) {
      ApiEntry e;
      std::string cls = n["class"].as<std::string>("");
      std::string method = n["method"].as<std::string>("");
      std::string field = n["field"].as<std::string>("");
      std::string uri = n["uri_prefix"].as<std::string>("");
      e.data_type = n["data_type"].as<std::string>("");
      e.permission = n["permission"].as<std::string>("");
      e.arg = lower(n["arg"].as<std::string>(""));
      int idx = static_cast<int>(r->apis.size());
      if (!uri.empty()) {
        e.api = n["api"].as<std::string>(uri);
        r->uri_prefixes.emplace_back(uri, idx);
      } else if (!cls.empty() && !method.empty()) {
        e.api = n["api"].as<std::string>(cls + "." + method);
        r->methods[java_to_descriptor(cls) + "->" + method].push_back(idx);
      } else if (!cls.empty() && !field.empty()) {
        e.api = n["api"].as<std::string>(cls + "." + field);
        r->fields[java_to_descriptor(cls) + "->" + field].push_back(idx);
      } else {
        r->errors.push_back("rules/android/apis.yaml: an entry has neither class+method, class+field nor uri_prefix");
        continue;
      }
      r->apis.push_back(std::move(e));
    }
  } catch (const std::exception& e) {
    r->errors.push_back(std::string("rules/android/apis.yaml: ") + e.what());
  }
  return r;
}

// ---- the methods the rules look at ------------------------------------------------------------

enum class Known : std::uint8_t {
  kNone,
  kCipherGetInstance,
  kDigestGetInstance,
  kSecretKeySpecInit,
  kIvSpecInit,
  kGcmSpecInit,
  kPbeKeySpecInit,
  kSecureRandomSetSeed,
  kSecureRandomInitSeed,
  kBytesOf,       // String.getBytes / toCharArray, Base64.decode: bytes of a constant stay constant
  kPassThrough,   // toString / trim / valueOf / StringBuilder.toString: the value's tags carry over
  kAppend,        // StringBuilder/StringBuffer.append
  kStringEquals,
  kUserInput,     // EditText.getText()
  kSslErrorProceed,
  kSetJavaScriptEnabled,
  kAddJavascriptInterface,
  kSetAllowFileAccess,
  kSetAllowUniversalAccess,
  kDynamicCode,
  kModeCall,      // openFileOutput / getSharedPreferences / getDir / openOrCreateDatabase (name, mode)
  kExternalStorage,
  kFileWrite,
  kLog,
  kAllowAllVerifier,
  kSslContextInit,
  kPinning,
  kKeyValue,      // put / putString / addHeader ...: (name, value) pairs
};

struct MethodInfo {
  Known known = Known::kNone;
  bool defined = false;       // the callee's class is defined in this dex
  bool sensitive = false;     // returns personal data (for the logging rule)
  bool string_to_bytes = false;  // (String) -> byte[]: a hex/base64 decoding helper
  const std::vector<int>* apis = nullptr;
};

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() &&
           std::tolower(static_cast<unsigned char>(hay[i + k])) == static_cast<unsigned char>(needle[k]))
      ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

// Names whose classification looks at the parameter types.
bool wants_params(std::string_view name) {
  for (std::string_view n : {"<init>", "addJavascriptInterface", "openFileOutput", "getSharedPreferences", "getDir",
                             "openOrCreateDatabase", "put", "putString", "addHeader", "setHeader", "header",
                             "addQueryParameter", "appendQueryParameter", "putExtra", "toString", "getText"})
    if (name == n) return true;
  return false;
}

Known classify(std::string_view cls, std::string_view name, std::string_view ret,
               const std::vector<std::string_view>& params) {
  auto is = [&](std::string_view c, std::string_view n) { return cls == c && name == n; };
  if (is("Ljavax/crypto/Cipher;", "getInstance")) return Known::kCipherGetInstance;
  if (is("Ljava/security/MessageDigest;", "getInstance")) return Known::kDigestGetInstance;
  if (is("Ljavax/crypto/spec/SecretKeySpec;", "<init>")) return Known::kSecretKeySpecInit;
  if (is("Ljavax/crypto/spec/IvParameterSpec;", "<init>")) return Known::kIvSpecInit;
  if (is("Ljavax/crypto/spec/GCMParameterSpec;", "<init>")) return Known::kGcmSpecInit;
  if (is("Ljavax/crypto/spec/PBEKeySpec;", "<init>")) return Known::kPbeKeySpecInit;
  if (is("Ljava/security/SecureRandom;", "setSeed")) return Known::kSecureRandomSetSeed;
  if (is("Ljava/security/SecureRandom;", "<init>") && params.size() == 1 && params[0] == "[B")
    return Known::kSecureRandomInitSeed;
  if (is("Ljava/lang/String;", "getBytes") || is("Ljava/lang/String;", "toCharArray") ||
      is("Landroid/util/Base64;", "decode"))
    return Known::kBytesOf;
  if (cls == "Ljava/lang/String;" && (name == "equals" || name == "equalsIgnoreCase" || name == "contentEquals"))
    return Known::kStringEquals;
  if ((cls == "Ljava/lang/StringBuilder;" || cls == "Ljava/lang/StringBuffer;") && name == "append")
    return Known::kAppend;
  if (name == "toString" && params.empty()) return Known::kPassThrough;
  if (cls == "Ljava/lang/String;" &&
      (name == "trim" || name == "valueOf" || name == "toLowerCase" || name == "toUpperCase" || name == "intern"))
    return Known::kPassThrough;
  if (name == "getText" && params.empty() && ret == "Landroid/text/Editable;") return Known::kUserInput;
  if (is("Landroid/webkit/SslErrorHandler;", "proceed")) return Known::kSslErrorProceed;
  if (is("Landroid/webkit/WebSettings;", "setJavaScriptEnabled")) return Known::kSetJavaScriptEnabled;
  if (name == "addJavascriptInterface" && params.size() == 2 && params[1] == "Ljava/lang/String;")
    return Known::kAddJavascriptInterface;
  if (is("Landroid/webkit/WebSettings;", "setAllowFileAccess") ||
      is("Landroid/webkit/WebSettings;", "setAllowFileAccessFromFileURLs"))
    return Known::kSetAllowFileAccess;
  if (is("Landroid/webkit/WebSettings;", "setAllowUniversalAccessFromFileURLs")) return Known::kSetAllowUniversalAccess;
  if ((cls == "Ldalvik/system/DexClassLoader;" || cls == "Ldalvik/system/PathClassLoader;" ||
       cls == "Ldalvik/system/InMemoryDexClassLoader;" || cls == "Ldalvik/system/DelegateLastClassLoader;") &&
      name == "<init>")
    return Known::kDynamicCode;
  if (is("Ldalvik/system/DexFile;", "loadDex")) return Known::kDynamicCode;
  if ((name == "openFileOutput" || name == "getSharedPreferences" || name == "getDir" ||
       name == "openOrCreateDatabase") &&
      params.size() >= 2 && params[0] == "Ljava/lang/String;" && params[1] == "I")
    return Known::kModeCall;
  if (is("Landroid/os/Environment;", "getExternalStorageDirectory") ||
      is("Landroid/os/Environment;", "getExternalStoragePublicDirectory") || name == "getExternalFilesDir" ||
      name == "getExternalFilesDirs" || name == "getExternalCacheDir" || name == "getExternalMediaDirs")
    return Known::kExternalStorage;
  if ((cls == "Ljava/io/FileOutputStream;" || cls == "Ljava/io/FileWriter;" || cls == "Ljava/io/RandomAccessFile;") &&
      name == "<init>")
    return Known::kFileWrite;
  if (cls == "Landroid/util/Log;" &&
      (name == "d" || name == "i" || name == "v" || name == "w" || name == "e" || name == "wtf" || name == "println"))
    return Known::kLog;
  if (is("Lorg/apache/http/conn/ssl/AllowAllHostnameVerifier;", "<init>")) return Known::kAllowAllVerifier;
  if (is("Ljavax/net/ssl/SSLContext;", "init")) return Known::kSslContextInit;
  if (is("Lokhttp3/CertificatePinner$Builder;", "add") || is("Lokhttp3/CertificatePinner;", "check"))
    return Known::kPinning;
  if ((name == "put" || name == "putString" || name == "addHeader" || name == "setHeader" || name == "header" ||
       name == "addQueryParameter" || name == "appendQueryParameter" || name == "putExtra") &&
      params.size() == 2 && params[0] == "Ljava/lang/String;" &&
      (params[1] == "Ljava/lang/String;" || params[1] == "Ljava/lang/Object;"))
    return Known::kKeyValue;
  return Known::kNone;
}

// ---- small string judgements -------------------------------------------------------------------

std::string excerpt_of(std::string_view s) {
  std::string v = strings::valid_utf8(s.substr(0, std::min(s.size(), kMaxExcerpt)));
  if (s.size() > kMaxExcerpt) v += "...";
  return v;
}

std::string hex_of(ByteView b) {
  std::string out;
  for (std::size_t i = 0; i < b.size() && i < 64; ++i) out += fmt::format("{:02x}", b[i]);
  if (b.size() > 64) out += "...";
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool has_space(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) <= ' '; });
}

// Names of fields, methods and classes that hold or check credentials.
bool credential_name(std::string_view s) {
  for (std::string_view w : {"password", "passwd", "passwort", "pwd", "passcode", "pincode", "username",
                             "user_name", "userid", "login", "secret", "token", "credential", "apikey",
                             "api_key"})
    if (icontains(s, w)) return true;
  return s == "pin" || s == "PIN" || s == "user" || s == "pass";
}

bool auth_context_name(std::string_view s) {
  for (std::string_view w : {"login", "logon", "signin", "sign_in", "auth", "password", "passwd", "credential",
                             "backdoor", "unlock", "verifypin", "checkpin", "checkpass", "devlogin", "admin"})
    if (icontains(s, w)) return true;
  return false;
}

bool secret_name(std::string_view s) {
  for (std::string_view w : {"api_key", "apikey", "api-key", "secret", "token", "password", "passwd",
                             "access_key", "accesskey", "private_key", "privatekey", "client_key"})
    if (icontains(s, w)) return true;
  return false;
}

// A constant that could be a credential: short, no spaces, not a path, URL, class name, or an
// ALL_CAPS identifier (intent actions, enum names).
bool credential_shaped(std::string_view c) {
  if (c.size() < 4 || c.size() > 64 || has_space(c)) return false;
  if (c.find_first_of("./:\\<>{}=") != std::string_view::npos) return false;
  bool upper_only = std::all_of(c.begin(), c.end(), [](char ch) {
    return std::isupper(static_cast<unsigned char>(ch)) || ch == '_' || std::isdigit(static_cast<unsigned char>(ch));
  });
  if (upper_only && c.find('_') != std::string_view::npos) return false;
  for (std::string_view stop : {"true", "false", "null", "none", "yes", "no", "utf-8", "default", "unknown"})
    if (lower(c) == stop) return false;
  return true;
}

// A field or constant whose name says it holds key material ("xorKey", "AES_KEY", "secret",
// "password"): broader than secret_name, so it is only used with a sink that confirms the use
// (native code receiving the value).
bool key_name(std::string_view s) { return secret_name(s) || icontains(s, "key") || icontains(s, "salt"); }

// Key material handed to native code: any token-like constant (no spaces, not a URL) of a
// useful length; a shape test would miss plain-text keys ("pizzapizza..."), and the key-like
// name plus the native sink carry the evidence.
bool key_material_shaped(std::string_view c) {
  return c.size() >= 8 && c.size() <= 512 && !has_space(c) && c.find("://") == std::string_view::npos;
}

// A constant that looks like a key or token: long enough, no spaces, two or more character
// classes, not a URL or a sentence. Conservative on purpose.
bool secret_shaped(std::string_view c) {
  if (c.size() < 12 || c.size() > 200 || has_space(c)) return false;
  if (c.find("://") != std::string_view::npos) return false;
  int lowers = 0, uppers = 0, digits = 0, others = 0;
  for (char ch : c) {
    auto u = static_cast<unsigned char>(ch);
    if (std::islower(u)) ++lowers;
    else if (std::isupper(u)) ++uppers;
    else if (std::isdigit(u)) ++digits;
    else ++others;
  }
  int classes = (lowers > 0) + (uppers > 0) + (digits > 0) + (others > 0);
  return classes >= 2 && digits + uppers >= 3;
}

bool is_ipv4(std::string_view s) {
  int parts = 0;
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t j = i;
    int v = 0;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])) && j - i < 3) v = v * 10 + (s[j++] - '0');
    if (j == i || v > 255) return false;
    ++parts;
    if (j == s.size()) break;
    if (s[j] != '.') return false;
    i = j + 1;
  }
  return parts == 4 && s.front() != '0';
}

// A string that is nothing but a host name: labels of [a-z0-9-], a last label from the common
// top-level domains (so that "java.util.List" or "com.example.app" are not hosts).
bool is_bare_host(std::string_view s) {
  if (s.size() < 4 || s.size() > 253 || s.find('.') == std::string_view::npos) return false;
  for (char c : s)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' ||
          c == '-'))
      return false;
  if (s.front() == '.' || s.back() == '.' || s.find("..") != std::string_view::npos) return false;
  std::string_view first = s.substr(0, s.find('.'));
  for (std::string_view pkg : {"com", "org", "net", "java", "javax", "android", "androidx", "kotlin", "io", "dalvik"})
    if (first == pkg) return false;  // reverse-domain package names
  std::string_view tld = s.substr(s.rfind('.') + 1);
  for (std::string_view t : {"com", "net", "org", "io", "co", "de", "fr", "uk", "cn", "ru", "jp", "in", "us", "eu",
                             "info", "biz", "me", "app", "dev", "cloud", "gov", "edu", "it", "es", "nl", "br"})
    if (tld == t) return true;
  return false;
}

bool url_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && c != '"' && c != '\'' && c != '<' && c != '>' && c != '`' && c != '\\' &&
         c != '{' && c != '}' && c != '|' && c != '^';
}

// Hosts of URLs that are identifiers, not endpoints: XML namespaces and the documentation
// example domains (RFC 2606). Matched on the host or a parent domain.
bool identifier_host(std::string_view url) {
  auto p = url.find("://");
  std::string_view h = p == std::string_view::npos ? url : url.substr(p + 3);
  h = h.substr(0, h.find_first_of("/:?#"));
  for (std::string_view n : {"schemas.android.com", "www.w3.org", "w3.org", "xmlpull.org", "ns.adobe.com",
                             "schemas.xmlsoap.org", "schemas.microsoft.com", "purl.org", "json-schema.org",
                             "example.com", "example.org", "example.net", "localhost"})
    if (h == n || (h.size() > n.size() && h.ends_with(n) && h[h.size() - n.size() - 1] == '.')) return true;
  return false;
}

// URLs inside a constant string (http, https, ws, wss, ftp), or the whole string when it is a bare
// host or IPv4 address.
void extract_urls(std::string_view s, std::vector<std::string>& out) {
  std::size_t pos = 0;
  while ((pos = s.find("://", pos)) != std::string_view::npos) {
    std::size_t b = pos;
    while (b > 0 && std::isalpha(static_cast<unsigned char>(s[b - 1]))) --b;
    std::string scheme = lower(s.substr(b, pos - b));
    std::size_t e = pos + 3;
    while (e < s.size() && url_char(s[e])) ++e;
    if ((scheme == "http" || scheme == "https" || scheme == "ws" || scheme == "wss" || scheme == "ftp") &&
        e > pos + 3 && e - b <= kMaxUrlLength && !identifier_host(s.substr(b, e - b)))
      out.emplace_back(s.substr(b, e - b));
    pos = e;
  }
  if (out.empty() && (is_bare_host(s) || is_ipv4(s)) && !identifier_host(s)) out.emplace_back(s);
}

// ---- findings -----------------------------------------------------------------------------------

struct PendingFinding {
  std::string rule;
  std::string key;
  std::string description;
  bool in_app = false;  // at least one evidence in the app's own code
  std::vector<Evidence> evidence;
  std::string confidence = "high";
};

class FindingSink {
 public:
  FindingSink(const CodeRules& rules, std::string path) : rules_(rules), path_(std::move(path)) {}

  void add(const std::string& rule, const std::string& key, bool library, std::uint64_t offset, std::string excerpt,
           std::string description, std::string confidence = "high") {
    auto id = std::make_pair(rule, key);
    auto it = pending_.find(id);
    if (it == pending_.end()) {
      if (per_rule_[rule] >= kMaxFindingsPerRule) return;
      ++per_rule_[rule];
      PendingFinding p;
      p.rule = rule;
      p.key = key;
      p.description = std::move(description);
      p.confidence = std::move(confidence);
      it = pending_.emplace(id, std::move(p)).first;
    }
    PendingFinding& p = it->second;
    if (!library) p.in_app = true;
    if (p.evidence.size() < kMaxEvidence) {
      Evidence ev;
      ev.path = path_;
      if (offset != 0) ev.offset = offset;
      ev.excerpt = std::move(excerpt);
      p.evidence.push_back(std::move(ev));
    }
  }

  void flush(ScanContext& ctx) {
    for (auto& [id, p] : pending_) {
      Finding f;
      f.rule_id = p.rule;
      auto r = rules_.rules.find(p.rule);
      if (r != rules_.rules.end()) {
        const RuleDoc& d = r->second;
        f.title = d.title;
        f.category = d.category;
        f.severity = p.in_app || !d.library_severity ? d.severity : *d.library_severity;
        f.remediation = d.remediation;
        f.cwe = d.cwe;
        f.tags = d.tags;
        f.references = d.references;
      } else {
        f.title = p.rule;
        f.severity = Severity::kMedium;
        f.remediation = "See `assay rules show " + p.rule + "`.";
      }
      if (!p.in_app) f.tags.push_back("library-code");
      f.description = p.description;
      if (!p.in_app) f.description += " Only in library code (a well-known third-party package).";
      f.key = p.key;
      f.evidence = std::move(p.evidence);
      f.confidence = p.confidence;
      ctx.add_finding(std::move(f));
    }
    pending_.clear();
  }

 private:
  const CodeRules& rules_;
  std::string path_;
  std::map<std::pair<std::string, std::string>, PendingFinding> pending_;
  std::map<std::string, std::size_t> per_rule_;
};

// ---- the per-dex analysis ----------------------------------------------------------------------

enum class SinkKind : std::uint8_t { kKey, kIv, kPassword, kSeed };

const char* sink_name(SinkKind k) {
  switch (k) {
    case SinkKind::kKey: return "SecretKeySpec key";
    case SinkKind::kIv: return "IV";
    case SinkKind::kPassword: return "PBEKeySpec password";
    case SinkKind::kSeed: return "SecureRandom seed";
  }
  return "key";
}

// Where a value was seen: for evidence and callers.
struct Site {
  std::uint32_t method_idx = 0;
  std::uint64_t offset = 0;  // file offset of the instruction
  bool library = false;
};

struct PendingCall {  // an in-dex call with a constant-ish argument, resolved after the pass
  std::uint32_t callee = 0;
  std::uint32_t position = 0;
  Value value;
  Site site;
};
struct PendingField {  // a field value that reached a key sink
  std::uint32_t field = 0;
  SinkKind sink = SinkKind::kKey;
  Site site;
};
struct ParamEdge {  // caller's parameter p is passed as callee's argument q
  std::uint32_t caller = 0, p = 0, callee = 0, q = 0;
};

struct FieldConst {
  bool poisoned = false;
  bool set = false;
  Value value;  // kString or kArray with data
};

struct ApiUse {
  std::vector<std::string> callers;
  std::vector<bool> caller_library;
  std::uint64_t count = 0;
  std::uint64_t app_count = 0;  // calls from the app's own (non-library) code
};

struct UrlUse {
  std::string value;
  std::vector<std::string> callers;
};

class DexAnalysis final : public dex::CodeVisitor {
 public:
  DexAnalysis(const dex::DexFile& d, const CodeRules& rules, const NodeInfo& node)
      : dex_(d), rules_(rules), node_(node), findings_(rules, node.path) {}

  void run(ScanContext& ctx);

  // CodeVisitor
  Value on_invoke(const dex::Invocation& call) override;
  void on_const_string(std::uint32_t pc, std::uint16_t reg, std::uint32_t string_idx) override;
  void on_field(std::uint32_t pc, std::uint8_t opcode, std::uint32_t field_idx, bool write, const Value& v) override;
  void on_return(std::uint32_t pc, const Value& v) override;
  void on_instruction(std::uint32_t pc, std::uint8_t opcode, std::uint16_t payload) override;

 private:
  void prepare();
  void analyze_class(const dex::ClassDef& def);
  void analyze_method(const dex::EncodedMethod& m, bool library,
                      bool trust_manager, bool hostname_verifier);
  void resolve_deferred();
  json make_fact() const;

  bool is_library(std::string_view descriptor) const {
    for (const auto& p : rules_.library_prefixes)
      if (descriptor.starts_with(p)) return true;
    return false;
  }
  std::string method_name(std::uint32_t idx) const {
    auto m = dex_.method_id(idx);
    if (!m) return fmt::format("method@{}", idx);
    return strings::valid_utf8(dex::descriptor_to_java(dex_.type_descriptor(m->class_idx))) + "." +
           strings::valid_utf8(dex_.string_view_raw(m->name_idx)) + "()";
  }
  std::string short_api(std::uint32_t idx) const {  // "Cipher.getInstance"
    auto m = dex_.method_id(idx);
    if (!m) return "?";
    std::string cls = dex::descriptor_to_java(dex_.type_descriptor(m->class_idx));
    auto dot = cls.rfind('.');
    return strings::valid_utf8(cls.substr(dot == std::string::npos ? 0 : dot + 1)) + "." +
           strings::valid_utf8(dex_.string_view_raw(m->name_idx));
  }
  std::string field_name(std::uint32_t idx) const {
    auto f = dex_.field_id(idx);
    if (!f) return {};
    return strings::valid_utf8(dex_.string_view_raw(f->name_idx));
  }
  const std::string& caller() {
    if (caller_.empty()) caller_ = method_name(cur_method_);
    return caller_;
  }
  Site site(std::uint32_t pc) const { return {cur_method_, code_insns_off_ + std::uint64_t{pc} * 2, cur_library_}; }
  std::string where(const Site& s) const {
    return method_name(s.method_idx) + (s.library ? " [library code]" : "");
  }
  std::string value_text(const Value& v) const;  // the constant, for keys and excerpts ("" when not constant)
  bool sensitive_value(const Value& v) const;
  void key_sink(SinkKind sink, const Value& v, std::uint32_t pc);
  void report_key(SinkKind sink, const std::string& constant, const Site& s, const std::string& how);
  void native_key(const PendingCall& pc);
  void record_api(int api, std::uint32_t pc);
  void add_caller(ApiUse& use, bool library);
  void listed(std::vector<std::string>& list) {
    if (list.size() < kMaxListed && std::find(list.begin(), list.end(), caller()) == list.end())
      list.push_back(caller());
  }

  const dex::DexFile& dex_;
  const CodeRules& rules_;
  const NodeInfo& node_;
  FindingSink findings_;
  dex::WalkScratch scratch_;

  std::vector<MethodInfo> methods_;          // per method id
  std::vector<const std::vector<int>*> fields_api_;  // per field id
  std::vector<std::int32_t> url_cache_;      // per string id: -2 not seen, -1 none, else index into url_lists_
  std::vector<std::vector<std::uint32_t>> url_lists_;  // UrlUse indexes of the URLs in one string
  std::unordered_map<std::string, std::uint32_t> url_index_;
  std::vector<std::int32_t> uri_api_;        // per string id: api index of a content:// prefix, -1 none, -2 not seen
  std::unordered_map<std::uint32_t, FieldConst> field_consts_;
  std::vector<PendingCall> pending_calls_;
  std::vector<PendingField> pending_fields_;
  std::vector<ParamEdge> param_edges_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, SinkKind> param_sinks_;  // (method, position)
  std::unordered_set<std::uint32_t> native_methods_;  // method ids this dex declares `native`
  // string id -> the key-named static final field (app code) it initialises; javac inlines such
  // constants at every use, so the name is only found here.
  std::unordered_map<std::uint32_t, std::uint32_t> key_constants_;

  // current method
  std::uint32_t cur_method_ = 0;
  std::uint64_t code_insns_off_ = 0;
  bool cur_library_ = false;
  std::string caller_;
  std::string cur_class_name_;
  std::string cur_method_name_;
  bool uses_external_ = false;
  bool writes_file_ = false;
  std::uint64_t external_offset_ = 0;
  // trivial-body checks for checkServerTrusted / verify
  std::uint32_t nontrivial_ops_ = 0;
  bool counting_calls_ = false;
  std::uint32_t returns_true_ = 0, returns_other_ = 0;

  // results
  std::uint64_t method_count_ = 0;
  std::set<std::string> packages_;
  std::map<int, ApiUse> api_uses_;
  std::vector<UrlUse> urls_;
  std::vector<std::string> dynamic_callers_, js_enabled_, js_interface_, file_access_, ssl_proceed_, ssl_init_;
  std::vector<std::string> trust_managers_, hostname_verifiers_;
  bool pinning_ = false;
  bool app_js_enabled_ = false;
  std::vector<std::pair<std::string, Site>> app_js_interfaces_;
  std::set<std::string> ciphers_, digests_;
  std::uint32_t truncated_methods_ = 0;
  std::uint32_t truncated_classes_ = 0;
};

void DexAnalysis::prepare() {
  // Which methods and fields the rules care about, decided once per id (not per call site).
  std::vector<std::uint8_t> defined_type(dex_.type_count(), 0);
  for (const auto& c : dex_.class_defs())
    if (c.class_idx < defined_type.size()) defined_type[c.class_idx] = 1;
  methods_.resize(dex_.method_count());
  std::string key;
  std::vector<std::string_view> params;
  for (std::uint32_t i = 0; i < dex_.method_count(); ++i) {
    auto m = dex_.method_id(i);
    if (!m) continue;
    std::string_view cls = dex_.type_descriptor(m->class_idx);
    std::string_view name = dex_.string_view_raw(m->name_idx);
    MethodInfo& info = methods_[i];
    info.defined = m->class_idx < defined_type.size() && defined_type[m->class_idx];
    params.clear();
    std::string_view ret;
    if (auto p = dex_.proto_id(m->proto_idx)) {
      ret = dex_.type_descriptor(p->return_type_idx);
      // The parameter list costs an allocation: read it only for the names that need it.
      if (wants_params(name) || ret == "[B")
        for (auto t : dex_.type_list(p->parameters_off)) params.push_back(dex_.type_descriptor(t));
    }
    info.string_to_bytes = ret == "[B" && params.size() == 1 && params[0] == "Ljava/lang/String;";
    info.known = classify(cls, name, ret, params);
    key.assign(cls);
    key += "->";
    key += name;
    if (auto it = rules_.methods.find(key); it != rules_.methods.end()) {
      info.apis = &it->second;
      for (int a : it->second) {
        const std::string& t = rules_.apis[static_cast<std::size_t>(a)].data_type;
        if (t == "device-id" || t == "location" || t == "accounts" || t == "phone-state") info.sensitive = true;
      }
    }
    if (ret == "Ljava/lang/String;" && (icontains(name, "password") || icontains(name, "passwd")))
      info.sensitive = true;
  }
  fields_api_.assign(dex_.field_count(), nullptr);
  for (std::uint32_t i = 0; i < dex_.field_count(); ++i) {
    auto f = dex_.field_id(i);
    if (!f) continue;
    key.assign(dex_.type_descriptor(f->class_idx));
    key += "->";
    key += dex_.string_view_raw(f->name_idx);
    if (auto it = rules_.fields.find(key); it != rules_.fields.end()) fields_api_[i] = &it->second;
  }
  url_cache_.assign(dex_.string_count(), -2);
  uri_api_.assign(dex_.string_count(), -2);
}

void DexAnalysis::add_caller(ApiUse& use, bool library) {
  ++use.count;
  if (!library) ++use.app_count;
  const std::string& c = caller();
  if (std::find(use.callers.begin(), use.callers.end(), c) != use.callers.end()) return;
  if (use.callers.size() < kMaxApiCallers) {
    use.callers.push_back(c);
    use.caller_library.push_back(library);
    return;
  }
  if (library) return;
  // The app's own callers say more than a library's: replace a library caller if there is one.
  for (std::size_t i = 0; i < use.callers.size(); ++i)
    if (use.caller_library[i]) {
      use.callers[i] = c;
      use.caller_library[i] = false;
      return;
    }
}

void DexAnalysis::record_api(int api, std::uint32_t) { add_caller(api_uses_[api], cur_library_); }

std::string DexAnalysis::value_text(const Value& v) const {
  if (v.is(VK::kString)) return excerpt_of(dex_.string(v.index));
  if (v.is(VK::kArray) && !v.array_data.empty()) return "bytes " + hex_of(v.array_data);
  if (v.is(VK::kInt)) return std::to_string(v.number);
  return {};
}

bool DexAnalysis::sensitive_value(const Value& v) const {
  if (v.tag & kTagSensitive) return true;
  if (v.is(VK::kResult) && v.index < methods_.size()) return methods_[v.index].sensitive;
  if (v.is(VK::kInstanceField) || v.is(VK::kStaticField)) {
    std::string n = field_name(v.index);
    return icontains(n, "password") || icontains(n, "passwd");
  }
  return false;
}

void DexAnalysis::report_key(SinkKind sink, const std::string& constant, const Site& s, const std::string& how) {
  if (constant.empty()) return;
  if (sink == SinkKind::kSeed) {
    findings_.add("android.crypto.static-seed", constant, s.library, s.offset,
                  fmt::format("{}: SecureRandom seeded with constant {}", where(s), constant),
                  fmt::format("SecureRandom is seeded with the constant {} in {}{}.", constant,
                              method_name(s.method_idx), how));
    return;
  }
  findings_.add("android.crypto.hardcoded-key", constant, s.library, s.offset,
                fmt::format("{}: {} = {}", where(s), sink_name(sink), constant),
                fmt::format("A constant reaches the {} in {}{}: \"{}\".", sink_name(sink), method_name(s.method_idx),
                            how, constant));
}

// A key-named constant reaching a native method of this dex: the key material of whatever the
// native code protects (decryption, license or integrity checks) ships in the APK. The constant
// is found inlined (a static final field) or read from a field written once with it.
void DexAnalysis::native_key(const PendingCall& pc) {
  std::string name;
  std::string_view constant;
  if (pc.value.is(VK::kString)) {
    auto it = key_constants_.find(pc.value.index);
    if (it == key_constants_.end()) return;
    name = field_name(it->second);
    constant = dex_.string_view_raw(pc.value.index);
  } else if (pc.value.is(VK::kStaticField) || pc.value.is(VK::kInstanceField)) {
    name = field_name(pc.value.index);
    auto fc = field_consts_.find(pc.value.index);
    if (!key_name(name) || fc == field_consts_.end() || fc->second.poisoned || !fc->second.set ||
        !fc->second.value.is(VK::kString))
      return;
    constant = dex_.string_view_raw(fc->second.value.index);
    if (!key_material_shaped(constant)) return;
  } else {
    return;
  }
  const std::string value = strings::valid_utf8(constant);
  const std::string callee = method_name(pc.callee);
  findings_.add("android.native-hardcoded-key", value, pc.site.library, pc.site.offset,
                fmt::format("{}: native {} <- {} = \"{}\"", where(pc.site), callee, name, excerpt_of(constant)),
                fmt::format("{} passes the constant {} (\"{}\") to the native method {}: key material for native code "
                            "is shipped in the APK.",
                            method_name(pc.site.method_idx), name, excerpt_of(constant), callee));
}

void DexAnalysis::key_sink(SinkKind sink, const Value& v, std::uint32_t pc) {
  Site s = site(pc);
  if (v.is(VK::kString) || (v.is(VK::kArray) && !v.array_data.empty()) ||
      (sink == SinkKind::kSeed && v.is(VK::kInt))) {
    report_key(sink, value_text(v), s, "");
  } else if ((v.is(VK::kInstanceField) || v.is(VK::kStaticField)) && pending_fields_.size() < kMaxPending) {
    pending_fields_.push_back({v.index, sink, s});
  } else if (v.is(VK::kParam) && param_sinks_.size() < kMaxPending) {
    param_sinks_.emplace(std::make_pair(cur_method_, v.index), sink);
  }
}

Value DexAnalysis::on_invoke(const dex::Invocation& call) {
  if (counting_calls_) {
    auto m = dex_.method_id(call.index);
    if (call.is_custom || !m || dex_.type_descriptor(m->class_idx) != "Lkotlin/jvm/internal/Intrinsics;")
      ++nontrivial_ops_;
  }
  if (call.is_custom || call.index >= methods_.size()) return {};
  const MethodInfo& info = methods_[call.index];
  const auto& a = call.args;
  auto arg = [&a](std::size_t i) -> const Value& {
    static const Value kNone{};
    return i < a.size() ? a[i] : kNone;
  };
  const bool stat = call.is_static;
  const std::size_t first = stat ? 0 : 1;  // first argument after the receiver

  if (info.apis != nullptr) {
    for (int api : *info.apis) {
      const ApiEntry& e = rules_.apis[static_cast<std::size_t>(api)];
      if (!e.arg.empty()) {
        bool match = false;
        for (const auto& v : a)
          if (v.is(VK::kString) && lower(dex_.string_view_raw(v.index)) == e.arg) match = true;
        if (!match) continue;
      }
      record_api(api, call.pc);
    }
  }
  // In-dex calls: remember constant-ish arguments and parameter pass-through for the summaries.
  if (info.defined) {
    for (std::uint32_t i = 0; i < a.size(); ++i) {
      const Value& v = a[i];
      if (v.is(VK::kParam)) {
        if (param_edges_.size() < kMaxPending) param_edges_.push_back({cur_method_, v.index, call.index, i});
      } else if (v.is(VK::kString) || (v.is(VK::kArray) && !v.array_data.empty()) || v.is(VK::kInstanceField) ||
                 v.is(VK::kStaticField)) {
        if (pending_calls_.size() < kMaxPending) pending_calls_.push_back({call.index, i, v, site(call.pc)});
      }
    }
  }

  Value out;
  switch (info.known) {
    case Known::kNone:
      // A static String -> byte[] helper (hex or base64 decoding) on a constant: still the constant.
      if (info.string_to_bytes && stat && a.size() == 1 && a[0].is(VK::kString)) {
        out = a[0];
        out.tag = static_cast<std::uint16_t>(out.tag | kTagBytes);
      }
      break;
    case Known::kCipherGetInstance: {
      const Value& t = arg(0);
      if (!t.is(VK::kString)) break;
      std::string tr = dex_.string(t.index);
      std::string up = upper(tr);
      ciphers_.insert(excerpt_of(tr));
      std::string alg = up.substr(0, up.find('/'));
      bool ecb = up.find("/ECB") != std::string::npos ||
                 (up.find('/') == std::string::npos && (alg == "AES" || alg == "DES" || alg == "DESEDE" ||
                                                       alg == "BLOWFISH" || alg == "AES_128" || alg == "AES_256"));
      std::string ex = fmt::format("{}: Cipher.getInstance(\"{}\")", where(site(call.pc)), excerpt_of(tr));
      if (ecb)
        findings_.add("android.crypto.ecb", caller() + ":" + tr, cur_library_, site(call.pc).offset, ex,
                      fmt::format("Cipher.getInstance(\"{}\") in {} {}.", excerpt_of(tr), caller(),
                                  up.find("/ECB") != std::string::npos ? "selects ECB mode"
                                                                       : "names no mode, so the provider uses ECB"));
      if (alg == "DES" || alg == "DESEDE" || alg == "TRIPLEDES" || alg == "RC4" || alg == "ARCFOUR" ||
          alg == "BLOWFISH" || alg == "RC2")
        findings_.add("android.crypto.weak-cipher", caller() + ":" + alg, cur_library_, site(call.pc).offset, ex,
                      fmt::format("{} uses the weak cipher {}.", caller(), alg));
      break;
    }
    case Known::kDigestGetInstance: {
      const Value& t = arg(0);
      if (!t.is(VK::kString)) break;
      std::string up = upper(dex_.string_view_raw(t.index));
      digests_.insert(excerpt_of(dex_.string_view_raw(t.index)));
      if (up == "MD5" || up == "MD4" || up == "MD2" || up == "SHA-1" || up == "SHA1" || up == "SHA")
        findings_.add("android.crypto.weak-hash", caller() + ":" + up, cur_library_, site(call.pc).offset,
                      fmt::format("{}: MessageDigest.getInstance(\"{}\")", where(site(call.pc)), up),
                      fmt::format("{} computes {} digests; review whether they protect anything.", caller(), up),
                      "medium");
      break;
    }
    case Known::kSecretKeySpecInit: key_sink(SinkKind::kKey, arg(1), call.pc); break;
    case Known::kIvSpecInit: key_sink(SinkKind::kIv, arg(1), call.pc); break;
    case Known::kGcmSpecInit: key_sink(SinkKind::kIv, arg(2), call.pc); break;
    case Known::kPbeKeySpecInit: key_sink(SinkKind::kPassword, arg(1), call.pc); break;
    case Known::kSecureRandomSetSeed: key_sink(SinkKind::kSeed, arg(1), call.pc); break;
    case Known::kSecureRandomInitSeed: key_sink(SinkKind::kSeed, arg(1), call.pc); break;
    case Known::kBytesOf: {
      // getBytes/toCharArray on the receiver; Base64.decode on its first argument.
      const Value& v = arg(0);
      if (v.is(VK::kString) || v.is(VK::kInstanceField) || v.is(VK::kStaticField) || v.is(VK::kParam)) {
        out = v;
        out.tag = static_cast<std::uint16_t>(v.tag | kTagBytes);
      }
      break;
    }
    case Known::kPassThrough: {
      const Value& v = arg(0);
      if (v.tag & (kTagUserInput | kTagSensitive)) {
        out.kind = VK::kResult;
        out.index = call.index;
        out.tag = v.tag;
      } else if (sensitive_value(v)) {
        out.kind = VK::kResult;
        out.index = call.index;
        out.tag = kTagSensitive;
      }
      break;
    }
    case Known::kAppend: {
      std::uint16_t tag = static_cast<std::uint16_t>(arg(0).tag & kTagSensitive);
      if (sensitive_value(arg(1))) tag |= kTagSensitive;
      if (tag) {
        out.kind = VK::kResult;
        out.index = call.index;
        out.tag = tag;
      }
      break;
    }
    case Known::kUserInput:
      out.kind = VK::kResult;
      out.index = call.index;
      out.tag = kTagUserInput;
      break;
    case Known::kStringEquals: {
      if (cur_library_ || a.size() < 2) break;
      const Value* c = nullptr;
      const Value* other = nullptr;
      if (a[1].is(VK::kString) && !(a[1].tag & kTagBytes)) c = &a[1], other = &a[0];
      else if (a[0].is(VK::kString) && !(a[0].tag & kTagBytes)) c = &a[0], other = &a[1];
      if (c == nullptr) break;
      std::string_view cs = dex_.string_view_raw(c->index);
      if (!credential_shaped(cs)) break;
      std::string why;
      if (other->tag & kTagUserInput) {
        why = "text the user typed";
      } else if ((other->is(VK::kInstanceField) || other->is(VK::kStaticField)) &&
                 credential_name(field_name(other->index))) {
        why = "field " + field_name(other->index);
      } else if (other->is(VK::kResult) && other->index < methods_.size()) {
        auto m = dex_.method_id(other->index);
        if (m && credential_name(dex_.string_view_raw(m->name_idx)))
          why = "the result of " + strings::valid_utf8(dex_.string_view_raw(m->name_idx)) + "()";
      }
      if (why.empty() && (auth_context_name(cur_class_name_) || auth_context_name(cur_method_name_)))
        why = "a value in authentication code";
      if (why.empty()) break;
      std::string constant = strings::valid_utf8(cs);
      findings_.add("android.credential-compare", constant, false, site(call.pc).offset,
                    fmt::format("{}: {}(\"{}\") on {}", where(site(call.pc)), short_api(call.index), constant, why),
                    fmt::format("{} compares {} with the constant \"{}\": a credential built into every copy of "
                                "the app.",
                                caller(), why, constant));
      break;
    }
    case Known::kSslErrorProceed:
      listed(ssl_proceed_);
      if (cur_method_name_ == "onReceivedSslError")
        findings_.add("android.tls.ssl-error-proceed", caller(), cur_library_, site(call.pc).offset,
                      fmt::format("{}: SslErrorHandler.proceed()", where(site(call.pc))),
                      fmt::format("{} proceeds on TLS certificate errors.", caller()));
      break;
    case Known::kSetJavaScriptEnabled:
      if (arg(1).is(VK::kInt) && arg(1).number != 0) {
        listed(js_enabled_);
        if (!cur_library_) app_js_enabled_ = true;
      }
      break;
    case Known::kAddJavascriptInterface:
      listed(js_interface_);
      if (!cur_library_ && app_js_interfaces_.size() < kMaxListed) {
        std::string name = arg(2).is(VK::kString) ? strings::valid_utf8(dex_.string_view_raw(arg(2).index)) : "";
        app_js_interfaces_.emplace_back(caller() + (name.empty() ? "" : " as \"" + name + "\""), site(call.pc));
      }
      break;
    case Known::kSetAllowFileAccess:
    case Known::kSetAllowUniversalAccess:
      if (arg(1).is(VK::kInt) && arg(1).number != 0) {
        listed(file_access_);
        if (!cur_library_)
          findings_.add("android.webview.file-access", caller() + ":" + short_api(call.index), false,
                        site(call.pc).offset, fmt::format("{}: {}(true)", where(site(call.pc)), short_api(call.index)),
                        fmt::format("{} calls {}(true).", caller(), short_api(call.index)));
      }
      break;
    case Known::kDynamicCode:
      listed(dynamic_callers_);
      if (!cur_library_)
        findings_.add("android.dynamic-code", caller(), false, site(call.pc).offset,
                      fmt::format("{}: {}", where(site(call.pc)), short_api(call.index)),
                      fmt::format("{} loads code at run time through {}.", caller(), short_api(call.index)));
      break;
    case Known::kModeCall: {
      const Value& mode = arg(first + 1);
      if (!cur_library_ && mode.is(VK::kInt) && (mode.number & 3) != 0) {
        const char* what = (mode.number & 1) ? "MODE_WORLD_READABLE" : "MODE_WORLD_WRITEABLE";
        std::string name = arg(first).is(VK::kString) ? strings::valid_utf8(dex_.string_view_raw(arg(first).index)) : "";
        findings_.add("android.world-readable", caller() + ":" + name, false, site(call.pc).offset,
                      fmt::format("{}: {}(\"{}\", {})", where(site(call.pc)), short_api(call.index), name, what),
                      fmt::format("{} creates \"{}\" with {} through {}.", caller(), name, what, short_api(call.index)));
      }
      break;
    }
    case Known::kExternalStorage:
      if (!uses_external_) external_offset_ = site(call.pc).offset;
      uses_external_ = true;
      break;
    case Known::kFileWrite: writes_file_ = true; break;
    case Known::kLog: {
      if (cur_library_) break;
      for (std::size_t i = 1; i < a.size(); ++i)
        if (sensitive_value(a[i])) {
          findings_.add("android.sensitive-logging", caller(), false, site(call.pc).offset,
                        fmt::format("{}: {} with a sensitive value", where(site(call.pc)), short_api(call.index)),
                        fmt::format("{} writes a device identifier, location, account or password value to the "
                                    "system log.",
                                    caller()),
                        "medium");
          break;
        }
      break;
    }
    case Known::kAllowAllVerifier:
      findings_.add("android.tls.hostname-verifier-all", caller(), cur_library_, site(call.pc).offset,
                    fmt::format("{}: new AllowAllHostnameVerifier()", where(site(call.pc))),
                    fmt::format("{} creates an AllowAllHostnameVerifier.", caller()));
      break;
    case Known::kSslContextInit: listed(ssl_init_); break;
    case Known::kPinning: pinning_ = true; break;
    case Known::kKeyValue: {
      if (cur_library_) break;
      const Value& k = arg(first);
      const Value& v = arg(first + 1);
      if (k.is(VK::kString) && v.is(VK::kString)) {
        std::string_view ks = dex_.string_view_raw(k.index);
        std::string_view vs = dex_.string_view_raw(v.index);
        if (secret_name(ks) && secret_shaped(vs)) {
          std::string value = strings::valid_utf8(vs);
          findings_.add("android.hardcoded-secret", value, false, site(call.pc).offset,
                        fmt::format("{}: {}(\"{}\", \"{}\")", where(site(call.pc)), short_api(call.index),
                                    excerpt_of(ks), excerpt_of(vs)),
                        fmt::format("{} passes a constant as \"{}\".", caller(), excerpt_of(ks)), "medium");
        }
      }
      break;
    }
  }
  return out;
}

void DexAnalysis::on_const_string(std::uint32_t, std::uint16_t, std::uint32_t idx) {
  if (idx >= url_cache_.size()) return;
  if (url_cache_[idx] == -2) {
    std::string_view raw = dex_.string_view_raw(idx);
    std::vector<std::string> found;
    extract_urls(raw, found);
    std::vector<std::uint32_t> list;
    for (auto& u : found) {
      std::string v = strings::valid_utf8(u);
      auto it = url_index_.find(v);
      if (it == url_index_.end()) {
        if (urls_.size() >= kMaxUrls) continue;
        it = url_index_.emplace(v, static_cast<std::uint32_t>(urls_.size())).first;
        urls_.push_back({v, {}});
      }
      list.push_back(it->second);
    }
    url_cache_[idx] = -1;
    if (!list.empty()) {
      url_cache_[idx] = static_cast<std::int32_t>(url_lists_.size());
      url_lists_.push_back(std::move(list));
    }
    uri_api_[idx] = -1;
    if (raw.starts_with("content://"))
      for (const auto& [prefix, api] : rules_.uri_prefixes)
        if (raw.starts_with(prefix)) uri_api_[idx] = api;
  }
  if (url_cache_[idx] >= 0) {
    for (std::uint32_t k : url_lists_[static_cast<std::size_t>(url_cache_[idx])]) {
      auto& u = urls_[k];
      if (u.callers.size() < kMaxUrlCallers && std::find(u.callers.begin(), u.callers.end(), caller()) == u.callers.end())
        u.callers.push_back(caller());
    }
  }
  if (uri_api_[idx] >= 0) add_caller(api_uses_[uri_api_[idx]], cur_library_);
}

void DexAnalysis::on_field(std::uint32_t pc, std::uint8_t, std::uint32_t field, bool write, const Value& v) {
  if (!write) {
    if (field < fields_api_.size() && fields_api_[field] != nullptr)
      for (int api : *fields_api_[field]) record_api(api, pc);
    if (auto f = dex_.field_id(field)) {
      if (dex_.type_descriptor(f->class_idx) == "Lorg/apache/http/conn/ssl/SSLSocketFactory;" &&
          dex_.string_view_raw(f->name_idx) == "ALLOW_ALL_HOSTNAME_VERIFIER")
        findings_.add("android.tls.hostname-verifier-all", caller(), cur_library_, site(pc).offset,
                      fmt::format("{}: SSLSocketFactory.ALLOW_ALL_HOSTNAME_VERIFIER", where(site(pc))),
                      fmt::format("{} uses ALLOW_ALL_HOSTNAME_VERIFIER.", caller()));
    }
    return;
  }
  // A field written with one constant everywhere in this dex holds that constant (resolved after
  // the pass, when all writes are known).
  FieldConst& fc = field_consts_[field];
  if (fc.poisoned) return;
  bool constant = v.is(VK::kString) || (v.is(VK::kArray) && !v.array_data.empty());
  if (!constant || (fc.set && (fc.value.kind != v.kind || fc.value.index != v.index ||
                               fc.value.array_data.data() != v.array_data.data()))) {
    fc.poisoned = true;
    return;
  }
  fc.set = true;
  fc.value = v;
  fc.value.tag = 0;
  // A secret-named field set to a secret-shaped constant.
  if (!cur_library_ && v.is(VK::kString)) {
    std::string name = field_name(field);
    std::string_view s = dex_.string_view_raw(v.index);
    if (secret_name(name) && secret_shaped(s))
      findings_.add("android.hardcoded-secret", strings::valid_utf8(s), false, site(pc).offset,
                    fmt::format("{}: {} = \"{}\"", where(site(pc)), name, excerpt_of(s)),
                    fmt::format("{} stores a constant in the field {}.", caller(), name), "medium");
  }
}

void DexAnalysis::on_return(std::uint32_t, const Value& v) {
  if (v.is(VK::kInt) && v.number == 1) ++returns_true_;
  else ++returns_other_;
}

void DexAnalysis::on_instruction(std::uint32_t, std::uint8_t opcode, std::uint16_t payload) {
  if (payload != 0) return;
  // checkServerTrusted that throws or calls anything other than Kotlin's null checks is not trivial.
  if (opcode == 0x27) ++nontrivial_ops_;
}

void DexAnalysis::analyze_method(const dex::EncodedMethod& m, bool library,
                                 bool trust_manager, bool hostname_verifier) {
  ++method_count_;
  auto code = dex_.code_item(m.code_off);
  if (!code) return;
  auto mid = dex_.method_id(m.method_idx);
  if (!mid) return;
  cur_method_ = m.method_idx;
  cur_library_ = library;
  code_insns_off_ = std::uint64_t{m.code_off} + 16;
  caller_.clear();
  cur_method_name_ = strings::valid_utf8(dex_.string_view_raw(mid->name_idx));
  uses_external_ = writes_file_ = false;
  nontrivial_ops_ = returns_true_ = returns_other_ = 0;

  const bool check_trust = trust_manager && cur_method_name_ == "checkServerTrusted";
  const bool check_verify = hostname_verifier && cur_method_name_ == "verify";
  wants_instructions = check_trust;
  counting_calls_ = check_trust;
  auto stats = dex::walk_code(*code, *this, scratch_, true);
  counting_calls_ = false;
  if (stats.truncated) ++truncated_methods_;

  // Trivial checkServerTrusted: no throw and no call except Kotlin's parameter null checks.
  if (check_trust && nontrivial_ops_ == 0)
    findings_.add("android.tls.trust-all", cur_class_name_, library, code_insns_off_,
                  fmt::format("{}: checkServerTrusted accepts every certificate{}", caller(),
                              library ? " [library code]" : ""),
                  fmt::format("{} implements X509TrustManager with a checkServerTrusted that checks nothing.",
                              cur_class_name_));
  if (check_verify && returns_true_ > 0 && returns_other_ == 0)
    findings_.add("android.tls.hostname-verifier-all", cur_class_name_, library, code_insns_off_,
                  fmt::format("{}: verify() always returns true{}", caller(), library ? " [library code]" : ""),
                  fmt::format("{} implements HostnameVerifier with a verify() that always returns true.",
                              cur_class_name_));
  if (uses_external_ && writes_file_ && !library)
    findings_.add("android.external-storage", caller(), false, external_offset_,
                  fmt::format("{}: external storage directory and a file write", caller()),
                  fmt::format("{} writes a file under external storage.", caller()), "medium");
}

void DexAnalysis::analyze_class(const dex::ClassDef& def) {
  std::string_view desc = dex_.type_descriptor(def.class_idx);
  const bool library = is_library(desc);
  cur_class_name_ = strings::valid_utf8(dex::descriptor_to_java(desc));
  if (packages_.size() < kMaxPackages) {
    std::string pkg = dex::descriptor_package(desc);
    if (!pkg.empty()) packages_.insert(strings::valid_utf8(pkg));
  }
  bool trust_manager = false, hostname_verifier = false;
  for (auto t : dex_.type_list(def.interfaces_off)) {
    std::string_view i = dex_.type_descriptor(t);
    if (i == "Ljavax/net/ssl/X509TrustManager;" || i == "Ljavax/net/ssl/TrustManager;") trust_manager = true;
    if (i == "Ljavax/net/ssl/HostnameVerifier;") hostname_verifier = true;
  }
  if (def.superclass_idx != dex::kNoIndex) {
    std::string_view s = dex_.type_descriptor(def.superclass_idx);
    if (s == "Ljavax/net/ssl/X509ExtendedTrustManager;") trust_manager = true;
  }
  if (trust_manager && trust_managers_.size() < kMaxListed) trust_managers_.push_back(cur_class_name_);
  if (hostname_verifier && hostname_verifiers_.size() < kMaxListed) hostname_verifiers_.push_back(cur_class_name_);
  dex::ClassData cd = dex_.class_data(def);
  if (cd.truncated) ++truncated_classes_;
  for (const auto* list : {&cd.direct_methods, &cd.virtual_methods})
    for (const auto& m : *list)
      if ((m.access_flags & dex::kAccNative) != 0 && native_methods_.size() < kMaxPending)
        native_methods_.insert(m.method_idx);
  if (!library && def.static_values_off != 0) {
    for (const auto& [pos, sidx] : dex_.static_string_values(def)) {
      if (pos >= cd.static_fields.size() || key_constants_.size() >= kMaxPending) break;
      const dex::EncodedField& f = cd.static_fields[pos];
      if ((f.access_flags & dex::kAccFinal) != 0 && key_name(field_name(f.field_idx)) &&
          key_material_shaped(dex_.string_view_raw(sidx)))
        key_constants_.emplace(sidx, f.field_idx);
    }
  }
  for (const auto* list : {&cd.direct_methods, &cd.virtual_methods})
    for (const auto& m : *list) analyze_method(m, library, trust_manager, hostname_verifier);
}

void DexAnalysis::resolve_deferred() {
  // Parameter summaries: a parameter passed on to a sink parameter is a sink itself. A few rounds
  // cover the helper chains seen in practice (caller -> helper -> crypto wrapper).
  for (int round = 0; round < 4; ++round) {
    bool changed = false;
    for (const auto& e : param_edges_) {
      auto it = param_sinks_.find({e.callee, e.q});
      if (it != param_sinks_.end() && param_sinks_.size() < kMaxPending &&
          param_sinks_.emplace(std::make_pair(e.caller, e.p), it->second).second)
        changed = true;
    }
    if (!changed) break;
  }
  auto field_value = [this](std::uint32_t field) -> std::optional<Value> {
    auto it = field_consts_.find(field);
    if (it == field_consts_.end() || it->second.poisoned || !it->second.set) return std::nullopt;
    return it->second.value;
  };
  for (const auto& pf : pending_fields_) {
    if (auto v = field_value(pf.field))
      report_key(pf.sink, value_text(*v), pf.site, fmt::format(" (through the field {})", field_name(pf.field)));
  }
  for (const auto& pc : pending_calls_) {
    if (native_methods_.count(pc.callee) != 0) native_key(pc);
    auto it = param_sinks_.find({pc.callee, pc.position});
    if (it == param_sinks_.end()) continue;
    Value v = pc.value;
    std::string how = fmt::format(" (passed to {})", method_name(pc.callee));
    if (v.is(VK::kInstanceField) || v.is(VK::kStaticField)) {
      std::string fname = field_name(v.index);
      auto fv = field_value(v.index);
      if (!fv) continue;
      v = *fv;
      how = fmt::format(" (field {} passed to {})", fname, method_name(pc.callee));
    }
    report_key(it->second, value_text(v), pc.site, how);
  }
}

json DexAnalysis::make_fact() const {
  json apis = json::array();
  for (const auto& [idx, use] : api_uses_) {
    const ApiEntry& e = rules_.apis[static_cast<std::size_t>(idx)];
    apis.push_back({{"api", e.api},
                    {"data_type", e.data_type},
                    {"permission", e.permission},
                    {"callers", use.callers},
                    {"count", use.count},
                    {"library_only", use.app_count == 0}});
  }
  json urls = json::array();
  for (const auto& u : urls_) urls.push_back({{"value", u.value}, {"callers", u.callers}});
  json pk = json::array();
  for (const auto& p : packages_) pk.push_back(p);
  json fact = {{"dex_version", dex_.version_string()},
               {"classes", dex_.class_defs().size()},
               {"methods", method_count_},
               {"strings", dex_.string_count()},
               {"packages", std::move(pk)},
               {"api_uses", std::move(apis)},
               {"urls", std::move(urls)},
               {"dynamic_code_loading", !dynamic_callers_.empty()},
               {"dynamic_code_callers", dynamic_callers_},
               {"webview",
                {{"javascript_enabled", !js_enabled_.empty()},
                 {"javascript_enabled_callers", js_enabled_},
                 {"js_interface", !js_interface_.empty()},
                 {"js_interface_callers", js_interface_},
                 {"file_access", !file_access_.empty()},
                 {"file_access_callers", file_access_},
                 {"ssl_error_proceed", !ssl_proceed_.empty()},
                 {"ssl_error_proceed_callers", ssl_proceed_}}},
               {"tls",
                {{"trust_managers", trust_managers_},
                 {"hostname_verifiers", hostname_verifiers_},
                 {"ssl_context_init_callers", ssl_init_},
                 {"pinning", pinning_}}},
               {"crypto", {{"ciphers", ciphers_}, {"digests", digests_}}}};
  if (truncated_methods_ > 0) fact["truncated_methods"] = truncated_methods_;
  if (truncated_classes_ > 0) fact["truncated_class_data"] = truncated_classes_;
  if (!dex_.diagnostics().empty()) fact["diagnostics"] = strings::valid_utf8(dex_.diagnostics());
  return fact;
}

void DexAnalysis::run(ScanContext& ctx) {
  prepare();
  for (const auto& def : dex_.class_defs()) analyze_class(def);
  resolve_deferred();
  // The JavaScript bridge matters when the app also enables JavaScript.
  if (app_js_enabled_)
    for (const auto& [who, s] : app_js_interfaces_)
      findings_.add("android.webview.js-interface", who, false, s.offset,
                    fmt::format("{}: addJavascriptInterface with JavaScript enabled", who),
                    fmt::format("{} exposes a Java object to a WebView whose JavaScript the app enables.", who));
  findings_.flush(ctx);
  ctx.add_fact({"android.code", node_.path, make_fact()});
}

}  // namespace

bool AndroidCodeAnalyzer::wants(const NodeInfo& node) const {
  return node.kind == Kind::kDex && node.type == "file";
}

void AndroidCodeAnalyzer::analyze(const NodeView& node, ScanContext& ctx) const {
  const CodeRules& rules = ctx.resource<CodeRules>(
      "android-code.rules", [&ctx] { return load_rules(ctx.config().rules_dir); });
  auto parsed = dex::parse_dex(node.bytes);
  if (!parsed) {
    Finding f;
    f.rule_id = "android.dex-unreadable";
    f.category = Category::kCoverage;
    f.severity = Severity::kMedium;
    f.title = "DEX file could not be analyzed";
    f.description = "The DEX could not be parsed: " + parsed.error().message;
    f.evidence.push_back({node.info.path, std::nullopt, std::nullopt, parsed.error().message});
    f.remediation = "Check that the file is an unmodified DEX (035-041).";
    ctx.add_finding(std::move(f));
    ctx.add_fact({"android.code.error", node.info.path, json{{"message", parsed.error().message}}});
    return;
  }
  DexAnalysis analysis(*parsed, rules, node.info);
  analysis.run(ctx);
  if (!rules.errors.empty())
    ctx.add_fact({"android.code.rules-error", node.info.path, json{{"errors", rules.errors}}});
}

}  // namespace assay::analyzers
