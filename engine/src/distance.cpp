#include "standort/engine/distance.hpp"

#include "standort/engine/error.hpp"
#include "standort/engine/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace standort {
namespace {

struct SortedPoint {
  double x;  // relative to the grid's xmin
  double y;  // relative to the grid's ymax
  std::int32_t index;
};

// Scratch buffers for one thread's rows.
struct Envelope {
  std::vector<std::int32_t> parabola;  // positions into `sorted`
  std::vector<double> start;           // envelope piece k covers [start[k], start[k+1])
  std::vector<double> offset;          // squared vertical distance per sorted point
};

// x where parabolas (x - p)^2 + a and (x - q)^2 + b meet, for p < q.
inline double meet(double p, double a, double q, double b) {
  return ((b + q * q) - (a + p * p)) / (2.0 * (q - p));
}

template <class T>
void distance_rows(const Grid& grid, const std::vector<SortedPoint>& sorted, std::int64_t row_begin,
                   std::int64_t row_end, std::int64_t row_offset, bool with_index,
                   std::span<const float> values, DistanceField<T>& out) {
  const std::size_t n = sorted.size();
  Envelope env;
  env.parabola.resize(n);
  env.start.resize(n + 1);
  env.offset.resize(n);
  const double cell = grid.cell_size();
  const std::int64_t cols = grid.cols();
  constexpr double inf = std::numeric_limits<double>::infinity();

  for (std::int64_t r = row_begin; r < row_end; ++r) {
    const double yc = -(static_cast<double>(r) + 0.5) * cell;
    for (std::size_t i = 0; i < n; ++i) {
      const double dy = yc - sorted[i].y;
      env.offset[i] = dy * dy;
    }
    // Lower envelope over parabolas sorted by vertex x. start[0] is -inf, so a finite meeting
    // point never removes the first piece; equal vertex columns keep only the lower parabola.
    std::size_t k = 0;
    env.parabola[0] = 0;
    env.start[0] = -inf;
    env.start[1] = inf;
    for (std::size_t q = 1; q < n; ++q) {
      const double xq = sorted[q].x;
      const double bq = env.offset[q];
      for (;;) {
        const std::size_t v = static_cast<std::size_t>(env.parabola[k]);
        if (sorted[v].x == xq) {
          if (bq >= env.offset[v]) break;  // q is never below v
          if (k == 0) {
            env.parabola[0] = static_cast<std::int32_t>(q);
            break;
          }
          --k;  // v is dominated everywhere: drop it and compare q with the piece before
          continue;
        }
        const double s = meet(sorted[v].x, env.offset[v], xq, bq);
        if (s <= env.start[k]) {
          --k;
          continue;
        }
        ++k;
        env.parabola[k] = static_cast<std::int32_t>(q);
        env.start[k] = s;
        break;
      }
      env.start[k + 1] = inf;
    }
    // Evaluate the envelope piece by piece over the columns it covers; the inner loops have no
    // branches, so the compiler vectorises them.
    T* dist = out.distance_m.row(r - row_offset).data();
    std::int32_t* nearest = with_index ? out.nearest_index.row(r - row_offset).data() : nullptr;
    float* nearest_value = values.empty() ? nullptr : out.nearest_value.row(r - row_offset).data();
    std::int64_t c = 0;
    for (std::size_t piece = 0; piece <= k && c < cols; ++piece) {
      // Last column whose centre lies before the next piece starts (centre x <= start[piece + 1]).
      std::int64_t c_end = cols;
      const double next = env.start[piece + 1];
      if (next < inf) {
        const double f = std::floor(next / cell - 0.5);
        c_end = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::clamp(f, -1.0, 9.0e15)) + 1,
                                         c, cols);
      }
      const SortedPoint& p = sorted[static_cast<std::size_t>(env.parabola[piece])];
      const double off = env.offset[static_cast<std::size_t>(env.parabola[piece])];
      const double px = p.x;
      // The column index runs as an exact double (integers below 2^53) beside the integer one:
      // the same values as converting j, but a conversion the vectoriser can do without.
      T* out_row = dist + c;
      const std::int64_t n_cols = c_end - c;
      double jd = static_cast<double>(c);
      for (std::int64_t j = 0; j < n_cols; ++j, jd += 1.0) {
        const double dx = (jd + 0.5) * cell - px;
        out_row[j] = static_cast<T>(std::sqrt(dx * dx + off));
      }
      if (nearest) std::fill(nearest + c, nearest + c_end, p.index);
      if (nearest_value)
        std::fill(nearest_value + c, nearest_value + c_end,
                  values[static_cast<std::size_t>(p.index)]);
      c = c_end;
    }
  }
}

}  // namespace

template <class T>
DistanceField<T> distance_to_points(const Grid& grid, std::span<const Point> points,
                                    const DistanceOptions& options) {
  if (points.empty()) throw InputError("distance: the source layer has no features");
  if (points.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw LimitError("distance: more than 2^31 source points");
  std::vector<SortedPoint> sorted(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    const double x = points[i].x();
    const double y = points[i].y();
    if (!std::isfinite(x) || !std::isfinite(y))
      throw InputError("distance: source point " + std::to_string(i) +
                       " has non-finite coordinates");
    sorted[i] = {x - grid.xmin(), y - grid.ymax(), static_cast<std::int32_t>(i)};
  }
  // Ties in x are broken by y and index so the order, and thus the result, is reproducible.
  std::sort(sorted.begin(), sorted.end(), [](const SortedPoint& a, const SortedPoint& b) {
    if (a.x != b.x) return a.x < b.x;
    if (a.y != b.y) return a.y < b.y;
    return a.index < b.index;
  });

  const std::int64_t r0 = std::clamp<std::int64_t>(options.rows.begin, 0, grid.rows());
  const std::int64_t r1 = std::max(r0, options.rows.resolved_end(grid));
  const Grid band = grid.rows_window(r0, r1);
  // Every cell is assigned exactly once below, in parallel, so the cells start unfilled.
  DistanceField<T> out{Raster<T>(band, NoFill{}), options.nearest_index
                                                      ? Raster<std::int32_t>(band, NoFill{}, -1)
                                                      : Raster<std::int32_t>()};
  if (!options.nearest_values.empty()) {
    if (options.nearest_values.size() != points.size())
      throw InputError("distance: " + std::to_string(options.nearest_values.size()) +
                       " nearest values for " + std::to_string(points.size()) +
                       " points; give one value per point");
    out.nearest_value = Raster<float>(band, NoFill{}, options.nearest_nodata);
  }
  parallel_for_blocks(r1 - r0, options.threads, [&](std::int64_t begin, std::int64_t end) {
    distance_rows(grid, sorted, r0 + begin, r0 + end, r0, options.nearest_index,
                  options.nearest_values, out);
  });
  return out;
}

template DistanceField<float> distance_to_points<float>(const Grid&, std::span<const Point>,
                                                        const DistanceOptions&);
template DistanceField<double> distance_to_points<double>(const Grid&, std::span<const Point>,
                                                          const DistanceOptions&);

}  // namespace standort
