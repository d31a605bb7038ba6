#include "engine/fingerprint.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "core/hash.hpp"

namespace assay {

std::string normalize_path_for_fingerprint(std::string_view path) {
  std::string out = "$";
  std::size_t first = path.find_first_of("!/");
  if (first == std::string_view::npos) return out;
  std::string_view rest = path.substr(first);
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '@' && i + 2 < rest.size() && rest[i + 1] == '0' && rest[i + 2] == 'x') {
      out += "@*";
      i += 3;
      while (i < rest.size() && std::isxdigit(static_cast<unsigned char>(rest[i]))) ++i;
      --i;
      continue;
    }
    // Version numbers in paths change with every build (lib/modules/4.14.0-3/, libssl.so.1.1,
    // classes2.dex): a run of digits and dots is one placeholder.
    if (std::isdigit(static_cast<unsigned char>(rest[i]))) {
      while (i < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[i])) || rest[i] == '.')) ++i;
      out += '#';
      if (rest[i - 1] == '.') out += '.';
      --i;
      continue;
    }
    out.push_back(rest[i]);
  }
  return out;
}

std::string fingerprint(const Finding& f) {
  std::string path = f.evidence.empty() ? std::string() : normalize_path_for_fingerprint(f.evidence[0].path);
  std::string material = f.rule_id + "\n" + path + "\n" + f.key;
  auto d = sha256(as_bytes(material));
  return to_hex(ByteView(d.data(), 16));
}

void finalize_findings(std::vector<Finding>& findings) {
  for (auto& f : findings) f.fingerprint = fingerprint(f);
  // Merge duplicates: the same rule on the same normalized path and key is one finding with the
  // union of its evidence (bounded).
  std::map<std::string, std::size_t> seen;
  std::vector<Finding> out;
  out.reserve(findings.size());
  for (auto& f : findings) {
    auto [it, inserted] = seen.emplace(f.fingerprint, out.size());
    if (inserted) {
      out.push_back(std::move(f));
    } else {
      Finding& g = out[it->second];
      g.severity = std::max(g.severity, f.severity);
      for (auto& e : f.evidence)
        if (g.evidence.size() < 20) g.evidence.push_back(std::move(e));
    }
  }
  std::sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    const std::string& pa = a.evidence.empty() ? a.rule_id : a.evidence[0].path;
    const std::string& pb = b.evidence.empty() ? b.rule_id : b.evidence[0].path;
    return std::make_tuple(-static_cast<int>(a.severity), static_cast<int>(a.category), std::cref(a.rule_id),
                           std::cref(pa), std::cref(a.fingerprint)) <
           std::make_tuple(-static_cast<int>(b.severity), static_cast<int>(b.category), std::cref(b.rule_id),
                           std::cref(pb), std::cref(b.fingerprint));
  });
  findings = std::move(out);
}

}  // namespace assay
