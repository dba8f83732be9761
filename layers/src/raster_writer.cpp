#include "standort/layers/raster_writer.hpp"

#include "cog_file.hpp"
#include "gdal_handles.hpp"
#include "standort/engine/parallel.hpp"
#include "standort/engine/raster.hpp"
#include "standort/layers/atomic_file.hpp"
#include "standort/layers/gdal_env.hpp"

#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>

namespace standort::layers {

namespace {

bool valid_predictor(const std::string& p) {
  return p == "AUTO" || p == "FLOATING_POINT" || p == "STANDARD" || p == "NO";
}

/// The COG driver's PREDICTOR value for `options.predictor` (see GeoTiffOptions::predictor).
const char* predictor_for(const GeoTiffOptions& options, std::size_t bands, bool categorical) {
  if (options.predictor != "AUTO") return options.predictor.c_str();
  return categorical || bands > 1 ? "STANDARD" : "FLOATING_POINT";
}

/// GDAL's band statistics (STATISTICS_MINIMUM, _MAXIMUM, _MEAN, _STDDEV, _VALID_PERCENT) of the
/// cells with data, so that QGIS and gdalinfo show them, and stretch the band, without reading it.
/// One pass: sums of x - K and (x - K)^2 around the first value K (so the variance does not lose
/// digits to cancellation), four interleaved accumulators without a branch per cell; the
/// population standard deviation, as GDAL computes it.
void set_statistics(GDALRasterBand& band, std::span<const float> cells, float nodata) {
  std::size_t first = 0;
  while (first < cells.size() && (cells[first] == nodata || std::isnan(cells[first]))) ++first;
  if (first == cells.size()) return;
  const double shift = cells[first];
  double sum[4] = {0.0, 0.0, 0.0, 0.0}, sq[4] = {0.0, 0.0, 0.0, 0.0};
  double lo[4] = {shift, shift, shift, shift}, hi[4] = {shift, shift, shift, shift};
  std::size_t count[4] = {0, 0, 0, 0};
  auto add = [&](float v, int lane) {
    const bool ok = !(v == nodata) && v == v;
    const double x = ok ? static_cast<double>(v) : shift;
    const double d = x - shift;
    sum[lane] += d;
    sq[lane] += d * d;
    lo[lane] = std::min(lo[lane], x);
    hi[lane] = std::max(hi[lane], x);
    count[lane] += ok;
  };
  std::size_t i = first;
#if defined(__SSE2__)
  // The same four lanes with SSE2, two doubles a register: lanes 0 and 1 in `*01`, 2 and 3 in
  // `*23`, each adding its cells in the same order as above, so the sums are the same bits.
  // Minimum and maximum are exact in any order; they are taken on the floats.
  {
    const __m128d k = _mm_set1_pd(shift);
    __m128d sum01 = _mm_setzero_pd(), sum23 = _mm_setzero_pd();
    __m128d sq01 = _mm_setzero_pd(), sq23 = _mm_setzero_pd();
    const __m128 first_value = _mm_set1_ps(static_cast<float>(shift));
    __m128 lo4 = first_value, hi4 = first_value;
    const __m128 nd = _mm_set1_ps(nodata);
    // Per lane, minus the number of valid cells (a valid lane's mask is -1), in blocks of at most
    // 2^30 cells so that no lane's 32-bit count wraps. (Counting the movemask's bits would call
    // libgcc's popcount, not an instruction, on baseline x86-64.)
    std::size_t valid = 0;
    while (i + 4 <= cells.size()) {
      const std::size_t block_end = i + std::min<std::size_t>((cells.size() - i) / 4 * 4, 1u << 30);
      __m128i minus_valid = _mm_setzero_si128();
      for (; i < block_end; i += 4) {
        const __m128 v = _mm_loadu_ps(cells.data() + i);
        // Valid: not NaN (ordered with itself) and not the nodata value.
        const __m128 ok = _mm_and_ps(_mm_cmpord_ps(v, v), _mm_cmpneq_ps(v, nd));
        const __m128 x = _mm_or_ps(_mm_and_ps(ok, v), _mm_andnot_ps(ok, first_value));
        // As std::min(lo, x) and std::max(hi, x): on a tie (-0 and +0) the lane keeps its value.
        lo4 = _mm_min_ps(x, lo4);
        hi4 = _mm_max_ps(x, hi4);
        const __m128d d01 = _mm_sub_pd(_mm_cvtps_pd(x), k);
        const __m128d d23 = _mm_sub_pd(_mm_cvtps_pd(_mm_movehl_ps(x, x)), k);
        sum01 = _mm_add_pd(sum01, d01);
        sum23 = _mm_add_pd(sum23, d23);
        sq01 = _mm_add_pd(sq01, _mm_mul_pd(d01, d01));
        sq23 = _mm_add_pd(sq23, _mm_mul_pd(d23, d23));
        minus_valid = _mm_add_epi32(minus_valid, _mm_castps_si128(ok));
      }
      std::uint32_t lanes[4];
      _mm_storeu_si128(reinterpret_cast<__m128i*>(lanes),
                       _mm_sub_epi32(_mm_setzero_si128(), minus_valid));
      valid += std::size_t{lanes[0]} + lanes[1] + lanes[2] + lanes[3];
    }
    _mm_storel_pd(&sum[0], sum01);
    _mm_storeh_pd(&sum[1], sum01);
    _mm_storel_pd(&sum[2], sum23);
    _mm_storeh_pd(&sum[3], sum23);
    _mm_storel_pd(&sq[0], sq01);
    _mm_storeh_pd(&sq[1], sq01);
    _mm_storel_pd(&sq[2], sq23);
    _mm_storeh_pd(&sq[3], sq23);
    float l[4], h[4];
    _mm_storeu_ps(l, lo4);
    _mm_storeu_ps(h, hi4);
    for (int lane = 0; lane < 4; ++lane) {
      lo[lane] = l[lane];
      hi[lane] = h[lane];
    }
    count[0] = valid;
  }
#else
  for (; i + 4 <= cells.size(); i += 4) {
    add(cells[i], 0);
    add(cells[i + 1], 1);
    add(cells[i + 2], 2);
    add(cells[i + 3], 3);
  }
#endif
  for (; i < cells.size(); ++i) add(cells[i], 0);
  const double n = static_cast<double>(count[0] + count[1] + count[2] + count[3]);
  const double s1 = (sum[0] + sum[1]) + (sum[2] + sum[3]);
  const double s2 = (sq[0] + sq[1]) + (sq[2] + sq[3]);
  const double mean = shift + s1 / n;
  const double variance = std::max(0.0, (s2 - s1 * s1 / n) / n);
  char buf[64];
  auto put = [&](const char* key, double value) {
    std::snprintf(buf, sizeof buf, "%.17g", value);
    band.SetMetadataItem(key, buf);
  };
  put("STATISTICS_MINIMUM", std::min(std::min(lo[0], lo[1]), std::min(lo[2], lo[3])));
  put("STATISTICS_MAXIMUM", std::max(std::max(hi[0], hi[1]), std::max(hi[2], hi[3])));
  put("STATISTICS_MEAN", mean);
  put("STATISTICS_STDDEV", std::sqrt(variance));
  put("STATISTICS_VALID_PERCENT", 100.0 * n / static_cast<double>(cells.size()));
}

/// Which source cells an overview cell covers along one axis, and with what weight: GDAL's
/// AVERAGE footprint, where overview cell i spans source coordinates [i r, (i + 1) r) with
/// r = n / m, the first and last source cell weighted by the part of them inside (GDAL's rounding
/// tolerance of 1e-8 included, so the footprints are the same).
struct Footprints {
  std::vector<int> first;      // per overview cell: first source cell
  std::vector<int> count;      // per overview cell: number of source cells
  std::vector<double> weight;  // per overview cell: count weights, from offset[i]
  std::vector<std::size_t> offset;
};

Footprints footprints(int n, int m) {
  Footprints f;
  const double r = static_cast<double>(n) / static_cast<double>(m);
  for (int i = 0; i < m; ++i) {
    const double s0 = i * r, s1 = (i + 1) * r;
    const int k0 = static_cast<int>(s0 + 1e-8);
    int k1 = static_cast<int>(std::ceil(s1 - 1e-8));
    if (k1 == k0) ++k1;
    k1 = std::min(k1, n);
    f.first.push_back(k0);
    f.count.push_back(k1 - k0);
    f.offset.push_back(f.weight.size());
    for (int k = k0; k < k1; ++k) {
      double w = 1.0;
      if (k == k0 && k1 != k0 + 1) w = 1.0 - (s0 - k0);
      if (k == k1 - 1 && k != k0) w = 1.0 - (k1 - s1);
      f.weight.push_back(w);
    }
  }
  return f;
}

/// `out` (w x h cells) = the overview of `cells` (cols x rows): the area-weighted mean of the valid
/// cells under each overview cell, nodata where there are none (GDAL's AVERAGE).
/// Each source row's horizontal sums (valid values times their weights, and the weights) are
/// computed once and kept while the next overview row may use the same source row (neighbouring
/// footprints share their boundary row); every sum adds the same terms in the same order as
/// cell by cell, and an invalid cell adds +0, so the bits do not depend on the caching.
void average_overview(std::span<const float> cells, int cols, int rows, float nodata, int w, int h,
                      float* out) {
  const Footprints fx = footprints(cols, w), fy = footprints(rows, h);
  const auto wu = static_cast<std::size_t>(w);
  std::vector<double> sum(wu), total(wu);
  // Two cached source rows: their index and their horizontal sums (values, weights).
  struct RowSums {
    int row = -1;
    std::vector<double> s, t;
  };
  RowSums cache[2];
  for (RowSums& c : cache) {
    c.s.resize(wu);
    c.t.resize(wu);
  }
  auto row_sums = [&](int r) -> const RowSums& {
    for (const RowSums& c : cache)
      if (c.row == r) return c;
    // Replace the row that is not the more recent one: footprints move downwards.
    RowSums& c = cache[0].row < cache[1].row ? cache[0] : cache[1];
    c.row = r;
    const float* row = cells.data() + static_cast<std::size_t>(r) * static_cast<std::size_t>(cols);
    for (int i = 0; i < w; ++i) {
      const float* src = row + fx.first[i];
      const double* wx = fx.weight.data() + fx.offset[i];
      double s = 0.0, t = 0.0;
      const int n = fx.count[i];
      for (int dx = 0; dx < n; ++dx) {
        const float v = src[dx];
        const bool ok = !(v == nodata) && v == v;
        s += ok ? static_cast<double>(v) * wx[dx] : 0.0;
        t += ok ? wx[dx] : 0.0;
      }
      c.s[static_cast<std::size_t>(i)] = s;
      c.t[static_cast<std::size_t>(i)] = t;
    }
    return c;
  };
  for (int j = 0; j < h; ++j) {
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(total.begin(), total.end(), 0.0);
    for (int dy = 0; dy < fy.count[j]; ++dy) {
      const double wy = fy.weight[fy.offset[j] + dy];
      const RowSums& r = row_sums(fy.first[j] + dy);
      for (std::size_t i = 0; i < wu; ++i) {
        sum[i] += r.s[i] * wy;
        total[i] += r.t[i] * wy;
      }
    }
    float* dst = out + static_cast<std::size_t>(j) * wu;
    for (std::size_t i = 0; i < wu; ++i)
      dst[i] = total[i] > 0.0 ? static_cast<float>(sum[i] / total[i]) : nodata;
  }
}

}  // namespace

void write_geotiff(const std::filesystem::path& target, const Grid& grid,
                   const std::vector<BandOut>& bands, const GeoTiffOptions& options) {
  init_gdal();
  GdalErrorTrap trap;
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(target.string() + ": " + what +
                             (trap.last_error().empty() ? "" : ": " + trap.last_error()));
  };
  if (grid.cols() > INT32_MAX || grid.rows() > INT32_MAX) fail("grid is too large for GeoTIFF");

