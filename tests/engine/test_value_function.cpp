#include "standort/engine/error.hpp"
#include "standort/engine/value_function.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

using namespace standort;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();
constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

// One valid function of every kind (and both directions where a kind has them).
std::vector<ValueFunction> one_of_each_kind() {
  return {
      LinearValue{500.0, 1.0, 5000.0, 0.0},
      LinearValue{0.0, 0.2, 100.0, 0.8},
      LogisticGrowthValue{2000.0, 0.003},
      LogisticDecayValue{2000.0, 0.003},
      GaussianValue{300.0, 150.0},
      FuzzySmallValue{500.0, 5.0},
      FuzzyLargeValue{500.0, 5.0},
      FuzzyNearValue{50.0, 0.01},
      FuzzyGaussianValue{50.0, 0.01},
      FuzzyMSSmallValue{35.0, 8.0, 1.2, 3.2},
      FuzzyMSLargeValue{35.0, 8.0, 1.2, 3.2},
      PowerValue{0.0, 1000.0, 2.0},
      PowerValue{1000.0, 0.0, 0.5},
      SymmetricLinearValue{500.0, 300.0, 0.0},
      SymmetricLinearValue{500.0, 300.0, 200.0},
      PiecewiseValue{{{0.0, 1.0}, {500.0, 0.8}, {2000.0, 0.2}, {5000.0, 0.0}}},
      CategoricalValue{{{1.0, 1.0}, {2.0, 0.5}, {7.0, 0.25}}, 0.0},
  };
}

// Inputs that stress every formula: infinities, the largest and smallest doubles, zero of both
// signs, values at and around the breakpoints used above, plus a dense sweep.
std::vector<double> sweep_inputs() {
  std::vector<double> xs = {-infinity,
                            -std::numeric_limits<double>::max(),
                            -1e300,
                            -1e30,
                            -1e4,
                            -1.0,
                            -std::numeric_limits<double>::denorm_min(),
                            -0.0,
                            0.0,
                            std::numeric_limits<double>::denorm_min(),
                            std::numeric_limits<double>::min(),
                            1e-300,
                            1.0,
                            2.0,
                            7.0,
                            42.0,
                            50.0,
                            67.6,
                            499.999,
                            500.0,
                            2000.0,
                            5000.0,
                            1e30,
                            1e300,
                            std::numeric_limits<double>::max(),
                            infinity};
  for (double x = -20000.0; x <= 20000.0; x += 0.75) xs.push_back(x);
  for (double x = 1e-12; x < 1e15; x *= 1.37) {
    xs.push_back(x);
    xs.push_back(-x);
  }
  return xs;
}

// Number of neighbouring samples on [lo, hi] where f moves against `direction` (+1 rising,
// -1 falling).
int monotonicity_violations(const ValueFunction& f, double lo, double hi, int direction) {
  const int n = 200000;
  int violations = 0;
  double previous = f(lo);
  for (int i = 1; i <= n; ++i) {
    const double x = lo + (hi - lo) * static_cast<double>(i) / n;
    const double s = f(x);
    if (direction > 0 ? s < previous : s > previous) ++violations;
    previous = s;
  }
  return violations;
}

void check_rejects(const ValueFunction& f, const std::string& mentions) {
  const std::string where = "[criteria.wissen].value";
  CHECK_THROWS_AS(f.validate(where), InputError);
  CHECK_THROWS_WITH(f.validate(where), Contains(where) && Contains(mentions));
}

Raster<float> random_indicator(std::int64_t cols, std::int64_t rows, unsigned seed) {
  const Grid g(0.0, static_cast<double>(rows) * 10.0, 10.0, cols, rows, "EPSG:25832");
  Raster<float> r(g, 0.0f, -9999.0f);
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> value(-500.0f, 8000.0f);
  std::uniform_int_distribution<int> code(0, 12);
  std::uniform_int_distribution<int> pick(0, 19);
  for (float& v : r.cells()) {
    const int p = pick(gen);
    v = p == 0   ? -9999.0f
        : p == 1 ? std::numeric_limits<float>::quiet_NaN()
        : p < 8  ? static_cast<float>(code(gen))
                 : value(gen);
  }
  return r;
}

}  // namespace

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
  // A ValueFunction holding the LinearValue scores the same.
  const ValueFunction f = decreasing;
  CHECK(f.kind() == ValueKind::linear);
  for (double x : {-1.0, 500.0, 1234.5, 5000.0, 7000.0})
    CHECK_THAT(f(x), WithinAbs(decreasing(x), 1e-15));
}

