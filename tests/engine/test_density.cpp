#include "standort/engine/density.hpp"
#include "standort/engine/error.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <numbers>
#include <random>

using namespace standort;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

constexpr Kernel all_kernels[] = {Kernel::quartic,   Kernel::triangular,   Kernel::uniform,
                                  Kernel::triweight, Kernel::epanechnikov, Kernel::gaussian};

double brute_force(const Grid& g, std::int64_t c, std::int64_t r, const std::vector<Point>& pts,
                   const std::vector<double>& w, const std::vector<double>& radii,
                   const DensityOptions& o) {
  double sum = 0.0;
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const double d = std::hypot(g.x(c) - pts[i].x(), g.y(r) - pts[i].y());
    const double h = radii.empty() ? o.radius_m : radii[i];
    sum += (w.empty() ? 1.0 : w[i]) * kernel_value(o.kernel, d, h, o.decay, o.scale);
  }
  return sum;
}

}  // namespace

TEST_CASE("kernel formulas match QGIS's Raw and Scaled definitions", "[density]") {
  const double h = 100.0, d = 50.0, u2 = 0.25;
  const double pi = std::numbers::pi;
  // Raw: the shapes themselves.
  CHECK_THAT(kernel_value(Kernel::quartic, d, h, 0, DensityScale::raw),
             WithinRel((1 - u2) * (1 - u2), 1e-15));
  CHECK_THAT(kernel_value(Kernel::triweight, d, h, 0, DensityScale::raw),
             WithinRel(std::pow(1 - u2, 3), 1e-15));
  CHECK_THAT(kernel_value(Kernel::epanechnikov, d, h, 0, DensityScale::raw),
             WithinRel(1 - u2, 1e-15));
  CHECK_THAT(kernel_value(Kernel::uniform, d, h, 0, DensityScale::raw), WithinRel(1.0, 1e-15));
  CHECK_THAT(kernel_value(Kernel::triangular, d, h, 0.2, DensityScale::raw),
             WithinRel(1 - 0.8 * 0.5, 1e-15));
  // Scaled: QGIS's constants, including its quartic constant 116/(5 pi h^2) * 15/16.
  CHECK_THAT(kernel_value(Kernel::quartic, d, h, 0, DensityScale::qgis_scaled),
             WithinRel(116.0 / (5 * pi * h * h) * 15.0 / 16.0 * (1 - u2) * (1 - u2), 1e-15));
  CHECK_THAT(kernel_value(Kernel::uniform, d, h, 0, DensityScale::qgis_scaled),
             WithinRel(2.0 / (pi * h) * (0.5 / h), 1e-15));
  CHECK_THAT(kernel_value(Kernel::triweight, d, h, 0, DensityScale::qgis_scaled),
             WithinRel(128.0 / (35 * pi * h * h) * 35.0 / 32.0 * std::pow(1 - u2, 3), 1e-15));
  CHECK_THAT(kernel_value(Kernel::epanechnikov, d, h, 0, DensityScale::qgis_scaled),
             WithinRel(8.0 / (3 * pi * h * h) * 0.75 * (1 - u2), 1e-15));
  CHECK_THAT(kernel_value(Kernel::triangular, d, h, 0.2, DensityScale::qgis_scaled),
             WithinRel(3.0 / ((1 + 0.4) * pi * h * h) * (1 - 0.8 * 0.5), 1e-15));
  CHECK_THAT(kernel_value(Kernel::triangular, d, h, -0.5, DensityScale::qgis_scaled),
             WithinRel(1 - 1.5 * 0.5, 1e-15));
  // Normalised density: the quartic constant that integrates to 1 is 3 / (pi h^2).
  CHECK_THAT(kernel_value(Kernel::quartic, 0.0, h, 0, DensityScale::density),
             WithinRel(3.0 / (pi * h * h), 1e-15));
  for (Kernel k : all_kernels) CHECK(kernel_value(k, h * 1.0001, h, 0, DensityScale::raw) == 0.0);
}

TEST_CASE("each normalised kernel integrates to 1 in the plane", "[density]") {
  // Polar integration with a fine midpoint rule: int_0^h K(r) 2 pi r dr.
  for (Kernel k : all_kernels) {
    for (double decay : {0.0, 0.5}) {
      if (k != Kernel::triangular && decay != 0.0) continue;
      const double h = 250.0;
      const int n = 200000;
      double sum = 0.0;
      for (int i = 0; i < n; ++i) {
        const double r = (i + 0.5) * h / n;
        sum += kernel_value(k, r, h, decay, DensityScale::density) * 2.0 * std::numbers::pi * r *
               (h / n);
      }
      INFO(kernel_name(k) << " decay " << decay);
      CHECK_THAT(sum, WithinAbs(1.0, 1e-8));
    }
  }
}

