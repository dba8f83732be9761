// RAII owners for GDAL/OGR handles used inside the layers library: datasets, features and
// coordinate transformations are released by these deleters only.
#pragma once

#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_feature.h>
#include <ogr_spatialref.h>

#include <memory>
#include <string>

namespace standort::layers {

struct DatasetCloser {
  void operator()(GDALDataset* ds) const { GDALClose(ds); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetCloser>;

/// A buffer GDAL allocated (e.g. a /vsimem/ file's bytes taken with VSIGetMemFileBuffer).
struct VsiFree {
  void operator()(GByte* p) const { VSIFree(p); }
};
using VsiBufferPtr = std::unique_ptr<GByte, VsiFree>;

struct FeatureDeleter {
  void operator()(OGRFeature* f) const { OGRFeature::DestroyFeature(f); }
};
using FeaturePtr = std::unique_ptr<OGRFeature, FeatureDeleter>;

struct TransformDeleter {
  void operator()(OGRCoordinateTransformation* t) const {
    OGRCoordinateTransformation::DestroyCT(t);
  }
};
using TransformPtr = std::unique_ptr<OGRCoordinateTransformation, TransformDeleter>;

/// Parses a user CRS string ("EPSG:25832", WKT, a PROJ string) into `out`. Each distinct string
/// is looked up in PROJ's database once per process and copied afterwards (the lookup costs a few
/// milliseconds, a copy microseconds). Thread-safe. False when the string names no CRS.
bool parse_crs(const std::string& crs, OGRSpatialReference& out);

}  // namespace standort::layers
