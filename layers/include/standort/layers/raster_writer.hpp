// GeoTIFF output of Float32 bands from engine rasters: by default a Cloud-Optimized GeoTIFF (tiled,
// ZSTD or DEFLATE with the floating-point predictor, overviews down to ~256 cells), or a plain
// uncompressed GeoTIFF when speed matters more than size; always with nodata, CRS, band
// descriptions and units.
#pragma once

#include "standort/engine/grid.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace standort::layers {

struct BandOut {
  std::span<const float> cells;  ///< row-major, grid.cols() * grid.rows()
  std::string description;
  std::string unit;
  std::map<std::string, std::string> metadata;
  /// Instead of `cells`: categorical codes, written as a Byte band (COG only). All bands of one
  /// file are either Float32 or Byte.
  std::span<const std::uint8_t> codes = {};
};

struct GeoTiffOptions {
  bool cog = true;  ///< false: plain striped GeoTIFF, uncompressed, no overviews
  float nodata = -9999.0f;
  std::uint8_t code_nodata = 255;               ///< nodata of Byte (categorical) bands
  std::string overview_resampling = "AVERAGE";  ///< NEAREST for categorical bands
  int threads = 0;
  /// COG compression: "ZSTD" (default; 2.5x faster to write than DEFLATE at the same size with
  /// the floating-point predictor, read by every GDAL >= 2.3 and so by QGIS) or "DEFLATE" (for
  /// readers without ZSTD).
  std::string compression = "ZSTD";
  /// Compression level. The default, ZSTD's fast level -1, applies to the COGs standort writes
  /// itself: on the default run's rasters it compresses as well as level 1 (101.1 against 101.0 MB)
  /// in a fifth less time. GDAL's drivers take levels from 1, so -1 means 1 there.
  int level = -1;
  /// COG predictor. "AUTO" (the default) with ZSTD: standort writes the file itself, bands in
  /// separate planes, the floating-point predictor for Float32 bands and horizontal differencing
  /// for Byte bands (each band predicted on its own compresses best: on Bochum's default run the
  /// rasters are 11 % smaller than GDAL 3.6's COG driver makes them, which interleaves bands by
  /// pixel). "FLOATING_POINT", "STANDARD" or "NO", or another compression, go through GDAL's COG
  /// driver with that predictor.
  std::string predictor = "AUTO";
  std::map<std::string, std::string> metadata;  ///< dataset-level metadata items
};

/// Writes `bands` on `grid` as a GeoTIFF at `target`, atomically. Throws std::runtime_error naming
/// the file when GDAL reports an error.
void write_geotiff(const std::filesystem::path& target, const Grid& grid,
                   const std::vector<BandOut>& bands, const GeoTiffOptions& options);

/// Band description for streamed output, whose cells arrive in row bands.
struct BandInfo {
  std::string description;
  std::string unit;
  std::map<std::string, std::string> metadata;
};

/// Writes a GeoTIFF band of rows at a time, so memory stays bounded however large the grid.
/// A plain GeoTIFF is written directly; a COG goes through a tiled temporary GeoTIFF in the
/// target folder whose overviews GDAL builds from disk, then is copied into COG layout.
/// Nothing appears under the target name until finish() succeeds.
class GeoTiffStream {
 public:
  GeoTiffStream(std::filesystem::path target, const Grid& grid, std::vector<BandInfo> bands,
                GeoTiffOptions options);
  ~GeoTiffStream();
  GeoTiffStream(const GeoTiffStream&) = delete;
  GeoTiffStream& operator=(const GeoTiffStream&) = delete;

  /// Rows [row_begin, row_begin + n) of every band; each span holds n * cols cells.
  void write_rows(std::int64_t row_begin, const std::vector<std::span<const float>>& bands);
  void finish();

 private:
  struct Impl;
  Impl* m_impl;
};

}  // namespace standort::layers
