// Geometry helpers shared by the coverage tests. Include after defining
// BOOST_GEOMETRY_NO_ROBUSTNESS, as those tests do, so Boost.Geometry's areas are exact.
#pragma once

#include "standort/engine/geometry.hpp"

#include <boost/geometry/algorithms/area.hpp>
#include <boost/geometry/strategies/strategies.hpp>

namespace standort::test {

/// boost::geometry::area after moving the polygon next to the origin: at UTM coordinates the
/// shoelace sum loses about 1e-12 of the area to cancellation.
inline double shifted_area(const MultiPolygon& mp, double x0, double y0) {
  MultiPolygon moved = mp;
  for (auto& part : moved) {
    for (auto& p : part.outer()) p = Point(p.x() - x0, p.y() - y0);
    for (auto& inner : part.inners())
      for (auto& p : inner) p = Point(p.x() - x0, p.y() - y0);
  }
  return boost::geometry::area(moved);
}

}  // namespace standort::test
