#include "standort/engine/geometry.hpp"
#include "standort/layers/vector_reader.hpp"
#include "support.hpp"
#include "tools/cli_support.hpp"

#include <cpl_minixml.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <sys/wait.h>

using namespace standort;
using namespace standort::test;
using Catch::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

/// Band `band` of `ds` as Float32 cells, row-major; REQUIREs a successful read.
std::vector<float> read_band(GDALDataset& ds, int band) {
  const int nx = ds.GetRasterXSize(), ny = ds.GetRasterYSize();
  std::vector<float> cells(static_cast<std::size_t>(nx) * ny);
  REQUIRE(ds.GetRasterBand(band)->RasterIO(GF_Read, 0, 0, nx, ny, cells.data(), nx, ny, GDT_Float32,
                                           0, 0) == CE_None);
  return cells;
}

/// Distance from (x, y) to the nearest point of `fs`, and that point's FID.
std::pair<double, std::int64_t> nearest_by_brute_force(const FeatureSet& fs, double x, double y) {
  double best = std::numeric_limits<double>::infinity();
  std::int64_t fid = -1;
  for (std::size_t i = 0; i < fs.size(); ++i) {
    const double d = std::hypot(x - fs.points[i].x(), y - fs.points[i].y());
    if (d < best) {
      best = d;
      fid = fs.fids[i];
    }
  }
  return {best, fid};
}

const std::string demo_gpkg = std::string(STANDORT_DATA_DIR) + "/demo/bochum_demo.gpkg";

/// The demo's campuses, read as a scenario would read them.
FeatureSet demo_campuses() {
  InputSpec campuses;
  campuses.name = "campuses";
  campuses.path = demo_gpkg;
  campuses.layer = "campuses";
  layers::ReadReport report;
  return layers::read_layer(campuses, "EPSG:25832", report);
}

std::string scenario_text(const std::string& districts_input, const std::string& campuses_input,
                          double cell_size_m) {
  std::ostringstream s;
  s << "[scenario]\nname = \"cli test\"\n\n"
    << districts_input << "\n"
    << campuses_input << "\n"
    << "[grid]\ncell_size_m = " << cell_size_m
    << "\nextent_from = \"districts\"\nmask = \"districts\"\n\n"
    << "[criteria.campus_proximity]\nlayer = \"campuses\"\noutput = \"campus_distance\"\n"
    << "value = { function = \"linear\", points = [[500.0, 1.0], [5000.0, 0.0]] }\n\n"
    << "[outputs]\ndistricts = \"districts\"\n";
  return s.str();
}

std::string demo_inputs_districts() {
  return "[inputs.districts]\npath = \"" + demo_gpkg +
         "\"\nlayer = \"statistische_bezirke\"\nname_field = \"name\"\nid_field = "
         "\"stat_bezirk_nr\"\n";
}
std::string demo_inputs_campuses() {
  return "[inputs.campuses]\npath = \"" + demo_gpkg +
         "\"\nlayer = \"campuses\"\nname_field = \"name\"\n";
}

/// The built-in scenario's text with its demo paths made absolute, to be written elsewhere.
std::string builtin_scenario_copy() {
  std::string copy = read_all(std::string(STANDORT_DATA_DIR) + "/bochum-strategie.toml");
  for (auto pos = copy.find("\"demo/"); pos != std::string::npos;
       pos = copy.find("\"demo/", pos + 1))
    copy.insert(pos + 1, std::string(STANDORT_DATA_DIR) + "/");
  const auto investors = copy.find("\"investors.toml\"");
  if (investors != std::string::npos)
    copy.insert(investors + 1, std::string(STANDORT_DATA_DIR) + "/");
  return copy;
}

}  // namespace

