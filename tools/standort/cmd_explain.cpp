// `standort explain X Y [OUTDIR]`: why a location scores as it does. Reads a run's outputs back
// (the manifest's criteria tree and the rasters it lists) and prints, for the cell holding the
// location, every indicator, score, weight and contribution, the pillar scores and any exclusion.
#include "commands.hpp"
#include "pipeline.hpp"

#include "standort/engine/error.hpp"
#include "standort/engine/scenario.hpp"
#include "standort/layers/probe.hpp"
#include "standort/layers/sha256.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

namespace standort::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json value_or_null(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

std::string text_or_dash(const std::optional<double>& v, int decimals) {
  return v ? format_number(*v, decimals) : std::string("nodata");
}

std::optional<double> band_value(const fs::path& file, double x, double y, int band) {
  const auto s = layers::sample_raster(file, x, y);
  if (!s || static_cast<std::size_t>(band) > s->values.size()) return std::nullopt;
  return s->values[static_cast<std::size_t>(band - 1)];
}

}  // namespace

Action register_explain(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    double x = 0.0, y = 0.0;
    std::string out_dir;
    std::string crs = "EPSG:25832";
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  app.add_option("x", opt->x, "Easting, or longitude with --crs EPSG:4326")->required();
  app.add_option("y", opt->y, "Northing, or latitude with --crs EPSG:4326")->required();
  app.add_option("outdir", opt->out_dir,
                 "Output folder of a run (default: that of the built-in scenario)");
  app.add_option("--crs", opt->crs, "CRS of X and Y")->capture_default_str();
  app.add_flag("--json", opt->json, "Print JSON instead of a table");
  return [opt, &global]() {
    (void)global;
    fs::path out = opt->out_dir;
    if (out.empty()) out = load_scenario(default_scenario()).outputs.folder;
    const fs::path manifest_file = out / "manifest.json";
    std::ifstream in(manifest_file);
    if (!in)
      throw InputError(manifest_file.string() +
                       ": no run's outputs here; run 'standort run' first or give the output "
                       "folder of a run");
    json manifest;
    try {
      manifest = json::parse(in);
    } catch (const json::exception& e) {
      throw InputError(manifest_file.string() + ": not a readable manifest (" + e.what() +
                       "); run the scenario again");
    }
    if (!manifest.contains("model") || !manifest.contains("grid"))
      throw InputError(manifest_file.string() +
                       ": written by an older standort without the criteria tree; run the "
                       "scenario again");
    // Only files this run wrote count: an earlier run may have left others in the folder.
    std::set<std::string> written;
    for (const auto& o : manifest["outputs"]) written.insert(o["file"].get<std::string>());
    auto wrote = [&](const std::string& file) { return written.count(file) > 0; };
    if (!wrote("suitability.tif"))
      throw InputError(manifest_file.string() +
                       ": this run wrote no rasters; add \"cog\" to [outputs] formats and run "
                       "the scenario again");
    const std::string grid_crs = manifest["grid"]["crs"].get<std::string>();
    const auto [gx, gy] = layers::transform_point(opt->x, opt->y, opt->crs, grid_crs);
    const auto overall = layers::sample_raster(out / "suitability.tif", gx, gy);
    if (!overall) {
      // Ten significant digits: 377000.1235 and 7.2 as they are, 1e+300 without 300 digits.
      std::ostringstream s;
      s.precision(10);
      s << "(" << opt->x << ", " << opt->y << ") in " << opt->crs;
      if (opt->crs != grid_crs) s << " (" << gx << ", " << gy << " in " << grid_crs << ")";
      const json& e = manifest["grid"]["extent"];
      if (e.is_array() && e.size() == 4)
        s << " lies outside the run's grid, which spans x " << e[0].get<double>() << " to "
          << e[2].get<double>() << " and y " << e[1].get<double>() << " to " << e[3].get<double>()
          << " in " << grid_crs;
      else
        s << " lies outside the run's grid";
      s << "; check the order (x = easting/longitude first) and --crs";
      throw InputError(s.str());
    }

    const json& nodes = manifest["model"]["nodes"];
    json result = {{"input", {{"x", opt->x}, {"y", opt->y}, {"crs", opt->crs}}},
                   {"cell",
                    {{"col", overall->col},
                     {"row", overall->row},
                     {"x", overall->cell_x},
                     {"y", overall->cell_y},
                     {"crs", grid_crs}}},
                   {"suitability", value_or_null(overall->values.front())}};
    // The district holding the point, from the first district level written.
    for (const auto& o : manifest["outputs"]) {
      const std::string file = o["file"].get<std::string>();
      if (o["kind"] != "vector" || file.size() < 8 || file.substr(file.size() - 8) != ".geojson")
        continue;
      if (const auto props = layers::polygon_at(out / file, gx, gy, grid_crs)) {
        result["district"] = {{"level", file.substr(0, file.size() - 8)},
                              {"name", props->count("name") ? props->at("name") : ""}};
      }
      break;
    }
    json criteria = json::array(), pillars = json::array();
    const bool has_explanation = wrote("explanation.tif");
    // All contribution bands at once: one band per criterion, in criterion order.
    const auto contributions =
        has_explanation ? layers::sample_raster(out / "explanation.tif", gx, gy) : std::nullopt;
    // A criterion without a score raster (the default): its score is its value function applied
    // to the indicator at the cell, exactly as the run computed it. The function is read again
    // from the run's scenario file, provided it is unchanged (same SHA-256 as in the manifest);
    // moments an MS function took from the data come from the manifest.
    std::optional<Scenario> run_scenario;
    std::string scenario_problem;
    auto scenario_of_run = [&]() -> const Scenario* {
      if (run_scenario || !scenario_problem.empty()) return run_scenario ? &*run_scenario : nullptr;
      const json& sc = manifest["scenario"];
      const std::string file = sc.value("file", std::string());
      if (file.empty()) {
        scenario_problem = "the run's scenario was not a file";
      } else if (!fs::is_regular_file(file) ||
                 layers::sha256_file(file) != sc.value("sha256", std::string())) {
        scenario_problem = file + " has changed since the run";
      } else {
        try {
          run_scenario = load_scenario(file);
        } catch (const InputError& e) {
          scenario_problem = e.what();
        }
      }
      return run_scenario ? &*run_scenario : nullptr;
    };
    auto score_from_indicator = [&](const json& node, double indicator) -> std::optional<double> {
      const Scenario* sc = scenario_of_run();
      if (!sc) return std::nullopt;
      for (const CriterionSpec& spec : sc->criteria) {
        if (spec.name != node["criterion"].get<std::string>()) continue;
        ValueFunction f = spec.value.function;
        if (node.contains("moments")) {
          const double mean = node["moments"]["mean"].get<double>();
          const double sd = node["moments"]["std_dev"].get<double>();
          if (auto* small = std::get_if<FuzzyMSSmallValue>(&f.definition)) {
            small->mean = mean;
            small->std_dev = sd;
          } else if (auto* large = std::get_if<FuzzyMSLargeValue>(&f.definition)) {
            large->mean = mean;
            large->std_dev = sd;
          }
        }
        const double v = f(indicator);
        if (std::isnan(v)) return std::nullopt;
        return static_cast<double>(static_cast<float>(v));  // the run stores Float32 scores
      }
      scenario_problem = "the run's scenario no longer has this criterion";
      return std::nullopt;
    };
    int criterion_index = 0;
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      const json& n = nodes[k];
      if (n.contains("criterion")) {
        json c = {{"criterion", n["criterion"]},
                  {"weight", n["weight"]},
                  {"global_weight", n["global_weight"]},
                  {"value_function", n["value_function"]}};
        const std::string indicator = n["indicator_file"].get<std::string>();
        if (wrote(indicator)) {
          if (const auto s = layers::sample_raster(out / indicator, gx, gy)) {
            c["indicator"] = value_or_null(s->values.front());
            c["indicator_description"] = s->descriptions.front();
            if (s->values.size() > 1) c["nearest_feature"] = value_or_null(s->values[1]);
          }
        }
        const std::string score = n.value("score_file", std::string());
        if (!score.empty() && wrote(score))
          c["score"] = value_or_null(band_value(out / score, gx, gy, 1));
        else if (c.contains("indicator") && !c["indicator"].is_null())
          c["score"] = value_or_null(score_from_indicator(n, c["indicator"].get<double>()));
        if (contributions &&
            static_cast<std::size_t>(criterion_index) < contributions->values.size())
          c["contribution"] =
              value_or_null(contributions->values[static_cast<std::size_t>(criterion_index)]);
        ++criterion_index;
        criteria.push_back(std::move(c));
      } else if (k > 0) {
        json p = {{"pillar", n["name"]},
                  {"title", n["title"]},
                  {"weight", n["weight"]},
                  {"aggregation", n["aggregation"]}};
        const std::string score = n["score_file"].get<std::string>();
        if (wrote(score)) p["score"] = value_or_null(band_value(out / score, gx, gy, 1));
        pillars.push_back(std::move(p));
      }
    }
    result["pillars"] = pillars;
    result["criteria"] = criteria;
    result["aggregation"] = nodes[0]["aggregation"];
    if (wrote("exclusions.tif")) {
      const auto s = layers::sample_raster(out / "exclusions.tif", gx, gy);
      // The reason code, or 0 where the cell is not excluded (and outside the grid's data).
      const double code = s && !s->values.empty() && s->values.front() ? *s->values.front() : 0.0;
      json ex = {{"excluded", code > 0.0}};
      if (code > 0.0) {
        for (const auto& c : manifest["model"]["constraints"])
          if (c["code"].get<double>() == code) ex["reason"] = c["reason"];
        if (s->values.size() > 1) ex["rules_applying"] = value_or_null(s->values[1]);
      }
      result["exclusion"] = ex;
    }

    if (opt->json) {
      std::cout << result.dump(2) << "\n";
      return 0;
    }
    std::ostringstream t;
    t << "location (" << format_number(opt->x, 6) << ", " << format_number(opt->y, 6) << ") "
      << opt->crs << " -> cell col " << overall->col << ", row " << overall->row << " (centre "
      << format_number(overall->cell_x, 1) << ", " << format_number(overall->cell_y, 1) << " "
      << grid_crs << ")\n";
    if (result.contains("district"))
      t << "district: " << result["district"]["name"].get<std::string>() << " ("
        << result["district"]["level"].get<std::string>() << ")\n";
    t << "suitability: " << text_or_dash(overall->values.front(), 3) << "  ("
      << result["aggregation"].get<std::string>() << ")\n";
    if (result.contains("exclusion") && result["exclusion"]["excluded"].get<bool>())
      t << "EXCLUDED: " << result["exclusion"].value("reason", std::string("?"))
        << " (the suitability is 0 whatever the scores)\n";
    for (const auto& p : pillars)
      t << "  pillar " << p["title"].get<std::string>() << ": "
        << (p.contains("score") && !p["score"].is_null()
                ? format_number(p["score"].get<double>(), 3)
                : std::string("nodata"))
        << "  weight " << format_number(p["weight"].get<double>(), 3) << "\n";
    char header[200];
    std::snprintf(header, sizeof header, "  %-24s %14s %7s %7s %7s %12s\n", "criterion",
                  "indicator", "score", "weight", "global", "contribution");
    t << header;
    for (const auto& c : criteria) {
      auto num = [&](const char* key, int decimals) {
        return c.contains(key) && !c[key].is_null() ? format_number(c[key].get<double>(), decimals)
                                                    : std::string("-");
      };
      char line[300];
      std::snprintf(line, sizeof line, "  %-24s %14s %7s %7s %7s %12s\n",
                    c["criterion"].get<std::string>().c_str(), num("indicator", 2).c_str(),
                    num("score", 3).c_str(), num("weight", 3).c_str(),
                    num("global_weight", 3).c_str(), num("contribution", 4).c_str());
      t << line;
    }
    if (!scenario_problem.empty())
      t << "  (no scores: " << scenario_problem
        << "; run it again, or set criterion_scores = true in [outputs] to keep score rasters)\n";
    if (!has_explanation)
      t << "  (no contributions: the tree aggregates with a method that does not split "
           "additively)\n";
    std::cout << t.str();
    return 0;
  };
}

}  // namespace standort::cli
