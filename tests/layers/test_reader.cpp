#include "standort/engine/error.hpp"
#include "standort/layers/vector_reader.hpp"
#include "standort/layers/vector_writer.hpp"
#include "support.hpp"

#include <boost/geometry/algorithms/area.hpp>
#include <boost/geometry/algorithms/centroid.hpp>
#include <boost/geometry/algorithms/is_valid.hpp>
#include <boost/geometry/strategies/strategies.hpp>

#include <ogr_spatialref.h>

#include <fstream>
#include <map>

using namespace standort;
using Catch::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

InputSpec spec_for(const std::filesystem::path& path, const std::string& name = "test") {
  InputSpec s;
  s.name = name;
  s.path = path;
  return s;
}

std::string error_of(const InputSpec& spec) {
  try {
    layers::ReadReport report;
    layers::read_layer(spec, "EPSG:25832", report);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

}  // namespace

TEST_CASE("real districts load from lon/lat and from EPSG:25832 with equal areas",
          "[reader][bochum]") {
  STANDORT_REQUIRE_SHARED_DATA(data);
  for (const std::string stem : {"bochum_statistische_bezirke", "bochum_stadtbezirke"}) {
    InputSpec lonlat = spec_for(data / (stem + ".geojson"));
    InputSpec utm = spec_for(data / (stem + "_epsg25832.geojson"));
    lonlat.name_field = utm.name_field = "";
    layers::ReadReport r1, r2;
    const FeatureSet a = layers::read_layer(lonlat, "EPSG:25832", r1);
    const FeatureSet b = layers::read_layer(utm, "EPSG:25832", r2);
    REQUIRE(a.size() == b.size());
    REQUIRE(a.size() == (stem == "bochum_stadtbezirke" ? 6u : 30u));
    CHECK(a.kind == GeometryKind::polygon);
    CHECK(r1.repaired == 0);
    double total = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const double area_a = boost::geometry::area(a.polygons[i]);
      const double area_b = boost::geometry::area(b.polygons[i]);
      INFO(stem << " " << a.names[i]);
      CHECK(area_a > 0.0);
      CHECK_THAT(area_a, WithinRel(area_b, 1e-4));
      Point ca(0.0, 0.0), cb(0.0, 0.0);
      boost::geometry::centroid(a.polygons[i], ca);
      boost::geometry::centroid(b.polygons[i], cb);
      CHECK(std::hypot(ca.x() - cb.x(), ca.y() - cb.y()) < 0.05);
      CHECK(a.names[i] == b.names[i]);
      total += area_b;
    }
    // SOURCES.md: the city covers 145.85 km².
    CHECK_THAT(total / 1e6, WithinAbs(145.85, 0.1));
  }
}

TEST_CASE("the raw 4D district file names each invalid feature and loads with repair",
          "[reader][bochum]") {
  STANDORT_REQUIRE_SHARED_DATA(data);
  InputSpec spec = spec_for(data / "raw" / "bochum_bezirke_original_4d.geojson", "districts");
  spec.name_field = "Bezeichnun";
  layers::LayerRead collected = layers::read_layer_collect(spec, "EPSG:25832");
  REQUIRE(collected.problems.size() == 3);
  for (const auto& p : collected.problems) {
    CHECK_THAT(
        p, Contains(
               "bochum_bezirke_original_4d.geojson: layer 'bochum_bezirke_original_4d', feature "));
    CHECK_THAT(p, Contains("polygon is invalid"));
    CHECK_THAT(p, Contains("repair = true"));
  }
  const std::string msg = error_of(spec);
  CHECK_THAT(msg, Contains("3 of 30 features cannot be used"));
  CHECK_THAT(msg, Contains("Self-intersection"));

  spec.repair = true;
  layers::ReadReport report;
  const FeatureSet fs = layers::read_layer(spec, "EPSG:25832", report);
  CHECK(fs.size() == 30);
  CHECK(report.repaired == 3);
  REQUIRE(report.warnings.size() >= 1);
  CHECK_THAT(report.warnings.front(), Contains("Z/M coordinates were dropped"));
  for (const auto& mp : fs.polygons) CHECK(boost::geometry::is_valid(mp));
}

