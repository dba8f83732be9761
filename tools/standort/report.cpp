#include "report.hpp"

#include "language.hpp"

#include "standort/engine/error.hpp"
#include "standort/layers/text.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <vector>

namespace standort::cli {
namespace fs = std::filesystem;
namespace {

using layers::xml_escape;

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw InputError(file.string() +
                     ": listed in the manifest but cannot be read; run the scenario again");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A CSV file as written by the run (RFC 4180: quoted fields may hold commas, quotes, newlines).
struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  int col(const std::string& name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : static_cast<int>(it - header.begin());
  }
  /// The first column whose name starts with `prefix`, or -1.
  int col_prefix(const std::string& prefix) const {
    for (std::size_t j = 0; j < header.size(); ++j)
      if (header[j].rfind(prefix, 0) == 0) return static_cast<int>(j);
    return -1;
  }
  const std::string& at(std::size_t row, int c) const {
    static const std::string empty;
    return c < 0 || static_cast<std::size_t>(c) >= rows[row].size()
               ? empty
               : rows[row][static_cast<std::size_t>(c)];
  }
  std::optional<double> number(std::size_t row, int c) const {
    const std::string& s = at(row, c);
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
  }
};

Csv parse_csv(const std::string& text, const fs::path& file) {
  Csv csv;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, field_started = false;
  auto end_field = [&] {
    row.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_row = [&] {
    end_field();
    if (csv.header.empty())
      csv.header = std::move(row);
    else
      csv.rows.push_back(std::move(row));
    row.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"' && field.empty()) {
      quoted = field_started = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_row();
    } else {
      field += c;
      field_started = true;
    }
  }
  if (quoted) throw InputError(file.string() + ": a quoted field is not closed; run again");
  if (!field.empty() || field_started || !row.empty()) end_row();
  for (const auto& r : csv.rows)
    if (r.size() != csv.header.size())
      throw InputError(file.string() + ": a row has " + std::to_string(r.size()) +
                       " fields, the header " + std::to_string(csv.header.size()) +
                       "; run the scenario again");
  return csv;
}

const char* const k_style = R"(
:root{--ink:#1d2433;--muted:#5b6474;--line:#d9dee7;--bg:#f6f7f9;--accent:#21918c;--bar:#7ad151}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 "DejaVu Sans",system-ui,sans-serif;color:var(--ink);background:#fff}
header{background:#26215a;color:#fff;padding:28px 32px}
header h1{margin:0 0 6px;font-size:26px}
header p{margin:2px 0;color:#e4e2f5}
nav{position:sticky;top:0;background:#fff;border-bottom:1px solid var(--line);padding:8px 32px;z-index:2}
nav a{margin-right:16px;color:var(--accent);text-decoration:none;font-weight:600}
main{max-width:1280px;margin:0 auto;padding:8px 32px 48px}
h2{margin:36px 0 8px;padding-bottom:4px;border-bottom:2px solid var(--ink);font-size:21px}
h3{margin:24px 0 6px;font-size:17px}
p.note{color:var(--muted);margin:4px 0 12px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px;margin:16px 0}
.card{background:var(--bg);border-radius:8px;padding:12px 14px}
.card .label{color:var(--muted);font-size:13px}
.card .value{font-size:20px;font-weight:700}
.card .sub{font-size:13px}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:14px}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--bg);position:sticky;top:40px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th[aria-sort=ascending]::after{content:" ▲"}
table.sortable th[aria-sort=descending]::after{content:" ▼"}
tr.total td{font-weight:700}
.bar{position:relative;min-width:110px}
.bar span{position:absolute;left:8px;bottom:2px;height:5px;background:var(--accent);border-radius:2px}
.bar b{font-weight:400}
td.why{min-width:320px}
.tree td:first-child{white-space:nowrap}
.mono{font-family:"DejaVu Sans Mono",monospace;font-size:12px;word-break:break-all}
figure{margin:16px 0;border:1px solid var(--line);border-radius:8px;padding:8px;background:#fff}
figure svg{width:100%;height:auto;display:block}
figcaption{color:var(--muted);font-size:13px}
.maps{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:12px}
.maps figure:first-child{grid-column:1/-1}
ul.warnings li{color:#8a4b00}
footer{color:var(--muted);font-size:13px;margin-top:40px}
@media print{nav{display:none}th{position:static}.maps{display:block}}
)";

// Sorting on a click on a column heading: numbers by data-v, text by the language's collation.
const char* const k_script = R"(
(function(){
  var lang=document.documentElement.lang;
  function key(td){var v=td.getAttribute('data-v');return v===null?td.textContent.trim():v;}
  document.querySelectorAll('table.sortable').forEach(function(table){
    var heads=table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads,function(th,col){
      th.addEventListener('click',function(){
        var asc=th.getAttribute('aria-sort')!=='ascending';
        Array.prototype.forEach.call(heads,function(h){h.removeAttribute('aria-sort');});
        th.setAttribute('aria-sort',asc?'ascending':'descending');
        var body=table.tBodies[0];
        var rows=Array.prototype.slice.call(body.rows);
        rows.sort(function(a,b){
          var x=key(a.cells[col]),y=key(b.cells[col]);
          var r;
          if(a.cells[col].hasAttribute('data-v')&&b.cells[col].hasAttribute('data-v')){
            var nx=x===''?-Infinity:parseFloat(x),ny=y===''?-Infinity:parseFloat(y);
            r=nx<ny?-1:nx>ny?1:0;
          }else r=x.localeCompare(y,lang);
          return asc?r:-r;
        });
        rows.forEach(function(r){body.appendChild(r);});
      });
    });
  });
  document.body.setAttribute('data-ready','1');
})();
)";

/// A numeric cell: shown text, and the value to sort by.
std::string num_cell(const Lang& lang, std::optional<double> v, int decimals,
                     const std::string& suffix = "") {
  if (!v) return "<td class=\"n\" data-v=\"\">–</td>";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", *v);
  return "<td class=\"n\" data-v=\"" + std::string(buf) + "\">" + lang.num(*v, decimals) + suffix +
         "</td>";
}

/// A cell with a bar of `v / top` of its width behind the number (scores, probabilities).
std::string bar_cell(const Lang& lang, std::optional<double> v, double top, int decimals,
                     bool percent = false) {
  if (!v) return "<td class=\"n\" data-v=\"\">–</td>";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", *v);
  const double share = top > 0.0 ? std::clamp(*v / top, 0.0, 1.0) : 0.0;
  char width[48];
  std::snprintf(width, sizeof width, "calc((100%% - 16px) * %.4f)", share);
  return "<td class=\"n bar\" data-v=\"" + std::string(buf) + "\"><span style=\"width:" + width +
         "\"></span><b>" + (percent ? lang.pct(*v * 100.0, 1) : lang.num(*v, decimals)) +
         "</b></td>";
}

/// The words for a rejection's requirement kind (rejections.csv requirement_kind).
std::string requirement_kind_text(const std::string& kind) {
  if (kind == "area") return "the area";
  if (kind == "distance") return "a distance";
  if (kind == "district") return "the district";
  if (kind == "zoning") return "the zoning";
  if (kind == "exclusion") return "the excluded share";
  return "missing data";
}

std::string text_cell(const std::string& s) { return "<td>" + xml_escape(s) + "</td>"; }

std::string head_row(const std::vector<std::pair<std::string, bool>>& heads) {
  std::string h = "<thead><tr>";
  for (const auto& [label, numeric] : heads)
    h += std::string(numeric ? "<th class=\"n\">" : "<th>") + label + "</th>";
  return h + "</tr></thead>";
}

/// Element ids of an inline SVG made unique within the page: `prefix` after every `id="`, `url(#`
/// and `href="#`. One pass that copies the text once (the three patterns cannot overlap), rather
/// than an insertion into the whole text per id.
std::string prefix_svg_ids(const std::string& svg, const std::string& prefix) {
  const std::array<std::string_view, 3> patterns = {"id=\"", "url(#", "href=\"#"};
  std::array<std::size_t, 3> next{};
  for (std::size_t k = 0; k < patterns.size(); ++k) next[k] = svg.find(patterns[k]);
  std::string out;
  out.reserve(svg.size() + svg.size() / 16);
  std::size_t copied = 0;
  for (;;) {
    const std::size_t k =
        static_cast<std::size_t>(std::min_element(next.begin(), next.end()) - next.begin());
    if (next[k] == std::string::npos) break;
    const std::size_t end = next[k] + patterns[k].size();
    out.append(svg, copied, end - copied);
    out += prefix;
    copied = end;
    next[k] = svg.find(patterns[k], end);
  }
  out.append(svg, copied, std::string::npos);
  return out;
}

struct NodeInfo {
  nlohmann::json j;
  int depth = 0;
};

std::string str(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double dbl(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : std::nan("");
}

class Report {
 public:
  Report(const fs::path& out_dir, const nlohmann::json& manifest, const Lang& lang)
      : m_dir(out_dir), m_manifest(manifest), m_lang(lang) {
    for (const auto& o : manifest.value("outputs", nlohmann::json::array()))
      m_outputs.insert(str(o, "file"));
    const nlohmann::json& nodes = manifest.at("model").at("nodes");
    for (const auto& n : nodes) {
      NodeInfo info{n, 0};
      for (int p = n.value("parent", -1); p >= 0; p = nodes.at(p).value("parent", -1)) ++info.depth;
      m_nodes.push_back(std::move(info));
    }
    for (const NodeInfo& n : m_nodes)
      if (n.depth > 0 && !n.j.contains("criterion"))
        m_pillars.push_back({str(n.j, "name"), str(n.j, "title")});
  }

  std::string html() {
    std::string body;
    body += section("glance", "At a glance", glance());
    body += section("model", "The model", model());
    const std::string maps_html = maps();
    if (!maps_html.empty()) body += section("maps", "Maps", maps_html);
    if (!levels().empty()) body += section("districts", "Districts", districts());
    if (has("sites.csv")) body += section("sites", "Sites", sites());
    if (has("regions.csv")) body += section("regions", "Regions", regions());
    if (has("shortlists.csv")) body += section("investors", "Investors", investors());
    if (has("sensitivity_sites.csv")) body += section("sensitivity", "Sensitivity", sensitivity());
    body += section("warnings", "Warnings", warnings());
    body += section("provenance", "Provenance", provenance());

    const std::string name = str(m_manifest.at("scenario"), "name");
    std::string page = "<!DOCTYPE html>\n<html lang=\"" + m_lang.code() +
                       "\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                       "<title>" +
                       xml_escape(name) + " – standort " + tr("Report") + "</title>\n<style>" +
                       k_style + "</style>\n</head>\n<body>\n<header><h1>" + xml_escape(name) +
                       "</h1>";
    const std::string description = str(m_manifest.at("scenario"), "description");
    if (!description.empty()) page += "<p>" + xml_escape(description) + "</p>";
    const nlohmann::json& grid = m_manifest.at("grid");
    page += "<p>" + m_lang.num(grid.at("cols").get<double>(), 0) + " × " +
            m_lang.num(grid.at("rows").get<double>(), 0) + " " + tr("cells of") + " " +
            m_lang.num(grid.at("cell_size_m").get<double>(), 0) + " m · " +
            xml_escape(str(grid, "crs")) + " · standort " +
            xml_escape(str(m_manifest, "standort_version")) + "</p></header>\n<nav>" + m_nav +
            "</nav>\n<main>\n" + body + "<footer>" + tr("Made with standort") + " " +
            xml_escape(str(m_manifest, "standort_version")) + "</footer>\n</main>\n<script>" +
            k_script + "</script>\n</body>\n</html>\n";
    return page;
  }

 private:
  std::string tr(const std::string& en) const { return xml_escape(m_lang.text(en)); }
  bool has(const std::string& file) const { return m_outputs.count(file) > 0; }

  const Csv& csv(const std::string& file) {
    auto it = m_csv.find(file);
    if (it == m_csv.end())
      it = m_csv.emplace(file, parse_csv(read_file(m_dir / file), m_dir / file)).first;
    return it->second;
  }

  std::string section(const std::string& id, const std::string& title, const std::string& inner) {
    m_nav += "<a href=\"#" + id + "\">" + tr(title) + "</a>";
    return "<section id=\"" + id + "\"><h2>" + tr(title) + "</h2>\n" + inner + "</section>\n";
  }

  std::vector<std::string> levels() const {
    return m_manifest.value("district_levels", std::vector<std::string>{});
  }
  double threshold() const { return m_manifest.value("suitability_threshold", 0.6); }

  /// The district level's table sorted by mean suitability, best first (row indices).
  std::vector<std::size_t> ranked(const Csv& t, int score_col) const {
    std::vector<std::size_t> order(t.rows.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return t.number(a, score_col).value_or(-1.0) > t.number(b, score_col).value_or(-1.0);
    });
    return order;
  }

  std::string card(const std::string& label, const std::string& value, const std::string& sub) {
    return "<div class=\"card\"><div class=\"label\">" + label + "</div><div class=\"value\">" +
           value + "</div><div class=\"sub\">" + sub + "</div></div>";
  }

  std::string glance() {
    std::string out;
    bool any_csv = false;
    for (const std::string& f : m_outputs) any_csv |= fs::path(f).extension() == ".csv";
    if (!any_csv)
      out += "<p class=\"note\">" +
             tr("This run wrote no CSV tables (formats without csv), so the report has no tables "
                "of districts, sites or the sensitivity.") +
             "</p>";
    out += "<div class=\"cards\">";
    const auto lv = levels();
    if (!lv.empty() && has(lv.front() + ".csv")) {
      const Csv& t = csv(lv.front() + ".csv");
      const int score = t.col("suitability_mean");
      const std::vector<std::size_t> order = ranked(t, score);
      if (!order.empty())
        out += card(
            tr("Best district"), xml_escape(t.at(order.front(), t.col("name"))),
            tr("mean score") + " " + m_lang.num(t.number(order.front(), score).value_or(NAN), 2));
      // Area shares over the whole analysed area (the districts tile the city).
      double at_least = 0.0, data = 0.0, excluded = 0.0;
      const int ha = t.col_prefix("suitability_ha_at_least_");
      const int data_km2 = t.col("data_area_km2");
      const int excluded_ha = t.col("excluded_ha");
      for (std::size_t i = 0; i < t.rows.size(); ++i) {
        at_least += t.number(i, ha).value_or(0.0);
        data += t.number(i, data_km2).value_or(0.0) * 100.0;
        excluded += t.number(i, excluded_ha).value_or(0.0);
      }
      if (data > 0.0) {
        out += card(tr("Area with a score of at least") + " " + m_lang.num(threshold(), 2),
                    m_lang.num(at_least, 0) + " ha",
                    m_lang.pct(at_least / data * 100.0, 1) + " " + tr("of the analysed area"));
        if (excluded_ha >= 0)
          out += card(tr("Excluded area"), m_lang.num(excluded, 0) + " ha",
                      m_lang.pct(excluded / data * 100.0, 1) + " " + tr("of the analysed area"));
      }
    }
    if (has("sites.csv")) {
      const Csv& s = csv("sites.csv");
      if (!s.rows.empty())
        out += card(tr("Best site"), xml_escape(s.at(0, s.col("name"))),
                    tr("mean score") + " " +
                        m_lang.num(s.number(0, s.col("suitability_mean")).value_or(NAN), 2));
    }
    if (has("assignment.csv")) {
      const Csv& a = csv("assignment.csv");
      std::size_t placed = 0, investors = 0;
      for (std::size_t i = 0; i + 1 < a.rows.size(); ++i) {
        ++investors;
        if (!a.at(i, a.col("joint_site_id")).empty()) ++placed;
      }
      out +=
          card(tr("Investors placed"), std::to_string(placed) + " / " + std::to_string(investors),
               tr("in the joint assignment"));
    }
    return out + "</div>\n";
  }

  std::string model() {
    std::string out = "<p class=\"note\">" +
                      tr("The criteria tree: each node's weight among its siblings, its share of "
                         "the overall score (global weight) and how it combines its children or "
                         "turns its indicator into a 0–1 score.") +
                      "</p>\n<table class=\"tree\">" +
                      head_row({{tr("Node"), false},
                                {tr("Weight"), true},
                                {tr("Global weight"), true},
                                {tr("Aggregation or value function"), false},
                                {tr("Weighting"), false}}) +
                      "<tbody>";
    // Depth-first, children in file order, so the table reads as the tree.
    std::vector<int> stack{0};
    std::vector<int> order;
    while (!stack.empty()) {
      const int k = stack.back();
      stack.pop_back();
      order.push_back(k);
      std::vector<int> children;
      for (std::size_t c = 0; c < m_nodes.size(); ++c)
        if (m_nodes[c].j.value("parent", -1) == k) children.push_back(static_cast<int>(c));
      for (auto it = children.rbegin(); it != children.rend(); ++it) stack.push_back(*it);
    }
    for (const int k : order) {
      const NodeInfo& n = m_nodes[static_cast<std::size_t>(k)];
      const std::string title = str(n.j, "title");
      const std::string name = str(n.j, "name");
      std::string cell = "<td style=\"padding-left:" + std::to_string(8 + 20 * n.depth) + "px\">" +
                         (n.j.contains("criterion") ? "" : "<b>") + xml_escape(title) +
                         (n.j.contains("criterion") ? "" : "</b>");
      if (title != name) cell += " <span class=\"mono\">" + xml_escape(name) + "</span>";
      const std::string description = str(n.j, "description");
      if (!description.empty()) cell += "<br><small>" + xml_escape(description) + "</small>";
      cell += "</td>";
      std::string how =
          n.j.contains("criterion") ? str(n.j, "value_function") : str(n.j, "aggregation");
      std::string weighting;
      if (!n.j.contains("criterion")) {
        weighting = tr(str(n.j, "weighting"));
        if (n.j.contains("ahp")) {
          const double cr = dbl(n.j.at("ahp"), "cr");
          weighting += ", CR " + m_lang.num(cr, 3) + " (" +
                       (cr <= 0.1 ? tr("consistent") : tr("inconsistency accepted")) + ")";
          if (n.j.at("ahp").contains("stakeholders")) {
            weighting += "; " + tr("stakeholders") + ": ";
            const auto& names = n.j.at("ahp").at("stakeholders");
            const auto& crs = n.j.at("ahp").value("stakeholder_cr", nlohmann::json::array());
            for (std::size_t s = 0; s < names.size(); ++s)
              weighting +=
                  (s ? ", " : "") + xml_escape(names[s].get<std::string>()) +
                  (s < crs.size() ? " (CR " + m_lang.num(crs[s].get<double>(), 3) + ")" : "");
          }
        }
      }
      const double global = dbl(n.j, "global_weight");
      out += "<tr>" + cell + num_cell(m_lang, dbl(n.j, "weight"), 3) +
             bar_cell(m_lang, global, 1.0, 3) + "<td><small>" + xml_escape(how) +
             "</small></td><td><small>" + weighting + "</small></td></tr>\n";
    }
    out += "</tbody></table>\n";
    const auto& constraints = m_manifest.at("model").value("constraints", nlohmann::json::array());
    if (!constraints.empty()) {
      out += "<h3>" + tr("Exclusions") + "</h3><p class=\"note\">" +
             tr("Excluded cells score 0 whatever their criteria say.") + "</p><table>" +
             head_row({{tr("Code"), true}, {tr("Reason"), false}, {tr("Rule"), false}}) + "<tbody>";
      for (const auto& c : constraints) {
        std::string rule = xml_escape(str(c, "rule"));
        if (!str(c, "where").empty()) rule += " " + tr("where") + " " + xml_escape(str(c, "where"));
        out += "<tr>" + num_cell(m_lang, dbl(c, "code"), 0) + text_cell(str(c, "reason")) + "<td>" +
               rule + "</td></tr>\n";
      }
      out += "</tbody></table>\n";
    }
    return out;
  }

  std::string maps() {
    std::string out;
    int index = 0;
    for (const auto& o : m_manifest.value("outputs", nlohmann::json::array())) {
      const std::string file = str(o, "file");
      if (str(o, "kind") != "map" || fs::path(file).extension() != ".svg") continue;
      std::string svg = read_file(m_dir / file);
      const std::size_t start = svg.find("<svg");
      if (start == std::string::npos)
        throw InputError((m_dir / file).string() + ": not an SVG map; run the scenario again");
      svg = prefix_svg_ids(svg.substr(start), "map" + std::to_string(index++) + "-");
      out += "<figure>" + svg + "<figcaption>" + xml_escape(file) + ", " +
             xml_escape(fs::path(file).replace_extension(".png").string()) +
             "</figcaption></figure>\n";
    }
    if (out.empty()) return out;
    return "<p class=\"note\">" + tr("The same maps are in the run folder as PNG and SVG.") +
           "</p><div class=\"maps\">" + out + "</div>\n";
  }

  std::string districts() {
    std::string out = "<p class=\"note\">" +
                      tr("Coverage-weighted statistics per district: every cell counts with the "
                         "share of its area inside the district. Click a column heading to sort.") +
                      "</p>\n";
    bool any = false;
    for (const std::string& level : levels()) {
      if (!has(level + ".csv")) continue;
      any = true;
      const Csv& t = csv(level + ".csv");
      const int score = t.col("suitability_mean");
      const int pct = t.col_prefix("suitability_pct_at_least_");
      const int excluded = t.col("excluded_pct");
      std::vector<std::pair<std::string, bool>> heads{{tr("Rank"), true},
                                                      {tr("Name"), false},
                                                      {tr("Area km²"), true},
                                                      {tr("Suitability"), true}};
      for (const auto& [name, title] : m_pillars) heads.push_back({xml_escape(title), true});
      heads.push_back({tr("Share ≥") + " " + m_lang.num(threshold(), 2), true});
      if (excluded >= 0) heads.push_back({tr("Excluded"), true});
      std::string layer;
      if (m_manifest.contains("inputs") && m_manifest["inputs"].contains(level))
        layer = str(m_manifest["inputs"][level], "layer");
      out +=
          "<h3>" + xml_escape(level) +
          (layer.empty() || layer == level ? "" : " <small>(" + xml_escape(layer) + ")</small>") +
          "</h3><table class=\"sortable\">" + head_row(heads) + "<tbody>";
      const std::vector<std::size_t> order = ranked(t, score);
      for (std::size_t r = 0; r < order.size(); ++r) {
        const std::size_t i = order[r];
        out += "<tr>" + num_cell(m_lang, static_cast<double>(r + 1), 0) +
               text_cell(t.at(i, t.col("name"))) +
               num_cell(m_lang, t.number(i, t.col("area_km2")), 2) +
               bar_cell(m_lang, t.number(i, score), 1.0, 3);
        for (const auto& [name, title] : m_pillars)
          out += num_cell(m_lang, t.number(i, t.col(name + "_mean")), 3);
        out += num_cell(m_lang, t.number(i, pct), 1, "\u00a0%");
        if (excluded >= 0) out += num_cell(m_lang, t.number(i, excluded), 1, "\u00a0%");
        out += "</tr>\n";
      }
      out += "</tbody></table>\n";
    }
    if (!any) out += "<p>" + tr("The run wrote no district table (formats without csv).") + "</p>";
    return out;
  }

  /// Why a site ranks where it does: its strongest pillar, its distances, what is excluded.
  std::string site_reason(const Csv& s, std::size_t i) const {
    std::string best_title;
    double best = -1.0;
    for (const auto& [name, title] : m_pillars) {
      const double v = s.number(i, s.col(name + "_mean")).value_or(-1.0);
      if (v > best) {
        best = v;
        best_title = title;
      }
    }
    std::vector<std::string> parts;
    if (best >= 0.0)
      parts.push_back(tr("strongest on") + " " + xml_escape(best_title) + " (" +
                      m_lang.num(best, 2) + ")");
    for (std::size_t j = 0; j < s.header.size(); ++j) {
      const std::string& h = s.header[j];
      if (h.rfind("distance_to_", 0) != 0 || h.size() < 15) continue;
      const std::string layer = h.substr(12, h.size() - 14);
      const auto d = s.number(i, static_cast<int>(j));
      if (!d) continue;
      const std::string nearest = s.at(i, s.col("nearest_" + layer));
      parts.push_back(xml_escape(layer) + " " + m_lang.metres(*d) +
                      (nearest.empty() ? "" : " (" + xml_escape(nearest) + ")"));
    }
    const auto excluded = s.number(i, s.col("excluded_pct"));
    if (excluded && *excluded > 0.0)
      parts.push_back(m_lang.pct(*excluded, 1) + " " + tr("excluded") + " (" +
                      xml_escape(s.at(i, s.col("excluded_by"))) + ")");
    std::string out;
    for (std::size_t k = 0; k < parts.size(); ++k) out += (k ? "; " : "") + parts[k];
    return out;
  }

  std::string sites() {
    const Csv& s = csv("sites.csv");
    const std::size_t shown = std::min<std::size_t>(s.rows.size(), 15);
    const std::vector<std::string> lv = levels();
    const std::string zoning =
        m_manifest.contains("sites") ? str(m_manifest["sites"], "zoning_field") : std::string();
    std::vector<std::pair<std::string, bool>> heads{
        {tr("Rank"), true}, {tr("Name"), false}, {tr("Area ha"), true}};
    if (!zoning.empty()) heads.push_back({tr("Zoning"), false});
    if (!lv.empty()) heads.push_back({tr("District"), false});
    heads.push_back({tr("Suitability"), true});
    for (const auto& [name, title] : m_pillars) heads.push_back({xml_escape(title), true});
    heads.push_back({tr("Why"), false});
    std::string out =
        "<p class=\"note\">" +
        tr("Candidate sites ranked by their mean score (coverage-weighted over the "
           "site).") +
        (shown < s.rows.size() ? " " + tr("Showing the best") + " " + std::to_string(shown) + " " +
                                     tr("of") + " " + std::to_string(s.rows.size()) + "."
                               : std::string()) +
        "</p><table class=\"sortable\">" + head_row(heads) + "<tbody>";
    for (std::size_t i = 0; i < shown; ++i) {
      out += "<tr>" + num_cell(m_lang, s.number(i, s.col("rank")), 0) +
             text_cell(s.at(i, s.col("name"))) + num_cell(m_lang, s.number(i, s.col("area_ha")), 1);
      if (!zoning.empty()) out += text_cell(s.at(i, s.col(zoning)));
      if (!lv.empty()) out += text_cell(s.at(i, s.col(lv.front())));
      out += bar_cell(m_lang, s.number(i, s.col("suitability_mean")), 1.0, 3);
      for (const auto& [name, title] : m_pillars)
        out += num_cell(m_lang, s.number(i, s.col(name + "_mean")), 3);
      out += "<td class=\"why\"><small>" + site_reason(s, i) + "</small></td></tr>\n";
    }
    return out + "</tbody></table>\n";
  }

  std::string regions() {
    const Csv& r = csv("regions.csv");
    const std::vector<std::string> lv = levels();
    std::vector<std::pair<std::string, bool>> heads{
        {tr("Rank"), true}, {tr("Area ha"), true}, {tr("Mean score"), true}};
    for (const std::string& level : lv) heads.push_back({xml_escape(level), false});
    std::string out = "<p class=\"note\">" +
                      tr("Contiguous regions of high suitability found on the surface, best "
                         "first.") +
                      "</p><table class=\"sortable\">" + head_row(heads) + "<tbody>";
    for (std::size_t i = 0; i < r.rows.size(); ++i) {
      out += "<tr>" + num_cell(m_lang, r.number(i, r.col("rank")), 0) +
             num_cell(m_lang, r.number(i, r.col("area_ha")), 1) +
             bar_cell(m_lang, r.number(i, r.col("suitability_mean")), 1.0, 3);
      for (const std::string& level : lv) out += text_cell(r.at(i, r.col(level)));
      out += "</tr>\n";
    }
    return out + "</tbody></table>\n";
  }

  /// A shortlisted site's reason in the report's language: the site's own reason from
  /// sites.csv (the shortlists' reason column is English), else that column.
  std::string shortlist_reason(const Csv& shortlists, std::size_t row) {
    const std::string& id = shortlists.at(row, shortlists.col("site_id"));
    if (has("sites.csv")) {
      const Csv& sites = csv("sites.csv");
      for (std::size_t i = 0; i < sites.rows.size(); ++i)
        if (sites.at(i, 1) == id) return site_reason(sites, i);
    }
    return xml_escape(shortlists.at(row, shortlists.col("reason")));
  }

  std::string investors() {
    const Csv& s = csv("shortlists.csv");
    std::vector<std::string> names;
    for (std::size_t i = 0; i < s.rows.size(); ++i) {
      const std::string& inv = s.at(i, s.col("investor"));
      if (std::find(names.begin(), names.end(), inv) == names.end()) names.push_back(inv);
    }
    // Investors with an empty shortlist appear in the assignment table only.
    std::map<std::string, std::map<std::string, int>> rejected;  // investor → requirement → n
    if (has("rejections.csv")) {
      const Csv& r = csv("rejections.csv");
      for (std::size_t i = 0; i < r.rows.size(); ++i)
        ++rejected[r.at(i, r.col("investor"))][r.at(i, r.col("requirement_kind"))];
      for (std::size_t i = 0; i < r.rows.size(); ++i) {
        const std::string& inv = r.at(i, r.col("investor"));
        if (std::find(names.begin(), names.end(), inv) == names.end()) names.push_back(inv);
      }
    }
    std::string out = "<p class=\"note\">" +
                      tr("Each investor's shortlist: the sites that meet every hard requirement, "
                         "by fit.") +
                      "</p>\n";
    for (const std::string& inv : names) {
      out += "<h3>" + xml_escape(inv) + "</h3>";
      std::string rows;
      for (std::size_t i = 0; i < s.rows.size(); ++i) {
        if (s.at(i, s.col("investor")) != inv) continue;
        rows += "<tr>" + num_cell(m_lang, s.number(i, s.col("rank")), 0) +
                text_cell(s.at(i, s.col("site_name"))) +
                bar_cell(m_lang, s.number(i, s.col("fit")), 1.0, 3) + "<td><small>" +
                shortlist_reason(s, i) + "</small></td></tr>\n";
      }
      if (!rows.empty())
        out +=
            "<table>" +
            head_row(
                {{tr("Rank"), true}, {tr("Name"), false}, {tr("Fit"), true}, {tr("Why"), false}}) +
            "<tbody>" + rows + "</tbody></table>";
      const auto it = rejected.find(inv);
      if (it != rejected.end()) {
        int total = 0;
        std::pair<std::string, int> most{"", 0};
        for (const auto& [kind, n] : it->second) {
          total += n;
          if (n > most.second) most = {kind, n};
        }
        out += "<p class=\"note\">" + std::to_string(total) + " " + tr("sites rejected") + ", " +
               tr("most often because of") + " " + tr(requirement_kind_text(most.first)) + " (" +
               std::to_string(most.second) + ")</p>\n";
      }
    }
    if (has("assignment.csv")) {
      const Csv& a = csv("assignment.csv");
      out += "<h3>" + tr("Assignment") + "</h3><p class=\"note\">" +
             tr("When investors compete for sites, each gets a different one. The joint "
                "assignment places as many investors as possible with the largest total fit; "
                "first come, first served takes them in the profiles' order.") +
             "</p><table>" +
             head_row({{tr("Investor"), false},
                       {tr("Joint assignment"), false},
                       {tr("Fit"), true},
                       {tr("First come, first served"), false},
                       {tr("Fit"), true}}) +
             "<tbody>";
      // The last row holds the totals; the placements are counted here, in the report's
      // language.
      std::size_t joint = 0, greedy = 0;
      auto site = [&](std::size_t i, const char* id, const char* name, std::size_t& placed) {
        if (a.at(i, a.col(id)).empty()) return "<td><i>" + tr("none left that fits") + "</i></td>";
        ++placed;
        return text_cell(a.at(i, a.col(name)));
      };
      for (std::size_t i = 0; i + 1 < a.rows.size(); ++i)
        out += "<tr>" + text_cell(a.at(i, a.col("investor"))) +
               site(i, "joint_site_id", "joint_site_name", joint) +
               num_cell(m_lang, a.number(i, a.col("joint_fit")), 3) +
               site(i, "greedy_site_id", "greedy_site_name", greedy) +
               num_cell(m_lang, a.number(i, a.col("greedy_fit")), 3) + "</tr>\n";
      if (!a.rows.empty()) {
        const std::size_t last = a.rows.size() - 1;
        out += "<tr class=\"total\"><td>" + tr("Total") + "</td><td>" + std::to_string(joint) +
               " " + tr("placed") + "</td>" +
               num_cell(m_lang, a.number(last, a.col("joint_fit")), 3) + "<td>" +
               std::to_string(greedy) + " " + tr("placed") + "</td>" +
               num_cell(m_lang, a.number(last, a.col("greedy_fit")), 3) + "</tr>\n";
      }
      out += "</tbody></table>\n";
    }
    return out;
  }

  /// A small SVG: the 5–95 % rank interval as a line, the median as a dot, the base rank as a
  /// diamond, on a scale from rank 1 (left) to `count`.
  std::string rank_interval(double p05, double p50, double p95, double base, double count) const {
    const double w = 220.0, pad = 6.0;
    auto x = [&](double rank) {
      return count <= 1.0 ? pad : pad + (rank - 1.0) / (count - 1.0) * (w - 2.0 * pad);
    };
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "<svg width=\"%.0f\" height=\"16\" viewBox=\"0 0 %.0f 16\" role=\"img\">"
                  "<line x1=\"%.1f\" y1=\"8\" x2=\"%.1f\" y2=\"8\" stroke=\"#ccc\"/>"
                  "<line x1=\"%.1f\" y1=\"8\" x2=\"%.1f\" y2=\"8\" stroke=\"#3b528b\" "
                  "stroke-width=\"4\" stroke-linecap=\"round\"/>"
                  "<circle cx=\"%.1f\" cy=\"8\" r=\"4\" fill=\"#fde725\" stroke=\"#26215a\"/>"
                  "<path d=\"M%.1f 2 l5 6 l-5 6 l-5 -6 z\" fill=\"none\" stroke=\"#b5367a\"/>"
                  "</svg>",
                  w, w, x(1.0), x(count), x(p05), x(p95), x(p50), x(base));
    return buf;
  }

  std::string sensitivity() {
    const Csv& s = csv("sensitivity_sites.csv");
    const nlohmann::json settings = m_manifest.value("sensitivity", nlohmann::json::object());
    const int top = s.col_prefix("p_top_");
    const std::string k = top >= 0 ? s.header[static_cast<std::size_t>(top)].substr(6) : "?";
    std::string out = "<p class=\"note\">" + tr("How stable is the ranking when the weights vary?");
    if (settings.contains("runs"))
      out += " " + m_lang.num(settings["runs"].get<double>(), 0) + " " + tr("runs") + ", " +
             tr("perturbation") + ": " + xml_escape(str(settings, "perturbation")) + ", " +
             tr("seed") + " " + xml_escape(settings.value("seed", nlohmann::json()).dump()) + ".";
    out += " " +
           tr("The bar shows how often a site ranks among the best; the line spans the ranks of "
              "90 % of the runs, the dot is the median rank and the diamond the rank with the "
              "scenario's weights.") +
           "</p><table class=\"sortable\">" +
           head_row({{tr("Base rank"), true},
                     {tr("Name"), false},
                     {tr("Probability of the top") + " " + xml_escape(k), true},
                     {tr("Rank interval (5–95 %)"), false},
                     {tr("Score sd"), true}}) +
           "<tbody>";
    const double count = static_cast<double>(s.rows.size());
    // The 30 best by their base rank; the CSV has every site.
    const std::size_t shown = std::min<std::size_t>(s.rows.size(), 30);
    for (std::size_t i = 0; i < shown; ++i) {
      const double base = s.number(i, s.col("base_rank")).value_or(NAN);
      const double p05 = s.number(i, s.col("rank_p05")).value_or(NAN);
      const double p50 = s.number(i, s.col("rank_p50")).value_or(NAN);
      const double p95 = s.number(i, s.col("rank_p95")).value_or(NAN);
      char v[32];
      std::snprintf(v, sizeof v, "%.10g", p50);
      out += "<tr>" + num_cell(m_lang, base, 0) + text_cell(s.at(i, s.col("name"))) +
             bar_cell(m_lang, s.number(i, top), 1.0, 3, true) + "<td data-v=\"" + v + "\">" +
             rank_interval(p05, p50, p95, base, count) + " <small>" + m_lang.num(p05, 0) + "–" +
             m_lang.num(p95, 0) + "</small></td>" +
             num_cell(m_lang, s.number(i, s.col("score_sd")), 4) + "</tr>\n";
    }
    out += "</tbody></table>\n";
    if (shown < s.rows.size())
      out += "<p class=\"note\">" + tr("Showing the best") + " " + std::to_string(shown) + " " +
             tr("of") + " " + std::to_string(s.rows.size()) + " (sensitivity_sites.csv).</p>\n";
    if (has("sensitivity_sweep.csv")) {
      const Csv& w = csv("sensitivity_sweep.csv");
      struct Change {
        std::string weight_of, among;
        double change = 0.0, weight = 0.0;
        int moved = 0, largest = 0;
      };
      std::vector<Change> changes;
      for (std::size_t i = 0; i < w.rows.size(); ++i) {
        const std::string of = w.at(i, w.col("weight_of"));
        const double change = w.number(i, w.col("change")).value_or(NAN);
        if (changes.empty() || changes.back().weight_of != of ||
            std::abs(changes.back().change - change) > 1e-12)
          changes.push_back({of, w.at(i, w.col("among")), change,
                             w.number(i, w.col("weight")).value_or(NAN), 0, 0});
        const int moved = static_cast<int>(w.number(i, w.col("moved")).value_or(0.0));
        if (moved != 0) ++changes.back().moved;
        changes.back().largest = std::max(changes.back().largest, std::abs(moved));
      }
      out += "<h3>" + tr("One weight at a time") + "</h3><table class=\"sortable\">" +
             head_row({{tr("Weight of"), false},
                       {tr("Change"), true},
                       {tr("New weight"), true},
                       {tr("Sites that move"), true},
                       {tr("Largest move"), true}}) +
             "<tbody>";
      for (const Change& c : changes)
        out += "<tr>" + text_cell(c.weight_of) + num_cell(m_lang, c.change * 100.0, 0, "\u00a0%") +
               num_cell(m_lang, c.weight, 3) + num_cell(m_lang, c.moved, 0) +
               num_cell(m_lang, c.largest, 0, " " + tr("ranks")) + "</tr>\n";
      out += "</tbody></table>\n";
    }
    return out;
  }

  std::string warnings() {
    const auto& w = m_manifest.value("warnings", nlohmann::json::array());
    if (w.empty()) return "<p>" + tr("No warnings.") + "</p>\n";
    std::string out = "<ul class=\"warnings\">";
    for (const auto& item : w)
      out +=
          "<li>" + xml_escape(item.is_string() ? item.get<std::string>() : item.dump()) + "</li>";
    return out + "</ul>\n";
  }

  std::string provenance() {
    std::string out = "<p class=\"note\">" +
                      tr("What the run read and wrote, with fingerprints (SHA-256) to check the "
                         "files by.") +
                      "</p><table><tbody>";
    const nlohmann::json& sc = m_manifest.at("scenario");
    out += "<tr><th>" + tr("Scenario") + "</th><td>" + xml_escape(str(sc, "file")) +
           "<br><span class=\"mono\">" + xml_escape(str(sc, "sha256")) + "</span></td></tr>";
    const nlohmann::json& grid = m_manifest.at("grid");
    std::string extent;
    for (const auto& v : grid.at("extent"))
      extent += (extent.empty() ? "" : ", ") + m_lang.num(v.get<double>(), 0);
    out += "<tr><th>" + tr("Grid") + "</th><td>" + xml_escape(str(grid, "crs")) + ", " +
           m_lang.num(grid.at("cell_size_m").get<double>(), 2) + " m, " +
           m_lang.num(grid.at("cols").get<double>(), 0) + " × " +
           m_lang.num(grid.at("rows").get<double>(), 0) + "; [" + extent + "]</td></tr>";
    std::string libs = "standort " + xml_escape(str(m_manifest, "standort_version"));
    const nlohmann::json libraries = m_manifest.value("libraries", nlohmann::json::object());
    for (const auto& [name, version] : libraries.items())
      libs += ", " + xml_escape(name) + " " +
              xml_escape(version.is_string() ? version.get<std::string>() : version.dump());
    out += "<tr><th>" + tr("Libraries") + "</th><td>" + libs + "</td></tr></tbody></table>";
    out += "<h3>" + tr("Inputs") + "</h3><table class=\"sortable\">" +
           head_row({{tr("Input"), false},
                     {tr("File"), false},
                     {tr("Layer"), false},
                     {tr("Features"), true},
                     {tr("Repaired"), true},
                     {"SHA-256", false}}) +
           "<tbody>";
    const nlohmann::json inputs = m_manifest.value("inputs", nlohmann::json::object());
    for (const auto& [name, in] : inputs.items())
      out += "<tr>" + text_cell(name) + "<td class=\"mono\">" + xml_escape(str(in, "path")) +
             "</td>" + text_cell(str(in, "layer")) + num_cell(m_lang, dbl(in, "features"), 0) +
             num_cell(m_lang, dbl(in, "repaired"), 0) + "<td class=\"mono\">" +
             xml_escape(str(in, "sha256")) + "</td></tr>\n";
    out += "</tbody></table><h3>" + tr("Outputs") + "</h3><table class=\"sortable\">" +
           head_row({{tr("File"), false}, {tr("Kind"), false}, {"SHA-256", false}}) + "<tbody>";
    for (const auto& o : m_manifest.value("outputs", nlohmann::json::array()))
      out += "<tr>" + text_cell(str(o, "file")) + text_cell(str(o, "kind")) +
             "<td class=\"mono\">" + xml_escape(str(o, "sha256")) + "</td></tr>\n";
    return out + "</tbody></table>\n";
  }

  fs::path m_dir;
  const nlohmann::json& m_manifest;
  const Lang& m_lang;
  std::set<std::string> m_outputs;
  std::vector<NodeInfo> m_nodes;
  std::vector<std::pair<std::string, std::string>> m_pillars;  // name, title
  std::map<std::string, Csv> m_csv;
  std::string m_nav;
};

}  // namespace

std::string report_html(const fs::path& out_dir, const nlohmann::json& manifest,
                        const std::string& lang) {
  const Lang language(lang);
  Report report(out_dir, manifest, language);
  return report.html();
}

}  // namespace standort::cli