  const bool categorical = !bands.empty() && !bands.front().codes.empty();
  for (const BandOut& band : bands)
    if (band.codes.empty() == categorical)
      fail("bands of one file must all be Float32 or all categorical codes");
  if (categorical && !options.cog) fail("categorical bands are written as COGs only");
  if (!valid_predictor(options.predictor))
    fail("unknown predictor '" + options.predictor + "' (AUTO, FLOATING_POINT, STANDARD or NO)");
  if (!options.cog) {
    std::vector<BandInfo> info;
    std::vector<std::span<const float>> cells;
    for (const BandOut& band : bands) {
      if (band.cells.size() != static_cast<std::size_t>(grid.cell_count()))
        fail("band size does not match the grid");
      info.push_back({band.description, band.unit, band.metadata});
      cells.push_back(band.cells);
    }
    GeoTiffStream stream(target, grid, std::move(info), options);
    stream.write_rows(0, cells);
    stream.finish();
    return;
  }
  GDALDriver* mem_driver = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDriver* cog_driver = GetGDALDriverManager()->GetDriverByName("COG");
  if (!mem_driver || !cog_driver) fail("GDAL lacks the MEM or COG driver");
  const int cols = static_cast<int>(grid.cols());
  const int rows = static_cast<int>(grid.rows());
  // The MEM dataset borrows the engine's cells (DATAPOINTER): no copy of the raster.
  const GDALDataType type = categorical ? GDT_Byte : GDT_Float32;
  DatasetPtr mem(mem_driver->Create("", cols, rows, 0, type, nullptr));
  if (!mem) fail("cannot create the in-memory dataset");
  for (const BandOut& band : bands) {
    const std::size_t size = categorical ? band.codes.size() : band.cells.size();
    if (size != static_cast<std::size_t>(grid.cell_count()))
      fail("band size does not match the grid");
    char pointer[64];
    std::snprintf(pointer, sizeof pointer, "DATAPOINTER=%p",
                  categorical ? static_cast<const void*>(band.codes.data())
                              : static_cast<const void*>(band.cells.data()));
    CPLStringList band_options;
    band_options.AddString(pointer);
    if (mem->AddBand(type, band_options.List()) != CE_None) fail("cannot attach a band");
    GDALRasterBand* b = mem->GetRasterBand(mem->GetRasterCount());
    b->SetNoDataValue(categorical ? static_cast<double>(options.code_nodata) : options.nodata);
    b->SetDescription(band.description.c_str());
    b->SetUnitType(band.unit.c_str());
    for (const auto& [key, value] : band.metadata) b->SetMetadataItem(key.c_str(), value.c_str());
    if (!categorical) set_statistics(*b, band.cells, options.nodata);
  }
  double gt[6];
  grid.geotransform(gt);
  mem->SetGeoTransform(gt);
  OGRSpatialReference srs;
  if (!parse_crs(grid.crs(), srs)) fail("unknown CRS '" + grid.crs() + "'");
  mem->SetSpatialRef(&srs);
  for (const auto& [key, value] : options.metadata)
    mem->SetMetadataItem(key.c_str(), value.c_str());

