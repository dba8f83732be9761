#include "standort/layers/inspect.hpp"

#include "gdal_handles.hpp"
#include "standort/engine/error.hpp"
#include "standort/layers/gdal_env.hpp"
#include "standort/layers/text.hpp"
#include "standort/layers/vector_reader.hpp"

#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <memory>

namespace standort::layers {
namespace {

std::string crs_name(const OGRSpatialReference* srs) {
  if (!srs) return "";
  std::string s;
  const char* auth = srs->GetAuthorityName(nullptr);
  const char* code = srs->GetAuthorityCode(nullptr);
  if (auth && code) s = std::string(auth) + ":" + code + " ";
  if (srs->GetName()) s += srs->GetName();
  return s;
}

nlohmann::json describe_raster(GDALDataset& ds) {
  nlohmann::json j;
  j["kind"] = "raster";
  j["driver"] = ds.GetDriver()->GetDescription();
  j["size"] = {ds.GetRasterXSize(), ds.GetRasterYSize()};
  double gt[6];
  if (ds.GetGeoTransform(gt) == CE_None) {
    j["geotransform"] = {gt[0], gt[1], gt[2], gt[3], gt[4], gt[5]};
    j["extent"] = {gt[0], gt[3] + gt[5] * ds.GetRasterYSize(), gt[0] + gt[1] * ds.GetRasterXSize(),
                   gt[3]};
  }
  j["crs"] = crs_name(ds.GetSpatialRef());
  if (const char* layout = ds.GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE")) j["layout"] = layout;
  if (const char* compression = ds.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE"))
    j["compression"] = compression;
  j["bands"] = nlohmann::json::array();
  for (int i = 1; i <= ds.GetRasterCount(); ++i) {
    GDALRasterBand* b = ds.GetRasterBand(i);
    nlohmann::json band;
    band["band"] = i;
    band["type"] = GDALGetDataTypeName(b->GetRasterDataType());
    band["description"] = b->GetDescription();
    band["unit"] = b->GetUnitType();
    int has_nodata = 0;
    const double nodata = b->GetNoDataValue(&has_nodata);
    if (has_nodata) band["nodata"] = nodata;
    band["overviews"] = b->GetOverviewCount();
    j["bands"].push_back(band);
  }
  return j;
}

nlohmann::json describe_layer(OGRLayer& layer, const InputSpec& spec,
                              const std::string& target_crs) {
  nlohmann::json j;
  j["name"] = sanitize_utf8(layer.GetName());
  j["geometry_type"] = OGRGeometryTypeToName(layer.GetGeomType());
  j["features"] = layer.GetFeatureCount(TRUE);
  j["crs"] = crs_name(layer.GetSpatialRef());
  OGREnvelope env;
  if (layer.GetExtent(&env, TRUE) == OGRERR_NONE)
    j["extent"] = {env.MinX, env.MinY, env.MaxX, env.MaxY};
  j["fields"] = nlohmann::json::array();
  OGRFeatureDefn* defn = layer.GetLayerDefn();
  for (int i = 0; i < defn->GetFieldCount(); ++i) {
    OGRFieldDefn* f = defn->GetFieldDefn(i);
    j["fields"].push_back({{"name", sanitize_utf8(f->GetNameRef())},
                           {"type", OGRFieldDefn::GetFieldTypeName(f->GetType())}});
  }
  InputSpec one = spec;
  one.layer = layer.GetName();
  j["problems"] = nlohmann::json::array();
  j["warnings"] = nlohmann::json::array();
  try {
    LayerRead read = read_layer_collect(one, target_crs);
    for (const auto& p : read.problems) j["problems"].push_back(sanitize_utf8(p));
    for (const auto& w : read.report.warnings) j["warnings"].push_back(sanitize_utf8(w));
    if (read.features.size() > 0) {
      const Extent e = read.features.extent();
      j["extent_working_crs"] = {e.xmin, e.ymin, e.xmax, e.ymax};
      j["working_crs"] = target_crs;
    }
    j["usable_features"] = read.features.size();
  } catch (const InputError& e) {
    j["problems"].push_back(sanitize_utf8(e.what()));
    j["usable_features"] = 0;
  }
  return j;
}

}  // namespace

nlohmann::json describe_source(const InputSpec& spec, const std::string& target_crs) {
  init_gdal();
  GdalErrorTrap trap;
  const std::string path = spec.path.string();
  if (path.rfind("PG:", 0) != 0 && !std::filesystem::exists(spec.path))
    throw InputError(path + ": no such file");
  nlohmann::json j;
  j["path"] = path;
  const char* raster_drivers[] = {"GTiff", "COG", nullptr};
  DatasetPtr raster(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY,
                                      raster_drivers, nullptr, nullptr));
  if (raster && raster->GetRasterCount() > 0) {
    j.update(describe_raster(*raster));
    return j;
  }
  CPLStringList allowed;
  for (const auto& d : allowed_vector_drivers()) allowed.AddString(d.c_str());
  CPLStringList open_options;
  if (!spec.x_field.empty()) {
    open_options.SetNameValue("X_POSSIBLE_NAMES", spec.x_field.c_str());
    open_options.SetNameValue("Y_POSSIBLE_NAMES", spec.y_field.c_str());
    open_options.SetNameValue("KEEP_GEOM_COLUMNS", "NO");
  }
  if (!spec.encoding.empty()) open_options.SetNameValue("ENCODING", spec.encoding.c_str());
  DatasetPtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, allowed.List(),
                                  open_options.List(), nullptr));
  if (!ds)
    throw InputError(path + ": cannot be opened as a raster (GeoTIFF) or vector layer: " +
                     unopenable_reason(spec.path, trap.errors()));
  j["kind"] = "vector";
  j["driver"] = ds->GetDriver()->GetDescription();
  j["layers"] = nlohmann::json::array();
  for (OGRLayer* layer : ds->GetLayers()) {
    if (!spec.layer.empty() && spec.layer != layer->GetName()) continue;
    j["layers"].push_back(describe_layer(*layer, spec, target_crs));
  }
  if (!spec.layer.empty() && j["layers"].empty())
    throw InputError(path + ": has no layer '" + spec.layer + "'");
  return j;
}

}  // namespace standort::layers
