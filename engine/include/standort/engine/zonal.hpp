// Per-zone statistics over a raster, with zones given as a raster of zone indices (-1 = none), and
// the assignment of points to polygons for counts per district. Sums run in a fixed order, so
// results are reproducible.
#pragma once

#include "standort/engine/raster.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace standort {

struct ZoneStats {
  std::int64_t count = 0;  ///< cells with data
  double sum = 0.0;
  double min = 0.0;
  double max = 0.0;
  double mean() const;  ///< NaN when count == 0
};

/// Statistics of `values` for zones 0..zone_count-1; nodata cells are skipped.
std::vector<ZoneStats> zonal_stats(const Raster<std::int32_t>& zones, std::int32_t zone_count,
                                   const Raster<float>& values);

/// For each point, the index of the first polygon that covers it (boundary included), or -1.
/// Polygons are found through a bgi::rtree of their bounding boxes; O((N + P) log P).
std::vector<std::int32_t> assign_points(std::span<const Point> points,
                                        std::span<const MultiPolygon> polygons);

}  // namespace standort
