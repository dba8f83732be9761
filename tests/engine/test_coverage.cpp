// Boost 1.74 rescales coordinates to integers inside bg::intersection unless told not to, which
// rounds intersection points to about 1e-7 of the extent; the reference must be exact.
#define BOOST_GEOMETRY_NO_ROBUSTNESS

#include "coverage_support.hpp"
#include "standort/engine/coverage.hpp"
#include "standort/engine/error.hpp"

#include <boost/geometry/algorithms/area.hpp>
#include <boost/geometry/algorithms/convert.hpp>
#include <boost/geometry/algorithms/correct.hpp>
#include <boost/geometry/algorithms/intersection.hpp>
#include <boost/geometry/algorithms/is_valid.hpp>
#include <boost/geometry/algorithms/num_points.hpp>
#include <boost/geometry/algorithms/reverse.hpp>
#include <boost/geometry/io/wkt/read.hpp>
#include <boost/geometry/strategies/strategies.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <numbers>
#include <random>

using namespace standort;
using Catch::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using standort::test::shifted_area;
namespace bg = boost::geometry;

namespace {

MultiPolygon from_wkt(const std::string& wkt) {
  MultiPolygon mp;
  bg::read_wkt(wkt, mp);
  bg::correct(mp);
  return mp;
}

// Fraction of grid cell (col, row) from a window, 0 outside the window.
double fraction(const CoverageWindow& w, std::int64_t col, std::int64_t row) {
  if (col < w.col0 || row < w.row0 || col >= w.col0 + w.cols || row >= w.row0 + w.rows) return 0.0;
  return w.at(col - w.col0, row - w.row0);
}

// Boost.Geometry's exact area of polygon ∩ cell.
double boost_cell_area(const Grid& g, std::int64_t col, std::int64_t row, const MultiPolygon& mp) {
  const double cs = g.cell_size();
  const Box box(
      Point(g.xmin() + static_cast<double>(col) * cs, g.ymax() - static_cast<double>(row + 1) * cs),
      Point(g.xmin() + static_cast<double>(col + 1) * cs,
            g.ymax() - static_cast<double>(row) * cs));
  Polygon cell;
  bg::convert(box, cell);
  MultiPolygon out;
  bg::intersection(cell, mp, out);
  return shifted_area(out, box.min_corner().x(), box.min_corner().y());
}

double sum_fractions(const CoverageWindow& w) {
  double s = 0.0;
  for (double f : w.fractions) s += f;
  return s;
}

// A star-shaped ring around (cx, cy): `n` vertices at increasing angles with radii in
// [r_min, r_max], so it is simple; clockwise when `clockwise`.
Polygon::ring_type star_ring(std::mt19937_64& rng, double cx, double cy, int n, double r_min,
                             double r_max, bool clockwise) {
  std::uniform_real_distribution<double> radius(r_min, r_max);
  std::uniform_real_distribution<double> jitter(-0.4, 0.4);
  Polygon::ring_type ring;
  for (int i = 0; i < n; ++i) {
    const double a = 2.0 * std::numbers::pi * (i + jitter(rng)) / n;
    const double r = radius(rng);
    const double angle = clockwise ? -a : a;
    ring.push_back(Point(cx + r * std::cos(angle), cy + r * std::sin(angle)));
  }
  ring.push_back(ring.front());
  return ring;
}

}  // namespace

TEST_CASE("a square aligned with the cells covers them wholly and nothing else", "[coverage]") {
  // 1 m cells from (0, 5); the square (1,1)-(4,3) spans columns 1..3 and rows 2..3.
  const Grid g(0.0, 5.0, 1.0, 5, 5, "EPSG:25832");
  const auto w = coverage_fractions(g, from_wkt("MULTIPOLYGON(((1 1,4 1,4 3,1 3,1 1)))"));
  CHECK(w.col0 == 1);
  CHECK(w.row0 == 2);
  CHECK(w.cols == 3);
  CHECK(w.rows == 2);
  REQUIRE(w.fractions.size() == 6);
  for (double f : w.fractions) CHECK_THAT(f, WithinAbs(1.0, 1e-15));

  // The same on a 10 m grid at real UTM coordinates, with cells outside the square in the window.
  const Grid utm(376000.0, 5702000.0, 10.0, 20, 20, "EPSG:25832");
  const auto w2 = coverage_fractions(
      utm, from_wkt("MULTIPOLYGON(((376030 5701900,376080 5701900,376080 5701960,376050 5701960,"
                    "376050 5701940,376030 5701940,376030 5701900)))"));
  // Columns 3..7, rows 4..9; the notch x 376030..376050, y 5701940..5701960 is 2 x 2 cells.
  CHECK(w2.col0 == 3);
  CHECK(w2.row0 == 4);
  CHECK(w2.cols == 5);
  CHECK(w2.rows == 6);
  for (std::int64_t r = 4; r < 10; ++r) {
    for (std::int64_t c = 3; c < 8; ++c) {
      const bool notch = c < 5 && r < 6;
      CHECK_THAT(fraction(w2, c, r), WithinAbs(notch ? 0.0 : 1.0, 1e-15));
    }
  }
}

