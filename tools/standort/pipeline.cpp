#include "pipeline.hpp"
#include "maps.hpp"
#include "report.hpp"

#include "districts.hpp"
#include "model_report.hpp"
#include "sites.hpp"

#include "standort/engine/density.hpp"
#include "standort/engine/distance.hpp"
#include "standort/engine/error.hpp"
#include "standort/engine/jobs.hpp"
#include "standort/engine/parallel.hpp"
#include "standort/engine/rasterize.hpp"
#include "standort/engine/value_function.hpp"
#include "standort/layers/atomic_file.hpp"
#include "standort/layers/gdal_env.hpp"
#include "standort/layers/qgis_project.hpp"
#include "standort/layers/qml.hpp"
#include "standort/layers/raster_writer.hpp"
#include "standort/layers/sha256.hpp"
#include "standort/layers/vector_writer.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace standort::cli {
namespace fs = std::filesystem;

namespace {

constexpr float k_nodata = -9999.0f;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

const FeatureSet& layer_of(const LoadedInputs& inputs, const std::string& name) {
  return inputs.layers.at(name);
}

float max_value(const Raster<float>& r) {
  float m = 0.0f;
  for (float v : r.cells())
    if (!r.is_nodata(v)) m = std::max(m, v);
  return m;
}

}  // namespace

std::string format_number(double v, int precision) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(precision);
  s << v;
  return s.str();
}

namespace {
bool g_progress_line_open = false;
}  // namespace

void close_progress_line() {
  if (g_progress_line_open) std::cerr << "\n";
  g_progress_line_open = false;
}

void Progress::begin(const std::string& step) {
  m_step = step;
  m_start = std::chrono::steady_clock::now();
  if (!m_quiet) {
    std::cerr << "standort: " << step << " ..." << std::flush;
    g_progress_line_open = true;
  }
}

void Progress::end() {
  const double s = seconds_since(m_start);
  m_timings[m_step] = std::round(s * 1000.0) / 1000.0;
  if (!m_quiet) {
    std::cerr << " " << format_number(s, 2) << " s\n";
    g_progress_line_open = false;
  }
}

void Progress::note(const std::string& text) const {
  if (!m_quiet) std::cerr << "standort: " << text << "\n";
}

std::vector<float> nearest_feature_values(const FeatureSet& source, std::string& description) {
  // Float32 holds integers exactly up to 2^24; beyond that the band holds positions instead.
  constexpr std::int64_t exact = std::int64_t{1} << 24;
  const bool fids_fit = std::all_of(source.fids.begin(), source.fids.end(),
                                    [](std::int64_t f) { return f >= -exact && f <= exact; });
  description = fids_fit ? "nearest " + source.name + " feature id (FID)"
                         : "nearest " + source.name +
                               " feature position (0-based; its FIDs exceed Float32's exact range)";
  std::vector<float> values(source.size());
  for (std::size_t k = 0; k < values.size(); ++k)
    values[k] = static_cast<float>(fids_fit ? source.fids[k] : static_cast<std::int64_t>(k));
  return values;
}

IndicatorRaster distance_indicator(const CriterionSpec& c, const FeatureSet& source,
                                   const Grid& grid, int threads, Progress& progress,
                                   RowWindow rows) {
  progress.begin("distance to " + c.layer);
  IndicatorRaster r;
  // The nearest feature's FID is written beside each distance (no index raster in between).
  const std::vector<float> fids = nearest_feature_values(source, r.nearest_description);
  DistanceOptions options;
  options.rows = rows;
  options.threads = threads;
  options.signed_inside = c.signed_inside;
  options.nearest_index = false;
  options.nearest_values = fids;
  options.nearest_nodata = k_nodata;
  DistanceField<float> field = distance_to_features<float>(grid, source, options);
  if (c.max_distance_m > 0.0)
    for (float& v : field.distance_m.cells())
      if (v > c.max_distance_m) v = static_cast<float>(c.beyond_value);
  r.nearest_fid = std::move(field.nearest_value);
  r.values = std::move(field.distance_m);
  r.values.set_nodata(k_nodata);
  r.description = "distance to nearest " + c.layer;
  r.unit = "m";
  r.metadata["formula"] =
      "Euclidean distance from the cell centre to the nearest feature of '" + c.layer + "'";
  r.max_value = max_value(r.values);  // the top of the style's colour ramp
  progress.end();
  return r;
}

std::vector<double> field_values(const FeatureSet& fs, const std::string& field,
                                 const std::string& key) {
  const auto it = fs.numeric.find(field);
  if (it == fs.numeric.end()) {
    std::vector<std::string> names;
    for (const auto& [name, values] : fs.numeric) names.push_back(name);
    const std::string best = closest_match(field, names);
    throw InputError(fs.source + ": " + key + " = \"" + field +
                     "\" is not a numeric field of input '" + fs.name + "'" +
                     (best.empty() ? "" : "; did you mean '" + best + "'?"));
  }
  for (std::size_t i = 0; i < it->second.size(); ++i)
    if (!std::isfinite(it->second[i]))
      throw InputError(fs.source + ": " + fs.label(i) + ": field '" + field + "' (" + key +
                       ") is empty or not a number; fill it in or remove the feature");
  return it->second;
}

IndicatorRaster density_indicator(const CriterionSpec& c, const FeatureSet& source,
                                  const Grid& grid, int threads, Progress& progress,
                                  RowWindow rows) {
  const DensitySpec& d = c.density;
  const std::vector<double> weights =
      d.weight_field.empty()
          ? std::vector<double>{}
          : field_values(source, d.weight_field, "[criteria." + c.name + "] weight_field");
  const std::vector<double> radii =
      d.radius_field.empty()
          ? std::vector<double>{}
          : field_values(source, d.radius_field, "[criteria." + c.name + "] radius_field");
  for (std::size_t i = 0; i < radii.size(); ++i)
    if (!(radii[i] > 0.0))
      throw InputError(source.source + ": " + source.label(i) + ": radius field '" +
                       d.radius_field + "' must be positive metres, got " +
                       std::to_string(radii[i]));
  DensityOptions o;
  o.kernel = d.kernel;
  o.decay = d.decay;
  o.scale = d.scale;
  o.threads = threads;
  o.rows = rows;
  std::string radius_note;
  if (d.rule != BandwidthRule::none) {
    const double h = bandwidth_m(d.rule, source.points, weights);
    o.radius_m = d.kernel == Kernel::gaussian ? 4.0 * h : h;
    radius_note = format_number(o.radius_m, 1) + " m by " +
                  (d.rule == BandwidthRule::silverman ? "Silverman's" : "Scott's") + " rule" +
                  (d.kernel == Kernel::gaussian ? " (sigma " + format_number(h, 1) + " m)" : "");
  } else if (!d.radius_field.empty()) {
    radius_note = "per feature from field '" + d.radius_field + "'";
  } else {
    o.radius_m = d.radius_m;
    radius_note = format_number(o.radius_m, 1) + " m";
  }
  progress.begin("density of " + c.layer);
  IndicatorRaster r;
  r.values = kernel_density<float>(grid, source.points, weights, radii, o);
  const bool km2 = d.scale == DensityScale::density && d.per_km2;
  if (km2)
    for (float& v : r.values.cells()) v = static_cast<float>(static_cast<double>(v) * 1e6);
  r.values.set_nodata(k_nodata);
  const std::string weight_unit = d.weight_field.empty() ? "features" : d.weight_field;
  r.unit = d.scale == DensityScale::raw           ? ""
           : d.scale == DensityScale::qgis_scaled ? ""
                                                  : weight_unit + (km2 ? " per km2" : " per m2");
  r.description = "kernel density of " + c.layer + " (" + kernel_name(d.kernel) + ", radius " +
                  radius_note + ")";
  r.metadata["kernel"] = kernel_name(d.kernel);
  r.metadata["radius"] = radius_note;
  r.metadata["weights"] =
      d.weight_field.empty() ? "1 per feature" : "field '" + d.weight_field + "'";
  r.metadata["output_values"] = d.scale == DensityScale::raw ? "raw (QGIS Raw)"
                                : d.scale == DensityScale::qgis_scaled
                                    ? "scaled (QGIS Scaled constants)"
                                    : std::string("density, ") + (km2 ? "per km2" : "per m2");
  r.metadata["formula"] =
      "sum over features of weight * K(distance / radius) at each cell centre; K = " +
      kernel_name(d.kernel) +
      (d.kernel == Kernel::triangular ? " with decay " + format_number(d.decay, 3) : "");
  r.max_value = max_value(r.values);
  progress.end();
  return r;
}