TEST_CASE("density equals brute force at every cell for every kernel and scale", "[density]") {
  std::mt19937_64 rng(2030);
  std::uniform_real_distribution<double> ux(-400.0, 1400.0), uy(-400.0, 1100.0), uw(0.5, 20.0),
      ur(60.0, 300.0);
  const Grid g(0.0, 1000.0, 10.0, 100, 80, "EPSG:25832");  // 1000 x 800 m, origin (0, 200)
  std::vector<Point> pts;
  std::vector<double> w, radii;
  for (int i = 0; i < 150; ++i) {
    pts.emplace_back(ux(rng), uy(rng) - 100.0);
    w.push_back(uw(rng));
    radii.push_back(ur(rng));
  }
  pts.emplace_back(g.x(10), g.y(10));           // on a cell centre
  pts.emplace_back(g.xmin() + 300.0, g.y(20));  // on a cell edge
  pts.emplace_back(-250.0, 500.0);              // outside the grid, still reaching in
  w.insert(w.end(), {3.0, 2.0, 5.0});
  radii.insert(radii.end(), {150.0, 80.0, 400.0});
  double total = 0.0;
  for (double v : w) total += v;
  for (Kernel k : all_kernels) {
    for (DensityScale scale :
         {DensityScale::raw, DensityScale::qgis_scaled, DensityScale::density}) {
      if (k == Kernel::gaussian && scale == DensityScale::qgis_scaled) continue;
      for (bool variable : {false, true}) {
        DensityOptions o;
        o.kernel = k;
        o.scale = scale;
        o.radius_m = 220.0;
        o.decay = k == Kernel::triangular ? 0.25 : 0.0;
        const std::vector<double> r = variable ? radii : std::vector<double>{};
        const auto got = kernel_density<double>(g, pts, w, r, o);
        // Tolerance: 1e-9 relative, plus rounding of the expansions relative to the local total.
        const double peak = kernel_value(k, 0.0, 60.0, o.decay, scale) * total;
        for (std::int64_t row = 0; row < g.rows(); ++row)
          for (std::int64_t c = 0; c < g.cols(); ++c) {
            const double expected = brute_force(g, c, row, pts, w, r, o);
            INFO(kernel_name(k) << " scale " << static_cast<int>(scale) << " variable " << variable
                                << " cell " << c << "," << row);
            REQUIRE_THAT(got.at(c, row),
                         WithinAbs(expected, 1e-9 * std::fabs(expected) + 1e-12 * peak));
          }
      }
    }
  }
}

TEST_CASE("density mass equals the sum of weights for points far from the border", "[density]") {
  // Midpoint sums of a kernel converge at a rate set by its smoothness at the rim: the smooth
  // kernels to 1e-6, the uniform and triangular ones (a jump or a kink at the rim) only to the
  // lattice-point error of a disc, which the tolerance states.
  const Grid g(0.0, 4000.0, 5.0, 800, 800, "EPSG:25832");
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(1200.0, 2800.0), uw(1.0, 10.0);
  std::vector<Point> pts;
  std::vector<double> w;
  double total = 0.0;
  for (int i = 0; i < 40; ++i) {
    pts.emplace_back(u(rng), u(rng));
    w.push_back(uw(rng));
    total += w.back();
  }
  const std::pair<Kernel, double> cases[] = {
      {Kernel::quartic, 1e-6},      {Kernel::triweight, 1e-6},  {Kernel::gaussian, 1e-6},
      {Kernel::epanechnikov, 1e-4}, {Kernel::triangular, 1e-4}, {Kernel::uniform, 1e-2}};
  for (const auto& [k, tol] : cases) {
    DensityOptions o;
    o.kernel = k;
    o.scale = DensityScale::density;
    o.radius_m = 1000.0;
    const auto d = kernel_density<double>(g, pts, w, {}, o);
    double mass = 0.0;
    for (double v : d.cells()) mass += v * 25.0;
    INFO(kernel_name(k));
    CHECK_THAT(mass, WithinRel(total, tol));
  }
}

TEST_CASE("density edge cases: weight 0, radius below a cell, 1 vs N threads", "[density]") {
  const Grid g(0.0, 100.0, 10.0, 10, 10, "EPSG:25832");
  DensityOptions o;
  o.radius_m = 3.0;  // smaller than a cell: only the cell whose centre is within 3 m gets a value
  const std::vector<Point> pts{{45.0, 55.0}, {12.0, 12.0}};
  const auto d = kernel_density<double>(g, pts, std::vector<double>{2.0, 0.0}, {}, o);
  CHECK_THAT(d.at(4, 4), WithinAbs(2.0, 1e-12));  // raw quartic at distance 0, weight 2
  double others = 0.0;
  for (double v : d.cells()) others += v;
  CHECK_THAT(others, WithinAbs(2.0, 1e-12));  // nothing else, and the weight-0 point adds nothing

  std::mt19937_64 rng(8);
  std::uniform_real_distribution<double> u(-500.0, 5500.0);
  const Grid big(0.0, 5000.0, 7.0, 700, 650, "EPSG:25832");
  std::vector<Point> many;
  for (int i = 0; i < 500; ++i) many.emplace_back(u(rng), u(rng));
  for (Kernel k : {Kernel::quartic, Kernel::triangular}) {
    DensityOptions a;
    a.kernel = k;
    a.radius_m = 600.0;
    a.threads = 1;
    const auto one = kernel_density<float>(big, many, {}, {}, a);
    a.threads = 3;
    const auto three = kernel_density<float>(big, many, {}, {}, a);
    CHECK(std::memcmp(one.cells().data(), three.cells().data(), one.cells().size_bytes()) == 0);
  }
  CHECK_THROWS_AS(kernel_density<float>(g, pts, std::vector<double>{1.0}, {}, o), InputError);
  CHECK_THROWS_AS(kernel_density<float>(g, pts, {}, std::vector<double>{1.0, -2.0}, o), InputError);
  CHECK_THROWS_AS(parse_kernel("quatric", "x"), InputError);
}