TEST_CASE("a square offset by half a cell covers quarters, halves and a whole cell", "[coverage]") {
  const Grid g(0.0, 3.0, 1.0, 3, 3, "EPSG:25832");
  const auto w = coverage_fractions(g, from_wkt("MULTIPOLYGON(((0.5 0.5,2.5 0.5,2.5 2.5,0.5 2.5,"
                                                "0.5 0.5)))"));
  REQUIRE(w.cols == 3);
  REQUIRE(w.rows == 3);
  const double expected[3][3] = {{0.25, 0.5, 0.25}, {0.5, 1.0, 0.5}, {0.25, 0.5, 0.25}};
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) CHECK_THAT(w.at(c, r), WithinAbs(expected[r][c], 1e-15));
}

TEST_CASE("a triangle gets its hand-computed cell areas", "[coverage]") {
  // Triangle (0,0), (3,0), (0,2): hypotenuse y = 2 - 2x/3, area 3. Integrating under it cell by
  // cell (1 m cells, rows from y = 2 down):
  //   top row    (y 1..2): x 0..1: int(1 - 2x/3) = 2/3; x 1..1.5: 1/12; x 2..3: 0
  //   bottom row (y 0..1): x 0..1: 1; x 1..2: 0.5 + int_1.5^2 (2 - 2x/3) = 11/12; x 2..3: 1/3
  const Grid g(0.0, 2.0, 1.0, 3, 2, "EPSG:25832");
  const auto w = coverage_fractions(g, from_wkt("MULTIPOLYGON(((0 0,0 2,3 0,0 0)))"));
  REQUIRE(w.cols == 3);
  REQUIRE(w.rows == 2);
  const double expected[2][3] = {{2.0 / 3.0, 1.0 / 12.0, 0.0}, {1.0, 11.0 / 12.0, 1.0 / 3.0}};
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) CHECK_THAT(w.at(c, r), WithinAbs(expected[r][c], 1e-15));
  CHECK_THAT(sum_fractions(w), WithinAbs(3.0, 1e-14));
}

TEST_CASE("holes are subtracted and the parts of a multipolygon add up", "[coverage]") {
  SECTION("square with an off-grid hole") {
    // Hole (1.5,1.5)-(2.5,2.5) takes a quarter from each of the four central cells.
    const Grid g(0.0, 4.0, 1.0, 4, 4, "EPSG:25832");
    const auto w = coverage_fractions(
        g, from_wkt("MULTIPOLYGON(((0 0,4 0,4 4,0 4,0 0),(1.5 1.5,2.5 1.5,2.5 2.5,1.5 2.5,1.5 "
                    "1.5)))"));
    REQUIRE(w.cols == 4);
    REQUIRE(w.rows == 4);
    for (int r = 0; r < 4; ++r) {
      for (int c = 0; c < 4; ++c) {
        const bool central = (r == 1 || r == 2) && (c == 1 || c == 2);
        CHECK_THAT(w.at(c, r), WithinAbs(central ? 0.75 : 1.0, 1e-15));
      }
    }
    CHECK_THAT(sum_fractions(w), WithinAbs(15.0, 1e-14));
  }
  SECTION("two parts") {
    // (0,0)-(1,1) fills cell (col 0, row 1); (2.5,0)-(3,2) covers half of column 2 in both rows.
    const Grid g(0.0, 2.0, 1.0, 4, 2, "EPSG:25832");
    const auto w = coverage_fractions(
        g, from_wkt("MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)),((2.5 0,3 0,3 2,2.5 2,2.5 0)))"));
    CHECK(w.col0 == 0);
    CHECK(w.cols == 3);
    CHECK(w.rows == 2);
    const double expected[2][3] = {{0.0, 0.0, 0.5}, {1.0, 0.0, 0.5}};
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c) CHECK_THAT(w.at(c, r), WithinAbs(expected[r][c], 1e-15));
  }
}

TEST_CASE("polygons partly or wholly outside the grid", "[coverage]") {
  const Grid g(0.0, 3.0, 1.0, 3, 3, "EPSG:25832");
  SECTION("across the lower left corner") {
    // (-1.5,-1.5)-(1.5,1.5): only x 0..1.5, y 0..1.5 lies in the grid.
    const auto w = coverage_fractions(
        g, from_wkt("MULTIPOLYGON(((-1.5 -1.5,1.5 -1.5,1.5 1.5,-1.5 1.5,-1.5 -1.5)))"));
    CHECK(w.col0 == 0);
    CHECK(w.row0 == 1);
    CHECK(w.cols == 2);
    CHECK(w.rows == 2);
    CHECK_THAT(fraction(w, 0, 2), WithinAbs(1.0, 1e-15));
    CHECK_THAT(fraction(w, 1, 2), WithinAbs(0.5, 1e-15));
    CHECK_THAT(fraction(w, 0, 1), WithinAbs(0.5, 1e-15));
    CHECK_THAT(fraction(w, 1, 1), WithinAbs(0.25, 1e-15));
  }
  SECTION("reaching far above the top and beyond the right side") {
    // x 2.5..1000, y 2.5..1e6: a quarter of cell (2, 0).
    const auto w = coverage_fractions(
        g, from_wkt("MULTIPOLYGON(((2.5 2.5,1000 2.5,1000 1e6,2.5 1e6,2.5 2.5)))"));
    CHECK(w.col0 == 2);
    CHECK(w.row0 == 0);
    CHECK(w.cols == 1);
    CHECK(w.rows == 1);
    CHECK_THAT(fraction(w, 2, 0), WithinAbs(0.25, 1e-15));
  }
  SECTION("a triangle whose edges cross the grid's sides diagonally") {
    const auto mp = from_wkt("MULTIPOLYGON(((-2 1.2,2.2 5.7,4.1 -0.8,-2 1.2)))");
    const auto w = coverage_fractions(g, mp);
    CHECK(w.cols == 3);
    CHECK(w.rows == 3);
    for (std::int64_t r = 0; r < 3; ++r)
      for (std::int64_t c = 0; c < 3; ++c)
        CHECK_THAT(fraction(w, c, r), WithinAbs(boost_cell_area(g, c, r, mp), 1e-14));
  }
  SECTION("covering the whole grid") {
    const auto w = coverage_fractions(g, from_wkt("MULTIPOLYGON(((-5 -5,9 -5,9 9,-5 9,-5 -5)))"));
    CHECK(w.cols == 3);
    CHECK(w.rows == 3);
    for (double f : w.fractions) CHECK_THAT(f, WithinAbs(1.0, 1e-15));
  }
  SECTION("wholly outside") {
    const auto w = coverage_fractions(g, from_wkt("MULTIPOLYGON(((4 0,5 0,5 3,4 3,4 0)))"));
    CHECK(w.empty());
    CHECK(w.fractions.empty());
    // Touching the grid's right side only along a line.
    const auto edge = coverage_fractions(g, from_wkt("MULTIPOLYGON(((3 0,5 0,5 3,3 3,3 0)))"));
    CHECK(edge.empty());
    CHECK(coverage_fractions(g, MultiPolygon{}).empty());
  }
}

