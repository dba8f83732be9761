#include "standort/engine/error.hpp"
#include "standort/engine/grid.hpp"
#include "standort/engine/raster.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdint>

#include <cmath>
#include <limits>

using namespace standort;
using Catch::Matchers::WithinAbs;

TEST_CASE("snapped grids grow outward to multiples of the cell size", "[grid]") {
  const Grid g = Grid::snapped({371234.5, 5697001.0, 389870.2, 5711999.9}, 10.0, "EPSG:25832");
  CHECK_THAT(g.xmin(), WithinAbs(371230.0, 1e-9));
  CHECK_THAT(g.ymax(), WithinAbs(5712000.0, 1e-9));
  CHECK_THAT(g.xmax(), WithinAbs(389880.0, 1e-9));
  CHECK_THAT(g.ymin(), WithinAbs(5697000.0, 1e-9));
  CHECK(g.cols() == 1865);
  CHECK(g.rows() == 1500);
  CHECK(g.cell_count() == 1865 * 1500);

  // An extent already on the lattice is kept as it is.
  const Grid exact = Grid::snapped({0.0, 0.0, 30.0, 20.0}, 10.0, "EPSG:25832");
  CHECK(exact.cols() == 3);
  CHECK(exact.rows() == 2);
}

TEST_CASE("cell and coordinate round trips", "[grid]") {
  const Grid g(1000.0, 2000.0, 2.5, 40, 30, "EPSG:25832");
  for (std::int64_t r = 0; r < g.rows(); ++r) {
    for (std::int64_t c = 0; c < g.cols(); ++c) {
      REQUIRE(g.col(g.x(c)) == c);
      REQUIRE(g.row(g.y(r)) == r);
    }
  }
  CHECK_THAT(g.x(0), WithinAbs(1001.25, 1e-12));
  CHECK_THAT(g.y(0), WithinAbs(1998.75, 1e-12));
  CHECK(g.col(999.999) == -1);
  CHECK(g.row(2000.001) == -1);
  CHECK(g.col(g.xmax()) == g.cols());

  const Grid c = g.crop({1010.0, 1950.0, 1020.0, 1960.0});
  CHECK_THAT(c.xmin(), WithinAbs(1010.0, 1e-12));
  CHECK_THAT(c.ymax(), WithinAbs(1960.0, 1e-12));
  CHECK(c.cols() == 5);  // 1010..1022.5 covers x = 1020 inclusive
  CHECK(c.rows() == 5);
}

TEST_CASE("bad cell sizes and overflowing grids are errors", "[grid]") {
  CHECK_THROWS_AS(Grid::snapped({0, 0, 10, 10}, 0.0, "EPSG:25832"), InputError);
  CHECK_THROWS_AS(Grid::snapped({0, 0, 10, 10}, -5.0, "EPSG:25832"), InputError);
  CHECK_THROWS_AS(Grid::snapped({0, 0, 10, 10}, std::nan(""), "EPSG:25832"), InputError);
  CHECK_THROWS_AS(checked_cells(std::int64_t{1} << 40, std::int64_t{1} << 40), LimitError);
  CHECK(checked_cells(100000, 100000) == 10'000'000'000LL);
}

TEST_CASE("the resource guard rejects 1 cm cells over Bochum before allocating", "[grid][limits]") {
  const Extent bochum{371000.0, 5698000.0, 389000.0, 5712000.0};
  ResourceLimits limits;  // defaults: 16 GiB
  try {
    check_grid_budget(bochum, 0.01, 13, limits, "[grid]");
    FAIL("expected a LimitError");
  } catch (const LimitError& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("1800000 x 1400000"));
    CHECK_THAT(msg, Catch::Contains("use a cell size of at least"));
  }
  CHECK_NOTHROW(check_grid_budget(bochum, 10.0, 13, limits, "[grid]"));
  // A lower limit moves the boundary: 10 m needs 2.52 M cells * 13 bytes = 31 MiB.
  limits.max_bytes = 16LL << 20;
  CHECK_THROWS_AS(check_grid_budget(bochum, 10.0, 13, limits, "[grid]"), LimitError);
}

TEST_CASE("raster nodata handling", "[raster]") {
  Raster<float> r(Grid(0, 3, 1, 3, 3, "EPSG:25832"), 1.0f, -9999.0f);
  r.at(1, 1) = -9999.0f;
  r.at(2, 2) = std::numeric_limits<float>::quiet_NaN();
  CHECK(r.is_nodata(r.at(1, 1)));
  CHECK(r.is_nodata(r.at(2, 2)));
  CHECK_FALSE(r.is_nodata(r.at(0, 0)));
  CHECK(r.row(1).size() == 3);
}

TEST_CASE("release_pages hands back the whole pages inside a range and nothing else", "[raster]") {
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> bytes(10 * page + 123, 7);
  // A range that starts and ends inside pages.
  unsigned char* begin = bytes.data() + 100;
  const std::size_t size = 8 * page + 50;
  release_pages(begin, size);
  const auto address = [](const unsigned char* p) { return reinterpret_cast<std::uintptr_t>(p); };
  std::size_t zeros = 0, kept_outside = 0, wrong = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const unsigned char* p = bytes.data() + i;
    const bool inside = p >= begin && p < begin + size;
    const std::uintptr_t page_start = address(p) / page * page;
    const bool whole_page_inside =
        inside && page_start >= address(begin) && page_start + page <= address(begin + size);
    if (whole_page_inside) {
      zeros += bytes[i] == 0;
      wrong += bytes[i] != 0;
    } else {
      kept_outside += bytes[i] == 7;
      wrong += bytes[i] != 7;
    }
  }
  CHECK(wrong == 0);
  CHECK(zeros >= 7 * page);  // at least seven whole pages lie inside
  CHECK(kept_outside >= 100);
  release_pages(nullptr, 100);  // nothing to do
  release_pages(begin, 10);     // less than a page: nothing to do
  CHECK(bytes[100] == 7);
}
