#include "standort/engine/distance.hpp"
#include "standort/layers/vector_reader.hpp"
#include "support.hpp"

#include <ogr_geometry.h>

#include <random>

using namespace standort;
using Catch::Matchers::WithinAbs;

namespace {

OGRMultiPolygon to_ogr(const MultiPolygon& mp) {
  OGRMultiPolygon out;
  for (const auto& poly : mp) {
    OGRPolygon p;
    auto ring = [](const auto& pts) {
      OGRLinearRing r;
      for (const auto& pt : pts) r.addPoint(pt.x(), pt.y());
      r.closeRings();
      return r;
    };
    OGRLinearRing outer = ring(poly.outer());
    p.addRing(&outer);
    for (const auto& in : poly.inners()) {
      OGRLinearRing inner = ring(in);
      p.addRing(&inner);
    }
    out.addGeometry(&p);
  }
  return out;
}

}  // namespace

TEST_CASE("distance to the real Umweltzone and district boundaries equals GEOS",
          "[distance][geos][bochum]") {
  STANDORT_REQUIRE_SHARED_DATA(data);
  InputSpec zone_spec;
  zone_spec.name = "umweltzone";
  zone_spec.path = data / "bochum_umweltzone.geojson";
  layers::ReadReport report;
  const FeatureSet zone = layers::read_layer(zone_spec, "EPSG:25832", report);
  InputSpec district_spec;
  district_spec.name = "districts";
  district_spec.path = data / "bochum_stadtbezirke_epsg25832.geojson";
  const FeatureSet districts = layers::read_layer(district_spec, "EPSG:25832", report);
  // District outlines as lines.
  FeatureSet outlines;
  outlines.name = "outlines";
  outlines.kind = GeometryKind::line;
  for (std::size_t i = 0; i < districts.size(); ++i) {
    MultiLinestring ml;
    for (const auto& poly : districts.polygons[i])
      ml.emplace_back(poly.outer().begin(), poly.outer().end());
    outlines.lines.push_back(ml);
    outlines.fids.push_back(districts.fids[i]);
  }
  const Grid grid = Grid::snapped(districts.extent().buffered(500.0), 25.0, "EPSG:25832");
  std::vector<std::unique_ptr<OGRGeometry>> zone_geoms, line_geoms;
  for (const auto& mp : zone.polygons)
    zone_geoms.push_back(std::make_unique<OGRMultiPolygon>(to_ogr(mp)));
  for (const auto& ml : outlines.lines) {
    auto g = std::make_unique<OGRMultiLineString>();
    for (const auto& l : ml) {
      OGRLineString ls;
      for (const auto& p : l) ls.addPoint(p.x(), p.y());
      g->addGeometry(&ls);
    }
    line_geoms.push_back(std::move(g));
  }
  const auto zone_d = distance_to_features<double>(grid, zone);
  const auto line_d = distance_to_features<double>(grid, outlines);
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<std::int64_t> uc(0, grid.cols() - 1), ur(0, grid.rows() - 1);
  int inside = 0;
  for (int k = 0; k < 3000; ++k) {
    const std::int64_t c = uc(rng), r = ur(rng);
    const OGRPoint p(grid.x(c), grid.y(r));
    double dz = 1e300, dl = 1e300;
    for (const auto& g : zone_geoms) dz = std::min(dz, p.Distance(g.get()));
    for (const auto& g : line_geoms) dl = std::min(dl, p.Distance(g.get()));
    inside += dz <= 0.0;
    REQUIRE_THAT(zone_d.distance_m.at(c, r), WithinAbs(dz, 1e-6));
    REQUIRE_THAT(line_d.distance_m.at(c, r), WithinAbs(dl, 1e-6));
    REQUIRE(zone_d.nearest_index.at(c, r) == 0);
  }
  CHECK(inside > 100);  // the sample reaches inside the zone, where the distance is 0
}
