// Polygon rasterisation by cell centre: a cell belongs to a polygon when its centre lies inside
// (even-odd rule over all rings, half-open on the upper edge so shared boundaries are not counted
// twice). Scanline per row over the polygon's own edges, O(edges * rows_in_bbox).
#pragma once

#include "standort/engine/raster.hpp"

#include <cstdint>
#include <span>

namespace standort {

/// 1 where the cell centre is inside any of `polygons`, 0 elsewhere.
/// Only the rows of `rows` are computed; the result covers grid.rows_window(rows).
Raster<std::uint8_t> rasterize_mask(const Grid& grid, std::span<const MultiPolygon> polygons,
                                    RowWindow rows = {});

/// Index of the polygon containing each cell centre, -1 (the nodata value) where none does.
/// Where polygons overlap, the later one wins.
Raster<std::int32_t> rasterize_zones(const Grid& grid, std::span<const MultiPolygon> polygons,
                                     RowWindow rows = {});

}  // namespace standort
