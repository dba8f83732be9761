#include "standort/engine/error.hpp"
#include "standort/engine/regions.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <vector>

using namespace standort;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

const std::string where = "[regions]";

// 10 m cells: one cell is 0.01 ha.
Grid grid(std::int64_t cols, std::int64_t rows) {
  return Grid(370000.0, 5710000.0, 10.0, cols, rows, "EPSG:25832");
}

void fill_rect(Raster<float>& r, std::int64_t col0, std::int64_t row0, std::int64_t cols,
               std::int64_t rows, float value) {
  for (std::int64_t row = row0; row < row0 + rows; ++row)
    for (std::int64_t c = col0; c < col0 + cols; ++c) r.at(c, row) = value;
}

// 40 x 30 cells of 0.1 with plateau A (0.9, 10 x 10 cells at cols 5-14, rows 5-14) and plateau B
// (0.8, 8 x 8 cells at cols 25-32, rows 10-17).
Raster<float> two_plateaus() {
  Raster<float> r(grid(40, 30), 0.1f, std::numeric_limits<float>::quiet_NaN());
  fill_rect(r, 5, 5, 10, 10, 0.9f);
  fill_rect(r, 25, 10, 8, 8, 0.8f);
  return r;
}

bool in_rect(const Grid& g, std::int64_t cell, std::int64_t col0, std::int64_t row0,
             std::int64_t cols, std::int64_t rows) {
  const std::int64_t c = cell % g.cols(), r = cell / g.cols();
  return c >= col0 && c < col0 + cols && r >= row0 && r < row0 + rows;
}

std::int64_t count_in_rect(const Grid& g, const FoundRegion& region, std::int64_t col0,
                           std::int64_t row0, std::int64_t cols, std::int64_t rows) {
  return std::count_if(region.cells.begin(), region.cells.end(),
                       [&](std::int64_t cell) { return in_rect(g, cell, col0, row0, cols, rows); });
}

// Smallest distance in metres between the centres of a cell of `a` and a cell of `b`, by brute
// force over the given cells.
double min_distance_m(const Grid& g, const std::vector<std::int64_t>& a,
                      const std::vector<std::int64_t>& b) {
  double best = std::numeric_limits<double>::infinity();
  for (std::int64_t p : a)
    for (std::int64_t q : b) {
      const double dx = static_cast<double>(p % g.cols() - q % g.cols());
      const double dy = static_cast<double>(p / g.cols() - q / g.cols());
      best = std::min(best, std::hypot(dx, dy) * g.cell_size());
    }
  return best;
}

// Cells of a region with at least one edge neighbour outside it. The closest pair of cells of two
// disjoint regions always consists of such cells: a cell whose edge neighbour towards the other
// cell (along the longer axis of their offset) is in its region is not the closest.
std::vector<std::int64_t> boundary(const Grid& g, const FoundRegion& region) {
  const std::set<std::int64_t> in(region.cells.begin(), region.cells.end());
  std::vector<std::int64_t> out;
  for (std::int64_t cell : region.cells) {
    const std::int64_t c = cell % g.cols(), r = cell / g.cols();
    const std::int64_t nb[4][2] = {{c + 1, r}, {c - 1, r}, {c, r + 1}, {c, r - 1}};
    for (const auto& n : nb) {
      if (!g.contains_cell(n[0], n[1]) || !in.count(n[1] * g.cols() + n[0])) {
        out.push_back(cell);
        break;
      }
    }
  }
  return out;
}

// Every region connected under the given connectivity (flood fill inside its cell set).
bool connected(const Grid& g, const FoundRegion& region, bool eight) {
  const std::set<std::int64_t> in(region.cells.begin(), region.cells.end());
  std::set<std::int64_t> seen{region.cells.front()};
  std::vector<std::int64_t> stack{region.cells.front()};
  while (!stack.empty()) {
    const std::int64_t cell = stack.back();
    stack.pop_back();
    const std::int64_t c = cell % g.cols(), r = cell / g.cols();
    for (std::int64_t dr = -1; dr <= 1; ++dr)
      for (std::int64_t dc = -1; dc <= 1; ++dc) {
        if ((dr == 0 && dc == 0) || (!eight && dr != 0 && dc != 0)) continue;
        if (!g.contains_cell(c + dc, r + dr)) continue;
        const std::int64_t k = (r + dr) * g.cols() + c + dc;
        if (in.count(k) && seen.insert(k).second) stack.push_back(k);
      }
  }
  return seen.size() == region.cells.size();
}

