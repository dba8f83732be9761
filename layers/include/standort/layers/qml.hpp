// QGIS layer styles (.qml) written beside each output so QGIS opens it styled: a colour ramp
// for continuous rasters, outlines with labels for district polygons.
#pragma once

#include <string>
#include <vector>

namespace standort::layers {

struct RampStop {
  double value;
  int r, g, b;
  std::string label;
};

/// Viridis-like stops from `min` (dark) to `max` (bright); `reverse` flips the colours.
std::vector<RampStop> ramp_stops(double min, double max, bool reverse, int precision);

/// A single-band pseudocolour style for band `band` (1-based) with interpolated `stops`.
std::string raster_pseudocolor_qml(int band, const std::vector<RampStop>& stops, int precision);

/// Transparent fill, dark outline and a label from `label_field` (may be empty: no labels).
std::string polygon_outline_qml(const std::string& label_field);

}  // namespace standort::layers
