#include "standort/layers/vector_writer.hpp"

#include "gdal_handles.hpp"
#include "standort/layers/atomic_file.hpp"
#include "standort/layers/gdal_env.hpp"

#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

namespace standort::layers {
namespace {

std::unique_ptr<OGRGeometry> to_ogr(const VectorTable& t, std::size_t i) {
  if (t.kind == GeometryKind::point)
    return std::make_unique<OGRPoint>(t.points[i].x(), t.points[i].y());
  auto mp = std::make_unique<OGRMultiPolygon>();
  for (const Polygon& poly : t.polygons[i]) {
    OGRPolygon p;
    auto add_ring = [&](const auto& ring) {
      OGRLinearRing r;
      for (const auto& pt : ring) r.addPoint(pt.x(), pt.y());
      r.closeRings();
      p.addRing(&r);
    };
    add_ring(poly.outer());
    for (const auto& inner : poly.inners()) add_ring(inner);
    mp->addGeometry(&p);
  }
  return mp;
}

void write_layer(GDALDataset& ds, const VectorTable& t, CSLConstList layer_options,
                 const std::string& file) {
  GdalErrorTrap trap;
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(file + ": layer '" + t.name + "': " + what +
                             (trap.last_error().empty() ? "" : ": " + trap.last_error()));
  };
  OGRSpatialReference srs;
  if (!parse_crs(t.crs, srs)) fail("unknown CRS '" + t.crs + "'");
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  OGRLayer* layer = ds.CreateLayer(t.name.c_str(), &srs,
                                   t.kind == GeometryKind::point ? wkbPoint : wkbMultiPolygon,
                                   const_cast<char**>(layer_options));
  if (!layer) fail("cannot create the layer");
  for (const auto& [name, type] : t.fields) {
    OGRFieldDefn def(name.c_str(), type == FieldType::integer ? OFTInteger64
                                   : type == FieldType::real  ? OFTReal
                                                              : OFTString);
    if (layer->CreateField(&def) != OGRERR_NONE) fail("cannot create field '" + name + "'");
  }
  for (const auto& [key, value] : t.metadata) layer->SetMetadataItem(key.c_str(), value.c_str());
  const std::size_t count = t.kind == GeometryKind::point ? t.points.size() : t.polygons.size();
  if (t.rows.size() != count) fail("row count differs from geometry count");
  const bool transaction = ds.StartTransaction() == OGRERR_NONE;
  for (std::size_t i = 0; i < count; ++i) {
    FeaturePtr f(OGRFeature::CreateFeature(layer->GetLayerDefn()));
    for (std::size_t j = 0; j < t.fields.size(); ++j) {
      const int index = static_cast<int>(j);
      const FieldValue& v = t.rows[i].at(j);
      if (const auto* n = std::get_if<std::int64_t>(&v))
        f->SetField(index, static_cast<GIntBig>(*n));
      else if (const auto* d = std::get_if<double>(&v)) {
        if (std::isfinite(*d))
          f->SetField(index, *d);
        else
          f->SetFieldNull(index);
      } else if (const auto* s = std::get_if<std::string>(&v))
        f->SetField(index, s->c_str());
      else
        f->SetFieldNull(index);
    }
    f->SetGeometryDirectly(to_ogr(t, i).release());
    if (layer->CreateFeature(f.get()) != OGRERR_NONE)
      fail("cannot write feature " + std::to_string(i));
  }
  if (transaction && ds.CommitTransaction() != OGRERR_NONE) fail("cannot commit");
  if (!trap.errors().empty()) fail("writing failed");
}

/// QGIS's layer_styles table (QGIS creates it with these fields and an "id" key) with each styled
/// table's QML as its default style.
void write_layer_styles(GDALDataset& ds, const std::vector<VectorTable>& tables,
                        const std::string& where) {
  if (std::none_of(tables.begin(), tables.end(),
                   [](const VectorTable& t) { return !t.style_qml.empty(); }))
    return;
  CPLStringList options;
  options.SetNameValue("FID", "id");
  OGRLayer* layer = ds.CreateLayer("layer_styles", nullptr, wkbNone, options.List());
  if (!layer) throw std::runtime_error(where + ": cannot create the layer_styles table");
  const std::pair<const char*, OGRFieldType> fields[] = {{"f_table_catalog", OFTString},
                                                         {"f_table_schema", OFTString},
                                                         {"f_table_name", OFTString},
                                                         {"f_geometry_column", OFTString},
                                                         {"styleName", OFTString},
                                                         {"styleQML", OFTString},
                                                         {"styleSLD", OFTString},
                                                         {"useAsDefault", OFTInteger},
                                                         {"description", OFTString},
                                                         {"owner", OFTString},
                                                         {"ui", OFTString},
                                                         {"update_time", OFTDateTime}};
  for (const auto& [name, type] : fields) {
    OGRFieldDefn f(name, type);
    if (std::string(name) == "useAsDefault") f.SetSubType(OFSTBoolean);
    if (layer->CreateField(&f) != OGRERR_NONE)
      throw std::runtime_error(where + ": cannot create the layer_styles field " + name);
  }
  for (const VectorTable& t : tables) {
    if (t.style_qml.empty()) continue;
    FeaturePtr feature(OGRFeature::CreateFeature(layer->GetLayerDefn()));
    feature->SetField("f_table_catalog", "");
    feature->SetField("f_table_schema", "");
    feature->SetField("f_table_name", t.name.c_str());
    feature->SetField("f_geometry_column", "geom");
    feature->SetField("styleName", t.name.c_str());
    feature->SetField("styleQML", t.style_qml.c_str());
    feature->SetField("styleSLD", "");
    feature->SetField("useAsDefault", 1);
    feature->SetField("description", ("standort style of " + t.name).c_str());
    feature->SetField("owner", "");
    feature->SetField("ui", "");
    feature->SetField("update_time", 2000, 1, 1, 0, 0, 0.0f, 100);
    if (layer->CreateFeature(feature.get()) != OGRERR_NONE)
      throw std::runtime_error(where + ": cannot write the style of " + t.name);
  }
}

}  // namespace

