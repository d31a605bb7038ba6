// Line-oriented parsers: inittab, generic key/value configuration (ini, space- and '='-separated),
// OpenWrt UCI, inetd.conf, xinetd.d and crontabs.
#include <algorithm>

#include "formats/initsys/initsys.hpp"
#include "formats/passwd/text_lines.hpp"

namespace assay::initsys {
namespace {

using nlohmann::json;

// Excerpt kept per record for evidence.
constexpr std::size_t kMaxExcerpt = 200;

ByteView head(ByteView data) { return data.first(std::min<std::size_t>(data.size(), kMaxTextBytes)); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string excerpt(std::string_view s) { return std::string(trim(s).substr(0, kMaxExcerpt)); }

std::string unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front())
    s = s.substr(1, s.size() - 2);
  return std::string(s);
}

// Splits into words on blanks, honouring '...' and "..." (quotes removed). Bounded by kMaxWords.
std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size() && out.size() < kMaxWords) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i >= s.size()) break;
    std::string w;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') {
      char q = s[i];
      if (q == '"' || q == '\'') {
        ++i;
        while (i < s.size() && s[i] != q) w.push_back(s[i++]);
        ++i;
      } else {
        w.push_back(s[i++]);
      }
    }
    out.push_back(std::move(w));
  }
  return out;
}

// Strips a '#' comment that starts a line or follows a blank (values such as "a#b" stay).
std::string_view strip_comment(std::string_view line, bool semicolon_too = false) {
  bool quoted = false;
  char q = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == q) quoted = false;
      continue;
    }
    if (c == '"' || c == '\'') {
      quoted = true;
      q = c;
    } else if ((c == '#' || (semicolon_too && c == ';')) && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      return line.substr(0, i);
    }
  }
  return line;
}

}  // namespace

std::vector<InittabEntry> parse_inittab(ByteView data) {
  std::vector<InittabEntry> out;
  passwd::for_each_line(head(data), kMaxLineBytes, [&](std::string_view line, std::uint32_t no, bool) {
    if (out.size() >= kMaxRecords) return false;
    std::string_view l = trim(line);
    if (l.empty() || l[0] == '#') return true;
    std::size_t a = l.find(':');
    std::size_t b = a == std::string_view::npos ? a : l.find(':', a + 1);
    std::size_t c = b == std::string_view::npos ? b : l.find(':', b + 1);
    if (c == std::string_view::npos) return true;
    InittabEntry e;
    e.line = no;
    e.id = std::string(l.substr(0, a));
    e.runlevels = std::string(l.substr(a + 1, b - a - 1));
    e.action = std::string(trim(l.substr(b + 1, c - b - 1)));
    e.process = std::string(trim(l.substr(c + 1)));
    e.text = excerpt(l);
    out.push_back(std::move(e));
    return true;
  });
  return out;
}

std::vector<Directive> parse_config(ByteView data, ConfigStyle style) {
  std::vector<Directive> out;
  std::string section;
  // Enclosing blocks for nginx/lighttpd: names of open `{` (bounded: past the cap, deeper blocks
  // share the deepest recorded name).
  constexpr std::size_t kMaxBlocks = 32;
  std::vector<std::string> blocks;
  auto block_name = [&]() { return blocks.empty() ? section : blocks.back(); };
  passwd::for_each_line(head(data), kMaxLineBytes, [&](std::string_view line, std::uint32_t no, bool) {
    if (out.size() >= kMaxRecords) return false;
    std::string_view l = trim(strip_comment(line, style == ConfigStyle::kIni));
    if (l.empty()) return true;
    if (style == ConfigStyle::kIni && l.front() == '[' && l.back() == ']') {
      section = std::string(trim(l.substr(1, l.size() - 2)));
      return true;
    }
    if (style != ConfigStyle::kIni) {
      // Block structure: "server {", "location / {", "$SERVER[\"socket\"] == \":443\" {", "}".
      while (!l.empty() && l.front() == '}') {
        if (!blocks.empty()) blocks.pop_back();
        l = trim(l.substr(1));
      }
      if (l.empty()) return true;
      if (l.back() == '{') {
        std::string name(trim(l.substr(0, l.size() - 1)));
        if (blocks.size() < kMaxBlocks) blocks.push_back(name);
        return true;
      }
    }
    Directive d;
    d.line = no;
    d.text = excerpt(l);
    d.section = block_name();
    if (style == ConfigStyle::kSpace) {
      if (!l.empty() && l.back() == ';') l.remove_suffix(1);
      auto w = words(l);
      if (w.empty()) return true;
      d.key = std::move(w[0]);
      d.values.assign(std::make_move_iterator(w.begin() + 1), std::make_move_iterator(w.end()));
    } else {
      std::size_t eq = l.find('=');
      std::size_t sp = l.find_first_of(" \t");
      if (eq == std::string_view::npos) {
        // "key value" lines in '=' files (stunnel "client yes" is not valid, but seen) are kept
        // as a key with the rest as its value.
        if (sp == std::string_view::npos) return true;
        eq = sp;
      }
      std::string_view key = trim(l.substr(0, eq));
      if (!key.empty() && (key.back() == '+' || key.back() == ':')) key.remove_suffix(1);  // +=, :=
      d.key = std::string(trim(key));
      d.values.push_back(unquote(l.substr(eq + 1)));
    }
    if (d.key.empty()) return true;
    out.push_back(std::move(d));
    return true;
  });
  return out;
}

