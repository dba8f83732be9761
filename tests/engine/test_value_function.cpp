#include "standort/engine/error.hpp"
#include "standort/engine/value_function.hpp"

#include <catch2/catch.hpp>

using namespace standort;
using Catch::Matchers::WithinAbs;

TEST_CASE("linear value function at its breakpoints, between and beyond", "[value]") {
  const LinearValue decreasing{500.0, 1.0, 5000.0, 0.0};
  CHECK_THAT(decreasing(0.0), WithinAbs(1.0, 1e-12));
  CHECK_THAT(decreasing(500.0), WithinAbs(1.0, 1e-12));
  CHECK_THAT(decreasing(2750.0), WithinAbs(0.5, 1e-12));
  CHECK_THAT(decreasing(5000.0), WithinAbs(0.0, 1e-12));
  CHECK_THAT(decreasing(1e9), WithinAbs(0.0, 1e-12));
  // Breakpoints given in the other order mean the same function.
  const LinearValue swapped{5000.0, 0.0, 500.0, 1.0};
  for (double x : {0.0, 700.0, 3000.0, 6000.0})
    CHECK_THAT(swapped(x), WithinAbs(decreasing(x), 1e-12));
  const LinearValue increasing{0.0, 0.2, 100.0, 0.8};
  CHECK_THAT(increasing(25.0), WithinAbs(0.35, 1e-12));
  CHECK_THAT(increasing(-5.0), WithinAbs(0.2, 1e-12));
}

TEST_CASE("linear value function validation", "[value]") {
  CHECK_THROWS_AS((LinearValue{100.0, 1.0, 100.0, 0.0}.validate("x")), InputError);
  CHECK_THROWS_AS((LinearValue{0.0, 1.5, 100.0, 0.0}.validate("x")), InputError);
  CHECK_NOTHROW((LinearValue{0.0, 1.0, 100.0, 0.0}.validate("x")));
}

TEST_CASE("apply_value_function keeps nodata and honours the mask", "[value]") {
  const Grid g(0.0, 2.0, 1.0, 2, 2, "EPSG:25832");
  Raster<float> d(g, 0.0f, -9999.0f);
  d.at(0, 0) = 250.0f;
  d.at(1, 0) = -9999.0f;
  d.at(0, 1) = 1000.0f;
  Raster<std::uint8_t> mask(g, 1);
  mask.at(1, 1) = 0;
  const auto s = apply_value_function(d, LinearValue{0.0, 1.0, 1000.0, 0.0}, -1.0f, &mask, 1);
  CHECK_THAT(s.at(0, 0), WithinAbs(0.75, 1e-6));
  CHECK(s.is_nodata(s.at(1, 0)));
  CHECK_THAT(s.at(0, 1), WithinAbs(0.0, 1e-6));
  CHECK(s.is_nodata(s.at(1, 1)));
}