TEST_CASE("linear value function validation", "[value]") {
  CHECK_THROWS_AS((LinearValue{100.0, 1.0, 100.0, 0.0}.validate("x")), InputError);
  CHECK_THROWS_AS((LinearValue{0.0, 1.5, 100.0, 0.0}.validate("x")), InputError);
  CHECK_NOTHROW((LinearValue{0.0, 1.0, 100.0, 0.0}.validate("x")));
  check_rejects(LinearValue{0.0, 1.0, not_a_number, 0.0}, "finite");
  check_rejects(LinearValue{100.0, 1.0, 100.0, 0.0}, "both at 100");
  check_rejects(LinearValue{0.0, -0.1, 100.0, 0.0}, "between 0 and 1");
}

TEST_CASE("logistic growth and decay: midpoint, hand-computed values, limits", "[value]") {
  const LogisticDecayValue decay{2000.0, 0.003};
  const LogisticGrowthValue growth{2000.0, 0.003};
  CHECK_THAT(decay(2000.0), WithinAbs(0.5, 1e-15));
  CHECK_THAT(growth(2000.0), WithinAbs(0.5, 1e-15));
  // 1 / (1 + e^1.5) and 1 / (1 + e^-1.5); e^1.5 = 4.4816890703380645.
  CHECK_THAT(decay(2500.0), WithinRel(0.18242552380635635, 1e-14));
  CHECK_THAT(decay(1500.0), WithinRel(0.8175744761936437, 1e-14));
  CHECK_THAT(growth(2500.0), WithinRel(0.8175744761936437, 1e-14));
  // At 0 m: 1 / (1 + e^-6).
  CHECK_THAT(decay(0.0), WithinRel(0.9975273768433653, 1e-14));
  // Growth and decay are mirror images: g(x) = 1 - d(x).
  for (double x : {-300.0, 0.0, 1000.0, 1999.0, 2345.6, 4000.0})
    CHECK_THAT(growth(x) + decay(x), WithinAbs(1.0, 1e-15));
  // Strictly inside (0, 1) near the midpoint, even 30 / steepness away from it.
  const double far = 2000.0 + 30.0 / 0.003;
  CHECK(decay(far) > 0.0);
  CHECK_THAT(decay(far), WithinRel(9.357622968839299e-14, 1e-10));
  CHECK(growth(far) < 1.0);
  // Limits: exactly 0 and 1 at the infinities and where exp overflows; never beyond.
  CHECK(decay(infinity) == 0.0);
  CHECK(decay(-infinity) == 1.0);
  CHECK(decay(1e9) == 0.0);
  CHECK(growth(infinity) == 1.0);
  CHECK(growth(-infinity) == 0.0);
  CHECK(growth(-1e9) == 0.0);
}

TEST_CASE("gaussian: ideal value, one and two spreads away, limits", "[value]") {
  const GaussianValue f{300.0, 150.0};
  CHECK_THAT(f(300.0), WithinAbs(1.0, 1e-15));
  CHECK_THAT(f(450.0), WithinRel(0.6065306597126334, 1e-14));  // e^-0.5
  CHECK_THAT(f(150.0), WithinRel(0.6065306597126334, 1e-14));
  CHECK_THAT(f(600.0), WithinRel(0.1353352832366127, 1e-14));  // e^-2
  CHECK_THAT(f(0.0), WithinRel(0.1353352832366127, 1e-14));
  CHECK(f(1e300) == 0.0);
  CHECK(f(-infinity) == 0.0);
  CHECK(f(infinity) == 0.0);
}

