// `assay policy list` and `assay policy show ID|FILE`: the built-in packs, and every requirement of
// one pack with its regime reference and its checks explained in words. Rendering only: the words
// come from the library (assay::policy::explain), so the CLI, the report and the docs agree.
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "assay/policy.hpp"
#include "cli.hpp"

namespace assay::cli {

namespace {

void print(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }

std::string wrap(const std::string& text, std::size_t indent, std::size_t width = 100) {
  std::string out, line;
  std::string pad(indent, ' ');
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    std::string word = text.substr(i, j - i);
    if (!line.empty() && pad.size() + line.size() + 1 + word.size() > width) {
      out += pad + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    i = j + 1;
  }
  if (!line.empty()) out += pad + line + "\n";
  return out;
}

std::string render_text(const nlohmann::json& p) {
  std::string out = fmt::format("{} — {} (version {})\n", p["id"].get<std::string>(), p["title"].get<std::string>(),
                                p["version"].get<std::string>());
  if (!p["regime"].get<std::string>().empty()) out += fmt::format("regime: {}\n", p["regime"].get<std::string>());
  out += fmt::format("source: {} ({})\n", p["source"].get<std::string>(), p["file"].get<std::string>());
  if (!p["description"].get<std::string>().empty()) out += "\n" + wrap(p["description"].get<std::string>(), 0);
  out += fmt::format("\n{} requirement(s)\n", p["requirements"].size());
  for (const auto& r : p["requirements"]) {
    out += fmt::format("\n{}  {}\n", r["id"].get<std::string>(), r["title"].get<std::string>());
    if (!r["regime_ref"].get<std::string>().empty())
      out += fmt::format("    regime ref:  {}\n", r["regime_ref"].get<std::string>());
    std::string applies = "every product";
    if (!r["applies_to"].empty()) {
      applies.clear();
      for (const auto& k : r["applies_to"]) applies += (applies.empty() ? "" : ", ") + k.get<std::string>();
    }
    out += fmt::format("    applies to:  {}\n", applies);
    out += fmt::format("    on failure:  {}\n", r["on_fail"].get<std::string>() == "fail" ? "the product fails"
                                                 : r["on_fail"].get<std::string>() == "conditional"
                                                     ? "the verdict is conditional"
                                                     : "advisory (no effect on the verdict)");
    if (r["reconstructed"].get<bool>()) out += "    RECONSTRUCTED: the regime text was not read verbatim\n";
    if (r.contains("note")) out += wrap("note: " + r["note"].get<std::string>(), 4);
    if (!r["rationale"].get<std::string>().empty()) out += wrap("why: " + r["rationale"].get<std::string>(), 4);
    if (r["manual"].get<bool>()) out += wrap("MANUAL — the reviewer must check: " + r["review"].get<std::string>(), 4);
    for (const auto& c : r["checks"]) out += wrap("- " + c["text"].get<std::string>(), 4);
  }
  return out;
}

}  // namespace

void register_policy(CLI::App& app) {
  auto* policy = app.add_subcommand("policy", "list the built-in policy packs and explain one");
  policy->require_subcommand(1);

  struct Options {
    std::string list_format = "text";
    std::string show_id;
    std::string show_format = "text";
  };
  auto o = std::make_shared<Options>();
  auto* list = policy->add_subcommand("list", "the built-in policy packs");
  list->add_option("--format", o->list_format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  list->callback([o] {
    auto packs = assay::policy::builtin_packs();
    if (o->list_format == "json") {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& p : packs) j.push_back({{"id", p.id}, {"title", p.title}, {"version", p.version}, {"regime", p.regime}});
      print(j.dump(2) + "\n");
    } else {
      std::string out;
      for (const auto& p : packs) out += fmt::format("{:<22} {:<8} {}\n", p.id, p.version, p.title);
      print(out);
    }
    set_exit(kExitPass);
  });

  auto* show = policy->add_subcommand("show", "every requirement of a pack with its checks in words");
  show->add_option("POLICY", o->show_id, "a built-in pack id or a policy YAML file")->required();
  show->add_option("--format", o->show_format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  show->callback([o] {
    auto p = assay::policy::load_policy(o->show_id);
    if (!p) {
      set_exit(error_exit(p.error()));
      return;
    }
    nlohmann::json j = assay::policy::explain(**p);
    print(o->show_format == "json" ? j.dump(2) + "\n" : render_text(j));
    set_exit(kExitPass);
  });
}

}  // namespace assay::cli
