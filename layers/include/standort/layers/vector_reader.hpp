// Reading vector inputs through GDAL/OGR: driver allowlist, reprojection to the working CRS in
// traditional GIS axis order, and validation of every feature (geometry, coordinates, text), with
// messages that name the file, layer, feature and a fix.
#pragma once

#include "standort/engine/geometry.hpp"
#include "standort/engine/scenario.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace standort::layers {

struct ReadReport {
  std::string driver;
  std::string layer;
  std::string source_crs;  ///< e.g. "EPSG:4326 (WGS 84)"
  std::int64_t features = 0;
  std::int64_t repaired = 0;
  std::vector<std::string> warnings;
};

struct LayerRead {
  FeatureSet features;
  ReadReport report;
  std::vector<std::string> problems;  ///< one full message per bad feature
};

/// Drivers standort opens vectors with.
const std::vector<std::string>& allowed_vector_drivers();

class OpenSources;

/// Reads and validates every feature, collecting feature-level problems instead of throwing.
/// File-level problems (cannot open, no such layer, no CRS, unknown field) throw InputError.
/// With `sources`, a file already opened for an earlier input is not opened again.
LayerRead read_layer_collect(const InputSpec& spec, const std::string& target_crs,
                             OpenSources* sources = nullptr);

/// As read_layer_collect, but any problem is an InputError listing every bad feature.
FeatureSet read_layer(const InputSpec& spec, const std::string& target_crs, ReadReport& report,
                      OpenSources* sources = nullptr);

/// Vector sources kept open while several inputs are read, so that inputs naming layers of one
/// file (a GeoPackage of many layers) open it once: GDAL takes about 2 ms to open a GeoPackage,
/// most of the time it takes to read a small layer. For one thread at a time.
class OpenSources {
 public:
  OpenSources();
  ~OpenSources();
  OpenSources(const OpenSources&) = delete;
  OpenSources& operator=(const OpenSources&) = delete;

 private:
  friend LayerRead read_layer_collect(const InputSpec&, const std::string&, OpenSources*);
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// Why GDAL cannot open `path` as a vector source, and what to do about it, from the file's size,
/// its first bytes (ZIP, HTML/XML), the driver GDAL would pick without standort's allowlist and
/// GDAL's own errors; for messages that begin "FILE: cannot be opened ...: ".
std::string unopenable_reason(const std::filesystem::path& path,
                              const std::vector<std::string>& gdal_errors);

/// Planning-data check of one district level: pairs of districts that overlap and gaps that the
/// districts enclose, each larger than `min_area_m2`, as warnings that name the districts, the
/// area and a point in it (working CRS). The largest five of each kind are listed, the rest
/// summed. Empty when the level tiles cleanly. `where` starts each message ("FILE: layer 'x'").
std::vector<std::string> district_coverage_warnings(const FeatureSet& districts,
                                                    const std::string& where,
                                                    double min_area_m2 = 1.0);

}  // namespace standort::layers
