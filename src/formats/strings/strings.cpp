// One pass, two run trackers: an ASCII run over every byte, and UTF-16LE runs over even and odd
// alignments (a code unit is a printable byte followed by 0). A lookup table classifies bytes.

#include "formats/strings/strings.hpp"

#include <array>

namespace assay::strings {
namespace {
constexpr std::array<bool, 256> make_table() {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x7f; ++c) t[static_cast<std::size_t>(c)] = true;
  t['\t'] = true;
  return t;
}
constexpr std::array<bool, 256> kPrintable = make_table();
}  // namespace

std::vector<FoundString> extract_strings(ByteView data, const Options& o) {
  std::vector<FoundString> out;
  const std::size_t min_len = o.min_len == 0 ? 1 : o.min_len;
  const std::uint8_t* p = data.data();
  const std::size_t n = data.size();
  auto emit = [&](std::size_t start, std::size_t len, bool utf16) {
    if (out.size() >= o.max_strings) return;
    FoundString s;
    s.offset = start;
    s.utf16 = utf16;
    if (utf16) {
      s.text.reserve(len);
      for (std::size_t i = 0; i < len; ++i) s.text.push_back(static_cast<char>(p[start + 2 * i]));
    } else {
      s.text.assign(reinterpret_cast<const char*>(p + start), len);
    }
    out.push_back(std::move(s));
  };
  std::size_t run_start = 0, run_len = 0;
  // UTF-16 trackers for the two alignments: start offset and length in code units.
  std::size_t u_start[2] = {0, 0}, u_len[2] = {0, 0};
  for (std::size_t i = 0; i < n && out.size() < o.max_strings; ++i) {
    bool pr = kPrintable[p[i]];
    if (pr) {
      if (run_len == 0) run_start = i;
      if (++run_len == o.max_len) {
        emit(run_start, run_len, false);
        run_len = 0;
      }
    } else {
      if (run_len >= min_len) emit(run_start, run_len, false);
      run_len = 0;
    }
    if (o.utf16) {
      // Tracker i&1 only looks at units starting at its own alignment, so the two never interfere;
      // the zero high byte is judged by the other tracker, for which it simply ends a run.
      std::size_t a = i & 1;
      if (pr && i + 1 < n && p[i + 1] == 0) {
        if (u_len[a] == 0) u_start[a] = i;
        if (++u_len[a] == o.max_len) {
          emit(u_start[a], u_len[a], true);
          u_len[a] = 0;
        }
      } else {
        if (u_len[a] >= min_len) emit(u_start[a], u_len[a], true);
        u_len[a] = 0;
      }
    }
  }
  if (run_len >= min_len) emit(run_start, run_len, false);
  for (std::size_t a = 0; a < 2; ++a) {
    if (u_len[a] >= min_len) emit(u_start[a], u_len[a], true);
  }
  return out;
}

namespace {
/// Length of the valid UTF-8 sequence at s[i], 0 when invalid (overlongs and surrogates too).
std::size_t utf8_len(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  std::size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n == 0 || s.size() - i < n) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  }
  if (c == 0xe0 && b(i + 1) < 0xa0) return 0;
  if (c == 0xed && b(i + 1) >= 0xa0) return 0;
  if (c == 0xf0 && b(i + 1) < 0x90) return 0;
  if (c == 0xf4 && b(i + 1) >= 0x90) return 0;
  return n;
}
}  // namespace

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_len(s, i);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::vector<std::string> valid_utf8(const std::vector<std::string>& v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const auto& s : v) out.push_back(valid_utf8(s));
  return out;
}

}  // namespace assay::strings
