// Outlines of labelled cells: the polygons of a label raster (0 = no label), one multipolygon per
// label, traced by GDAL's polygonizer along the cell edges, so the outlines follow the grid
// exactly and their areas equal the cell counts times the cell area.
#pragma once

#include "standort/engine/geometry.hpp"
#include "standort/engine/raster.hpp"

#include <cstdint>
#include <vector>

namespace standort::layers {

/// Polygons of labels 1..count: out[k - 1] holds every cell labelled k (empty when none is).
/// Cells are joined through shared edges (GDAL's 4-connectedness); cells of one label that only
/// touch at corners become separate parts of its multipolygon. Throws std::runtime_error when
/// GDAL fails.
std::vector<MultiPolygon> polygonize_labels(const Raster<std::int32_t>& labels, std::int32_t count);

}  // namespace standort::layers
