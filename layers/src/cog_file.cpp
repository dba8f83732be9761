#include "cog_file.hpp"

#include "gdal_handles.hpp"
#include "standort/engine/parallel.hpp"
#include "standort/layers/gdal_env.hpp"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <zstd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <stdexcept>

namespace standort::layers {
namespace {

constexpr int k_tile = 512;

// TIFF field types and the tags this writer sets itself.
constexpr std::uint16_t k_short = 3, k_long = 4;
enum Tag : std::uint16_t {
  new_subfile_type = 254,
  image_width = 256,
  image_length = 257,
  bits_per_sample = 258,
  compression = 259,
  photometric = 262,
  strip_offsets = 273,
  samples_per_pixel = 277,
  rows_per_strip = 278,
  strip_byte_counts = 279,
  planar_config = 284,
  predictor = 317,
  tile_width = 322,
  tile_length = 323,
  tile_offsets = 324,
  tile_byte_counts = 325,
  extra_samples = 338,
  sample_format = 339,
};
constexpr std::uint16_t k_zstd = 50000;  // libtiff's COMPRESSION_ZSTD

std::size_t type_size(std::uint16_t type) {
  switch (type) {
    case 1:
    case 2:
    case 6:
    case 7:
      return 1;  // BYTE, ASCII, SBYTE, UNDEFINED
    case 3:
    case 8:
      return 2;  // SHORT, SSHORT
    case 4:
    case 9:
    case 11:
    case 13:
      return 4;  // LONG, SLONG, FLOAT, IFD
    case 5:
    case 10:
    case 12:
      return 8;  // RATIONAL, SRATIONAL, DOUBLE
    default:
      return 0;
  }
}

void put16(std::string& s, std::uint16_t v) {
  s += static_cast<char>(v & 0xff);
  s += static_cast<char>(v >> 8);
}
void put32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint16_t get16(const unsigned char* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t get32(const unsigned char* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}

TiffEntry shorts(std::uint16_t tag, const std::vector<std::uint16_t>& values) {
  TiffEntry e{tag, k_short, static_cast<std::uint32_t>(values.size()), {}};
  for (std::uint16_t v : values) put16(e.value, v);
  return e;
}
TiffEntry longs(std::uint16_t tag, const std::vector<std::uint32_t>& values) {
  TiffEntry e{tag, k_long, static_cast<std::uint32_t>(values.size()), {}};
  for (std::uint32_t v : values) put32(e.value, v);
  return e;
}
/// ImageWidth and ImageLength: SHORT when it fits, as libtiff writes them.
TiffEntry dimension(std::uint16_t tag, int value) {
  return value < 65536 ? shorts(tag, {static_cast<std::uint16_t>(value)})
                       : longs(tag, {static_cast<std::uint32_t>(value)});
}

/// GDAL's hidden structural metadata right after the header: what makes GDAL report the file's
/// LAYOUT as COG and lets readers trust the tile leaders and trailers.
std::string structural_metadata() {
  const std::string body =
      "LAYOUT=IFDS_BEFORE_DATA\nBLOCK_ORDER=ROW_MAJOR\nBLOCK_LEADER=SIZE_AS_UINT4\n"
      "BLOCK_TRAILER=LAST_4_BYTES_REPEATED\nKNOWN_INCOMPATIBLE_EDITION=NO\n ";
  char head[64];
  std::snprintf(head, sizeof head, "GDAL_STRUCTURAL_METADATA_SIZE=%06zu bytes\n", body.size());
  return head + body;
}

/// The floating-point predictor (TIFF predictor 3, as libtiff applies it) of one tile row:
/// the bytes of the row's values as four planes, most significant first, then each byte minus
/// the one before it.
void float_predict_row(const float* row, unsigned char* planes, unsigned char* out) {
#if defined(__SSE2__)
  static_assert(k_tile % 16 == 0);
  (void)planes;
  // Sixteen values at a time, plane after plane: the plane's bytes (shifted down, masked and
  // packed 32 -> 16 -> 8 bits; every lane holds 0..255, so the saturating packs keep it), minus
  // the same bytes moved up by one with the byte before them (the last of the previous sixteen,
  // across planes too) coming in at the bottom.
  const __m128i low_byte = _mm_set1_epi32(0xff);
  __m128i carry = _mm_setzero_si128();  // the byte before, in the lowest lane
  for (int shift = 24; shift >= 0; shift -= 8) {
    const __m128i count = _mm_cvtsi32_si128(shift);
    unsigned char* dst = out + (3 - shift / 8) * k_tile;
    for (int x = 0; x < k_tile; x += 16) {
      __m128i b[4];
      for (int k = 0; k < 4; ++k) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + x + 4 * k));
        b[k] = _mm_and_si128(_mm_srl_epi32(v, count), low_byte);
      }
      const __m128i bytes =
          _mm_packus_epi16(_mm_packs_epi32(b[0], b[1]), _mm_packs_epi32(b[2], b[3]));
      const __m128i before = _mm_or_si128(_mm_slli_si128(bytes, 1), carry);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + x), _mm_sub_epi8(bytes, before));
      carry = _mm_srli_si128(bytes, 15);
    }
  }
