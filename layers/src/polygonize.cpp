#include "standort/layers/polygonize.hpp"

#include "gdal_handles.hpp"
#include "standort/layers/gdal_env.hpp"

#include <gdal_alg.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <boost/geometry/algorithms/correct.hpp>

#include <cstdio>
#include <stdexcept>

namespace standort::layers {

std::vector<MultiPolygon> polygonize_labels(const Raster<std::int32_t>& labels,
                                            std::int32_t count) {
  init_gdal();
  GdalErrorTrap trap;
  auto fail = [&](const std::string& what) {
    throw std::runtime_error("outlines of the found regions: " + what +
                             (trap.last_error().empty() ? "" : ": " + trap.last_error()));
  };
  const Grid& grid = labels.grid();
  if (grid.cols() > INT32_MAX || grid.rows() > INT32_MAX) fail("grid too large");
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  if (!mem) fail("GDAL lacks the MEM driver");
  DatasetPtr raster(mem->Create("", static_cast<int>(grid.cols()), static_cast<int>(grid.rows()), 0,
                                GDT_Int32, nullptr));
  if (!raster) fail("cannot create the in-memory raster");
  char pointer[64];
  std::snprintf(pointer, sizeof pointer, "DATAPOINTER=%p",
                static_cast<const void*>(labels.cells().data()));
  CPLStringList band_options;
  band_options.AddString(pointer);
  if (raster->AddBand(GDT_Int32, band_options.List()) != CE_None) fail("cannot attach the band");
  double gt[6];
  grid.geotransform(gt);
  raster->SetGeoTransform(gt);
  GDALRasterBand* band = raster->GetRasterBand(1);

  GDALDriver* memory = GetGDALDriverManager()->GetDriverByName("Memory");
  if (!memory) fail("GDAL lacks the Memory driver");
  DatasetPtr vector(memory->Create("", 0, 0, 0, GDT_Unknown, nullptr));
  if (!vector) fail("cannot create the in-memory layer");
  OGRLayer* layer = vector->CreateLayer("regions", nullptr, wkbPolygon, nullptr);
  if (!layer) fail("cannot create the in-memory layer");
  OGRFieldDefn field("label", OFTInteger);
  if (layer->CreateField(&field) != OGRERR_NONE) fail("cannot create the label field");
  // The band masks itself: cells labelled 0 produce no polygon.
  if (GDALPolygonize(band, band, layer, 0, nullptr, nullptr, nullptr) != CE_None)
    fail("GDALPolygonize failed");

  std::vector<MultiPolygon> out(static_cast<std::size_t>(std::max(count, 0)));
  layer->ResetReading();
  for (auto& feature : *layer) {
    const int label = feature->GetFieldAsInteger(0);
    if (label < 1 || label > count) continue;
    const OGRGeometry* g = feature->GetGeometryRef();
    if (!g || wkbFlatten(g->getGeometryType()) != wkbPolygon) continue;
    const OGRPolygon* p = g->toPolygon();
    Polygon poly;
    auto copy_ring = [](const OGRLinearRing* ring, auto& target) {
      for (int i = 0; i < ring->getNumPoints(); ++i)
        target.emplace_back(ring->getX(i), ring->getY(i));
    };
    copy_ring(p->getExteriorRing(), poly.outer());
    for (int r = 0; r < p->getNumInteriorRings(); ++r) {
      poly.inners().emplace_back();
      copy_ring(p->getInteriorRing(r), poly.inners().back());
    }
    boost::geometry::correct(poly);
    out[static_cast<std::size_t>(label - 1)].push_back(std::move(poly));
  }
  if (!trap.errors().empty()) fail("GDAL reported an error");
  return out;
}

}  // namespace standort::layers
