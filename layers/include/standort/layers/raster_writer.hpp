// GeoTIFF output of Float32 bands from engine rasters: by default a Cloud-Optimized GeoTIFF (tiled,
// DEFLATE with the floating-point predictor, overviews down to ~256 cells), or a plain uncompressed
// GeoTIFF when speed matters more than size; always with nodata, CRS, band descriptions and units.
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

struct GeoTiffOptions {
  bool cog = true;  ///< false: plain striped GeoTIFF, uncompressed, no overviews
  float nodata = -9999.0f;
  std::string overview_resampling = "AVERAGE";  ///< NEAREST for categorical bands
  int threads = 0;
  int deflate_level =
      1;  ///< 1 (fast) .. 9 (small); level 6 makes files ~15 % smaller and 2x slower
  std::map<std::string, std::string> metadata;  ///< dataset-level metadata items
};

/// Writes `bands` on `grid` as a GeoTIFF at `target`, atomically. Throws std::runtime_error naming
/// the file when GDAL reports an error.
void write_geotiff(const std::filesystem::path& target, const Grid& grid,
                   const std::vector<BandOut>& bands, const GeoTiffOptions& options);

}  // namespace standort::layers
