#include "standort/engine/rasterize.hpp"
#include "standort/engine/zonal.hpp"

#include <boost/geometry/algorithms/area.hpp>
#include <boost/geometry/algorithms/correct.hpp>
#include <boost/geometry/algorithms/within.hpp>
#include <boost/geometry/io/wkt/read.hpp>
#include <boost/geometry/strategies/strategies.hpp>

#include <catch2/catch.hpp>

#include <random>

using namespace standort;
using Catch::Matchers::WithinAbs;

namespace {
MultiPolygon from_wkt(const std::string& wkt) {
  MultiPolygon mp;
  boost::geometry::read_wkt(wkt, mp);
  boost::geometry::correct(mp);
  return mp;
}
}  // namespace

TEST_CASE("a square covers exactly the cells whose centres lie inside", "[rasterize]") {
  // 5x5 grid of 1 m cells; the square (1,1)-(3.6,4) holds centres x in {1.5,2.5,3.5}, y in
  // {1.5,2.5,3.5}.
  const Grid g(0.0, 5.0, 1.0, 5, 5, "EPSG:25832");
  const std::vector<MultiPolygon> polys{from_wkt("MULTIPOLYGON(((1 1,3.6 1,3.6 4,1 4,1 1)))")};
  const auto mask = rasterize_mask(g, polys);
  const int expected[5][5] = {
      {0, 0, 0, 0, 0}, {0, 1, 1, 1, 0}, {0, 1, 1, 1, 0}, {0, 1, 1, 1, 0}, {0, 0, 0, 0, 0}};
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 5; ++c) CHECK(static_cast<int>(mask.at(c, r)) == expected[r][c]);
}

TEST_CASE("holes are left out and the cell count approximates the area", "[rasterize]") {
  const Grid g(0.0, 100.0, 0.5, 200, 200, "EPSG:25832");
  const std::vector<MultiPolygon> polys{
      from_wkt("MULTIPOLYGON(((10 10,90 12,85 90,12 80,10 10),(40 40,60 40,60 60,40 60,40 40)))")};
  const auto mask = rasterize_mask(g, polys);
  CHECK(mask.at(g.col(50), g.row(50)) == 0);  // inside the hole
  CHECK(mask.at(g.col(20), g.row(20)) == 1);
  std::int64_t count = 0;
  for (auto v : mask.cells()) count += v;
  const double area = boost::geometry::area(polys[0]);
  CHECK_THAT(static_cast<double>(count) * 0.25, WithinAbs(area, area * 0.01));
  // Every cell agrees with a point-in-polygon test of its centre.
  for (std::int64_t r = 0; r < g.rows(); r += 7)
    for (std::int64_t c = 0; c < g.cols(); c += 7)
      REQUIRE((mask.at(c, r) == 1) == boost::geometry::within(Point(g.x(c), g.y(r)), polys[0]));
}

TEST_CASE("adjacent polygons share no cell and leave none out", "[rasterize][zonal]") {
  const Grid g(0.0, 10.0, 1.0, 10, 10, "EPSG:25832");
  const std::vector<MultiPolygon> polys{from_wkt("MULTIPOLYGON(((0 0,5 0,5 10,0 10,0 0)))"),
                                        from_wkt("MULTIPOLYGON(((5 0,10 0,10 10,5 10,5 0)))")};
  const auto zones = rasterize_zones(g, polys);
  Raster<float> values(g, 0.0f);
  for (std::int64_t r = 0; r < 10; ++r)
    for (std::int64_t c = 0; c < 10; ++c) values.at(c, r) = static_cast<float>(c);
  const auto stats = zonal_stats(zones, 2, values);
  CHECK(stats[0].count == 50);
  CHECK(stats[1].count == 50);
  CHECK_THAT(stats[0].mean(), WithinAbs(2.0, 1e-12));  // columns 0..4
  CHECK_THAT(stats[1].mean(), WithinAbs(7.0, 1e-12));  // columns 5..9
  CHECK_THAT(stats[1].min, WithinAbs(5.0, 1e-12));
  CHECK_THAT(stats[1].max, WithinAbs(9.0, 1e-12));
}