// Everything find_regions promises about any result, checked from scratch.
void check_invariants(const Raster<float>& s, const Raster<std::uint8_t>* available,
                      const RegionOptions& o, const std::vector<FoundRegion>& regions,
                      bool brute_force_spacing) {
  const Grid& g = s.grid();
  const double cell_ha = g.cell_size() * g.cell_size() / 10000.0;
  const double max_ha = o.max_area_ha > 0.0 ? o.max_area_ha : o.min_area_ha;
  REQUIRE(std::ssize(regions) <= o.max_regions);
  std::set<std::int64_t> used;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    const FoundRegion& r = regions[i];
    INFO("region " << r.id);
    CHECK(r.id == static_cast<std::int32_t>(i + 1));
    REQUIRE(!r.cells.empty());
    CHECK(std::is_sorted(r.cells.begin(), r.cells.end()));
    CHECK(std::binary_search(r.cells.begin(), r.cells.end(), r.seed_cell));
    CHECK_THAT(r.area_ha, WithinRel(static_cast<double>(r.cells.size()) * cell_ha, 1e-12));
    CHECK(r.area_ha >= o.min_area_ha * (1 - 1e-9));
    CHECK(r.area_ha <= max_ha * (1 + 1e-9));
    CHECK(connected(g, r, o.eight_connected));
    double sum = 0.0, lo = INFINITY, hi = -INFINITY;
    for (std::int64_t cell : r.cells) {
      const float v = s.cells()[static_cast<std::size_t>(cell)];
      REQUIRE(!s.is_nodata(v));
      if (available) REQUIRE(available->cells()[static_cast<std::size_t>(cell)] != 0);
      REQUIRE(used.insert(cell).second);
      sum += v;
      lo = std::min(lo, static_cast<double>(v));
      hi = std::max(hi, static_cast<double>(v));
    }
    CHECK_THAT(r.mean_score, WithinAbs(sum / static_cast<double>(r.cells.size()), 1e-12));
    CHECK(r.min_score == lo);
    CHECK(r.max_score == hi);
  }
  for (std::size_t i = 0; i < regions.size(); ++i)
    for (std::size_t j = i + 1; j < regions.size(); ++j) {
      const double d = brute_force_spacing
                           ? min_distance_m(g, regions[i].cells, regions[j].cells)
                           : min_distance_m(g, boundary(g, regions[i]), boundary(g, regions[j]));
      INFO("regions " << regions[i].id << " and " << regions[j].id << ": " << d << " m apart");
      CHECK(d >= o.min_spacing_m * (1 - 1e-9));
    }
}

// Sum of Gaussian bumps: a smooth suitability surface in [0, 1].
Raster<float> smooth_surface(std::int64_t cols, std::int64_t rows, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uc(0.0, static_cast<double>(cols)),
      ur(0.0, static_cast<double>(rows)), us(0.03, 0.12), ua(0.3, 1.0);
  struct Bump {
    double c, r, s, a;
  };
  std::vector<Bump> bumps;
  const double size = static_cast<double>(std::max(cols, rows));
  for (int i = 0; i < 12; ++i) bumps.push_back({uc(rng), ur(rng), us(rng) * size, ua(rng)});
  Raster<float> out(grid(cols, rows), 0.0f, std::numeric_limits<float>::quiet_NaN());
  double peak = 0.0;
  std::vector<double> v(static_cast<std::size_t>(cols * rows));
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) {
      double x = 0.0;
      for (const Bump& b : bumps) {
        const double dc = static_cast<double>(c) - b.c, dr = static_cast<double>(r) - b.r;
        x += b.a * std::exp(-(dc * dc + dr * dr) / (2.0 * b.s * b.s));
      }
      v[static_cast<std::size_t>(r * cols + c)] = x;
      peak = std::max(peak, x);
    }
  for (std::size_t i = 0; i < v.size(); ++i) out.cells()[i] = static_cast<float>(v[i] / peak);
  return out;
}

}  // namespace

