#include "yaml/node.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace assay::yaml {

namespace {

std::string what_of(const yaml::Mark& m, const std::string& msg) {
  if (m.line < 0) return msg;
  return "error at line " + std::to_string(m.line + 1) + ", column " + std::to_string(m.column + 1) + ": " + msg;
}

constexpr char kMagic[4] = {'A', 'Y', 'M', 'L'};
constexpr std::uint32_t kFormatVersion = 1;
struct Header {
  char magic[4];
  std::uint32_t version;
  std::uint32_t records;
  std::uint32_t slots;
  std::uint32_t string_bytes;
  std::uint32_t root;
};
static_assert(sizeof(Header) == 24);

}  // namespace

Exception::Exception(yaml::Mark mark_, std::string msg_)
    : std::runtime_error(what_of(mark_, msg_)), mark(mark_), msg(std::move(msg_)) {}

namespace detail {

// The three arrays of a document: owned after parse(), borrowed from static bytes after
// from_binary(). Records and slots are read with memcpy, so borrowed bytes need no alignment.
class Storage {
 public:
  Rec rec(std::uint32_t i) const noexcept {
    Rec r;
    std::memcpy(&r, records_ + static_cast<std::size_t>(i) * sizeof(Rec), sizeof r);
    return r;
  }
  std::uint32_t slot(std::uint32_t i) const noexcept {
    std::uint32_t k;
    std::memcpy(&k, slots_ + static_cast<std::size_t>(i) * sizeof k, sizeof k);
    return k;
  }
  std::string_view text(std::uint32_t offset, std::uint32_t length) const noexcept {
    return {strings_ + offset, length};
  }
  // --- building from yaml-cpp ---
  std::uint32_t add(const YAML::Node& n, int depth);
  void add_empty(NodeType::value type) {
    Rec r;
    r.type = static_cast<std::uint8_t>(type);
    own_records_.push_back(r);
  }
  void own() {
    records_ = reinterpret_cast<const char*>(own_records_.data());
    record_count_ = static_cast<std::uint32_t>(own_records_.size());
    slots_ = reinterpret_cast<const char*>(own_slots_.data());
    slot_count_ = static_cast<std::uint32_t>(own_slots_.size());
    strings_ = own_strings_.data();
    string_bytes_ = static_cast<std::uint32_t>(own_strings_.size());
  }
  bool borrow(std::string_view bytes);
  std::string serialize(std::uint32_t root) const;

 private:
  std::uint32_t add_string(std::string_view s, const YAML::Mark& m) {
    if (own_strings_.size() + s.size() > 0xFFFFFFFFull)
      throw Exception({m.line, m.column}, "document larger than 4 GiB");
    auto off = static_cast<std::uint32_t>(own_strings_.size());
    own_strings_.append(s);
    return off;
  }

  std::vector<Rec> own_records_;
  std::vector<std::uint32_t> own_slots_;
  std::string own_strings_;
  std::vector<std::pair<std::string, std::uint32_t>> tags_;  // each distinct tag stored once

  const char* records_ = nullptr;
  const char* slots_ = nullptr;
  const char* strings_ = nullptr;
  std::uint32_t record_count_ = 0;
  std::uint32_t slot_count_ = 0;
  std::uint32_t string_bytes_ = 0;
};

std::uint32_t Storage::add(const YAML::Node& n, int depth) {
  const YAML::Mark m = n.Mark();
  if (depth > kMaxDepth) throw Exception({m.line, m.column}, "nesting deeper than " + std::to_string(kMaxDepth));
  // Aliases are shared in yaml-cpp's graph but copied here: a document of nested aliases
  // ("billion laughs") would expand without end, so the count is bounded.
  if (own_records_.size() >= kMaxNodes)
    throw Exception({m.line, m.column}, "more than " + std::to_string(kMaxNodes) + " nodes once aliases are expanded");
  auto index = static_cast<std::uint32_t>(own_records_.size());
  own_records_.emplace_back();
  Rec r;
  r.line = m.line;
  r.column = m.column;
  if (const std::string& tag = n.Tag(); !tag.empty()) {
    auto it = std::find_if(tags_.begin(), tags_.end(), [&](const auto& t) { return t.first == tag; });
    if (it == tags_.end()) {
      tags_.emplace_back(tag, add_string(tag, m));
      it = tags_.end() - 1;
    }
    r.tag_offset = it->second;
    r.tag_length = static_cast<std::uint32_t>(tag.size());
  }
  std::vector<std::uint32_t> children;
  switch (n.Type()) {
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      r.type = NodeType::Scalar;
      r.a = add_string(s, m);
      r.b = static_cast<std::uint32_t>(s.size());
      break;
    }
    case YAML::NodeType::Sequence:
      r.type = NodeType::Sequence;
      for (const auto& e : n) children.push_back(add(e, depth + 1));
      r.b = static_cast<std::uint32_t>(children.size());
      break;
    case YAML::NodeType::Map:
      r.type = NodeType::Map;
      for (const auto& kv : n) {
        children.push_back(add(kv.first, depth + 1));
        children.push_back(add(kv.second, depth + 1));
      }
      r.b = static_cast<std::uint32_t>(children.size() / 2);
      break;
    default:
      r.type = NodeType::Null;
      break;
  }
  if (!children.empty()) {
    r.a = static_cast<std::uint32_t>(own_slots_.size());
    own_slots_.insert(own_slots_.end(), children.begin(), children.end());
  }
  own_records_[index] = r;
  return index;
}

