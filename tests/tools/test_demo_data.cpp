// Reopens the built-in demo GeoPackage with GDAL and checks the layers added for the "Bochum
// Strategie 2030" scenario: research institutes, synthetic schools, district centres, community
// facilities, water and protected areas, and that the generator writes the same bytes every run.
#include "support.hpp"

#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

const std::string demo_gpkg = std::string(STANDORT_DATA_DIR) + "/demo/bochum_demo.gpkg";

using GeometryPtr = std::unique_ptr<OGRGeometry>;

std::unique_ptr<GDALDataset> open_demo() {
  GDALAllRegister();
  std::unique_ptr<GDALDataset> ds(GDALDataset::Open(demo_gpkg.c_str(), GDAL_OF_VECTOR));
  INFO(demo_gpkg);
  REQUIRE(ds);
  return ds;
}

OGRLayer& layer(GDALDataset& ds, const char* name) {
  OGRLayer* l = ds.GetLayerByName(name);
  INFO("layer " << name);
  REQUIRE(l);
  l->ResetReading();
  return *l;
}

GeometryPtr outline(GDALDataset& ds) {
  OGRLayer& l = layer(ds, "stadtgrenze");
  std::unique_ptr<OGRFeature> f(l.GetNextFeature());
  REQUIRE(f);
  REQUIRE(f->GetGeometryRef());
  return GeometryPtr(f->GetGeometryRef()->clone());
}

GeometryPtr buffered(const OGRGeometry& g, double distance_m) {
  GeometryPtr b(g.Buffer(distance_m, 16));
  REQUIRE(b);
  return b;
}

/// All geometries of a layer, in feature order.
std::vector<GeometryPtr> geometries(OGRLayer& l) {
  std::vector<GeometryPtr> out;
  l.ResetReading();
  for (auto& f : l) {
    REQUIRE(f->GetGeometryRef());
    out.emplace_back(f->GetGeometryRef()->clone());
  }
  return out;
}

std::string metadata(OGRLayer& l, const char* key) {
  const char* v = l.GetMetadataItem(key);
  return v ? v : "";
}

std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Largest-remainder split of `total` by `weights`, ties to the earlier entry: written out here
/// independently of the generator.
std::vector<int> largest_remainders(const std::vector<double>& weights, int total) {
  double sum = 0.0;
  for (double w : weights) sum += w;
  std::vector<int> counts;
  std::vector<std::pair<double, std::size_t>> rest;
  int given = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const double exact = total * weights[i] / sum;
    counts.push_back(static_cast<int>(exact));
    given += counts.back();
    rest.emplace_back(exact - counts.back(), i);
  }
  std::stable_sort(rest.begin(), rest.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (int k = 0; k < total - given; ++k) ++counts[rest[static_cast<std::size_t>(k)].second];
  return counts;
}

struct LayerExpectation {
  const char* name;
  GIntBig min_count;
  GIntBig max_count;
};

}  // namespace

TEST_CASE("strategy layers: counts, EPSG:25832, valid geometries inside the outline", "[demo]") {
  REQUIRE(OGRGeometryFactory::haveGEOS());
  auto ds = open_demo();
  const GeometryPtr city = outline(*ds);
  const GeometryPtr city_50m = buffered(*city, 50.0);
  const GeometryPtr city_1m = buffered(*city, 1.0);
  const GeometryPtr city_151m = buffered(*city, 151.0);  // water is clipped at 150 m

  const LayerExpectation expected[] = {
      {"research_institutes", 25, 43},  {"schools", 100, 140}, {"district_centres", 30, 30},
      {"community_facilities", 15, 30}, {"water", 2, 5},       {"protected_areas", 3, 8},
  };
  for (const auto& e : expected) {
    INFO("layer " << e.name);
    OGRLayer& l = layer(*ds, e.name);
    CHECK(l.GetFeatureCount() >= e.min_count);
    CHECK(l.GetFeatureCount() <= e.max_count);
    const OGRSpatialReference* srs = l.GetSpatialRef();
    REQUIRE(srs);
    REQUIRE(srs->GetAuthorityCode(nullptr));
    CHECK(std::string(srs->GetAuthorityName(nullptr)) == "EPSG");
    CHECK(std::string(srs->GetAuthorityCode(nullptr)) == "25832");
    CHECK(metadata(l, "source") != "");
    const bool points = wkbFlatten(l.GetGeomType()) == wkbPoint;
    for (const auto& g : geometries(l)) {
      CHECK(g->IsValid());
      CHECK_FALSE(g->IsEmpty());
      if (points) {
        CHECK(g->Within(city_50m.get()));
      } else if (std::string(e.name) == "water") {
        CHECK(g->Within(city_151m.get()));
      } else {
        CHECK(g->Within(city_1m.get()));
      }
    }
  }
}