TEST_CASE("real Shapefiles load with umlauts intact", "[reader][bochum]") {
  STANDORT_REQUIRE_SHARED_DATA(data);
  InputSpec schools = spec_for(data / "raw" / "shapefiles" / "bochum_schools.shp");
  layers::ReadReport report;
  const FeatureSet fs = layers::read_layer(schools, "EPSG:25832", report);
  CHECK(report.driver == "ESRI Shapefile");
  CHECK(fs.kind == GeometryKind::point);
  CHECK(fs.size() > 200);
  std::size_t with_umlaut = 0;
  for (const auto& n : fs.names)
    if (n.find("ü") != std::string::npos || n.find("ö") != std::string::npos ||
        n.find("ä") != std::string::npos || n.find("ß") != std::string::npos)
      ++with_umlaut;
  CHECK(with_umlaut > 5);
  const Extent e = fs.extent();
  CHECK(e.xmin > 360000.0);
  CHECK(e.xmax < 395000.0);

  // The 3D environmental zone without .cpg: loads in 2D with one warning.
  layers::ReadReport zone_report;
  const FeatureSet zone =
      layers::read_layer(spec_for(data / "raw" / "shapefiles" / "bochum_environmental_zone.shp"),
                         "EPSG:25832", zone_report);
  CHECK(zone.kind == GeometryKind::polygon);
  CHECK(zone.size() == 1);
  REQUIRE(zone_report.warnings.size() >= 1);
  CHECK_THAT(zone_report.warnings.front(), Contains("Z/M coordinates were dropped"));
  // Shape_Area in the DBF is the polygon's area in m².
  CHECK_THAT(boost::geometry::area(zone.polygons[0]),
             WithinRel(zone.numeric.at("Shape_Area")[0], 1e-6));
}

TEST_CASE("the real POI CSV loads with coordinate columns and an assumed CRS", "[reader][bochum]") {
  STANDORT_REQUIRE_SHARED_DATA(data);
  InputSpec csv = spec_for(data / "raw" / "bochum_schools_stadt_bochum.csv");
  CHECK_THAT(error_of(csv), Contains("needs coordinate columns"));
  csv.x_field = "rechts_utm";
  csv.y_field = "hoch_utm";
  CHECK_THAT(error_of(csv), Contains("declares no CRS"));
  csv.assume_crs = "EPSG:25832";
  layers::ReadReport report;
  const FeatureSet fs = layers::read_layer(csv, "EPSG:25832", report);
  CHECK(fs.size() == 298);
  CHECK(report.driver == "CSV");
}

TEST_CASE("an attribute filter keeps only the matching features", "[reader][bochum]") {
  STANDORT_REQUIRE_SHARED_DATA(data);
  InputSpec spec = spec_for(data / "bochum_hochschulen_forschung.geojson");
  spec.where = "kategorie = 'Staatliche Fachhochschulen'";
  layers::ReadReport report;
  const FeatureSet fs = layers::read_layer(spec, "EPSG:25832", report);
  // Independent count of the same category straight from the file.
  std::size_t expected = 0;
  std::ifstream in(data / "bochum_hochschulen_forschung.geojson");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t pos = 0;
       (pos = text.find("\"kategorie\": \"Staatliche Fachhochschulen\"", pos)) != std::string::npos;
       ++pos)
    ++expected;
  REQUIRE(expected > 0);
  CHECK(fs.size() == expected);
  for (const auto& n : fs.names) CHECK_FALSE(n.empty());
  spec.where = "kategorie = ";
  CHECK_THAT(error_of(spec), Contains("is not a valid attribute filter"));
}

TEST_CASE("text in another encoding is an error, never passed on as invalid UTF-8",
          "[reader][bochum]") {
  STANDORT_REQUIRE_SHARED_DATA(data);
  // CP1252 CSV with a field named "Maße": the field name itself is not UTF-8.
  InputSpec csv = spec_for(data / "raw" / "bochum_sports_facilities.csv");
  csv.x_field = "x";
  csv.y_field = "y";
  csv.assume_crs = "EPSG:25832";
  const std::string msg = error_of(csv);
  CHECK_THAT(msg, Contains("is not valid UTF-8"));
  CHECK_THAT(msg, Contains("CP1252"));
}