TEST_CASE("regions of exactly the minimum area are found on the plateaus in score order",
          "[regions]") {
  const Raster<float> s = two_plateaus();
  const Grid& g = s.grid();
  RegionOptions o;
  o.min_area_ha = 1.0;  // 100 cells: exactly plateau A
  o.max_regions = 2;
  const auto regions = find_regions(s, nullptr, o, where);
  REQUIRE(regions.size() == 2);
  // Region 1 is plateau A itself, grown from its first cell in row-major order.
  CHECK(regions[0].cells.size() == 100);
  CHECK(count_in_rect(g, regions[0], 5, 5, 10, 10) == 100);
  CHECK(regions[0].seed_cell == 5 * 40 + 5);
  CHECK(regions[0].mean_score == static_cast<double>(0.9f));
  CHECK(regions[0].min_score == static_cast<double>(0.9f));
  CHECK(regions[0].max_score == static_cast<double>(0.9f));
  CHECK_THAT(regions[0].area_ha, WithinRel(1.0, 1e-12));
  // Region 2: all 64 cells of plateau B plus 36 background cells: (64 * 0.8 + 36 * 0.1) / 100.
  CHECK(regions[1].cells.size() == 100);
  CHECK(count_in_rect(g, regions[1], 25, 10, 8, 8) == 64);
  CHECK(regions[1].seed_cell == 10 * 40 + 25);
  CHECK_THAT(regions[1].mean_score,
             WithinAbs((64.0 * double(0.8f) + 36.0 * double(0.1f)) / 100.0, 1e-12));
  CHECK_THAT(regions[1].mean_score, WithinAbs(0.548, 1e-6));
  CHECK(regions[1].min_score == static_cast<double>(0.1f));
  CHECK(regions[1].max_score == static_cast<double>(0.8f));
  check_invariants(s, nullptr, o, regions, true);
}

TEST_CASE("regions grow past the minimum up to the maximum only while the mean does not fall",
          "[regions]") {
  const Raster<float> s = two_plateaus();
  const Grid& g = s.grid();
  RegionOptions o;
  o.max_regions = 3;

  SECTION("a maximum above the plateaus: each plateau is taken whole, the background to the max") {
    o.min_area_ha = 0.5;  // 50 cells
    o.max_area_ha = 2.0;  // 200 cells
    const auto regions = find_regions(s, nullptr, o, where);
    REQUIRE(regions.size() == 3);
    CHECK(regions[0].cells.size() == 100);  // all of A; its 0.1 neighbours would lower the mean
    CHECK(count_in_rect(g, regions[0], 5, 5, 10, 10) == 100);
    CHECK(regions[0].mean_score == static_cast<double>(0.9f));
    CHECK(regions[1].cells.size() == 64);  // all of B
    CHECK(count_in_rect(g, regions[1], 25, 10, 8, 8) == 64);
    CHECK(regions[1].mean_score == static_cast<double>(0.8f));
    CHECK(regions[2].cells.size() == 200);  // flat background: grows to the maximum exactly
    CHECK_THAT(regions[2].area_ha, WithinRel(2.0, 1e-12));
    CHECK(regions[2].mean_score == static_cast<double>(0.1f));
    check_invariants(s, nullptr, o, regions, true);
  }

  SECTION("a maximum inside plateau A cuts it; its remnant loses to plateau B") {
    o.min_area_ha = 0.5;  // 50 cells
    o.max_area_ha = 0.8;  // 80 cells
    const auto regions = find_regions(s, nullptr, o, where);
    REQUIRE(regions.size() == 3);
    // Equal scores join in row-major order, so region 1 is rows 5-12 of A.
    CHECK(regions[0].cells.size() == 80);
    CHECK(count_in_rect(g, regions[0], 5, 5, 10, 8) == 80);
    CHECK(regions[1].cells.size() == 64);
    CHECK(count_in_rect(g, regions[1], 25, 10, 8, 8) == 64);
    // Region 3: the 20 remaining cells of A (rows 13-14) plus 30 background cells.
    CHECK(regions[2].cells.size() == 50);
    CHECK(count_in_rect(g, regions[2], 5, 13, 10, 2) == 20);
    CHECK_THAT(regions[2].mean_score,
               WithinAbs((20.0 * double(0.9f) + 30.0 * double(0.1f)) / 50.0, 1e-12));
    check_invariants(s, nullptr, o, regions, true);
  }

  SECTION("a target between min and max is reached even where it lowers the mean") {
    o.min_area_ha = 0.5;
    o.target_area_ha = 0.7;  // 70 cells
    o.max_area_ha = 1.5;
    o.max_regions = 2;
    const auto regions = find_regions(s, nullptr, o, where);
    REQUIRE(regions.size() == 2);
    CHECK(regions[0].cells.size() == 100);  // A: 0.9 cells keep the mean past the target
    // B has 64 cells: 6 background cells bring it to the target, then 0.1 < mean stops it.
    CHECK(regions[1].cells.size() == 70);
    CHECK_THAT(regions[1].mean_score,
               WithinAbs((64.0 * double(0.8f) + 6.0 * double(0.1f)) / 70.0, 1e-12));
    check_invariants(s, nullptr, o, regions, true);
  }
}

