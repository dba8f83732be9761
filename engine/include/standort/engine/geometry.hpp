// Geometry types used inside the engine: Boost.Geometry models in metres of the working CRS,
// plus the feature set that the layers library hands to the engine after ingest.
#pragma once

#include <boost/geometry/geometries/box.hpp>
#include <boost/geometry/geometries/linestring.hpp>
#include <boost/geometry/geometries/multi_linestring.hpp>
#include <boost/geometry/geometries/multi_polygon.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/geometries/polygon.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace standort {

using Point = boost::geometry::model::d2::point_xy<double>;
/// Clockwise outer rings, counter-clockwise holes, closed (Boost.Geometry's default).
using Polygon = boost::geometry::model::polygon<Point>;
using MultiPolygon = boost::geometry::model::multi_polygon<Polygon>;
using Box = boost::geometry::model::box<Point>;
using Linestring = boost::geometry::model::linestring<Point>;
using MultiLinestring = boost::geometry::model::multi_linestring<Linestring>;

struct Extent {
  double xmin = 0.0;
  double ymin = 0.0;
  double xmax = 0.0;
  double ymax = 0.0;

  double width() const { return xmax - xmin; }
  double height() const { return ymax - ymin; }
  bool empty() const { return !(xmax > xmin && ymax > ymin); }
  void expand(double x, double y);
  void expand(const Extent& other);
  Extent buffered(double margin) const {
    return {xmin - margin, ymin - margin, xmax + margin, ymax + margin};
  }
};

enum class GeometryKind { point, line, polygon };

/// "points", "lines" or "polygons".
const char* kind_plural(GeometryKind kind);

/// Features of one input layer in the working CRS. Parallel vectors, one entry per feature;
/// `points` is filled for point layers, `lines` for line layers, `polygons` for polygon layers.
struct FeatureSet {
  std::string name;    ///< the scenario's name for the layer
  std::string source;  ///< file path (and layer) it came from
  std::string crs;     ///< working CRS, e.g. "EPSG:25832"
  GeometryKind kind = GeometryKind::point;
  std::vector<std::int64_t> fids;
  std::vector<std::string> ids;
  std::vector<std::string> names;
  std::vector<Point> points;
  std::vector<MultiLinestring> lines;
  std::vector<MultiPolygon> polygons;
  /// Numeric attributes by field name (NaN where the field is null).
  std::map<std::string, std::vector<double>> numeric;
  /// Text attributes by field name (UTF-8; empty where the field is null).
  std::map<std::string, std::vector<std::string>> text;

  std::size_t size() const { return fids.size(); }
  Extent extent() const;
  /// "feature 14 ('Weitmar-Mitte')" style label for messages.
  std::string label(std::size_t index) const;
};

}  // namespace standort
