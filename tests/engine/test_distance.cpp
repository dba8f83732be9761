#include "standort/engine/density.hpp"
#include "standort/engine/distance.hpp"
#include "standort/engine/error.hpp"

#include <boost/geometry/algorithms/correct.hpp>
#include <boost/geometry/algorithms/distance.hpp>
#include <boost/geometry/algorithms/within.hpp>
#include <boost/geometry/io/wkt/read.hpp>
#include <boost/geometry/strategies/strategies.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace standort;
using Catch::Matchers::WithinAbs;

namespace {

std::vector<Point> random_points(std::mt19937_64& rng, std::size_t n, const Extent& e) {
  std::uniform_real_distribution<double> ux(e.xmin, e.xmax), uy(e.ymin, e.ymax);
  std::vector<Point> pts;
  for (std::size_t i = 0; i < n; ++i) pts.emplace_back(ux(rng), uy(rng));
  return pts;
}

double brute_force(const Grid& g, std::int64_t c, std::int64_t r, const std::vector<Point>& pts,
                   std::size_t* best = nullptr) {
  double d = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const double v = std::hypot(g.x(c) - pts[i].x(), g.y(r) - pts[i].y());
    if (v < d) {
      d = v;
      if (best) *best = i;
    }
  }
  return d;
}

}  // namespace

TEST_CASE("distance equals brute force on random points and grids", "[distance]") {
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 40; ++trial) {
    std::uniform_int_distribution<int> dims(1, 60);
    std::uniform_real_distribution<double> cell(0.5, 25.0);
    const double cs = cell(rng);
    const Grid g(380000.0 + trial, 5700000.0 - trial, cs, dims(rng), dims(rng), "EPSG:25832");
    // Points inside, around and far outside the grid, including exact duplicates and shared x.
    std::size_t n = std::uniform_int_distribution<std::size_t>(1, 80)(rng);
    auto pts = random_points(rng, n, g.extent().buffered(3.0 * cs * 10));
    if (trial % 3 == 0 && !pts.empty()) {
      pts.push_back(pts.front());
      pts.emplace_back(pts.front().x(), pts.front().y() + 7.0 * cs);
      pts.emplace_back(g.x(0), g.y(0));  // exactly on a cell centre
    }
    const auto field = distance_to_points<double>(g, pts);
    for (std::int64_t r = 0; r < g.rows(); ++r) {
      for (std::int64_t c = 0; c < g.cols(); ++c) {
        const double expected = brute_force(g, c, r, pts);
        const double got = field.distance_m.at(c, r);
        REQUIRE_THAT(got, WithinAbs(expected, 1e-6));
        const auto idx = static_cast<std::size_t>(field.nearest_index.at(c, r));
        REQUIRE(idx < pts.size());
        // The reported nearest point is at the reported distance.
        REQUIRE_THAT(std::hypot(g.x(c) - pts[idx].x(), g.y(r) - pts[idx].y()),
                     WithinAbs(expected, 1e-6));
      }
    }
  }
}

TEST_CASE("distance is non-negative, zero at a point on a cell centre and 1-Lipschitz",
          "[distance]") {
  std::mt19937_64 rng(7);
  const Grid g(0.0, 500.0, 5.0, 100, 100, "EPSG:25832");
  auto pts = random_points(rng, 25, g.extent());
  pts.emplace_back(g.x(10), g.y(20));
  const auto f = distance_to_points<float>(g, pts);
  CHECK_THAT(static_cast<double>(f.distance_m.at(10, 20)), WithinAbs(0.0, 1e-9));
  CHECK(f.nearest_index.at(10, 20) == 25);
  for (std::int64_t r = 0; r < g.rows(); ++r) {
    for (std::int64_t c = 0; c < g.cols(); ++c) {
      const float d = f.distance_m.at(c, r);
      REQUIRE(d >= 0.0f);
      if (c + 1 < g.cols()) REQUIRE(std::fabs(d - f.distance_m.at(c + 1, r)) <= 5.0 + 1e-3);
      if (r + 1 < g.rows()) REQUIRE(std::fabs(d - f.distance_m.at(c, r + 1)) <= 5.0 + 1e-3);
    }
  }
}

TEST_CASE("a single point gives the hand-computed distances", "[distance]") {
  // 3x3 grid of 10 m cells, point at the centre of the middle cell.
  const Grid g(0.0, 30.0, 10.0, 3, 3, "EPSG:25832");
  const std::vector<Point> pts{{15.0, 15.0}};
  const auto f = distance_to_points<double>(g, pts);
  const double diag = std::sqrt(200.0);
  const double expected[3][3] = {{diag, 10, diag}, {10, 0, 10}, {diag, 10, diag}};
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) CHECK_THAT(f.distance_m.at(c, r), WithinAbs(expected[r][c], 1e-12));
}

