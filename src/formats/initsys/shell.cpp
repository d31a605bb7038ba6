// A light POSIX shell tokenizer for boot scripts. It is not an interpreter: it lists the simple
// commands a script may run, with their arguments after quote removal, whether they are put in
// the background, and the function or case branch they sit in. One pass over the bytes; block
// nesting is tracked with an explicit stack (bounded), never recursion.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "formats/initsys/initsys.hpp"

namespace assay::initsys {
namespace {

// Nesting of `{ ... }` blocks remembered. Real scripts nest < 10 deep; past this the context of
// deeper blocks is simply the outermost recorded one.
constexpr std::size_t kMaxBlockDepth = 64;
// Excerpt kept per command for evidence.
constexpr std::size_t kMaxExcerpt = 200;

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

// NAME=value (a shell assignment word), giving the split point.
std::optional<std::size_t> assignment(std::string_view w) {
  if (w.empty() || !is_name_start(w[0])) return std::nullopt;
  for (std::size_t i = 1; i < w.size(); ++i) {
    if (w[i] == '=') return i;
    if (!is_name_char(w[i])) return std::nullopt;
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 12> kKeywords = {"if", "then", "else", "elif", "fi", "do",
                                                       "done", "while", "until", "!", "time", "in"};

bool is_keyword(std::string_view w) {
  return std::find(kKeywords.begin(), kKeywords.end(), w) != kKeywords.end();
}

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view text) : s_(text) {}

  ShellScript run() {
    while (i_ < s_.size() && out_.commands.size() < kMaxRecords) step();
    end_word();
    end_command(false);
    return std::move(out_);
  }

 private:
  char peek(std::size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }

  void newline() {
    if (line_ != UINT32_MAX) ++line_;
    line_start_ = i_ + 1;
  }

  void start_word() {
    if (!in_word_) {
      in_word_ = true;
      if (words_.empty()) {
        cmd_line_ = line_;
        cmd_line_start_ = line_start_;
      }
    }
  }

  void end_word() {
    if (!in_word_) return;
    in_word_ = false;
    if (skip_next_word_) {
      skip_next_word_ = false;
      if (heredoc_next_) {
        heredoc_next_ = false;
        if (heredocs_.size() < 8) heredocs_.push_back(word_);
      }
      word_.clear();
      return;
    }
    if (words_.size() < kMaxWords) words_.push_back(std::move(word_));
    word_.clear();
  }

  std::string context() const {
    if (!case_label_.empty()) return case_label_;
    for (auto it = blocks_.rbegin(); it != blocks_.rend(); ++it)
      if (!it->empty()) return *it;
    return {};
  }

  void record_variable(std::string_view w, std::size_t eq) {
    std::string name(w.substr(0, eq));
    std::string value(w.substr(eq + 1));
    for (auto& [k, v] : out_.variables)
      if (k == name) {
        v = std::move(value);
        return;
      }
    if (out_.variables.size() < kMaxVariables) out_.variables.emplace_back(std::move(name), std::move(value));
  }

  void end_command(bool background) {
    std::vector<std::string> words = std::move(words_);
    words_.clear();
    std::size_t k = 0;
    // Leading keywords, braces, function headers and case labels are structure, not commands.
    while (k < words.size()) {
      const std::string& w = words[k];
      if (is_keyword(w)) {
        ++k;
      } else if (w == "case") {
        ++case_depth_;
        k = words.size();  // "case WORD in": nothing runs
      } else if (w == "esac") {
        if (case_depth_ > 0) --case_depth_;
        case_label_.clear();
        ++k;
      } else if (w == "for" || w == "select") {
        k = words.size();  // "for x in a b c": a list, not a command
      } else if (w == "function" && k + 1 < words.size()) {
        pending_function_ = words[k + 1];
        k += 2;
      } else if (w.size() > 2 && w.ends_with("()") && k == 0) {
        pending_function_ = w.substr(0, w.size() - 2);
        ++k;
      } else if (w == "{") {
        if (blocks_.size() < kMaxBlockDepth) blocks_.push_back(pending_function_);
        pending_function_.clear();
        ++k;
      } else if (w == "}") {
        if (!blocks_.empty()) blocks_.pop_back();
        ++k;
      } else if (case_depth_ > 0 && w.size() > 1 && w.back() == ')' && w.find('(') == std::string::npos) {
        case_label_ = w.substr(w.front() == '(' ? 1 : 0);
        case_label_.pop_back();
        ++k;
      } else {
        break;
      }
    }
    // Leading assignments (and `local`/`export`/`readonly` lists) set variables.
    bool declaration = k < words.size() && (words[k] == "local" || words[k] == "export" || words[k] == "readonly");
    if (declaration) ++k;
    while (k < words.size()) {
      auto eq = assignment(words[k]);
      if (!eq) break;
      record_variable(words[k], *eq);
      ++k;
    }
    if (declaration) return;
    if (k >= words.size()) return;
    // A trailing "}" closes a block opened on an earlier line ("{ cmd; }" on one line).
    while (!words.empty() && words.back() == "}" && words.size() > k + 1) {
      words.pop_back();
      if (!blocks_.empty()) blocks_.pop_back();
    }
    ShellCommand c;
    c.line = cmd_line_;
    c.words.assign(std::make_move_iterator(words.begin() + static_cast<std::ptrdiff_t>(k)),
                   std::make_move_iterator(words.end()));
    c.background = background;
    c.context = context();
    std::string_view src = s_.substr(std::min(cmd_line_start_, s_.size()));
    src = src.substr(0, std::min(src.find('\n'), kMaxExcerpt));
    while (!src.empty() && (src.front() == ' ' || src.front() == '\t')) src.remove_prefix(1);
    c.text = std::string(src);
    out_.commands.push_back(std::move(c));
  }

  // Skips the bodies of pending here-documents, starting at the line after the current one.
  void skip_heredocs() {
    for (const std::string& delim : heredocs_) {
      while (i_ < s_.size()) {
        std::size_t nl = s_.find('\n', i_);
        std::string_view l = s_.substr(i_, nl == std::string_view::npos ? std::string_view::npos : nl - i_);
        i_ = nl == std::string_view::npos ? s_.size() : nl + 1;
        if (line_ != UINT32_MAX) ++line_;
        line_start_ = i_;
        while (!l.empty() && (l.front() == '\t')) l.remove_prefix(1);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        if (l == delim) break;
      }
    }
    heredocs_.clear();
  }

  // Appends a balanced $( ... ) or $(( ... )) verbatim (not parsed: its output is data).
  void take_dollar_paren() {
    std::size_t depth = 0;
    while (i_ < s_.size()) {
      char c = s_[i_];
      word_.push_back(c);
      if (c == '\n') newline();
      if (c == '(') ++depth;
      if (c == ')' && --depth == 0) {
        ++i_;
        return;
      }
      ++i_;
    }
  }

  void step() {
    char c = s_[i_];
    switch (c) {
      case '\\':
        if (peek(1) == '\n') {  // line continuation
          ++i_;
          newline();
          ++i_;
          return;
        }
        start_word();
        if (i_ + 1 < s_.size()) word_.push_back(s_[i_ + 1]);
        i_ += 2;
        return;
      case '\'': {
        start_word();
        ++i_;
        while (i_ < s_.size() && s_[i_] != '\'') {
          if (s_[i_] == '\n') newline();
          word_.push_back(s_[i_++]);
        }
        ++i_;
        return;
      }
      case '"': {
        start_word();
        ++i_;
        while (i_ < s_.size() && s_[i_] != '"') {
          if (s_[i_] == '\\' && i_ + 1 < s_.size() &&
              (s_[i_ + 1] == '"' || s_[i_ + 1] == '\\' || s_[i_ + 1] == '$' || s_[i_ + 1] == '`')) {
            ++i_;
          } else if (s_[i_] == '\\' && peek(1) == '\n') {
            i_ += 1;
            newline();
            ++i_;
            continue;
          }
          if (s_[i_] == '\n') newline();
          word_.push_back(s_[i_++]);
        }
        ++i_;
        return;
      }
      case '`': {
        start_word();
        word_.push_back(c);
        ++i_;
        while (i_ < s_.size() && s_[i_] != '`') {
          if (s_[i_] == '\n') newline();
          word_.push_back(s_[i_++]);
        }
        if (i_ < s_.size()) word_.push_back('`');
        ++i_;
        return;
      }
      case '$':
        start_word();
        if (peek(1) == '(') {
          word_.push_back('$');
          ++i_;
          take_dollar_paren();
          return;
        }
        word_.push_back(c);
        ++i_;
        return;
      case '#':
        if (!in_word_) {
          while (i_ < s_.size() && s_[i_] != '\n') ++i_;
          return;
        }
        word_.push_back(c);
        ++i_;
        return;
      case ' ':
      case '\t':
      case '\r':
        end_word();
        ++i_;
        return;
      case '\n':
        end_word();
        end_command(false);
        newline();
        ++i_;
        if (!heredocs_.empty()) skip_heredocs();
        return;
      case ';':
        end_word();
        if (peek(1) == ';') {
          end_command(false);
          case_label_.clear();
          i_ += 2;
          return;
        }
        end_command(false);
        ++i_;
        return;
      case '&':
        end_word();
        if (peek(1) == '&') {
          end_command(false);
          i_ += 2;
          return;
        }
        end_command(true);
        ++i_;
        return;
      case '|':
        end_word();
        end_command(false);
        i_ += peek(1) == '|' ? 2 : 1;
        return;
      case '>':
      case '<': {
        // "2>" : the digits were a file descriptor, not a word.
        if (in_word_ && !word_.empty() && std::all_of(word_.begin(), word_.end(), [](char d) { return d >= '0' && d <= '9'; })) {
          word_.clear();
          in_word_ = false;
        }
        end_word();
        bool heredoc = c == '<' && peek(1) == '<';
        ++i_;
        while (i_ < s_.size() && (s_[i_] == '>' || s_[i_] == '<' || s_[i_] == '|' || s_[i_] == '-')) ++i_;
        if (i_ < s_.size() && s_[i_] == '&') {  // >&2, <&-, >&-
          ++i_;
          while (i_ < s_.size() && ((s_[i_] >= '0' && s_[i_] <= '9') || s_[i_] == '-')) ++i_;
          return;
        }
        skip_next_word_ = true;
        heredoc_next_ = heredoc;
        return;
      }
      case '(':
        if (in_word_) {
          word_.push_back(c);
          ++i_;
          return;
        }
        end_command(false);  // a subshell: its commands are listed like the others
        ++i_;
        return;
      case ')':
        if (in_word_) {
          word_.push_back(c);
          ++i_;
          end_word();
          return;
        }
        end_command(false);
        ++i_;
        return;
      default:
        start_word();
        word_.push_back(c);
        ++i_;
        return;
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::uint32_t line_ = 1;
  std::size_t line_start_ = 0;
  std::uint32_t cmd_line_ = 1;
  std::size_t cmd_line_start_ = 0;
  bool in_word_ = false;
  bool skip_next_word_ = false;
  bool heredoc_next_ = false;
  std::string word_;
  std::vector<std::string> words_;
  std::vector<std::string> heredocs_;
  std::vector<std::string> blocks_;
  std::string pending_function_;
  std::string case_label_;
  std::size_t case_depth_ = 0;
  ShellScript out_;
};

}  // namespace

std::optional<std::string> ShellScript::variable(std::string_view name) const {
  for (const auto& [k, v] : variables)
    if (k == name) return v;
  return std::nullopt;
}

std::string ShellScript::expand(std::string_view w) const {
  // One level only: a value that itself holds $X is left as written (no recursion on input).
  std::string out;
  std::size_t i = 0;
  while (i < w.size()) {
    if (w[i] != '$' || i + 1 >= w.size()) {
      out.push_back(w[i++]);
      continue;
    }
    std::size_t j = i + 1;
    bool braced = w[j] == '{';
    if (braced) ++j;
    std::size_t name_start = j;
    while (j < w.size() && is_name_char(w[j])) ++j;
    std::string_view name = w.substr(name_start, j - name_start);
    std::string_view fallback;
    bool has_fallback = false;
    if (braced) {
      std::size_t close = w.find('}', j);
      if (close == std::string_view::npos || name.empty()) {
        out.push_back(w[i++]);
        continue;
      }
      std::string_view op = w.substr(j, close - j);
      if (op.starts_with(":-") || op.starts_with("-")) {
        fallback = op.substr(op[0] == ':' ? 2 : 1);
        has_fallback = true;
      }
      j = close + 1;
    }
    if (name.empty()) {
      out.push_back(w[i++]);
      continue;
    }
    auto v = variable(name);
    if (v) out += *v;
    else if (has_fallback) out += fallback;
    else out.append(w.substr(i, j - i));
    i = j;
  }
  return out;
}

ShellScript parse_shell(ByteView data) {
  std::string_view text = as_chars(data.first(std::min<std::size_t>(data.size(), kMaxTextBytes)));
  ShellScript s = Tokenizer(text).run();
  if (data.size() > kMaxTextBytes)
    s.diagnostics.push_back(fmt::format("script longer than {} bytes: the rest was not read", kMaxTextBytes));
  if (s.commands.size() >= kMaxRecords) s.diagnostics.push_back("command limit reached");
  return s;
}

}  // namespace assay::initsys
