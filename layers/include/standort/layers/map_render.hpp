// Map pictures rendered by standort itself, without QGIS: an SVG document (the raster embedded as
// a PNG, polygons as paths, real text for title, labels, legend and scale bar) and the same
// document rasterised to PNG with librsvg, in the colours of the QGIS styles beside the outputs.
#pragma once

#include "standort/engine/geometry.hpp"
#include "standort/engine/raster.hpp"
#include "standort/layers/qml.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace standort::layers {

/// An sRGB colour with opacity; each component 0..255.
struct Rgba {
  int r = 0, g = 0, b = 0;
  int alpha = 255;
};

/// A continuous raster coloured by interpolating between `stops` (ascending values), as the
/// .qml pseudocolour style beside the raster does. Nodata cells are transparent.
struct MapRaster {
  const Raster<float>* values = nullptr;  ///< working CRS; not owned, must outlive the call
  std::vector<RampStop> stops;
};

/// A categorical overlay, e.g. excluded cells in grey: each listed code in its palette colour;
/// code 0, unlisted codes and nodata are transparent.
struct MapCategories {
  const Raster<std::uint8_t>* codes = nullptr;  ///< working CRS; not owned
  std::vector<PaletteEntry> entries;
};

/// Polygons drawn above the rasters: outlines, an optional fill per polygon (a choropleth) and
/// an optional label per polygon.
struct MapPolygons {
  std::vector<MultiPolygon> polygons;      ///< working CRS
  std::vector<std::string> labels;         ///< empty, or one per polygon ("" = no label)
  std::vector<std::optional<Rgba>> fills;  ///< empty (outlines only), or one per polygon
  Rgba stroke{40, 40, 40, 255};
  double stroke_width_px = 1.2;
  double label_size_px = 11.0;
};

/// One swatch of the legend: a filled box (or an outline only when `fill` is empty) and its text.
struct LegendClass {
  std::optional<Rgba> fill;
  Rgba stroke{40, 40, 40, 255};
  std::string label;
};

/// The legend beside the map frame: a title with the unit in brackets, a continuous ramp bar
/// labelled at its stops (when `ramp` is not empty) and class swatches below it.
struct MapLegend {
  std::string title;  ///< e.g. "Eignung"
  std::string unit;   ///< e.g. "0..1", "m", "Betriebe/km²"; "" = none
  std::vector<RampStop> ramp;
  std::vector<LegendClass> classes;
};

struct MapSpec {
  std::string title;     ///< e.g. "Eignung gesamt"
  std::string subtitle;  ///< e.g. "Bochum Strategie 2030 · 10 m"; "" = none
  std::string credits;   ///< small print under the map, e.g. the data source; "" = none
  /// What the map frame shows, working CRS metres. The frame's height follows the extent's aspect
  /// ratio at square pixels; the extent grows or shrinks by under half a pixel in y to fit.
  Extent extent;
  std::optional<MapRaster> raster;
  std::optional<MapCategories> categories;  ///< drawn above the raster
  std::vector<MapPolygons> layers;          ///< drawn in order above the rasters
  MapLegend legend;
  int width_px = 1000;          ///< width of the map frame (the picture adds the legend)
  std::string language = "de";  ///< "de" or "en": the decimal mark of the scale bar
};

/// Where things ended up in the picture, in pixels of the SVG's viewBox (= pixels of the PNG).
struct MapLayout {
  int width_px = 0, height_px = 0;  ///< the whole picture
  int frame_x_px = 0, frame_y_px = 0;
  int frame_width_px = 0, frame_height_px = 0;
  double metres_per_px = 0.0;
  Extent frame_extent;       ///< the working CRS extent the frame shows
  double scale_bar_m = 0.0;  ///< the scale bar's length in metres and in pixels
  double scale_bar_px = 0.0;

  double x_px(double x_m) const { return frame_x_px + (x_m - frame_extent.xmin) / metres_per_px; }
  double y_px(double y_m) const { return frame_y_px + (frame_extent.ymax - y_m) / metres_per_px; }
};

struct MapImage {
  std::string svg;  ///< UTF-8 SVG document
  std::string png;  ///< PNG file bytes (8-bit RGB) of the same document
  MapLayout layout;
};

/// Renders `spec` to SVG and PNG. Byte-deterministic. `where` names the map in messages (e.g.
/// "maps/eignung"). Throws InputError on an empty extent, a frame width or height outside
/// 1..8000 px, a ramp with fewer than 2 stops or not ascending, mismatched label/fill counts, and
/// on a raster whose grid does not overlap the extent at all (a map without its data would
/// mislead; it almost always means the raster and the extent are in different CRSs).
MapImage render_map(const MapSpec& spec, const std::string& where);

/// Renders an SVG document with librsvg onto white, `width` x `height` pixels at one pixel per
/// viewBox unit, as PNG bytes (8-bit RGB): how render_map's PNG relates to its SVG.
std::string svg_to_png(const std::string& svg, int width, int height, const std::string& where);

/// Renders `spec` and writes `stem`.svg and `stem`.png, each atomically.
MapLayout write_map(const std::filesystem::path& stem, const MapSpec& spec);

/// The colour of `value` on `stops` the way QGIS's interpolated pseudocolour renderer computes it
/// (QgsColorRampShader::shade): linear between neighbouring stops, truncated to integers,
/// clamped to the end colours outside the stops.
Rgba ramp_colour(const std::vector<RampStop>& stops, double value);

/// Legend swatches for the entries of a categorical palette, in their colours.
std::vector<LegendClass> legend_classes(const std::vector<PaletteEntry>& entries);

/// A "nice" scale bar length (1, 2, 2.5 or 5 x 10^k metres) closest to `target_m` in ratio.
double nice_scale_length_m(double target_m);

/// Where a polygon's label goes: in its largest part, that part's centroid when it lies inside
/// (what QGIS's "centroid inside" placement does), else GEOS's point on surface. Empty when no part
/// has an outer ring.
std::optional<Point> label_point(const MultiPolygon& polygons);

}  // namespace standort::layers
