// The scenario model: what a scenario TOML file says, checked and with paths resolved.
// Parsing (toml++) lives in scenario.cpp only; errors carry file, line and a "did you mean".
#pragma once

#include "standort/engine/density.hpp"
#include "standort/engine/geometry.hpp"
#include "standort/engine/grid.hpp"
#include "standort/engine/model.hpp"
#include "standort/engine/regions.hpp"
#include "standort/engine/sensitivity.hpp"
#include "standort/engine/value_function.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace standort {

struct InputSpec {
  std::string name;            ///< key under [inputs]
  std::filesystem::path path;  ///< resolved against the scenario's folder
  std::string layer;           ///< layer inside a multi-layer source; empty = the only one
  std::optional<GeometryKind> geometry;
  std::string id_field;
  std::string name_field;
  std::string assume_crs;  ///< CRS to use when the source declares none
  std::string x_field;     ///< CSV: column with x / longitude
  std::string y_field;     ///< CSV: column with y / latitude
  std::string encoding;    ///< Shapefile DBF encoding override, e.g. "CP1252"
  std::string where;       ///< attribute filter (OGR SQL WHERE clause)
  bool repair = false;     ///< repair invalid polygons with GEOS make-valid
  int line = 0;            ///< line of the [inputs.NAME] table in the scenario
  std::string origin;      ///< for inputs a scenario derives, e.g. "[constraints.x]": who asked
};

struct GridSpec {
  std::string crs = "EPSG:25832";
  double cell_size_m = 10.0;
  std::string extent_from;       ///< input name whose extent defines the grid
  std::optional<Extent> extent;  ///< explicit extent in the working CRS
  double buffer_m = 0.0;         ///< margin added around extent_from
  std::string mask;              ///< input name: cells outside its polygons are nodata in scores
};

enum class CriterionKind { distance, density };

struct DensitySpec {
  Kernel kernel = Kernel::quartic;
  double radius_m = 0.0;     ///< 0: from radius_field or the bandwidth rule
  std::string radius_field;  ///< per-feature radius in metres
  std::string weight_field;  ///< per-feature weight; empty = 1
  double decay = 0.0;        ///< triangular kernel only
  DensityScale scale = DensityScale::density;
  bool per_km2 = true;  ///< density scale: weights per km² instead of per m²
  BandwidthRule rule = BandwidthRule::none;
};

/// A criterion's value function as the scenario gives it.
struct ValueSpec {
  ValueFunction function = LinearValue{};
  /// fuzzy_ms_small / fuzzy_ms_large without mean and std_dev: take them from the indicator's
  /// cells inside the mask, as ArcGIS does.
  bool moments_from_data = false;
};

struct CriterionSpec {
  std::string name;  ///< key under [criteria]
  CriterionKind kind = CriterionKind::distance;
  std::string layer;  ///< input the indicator is computed from
  ValueSpec value;
  DensitySpec density;          ///< for kind = density
  bool signed_inside = false;   ///< distance to polygons: negative inside
  double max_distance_m = 0.0;  ///< > 0: cells farther away hold beyond_value
  double beyond_value = 0.0;
  std::string output;  ///< file stem of the indicator raster
  std::string description;
  int line = 0;
};

enum class ConstraintKind {
  inside,     ///< cells whose centre lies inside the layer's polygons
  within,     ///< cells whose centre lies within distance_m of the layer's features
  threshold,  ///< cells where a criterion's indicator is above or below a value
};

/// An exclusion rule: cells it hits are unsuitable whatever their score (suitability 0), and the
/// reason raster names the first rule that hit each cell.
struct ConstraintSpec {
  std::string name;  ///< key under [constraints]
  ConstraintKind kind = ConstraintKind::inside;
  std::string layer;            ///< inside / within: the input (with the rule's `where` applied)
  std::string where;            ///< the attribute condition as given, for the legend
  double distance_m = 0.0;      ///< within
  std::string criterion;        ///< threshold: whose indicator
  std::optional<double> above;  ///< threshold: exclude where indicator > above
  std::optional<double> below;  ///< threshold: exclude where indicator < below
  std::string reason;           ///< legend text
  int line = 0;
};