TEST_CASE("fuzzy small and large: midpoint, hand-computed values, x <= 0", "[value]") {
  // ArcGIS / QGIS: small = 1 / (1 + (x / 500)^5), large = 1 / (1 + (x / 500)^-5).
  const FuzzySmallValue small{500.0, 5.0};
  const FuzzyLargeValue large{500.0, 5.0};
  CHECK_THAT(small(500.0), WithinAbs(0.5, 1e-15));
  CHECK_THAT(large(500.0), WithinAbs(0.5, 1e-15));
  CHECK_THAT(small(250.0), WithinRel(32.0 / 33.0, 1e-14));  // 1 / (1 + 1/32)
  CHECK_THAT(small(1000.0), WithinRel(1.0 / 33.0, 1e-14));  // 1 / (1 + 32)
  CHECK_THAT(large(1000.0), WithinRel(32.0 / 33.0, 1e-14));
  CHECK_THAT(large(250.0), WithinRel(1.0 / 33.0, 1e-14));
  for (double x : {1e-3, 17.0, 333.0, 499.0, 501.0, 2000.0, 1e6})
    CHECK_THAT(small(x) + large(x), WithinAbs(1.0, 1e-15));
  // x <= 0: the limit at 0+ (1 for small, 0 for large); QGIS gives NaN for negative x.
  for (double x : {0.0, -0.0, -1.0, -500.0, -1e300, -infinity}) {
    CHECK(small(x) == 1.0);
    CHECK(large(x) == 0.0);
  }
  CHECK(small(std::numeric_limits<double>::denorm_min()) == 1.0);
  CHECK(large(std::numeric_limits<double>::denorm_min()) == 0.0);
  CHECK(small(infinity) == 0.0);
  CHECK(large(infinity) == 1.0);
}

TEST_CASE("fuzzy near and fuzzy gaussian: midpoint, hand-computed values", "[value]") {
  const FuzzyNearValue near{50.0, 0.01};
  CHECK_THAT(near(50.0), WithinAbs(1.0, 1e-15));
  CHECK_THAT(near(60.0), WithinAbs(0.5, 1e-15));  // 1 / (1 + 0.01 * 10^2)
  CHECK_THAT(near(40.0), WithinAbs(0.5, 1e-15));
  CHECK_THAT(near(70.0), WithinAbs(0.2, 1e-15));  // 1 / (1 + 0.01 * 20^2)
  CHECK(near(infinity) == 0.0);
  const FuzzyGaussianValue fg{50.0, 0.01};
  CHECK_THAT(fg(50.0), WithinAbs(1.0, 1e-15));
  CHECK_THAT(fg(60.0), WithinRel(0.36787944117144233, 1e-14));  // e^(-0.01 * 10^2) = e^-1
  CHECK(fg(-infinity) == 0.0);
  // The same curve as GaussianValue with sigma = 1 / sqrt(2 spread).
  const GaussianValue g{50.0, 1.0 / std::sqrt(2.0 * 0.01)};
  for (double x : {-100.0, 0.0, 33.3, 50.0, 61.0, 90.0, 500.0})
    CHECK_THAT(fg(x), WithinAbs(g(x), 1e-14));
}

TEST_CASE("fuzzy MS small and large: threshold a m, midpoint a m + b s, limits", "[value]") {
  // ArcGIS's FuzzyMSSmall / FuzzyMSLarge examples use multipliers a = 1.2, b = 3.2.
  // With m = 35, s = 8: a m = 42, b s = 25.6.
  const FuzzyMSSmallValue small{35.0, 8.0, 1.2, 3.2};
  const FuzzyMSLargeValue large{35.0, 8.0, 1.2, 3.2};
  CHECK_THAT(small(42.0), WithinAbs(1.0, 1e-12));
  CHECK_THAT(large(42.0), WithinAbs(0.0, 1e-12));
  CHECK(small(30.0) == 1.0);
  CHECK(large(30.0) == 0.0);
  CHECK_THAT(small(67.6), WithinAbs(0.5, 1e-12));
  CHECK_THAT(large(67.6), WithinAbs(0.5, 1e-12));
  CHECK_THAT(small(100.0), WithinRel(0.30622009569377995, 1e-13));  // 25.6 / (58 + 25.6)
  CHECK_THAT(large(100.0), WithinRel(0.69377990430622, 1e-13));
  CHECK(small(-infinity) == 1.0);
  CHECK(large(-infinity) == 0.0);
  CHECK(small(infinity) == 0.0);
  CHECK(large(infinity) == 1.0);
}

