#pragma once
// A read-only YAML document tree, cheap to build and to read.
//
// Why not yaml-cpp's YAML::Node: every scan reads ~200 KB of built-in rule YAML, and yaml-cpp
// spends ~40 ms of CPU scanning it into a graph of shared_ptr nodes — more than a whole small
// APK takes to analyze. Here yaml-cpp still parses (it is the YAML parser), but its result is
// flattened into three arrays (records, child indices, string bytes). That form serializes to a
// byte string the build produces once per embedded file (apps/yamlc), and a scan then reads the
// built-in rules without parsing anything (assay::load_yaml in core/embedded.hpp).
//
// The node API keeps yaml-cpp's method names (IsMap, Scalar, as<T>, Mark, iteration yielding
// `.first/.second` for maps), so code reads as it did. Differences, all on the safe side: a
// Node is an immutable handle (copying it never aliases-and-mutates a tree), Type() of a missing
// key is Undefined instead of an exception, and a document whose aliases expand beyond
// kMaxNodes is an error instead of a graph the converter would walk forever.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace assay::yaml {

/// Limits on what one document may become once aliases are expanded.
inline constexpr std::uint32_t kMaxNodes = 1u << 20;
inline constexpr int kMaxDepth = 256;

struct NodeType {
  enum value { Undefined, Null, Scalar, Sequence, Map };
};

/// 0-based position, as yaml-cpp reports it; -1 when unknown.
struct Mark {
  int line = -1;
  int column = -1;
};

/// Parse and conversion errors. `what()` reads "error at line L, column C: msg" (1-based).
class Exception : public std::runtime_error {
 public:
  Exception(yaml::Mark mark_, std::string msg_);
  yaml::Mark mark;
  std::string msg;
};

namespace detail {
/// One node. Scalars: `a`/`b` = offset/length in the string bytes. Sequences: `a` = first child
/// slot, `b` = count. Maps: `a` = first slot of `b` (key, value) pairs.
struct Rec {
  std::uint8_t type = NodeType::Null;
  std::uint8_t reserved[3] = {};
  std::int32_t line = -1;
  std::int32_t column = -1;
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  std::uint32_t tag_offset = 0;
  std::uint32_t tag_length = 0;
  std::uint32_t reserved2 = 0;
};
static_assert(sizeof(Rec) == 32);
class Storage;
}  // namespace detail

class Node {
 public:
  class iterator_value;
  class const_iterator;

  Node() = default;

  NodeType::value Type() const noexcept;
  bool IsDefined() const noexcept { return storage_ != nullptr; }
  bool IsNull() const noexcept { return Type() == NodeType::Null; }
  bool IsScalar() const noexcept { return Type() == NodeType::Scalar; }
  bool IsSequence() const noexcept { return Type() == NodeType::Sequence; }
  bool IsMap() const noexcept { return Type() == NodeType::Map; }
  explicit operator bool() const noexcept { return IsDefined(); }

  /// The scalar's text; empty for any other node (as yaml-cpp).
  std::string Scalar() const { return std::string(scalar_view()); }
  std::string_view scalar_view() const noexcept;
  /// "!" for a quoted scalar, "?" for a plain one, or the explicit tag.
  std::string Tag() const;
  yaml::Mark Mark() const noexcept;
  /// Entries of a sequence or pairs of a map; 0 otherwise.
  std::size_t size() const noexcept;

  /// A map's value by key (scalar keys); an undefined node when absent or not a map.
  Node operator[](std::string_view key) const;
  /// A sequence's entry; undefined when out of range or not a sequence.
  Node operator[](std::size_t index) const;

  /// yaml-cpp's conversions: std::string (a null reads "null"), bool (true/yes/on/y and their
  /// opposites, in lower, Capitalized or UPPER case), integers (decimal, 0x hex, 0 octal, range
  /// checked), floating point (plus .inf/.nan). Throws Exception when the node is missing or
  /// does not convert.
  template <class T>
  T as() const;
  /// As above, `fallback` instead of throwing.
  template <class T>
  T as(const T& fallback) const;

