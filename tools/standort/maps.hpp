// The run's map pictures: which maps a run draws (the overall suitability, each pillar, each
// heatmap, the district means of each level) and what each shows, in the report's language.
// Rendering is layers/map_render's; this file only composes.
#pragma once

#include "language.hpp"

#include "standort/engine/raster.hpp"
#include "standort/engine/scenario.hpp"
#include "standort/layers/map_render.hpp"
#include "standort/layers/vector_writer.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace standort::cli {

/// A raster to draw on its own map, with the colour ramp of its .qml style.
struct MapLayerSource {
  std::string stem;  ///< output file stem: map_suitability, map_pillar_<node>, map_heatmap_<output>
  std::string title;  ///< map title
  std::string legend_title;
  std::string unit;
  const Raster<float>* values = nullptr;
  std::vector<layers::RampStop> stops;
  int precision = 2;  ///< decimals of the legend labels
};

struct MapSources {
  std::string scenario_name;
  std::string crs;  ///< the working CRS, e.g. "EPSG:25832"
  double cell_size_m = 0.0;
  Extent extent;  ///< the grid's extent
  /// The overall score and the pillars, then the heatmaps.
  std::vector<MapLayerSource> rasters;
  /// Exclusion codes (0 = none, 255 = nodata) and the rules' reasons; null without rules.
  const Raster<std::uint8_t>* exclusions = nullptr;
  std::vector<std::string> exclusion_reasons;
  /// The district tables of every level (polygons in the working CRS, "name" and
  /// "suitability_mean" fields); the first level's outlines and names go on every raster map.
  const std::vector<layers::VectorTable>* districts = nullptr;
  const layers::VectorTable* sites = nullptr;  ///< ranked ("rank" field); may be null
};

struct PlannedMap {
  std::string stem;  ///< <stem>.svg and <stem>.png
  layers::MapSpec spec;
};

/// The maps of a run: one per raster of `sources`, and one choropleth of the mean suitability per
/// district level.
std::vector<PlannedMap> plan_maps(const MapSources& sources, const Lang& lang,
                                  const std::string& version);

}  // namespace standort::cli