TEST_CASE("at equal mean the larger region is accepted first", "[regions]") {
  // Two 0.9 plateaus on 0.1: S (60 cells) comes first in seed order, L (100 cells) is larger.
  Raster<float> s(grid(40, 30), 0.1f);
  fill_rect(s, 2, 2, 10, 6, 0.9f);
  fill_rect(s, 20, 10, 10, 10, 0.9f);
  RegionOptions o;
  o.min_area_ha = 0.5;
  o.max_area_ha = 2.0;
  o.max_regions = 2;
  const auto regions = find_regions(s, nullptr, o, where);
  REQUIRE(regions.size() == 2);
  CHECK(regions[0].cells.size() == 100);
  CHECK(count_in_rect(s.grid(), regions[0], 20, 10, 10, 10) == 100);
  CHECK(regions[0].seed_cell == 10 * 40 + 20);
  CHECK(regions[1].cells.size() == 60);
  CHECK(count_in_rect(s.grid(), regions[1], 2, 2, 10, 6) == 60);
  CHECK(regions[0].mean_score == regions[1].mean_score);
}

TEST_CASE("regions keep the minimum spacing, measured between cell centres", "[regions]") {
  const Raster<float> s = two_plateaus();
  const Grid& g = s.grid();
  RegionOptions o;
  o.min_area_ha = 0.5;  // 50 cells
  o.max_regions = 3;

  SECTION("without spacing the second half of A comes next, touching the first") {
    const auto regions = find_regions(s, nullptr, o, where);
    REQUIRE(regions.size() == 3);
    CHECK(count_in_rect(g, regions[0], 5, 5, 10, 5) == 50);   // rows 5-9 of A
    CHECK(count_in_rect(g, regions[1], 5, 10, 10, 5) == 50);  // rows 10-14 of A
    CHECK_THAT(min_distance_m(g, regions[0].cells, regions[1].cells), WithinAbs(10.0, 1e-12));
    CHECK(count_in_rect(g, regions[2], 25, 10, 8, 8) == 50);  // B
    check_invariants(s, nullptr, o, regions, true);
  }

  SECTION("30 m spacing closes rows 10-11 of A; B beats what is left of A") {
    o.min_spacing_m = 30.0;
    const auto regions = find_regions(s, nullptr, o, where);
    REQUIRE(regions.size() == 3);
    CHECK(count_in_rect(g, regions[0], 5, 5, 10, 5) == 50);
    CHECK(count_in_rect(g, regions[1], 25, 10, 8, 8) == 50);
    CHECK(regions[1].mean_score == static_cast<double>(0.8f));
    // Rows 12-14 of A (exactly 30 m from row 9, which is allowed) plus 20 background cells.
    CHECK(count_in_rect(g, regions[2], 5, 12, 10, 3) == 30);
    CHECK(count_in_rect(g, regions[2], 5, 10, 10, 2) == 0);
    CHECK_THAT(regions[2].mean_score,
               WithinAbs((30.0 * double(0.9f) + 20.0 * double(0.1f)) / 50.0, 1e-12));
    CHECK_THAT(min_distance_m(g, regions[0].cells, regions[2].cells), WithinAbs(30.0, 1e-9));
    check_invariants(s, nullptr, o, regions, true);
  }

  SECTION("a spacing between cell multiples: 25 m closes rows 10-11 too (20 m < 25 m <= 30 m)") {
    o.min_spacing_m = 25.0;
    const auto regions = find_regions(s, nullptr, o, where);
    REQUIRE(regions.size() == 3);
    CHECK(count_in_rect(g, regions[2], 5, 12, 10, 3) == 30);
    check_invariants(s, nullptr, o, regions, true);
  }

  SECTION("diagonal distances count: 15 m spacing lets a cell 2 rows and 1 column away in") {
    // 5 x 5 grid, all 0.5 except two peaks; single-cell regions.
    Raster<float> t(grid(5, 5), 0.5f);
    t.at(0, 0) = 1.0f;
    t.at(1, 2) = 0.9f;   // sqrt(1 + 4) * 10 = 22.4 m from (0, 0)
    t.at(1, 1) = 0.95f;  // 14.1 m from (0, 0): closed by 15 m spacing
    RegionOptions one;
    one.min_area_ha = 0.01;
    one.max_regions = 2;
    one.min_spacing_m = 15.0;
    const auto regions = find_regions(t, nullptr, one, where);
    REQUIRE(regions.size() == 2);
    CHECK(regions[0].cells == std::vector<std::int64_t>{0});
    CHECK(regions[1].cells == std::vector<std::int64_t>{2 * 5 + 1});
    one.min_spacing_m = 14.0;  // 14.14 m >= 14 m: the 0.95 cell is allowed
    const auto closer = find_regions(t, nullptr, one, where);
    REQUIRE(closer.size() == 2);
    CHECK(closer[1].cells == std::vector<std::int64_t>{1 * 5 + 1});
  }
}

