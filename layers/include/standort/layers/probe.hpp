// Reading single locations back from written outputs, for `standort explain`: a point moved
// between CRSs, the bands of a raster at a point, and the polygon feature containing a point.
#pragma once

#include "standort/engine/raster.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace standort::layers {

/// (x, y) from `from_crs` to `to_crs`, both in traditional GIS order (x = easting / longitude).
/// Throws InputError when a CRS is unknown or the point cannot be transformed.
std::pair<double, double> transform_point(double x, double y, const std::string& from_crs,
                                          const std::string& to_crs);

struct RasterSample {
  long long col = 0;
  long long row = 0;
  double cell_x = 0.0;  ///< centre of the cell, in the raster's CRS
  double cell_y = 0.0;
  std::vector<std::optional<double>> values;                 ///< per band; empty optional = nodata
  std::vector<std::string> descriptions;                     ///< per band
  std::vector<std::map<std::string, std::string>> metadata;  ///< per band
};

/// The cell of `path` containing (x, y) (in the raster's CRS), every band's value there.
/// Returns nullopt when the point lies outside the raster; throws std::runtime_error naming the
/// file when it cannot be read.
std::optional<RasterSample> sample_raster(const std::filesystem::path& path, double x, double y);

/// The properties (as text) of the first polygon of the vector file's first layer that covers
/// (x, y), given in `crs`; nullopt when none does.
std::optional<std::map<std::string, std::string>> polygon_at(const std::filesystem::path& path,
                                                             double x, double y,
                                                             const std::string& crs);

/// One band of a raster written by standort, whole, on its grid (CRS from the file's EPSG code);
/// nodata from the band. Throws std::runtime_error naming the file when it cannot be read.
Raster<float> read_band(const std::filesystem::path& path, int band);

}  // namespace standort::layers