  // Overviews are computed in memory: letting GDAL's COG driver build them goes through a
  // compressed temporary file and takes several times longer. GDAL 3.6's AVERAGE on Float32 costs
  // about as much as compressing the band, so those overviews are computed here (the same
  // area-weighted mean with GDAL's footprints and sizes, checked against GDAL's by the tests);
  // NEAREST is cheap in GDAL and stays there. Overview f of an n-cell axis has ceil(n / f) cells,
  // as GDAL makes it.
  std::vector<int> levels;
  for (int f = 2; options.cog && std::max(cols, rows) / f >= 256; f *= 2) levels.push_back(f);
  const bool own_average = !categorical && options.overview_resampling == "AVERAGE";
  const bool own_file = options.compression == "ZSTD" && options.predictor == "AUTO";
  bool mem_overviews = false;  // whether GDAL's MEM dataset has (allocated) its overviews
  auto build_mem_overviews = [&](const char* resampling) {
    if (mem_overviews || levels.empty()) return;
    if (mem->BuildOverviews(resampling, static_cast<int>(levels.size()), levels.data(), 0, nullptr,
                            nullptr, nullptr) != CE_None)
      fail("building overviews failed");
    mem_overviews = true;
  };
  if (!own_average) build_mem_overviews(options.overview_resampling.c_str());
  // Every overview's cells, band by band: computed here (AVERAGE) or read back from GDAL's.
  // Every cell of an overview is written below (computed or read back): no need to zero them.
  using OverviewCells = std::vector<unsigned char, NoFillAllocator<unsigned char>>;
  std::vector<std::vector<OverviewCells>> overview_cells(levels.size());
  std::vector<std::pair<int, int>> overview_size;
  const std::size_t cell_bytes = categorical ? 1 : 4;
  for (std::size_t o = 0; o < levels.size(); ++o) {
    const int f = levels[o];
    const int w = (cols + f - 1) / f, h = (rows + f - 1) / f;
    overview_size.emplace_back(w, h);
    for (std::size_t i = 0; i < bands.size(); ++i) {
      // Byte-typed storage for either cell type; operator new aligns it for float.
      OverviewCells cells(static_cast<std::size_t>(w) * h * cell_bytes);
      if (own_average) {
        average_overview(bands[i].cells, cols, rows, options.nodata, w, h,
                         reinterpret_cast<float*>(cells.data()));
      } else {
        GDALRasterBand* ov =
            mem->GetRasterBand(static_cast<int>(i) + 1)->GetOverview(static_cast<int>(o));
        if (!ov || ov->GetXSize() != w || ov->GetYSize() != h)
          fail("GDAL made overviews of unexpected sizes");
        if (ov->RasterIO(GF_Read, 0, 0, w, h, cells.data(), w, h, type, 0, 0) != CE_None)
          fail("reading an overview failed");
      }
      overview_cells[o].push_back(std::move(cells));
    }
  }

