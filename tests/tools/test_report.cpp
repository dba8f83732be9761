#include "support.hpp"
#include "tools/cli_support.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <set>
#include <string>
#include <vector>

using namespace standort::test;
using Catch::Contains;

namespace {

/// A CSV of the run (no quoted commas in the columns read here) as rows of fields.
std::vector<std::vector<std::string>> simple_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> fields;
    bool quoted = false;
    std::string field;
    for (char c : line) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        fields.push_back(field);
        field.clear();
      } else {
        field += c;
      }
    }
    fields.push_back(field);
    rows.push_back(fields);
  }
  return rows;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  const auto it = std::find(header.begin(), header.end(), name);
  REQUIRE(it != header.end());
  return static_cast<std::size_t>(it - header.begin());
}

/// The text between `<section id="ID">` and the next `</section>`.
std::string section(const std::string& html, const std::string& id) {
  const auto start = html.find("<section id=\"" + id + "\">");
  REQUIRE(start != std::string::npos);
  return html.substr(start, html.find("</section>", start) - start);
}

/// `v` with three decimals and the language's decimal separator, as the report prints it.
std::string three_decimals(const std::string& csv_value, char separator) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", std::strtod(csv_value.c_str(), nullptr));
  std::string s(buf);
  std::replace(s.begin(), s.end(), '.', separator);
  return s;
}

}  // namespace