std::optional<std::string> UciSection::option(std::string_view key) const {
  std::optional<std::string> v;
  for (const auto& d : options)
    if (d.key == key && !d.values.empty()) v = d.values.front();
  return v;
}

std::vector<UciSection> parse_uci(ByteView data) {
  std::vector<UciSection> out;
  std::size_t options = 0;
  passwd::for_each_line(head(data), kMaxLineBytes, [&](std::string_view line, std::uint32_t no, bool) {
    if (options >= kMaxRecords) return false;
    std::string_view l = trim(line);
    if (l.empty() || l[0] == '#') return true;
    auto w = words(strip_comment(l));
    if (w.empty()) return true;
    if (w[0] == "config" && w.size() >= 2) {
      UciSection s;
      s.line = no;
      s.type = w[1];
      if (w.size() >= 3) s.name = w[2];
      out.push_back(std::move(s));
    } else if ((w[0] == "option" || w[0] == "list") && w.size() >= 2 && !out.empty()) {
      Directive d;
      d.line = no;
      d.section = out.back().type;
      d.key = w[1];
      if (w.size() >= 3) d.values.push_back(w[2]);
      else d.values.emplace_back();
      d.text = excerpt(l);
      out.back().options.push_back(std::move(d));
      ++options;
    }
    return true;
  });
  return out;
}

std::vector<InetdEntry> parse_inetd(ByteView data) {
  std::vector<InetdEntry> out;
  passwd::for_each_line(head(data), kMaxLineBytes, [&](std::string_view line, std::uint32_t no, bool) {
    if (out.size() >= kMaxRecords) return false;
    std::string_view l = trim(line);
    if (l.empty() || l[0] == '#') return true;
    auto w = words(l);
    if (w.size() < 6) return true;
    InetdEntry e;
    e.line = no;
    e.service = w[0];
    e.socket_type = w[1];
    e.protocol = w[2];
    e.user = w[4];
    e.server = w[5];
    // The server's argv[0] usually repeats its name: keep every word after the server.
    e.args.assign(w.begin() + 6, w.end());
    e.text = excerpt(l);
    out.push_back(std::move(e));
    return true;
  });
  return out;
}

std::optional<std::string> XinetdService::attribute(std::string_view key) const {
  for (const auto& [k, v] : attributes)
    if (k == key) return v;
  return std::nullopt;
}

std::vector<XinetdService> parse_xinetd(ByteView data) {
  std::vector<XinetdService> out;
  bool open = false;
  bool pending = false;
  std::size_t attrs = 0;
  passwd::for_each_line(head(data), kMaxLineBytes, [&](std::string_view line, std::uint32_t no, bool) {
    if (attrs >= kMaxRecords) return false;
    std::string_view l = trim(strip_comment(line));
    if (l.empty()) return true;
    if (l.starts_with("service ") || l.starts_with("service\t")) {
      XinetdService s;
      s.line = no;
      std::string_view rest = trim(l.substr(7));
      if (!rest.empty() && rest.back() == '{') {
        rest = trim(rest.substr(0, rest.size() - 1));
        open = true;
      } else {
        pending = true;
      }
      s.name = std::string(rest);
      out.push_back(std::move(s));
      return true;
    }
    if (l == "{" && pending) {
      pending = false;
      open = true;
      return true;
    }
    if (l == "}") {
      open = false;
      return true;
    }
    if (!open || out.empty()) return true;
    std::size_t eq = l.find('=');
    if (eq == std::string_view::npos) return true;
    std::string_view key = trim(l.substr(0, eq));
    if (!key.empty() && (key.back() == '+' || key.back() == '-')) key.remove_suffix(1);
    out.back().attributes.emplace_back(std::string(trim(key)), std::string(trim(l.substr(eq + 1))));
    ++attrs;
    return true;
  });
  return out;
}

