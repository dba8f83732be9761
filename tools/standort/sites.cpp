#include "sites.hpp"

#include "standort/engine/coverage.hpp"
#include "standort/engine/error.hpp"
#include "standort/layers/atomic_file.hpp"
#include "standort/layers/polygonize.hpp"

#include <boost/geometry/algorithms/area.hpp>
#include <boost/geometry/algorithms/covered_by.hpp>
#include <boost/geometry/strategies/strategies.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>

namespace standort::cli {

namespace {

namespace bg = boost::geometry;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

double round_to(double v, double unit) {
  return std::isfinite(v) ? std::round(v / unit) * unit : v;
}

/// Distance from a point to a segment.
double segment_distance(const Point& p, const Point& a, const Point& b) {
  const double dx = b.x() - a.x(), dy = b.y() - a.y();
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0.0 ? ((p.x() - a.x()) * dx + (p.y() - a.y()) * dy) / len2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  return std::hypot(p.x() - (a.x() + t * dx), p.y() - (a.y() + t * dy));
}

/// Distance from a site to the nearest point of `layer` (0 inside or on the outline) and its
/// index: the shortest distance to the outline's edges, rings and holes included.
std::pair<double, std::size_t> nearest_point(const MultiPolygon& site, const FeatureSet& layer) {
  double best = std::numeric_limits<double>::infinity();
  std::size_t best_index = 0;
  for (std::size_t j = 0; j < layer.size(); ++j) {
    const Point& p = layer.points[j];
    double d = bg::covered_by(p, site) ? 0.0 : std::numeric_limits<double>::infinity();
    for (const auto& part : site) {
      auto ring_distance = [&](const auto& ring) {
        for (std::size_t k = 0; k + 1 < ring.size(); ++k)
          d = std::min(d, segment_distance(p, ring[k], ring[k + 1]));
      };
      ring_distance(part.outer());
      for (const auto& inner : part.inners()) ring_distance(inner);
    }
    if (d < best) {
      best = d;
      best_index = j;
    }
  }
  return {best, best_index};
}

/// The district of `districts` holding the largest weight of the given cell centres ("" when
/// none holds any).
std::string district_of(const std::vector<std::pair<Point, double>>& centres,
                        const FeatureSet& districts) {
  std::vector<Box> boxes;
  for (const MultiPolygon& mp : districts.polygons) {
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (const auto& part : mp)
      for (const Point& p : part.outer()) {
        x0 = std::min(x0, p.x());
        y0 = std::min(y0, p.y());
        x1 = std::max(x1, p.x());
        y1 = std::max(y1, p.y());
      }
    boxes.emplace_back(Point(x0, y0), Point(x1, y1));
  }
  std::vector<double> weight(districts.size(), 0.0);
  for (const auto& [centre, w] : centres)
    for (std::size_t j = 0; j < districts.size(); ++j)
      if (bg::covered_by(centre, boxes[j]) && bg::covered_by(centre, districts.polygons[j])) {
        weight[j] += w;
        break;
      }
  const auto best = std::max_element(weight.begin(), weight.end());
  if (best == weight.end() || !(*best > 0.0)) return "";
  const auto j = static_cast<std::size_t>(best - weight.begin());
  return districts.names[j].empty() ? districts.ids[j] : districts.names[j];
}

/// The centres of the cells a site covers, each with its coverage fraction: a site lies in the
/// district holding the largest part of it (cells counted for the district of their centre).
std::vector<std::pair<Point, double>> covered_centres(const CoverageWindow& w, const Grid& grid) {
  std::vector<std::pair<Point, double>> out;
  for (std::int64_t row = 0; row < w.rows; ++row)
    for (std::int64_t col = 0; col < w.cols; ++col) {
      const double f = w.at(col, row);
      if (f > 0.0) out.push_back({Point(grid.x(w.col0 + col), grid.y(w.row0 + row)), f});
    }
  return out;
}

}  // namespace

void check_site_ids(const Scenario& scenario, const LoadedInputs& inputs) {
  if (!scenario.sites) return;
  const FeatureSet& s = inputs.layers.at(scenario.sites->layer);
  std::map<std::string, std::size_t> first;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto [it, fresh] = first.emplace(s.ids[i], i);
    if (!fresh)
      throw InputError(s.source + ": " + s.label(i) + " has the id '" + s.ids[i] + "' of " +
                       s.label(it->second) +
                       "; sites are matched and reported by their ids, so each needs its own (set "
                       "[inputs." +
                       scenario.sites->layer + "] id_field to a unique field)");
  }
}