#else
  for (int x = 0; x < k_tile; ++x) {
    std::uint32_t bits;
    std::memcpy(&bits, row + x, 4);
    planes[x] = static_cast<unsigned char>(bits >> 24);
    planes[k_tile + x] = static_cast<unsigned char>(bits >> 16);
    planes[2 * k_tile + x] = static_cast<unsigned char>(bits >> 8);
    planes[3 * k_tile + x] = static_cast<unsigned char>(bits);
  }
  out[0] = planes[0];
  for (int i = 1; i < 4 * k_tile; ++i)
    out[i] = static_cast<unsigned char>(planes[i] - planes[i - 1]);
#endif
}

/// Horizontal differencing (TIFF predictor 2) of one row of bytes.
void byte_predict_row(const unsigned char* row, unsigned char* out) {
  out[0] = row[0];
  for (int x = 1; x < k_tile; ++x) out[x] = static_cast<unsigned char>(row[x] - row[x - 1]);
}

struct ZstdContext {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

std::vector<TiffEntry> gdal_tags(GDALDataset& described, const std::string& where) {
  init_gdal();
  GdalErrorTrap trap;
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(where + ": " + what +
                             (trap.last_error().empty() ? "" : ": " + trap.last_error()));
  };
  GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
  if (!gtiff) fail("GDAL lacks the GTiff driver");
  static std::atomic<unsigned long> counter{0};
  const std::string path = "/vsimem/standort-tags-" + std::to_string(counter.fetch_add(1)) + ".tif";
  const int bands = described.GetRasterCount();
  const GDALDataType type =
      bands > 0 ? described.GetRasterBand(1)->GetRasterDataType() : GDT_Float32;
  CPLStringList create;
  create.SetNameValue("INTERLEAVE", "BAND");
  {
    DatasetPtr t(gtiff->Create(path.c_str(), 1, 1, bands, type, create.List()));
    if (!t) fail("cannot describe the GeoTIFF");
    double gt[6];
    if (described.GetGeoTransform(gt) == CE_None) t->SetGeoTransform(gt);
    if (const OGRSpatialReference* srs = described.GetSpatialRef()) t->SetSpatialRef(srs);
    t->SetMetadata(described.GetMetadata());
    for (int b = 1; b <= bands; ++b) {
      GDALRasterBand* from = described.GetRasterBand(b);
      GDALRasterBand* to = t->GetRasterBand(b);
      int has_nodata = 0;
      const double nodata = from->GetNoDataValue(&has_nodata);
      if (has_nodata) to->SetNoDataValue(nodata);
      to->SetDescription(from->GetDescription());
      to->SetUnitType(from->GetUnitType());
      to->SetMetadata(from->GetMetadata());
    }
  }
  vsi_l_offset length = 0;
  VsiBufferPtr buffer(VSIGetMemFileBuffer(path.c_str(), &length, TRUE));
  if (!buffer || !trap.errors().empty()) fail("cannot describe the GeoTIFF");
  const auto* d = reinterpret_cast<const unsigned char*>(buffer.get());
  if (length < 8 || d[0] != 'I' || d[1] != 'I' || get16(d + 2) != 42)
    fail("GDAL did not describe the GeoTIFF as a little-endian classic TIFF");
  const std::uint32_t ifd = get32(d + 4);
  if (ifd + 2 > length) fail("the GeoTIFF description is truncated");
  const std::uint16_t n = get16(d + ifd);
  if (ifd + 2 + 12ull * n + 4 > length) fail("the GeoTIFF description is truncated");
  static const std::set<std::uint16_t> structure{
      new_subfile_type, image_width,   image_length,      bits_per_sample, compression,
      photometric,      strip_offsets, samples_per_pixel, rows_per_strip,  strip_byte_counts,
      planar_config,    predictor,     tile_width,        tile_length,     tile_offsets,
      tile_byte_counts, extra_samples, sample_format};
  std::vector<TiffEntry> out;
  for (std::uint16_t i = 0; i < n; ++i) {
    const unsigned char* e = d + ifd + 2 + 12 * i;
    TiffEntry entry{get16(e), get16(e + 2), get32(e + 4), {}};
    if (structure.count(entry.tag)) continue;
    const std::size_t size = type_size(entry.type) * entry.count;
    if (type_size(entry.type) == 0) fail("the GeoTIFF description has a tag of unknown type");
    const unsigned char* value = e + 8;
    if (size > 4) {
      const std::uint32_t at = get32(e + 8);
      if (at + size > length) fail("the GeoTIFF description is truncated");
      value = d + at;
    }
    entry.value.assign(reinterpret_cast<const char*>(value), size);
    out.push_back(std::move(entry));
  }
  return out;
}