std::int64_t band_rows(const Grid& grid, std::int64_t bytes_per_cell, std::int64_t budget_bytes) {
  const std::int64_t per_row = std::max<std::int64_t>(1, grid.cols() * bytes_per_cell);
  const std::int64_t fit = std::max<std::int64_t>(16, budget_bytes / per_row);
  if (fit >= grid.rows()) return grid.rows();
  return fit >= 512 ? fit / 512 * 512 : fit / 16 * 16;
}

fs::path default_scenario() {
  const fs::path file = fs::path(STANDORT_DATA_DIR) / "bochum-strategie.toml";
  if (!fs::exists(file))
    throw InputError(file.string() +
                     ": the built-in scenario is missing; pass a scenario file to 'standort run'");
  if (!fs::exists(fs::path(STANDORT_DATA_DIR) / "demo" / "bochum_demo.gpkg"))
    throw InputError(std::string(STANDORT_DATA_DIR) +
                     "/demo/bochum_demo.gpkg: the built-in demo layers are missing; build them "
                     "with 'tools/demo' "
                     "or 'cmake --build build --target demo-data'");
  return file;
}

namespace {

/// "FILE: " of the scenario for messages, or "" for a scenario given as text.
std::string scenario_prefix(const Scenario& scenario) {
  return scenario.file.empty() ? std::string() : scenario.file.string() + ": ";
}

}  // namespace

LoadedInputs load_inputs(const Scenario& scenario, Progress& progress) {
  layers::require_projected_metric_crs(scenario.grid.crs, scenario_prefix(scenario) + "[grid] crs");
  const auto& levels = scenario.outputs.districts;
  LoadedInputs loaded;
  layers::OpenSources sources;  // inputs from one file open it once
  for (const InputSpec& spec : scenario.inputs) {
    progress.begin("read " + spec.name);
    layers::ReadReport report;
    FeatureSet fs = layers::read_layer(spec, scenario.grid.crs, report, &sources);
    // Districts that overlap or leave gaps are a planning-data error, but the statistics can
    // still be computed: a warning with the pairs and areas, not a stop.
    if (fs.kind == GeometryKind::polygon &&
        std::find(levels.begin(), levels.end(), spec.name) != levels.end())
      for (std::string& w :
           layers::district_coverage_warnings(fs, spec.path.string() + ": layer '" + report.layer +
                                                      "' (district level '" + spec.name + "')"))
        report.warnings.push_back(std::move(w));
    progress.end();
    for (const auto& w : report.warnings) progress.note("warning: " + w);
    if (report.repaired > 0)
      progress.note("repaired " + std::to_string(report.repaired) +
                    " invalid polygon(s) in input '" + spec.name + "'");
    loaded.layers.emplace(spec.name, std::move(fs));
    loaded.reports.emplace(spec.name, std::move(report));
  }
  check_layer_kinds(scenario, loaded);
  return loaded;
}

void check_output_folder(const Scenario& scenario, const fs::path& folder) {
  std::error_code ec;
  fs::path out = fs::weakly_canonical(fs::absolute(folder), ec);
  if (ec) return;  // the folder cannot be resolved: creating it will say why
  if (out.filename().empty()) out = out.parent_path();  // "out/" or "x/.." end in a separator
  auto in_folder = [&](const fs::path& file) {
    std::error_code e;
    const fs::path resolved = fs::weakly_canonical(fs::absolute(file), e);
    return !e && (resolved == out || resolved.parent_path() == out);
  };
  for (const InputSpec& spec : scenario.inputs) {
    const std::string path = spec.path.string();
    if (path.rfind("PG:", 0) == 0 || !spec.origin.empty() || !in_folder(spec.path)) continue;
    throw InputError(folder.string() + ": the output folder holds input '" + spec.name + "' (" +
                     path +
                     "); a run replaces the files in its output folder, so inputs must live "
                     "elsewhere: choose another folder with -o (or [outputs] folder in " +
                     scenario.file.filename().string() + ")");
  }
  if (scenario.sites && !scenario.sites->investors.empty() && in_folder(scenario.sites->investors))
    throw InputError(folder.string() + ": the output folder holds the investor profiles (" +
                     scenario.sites->investors.string() +
                     "); choose another output folder with -o");
}

void check_layer_kinds(const Scenario& scenario, const LoadedInputs& inputs) {
  const std::string file = scenario_prefix(scenario);
  auto require = [&](const std::string& layer, GeometryKind kind, const std::string& who) {
    const FeatureSet& fs = layer_of(inputs, layer);
    if (fs.kind != kind)
      throw InputError(file + who + " uses input '" + layer + "', which holds " +
                       kind_plural(fs.kind) + ", but needs " + kind_plural(kind));
  };
  // Numeric fields a step reads later are checked now, before anything is computed.
  auto require_numbers = [&](const std::string& layer, const std::string& field,
                             const std::string& key) {
    if (field.empty()) return;
    const FeatureSet& fs = layer_of(inputs, layer);
    if (fs.numeric.empty() && fs.text.empty())
      throw InputError(file + key + " = \"" + field + "\": input '" + layer +
                       "' has no attribute fields at all (" + fs.source +
                       "; a Shapefile without its .dbf?); add the field to the source");
    field_values(fs, field, key);
  };
  for (const auto& count : scenario.outputs.counts) {
    require(count.layer, GeometryKind::point, "[[outputs.counts]]");
    require_numbers(count.layer, count.sum_field, "[[outputs.counts]] sum_field");
  }
  for (const auto& c : scenario.criteria) {
    if (c.kind == CriterionKind::density) {
      require(c.layer, GeometryKind::point, "[criteria." + c.name + "]");
      require_numbers(c.layer, c.density.weight_field, "[criteria." + c.name + "] weight_field");
      require_numbers(c.layer, c.density.radius_field, "[criteria." + c.name + "] radius_field");
    }
    if (c.signed_inside && layer_of(inputs, c.layer).kind != GeometryKind::polygon)
      throw InputError(file + "[criteria." + c.name +
                       "] signed = true needs polygons, but input '" + c.layer + "' holds " +
                       kind_plural(layer_of(inputs, c.layer).kind));
  }
  if (!scenario.grid.mask.empty())
    require(scenario.grid.mask, GeometryKind::polygon, "[grid] mask");
  for (const auto& rule : scenario.constraints)
    if (rule.kind == ConstraintKind::inside)
      require(rule.layer, GeometryKind::polygon, "[constraints." + rule.name + "]");
  for (const std::string& level : scenario.outputs.districts)
    require(level, GeometryKind::polygon, "[outputs] districts");
  if (scenario.sites) {
    require(scenario.sites->layer, GeometryKind::polygon, "[sites]");
    for (const std::string& layer : scenario.sites->distances)
      require(layer, GeometryKind::point, "[sites] distances");
    const FeatureSet& sites = layer_of(inputs, scenario.sites->layer);
    const std::string& zoning = scenario.sites->zoning_field;
    if (!zoning.empty() && !sites.text.count(zoning)) {
      std::vector<std::string> names;
      for (const auto& [name, values] : sites.text) names.push_back(name);
      const std::string best = closest_match(zoning, names);
      throw InputError(file + "[sites] zoning_field = \"" + zoning +
                       "\" is not a text field of input '" + scenario.sites->layer + "'" +
                       (best.empty() ? "" : "; did you mean '" + best + "'?"));
    }
  }
  const std::string& pop = scenario.outputs.population_field;
  if (!pop.empty() && std::none_of(scenario.outputs.districts.begin(),
                                   scenario.outputs.districts.end(), [&](const std::string& level) {
                                     return layer_of(inputs, level).numeric.count(pop);
                                   }))
    throw InputError(file + "[outputs] population_field = \"" + pop +
                     "\" is not a numeric field of any district level; check the field name");
}

