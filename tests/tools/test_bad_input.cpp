// The error contract, one bad input at a time: every run on bad input ends with exit code 2 (3
// for a limit), one message naming the file, layer, feature, what is wrong and the fix, no
// GDAL/PROJ noise, and no output file (not even the output folder). Fixtures are written by the
// tests themselves (GeoJSON as text, Shapefiles byte by byte, so that the broken ones can be as
// broken as they need to be).
#include "standort/layers/text.hpp"
#include "standort/layers/vector_reader.hpp"
#include "support.hpp"
#include "tools/cli_support.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

using namespace standort;
using namespace standort::test;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

const std::string demo_gpkg = std::string(STANDORT_DATA_DIR) + "/demo/bochum_demo.gpkg";

std::string demo_districts() {
  return "[inputs.districts]\npath = \"" + demo_gpkg +
         "\"\nlayer = \"statistische_bezirke\"\nname_field = \"name\"\n";
}

std::string demo_campuses() {
  return "[inputs.campuses]\npath = \"" + demo_gpkg + "\"\nlayer = \"campuses\"\n";
}

std::string input(const std::string& name, const fs::path& path, const std::string& more = "") {
  return "[inputs." + name + "]\npath = \"" + path.string() + "\"\n" + more;
}

/// The smallest scenario that reads both inputs, grids, scores and summarises per district; each
/// case replaces the part it breaks.
struct ScenarioText {
  std::string scenario = "[scenario]\nname = \"bad input\"\n";
  std::string districts = demo_districts();
  std::string campuses = demo_campuses();
  std::string grid =
      "[grid]\ncell_size_m = 200\nextent_from = \"districts\"\nmask = \"districts\"\n";
  std::string criteria =
      "[criteria.campus_proximity]\nlayer = \"campuses\"\n"
      "value = { function = \"linear\", points = [[500.0, 1.0], [5000.0, 0.0]] }\n";
  std::string outputs = "[outputs]\ndistricts = \"districts\"\nformats = [\"cog\"]\n";

  std::string text() const {
    return scenario + "\n" + districts + "\n" + campuses + "\n" + grid + "\n" + criteria + "\n" +
           outputs;
  }
};

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

/// Lines that GDAL's or PROJ's default handlers print behind standort's back.
void check_no_library_noise(const std::string& output) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    CHECK(line.rfind("ERROR", 0) != 0);
    CHECK(line.rfind("Warning", 0) != 0);
    CHECK(line.rfind("PROJ:", 0) != 0);
  }
}

/// Runs `standort run -q` on `scenario` into a fresh folder and checks the contract: the exit
/// code, exactly one message (valid UTF-8) holding every one of `words`, no library noise and no
/// output file.
Result refused(const TempDir& dir, const std::string& scenario, int code,
               const std::vector<std::string>& words) {
  static int serial = 0;
  const std::string stem = "case" + std::to_string(++serial);
  write_file(dir / (stem + ".toml"), scenario);
  const fs::path out = dir / (stem + "-out");
  const Result r = run("run -q " + (dir / (stem + ".toml")).string() + " -o " + out.string());
  INFO(r.output);
  CHECK(r.code == code);
  for (const std::string& w : words) CHECK_THAT(r.output, Contains(w));
  const std::string prefix = code == 3 ? "limit: " : "error: ";
  std::size_t messages = 0;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("error: ", 0) == 0 || line.rfind("limit: ", 0) == 0) {
      ++messages;
      CHECK(line.rfind(prefix, 0) == 0);
    }
  CHECK(messages == 1);
  CHECK(layers::valid_utf8(r.output));
  check_no_library_noise(r.output);
  // Nothing at all: not even the output folder (the run creates it before computing and removes
  // it again when the run fails).
  CHECK(!fs::exists(out));
  return r;
}

/// Runs `standort run` (not quiet) and returns the result with the manifest it wrote.
std::pair<Result, nlohmann::json> accepted(const TempDir& dir, const std::string& scenario) {
  static int serial = 0;
  const std::string stem = "ok" + std::to_string(++serial);
  write_file(dir / (stem + ".toml"), scenario);
  const fs::path out = dir / (stem + "-out");
  const Result r = run("run " + (dir / (stem + ".toml")).string() + " -o " + out.string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  check_no_library_noise(r.output);
  return {r, nlohmann::json::parse(read_all(out / "manifest.json"))};
}

std::string feature(int id, const std::string& name, const std::string& geometry) {
  return R"({"type":"Feature","id":)" + std::to_string(id) + R"(,"properties":{"name":")" + name +
         R"("},"geometry":)" + geometry + "}";
}

/// A GeoJSON FeatureCollection; `epsg` adds the (pre-RFC 7946) crs member GDAL honours.
std::string collection(const std::vector<std::string>& features, int epsg = 0) {
  std::string s = R"({"type":"FeatureCollection",)";
  if (epsg)
    s += R"("crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::)" +
         std::to_string(epsg) + R"("}},)";
  s += R"("features":[)";
  for (std::size_t i = 0; i < features.size(); ++i) s += (i ? "," : "") + features[i];
  return s + "]}";
}

/// A valid 700 m x 1100 m district in lon/lat, beside the broken one of each case.
const std::string weitmar = feature(
    1, "Weitmar-Mitte",
    R"({"type":"Polygon","coordinates":[[[7.20,51.45],[7.21,51.45],[7.21,51.46],[7.20,51.46],[7.20,51.45]]]})");

void put_be32(std::string& b, std::int32_t v) {
  for (int s = 24; s >= 0; s -= 8) b += static_cast<char>((v >> s) & 0xFF);
}
void put_le32(std::string& b, std::int32_t v) {
  for (int s = 0; s <= 24; s += 8) b += static_cast<char>((v >> s) & 0xFF);
}
void put_le16(std::string& b, std::uint16_t v) {
  b += static_cast<char>(v & 0xFF);
  b += static_cast<char>(v >> 8);
}
void put_double(std::string& b, double v) {
  char raw[8];
  std::memcpy(raw, &v, 8);  // little-endian host, as the Shapefile format wants
  b.append(raw, 8);
}