bool write_cog_file(const std::filesystem::path& path, const std::vector<CogLevel>& levels,
                    const CogFileOptions& options, const std::string& where) {
  if (levels.empty() || levels.front().bands.empty())
    throw std::runtime_error(where + ": no bands to write");
  const std::size_t band_count = levels.front().bands.size();
  const std::size_t cell_bytes = options.byte_cells ? 1 : 4;
  const std::size_t tile_bytes = std::size_t{k_tile} * k_tile * cell_bytes;

  // Every tile: its level, band and position, in file order (smallest overview first, then band
  // by band, rows of tiles from the top).
  struct Tile {
    std::size_t level, band;
    int tx, ty;
  };
  std::vector<Tile> tiles;
  std::vector<std::size_t> first_tile(levels.size());  // index in `tiles` of each level's first
  std::uint64_t bound = 0;
  for (std::size_t l = levels.size(); l-- > 0;) {
    const CogLevel& level = levels[l];
    if (level.bands.size() != band_count || level.width < 1 || level.height < 1)
      throw std::runtime_error(where + ": inconsistent image levels");
    first_tile[l] = tiles.size();
    const int across = (level.width + k_tile - 1) / k_tile;
    const int down = (level.height + k_tile - 1) / k_tile;
    for (std::size_t b = 0; b < band_count; ++b)
      for (int ty = 0; ty < down; ++ty)
        for (int tx = 0; tx < across; ++tx) {
          tiles.push_back({l, b, tx, ty});
          bound += ZSTD_compressBound(tile_bytes) + 8;
        }
  }
  if (bound > k_cog_file_limit) return false;

  // Compress the tiles (in parallel: each is compressed from the inputs alone, so the bytes do
  // not depend on the thread count).
  std::vector<std::string> packed(tiles.size());
  const auto fill_f = static_cast<float>(options.fill);
  // Converted for the cell type in use only: a Float32 file's fill (-9999) is no byte.
  const auto fill_b = static_cast<unsigned char>(options.byte_cells ? options.fill : 0.0);
  parallel_for_blocks(
      static_cast<std::int64_t>(tiles.size()), options.threads,
      [&](std::int64_t begin, std::int64_t end) {
        std::unique_ptr<ZSTD_CCtx, ZstdContext> context(ZSTD_createCCtx());
        if (!context || ZSTD_isError(ZSTD_CCtx_setParameter(context.get(), ZSTD_c_compressionLevel,
                                                            options.zstd_level)))
          throw std::runtime_error(where + ": cannot set up ZSTD compression");
        std::vector<unsigned char> raw(tile_bytes);
        std::vector<char> scratch(ZSTD_compressBound(tile_bytes));
        std::vector<float> row_f(k_tile);
        std::vector<unsigned char> row_b(k_tile), planes(4 * k_tile);
        for (std::int64_t t = begin; t < end; ++t) {
          const Tile& tile = tiles[static_cast<std::size_t>(t)];
          const CogLevel& level = levels[tile.level];
          const int x0 = tile.tx * k_tile, y0 = tile.ty * k_tile;
          const int w = std::min(k_tile, level.width - x0);
          for (int y = 0; y < k_tile; ++y) {
            unsigned char* out = raw.data() + std::size_t{k_tile} * cell_bytes * y;
            const int src_y = y0 + y;
            const bool inside = src_y < level.height;
            const std::size_t offset =
                static_cast<std::size_t>(src_y) * static_cast<std::size_t>(level.width) + x0;
            if (options.byte_cells) {
              const auto* src = static_cast<const unsigned char*>(level.bands[tile.band]);
              std::fill(row_b.begin(), row_b.end(), fill_b);
              if (inside) std::memcpy(row_b.data(), src + offset, static_cast<std::size_t>(w));
              byte_predict_row(row_b.data(), out);
            } else {
              const auto* src = static_cast<const float*>(level.bands[tile.band]);
              if (inside && w == k_tile) {
                // A whole row of the image: predicted where it lies, while the next row is asked
                // for (rows of a tile lie a whole image row apart, where no prefetcher looks).
                if (src_y + 1 < level.height)
                  for (int b = 0; b < k_tile * 4; b += 64)
                    __builtin_prefetch(reinterpret_cast<const char*>(src + offset + level.width) +
                                       b);
                float_predict_row(src + offset, planes.data(), out);
                continue;
              }
              std::fill(row_f.begin(), row_f.end(), fill_f);
              if (inside) std::memcpy(row_f.data(), src + offset, static_cast<std::size_t>(w) * 4);
              float_predict_row(row_f.data(), planes.data(), out);
            }
          }
          const std::size_t n =
              ZSTD_compress2(context.get(), scratch.data(), scratch.size(), raw.data(), raw.size());
          if (ZSTD_isError(n))
            throw std::runtime_error(where + ": ZSTD compression failed: " + ZSTD_getErrorName(n));
          // Only the compressed bytes are kept: a tile-sized buffer per tile would hold (and
          // touch) the whole raster's size again.
          packed[static_cast<std::size_t>(t)].assign(scratch.data(), n);
        }
      },
      1);

  // The directories: one per level, with the tile offsets of the data that follows them all.
  const std::string ghost = structural_metadata();
  std::uint32_t ifd_start = 8 + static_cast<std::uint32_t>(ghost.size());
  ifd_start += ifd_start % 2;
  std::vector<std::vector<TiffEntry>> directories(levels.size());
  auto describe = [&](std::size_t l, const std::vector<std::uint32_t>& offsets,
                      const std::vector<std::uint32_t>& counts) {
    const CogLevel& level = levels[l];
    const auto n = static_cast<std::uint16_t>(band_count);
    std::vector<TiffEntry> e;
    if (l > 0) e.push_back(longs(new_subfile_type, {1}));  // reduced-resolution image
    e.push_back(dimension(image_width, level.width));
    e.push_back(dimension(image_length, level.height));
    e.push_back(shorts(bits_per_sample,
                       std::vector<std::uint16_t>(band_count, options.byte_cells ? 8 : 32)));
    e.push_back(shorts(compression, {k_zstd}));
    e.push_back(shorts(photometric, {1}));  // min-is-black
    e.push_back(shorts(samples_per_pixel, {n}));
    e.push_back(shorts(planar_config, {static_cast<std::uint16_t>(band_count > 1 ? 2 : 1)}));
    e.push_back(shorts(predictor, {static_cast<std::uint16_t>(options.byte_cells ? 2 : 3)}));
    e.push_back(shorts(tile_width, {k_tile}));
    e.push_back(shorts(tile_length, {k_tile}));
    e.push_back(longs(tile_offsets, offsets));
    e.push_back(longs(tile_byte_counts, counts));
    if (band_count > 1)
      e.push_back(shorts(extra_samples, std::vector<std::uint16_t>(band_count - 1, 0)));
    e.push_back(
        shorts(sample_format, std::vector<std::uint16_t>(band_count, options.byte_cells ? 1 : 3)));
    for (const TiffEntry& t : l == 0 ? options.main_tags : options.overview_tags) e.push_back(t);
    std::stable_sort(e.begin(), e.end(),
                     [](const TiffEntry& a, const TiffEntry& b) { return a.tag < b.tag; });
    directories[l] = std::move(e);
  };
  auto directory_size = [](const std::vector<TiffEntry>& e) {
    std::uint64_t size = 2 + 12 * e.size() + 4;
    for (const TiffEntry& t : e)
      if (t.value.size() > 4) size += t.value.size() + t.value.size() % 2;
    return size;
  };
  // Sizes first (with placeholder offsets: the arrays have their final length), then the data's
  // position, then the real offsets.
  std::vector<std::vector<std::uint32_t>> offsets(levels.size()), counts(levels.size());
  for (std::size_t l = 0; l < levels.size(); ++l) {
    const std::size_t end = l == 0 ? tiles.size() : first_tile[l - 1];
    offsets[l].assign(end - first_tile[l], 0);
    counts[l].assign(end - first_tile[l], 0);
    describe(l, offsets[l], counts[l]);
  }
  std::uint64_t data_start = ifd_start;
  for (const auto& d : directories) data_start += directory_size(d);
  std::uint64_t at = data_start;
  for (std::size_t t = 0; t < tiles.size(); ++t) {
    const std::size_t l = tiles[t].level;
    const std::size_t k = t - first_tile[l];
    offsets[l][k] = static_cast<std::uint32_t>(at + 4);  // after the size leader
    counts[l][k] = static_cast<std::uint32_t>(packed[t].size());
    at += 4 + packed[t].size() + 4;
  }
  if (at > k_cog_file_limit) return false;
  for (std::size_t l = 0; l < levels.size(); ++l) describe(l, offsets[l], counts[l]);

  std::string head;
  head.reserve(static_cast<std::size_t>(data_start));
  head += "II";
  put16(head, 42);
  put32(head, ifd_start);
  head += ghost;
  head.resize(ifd_start, '\0');
  for (std::size_t l = 0; l < directories.size(); ++l) {
    const auto& e = directories[l];
    const std::uint64_t here = head.size();
    std::uint64_t values = here + 2 + 12 * e.size() + 4;
    std::string out_of_line;
    put16(head, static_cast<std::uint16_t>(e.size()));
    for (const TiffEntry& t : e) {
      put16(head, t.tag);
      put16(head, t.type);
      put32(head, t.count);
      if (t.value.size() <= 4) {
        std::string v = t.value;
        v.resize(4, '\0');
        head += v;
      } else {
        put32(head, static_cast<std::uint32_t>(values + out_of_line.size()));
        out_of_line += t.value;
        if (out_of_line.size() % 2) out_of_line += '\0';
      }
    }
    put32(head,
          l + 1 < directories.size() ? static_cast<std::uint32_t>(here + directory_size(e)) : 0u);
    head += out_of_line;
  }
  if (head.size() != data_start) throw std::runtime_error(where + ": TIFF layout error");

  auto write_failed = [&](int error) {
    throw std::runtime_error(where + ": writing failed: " + std::strerror(error));
  };
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "wb"));
  if (!file) write_failed(errno);
  std::setvbuf(file.get(), nullptr, _IOFBF, 1 << 20);
  auto put = [&](const void* bytes, std::size_t n) {
    if (std::fwrite(bytes, 1, n, file.get()) != n) write_failed(errno ? errno : EIO);
  };
  put(head.data(), head.size());
  for (const std::string& p : packed) {
    std::string leader;  // the tile's size, as GDAL's BLOCK_LEADER=SIZE_AS_UINT4
    put32(leader, static_cast<std::uint32_t>(p.size()));
    put(leader.data(), leader.size());
    put(p.data(), p.size());
    put(p.data() + p.size() - 4, 4);  // the trailer: the last four bytes again
  }
  if (std::fflush(file.get()) != 0) write_failed(errno ? errno : EIO);
  std::FILE* raw = file.release();
  if (std::fclose(raw) != 0) write_failed(errno ? errno : EIO);
  return true;
}

}  // namespace standort::layers