SiteRun site_statistics(const Scenario& scenario, const LoadedInputs& inputs,
                        const std::vector<StatSource>& sources, const Raster<std::uint8_t>* reason,
                        const std::vector<Raster<std::uint8_t>>& rule_hits,
                        std::uint8_t code_nodata, double threshold, int threads) {
  const SiteSpec& spec = *scenario.sites;
  const FeatureSet& s = inputs.layers.at(spec.layer);
  const std::string where = "[sites] '" + spec.layer + "'";
  const Grid& grid = sources.front().values->grid();
  const std::vector<CoverageWindow> windows = coverage_windows(grid, s.polygons, threads, where);
  std::vector<StatRequest> requests;
  for (const StatSource& src : sources)
    requests.push_back({src.values, src.score ? std::optional<double>(threshold) : std::nullopt,
                        src.mean_only || src.prefix != "suitability"});
  const auto stats = weighted_stats(windows, requests, threads, where);

  SiteRun run;
  run.records.resize(s.size());
  const auto zoning = spec.zoning_field.empty() ? s.text.end() : s.text.find(spec.zoning_field);
  const std::size_t n_rules = scenario.constraints.size();
  std::vector<std::vector<double>> excluded(s.size(), std::vector<double>(n_rules, 0.0));
  for (std::size_t i = 0; i < s.size(); ++i) {
    SiteRecord& r = run.records[i];
    r.id = s.ids[i];
    r.name = s.names[i];
    r.area_ha = bg::area(s.polygons[i]) / 1e4;
    if (zoning != s.text.end()) r.zoning = zoning->second[i];
    for (const std::string& level : scenario.outputs.districts)
      r.districts[level] = district_of(covered_centres(windows[i], grid), inputs.layers.at(level));
    for (const std::string& layer : spec.distances) {
      const FeatureSet& f = inputs.layers.at(layer);
      if (f.size() == 0) continue;
      const auto [d, j] = nearest_point(s.polygons[i], f);
      r.distance_m[layer] = d;
      r.nearest[layer] = f.names[j].empty() ? f.ids[j] : f.names[j];
    }
    // Scores by the names preferences use: pillars by their name, criteria by theirs (their
    // score rasters are the "<criterion>_score" sources); indicators are not scores.
    for (std::size_t k = 0; k < sources.size(); ++k) {
      const std::string& prefix = sources[k].prefix;
      const std::string suffix = "_score";
      if (prefix == "suitability")
        r.suitability = stats[k][i].mean;
      else if (sources[k].score)
        r.scores[prefix] = stats[k][i].mean;
      else if (sources[k].mean_only && prefix.size() > suffix.size() &&
               prefix.compare(prefix.size() - suffix.size(), suffix.size(), suffix) == 0)
        r.scores[prefix.substr(0, prefix.size() - suffix.size())] = stats[k][i].mean;
    }
    // Shares of the site (by covered area with data): taken by each rule, and by any rule.
    if (reason && n_rules > 0) {
      const CoverageWindow& w = windows[i];
      double total = 0.0, any = 0.0;
      std::vector<double> by_rule(n_rules, 0.0);
      for (std::int64_t row = 0; row < w.rows; ++row)
        for (std::int64_t col = 0; col < w.cols; ++col) {
          const double f = w.at(col, row);
          if (!(f > 0.0)) continue;
          const std::int64_t gc = w.col0 + col, gr = w.row0 + row;
          const std::uint8_t code = reason->at(gc, gr);
          if (code == code_nodata) continue;
          total += f;
          if (code > 0) any += f;
          for (std::size_t k = 0; k < n_rules && k < rule_hits.size(); ++k)
            if (rule_hits[k].at(gc, gr) != 0) by_rule[k] += f;
        }
      if (total > 0.0) {
        r.excluded_any_pct = 100.0 * any / total;
        for (std::size_t k = 0; k < n_rules; ++k) {
          excluded[i][k] = 100.0 * by_rule[k] / total;
          if (excluded[i][k] > 0.0) r.excluded_pct[scenario.constraints[k].name] = excluded[i][k];
        }
      } else {
        r.excluded_any_pct = nan;  // the site has no cells with data
      }
    }
  }

  // Ranked by the mean overall score, best first; sites without data last, in input order.
  run.order.resize(s.size());
  std::iota(run.order.begin(), run.order.end(), std::size_t{0});
  std::stable_sort(run.order.begin(), run.order.end(), [&](std::size_t a, std::size_t b) {
    const double x = run.records[a].suitability, y = run.records[b].suitability;
    if (std::isnan(y)) return !std::isnan(x);
    return !std::isnan(x) && x > y;
  });

  layers::VectorTable& t = run.table;
  t.name = "sites";
  t.crs = scenario.grid.crs;
  t.kind = GeometryKind::polygon;
  const InputSpec& in = *scenario.find_input(spec.layer);
  t.fields = {{"rank", layers::FieldType::integer},
              {in.id_field.empty() ? "id" : in.id_field, layers::FieldType::string},
              {"name", layers::FieldType::string},
              {"area_ha", layers::FieldType::real}};
  if (!spec.zoning_field.empty())
    t.fields.push_back({spec.zoning_field, layers::FieldType::string});
  for (const std::string& level : scenario.outputs.districts)
    t.fields.push_back({level, layers::FieldType::string});
  // The overall score in full, every other raster by its mean.
  for (std::size_t k = 0; k < sources.size(); ++k) {
    const std::string& p = sources[k].prefix;
    t.fields.push_back({p + "_mean", layers::FieldType::real});
    if (p != "suitability") continue;
    for (const char* stat : {"min", "max", "std", "median"})
      t.fields.push_back({p + "_" + stat, layers::FieldType::real});
    t.fields.push_back({p + "_pct_at_least_threshold", layers::FieldType::real});
  }
  for (const std::string& layer : spec.distances) {
    t.fields.push_back({"distance_to_" + layer + "_m", layers::FieldType::real});
    t.fields.push_back({"nearest_" + layer, layers::FieldType::string});
  }
  if (n_rules > 0) {
    t.fields.push_back({"excluded_pct", layers::FieldType::real});
    t.fields.push_back({"excluded_by", layers::FieldType::string});
  }
  for (std::size_t rank = 0; rank < run.order.size(); ++rank) {
    const std::size_t i = run.order[rank];
    const SiteRecord& r = run.records[i];
    std::vector<layers::FieldValue> row;
    row.emplace_back(static_cast<std::int64_t>(rank + 1));
    row.emplace_back(r.id);
    row.emplace_back(r.name);
    row.emplace_back(round_to(r.area_ha, 1e-4));
    if (!spec.zoning_field.empty()) row.emplace_back(r.zoning);
    for (const std::string& level : scenario.outputs.districts)
      row.emplace_back(r.districts.at(level));
    for (std::size_t k = 0; k < sources.size(); ++k) {
      const WeightedStats& w = stats[k][i];
      const double u = sources[k].unit;
      row.emplace_back(round_to(w.mean, u));
      if (sources[k].prefix != "suitability") continue;
      row.emplace_back(round_to(w.min, u));
      row.emplace_back(round_to(w.max, u));
      row.emplace_back(round_to(w.stddev, u));
      row.emplace_back(round_to(w.median, u));
      row.emplace_back(round_to(w.share_at_or_above_pct, 1e-4));
    }
    for (const std::string& layer : spec.distances) {
      const auto d = r.distance_m.find(layer);
      row.emplace_back(d == r.distance_m.end() ? nan : round_to(d->second, 0.01));
      const auto n = r.nearest.find(layer);
      row.emplace_back(n == r.nearest.end() ? std::string() : n->second);
    }
    if (n_rules > 0) {
      std::string by;
      for (std::size_t k = 0; k < n_rules; ++k) {
        if (excluded[i][k] > 0.0) {
          char pct[32];
          std::snprintf(pct, sizeof pct, "%.1f", excluded[i][k]);
          by += (by.empty() ? "" : "; ") + scenario.constraints[k].reason + " " + pct + " %";
        }
      }
      row.emplace_back(round_to(r.excluded_any_pct, 1e-4));
      row.emplace_back(by);
    }
    t.rows.push_back(std::move(row));
    t.polygons.push_back(s.polygons[i]);
  }
  char threshold_text[32];
  std::snprintf(threshold_text, sizeof threshold_text, "%g", threshold);
  t.metadata["statistics"] =
      "coverage-weighted like the district statistics; ranked by suitability_mean; "
      "suitability_pct_at_least_threshold: share of the site with a score of at least " +
      std::string(threshold_text) +
      "; distances from the site's outline (0 inside or touching); excluded_pct: share of the "
      "site any exclusion rule takes; excluded_by: each rule's own share";
  return run;
}