  const_iterator begin() const;
  const_iterator end() const;

 private:
  friend class detail::Storage;
  friend Node parse(std::string_view);
  friend Node from_binary(std::string_view);
  friend std::string to_binary(const Node&);
  friend Node make_empty(NodeType::value);
  Node(std::shared_ptr<const detail::Storage> s, std::uint32_t i) : storage_(std::move(s)), index_(i) {}
  explicit Node(std::string missing_key) : missing_key_(std::move(missing_key)) {}
  detail::Rec rec() const noexcept;
  Node child(std::uint32_t slot) const;
  [[noreturn]] void throw_bad(const char* what) const;
  bool to_bool(bool& out) const noexcept;
  bool to_signed(long long& out, long long lo, long long hi) const noexcept;
  bool to_unsigned(unsigned long long& out, unsigned long long hi) const noexcept;
  bool to_double(double& out) const noexcept;

  std::shared_ptr<const detail::Storage> storage_;
  std::uint32_t index_ = 0;
  std::string missing_key_;  // for the message when an absent key is converted
};

/// What iterating yields: the entry itself for a sequence, `.first`/`.second` for a map.
class Node::iterator_value : public Node, public std::pair<Node, Node> {
 public:
  iterator_value() = default;
  explicit iterator_value(const Node& entry) : Node(entry) {}
  iterator_value(const Node& key, const Node& value) : std::pair<Node, Node>(key, value) {}
};

class Node::const_iterator {
 public:
  using value_type = iterator_value;
  using difference_type = std::ptrdiff_t;
  using iterator_category = std::forward_iterator_tag;
  const_iterator() = default;
  const_iterator(Node parent, std::uint32_t pos) : parent_(std::move(parent)), pos_(pos) {}
  iterator_value operator*() const;
  const_iterator& operator++() {
    ++pos_;
    return *this;
  }
  bool operator==(const const_iterator& o) const noexcept { return pos_ == o.pos_; }
  bool operator!=(const const_iterator& o) const noexcept { return pos_ != o.pos_; }

 private:
  Node parent_;  // a handle: iterating a temporary node stays valid
  std::uint32_t pos_ = 0;
};

/// Parses one YAML document (yaml-cpp does the parsing). Throws Exception.
Node parse(std::string_view text);
/// A node with no content of the given type (Null, Sequence or Map): an empty list to iterate.
Node make_empty(NodeType::value type);
/// The byte string `from_binary` reads back: what the build stores for each embedded file.
std::string to_binary(const Node& root);
/// A document over `bytes` without copying them: `bytes` must outlive every node (the embedded
/// data does). Throws Exception when the bytes are not a well-formed document.
Node from_binary(std::string_view bytes);

template <class T>
T Node::as() const {
  if (!IsDefined()) throw_bad("invalid node");
  if constexpr (std::is_same_v<T, std::string>) {
    if (IsNull()) return "null";
    if (!IsScalar()) throw_bad("bad conversion");
    return Scalar();
  } else if constexpr (std::is_same_v<T, bool>) {
    bool v = false;
    if (!to_bool(v)) throw_bad("bad conversion");
    return v;
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    long long v = 0;
    if (!to_signed(v, static_cast<long long>(std::numeric_limits<T>::min()),
                   static_cast<long long>(std::numeric_limits<T>::max())))
      throw_bad("bad conversion");
    return static_cast<T>(v);
  } else if constexpr (std::is_integral_v<T>) {
    unsigned long long v = 0;
    if (!to_unsigned(v, static_cast<unsigned long long>(std::numeric_limits<T>::max()))) throw_bad("bad conversion");
    return static_cast<T>(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    double v = 0;
    if (!to_double(v)) throw_bad("bad conversion");
    return static_cast<T>(v);
  } else {
    static_assert(std::is_same_v<T, void>, "yaml::Node::as: unsupported type");
  }
}

template <class T>
T Node::as(const T& fallback) const {
  if (!IsDefined()) return fallback;
  try {
    return as<T>();
  } catch (const Exception&) {
    return fallback;
  }
}

}  // namespace assay::yaml