TEST_CASE("a polygon smaller than a cell covers its area over the cell area", "[coverage]") {
  const Grid g(376000.0, 5702000.0, 10.0, 10, 10, "EPSG:25832");
  // Triangle with legs 0.6 m and 1 m: 0.3 m² inside cell (3, 4) of 100 m².
  const auto mp = from_wkt(
      "MULTIPOLYGON(((376031.2 5701952.1,376031.8 5701952.1,376031.2 5701953.1,376031.2 "
      "5701952.1)))");
  const auto w = coverage_fractions(g, mp);
  REQUIRE(w.cols == 1);
  REQUIRE(w.rows == 1);
  CHECK(w.col0 == 3);
  CHECK(w.row0 == 4);
  CHECK_THAT(w.at(0, 0), WithinRel(0.3 / 100.0, 1e-9));
  CHECK_THAT(w.at(0, 0), WithinRel(bg::area(mp) / 100.0, 1e-12));

  // It still gets the value of its cell.
  Raster<float> values(g, 1.0f);
  values.at(3, 4) = 42.0f;
  const auto s = weighted_stats(g, w, values, std::nullopt, "tiny");
  CHECK(s.cells == 1);
  CHECK_THAT(s.mean, WithinAbs(42.0, 1e-12));
  CHECK_THAT(s.median, WithinAbs(42.0, 1e-12));
  CHECK_THAT(s.data_area_m2, WithinRel(0.3, 1e-9));
}

TEST_CASE("polygons on cell edges: exact halves, and neighbours sum to one", "[coverage]") {
  const Grid g(0.0, 4.0, 1.0, 4, 4, "EPSG:25832");
  SECTION("a diamond through cell corners") {
    // |x - 2| + |y - 2| <= 2: the four central cells are inside, the eight cells along the sides
    // are cut in half by a diagonal, the four corner cells touch it at one point only.
    const auto w = coverage_fractions(g, from_wkt("MULTIPOLYGON(((2 0,4 2,2 4,0 2,2 0)))"));
    REQUIRE(w.cols == 4);
    REQUIRE(w.rows == 4);
    for (int r = 0; r < 4; ++r) {
      for (int c = 0; c < 4; ++c) {
        const bool centre = (r == 1 || r == 2) && (c == 1 || c == 2);
        const bool corner = (r == 0 || r == 3) && (c == 0 || c == 3);
        CHECK_THAT(w.at(c, r), WithinAbs(centre ? 1.0 : (corner ? 0.0 : 0.5), 1e-15));
      }
    }
  }
  SECTION("two polygons sharing a wiggly border partition the cells") {
    const auto left = from_wkt("MULTIPOLYGON(((0 0,1.3 0,2.7 1.1,1.2 2.9,3 4,0 4,0 0)))");
    const auto right = from_wkt("MULTIPOLYGON(((1.3 0,4 0,4 4,3 4,1.2 2.9,2.7 1.1,1.3 0)))");
    const auto a = coverage_fractions(g, left);
    const auto b = coverage_fractions(g, right);
    for (std::int64_t r = 0; r < 4; ++r)
      for (std::int64_t c = 0; c < 4; ++c)
        CHECK_THAT(fraction(a, c, r) + fraction(b, c, r), WithinAbs(1.0, 1e-14));
  }
}

TEST_CASE("ring orientation and closure do not change the fractions", "[coverage]") {
  const Grid g(0.0, 10.0, 1.0, 10, 10, "EPSG:25832");
  const auto mp = from_wkt(
      "MULTIPOLYGON(((0.3 0.2,9.1 1.7,8.2 9.4,1.1 7.7,0.3 0.2),(3.3 3.1,5.6 3.9,4.4 6.2,3.3 "
      "3.1)))");
  MultiPolygon reversed = mp;
  bg::reverse(reversed);  // counter-clockwise outer ring, clockwise hole
  MultiPolygon open = mp;
  for (auto& part : open) {
    part.outer().pop_back();
    for (auto& inner : part.inners()) inner.pop_back();
  }
  const auto w = coverage_fractions(g, mp);
  const auto wr = coverage_fractions(g, reversed);
  const auto wo = coverage_fractions(g, open);
  REQUIRE(w.fractions.size() == wr.fractions.size());
  REQUIRE(w.fractions.size() == wo.fractions.size());
  for (std::size_t i = 0; i < w.fractions.size(); ++i) {
    CHECK_THAT(wr.fractions[i], WithinAbs(w.fractions[i], 1e-15));
    CHECK_THAT(wo.fractions[i], WithinAbs(w.fractions[i], 1e-15));
  }
  CHECK_THAT(sum_fractions(w), WithinRel(bg::area(mp), 1e-13));
}