TEST_CASE("1 thread and N threads give bit-identical rasters", "[distance][threads]") {
  std::mt19937_64 rng(99);
  const Grid g(370000.0, 5712000.0, 10.0, 733, 517, "EPSG:25832");
  const auto pts = random_points(rng, 300, g.extent().buffered(500.0));
  const auto one = distance_to_points<float>(g, pts, {.threads = 1});
  for (int threads : {2, 3, 8}) {
    const auto many = distance_to_points<float>(g, pts, {.threads = threads});
    REQUIRE(std::memcmp(one.distance_m.cells().data(), many.distance_m.cells().data(),
                        one.distance_m.cells().size_bytes()) == 0);
    REQUIRE(std::memcmp(one.nearest_index.cells().data(), many.nearest_index.cells().data(),
                        one.nearest_index.cells().size_bytes()) == 0);
  }
}

TEST_CASE("distance rejects empty and non-finite sources", "[distance]") {
  const Grid g(0.0, 10.0, 1.0, 10, 10, "EPSG:25832");
  CHECK_THROWS_AS(distance_to_points<float>(g, std::vector<Point>{}), InputError);
  const std::vector<Point> bad{{1.0, std::numeric_limits<double>::quiet_NaN()}};
  CHECK_THROWS_AS(distance_to_points<float>(g, bad), InputError);
}

TEST_CASE("distance to lines and polygons equals brute force, 0 inside, Lipschitz",
          "[distance][lines]") {
  namespace bg = boost::geometry;
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> u(-50.0, 1050.0);
  const Grid g(0.0, 1000.0, 7.0, 143, 143, "EPSG:25832");
  FeatureSet lines;
  lines.name = "lines";
  lines.kind = GeometryKind::line;
  for (int f = 0; f < 12; ++f) {
    MultiLinestring ml;
    ml.resize(1);
    for (int k = 0; k < 5; ++k) ml[0].emplace_back(u(rng), u(rng));
    lines.lines.push_back(ml);
    lines.fids.push_back(f);
  }
  FeatureSet polys;
  polys.name = "polygons";
  polys.kind = GeometryKind::polygon;
  for (const char* wkt : {"MULTIPOLYGON(((100 100,400 120,380 420,90 380,100 100),(200 200,300 "
                          "200,300 300,200 300,200 200)))",
                          "MULTIPOLYGON(((600 600,900 650,800 950,600 600)))"}) {
    MultiPolygon mp;
    bg::read_wkt(wkt, mp);
    bg::correct(mp);
    polys.polygons.push_back(mp);
    polys.fids.push_back(static_cast<std::int64_t>(polys.fids.size()));
  }
  for (const FeatureSet* fs : {&lines, &polys}) {
    for (bool signed_inside : {false, true}) {
      DistanceOptions o;
      o.signed_inside = signed_inside;
      const auto field = distance_to_features<double>(g, *fs, o);
      for (std::int64_t r = 0; r < g.rows(); ++r) {
        for (std::int64_t c = 0; c < g.cols(); ++c) {
          const Point p(g.x(c), g.y(r));
          double expected = std::numeric_limits<double>::infinity();
          bool inside = false;
          for (std::size_t f = 0; f < fs->size(); ++f) {
            if (fs->kind == GeometryKind::line) {
              expected = std::min(expected, bg::distance(p, fs->lines[f]));
            } else {
              for (const auto& poly : fs->polygons[f]) {
                // Distance to the boundary rings, and whether the centre lies inside.
                expected =
                    std::min(expected,
                             bg::distance(p, Linestring(poly.outer().begin(), poly.outer().end())));
                for (const auto& in : poly.inners())
                  expected = std::min(expected, bg::distance(p, Linestring(in.begin(), in.end())));
              }
              inside = inside || bg::within(p, fs->polygons[f]);
            }
          }
          if (inside) expected = signed_inside ? -expected : 0.0;
          INFO(fs->name << " signed " << signed_inside << " cell " << c << "," << r);
          REQUIRE_THAT(field.distance_m.at(c, r), WithinAbs(expected, 1e-6));
          if (c + 1 < g.cols())
            REQUIRE(std::fabs(field.distance_m.at(c, r) - field.distance_m.at(c + 1, r)) <=
                    7.0 + 1e-9);
          if (r + 1 < g.rows())
            REQUIRE(std::fabs(field.distance_m.at(c, r) - field.distance_m.at(c, r + 1)) <=
                    7.0 + 1e-9);
        }
      }
      // 1 thread = N threads.
      DistanceOptions one = o;
      one.threads = 1;
      DistanceOptions three = o;
      three.threads = 3;
      const auto a = distance_to_features<float>(g, *fs, one);
      const auto b = distance_to_features<float>(g, *fs, three);
      REQUIRE(std::memcmp(a.distance_m.cells().data(), b.distance_m.cells().data(),
                          a.distance_m.cells().size_bytes()) == 0);
    }
  }
}