layers::VectorTable region_table(const Scenario& scenario, const LoadedInputs& inputs,
                                 const std::vector<FoundRegion>& regions, const Grid& grid) {
  layers::VectorTable t;
  t.name = "regions";
  t.crs = scenario.grid.crs;
  t.kind = GeometryKind::polygon;
  t.fields = {
      {"rank", layers::FieldType::integer},         {"area_ha", layers::FieldType::real},
      {"cells", layers::FieldType::integer},        {"suitability_mean", layers::FieldType::real},
      {"suitability_min", layers::FieldType::real}, {"suitability_max", layers::FieldType::real}};
  for (const std::string& level : scenario.outputs.districts)
    t.fields.push_back({level, layers::FieldType::string});
  const std::vector<std::string> distances =
      scenario.sites ? scenario.sites->distances : std::vector<std::string>{};
  for (const std::string& layer : distances) {
    t.fields.push_back({"distance_to_" + layer + "_m", layers::FieldType::real});
    t.fields.push_back({"nearest_" + layer, layers::FieldType::string});
  }
  Raster<std::int32_t> labels = region_labels(grid, regions);
  std::vector<MultiPolygon> outlines =
      layers::polygonize_labels(labels, static_cast<std::int32_t>(regions.size()));
  for (std::size_t k = 0; k < regions.size(); ++k) {
    const FoundRegion& r = regions[k];
    std::vector<layers::FieldValue> row{static_cast<std::int64_t>(r.id),
                                        round_to(r.area_ha, 1e-4),
                                        static_cast<std::int64_t>(r.cells.size()),
                                        round_to(r.mean_score, 1e-6),
                                        round_to(r.min_score, 1e-6),
                                        round_to(r.max_score, 1e-6)};
    std::vector<std::pair<Point, double>> centres;
    for (const std::int64_t cell : r.cells)
      centres.push_back({Point(grid.x(cell % grid.cols()), grid.y(cell / grid.cols())), 1.0});
    for (const std::string& level : scenario.outputs.districts)
      row.emplace_back(district_of(centres, inputs.layers.at(level)));
    for (const std::string& layer : distances) {
      const FeatureSet& f = inputs.layers.at(layer);
      if (f.size() == 0) {
        row.emplace_back(nan);
        row.emplace_back(std::string());
        continue;
      }
      const auto [d, j] = nearest_point(outlines[k], f);
      row.emplace_back(round_to(d, 0.01));
      row.emplace_back(f.names[j].empty() ? f.ids[j] : f.names[j]);
    }
    t.rows.push_back(std::move(row));
    t.polygons.push_back(std::move(outlines[k]));
  }
  t.metadata["procedure"] =
      "grown from the best cells over cells no exclusion rule takes, after ArcGIS Pro's Locate "
      "Regions (see standort's regions.hpp); outlines follow the cell edges";
  return t;
}