TEST_CASE("random star polygons with holes match Boost.Geometry's cell intersections",
          "[coverage]") {
  // 10 m cells; polygons of 50..500 vertices, some with holes, some in two parts, some crossing
  // the grid's border. Near the origin Boost's intersection points are exact to ~1e-15 m; at UTM
  // coordinates (5.7e6 m) they are rounded to ~1e-9 m, which moves a cell's area by ~1e-10 of it.
  const bool utm = GENERATE(false, true);
  const Grid g = utm ? Grid(376000.0, 5702000.0, 10.0, 60, 40, "EPSG:25832")
                     : Grid(0.0, 400.0, 10.0, 60, 40, "EPSG:25832");
  const double tolerance = utm ? 1e-9 : 1e-12;
  const double cell_area = 100.0;
  std::mt19937_64 rng(20240611);
  std::uniform_int_distribution<int> vertices(50, 500);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  int empty = 0, full = 0;
  for (int k = 0; k < 24; ++k) {
    const bool crossing = k % 4 == 3;
    const double r_max = 30.0 + 70.0 * unit(rng);
    const double cx = crossing ? g.xmin() + 5.0 : g.xmin() + r_max + 5.0 + unit(rng) * 100.0;
    const double cy = crossing ? g.ymin() + 10.0 : g.ymin() + r_max + 5.0 + unit(rng) * 60.0;
    Polygon part;
    part.outer() = star_ring(rng, cx, cy, vertices(rng), 0.5 * r_max, r_max, true);
    if (k % 2 == 0)
      part.inners().push_back(star_ring(rng, cx + 0.05 * r_max, cy - 0.05 * r_max,
                                        vertices(rng) / 5, 0.1 * r_max, 0.4 * r_max, false));
    MultiPolygon mp{part};
    if (k % 3 == 1) {
      Polygon second;
      second.outer() =
          star_ring(rng, g.xmax() - 50.0, g.ymax() - 50.0, vertices(rng), 20.0, 40.0, true);
      mp.push_back(second);
    }
    INFO("polygon " << k << " with " << bg::num_points(mp) << " points");
    REQUIRE(bg::is_valid(mp));
    const auto w = coverage_fractions(g, mp);
    REQUIRE(!w.empty());
    double worst = 0.0;
    int inexact_empty_or_full = 0;
    for (std::int64_t r = 0; r < w.rows; ++r) {
      for (std::int64_t c = 0; c < w.cols; ++c) {
        const double exact = boost_cell_area(g, w.col0 + c, w.row0 + r, mp);
        const double f = w.at(c, r);
        worst = std::max(worst, std::abs(f * cell_area - exact));
        // Cells the boundary does not cross come out exactly 0 or 1 (see coverage.hpp).
        if (exact == 0.0) {
          ++empty;
          if (f != 0.0) ++inexact_empty_or_full;
        } else if (exact == cell_area) {
          ++full;
          if (f != 1.0) ++inexact_empty_or_full;
        }
      }
    }
    CHECK(worst <= tolerance * cell_area);
    CHECK(inexact_empty_or_full == 0);
    if (!crossing) {
      // The brief asks for 1e-9; the sums agree to rounding (measured below 1e-14).
      CHECK_THAT(sum_fractions(w) * cell_area,
                 WithinRel(shifted_area(mp, g.xmin(), g.ymin()), 1e-13));
    } else {
      // Only the part inside the grid counts: compare with Boost's clip of the polygon to the grid.
      Polygon grid_box;
      bg::convert(Box(Point(g.xmin(), g.ymin()), Point(g.xmax(), g.ymax())), grid_box);
      MultiPolygon inside;
      bg::intersection(grid_box, mp, inside);
      CHECK_THAT(sum_fractions(w) * cell_area, WithinRel(bg::area(inside), 1e-9));
      CHECK(bg::area(inside) < 0.9 * bg::area(mp));
    }
  }
  CHECK(empty > 100);
  CHECK(full > 100);
}

