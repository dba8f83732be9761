#include "standort/engine/distance.hpp"
#include "standort/engine/error.hpp"
#include "standort/engine/parallel.hpp"
#include "standort/engine/rasterize.hpp"

#include <boost/geometry/index/rtree.hpp>
#include <boost/geometry/strategies/strategies.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace standort {
namespace {

namespace bgi = boost::geometry::index;

struct Segment {
  double ax, ay, bx, by;  // relative to the grid's (xmin, ymax)
  std::int32_t feature;
};

using Entry = std::pair<Box, std::uint32_t>;

inline double segment_distance2(const Segment& s, double x, double y) {
  const double dx = s.bx - s.ax, dy = s.by - s.ay;
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0.0 ? ((x - s.ax) * dx + (y - s.ay) * dy) / len2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  const double px = s.ax + t * dx - x, py = s.ay + t * dy - y;
  return px * px + py * py;
}

constexpr std::int64_t tile = 16;

}  // namespace

template <class T>
DistanceField<T> distance_to_features(const Grid& grid, const FeatureSet& features,
                                      const DistanceOptions& options) {
  if (features.size() == 0)
    throw InputError("distance: input '" + features.name + "' has no features");
  if (features.kind == GeometryKind::point)
    return distance_to_points<T>(grid, features.points, options);

  // Segments of every line and every polygon ring, in grid-local coordinates.
  std::vector<Segment> segments;
  const double x0 = grid.xmin(), y0 = grid.ymax();
  auto add_path = [&](const auto& path, std::int32_t feature) {
    for (std::size_t i = 0; i + 1 < path.size(); ++i)
      segments.push_back({path[i].x() - x0, path[i].y() - y0, path[i + 1].x() - x0,
                          path[i + 1].y() - y0, feature});
    if (path.size() == 1)
      segments.push_back(
          {path[0].x() - x0, path[0].y() - y0, path[0].x() - x0, path[0].y() - y0, feature});
  };
  for (std::size_t f = 0; f < features.size(); ++f) {
    const auto id = static_cast<std::int32_t>(f);
    if (features.kind == GeometryKind::line) {
      for (const auto& line : features.lines[f]) add_path(line, id);
    } else {
      for (const auto& poly : features.polygons[f]) {
        add_path(poly.outer(), id);
        for (const auto& inner : poly.inners()) add_path(inner, id);
      }
    }
  }
  if (segments.empty())
    throw InputError("distance: input '" + features.name + "' has no line or boundary segments");
  std::vector<Entry> entries;
  entries.reserve(segments.size());
  for (std::uint32_t i = 0; i < segments.size(); ++i) {
    const Segment& s = segments[i];
    entries.emplace_back(Box(Point(std::min(s.ax, s.bx), std::min(s.ay, s.by)),
                             Point(std::max(s.ax, s.bx), std::max(s.ay, s.by))),
                         i);
  }
  const bgi::rtree<Entry, bgi::quadratic<16>> tree(entries.begin(), entries.end());

  const std::int64_t w0 = std::clamp<std::int64_t>(options.rows.begin, 0, grid.rows());
  const std::int64_t w1 = std::max(w0, options.rows.resolved_end(grid));
  std::optional<Raster<std::int32_t>> inside;
  if (features.kind == GeometryKind::polygon)
    inside = rasterize_zones(grid, features.polygons, {w0, w1});

  const Grid band = grid.rows_window(w0, w1);
  // Every cell is assigned exactly once below, in parallel, so the cells start unfilled.
  DistanceField<T> out{Raster<T>(band, NoFill{}), options.nearest_index
                                                      ? Raster<std::int32_t>(band, NoFill{}, -1)
                                                      : Raster<std::int32_t>()};
  const std::span<const float> values = options.nearest_values;
  if (!values.empty()) {
    if (values.size() != features.size())
      throw InputError("distance: " + std::to_string(values.size()) + " nearest values for " +
                       std::to_string(features.size()) + " features; give one value per feature");
    out.nearest_value = Raster<float>(band, NoFill{}, options.nearest_nodata);
  }
  auto value_of = [&](std::int32_t feature) {
    return feature < 0 ? options.nearest_nodata : values[static_cast<std::size_t>(feature)];
  };
  const double cell = grid.cell_size();
  // Tiles are aligned to the whole grid, so a band reproduces the whole grid's candidates.
  const std::int64_t first_tile = w0 / tile;
  const std::int64_t tile_rows = (w1 + tile - 1) / tile - first_tile;
  parallel_for_blocks(tile_rows, options.threads, [&](std::int64_t tr0, std::int64_t tr1) {
    std::vector<Entry> candidates;
    std::vector<std::uint32_t> ids;
    for (std::int64_t tr = first_tile + tr0; tr < first_tile + tr1; ++tr) {
      const std::int64_t r0 = tr * tile, r1 = std::min(grid.rows(), r0 + tile);
      for (std::int64_t c0 = 0; c0 < grid.cols(); c0 += tile) {
        const std::int64_t c1 = std::min(grid.cols(), c0 + tile);
        // Tile of cell centres: x in [xa, xb], y in [yb, ya] (local coordinates).
        const double xa = (static_cast<double>(c0) + 0.5) * cell,
                     xb = (static_cast<double>(c1) - 0.5) * cell;
        const double ya = -(static_cast<double>(r0) + 0.5) * cell,
                     yb = -(static_cast<double>(r1) - 0.5) * cell;
        const Point centre((xa + xb) / 2.0, (ya + yb) / 2.0);
        candidates.clear();
        tree.query(bgi::nearest(centre, 1), std::back_inserter(candidates));
        const Segment& near = segments[candidates.front().second];
        double bound2 = 0.0;  // squared distance bound valid for every cell centre of the tile
        for (double cx : {xa, xb})
          for (double cy : {ya, yb}) bound2 = std::max(bound2, segment_distance2(near, cx, cy));
        const double bound = std::sqrt(bound2) * (1.0 + 1e-12) + 1e-9;
        candidates.clear();
        tree.query(
            bgi::intersects(Box(Point(xa - bound, yb - bound), Point(xb + bound, ya + bound))),
            std::back_inserter(candidates));
        ids.clear();
        for (const auto& e : candidates) ids.push_back(e.second);
        std::sort(ids.begin(), ids.end());  // a fixed order: ties go to the lowest segment
        for (std::int64_t r = std::max(r0, w0); r < std::min(r1, w1); ++r) {
          const double y = -(static_cast<double>(r) + 0.5) * cell;
          T* dist = out.distance_m.row(r - w0).data();
          std::int32_t* nearest =
              options.nearest_index ? out.nearest_index.row(r - w0).data() : nullptr;
          float* nearest_value = values.empty() ? nullptr : out.nearest_value.row(r - w0).data();
          const std::int32_t* zone = inside ? inside->row(r - w0).data() : nullptr;
          for (std::int64_t c = c0; c < c1; ++c) {
            const double x = (static_cast<double>(c) + 0.5) * cell;
            const bool in = zone && zone[c] >= 0;
            if (in && !options.signed_inside) {
              dist[c] = T{0};
              if (nearest) nearest[c] = zone[c];
              if (nearest_value) nearest_value[c] = value_of(zone[c]);
              continue;
            }
            double best = std::numeric_limits<double>::infinity();
            std::int32_t best_feature = -1;
            for (std::uint32_t id : ids) {
              const double d2 = segment_distance2(segments[id], x, y);
              if (d2 < best) {
                best = d2;
                best_feature = segments[id].feature;
              }
            }
            const double d = std::sqrt(best);
            dist[c] = static_cast<T>(in ? -d : d);
            if (nearest) nearest[c] = in ? zone[c] : best_feature;
            if (nearest_value) nearest_value[c] = value_of(in ? zone[c] : best_feature);
          }
        }
      }
    }
  });
  return out;
}

template DistanceField<float> distance_to_features<float>(const Grid&, const FeatureSet&,
                                                          const DistanceOptions&);
template DistanceField<double> distance_to_features<double>(const Grid&, const FeatureSet&,
                                                            const DistanceOptions&);

}  // namespace standort
