// A QGIS project for a run's outputs: standort.qgz (a zipped .qgs) that references the files by
// relative path, in groups, each layer with its style (the .qml written beside it), in the run's
// CRS and zoomed to the grid, so the whole analysis opens styled with no manual step.
#pragma once

#include "standort/engine/geometry.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace standort::layers {

struct ProjectLayer {
  std::string group;   ///< layer-tree group, e.g. "Suitability"
  std::string name;    ///< as shown in QGIS
  std::string source;  ///< relative to the project, e.g. "./suitability.tif" or
                       ///< "./standort.gpkg|layername=districts"
  bool raster = true;
  bool visible = false;
  std::string qml;  ///< the layer's style, a whole QML document ("" = QGIS's default)
};

/// Writes `target` (.qgz) atomically: groups in the order of their first layer, layers in the
/// given order within them (the first drawn on top). `crs` is an "EPSG:nnnn" code. Deterministic
/// bytes. Throws std::runtime_error naming the file on failure.
void write_qgz(const std::filesystem::path& target, const std::string& title,
               const std::string& crs, const Extent& extent,
               const std::vector<ProjectLayer>& layers);

}  // namespace standort::layers