struct ShapefileParts {
  bool shx = true;
  bool dbf = true;
  bool prj = true;
  std::string cpg;        ///< content of the .cpg; none when empty
  int shape_type = 1;     ///< 1 Point, 21 PointM
  std::uint8_t ldid = 0;  ///< DBF language driver id; 0 = not declared
};

const char* const utm32_prj =
    R"(PROJCS["ETRS_1989_UTM_Zone_32N",GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",9.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]])";

/// A point Shapefile in EPSG:25832 written byte by byte (ESRI Shapefile Technical Description,
/// 1998): `names` go into the DBF's one text field as the raw bytes given.
void write_point_shapefile(const fs::path& shp, const std::vector<std::array<double, 2>>& points,
                           const std::vector<std::string>& names, const ShapefileParts& parts) {
  const int content_bytes = parts.shape_type == 21 ? 28 : 20;
  const auto header = [&](std::int32_t length_bytes) {
    std::string h;
    put_be32(h, 9994);
    for (int i = 0; i < 5; ++i) put_be32(h, 0);
    put_be32(h, length_bytes / 2);
    put_le32(h, 1000);
    put_le32(h, parts.shape_type);
    double xmin = 1e300, ymin = 1e300, xmax = -1e300, ymax = -1e300;
    for (const auto& p : points) {
      xmin = std::min(xmin, p[0]);
      ymin = std::min(ymin, p[1]);
      xmax = std::max(xmax, p[0]);
      ymax = std::max(ymax, p[1]);
    }
    for (double v : {xmin, ymin, xmax, ymax, 0.0, 0.0, 0.0, 0.0}) put_double(h, v);
    return h;
  };
  const auto n = static_cast<std::int32_t>(points.size());
  std::string shp_bytes = header(100 + n * (8 + content_bytes));
  std::string shx_bytes = header(100 + n * 8);
  std::int32_t offset = 100;
  for (std::int32_t i = 0; i < n; ++i) {
    put_be32(shp_bytes, i + 1);
    put_be32(shp_bytes, content_bytes / 2);
    put_le32(shp_bytes, parts.shape_type);
    put_double(shp_bytes, points[static_cast<std::size_t>(i)][0]);
    put_double(shp_bytes, points[static_cast<std::size_t>(i)][1]);
    if (parts.shape_type == 21) put_double(shp_bytes, 42.0);  // the measure
    put_be32(shx_bytes, offset / 2);
    put_be32(shx_bytes, content_bytes / 2);
    offset += 8 + content_bytes;
  }
  // dBASE III: header, one field descriptor ("name", C, 20 bytes), records, end of file.
  constexpr std::uint16_t width = 20;
  std::string dbf;
  dbf += '\x03';
  dbf += std::string("\x7C\x01\x01", 3);  // last update 2024-01-01
  put_le32(dbf, n);
  put_le16(dbf, 32 + 32 + 1);
  put_le16(dbf, 1 + width);
  dbf += std::string(17, '\0');
  dbf += static_cast<char>(parts.ldid);
  dbf += std::string(2, '\0');
  std::string field = "name";
  field.resize(11, '\0');
  dbf +=
      field + 'C' + std::string(4, '\0') + static_cast<char>(width) + '\0' + std::string(14, '\0');
  dbf += '\x0D';
  for (const std::string& name : names) {
    std::string value = name;
    value.resize(width, ' ');
    dbf += ' ' + value;
  }
  dbf += '\x1A';

  fs::path p = shp;
  write_file(p, shp_bytes);
  if (parts.shx) write_file(p.replace_extension(".shx"), shx_bytes);
  if (parts.dbf) write_file(p.replace_extension(".dbf"), dbf);
  if (parts.prj) write_file(p.replace_extension(".prj"), utm32_prj);
  if (!parts.cpg.empty()) write_file(p.replace_extension(".cpg"), parts.cpg);
}

const std::vector<std::array<double, 2>> two_points = {{377000.0, 5705000.0},
                                                       {378000.0, 5706000.0}};
// "Höntrop" and "„Wattenscheid“" in Windows-1252.
const std::vector<std::string> cp1252_names = {"H\xF6ntrop", "\x84Wattenscheid\x93"};

}  // namespace