layers::VectorTable sensitivity_site_table(const std::vector<SiteRecord>& sites,
                                           const std::vector<std::size_t>& sites_order,
                                           const SensitivityResult& result) {
  layers::VectorTable t;
  t.name = "sensitivity_sites";
  const std::string top = std::to_string(result.top_k);
  t.fields = {{"base_rank", layers::FieldType::integer},
              {"site_id", layers::FieldType::string},
              {"name", layers::FieldType::string},
              {"base_score", layers::FieldType::real},
              {"sites_csv_rank", layers::FieldType::integer},
              {"p_top_" + top, layers::FieldType::real},
              {"rank_p05", layers::FieldType::integer},
              {"rank_p50", layers::FieldType::integer},
              {"rank_p95", layers::FieldType::integer},
              {"score_mean", layers::FieldType::real},
              {"score_sd", layers::FieldType::real}};
  std::vector<std::size_t> order(sites.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return result.sites[a].base_rank < result.sites[b].base_rank;
  });
  std::vector<std::int64_t> csv_rank(sites.size(), 0);
  for (std::size_t r = 0; r < sites_order.size(); ++r)
    csv_rank[sites_order[r]] = static_cast<std::int64_t>(r + 1);
  for (const std::size_t i : order) {
    const SiteSensitivity& x = result.sites[i];
    t.rows.push_back({static_cast<std::int64_t>(x.base_rank), sites[i].id, sites[i].name,
                      round_to(x.base_score, 1e-6), csv_rank[i], round_to(x.p_top_k, 1e-6),
                      static_cast<std::int64_t>(x.rank_p05), static_cast<std::int64_t>(x.rank_p50),
                      static_cast<std::int64_t>(x.rank_p95), round_to(x.score_mean, 1e-6),
                      round_to(x.score_sd, 1e-6)});
  }
  t.metadata["runs"] = std::to_string(result.runs);
  t.metadata["scoring"] =
      "base_rank, the percentiles and p_top: each site scored as the criteria tree over its mean "
      "criterion scores (exclusions do not enter); sites_csv_rank: its rank in sites.csv, by the "
      "mean of its cells' overall scores (exclusions count there)";
  return t;
}