  if (!target.parent_path().empty()) std::filesystem::create_directories(target.parent_path());
  // ZSTD with the default predictor is written by standort itself (cog_file.cpp): the tiles are
  // compressed straight from the engine's cells, bands in separate planes each with its own
  // predictor, which GDAL 3.6's COG driver cannot do (it interleaves bands by pixel); other
  // compressions and predictors go through GDAL.
  if (own_file) {
    CogFileOptions cog;
    cog.byte_cells = categorical;
    cog.fill = categorical ? options.code_nodata : options.nodata;
    cog.zstd_level = options.level;
    cog.threads = resolve_threads(options.threads);
    cog.main_tags = gdal_tags(*mem, target.string());
    for (const TiffEntry& e : cog.main_tags)
      if (e.tag == 42113) cog.overview_tags.push_back(e);  // GDAL_NODATA
    std::vector<CogLevel> images(1 + levels.size());
    images[0] = {cols, rows, {}};
    for (const BandOut& band : bands)
      images[0].bands.push_back(categorical ? static_cast<const void*>(band.codes.data())
                                            : static_cast<const void*>(band.cells.data()));
    for (std::size_t o = 0; o < levels.size(); ++o) {
      images[o + 1] = {overview_size[o].first, overview_size[o].second, {}};
      for (const auto& cells : overview_cells[o]) images[o + 1].bands.push_back(cells.data());
    }
    AtomicPath tmp(target);
    if (write_cog_file(tmp.temp(), images, cog, target.string())) {
      tmp.commit();
      return;
    }
  }
  // Through GDAL's COG driver, which takes the overviews from the MEM dataset.
  build_mem_overviews("NONE");
  if (own_average)
    for (std::size_t o = 0; o < levels.size(); ++o)
      for (std::size_t i = 0; i < bands.size(); ++i) {
        GDALRasterBand* ov =
            mem->GetRasterBand(static_cast<int>(i) + 1)->GetOverview(static_cast<int>(o));
        const auto [w, h] = overview_size[o];
        if (!ov || ov->GetXSize() != w || ov->GetYSize() != h)
          fail("GDAL made overviews of unexpected sizes");
        if (ov->RasterIO(GF_Write, 0, 0, w, h, overview_cells[o][i].data(), w, h, type, 0, 0) !=
            CE_None)
          fail("writing an overview failed");
      }

