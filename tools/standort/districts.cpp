#include "districts.hpp"

#include "standort/engine/coverage.hpp"
#include "standort/engine/error.hpp"
#include "standort/engine/zonal.hpp"
#include "standort/layers/atomic_file.hpp"

#include <boost/geometry/algorithms/area.hpp>
#include <boost/geometry/strategies/strategies.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace standort::cli {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

double round_to(double v, double unit) {
  return std::isfinite(v) ? std::round(v / unit) * unit : v;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string q = "\"";
  for (char c : text) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

layers::VectorTable district_statistics(const Scenario& scenario, const LoadedInputs& inputs,
                                        const std::string& level,
                                        const std::vector<StatSource>& sources,
                                        const Raster<float>* excluded, double threshold,
                                        int threads, Progress& progress) {
  const FeatureSet& d = inputs.layers.at(level);
  layers::VectorTable t;
  t.name = level;
  t.crs = scenario.grid.crs;
  t.kind = GeometryKind::polygon;
  t.polygons = d.polygons;
  // The district id keeps the source's field name, and its type where it is numeric.
  const InputSpec& spec = *scenario.find_input(level);
  const std::string id_name = spec.id_field.empty() ? "id" : spec.id_field;
  const auto numeric_id = d.numeric.find(spec.id_field);
  const bool integer_id =
      numeric_id != d.numeric.end() &&
      std::all_of(numeric_id->second.begin(), numeric_id->second.end(), [](double v) {
        return std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9e15;
      });
  t.fields = {{id_name, integer_id ? layers::FieldType::integer : layers::FieldType::string},
              {"name", layers::FieldType::string},
              {"area_km2", layers::FieldType::real},
              {"data_area_km2", layers::FieldType::real},
              {"cells", layers::FieldType::integer}};
  const std::string where = "district statistics of '" + level + "'";
  // Each district's coverage is computed once and used for every raster.
  const Grid& grid = sources.empty() ? excluded->grid() : sources.front().values->grid();
  const std::vector<CoverageWindow> windows = coverage_windows(grid, d.polygons, threads, where);
  // Every raster over every district in one parallel pass; the exclusion share needs the mean only.
  std::vector<StatRequest> requests;
  for (const StatSource& s : sources)
    requests.push_back(
        {s.values, s.score ? std::optional<double>(threshold) : std::nullopt, s.mean_only});
  if (excluded) requests.push_back({excluded, std::nullopt, true});
  std::vector<std::vector<WeightedStats>> stats = weighted_stats(windows, requests, threads, where);
  std::vector<WeightedStats> excluded_stats;
  if (excluded) {
    excluded_stats = std::move(stats.back());
    stats.pop_back();
  }
  // Column suffix: the threshold in percent, e.g. 60 for 0.6 and 12_5 for 0.125.
  char pct_text[32];
  std::snprintf(pct_text, sizeof pct_text, "%g", threshold * 100.0);
  std::string pct = pct_text;
  std::replace(pct.begin(), pct.end(), '.', '_');
  char threshold_text[32];
  std::snprintf(threshold_text, sizeof threshold_text, "%g", threshold);
  for (const StatSource& s : sources) {
    auto add = [&](const std::string& stat) {
      t.fields.push_back({s.prefix + "_" + stat, layers::FieldType::real});
    };
    add("mean");
    if (s.mean_only) continue;
    for (const char* stat : {"min", "max", "std", "median"}) add(stat);
    if (s.score) {
      add("ha_at_least_" + pct);
      add("pct_at_least_" + pct);
    }
  }
  if (excluded) {
    t.fields.push_back({"excluded_ha", layers::FieldType::real});
    t.fields.push_back({"excluded_pct", layers::FieldType::real});
  }
  std::vector<double> area_km2(d.size());
  for (std::size_t i = 0; i < d.size(); ++i)
    area_km2[i] = boost::geometry::area(d.polygons[i]) / 1e6;
  for (std::size_t i = 0; i < d.size(); ++i) {
    std::vector<layers::FieldValue> row;
    if (integer_id)
      row.emplace_back(static_cast<std::int64_t>(numeric_id->second[i]));
    else
      row.emplace_back(d.ids[i]);
    row.emplace_back(d.names[i]);
    row.emplace_back(round_to(area_km2[i], 1e-6));
    row.emplace_back(stats.empty() ? 0.0 : round_to(stats.front()[i].data_area_m2 / 1e6, 1e-6));
    row.emplace_back(stats.empty() ? std::int64_t{0} : stats.front()[i].cells);
    for (std::size_t k = 0; k < sources.size(); ++k) {
      const WeightedStats& w = stats[k][i];
      const double u = sources[k].unit;
      row.emplace_back(round_to(w.mean, u));
      if (sources[k].mean_only) continue;
      row.emplace_back(round_to(w.min, u));
      row.emplace_back(round_to(w.max, u));
      row.emplace_back(round_to(w.stddev, u));
      row.emplace_back(round_to(w.median, u));
      if (sources[k].score) {
        row.emplace_back(round_to(w.area_at_or_above_ha, 1e-4));
        row.emplace_back(round_to(w.share_at_or_above_pct, 1e-4));
      }
    }
    if (excluded) {
      const WeightedStats& e = excluded_stats[i];
      const double ha = std::isfinite(e.mean) ? e.mean * e.data_area_m2 / 1e4 : 0.0;
      row.emplace_back(round_to(ha, 1e-4));
      row.emplace_back(e.data_area_m2 > 0.0 ? round_to(100.0 * ha * 1e4 / e.data_area_m2, 1e-4)
                                            : nan);
    }
    t.rows.push_back(std::move(row));
  }

  // Counts and sums of point layers per district: exact point-in-polygon (boundary included; a
  // point on a shared boundary counts for the first district).
  std::vector<double> population;
  const std::string& pop_field = scenario.outputs.population_field;
  if (!pop_field.empty() && d.numeric.count(pop_field)) population = d.numeric.at(pop_field);
  for (const CountSpec& count : scenario.outputs.counts) {
    const FeatureSet& pts = inputs.layers.at(count.layer);
    const std::vector<std::int32_t> owner = assign_points(pts.points, d.polygons);
    const std::vector<double> values =
        count.sum_field.empty()
            ? std::vector<double>{}
            : field_values(pts, count.sum_field, "[[outputs.counts]] sum_field");
    std::vector<std::int64_t> n(d.size(), 0);
    std::vector<double> sum(d.size(), 0.0);
    for (std::size_t k = 0; k < owner.size(); ++k) {
      if (owner[k] < 0) continue;
      ++n[static_cast<std::size_t>(owner[k])];
      if (!values.empty()) sum[static_cast<std::size_t>(owner[k])] += values[k];
    }
    const std::string base = count.layer;
    std::vector<std::string> names{base + "_count", base + "_per_km2"};
    if (!population.empty()) names.push_back(base + "_per_1000_inhabitants");
    if (!values.empty()) {
      names.push_back(base + "_" + count.sum_field + "_sum");
      names.push_back(base + "_" + count.sum_field + "_per_km2");
      if (!population.empty())
        names.push_back(base + "_" + count.sum_field + "_per_1000_inhabitants");
    }
    for (std::size_t j = 0; j < names.size(); ++j)
      t.fields.push_back({names[j], j == 0 ? layers::FieldType::integer : layers::FieldType::real});
    for (std::size_t i = 0; i < d.size(); ++i) {
      const double km2 = area_km2[i];
      const double per_1000 =
          !population.empty() && population[i] > 0.0 ? 1000.0 / population[i] : nan;
      auto& row = t.rows[i];
      row.emplace_back(n[i]);
      row.emplace_back(round_to(static_cast<double>(n[i]) / km2, 1e-4));
      if (!population.empty())
        row.emplace_back(round_to(static_cast<double>(n[i]) * per_1000, 1e-4));
      if (!values.empty()) {
        row.emplace_back(round_to(sum[i], 1e-6));
        row.emplace_back(round_to(sum[i] / km2, 1e-4));
        if (!population.empty()) row.emplace_back(round_to(sum[i] * per_1000, 1e-4));
      }
    }
    std::int64_t outside = 0;
    for (auto o : owner) outside += o < 0;
    if (outside > 0)
      progress.note(std::to_string(outside) + " of " + std::to_string(owner.size()) +
                    " features of '" + count.layer + "' lie in no district of '" + level +
                    "' and are not counted there");
  }
  t.metadata["statistics"] =
      "coverage-weighted: each cell counts with the fraction of its area inside the district "
      "(exactextract's method); min and max over cells that touch the district; std is the "
      "population standard deviation; median is exactextract's weighted quantile; *_at_least_" +
      pct + ": area and share of the district with a score of at least " + threshold_text;
  return t;
}

void write_csv(const std::filesystem::path& target, const layers::VectorTable& table) {
  std::ostringstream out;
  for (std::size_t j = 0; j < table.fields.size(); ++j)
    out << (j ? "," : "") << csv_field(table.fields[j].first);
  out << "\r\n";
  for (const auto& row : table.rows) {
    for (std::size_t j = 0; j < row.size(); ++j) {
      if (j) out << ",";
      if (const auto* i = std::get_if<std::int64_t>(&row[j])) {
        out << *i;
      } else if (const auto* v = std::get_if<double>(&row[j])) {
        if (std::isfinite(*v)) {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.10g", *v);
          out << buf;
        }
      } else if (const auto* s = std::get_if<std::string>(&row[j])) {
        out << csv_field(*s);
      }
    }
    out << "\r\n";
  }
  layers::write_text_atomic(target, out.str());
}

}  // namespace standort::cli
