// District statistics of a run: coverage-weighted statistics (each cell weighted by the fraction
// of its area inside the district, as exactextract computes it) of the scores and indicators,
// and counts of point layers per district, as one attribute table per district level.
#pragma once

#include "pipeline.hpp"

#include "standort/layers/vector_writer.hpp"

#include <optional>
#include <string>
#include <vector>

namespace standort::cli {

/// A raster summarised per district under column names starting with `prefix`.
struct StatSource {
  std::string prefix;
  const Raster<float>* values = nullptr;
  bool score = false;  ///< 0..1 scores: all statistics and the area at or above the threshold
  bool mean_only = false;
  double unit = 1e-6;  ///< values are rounded to multiples of this
};

/// The attribute table of district level `level` (an input of polygons): id, name, area, then
/// per source mean / min / max / std / median (and for scores the area and share at or above
/// `threshold`), the excluded area when `excluded` is given (1 = excluded, 0 = not, nodata
/// outside the mask), and the counts the scenario asks for.
layers::VectorTable district_statistics(const Scenario& scenario, const LoadedInputs& inputs,
                                        const std::string& level,
                                        const std::vector<StatSource>& sources,
                                        const Raster<float>* excluded, double threshold,
                                        int threads, Progress& progress);

/// Writes `table` as CSV (UTF-8, RFC 4180 quoting, no geometry), atomically.
void write_csv(const std::filesystem::path& target, const layers::VectorTable& table);

}  // namespace standort::cli