TEST_CASE("broken and mislabelled files are refused with the file, the problem and the fix",
          "[cli][badinput]") {
  TempDir dir;
  ScenarioText s;

  write_file(dir / "empty.geojson", "");
  s.campuses = input("campuses", dir / "empty.geojson");
  refused(dir, s.text(), 2,
          {"empty.geojson: cannot be opened", "(input 'campuses')", "empty (0 bytes)",
           "write it again"});

  const std::string whole =
      collection({feature(0, "Rathaus", R"({"type":"Point","coordinates":[7.2165,51.4818]})")});
  write_file(dir / "truncated.geojson", whole.substr(0, whole.size() / 2));
  s.campuses = input("campuses", dir / "truncated.geojson");
  refused(
      dir, s.text(), 2,
      {"truncated.geojson", "not valid GeoJSON", "Unterminated", "export or download it again"});

  fs::create_directories(dir / "folder.geojson");
  s.campuses = input("campuses", dir / "folder.geojson");
  refused(
      dir, s.text(), 2,
      {"folder.geojson: cannot be opened", "it is a folder", "give the path of the file itself"});

  write_file(dir / "page.geojson", "<!DOCTYPE html>\n<html><body>404 Not Found</body></html>\n");
  s.campuses = input("campuses", dir / "page.geojson");
  refused(dir, s.text(), 2, {"page.geojson", "starts with '<'", "HTML", "download the data again"});

  write_file(
      dir / "esri.geojson",
      R"({"geometryType":"esriGeometryPoint","spatialReference":{"wkid":4326},"fields":[{"name":"name","type":"esriFieldTypeString"}],"features":[{"attributes":{"name":"Rathaus"},"geometry":{"x":7.2165,"y":51.4818}}]})");
  s.campuses = input("campuses", dir / "esri.geojson");
  refused(dir, s.text(), 2,
          {"esri.geojson: cannot be opened", "it is in the format 'ESRIJSON'",
           "which standort does not read", "ogr2ogr -f GPKG OUT.gpkg esri.geojson"});

  {
    GDALAllRegister();
    GDALDataset* raster = GetGDALDriverManager()->GetDriverByName("GTiff")->Create(
        (dir / "raster.geojson").c_str(), 2, 2, 1, GDT_Byte, nullptr);
    REQUIRE(raster);
    GDALClose(raster);
  }
  s.campuses = input("campuses", dir / "raster.geojson");
  refused(dir, s.text(), 2,
          {"raster.geojson: cannot be opened", "it is a raster in the format 'GeoTIFF'",
           "inputs are vector layers"});

  // A GeoPackage under a .geojson name: GDAL would read it by its content; standort names it.
  fs::copy_file(demo_gpkg, dir / "campuses.geojson");
  s.campuses = input("campuses", dir / "campuses.geojson", "layer = \"campuses\"\n");
  refused(dir, s.text(), 2,
          {"campuses.geojson: holds the format 'GeoPackage'", "its name ends in .geojson",
           "rename it to .gpkg"});

  ShapefileParts no_shx;
  no_shx.shx = false;
  write_point_shapefile(dir / "noindex.shp", two_points, {"Rathaus", "Bermudadreieck"}, no_shx);
  s.campuses = input("campuses", dir / "noindex.shp");
  refused(dir, s.text(), 2,
          {"noindex.shp", "noindex.shx is missing", "(input 'campuses')", "copy the .shx along"});

  ShapefileParts no_dbf;
  no_dbf.dbf = false;
  write_point_shapefile(dir / "nodbf.shp", two_points, {}, no_dbf);
  s.campuses = input("campuses", dir / "nodbf.shp", "name_field = \"name\"\n");
  refused(dir, s.text(), 2,
          {"nodbf.shp", "nodbf.dbf is missing", "[inputs.campuses] name_field = \"name\"",
           "copy the .dbf along"});
  // Without an attribute in use the geometry alone serves, with a warning in the manifest.
  s.campuses = input("campuses", dir / "nodbf.shp");
  const auto [ok, manifest] = accepted(dir, s.text());
  CHECK_THAT(manifest["warnings"].dump(), Contains("has no .dbf beside it"));
  CHECK_THAT(ok.output, Contains("warning: "));
}

TEST_CASE("text in another encoding is named, never passed on as invalid UTF-8",
          "[cli][badinput]") {
  TempDir dir;
  ScenarioText s;
  write_point_shapefile(dir / "orte.shp", two_points, cp1252_names, {});
  s.campuses = input("campuses", dir / "orte.shp", "name_field = \"name\"\n");
  refused(dir, s.text(), 2,
          {"orte.shp: layer 'orte', feature 0 ('Höntrop' read as CP1252)",
           "field 'name' is not valid UTF-8", "[inputs.campuses] encoding = \"CP1252\""});

  // The setting the message names repairs it: the names arrive as UTF-8.
  InputSpec spec;
  spec.name = "campuses";
  spec.path = dir / "orte.shp";
  spec.name_field = "name";
  spec.encoding = "CP1252";
  layers::ReadReport report;
  const FeatureSet read = layers::read_layer(spec, "EPSG:25832", report);
  REQUIRE(read.size() == 2);
  CHECK(read.names[0] == "Höntrop");
  CHECK(read.names[1] == "„Wattenscheid“");

  // Declared as ISO-8859-1, CP1252's quotes decode to the C1 controls U+0084 and U+0093: valid
  // UTF-8, so the run goes on, with a warning that suggests the encoding.
  ShapefileParts latin1;
  latin1.cpg = "ISO-8859-1";
  write_point_shapefile(dir / "latin1.shp", two_points, cp1252_names, latin1);
  s.campuses = input("campuses", dir / "latin1.shp", "name_field = \"name\"\n");
  const auto [r, manifest] = accepted(dir, s.text());
  const std::string warnings = manifest["warnings"].dump();
  CHECK_THAT(warnings, Contains("1 feature(s) hold control characters U+0080..U+009F"));
  CHECK_THAT(warnings, Contains("U+0084 in field 'name' of feature 1"));
  CHECK_THAT(warnings, Contains("encoding = \\\"CP1252\\\""));
  CHECK(manifest["inputs"]["campuses"]["warnings"] == 1);
  CHECK_THAT(r.output, Contains("warning: "));
}

