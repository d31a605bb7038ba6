// Android init language: init.rc and the *.rc fragments under etc/init/ of each partition.
// Reference: https://android.googlesource.com/platform/system/core/+/refs/heads/main/init/README.md
#include <algorithm>
#include <set>

#include "formats/initsys/initsys.hpp"
#include "formats/passwd/text_lines.hpp"

namespace assay::initsys {
namespace {

using nlohmann::json;

// Excerpt kept per record for evidence.
constexpr std::size_t kMaxExcerpt = 200;
// Physical lines joined into one logical line by trailing backslashes: init.rc service lines are
// continued a few times at most; beyond this it is not a boot file.
constexpr std::size_t kMaxContinuation = 64;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// init's tokenizer: blanks separate words, "..." groups, backslash escapes the next character,
// '#' at a word start comments out the rest of the line. Bounded by kMaxWords.
std::vector<std::string> tokenize(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size() && out.size() < kMaxWords) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
    if (i >= s.size() || s[i] == '#') break;
    std::string w;
    bool quoted = false;
    while (i < s.size()) {
      char c = s[i];
      if (!quoted && (c == ' ' || c == '\t' || c == '\r')) break;
      if (c == '"') {
        quoted = !quoted;
        ++i;
      } else if (c == '\\' && i + 1 < s.size()) {
        char n = s[i + 1];
        w.push_back(n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n);
        i += 2;
      } else {
        w.push_back(c);
        ++i;
      }
    }
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace

bool AndroidAction::conditional() const { return trigger.find("property:") != std::string::npos; }

AndroidInit parse_android_init(ByteView data) {
  AndroidInit out;
  std::size_t records = 0;
  enum class Section { kNone, kService, kAction, kSkip } section = Section::kNone;
  std::string logical;
  std::uint32_t logical_line = 0;
  std::size_t joined = 0;
  std::set<std::string> names;  // services defined so far (a redefinition is ignored, as by init)
  auto diag = [&](std::string msg) {
    if (out.diagnostics.size() < kMaxDiagnostics) out.diagnostics.push_back(std::move(msg));
  };
  auto handle = [&](std::string_view text, std::uint32_t no) {
    std::vector<std::string> w = tokenize(text);
    if (w.empty()) return;
    const std::string excerpt(trim(text).substr(0, kMaxExcerpt));
    const std::string& k = w[0];
    if (k == "service") {
      if (w.size() < 3) {
        diag("line " + std::to_string(no) + ": service without a name and a path");
        section = Section::kSkip;
        return;
      }
      if (records >= kMaxRecords || !names.insert(w[1]).second) {
        section = Section::kSkip;
        return;
      }
      ++records;
      AndroidService s;
      s.line = no;
      s.name = w[1];
      s.program = w[2];
      s.args.assign(w.begin() + 3, w.end());
      s.text = excerpt;
      out.services.push_back(std::move(s));
      section = Section::kService;
    } else if (k == "on") {
      if (w.size() < 2 || records >= kMaxRecords) {
        section = Section::kSkip;
        return;
      }
      ++records;
      AndroidAction a;
      a.line = no;
      for (std::size_t i = 1; i < w.size(); ++i) a.trigger += (i > 1 ? " " : "") + w[i];
      out.actions.push_back(std::move(a));
      section = Section::kAction;
    } else if (k == "import") {
      if (w.size() >= 2 && out.imports.size() < kMaxRecords) out.imports.push_back(w[1]);
      section = Section::kNone;
    } else if (section == Section::kService) {
      AndroidService& s = out.services.back();
      if (k == "user" && w.size() >= 2) s.user = w[1];
      else if (k == "group") s.groups.assign(w.begin() + 1, w.end());
      else if (k == "class") s.classes.assign(w.begin() + 1, w.end());
      else if (k == "disabled") s.disabled = true;
      else if (k == "oneshot") s.oneshot = true;
      else if (k == "console") s.console = true;
      else if (k == "seclabel" && w.size() >= 2) s.seclabel = w[1];
      else if (k == "socket" && s.sockets.size() < kMaxWords) {
        std::string joined_words;
        for (std::size_t i = 1; i < w.size(); ++i) joined_words += (i > 1 ? " " : "") + w[i];
        s.sockets.push_back(std::move(joined_words));
      }
    } else if (section == Section::kAction) {
      if (records >= kMaxRecords) return;
      ++records;
      out.actions.back().commands.push_back({no, std::move(w), excerpt});
    } else if (section == Section::kNone) {
      diag("line " + std::to_string(no) + ": '" + k.substr(0, 40) + "' outside a section");
    }
  };
  passwd::for_each_line(data.first(std::min<std::size_t>(data.size(), kMaxTextBytes)), kMaxLineBytes,
                        [&](std::string_view line, std::uint32_t no, bool) {
                          std::string_view t = line;
                          while (!t.empty() && (t.back() == '\r' || t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
                          bool cont = !t.empty() && t.back() == '\\';
                          if (logical.empty()) logical_line = no;
                          if (cont && joined < kMaxContinuation && logical.size() + t.size() < kMaxLineBytes) {
                            logical.append(t.substr(0, t.size() - 1));
                            logical.push_back(' ');
                            ++joined;
                            return true;
                          }
                          logical.append(t.substr(0, cont ? t.size() - 1 : t.size()));
                          handle(logical, logical_line);
                          logical.clear();
                          joined = 0;
                          return true;
                        });
  if (!logical.empty()) handle(logical, logical_line);
  return out;
}

json to_json(const AndroidInit& v) {
  json services = json::array(), actions = json::array();
  for (const auto& s : v.services)
    services.push_back({{"line", s.line}, {"name", s.name}, {"program", s.program}, {"args", s.args},
                        {"user", s.user}, {"groups", s.groups}, {"classes", s.classes}, {"sockets", s.sockets},
                        {"seclabel", s.seclabel}, {"disabled", s.disabled}, {"oneshot", s.oneshot},
                        {"console", s.console}});
  for (const auto& a : v.actions) {
    json cmds = json::array();
    for (const auto& c : a.commands) cmds.push_back({{"line", c.line}, {"words", c.words}});
    actions.push_back({{"line", a.line}, {"trigger", a.trigger}, {"commands", cmds}});
  }
  return {{"services", services}, {"actions", actions}, {"imports", v.imports}, {"diagnostics", v.diagnostics}};
}

}  // namespace assay::initsys