TEST_CASE("coverage-weighted statistics equal hand-computed values", "[coverage]") {
  // 100 m cells (1 ha each); the square offset by half a cell weights the 3 x 3 cells
  //   0.25 0.5 0.25 / 0.5 1 0.5 / 0.25 0.5 0.25   (sum 4)
  // over the values 1 2 4 / 8 16 32 / 64 128 256.
  const Grid g(0.0, 300.0, 100.0, 3, 3, "EPSG:25832");
  Raster<float> values(g, 0.0f);
  const float v[3][3] = {{1, 2, 4}, {8, 16, 32}, {64, 128, 256}};
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) values.at(c, r) = v[r][c];
  const auto w =
      coverage_fractions(g, from_wkt("MULTIPOLYGON(((50 50,250 50,250 250,50 250,50 50)))"));
  const auto s = weighted_stats(g, w, values, 32.0, "test");
  CHECK_THAT(s.covered_area_m2, WithinRel(40000.0, 1e-15));
  CHECK_THAT(s.data_area_m2, WithinRel(40000.0, 1e-15));
  CHECK(s.cells == 9);
  // sum(c x) = 0.25 (1 + 4 + 64 + 256) + 0.5 (2 + 8 + 32 + 128) + 16 = 182.25; / 4
  CHECK_THAT(s.mean, WithinRel(45.5625, 1e-15));
  // sum(c (x - 45.5625)^2) / 4 = 4525.62109375
  CHECK_THAT(s.stddev, WithinRel(std::sqrt(4525.62109375), 1e-14));
  CHECK_THAT(s.min, WithinAbs(1.0, 0.0));
  CHECK_THAT(s.max, WithinAbs(256.0, 0.0));
  // exactextract's s_i for the sorted values: 0, 2.5, 6.5, 9.5, 16, 22.5, 25.5, 29.5, 32;
  // q * (n - 1) * sum(w) = 0.5 * 8 * 4 = 16 hits s_4 exactly: the value 16.
  CHECK_THAT(s.median, WithinAbs(16.0, 1e-12));
  // Values >= 32: 32 (0.5), 64 (0.25), 128 (0.5), 256 (0.25) -> 1.5 ha of 4 ha = 37.5 %.
  REQUIRE(s.threshold.has_value());
  CHECK_THAT(s.area_at_or_above_ha, WithinRel(1.5, 1e-15));
  CHECK_THAT(s.share_at_or_above_pct, WithinRel(37.5, 1e-15));

  const auto no_threshold = weighted_stats(g, w, values, std::nullopt, "test");
  CHECK_FALSE(no_threshold.threshold.has_value());
  CHECK(std::isnan(no_threshold.area_at_or_above_ha));
  CHECK(std::isnan(no_threshold.share_at_or_above_pct));
  CHECK_THAT(no_threshold.mean, WithinRel(45.5625, 1e-15));
}

TEST_CASE("the weighted median follows exactextract's weighted quantile", "[coverage]") {
  const std::string where = "test";
  // Equal weights: the linear-interpolation quantile (R type 7, numpy.quantile's default):
  // numpy.quantile([1, 2, 3, 4], [0.25, 0.5, 1]) = [1.75, 2.5, 4].
  const std::vector<double> x{4, 1, 3, 2};
  const std::vector<double> ones{1, 1, 1, 1};
  CHECK_THAT(weighted_quantile(x, ones, 0.25, where), WithinAbs(1.75, 1e-15));
  CHECK_THAT(weighted_quantile(x, ones, 0.5, where), WithinAbs(2.5, 1e-15));
  CHECK_THAT(weighted_quantile(x, ones, 1.0, where), WithinAbs(4.0, 1e-15));
  CHECK_THAT(weighted_quantile(x, ones, 0.0, where), WithinAbs(1.0, 1e-15));
  // Weights 1, 0.25, 0.25 on 10, 20, 40: s = 0, 2.25, 3; 0.5 * 2 * 1.5 = 1.5 lies between s_0 and
  // s_1: 10 + 1.5 * (20 - 10) / 2.25 = 16.667 (the unweighted median would be 20).
  CHECK_THAT(weighted_quantile(std::vector<double>{10, 20, 40}, std::vector<double>{1, 0.25, 0.25},
                               0.5, where),
             WithinAbs(10.0 + 1.5 * 10.0 / 2.25, 1e-12));
  // Equal values are merged first (exactextract keeps a histogram value -> summed coverage):
  // 5 (0.5), 5 (0.5), 7 (1) is 5 (1), 7 (1): the median is 6, not the 5.4 of three separate items.
  CHECK_THAT(
      weighted_quantile(std::vector<double>{5, 7, 5}, std::vector<double>{0.5, 1, 0.5}, 0.5, where),
      WithinAbs(6.0, 1e-15));
  // Zero weights and NaN values are ignored; nothing left is NaN.
  CHECK_THAT(
      weighted_quantile(std::vector<double>{1, 100, NAN}, std::vector<double>{1, 0, 1}, 0.5, where),
      WithinAbs(1.0, 0.0));
  CHECK(std::isnan(weighted_quantile({}, {}, 0.5, where)));
  CHECK_THROWS_WITH(weighted_quantile(x, ones, 1.5, "[districts] median"),
                    Contains("[districts] median") && Contains("outside 0..1"));
  CHECK_THROWS_AS(weighted_quantile(x, std::vector<double>{1, 1}, 0.5, where), InputError);

  // The same through weighted_stats: cells 10 | 20 | 40 covered 1, 0.25 and 0.25 by the cell
  // (0,0)-(1,1) joined to the strip (1,0)-(3,0.25).
  const Grid g(0.0, 1.0, 1.0, 3, 1, "EPSG:25832");
  Raster<float> values(g, 0.0f);
  values.at(0, 0) = 10.0f;
  values.at(1, 0) = 20.0f;
  values.at(2, 0) = 40.0f;
  const auto w =
      coverage_fractions(g, from_wkt("MULTIPOLYGON(((0 0,3 0,3 0.25,1 0.25,1 1,0 1,0 0)))"));
  REQUIRE(w.cols == 3);
  CHECK_THAT(w.at(1, 0), WithinAbs(0.25, 1e-15));
  const auto s = weighted_stats(g, w, values, std::nullopt, where);
  CHECK_THAT(s.median, WithinAbs(10.0 + 1.5 * 10.0 / 2.25, 1e-12));
  CHECK_THAT(s.mean, WithinRel((10.0 + 0.25 * 20.0 + 0.25 * 40.0) / 1.5, 1e-15));
}