TEST_CASE("computing a grid band by band is bit-identical to computing it at once",
          "[distance][density][bands]") {
  std::mt19937_64 rng(21);
  const Grid g(370000.0, 5712000.0, 9.0, 211, 157, "EPSG:25832");
  const auto pts = random_points(rng, 60, g.extent().buffered(300.0));
  FeatureSet polys;
  polys.name = "p";
  polys.kind = GeometryKind::polygon;
  MultiPolygon mp;
  boost::geometry::read_wkt(
      "MULTIPOLYGON(((370300 5711000,371500 5711200,371200 5710700,370300 5711000)))", mp);
  boost::geometry::correct(mp);
  polys.polygons.push_back(mp);
  polys.fids.push_back(0);
  const auto whole_d = distance_to_points<float>(g, pts);
  const auto whole_p = distance_to_features<float>(g, polys);
  DensityOptions dens;
  dens.radius_m = 250.0;
  const auto whole_k = kernel_density<float>(g, pts, {}, {}, dens);
  for (std::int64_t band : {1, 7, 16, 50, 156}) {  // band heights that do not divide 157 rows
    for (std::int64_t r0 = 0; r0 < g.rows(); r0 += band) {
      const RowWindow w{r0, r0 + band};
      const auto d = distance_to_points<float>(g, pts, {.rows = w});
      const auto p = distance_to_features<float>(g, polys, {.rows = w});
      DensityOptions o = dens;
      o.rows = w;
      const auto k = kernel_density<float>(g, pts, {}, {}, o);
      REQUIRE(d.distance_m.grid() == g.rows_window(r0, r0 + band));
      for (std::int64_t r = 0; r < d.distance_m.grid().rows(); ++r) {
        REQUIRE(std::memcmp(d.distance_m.row(r).data(), whole_d.distance_m.row(r0 + r).data(),
                            g.cols() * 4) == 0);
        REQUIRE(std::memcmp(d.nearest_index.row(r).data(), whole_d.nearest_index.row(r0 + r).data(),
                            g.cols() * 4) == 0);
        REQUIRE(std::memcmp(p.distance_m.row(r).data(), whole_p.distance_m.row(r0 + r).data(),
                            g.cols() * 4) == 0);
        REQUIRE(std::memcmp(k.row(r).data(), whole_k.row(r0 + r).data(), g.cols() * 4) == 0);
      }
    }
  }
}

TEST_CASE("the nearest value is the nearest feature's value, written without an index raster",
          "[distance]") {
  namespace bg = boost::geometry;
  std::mt19937_64 rng(5);
  const Grid g(0.0, 1000.0, 9.0, 111, 111, "EPSG:25832");
  FeatureSet points;
  points.name = "points";
  points.kind = GeometryKind::point;
  points.points = random_points(rng, 40, {0.0, 0.0, 1000.0, 1000.0});
  for (int f = 0; f < 40; ++f) points.fids.push_back(1000 + 7 * f);
  FeatureSet polys;
  polys.name = "polygons";
  polys.kind = GeometryKind::polygon;
  for (const char* wkt : {"MULTIPOLYGON(((100 100,400 120,380 420,90 380,100 100)))",
                          "MULTIPOLYGON(((600 600,900 650,800 950,600 600)))"}) {
    MultiPolygon mp;
    bg::read_wkt(wkt, mp);
    bg::correct(mp);
    polys.polygons.push_back(mp);
    polys.fids.push_back(static_cast<std::int64_t>(polys.fids.size()) + 50);
  }
  for (const FeatureSet* fs : {&points, &polys}) {
    INFO(fs->name);
    std::vector<float> values;
    for (std::int64_t fid : fs->fids) values.push_back(static_cast<float>(fid) + 0.5f);
    DistanceOptions with_index;
    with_index.threads = 2;
    const DistanceField<float> a = distance_to_features<float>(g, *fs, with_index);
    DistanceOptions with_values = with_index;
    with_values.nearest_index = false;
    with_values.nearest_values = values;
    const DistanceField<float> b = distance_to_features<float>(g, *fs, with_values);
    REQUIRE(b.nearest_index.cells().empty());
    REQUIRE(b.nearest_value.cells().size() == a.nearest_index.cells().size());
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < b.nearest_value.cells().size(); ++i) {
      const std::int32_t k = a.nearest_index.cells()[i];
      REQUIRE(k >= 0);
      // Copies of the values: the same bits.
      mismatches += std::memcmp(&b.nearest_value.cells()[i], &values[static_cast<std::size_t>(k)],
                                sizeof(float)) != 0;
      mismatches += std::memcmp(&a.distance_m.cells()[i], &b.distance_m.cells()[i], 4) != 0;
    }
    CHECK(mismatches == 0);
    // One value per feature, or an error.
    values.pop_back();
    with_values.nearest_values = values;
    CHECK_THROWS_WITH(distance_to_features<float>(g, *fs, with_values),
                      Catch::Contains("give one value per"));
  }
}