TEST_CASE("water follows the southern city boundary", "[demo]") {
  auto ds = open_demo();
  const GeometryPtr city = outline(*ds);
  const GeometryPtr boundary(city->Boundary());
  REQUIRE(boundary);
  OGREnvelope env;
  city->getEnvelope(&env);
  // The southern quarter of the outline's extent: the Ruhr and the Kemnader See lie there.
  OGRPolygon south;
  OGRLinearRing box;
  const double north_edge = env.MinY + 0.25 * (env.MaxY - env.MinY);
  box.addPoint(env.MinX - 1.0, env.MinY - 1.0);
  box.addPoint(env.MaxX + 1.0, env.MinY - 1.0);
  box.addPoint(env.MaxX + 1.0, north_edge);
  box.addPoint(env.MinX - 1.0, north_edge);
  box.closeRings();
  south.addRing(&box);
  const GeometryPtr south_boundary(boundary->Intersection(&south));
  REQUIRE(south_boundary);
  REQUIRE_FALSE(south_boundary->IsEmpty());
  // The river is a 100 m band centred on the outline: within 50 m of the boundary (+1 m slack).
  const GeometryPtr river_corridor = buffered(*boundary, 51.0);

  OGRLayer& water = layer(*ds, "water");
  int rivers = 0, lakes = 0;
  for (auto& f : water) {
    const std::string name = f->GetFieldAsString("name");
    INFO(name);
    const OGRGeometry* g = f->GetGeometryRef();
    CHECK(g->Intersects(south_boundary.get()));
    const double area_ha = g->toMultiPolygon()->get_Area() / 1e4;
    CHECK_THAT(f->GetFieldAsDouble("area_ha"), WithinAbs(area_ha, 0.006));
    const std::string kind = f->GetFieldAsString("kind");
    if (kind == "river") {
      ++rivers;
      CHECK(g->Within(river_corridor.get()));
    } else {
      REQUIRE(kind == "lake");
      ++lakes;
      // Wikipedia, Kemnader See: 1.25 km² in all; the Bochum-Witten boundary crosses the lake,
      // so the part kept near Bochum is smaller but more than a quarter of it.
      CHECK(area_ha > 30.0);
      CHECK(area_ha < 125.0);
    }
  }
  CHECK(rivers == 2);
  CHECK(lakes == 1);
}

TEST_CASE("strategy layers carry their labelling fields and metadata", "[demo]") {
  auto ds = open_demo();

  OGRLayer& schools = layer(*ds, "schools");
  CHECK(metadata(schools, "synthetic") == "yes");
  CHECK(metadata(schools, "origin") == "synthetic");
  for (auto& f : schools) {
    CHECK(std::string(f->GetFieldAsString("origin")) == "synthetic");
    const std::string name = f->GetFieldAsString("name");
    const std::string type = f->GetFieldAsString("school_type");
    INFO(name);
    CHECK(name.rfind(type + " (synthetisch) ", 0) == 0);
  }

  OGRLayer& facilities = layer(*ds, "community_facilities");
  CHECK(metadata(facilities, "approximate") == "yes");
  const std::set<std::string> facility_kinds{"culture", "green", "sport", "community"};
  std::set<std::string> seen_kinds;
  for (auto& f : facilities) {
    INFO(f->GetFieldAsString("name"));
    CHECK(std::string(f->GetFieldAsString("position")) == "approximate");
    CHECK(std::string(f->GetFieldAsString("source")) != "");
    seen_kinds.insert(f->GetFieldAsString("kind"));
  }
  CHECK(seen_kinds == facility_kinds);

  for (const char* name : {"water", "protected_areas"}) {
    OGRLayer& l = layer(*ds, name);
    INFO("layer " << name);
    CHECK(metadata(l, "approximate") == "yes");
    for (auto& f : l)
      CHECK(std::string(f->GetFieldAsString("position")) == "approximate (hand-drawn)");
  }

  OGRLayer& centres = layer(*ds, "district_centres");
  CHECK(metadata(centres, "approximate") == "yes");
  for (auto& f : centres) {
    const std::string position = f->GetFieldAsString("position");
    CHECK((position == "approximate (district centroid)" ||
           position == "approximate (published place coordinate)"));
    CHECK(std::string(f->GetFieldAsString("name")).rfind("Zentrum ", 0) == 0);
  }

  // Research institutes come from the POI database and never repeat a campus.
  std::set<GIntBig> campus_pois;
  for (auto& f : layer(*ds, "campuses")) campus_pois.insert(f->GetFieldAsInteger64("poi_id"));
  REQUIRE(campus_pois.size() == 12);
  const std::set<std::string> research_kinds{"Forschungseinrichtung", "Hochschuleinrichtung",
                                             "Private Hochschule"};
  std::set<GIntBig> research_pois;
  for (auto& f : layer(*ds, "research_institutes")) {
    const GIntBig poi = f->GetFieldAsInteger64("poi_id");
    INFO("POI " << poi);
    CHECK(campus_pois.count(poi) == 0);
    CHECK(research_pois.insert(poi).second);
    CHECK(research_kinds.count(f->GetFieldAsString("kind")) == 1);
    CHECK(std::string(f->GetFieldAsString("source")).rfind("Stadt Bochum POI database", 0) == 0);
  }
  // bochum_hochschulen_forschung.geojson holds 43 POIs; 12 are campuses, 1 (student services) is
  // left out.
  CHECK(research_pois.size() == 43 - 12 - 1);

  OGRLayer& areas = layer(*ds, "protected_areas");
  for (auto& f : areas) {
    INFO(f->GetFieldAsString("name"));
    const std::string kind = f->GetFieldAsString("kind");
    CHECK((kind == "Naturschutzgebiet" || kind == "Landschaftsschutzgebiet" || kind == "Wald"));
    CHECK(std::string(f->GetFieldAsString("source")) != "");
    // Drawn to about the published area (LANUV NRW / aku-bochum.de figures) where there is one.
    if (!f->IsFieldNull(f->GetFieldIndex("official_area_ha"))) {
      CHECK_THAT(f->GetFieldAsDouble("area_ha"),
                 WithinRel(f->GetFieldAsDouble("official_area_ha"), 0.25));
    }
  }
}