/// Features of a point layer counted per district, with an optional field summed.
struct CountSpec {
  std::string layer;
  std::string sum_field;
};

struct OutputSpec {
  std::filesystem::path folder;        ///< resolved against the current directory
  std::vector<std::string> districts;  ///< inputs summarised per district (district levels)
  double suitability_threshold = 0.6;  ///< district area with at least this score
  std::string population_field;        ///< numeric field of the districts: inhabitants
  std::vector<CountSpec> counts;
  /// Also write each criterion's 0–1 score as <criterion>_score.tif. Off by default: the
  /// explanation bands already carry each criterion's weighted share, `standort explain` computes
  /// a cell's scores from the indicators, and the districts table has each score's mean.
  bool criterion_scores = false;
  bool cog = true;
  bool geojson = true;
  bool gpkg = true;  ///< standort.gpkg: one layer per district level
  bool csv = true;   ///< <level>.csv per district level
  bool qml = true;
  bool maps = true;             ///< <map>.png and <map>.svg: map pictures rendered by standort
  bool report = true;           ///< report.html: the self-contained report
  std::string language = "de";  ///< of the maps and the report: "de" or "en"
};

/// Candidate sites ranked by the model: `[sites]`.
struct SiteSpec {
  std::string layer;                   ///< polygon input holding the sites
  std::vector<std::string> distances;  ///< inputs: distance from each site to its nearest feature
  std::string zoning_field;            ///< text field of the sites: zoning class (optional)
  std::filesystem::path investors;     ///< investor profiles (TOML), resolved; empty = none
};

/// The best contiguous regions of the suitability surface over cells no rule excludes:
/// `[regions]` (see regions.hpp for the procedure).
struct RegionSpec {
  RegionOptions options;
};

/// How stable the results are under perturbed weights: `[sensitivity]`, computed by
/// `standort run --sensitivity`.
struct SensitivitySpec {
  WeightPerturbation perturbation;  ///< runs, kind, concentration or percent, seed
  int top_k = 5;                    ///< sites: the probability of ranking this well or better
  int cell_runs = 0;                ///< runs for the per-cell sd raster; 0 = all runs
  std::vector<double> deltas{-0.2, -0.1, 0.1, 0.2};  ///< one-at-a-time relative weight changes
};

struct Scenario {
  std::filesystem::path file;  ///< absolute path of the scenario file ("" for a string)
  std::string name;
  std::string description;
  /// [scenario] allowed_roots, resolved: every file the scenario reads must lie below one of
  /// these folders (symbolic links resolved). Empty: any folder.
  std::vector<std::filesystem::path> allowed_roots;
  GridSpec grid;
  ResourceLimits limits;
  std::vector<InputSpec> inputs;
  std::vector<CriterionSpec> criteria;
  Model model;  ///< the criteria tree over `criteria`, weights resolved
  std::vector<ConstraintSpec> constraints;
  OutputSpec outputs;
  std::optional<SiteSpec> sites;
  std::optional<RegionSpec> regions;
  SensitivitySpec sensitivity;  ///< defaults when the scenario has no [sensitivity]

  const InputSpec* find_input(const std::string& name) const;
};

/// Reads and checks a scenario file. Throws InputError with "FILE:LINE: ..." messages.
Scenario load_scenario(const std::filesystem::path& file);

/// Parses scenario text; relative paths resolve against `base_dir`; `label` names it in messages.
Scenario parse_scenario(const std::string& text, const std::string& label,
                        const std::filesystem::path& base_dir);

/// InputError ("LABEL:LINE: ...") when a key or table header of the TOML `text` nests more than
/// `max_depth` levels. toml++ builds and frees nested tables recursively, so a dotted key of
/// ~100,000 parts overflows the stack; call this before toml::parse on any user file.
void check_toml_key_depth(const std::string& text, const std::string& label, int max_depth = 32);

/// The candidate closest to `word` by edit distance, or "" when none is reasonably close.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace standort