std::vector<CronEntry> parse_crontab(ByteView data, bool with_user) {
  std::vector<CronEntry> out;
  passwd::for_each_line(head(data), kMaxLineBytes, [&](std::string_view line, std::uint32_t no, bool) {
    if (out.size() >= kMaxRecords) return false;
    std::string_view l = trim(line);
    if (l.empty() || l[0] == '#') return true;
    // Environment settings ("PATH=/bin", "MAILTO=root") are not jobs.
    std::size_t eq = l.find('='), sp = l.find_first_of(" \t");
    if (eq != std::string_view::npos && (sp == std::string_view::npos || eq < sp)) return true;
    CronEntry e;
    e.line = no;
    std::size_t fields = l[0] == '@' ? 1 : 5;
    std::size_t pos = 0;
    for (std::size_t f = 0; f < fields + (with_user ? 1 : 0); ++f) {
      while (pos < l.size() && (l[pos] == ' ' || l[pos] == '\t')) ++pos;
      std::size_t end = l.find_first_of(" \t", pos);
      if (end == std::string_view::npos) return true;  // no command
      if (f < fields) {
        if (!e.schedule.empty()) e.schedule.push_back(' ');
        e.schedule.append(l.substr(pos, end - pos));
      } else {
        e.user = std::string(l.substr(pos, end - pos));
      }
      pos = end;
    }
    e.command = std::string(trim(l.substr(pos)));
    if (e.command.empty()) return true;
    out.push_back(std::move(e));
    return true;
  });
  return out;
}

json to_json(const ShellScript& s) {
  json cmds = json::array();
  for (const auto& c : s.commands)
    cmds.push_back({{"line", c.line}, {"words", c.words}, {"background", c.background}, {"context", c.context}});
  json vars = json::object();
  for (const auto& [k, v] : s.variables) vars[k] = v;
  return {{"commands", cmds}, {"variables", vars}, {"diagnostics", s.diagnostics}};
}

json to_json(const std::vector<InittabEntry>& v) {
  json a = json::array();
  for (const auto& e : v)
    a.push_back({{"line", e.line}, {"id", e.id}, {"runlevels", e.runlevels}, {"action", e.action}, {"process", e.process}});
  return a;
}

json to_json(const std::vector<Directive>& v) {
  json a = json::array();
  for (const auto& d : v) a.push_back({{"line", d.line}, {"section", d.section}, {"key", d.key}, {"values", d.values}});
  return a;
}

json to_json(const std::vector<UciSection>& v) {
  json a = json::array();
  for (const auto& s : v) a.push_back({{"line", s.line}, {"type", s.type}, {"name", s.name}, {"options", to_json(s.options)}});
  return a;
}

json to_json(const std::vector<InetdEntry>& v) {
  json a = json::array();
  for (const auto& e : v)
    a.push_back({{"line", e.line}, {"service", e.service}, {"socket_type", e.socket_type}, {"protocol", e.protocol},
                 {"user", e.user}, {"server", e.server}, {"args", e.args}});
  return a;
}

json to_json(const std::vector<XinetdService>& v) {
  json a = json::array();
  for (const auto& s : v) {
    json attrs = json::array();
    for (const auto& [k, val] : s.attributes) attrs.push_back({k, val});
    a.push_back({{"line", s.line}, {"name", s.name}, {"attributes", attrs}});
  }
  return a;
}

json to_json(const std::vector<CronEntry>& v) {
  json a = json::array();
  for (const auto& e : v)
    a.push_back({{"line", e.line}, {"schedule", e.schedule}, {"user", e.user}, {"command", e.command}});
  return a;
}

}  // namespace assay::initsys