TEST_CASE("excluded and nodata cells never join a region", "[regions]") {
  Raster<float> s = two_plateaus();
  s.set_nodata(-1.0f);
  const Grid& g = s.grid();
  s.at(12, 7) = -1.0f;                                     // nodata inside A's right half
  s.at(20, 20) = std::numeric_limits<float>::quiet_NaN();  // NaN is nodata too
  Raster<std::uint8_t> available(g, 1);
  for (std::int64_t r = 5; r < 15; ++r)
    for (std::int64_t c = 5; c < 10; ++c) available.at(c, r) = 0;  // A's left half
  RegionOptions o;
  o.min_area_ha = 0.5;
  o.max_regions = 4;
  const auto regions = find_regions(s, &available, o, where);
  REQUIRE(regions.size() == 4);
  // Region 1: the 49 open cells of A's right half plus one background cell.
  CHECK(count_in_rect(g, regions[0], 10, 5, 5, 10) == 49);
  CHECK_THAT(regions[0].mean_score, WithinAbs((49.0 * double(0.9f) + double(0.1f)) / 50.0, 1e-12));
  for (const FoundRegion& r : regions) {
    CHECK(count_in_rect(g, r, 5, 5, 5, 10) == 0);
    CHECK(!std::binary_search(r.cells.begin(), r.cells.end(), 7 * 40 + 12));
    CHECK(!std::binary_search(r.cells.begin(), r.cells.end(), 20 * 40 + 20));
  }
  check_invariants(s, &available, o, regions, true);

  SECTION("the mask's own nodata value also excludes") {
    available.set_nodata(7);
    for (std::int64_t r = 10; r < 18; ++r)
      for (std::int64_t c = 25; c < 33; ++c) available.at(c, r) = 7;  // all of B
    const auto without_b = find_regions(s, &available, o, where);
    for (const FoundRegion& r : without_b) CHECK(count_in_rect(g, r, 25, 10, 8, 8) == 0);
  }
}

TEST_CASE("4- and 8-connectivity differ on a diagonal chain", "[regions]") {
  Raster<float> s(grid(8, 8), 0.2f);
  Raster<std::uint8_t> available(s.grid(), 0);
  for (std::int64_t i = 0; i < 6; ++i) {
    s.at(i, i) = 0.9f;
    available.at(i, i) = 1;  // only the diagonal is open
  }
  RegionOptions o;
  o.min_area_ha = 0.06;  // 6 cells
  o.max_regions = 3;
  o.eight_connected = true;
  const auto eight = find_regions(s, &available, o, where);
  REQUIRE(eight.size() == 1);
  CHECK(eight[0].cells == std::vector<std::int64_t>{0, 9, 18, 27, 36, 45});
  CHECK(eight[0].mean_score == static_cast<double>(0.9f));
  check_invariants(s, &available, o, eight, true);

  o.eight_connected = false;
  CHECK(find_regions(s, &available, o, where).empty());  // six isolated cells, none reaches 6

  o.min_area_ha = 0.01;  // single cells: six regions, touching only at corners
  o.max_regions = 10;
  const auto singles = find_regions(s, &available, o, where);
  CHECK(singles.size() == 6);
  check_invariants(s, &available, o, singles, true);
}