TEST_CASE("lon/lat sources in every axis convention land at the same EPSG:25832 coordinates",
          "[reader][crs]") {
  standort::test::TempDir dir;
  // Reference points in EPSG:25832 around Bochum, and their lon/lat from an independent transform.
  const std::vector<Point> utm{{377123.45, 5705432.10},
                               {383210.00, 5702222.22},
                               {371500.75, 5709999.99},
                               {389001.01, 5698765.43}};
  OGRSpatialReference src, dst;
  src.importFromEPSG(25832);
  dst.importFromEPSG(4326);  // authority order: latitude first
  auto* ct = OGRCreateCoordinateTransformation(&src, &dst);
  REQUIRE(ct);
  std::vector<double> lat(utm.size()), lon(utm.size());
  for (std::size_t i = 0; i < utm.size(); ++i) {
    double a = utm[i].x(), b = utm[i].y();
    REQUIRE(ct->Transform(1, &a, &b));
    lat[i] = a;
    lon[i] = b;
  }
  OGRCoordinateTransformation::DestroyCT(ct);

  auto features = [&](bool lat_first) {
    std::string s;
    char buf[200];
    for (std::size_t i = 0; i < utm.size(); ++i) {
      std::snprintf(
          buf, sizeof buf,
          R"(%s{"type":"Feature","properties":{"n":%zu},"geometry":{"type":"Point","coordinates":[%.10f,%.10f]}})",
          i ? "," : "", i, lat_first ? lat[i] : lon[i], lat_first ? lon[i] : lat[i]);
      s += buf;
    }
    return s;
  };
  write_file(dir / "rfc7946.geojson",
             R"({"type":"FeatureCollection","features":[)" + features(false) + "]}");
  write_file(
      dir / "epsg4326.geojson",
      R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4326"}},"features":[)" +
          features(false) + "]}");
  write_file(
      dir / "crs84.geojson",
      R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":[)" +
          features(false) + "]}");
  std::string csv = "name;lat;lon\n";
  for (std::size_t i = 0; i < utm.size(); ++i) {
    char buf[100];
    std::snprintf(buf, sizeof buf, "p%zu;%.10f;%.10f\n", i, lat[i], lon[i]);
    csv += buf;
  }
  write_file(dir / "points.csv", csv);
  layers::VectorTable gpkg;
  gpkg.name = "points";
  gpkg.crs = "EPSG:4326";
  gpkg.kind = GeometryKind::point;
  gpkg.fields = {{"n", layers::FieldType::integer}};
  for (std::size_t i = 0; i < utm.size(); ++i) {
    gpkg.points.emplace_back(lon[i], lat[i]);
    gpkg.rows.push_back({static_cast<std::int64_t>(i)});
  }
  layers::write_gpkg(dir / "epsg4326.gpkg", {gpkg});

  std::vector<InputSpec> specs{spec_for(dir / "rfc7946.geojson"),
                               spec_for(dir / "epsg4326.geojson"), spec_for(dir / "crs84.geojson"),
                               spec_for(dir / "epsg4326.gpkg"), spec_for(dir / "points.csv")};
  specs.back().x_field = "lon";
  specs.back().y_field = "lat";
  specs.back().assume_crs = "EPSG:4326";
  for (const auto& spec : specs) {
    INFO(spec.path.filename().string());
    layers::ReadReport report;
    const FeatureSet fs = layers::read_layer(spec, "EPSG:25832", report);
    REQUIRE(fs.size() == utm.size());
    for (std::size_t i = 0; i < utm.size(); ++i) {
      CHECK_THAT(fs.points[i].x(), WithinAbs(utm[i].x(), 0.01));
      CHECK_THAT(fs.points[i].y(), WithinAbs(utm[i].y(), 0.01));
    }
  }
  // The same coordinates swapped (lat, lon) in an RFC 7946 file are caught, not silently misplaced.
  write_file(dir / "swapped.geojson",
             R"({"type":"FeatureCollection","features":[)" + features(true) + "]}");
  CHECK_THAT(error_of(spec_for(dir / "swapped.geojson")),
             Contains("outside the area of use of EPSG:25832"));
}