TEST_CASE("invalid polygons are named with their coordinates and repaired only on request",
          "[cli][badinput]") {
  TempDir dir;
  ScenarioText s;
  auto districts = [&](const std::string& file, const std::string& broken,
                       const std::string& more = "") {
    write_file(dir / file, collection({weitmar, broken}));
    return input("districts", dir / file, "name_field = \"name\"\n" + more);
  };

  s.districts = districts(
      "open.geojson",
      feature(
          2, "Offen",
          R"({"type":"Polygon","coordinates":[[[7.22,51.45],[7.23,51.45],[7.23,51.46],[7.22,51.46]]]})"));
  refused(
      dir, s.text(), 2,
      {"input 'districts': 1 of 2 features cannot be used",
       "open.geojson: layer 'open', feature 2 ('Offen')", "the outer ring is not closed",
       "first (7.22 51.45), last (7.22 51.46)", "[inputs.districts] repair = true to close it"});
  s.districts += "repair = true\n";
  CHECK(accepted(dir, s.text()).second["inputs"]["districts"]["repaired"] == 1);

  const std::string bowtie = feature(
      2, "Schleife",
      R"({"type":"Polygon","coordinates":[[[7.22,51.45],[7.23,51.46],[7.23,51.45],[7.22,51.46],[7.22,51.45]]]})");
  s.districts = districts("bowtie.geojson", bowtie);
  refused(dir, s.text(), 2,
          {"feature 2 ('Schleife'): polygon is invalid: Self-intersection at (7.225 51.455)",
           "repair = true to repair it with GEOS make-valid"});
  s.districts = districts("bowtie.geojson", bowtie, "repair = true\n");
  CHECK(accepted(dir, s.text()).second["inputs"]["districts"]["repaired"] == 1);

  s.districts = districts(
      "hole.geojson",
      feature(
          2, "Loch",
          R"({"type":"Polygon","coordinates":[[[7.22,51.45],[7.23,51.45],[7.23,51.46],[7.22,51.46],[7.22,51.45]],[[7.24,51.45],[7.245,51.45],[7.245,51.455],[7.24,51.45]]]})"));
  refused(dir, s.text(), 2,
          {"feature 2 ('Loch'): polygon is invalid: Hole lies outside shell at (7.24 51.45)",
           "repair = true"});

  const std::string overlapping = feature(
      2, "Doppelt",
      R"({"type":"MultiPolygon","coordinates":[[[[7.22,51.45],[7.23,51.45],[7.23,51.46],[7.22,51.46],[7.22,51.45]]],[[[7.225,51.455],[7.235,51.455],[7.235,51.465],[7.225,51.465],[7.225,51.455]]]]})");
  s.districts = districts("parts.geojson", overlapping);
  refused(dir, s.text(), 2, {"feature 2 ('Doppelt'): polygon is invalid: Self-intersection"});
  s.districts = districts("parts.geojson", overlapping, "repair = true\n");
  CHECK(accepted(dir, s.text()).second["inputs"]["districts"]["repaired"] == 1);

  // Three collinear corners (exact in binary): repair leaves a line, which has no area.
  s.districts = districts(
      "line.geojson",
      feature(
          2, "Strich",
          R"({"type":"Polygon","coordinates":[[[7.0,51.0],[7.5,51.5],[8.0,52.0],[7.0,51.0]]]})"),
      "repair = true\n");
  refused(dir, s.text(), 2,
          {"feature 2 ('Strich'): polygon is invalid (Self-intersection at (7.5 51.5))",
           "collapses to a Multi Line String without area when repaired",
           "fix the geometry in the source or remove the feature"});
  s.districts = districts(
      "dot.geojson",
      feature(
          2, "Punkt",
          R"({"type":"Polygon","coordinates":[[[7.22,51.45],[7.22,51.45],[7.22,51.45],[7.22,51.45]]]})"),
      "repair = true\n");
  refused(dir, s.text(), 2,
          {"feature 2 ('Punkt'): polygon is invalid (Too few points", "collapses to a Point"});
}

TEST_CASE("empty, null, wrong-typed and non-finite geometry is named per feature",
          "[cli][badinput]") {
  TempDir dir;
  ScenarioText s;
  write_file(dir / "mixed.geojson",
             collection({weitmar, feature(2, "Leer", R"({"type":"Polygon","coordinates":[]})"),
                         feature(3, "Null", "null"),
                         feature(4, "Punkt", R"({"type":"Point","coordinates":[7.2,51.45]})")}));
  s.districts = input("districts", dir / "mixed.geojson", "geometry = \"polygon\"\n");
  refused(dir, s.text(), 2,
          {"input 'districts': 3 of 4 features cannot be used",
           "feature 2 ('Leer'): has no geometry (null or empty)",
           "feature 3 ('Null'): has no geometry", "remove the feature or give it a geometry",
           "feature 4 ('Punkt'): is a Point, but this input holds polygons ([inputs.districts] "
           "geometry)",
           "split mixed layers"});
  // Without geometry = "...", the first feature decides, and the message says so.
  write_file(
      dir / "pointfirst.geojson",
      collection({feature(4, "Punkt", R"({"type":"Point","coordinates":[7.2,51.45]})"), weitmar}));
  s.districts = input("districts", dir / "pointfirst.geojson");
  refused(dir, s.text(), 2,
          {"feature 1 ('Weitmar-Mitte'): is a Polygon, but this input holds points (as its first "
           "feature, 4, is)"});

  s = ScenarioText();
  write_file(dir / "nonfinite.geojson",
             collection({feature(0, "nan", R"({"type":"Point","coordinates":[NaN,51.45]})"),
                         feature(1, "inf", R"({"type":"Point","coordinates":[Infinity,51.45]})"),
                         feature(2, "overflow", R"({"type":"Point","coordinates":[7.2,1e400]})"),
                         feature(3, "huge", R"({"type":"Point","coordinates":[1e200,1e200]})"),
                         feature(4, "nans", R"({"type":"Point","coordinates":[NaN,NaN]})")}));
  s.campuses = input("campuses", dir / "nonfinite.geojson");
  refused(dir, s.text(), 2,
          {"input 'campuses': 5 of 5 features cannot be used",
           "feature 4 ('nans'): has an empty point (no coordinates, or only NaN)",
           "feature 0 ('nan'): has a NaN coordinate (nan 51.45)",
           "feature 1 ('inf'): has a NaN or infinite coordinate (inf 51.45)",
           "feature 2 ('overflow'): has a NaN or infinite coordinate (7.2 inf)",
           "feature 3 ('huge'): has coordinates (1e+200 1e+200) outside longitude/latitude ranges",
           "fix the coordinates in the source"});
  write_file(
      dir / "huge_utm.geojson",
      collection({feature(0, "huge", R"({"type":"Point","coordinates":[1e200,-1e200]})")}, 25832));
  s.campuses = input("campuses", dir / "huge_utm.geojson");
  refused(dir, s.text(), 2,
          {"feature 0 ('huge'): lies at (1e+200 -1e+200) in EPSG:25832",
           "outside the area of use of EPSG:25832", "check that the file's CRS is right"});

  // Z and M are dropped with one warning per layer; the run goes on.
  write_file(
      dir / "z.geojson",
      collection({feature(0, "RUB", R"({"type":"Point","coordinates":[7.2625,51.4452,150]})")}));
  s.campuses = input("campuses", dir / "z.geojson");
  CHECK_THAT(accepted(dir, s.text()).second["warnings"].dump(),
             Contains("z.geojson: layer 'z': Z/M coordinates were dropped"));
  ShapefileParts measured;
  measured.shape_type = 21;
  write_point_shapefile(dir / "m.shp", two_points, {"a", "b"}, measured);
  s.campuses = input("campuses", dir / "m.shp");
  CHECK_THAT(accepted(dir, s.text()).second["warnings"].dump(),
             Contains("m.shp: layer 'm': Z/M coordinates were dropped"));
}

