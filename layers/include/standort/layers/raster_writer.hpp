// Cloud-Optimized GeoTIFF output: Float32 bands from engine rasters, tiled, DEFLATE-compressed
// with the floating-point predictor, overviews, nodata, CRS, band descriptions and units.
#pragma once

#include "standort/engine/grid.hpp"

#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace standort::layers {

struct BandOut {
  std::span<const float> cells;  ///< row-major, grid.cols() * grid.rows()
  std::string description;
  std::string unit;
  std::map<std::string, std::string> metadata;
};

struct CogOptions {
  float nodata = -9999.0f;
  std::string overview_resampling = "AVERAGE";  ///< NEAREST for categorical bands
  int threads = 0;
  std::map<std::string, std::string> metadata;  ///< dataset-level metadata items
};

/// Writes `bands` on `grid` as a COG at `target`, atomically. Throws std::runtime_error naming the
/// file when GDAL reports an error.
void write_cog(const std::filesystem::path& target, const Grid& grid, const std::vector<BandOut>& bands,
               const CogOptions& options);

}  // namespace standort::layers
