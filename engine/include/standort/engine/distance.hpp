// Exact Euclidean distance from every cell centre to the nearest feature, in metres.
//
// Points:
// Per row, the squared distance to point i is (x - px_i)^2 + (y - py_i)^2: a parabola in x.
// The lower envelope of those parabolas (Felzenszwalb & Huttenlocher's construction, with the
// points' true real-valued positions as vertices) gives the nearest point for every column.
// Cost O(rows * (n + cols)) after an O(n log n) sort; rows run in parallel, and each row depends
// only on the inputs, so 1 and N threads give bit-identical rasters.
//
// Lines and polygons: the boundaries are split into segments held in a bgi::rtree. The grid is
// cut into 16 x 16-cell tiles; for each tile the segment nearest its centre gives an upper bound
// (the largest distance from the tile's corner cells to it), and only segments within that bound
// of the tile are candidates for its cells, which are then measured exactly. Cells whose centre
// lies inside a polygon get 0, or minus the distance to the boundary when `signed_inside` is set.
// Cost O(cells * candidates) with candidates typically a handful; parallel over tile rows.
#pragma once

#include "standort/engine/raster.hpp"

#include <cstdint>
#include <span>

namespace standort {

struct DistanceOptions {
  int threads = 0;             ///< 0 = all hardware threads
  bool nearest_index = true;   ///< also fill the nearest-point index raster
  bool signed_inside = false;  ///< polygons: negative distance to the boundary inside
  RowWindow rows;  ///< compute only these rows; the result's grid is grid.rows_window(...)
  /// One value per feature: when given, `nearest_value` holds the nearest feature's value at each
  /// cell (e.g. its FID), written as the distances are, with no index raster in between.
  std::span<const float> nearest_values;
  float nearest_nodata = -9999.0f;  ///< nearest_value where no feature is nearest (none found)
};

template <class T>
struct DistanceField {
  Raster<T> distance_m;  ///< distance from the cell centre to the nearest point
  Raster<std::int32_t>
      nearest_index;  ///< index into the input span of that point (empty when not asked for)
  Raster<float> nearest_value;  ///< options.nearest_values of that point (empty when not given)
};

/// Throws InputError when `points` is empty or holds non-finite coordinates.
template <class T>
DistanceField<T> distance_to_points(const Grid& grid, std::span<const Point> points,
                                    const DistanceOptions& options = {});

/// Distance to the features of any kind; the index band holds feature indices into `features`.
/// Throws InputError when the set is empty.
template <class T>
DistanceField<T> distance_to_features(const Grid& grid, const FeatureSet& features,
                                      const DistanceOptions& options = {});

extern template DistanceField<float> distance_to_features<float>(const Grid&, const FeatureSet&,
                                                                 const DistanceOptions&);
extern template DistanceField<double> distance_to_features<double>(const Grid&, const FeatureSet&,
                                                                   const DistanceOptions&);

extern template DistanceField<float> distance_to_points<float>(const Grid&, std::span<const Point>,
                                                               const DistanceOptions&);
extern template DistanceField<double> distance_to_points<double>(const Grid&,
                                                                 std::span<const Point>,
                                                                 const DistanceOptions&);

}  // namespace standort