TEST_CASE("geometry collections nested 100,000 deep neither crash GDAL nor standort",
          "[cli][badinput]") {
  TempDir dir;
  ScenarioText s;
  // GDAL's JSON reader stops at 1,024 levels of objects and arrays ("Too many nested objects
  // and/or arrays"), that is about 500 collections, before it builds any geometry; standort
  // recurses only into points, lines and polygons, so neither stack is at risk.
  auto nested = [](int levels) {
    std::string g;
    for (int i = 0; i < levels; ++i) g += R"({"type":"GeometryCollection","geometries":[)";
    g += R"({"type":"Point","coordinates":[7.2165,51.4818]})";
    for (int i = 0; i < levels; ++i) g += "]}";
    return collection({feature(0, "tief", g)});
  };
  write_file(dir / "deep.geojson", nested(100000));
  s.campuses = input("campuses", dir / "deep.geojson");
  refused(dir, s.text(), 2,
          {"deep.geojson: cannot be opened as a vector layer (input 'campuses')",
           "deeper than GDAL reads", "Too many nested objects", "write each feature as one of"});
  // Within GDAL's limit the collection is read and refused as a collection.
  write_file(dir / "shallow.geojson", nested(400));
  s.campuses = input("campuses", dir / "shallow.geojson");
  refused(dir, s.text(), 2,
          {"shallow.geojson: layer 'shallow', feature 0 ('tief'): is a Geometry Collection",
           "standort reads points, lines and polygons"});

  // In a GeoPackage the collection is WKB, which GDAL reads 32 levels deep at most; deeper, the
  // driver drops the geometry with an error, which the message passes on.
  {
    GDALAllRegister();
    GDALDataset* ds = GetGDALDriverManager()->GetDriverByName("GPKG")->Create(
        (dir / "deep.gpkg").c_str(), 0, 0, 0, GDT_Unknown, nullptr);
    REQUIRE(ds);
    OGRSpatialReference utm;
    utm.importFromEPSG(25832);
    OGRLayer* layer = ds->CreateLayer("tief", &utm, wkbGeometryCollection, nullptr);
    REQUIRE(layer);
    OGRFieldDefn name("name", OFTString);
    REQUIRE(layer->CreateField(&name) == OGRERR_NONE);
    auto geometry = std::make_unique<OGRGeometryCollection>();
    geometry->addGeometryDirectly(new OGRPoint(377000.0, 5705000.0));
    for (int level = 1; level < 40; ++level) {
      auto outer = std::make_unique<OGRGeometryCollection>();
      outer->addGeometryDirectly(geometry.release());
      geometry = std::move(outer);
    }
    OGRFeature feature_40(layer->GetLayerDefn());
    feature_40.SetField("name", "tief");
    feature_40.SetGeometryDirectly(geometry.release());
    REQUIRE(layer->CreateFeature(&feature_40) == OGRERR_NONE);
    GDALClose(ds);
  }
  s.campuses = input("campuses", dir / "deep.gpkg");
  refused(dir, s.text(), 2,
          {"deep.gpkg: layer 'tief', feature 1 ('tief'): has a geometry GDAL cannot read",
           "Too many recursion levels (32)", "fix or remove the feature"});
}