void write_geojson_rfc7946(const std::filesystem::path& target, const VectorTable& table) {
  init_gdal();
  GdalErrorTrap trap;
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GeoJSON");
  if (!driver) throw std::runtime_error("GDAL lacks the GeoJSON driver");
  if (!target.parent_path().empty()) std::filesystem::create_directories(target.parent_path());
  AtomicPath tmp(target);
  {
    DatasetPtr ds(driver->Create(tmp.temp().c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) throw std::runtime_error(target.string() + ": cannot create: " + trap.last_error());
    CPLStringList options;
    options.SetNameValue("RFC7946", "YES");
    options.SetNameValue("COORDINATE_PRECISION", "7");
    options.SetNameValue("WRITE_NAME", "YES");
    write_layer(*ds, table, options.List(), target.string());
  }
  if (!trap.errors().empty())
    throw std::runtime_error(target.string() + ": writing failed: " + trap.last_error());
  tmp.commit();
}

void write_gpkg(const std::filesystem::path& target, const std::vector<VectorTable>& tables) {
  init_gdal();
  GdalErrorTrap trap;
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
  if (!driver) throw std::runtime_error("GDAL lacks the GPKG driver");
  if (!target.parent_path().empty()) std::filesystem::create_directories(target.parent_path());
  AtomicPath tmp(target);
  {
    DatasetPtr ds(driver->Create(tmp.temp().c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) throw std::runtime_error(target.string() + ": cannot create: " + trap.last_error());
    for (const auto& t : tables) write_layer(*ds, t, nullptr, target.string());
    write_layer_styles(*ds, tables, target.string());
  }
  if (!trap.errors().empty())
    throw std::runtime_error(target.string() + ": writing failed: " + trap.last_error());
  tmp.commit();
}

}  // namespace standort::layers