TEST_CASE("power: QGIS's bounds convention, both directions", "[value]") {
  const PowerValue rising{0.0, 1000.0, 2.0};
  CHECK(rising(0.0) == 0.0);
  CHECK(rising(-5.0) == 0.0);
  CHECK_THAT(rising(500.0), WithinAbs(0.25, 1e-15));
  CHECK_THAT(rising(900.0), WithinAbs(0.81, 1e-15));
  CHECK(rising(1000.0) == 1.0);
  CHECK(rising(1e300) == 1.0);
  // low > high: 0 at low, 1 at high, ((x - low) / (high - low))^e between.
  const PowerValue falling{1000.0, 0.0, 2.0};
  CHECK(falling(1000.0) == 0.0);
  CHECK(falling(infinity) == 0.0);
  CHECK(falling(0.0) == 1.0);
  CHECK(falling(-1.0) == 1.0);
  CHECK_THAT(falling(250.0), WithinAbs(0.5625, 1e-15));  // (750 / 1000)^2
  const PowerValue root{0.0, 400.0, 0.5};
  CHECK_THAT(root(100.0), WithinAbs(0.5, 1e-15));  // (1/4)^0.5
}

TEST_CASE("symmetric linear: triangle and trapezoid", "[value]") {
  const SymmetricLinearValue triangle{500.0, 300.0, 0.0};
  CHECK(triangle(500.0) == 1.0);
  CHECK_THAT(triangle(650.0), WithinAbs(0.5, 1e-15));
  CHECK_THAT(triangle(350.0), WithinAbs(0.5, 1e-15));
  CHECK_THAT(triangle(560.0), WithinAbs(0.8, 1e-15));
  CHECK(triangle(800.0) == 0.0);
  CHECK(triangle(200.0) == 0.0);
  CHECK(triangle(-infinity) == 0.0);
  // Plateau 200 wide: 1 within 100 of the centre, 0 from 300 away, linear between.
  const SymmetricLinearValue trapezoid{500.0, 300.0, 200.0};
  CHECK(trapezoid(400.0) == 1.0);
  CHECK(trapezoid(600.0) == 1.0);
  CHECK_THAT(trapezoid(700.0), WithinAbs(0.5, 1e-15));  // (300 - 200) / (300 - 100)
  CHECK_THAT(trapezoid(300.0), WithinAbs(0.5, 1e-15));
  CHECK(trapezoid(800.0) == 0.0);
  CHECK(trapezoid(1e300) == 0.0);
}

TEST_CASE("piecewise linear: breakpoints, between them, beyond the ends", "[value]") {
  const PiecewiseValue f{{{0.0, 1.0}, {500.0, 0.8}, {2000.0, 0.2}, {5000.0, 0.0}}};
  CHECK(f(-100.0) == 1.0);
  CHECK(f(-infinity) == 1.0);
  CHECK_THAT(f(0.0), WithinAbs(1.0, 1e-15));
  CHECK_THAT(f(250.0), WithinAbs(0.9, 1e-15));
  CHECK_THAT(f(500.0), WithinAbs(0.8, 1e-15));
  CHECK_THAT(f(1250.0), WithinAbs(0.5, 1e-15));
  CHECK_THAT(f(2000.0), WithinAbs(0.2, 1e-15));
  CHECK_THAT(f(3500.0), WithinAbs(0.1, 1e-15));
  CHECK_THAT(f(5000.0), WithinAbs(0.0, 1e-15));
  CHECK(f(1e12) == 0.0);
  // A table that rises and falls follows it, segment by segment.
  const PiecewiseValue hump{{{0.0, 0.0}, {10.0, 1.0}, {20.0, 0.5}}};
  CHECK_THAT(hump(5.0), WithinAbs(0.5, 1e-15));
  CHECK_THAT(hump(10.0), WithinAbs(1.0, 1e-15));
  CHECK_THAT(hump(15.0), WithinAbs(0.75, 1e-15));
  CHECK(hump(25.0) == 0.5);
}