TEST_CASE("CRS problems: none declared, projected as lon/lat, far away, geographic grid",
          "[cli][badinput]") {
  TempDir dir;
  ScenarioText s;
  ShapefileParts no_prj;
  no_prj.prj = false;
  write_point_shapefile(dir / "noprj.shp", two_points, {"Rathaus", "RUB"}, no_prj);
  s.campuses = input("campuses", dir / "noprj.shp");
  refused(dir, s.text(), 2,
          {"noprj.shp: layer 'noprj': declares no CRS (the .prj beside it is missing)",
           "set [inputs.campuses] assume_crs = \"EPSG:25832\""});
  s.campuses = input("campuses", dir / "noprj.shp", "assume_crs = \"EPSG:25832\"\n");
  accepted(dir, s.text());

  // GeoJSON is lon/lat by definition; UTM metres in it are a mislabelled file.
  write_file(dir / "utm_as_lonlat.geojson",
             collection({feature(0, "Rathaus",
                                 R"({"type":"Point","coordinates":[377000.0,5705000.0]})")}));
  s.campuses = input("campuses", dir / "utm_as_lonlat.geojson");
  refused(dir, s.text(), 2,
          {"utm_as_lonlat.geojson: layer 'utm_as_lonlat', feature 0 ('Rathaus')",
           "outside longitude/latitude ranges", "the coordinates look projected"});

  // The 2008 GeoJSON draft's "crs" member may link to a CRS by URL; GDAL would fetch it.
  // standort refuses the fetch (results must not depend on a web server) and names the link.
  write_file(dir / "linked_crs.geojson",
             R"({"type":"FeatureCollection","crs":{"type":"link","properties":)"
             R"({"href":"http://crs.invalid/25832.wkt","type":"ogcwkt"}},"features":[)" +
                 feature(0, "Rathaus", R"({"type":"Point","coordinates":[377000.0,5705000.0]})") +
                 "]}");
  s.campuses = input("campuses", dir / "linked_crs.geojson");
  refused(dir, s.text(), 2,
          {"linked_crs.geojson: layer 'linked_crs': gives its CRS only as a link to "
           "http://crs.invalid/25832.wkt",
           "does not fetch over the network", "set [inputs.campuses] assume_crs"});
  s.campuses = input("campuses", dir / "linked_crs.geojson", "assume_crs = \"EPSG:25832\"\n");
  accepted(dir, s.text());

  write_file(dir / "beijing.geojson",
             collection({feature(0, "Peking", R"({"type":"Point","coordinates":[116.4,39.9]})")}));
  s.campuses = input("campuses", dir / "beijing.geojson");
  refused(dir, s.text(), 2,
          {"feature 0 ('Peking'): lies at (116.4 39.9) in EPSG:4326",
           "outside the area of use of EPSG:25832", "swapped or projected coordinates?"});

  s = ScenarioText();
  s.grid = replaced(s.grid, "[grid]\n", "[grid]\ncrs = \"EPSG:4326\"\n");
  refused(
      dir, s.text(), 2,
      {".toml: [grid] crs", "'EPSG:4326' is a geographic CRS (degrees)", "e.g. \"EPSG:25832\""});
}

TEST_CASE(
    "grid and kernel: degenerate cells and extents are input errors, sizes over the limits "
    "exit 3",
    "[cli][badinput]") {
  TempDir dir;
  const std::string grid = ScenarioText().grid;
  for (const auto& [cell, words] : std::vector<std::pair<std::string, std::string>>{
           {"0", "cell_size_m must be positive metres, got 0"},
           {"-5", "cell_size_m must be positive metres, got -5"},
           {"nan", "cell_size_m must be a finite number, got nan"}}) {
    ScenarioText s;
    s.grid = replaced(grid, "cell_size_m = 200", "cell_size_m = " + cell);
    refused(dir, s.text(), 2, {".toml:", "[grid] " + words});
  }

  ScenarioText s;
  s.grid =
      replaced(grid, "extent_from = \"districts\"", "extent = [377000, 5705000, 377005, 5705005]");
  refused(dir, s.text(), 2,
          {".toml: [grid] extent spans 5.0 x 5.0 m, less than one cell of 200.00 m in at least one "
           "direction",
           "give a larger extent or a smaller cell_size_m"});
  // A layer of one point has no extent: the buffer is the fix.
  write_file(dir / "one.geojson",
             collection({feature(0, "RUB", R"({"type":"Point","coordinates":[7.2625,51.4452]})")}));
  s = ScenarioText();
  s.campuses = input("campuses", dir / "one.geojson");
  s.grid = replaced(grid, "extent_from = \"districts\"", "extent_from = \"campuses\"");
  refused(dir, s.text(), 2,
          {"[grid] extent_from = \"campuses\" spans 0.0 x 0.0 m", "set [grid] buffer_m"});

  s = ScenarioText();
  s.grid = replaced(grid, "cell_size_m = 200", "cell_size_m = 0.01");
  refused(dir, s.text(), 3,
          {".toml: [grid]: a grid of", "over the limit of", "use a cell size of at least"});

  // A kernel of 10,000 km at 200 m cells spans 100,001 x 100,001 cells, over the 4e9 default.
  s = ScenarioText();
  s.criteria = replaced(s.criteria, "layer = \"campuses\"\n",
                        "layer = \"campuses\"\nkind = \"density\"\nradius_m = 1e7\n");
  refused(dir, s.text(), 3,
          {".toml: [criteria.campus_proximity] density kernel: radius_m of 1e+07 m at 200 m cells "
           "spans 100001 x 100001 cells",
           "over the limit of 4e+09 cells", "use a radius of at most 6324455 m"});
}

