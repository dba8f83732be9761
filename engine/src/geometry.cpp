#include "standort/engine/geometry.hpp"

#include <algorithm>
#include <limits>

namespace standort {

void Extent::expand(double x, double y) {
  xmin = std::min(xmin, x);
  ymin = std::min(ymin, y);
  xmax = std::max(xmax, x);
  ymax = std::max(ymax, y);
}

void Extent::expand(const Extent& other) {
  expand(other.xmin, other.ymin);
  expand(other.xmax, other.ymax);
}

const char* kind_plural(GeometryKind kind) {
  switch (kind) {
    case GeometryKind::point:
      return "points";
    case GeometryKind::line:
      return "lines";
    case GeometryKind::polygon:
      return "polygons";
  }
  return "?";
}

Extent FeatureSet::extent() const {
  constexpr double inf = std::numeric_limits<double>::infinity();
  Extent e{inf, inf, -inf, -inf};
  for (const auto& p : points) e.expand(p.x(), p.y());
  for (const auto& ml : lines)
    for (const auto& l : ml)
      for (const auto& p : l) e.expand(p.x(), p.y());
  for (const auto& mp : polygons)
    for (const auto& poly : mp)
      for (const auto& p : poly.outer()) e.expand(p.x(), p.y());
  return e;
}

std::string FeatureSet::label(std::size_t index) const {
  std::string s = "feature " + std::to_string(fids.at(index));
  if (index < names.size() && !names[index].empty()) s += " ('" + names[index] + "')";
  return s;
}

}  // namespace standort