Grid plan_grid(const Scenario& scenario, const LoadedInputs& inputs, std::int64_t bytes_per_cell) {
  const std::string file = scenario_prefix(scenario);
  const double cell_m = scenario.grid.cell_size_m;
  Extent extent;
  if (scenario.grid.extent) {
    extent = *scenario.grid.extent;
  } else {
    extent = layer_of(inputs, scenario.grid.extent_from).extent().buffered(scenario.grid.buffer_m);
  }
  const std::string extent_key =
      scenario.grid.extent
          ? std::string("[grid] extent")
          : "[grid] extent_from = \"" + scenario.grid.extent_from + "\"" +
                (scenario.grid.buffer_m > 0.0
                     ? " with buffer_m = " + format_number(scenario.grid.buffer_m, 1)
                     : std::string());
  if (!(extent.width() >= cell_m && extent.height() >= cell_m)) {
    std::ostringstream s;
    s << file << extent_key << " spans " << format_number(std::max(0.0, extent.width()), 1) << " x "
      << format_number(std::max(0.0, extent.height()), 1) << " m, less than one cell of "
      << format_number(cell_m, 2) << " m in at least one direction; "
      << (scenario.grid.extent ? "give a larger extent"
                               : "set [grid] buffer_m (a layer of one point has no extent)")
      << " or a smaller cell_size_m";
    throw InputError(s.str());
  }
  // Bytes held per cell at the peak of a run: per criterion the indicator (4), the nearest FID
  // (4) and, while it is computed, the nearest index (4), the score (4) and the explanation (4);
  // per inner node of the tree its score (4), and for nodes other than weighted sums a share per
  // child (4 each); the mask (1); with exclusions the reason, count, excluded and distance
  // rasters (4 each) and a hit mask (1); per district level the coverage windows (8 per cell
  // of each district's bounding box, taken as twice the grid); the overviews of the COGs being
  // written (8); and what sites, regions and the sensitivity add (below).
  if (bytes_per_cell < 0) {
    std::int64_t inner = 0, parts = 0;
    for (const ModelNode& n : scenario.model.nodes) {
      if (n.criterion >= 0) continue;
      ++inner;
      if (n.aggregation.method != AggregationMethod::wlc)
        parts += static_cast<std::int64_t>(n.children.size());
    }
    bytes_per_cell = 20 * static_cast<std::int64_t>(scenario.criteria.size()) + 4 * inner +
                     4 * parts + 1 + (scenario.constraints.empty() ? 0 : 17) +
                     16 * static_cast<std::int64_t>(scenario.outputs.districts.size()) + 8;
    // Sites keep each rule's cells (1 each); regions need their working state (25), the
    // availability mask (1) and the label raster (4); --sensitivity the score sd (4).
    if (scenario.sites)
      bytes_per_cell += static_cast<std::int64_t>(scenario.constraints.size()) + 8;
    if (scenario.regions) bytes_per_cell += 30;
    bytes_per_cell += 4;
  }
  check_grid_budget(extent, cell_m, bytes_per_cell, scenario.limits, file + "[grid]");
  // A density kernel is held to the same cell limit as the grid: a radius whose square of
  // cells exceeds it spreads every point over more cells than a whole grid may have, and
  // radii far beyond that make the kernel's normalising constant underflow to zero.
  for (const CriterionSpec& c : scenario.criteria) {
    if (c.kind != CriterionKind::density) continue;
    const DensitySpec& d = c.density;
    const FeatureSet& source = layer_of(inputs, c.layer);
    const std::string key = "[criteria." + c.name + "]";
    double radius_m = d.radius_m;
    std::string setting = "radius_m";
    if (!d.radius_field.empty()) {
      const std::vector<double> radii = field_values(source, d.radius_field, key + " radius_field");
      radius_m = radii.empty() ? 0.0 : *std::max_element(radii.begin(), radii.end());
      setting = "the largest value of radius_field '" + d.radius_field + "'";
    } else if (d.rule != BandwidthRule::none) {
      const std::vector<double> weights =
          d.weight_field.empty() ? std::vector<double>{}
                                 : field_values(source, d.weight_field, key + " weight_field");
      const double h = bandwidth_m(d.rule, source.points, weights);
      radius_m = d.kernel == Kernel::gaussian ? 4.0 * h : h;
      setting = "the bandwidth rule's radius";
    }
    const double across = 2.0 * std::ceil(radius_m / cell_m) + 1.0;
    const double kernel_cells = across * across;
    if (!(kernel_cells <= static_cast<double>(scenario.limits.max_cells))) {
      const double fit_m = std::floor(
          (std::sqrt(static_cast<double>(scenario.limits.max_cells)) - 1.0) / 2.0 * cell_m);
      std::ostringstream s;
      s.precision(6);
      s << file << key << " density kernel: " << setting << " of " << radius_m << " m at " << cell_m
        << " m cells spans " << across << " x " << across << " cells (" << kernel_cells
        << "), over the limit of " << static_cast<double>(scenario.limits.max_cells)
        << " cells; use a radius of at most " << format_number(fit_m, 0)
        << " m (a kernel wider than the study area only flattens the density) or a larger "
           "cell_size_m";
      throw LimitError(s.str());
    }
  }
  layers::require_true_scale(scenario.grid.crs, (extent.xmin + extent.xmax) / 2.0,
                             (extent.ymin + extent.ymax) / 2.0, 0.02, file + "[grid] crs");
  return Grid::snapped(extent, cell_m, scenario.grid.crs);
}

/// How an inner node of the criteria tree combines its children, for band metadata.
std::string node_formula(const Model& model, int node) {
  const ModelNode& n = model.nodes[static_cast<std::size_t>(node)];
  std::string text = n.aggregation.describe() + " of";
  for (int c : n.children) {
    const ModelNode& child = model.nodes[static_cast<std::size_t>(c)];
    text += " " + child.name + " x " + format_number(child.weight, 4);
  }
  return text;
}

/// Pillar name -> title, for reasons like "best on Wandel".
std::map<std::string, std::string> pillar_titles(const Model& model) {
  std::map<std::string, std::string> out;
  for (int k : model.pillars()) {
    const ModelNode& n = model.nodes[static_cast<std::size_t>(k)];
    out[n.name] = n.title.empty() ? n.name : n.title;
  }
  return out;
}

/// The names an investor's preferences may weigh: every criterion and every pillar.
std::vector<std::string> score_names(const Scenario& scenario) {
  std::vector<std::string> out;
  for (const ModelNode& n : scenario.model.nodes)
    if (n.parent >= 0) out.push_back(n.name);
  return out;
}

std::vector<std::string> constraint_names(const Scenario& scenario) {
  std::vector<std::string> out;
  for (const ConstraintSpec& c : scenario.constraints) out.push_back(c.name);
  return out;
}

std::vector<InvestorProfile> checked_investors(const Scenario& scenario) {
  std::vector<InvestorProfile> investors;
  if (scenario.sites && !scenario.sites->investors.empty()) {
    investors = load_investor_profiles(scenario.sites->investors);
    for (const InvestorProfile& p : investors) {
      try {
        check_profile(p, scenario.sites->distances, score_names(scenario),
                      constraint_names(scenario));
      } catch (const InputError& e) {
        throw InputError(scenario.sites->investors.string() + ": " + e.what());
      }
    }
  }
  return investors;
}

namespace {

/// Moves the staged outputs (every file the manifest lists, then the manifest) from `stage` into
/// `folder` and removes `stage`. An interrupting signal waits until this is done.
void publish(const fs::path& stage, const fs::path& folder, const nlohmann::json& outputs) {
  std::lock_guard<std::mutex> publishing(layers::publish_mutex());
  auto move = [&](const std::string& name) {
    std::error_code ec;
    fs::rename(stage / name, folder / name, ec);
    if (ec)
      throw std::runtime_error((folder / name).string() +
                               ": cannot move the finished file into place: " + ec.message());
  };
  // The previous run's manifest must not describe files this run replaces.
  fs::remove(folder / "manifest.json");
  for (const auto& o : outputs) move(o.at("file").get<std::string>());
  move("manifest.json");
  std::error_code ec;
  fs::remove_all(stage, ec);
  layers::unregister_temporary(stage);
}

/// Creates the output folder; InputError when that is not possible.
void prepare_folder(const fs::path& folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec)
    throw InputError(folder.string() + ": cannot create the output folder (" + ec.message() +
                     "); choose a writable folder with -o");
}

}  // namespace