TEST_CASE("categorical: listed codes, default, unlisted without default", "[value]") {
  const CategoricalValue with_default{{{7.0, 0.25}, {1.0, 1.0}, {2.0, 0.5}}, 0.1};
  CHECK(with_default(1.0) == 1.0);
  CHECK(with_default(2.0) == 0.5);
  CHECK(with_default(7.0) == 0.25);
  CHECK(with_default(3.0) == 0.1);
  CHECK(with_default(1.5) == 0.1);
  CHECK(with_default(-infinity) == 0.1);
  CHECK(std::isnan(with_default(not_a_number)));  // NaN is no code: it never takes the default
  const CategoricalValue strict{{{1.0, 1.0}, {2.0, 0.5}}, std::nullopt};
  CHECK(strict(2.0) == 0.5);
  CHECK(std::isnan(strict(3.0)));
  CHECK(CategoricalValue{{{0.0, 0.7}}, std::nullopt}(-0.0) == 0.7);
}

TEST_CASE("monotone kinds are monotone over a dense sweep", "[value]") {
  CHECK(monotonicity_violations(LinearValue{500.0, 1.0, 5000.0, 0.0}, -1e4, 1e4, -1) == 0);
  CHECK(monotonicity_violations(LinearValue{0.0, 0.2, 100.0, 0.8}, -500.0, 600.0, +1) == 0);
  CHECK(monotonicity_violations(LogisticGrowthValue{2000.0, 0.003}, -1e4, 2e4, +1) == 0);
  CHECK(monotonicity_violations(LogisticDecayValue{2000.0, 0.003}, -1e4, 2e4, -1) == 0);
  CHECK(monotonicity_violations(FuzzySmallValue{500.0, 5.0}, -1e3, 1e4, -1) == 0);
  CHECK(monotonicity_violations(FuzzyLargeValue{500.0, 5.0}, -1e3, 1e4, +1) == 0);
  CHECK(monotonicity_violations(FuzzySmallValue{0.5, 1.3}, 0.0, 3.0, -1) == 0);
  CHECK(monotonicity_violations(FuzzyMSSmallValue{35.0, 8.0, 1.2, 3.2}, -100.0, 1000.0, -1) == 0);
  CHECK(monotonicity_violations(FuzzyMSLargeValue{35.0, 8.0, 1.2, 3.2}, -100.0, 1000.0, +1) == 0);
  CHECK(monotonicity_violations(PowerValue{0.0, 1000.0, 2.0}, -100.0, 1100.0, +1) == 0);
  CHECK(monotonicity_violations(PowerValue{1000.0, 0.0, 0.5}, -100.0, 1100.0, -1) == 0);
  CHECK(monotonicity_violations(
            PiecewiseValue{{{0.0, 1.0}, {500.0, 0.8}, {2000.0, 0.2}, {5000.0, 0.0}}}, -1e3, 6e3,
            -1) == 0);
  // Peaked kinds rise up to their centre and fall after it.
  const std::vector<std::pair<ValueFunction, double>> peaked = {
      {GaussianValue{300.0, 150.0}, 300.0},
      {FuzzyNearValue{50.0, 0.01}, 50.0},
      {FuzzyGaussianValue{50.0, 0.01}, 50.0},
      {SymmetricLinearValue{500.0, 300.0, 200.0}, 500.0}};
  for (const auto& [f, centre] : peaked) {
    CHECK(monotonicity_violations(f, centre - 2000.0, centre, +1) == 0);
    CHECK(monotonicity_violations(f, centre, centre + 2000.0, -1) == 0);
  }
  // The checker itself catches a function that does not keep its direction.
  CHECK(monotonicity_violations(GaussianValue{300.0, 150.0}, 0.0, 600.0, +1) > 0);
}

TEST_CASE("every kind stays within [0, 1] and keeps NaN", "[value]") {
  const std::vector<double> xs = sweep_inputs();
  for (const ValueFunction& f : one_of_each_kind()) {
    INFO(f.describe());
    REQUIRE_NOTHROW(f.validate("test"));
    int outside = 0;
    for (double x : xs) {
      const double s = f(x);
      if (!(s >= 0.0 && s <= 1.0)) ++outside;
    }
    CHECK(outside == 0);
    CHECK(std::isnan(f(not_a_number)));
  }
}

