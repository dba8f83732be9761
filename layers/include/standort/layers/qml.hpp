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

struct PaletteEntry {
  int value;
  int r, g, b, alpha;
  std::string label;
};

/// A paletted (unique values) style for a categorical band, e.g. exclusion reasons; values not
/// listed are not drawn.
std::string raster_paletted_qml(int band, const std::vector<PaletteEntry>& entries);

/// Distinct colours for `n` categories (a qualitative palette, repeated beyond its length).
std::vector<PaletteEntry> category_palette(const std::vector<std::string>& labels, int first_value);

/// Transparent fill, dark outline and a label from `label_field` (may be empty: no labels).
std::string polygon_outline_qml(const std::string& label_field);
/// Polygons filled by rank (`rank_field`, 1 = best, `count` ranked): the best 5, 6-10, 11-20
/// and the rest, bright to dark like the rasters' ramp, labelled with `label_field` ("" = none).
std::string polygon_ranked_qml(const std::string& rank_field, int count,
                               const std::string& label_field);

}  // namespace standort::layers