  AtomicPath tmp(target);
  CPLStringList create_options;
  create_options.SetNameValue("COMPRESS", options.compression.c_str());
  create_options.SetNameValue("PREDICTOR", predictor_for(options, bands.size(), categorical));
  // GDAL's drivers take levels from 1; zstd's fast (negative) levels apply to standort's writer.
  create_options.SetNameValue("LEVEL", std::to_string(std::max(1, options.level)).c_str());
  create_options.SetNameValue("BLOCKSIZE", "512");
  create_options.SetNameValue("BIGTIFF", "IF_SAFER");
  create_options.SetNameValue("OVERVIEWS", levels.empty() ? "NONE" : "FORCE_USE_EXISTING");
  create_options.SetNameValue("NUM_THREADS",
                              std::to_string(resolve_threads(options.threads)).c_str());
  {
    DatasetPtr out(cog_driver->CreateCopy(tmp.temp().c_str(), mem.get(), FALSE,
                                          create_options.List(), nullptr, nullptr));
    if (!out) fail("writing the GeoTIFF failed");
    out->FlushCache();
  }
  if (!trap.errors().empty()) fail("writing the GeoTIFF failed");
  tmp.commit();
}

namespace {

/// Rows per strip of a plain GeoTIFF: strips of about 1 MiB, large enough that the file is
/// written in few system calls, small enough for readers that fetch a strip at a time.
int plain_strip_rows(std::int64_t cols) {
  return static_cast<int>(std::clamp<std::int64_t>((std::int64_t{1} << 20) / (cols * 4), 1, 4096));
}

void describe(GDALDataset& ds, const Grid& grid, const std::vector<BandInfo>& bands,
              const GeoTiffOptions& options) {
  double gt[6];
  grid.geotransform(gt);
  ds.SetGeoTransform(gt);
  OGRSpatialReference srs;
  if (parse_crs(grid.crs(), srs)) ds.SetSpatialRef(&srs);
  for (const auto& [key, value] : options.metadata) ds.SetMetadataItem(key.c_str(), value.c_str());
  for (std::size_t i = 0; i < bands.size(); ++i) {
    GDALRasterBand* b = ds.GetRasterBand(static_cast<int>(i) + 1);
    b->SetNoDataValue(options.nodata);
    b->SetDescription(bands[i].description.c_str());
    b->SetUnitType(bands[i].unit.c_str());
    for (const auto& [key, value] : bands[i].metadata)
      b->SetMetadataItem(key.c_str(), value.c_str());
  }
}

}  // namespace

