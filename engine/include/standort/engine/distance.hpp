// Exact Euclidean distance from every cell centre to the nearest point feature, in metres.
// Per row, the squared distance to point i is (x - px_i)^2 + (y - py_i)^2: a parabola in x.
// The lower envelope of those parabolas (Felzenszwalb & Huttenlocher's construction, with the
// points' true real-valued positions as vertices) gives the nearest point for every column.
// Cost O(rows * (n + cols)) after an O(n log n) sort; rows run in parallel, and each row depends
// only on the inputs, so 1 and N threads give bit-identical rasters.
#pragma once

#include "standort/engine/raster.hpp"

#include <cstdint>
#include <span>

namespace standort {

struct DistanceOptions {
  int threads = 0;            ///< 0 = all hardware threads
  bool nearest_index = true;  ///< also fill the nearest-point index raster
};

template <class T>
struct DistanceField {
  Raster<T> distance_m;  ///< distance from the cell centre to the nearest point
  Raster<std::int32_t>
      nearest_index;  ///< index into the input span of that point (empty when not asked for)
};

/// Throws InputError when `points` is empty or holds non-finite coordinates.
template <class T>
DistanceField<T> distance_to_points(const Grid& grid, std::span<const Point> points,
                                    const DistanceOptions& options = {});

extern template DistanceField<float> distance_to_points<float>(const Grid&, std::span<const Point>,
                                                               const DistanceOptions&);
extern template DistanceField<double> distance_to_points<double>(const Grid&,
                                                                 std::span<const Point>,
                                                                 const DistanceOptions&);

}  // namespace standort