TEST_CASE("validate rejects each kind's bad parameters and names where", "[value]") {
  check_rejects(LogisticGrowthValue{2000.0, 0.0}, "steepness");
  check_rejects(LogisticDecayValue{2000.0, -0.003}, "steepness");
  check_rejects(LogisticDecayValue{infinity, 0.003}, "midpoint");
  check_rejects(LogisticGrowthValue{2000.0, not_a_number}, "steepness");
  check_rejects(GaussianValue{300.0, 0.0}, "spread");
  check_rejects(GaussianValue{not_a_number, 150.0}, "ideal");
  check_rejects(FuzzySmallValue{0.0, 5.0}, "midpoint");
  check_rejects(FuzzySmallValue{-500.0, 5.0}, "midpoint");
  check_rejects(FuzzyLargeValue{500.0, 0.0}, "spread");
  check_rejects(FuzzyNearValue{50.0, -0.01}, "spread");
  check_rejects(FuzzyNearValue{infinity, 0.01}, "midpoint");
  check_rejects(FuzzyGaussianValue{50.0, 0.0}, "spread");
  check_rejects(FuzzyMSSmallValue{35.0, 0.0, 1.0, 1.0}, "std_dev");
  check_rejects(FuzzyMSSmallValue{not_a_number, 8.0, 1.0, 1.0}, "mean");
  check_rejects(FuzzyMSLargeValue{35.0, 8.0, 1.0, 0.0}, "std_multiplier");
  check_rejects(FuzzyMSLargeValue{35.0, 8.0, infinity, 1.0}, "mean_multiplier");
  check_rejects(FuzzyMSLargeValue{1e200, 8.0, 1e200, 1.0}, "overflow");
  check_rejects(PowerValue{500.0, 500.0, 2.0}, "both 500");
  check_rejects(PowerValue{0.0, 1000.0, 0.0}, "exponent");
  check_rejects(PowerValue{0.0, infinity, 2.0}, "high");
  check_rejects(SymmetricLinearValue{500.0, 0.0, 0.0}, "half_width");
  check_rejects(SymmetricLinearValue{500.0, 300.0, -1.0}, "plateau_width");
  check_rejects(SymmetricLinearValue{500.0, 300.0, 600.0}, "plateau_width");
  check_rejects(PiecewiseValue{{{0.0, 1.0}}}, "at least two");
  check_rejects(PiecewiseValue{{{0.0, 1.0}, {500.0, 0.8}, {400.0, 0.2}}}, "points[2]");
  check_rejects(PiecewiseValue{{{0.0, 1.0}, {500.0, 0.8}, {500.0, 0.2}}}, "strictly increasing");
  check_rejects(PiecewiseValue{{{0.0, 1.2}, {500.0, 0.8}}}, "between 0 and 1");
  check_rejects(PiecewiseValue{{{0.0, 1.0}, {500.0, -0.1}}}, "points[1] score");
  check_rejects(PiecewiseValue{{{not_a_number, 1.0}, {500.0, 0.0}}}, "points[0]");
  check_rejects(CategoricalValue{{}, 0.0}, "no codes");
  check_rejects(CategoricalValue{{{1.0, 1.0}, {2.0, 0.5}, {1.0, 0.2}}, 0.0}, "listed twice");
  check_rejects(CategoricalValue{{{0.0, 1.0}, {-0.0, 0.5}}, 0.0}, "listed twice");
  check_rejects(CategoricalValue{{{1.0, 2.0}}, 0.0}, "between 0 and 1");
  check_rejects(CategoricalValue{{{1.0, 1.0}}, -0.5}, "default");
  check_rejects(CategoricalValue{{{0.1, 1.0}}, 0.0}, "32-bit float");
  check_rejects(CategoricalValue{{{infinity, 1.0}}, 0.0}, "finite");
  // The valid functions used elsewhere in this file pass.
  for (const ValueFunction& f : one_of_each_kind()) CHECK_NOTHROW(f.validate("test"));
  CHECK_NOTHROW(ValueFunction(CategoricalValue{{{0.5, 1.0}, {16777216.0, 0.0}}, std::nullopt})
                    .validate("test"));
}

