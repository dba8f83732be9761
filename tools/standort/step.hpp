// What `standort proximity` and `standort heatmap` share: the source, grid and output options,
// a one-criterion scenario built from them (so they get the same checks as a scenario file), and
// writing a GeoTIFF in bands of rows when the grid is larger than the memory budget.
#pragma once

#include "commands.hpp"
#include "pipeline.hpp"

#include "standort/layers/raster_writer.hpp"

#include <functional>
#include <string>
#include <vector>

namespace standort::cli {

struct StepOptions {
  std::string source, layer, out, crs = "EPSG:25832", assume_crs, extent_from, extent_layer;
  std::string format = "cog";
  std::vector<double> extent;
  double cell_size_m = 10.0, buffer_m = 0.0, max_memory_gb = 0.0;
};

/// Registers the source, -o, grid, CRS, format and memory options on `app`.
void add_step_options(CLI::App& app, StepOptions& opt, const std::string& source_help);

/// A scenario with the source as input "points" (point geometry), the grid the options describe
/// and `criterion_toml` (a [criteria.NAME] table). Throws InputError on bad options.
Scenario step_scenario(const StepOptions& opt, const std::string& criterion_toml,
                       const std::string& label);

/// A step command's scenario words and the options that set them, for step_action: a message
/// like "[criteria.heatmap] decay must lie between -1 and 1" reads "--decay must lie ...".
using OptionWords = std::vector<std::pair<std::string, std::string>>;

/// Wraps a step command's body: its input and limit errors name the command's options instead of
/// the internal scenario's keys (the grid, CRS and source options always, `words` besides).
Action step_action(OptionWords words, std::function<int()> body);

/// `v` as a user wrote it, for messages about options: "-5", "1e+300", "nan".
std::string option_number(double v);

/// TOML string literal for `value`.
std::string toml_quote(const std::string& value);

/// The rasters of one band of rows and what describes them.
struct BandRasters {
  std::vector<Raster<float>> rasters;
  std::vector<layers::BandInfo> info;
};

/// Computes `produce(rows)` and writes the bands to opt.out. A COG whose grid of `bytes_per_cell`
/// fits the budget (1 GiB or the scenario's limit) is computed and written at once; otherwise,
/// and always for a plain GeoTIFF, bands of rows are computed while the previous one is written
/// through GeoTiffStream. `step` names the computation in the progress output.
void write_in_bands(const StepOptions& opt, const Scenario& scenario, const Grid& grid,
                    std::int64_t bytes_per_cell, layers::GeoTiffOptions options,
                    const std::string& step, Progress& progress,
                    const std::function<BandRasters(RowWindow, Progress&)>& produce);

}  // namespace standort::cli
