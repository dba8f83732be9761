#include "standort/layers/raster_writer.hpp"

#include "standort/engine/parallel.hpp"
#include "standort/layers/atomic_file.hpp"
#include "standort/layers/gdal_env.hpp"

#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace standort::layers {
namespace {

struct DatasetCloser {
  void operator()(GDALDataset* ds) const { GDALClose(ds); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetCloser>;

}  // namespace

void write_cog(const std::filesystem::path& target, const Grid& grid, const std::vector<BandOut>& bands,
               const CogOptions& options) {
  init_gdal();
  GdalErrorTrap trap;
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(target.string() + ": " + what + (trap.last_error().empty() ? "" : ": " + trap.last_error()));
  };
  if (grid.cols() > INT32_MAX || grid.rows() > INT32_MAX) fail("grid is too large for GeoTIFF");
  GDALDriver* mem_driver = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDriver* cog_driver = GetGDALDriverManager()->GetDriverByName("COG");
  if (!mem_driver || !cog_driver) fail("GDAL lacks the MEM or COG driver");

  const int cols = static_cast<int>(grid.cols());
  const int rows = static_cast<int>(grid.rows());
  // The MEM dataset borrows the engine's cells (DATAPOINTER): no copy of the raster.
  DatasetPtr mem(mem_driver->Create("", cols, rows, 0, GDT_Float32, nullptr));
  if (!mem) fail("cannot create the in-memory dataset");
  for (const BandOut& band : bands) {
    if (band.cells.size() != static_cast<std::size_t>(grid.cell_count())) fail("band size does not match the grid");
    char pointer[64];
    std::snprintf(pointer, sizeof pointer, "DATAPOINTER=%p", static_cast<const void*>(band.cells.data()));
    CPLStringList band_options;
    band_options.AddString(pointer);
    if (mem->AddBand(GDT_Float32, band_options.List()) != CE_None) fail("cannot attach a band");
    GDALRasterBand* b = mem->GetRasterBand(mem->GetRasterCount());
    b->SetNoDataValue(options.nodata);
    b->SetDescription(band.description.c_str());
    b->SetUnitType(band.unit.c_str());
    for (const auto& [key, value] : band.metadata) b->SetMetadataItem(key.c_str(), value.c_str());
  }
  double gt[6];
  grid.geotransform(gt);
  mem->SetGeoTransform(gt);
  OGRSpatialReference srs;
  if (srs.SetFromUserInput(grid.crs().c_str()) != OGRERR_NONE) fail("unknown CRS '" + grid.crs() + "'");
  mem->SetSpatialRef(&srs);
  for (const auto& [key, value] : options.metadata) mem->SetMetadataItem(key.c_str(), value.c_str());

  std::filesystem::create_directories(target.parent_path());
  AtomicPath tmp(target);
  CPLStringList cog_options;
  cog_options.SetNameValue("COMPRESS", "DEFLATE");
  cog_options.SetNameValue("PREDICTOR", "YES");
  cog_options.SetNameValue("LEVEL", "6");
  cog_options.SetNameValue("BLOCKSIZE", "512");
  cog_options.SetNameValue("BIGTIFF", "IF_SAFER");
  cog_options.SetNameValue("OVERVIEWS", "AUTO");
  cog_options.SetNameValue("OVERVIEW_RESAMPLING", options.overview_resampling.c_str());
  cog_options.SetNameValue("NUM_THREADS", std::to_string(resolve_threads(options.threads)).c_str());
  {
    DatasetPtr out(cog_driver->CreateCopy(tmp.temp().c_str(), mem.get(), FALSE, cog_options.List(), nullptr, nullptr));
    if (!out) fail("writing the GeoTIFF failed");
    out->FlushCache();
  }
  if (!trap.errors().empty()) fail("writing the GeoTIFF failed");
  tmp.commit();
}

}  // namespace standort::layers