TEST_CASE("describe gives the formula with its parameters", "[value]") {
  CHECK(ValueFunction(LogisticDecayValue{2000.0, 0.003}).describe("m") ==
        "logistic decay: 1 / (1 + exp(0.003 * (x - 2000))); midpoint 2000 m, steepness 0.003 /m");
  CHECK(ValueFunction(LinearValue{500.0, 1.0, 5000.0, 0.0}).describe("m") ==
        "linear: 1 at 500 m, 0 at 5000 m, linear between, constant beyond");
  CHECK(ValueFunction(FuzzyNearValue{50.0, 0.01}).describe() ==
        "fuzzy near: 1 / (1 + 0.01 * (x - 50)^2); midpoint 50, spread 0.01");
  CHECK(ValueFunction(PiecewiseValue{{{0.0, 1.0}, {500.0, 0.8}}}).describe("m") ==
        "piecewise linear through (0 m, 1), (500 m, 0.8); constant beyond the ends");
  CHECK(ValueFunction(CategoricalValue{{{1.0, 1.0}, {2.0, 0.5}}, std::nullopt}).describe() ==
        "categorical: 1 -> 1, 2 -> 0.5; other codes -> nodata");
  CHECK(ValueFunction(FuzzyMSSmallValue{35.0, 8.0, 1.2, 3.2}).describe("m") ==
        "fuzzy MS small: 1 for x <= 42, else 25.6 / (x - 42 + 25.6); mean 35 m, standard "
        "deviation 8 m, mean multiplier 1.2, standard deviation multiplier 3.2");
  // Every kind describes itself in one line that starts with its name.
  for (const ValueFunction& f : one_of_each_kind()) {
    std::string d = f.describe("m");
    CHECK(d.find('\n') == std::string::npos);
    for (char& c : d) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string name = value_kind_name(f.kind());
    std::replace(name.begin(), name.end(), '_', ' ');
    CAPTURE(d, name);
    CHECK(d.rfind(name, 0) == 0);
  }
}

// Every kind converts to a ValueFunction (so code holding a LinearValue keeps working); plain
// numbers do not.
static_assert(std::is_convertible_v<LinearValue, ValueFunction>);
static_assert(std::is_convertible_v<const CategoricalValue&, ValueFunction>);
static_assert(!std::is_constructible_v<ValueFunction, double>);

TEST_CASE("kind names round-trip and unknown names are errors", "[value]") {
  const std::vector<std::string> names = value_kind_names();
  REQUIRE(names.size() == 14);
  for (std::size_t k = 0; k < names.size(); ++k)
    CHECK(parse_value_kind(names[k], "x") == static_cast<ValueKind>(k));
  CHECK_THROWS_WITH(parse_value_kind("logistic", "[criteria.schule].value"),
                    Contains("[criteria.schule].value") && Contains("logistic_decay"));
  CHECK(ValueFunction(PiecewiseValue{}).kind() == ValueKind::piecewise);
  CHECK(ValueFunction().kind() == ValueKind::linear);
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
  CHECK(s.at(1, 0) == -1.0f);
  CHECK_THAT(s.at(0, 1), WithinAbs(0.0, 1e-6));
  CHECK(s.is_nodata(s.at(1, 1)));
  CHECK(s.at(1, 1) == -1.0f);
}

TEST_CASE("apply_value_function: NaN cells and unlisted codes become nodata", "[value]") {
  const Grid g(0.0, 1.0, 1.0, 4, 1, "EPSG:25832");
  Raster<float> codes(g, 0.0f, 255.0f);
  codes.at(0, 0) = 1.0f;
  codes.at(1, 0) = 3.0f;  // not listed
  codes.at(2, 0) = std::numeric_limits<float>::quiet_NaN();
  codes.at(3, 0) = 2.0f;
  const CategoricalValue f{{{1.0, 1.0}, {2.0, 0.5}}, std::nullopt};
  const auto s = apply_value_function(codes, f, -1.0f, nullptr, 2);
  CHECK(s.at(0, 0) == 1.0f);
  CHECK(s.at(1, 0) == -1.0f);
  CHECK(s.at(2, 0) == -1.0f);
  CHECK(s.at(3, 0) == 0.5f);
  REQUIRE(s.nodata());
  CHECK(*s.nodata() == -1.0f);
}