TEST_CASE("a region that cannot reach the minimum area is not reported", "[regions]") {
  const Raster<float> s = two_plateaus();
  const Grid& g = s.grid();
  Raster<std::uint8_t> available(g, 1);
  // Close a one-cell ring around plateau A: A (100 cells, the best scores) becomes an island.
  for (std::int64_t r = 4; r < 16; ++r)
    for (std::int64_t c = 4; c < 16; ++c)
      if (r == 4 || r == 15 || c == 4 || c == 15) available.at(c, r) = 0;
  RegionOptions o;
  o.min_area_ha = 1.5;  // 150 cells: more than A holds
  o.max_regions = 1;
  const auto regions = find_regions(s, &available, o, where);
  REQUIRE(regions.size() == 1);
  CHECK(count_in_rect(g, regions[0], 5, 5, 10, 10) == 0);
  CHECK(count_in_rect(g, regions[0], 25, 10, 8, 8) == 64);  // B plus background instead
  CHECK_THAT(regions[0].mean_score,
             WithinAbs((64.0 * double(0.8f) + 86.0 * double(0.1f)) / 150.0, 1e-12));

  o.min_area_ha = 100.0;  // more than the whole grid (12 ha)
  CHECK(find_regions(s, &available, o, where).empty());
}

TEST_CASE("region finding is deterministic and keeps its promises on a rough surface",
          "[regions]") {
  // A smooth surface plus noise, with a random mask: many seeds, caches and ties get exercised.
  Raster<float> s = smooth_surface(160, 120, 7);
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<float> noise(-0.15f, 0.15f);
  std::bernoulli_distribution closed(0.15);
  Raster<std::uint8_t> available(s.grid(), 1);
  for (std::size_t i = 0; i < s.cells().size(); ++i) {
    s.cells()[i] = std::clamp(s.cells()[i] + noise(rng), 0.0f, 1.0f);
    if (closed(rng)) available.cells()[i] = 0;
  }
  for (bool eight : {true, false}) {
    RegionOptions o;
    o.min_area_ha = 0.5;
    o.max_area_ha = 1.2;
    o.min_spacing_m = 55.0;
    o.max_regions = 8;
    o.eight_connected = eight;
    o.candidates_per_round = 40;
    const auto a = find_regions(s, &available, o, where);
    const auto b = find_regions(s, &available, o, where);
    INFO("eight-connected: " << eight);
    REQUIRE(a.size() == 8);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].cells == b[i].cells);
      CHECK(a[i].seed_cell == b[i].seed_cell);
      CHECK(a[i].mean_score == b[i].mean_score);  // bit-identical
    }
    check_invariants(s, &available, o, a, true);
    // With one candidate per round, region 1 is the one grown from the best open seed; comparing
    // more candidates can only do as well or better.
    o.candidates_per_round = 1;
    const auto greedy = find_regions(s, &available, o, where);
    REQUIRE(!greedy.empty());
    CHECK(a[0].mean_score >= greedy[0].mean_score);
    check_invariants(s, &available, o, greedy, true);
  }
}

