// The steps of a scenario run shared by `run` and `validate`: load and check inputs, plan the
// grid within the resource limits, compute indicators and scores, write every output.
#pragma once

#include "standort/engine/matching.hpp"

#include "standort/engine/raster.hpp"
#include "standort/engine/scenario.hpp"
#include "standort/layers/vector_reader.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

namespace standort::cli {

/// Ends a progress line left open by a step that threw, so the error message starts on its own
/// line.
void close_progress_line();

/// Step-by-step progress on stderr (unless quiet) and the timings that go into the manifest.
class Progress {
 public:
  explicit Progress(bool quiet) : m_quiet(quiet) {}
  void begin(const std::string& step);
  void end();
  void note(const std::string& text) const;
  const nlohmann::json& timings() const { return m_timings; }

 private:
  bool m_quiet;
  std::string m_step;
  std::chrono::steady_clock::time_point m_start;
  nlohmann::json m_timings = nlohmann::json::object();
};

struct LoadedInputs {
  std::map<std::string, FeatureSet> layers;
  std::map<std::string, layers::ReadReport> reports;
};

/// An indicator raster with what describes it in the output's band metadata.
struct IndicatorRaster {
  Raster<float> values;       ///< distance in m, or density
  Raster<float> nearest_fid;  ///< distance indicators only: FID of the nearest feature
  std::string nearest_description;
  float max_value = 0.0f;
  std::string description;  ///< band description
  std::string unit;
  std::map<std::string, std::string> metadata;
};

/// Per feature of `source` the value of its nearest-feature band: its FID (its position when
/// FIDs exceed 2^24); `description` receives the band description saying which.
std::vector<float> nearest_feature_values(const FeatureSet& source, std::string& description);

/// Distance from every cell to the nearest feature of `source`, with the nearest FID.
/// With `rows`, only that band of the grid is computed (see RowWindow).
IndicatorRaster distance_indicator(const CriterionSpec& c, const FeatureSet& source,
                                   const Grid& grid, int threads, Progress& progress,
                                   RowWindow rows = {});
/// Kernel density of `source` as the criterion's density settings say.
IndicatorRaster density_indicator(const CriterionSpec& c, const FeatureSet& source,
                                  const Grid& grid, int threads, Progress& progress,
                                  RowWindow rows = {});

/// Rows per band so that `bytes_per_cell` of working memory per cell stays near `budget_bytes`;
/// a multiple of 512 rows (whole GeoTIFF tiles) where the budget allows, of 16 otherwise.
std::int64_t band_rows(const Grid& grid, std::int64_t bytes_per_cell, std::int64_t budget_bytes);

/// Per-feature values of a numeric field; `key` names the setting in messages, e.g.
/// "[criteria.x] weight_field". InputError (with a "did you mean") when the field is missing,
/// naming the first feature whose value is empty or not a number otherwise.
std::vector<double> field_values(const FeatureSet& fs, const std::string& field,
                                 const std::string& key);

/// The built-in scenario file (data/bochum-strategie.toml); InputError when its demo data is
/// missing.
std::filesystem::path default_scenario();

/// Reads and validates every input of the scenario, reprojected to the working CRS.
LoadedInputs load_inputs(const Scenario& scenario, Progress& progress);

/// The analysis grid: extent from the scenario, snapped outward, checked against the limits.
/// `bytes_per_cell` overrides the whole-run estimate for steps that work in bands of rows.
Grid plan_grid(const Scenario& scenario, const LoadedInputs& inputs,
               std::int64_t bytes_per_cell = -1);

/// Checks what load_inputs cannot: geometry kinds of referenced layers, and the numeric fields
/// that density and counts read.
void check_layer_kinds(const Scenario& scenario, const LoadedInputs& inputs);

/// InputError when the output folder directly holds an input (or the investor profiles): a run
/// replaces the files in that folder, and an input there could be one of them.
void check_output_folder(const Scenario& scenario, const std::filesystem::path& folder);

/// `v` with exactly `precision` decimals ("0.861"), for printed tables and metadata.
std::string format_number(double v, int precision);

/// The investor profiles of [sites] investors, read and checked against the scenario (distance
/// layers, criteria and pillars, constraints); empty without them. Throws InputError.
std::vector<InvestorProfile> checked_investors(const Scenario& scenario);

/// Writing `writing` ("the outputs", "p.tif") into `folder` failed with `e`. Rethrows input and
/// limit errors as they are, with paths in the staging folder `stage` (if any) named by their
/// final names. Libraries report a full disk in their own words ("Seek error", "Write error"),
/// so the free space decides: below 64 MiB it is a LimitError (exit 3) with the numbers.
[[noreturn]] void rethrow_write_error(const std::exception& e, const std::filesystem::path& folder,
                                      const std::string& writing,
                                      const std::filesystem::path& stage = {});

/// Runs the whole scenario and writes outputs to `out_dir`; manifest.json last.
void run_scenario(const Scenario& scenario, const std::filesystem::path& out_dir, int threads,
                  Progress& progress, bool sensitivity = false);

}  // namespace standort::cli
