#include "standort/layers/atomic_file.hpp"
#include "standort/layers/qml.hpp"
#include "standort/layers/raster_writer.hpp"
#include "standort/layers/sha256.hpp"
#include "standort/layers/vector_writer.hpp"
#include "support.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace standort;
using Catch::Contains;
using Catch::Matchers::WithinAbs;

namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool only_final_files(const std::filesystem::path& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().find(".standort-tmp.") != std::string::npos) return false;
  return true;
}

}  // namespace

TEST_CASE("sha256 matches the FIPS 180-4 examples", "[sha256]") {
  CHECK(layers::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(layers::sha256_hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(layers::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("atomic text writes leave only the final file", "[atomic]") {
  standort::test::TempDir dir;
  layers::write_text_atomic(dir / "a.txt", "hello");
  layers::write_text_atomic(dir / "a.txt", "world");
  CHECK(read_all(dir / "a.txt") == "world");
  CHECK(only_final_files(dir.path()));
  // A leftover from a killed run is removed on the next run.
  { std::ofstream(dir / ".b.tif.standort-tmp.123.0") << "partial"; }
  layers::remove_stale_temporaries(dir.path());
  CHECK(only_final_files(dir.path()));
  CHECK(std::filesystem::exists(dir / "a.txt"));
}

TEST_CASE("an interrupted run removes its temporaries and their side files only", "[atomic]") {
  standort::test::TempDir dir;
  const auto d = dir.path();
  auto make = [](const std::filesystem::path& p) { std::ofstream(p) << "x"; };
  std::filesystem::create_directories(d / ".staging.standort-tmp.123");
  make(d / ".staging.standort-tmp.123" / "suitability.tif");
  std::filesystem::create_directories(d / ".staging.standort-tmp.1234");  // process 1234's
  make(d / ".a.gpkg.standort-tmp.123.1");
  make(d / ".a.gpkg.standort-tmp.123.1-journal");  // written by GDAL beside the temporary
  make(d / ".a.gpkg.standort-tmp.123.10");         // another temporary, not listed
  make(d / "a.gpkg");
  layers::remove_temporaries({d / ".staging.standort-tmp.123", d / ".a.gpkg.standort-tmp.123.1",
                              d / "a.gpkg"});  // a.gpkg carries no marker: never removed
  CHECK_FALSE(std::filesystem::exists(d / ".staging.standort-tmp.123"));
  CHECK_FALSE(std::filesystem::exists(d / ".a.gpkg.standort-tmp.123.1"));
  CHECK_FALSE(std::filesystem::exists(d / ".a.gpkg.standort-tmp.123.1-journal"));
  CHECK(std::filesystem::exists(d / ".staging.standort-tmp.1234"));
  CHECK(std::filesystem::exists(d / ".a.gpkg.standort-tmp.123.10"));
  CHECK(std::filesystem::exists(d / "a.gpkg"));
}

TEST_CASE("write_geotiff produces a COG in EPSG:25832 with nodata, bands and units", "[cog]") {
  standort::test::TempDir dir;
  const Grid g(370000.0, 5712000.0, 10.0, 1100, 700, "EPSG:25832");
  std::vector<float> a(static_cast<std::size_t>(g.cell_count())), b(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<float>(i % 977) * 0.5f;
    b[i] = static_cast<float>(i % 13);
  }
  a[5] = -9999.0f;
  layers::GeoTiffOptions o;
  o.metadata["scenario"] = "test";
  o.threads = 2;
  layers::write_geotiff(dir / "d.tif", g,
                        {{a, "distance", "m", {{"formula", "x"}}}, {b, "nearest id", "", {}}}, o);
  CHECK(only_final_files(dir.path()));

  GDALAllRegister();
  std::unique_ptr<GDALDataset> ds(
      GDALDataset::Open((dir / "d.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  REQUIRE(ds);
  CHECK(std::string(ds->GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE")) == "COG");
  CHECK(std::string(ds->GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE")) == "ZSTD");
  CHECK(std::string(ds->GetSpatialRef()->GetAuthorityCode(nullptr)) == "25832");
  CHECK(ds->GetRasterXSize() == 1100);
  CHECK(ds->GetRasterYSize() == 700);
  double gt[6];
  REQUIRE(ds->GetGeoTransform(gt) == CE_None);
  CHECK_THAT(gt[0], WithinAbs(370000.0, 1e-9));
  CHECK_THAT(gt[3], WithinAbs(5712000.0, 1e-9));
  CHECK_THAT(gt[5], WithinAbs(-10.0, 1e-12));
  REQUIRE(ds->GetRasterCount() == 2);
  GDALRasterBand* band = ds->GetRasterBand(1);
  int has_nodata = 0;
  CHECK_THAT(band->GetNoDataValue(&has_nodata), WithinAbs(-9999.0, 1e-9));
  CHECK(has_nodata);
  CHECK(std::string(band->GetDescription()) == "distance");
  CHECK(std::string(band->GetUnitType()) == "m");
  CHECK(band->GetOverviewCount() >= 1);
  int bx = 0, by = 0;
  band->GetBlockSize(&bx, &by);
  CHECK(bx == 512);
  CHECK(by == 512);
  std::vector<float> back(a.size());
  REQUIRE(band->RasterIO(GF_Read, 0, 0, 1100, 700, back.data(), 1100, 700, GDT_Float32, 0, 0) ==
          CE_None);
  CHECK(back == a);  // lossless: exact float comparison of a round trip is intended
  CHECK(std::string(ds->GetRasterBand(2)->GetDescription()) == "nearest id");
}

TEST_CASE("plain GeoTIFF: whole and streamed in uneven bands give the same cells", "[gtiff]") {
  standort::test::TempDir dir;
  // 300 columns make 873-row strips; 2000 rows leave a short last strip.
  const Grid g(370000.0, 5712000.0, 2.0, 300, 2000, "EPSG:25832");
  std::vector<float> a(static_cast<std::size_t>(g.cell_count())), b(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<float>(i) * 0.25f;
    b[i] = static_cast<float>(i % 31) - 7.0f;
  }
  layers::GeoTiffOptions o;
  o.cog = false;
  layers::write_geotiff(dir / "whole.tif", g, {{a, "a", "m", {}}, {b, "b", "", {}}}, o);
  {
    layers::GeoTiffStream stream(dir / "bands.tif", g, {{"a", "m", {}}, {"b", "", {}}}, o);
    const std::int64_t cols = g.cols();
    for (const auto& [r0, r1] : {std::pair<std::int64_t, std::int64_t>{0, 1},
                                 {1, 38},
                                 {38, 911},
                                 {911, 1746},
                                 {1746, 1747},
                                 {1747, 2000}}) {
      const auto first = static_cast<std::size_t>(r0 * cols);
      const auto count = static_cast<std::size_t>((r1 - r0) * cols);
      stream.write_rows(r0, {std::span<const float>(a).subspan(first, count),
                             std::span<const float>(b).subspan(first, count)});
    }
    CHECK_FALSE(std::filesystem::exists(dir / "bands.tif"));  // nothing under the name yet
    stream.finish();
  }
  CHECK(only_final_files(dir.path()));
  GDALAllRegister();
  for (const char* name : {"whole.tif", "bands.tif"}) {
    INFO(name);
    std::unique_ptr<GDALDataset> ds(
        GDALDataset::Open((dir / name).c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    REQUIRE(ds);
    CHECK(ds->GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE") == nullptr);
    CHECK(std::string(ds->GetMetadataItem("INTERLEAVE", "IMAGE_STRUCTURE")) == "BAND");
    REQUIRE(ds->GetRasterCount() == 2);
    int bx = 0, by = 0;
    ds->GetRasterBand(1)->GetBlockSize(&bx, &by);
    CHECK(bx == 300);
    CHECK(by == 873);
    for (int band = 1; band <= 2; ++band) {
      std::vector<float> back(a.size());
      REQUIRE(ds->GetRasterBand(band)->RasterIO(GF_Read, 0, 0, 300, 2000, back.data(), 300, 2000,
                                                GDT_Float32, 0, 0) == CE_None);
      // lossless: exact comparison of a round trip is intended
      CHECK(std::memcmp(back.data(), (band == 1 ? a : b).data(), back.size() * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("GeoJSON output follows RFC 7946", "[geojson]") {
  standort::test::TempDir dir;
  layers::VectorTable t;
  t.name = "districts";
  t.crs = "EPSG:25832";
  t.kind = GeometryKind::polygon;
  t.fields = {{"name", layers::FieldType::string},
              {"mean", layers::FieldType::real},
              {"n", layers::FieldType::integer}};
  MultiPolygon mp;
  mp.resize(1);
  // Clockwise outer ring with a counter-clockwise hole (Boost.Geometry's convention).
  mp[0].outer() = {{377000, 5705000},
                   {377000, 5706000},
                   {378000, 5706000},
                   {378000, 5705000},
                   {377000, 5705000}};
  mp[0].inners().push_back({{377400, 5705400},
                            {377600, 5705400},
                            {377600, 5705600},
                            {377400, 5705600},
                            {377400, 5705400}});
  t.polygons = {mp};
  t.rows = {{std::string("Wiemelhausen/Brenschede"), std::nan(""), std::int64_t{3}}};
  layers::write_geojson_rfc7946(dir / "d.geojson", t);
  const std::string text = read_all(dir / "d.geojson");
  CHECK(text.find("\"crs\"") == std::string::npos);
  CHECK_THAT(text, Contains("Wiemelhausen/Brenschede"));
  CHECK_THAT(text, Contains("\"mean\": null"));

  GDALAllRegister();
  std::unique_ptr<GDALDataset> ds(
      GDALDataset::Open((dir / "d.geojson").c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  REQUIRE(ds);
  OGRLayer* layer = ds->GetLayer(0);
  std::unique_ptr<OGRFeature> f(layer->GetNextFeature());
  REQUIRE(f);
  // GDAL writes a one-part multipolygon as a Polygon.
  REQUIRE(wkbFlatten(f->GetGeometryRef()->getGeometryType()) == wkbPolygon);
  const OGRPolygon* p = f->GetGeometryRef()->toPolygon();
  CHECK_FALSE(p->getExteriorRing()->isClockwise());  // counter-clockwise outer ring
  CHECK(p->getInteriorRing(0)->isClockwise());       // clockwise hole
  OGREnvelope e;
  p->getEnvelope(&e);
  CHECK(e.MinX > 7.0);
  CHECK(e.MaxX < 7.5);
  CHECK(e.MinY > 51.3);
  CHECK(e.MaxY < 51.6);
  // 7 decimals at most.
  const auto pos = text.find("\"coordinates\"");
  REQUIRE(pos != std::string::npos);
  const auto first_dot = text.find('.', pos);
  std::size_t digits = 0;
  while (std::isdigit(static_cast<unsigned char>(text[first_dot + 1 + digits]))) ++digits;
  CHECK(digits <= 7);
}

TEST_CASE("raster QML carries the colour ramp", "[qml]") {
  const std::string qml =
      layers::raster_pseudocolor_qml(1, layers::ramp_stops(0.0, 5000.0, true, 0), 0);
  CHECK_THAT(qml, Contains("singlebandpseudocolor"));
  CHECK_THAT(qml, Contains("classificationMax=\"5000\""));
  // Reversed ramp: near (0 m) is bright yellow, far is dark violet.
  CHECK_THAT(qml, Contains("value=\"0\" label=\"0\" color=\"#fde725\""));
  CHECK_THAT(qml, Contains("value=\"5000\" label=\"5000\" color=\"#440154\""));
  CHECK_THAT(layers::polygon_outline_qml("name"), Contains("fieldName=\"name\""));
}

TEST_CASE("categorical codes are written as Byte bands; mixing types is refused", "[cog]") {
  standort::test::TempDir dir;
  const Grid g(370000.0, 5712000.0, 10.0, 600, 300, "EPSG:25832");
  std::vector<std::uint8_t> codes(static_cast<std::size_t>(g.cell_count()));
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = static_cast<std::uint8_t>(i % 7);
  codes[3] = 255;  // nodata
  layers::GeoTiffOptions o;
  layers::write_geotiff(dir / "c.tif", g, {{{}, "reason", "", {{"legend", "1 = a"}}, codes}}, o);
  GDALAllRegister();
  std::unique_ptr<GDALDataset> ds(
      GDALDataset::Open((dir / "c.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  REQUIRE(ds);
  GDALRasterBand* b = ds->GetRasterBand(1);
  CHECK(b->GetRasterDataType() == GDT_Byte);
  int has_nodata = 0;
  CHECK_THAT(b->GetNoDataValue(&has_nodata), WithinAbs(255.0, 1e-12));
  CHECK(has_nodata);
  std::vector<std::uint8_t> back(codes.size());
  REQUIRE(b->RasterIO(GF_Read, 0, 0, 600, 300, back.data(), 600, 300, GDT_Byte, 0, 0) == CE_None);
  CHECK(back == codes);  // integer codes: exact
  const std::vector<float> cells(codes.size(), 1.0f);
  CHECK_THROWS_WITH(
      layers::write_geotiff(dir / "m.tif", g, {{cells, "a", "", {}}, {{}, "b", "", {}, codes}}, o),
      Contains("all be Float32 or all categorical"));
  CHECK_FALSE(std::filesystem::exists(dir / "m.tif"));
}

TEST_CASE("COG overviews: AVERAGE equals GDAL's own, with nodata and uneven sizes", "[cog]") {
  standort::test::TempDir dir;
  // 1103 x 707: neither size divides by 2 or 4, so overview cells straddle source cells and GDAL
  // weights the partial ones; a nodata block and scattered nodata cells are left out of means.
  const Grid g(370000.0, 5712000.0, 10.0, 1103, 707, "EPSG:25832");
  std::vector<float> a(static_cast<std::size_t>(g.cell_count()));
  std::uint32_t state = 12345u;
  for (std::size_t i = 0; i < a.size(); ++i) {
    state = state * 1664525u + 1013904223u;
    a[i] = static_cast<float>(state >> 8) / 16777216.0f * 1000.0f;
    if (state % 11 == 0) a[i] = -9999.0f;
  }
  for (int r = 100; r < 140; ++r)
    for (int c = 200; c < 260; ++c) a[static_cast<std::size_t>(r) * 1103 + c] = -9999.0f;
  layers::GeoTiffOptions o;
  layers::write_geotiff(dir / "s.tif", g, {{a, "score", "", {}}}, o);

  GDALAllRegister();
  std::unique_ptr<GDALDataset> ds(
      GDALDataset::Open((dir / "s.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  REQUIRE(ds);
  // One Float32 band: the floating-point predictor (TIFF predictor 3).
  const char* predictor = ds->GetRasterBand(1)->GetMetadataItem("PREDICTOR", "IMAGE_STRUCTURE");
  if (!predictor) predictor = ds->GetMetadataItem("PREDICTOR", "IMAGE_STRUCTURE");
  REQUIRE(predictor);
  CHECK(std::string(predictor) == "3");
  // The reference: the same cells in a MEM dataset, overviews built by GDAL's AVERAGE.
  GDALDriver* mem_driver = GetGDALDriverManager()->GetDriverByName("MEM");
  std::unique_ptr<GDALDataset> ref(mem_driver->Create("", 1103, 707, 1, GDT_Float32, nullptr));
  GDALRasterBand* rb = ref->GetRasterBand(1);
  rb->SetNoDataValue(-9999.0);
  REQUIRE(rb->RasterIO(GF_Write, 0, 0, 1103, 707, a.data(), 1103, 707, GDT_Float32, 0, 0) ==
          CE_None);
  int levels[] = {2, 4};
  REQUIRE(ref->BuildOverviews("AVERAGE", 2, levels, 0, nullptr, nullptr, nullptr) == CE_None);
  GDALRasterBand* band = ds->GetRasterBand(1);
  REQUIRE(band->GetOverviewCount() == 2);
  for (int k = 0; k < 2; ++k) {
    GDALRasterBand* ours = band->GetOverview(k);
    GDALRasterBand* theirs = rb->GetOverview(k);
    REQUIRE(ours->GetXSize() == theirs->GetXSize());
    REQUIRE(ours->GetYSize() == theirs->GetYSize());
    const int w = ours->GetXSize(), h = ours->GetYSize();
    std::vector<float> x(static_cast<std::size_t>(w) * h), y(x.size());
    REQUIRE(ours->RasterIO(GF_Read, 0, 0, w, h, x.data(), w, h, GDT_Float32, 0, 0) == CE_None);
    REQUIRE(theirs->RasterIO(GF_Read, 0, 0, w, h, y.data(), w, h, GDT_Float32, 0, 0) == CE_None);
    std::size_t nodata = 0;
    double worst = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      REQUIRE((x[i] == -9999.0f) == (y[i] == -9999.0f));
      if (y[i] == -9999.0f) {
        ++nodata;
        continue;
      }
      worst = std::max(worst, std::fabs(static_cast<double>(x[i]) - y[i]));
    }
    INFO("overview " << k << ": largest difference " << worst);
    CHECK(worst <= 1e-4);  // measured: identical; a few ulps of summation order would pass
    CHECK(nodata > 0);     // the nodata block stays nodata at both levels
  }
}

namespace {

std::unique_ptr<GDALDataset> open_raster(const std::filesystem::path& p) {
  GDALAllRegister();
  return std::unique_ptr<GDALDataset>(
      GDALDataset::Open(p.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
}

std::string structure(GDALDataset& ds, const char* key) {
  const char* v = ds.GetMetadataItem(key, "IMAGE_STRUCTURE");
  return v ? v : "";
}

/// Every cell of band `b` (or of its overview `o`) as raw bytes.
std::string band_bytes(GDALDataset& ds, int b, int o = -1) {
  GDALRasterBand* band = ds.GetRasterBand(b);
  if (o >= 0) band = band->GetOverview(o);
  REQUIRE(band);
  const int size = GDALGetDataTypeSizeBytes(band->GetRasterDataType());
  std::string out(static_cast<std::size_t>(band->GetXSize()) * band->GetYSize() * size, '\0');
  REQUIRE(band->RasterIO(GF_Read, 0, 0, band->GetXSize(), band->GetYSize(), out.data(),
                         band->GetXSize(), band->GetYSize(), band->GetRasterDataType(), 0,
                         0) == CE_None);
  return out;
}

/// What a reader sees of a file apart from its layout: size, georeferencing, CRS, metadata, and
/// per band the type, nodata, description, unit, metadata, overview sizes.
std::string described(GDALDataset& ds) {
  std::ostringstream s;
  s << ds.GetRasterXSize() << "x" << ds.GetRasterYSize() << "x" << ds.GetRasterCount() << "\n";
  double gt[6];
  if (ds.GetGeoTransform(gt) == CE_None)
    for (double v : gt) s << v << " ";
  char* wkt = nullptr;
  if (const OGRSpatialReference* srs = ds.GetSpatialRef()) srs->exportToWkt(&wkt);
  s << "\n" << (wkt ? wkt : "") << "\n";
  CPLFree(wkt);
  for (char** m = ds.GetMetadata(); m && *m; ++m) s << *m << "\n";
  for (int b = 1; b <= ds.GetRasterCount(); ++b) {
    GDALRasterBand* band = ds.GetRasterBand(b);
    int has = 0;
    const double nodata = band->GetNoDataValue(&has);
    s << "band " << b << " " << GDALGetDataTypeName(band->GetRasterDataType()) << " nodata "
      << (has ? std::to_string(nodata) : "none") << " '" << band->GetDescription() << "' '"
      << band->GetUnitType() << "'\n";
    for (char** m = band->GetMetadata(); m && *m; ++m) s << "  " << *m << "\n";
    for (int o = 0; o < band->GetOverviewCount(); ++o)
      s << "  overview " << band->GetOverview(o)->GetXSize() << "x"
        << band->GetOverview(o)->GetYSize() << "\n";
  }
  return s.str();
}

/// Every band of `x`, and every overview of it, reads back the same cells as `y`'s.
void check_same_cells(GDALDataset& x, GDALDataset& y) {
  REQUIRE(x.GetRasterCount() == y.GetRasterCount());
  for (int band = 1; band <= x.GetRasterCount(); ++band) {
    const int overviews = x.GetRasterBand(band)->GetOverviewCount();
    REQUIRE(overviews == y.GetRasterBand(band)->GetOverviewCount());
    for (int o = -1; o < overviews; ++o) {
      INFO("band " << band << ", overview " << o);
      CHECK(band_bytes(x, band, o) == band_bytes(y, band, o));
    }
  }
}

/// Writes `bands` twice, with standort's own COG writer (`options`) and through GDAL's COG driver
/// (the same options with `gdal_predictor`), and checks that both read back alike: standort's file
/// is laid out as a COG, and the description and every band and overview are the same. Returns
/// the two files, standort's first.
std::pair<std::unique_ptr<GDALDataset>, std::unique_ptr<GDALDataset>> check_like_gdal(
    const std::filesystem::path& dir, const Grid& g, const std::vector<layers::BandOut>& bands,
    const layers::GeoTiffOptions& options, const std::string& gdal_predictor) {
  layers::write_geotiff(dir / "ours.tif", g, bands, options);
  layers::GeoTiffOptions gdal = options;
  gdal.predictor = gdal_predictor;
  layers::write_geotiff(dir / "gdal.tif", g, bands, gdal);
  auto x = open_raster(dir / "ours.tif");
  auto y = open_raster(dir / "gdal.tif");
  REQUIRE(x);
  REQUIRE(y);
  CHECK(structure(*x, "LAYOUT") == "COG");
  CHECK(described(*x) == described(*y));
  check_same_cells(*x, *y);
  return {std::move(x), std::move(y)};
}

}  // namespace

TEST_CASE("COG written by standort: what GDAL's COG driver writes, in separate planes", "[cog]") {
  // standort writes ZSTD COGs itself (cog_file.cpp); an explicit predictor goes through GDAL's COG
  // driver. Both files must read back the same everywhere: cells, every overview, georeferencing,
  // metadata. Edge tiles in both directions, two overview levels, nodata, NaN and negative zero.
  standort::test::TempDir dir;
  const Grid g(370000.0, 5712000.0, 10.0, 1100, 700, "EPSG:25832");
  std::vector<float> a(static_cast<std::size_t>(g.cell_count())), b(a.size()), c(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double x = static_cast<double>(i % 1100), y = static_cast<double>(i / 1100);
    a[i] = static_cast<float>(std::hypot(x - 300.0, y - 200.0) * 10.0);
    b[i] = static_cast<float>(i % 13);
    c[i] = static_cast<float>(std::sin(x * 0.01) * std::cos(y * 0.013));
  }
  for (std::size_t i = 0; i < 5000; ++i) a[i * 7] = -9999.0f;
  c[17] = std::nanf("");
  c[18] = -0.0f;
  const std::vector<layers::BandOut> bands{
      {a, "distance", "m", {{"formula", "x"}}}, {b, "nearest id", "", {}}, {c, "wave", "", {}}};
  layers::GeoTiffOptions ours;
  ours.metadata["scenario"] = "Bochum – Wir-Gefühl";
  const auto [x, y] = check_like_gdal(dir.path(), g, bands, ours, "FLOATING_POINT");
  CHECK(only_final_files(dir.path()));
  CHECK(structure(*x, "COMPRESSION") == "ZSTD");
  CHECK(structure(*x, "INTERLEAVE") == "BAND");  // GDAL 3.6's COG driver: PIXEL
  CHECK(structure(*y, "INTERLEAVE") == "PIXEL");
  const char* predictor = x->GetRasterBand(1)->GetMetadataItem("PREDICTOR", "IMAGE_STRUCTURE");
  if (!predictor) predictor = x->GetMetadataItem("PREDICTOR", "IMAGE_STRUCTURE");
  REQUIRE(predictor);
  CHECK(std::string(predictor) == "3");
  CHECK(x->GetRasterBand(1)->GetOverviewCount() == 2);
  // GDAL's COG validator accepts the file.
  const std::string cmd =
      "/usr/bin/python3 -m osgeo_utils.samples.validate_cloud_optimized_geotiff"
      " -q '" +
      (dir / "ours.tif").string() + "' > /dev/null 2>&1";
  if (std::filesystem::exists("/usr/lib/python3/dist-packages/osgeo_utils"))
    CHECK(std::system(cmd.c_str()) == 0);
  else
    WARN("SKIPPED: python3-gdal is not installed; the COG validator did not run");

  // Compressed on several threads: the same bytes.
  layers::GeoTiffOptions threaded = ours;
  threaded.threads = 3;
  layers::write_geotiff(dir / "threaded.tif", g, bands, threaded);
  CHECK(read_all(dir / "threaded.tif") == read_all(dir / "ours.tif"));
}

TEST_CASE("COG written by standort: odd sizes, one cell to several tiles, like GDAL's", "[cog]") {
  // A single cell, single rows and columns longer than a tile, exactly one tile, one cell more
  // than a tile: edge tiles, no overviews, and overviews of one axis only.
  standort::test::TempDir dir;
  const std::vector<std::pair<int, int>> sizes{{1, 1},     {1, 700},   {700, 1},
                                               {512, 512}, {513, 257}, {300, 1030}};
  for (const auto& [cols, rows] : sizes) {
    INFO(cols << " x " << rows);
    const Grid g(370000.0, 5712000.0, 10.0, cols, rows, "EPSG:25832");
    std::vector<float> a(static_cast<std::size_t>(g.cell_count()));
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i % 97) * 0.25f;
    a[0] = -9999.0f;
    check_like_gdal(dir.path(), g, {{a, "v", "m", {}}}, {}, "FLOATING_POINT");
  }
}

TEST_CASE("COG written by standort: categorical Byte bands read back like GDAL's", "[cog]") {
  standort::test::TempDir dir;
  const Grid g(370000.0, 5712000.0, 10.0, 700, 530, "EPSG:25832");
  std::vector<std::uint8_t> codes(static_cast<std::size_t>(g.cell_count())), count(codes.size());
  for (std::size_t i = 0; i < codes.size(); ++i) {
    codes[i] = static_cast<std::uint8_t>((i / 37 + i / 5000) % 4);
    count[i] = static_cast<std::uint8_t>(codes[i] == 0 ? 0 : 1 + i % 3);
    if (i % 1013 == 0) codes[i] = 255;
  }
  const std::vector<layers::BandOut> bands{{{}, "reason", "", {{"legend", "0 = none"}}, codes},
                                           {{}, "count", "", {}, count}};
  layers::GeoTiffOptions o;
  o.overview_resampling = "NEAREST";
  const auto [x, y] = check_like_gdal(dir.path(), g, bands, o, "STANDARD");
  CHECK(x->GetRasterBand(1)->GetOverviewCount() == 1);
}

TEST_CASE("COG predictor: names checked; GDAL's horizontal differencing when asked", "[cog]") {
  standort::test::TempDir dir;
  const Grid g(370000.0, 5712000.0, 10.0, 300, 200, "EPSG:25832");
  const std::vector<float> a(static_cast<std::size_t>(g.cell_count()), 1.5f);
  layers::GeoTiffOptions o;
  o.predictor = "STANDARD";
  layers::write_geotiff(dir / "two.tif", g, {{a, "distance", "m", {}}, {a, "id", "", {}}}, o);
  const auto ds = open_raster(dir / "two.tif");
  REQUIRE(ds);
  const char* predictor = ds->GetRasterBand(1)->GetMetadataItem("PREDICTOR", "IMAGE_STRUCTURE");
  if (!predictor) predictor = ds->GetMetadataItem("PREDICTOR", "IMAGE_STRUCTURE");
  REQUIRE(predictor);
  CHECK(std::string(predictor) == "2");
  o.predictor = "LZW";
  CHECK_THROWS_WITH(layers::write_geotiff(dir / "bad.tif", g, {{a, "x", "", {}}}, o),
                    Contains("unknown predictor 'LZW'"));
  CHECK_FALSE(std::filesystem::exists(dir / "bad.tif"));
}