layers::VectorTable sensitivity_sweep_table(const Model& model,
                                            const std::vector<SiteRecord>& sites,
                                            const SensitivityResult& base_result,
                                            const std::vector<SweepResult>& sweep) {
  layers::VectorTable t;
  t.name = "sensitivity_sweep";
  t.fields = {{"weight_of", layers::FieldType::string}, {"among", layers::FieldType::string},
              {"base_weight", layers::FieldType::real}, {"change", layers::FieldType::real},
              {"weight", layers::FieldType::real},      {"site_id", layers::FieldType::string},
              {"name", layers::FieldType::string},      {"base_rank", layers::FieldType::integer},
              {"rank", layers::FieldType::integer},     {"moved", layers::FieldType::integer}};
  // Base ranks as the sensitivity analysis scores sites: the tree over their mean criterion
  // scores with the scenario's weights.
  std::vector<std::size_t> base(sites.size());
  for (std::size_t i = 0; i < sites.size() && i < base_result.sites.size(); ++i)
    base[i] = static_cast<std::size_t>(base_result.sites[i].base_rank);
  for (const SweepResult& s : sweep) {
    const ModelNode& n = model.nodes[static_cast<std::size_t>(s.node)];
    const ModelNode& parent = model.nodes[static_cast<std::size_t>(n.parent)];
    for (std::size_t i = 0; i < sites.size() && i < s.ranks.size(); ++i)
      t.rows.push_back({n.name, parent.name, round_to(n.weight, 1e-6), round_to(s.delta, 1e-6),
                        round_to(s.weight, 1e-6), sites[i].id, sites[i].name,
                        static_cast<std::int64_t>(base[i]), static_cast<std::int64_t>(s.ranks[i]),
                        static_cast<std::int64_t>(base[i]) - s.ranks[i]});
  }
  return t;
}

