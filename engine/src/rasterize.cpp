#include "standort/engine/rasterize.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace standort {
namespace {

struct Edge {
  double x0, y0, x1, y1;
};

void collect_edges(const MultiPolygon& mp, std::vector<Edge>& edges, Extent& box) {
  auto add_ring = [&](const auto& ring) {
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
      const auto& a = ring[i];
      const auto& b = ring[i + 1];
      if (a.y() != b.y()) edges.push_back({a.x(), a.y(), b.x(), b.y()});
      box.expand(a.x(), a.y());
    }
    // Rings are closed; tolerate an unclosed one by joining last to first.
    if (ring.size() > 2) {
      const auto& a = ring.back();
      const auto& b = ring.front();
      if ((a.x() != b.x() || a.y() != b.y()) && a.y() != b.y())
        edges.push_back({a.x(), a.y(), b.x(), b.y()});
    }
  };
  for (const auto& poly : mp) {
    add_ring(poly.outer());
    for (const auto& inner : poly.inners()) add_ring(inner);
  }
}

// Calls fill(row, col_begin, col_end) for every run of cells whose centre is inside.
template <class Fill>
void scan_polygon(const Grid& grid, const MultiPolygon& mp, std::int64_t row_begin,
                  std::int64_t row_end, Fill&& fill) {
  std::vector<Edge> edges;
  Extent box{INFINITY, INFINITY, -INFINITY, -INFINITY};
  collect_edges(mp, edges, box);
  if (edges.empty()) return;
  const std::int64_t r0 = std::max<std::int64_t>(row_begin, grid.row(box.ymax));
  const std::int64_t r1 = std::min<std::int64_t>(row_end - 1, grid.row(box.ymin));
  std::vector<double> xs;
  const double cell = grid.cell_size();
  for (std::int64_t r = r0; r <= r1; ++r) {
    const double y = grid.y(r);
    xs.clear();
    for (const Edge& e : edges) {
      // Half-open: an edge counts when y is in [min(y0, y1), max(y0, y1)).
      const bool up = e.y0 <= y && y < e.y1;
      const bool down = e.y1 <= y && y < e.y0;
      if (up || down) xs.push_back(e.x0 + (y - e.y0) * (e.x1 - e.x0) / (e.y1 - e.y0));
    }
    std::sort(xs.begin(), xs.end());
    for (std::size_t i = 0; i + 1 < xs.size(); i += 2) {
      // Cells whose centre x lies in [xs[i], xs[i+1]).
      const double a = (xs[i] - grid.xmin()) / cell - 0.5;
      const double b = (xs[i + 1] - grid.xmin()) / cell - 0.5;
      const std::int64_t c0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::ceil(a)));
      const std::int64_t c1 =
          std::min<std::int64_t>(grid.cols(), static_cast<std::int64_t>(std::ceil(b)));
      if (c1 > c0) fill(r, c0, c1);
    }
  }
}

}  // namespace

Raster<std::uint8_t> rasterize_mask(const Grid& grid, std::span<const MultiPolygon> polygons,
                                    RowWindow rows) {
  const std::int64_t r0 = std::clamp<std::int64_t>(rows.begin, 0, grid.rows());
  const std::int64_t r1 = std::max(r0, rows.resolved_end(grid));
  Raster<std::uint8_t> mask(grid.rows_window(r0, r1), 0);
  for (const auto& mp : polygons) {
    scan_polygon(grid, mp, r0, r1, [&](std::int64_t r, std::int64_t c0, std::int64_t c1) {
      auto row = mask.row(r - r0);
      std::fill(row.begin() + c0, row.begin() + c1, std::uint8_t{1});
    });
  }
  return mask;
}

Raster<std::int32_t> rasterize_zones(const Grid& grid, std::span<const MultiPolygon> polygons,
                                     RowWindow rows) {
  const std::int64_t r0 = std::clamp<std::int64_t>(rows.begin, 0, grid.rows());
  const std::int64_t r1 = std::max(r0, rows.resolved_end(grid));
  Raster<std::int32_t> zones(grid.rows_window(r0, r1), -1, -1);
  for (std::size_t i = 0; i < polygons.size(); ++i) {
    scan_polygon(grid, polygons[i], r0, r1, [&](std::int64_t r, std::int64_t c0, std::int64_t c1) {
      auto row = zones.row(r - r0);
      std::fill(row.begin() + c0, row.begin() + c1, static_cast<std::int32_t>(i));
    });
  }
  return zones;
}

}  // namespace standort