struct GeoTiffStream::Impl {
  std::filesystem::path target;
  Grid grid;
  std::vector<BandInfo> bands;
  GeoTiffOptions options;
  AtomicPath final_tmp;
  std::optional<AtomicPath> staging;  // COG: the tiled GeoTIFF written first
  DatasetPtr ds;
  int strip_rows = 0;        // plain GeoTIFF: rows per strip (0 for the tiled COG staging file)
  std::vector<float> strip;  // the short last strip, padded to a whole one

  Impl(std::filesystem::path t, const Grid& g, std::vector<BandInfo> b, GeoTiffOptions o)
      : target(std::move(t)),
        grid(g),
        bands(std::move(b)),
        options(std::move(o)),
        final_tmp(target) {}

  [[noreturn]] void fail(const std::string& what, const GdalErrorTrap& trap) const {
    throw std::runtime_error(target.string() + ": " + what +
                             (trap.last_error().empty() ? "" : ": " + trap.last_error()));
  }
};

GeoTiffStream::GeoTiffStream(std::filesystem::path target, const Grid& grid,
                             std::vector<BandInfo> bands, GeoTiffOptions options) {
  init_gdal();
  if (!target.parent_path().empty()) std::filesystem::create_directories(target.parent_path());
  auto impl = std::make_unique<Impl>(std::move(target), grid, std::move(bands), std::move(options));
  GdalErrorTrap trap;
  if (grid.cols() > INT32_MAX || grid.rows() > INT32_MAX)
    impl->fail("grid is too large for GeoTIFF", trap);
  if (!valid_predictor(impl->options.predictor))
    impl->fail("unknown predictor '" + impl->options.predictor +
                   "' (AUTO, FLOATING_POINT, STANDARD or NO)",
               trap);
  GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
  if (!gtiff) impl->fail("GDAL lacks the GTiff driver", trap);
  CPLStringList create;
  create.SetNameValue("BIGTIFF", "IF_SAFER");
  std::filesystem::path path = impl->final_tmp.temp();
  if (impl->options.cog) {
    impl->staging.emplace(impl->target.parent_path() /
                          (impl->target.stem().string() + ".staging.tif"));
    path = impl->staging->temp();
    create.SetNameValue("TILED", "YES");
    create.SetNameValue("BLOCKXSIZE", "512");
    create.SetNameValue("BLOCKYSIZE", "512");
  } else {
    impl->strip_rows = plain_strip_rows(grid.cols());
    create.SetNameValue("INTERLEAVE", "BAND");
    create.SetNameValue("BLOCKYSIZE", std::to_string(impl->strip_rows).c_str());
  }
  impl->ds.reset(gtiff->Create(path.c_str(), static_cast<int>(grid.cols()),
                               static_cast<int>(grid.rows()), static_cast<int>(impl->bands.size()),
                               GDT_Float32, create.List()));
  if (!impl->ds) impl->fail("cannot create the GeoTIFF", trap);
  if (impl->strip_rows > 0) {
    // Strips are handed over whole, so use the height the driver actually chose.
    int block_x = 0, block_y = 0;
    impl->ds->GetRasterBand(1)->GetBlockSize(&block_x, &block_y);
    if (block_x != static_cast<int>(grid.cols()) || block_y < 1)
      impl->fail("the GeoTIFF driver did not lay the file out in strips", trap);
    impl->strip_rows = block_y;
  }
  describe(*impl->ds, grid, impl->bands, impl->options);
  m_impl = impl.release();
}

