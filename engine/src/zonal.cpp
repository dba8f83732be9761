#include "standort/engine/zonal.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace standort {

double ZoneStats::mean() const {
  return count > 0 ? sum / static_cast<double>(count) : std::numeric_limits<double>::quiet_NaN();
}

std::vector<ZoneStats> zonal_stats(const Raster<std::int32_t>& zones, std::int32_t zone_count,
                                   const Raster<float>& values) {
  if (!(zones.grid() == values.grid())) throw std::logic_error("zonal_stats: grids differ");
  std::vector<ZoneStats> stats(static_cast<std::size_t>(std::max(0, zone_count)));
  auto z = zones.cells();
  auto v = values.cells();
  for (std::size_t i = 0; i < z.size(); ++i) {
    const std::int32_t zone = z[i];
    if (zone < 0 || zone >= zone_count || values.is_nodata(v[i])) continue;
    ZoneStats& s = stats[static_cast<std::size_t>(zone)];
    const double x = v[i];
    if (s.count == 0) {
      s.min = x;
      s.max = x;
    } else {
      s.min = std::min(s.min, x);
      s.max = std::max(s.max, x);
    }
    s.sum += x;
    ++s.count;
  }
  return stats;
}

}  // namespace standort
