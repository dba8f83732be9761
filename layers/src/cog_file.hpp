// The bytes of a Cloud-Optimized GeoTIFF written directly: ZSTD-compressed 512 x 512 tiles with
// their predictor, bands in separate planes, IFDs before the data, the smallest overview first,
// each tile with GDAL's size leader and repeated trailer. The georeferencing and metadata tags
// come from GDAL (gdal_tags), so that they are exactly what GDAL would write.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

class GDALDataset;

namespace standort::layers {

/// One TIFF directory entry as it is stored: tag, field type, count and the value bytes
/// (little-endian), wherever they end up in the file.
struct TiffEntry {
  std::uint16_t tag = 0;
  std::uint16_t type = 0;
  std::uint32_t count = 0;
  std::string value;
};

/// The entries GDAL writes for `described`'s georeferencing (geotransform, CRS), nodata and
/// metadata (dataset and band items, band descriptions and units): taken from a one-cell GeoTIFF
/// GDAL writes in memory with the same description. Image structure tags are left out.
std::vector<TiffEntry> gdal_tags(GDALDataset& described, const std::string& where);

/// One resolution of the image: `bands` point at width x height cells each, row-major.
struct CogLevel {
  int width = 0;
  int height = 0;
  std::vector<const void*> bands;
};

struct CogFileOptions {
  bool byte_cells = false;  ///< Byte bands (horizontal differencing) instead of Float32 (floating
                            ///< point predictor)
  double fill = 0.0;        ///< the value of tile cells beyond the image's edge (the nodata value)
  int zstd_level = 1;
  int threads = 1;                       ///< tiles are compressed on this many threads
  std::vector<TiffEntry> main_tags;      ///< from gdal_tags, written with the full resolution
  std::vector<TiffEntry> overview_tags;  ///< written with every overview (GDAL: the nodata tag)
};

/// Largest file this writer lays out (classic TIFF's 32-bit offsets, with a margin).
constexpr std::uint64_t k_cog_file_limit = 0xF0000000ull;

/// Writes `levels` (the full resolution first, then overviews of decreasing size, all with the
/// same number of bands) to `path`. False without writing anything when the file could exceed
/// k_cog_file_limit. Throws std::runtime_error naming `where` when writing fails.
bool write_cog_file(const std::filesystem::path& path, const std::vector<CogLevel>& levels,
                    const CogFileOptions& options, const std::string& where);

}  // namespace standort::layers