TEST_CASE("the median of a raster equals the weighted quantile of its covered cells",
          "[coverage]") {
  // weighted_stats counts the distinct float values bucket by bucket and sorts only the buckets
  // around the median; weighted_quantile sorts doubles by comparison. Negative values, both zeros
  // and many ties exercise the key order and the merging; values over many powers of two spread
  // over many buckets (the walk to the median crosses them), values close together share one.
  const Grid g(0.0, 400.0, 10.0, 40, 40, "EPSG:25832");
  std::mt19937_64 rng(99);
  std::uniform_int_distribution<int> small(-6, 6);
  std::normal_distribution<float> wide(0.0f, 1e4f);
  std::uniform_int_distribution<int> exponent(-40, 40);
  std::uniform_int_distribution<int> step(0, 5000);
  const auto mp = from_wkt(
      "MULTIPOLYGON(((13.3 17.1,388.2 5.5,391.6 377.7,33.3 385.2,13.3 17.1),(100.5 100.5,200.5 "
      "120.5,150.5 300.5,100.5 100.5)))");
  const auto w = coverage_fractions(g, mp);
  for (const char* kind : {"ties", "wide", "powers of two", "close together", "constant"}) {
    INFO(kind);
    const std::string k = kind;
    Raster<float> values(g, 0.0f);
    for (float& v : values.cells()) {
      if (k == "ties") {
        const int t = small(rng);
        v = t == 0 ? -0.0f : (t == 6 ? 0.0f : 0.5f * static_cast<float>(t));
      } else if (k == "wide") {
        v = wide(rng);
      } else if (k == "powers of two") {
        v = std::ldexp(small(rng) < 0 ? -1.0f : 1.0f, exponent(rng));
      } else if (k == "close together") {
        v = 1000.0f + 0.0001f * static_cast<float>(step(rng));
      } else {
        v = 3.25f;
      }
    }
    std::vector<double> x, f;
    for (std::int64_t r = 0; r < w.rows; ++r) {
      for (std::int64_t c = 0; c < w.cols; ++c) {
        x.push_back(values.at(w.col0 + c, w.row0 + r));
        f.push_back(w.at(c, r));
      }
    }
    const auto s = weighted_stats(g, w, values, std::nullopt, "test");
    const double expected = weighted_quantile(x, f, 0.5, "test");
    CHECK_THAT(s.median, WithinAbs(expected, 1e-9 * std::max(1.0, std::fabs(expected))));
    CHECK(s.median >= s.min);
    CHECK(s.median <= s.max);
  }
}

TEST_CASE("min and max count every cell with coverage > 0 and no cell without", "[coverage]") {
  const Grid g(0.0, 2.0, 1.0, 2, 2, "EPSG:25832");
  Raster<float> values(g, 0.0f, -9999.0f);
  values.at(0, 0) = 3.0f;     // top left
  values.at(1, 0) = 1000.0f;  // top right: touched along edges only
  values.at(0, 1) = 5.0f;
  values.at(1, 1) = 7.0f;
  SECTION("an L whose notch cell touches the polygon along two edges") {
    const auto w = coverage_fractions(g, from_wkt("MULTIPOLYGON(((0 0,2 0,2 1,1 1,1 2,0 2,0 0)))"));
    REQUIRE(w.cols == 2);
    REQUIRE(w.rows == 2);
    CHECK_THAT(w.at(1, 0), WithinAbs(0.0, 0.0));
    const auto s = weighted_stats(g, w, values, std::nullopt, "test");
    CHECK(s.cells == 3);
    CHECK_THAT(s.max, WithinAbs(7.0, 0.0));
    CHECK_THAT(s.min, WithinAbs(3.0, 0.0));
    CHECK_THAT(s.mean, WithinRel(5.0, 1e-15));
  }
  SECTION("a sliver of 1e-6 of a cell counts for min and max with its tiny weight") {
    const auto w =
        coverage_fractions(g, from_wkt("MULTIPOLYGON(((0 1,1.000001 1,1.000001 2,0 2,0 1)))"));
    REQUIRE(w.cols == 2);
    CHECK_THAT(w.at(1, 0), WithinAbs(1e-6, 1e-15));
    const auto s = weighted_stats(g, w, values, std::nullopt, "test");
    CHECK(s.cells == 2);
    CHECK_THAT(s.max, WithinAbs(1000.0, 0.0));
    CHECK_THAT(s.min, WithinAbs(3.0, 0.0));
    CHECK_THAT(s.mean, WithinRel((3.0 + 1e-6 * 1000.0) / (1.0 + 1e-6), 1e-9));
  }
}