TEST_CASE("report.html: the run's figures, self-contained, in German and English",
          "[cli][report]") {
  TempDir dir;
  const auto de = dir / "de";
  const auto en = dir / "en";
  Result r = run("run -q --sensitivity -o " + de.string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  r = run("run -q --sensitivity --lang en -o " + en.string());
  REQUIRE(r.code == 0);

  const std::string html = read_all(de / "report.html");
  const std::string html_en = read_all(en / "report.html");
  // Listed in the manifest like every other output.
  const auto manifest = nlohmann::json::parse(read_all(de / "manifest.json"));
  bool listed = false;
  for (const auto& o : manifest["outputs"])
    if (o["file"] == "report.html" && o["kind"] == "report") listed = true;
  CHECK(listed);

  CHECK_THAT(html, Contains("<html lang=\"de\">"));
  CHECK_THAT(html_en, Contains("<html lang=\"en\">"));
  for (const char* heading : {"Auf einen Blick", "Das Modell", "Bezirke", "Flächen", "Investoren",
                              "Sensitivität", "Warnungen", "Herkunft"}) {
    CHECK_THAT(html, Contains(std::string(">") + heading + "</h2>"));
    CHECK_THAT(html_en, !Contains(std::string(">") + heading + "</h2>"));
  }
  for (const char* heading : {"At a glance", "The model", "Districts", "Sites", "Investors",
                              "Sensitivity", "Warnings", "Provenance"})
    CHECK_THAT(html_en, Contains(std::string(">") + heading + "</h2>"));

  // Self-contained: no file or address outside the page is referred to.
  const std::regex outside(R"re((src|href)="(?!#|data:)[^"]*")re");
  CHECK_FALSE(std::regex_search(html, outside));
  CHECK(html.find("<link") == std::string::npos);

  // The seven maps inline, and every element id unique on the page (each map's ids get its own
  // prefix, so their references do not point into another map).
  std::size_t figures = 0;
  for (auto at = html.find("<figure><svg"); at != std::string::npos;
       at = html.find("<figure><svg", at + 1))
    ++figures;
  CHECK(figures == 7);
  std::set<std::string> ids;
  const std::regex id(R"re(\sid="([^"]+)")re");
  std::size_t id_count = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), id); it != std::sregex_iterator();
       ++it, ++id_count)
    ids.insert((*it)[1].str());
  CHECK(id_count > 7);
  CHECK(ids.size() == id_count);

  // The district table of each level: every district, best mean suitability first, each with
  // its mean as in the CSV (three decimals, German decimal comma; English decimal point).
  for (const std::string level : {"districts", "stadtbezirke"}) {
    INFO(level);
    auto rows = simple_csv(read_all(de / (level + ".csv")));
    const auto header = rows.front();
    rows.erase(rows.begin());
    const std::size_t name = column(header, "name");
    const std::size_t mean = column(header, "suitability_mean");
    std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
      return std::strtod(a[mean].c_str(), nullptr) > std::strtod(b[mean].c_str(), nullptr);
    });
    const std::string districts = section(html, "districts");
    const auto table = districts.find("<h3>" + level);
    REQUIRE(table != std::string::npos);
    std::size_t at = table;
    for (const auto& row : rows) {
      INFO(row[name]);
      const auto found = districts.find("<td>" + row[name] + "</td>", at);
      REQUIRE(found != std::string::npos);  // present, and after the one ranked above it
      CHECK(districts.find("<b>" + three_decimals(row[mean], ',') + "</b>", found) <
            districts.find("</tr>", found));
      at = found;
    }
    const std::string districts_en = section(html_en, "districts");
    CHECK_THAT(districts_en, Contains("<b>" + three_decimals(rows.front()[mean], '.') + "</b>"));
  }

  // The best site with its score, and every investor of the assignment.
  auto sites = simple_csv(read_all(de / "sites.csv"));
  const std::string site_section = section(html, "sites");
  CHECK_THAT(site_section, Contains(sites[1][column(sites[0], "name")]));
  CHECK_THAT(site_section,
             Contains(three_decimals(sites[1][column(sites[0], "suitability_mean")], ',')));
  auto assignment = simple_csv(read_all(de / "assignment.csv"));
  const std::string investors = section(html, "investors");
  for (std::size_t i = 1; i + 1 < assignment.size(); ++i)  // the last row holds the totals
    CHECK_THAT(investors, Contains(assignment[i][0]));
  CHECK_THAT(investors, Contains("<td>Summe</td><td>3 platziert</td>"));
  // Rejections are summarised by the kind of requirement, in German.
  CHECK_THAT(investors, Contains("Flächen abgelehnt, meist wegen"));

  // Sensitivity: one row per site, each with its probability of the top 5 as in the CSV.
  auto sens = simple_csv(read_all(de / "sensitivity_sites.csv"));
  const std::string sensitivity = section(html, "sensitivity");
  const std::size_t p = column(sens[0], "p_top_5");
  for (std::size_t i = 1; i < sens.size(); ++i)
    CHECK_THAT(sensitivity, Contains("<td class=\"n bar\" data-v=\"" + sens[i][p] + "\""));

  // The warnings and the provenance: the scenario's fingerprint and every input.
  CHECK_THAT(section(html, "provenance"),
             Contains(manifest["scenario"]["sha256"].get<std::string>()));
  for (const auto& [name, input] : manifest["inputs"].items())
    CHECK_THAT(section(html, "provenance"), Contains(input["sha256"].get<std::string>()));
  CHECK_THAT(section(html, "warnings"), Contains("Keine Warnungen."));
}

TEST_CASE("report settings: an unknown language is a named error", "[cli][report]") {
  TempDir dir;
  Result r = run("run -q --lang fr -o " + (dir / "out").string());
  CHECK(r.code != 0);
  CHECK_THAT(r.output, Contains("--lang"));
  CHECK(file_count(dir / "out") == 0);
  std::string scenario = read_all(std::string(STANDORT_DATA_DIR) + "/bochum-strategie.toml");
  const auto at = scenario.find("language = \"de\"");
  REQUIRE(at != std::string::npos);
  scenario.replace(at, 15, "language = \"fr\"");
  write_file(dir / "s.toml", scenario);
  r = run("validate " + (dir / "s.toml").string());
  CHECK(r.code == 2);
  CHECK_THAT(r.output, Contains("language = \"fr\" is not available; use \"de\" or \"en\""));
}