TEST_CASE("scenario mistakes: typos, duplicates, decimal commas, weights, roots, deep keys",
          "[cli][badinput]") {
  TempDir dir;
  const ScenarioText base;
  ScenarioText s = base;
  s.grid = replaced(base.grid, "extent_from", "extend_from");
  refused(dir, s.text(), 2,
          {".toml:", "[grid] has an unknown key 'extend_from'", "did you mean 'extent_from'?"});

  s.grid = replaced(base.grid, "cell_size_m = 200\n", "cell_size_m = 200\ncell_size_m = 100\n");
  refused(
      dir, s.text(), 2,
      {"not valid TOML", "cannot redefine existing integer 'cell_size_m'", "may appear only once"});

  s.grid = replaced(base.grid, "cell_size_m = 200", "cell_size_m = 2,5");
  refused(dir, s.text(), 2, {"not valid TOML", "write decimals with a point (2.5), not a comma"});

  s = base;
  s.criteria = "[criteria.campus_proximity]\nweight = nan\n" + base.criteria.substr(28);
  refused(dir, s.text(), 2,
          {"[criteria.campus_proximity] weight must be a finite number, got nan"});

  // Weights that sum to 0, and weights whose sum overflows to infinity (which would normalise
  // every weight to 0 without a word).
  for (const std::string w : {"0", "1e308"}) {
    s = base;
    s.criteria = "[criteria.campus_proximity]\nweight = " + w + "\n" + base.criteria.substr(28) +
                 "\n[criteria.campus_access]\nweight = " + w + "\n" + base.criteria.substr(28);
    refused(dir, s.text(), 2,
            {"[criteria.campus_proximity] weight must be a positive number of at most 1e9",
             "got " + std::string(w == "0" ? "0" : "1e+308")});
  }

  // Every file must lie below [scenario] allowed_roots; a symbolic link does not lead out.
  fs::create_directories(dir / "daten");
  fs::create_symlink(demo_gpkg, dir / "daten" / "link.gpkg");
  s = base;
  s.scenario += "allowed_roots = [\"daten\"]\n";
  refused(dir, s.text(), 2,
          {"[inputs.districts] path " + demo_gpkg, "outside the scenario's allowed_roots",
           "add its folder to [scenario] allowed_roots"});
  s.districts = replaced(base.districts, demo_gpkg, (dir / "daten" / "link.gpkg").string());
  refused(dir, s.text(), 2,
          {"link.gpkg (" + fs::canonical(demo_gpkg).string() + ")",
           "outside the scenario's allowed_roots"});
  fs::copy_file(demo_gpkg, dir / "daten" / "bochum.gpkg");
  s.districts = replaced(base.districts, demo_gpkg, (dir / "daten" / "bochum.gpkg").string());
  s.campuses = replaced(base.campuses, demo_gpkg, "daten/bochum.gpkg");
  accepted(dir, s.text());

  // A problem found only while computing, when the output folder is already prepared: still no
  // folder is left behind, and a folder that held an earlier run's outputs keeps them unchanged.
  s = base;
  s.criteria =
      "[criteria.campus_proximity]\nlayer = \"campuses\"\nmax_distance_m = 1\nbeyond_value = 5\n"
      "value = { function = \"fuzzy_ms_large\" }\n";
  const std::string constant = s.text();
  refused(dir, constant, 2,
          {"[criteria.campus_proximity].value (mean and std_dev from the indicator)",
           "std_dev must be greater than 0, got 0"});
  const fs::path kept = dir / "kept";
  REQUIRE(run("run -q -o " + kept.string()).code == 0);
  auto listing = [&] {
    std::map<std::string, std::uintmax_t> files;
    for (const auto& e : fs::directory_iterator(kept))
      files[e.path().filename().string()] = fs::file_size(e.path());
    return files;
  };
  const auto before = listing();
  write_file(dir / "constant.toml", constant);
  const Result r = run("run -q " + (dir / "constant.toml").string() + " -o " + kept.string());
  CHECK(r.code == 2);
  CHECK(listing() == before);

  // toml++ builds nested tables recursively; a key of 100,000 parts is stopped before it.
  std::string deep = "[scenario]\nname = \"deep\"\n\n";
  for (int i = 0; i < 100000; ++i) deep += i ? ".a" : "a";
  deep += " = 1\n";
  refused(dir, deep, 2, {".toml:4: a key nests more than 32 levels deep"});
}

TEST_CASE("the single-raster steps name their own options in messages, not scenario keys",
          "[cli][badinput]") {
  TempDir dir;
  const std::string source = demo_gpkg + " --layer campuses --extent-from " + demo_gpkg +
                             " --extent-layer statistische_bezirke -q";
  const fs::path out = dir / "step.tif";
  struct Case {
    std::string args;
    int code;
    std::string words;
  };
  const std::vector<Case> cases{
      {"heatmap --radius -5", 2, "error: --radius must be positive metres, got -5"},
      {"heatmap --radius nan", 2, "error: --radius must be positive metres, got nan"},
      {"heatmap --kernel triangular --decay 5", 2, "error: --decay must lie between -1 and 1"},
      {"heatmap --radius 1e300", 3,
       "limit: --radius of 1e+300 m at 10 m cells spans 2e+299 x 2e+299 cells"},
      {"heatmap --weight-field nope", 2,
       "--weight-field \"nope\" is not a numeric field of the source"},
      {"proximity --cell-size 0", 2, "error: --cell-size must be positive metres, got 0"},
      {"proximity --buffer inf", 2, "error: --buffer must be zero or positive metres, got inf"},
      {"proximity --crs EPSG:4326", 2, "error: --crs: 'EPSG:4326' is a geographic CRS"},
      {"heatmap --extent 10 0 0 10 --radius 100", 2,
       "error: --extent must be four finite numbers xmin ymin xmax ymax with xmin < xmax"}};
  for (const Case& c : cases) {
    const Result r = run(c.args + " " + source + " -o " + out.string());
    INFO(c.args << ": " << r.output);
    CHECK(r.code == c.code);
    CHECK_THAT(r.output, Contains(c.words));
    CHECK(r.output.find("[criteria.") == std::string::npos);
    CHECK(r.output.find("[grid]") == std::string::npos);
    CHECK(r.output.find("options:") == std::string::npos);
    CHECK(!fs::exists(out));
  }
  // The output path: its folder must exist, and it must not be one of the inputs.
  Result r = run("proximity " + source + " -o " + (dir / "missing" / "p.tif").string());
  CHECK(r.code == 2);
  CHECK_THAT(r.output, Contains("the folder " + (dir / "missing").string() + " does not exist"));
  const fs::path copy = dir / "campuses.gpkg";
  fs::copy_file(demo_gpkg, copy);
  const std::string before = read_all(copy);
  r = run("proximity " + copy.string() +
          " --layer campuses --extent 370000 5700000 390000 "
          "5710000 -q -o " +
          copy.string());
  CHECK(r.code == 2);
  CHECK_THAT(r.output, Contains("is also an input of this command"));
  CHECK(read_all(copy) == before);
}