void write_site_records(const std::filesystem::path& target, const std::vector<SiteRecord>& sites) {
  nlohmann::json out = nlohmann::json::array();
  auto finite_or_null = [](double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
  };
  for (const SiteRecord& r : sites) {
    nlohmann::json scores = nlohmann::json::object(), distances = nlohmann::json::object(),
                   excluded = nlohmann::json::object();
    for (const auto& [k, v] : r.scores) scores[k] = finite_or_null(v);
    for (const auto& [k, v] : r.distance_m) distances[k] = finite_or_null(v);
    for (const auto& [k, v] : r.excluded_pct) excluded[k] = v;
    out.push_back({{"id", r.id},
                   {"name", r.name},
                   {"area_ha", r.area_ha},
                   {"zoning", r.zoning},
                   {"districts", r.districts},
                   {"distance_m", distances},
                   {"nearest", r.nearest},
                   {"excluded_pct", excluded},
                   {"excluded_any_pct", finite_or_null(r.excluded_any_pct)},
                   {"scores", scores},
                   {"suitability", finite_or_null(r.suitability)}});
  }
  layers::write_text_atomic(
      target, out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

std::vector<SiteRecord> read_site_records(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    throw InputError(file.string() +
                     ": no site records here; run a scenario with a [sites] section first");
  std::vector<SiteRecord> out;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    auto number = [](const nlohmann::json& v) { return v.is_null() ? nan : v.get<double>(); };
    for (const auto& s : j) {
      SiteRecord r;
      r.id = s.at("id").get<std::string>();
      r.name = s.at("name").get<std::string>();
      r.area_ha = s.at("area_ha").get<double>();
      r.zoning = s.at("zoning").get<std::string>();
      r.districts = s.at("districts").get<std::map<std::string, std::string>>();
      for (const auto& [k, v] : s.at("distance_m").items()) r.distance_m[k] = number(v);
      r.nearest = s.at("nearest").get<std::map<std::string, std::string>>();
      for (const auto& [k, v] : s.at("excluded_pct").items()) r.excluded_pct[k] = number(v);
      r.excluded_any_pct = number(s.value("excluded_any_pct", nlohmann::json(0.0)));
      for (const auto& [k, v] : s.at("scores").items()) r.scores[k] = number(v);
      r.suitability = number(s.at("suitability"));
      out.push_back(std::move(r));
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file.string() + ": not a readable site list (" + e.what() +
                     "); run the scenario again");
  }
  return out;
}

// The tables below have no geometry: they are written as CSV only.
MatchTables match_investors(const std::vector<InvestorProfile>& profiles,
                            const std::vector<SiteRecord>& sites,
                            const std::map<std::string, std::string>& pillar_titles) {
  MatchTables m;
  m.shortlists.name = "shortlists";
  m.shortlists.fields = {
      {"investor", layers::FieldType::string}, {"rank", layers::FieldType::integer},
      {"site_id", layers::FieldType::string},  {"site_name", layers::FieldType::string},
      {"fit", layers::FieldType::real},        {"reason", layers::FieldType::string}};
  m.rejections.name = "rejections";
  m.rejections.fields = {{"investor", layers::FieldType::string},
                         {"site_id", layers::FieldType::string},
                         {"site_name", layers::FieldType::string},
                         {"requirement_kind", layers::FieldType::string},
                         {"requirement", layers::FieldType::string}};
  for (const InvestorProfile& p : profiles) {
    MatchResult r = match_sites(p, sites, pillar_titles);
    for (std::size_t k = 0; k < r.ranked.size() && k < static_cast<std::size_t>(p.shortlist); ++k) {
      const SiteMatch& s = r.ranked[k];
      m.shortlist_sites.push_back(s.site);
      m.shortlists.rows.push_back({p.name, static_cast<std::int64_t>(k + 1), sites[s.site].id,
                                   sites[s.site].name, round_to(s.fit, 1e-6), s.reason});
    }
    for (const SiteRejection& x : r.rejected)
      m.rejections.rows.push_back(
          {p.name, sites[x.site].id, sites[x.site].name, x.kind, x.requirement});
    m.results.push_back(std::move(r));
  }
  // Competing investors: each gets a distinct site; the fits of the failed pairs are NaN.
  std::vector<std::vector<double>> fit;
  for (const MatchResult& r : m.results) fit.push_back(r.fit);
  m.optimal = optimal_assignment(fit, "joint assignment");
  m.greedy = greedy_assignment(fit, "joint assignment");
  m.assignment.name = "assignment";
  m.assignment.fields = {{"investor", layers::FieldType::string},
                         {"joint_site_id", layers::FieldType::string},
                         {"joint_site_name", layers::FieldType::string},
                         {"joint_fit", layers::FieldType::real},
                         {"greedy_site_id", layers::FieldType::string},
                         {"greedy_site_name", layers::FieldType::string},
                         {"greedy_fit", layers::FieldType::real}};
  auto cells = [&](const Assignment& a, std::size_t i, std::vector<layers::FieldValue>& row) {
    const int s = a.site_of[i];
    row.emplace_back(s < 0 ? std::string() : sites[static_cast<std::size_t>(s)].id);
    row.emplace_back(s < 0 ? std::string("(none left that fits)")
                           : sites[static_cast<std::size_t>(s)].name);
    row.emplace_back(s < 0 ? nan : round_to(fit[i][static_cast<std::size_t>(s)], 1e-6));
  };
  for (std::size_t i = 0; i < profiles.size(); ++i) {
    std::vector<layers::FieldValue> row{profiles[i].name};
    cells(m.optimal, i, row);
    cells(m.greedy, i, row);
    m.assignment.rows.push_back(std::move(row));
  }
  m.assignment.rows.push_back(
      {std::string("total (" + std::to_string(m.optimal.assigned) + " / " +
                   std::to_string(m.greedy.assigned) + " investors placed)"),
       std::string(), std::string(), round_to(m.optimal.total_fit, 1e-6), std::string(),
       std::string(), round_to(m.greedy.total_fit, 1e-6)});
  return m;
}

}  // namespace standort::cli