GeoTiffStream::~GeoTiffStream() { delete m_impl; }

void GeoTiffStream::write_rows(std::int64_t row_begin,
                               const std::vector<std::span<const float>>& bands) {
  GdalErrorTrap trap;
  if (bands.size() != m_impl->bands.size()) m_impl->fail("wrong number of bands", trap);
  const std::int64_t cols = m_impl->grid.cols();
  const std::int64_t n = static_cast<std::int64_t>(bands.front().size()) / cols;
  const std::int64_t rows = m_impl->grid.rows();
  if (n <= 0 || row_begin < 0 || row_begin + n > rows) m_impl->fail("rows outside the grid", trap);
  const std::int64_t row_end = row_begin + n;
  for (std::size_t i = 0; i < bands.size(); ++i) {
    GDALRasterBand* b = m_impl->ds->GetRasterBand(static_cast<int>(i) + 1);
    auto write_via_cache = [&](std::int64_t r0, std::int64_t r1) {
      float* src = const_cast<float*>(bands[i].data()) + (r0 - row_begin) * cols;
      if (b->RasterIO(GF_Write, 0, static_cast<int>(r0), static_cast<int>(cols),
                      static_cast<int>(r1 - r0), src, static_cast<int>(cols),
                      static_cast<int>(r1 - r0), GDT_Float32, 0, 0) != CE_None)
        m_impl->fail("writing rows failed", trap);
    };
    const std::int64_t h = m_impl->strip_rows;
    if (h == 0) {
      write_via_cache(row_begin, row_end);
      continue;
    }
    // Strips wholly inside these rows go to the driver as they are (WriteBlock leaves the buffer
    // untouched and skips GDAL's block cache); a strip shared with the previous or next call is
    // assembled in the cache.
    for (std::int64_t s = row_begin / h; s * h < row_end; ++s) {
      const std::int64_t s0 = s * h, s1 = std::min(rows, s0 + h);
      if (s0 < row_begin || s1 > row_end) {
        write_via_cache(std::max(s0, row_begin), std::min(s1, row_end));
        continue;
      }
      float* src = const_cast<float*>(bands[i].data()) + (s0 - row_begin) * cols;
      if (s1 - s0 < h) {  // the last strip of the grid is stored at full height
        m_impl->strip.assign(static_cast<std::size_t>(h * cols), m_impl->options.nodata);
        std::copy(src, src + (s1 - s0) * cols, m_impl->strip.begin());
        src = m_impl->strip.data();
      }
      if (b->WriteBlock(0, static_cast<int>(s), src) != CE_None)
        m_impl->fail("writing rows failed", trap);
    }
  }
}

