#include "formats/plist/plist.hpp"

#include <plist/plist.h>

#include <algorithm>
#include <cinttypes>
#include <cstdlib>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "core/reader.hpp"
#include "formats/strings/strings.hpp"

namespace assay::plist {
namespace {

using nlohmann::json;

constexpr std::string_view kBinaryMagic = "bplist00";
// Seconds from the Unix epoch to Apple's (2001-01-01T00:00:00Z).
constexpr std::int64_t kAppleEpochOffset = 978307200;

Error limit_error(const std::string& what) { return make_error(Errc::kLimit, "plist: " + what); }

std::uint64_t read_be_n(ByteView data, std::uint64_t offset, unsigned width, bool& ok) {
  if (width == 0 || width > 8 || !fits(offset, width, data.size())) {
    ok = false;
    return 0;
  }
  std::uint64_t v = 0;
  for (unsigned i = 0; i < width; ++i) v = (v << 8) | data[static_cast<std::size_t>(offset + i)];
  return v;
}

// Walks a binary plist's object graph the way libplist 2.2 will expand it (every reference is a
// new node), with an explicit stack, and refuses it when it is deeper than kMaxDepth or expands to
// more than kMaxNodes. Only containers matter: scalars have no references.
Status check_binary(ByteView data) {
  constexpr std::size_t kTrailer = 32;
  if (data.size() < kBinaryMagic.size() + kTrailer) return make_error(Errc::kTruncated, "plist: binary plist shorter than its trailer");
  const std::uint64_t t = data.size() - kTrailer;
  const unsigned offset_size = data[static_cast<std::size_t>(t + 6)];
  const unsigned ref_size = data[static_cast<std::size_t>(t + 7)];
  bool ok = true;
  const std::uint64_t num_objects = read_be_n(data, t + 8, 8, ok);
  const std::uint64_t root = read_be_n(data, t + 16, 8, ok);
  const std::uint64_t table = read_be_n(data, t + 24, 8, ok);
  if (!ok || offset_size == 0 || offset_size > 8 || ref_size == 0 || ref_size > 8)
    return make_error(Errc::kMalformed, "plist: binary trailer has invalid integer sizes");
  // Every object takes at least one byte, so a count beyond the file size is a lie.
  if (num_objects == 0 || num_objects > data.size() || root >= num_objects)
    return make_error(Errc::kMalformed, "plist: binary trailer object count or root out of range");
  if (!fits(table, num_objects * offset_size, t))
    return make_error(Errc::kMalformed, "plist: binary offset table outside the file");

  struct Item {
    std::uint64_t index;
    std::size_t depth;
  };
  std::vector<Item> stack{{root, 1}};
  std::size_t nodes = 0;
  while (!stack.empty()) {
    Item it = stack.back();
    stack.pop_back();
    if (++nodes > kMaxNodes) return limit_error("binary plist expands to more than " + std::to_string(kMaxNodes) + " nodes");
    if (it.depth > kMaxDepth) return limit_error("binary plist nests deeper than " + std::to_string(kMaxDepth));
    const std::uint64_t off = read_be_n(data, table + it.index * offset_size, offset_size, ok);
    if (!ok || off >= t) return make_error(Errc::kMalformed, "plist: object offset outside the object area");
    const std::uint8_t marker = data[static_cast<std::size_t>(off)];
    const unsigned type = marker >> 4;
    if (type != 0xA && type != 0xC && type != 0xD) continue;  // array, set, dict
    std::uint64_t count = marker & 0x0F;
    std::uint64_t pos = off + 1;
    if (count == 0x0F) {  // the count follows as an int object: 0x1N, 2^N bytes
      if (pos >= t) return make_error(Errc::kTruncated, "plist: container count past the object area");
      const std::uint8_t int_marker = data[static_cast<std::size_t>(pos)];
      if ((int_marker >> 4) != 0x1 || (int_marker & 0x0F) > 3)
        return make_error(Errc::kMalformed, "plist: container count is not an integer");
      const unsigned width = 1u << (int_marker & 0x0F);
      count = read_be_n(data, pos + 1, width, ok);
      if (!ok) return make_error(Errc::kTruncated, "plist: container count truncated");
      pos += 1 + width;
    }
    const std::uint64_t refs = type == 0xD ? count * 2 : count;
    // Clamp by the bytes that remain: a count can be any 64-bit value.
    if (count > t || !fits(pos, refs * ref_size, t))
      return make_error(Errc::kTruncated, "plist: container references past the object area");
    for (std::uint64_t i = 0; i < refs; ++i) {
      const std::uint64_t ref = read_be_n(data, pos + i * ref_size, ref_size, ok);
      if (!ok || ref >= num_objects) return make_error(Errc::kMalformed, "plist: object reference out of range");
      if (stack.size() + nodes > kMaxNodes) return limit_error("binary plist expands to more than " + std::to_string(kMaxNodes) + " nodes");
      stack.push_back({ref, it.depth + 1});
    }
  }
  return {};
}

// libplist's XML reader recurses per <dict>/<array>. Counting their open and close tags bounds
// that depth; a tag inside a comment or CDATA is counted too, which can only refuse more.
Status check_xml(ByteView data) {
  const std::string_view s = as_chars(data);
  std::size_t depth = 0, nodes = 0;
  // The next '>' is remembered: searching for it afresh at every tag would make
  // "<array<array<array..." without any '>' quadratic.
  std::size_t next_gt = 0;
  for (std::size_t i = s.find('<'); i != std::string_view::npos; i = s.find('<', i + 1)) {
    std::size_t j = i + 1;
    bool closing = j < s.size() && s[j] == '/';
    if (closing) ++j;
    std::size_t k = j;
    // Only "dict" and "array" matter: 8 characters decide, which keeps "<a<a<a..." linear.
    while (k < s.size() && k - j < 8 && s[k] != '>' && s[k] != '/' && s[k] != '<' && s[k] != ' ' && s[k] != '\t' &&
           s[k] != '\r' && s[k] != '\n')
      ++k;
    const std::string_view name = s.substr(j, k - j);
    // Comments, CDATA and the text of scalar elements cannot hold tags for libplist: skip them
    // whole, so a "</array>" hidden there cannot lower the count while the real nesting grows.
    if (s.substr(i).starts_with("<!--") || s.substr(i).starts_with("<![CDATA[")) {
      const bool comment = s.substr(i).starts_with("<!--");
      const std::size_t close = s.find(comment ? "-->" : "]]>", i + 4);
      if (close == std::string_view::npos) break;
      i = close;
      continue;
    }
    if (!closing && (name == "key" || name == "string" || name == "data" || name == "date" || name == "integer" || name == "real")) {
      const std::size_t gt = s.find('>', k);
      if (gt == std::string_view::npos) break;
      if (s[gt - 1] != '/') {
        const std::size_t close = s.find("</" + std::string(name), gt);
        if (close == std::string_view::npos) break;
        i = close;  // the loop resumes after this '<' and reads the closing tag as a non-container
      }
      if (++nodes > kMaxNodes) return limit_error("XML plist has more than " + std::to_string(kMaxNodes) + " elements");
      continue;
    }
    if (name != "dict" && name != "array") {
      if (!closing && !name.empty() && name[0] != '?' && name[0] != '!' && ++nodes > kMaxNodes)
        return limit_error("XML plist has more than " + std::to_string(kMaxNodes) + " elements");
      continue;
    }
    if (next_gt != std::string_view::npos && next_gt < k) next_gt = s.find('>', k);
    const std::size_t end = next_gt;
    const bool self_closing = end != std::string_view::npos && end > 0 && s[end - 1] == '/';
    if (closing) {
      if (depth > 0) --depth;
    } else if (depth + 1 > kMaxDepth) {  // an empty <array/> is a level too, as in a binary plist
      return limit_error("XML plist nests deeper than " + std::to_string(kMaxDepth));
    } else if (!self_closing) {
      ++depth;
    }
    if (++nodes > kMaxNodes) return limit_error("XML plist has more than " + std::to_string(kMaxNodes) + " elements");
  }
  return {};
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const std::uint32_t v = (std::uint8_t(in[i]) << 16) | (std::uint8_t(in[i + 1]) << 8) | std::uint8_t(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    std::uint32_t v = std::uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= std::uint8_t(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

struct PlistDeleter {
  void operator()(void* p) const { plist_free(static_cast<plist_t>(p)); }
};

json scalar_to_json(plist_t node) {
  switch (plist_get_node_type(node)) {
    case PLIST_BOOLEAN: {
      std::uint8_t b = 0;
      plist_get_bool_val(node, &b);
      return b != 0;
    }
    case PLIST_UINT: {
      std::uint64_t u = 0;
      plist_get_uint_val(node, &u);
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(u);
      return u;
    }
    case PLIST_REAL: {
      double d = 0;
      plist_get_real_val(node, &d);
      return d;
    }
    case PLIST_STRING: {
      char* v = nullptr;
      plist_get_string_val(node, &v);
      std::string out = v ? strings::valid_utf8(v) : std::string();
      std::free(v);
      return out;
    }
    case PLIST_DATE: {
      std::int32_t sec = 0, usec = 0;
      plist_get_date_val(node, &sec, &usec);
      return apple_date_to_iso(sec);
    }
    case PLIST_DATA: {
      char* v = nullptr;
      std::uint64_t len = 0;
      plist_get_data_val(node, &v, &len);
      std::string out = len > kMaxDataBytes ? "<data: " + std::to_string(len) + " bytes>"
                                            : base64(std::string_view(v ? v : "", v ? len : 0));
      std::free(v);
      return out;
    }
    case PLIST_UID: {
      std::uint64_t u = 0;
      plist_get_uid_val(node, &u);
      return json{{"uid", u}};
    }
    default:
      return nullptr;
  }
}

// Converts with an explicit stack (the tree is bounded by the checks above, but recursion on
// input depth is not done anywhere in Assay). Array slots are sized before their children are
// filled, so the pointers on the stack stay valid.
json to_json(plist_t root) {
  json out;
  struct Work {
    plist_t node;
    json* dst;
  };
  std::vector<Work> stack{{root, &out}};
  while (!stack.empty()) {
    Work w = stack.back();
    stack.pop_back();
    const plist_type type = plist_get_node_type(w.node);
    if (type == PLIST_DICT) {
      *w.dst = json::object();
      plist_dict_iter it = nullptr;
      plist_dict_new_iter(w.node, &it);
      if (it == nullptr) continue;
      for (;;) {
        char* key = nullptr;
        plist_t val = nullptr;
        plist_dict_next_item(w.node, it, &key, &val);
        if (val == nullptr) {
          std::free(key);
          break;
        }
        json& slot = (*w.dst)[key ? strings::valid_utf8(key) : std::string()];
        std::free(key);
        stack.push_back({val, &slot});
      }
      std::free(it);
    } else if (type == PLIST_ARRAY) {
      const std::uint32_t n = plist_array_get_size(w.node);
      *w.dst = json::array();
      auto& arr = w.dst->get_ref<json::array_t&>();
      arr.resize(n);
      for (std::uint32_t i = 0; i < n; ++i) stack.push_back({plist_array_get_item(w.node, i), &arr[i]});
    } else {
      *w.dst = scalar_to_json(w.node);
    }
  }
  return out;
}

}  // namespace

bool looks_like_plist(ByteView data) noexcept {
  if (has_magic(data, 0, kBinaryMagic)) return true;
  const std::string_view s = as_chars(data.first(std::min<std::size_t>(data.size(), 512)));
  return s.find("<plist") != std::string_view::npos;
}

std::string apple_date_to_iso(std::int64_t seconds_since_2001) {
  const std::time_t t = static_cast<std::time_t>(seconds_since_2001 + kAppleEpochOffset);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return "";
  char buf[96];  // room for any int the compiler can imagine in each field
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

Result<nlohmann::json> parse_plist(ByteView data) {
  if (data.empty()) return make_error(Errc::kTruncated, "plist: empty input");
  if (data.size() > kMaxPlistBytes) return limit_error("larger than " + std::to_string(kMaxPlistBytes) + " bytes");
  const bool binary = has_magic(data, 0, kBinaryMagic);
  Status pre = binary ? check_binary(data) : check_xml(data);
  if (!pre) return std::move(pre).error();
  plist_t raw = nullptr;
  plist_from_memory(reinterpret_cast<const char*>(data.data()), static_cast<std::uint32_t>(data.size()), &raw);
  if (raw == nullptr) return make_error(Errc::kMalformed, binary ? "plist: libplist rejected the binary plist" : "plist: libplist rejected the XML plist");
  std::unique_ptr<void, PlistDeleter> holder(raw);
  return to_json(raw);
}

}  // namespace assay::plist
