// Vector output: an attribute table with point or polygon geometry in the working CRS, written as
// RFC 7946 GeoJSON (WGS84, counter-clockwise outer rings, 7 decimals) or as GeoPackage layers.
#pragma once

#include "standort/engine/geometry.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace standort::layers {

enum class FieldType { integer, real, string };
using FieldValue = std::variant<std::monostate, std::int64_t, double, std::string>;

struct VectorTable {
  std::string name;  ///< layer name
  std::string crs;   ///< CRS of the geometries, e.g. "EPSG:25832"
  GeometryKind kind = GeometryKind::polygon;
  std::vector<std::pair<std::string, FieldType>> fields;
  std::vector<Point> points;                    ///< for point tables
  std::vector<MultiPolygon> polygons;           ///< for polygon tables
  std::vector<std::vector<FieldValue>> rows;    ///< one value per field; NaN doubles become null
  std::map<std::string, std::string> metadata;  ///< layer metadata items
  /// A QGIS style (QML) for the layer: written into a GeoPackage's layer_styles table as the
  /// default style, so QGIS applies it when the layer is added on its own.
  std::string style_qml;
};

/// Writes one table as RFC 7946 GeoJSON, atomically.
void write_geojson_rfc7946(const std::filesystem::path& target, const VectorTable& table);

/// Writes tables as layers of one GeoPackage, atomically (the whole file at once). Tables with a
/// style_qml get it as their default style in the layer_styles table QGIS reads (the schema QGIS
/// creates; update_time fixed, so the file stays the same from run to run).
void write_gpkg(const std::filesystem::path& target, const std::vector<VectorTable>& tables);

}  // namespace standort::layers