[[noreturn]] void rethrow_write_error(const std::exception& e, const fs::path& folder,
                                      const std::string& writing, const fs::path& stage) {
  std::string what = e.what();
  if (!stage.empty()) {
    const std::string staged = stage.string() + "/";
    for (auto at = what.find(staged); at != std::string::npos; at = what.find(staged, at))
      what.replace(at, staged.size(), folder.string() + "/");
  }
  if (dynamic_cast<const InputError*>(&e)) throw InputError(what);
  if (dynamic_cast<const LimitError*>(&e)) throw LimitError(what);
  struct statvfs fs_info {};
  const bool known = ::statvfs(folder.c_str(), &fs_info) == 0;
  const double free_mib = known ? static_cast<double>(fs_info.f_bavail) *
                                      static_cast<double>(fs_info.f_frsize) / (1024.0 * 1024.0)
                                : -1.0;
  if (what.find("No space left") != std::string::npos || (known && free_mib < 64.0))
    throw LimitError(folder.string() + ": the disk is full (" + format_number(free_mib, 1) +
                     " MiB free) while writing " + writing + " (" + what +
                     "); free some space or choose another folder with -o. What the folder held "
                     "before was left as it was");
  throw std::runtime_error(what);
}

void run_scenario(const Scenario& scenario, const fs::path& folder, int threads, Progress& progress,
                  bool sensitivity) {
  const auto run_start = std::chrono::steady_clock::now();
  std::vector<std::string> warnings;
  check_output_folder(scenario, folder);
  LoadedInputs inputs = load_inputs(scenario, progress);
  // Investor profiles are read and checked before anything is computed: a bad profile is bad
  // input like any other.
  const std::vector<InvestorProfile> investors = checked_investors(scenario);
  check_site_ids(scenario, inputs);
  for (const auto& [name, report] : inputs.reports)
    for (const auto& w : report.warnings) warnings.push_back(w);
  const Grid grid = plan_grid(scenario, inputs);
  progress.note("grid " + std::to_string(grid.cols()) + " x " + std::to_string(grid.rows()) +
                " cells of " + format_number(grid.cell_size(), 2) + " m in " + grid.crs());

  // The output folder is prepared before computing, so that each file can be written as soon as
  // the rasters it needs are final, while the run goes on computing the next ones. A run that
  // fails leaves no trace: the staging folder goes, and so do the lock file and the folder when
  // this run created them.
  std::error_code probe;
  const bool new_folder = !fs::exists(folder, probe);
  prepare_folder(folder);
  const bool had_lock = fs::exists(folder / ".standort.lock", probe);

  // One run at a time per folder: a second one gets an error naming this one.
  const layers::FolderLock lock(folder);
  layers::remove_stale_temporaries(folder);
  // Everything is written into a hidden staging folder inside the output folder and moved into
  // place together at the end (publish), so an interrupted run leaves the previous outputs as
  // they were; a killed run's staging folder is removed by the next run.
  const fs::path out_dir = layers::staging_folder(folder);
  // Registered before it exists: a signal between the two must not leave it unlisted.
  layers::register_temporary(out_dir);
  fs::create_directories(out_dir);
  try {
    // What the writing jobs read is declared before the job queue, so that the queue (which
    // waits for its running jobs) goes first when an error unwinds this block.
    struct CriterionResult {
      const CriterionSpec* spec;
      IndicatorRaster ind;
      Raster<float> score;
      ValueFunction function;  ///< as applied (MS kinds: with the indicator's moments)
    };
    std::optional<Raster<std::uint8_t>> mask;
    std::vector<CriterionResult> results;
    results.reserve(scenario.criteria.size());  // the jobs hold pointers to the results
    // An indicator raster is freed once its file is written and the statistics are taken (maps of
    // densities keep theirs): whichever of the two comes second frees it, so that what the run
    // makes afterwards (the explanation's shares, the maps) reuses its memory.
    struct Release {
      std::mutex mutex;
      bool written = false;
      bool summarised = false;
    };
    // One per criterion, made before any job runs: jobs look theirs up while this thread goes on.
    std::vector<Release> releases(scenario.criteria.size());
    for (Release& r : releases) r.written = !scenario.outputs.cog;  // no file to wait for
    auto release_indicator = [&](std::size_t k, bool Release::*done) {
      Release& r = releases[k];
      std::lock_guard guard(r.mutex);
      r.*done = true;
      if (r.written && r.summarised) results[k].ind.values = Raster<float>();
    };
    ModelScores model_scores;
    // Exclusions: the first rule that hits a cell is its reason (1-based, in scenario order), and
    // the count says how many rules hit it. An excluded cell is unsuitable: its score becomes 0.
    // Byte bands: codes 1..250 (the scenario allows at most 250 rules), 0 = not excluded.
    constexpr std::uint8_t k_code_nodata = 255;
    std::optional<Raster<std::uint8_t>> reason, reason_count;
    std::vector<Raster<std::uint8_t>> rule_hits;  // per rule, kept for the sites only
    std::vector<layers::VectorTable> district_tables;
    std::optional<layers::VectorTable> region_run;
    std::optional<SiteRun> site_run;
    std::optional<MatchTables> matches;
    std::optional<layers::VectorTable> sensitivity_sites, sensitivity_sweep;
    std::optional<Raster<float>> score_sd;
    nlohmann::json sensitivity_json;
    std::vector<layers::VectorTable> gpkg_tables;
    std::vector<PlannedMap> maps;
    // Every file (with its style) is one job, which fingerprints what it wrote; the manifest lists
    // the files in the order the jobs were added, whichever finished first.
    struct Written {
      fs::path path;
      std::string kind;
      std::string sha256;
    };
    using Job = std::function<void(std::vector<Written>&)>;
    std::deque<std::vector<Written>> written;  // per job; a deque keeps each job's slot in place

    auto record = [](std::vector<Written>& w, const fs::path& p, const std::string& kind) {
      w.push_back({p, kind, layers::sha256_file(p)});
    };
    auto score_style = [&](std::vector<Written>& w, const std::string& stem) {
      if (!scenario.outputs.qml) return;
      layers::write_text_atomic(
          out_dir / (stem + ".qml"),
          layers::raster_pseudocolor_qml(1, layers::ramp_stops(0.0, 1.0, false, 2), 2));
      record(w, out_dir / (stem + ".qml"), "style");
    };
    layers::GeoTiffOptions cog;
    cog.nodata = k_nodata;
    cog.metadata["scenario"] = scenario.name;
    cog.metadata["standort_version"] = STANDORT_VERSION;
    if (!scenario.file.empty())
      cog.metadata["scenario_sha256"] = layers::sha256_file(scenario.file);
    const Model& model = scenario.model;
    // With fewer raster files than threads, each compresses on several threads.
    std::size_t raster_files =
        scenario.criteria.size() * (scenario.outputs.criterion_scores ? 2 : 1) + 2;
    for (const ModelNode& n : model.nodes) raster_files += n.criterion < 0 ? 1 : 0;
    cog.threads = std::max<int>(1, resolve_threads(threads) / static_cast<int>(raster_files));

    // An indicator's colours (its .qml and its map): distances near is bright, densities dense is
    // bright; the legend's decimals.
    auto indicator_ramp = [](const CriterionResult& r) {
      const bool distance = r.spec->kind == CriterionKind::distance;
      const double top = distance ? std::max(1.0, std::ceil(r.ind.max_value / 100.0) * 100.0)
                                  : std::max(1e-12, double(r.ind.max_value));
      const int precision = distance ? 0 : (top >= 100.0 ? 0 : top >= 1.0 ? 2 : 6);
      return std::make_pair(layers::ramp_stops(0.0, top, distance, precision), precision);
    };
    // The inputs' fingerprints for the manifest, each file once (inputs often share one).
    std::map<fs::path, std::string> input_sha256;
    // Jobs start while the run computes on; with one thread they run at the end, in order.
    JobQueue jobs(threads);
    auto add_job = [&](Job job) {
      std::vector<Written>* slot = &written.emplace_back();
      jobs.add([job = std::move(job), slot] { job(*slot); });
    };
    jobs.add([&] {
      for (const InputSpec& spec : scenario.inputs)
        if (!input_sha256.count(spec.path))
          input_sha256[spec.path] =
              fs::is_regular_file(spec.path) ? layers::sha256_file(spec.path) : "";
    });

    if (!scenario.grid.mask.empty()) {
      progress.begin("rasterise mask");
      mask = rasterize_mask(grid, layer_of(inputs, scenario.grid.mask).polygons);
      progress.end();
    }
    for (const CriterionSpec& c : scenario.criteria) {
      CriterionResult r{
          &c,
          c.kind == CriterionKind::distance
              ? distance_indicator(c, layer_of(inputs, c.layer), grid, threads, progress)
              : density_indicator(c, layer_of(inputs, c.layer), grid, threads, progress),
          {},
          {}};
      progress.begin("score " + c.name);
      ValueFunction f = c.value.function;
      if (c.value.moments_from_data) {
        // ArcGIS's MS memberships take the mean and standard deviation of the input raster.
        const CellMoments m = cell_moments(r.ind.values, mask ? &*mask : nullptr, threads);
        if (auto* small = std::get_if<FuzzyMSSmallValue>(&f.definition)) {
          small->mean = m.mean;
          small->std_dev = m.std_dev;
        } else if (auto* large = std::get_if<FuzzyMSLargeValue>(&f.definition)) {
          large->mean = m.mean;
          large->std_dev = m.std_dev;
        }
        f.validate("[criteria." + c.name + "].value (mean and std_dev from the indicator)");
      }
      r.function = f;
      r.score = apply_value_function(r.ind.values, f, k_nodata, mask ? &*mask : nullptr, threads);
      progress.end();
      results.push_back(std::move(r));
      // Its files are written while the next criteria are computed.
      if (scenario.outputs.cog) {
        const CriterionResult* rp = &results.back();
        // The nearest-feature band is needed by this file only: the job owns it, and it is freed
        // once written.
        auto nearest = std::make_shared<Raster<float>>(std::move(results.back().ind.nearest_fid));
        add_job([&, rp, nearest, k = results.size() - 1](std::vector<Written>& w) {
          const CriterionResult& cr = *rp;
          const CriterionSpec& cs = *cr.spec;
          const fs::path file = out_dir / (cs.output + ".tif");
          layers::GeoTiffOptions o = cog;
          std::vector<layers::BandOut> bands{
              {cr.ind.values.cells(), cr.ind.description, cr.ind.unit, cr.ind.metadata}};
          if (cs.kind == CriterionKind::distance) {
            o.overview_resampling = "NEAREST";  // the id band must not be averaged
            bands.push_back({nearest->cells(),
                             cr.ind.nearest_description,
                             "",
                             {{"source", layer_of(inputs, cs.layer).source}}});
          }
          layers::write_geotiff(file, grid, bands, o);
          record(w, file, "raster");
          release_indicator(k, &Release::written);
          if (scenario.outputs.qml) {
            const auto [stops, precision] = indicator_ramp(cr);
            layers::write_text_atomic(out_dir / (cs.output + ".qml"),
                                      layers::raster_pseudocolor_qml(1, stops, precision));
            record(w, out_dir / (cs.output + ".qml"), "style");
          }
        });
        if (scenario.criteria.size() > 1 && scenario.outputs.criterion_scores)
          add_job([&, rp](std::vector<Written>& w) {
            const CriterionResult& cr = *rp;
            const CriterionSpec& cs = *cr.spec;
            const fs::path file = out_dir / (cs.name + "_score.tif");
            layers::write_geotiff(file, grid,
                                  {{cr.score.cells(),
                                    cs.name + " score (0..1)",
                                    "",
                                    {{"value_function", cr.function.describe(cr.ind.unit)}}}},
                                  cog);
            record(w, file, "raster");
            score_style(w, cs.name + "_score");
          });
      }
    }
    progress.begin("combine suitability");
    std::vector<const Raster<float>*> criterion_scores;
    for (const auto& r : results) criterion_scores.push_back(&r.score);
    // The criteria's shares of the overall score are computed by the job that writes them.
    model_scores = evaluate_model(scenario.model, criterion_scores, k_nodata, threads, false);
    Raster<float>& suitability = model_scores.node_scores.front();
    progress.end();

    if (!scenario.constraints.empty()) {
      progress.begin("exclusions");
      reason.emplace(grid, std::uint8_t{0}, k_code_nodata);
      reason_count.emplace(grid, std::uint8_t{0}, k_code_nodata);
      for (std::size_t k = 0; k < scenario.constraints.size(); ++k) {
        const ConstraintSpec& rule = scenario.constraints[k];
        Raster<std::uint8_t> hit(grid, 0);
        if (rule.kind == ConstraintKind::inside) {
          hit = rasterize_mask(grid, layer_of(inputs, rule.layer).polygons);
        } else if (rule.kind == ConstraintKind::within) {
          DistanceOptions o;
          o.threads = threads;
          o.nearest_index = false;
          const DistanceField<float> d =
              distance_to_features<float>(grid, layer_of(inputs, rule.layer), o);
          const auto dist = d.distance_m.cells();
          auto h = hit.cells();
          for (std::size_t i = 0; i < h.size(); ++i)
            h[i] = static_cast<double>(dist[i]) <= rule.distance_m;
        } else {
          const auto it = std::find_if(results.begin(), results.end(), [&](const auto& r) {
            return r.spec->name == rule.criterion;
          });
          const auto values = it->ind.values.cells();
          auto h = hit.cells();
          for (std::size_t i = 0; i < h.size(); ++i) {
            const double v = values[i];
            if (it->ind.values.is_nodata(values[i])) continue;
            h[i] = rule.above ? v > *rule.above : v < *rule.below;
          }
        }
        auto code = reason->cells();
        auto count = reason_count->cells();
        const auto h = hit.cells();
        for (std::size_t i = 0; i < h.size(); ++i) {
          if (!h[i]) continue;
          if (code[i] == 0) code[i] = static_cast<std::uint8_t>(k + 1);
          if (count[i] < 250) ++count[i];
        }
        // Each rule's own cells, for the share of a site it takes (a cell several rules hit
        // counts for each of them there).
        if (scenario.sites) rule_hits.push_back(std::move(hit));
      }
      // Outside the mask there is no score to exclude: reasons are nodata there too.
      auto code = reason->cells();
      auto count = reason_count->cells();
      auto score = suitability.cells();
      for (std::size_t i = 0; i < code.size(); ++i) {
        if (score[i] == k_nodata) {
          code[i] = count[i] = k_code_nodata;
        } else if (code[i] > 0) {
          score[i] = 0.0f;
        }
      }
      progress.end();
    }
    // The scores are final: their files are written while the districts are summarised.
    // The overall score and one raster per pillar, each saying how it was aggregated.
    for (std::size_t k = 0; k < model.nodes.size() && scenario.outputs.cog; ++k) {
      if (model.nodes[k].criterion >= 0) continue;
      add_job([&, k](std::vector<Written>& w) {
        const ModelNode& n = model.nodes[k];
        const std::string stem = k == 0 ? "suitability" : n.name + "_score";
        const fs::path file = out_dir / (stem + ".tif");
        const std::string description =
            k == 0 ? "suitability (0..1)" : n.title + " (pillar score, 0..1)";
        layers::write_geotiff(file, grid,
                              {{model_scores.node_scores[k].cells(),
                                description,
                                "",
                                {{"formula", node_formula(model, static_cast<int>(k))},
                                 {"weighting", n.report.method}}}},
                              cog);
        record(w, file, "raster");
        score_style(w, stem);
      });
    }
    if (reason && scenario.outputs.cog)
      add_job([&](std::vector<Written>& w) {
        const fs::path file = out_dir / "exclusions.tif";
        std::string legend = "0 = not excluded";
        std::vector<std::string> labels;
        for (std::size_t k = 0; k < scenario.constraints.size(); ++k) {
          const ConstraintSpec& rule = scenario.constraints[k];
          labels.push_back(rule.reason);
          legend += "; " + std::to_string(k + 1) + " = " + rule.reason + " [constraints." +
                    rule.name + "]";
        }
        layers::GeoTiffOptions o = cog;
        o.overview_resampling = "NEAREST";  // codes must not be averaged
        layers::write_geotiff(
            file, grid,
            {{{},
              "exclusion reason (first rule that excludes the cell)",
              "",
              {{"legend", legend}},
              reason->cells()},
             {{}, "number of rules that exclude the cell", "", {}, reason_count->cells()}},
            o);
        record(w, file, "raster");
        if (scenario.outputs.qml) {
          layers::write_text_atomic(
              out_dir / "exclusions.qml",
              layers::raster_paletted_qml(1, layers::category_palette(labels, 1)));
          record(w, out_dir / "exclusions.qml", "style");
        }
      });
    // Per-cell explanation: each criterion's share of the overall score, one band each. The
    // shares are computed by the job that writes them, from the final scores (an excluded cell's
    // overall score is 0, so are its shares): they take memory only while their file is written,
    // late in the run, when much of what the run computed before has been freed for them.
    if (model.explainable() && !results.empty() && scenario.outputs.cog) {
      add_job([&](std::vector<Written>& w) {
        std::vector<const Raster<float>*> scores;
        for (const CriterionResult& r : results) scores.push_back(&r.score);
        const std::vector<Raster<float>> shares =
            model_contributions(model, scores, model_scores.node_scores, k_nodata, cog.threads);
        const fs::path file = out_dir / "explanation.tif";
        std::vector<layers::BandOut> bands;
        for (std::size_t i = 0; i < results.size(); ++i) {
          const ModelNode* leaf = nullptr;
          for (const ModelNode& n : model.nodes)
            if (n.criterion == static_cast<int>(i)) leaf = &n;
          bands.push_back({shares[i].cells(),
                           results[i].spec->name + " contribution to suitability",
                           "",
                           {{"global_weight", format_number(leaf->global_weight, 6)},
                            {"meaning",
                             "the criterion's share of the overall score at the cell; "
                             "the bands sum to suitability.tif"}}});
        }
        layers::write_geotiff(file, grid, bands, cog);
        record(w, file, "raster");
        score_style(w, "explanation");
      });
    }
    // The rasters summarised per district and per site: the overall score, the pillars, each
    // indicator, each criterion's score (by its mean).
    std::vector<StatSource> sources;
    {
      sources.push_back({"suitability", &suitability, true, false, 1e-6});
      for (std::size_t k = 1; k < model.nodes.size(); ++k)
        if (model.nodes[k].criterion < 0)
          sources.push_back({model.nodes[k].name, &model_scores.node_scores[k], true, false, 1e-6});
      for (const auto& r : results)
        sources.push_back({r.spec->name, &r.ind.values, false, false,
                           r.spec->kind == CriterionKind::distance ? 0.01 : 1e-4});
      for (const auto& r : results)
        sources.push_back({r.spec->name + "_score", &r.score, false, true, 1e-6});
    }

    // District statistics, coverage-weighted, for every district level.
    if (!scenario.outputs.districts.empty()) {
      progress.begin("district statistics");
      std::optional<Raster<float>> excluded;
      if (reason) {
        excluded.emplace(grid, 0.0f, k_nodata);
        const auto code = reason->cells();
        auto e = excluded->cells();
        for (std::size_t i = 0; i < e.size(); ++i)
          e[i] = code[i] == k_code_nodata ? k_nodata : (code[i] > 0 ? 1.0f : 0.0f);
      }
      for (const std::string& level : scenario.outputs.districts)
        district_tables.push_back(
            district_statistics(scenario, inputs, level, sources, excluded ? &*excluded : nullptr,
                                scenario.outputs.suitability_threshold, threads, progress));
      progress.end();
    }
    for (const layers::VectorTable& table : district_tables) {
      const layers::VectorTable* t = &table;
      if (scenario.outputs.geojson)
        add_job([&, t](std::vector<Written>& w) {
          const fs::path file = out_dir / (t->name + ".geojson");
          layers::write_geojson_rfc7946(file, *t);
          record(w, file, "vector");
          if (scenario.outputs.qml) {
            layers::write_text_atomic(out_dir / (t->name + ".qml"),
                                      layers::polygon_outline_qml("name"));
            record(w, out_dir / (t->name + ".qml"), "style");
          }
        });
      if (scenario.outputs.csv)
        add_job([&, t](std::vector<Written>& w) {
          const fs::path file = out_dir / (t->name + ".csv");
          write_csv(file, *t);
          record(w, file, "table");
        });
    }
    // The best contiguous regions over the cells no rule excludes.
    if (scenario.regions) {
      progress.begin("find regions");
      std::optional<Raster<std::uint8_t>> available;
      if (reason) {
        available.emplace(grid, std::uint8_t{0});
        const auto code = reason->cells();
        auto a = available->cells();
        for (std::size_t i = 0; i < a.size(); ++i) a[i] = code[i] == 0 ? 1 : 0;
      }
      const std::vector<FoundRegion> found = find_regions(
          suitability, available ? &*available : nullptr, scenario.regions->options, "[regions]");
      region_run = region_table(scenario, inputs, found, grid);
      progress.end();
      progress.note("found " + std::to_string(found.size()) + " region(s)");
    }
    // Candidate sites, ranked, and the investors' shortlists.
    if (scenario.sites) {
      progress.begin("sites");
      site_run = site_statistics(scenario, inputs, sources, reason ? &*reason : nullptr, rule_hits,
                                 k_code_nodata, scenario.outputs.suitability_threshold, threads);
      if (!investors.empty())
        matches = match_investors(investors, site_run->records, pillar_titles(scenario.model));
      progress.end();
    }
    // The statistics are taken: indicators that no map shows are no longer needed once written.
    sources.clear();
    for (std::size_t k = 0; k < results.size(); ++k)
      if (!(scenario.outputs.maps && results[k].spec->kind == CriterionKind::density))
        release_indicator(k, &Release::summarised);
    if (site_run) {
      const layers::VectorTable* t = &site_run->table;
      if (scenario.outputs.geojson)
        add_job([&, t](std::vector<Written>& w) {
          const fs::path file = out_dir / "sites.geojson";
          layers::write_geojson_rfc7946(file, *t);
          record(w, file, "vector");
          if (scenario.outputs.qml) {
            layers::write_text_atomic(
                out_dir / "sites.qml",
                layers::polygon_ranked_qml("rank", static_cast<int>(t->rows.size()), "name"));
            record(w, out_dir / "sites.qml", "style");
          }
        });
      if (scenario.outputs.csv)
        add_job([&, t](std::vector<Written>& w) {
          write_csv(out_dir / "sites.csv", *t);
          record(w, out_dir / "sites.csv", "table");
        });
      add_job([&](std::vector<Written>& w) {
        write_site_records(out_dir / "sites.json", site_run->records);
        record(w, out_dir / "sites.json", "table");
      });
    }
    if (matches)
      add_job([&](std::vector<Written>& w) {
        write_csv(out_dir / "shortlists.csv", matches->shortlists);
        record(w, out_dir / "shortlists.csv", "table");
        write_csv(out_dir / "rejections.csv", matches->rejections);
        record(w, out_dir / "rejections.csv", "table");
        write_csv(out_dir / "assignment.csv", matches->assignment);
        record(w, out_dir / "assignment.csv", "table");
      });
    if (region_run) {
      if (scenario.outputs.geojson)
        add_job([&](std::vector<Written>& w) {
          layers::write_geojson_rfc7946(out_dir / "regions.geojson", *region_run);
          record(w, out_dir / "regions.geojson", "vector");
          if (scenario.outputs.qml) {
            layers::write_text_atomic(
                out_dir / "regions.qml",
                layers::polygon_ranked_qml("rank", static_cast<int>(region_run->rows.size()),
                                           "rank"));
            record(w, out_dir / "regions.qml", "style");
          }
        });
      if (scenario.outputs.csv)
        add_job([&](std::vector<Written>& w) {
          write_csv(out_dir / "regions.csv", *region_run);
          record(w, out_dir / "regions.csv", "table");
        });
    }
    // Sensitivity of the ranking and of every cell's score to the weights (run --sensitivity).
    auto shortest = [](double v) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", v);
      return std::string(buf);
    };
    if (sensitivity) {
      const SensitivitySpec& spec = scenario.sensitivity;
      progress.begin("sensitivity: weights");
      const std::vector<std::vector<double>> run_weights =
          sample_weights(scenario.model, spec.perturbation, "[sensitivity]");
      progress.end();
      if (site_run) {
        progress.begin("sensitivity: sites");
        std::vector<std::vector<double>> site_scores;
        for (const SiteRecord& r : site_run->records) {
          std::vector<double> row;
          for (const CriterionSpec& c : scenario.criteria) {
            const auto it = r.scores.find(c.name);
            row.push_back(it == r.scores.end() ? std::nan("") : it->second);
          }
          site_scores.push_back(std::move(row));
        }
        const SensitivityResult result = site_sensitivity(
            scenario.model, site_scores, spec.perturbation, spec.top_k, threads, "[sensitivity]");
        const std::vector<SweepResult> sweep =
            one_at_a_time(scenario.model, site_scores, spec.deltas, "[sensitivity] deltas");
        sensitivity_sites = sensitivity_site_table(site_run->records, site_run->order, result);
        sensitivity_sweep =
            sensitivity_sweep_table(scenario.model, site_run->records, result, sweep);
        progress.end();
      }
      progress.begin("sensitivity: cells");
      const std::size_t cell_runs =
          spec.cell_runs > 0
              ? std::min<std::size_t>(static_cast<std::size_t>(spec.cell_runs), run_weights.size())
              : run_weights.size();
      const std::vector<std::vector<double>> cell_weights(run_weights.begin(),
                                                          run_weights.begin() + cell_runs);
      std::vector<const Raster<float>*> criterion_rasters;
      for (const auto& r : results) criterion_rasters.push_back(&r.score);
      score_sd =
          score_sd_raster(scenario.model, criterion_rasters, cell_weights, k_nodata, threads);
      // An excluded cell's suitability is 0 whatever the weights.
      if (reason) {
        const auto code = reason->cells();
        auto sd = score_sd->cells();
        for (std::size_t i = 0; i < sd.size(); ++i)
          if (code[i] != k_code_nodata && code[i] > 0) sd[i] = 0.0f;
      }
      progress.end();
      sensitivity_json = {
          {"runs", spec.perturbation.runs},
          {"cell_runs", cell_runs},
          {"perturbation",
           spec.perturbation.kind == WeightPerturbation::Kind::dirichlet
               ? "dirichlet, concentration " + shortest(spec.perturbation.concentration)
               : "uniform, +/- " + shortest(spec.perturbation.percent) + " %"},
          {"seed", spec.perturbation.seed},
          {"top_k", spec.top_k},
          {"deltas", spec.deltas},
          {"cell_method", is_linear(scenario.model) ? "covariance of the global weights"
                          : is_piecewise_linear(scenario.model)
                              ? "covariance of the effective weights per order of the OWA children"
                              : "direct evaluation of every run"}};
    }
    if (sensitivity_sites && scenario.outputs.csv)
      add_job([&](std::vector<Written>& w) {
        write_csv(out_dir / "sensitivity_sites.csv", *sensitivity_sites);
        record(w, out_dir / "sensitivity_sites.csv", "table");
        write_csv(out_dir / "sensitivity_sweep.csv", *sensitivity_sweep);
        record(w, out_dir / "sensitivity_sweep.csv", "table");
      });
    if (score_sd && scenario.outputs.cog)
      add_job([&](std::vector<Written>& w) {
        const fs::path file = out_dir / "score_sd.tif";
        layers::write_geotiff(
            file, grid,
            {{score_sd->cells(),
              "standard deviation of the suitability under perturbed weights",
              "",
              {{"runs", sensitivity_json["cell_runs"].dump()},
               {"perturbation", sensitivity_json["perturbation"].get<std::string>()},
               {"seed", sensitivity_json["seed"].dump()}}}},
            cog);
        record(w, file, "raster");
        if (scenario.outputs.qml) {
          double top = 0.0;
          for (float v : score_sd->cells())
            if (v != k_nodata) top = std::max(top, static_cast<double>(v));
          layers::write_text_atomic(
              out_dir / "score_sd.qml",
              layers::raster_pseudocolor_qml(
                  1, layers::ramp_stops(0.0, std::max(top, 1e-6), false, 4), 4));
          record(w, out_dir / "score_sd.qml", "style");
        }
      });
    gpkg_tables = district_tables;
    if (site_run) gpkg_tables.push_back(site_run->table);
    if (region_run) gpkg_tables.push_back(*region_run);
    // The shortlists with each site's outline, so a shortlist is a map layer too.
    if (site_run && matches && !matches->shortlists.rows.empty()) {
      layers::VectorTable shortlists = matches->shortlists;
      shortlists.crs = site_run->table.crs;
      shortlists.kind = GeometryKind::polygon;
      // The ranked table holds site order[j] in row j.
      std::vector<std::size_t> row_of(site_run->order.size());
      for (std::size_t j = 0; j < site_run->order.size(); ++j) row_of[site_run->order[j]] = j;
      for (const std::size_t site : matches->shortlist_sites)
        shortlists.polygons.push_back(site_run->table.polygons[row_of[site]]);
      gpkg_tables.push_back(std::move(shortlists));
    }
    // The same styles as beside the GeoJSON files, as the layers' default styles in the GeoPackage.
    if (scenario.outputs.qml)
      for (layers::VectorTable& t : gpkg_tables)
        t.style_qml =
            t.name == "sites" || t.name == "regions"
                ? layers::polygon_ranked_qml("rank", static_cast<int>(t.rows.size()),
                                             t.name == "sites" ? "name" : "rank")
            : t.name == "shortlists"
                ? layers::polygon_ranked_qml("rank", static_cast<int>(t.rows.size()), "site_name")
                : layers::polygon_outline_qml("name");
    if (!gpkg_tables.empty() && scenario.outputs.gpkg)
      add_job([&](std::vector<Written>& w) {
        const fs::path file = out_dir / "standort.gpkg";
        layers::write_gpkg(file, gpkg_tables);
        record(w, file, "vector");
      });
    // Map pictures: the overall score, the pillars, the heatmaps and the district means.
    if (scenario.outputs.maps) {
      const Lang lang(scenario.outputs.language);
      MapSources ms;
      ms.scenario_name = scenario.name;
      ms.crs = grid.crs();
      ms.cell_size_m = grid.cell_size();
      ms.extent = {grid.xmin(), grid.ymin(), grid.xmax(), grid.ymax()};
      const std::vector<layers::RampStop> unit_ramp = layers::ramp_stops(0.0, 1.0, false, 2);
      ms.rasters.push_back({"map_suitability", lang.text("Overall suitability"),
                            lang.text("Suitability"), "0..1", &suitability, unit_ramp, 2});
      for (std::size_t k = 1; k < model.nodes.size(); ++k)
        if (model.nodes[k].criterion < 0)
          ms.rasters.push_back({"map_pillar_" + model.nodes[k].name,
                                model.nodes[k].title + " (" + lang.text("pillar") + ")",
                                lang.text("Suitability"), "0..1", &model_scores.node_scores[k],
                                unit_ramp, 2});
      for (const CriterionResult& r : results) {
        if (r.spec->kind != CriterionKind::density) continue;
        std::string title = r.spec->name;
        for (const ModelNode& n : model.nodes)
          if (n.criterion >= 0 &&
              scenario.criteria[static_cast<std::size_t>(n.criterion)].name == r.spec->name)
            title = n.title;
        auto [stops, precision] = indicator_ramp(r);
        ms.rasters.push_back({"map_heatmap_" + r.spec->output, title, title, r.ind.unit,
                              &r.ind.values, std::move(stops), precision});
      }
      if (reason) {
        ms.exclusions = &*reason;
        for (const ConstraintSpec& rule : scenario.constraints)
          ms.exclusion_reasons.push_back(rule.reason);
      }
      ms.districts = &district_tables;
      if (site_run) ms.sites = &site_run->table;
      maps = plan_maps(ms, lang, STANDORT_VERSION);
    }
    for (const PlannedMap& m : maps) {
      const PlannedMap* mp = &m;
      add_job([&, mp](std::vector<Written>& w) {
        layers::write_map(out_dir / mp->stem, mp->spec);
        record(w, out_dir / (mp->stem + ".svg"), "map");
        record(w, out_dir / (mp->stem + ".png"), "map");
      });
    }
    // Outputs: what is still being written, then the project, the report and the manifest.
    progress.begin("write outputs");
    jobs.wait();
    // Every raster is written: another thread hands their pages back to the system while this one
    // writes the project, the report and the manifest; otherwise the process's exit would free
    // them, alone, after everything else.
    const bool with_score_sd = score_sd.has_value();
    std::vector<Raster<float>> done;
    for (CriterionResult& r : results) {
      done.push_back(std::move(r.ind.values));
      done.push_back(std::move(r.score));
    }
    for (Raster<float>& raster : model_scores.node_scores) done.push_back(std::move(raster));
    if (score_sd) done.push_back(std::move(*score_sd));
    std::vector<Raster<std::uint8_t>> done_codes = std::move(rule_hits);
    for (auto* codes : {&mask, &reason, &reason_count})
      if (*codes) done_codes.push_back(std::move(**codes));
    std::thread releaser([done = std::move(done), done_codes = std::move(done_codes)]() mutable {
      for (Raster<float>& raster : done)
        release_pages(raster.cells().data(), raster.cells().size_bytes());
      for (Raster<std::uint8_t>& raster : done_codes)
        release_pages(raster.cells().data(), raster.cells().size_bytes());
      done.clear();
      done_codes.clear();
    });
    struct Join {
      std::thread& thread;
      ~Join() { thread.join(); }
    } join{releaser};
    // The QGIS project: every file written above, grouped, each with the style beside it.
    if (scenario.outputs.qml) {
      std::vector<layers::ProjectLayer> project;
      auto read_text = [](const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
      };
      // Only this run's files: the folder may hold others from earlier runs.
      std::set<std::string> this_run;
      for (const auto& files : written)
        for (const Written& f : files) this_run.insert(f.path.filename().string());
      auto add = [&](const std::string& group, const std::string& stem, const std::string& file,
                     const std::string& source, bool raster, bool visible) {
        if (!this_run.count(file)) return;
        const std::string style = stem + ".qml";
        std::string qml = this_run.count(style) ? read_text(out_dir / style) : std::string();
        // A layer that lives only in the GeoPackage has its style there.
        if (qml.empty() && file == "standort.gpkg")
          for (const layers::VectorTable& t : gpkg_tables)
            if (t.name == stem) qml = t.style_qml;
        project.push_back({group, stem, source, raster, visible, std::move(qml)});
      };
      const bool gpkg = this_run.count("standort.gpkg") > 0;
      auto vector_source = [&](const std::string& name) {
        return gpkg ? "./standort.gpkg|layername=" + name : "./" + name + ".geojson";
      };
      auto vector_file = [&](const std::string& name) {
        return gpkg ? std::string("standort.gpkg") : name + ".geojson";
      };
      for (std::size_t k = 0; k < scenario.outputs.districts.size(); ++k) {
        const std::string& level = scenario.outputs.districts[k];
        add("Districts", level, vector_file(level), vector_source(level), false, k == 0);
      }
      if (site_run)
        add("Sites", "sites", vector_file("sites"), vector_source("sites"), false, true);
      if (region_run)
        add("Sites", "regions", vector_file("regions"), vector_source("regions"), false, false);
      // Only in the GeoPackage: the CSV has no geometry.
      if (gpkg && matches && !matches->shortlists.rows.empty())
        add("Sites", "shortlists", "standort.gpkg", vector_source("shortlists"), false, false);
      add("Suitability", "suitability", "suitability.tif", "./suitability.tif", true, true);
      add("Suitability", "exclusions", "exclusions.tif", "./exclusions.tif", true, false);
      if (with_score_sd)
        add("Suitability", "score_sd", "score_sd.tif", "./score_sd.tif", true, false);
      for (std::size_t k = 1; k < model.nodes.size(); ++k)
        if (model.nodes[k].criterion < 0) {
          const std::string stem = model.nodes[k].name + "_score";
          add("Pillars", stem, stem + ".tif", "./" + stem + ".tif", true, false);
        }
      add("Explanation", "explanation", "explanation.tif", "./explanation.tif", true, false);
      for (const auto& r : results) {
        const std::string& stem = r.spec->output;
        add("Indicators", stem, stem + ".tif", "./" + stem + ".tif", true, false);
        if (scenario.outputs.criterion_scores)
          add("Indicators", r.spec->name + "_score", r.spec->name + "_score.tif",
              "./" + r.spec->name + "_score.tif", true, false);
      }
      if (!project.empty()) {
        layers::write_qgz(out_dir / "standort.qgz", scenario.name, grid.crs(),
                          {grid.xmin(), grid.ymin(), grid.xmax(), grid.ymax()}, project);
        written.push_back(
            {{out_dir / "standort.qgz", "project", layers::sha256_file(out_dir / "standort.qgz")}});
      }
    }
    nlohmann::json outputs = nlohmann::json::array();
    for (const auto& files : written)
      for (const Written& f : files)
        outputs.push_back(
            {{"file", f.path.filename().string()}, {"kind", f.kind}, {"sha256", f.sha256}});

    nlohmann::json manifest;
    manifest["standort_version"] = STANDORT_VERSION;
    const auto versions = layers::library_versions();
    manifest["libraries"] = {{"gdal", versions.gdal},
                             {"proj", versions.proj},
                             {"geos", versions.geos},
                             {"boost", std::to_string(BOOST_VERSION / 100000) + "." +
                                           std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                                           std::to_string(BOOST_VERSION % 100)}};
    manifest["scenario"] = {
        {"name", scenario.name},
        {"description", scenario.description},
        {"file", scenario.file.string()},
        {"sha256", scenario.file.empty() ? "" : cog.metadata.at("scenario_sha256")}};
    manifest["grid"] = {{"crs", grid.crs()},
                        {"cell_size_m", grid.cell_size()},
                        {"cols", grid.cols()},
                        {"rows", grid.rows()},
                        {"extent", {grid.xmin(), grid.ymin(), grid.xmax(), grid.ymax()}}};
    manifest["inputs"] = nlohmann::json::object();
    for (const InputSpec& spec : scenario.inputs) {
      const auto& report = inputs.reports.at(spec.name);
      manifest["inputs"][spec.name] = {{"path", spec.path.string()},
                                       {"layer", report.layer},
                                       {"driver", report.driver},
                                       {"source_crs", report.source_crs},
                                       {"features", report.features},
                                       {"repaired", report.repaired},
                                       {"warnings", report.warnings.size()},
                                       {"sha256", input_sha256.at(spec.path)}};
    }
    std::vector<ValueFunction> applied;
    for (const auto& r : results) applied.push_back(r.function);
    manifest["model"] = model_json(scenario, &applied);
    for (const ModelNode& n : scenario.model.nodes)
      if (!n.report.warning.empty()) warnings.push_back(n.report.warning);
    if (sensitivity) manifest["sensitivity"] = sensitivity_json;
    manifest["district_levels"] = scenario.outputs.districts;
    manifest["suitability_threshold"] = scenario.outputs.suitability_threshold;
    if (scenario.sites) manifest["sites"] = {{"zoning_field", scenario.sites->zoning_field}};
    manifest["warnings"] = warnings;
    manifest["warning_count"] = warnings.size();
    manifest["outputs"] = outputs;
    // The report shows what the files above hold, so it comes after them (and before the
    // manifest, which lists it); it leaves out run times, so its bytes repeat from run to run.
    if (scenario.outputs.report) {
      const fs::path file = out_dir / "report.html";
      layers::write_text_atomic(file, report_html(out_dir, manifest, scenario.outputs.language));
      manifest["outputs"].push_back(
          {{"file", "report.html"}, {"kind", "report"}, {"sha256", layers::sha256_file(file)}});
    }
    progress.end();
    manifest["timings_s"] = progress.timings();
    manifest["threads"] = resolve_threads(threads);
    manifest["total_s"] = std::round(seconds_since(run_start) * 1000.0) / 1000.0;
    layers::write_text_atomic(
        out_dir / "manifest.json",
        manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    publish(out_dir, folder, manifest["outputs"]);
  } catch (const std::exception& e) {
    // Nothing of this run was moved into place (the job queue has stopped): drop what it staged,
    // and the lock file and the folder when this run created them (the folder only if empty).
    std::error_code ec;
    fs::remove_all(out_dir, ec);
    layers::unregister_temporary(out_dir);
    // The message is made first: it looks up the free space of the folder.
    try {
      rethrow_write_error(e, folder, "the outputs", out_dir);
    } catch (...) {
      if (!had_lock) fs::remove(folder / ".standort.lock", ec);
      if (new_folder) fs::remove(folder, ec);
      throw;
    }
  }
}

}  // namespace standort::cli