// TEMPORARY scaffold until the report formats land (to be replaced by sarif.cpp, html.cpp, markdown.cpp).
#include "report/formats.hpp"
#include "report/json.hpp"

namespace assay::report {

std::string render_sarif(const Assessment& a) { return render_json(a); }
std::string render_html(const Assessment& a) { return "<pre>" + render_json(a) + "</pre>\n"; }
std::string render_markdown(const Assessment& a) { return "```\n" + render_json(a) + "```\n"; }

}  // namespace assay::report