TEST_CASE("standort run writes every output, and each reopens with GDAL", "[cli][e2e]") {
  standort::test::TempDir dir;
  const auto out = dir / "out";
  const Result result = run("run -q -o " + out.string());
  INFO(result.output);
  REQUIRE(result.code == 0);
  // The built-in model: nine indicators (eight distances and the business density), three
  // pillars, the suitability, the explanation and the exclusions, each with a style (criterion
  // score rasters only on request); per district level a GeoJSON with a style and a CSV; one
  // GeoPackage; the manifest.
  const std::vector<std::string> rasters = {"campus_distance",
                                            "research_distance",
                                            "school_distance",
                                            "business_density",
                                            "junction_distance",
                                            "station_distance",
                                            "business_park_distance",
                                            "centre_distance",
                                            "facility_distance",
                                            "wissen_score",
                                            "wandel_score",
                                            "wir_gefuehl_score",
                                            "suitability",
                                            "explanation",
                                            "exclusions"};
  for (const std::string& f : rasters) {
    CHECK(std::filesystem::exists(out / (f + ".tif")));
    CHECK(std::filesystem::exists(out / (f + ".qml")));
  }
  for (const char* level : {"districts", "stadtbezirke"}) {
    CHECK(std::filesystem::exists(out / (std::string(level) + ".geojson")));
    CHECK(std::filesystem::exists(out / (std::string(level) + ".qml")));
    CHECK(std::filesystem::exists(out / (std::string(level) + ".csv")));
  }
  CHECK(std::filesystem::exists(out / "standort.gpkg"));
  CHECK(std::filesystem::exists(out / "manifest.json"));
  // The candidate sites (GeoJSON with a style, CSV, JSON for `standort match`) and the investors'
  // shortlists, rejections and joint assignment.
  for (const char* f : {"sites.geojson", "sites.qml", "sites.csv", "sites.json", "shortlists.csv",
                        "rejections.csv", "assignment.csv", "regions.geojson", "regions.qml",
                        "regions.csv", "standort.qgz", "report.html"})
    CHECK(std::filesystem::exists(out / f));
  // Map pictures: the overall score, the three pillars, the heatmap and the district means of
  // both levels, each as SVG and PNG.
  const std::vector<std::string> maps = {"map_suitability",
                                         "map_pillar_wissen",
                                         "map_pillar_wandel",
                                         "map_pillar_wir_gefuehl",
                                         "map_heatmap_business_density",
                                         "map_districts_districts",
                                         "map_districts_stadtbezirke"};
  GDALAllRegister();
  for (const std::string& m : maps) {
    INFO(m);
    std::unique_ptr<GDALDataset> png(
        GDALDataset::Open((out / (m + ".png")).c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    REQUIRE(png);
    CHECK(png->GetRasterXSize() > 1000);  // the 1000 px frame and the legend beside it
    CHECK(png->GetRasterCount() == 3);
    CPLXMLNode* svg = CPLParseXMLString(read_all(out / (m + ".svg")).c_str());
    REQUIRE(svg);
    CPLDestroyXMLNode(svg);
  }
  CHECK(file_count(out) == 2 * rasters.size() + 3 * 2 + 2 + 12 + 2 * maps.size());

  // The QGIS project (zipped .qgs, read through GDAL's /vsizip/): every layer's source is a file
  // of this run, by relative path, with its style, in the groups QGIS shows.
  {
    // Braces: GDAL tells a zip from its name, and .qgz is not one of the names it knows.
    const std::string qgs_path = "/vsizip/{" + (out / "standort.qgz").string() + "}/standort.qgs";
    VSILFILE* f = VSIFOpenL(qgs_path.c_str(), "rb");
    REQUIRE(f);
    std::string qgs;
    char buffer[65536];
    for (std::size_t n; (n = VSIFReadL(buffer, 1, sizeof buffer, f)) > 0;) qgs.append(buffer, n);
    VSIFCloseL(f);
    for (const char* group :
         {"Districts", "Sites", "Suitability", "Pillars", "Explanation", "Indicators"})
      CHECK_THAT(qgs, Contains(std::string("<layer-tree-group name=\"") + group + "\""));
    std::size_t layers = 0;
    for (auto at = qgs.find("<datasource>"); at != std::string::npos;
         at = qgs.find("<datasource>", at + 1)) {
      const auto end = qgs.find("</datasource>", at);
      std::string source = qgs.substr(at + 12, end - at - 12);
      INFO(source);
      REQUIRE(source.rfind("./", 0) == 0);  // relative to the project
      const auto bar = source.find('|');
      source = source.substr(2, bar == std::string::npos ? std::string::npos : bar - 2);
      CHECK(std::filesystem::exists(out / source));
      ++layers;
    }
    CHECK(layers == 20);  // 2 district levels, sites, regions, shortlists, 15 rasters
    CHECK_THAT(qgs, Contains("<authid>EPSG:25832</authid>"));
    CHECK_THAT(qgs, Contains("singlebandpseudocolor"));  // the styles are in the project
    CHECK_THAT(qgs, Contains("paletted"));
  }

  // Every raster passes GDAL's own COG validator (python3-gdal, installed by tools/test), and
  // carries band statistics equal to the cells' and the run's provenance.
  const auto listed = nlohmann::json::parse(read_all(out / "manifest.json"))["outputs"];
  std::size_t validated = 0;
  for (const auto& o : listed) {
    const std::string file = o["file"].get<std::string>();
    if (file.size() < 4 || file.substr(file.size() - 4) != ".tif") continue;
    INFO(file);
    const std::string cmd =
        "/usr/bin/python3 -m osgeo_utils.samples.validate_cloud_optimized_geotiff -q '" +
        (out / file).string() + "' > /dev/null 2>&1";
    CHECK(std::system(cmd.c_str()) == 0);
    ++validated;
  }
  CHECK(validated ==
        15);  // 8 distances, the density, 3 pillars, suitability, exclusions, explanation
  GDALAllRegister();
  {
    std::unique_ptr<GDALDataset> ds(
        GDALDataset::Open((out / "suitability.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    REQUIRE(ds);
    REQUIRE(ds->GetMetadataItem("standort_version"));
    CHECK(std::string(ds->GetMetadataItem("scenario_sha256")).size() == 64);
    const std::vector<float> cells = read_band(*ds, 1);
    double sum = 0.0, lo = 1e300, hi = -1e300;
    std::size_t n = 0;
    for (float v : cells)
      if (v != -9999.0f) {
        sum += v;
        lo = std::min(lo, static_cast<double>(v));
        hi = std::max(hi, static_cast<double>(v));
        ++n;
      }
    GDALRasterBand* b = ds->GetRasterBand(1);
    REQUIRE(b->GetMetadataItem("STATISTICS_MEAN"));
    CHECK_THAT(std::stod(b->GetMetadataItem("STATISTICS_MEAN")),
               WithinRel(sum / static_cast<double>(n), 1e-12));
    CHECK_THAT(std::stod(b->GetMetadataItem("STATISTICS_MINIMUM")), WithinAbs(lo, 1e-12));
    CHECK_THAT(std::stod(b->GetMetadataItem("STATISTICS_MAXIMUM")), WithinAbs(hi, 1e-12));
    double sq = 0.0;
    const double mean = sum / static_cast<double>(n);
    for (float v : cells)
      if (v != -9999.0f) sq += (v - mean) * (v - mean);
    CHECK_THAT(std::stod(b->GetMetadataItem("STATISTICS_STDDEV")),
               WithinRel(std::sqrt(sq / static_cast<double>(n)), 1e-9));
    CHECK_THAT(
        std::stod(b->GetMetadataItem("STATISTICS_VALID_PERCENT")),
        WithinRel(100.0 * static_cast<double>(n) / static_cast<double>(cells.size()), 1e-12));
  }
  // Each indicator's style spans its values: a distance ramp ends at the next 100 m above the
  // largest distance, a density ramp at the largest density (rounded to the legend's decimals).
  for (std::size_t k = 0; k < 9; ++k) {
    const std::string& f = rasters[k];
    INFO(f);
    std::unique_ptr<GDALDataset> ds(
        GDALDataset::Open((out / (f + ".tif")).c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    REQUIRE(ds);
    const double top = std::stod(ds->GetRasterBand(1)->GetMetadataItem("STATISTICS_MAXIMUM"));
    const std::string qml = read_all(out / (f + ".qml"));
    const auto at = qml.find("maximumValue=\"");
    REQUIRE(at != std::string::npos);
    const double ramp_top = std::stod(qml.substr(at + 14));
    if (f == "business_density") {
      CHECK_THAT(ramp_top, WithinAbs(top, 0.5));  // shown with no decimals above 100
    } else {
      CHECK(top > 1000.0);
      CHECK(ramp_top >= top);
      CHECK(ramp_top < top + 100.0);
      CHECK_THAT(std::fmod(ramp_top, 100.0), WithinAbs(0.0, 1e-9));
    }
  }
  for (const char* name : {"campus_distance.tif", "business_density.tif", "suitability.tif"}) {
    INFO(name);
    std::unique_ptr<GDALDataset> ds(
        GDALDataset::Open((out / name).c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    REQUIRE(ds);
    CHECK(std::string(ds->GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE")) == "COG");
    CHECK(std::string(ds->GetSpatialRef()->GetAuthorityCode(nullptr)) == "25832");
    int has_nodata = 0;
    CHECK_THAT(ds->GetRasterBand(1)->GetNoDataValue(&has_nodata), WithinAbs(-9999.0, 1e-9));
    CHECK(has_nodata);
    CHECK(ds->GetRasterBand(1)->GetOverviewCount() >= 1);
    double gt[6];
    REQUIRE(ds->GetGeoTransform(gt) == CE_None);
    CHECK_THAT(gt[1], WithinAbs(10.0, 1e-12));
    CHECK_THAT(std::fmod(gt[0], 10.0), WithinAbs(0.0, 1e-6));  // snapped to the 10 m lattice
  }

  // Distances agree with a brute-force evaluation against the demo campuses at sampled cells.
  const FeatureSet cs = demo_campuses();
  std::unique_ptr<GDALDataset> dist(
      GDALDataset::Open((out / "campus_distance.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  // The campus criterion's share of the suitability: its global weight times its score, 0 where
  // a rule excludes the cell.
  std::unique_ptr<GDALDataset> expl(
      GDALDataset::Open((out / "explanation.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  std::unique_ptr<GDALDataset> excl(
      GDALDataset::Open((out / "exclusions.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  REQUIRE(expl);
  REQUIRE(excl);
  const char* gw_text = expl->GetRasterBand(1)->GetMetadataItem("global_weight");
  REQUIRE(gw_text);
  const double global_weight = std::stod(gw_text);
  CHECK_THAT(global_weight, WithinAbs(0.4 * 4.0 / 7.0, 1e-6));  // Wissen 0.4 x campus 4/7 (AHP)
  REQUIRE(dist->GetRasterCount() == 2);
  double gt[6];
  dist->GetGeoTransform(gt);
  const int cols = dist->GetRasterXSize(), rows = dist->GetRasterYSize();
  const std::vector<float> d = read_band(*dist, 1), fid = read_band(*dist, 2),
                           s = read_band(*expl, 1), reason = read_band(*excl, 1);
  std::size_t scored = 0;
  for (int r = 0; r < rows; r += 37) {
    for (int c = 0; c < cols; c += 41) {
      const double x = gt[0] + (c + 0.5) * gt[1], y = gt[3] + (r + 0.5) * gt[5];
      const auto [best, best_fid] = nearest_by_brute_force(cs, x, y);
      const std::size_t k = static_cast<std::size_t>(r) * cols + c;
      REQUIRE_THAT(d[k], WithinAbs(best, 1e-3 + best * 1e-6));
      REQUIRE(static_cast<std::int64_t>(fid[k]) == best_fid);
      if (s[k] != -9999.0f) {
        ++scored;
        // The scenario's logistic decay: midpoint 2500 m, steepness 0.0015 per m.
        const double score = 1.0 / (1.0 + std::exp(0.0015 * (best - 2500.0)));
        REQUIRE_THAT(s[k], WithinAbs(reason[k] > 0.0f ? 0.0 : global_weight * score, 1e-5));
      }
    }
  }
  CHECK(scored > 100);

  // Districts: RFC 7946 and the statistics columns.
  const std::string gj = read_all(out / "districts.geojson");
  CHECK(gj.find("\"crs\"") == std::string::npos);
  std::unique_ptr<GDALDataset> vec(
      GDALDataset::Open((out / "districts.geojson").c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  REQUIRE(vec);
  OGRLayer* layer = vec->GetLayer(0);
  CHECK(layer->GetFeatureCount() == 30);
  for (auto& f : *layer) {
    std::unique_ptr<OGRGeometry> g(
        OGRGeometryFactory::forceToMultiPolygon(f->GetGeometryRef()->clone()));
    for (const OGRPolygon* p : *g->toMultiPolygon())
      CHECK_FALSE(p->getExteriorRing()->isClockwise());
    OGREnvelope e;
    g->getEnvelope(&e);
    CHECK(e.MinX > 7.0);
    CHECK(e.MaxY < 51.6);
    for (const char* field :
         {"campus_proximity_score_mean", "suitability_mean", "suitability_min", "suitability_max",
          "suitability_median", "suitability_std", "suitability_pct_at_least_60"})
      REQUIRE(f->GetFieldIndex(field) >= 0);
    const double mean = f->GetFieldAsDouble("campus_proximity_score_mean");
    CHECK(mean >= 0.0);
    CHECK(mean <= 1.0);
    CHECK(f->GetFieldAsDouble("suitability_min") <= f->GetFieldAsDouble("suitability_mean") + 1e-9);
    CHECK(f->GetFieldAsDouble("suitability_mean") <= f->GetFieldAsDouble("suitability_max") + 1e-9);
    const double pct = f->GetFieldAsDouble("suitability_pct_at_least_60");
    CHECK(pct >= 0.0);
    CHECK(pct <= 100.0);
  }
  // The same table as CSV (a header and 30 rows) and as a GeoPackage layer.
  {
    std::istringstream csv(read_all(out / "districts.csv"));
    std::string line;
    std::size_t lines = 0;
    while (std::getline(csv, line)) ++lines;
    CHECK(lines == 31);
    std::unique_ptr<GDALDataset> gpkg(
        GDALDataset::Open((out / "standort.gpkg").c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    REQUIRE(gpkg);
    REQUIRE(gpkg->GetLayerByName("districts"));
    CHECK(gpkg->GetLayerByName("districts")->GetFeatureCount() == 30);
  }

  const auto manifest = nlohmann::json::parse(read_all(out / "manifest.json"));
  CHECK(manifest["inputs"]["campuses"]["sha256"].get<std::string>().size() == 64);
  CHECK(manifest["outputs"].size() == file_count(out) - 1);  // all but the manifest itself

  // The explanation bands are each criterion's share: they sum to the suitability at every cell.
  {
    std::unique_ptr<GDALDataset> ex(
        GDALDataset::Open((out / "explanation.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    std::unique_ptr<GDALDataset> su(
        GDALDataset::Open((out / "suitability.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    REQUIRE(ex);
    REQUIRE(su);
    REQUIRE(ex->GetRasterCount() == 9);
    const std::vector<float> total = read_band(*su, 1);
    std::vector<double> sum(total.size(), 0.0);
    for (int b = 1; b <= 9; ++b) {
      const std::vector<float> part = read_band(*ex, b);
      for (std::size_t i = 0; i < part.size(); ++i) sum[i] += part[i];
    }
    std::size_t valid = 0;
    for (std::size_t i = 0; i < total.size(); ++i) {
      if (total[i] == -9999.0f) continue;  // nodata sentinel outside the districts
      ++valid;
      REQUIRE_THAT(sum[i], WithinAbs(total[i], 1e-5));
    }
    CHECK(valid > 1000000);
  }

  // The heatmap band says what it is.
  std::unique_ptr<GDALDataset> heat(
      GDALDataset::Open((out / "business_density.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  REQUIRE(heat);
  GDALRasterBand* hb = heat->GetRasterBand(1);
  CHECK(std::string(hb->GetUnitType()) == "employees per km2");
  CHECK_THAT(std::string(hb->GetDescription()), Contains("quartic, radius 1000.0 m"));
  CHECK(std::string(hb->GetMetadataItem("weights")) == "field 'employees'");
  CHECK(manifest["grid"]["crs"] == "EPSG:25832");
  CHECK(manifest["libraries"]["gdal"].get<std::string>().rfind("3.", 0) == 0);
}

TEST_CASE("outputs are byte-identical for 1 and 7 threads", "[cli][threads]") {
  standort::test::TempDir dir;
  // --criterion-scores adds the score rasters of the criteria to the default outputs.
  REQUIRE(run("run -q --threads 1 --criterion-scores -o " + (dir / "a").string()).code == 0);
  REQUIRE(run("run -q --threads 7 --criterion-scores -o " + (dir / "b").string()).code == 0);
  for (const char* f : {"campus_distance.tif", "business_density.tif", "wir_gefuehl_score.tif",
                        "campus_proximity_score.tif", "community_places_score.tif",
                        "suitability.tif", "explanation.tif", "exclusions.tif", "districts.geojson",
                        "stadtbezirke.csv", "standort.gpkg", "report.html", "map_suitability.svg",
                        "map_suitability.png", "map_districts_districts.png"}) {
    INFO(f);
    REQUIRE(std::filesystem::exists(dir / "a" / f));
    CHECK(read_all(dir / "a" / f) == read_all(dir / "b" / f));
  }
}

TEST_CASE("invalid input stops the run with a named error and writes nothing", "[cli][errors]") {
  STANDORT_REQUIRE_SHARED_DATA(data);
  standort::test::TempDir dir;
  const std::string districts = "[inputs.districts]\npath = \"" +
                                (data / "raw" / "bochum_bezirke_original_4d.geojson").string() +
                                "\"\nname_field = \"Bezeichnun\"\n";
  write_file(dir / "s.toml", scenario_text(districts, demo_inputs_campuses(), 50));
  const Result bad = run("run -q " + (dir / "s.toml").string() + " -o " + (dir / "out").string());
  CHECK(bad.code == 2);
  CHECK_THAT(bad.output, Contains("3 of 30 features cannot be used"));
  CHECK_THAT(bad.output, Contains("polygon is invalid"));
  CHECK_THAT(bad.output, Contains("repair = true"));
  CHECK(file_count(dir / "out") == 0);

  write_file(dir / "r.toml",
             scenario_text(districts + "repair = true\n", demo_inputs_campuses(), 50));
  const Result repaired =
      run("run -q " + (dir / "r.toml").string() + " -o " + (dir / "out").string());
  INFO(repaired.output);
  CHECK(repaired.code == 0);
  const auto manifest = nlohmann::json::parse(read_all(dir / "out" / "manifest.json"));
  CHECK(manifest["inputs"]["districts"]["repaired"] == 3);
  CHECK(manifest["warning_count"].get<int>() >= 1);  // Z/M dropped
}

TEST_CASE("official districts from the shared data run end to end", "[cli][bochum]") {
  STANDORT_REQUIRE_SHARED_DATA(data);
  standort::test::TempDir dir;
  const std::string districts = "[inputs.districts]\npath = \"" +
                                (data / "bochum_statistische_bezirke.geojson").string() +
                                "\"\nid_field = \"stat_bezirk_nr\"\nname_field = \"name\"\n";
  const std::string campuses = "[inputs.campuses]\npath = \"" +
                               (data / "bochum_hochschulen_forschung.geojson").string() + "\"\n";
  write_file(dir / "s.toml", scenario_text(districts, campuses, 20));
  const Result r = run("run -q " + (dir / "s.toml").string() + " -o " + (dir / "out").string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  GDALAllRegister();
  std::unique_ptr<GDALDataset> vec(GDALDataset::Open((dir / "out" / "districts.geojson").c_str(),
                                                     GDAL_OF_VECTOR | GDAL_OF_READONLY));
  REQUIRE(vec);
  CHECK(vec->GetLayer(0)->GetFeatureCount() == 30);
  // Querenburg holds the Ruhr-Universität: its mean campus distance is small.
  bool found = false;
  for (auto& f : *vec->GetLayer(0)) {
    if (std::string(f->GetFieldAsString("name")) == "Querenburg") {
      found = true;
      REQUIRE(f->GetFieldIndex("campus_proximity_mean") >= 0);
      CHECK(f->GetFieldAsDouble("campus_proximity_mean") < 1500.0);
    }
  }
  CHECK(found);
}

TEST_CASE("info reports a CP1252 file without writing invalid UTF-8", "[cli][bochum]") {
  STANDORT_REQUIRE_SHARED_DATA(data);
  const Result r = run("info --json " + (data / "raw" / "bochum_sports_facilities.csv").string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.output);  // throws on invalid UTF-8
  REQUIRE(j["layers"].size() == 1);
  CHECK(j["layers"][0]["problems"].size() == 1);
}

TEST_CASE("counts per district equal an independent point-in-polygon count",
          "[cli][bochum][counts]") {
  STANDORT_REQUIRE_SHARED_DATA(data);
  standort::test::TempDir dir;
  const std::string districts = "[inputs.districts]\npath = \"" +
                                (data / "bochum_statistische_bezirke.geojson").string() +
                                "\"\nid_field = \"stat_bezirk_nr\"\nname_field = \"name\"\n";
  const std::string schools =
      "[inputs.campuses]\npath = \"" + (data / "bochum_bildung_poi.geojson").string() + "\"\n";
  write_file(dir / "s.toml",
             scenario_text(districts, schools, 50) +
                 "[[outputs.counts]]\nlayer = \"campuses\"\nsum_field = \"stat_bezirk_nr\"\n");
  const Result r = run("run -q " + (dir / "s.toml").string() + " -o " + (dir / "out").string());
  INFO(r.output);
  REQUIRE(r.code == 0);

  // Independent count: GEOS (through OGR) point-in-polygon on the original lon/lat geometries.
  GDALAllRegister();
  std::unique_ptr<GDALDataset> dds(
      GDALDataset::Open((data / "bochum_statistische_bezirke.geojson").c_str(), GDAL_OF_VECTOR));
  std::unique_ptr<GDALDataset> sds(
      GDALDataset::Open((data / "bochum_bildung_poi.geojson").c_str(), GDAL_OF_VECTOR));
  REQUIRE(dds);
  REQUIRE(sds);
  std::map<std::string, std::int64_t> expected;
  std::vector<std::pair<std::string, std::unique_ptr<OGRGeometry>>> polys;
  for (auto& f : *dds->GetLayer(0))
    polys.emplace_back(f->GetFieldAsString("name"),
                       std::unique_ptr<OGRGeometry>(f->GetGeometryRef()->clone()));
  std::int64_t total = 0;
  for (auto& f : *sds->GetLayer(0)) {
    for (const auto& [name, g] : polys) {
      if (f->GetGeometryRef()->Within(g.get())) {
        ++expected[name];
        ++total;
        break;
      }
    }
  }
  CHECK(total == 236);
  std::unique_ptr<GDALDataset> out(
      GDALDataset::Open((dir / "out" / "districts.geojson").c_str(), GDAL_OF_VECTOR));
  REQUIRE(out);
  std::int64_t counted = 0;
  for (auto& f : *out->GetLayer(0)) {
    const std::string name = f->GetFieldAsString("name");
    INFO(name);
    CHECK(f->GetFieldAsInteger64("campuses_count") == expected[name]);
    counted += f->GetFieldAsInteger64("campuses_count");
    const double km2 = f->GetFieldAsDouble("area_km2");
    CHECK_THAT(f->GetFieldAsDouble("campuses_per_km2"),
               WithinAbs(static_cast<double>(expected[name]) / km2, 1e-3));
    // Summing the district number field: count * the district's own number.
    CHECK_THAT(
        f->GetFieldAsDouble("campuses_stat_bezirk_nr_sum"),
        WithinAbs(static_cast<double>(expected[name]) * f->GetFieldAsDouble("stat_bezirk_nr"),
                  1e-6));
  }
  CHECK(counted == 236);
}

TEST_CASE("standort proximity and heatmap write GeoTIFFs that reopen with the right values",
          "[cli][proximity]") {
  standort::test::TempDir dir;
  const std::string extent =
      " --extent-from " + demo_gpkg + " --extent-layer stadtgrenze --cell-size 40";
  // A bare file name lands in the current folder.
  const Result p = run("proximity -q " + demo_gpkg + " --layer campuses -o near.tif" + extent,
                       dir.path().string());
  INFO(p.output);
  REQUIRE(p.code == 0);
  GDALAllRegister();
  std::unique_ptr<GDALDataset> ds(
      GDALDataset::Open((dir / "near.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  REQUIRE(ds);
  CHECK(ds->GetRasterCount() == 2);
  CHECK(std::string(ds->GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE")) == "COG");
  const FeatureSet cs = demo_campuses();
  double gt[6];
  ds->GetGeoTransform(gt);
  for (int r = 0; r < ds->GetRasterYSize(); r += 29) {
    for (int c = 0; c < ds->GetRasterXSize(); c += 31) {
      float v[2];
      REQUIRE(ds->GetRasterBand(1)->RasterIO(GF_Read, c, r, 1, 1, &v[0], 1, 1, GDT_Float32, 0, 0) ==
              CE_None);
      REQUIRE(ds->GetRasterBand(2)->RasterIO(GF_Read, c, r, 1, 1, &v[1], 1, 1, GDT_Float32, 0, 0) ==
              CE_None);
      const double x = gt[0] + (c + 0.5) * gt[1], y = gt[3] + (r + 0.5) * gt[5];
      const auto [best, fid] = nearest_by_brute_force(cs, x, y);
      REQUIRE_THAT(v[0], WithinAbs(best, 1e-3 + best * 1e-6));
      REQUIRE(static_cast<std::int64_t>(v[1]) == fid);
    }
  }
  const Result plain =
      run("proximity -q " + demo_gpkg + " --layer campuses --format gtiff --no-nearest-id -o " +
          (dir / "plain.tif").string() + extent);
  REQUIRE(plain.code == 0);
  std::unique_ptr<GDALDataset> pds(
      GDALDataset::Open((dir / "plain.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  REQUIRE(pds);
  CHECK(pds->GetRasterCount() == 1);

  const Result h =
      run("heatmap -q " + demo_gpkg +
          " --layer business_settlements --weight-field employees --radius 800 " +
          "--output-values density_per_km2 -o " + (dir / "heat.tif").string() + extent);
  INFO(h.output);
  REQUIRE(h.code == 0);
  std::unique_ptr<GDALDataset> hds(
      GDALDataset::Open((dir / "heat.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  REQUIRE(hds);
  CHECK(std::string(hds->GetRasterBand(1)->GetUnitType()) == "employees per km2");

  // A small memory budget makes proximity and heatmap work in bands of rows; the cells are
  // bit-identical to the whole-grid result.
  for (const std::string format : {"cog", "gtiff"}) {
    const Result banded =
        run("proximity " + demo_gpkg + " --layer campuses --max-memory-gb 0.001 --format " +
            format + " -o " + (dir / ("banded_" + format + ".tif")).string() + extent);
    INFO(banded.output);
    REQUIRE(banded.code == 0);
    CHECK_THAT(banded.output, Contains("in bands of"));
    std::unique_ptr<GDALDataset> bds(GDALDataset::Open(
        (dir / ("banded_" + format + ".tif")).c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    REQUIRE(bds);
    const int nx = ds->GetRasterXSize(), ny = ds->GetRasterYSize();
    REQUIRE(bds->GetRasterXSize() == nx);
    REQUIRE(bds->GetRasterYSize() == ny);
    for (int b = 1; b <= 2; ++b) {
      const std::vector<float> whole = read_band(*ds, b), band = read_band(*bds, b);
      CHECK(std::memcmp(whole.data(), band.data(), whole.size() * sizeof(float)) == 0);
    }
    if (format == "cog") {
      CHECK(std::string(bds->GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE")) == "COG");
      CHECK(bds->GetRasterBand(1)->GetOverviewCount() == ds->GetRasterBand(1)->GetOverviewCount());
    }
  }
  const std::string fine =
      " --extent-from " + demo_gpkg + " --extent-layer stadtgrenze --cell-size 20";
  const std::string heat_args =
      "heatmap " + demo_gpkg +
      " --layer business_settlements --weight-field employees --radius 800 "
      "--output-values density_per_km2" +
      fine;
  REQUIRE(run(heat_args + " -q -o " + (dir / "heat_whole.tif").string()).code == 0);
  const Result hb =
      run(heat_args + " --max-memory-gb 0.001 -o " + (dir / "heat_banded.tif").string());
  INFO(hb.output);
  REQUIRE(hb.code == 0);
  CHECK_THAT(hb.output, Contains("in bands of"));
  {
    std::unique_ptr<GDALDataset> a(
        GDALDataset::Open((dir / "heat_whole.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    std::unique_ptr<GDALDataset> b(
        GDALDataset::Open((dir / "heat_banded.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    REQUIRE(a);
    REQUIRE(b);
    const std::vector<float> va = read_band(*a, 1), vb = read_band(*b, 1);
    CHECK(std::memcmp(va.data(), vb.data(), va.size() * sizeof(float)) == 0);
    CHECK(a->GetRasterBand(1)->GetOverviewCount() == b->GetRasterBand(1)->GetOverviewCount());
    CHECK(b->GetRasterBand(1)->GetOverviewCount() >= 1);
  }

  // -o naming a folder, or an output folder that is a file, is bad input, not an internal error.
  const Result folder =
      run("proximity -q " + demo_gpkg + " --layer campuses -o " + dir.path().string() + extent);
  CHECK(folder.code == 2);
  CHECK_THAT(folder.output, Contains("is a folder"));
  const Result file_as_folder = run("run -q -o " + (dir / "near.tif").string());
  CHECK(file_as_folder.code == 2);
  CHECK_THAT(file_as_folder.output, Contains("is an existing file"));
}

TEST_CASE("limits, scenario errors, validate and info", "[cli]") {
  standort::test::TempDir dir;
  write_file(dir / "huge.toml",
             scenario_text(demo_inputs_districts(), demo_inputs_campuses(), 0.01));
  const Result huge =
      run("run -q " + (dir / "huge.toml").string() + " -o " + (dir / "out").string());
  CHECK(huge.code == 3);
  CHECK_THAT(huge.output, Contains("use a cell size of at least"));
  CHECK(file_count(dir / "out") == 0);

  std::string typo = scenario_text(demo_inputs_districts(), demo_inputs_campuses(), 50);
  typo.replace(typo.find("extent_from"), 11, "extend_from");
  write_file(dir / "typo.toml", typo);
  const Result t = run("validate " + (dir / "typo.toml").string());
  CHECK(t.code == 2);
  CHECK_THAT(t.output, Contains("did you mean 'extent_from'"));

  const Result v = run("validate -q");
  INFO(v.output);
  CHECK(v.code == 0);
  CHECK_THAT(v.output, Contains(": ok"));

  const Result info = run("info --json " + demo_gpkg);
  REQUIRE(info.code == 0);
  const auto j = nlohmann::json::parse(info.output);
  CHECK(j["kind"] == "vector");
  CHECK(j["layers"].size() >= 5);
  for (const auto& l : j["layers"]) CHECK(l["problems"].empty());

  // Output stems may not collide; distorting projections are refused.
  std::string clash = scenario_text(demo_inputs_districts(), demo_inputs_campuses(), 50);
  clash.replace(clash.find("output = \"campus_distance\""), 26, "output = \"suitability\"");
  write_file(dir / "clash.toml", clash);
  const Result c = run("validate -q " + (dir / "clash.toml").string());
  CHECK(c.code == 2);
  CHECK_THAT(c.output, Contains("already the suitability raster"));
  std::string mercator = scenario_text(demo_inputs_districts(), demo_inputs_campuses(), 50);
  mercator.replace(mercator.find("[grid]\n"), 7, "[grid]\ncrs = \"EPSG:3857\"\n");
  write_file(dir / "mercator.toml", mercator);
  const Result m = run("validate -q " + (dir / "mercator.toml").string());
  CHECK(m.code == 2);
  CHECK_THAT(m.output, Contains("stretches distances by a factor of 1.6"));
  CHECK(run("run -q " + dir.path().string()).code == 2);  // a folder is not a scenario
  CHECK(run("run -q --threads 100000").code == 2);

  const Result missing = run("info " + (dir / "nope.gpkg").string());
  CHECK(missing.code == 2);
  CHECK_THAT(missing.output, Contains("no such file"));
  CHECK(run("--version").code == 0);
}

TEST_CASE("constraints exclude cells with a reason and a count", "[cli][constraints]") {
  standort::test::TempDir dir;
  // Two criteria and three rules: inside one district (an attribute condition on the district
  // layer), within 300 m of a campus, and motorway junctions farther than 3 km.
  const std::string text = R"toml([scenario]
name = "constraints"
[inputs.districts]
path = ")toml" + demo_gpkg +
                           R"toml("
layer = "statistische_bezirke"
geometry = "polygon"
name_field = "name"
[inputs.campuses]
path = ")toml" + demo_gpkg +
                           R"toml("
layer = "campuses"
[inputs.junctions]
path = ")toml" + demo_gpkg +
                           R"toml("
layer = "motorway_junctions"
[grid]
cell_size_m = 20
extent_from = "districts"
mask = "districts"
[criteria.campus_proximity]
layer = "campuses"
value = { function = "linear", points = [[500, 1.0], [5000, 0.0]] }
output = "campus_distance"
[criteria.motorway_access]
layer = "junctions"
value = { function = "linear", points = [[1000, 1.0], [6000, 0.0]] }
output = "junction_distance"
[constraints.querenburg]
kind = "inside"
layer = "districts"
where = "name = 'Querenburg'"
reason = "Querenburg (test)"
[constraints.campus_buffer]
kind = "within"
layer = "campuses"
distance_m = 300
[constraints.remote]
kind = "threshold"
criterion = "motorway_access"
above = 3000
[outputs]
districts = "districts"
)toml";
  write_file(dir / "c.toml", text);
  const auto out = dir / "out";
  const Result r = run("run -q " + (dir / "c.toml").string() + " -o " + out.string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  GDALAllRegister();
  std::unique_ptr<GDALDataset> ex(
      GDALDataset::Open((out / "exclusions.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  std::unique_ptr<GDALDataset> su(
      GDALDataset::Open((out / "suitability.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  std::unique_ptr<GDALDataset> jd(GDALDataset::Open((out / "junction_distance.tif").c_str(),
                                                    GDAL_OF_RASTER | GDAL_OF_READONLY));
  REQUIRE(ex);
  REQUIRE(su);
  REQUIRE(jd);
  // Categorical bands: Byte codes with 255 as nodata.
  CHECK(ex->GetRasterBand(1)->GetRasterDataType() == GDT_Byte);
  int has_code_nodata = 0;
  CHECK_THAT(ex->GetRasterBand(1)->GetNoDataValue(&has_code_nodata), WithinAbs(255.0, 1e-12));
  CHECK(has_code_nodata);
  CHECK(std::string(ex->GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE")) == "COG");
  CHECK_THAT(std::string(ex->GetRasterBand(1)->GetMetadataItem("legend")),
             Contains("1 = Querenburg (test) [constraints.querenburg]"));
  const std::vector<float> code = read_band(*ex, 1), count = read_band(*ex, 2),
                           suit = read_band(*su, 1), junction = read_band(*jd, 1);
  std::array<std::size_t, 4> per_code{};
  std::size_t wrong = 0;  // cells breaking one of the rules below
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (suit[i] == -9999.0f) {     // outside the mask: no reason either (nodata sentinel)
      wrong += code[i] != 255.0f;  // the Byte band's nodata
      continue;
    }
    const int c = static_cast<int>(code[i]);
    if (c < 0 || c > 3) {
      ++wrong;
      continue;
    }
    ++per_code[static_cast<std::size_t>(c)];
    if (c > 0) {
      wrong += !(suit[i] == 0.0f && count[i] >= 1.0f);  // excluded cells are unsuitable
    } else {
      wrong += count[i] != 0.0f;  // integer codes stored in Float32 are exact
    }
    // The threshold rule, checked against the indicator itself.
    wrong += junction[i] > 3000.0f && c == 0;
    wrong += c == 3 && !(junction[i] > 3000.0f);
  }
  CHECK(wrong == 0);
  CHECK(per_code[1] > 1000);  // Querenburg is several km²
  CHECK(per_code[2] > 100);
  CHECK(per_code[3] > 1000);
  // The Ruhr-Universität campus lies in Querenburg and within 300 m of itself: reason 1, count 2.
  double gt[6];
  REQUIRE(ex->GetGeoTransform(gt) == CE_None);
  std::unique_ptr<GDALDataset> pts(
      GDALDataset::Open(demo_gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  REQUIRE(pts);
  OGRLayer* campuses = pts->GetLayerByName("campuses");
  REQUIRE(campuses);
  bool found = false;
  for (auto& f : *campuses) {
    if (std::string(f->GetFieldAsString("name")).find("Ruhr-Universit") == std::string::npos)
      continue;
    const OGRPoint* p = f->GetGeometryRef()->toPoint();
    const auto col = static_cast<std::size_t>((p->getX() - gt[0]) / gt[1]);
    const auto row = static_cast<std::size_t>((p->getY() - gt[3]) / gt[5]);
    const std::size_t i = row * static_cast<std::size_t>(ex->GetRasterXSize()) + col;
    CHECK(code[i] == 1.0f);
    CHECK(count[i] >= 2.0f);
    found = true;
  }
  CHECK(found);
  CHECK(std::filesystem::exists(out / "exclusions.qml"));
  CHECK_THAT(read_all(out / "exclusions.qml"), Contains("Querenburg (test)"));

  // A rule whose condition selects nothing would silently exclude nothing: an error instead.
  std::string none = text;
  none.replace(none.find("'Querenburg'"), 12, "'Nowhere'");
  write_file(dir / "none.toml", none);
  const Result bad = run("run -q " + (dir / "none.toml").string() + " -o " + (dir / "x").string());
  CHECK(bad.code == 2);
  CHECK_THAT(bad.output,
             Contains("[constraints.querenburg] where = \"name = 'Nowhere'\" selects none"));
}

TEST_CASE("both district levels: statistics that agree between the levels", "[cli][districts]") {
  standort::test::TempDir dir;
  // The built-in scenario summarises the 30 districts and the 6 Stadtbezirke; this copy also
  // keeps the criterion score rasters.
  std::string copy = builtin_scenario_copy();
  REQUIRE(copy.find("districts = [\"districts\", \"stadtbezirke\"]") != std::string::npos);
  copy.replace(copy.find("[outputs]\n"), 10, "[outputs]\ncriterion_scores = true\n");
  write_file(dir / "two.toml", copy);
  const Result r = run("run -q " + (dir / "two.toml").string() + " -o " + (dir / "out").string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  for (const char* c : {"campus_proximity", "research_proximity", "school_access",
                        "business_density", "motorway_access", "rail_access",
                        "business_park_proximity", "centre_proximity", "community_places"}) {
    CHECK(std::filesystem::exists(dir / "out" / (std::string(c) + "_score.tif")));
    CHECK(std::filesystem::exists(dir / "out" / (std::string(c) + "_score.qml")));
  }
  // explain reads the scores from those rasters: the campus score is the logistic decay of the
  // distance.
  const Result e = run("explain 379235 5700775 --json " + (dir / "out").string());
  REQUIRE(e.code == 0);
  const auto j = nlohmann::json::parse(e.output.substr(e.output.find('{')));
  const double distance = j["criteria"][0]["indicator"].get<double>();
  CHECK_THAT(j["criteria"][0]["score"].get<double>(),
             WithinAbs(1.0 / (1.0 + std::exp(0.0015 * (distance - 2500.0))), 1e-6));
  GDALAllRegister();
  // The demo's Stadtbezirke are unions of its 30 districts, so the city-wide mean suitability,
  // weighted by the area with data, is the same from either level: coverage weighting loses no
  // area along the inner boundaries (cell-centre membership would).
  auto city_mean = [&](const std::string& file, std::size_t expected) {
    std::unique_ptr<GDALDataset> ds(
        GDALDataset::Open((dir / "out" / file).c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    REQUIRE(ds);
    OGRLayer* layer = ds->GetLayer(0);
    CHECK(static_cast<std::size_t>(layer->GetFeatureCount()) == expected);
    double sum = 0.0, area = 0.0;
    for (auto& f : *layer) {
      sum += f->GetFieldAsDouble("suitability_mean") * f->GetFieldAsDouble("data_area_km2");
      area += f->GetFieldAsDouble("data_area_km2");
    }
    return sum / area;
  };
  const double fine = city_mean("districts.geojson", 30);
  const double coarse = city_mean("stadtbezirke.geojson", 6);
  CHECK(fine > 0.1);
  CHECK_THAT(fine, WithinAbs(coarse, 1e-5));
  CHECK(std::filesystem::exists(dir / "out" / "stadtbezirke.csv"));
  std::unique_ptr<GDALDataset> gpkg(GDALDataset::Open((dir / "out" / "standort.gpkg").c_str(),
                                                      GDAL_OF_VECTOR | GDAL_OF_READONLY));
  REQUIRE(gpkg);
  // Both district levels, the candidate sites, the regions, the investors' shortlists, and
  // QGIS's layer_styles table with a default style for each of them.
  CHECK(gpkg->GetLayerCount() == 6);
  OGRLayer* styles = gpkg->GetLayerByName("layer_styles");
  REQUIRE(styles);
  std::set<std::string> styled;
  for (auto& f : *styles) {
    CHECK(f->GetFieldAsInteger("useAsDefault") == 1);
    CHECK_THAT(std::string(f->GetFieldAsString("styleQML")), Contains("<qgis"));
    CHECK(std::string(f->GetFieldAsString("f_geometry_column")) == "geom");
    styled.insert(f->GetFieldAsString("f_table_name"));
  }
  CHECK(styled ==
        std::set<std::string>{"districts", "stadtbezirke", "sites", "regions", "shortlists"});
  // Each shortlist entry carries the outline of its site.
  OGRLayer* sites = gpkg->GetLayerByName("sites");
  OGRLayer* shortlists = gpkg->GetLayerByName("shortlists");
  REQUIRE(sites);
  REQUIRE(shortlists);
  std::map<std::string, double> site_area;
  for (auto& f : *sites)
    site_area[f->GetFieldAsString("site_id")] = f->GetGeometryRef()->toMultiPolygon()->get_Area();
  CHECK(shortlists->GetFeatureCount() == 15);  // three investors, five sites each
  for (auto& f : *shortlists) {
    INFO(f->GetFieldAsString("site_id"));
    REQUIRE(site_area.count(f->GetFieldAsString("site_id")));
    CHECK_THAT(f->GetGeometryRef()->toMultiPolygon()->get_Area(),
               WithinRel(site_area[f->GetFieldAsString("site_id")], 1e-12));
    CHECK(f->GetFieldAsInteger("rank") >= 1);
  }
  REQUIRE(gpkg->GetLayerByName("sites"));
  CHECK(gpkg->GetLayerByName("sites")->GetFeatureCount() >= 20);
}

TEST_CASE("explain prints the breakdown at a location, and the parts add up", "[cli][explain]") {
  standort::test::TempDir dir;
  const auto out = dir / "out";
  // A copy of the built-in scenario, without score rasters: explain applies each criterion's
  // value function to the indicator, reading the scenario again.
  write_file(dir / "copy.toml", builtin_scenario_copy());
  REQUIRE(run("run -q " + (dir / "copy.toml").string() + " -o " + out.string()).code == 0);
  CHECK_FALSE(std::filesystem::exists(out / "campus_proximity_score.tif"));
  // The Ruhr-Universität campus, given in WGS84 as a planner would copy it from a web map.
  const Result r = run("explain 7.2622 51.4453 --crs EPSG:4326 --json " + out.string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  CHECK(j["district"]["name"] == "Querenburg");
  const double suitability = j["suitability"].get<double>();
  double sum = 0.0;
  REQUIRE(j["criteria"].size() == 9);
  REQUIRE(j["pillars"].size() == 3);
  for (std::size_t k = 0; k < 9; ++k) {
    const auto& c = j["criteria"][k];
    sum += c["contribution"].get<double>();
    // Wissen and Wandel are weighted sums: there a contribution is global weight x score.
    if (k < 7)
      CHECK_THAT(c["contribution"].get<double>(),
                 WithinAbs(c["global_weight"].get<double>() * c["score"].get<double>(), 1e-6));
  }
  CHECK_THAT(sum, WithinAbs(suitability, 1e-5));
  // The indicator is the distance from the cell centre to the nearest campus.
  const auto& campus = j["criteria"][0];
  CHECK(campus["criterion"] == "campus_proximity");
  const auto [best, fid] = nearest_by_brute_force(demo_campuses(), j["cell"]["x"].get<double>(),
                                                  j["cell"]["y"].get<double>());
  CHECK_THAT(campus["indicator"].get<double>(), WithinAbs(best, 1e-2));
  CHECK(static_cast<std::int64_t>(campus["nearest_feature"].get<double>()) == fid);
  CHECK_THAT(
      campus["score"].get<double>(),
      WithinAbs(1.0 / (1.0 + std::exp(0.0015 * (campus["indicator"].get<double>() - 2500.0))),
                1e-6));

  const Result text = run("explain 379235 5700775 " + out.string());
  CHECK(text.code == 0);
  CHECK_THAT(text.output, Contains("suitability: "));
  CHECK_THAT(text.output, Contains("campus_proximity"));

  // Once the scenario has changed, its functions may no longer be the run's: no scores then, and
  // the table says why.
  write_file(dir / "copy.toml", builtin_scenario_copy() + "\n# edited after the run\n");
  const Result changed = run("explain 379235 5700775 " + out.string());
  CHECK(changed.code == 0);
  CHECK_THAT(changed.output, Contains("has changed since the run"));
  CHECK_THAT(changed.output, Contains("criterion_scores = true"));

  const Result outside = run("explain 0 0 " + out.string());
  CHECK(outside.code == 2);
  CHECK_THAT(outside.output, Contains("(0, 0) in EPSG:25832 lies outside the run's grid, which "
                                      "spans x "));
  // Swapped lon/lat: both the given and the transformed point are named, in a few digits.
  const Result swapped = run("explain 51.4453 7.2622 --crs EPSG:4326 " + out.string());
  CHECK(swapped.code == 2);
  CHECK_THAT(swapped.output, Contains("(51.4453, 7.2622) in EPSG:4326 ("));
  CHECK_THAT(swapped.output, Contains("check the order (x = easting/longitude first)"));
  const Result huge = run("explain 1e300 7.2 --crs EPSG:4326 " + out.string());
  CHECK(huge.code == 2);
  CHECK_THAT(huge.output, Contains("cannot transform (1e+300, 7.2) from EPSG:4326"));
  CHECK(huge.output.size() < 400);
  const Result missing = run("explain 379235 5700775 " + (dir / "nothing").string());
  CHECK(missing.code == 2);
  CHECK_THAT(missing.output, Contains("run 'standort run' first"));
}

namespace {

/// Rows of a CSV file as maps from column name to text (simple files: quotes only around text).
std::vector<std::map<std::string, std::string>> read_csv_rows(const std::filesystem::path& file) {
  std::istringstream in(read_all(file));
  auto split = [](const std::string& line) {
    std::vector<std::string> out;
    std::string cell;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (c == '"') {
        if (quoted && i + 1 < line.size() && line[i + 1] == '"') {
          cell += '"';
          ++i;
        } else {
          quoted = !quoted;
        }
      } else if (c == ',' && !quoted) {
        out.push_back(cell);
        cell.clear();
      } else if (c != '\r') {
        cell += c;
      }
    }
    out.push_back(cell);
    return out;
  };
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = split(line);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    const std::vector<std::string> cells = split(line);
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

TEST_CASE("sites: ranked, statistics equal the district statistics of the same polygons",
          "[cli][sites]") {
  standort::test::TempDir dir;
  // The built-in scenario with its districts as the candidate sites.
  std::string text = builtin_scenario_copy();
  const auto at = text.find("layer = \"sites\"");
  REQUIRE(at != std::string::npos);
  text.replace(at, 15, "layer = \"districts\"");
  for (const char* key : {"zoning_field = ", "investors = "}) {
    const auto line = text.find(key);
    REQUIRE(line != std::string::npos);
    text.erase(line, text.find('\n', line) + 1 - line);
  }
  write_file(dir / "s.toml", text);
  const Result r = run("run -q " + (dir / "s.toml").string() + " -o " + (dir / "out").string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  const auto sites = read_csv_rows(dir / "out" / "sites.csv");
  const auto districts = read_csv_rows(dir / "out" / "districts.csv");
  REQUIRE(sites.size() == 30);
  REQUIRE(districts.size() == 30);
  std::map<std::string, const std::map<std::string, std::string>*> by_name;
  for (const auto& d : districts) by_name[d.at("name")] = &d;
  double previous = 2.0;
  for (std::size_t k = 0; k < sites.size(); ++k) {
    const auto& s = sites[k];
    INFO(s.at("name"));
    CHECK(std::stoi(s.at("rank")) == static_cast<int>(k + 1));
    const double mean = std::stod(s.at("suitability_mean"));
    CHECK(mean <= previous);  // ranked by the mean suitability
    previous = mean;
    const auto& d = *by_name.at(s.at("name"));
    for (const char* col : {"suitability_mean", "suitability_min", "suitability_max",
                            "suitability_std", "suitability_median", "wissen_mean",
                            "campus_proximity_mean", "campus_proximity_score_mean"})
      CHECK_THAT(std::stod(s.at(col)), WithinAbs(std::stod(d.at(col)), 1e-9));
    CHECK_THAT(std::stod(s.at("suitability_pct_at_least_threshold")),
               WithinAbs(std::stod(d.at("suitability_pct_at_least_60")), 1e-9));
    CHECK_THAT(std::stod(s.at("area_ha")), WithinRel(std::stod(d.at("area_km2")) * 100.0, 1e-6));
    CHECK(s.at("districts") == s.at("name"));  // each district lies in itself
    // The distance to the nearest campus is 0 exactly when a campus lies in the district.
    const double campus_m = std::stod(s.at("distance_to_campuses_m"));
    CHECK(campus_m >= 0.0);
    CHECK((campus_m == 0.0) == (std::stoi(d.at("campuses_count")) > 0));
  }
}

TEST_CASE("investors: shortlists meet every requirement; match explains the rest", "[cli][sites]") {
  standort::test::TempDir dir;
  const auto out = dir / "out";
  REQUIRE(run("run -q -o " + out.string()).code == 0);
  const auto sites = read_csv_rows(out / "sites.csv");
  const auto shortlists = read_csv_rows(out / "shortlists.csv");
  const auto rejections = read_csv_rows(out / "rejections.csv");
  REQUIRE(sites.size() >= 20);
  REQUIRE_FALSE(shortlists.empty());
  std::map<std::string, const std::map<std::string, std::string>*> site;
  for (const auto& s : sites) site[s.at("site_id")] = &s;
  std::set<std::pair<std::string, std::string>> rejected;
  for (const auto& x : rejections) {
    rejected.insert({x.at("investor"), x.at("site_id")});
    CHECK_FALSE(x.at("requirement").empty());
  }
  for (const auto& e : shortlists) {
    INFO(e.at("investor") << ": " << e.at("site_name"));
    CHECK(rejected.count({e.at("investor"), e.at("site_id")}) == 0);
    const auto& s = *site.at(e.at("site_id"));
    const double area = std::stod(s.at("area_ha"));
    // data/investors.toml: the battery lab takes 2-9 ha within 3 km of a campus, zoning GE or SO.
    if (e.at("investor").rfind("Battery", 0) == 0) {
      CHECK(area >= 2.0);
      CHECK(area <= 9.0);
      CHECK(std::stod(s.at("distance_to_campuses_m")) <= 3000.0);
      CHECK((s.at("zoning") == "GE" || s.at("zoning") == "SO"));
      CHECK_THAT(std::stod(s.at("excluded_pct")), WithinAbs(0.0, 1e-12));
    }
  }
  // Every investor-site pair is either shortlisted, rejected or ranked beyond the shortlist.
  const auto assignment = read_csv_rows(out / "assignment.csv");
  REQUIRE(assignment.size() == 4);  // three investors and the totals
  CHECK(std::stod(assignment.back().at("joint_fit")) >=
        std::stod(assignment.back().at("greedy_fit")) - 1e-9);

  const Result text =
      run("match " + std::string(STANDORT_DATA_DIR) + "/investors.toml " + out.string());
  INFO(text.output);
  CHECK(text.code == 0);
  CHECK_THAT(text.output, Contains("Battery research lab (example)"));
  CHECK_THAT(text.output, Contains("Joint assignment"));
  const Result json =
      run("match --json " + std::string(STANDORT_DATA_DIR) + "/investors.toml " + out.string());
  REQUIRE(json.code == 0);
  const auto j = nlohmann::json::parse(json.output.substr(json.output.find('{')));
  CHECK(j["investors"].size() == 3);
  write_file(dir / "bad.toml", "[investors.x]\nmax_distance_m = { airports = 5000 }\n");
  const Result bad = run("match " + (dir / "bad.toml").string() + " " + out.string());
  CHECK(bad.code == 2);
  CHECK_THAT(bad.output, Contains("bad.toml") && Contains("max_distance_m.airports"));
  // validate checks a scenario's profiles too, before anything is computed.
  std::string scenario = builtin_scenario_copy();
  const auto at = scenario.find("investors = \"");
  REQUIRE(at != std::string::npos);
  scenario.replace(at, scenario.find('\n', at) - at,
                   "investors = \"" + (dir / "bad.toml").string() + "\"");
  write_file(dir / "s.toml", scenario);
  const Result validate = run("validate " + (dir / "s.toml").string());
  CHECK(validate.code == 2);
  CHECK_THAT(validate.output, Contains("bad.toml") && Contains("airports"));
  const Result good = run("validate");
  CHECK(good.code == 0);
  CHECK_THAT(good.output, Contains("battery_lab logistics_hub software_campus"));
}

TEST_CASE("regions: outlines along the cell edges, the minimum area and spacing kept",
          "[cli][regions]") {
  standort::test::TempDir dir;
  const auto out = dir / "out";
  REQUIRE(run("run -q -o " + out.string()).code == 0);
  GDALAllRegister();
  std::unique_ptr<GDALDataset> ds(
      GDALDataset::Open((out / "standort.gpkg").c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  REQUIRE(ds);
  OGRLayer* layer = ds->GetLayerByName("regions");
  REQUIRE(layer);
  // data/bochum-strategie.toml: up to five regions of 5-20 ha, at least 1 km apart.
  REQUIRE(layer->GetFeatureCount() == 5);
  std::vector<std::unique_ptr<OGRGeometry>> shapes;
  double previous = 2.0;
  for (auto& f : *layer) {
    const OGRGeometry* g = f->GetGeometryRef();
    REQUIRE(g);
    CHECK(g->IsValid());
    const double area_m2 = g->toMultiPolygon()->get_Area();
    // Outlines follow the 10 m cells: the area is the cell count times 100 m².
    CHECK_THAT(area_m2,
               WithinRel(100.0 * static_cast<double>(f->GetFieldAsInteger64("cells")), 1e-9));
    CHECK_THAT(f->GetFieldAsDouble("area_ha"), WithinRel(area_m2 / 1e4, 1e-6));
    CHECK(f->GetFieldAsDouble("area_ha") >= 5.0 - 1e-9);
    CHECK(f->GetFieldAsDouble("area_ha") <= 20.0 + 1e-9);
    const double mean = f->GetFieldAsDouble("suitability_mean");
    CHECK(mean <= previous);  // best first
    previous = mean;
    CHECK(f->GetFieldAsDouble("suitability_min") <= mean);
    shapes.emplace_back(g->clone());
  }
  // Cell centres at least 1 km apart: the outlines, half a cell outside the centres, at least
  // 1000 m - 10 m * sqrt(2).
  for (std::size_t a = 0; a < shapes.size(); ++a)
    for (std::size_t b = a + 1; b < shapes.size(); ++b)
      CHECK(shapes[a]->Distance(shapes[b].get()) >= 1000.0 - 10.0 * std::sqrt(2.0) - 1e-6);
  // No region touches water or a nature reserve (the exclusion rules).
  std::unique_ptr<GDALDataset> demo(
      GDALDataset::Open((std::string(STANDORT_DATA_DIR) + "/demo/bochum_demo.gpkg").c_str(),
                        GDAL_OF_VECTOR | GDAL_OF_READONLY));
  REQUIRE(demo);
  for (const char* name : {"water", "protected_areas"})
    for (auto& f : *demo->GetLayerByName(name))
      for (const auto& s : shapes) {
        std::unique_ptr<OGRGeometry> overlap(s->Intersection(f->GetGeometryRef()));
        const double a = overlap && !overlap->IsEmpty() && overlap->getDimension() == 2
                             ? overlap->toMultiPolygon()->get_Area()
                             : 0.0;
        // Cells count as excluded by their centre: a region may reach half a cell into a rule's
        // polygon along its edge, never more.
        CHECK(a <= 0.5 * 10.0 * s->toMultiPolygon()->get_Area() / 100.0 + 1e-6);
      }
  CHECK(std::filesystem::exists(out / "regions.geojson"));
  CHECK(std::filesystem::exists(out / "regions.csv"));

  // `standort sites find` on the run's rasters with the scenario's settings finds the same
  // regions; with larger, sparser ones it keeps the new limits.
  const Result same = run("sites find " + out.string() +
                          " --min-area-ha 5 --max-area-ha 20 --spacing-m 1000 --regions 5 -o " +
                          (dir / "f").string());
  INFO(same.output);
  REQUIRE(same.code == 0);
  const auto run_regions = read_csv_rows(out / "regions.csv");
  const auto found = read_csv_rows(dir / "f" / "found_regions.csv");
  REQUIRE(found.size() == run_regions.size());
  for (std::size_t k = 0; k < found.size(); ++k) {
    CHECK(found[k].at("cells") == run_regions[k].at("cells"));
    CHECK(found[k].at("suitability_mean") == run_regions[k].at("suitability_mean"));
  }
  REQUIRE(run("sites find " + out.string() + " --min-area-ha 12 --spacing-m 3000 --regions 3 -o " +
              (dir / "g").string())
              .code == 0);
  const auto bigger = read_csv_rows(dir / "g" / "found_regions.csv");
  CHECK(bigger.size() == 3);
  for (const auto& r : bigger) CHECK(std::stod(r.at("area_ha")) >= 12.0 - 1e-9);
  const Result none = run("sites find " + (dir / "nothing").string() + " --min-area-ha 5");
  CHECK(none.code == 2);
  CHECK_THAT(none.output, Contains("no run's outputs here"));
  // Bad settings are named by their options, not by the scenario's [regions] keys.
  const Result nan = run("sites find " + out.string() + " --min-area-ha nan");
  CHECK(nan.code == 2);
  CHECK_THAT(nan.output, Contains("--min-area-ha must be a number > 0, got nan"));
  CHECK_THAT(nan.output, Contains("e.g. --min-area-ha 1.0"));
  const Result reversed = run("sites find " + out.string() + " --min-area-ha 5 --max-area-ha 3");
  CHECK(reversed.code == 2);
  CHECK_THAT(reversed.output, Contains("--max-area-ha = 3 is less than --min-area-ha = 5"));
  CHECK(reversed.output.find("_area_ha") == std::string::npos);
}

TEST_CASE("run --sensitivity: rank intervals and score sd, reproducible for any thread count",
          "[cli][sensitivity]") {
  standort::test::TempDir dir;
  REQUIRE(run("run -q --sensitivity --threads 1 -o " + (dir / "a").string()).code == 0);
  REQUIRE(run("run -q --sensitivity --threads 3 -o " + (dir / "b").string()).code == 0);
  for (const char* f : {"sensitivity_sites.csv", "sensitivity_sweep.csv", "score_sd.tif"}) {
    INFO(f);
    REQUIRE(std::filesystem::exists(dir / "a" / f));
    CHECK(read_all(dir / "a" / f) == read_all(dir / "b" / f));  // same seed, any threads
  }
  const auto rows = read_csv_rows(dir / "a" / "sensitivity_sites.csv");
  const auto sites = read_csv_rows(dir / "a" / "sites.csv");
  REQUIRE(rows.size() == sites.size());
  double p_sum = 0.0;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const auto& r = rows[k];
    INFO(r.at("name"));
    CHECK(std::stoi(r.at("base_rank")) == static_cast<int>(k + 1));
    const double p = std::stod(r.at("p_top_5"));
    CHECK(p >= 0.0);
    CHECK(p <= 1.0);
    p_sum += p;
    CHECK(std::stoi(r.at("rank_p05")) <= std::stoi(r.at("rank_p50")));
    CHECK(std::stoi(r.at("rank_p50")) <= std::stoi(r.at("rank_p95")));
    CHECK(std::stod(r.at("score_sd")) >= 0.0);
  }
  CHECK_THAT(p_sum, WithinAbs(5.0, 1e-4));  // five places in the top 5 in every run
  const auto manifest = nlohmann::json::parse(read_all(dir / "a" / "manifest.json"));
  CHECK(manifest["sensitivity"]["runs"] == 1000);
  // The score sd raster: every cell with a score has an sd, small against the 0..1 range.
  GDALAllRegister();
  std::unique_ptr<GDALDataset> sd(
      GDALDataset::Open((dir / "a" / "score_sd.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  std::unique_ptr<GDALDataset> suit(GDALDataset::Open((dir / "a" / "suitability.tif").c_str(),
                                                      GDAL_OF_RASTER | GDAL_OF_READONLY));
  REQUIRE(sd);
  REQUIRE(suit);
  const std::vector<float> s = read_band(*sd, 1), u = read_band(*suit, 1);
  std::size_t valid = 0, mismatched = 0, out_of_range = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    mismatched += (s[i] == -9999.0f) != (u[i] == -9999.0f);
    if (s[i] == -9999.0f) continue;
    ++valid;
    out_of_range += !(s[i] >= 0.0f && s[i] < 0.2f);
  }
  CHECK(valid > 100000);
  CHECK(mismatched == 0);
  CHECK(out_of_range == 0);

  // Zero perturbation: every site keeps its base rank in every run.
  std::string text = builtin_scenario_copy();
  const auto at = text.find("perturbation = \"dirichlet\"");
  REQUIRE(at != std::string::npos);
  text.replace(at, 26, "perturbation = \"uniform\"\npercent = 0");
  write_file(dir / "zero.toml", text);
  REQUIRE(
      run("run -q --sensitivity " + (dir / "zero.toml").string() + " -o " + (dir / "z").string())
          .code == 0);
  for (const auto& r : read_csv_rows(dir / "z" / "sensitivity_sites.csv")) {
    const double p = std::stod(r.at("p_top_5"));
    CHECK((p == 0.0 || p == 1.0));
    CHECK(r.at("rank_p05") == r.at("base_rank"));
    CHECK(r.at("rank_p95") == r.at("base_rank"));
    CHECK_THAT(std::stod(r.at("score_sd")), WithinAbs(0.0, 1e-12));
  }
}

TEST_CASE("diff: two scenarios give score differences and rank changes that add up",
          "[cli][diff]") {
  standort::test::TempDir dir;
  // B scores campuses more strictly: the logistic decay's midpoint moves from 2500 to 1500 m.
  const std::string a = builtin_scenario_copy();
  std::string b = a;
  const auto at = b.find("midpoint = 2500");
  REQUIRE(at != std::string::npos);
  b.replace(at, 15, "midpoint = 1500");
  write_file(dir / "a.toml", a);
  write_file(dir / "b.toml", b);
  const Result r = run("diff " + (dir / "a.toml").string() + " " + (dir / "b.toml").string() +
                       " -o " + (dir / "d").string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.output, Contains("diff_sites.csv"));
  GDALAllRegister();
  auto band = [&](const std::string& name) {
    std::unique_ptr<GDALDataset> ds(
        GDALDataset::Open((dir / "d" / name).c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    REQUIRE(ds);
    return read_band(*ds, 1);
  };
  const std::vector<float> wissen = band("diff_wissen_score.tif"),
                           wandel = band("diff_wandel_score.tif"),
                           overall = band("diff_suitability.tif");
  std::size_t cells = 0, wrong_sign = 0, wandel_changed = 0, not_additive = 0;
  double most = 0.0;
  for (std::size_t i = 0; i < wissen.size(); ++i) {
    if (wissen[i] == -9999.0f) continue;
    ++cells;
    wrong_sign += wissen[i] > 1e-7f;      // a stricter campus function lowers Wissen
    wandel_changed += wandel[i] != 0.0f;  // Wandel does not use campuses
    most = std::max(most, -static_cast<double>(wissen[i]));
    // The goal weighs Wissen 0.4: the overall score moves by 0.4 times as much, except where an
    // exclusion holds it at 0 in both.
    if (overall[i] != 0.0f) not_additive += std::fabs(overall[i] - 0.4f * wissen[i]) > 1e-5f;
  }
  CHECK(cells > 100000);
  CHECK(wrong_sign == 0);
  CHECK(wandel_changed == 0);
  CHECK(not_additive == 0);
  CHECK(most > 0.1);
  // Site rank changes: a permutation, so the moves sum to zero.
  const auto sites = read_csv_rows(dir / "d" / "diff_sites.csv");
  REQUIRE(sites.size() >= 20);
  long moved = 0, sum = 0;
  for (const auto& s : sites) {
    const long m = std::stol(s.at("moved_up"));
    sum += m;
    moved += m != 0;
    CHECK(std::stod(s.at("difference")) <= 1e-9);
  }
  CHECK(sum == 0);
  CHECK(moved > 0);
  CHECK(std::filesystem::exists(dir / "d" / "diff_districts.csv"));
  CHECK(std::filesystem::exists(dir / "d" / "diff_stadtbezirke.csv"));
  const Result grids = run("diff " + (dir / "d" / "a").string() + " " + (dir / "nothing").string());
  CHECK(grids.code == 2);
  CHECK_THAT(grids.output, Contains("no run's outputs here"));
}