TEST_CASE("nodata cells count for the covered area only", "[coverage]") {
  const Grid g(0.0, 100.0, 50.0, 2, 2, "EPSG:25832");
  Raster<float> values(g, 0.0f, -1.0f);
  values.at(0, 0) = 10.0f;
  values.at(1, 0) = -1.0f;  // the raster's nodata value
  values.at(0, 1) = NAN;    // NaN is always nodata
  values.at(1, 1) = 30.0f;
  // Offset square: covers 0.5 of the left column and 1.0 of the right column, both rows.
  const auto w =
      coverage_fractions(g, from_wkt("MULTIPOLYGON(((25 0,100 0,100 100,25 100,25 0)))"));
  const auto s = weighted_stats(g, w, values, 20.0, "test");
  CHECK_THAT(s.covered_area_m2, WithinRel(3.0 * 2500.0, 1e-15));
  CHECK_THAT(s.data_area_m2, WithinRel(1.5 * 2500.0, 1e-15));
  CHECK(s.cells == 2);
  CHECK_THAT(s.mean, WithinRel((0.5 * 10.0 + 1.0 * 30.0) / 1.5, 1e-15));
  // Population standard deviation: sqrt((0.5 (10 - m)^2 + 1 (30 - m)^2) / 1.5), m = 70 / 3.
  const double m = 70.0 / 3.0;
  CHECK_THAT(s.stddev,
             WithinRel(std::sqrt((0.5 * (10 - m) * (10 - m) + (30 - m) * (30 - m)) / 1.5), 1e-14));
  CHECK_THAT(s.area_at_or_above_ha, WithinRel(0.25, 1e-15));  // the 30 cell, 2500 m²
  CHECK_THAT(s.share_at_or_above_pct, WithinRel(100.0 / 1.5, 1e-14));

  Raster<float> empty(g, NAN);
  const auto e = weighted_stats(g, w, empty, 20.0, "test");
  CHECK(e.cells == 0);
  CHECK_THAT(e.covered_area_m2, WithinRel(3.0 * 2500.0, 1e-15));
  CHECK_THAT(e.data_area_m2, WithinAbs(0.0, 0.0));
  CHECK(std::isnan(e.mean));
  CHECK(std::isnan(e.min));
  CHECK(std::isnan(e.median));
  CHECK(std::isnan(e.share_at_or_above_pct));
  CHECK_THAT(e.area_at_or_above_ha, WithinAbs(0.0, 0.0));
}

TEST_CASE("coverage errors name the caller's context", "[coverage]") {
  const Grid g(0.0, 10.0, 1.0, 10, 10, "EPSG:25832");
  const Grid other(0.0, 10.0, 2.0, 5, 5, "EPSG:25832");
  const auto w = coverage_fractions(g, from_wkt("MULTIPOLYGON(((1 1,3 1,3 3,1 3,1 1)))"));
  const Raster<float> wrong(other, 1.0f);
  CHECK_THROWS_WITH(weighted_stats(g, w, wrong, std::nullopt, "[districts] wissen"),
                    Contains("[districts] wissen") && Contains("5 x 5 cells of 2 m"));
  CoverageWindow broken = w;
  broken.col0 = 9;
  CHECK_THROWS_WITH(weighted_stats(g, broken, Raster<float>(g, 1.0f), std::nullopt, "here"),
                    Contains("here") && Contains("does not fit"));
  MultiPolygon bad = from_wkt("MULTIPOLYGON(((1 1,3 1,3 3,1 3,1 1)))");
  bad[0].outer()[2] = Point(NAN, 3.0);
  CHECK_THROWS_WITH(coverage_fractions(g, bad, "districts.gpkg feature 3"),
                    Contains("districts.gpkg feature 3") && Contains("not a finite"));
}

TEST_CASE("statistics for many polygons are bit-identical for 1 and 2 threads", "[coverage]") {
  const Grid g(376000.0, 5702000.0, 10.0, 60, 50, "EPSG:25832");
  Raster<float> values(g, 0.0f);
  for (std::int64_t r = 0; r < g.rows(); ++r)
    for (std::int64_t c = 0; c < g.cols(); ++c)
      values.at(c, r) = static_cast<float>(std::sin(0.1 * static_cast<double>(c)) *
                                           std::cos(0.07 * static_cast<double>(r)) * 100.0);
  std::mt19937_64 rng(7);
  std::vector<MultiPolygon> polys;
  for (int k = 0; k < 40; ++k) {
    Polygon p;
    p.outer() = star_ring(rng, g.xmin() + 50.0 + 12.0 * k, g.ymin() + 100.0 + 7.0 * (k % 40),
                          60 + 5 * k, 15.0, 45.0, true);
    polys.push_back(MultiPolygon{p});
  }
  const auto one = coverage_weighted_stats(values, polys, 10.0, 1, "test");
  const auto two = coverage_weighted_stats(values, polys, 10.0, 2, "test");
  REQUIRE(one.size() == polys.size());
  for (std::size_t i = 0; i < polys.size(); ++i) {
    const auto single = weighted_stats(g, coverage_fractions(g, polys[i]), values, 10.0, "test");
    for (const auto* s : {&two[i], &single}) {
      CHECK(std::memcmp(&one[i].mean, &s->mean, sizeof(double)) == 0);
      CHECK(std::memcmp(&one[i].stddev, &s->stddev, sizeof(double)) == 0);
      CHECK(std::memcmp(&one[i].median, &s->median, sizeof(double)) == 0);
      CHECK(std::memcmp(&one[i].data_area_m2, &s->data_area_m2, sizeof(double)) == 0);
      CHECK(std::memcmp(&one[i].share_at_or_above_pct, &s->share_at_or_above_pct, sizeof(double)) ==
            0);
    }
    CHECK(one[i].cells > 0);
    CHECK_THAT(one[i].covered_area_m2,
               WithinRel(shifted_area(polys[i], g.xmin(), g.ymin()), 1e-13));
  }
}