TEST_CASE("labels put each region's id on its cells", "[regions]") {
  const Raster<float> s = two_plateaus();
  RegionOptions o;
  o.min_area_ha = 0.5;
  o.max_area_ha = 1.0;
  o.max_regions = 2;
  const auto regions = find_regions(s, nullptr, o, where);
  REQUIRE(regions.size() == 2);
  const Raster<std::int32_t> labels = region_labels(s.grid(), regions);
  std::int64_t ones = 0, twos = 0;
  for (std::int32_t v : labels.cells()) {
    ones += v == 1;
    twos += v == 2;
    CHECK((v >= 0 && v <= 2));
  }
  CHECK(ones == 100);
  CHECK(twos == 64);
  CHECK(labels.at(5, 5) == 1);
  CHECK(labels.at(25, 10) == 2);
  CHECK(labels.at(0, 0) == 0);

  auto overlapping = regions;
  overlapping[1].cells.push_back(overlapping[0].cells.front());
  CHECK_THROWS_WITH(region_labels(s.grid(), overlapping), Contains("share cell"));
  auto outside = regions;
  outside[0].cells.push_back(40 * 30);
  CHECK_THROWS_WITH(region_labels(s.grid(), outside), Contains("outside"));
}

TEST_CASE("invalid region options are rejected with where and how to fix", "[regions]") {
  const Raster<float> s = two_plateaus();
  auto fails = [&](RegionOptions o, const std::string& what) {
    CHECK_THROWS_AS(find_regions(s, nullptr, o, where), InputError);
    CHECK_THROWS_WITH(find_regions(s, nullptr, o, where), Contains(where) && Contains(what));
  };
  RegionOptions o;
  o.min_area_ha = 0.0;
  fails(o, "min_area_ha must be a number > 0");
  o.min_area_ha = std::numeric_limits<double>::quiet_NaN();
  fails(o, "min_area_ha must be a number > 0");
  o = {};
  o.max_area_ha = 0.5;
  fails(o, "set max_area_ha >= min_area_ha");
  o = {};
  o.min_spacing_m = -1.0;
  fails(o, "min_spacing_m must be a number >= 0");
  o = {};
  o.max_regions = 0;
  fails(o, "max_regions must be at least 1");
  o = {};
  o.candidates_per_round = 0;
  fails(o, "candidates_per_round must be at least 1");
  o = {};
  o.target_area_ha = 3.0;
  o.max_area_ha = 2.0;
  fails(o, "choose a target within that range");
  o = {};
  o.min_area_ha = 0.005;  // half a 10 m cell
  fails(o, "smaller than one cell (0.01 ha at 10 m cells)");
  o = {};
  o.min_area_ha = 1.005;
  o.max_area_ha = 1.009;  // 100.5 .. 100.9 cells
  fails(o, "no whole number of cells");

  Raster<std::uint8_t> other(grid(40, 31), 1);
  CHECK_THROWS_WITH(find_regions(s, &other, RegionOptions{}, where),
                    Contains(where) && Contains("differs from the suitability grid"));
  Raster<float> with_inf = two_plateaus();
  with_inf.at(3, 2) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH(find_regions(with_inf, nullptr, RegionOptions{}, where),
                    Contains("cell (col 3, row 2) is inf"));
  // Areas that are whole cells only up to decimal rounding are accepted: 0.35 ha = 35 cells.
  o = {};
  o.min_area_ha = 0.35;
  o.max_regions = 1;
  const auto r = find_regions(s, nullptr, o, where);
  REQUIRE(r.size() == 1);
  CHECK(r[0].cells.size() == 35);
}

TEST_CASE("region finding on a Bochum-sized grid (timing reported, not asserted)", "[regions]") {
  const Raster<float> s = smooth_surface(1753, 1375, 2024);
  RegionOptions o;
  o.min_area_ha = 10.0;  // 1000 cells
  o.max_area_ha = 50.0;
  o.min_spacing_m = 500.0;
  o.max_regions = 5;
  const auto t0 = std::chrono::steady_clock::now();
  const auto regions = find_regions(s, nullptr, o, where);
  const auto t1 = std::chrono::steady_clock::now();
  o.min_area_ha = 50.0;  // 5000 cells each
  const auto large = find_regions(s, nullptr, o, where);
  const auto t2 = std::chrono::steady_clock::now();
  const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  WARN("find_regions on 1753 x 1375 cells, 5 regions, 500 m spacing: 10-50 ha "
       << ms(t1 - t0) << " ms, 50 ha " << ms(t2 - t1) << " ms");
  REQUIRE(regions.size() == 5);
  REQUIRE(large.size() == 5);
  check_invariants(s, nullptr, o, large, false);
  for (const FoundRegion& r : large) CHECK(r.cells.size() == 5000);
  o.min_area_ha = 10.0;
  check_invariants(s, nullptr, o, regions, false);
}