TEST_CASE("synthetic schools follow the POI type mix and the district areas", "[demo]") {
  auto ds = open_demo();
  std::map<GIntBig, GeometryPtr> districts;
  std::vector<GIntBig> numbers;
  std::vector<double> official_km2;
  for (auto& f : layer(*ds, "statistische_bezirke")) {
    numbers.push_back(f->GetFieldAsInteger64("stat_bezirk_nr"));
    official_km2.push_back(f->GetFieldAsDouble("official_area_km2"));
    districts[numbers.back()] = GeometryPtr(f->GetGeometryRef()->clone());
  }
  REQUIRE(numbers.size() == 30);
  std::vector<GeometryPtr> keep_out = geometries(layer(*ds, "water"));
  for (auto& g : geometries(layer(*ds, "protected_areas"))) keep_out.push_back(std::move(g));

  std::map<std::string, int> per_type;
  std::map<GIntBig, int> per_district;
  std::vector<OGRPoint> points;
  for (auto& f : layer(*ds, "schools")) {
    ++per_type[f->GetFieldAsString("school_type")];
    const GIntBig district = f->GetFieldAsInteger64("stat_bezirk_nr");
    ++per_district[district];
    const OGRPoint* p = f->GetGeometryRef()->toPoint();
    INFO(f->GetFieldAsString("name"));
    REQUIRE(districts.count(district) == 1);
    CHECK(p->Within(districts[district].get()));
    for (const auto& area : keep_out) CHECK_FALSE(p->Intersects(area.get()));
    points.push_back(*p);
  }
  REQUIRE(points.size() == 120);

  // Stadt Bochum POI database (bochum_schools.csv, 2023-10-17), primary categories: 49
  // Grundschulen, 27 weiterführende, 15 Berufskollegs, 15 Förderschulen (106). For 120 schools:
  // 55.47, 30.57, 16.98, 16.98; floors 55 + 30 + 16 + 16 = 117; the three largest remainders
  // (0.98, 0.98, 0.57) get one more each.
  CHECK(per_type["Grundschule"] == 55);
  CHECK(per_type["weiterführende Schule"] == 31);
  CHECK(per_type["Berufskolleg"] == 17);
  CHECK(per_type["Förderschule"] == 17);

  // Per district in proportion to the official area (sum 145.848 km²): Stiepel 12.535 km² ->
  // 10.31 -> 10; Gleisdreieck 1.268 km² -> 1.04 -> 1; every district as the largest-remainder
  // split recomputed from the layer's official_area_km2.
  CHECK(per_district[54] == 10);
  CHECK(per_district[11] == 1);
  const std::vector<int> split = largest_remainders(official_km2, 120);
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    INFO("district " << numbers[i]);
    CHECK(per_district[numbers[i]] == split[i]);
  }

  double closest = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < points.size(); ++i) {
    for (std::size_t j = i + 1; j < points.size(); ++j)
      closest = std::min(closest, points[i].Distance(&points[j]));
  }
  CHECK(closest >= 150.0);
}