TEST_CASE("apply_value_function: every cell equals the scalar score, for 1 and 4 threads",
          "[value]") {
  const Raster<float> input = random_indicator(257, 193, 20240611u);
  const Grid& g = input.grid();
  Raster<std::uint8_t> mask(g, 1);
  for (std::int64_t r = 0; r < g.rows(); ++r)
    for (std::int64_t c = 0; c < g.cols(); ++c)
      if ((r * 7 + c * 3) % 11 == 0) mask.at(c, r) = 0;
  std::vector<ValueFunction> kinds = one_of_each_kind();
  // Many unsorted codes, some unlisted: the raster path sorts them and searches.
  CategoricalValue many{{}, std::nullopt};
  for (int code : {12, 3, 9, 0, 5, 11, 1, 7, 10, 2})
    many.categories.push_back({double(code), code / 12.0});
  kinds.push_back(many);
  for (const ValueFunction& f : kinds) {
    INFO(f.describe());
    const auto one = apply_value_function(input, f, -1.0f, &mask, 1);
    const auto four = apply_value_function(input, f, -1.0f, &mask, 4);
    CHECK(std::memcmp(one.cells().data(), four.cells().data(), one.cells().size_bytes()) == 0);
    int mismatches = 0;
    for (std::int64_t r = 0; r < g.rows(); ++r)
      for (std::int64_t c = 0; c < g.cols(); ++c) {
        const float v = input.at(c, r);
        float expected = -1.0f;
        if (!input.is_nodata(v) && mask.at(c, r) != 0) {
          const double s = f(static_cast<double>(v));
          if (!std::isnan(s)) expected = static_cast<float>(s);
        }
        if (std::memcmp(&expected, &one.at(c, r), sizeof(float)) != 0) ++mismatches;
      }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("cell_moments: mean and population standard deviation of the cells with data",
          "[value]") {
  // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population standard deviation 2 (the textbook example, e.g.
  // Wikipedia, "Standard deviation"). Two nodata cells and two masked cells are left out.
  const Grid g(0.0, 3.0, 1.0, 4, 3, "EPSG:25832");
  Raster<float> r(g, 0.0f, -9999.0f);
  const float cells[] = {2.0f,   4.0f, -9999.0f, 4.0f,
                         100.0f, 4.0f, 5.0f,     1000.0f,
                         5.0f,   7.0f, 9.0f,     std::numeric_limits<float>::quiet_NaN()};
  std::copy(std::begin(cells), std::end(cells), r.cells().begin());
  Raster<std::uint8_t> mask(g, 1);
  mask.at(0, 1) = 0;  // the 100
  mask.at(3, 1) = 0;  // the 1000
  const CellMoments m = cell_moments(r, &mask, 1);
  CHECK(m.count == 8);
  CHECK_THAT(m.mean, WithinAbs(5.0, 1e-15));
  CHECK_THAT(m.std_dev, WithinAbs(2.0, 1e-15));
  // Without the mask the 100 and 1000 count.
  CHECK(cell_moments(r, nullptr, 1).count == 10);
  CHECK_THAT(cell_moments(r, nullptr, 1).mean, WithinAbs(1140.0 / 10.0, 1e-12));
  const CellMoments none = cell_moments(Raster<float>(g, -9999.0f, -9999.0f), nullptr, 1);
  CHECK(none.count == 0);
  CHECK(std::isnan(none.mean));
  CHECK(std::isnan(none.std_dev));
  // The same bits for any thread count.
  const Raster<float> big = random_indicator(301, 211, 7u);
  const CellMoments a = cell_moments(big, nullptr, 1);
  const CellMoments b = cell_moments(big, nullptr, 4);
  CHECK(a.count == b.count);
  CHECK(std::memcmp(&a.mean, &b.mean, sizeof(double)) == 0);
  CHECK(std::memcmp(&a.std_dev, &b.std_dev, sizeof(double)) == 0);
}
