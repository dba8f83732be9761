#include "standort/engine/zonal.hpp"

#include <boost/geometry/algorithms/covered_by.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <boost/geometry/strategies/strategies.hpp>

#include <algorithm>
#include <cmath>
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

std::vector<std::int32_t> assign_points(std::span<const Point> points,
                                        std::span<const MultiPolygon> polygons) {
  namespace bg = boost::geometry;
  namespace bgi = boost::geometry::index;
  using Entry = std::pair<Box, std::int32_t>;
  std::vector<Entry> entries;
  for (std::size_t i = 0; i < polygons.size(); ++i) {
    if (polygons[i].empty()) continue;
    Extent e{INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (const auto& poly : polygons[i])
      for (const auto& p : poly.outer()) e.expand(p.x(), p.y());
    entries.emplace_back(Box(Point(e.xmin, e.ymin), Point(e.xmax, e.ymax)),
                         static_cast<std::int32_t>(i));
  }
  const bgi::rtree<Entry, bgi::quadratic<16>> tree(entries.begin(), entries.end());
  std::vector<std::int32_t> out(points.size(), -1);
  std::vector<Entry> hits;
  for (std::size_t k = 0; k < points.size(); ++k) {
    hits.clear();
    tree.query(bgi::covers(points[k]), std::back_inserter(hits));
    std::sort(hits.begin(), hits.end(),
              [](const Entry& a, const Entry& b) { return a.second < b.second; });
    for (const auto& [box, i] : hits) {
      if (bg::covered_by(points[k], polygons[static_cast<std::size_t>(i)])) {
        out[k] = i;
        break;
      }
    }
  }
  return out;
}

}  // namespace standort
