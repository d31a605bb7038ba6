#include "analyzers/keys/keys.hpp"

#include "core/embedded.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/embedded.hpp"
#include "core/hash.hpp"
#include "formats/keys/keys.hpp"
#include "formats/strings/strings.hpp"

namespace assay::analyzers {
namespace {

using nlohmann::json;

// Key files are small; a "key" bigger than this is something else (a CA bundle tops out near
// 250 KiB).
constexpr std::uint64_t kMaxKeyFileBytes = 1u << 20;
// Unknown-kind files are tried as Dropbear keys (ECDSA and Ed25519 keys are not recognised by
// identify) only when they are this small.
constexpr std::uint64_t kMaxDropbearBytes = 16u << 10;
// Items listed in one keys.inventory fact (a trust store holds ~150 certificates; the fact says
// how many there were).
constexpr std::size_t kMaxFactItems = 64;
// More certificates than this in one file, or certificates under a ca-certificates path, make a
// trust store: its roots are not the product's identity and are not judged one by one.
constexpr std::size_t kTrustStoreCerts = 4;

struct KnownBad {
  std::string name, cve, username;
};
struct KnownBadList {
  std::map<std::string, KnownBad> by_fingerprint;
  std::string error;
};

std::unique_ptr<KnownBadList> load_known_bad(const AnalysisConfig& config) {
  auto out = std::make_unique<KnownBadList>();
  auto text = load_data_file("rules/keys/known-bad-ssh-keys.yaml", config.rules_dir);
  if (!text) {
    out->error = text.error().message;
    return out;
  }
  try {
    yaml::Node doc = load_yaml(*text);
    for (const auto& e : doc["known_bad_ssh_keys"]) {
      KnownBad k{e["name"].as<std::string>(""), e["cve"].as<std::string>(""), e["username"].as<std::string>("")};
      out->by_fingerprint.emplace(e["fingerprint"].as<std::string>(""), std::move(k));
    }
  } catch (const std::exception& e) {
    out->error = e.what();
  }
  return out;
}

std::string base_name(std::string_view p) {
  auto s = p.find_last_of("/!");
  return std::string(s == std::string_view::npos ? p : p.substr(s + 1));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool is_authorized_keys(const NodeInfo& n) {
  std::string b = base_name(n.path);
  return b == "authorized_keys" || b == "authorized_keys2";
}

// SSH host keys by name (OpenSSH, Dropbear, and the vendor variants seen in firmware).
bool is_host_key(const NodeInfo& n, const keys::KeyItem& k) {
  std::string b = lower(base_name(n.path));
  return k.format == "dropbear" || b.find("host_key") != std::string::npos || b.find("hostkey") != std::string::npos ||
         b.starts_with("ssh_host_") || b.starts_with("dropbear_");
}

// A TLS server key by its place in the image.
bool looks_like_server_key(const NodeInfo& n) {
  std::string p = lower(n.path);
  for (const char* w : {"server", "https", "ssl", "tls", "httpd", "lighttpd", "uhttpd", "nginx", "stunnel", "/www", "cert"})
    if (p.find(w) != std::string::npos) return true;
  return false;
}

bool inside_product(const NodeInfo& n) { return n.depth > 0; }

json item_json(const keys::KeyItem& k) {
  json j = {{"type", k.type}, {"format", k.format}, {"algorithm", k.algorithm}, {"bits", k.bits},
            {"offset", k.offset}};
  if (!k.fingerprint.empty()) j["fingerprint"] = k.fingerprint;
  if (k.type == "private-key") j["encrypted"] = k.encrypted;
  if (!k.comment.empty()) j["comment"] = strings::valid_utf8(k.comment);
  if (!k.options.empty()) j["options"] = strings::valid_utf8(k.options);
  if (k.type == "certificate") {
    j["subject"] = strings::valid_utf8(k.subject);
    j["issuer"] = strings::valid_utf8(k.issuer);
    j["not_before"] = k.not_before;
    j["not_after"] = k.not_after;
    j["signature_hash"] = k.signature_hash;
    j["serial"] = k.serial;
    j["self_signed"] = k.self_signed;
    j["expired"] = k.expired;
  }
  return j;
}

std::string describe(const keys::KeyItem& k) {
  std::string s = k.algorithm == "unknown" ? std::string("key") : fmt::format("{} key", k.algorithm);
  if (k.bits != 0) s = fmt::format("{}-bit {}", k.bits, s);
  return fmt::format("{} ({}{})", s, k.format, k.encrypted ? ", encrypted" : "");
}

Finding make(const NodeInfo& n, std::string rule, Category cat, Severity sev, std::string title, std::string desc,
             std::vector<std::string> cwe, std::string remediation, std::string excerpt, std::uint64_t offset,
             std::string key) {
  Finding f;
  f.rule_id = std::move(rule);
  f.category = cat;
  f.severity = sev;
  f.title = std::move(title);
  f.description = std::move(desc);
  f.evidence.push_back({n.path, offset, std::nullopt, strings::valid_utf8(excerpt)});
  f.cwe = std::move(cwe);
  f.remediation = std::move(remediation);
  f.key = std::move(key);
  f.tags = {"key"};
  return f;
}

std::optional<std::string> weakness(const keys::KeyItem& k) {
  if (k.algorithm == "rsa" && k.bits != 0 && k.bits < 2048) return fmt::format("RSA with {} bits (< 2048)", k.bits);
  if (k.algorithm == "dsa") return fmt::format("DSA{}", k.bits != 0 ? fmt::format(" with {} bits", k.bits) : "");
  if (k.algorithm == "ecdsa" && k.bits != 0 && k.bits < 224) return fmt::format("EC with {} bits (< 224)", k.bits);
  return std::nullopt;
}

}  // namespace

bool KeysAnalyzer::wants(const NodeInfo& node) const {
  if (node.type != "file" || node.size == 0 || node.size > kMaxKeyFileBytes) return false;
  switch (node.kind) {
    case Kind::kPem:
    case Kind::kDerCertificate:
    case Kind::kDerKey:
    case Kind::kSshPrivateKey:
      return true;
    case Kind::kUnknown:
      return node.size <= kMaxDropbearBytes;
    case Kind::kText:
      return is_authorized_keys(node);
    default:
      return false;
  }
}

void KeysAnalyzer::analyze(const NodeView& node, ScanContext& ctx) const {
  const NodeInfo& n = node.info;
  std::vector<std::string> diags;
  std::vector<keys::KeyItem> items;
  const bool authorized = is_authorized_keys(n);
  if (authorized) {
    items = keys::parse_authorized_keys(std::string_view(reinterpret_cast<const char*>(node.bytes.data()), node.bytes.size()));
  } else if (n.kind == Kind::kUnknown) {
    // Only a Dropbear key is looked for in unknown data (cheap: the first bytes decide).
    auto k = keys::parse_dropbear(node.bytes);
    if (!k || k->bits == 0) return;
    // The whole file is the key: a Dropbear key has nothing after its last field.
    items.push_back(std::move(*k));
  } else {
    items = keys::parse_key_file(node.bytes, diags);
  }
  if (items.empty() && diags.empty()) return;
  const auto& bad = ctx.resource<KnownBadList>("keys.known-bad", [&] { return load_known_bad(ctx.config()); });

  std::size_t certs = 0;
  for (const auto& k : items) certs += k.type == "certificate" ? 1 : 0;
  const std::string lp = lower(n.path);
  bool trust_store = certs > kTrustStoreCerts;
  for (const char* dir : {"/etc/ssl/certs/", "/usr/share/ca-certificates/", "/etc/pki/", "ca-certificates", "ca-bundle",
                          "cacert", "/certs/ca"})
    if (lp.find(dir) != std::string::npos) trust_store = true;

  json listed = json::array();
  for (std::size_t i = 0; i < items.size() && i < kMaxFactItems; ++i) listed.push_back(item_json(items[i]));
  json fact = {{"items", listed}, {"count", items.size()}, {"trust_store", trust_store}};
  if (!diags.empty()) fact["diagnostics"] = strings::valid_utf8(diags);
  ctx.add_fact({"keys.inventory", n.path, std::move(fact)});

  const std::string who = base_name(n.path);
  for (const auto& k : items) {
    const std::string key_id = k.fingerprint.empty() ? to_hex(sha256(node.bytes)).substr(0, 16) : k.fingerprint;
    if (k.type == "private-key") {
      const bool host = is_host_key(n, k);
      const bool server = inside_product(n) && (host || looks_like_server_key(n));
      Severity sev = server ? Severity::kCritical : Severity::kHigh;
      std::string what = host ? "SSH host key" : server ? "TLS/server private key" : "private key";
      Finding f = make(n, "keys.private-key", Category::kCrypto, sev,
                       host ? "SSH host private key shipped in the image" : "Private key shipped in the product",
                       fmt::format("{} is a {}: {}.{}", who, what, describe(k),
                                   server ? " Every unit built from this image has the same key, so one extracted "
                                            "image lets an attacker impersonate or intercept all of them."
                                          : ""),
                       {"CWE-321", "CWE-798"},
                       host ? "Remove the host key from the image and generate it on first boot (dropbearkey -R / "
                              "ssh-keygen -A)."
                            : "Remove the key; generate per-device keys at first boot or provisioning.",
                       describe(k) + (k.fingerprint.empty() ? "" : " " + k.fingerprint), k.offset, key_id);
      f.tags = {"key", "credential", "shared-secret"};
      if (host) f.tags.push_back("ssh-host-key");
      ctx.add_finding(std::move(f));
    }
    if (k.type == "authorized-key") {
      const bool root = lp.find("root/.ssh/") != std::string::npos || lp.find("/.ssh/") == std::string::npos;
      Finding f = make(n, "keys.ssh-authorized-keys", Category::kBackdoor, root ? Severity::kCritical : Severity::kHigh,
                       "SSH authorized_keys baked into the image",
                       fmt::format("{} authorizes a {} ({}) to log in{}: whoever holds the matching private key "
                                   "gets into every unit.",
                                   n.path, describe(k), k.comment.empty() ? "no comment" : k.comment,
                                   root ? " as root" : ""),
                       {"CWE-798", "CWE-912"}, "Ship no authorized_keys; let the owner install keys during setup.",
                       fmt::format("{} {}{}", k.algorithm, k.fingerprint, k.comment.empty() ? "" : " " + k.comment),
                       k.offset, k.fingerprint);
      f.tags = {"backdoor", "key", "planted-access"};
      ctx.add_finding(std::move(f));
    }
    if (!k.fingerprint.empty()) {
      auto it = bad.by_fingerprint.find(k.fingerprint);
      if (it != bad.by_fingerprint.end()) {
        Finding f = make(n, "keys.known-bad-ssh-key", Category::kBackdoor, Severity::kCritical,
                         fmt::format("Published SSH key ({})", it->second.name),
                         fmt::format("{} holds the {} {} whose private key is public (rapid7/ssh-badkeys: {}{}{}): "
                                     "anyone can log in with it.",
                                     who, k.type, k.fingerprint, it->second.name,
                                     it->second.username.empty() ? "" : ", user " + it->second.username,
                                     it->second.cve.empty() ? "" : ", " + it->second.cve),
                         {"CWE-321", "CWE-798"}, "Remove the key and any authorized_keys entry for it.",
                         k.fingerprint + " " + it->second.name, k.offset, k.fingerprint);
        f.tags = {"backdoor", "key", "default-credential"};
        f.references = {"https://github.com/rapid7/ssh-badkeys"};
        if (!it->second.cve.empty()) f.references.push_back("https://nvd.nist.gov/vuln/detail/" + it->second.cve);
        ctx.add_finding(std::move(f));
      }
    }
    if (trust_store && k.type == "certificate") continue;
    if (auto w = weakness(k)) {
      ctx.add_finding(make(n, "keys.weak-key", Category::kCrypto, Severity::kMedium,
                           fmt::format("Weak {} key", k.type == "certificate" ? "certificate" : k.algorithm),
                           fmt::format("{} holds a {} with a {}: below current minimum strength.", who, k.type, *w),
                           {"CWE-326"}, "Use RSA 3072 (at least 2048), ECDSA P-256 or Ed25519.", *w, k.offset,
                           key_id));
    }
    if (k.type == "certificate") {
      if ((k.signature_hash == "md5" || k.signature_hash == "sha1" || k.signature_hash == "md2" ||
           k.signature_hash == "md4") &&
          !k.self_signed) {
        ctx.add_finding(make(n, "keys.weak-signature", Category::kCrypto, Severity::kMedium,
                             fmt::format("Certificate signed with {}", k.signature_hash),
                             fmt::format("The certificate {} (issuer {}) is signed with {}, which can be forged with "
                                         "collisions.", k.subject, k.issuer, k.signature_hash),
                             {"CWE-328"}, "Reissue the certificate with a SHA-256 signature.",
                             fmt::format("{} signed with {}", k.subject.substr(0, 80), k.signature_hash), k.offset,
                             k.serial + k.fingerprint));
      }
      if (k.expired) {
        ctx.add_finding(make(n, "keys.expired-certificate", Category::kCrypto, Severity::kInfo,
                             "Expired certificate",
                             fmt::format("The certificate {} expired on {}.", k.subject, k.not_after), {"CWE-298"},
                             "Renew the certificate or remove it.",
                             fmt::format("{} notAfter {}", k.subject.substr(0, 80), k.not_after), k.offset,
                             k.serial + k.fingerprint));
      }
    }
  }
}

void KeysProductAnalyzer::analyze(const ProductView& product, ScanContext& ctx) const {
  // fingerprint -> (path, description) of private keys; then each certificate looks up its key.
  std::map<std::string, std::pair<std::string, std::string>> keys_by_fp;
  for (const auto& f : product.facts) {
    if (f.type != "keys.inventory" || !f.data.contains("items")) continue;
    for (const auto& it : f.data["items"])
      if (it.value("type", "") == "private-key" && it.contains("fingerprint"))
        keys_by_fp.emplace(it["fingerprint"].get<std::string>(),
                           std::make_pair(f.path, it.value("algorithm", "") + " " + it.value("format", "")));
  }
  if (keys_by_fp.empty()) return;
  std::set<std::string> seen;
  for (const auto& f : product.facts) {
    if (f.type != "keys.inventory" || !f.data.contains("items") || f.data.value("trust_store", false)) continue;
    for (const auto& it : f.data["items"]) {
      if (it.value("type", "") != "certificate" || !it.contains("fingerprint")) continue;
      std::string fp = it["fingerprint"].get<std::string>();
      auto k = keys_by_fp.find(fp);
      if (k == keys_by_fp.end() || !seen.insert(f.path + fp).second) continue;
      Finding out;
      out.rule_id = "keys.cert-with-key";
      out.category = Category::kCrypto;
      out.severity = Severity::kHigh;
      out.title = "Certificate shipped together with its private key";
      out.description = fmt::format(
          "The certificate {} ({}{}) and its private key {} are both in the product: every unit presents the same "
          "identity, and anyone with the image can impersonate it or decrypt its traffic.",
          f.path, it.value("subject", ""), it.value("self_signed", false) ? ", self-signed" : "", k->second.first);
      out.evidence.push_back({f.path, it.value("offset", std::uint64_t{0}), std::nullopt,
                              strings::valid_utf8(it.value("subject", "").substr(0, 100))});
      out.evidence.push_back({k->second.first, std::nullopt, std::nullopt, k->second.second + " " + fp});
      out.cwe = {"CWE-321"};
      out.remediation = "Generate the key and certificate on each device (or enrol per device); never ship the pair.";
      out.key = fp;
      out.tags = {"key", "certificate", "shared-secret"};
      ctx.add_finding(std::move(out));
    }
  }
}

}  // namespace assay::analyzers