TEST_CASE("windows computed once give the same statistics; mean_only gives the same mean",
          "[coverage]") {
  const Grid g(0.0, 100.0, 1.0, 100, 100, "EPSG:25832");
  Raster<float> values(g, 0.0f, -9999.0f);
  for (std::int64_t r = 0; r < 100; ++r)
    for (std::int64_t c = 0; c < 100; ++c)
      values.at(c, r) =
          (c + r) % 17 == 0
              ? -9999.0f
              : static_cast<float>(static_cast<double>(c) * 0.25 + static_cast<double>(r) * 0.5);
  const std::vector<MultiPolygon> polygons = {
      from_wkt("MULTIPOLYGON(((10.3 10.7,10.3 60.2,70.9 60.2,70.9 10.7,10.3 10.7)))"),
      from_wkt("MULTIPOLYGON(((50.5 50.5,50.5 99.5,99.5 50.5,50.5 50.5)))"),
      from_wkt("MULTIPOLYGON(((0.2 0.2,0.2 0.4,0.4 0.4,0.4 0.2,0.2 0.2)))")};
  const std::vector<CoverageWindow> windows = coverage_windows(g, polygons, 2, "test");
  const auto full = weighted_stats(windows, values, 30.0, 2, "test");
  const auto once = coverage_weighted_stats(values, polygons, 30.0, 1, "test");
  const auto mean = weighted_stats(windows, values, 30.0, 3, "test", true);
  REQUIRE(full.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(std::memcmp(&full[i].mean, &once[i].mean, sizeof(double)) == 0);
    CHECK(std::memcmp(&full[i].median, &once[i].median, sizeof(double)) == 0);
    CHECK(std::memcmp(&mean[i].mean, &full[i].mean, sizeof(double)) == 0);
    CHECK(mean[i].cells == full[i].cells);
    CHECK_THAT(mean[i].data_area_m2, WithinRel(full[i].data_area_m2, 1e-15));
    CHECK(std::isnan(mean[i].median));
  }
}

TEST_CASE("several rasters in one pass: the same bits as one at a time, for any thread count",
          "[coverage]") {
  const Grid g(0.0, 120.0, 1.0, 150, 120, "EPSG:25832");
  Raster<float> a(g, 0.0f, -9999.0f), b(g, 0.0f, -9999.0f);
  for (std::int64_t r = 0; r < 120; ++r)
    for (std::int64_t c = 0; c < 150; ++c) {
      // Many repeated values (merged by the median) and a -0 next to +0 in `b`.
      a.at(c, r) = (c * 7 + r * 3) % 23 == 0 ? -9999.0f : static_cast<float>((c * r) % 37) * 0.5f;
      b.at(c, r) = static_cast<float>((c % 3) - 1) * (r % 2 == 0 ? 0.0f : 1.0f) * -1.0f;
    }
  const std::vector<MultiPolygon> polygons = {
      from_wkt("MULTIPOLYGON(((3.3 2.7,3.3 110.2,140.9 110.2,140.9 2.7,3.3 2.7),"
               "(40.5 40.5,80.5 40.5,80.5 80.5,40.5 80.5,40.5 40.5)))"),
      from_wkt("MULTIPOLYGON(((60.25 10.75,60.25 50.5,99.5 10.75,60.25 10.75)))"),
      from_wkt("MULTIPOLYGON(((0.2 0.2,0.2 0.4,0.4 0.4,0.4 0.2,0.2 0.2)))"),
      from_wkt("MULTIPOLYGON(((200 200,200 210,210 210,210 200,200 200)))")};  // outside
  const std::vector<CoverageWindow> windows = coverage_windows(g, polygons, 2, "test");
  const std::vector<StatRequest> requests = {
      {&a, 10.0, false}, {&b, std::nullopt, false}, {&a, std::nullopt, true}};
  const auto one_thread = weighted_stats(windows, requests, 1, "test");
  const auto two_threads = weighted_stats(windows, requests, 2, "test");
  REQUIRE(one_thread.size() == 3);
  auto same = [](const WeightedStats& x, const WeightedStats& y) {
    for (auto field :
         {&WeightedStats::covered_area_m2, &WeightedStats::data_area_m2, &WeightedStats::mean,
          &WeightedStats::min, &WeightedStats::max, &WeightedStats::stddev, &WeightedStats::median,
          &WeightedStats::area_at_or_above_ha, &WeightedStats::share_at_or_above_pct})
      if (std::memcmp(&(x.*field), &(y.*field), sizeof(double)) != 0) return false;
    return x.cells == y.cells;
  };
  for (std::size_t j = 0; j < requests.size(); ++j) {
    REQUIRE(one_thread[j].size() == polygons.size());
    for (std::size_t k = 0; k < polygons.size(); ++k) {
      INFO("request " << j << ", polygon " << k);
      CHECK(same(one_thread[j][k], two_threads[j][k]));
      const WeightedStats alone =
          requests[j].mean_only
              ? weighted_stats(windows, *requests[j].values, requests[j].threshold, 1, "test",
                               true)[k]
              : weighted_stats(g, windows[k], *requests[j].values, requests[j].threshold, "test");
      CHECK(same(one_thread[j][k], alone));
    }
  }
  // The median of `b` over the first polygon against the brute-force quantile of its cells.
  std::vector<double> values, weights;
  const CoverageWindow& w = windows[0];
  for (std::int64_t r = 0; r < w.rows; ++r)
    for (std::int64_t c = 0; c < w.cols; ++c) {
      values.push_back(b.at(w.col0 + c, w.row0 + r));
      weights.push_back(w.at(c, r));
    }
  CHECK_THAT(one_thread[1][0].median,
             WithinAbs(weighted_quantile(values, weights, 0.5, "test"), 1e-12));
  CHECK(one_thread[0][3].cells == 0);  // the polygon outside the grid
  CHECK(std::isnan(one_thread[0][3].mean));
  CHECK(std::isnan(one_thread[2][0].median));  // mean only
}