TEST_CASE("file-level problems name the file and a fix", "[reader][errors]") {
  standort::test::TempDir dir;
  CHECK_THAT(error_of(spec_for(dir / "missing.gpkg")), Contains("no such file"));
  write_file(dir / "empty.geojson", "");
  CHECK_THAT(error_of(spec_for(dir / "empty.geojson")),
             Contains("cannot be opened as a vector layer"));
  write_file(
      dir / "projected.geojson",
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Rathaus"},"geometry":{"type":"Point","coordinates":[377000.0,5705000.0]}}]})");
  const std::string projected = error_of(spec_for(dir / "projected.geojson"));
  CHECK_THAT(projected, Contains("feature 0 ('Rathaus')"));
  CHECK_THAT(projected, Contains("look projected"));

  layers::VectorTable t;
  t.name = "campuses";
  t.crs = "EPSG:25832";
  t.kind = GeometryKind::point;
  t.fields = {{"name", layers::FieldType::string}};
  t.points = {{377000.0, 5705000.0}};
  t.rows = {{std::string("RUB")}};
  layers::VectorTable u = t;
  u.name = "schools";
  layers::write_gpkg(dir / "two.gpkg", {t, u});
  InputSpec two = spec_for(dir / "two.gpkg");
  CHECK_THAT(error_of(two), Contains("holds 2 layers (campuses, schools)"));
  two.layer = "campus";
  CHECK_THAT(error_of(two), Contains("did you mean 'campuses'"));
  two.layer = "campuses";
  two.id_field = "nmae";
  CHECK_THAT(error_of(two), Contains("has no field 'nmae'"));
  CHECK_THAT(error_of(two), Contains("did you mean 'name'"));
  two.id_field = "";
  two.geometry = GeometryKind::polygon;
  CHECK_THAT(error_of(two), Contains("is a Point, but this input holds polygons"));
}

TEST_CASE("bad feature geometry and text are named", "[reader][errors]") {
  standort::test::TempDir dir;
  write_file(dir / "bad.geojson", R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"ok"},"geometry":{"type":"Polygon","coordinates":[[[7.20,51.45],[7.21,51.45],[7.21,51.46],[7.20,51.46],[7.20,51.45]]]}},
{"type":"Feature","properties":{"name":"bowtie"},"geometry":{"type":"Polygon","coordinates":[[[7.20,51.45],[7.21,51.46],[7.21,51.45],[7.20,51.46],[7.20,51.45]]]}},
{"type":"Feature","properties":{"name":"nothing"},"geometry":null}
]})");
  const std::string msg = error_of(spec_for(dir / "bad.geojson"));
  CHECK_THAT(msg, Contains("2 of 3 features"));
  CHECK_THAT(msg, Contains("feature 1 ('bowtie'): polygon is invalid: Self-intersection"));
  CHECK_THAT(msg, Contains("feature 2 ('nothing'): has no geometry"));
}

TEST_CASE("inputs from one kept-open file read as if each opened it, filters included",
          "[reader]") {
  const std::filesystem::path gpkg = std::string(STANDORT_DATA_DIR) + "/demo/bochum_demo.gpkg";
  InputSpec all;
  all.name = "all";
  all.path = gpkg;
  all.layer = "stadtbezirke";
  InputSpec some = all;
  some.name = "some";
  some.where = "stadtbezirk_nr <= 2";
  InputSpec other = all;
  other.name = "other";
  other.layer = "statistische_bezirke";
  layers::OpenSources sources;
  layers::ReadReport report;
  // The filtered input first: its filter must not stay on the layer for the next input.
  const FeatureSet a = layers::read_layer(some, "EPSG:25832", report, &sources);
  const FeatureSet b = layers::read_layer(all, "EPSG:25832", report, &sources);
  const FeatureSet c = layers::read_layer(other, "EPSG:25832", report, &sources);
  const FeatureSet d = layers::read_layer(some, "EPSG:25832", report, &sources);
  CHECK(a.size() == 2);
  CHECK(b.size() == 6);
  CHECK(c.size() == 30);
  CHECK(d.size() == 2);
  // The same features as reading each input on its own.
  const FeatureSet alone = layers::read_layer(all, "EPSG:25832", report);
  REQUIRE(alone.size() == b.size());
  CHECK(alone.fids == b.fids);
  CHECK(alone.names == b.names);
  for (std::size_t i = 0; i < b.size(); ++i)
    CHECK_THAT(boost::geometry::area(b.polygons[i]),
               Catch::Matchers::WithinRel(boost::geometry::area(alone.polygons[i]), 1e-12));
}