void GeoTiffStream::finish() {
  GdalErrorTrap trap;
  Impl& m = *m_impl;
  if (m.options.cog) {
    const int cols = static_cast<int>(m.grid.cols()), rows = static_cast<int>(m.grid.rows());
    std::vector<int> levels;
    for (int f = 2; std::max(cols, rows) / f >= 256; f *= 2) levels.push_back(f);
    if (!levels.empty() &&
        m.ds->BuildOverviews(m.options.overview_resampling.c_str(), static_cast<int>(levels.size()),
                             levels.data(), 0, nullptr, nullptr, nullptr) != CE_None)
      m.fail("building overviews failed", trap);
    m.ds->FlushCache();
    GDALDriver* cog = GetGDALDriverManager()->GetDriverByName("COG");
    if (!cog) m.fail("GDAL lacks the COG driver", trap);
    CPLStringList create;
    create.SetNameValue("COMPRESS", m.options.compression.c_str());
    create.SetNameValue("PREDICTOR", predictor_for(m.options, m.bands.size(), false));
    create.SetNameValue("LEVEL", std::to_string(std::max(1, m.options.level)).c_str());
    create.SetNameValue("BLOCKSIZE", "512");
    create.SetNameValue("BIGTIFF", "IF_SAFER");
    create.SetNameValue("OVERVIEWS", levels.empty() ? "NONE" : "FORCE_USE_EXISTING");
    create.SetNameValue("NUM_THREADS", std::to_string(resolve_threads(m.options.threads)).c_str());
    DatasetPtr out(cog->CreateCopy(m.final_tmp.temp().c_str(), m.ds.get(), FALSE, create.List(),
                                   nullptr, nullptr));
    if (!out) m.fail("writing the COG failed", trap);
    out.reset();
    m.ds.reset();
  } else {
    m.ds.reset();
  }
  if (!trap.errors().empty()) m.fail("writing the GeoTIFF failed", trap);
  m.final_tmp.commit();
}

}  // namespace standort::layers
