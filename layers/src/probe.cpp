#include "standort/layers/probe.hpp"

#include "gdal_handles.hpp"
#include "standort/engine/error.hpp"
#include "standort/layers/gdal_env.hpp"

#include <ogr_geometry.h>
#include <ogrsf_frmts.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace standort::layers {

namespace {

OGRSpatialReference srs_of(const std::string& crs, const std::string& what) {
  OGRSpatialReference srs;
  if (!parse_crs(crs, srs))
    throw InputError(what + " '" + crs + "' is not a CRS PROJ knows; use e.g. EPSG:4326");
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

}  // namespace

std::pair<double, double> transform_point(double x, double y, const std::string& from_crs,
                                          const std::string& to_crs) {
  init_gdal();
  GdalErrorTrap trap;
  if (!std::isfinite(x) || !std::isfinite(y)) throw InputError("the coordinates must be numbers");
  OGRSpatialReference from = srs_of(from_crs, "CRS");
  OGRSpatialReference to = srs_of(to_crs, "CRS");
  if (from.IsSame(&to)) return {x, y};
  TransformPtr t(OGRCreateCoordinateTransformation(&from, &to));
  double tx = x, ty = y;  // Transform overwrites them, also when it fails
  if (!t || !t->Transform(1, &tx, &ty)) {
    std::ostringstream s;
    s.precision(10);
    s << "cannot transform (" << x << ", " << y << ") from " << from_crs << " to " << to_crs
      << (trap.last_error().empty() ? "" : ": " + trap.last_error())
      << "; check the coordinates and their order (x = easting/longitude first)";
    throw InputError(s.str());
  }
  return {tx, ty};
}

std::optional<RasterSample> sample_raster(const std::filesystem::path& path, double x, double y) {
  init_gdal();
  GdalErrorTrap trap;
  DatasetPtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  if (!ds)
    throw std::runtime_error(path.string() + ": cannot open the raster" +
                             (trap.last_error().empty() ? "" : ": " + trap.last_error()));
  double gt[6];
  if (ds->GetGeoTransform(gt) != CE_None || gt[2] != 0.0 || gt[4] != 0.0)
    throw std::runtime_error(path.string() + ": has no north-up geotransform");
  const double fc = (x - gt[0]) / gt[1];
  const double fr = (y - gt[3]) / gt[5];
  if (!(fc >= 0.0 && fr >= 0.0 && fc < ds->GetRasterXSize() && fr < ds->GetRasterYSize()))
    return std::nullopt;
  RasterSample s;
  s.col = static_cast<long long>(std::floor(fc));
  s.row = static_cast<long long>(std::floor(fr));
  s.cell_x = gt[0] + (static_cast<double>(s.col) + 0.5) * gt[1];
  s.cell_y = gt[3] + (static_cast<double>(s.row) + 0.5) * gt[5];
  for (int b = 1; b <= ds->GetRasterCount(); ++b) {
    GDALRasterBand* band = ds->GetRasterBand(b);
    double v = 0.0;
    if (band->RasterIO(GF_Read, static_cast<int>(s.col), static_cast<int>(s.row), 1, 1, &v, 1, 1,
                       GDT_Float64, 0, 0) != CE_None)
      throw std::runtime_error(path.string() + ": cannot read band " + std::to_string(b) +
                               (trap.last_error().empty() ? "" : ": " + trap.last_error()));
    int has_nodata = 0;
    const double nodata = band->GetNoDataValue(&has_nodata);
    const bool missing = std::isnan(v) || (has_nodata && v == nodata);
    s.values.push_back(missing ? std::nullopt : std::optional<double>(v));
    s.descriptions.emplace_back(band->GetDescription());
    std::map<std::string, std::string> meta;
    if (char** items = band->GetMetadata())
      for (char** item = items; *item; ++item) {
        const std::string kv(*item);
        const auto eq = kv.find('=');
        if (eq != std::string::npos) meta[kv.substr(0, eq)] = kv.substr(eq + 1);
      }
    s.metadata.push_back(std::move(meta));
  }
  return s;
}

std::optional<std::map<std::string, std::string>> polygon_at(const std::filesystem::path& path,
                                                             double x, double y,
                                                             const std::string& crs) {
  init_gdal();
  GdalErrorTrap trap;
  DatasetPtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  if (!ds || ds->GetLayerCount() < 1)
    throw std::runtime_error(path.string() + ": cannot open the vector file" +
                             (trap.last_error().empty() ? "" : ": " + trap.last_error()));
  OGRLayer* layer = ds->GetLayer(0);
  if (const OGRSpatialReference* layer_srs = layer->GetSpatialRef()) {
    OGRSpatialReference from = srs_of(crs, "CRS");
    OGRSpatialReference to(*layer_srs);
    to.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (!from.IsSame(&to)) {
      TransformPtr t(OGRCreateCoordinateTransformation(&from, &to));
      if (!t || !t->Transform(1, &x, &y)) return std::nullopt;
    }
  }
  OGRPoint point(x, y);
  layer->SetSpatialFilter(&point);
  for (auto& feature : *layer) {
    const OGRGeometry* g = feature->GetGeometryRef();
    if (!g || !g->Intersects(&point)) continue;
    std::map<std::string, std::string> props;
    for (int i = 0; i < feature->GetFieldCount(); ++i)
      if (feature->IsFieldSetAndNotNull(i))
        props[feature->GetFieldDefnRef(i)->GetNameRef()] = feature->GetFieldAsString(i);
    return props;
  }
  return std::nullopt;
}

Raster<float> read_band(const std::filesystem::path& path, int band_index) {
  init_gdal();
  GdalErrorTrap trap;
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(path.string() + ": " + what +
                             (trap.last_error().empty() ? "" : ": " + trap.last_error()));
  };
  DatasetPtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  if (!ds) fail("cannot open the raster");
  double gt[6];
  if (ds->GetGeoTransform(gt) != CE_None || gt[2] != 0.0 || gt[4] != 0.0 || gt[1] != -gt[5])
    fail("has no north-up geotransform with square cells");
  if (band_index < 1 || band_index > ds->GetRasterCount())
    fail("has no band " + std::to_string(band_index));
  std::string crs;
  if (const OGRSpatialReference* srs = ds->GetSpatialRef())
    if (srs->GetAuthorityName(nullptr) && srs->GetAuthorityCode(nullptr))
      crs = std::string(srs->GetAuthorityName(nullptr)) + ":" + srs->GetAuthorityCode(nullptr);
  const Grid grid(gt[0], gt[3], gt[1], ds->GetRasterXSize(), ds->GetRasterYSize(), crs);
  check_grid_budget(grid, 4, ResourceLimits{}, path.string());
  GDALRasterBand* b = ds->GetRasterBand(band_index);
  int has_nodata = 0;
  const double nodata = b->GetNoDataValue(&has_nodata);
  Raster<float> out(grid, NoFill{},
                    has_nodata ? std::optional<float>(static_cast<float>(nodata)) : std::nullopt);
  if (b->RasterIO(GF_Read, 0, 0, ds->GetRasterXSize(), ds->GetRasterYSize(), out.cells().data(),
                  ds->GetRasterXSize(), ds->GetRasterYSize(), GDT_Float32, 0, 0) != CE_None)
    fail("cannot read band " + std::to_string(band_index));
  return out;
}

}  // namespace standort::layers