TEST_CASE("two sites with one id are refused by validate and by run", "[cli][badinput]") {
  TempDir dir;
  ScenarioText s;
  const auto plot = [](int fid, const std::string& code, double x) {
    std::ostringstream g;
    g << R"({"type":"Feature","id":)" << fid << R"(,"properties":{"code":")" << code
      << R"("},"geometry":{"type":"Polygon","coordinates":[[[)" << x << ",51.45],[" << x + 0.002
      << ",51.45],[" << x + 0.002 << ",51.452],[" << x << ",51.452],[" << x << ",51.45]]]}}";
    return g.str();
  };
  write_file(dir / "plots.geojson",
             collection({plot(0, "A1", 7.20), plot(1, "B2", 7.21), plot(2, "A1", 7.22)}));
  s.campuses +=
      input("sites", dir / "plots.geojson", "geometry = \"polygon\"\nid_field = \"code\"\n");
  s.outputs += "[sites]\nlayer = \"sites\"\n";
  const std::vector<std::string> words{
      "plots.geojson: feature 2 has the id 'A1' of feature 0",
      "each needs its own (set [inputs.sites] id_field to a unique field)"};
  refused(dir, s.text(), 2, words);
  write_file(dir / "dup.toml", s.text());
  const Result v = run("validate -q " + (dir / "dup.toml").string());
  INFO(v.output);
  CHECK(v.code == 2);
  for (const std::string& w : words) CHECK_THAT(v.output, Contains(w));
  // With unique ids the same scenario runs.
  write_file(dir / "plots.geojson",
             collection({plot(0, "A1", 7.20), plot(1, "B2", 7.21), plot(2, "C3", 7.22)}));
  accepted(dir, s.text());
}

TEST_CASE("an output folder that holds an input is refused before anything is written",
          "[cli][badinput]") {
  TempDir dir;
  const std::string original = collection({weitmar});
  write_file(dir / "districts.geojson", original);
  ScenarioText s;
  s.districts = input("districts", dir / "districts.geojson");
  s.outputs = "[outputs]\ndistricts = \"districts\"\nformats = [\"geojson\"]\n";
  write_file(dir / "s.toml", s.text());
  auto listing = [&] {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir.path())) names.insert(e.path().filename());
    return names;
  };
  const std::set<std::string> before = listing();
  // The run would write districts.geojson over its own input.
  for (const std::string& out :
       {dir.path().string(), dir.path().string() + "/", (dir / "sub" / "..").string()}) {
    const Result r = run("run -q " + (dir / "s.toml").string() + " -o " + out);
    INFO(r.output);
    CHECK(r.code == 2);
    CHECK_THAT(r.output, Contains("the output folder holds input 'districts' (" +
                                  (dir / "districts.geojson").string() + ")"));
    CHECK_THAT(r.output, Contains("choose another folder with -o"));
    check_no_library_noise(r.output);
  }
  const Result file =
      run("run -q " + (dir / "s.toml").string() + " -o " + (dir / "districts.geojson").string());
  CHECK(file.code == 2);
  CHECK_THAT(file.output, Contains("districts.geojson: the output folder is an existing file"));
  CHECK(listing() == before);
  CHECK(read_all(dir / "districts.geojson") == original);
}

TEST_CASE("overlapping and gapped districts are a warning with the pairs and the areas",
          "[cli][badinput]") {
  TempDir dir;
  // Eight 100 m squares in EPSG:25832 around an empty middle square (a gap of 100 m x 100 m =
  // 10000 m²); the south-west square reaches 10 m into its eastern neighbour (10 m x 100 m =
  // 1000 m² of overlap).
  const double x0 = 377000.0, y0 = 5705000.0;
  std::vector<std::string> squares;
  const std::array<const char*, 3> cols{"West", "Mitte", "Ost"}, rows{"Süd", "Mitte", "Nord"};
  int id = 0;
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 3; ++i) {
      if (i == 1 && j == 1) continue;
      const double xa = x0 + 100.0 * i, ya = y0 + 100.0 * j;
      const double xb = xa + (i == 0 && j == 0 ? 110.0 : 100.0), yb = ya + 100.0;
      std::ostringstream g;
      g.precision(12);
      g << R"({"type":"Polygon","coordinates":[[[)" << xa << "," << ya << "],[" << xb << "," << ya
        << "],[" << xb << "," << yb << "],[" << xa << "," << yb << "],[" << xa << "," << ya
        << "]]]}";
      squares.push_back(feature(++id, std::string(cols[i]) + "-" + rows[j], g.str()));
    }
  write_file(dir / "ring.geojson", collection(squares, 25832));
  ScenarioText s;
  s.districts = input("districts", dir / "ring.geojson", "name_field = \"name\"\n");
  s.grid = replaced(s.grid, "cell_size_m = 200", "cell_size_m = 50");
  const auto [r, manifest] = accepted(dir, s.text());
  const std::vector<std::string> warnings = manifest["warnings"];
  REQUIRE(warnings.size() == 2);
  CHECK_THAT(warnings[0],
             Contains("ring.geojson: layer 'ring' (district level 'districts'): districts "
                      "feature 1 ('West-Süd') and feature 2 ('Mitte-Süd') overlap by 1000.0 m²"));
  CHECK_THAT(warnings[0], Contains("in EPSG:25832; cells there count for both"));
  CHECK_THAT(warnings[1], Contains("a gap of 10000.0 m²"));
  CHECK_THAT(warnings[1], Contains("belongs to no district (it lies between feature 1 "
                                   "('West-Süd'), feature 2 ('Mitte-Süd')"));
  CHECK_THAT(warnings[1], Contains("feature 4 ('West-Mitte'), feature 5 ('Ost-Mitte')"));
  CHECK(manifest["inputs"]["districts"]["warnings"] == 2);
  CHECK_THAT(r.output, Contains("standort: warning: " + (dir / "ring.geojson").string()));
  // -q keeps stderr quiet; the manifest still has them.
  write_file(dir / "q.toml", s.text());
  const Result quiet = run("run -q " + (dir / "q.toml").string() + " -o " + (dir / "q").string());
  CHECK(quiet.code == 0);
  CHECK(quiet.output.find("warning") == std::string::npos);
  // The demo's districts tile cleanly: no warning.
  const auto [clean, clean_manifest] = accepted(dir, ScenarioText().text());
  CHECK(clean_manifest["warnings"].empty());
}
