// Per-zone statistics over a raster, with zones given as a raster of zone indices (-1 = none).
// Sums are accumulated per zone in row-major order, so results are reproducible.
#pragma once

#include "standort/engine/raster.hpp"

#include <cstdint>
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

}  // namespace standort