TEST_CASE("one district centre per statistical district", "[demo]") {
  auto ds = open_demo();
  std::map<GIntBig, GeometryPtr> districts;
  for (auto& f : layer(*ds, "statistische_bezirke"))
    districts[f->GetFieldAsInteger64("stat_bezirk_nr")] = GeometryPtr(f->GetGeometryRef()->clone());

  OGRSpatialReference wgs84, utm;
  REQUIRE(wgs84.importFromEPSG(4326) == OGRERR_NONE);
  REQUIRE(utm.importFromEPSG(25832) == OGRERR_NONE);
  wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  utm.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation, void (*)(OGRCoordinateTransformation*)> to_utm(
      OGRCreateCoordinateTransformation(&wgs84, &utm), OGRCoordinateTransformation::DestroyCT);
  REQUIRE(to_utm);

  std::set<GIntBig> ids;
  int published = 0;
  for (auto& f : layer(*ds, "district_centres")) {
    const GIntBig id = f->GetFieldAsInteger64("centre_id");
    INFO("centre " << id);
    CHECK(ids.insert(id).second);
    REQUIRE(districts.count(id) == 1);
    const OGRPoint* p = f->GetGeometryRef()->toPoint();
    if (std::string(f->GetFieldAsString("position")) == "approximate (district centroid)") {
      // The generated districts keep the official centroids to within 80 m (layer metadata
      // max_centroid_offset_m); the centre is that official centroid.
      OGRPoint centroid;
      REQUIRE(districts[id]->Centroid(&centroid) == OGRERR_NONE);
      CHECK(p->Distance(&centroid) < 100.0);
    } else {
      ++published;
    }
    if (id == 11) {
      // Wikipedia, Bochum: 51° 28′ 55″ N, 7° 12′ 57″ O (the Rathaus).
      double x = 7.0 + 12.0 / 60 + 57.0 / 3600, y = 51.0 + 28.0 / 60 + 55.0 / 3600;
      REQUIRE(to_utm->Transform(1, &x, &y));
      CHECK_THAT(p->getX(), WithinAbs(x, 0.5));
      CHECK_THAT(p->getY(), WithinAbs(y, 0.5));
    }
  }
  CHECK(ids.size() == districts.size());
  CHECK(published == 7);
}

TEST_CASE("the demo generator writes byte-identical files", "[demo]") {
  const std::filesystem::path generator =
      std::filesystem::path(STANDORT_EXE).parent_path() / "standort-make-demo-data";
  INFO(generator.string());
  REQUIRE(std::filesystem::exists(generator));
  standort::test::TempDir dir;
  for (const char* name : {"a.gpkg", "b.gpkg"}) {
    std::string command(1, '\'');
    command.append(generator.string()).append("' '").append((dir / name).string());
    command.append("' > /dev/null 2>&1");
    REQUIRE(std::system(command.c_str()) == 0);
  }
  const std::string a = read_bytes(dir / "a.gpkg");
  REQUIRE_FALSE(a.empty());
  CHECK(a == read_bytes(dir / "b.gpkg"));
}

TEST_CASE("candidate sites: synthetic plots of 0.5-14 ha inside the city, labelled", "[demo]") {
  auto ds = open_demo();
  const GeometryPtr city_1m = buffered(*outline(*ds), 1.0);
  OGRLayer& sites = layer(*ds, "candidate_sites");
  CHECK(sites.GetFeatureCount() >= 20);
  CHECK(metadata(sites, "synthetic") == "yes");
  std::set<std::string> kinds, zonings;
  std::set<std::int64_t> ids;
  for (auto& f : sites) {
    INFO(f->GetFieldAsString("name"));
    const OGRGeometry* g = f->GetGeometryRef();
    REQUIRE(g);
    CHECK(g->IsValid());
    CHECK(g->Within(city_1m.get()));
    const double area_ha = g->toMultiPolygon()->get_Area() / 1e4;
    CHECK_THAT(f->GetFieldAsDouble("area_ha"), WithinAbs(area_ha, 0.006));
    CHECK(area_ha >= 0.5);
    CHECK(area_ha <= 14.0 + 1e-6);  // rectangles of at most 14 ha, clipped
    CHECK(std::string(f->GetFieldAsString("origin")) == "synthetic");
    kinds.insert(f->GetFieldAsString("kind"));
    zonings.insert(f->GetFieldAsString("zoning"));
    ids.insert(f->GetFieldAsInteger64("site_id"));
  }
  CHECK(ids.size() == static_cast<std::size_t>(sites.GetFeatureCount()));  // unique ids
  CHECK(kinds == std::set<std::string>{"brownfield", "business park plot", "campus-adjacent plot"});
  for (const std::string& z : zonings) CHECK((z == "GE" || z == "GI" || z == "MI" || z == "SO"));
}