bool Storage::borrow(std::string_view bytes) {
  Header h;
  if (bytes.size() < sizeof h) return false;
  std::memcpy(&h, bytes.data(), sizeof h);
  if (std::memcmp(h.magic, kMagic, 4) != 0 || h.version != kFormatVersion) return false;
  std::uint64_t need = sizeof h + std::uint64_t{h.records} * sizeof(Rec) + std::uint64_t{h.slots} * 4 + h.string_bytes;
  if (need != bytes.size() || h.root >= h.records) return false;
  records_ = bytes.data() + sizeof h;
  record_count_ = h.records;
  slots_ = records_ + std::size_t{h.records} * sizeof(Rec);
  slot_count_ = h.slots;
  strings_ = slots_ + std::size_t{h.slots} * 4;
  string_bytes_ = h.string_bytes;
  // Everything an accessor will index is checked once, here; a child always comes after its
  // parent, so no walk of the tree can loop.
  for (std::uint32_t i = 0; i < record_count_; ++i) {
    Rec r = rec(i);
    if (std::uint64_t{r.tag_offset} + r.tag_length > string_bytes_) return false;
    switch (r.type) {
      case NodeType::Null:
        break;
      case NodeType::Scalar:
        if (std::uint64_t{r.a} + r.b > string_bytes_) return false;
        break;
      case NodeType::Sequence:
      case NodeType::Map: {
        std::uint64_t n = r.type == NodeType::Map ? std::uint64_t{r.b} * 2 : r.b;
        if (r.a + n > slot_count_) return false;
        for (std::uint64_t k = 0; k < n; ++k) {
          std::uint32_t c = slot(static_cast<std::uint32_t>(r.a + k));
          if (c <= i || c >= record_count_) return false;
        }
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

std::string Storage::serialize(std::uint32_t root) const {
  Header h;
  std::memcpy(h.magic, kMagic, 4);
  h.version = kFormatVersion;
  h.records = record_count_;
  h.slots = slot_count_;
  h.string_bytes = string_bytes_;
  h.root = root;
  std::string out(reinterpret_cast<const char*>(&h), sizeof h);
  out.append(records_, std::size_t{record_count_} * sizeof(Rec));
  out.append(slots_, std::size_t{slot_count_} * 4);
  out.append(strings_, string_bytes_);
  return out;
}

}  // namespace detail

// --- Node ---

detail::Rec Node::rec() const noexcept { return storage_ ? storage_->rec(index_) : detail::Rec{}; }

Node Node::child(std::uint32_t slot) const { return Node(storage_, storage_->slot(slot)); }

NodeType::value Node::Type() const noexcept {
  if (!storage_) return NodeType::Undefined;
  return static_cast<NodeType::value>(rec().type);
}

std::string_view Node::scalar_view() const noexcept {
  if (!storage_) return {};
  detail::Rec r = rec();
  return r.type == NodeType::Scalar ? storage_->text(r.a, r.b) : std::string_view();
}

std::string Node::Tag() const {
  if (!storage_) return {};
  detail::Rec r = rec();
  return std::string(storage_->text(r.tag_offset, r.tag_length));
}

yaml::Mark Node::Mark() const noexcept {
  if (!storage_) return {};
  detail::Rec r = rec();
  return {r.line, r.column};
}

std::size_t Node::size() const noexcept {
  detail::Rec r = rec();
  return storage_ && (r.type == NodeType::Sequence || r.type == NodeType::Map) ? r.b : 0;
}

Node Node::operator[](std::string_view key) const {
  if (storage_) {
    detail::Rec r = rec();
    if (r.type == NodeType::Map)
      for (std::uint32_t i = 0; i < r.b; ++i) {
        Node k = child(r.a + 2 * i);
        if (k.IsScalar() && k.scalar_view() == key) return child(r.a + 2 * i + 1);
      }
  }
  return Node(std::string(key));
}

Node Node::operator[](std::size_t index) const {
  if (storage_) {
    detail::Rec r = rec();
    if (r.type == NodeType::Sequence && index < r.b) return child(r.a + static_cast<std::uint32_t>(index));
  }
  return Node();
}

Node::const_iterator Node::begin() const { return const_iterator(*this, 0); }
Node::const_iterator Node::end() const { return const_iterator(*this, static_cast<std::uint32_t>(size())); }

Node::iterator_value Node::const_iterator::operator*() const {
  detail::Rec r = parent_.rec();
  if (r.type == NodeType::Map) return iterator_value(parent_.child(r.a + 2 * pos_), parent_.child(r.a + 2 * pos_ + 1));
  return iterator_value(parent_.child(r.a + pos_));
}

void Node::throw_bad(const char* what) const {
  if (!storage_)
    throw Exception({}, missing_key_.empty() ? std::string(what)
                                             : std::string(what) + "; first invalid key: \"" + missing_key_ + "\"");
  throw Exception(Mark(), what);
}

bool Node::to_bool(bool& out) const noexcept {
  if (!IsScalar()) return false;
  std::string_view s = scalar_view();
  // yaml-cpp's spellings: lower case, Capitalized or UPPER case.
  auto flexible = [&](std::string_view word) {
    if (s.size() != word.size()) return false;
    bool lower = true, upper = true, capital = true;
    for (std::size_t i = 0; i < s.size(); ++i) {
      char c = s[i], w = word[i], W = static_cast<char>(w - 'a' + 'A');
      lower = lower && c == w;
      upper = upper && c == W;
      capital = capital && c == (i == 0 ? W : w);
    }
    return lower || upper || capital;
  };
  for (std::string_view w : {"y", "yes", "true", "on"})
    if (flexible(w)) return out = true, true;
  for (std::string_view w : {"n", "no", "false", "off"})
    if (flexible(w)) return out = false, true;
  return false;
}

namespace {
// Nothing but trailing white space after the number (yaml-cpp reads with a stream and skips it).
bool only_space(const char* p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') ++p;
  return *p == '\0';
}
bool number_start(std::string_view s) {
  return !s.empty() && s[0] != ' ' && s[0] != '\t' && s[0] != '\n' && s[0] != '\r';
}
}  // namespace

bool Node::to_signed(long long& out, long long lo, long long hi) const noexcept {
  if (!IsScalar() || !number_start(scalar_view())) return false;
  std::string s(scalar_view());
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 0);  // base 0: 0x hex and 0 octal, as yaml-cpp's stream
  if (errno != 0 || end == s.c_str() || !only_space(end) || v < lo || v > hi) return false;
  out = v;
  return true;
}

bool Node::to_unsigned(unsigned long long& out, unsigned long long hi) const noexcept {
  if (!IsScalar() || !number_start(scalar_view()) || scalar_view()[0] == '-') return false;
  std::string s(scalar_view());
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 0);
  if (errno != 0 || end == s.c_str() || !only_space(end) || v > hi) return false;
  out = v;
  return true;
}

bool Node::to_double(double& out) const noexcept {
  if (!IsScalar() || !number_start(scalar_view())) return false;
  std::string_view sv = scalar_view();
  for (std::string_view inf : {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})
    if (sv == inf) return out = HUGE_VAL, true;
  for (std::string_view inf : {"-.inf", "-.Inf", "-.INF"})
    if (sv == inf) return out = -HUGE_VAL, true;
  for (std::string_view nan : {".nan", ".NaN", ".NAN"})
    if (sv == nan) return out = std::nan(""), true;
  std::string s(sv);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || !only_space(end)) return false;
  out = v;
  return true;
}

// --- documents ---

Node parse(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw Exception({e.mark.line, e.mark.column}, e.msg);
  }
  auto storage = std::make_shared<detail::Storage>();
  std::uint32_t index = storage->add(root, 0);
  storage->own();
  return Node(std::move(storage), index);
}

Node make_empty(NodeType::value type) {
  auto storage = std::make_shared<detail::Storage>();
  storage->add_empty(type == NodeType::Sequence || type == NodeType::Map ? type : NodeType::Null);
  storage->own();
  return Node(std::move(storage), 0);
}

std::string to_binary(const Node& root) {
  if (!root.storage_) throw Exception({}, "to_binary: undefined node");
  return root.storage_->serialize(root.index_);
}

Node from_binary(std::string_view bytes) {
  auto storage = std::make_shared<detail::Storage>();
  if (!storage->borrow(bytes)) throw Exception({}, "not a serialized YAML document");
  Header h;
  std::memcpy(&h, bytes.data(), sizeof h);
  return Node(std::move(storage), h.root);
}

}  // namespace assay::yaml
