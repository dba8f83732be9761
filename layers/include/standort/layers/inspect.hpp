// What standort sees in a source: driver, layers, CRS, extent, fields and the problems that ingest
// would report, as JSON for `standort info` (text output is rendered from the same JSON).
#pragma once

#include "standort/engine/scenario.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace standort::layers {

/// Describes a raster or vector source. `spec.layer` limits a vector source to one layer;
/// `target_crs` is the working CRS extents are also reported in. Throws InputError when the
/// source cannot be opened.
nlohmann::json describe_source(const InputSpec& spec, const std::string& target_crs);

}  // namespace standort::layers
