#include "standort/engine/aggregation.hpp"
#include "standort/engine/error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

using namespace standort;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinULP;

namespace {

constexpr double no_score = std::numeric_limits<double>::quiet_NaN();

AggregationSpec spec_of(AggregationMethod method) {
  AggregationSpec s;
  s.method = method;
  return s;
}

AggregationSpec owa_andness(double andness) {
  AggregationSpec s = spec_of(AggregationMethod::owa);
  s.andness = andness;
  return s;
}

AggregationSpec owa_order(std::vector<double> order) {
  AggregationSpec s = spec_of(AggregationMethod::owa);
  s.order_weights = std::move(order);
  return s;
}

double agg(const AggregationSpec& s, const std::vector<double>& x,
           const std::vector<double>& w = {}) {
  return aggregate(s, x, w);
}

double sum_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

/// The message of the InputError `f` throws ("" when it throws none).
template <class F>
std::string input_error_text(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

const std::vector<double> scores = {0.2, 0.9, 0.5, 0.7};
const std::vector<double> unequal = {0.4, 0.1, 0.3, 0.2};

}  // namespace

TEST_CASE("WLC normalises its weights", "[aggregation]") {
  const auto wlc = spec_of(AggregationMethod::wlc);
  // (2, 1, 1) means (0.5, 0.25, 0.25): 0.5 * 0.2 + 0.25 * 0.6 + 0.25 * 1.0 = 0.5.
  CHECK_THAT(agg(wlc, {0.2, 0.6, 1.0}, {2.0, 1.0, 1.0}), WithinAbs(0.5, 1e-15));
  CHECK_THAT(agg(wlc, {0.2, 0.6, 1.0}, {0.5, 0.25, 0.25}), WithinAbs(0.5, 1e-15));
  // Normalised weights sum to 1: all scores 1 give exactly 1, all 0 give 0.
  CHECK_THAT(agg(wlc, {1.0, 1.0, 1.0}, {3.0, 7.0, 11.0}), WithinAbs(1.0, 1e-15));
  CHECK_THAT(agg(wlc, {0.0, 0.0, 0.0}, {3.0, 7.0, 11.0}), WithinAbs(0.0, 0.0));
  // No weights = equal weights = the mean.
  CHECK_THAT(agg(wlc, scores), WithinAbs(0.575, 1e-15));
  // Zero weights are allowed here (one-at-a-time sensitivity runs); all zero is not.
  CHECK_THAT(agg(wlc, {0.2, 0.6}, {0.0, 1.0}), WithinAbs(0.6, 0.0));
  CHECK_THROWS_AS(agg(wlc, {0.2, 0.6}, {0.0, 0.0}), InputError);
  CHECK_THROWS_AS(agg(wlc, {0.2, 0.6}, {-1.0, 2.0}), InputError);
  CHECK_THROWS_AS(agg(wlc, {0.2, 0.6}, {1.0, 2.0, 3.0}), InputError);
  CHECK_THROWS_AS(agg(wlc, {}), InputError);
}

TEST_CASE("OWA with equal order weights is the mean, and WLC under criterion weights",
          "[aggregation]") {
  const auto equal = owa_order({1.0, 1.0, 1.0, 1.0});
  CHECK_THAT(agg(equal, scores), WithinAbs(0.575, 1e-15));
  // WOWA: equal order weights make W*(t) = t, so each child gets its criterion weight.
  // WLC = 0.4 * 0.2 + 0.1 * 0.9 + 0.3 * 0.5 + 0.2 * 0.7 = 0.46.
  CHECK_THAT(agg(equal, scores, unequal), WithinAbs(0.46, 1e-15));
  CHECK_THAT(agg(equal, scores, unequal),
             WithinAbs(agg(spec_of(AggregationMethod::wlc), scores, unequal), 1e-15));
  // Order weights are normalised too.
  CHECK_THAT(agg(owa_order({0.25, 0.25, 0.25, 0.25}), scores, unequal), WithinAbs(0.46, 1e-15));
}

TEST_CASE("OWA with equal criterion weights is plain OWA", "[aggregation]") {
  // Sorted scores 0.9, 0.7, 0.5, 0.2 with order weights 0.4, 0.3, 0.2, 0.1:
  // 0.36 + 0.21 + 0.10 + 0.02 = 0.69, whichever way the children are listed.
  const auto s = owa_order({0.4, 0.3, 0.2, 0.1});
  CHECK_THAT(agg(s, scores), WithinAbs(0.69, 1e-15));
  CHECK_THAT(agg(s, {0.7, 0.5, 0.9, 0.2}), WithinAbs(0.69, 1e-15));
  CHECK_THAT(agg(s, scores, {2.0, 2.0, 2.0, 2.0}), WithinAbs(0.69, 1e-15));
}

TEST_CASE("OWA andness 1 is min, 0 is max, 0.5 is the mean", "[aggregation]") {
  CHECK_THAT(agg(owa_andness(1.0), scores), WithinAbs(0.2, 0.0));
  CHECK_THAT(agg(owa_andness(0.0), scores), WithinAbs(0.9, 0.0));
  CHECK_THAT(agg(owa_andness(0.5), scores), WithinAbs(0.575, 1e-12));
  // With criterion weights, andness 0.5 is WLC (WOWA with equal order weights).
  CHECK_THAT(agg(owa_andness(0.5), scores, unequal), WithinAbs(0.46, 1e-12));
  // The limits stay min and max under criterion weights, also when the worst (best) child has
  // a small weight: W*(t) = t^alpha is 0 below t = 1 (AND) and 1 above t = 0 (OR).
  for (const auto& w : {unequal, std::vector<double>{0.05, 0.05, 0.45, 0.45}}) {
    CHECK_THAT(agg(owa_andness(1.0), scores, w), WithinAbs(0.2, 0.0));
    CHECK_THAT(agg(owa_andness(0.0), scores, w), WithinAbs(0.9, 0.0));
    // Between the limits the score falls as the andness rises: t^alpha falls pointwise with
    // alpha, shifting weight to the lower scores.
    double previous = 1.0;
    for (double andness = 0.0; andness <= 1.0; andness += 0.05) {
      const double score = agg(owa_andness(std::min(andness, 1.0)), scores, w);
      CHECK(score <= previous + 1e-15);
      previous = score;
    }
  }
  CHECK_THAT(agg(owa_andness(1.0), {0.6}), WithinAbs(0.6, 0.0));
}

TEST_CASE("order weights from andness: hand-computed RIM quantifiers", "[aggregation]") {
  // n = 2: orness = w_1 = (1/2)^alpha; andness 0.75 -> alpha = 2 -> w = (1/4, 3/4).
  const auto w2 = owa_weights_from_andness(0.75, 2);
  REQUIRE(w2.size() == 2);
  CHECK_THAT(w2[0], WithinAbs(0.25, 1e-12));
  CHECK_THAT(w2[1], WithinAbs(0.75, 1e-12));
  CHECK_THAT(agg(owa_andness(0.75), {0.8, 0.4}), WithinAbs(0.25 * 0.8 + 0.75 * 0.4, 1e-12));
  // n = 3, Q(r) = r^2: w = (1/9, 3/9, 5/9), orness (2/9 + 3/9) / 2 = 5/18, andness 13/18.
  const auto w3 = owa_weights_from_andness(13.0 / 18.0, 3);
  REQUIRE(w3.size() == 3);
  CHECK_THAT(w3[0], WithinAbs(1.0 / 9, 1e-12));
  CHECK_THAT(w3[1], WithinAbs(3.0 / 9, 1e-12));
  CHECK_THAT(w3[2], WithinAbs(5.0 / 9, 1e-12));
  // The limits and n = 1.
  CHECK(owa_weights_from_andness(1.0, 3) == std::vector<double>{0.0, 0.0, 1.0});
  CHECK(owa_weights_from_andness(0.0, 3) == std::vector<double>{1.0, 0.0, 0.0});
  CHECK(owa_weights_from_andness(0.3, 1) == std::vector<double>{1.0});
  CHECK_THROWS_AS(owa_weights_from_andness(1.5, 3), InputError);
}

TEST_CASE("order weights from andness sum to 1 and have orness 1 - andness", "[aggregation]") {
  for (std::size_t n : {2u, 3u, 4u, 5u, 7u, 10u, 25u}) {
    for (double andness : {0.001, 0.05, 0.2, 0.3, 0.5, 0.6, 0.75, 0.9, 0.99, 0.999}) {
      INFO("n = " << n << ", andness = " << andness);
      const auto w = owa_weights_from_andness(andness, n);
      REQUIRE(w.size() == n);
      CHECK_THAT(sum_of(w), WithinAbs(1.0, 1e-12));
      CHECK_THAT(orness(w), WithinAbs(1.0 - andness, 1e-9));
      for (std::size_t k = 0; k < n; ++k) CHECK(w[k] >= 0.0);
      // r^alpha is convex for andness > 0.5, so the weights grow towards the worst score.
      for (std::size_t k = 1; k < n; ++k) {
        if (andness > 0.5) CHECK(w[k] >= w[k - 1] - 1e-15);
        if (andness < 0.5) CHECK(w[k] <= w[k - 1] + 1e-15);
      }
    }
  }
  CHECK_THAT(orness(std::vector<double>{1.0, 0.0, 0.0}), WithinAbs(1.0, 0.0));
  CHECK_THAT(orness(std::vector<double>{0.0, 0.0, 1.0}), WithinAbs(0.0, 0.0));
  CHECK_THAT(orness(std::vector<double>{0.2, 0.3, 0.5}), WithinAbs((2 * 0.2 + 0.3) / 2, 1e-15));
}

TEST_CASE("WOWA interpolates the cumulative order weights (Torra 1997)", "[aggregation]") {
  // Order weights (0.25, 0.75): W* through (0, 0), (0.5, 0.25), (1, 1). Scores (0.4, 0.8) with
  // criterion weights (0.8, 0.2): the best score (0.8, weight 0.2) gets W*(0.2) = 0.1, the other
  // 1 - 0.1 = 0.9: 0.1 * 0.8 + 0.9 * 0.4 = 0.44.
  const auto s = owa_order({0.25, 0.75});
  CHECK_THAT(agg(s, {0.4, 0.8}, {0.8, 0.2}), WithinAbs(0.44, 1e-15));
  const auto c = contributions(s, std::vector<double>{0.4, 0.8}, std::vector<double>{0.8, 0.2});
  REQUIRE(c.size() == 2);
  CHECK_THAT(c[0], WithinAbs(0.36, 1e-15));
  CHECK_THAT(c[1], WithinAbs(0.08, 1e-15));
}

TEST_CASE("weighted product and the fuzzy operators on hand-computed values", "[aggregation]") {
  // (1/16)^(1/4) * 1^(3/4) = 0.5
  CHECK_THAT(agg(spec_of(AggregationMethod::weighted_product), {1.0 / 16, 1.0}, {1.0, 3.0}),
             WithinAbs(0.5, 1e-15));
  // sqrt(0.25 * 0.64) = 0.4
  CHECK_THAT(agg(spec_of(AggregationMethod::weighted_product), {0.25, 0.64}),
             WithinAbs(0.4, 1e-15));
  // A zero score vetoes a weighted product.
  CHECK_THAT(agg(spec_of(AggregationMethod::weighted_product), {0.0, 1.0}, {1.0, 9.0}),
             WithinAbs(0.0, 0.0));

  const std::vector<double> x = {0.5, 0.4};
  const std::vector<double> w = {0.9, 0.1};  // ignored by every fuzzy operator
  for (const auto& weights : {std::vector<double>{}, w}) {
    CHECK_THAT(agg(spec_of(AggregationMethod::fuzzy_and), x, weights), WithinAbs(0.4, 0.0));
    CHECK_THAT(agg(spec_of(AggregationMethod::fuzzy_or), x, weights), WithinAbs(0.5, 0.0));
    CHECK_THAT(agg(spec_of(AggregationMethod::fuzzy_product), x, weights), WithinAbs(0.2, 1e-15));
    // 1 - (1 - 0.5)(1 - 0.4) = 0.7
    CHECK_THAT(agg(spec_of(AggregationMethod::fuzzy_sum), x, weights), WithinAbs(0.7, 1e-15));
    AggregationSpec gamma = spec_of(AggregationMethod::fuzzy_gamma);
    gamma.gamma = 0.5;  // sqrt(0.7 * 0.2)
    CHECK_THAT(agg(gamma, x, weights), WithinAbs(std::sqrt(0.14), 1e-15));
    gamma.gamma = 0.0;  // = product
    CHECK_THAT(agg(gamma, x, weights), WithinAbs(0.2, 1e-15));
    gamma.gamma = 1.0;  // = algebraic sum
    CHECK_THAT(agg(gamma, x, weights), WithinAbs(0.7, 1e-15));
    gamma.gamma = 0.9;  // 0.7^0.9 * 0.2^0.1
    CHECK_THAT(agg(gamma, x, weights), WithinAbs(std::pow(0.7, 0.9) * std::pow(0.2, 0.1), 1e-15));
  }
}

TEST_CASE("any NaN child makes the parent NaN; scores outside [0, 1] are errors", "[aggregation]") {
  for (auto method :
       {AggregationMethod::wlc, AggregationMethod::weighted_product, AggregationMethod::fuzzy_and,
        AggregationMethod::fuzzy_or, AggregationMethod::fuzzy_product, AggregationMethod::fuzzy_sum,
        AggregationMethod::fuzzy_gamma}) {
    INFO(aggregation_method_name(method));
    CHECK(std::isnan(agg(spec_of(method), {0.3, no_score, 0.8})));
    CHECK(std::isnan(agg(spec_of(method), {no_score, 1.5})));
    CHECK_THAT(input_error_text([&] {
                 agg(spec_of(method), {0.3, 1.2});
               }),
               Contains("child 2") && Contains("1.2"));
  }
  CHECK(std::isnan(agg(owa_andness(0.3), {0.3, 0.5, no_score})));
  CHECK_THROWS_AS(agg(owa_andness(0.3), {0.3, -0.1}), InputError);
  const auto c = contributions(spec_of(AggregationMethod::wlc), std::vector<double>{no_score, 0.5},
                               std::vector<double>{});
  CHECK(std::isnan(c[0]));
  CHECK(std::isnan(c[1]));
}

TEST_CASE("contributions sum to the score where they are additive", "[aggregation]") {
  const auto wlc = spec_of(AggregationMethod::wlc);
  const auto c = contributions(wlc, scores, unequal);
  REQUIRE(c.size() == 4);
  CHECK_THAT(c[0], WithinAbs(0.4 * 0.2, 1e-15));
  CHECK_THAT(c[1], WithinAbs(0.1 * 0.9, 1e-15));
  CHECK_THAT(sum_of(c), WithinAbs(agg(wlc, scores, unequal), 1e-15));
  for (const auto& s : {owa_andness(0.3), owa_andness(0.8), owa_order({0.1, 0.2, 0.3, 0.4})}) {
    CHECK_THAT(sum_of(contributions(s, scores, unequal)),
               WithinAbs(agg(s, scores, unequal), 1e-15));
    CHECK_THAT(sum_of(contributions(s, scores, {})), WithinAbs(agg(s, scores), 1e-15));
  }
  // Fuzzy AND: all of the score comes from the worst child.
  CHECK(contributions(spec_of(AggregationMethod::fuzzy_and), scores, {}) ==
        std::vector<double>{0.2, 0.0, 0.0, 0.0});
  CHECK(contributions(spec_of(AggregationMethod::fuzzy_or), scores, {}) ==
        std::vector<double>{0.0, 0.9, 0.0, 0.0});
  CHECK_FALSE(has_additive_contributions(AggregationMethod::weighted_product));
  CHECK_FALSE(has_additive_contributions(AggregationMethod::fuzzy_gamma));
  CHECK_THROWS_AS(contributions(spec_of(AggregationMethod::weighted_product), scores, {}),
                  std::invalid_argument);
}

TEST_CASE("AggregationSpec validation and description", "[aggregation]") {
  const std::string where = "[criteria.wohnen] aggregation";
  AggregationSpec both = owa_andness(0.5);
  both.order_weights = {0.5, 0.5};
  CHECK_THAT(input_error_text([&] { both.validate(where); }),
             Contains(where) && Contains("not both"));
  CHECK_THROWS_AS(spec_of(AggregationMethod::owa).validate(where), InputError);
  CHECK_THROWS_AS(owa_andness(1.5).validate(where), InputError);
  CHECK_THROWS_AS(owa_andness(no_score).validate(where), InputError);
  CHECK_THROWS_AS(owa_order({0.5, -0.1}).validate(where), InputError);
  CHECK_THROWS_AS(owa_order({0.0, 0.0}).validate(where), InputError);
  CHECK_THAT(input_error_text([&] {
               owa_order({0.5, 0.5}).validate(where, 3);
             }),
             Contains("2 order weights for 3 children"));
  CHECK_THROWS_AS(agg(owa_order({0.5, 0.5}), {0.1, 0.2, 0.3}), InputError);
  AggregationSpec wlc_with_andness = owa_andness(0.5);
  wlc_with_andness.method = AggregationMethod::wlc;
  CHECK_THAT(input_error_text([&] { wlc_with_andness.validate(where); }), Contains("owa"));
  AggregationSpec gamma = spec_of(AggregationMethod::fuzzy_gamma);
  gamma.gamma = 1.2;
  CHECK_THROWS_AS(gamma.validate(where), InputError);
  gamma.gamma = 0.9;
  CHECK_NOTHROW(gamma.validate(where));
  CHECK_NOTHROW(owa_order({0.5, 0.5}).validate(where, 2));

  CHECK_THAT(owa_andness(0.7).describe(), Contains("andness 0.7"));
  CHECK_THAT(gamma.describe(), Contains("gamma 0.9") && Contains("not used"));
  for (auto method :
       {AggregationMethod::wlc, AggregationMethod::weighted_product, AggregationMethod::owa,
        AggregationMethod::fuzzy_and, AggregationMethod::fuzzy_or, AggregationMethod::fuzzy_product,
        AggregationMethod::fuzzy_sum, AggregationMethod::fuzzy_gamma}) {
    CHECK(parse_aggregation_method(std::string(aggregation_method_name(method)), where) == method);
  }
  CHECK_THAT(input_error_text([&] { parse_aggregation_method("average", where); }),
             Contains(where) && Contains("wlc"));
}

namespace {

/// Three children on a 37 x 23 grid with scores from a fixed LCG, a few nodata cells (NaN in the
/// first, the nodata value -9999 in the second) and exact 0 and 1 scores.
std::vector<Raster<float>> make_children(const Grid& g) {
  std::vector<Raster<float>> children;
  std::uint32_t state = 2024;
  for (int k = 0; k < 3; ++k) {
    Raster<float> r(g, 0.0f, k == 1 ? std::optional<float>(-9999.0f) : std::nullopt);
    for (float& v : r.cells()) {
      state = state * 1664525u + 1013904223u;
      v = static_cast<float>(state >> 8) / static_cast<float>(1u << 24);
    }
    children.push_back(std::move(r));
  }
  children[0].at(3, 4) = std::numeric_limits<float>::quiet_NaN();
  children[1].at(10, 0) = -9999.0f;
  children[2].at(0, 22) = 0.0f;
  children[2].at(36, 22) = 1.0f;
  return children;
}

}  // namespace

TEST_CASE("aggregate_rasters: 1 thread == 3 threads bit for bit, and == the scalar function",
          "[aggregation]") {
  const Grid g(370000.0, 5710000.0, 10.0, 37, 23, "EPSG:25832");
  const auto children = make_children(g);
  const std::vector<const Raster<float>*> ptrs = {&children[0], &children[1], &children[2]};
  const std::vector<double> weights = {0.5, 0.3, 0.2};
  AggregationSpec gamma = spec_of(AggregationMethod::fuzzy_gamma);
  gamma.gamma = 0.7;
  const float nodata = -1.0f;
  for (const auto& s :
       {spec_of(AggregationMethod::wlc), spec_of(AggregationMethod::weighted_product),
        owa_andness(0.3), owa_andness(0.8), owa_order({0.6, 0.3, 0.1}),
        spec_of(AggregationMethod::fuzzy_and), spec_of(AggregationMethod::fuzzy_or),
        spec_of(AggregationMethod::fuzzy_product), spec_of(AggregationMethod::fuzzy_sum), gamma}) {
    INFO(s.describe());
    const Raster<float> one = aggregate_rasters(s, ptrs, weights, nodata, 1);
    const Raster<float> three = aggregate_rasters(s, ptrs, weights, nodata, 3);
    REQUIRE(one.grid() == g);
    CHECK(one.nodata() == std::optional<float>(nodata));
    CHECK(std::memcmp(one.cells().data(), three.cells().data(),
                      one.cells().size() * sizeof(float)) == 0);
    CHECK(one.at(3, 4) == nodata);
    CHECK(one.at(10, 0) == nodata);
    std::int64_t nodata_cells = 0;
    for (std::int64_t r = 0; r < g.rows(); ++r)
      for (std::int64_t c = 0; c < g.cols(); ++c) {
        std::vector<double> x;
        bool missing = false;
        for (const auto* child : ptrs) {
          const float v = child->at(c, r);
          missing = missing || child->is_nodata(v);
          x.push_back(static_cast<double>(v));
        }
        if (missing) {
          ++nodata_cells;
          continue;
        }
        const auto expected = static_cast<float>(aggregate(s, x, weights));
        CHECK_THAT(one.at(c, r), WithinULP(expected, 1));
      }
    CHECK(nodata_cells == 2);
  }
}

TEST_CASE("aggregate_rasters checks grids, weights and score ranges", "[aggregation]") {
  const Grid g(0.0, 3.0, 1.0, 3, 3, "EPSG:25832");
  const Grid other(0.0, 3.0, 2.0, 3, 3, "EPSG:25832");
  Raster<float> a(g, 0.5f);
  Raster<float> b(g, 0.25f);
  Raster<float> c(other, 0.5f);
  const auto wlc = spec_of(AggregationMethod::wlc);
  CHECK_THAT(input_error_text([&] {
               aggregate_rasters(wlc, {&a, &c}, std::vector<double>{}, -1.0f, 1);
             }),
             Contains("child 2") && Contains("different grid"));
  CHECK_THROWS_AS(aggregate_rasters(wlc, {}, std::vector<double>{}, -1.0f, 1), InputError);
  CHECK_THROWS_AS(aggregate_rasters(wlc, {&a, &b}, std::vector<double>{1.0}, -1.0f, 1), InputError);
  // Equal weights by default: (0.5 + 0.25) / 2 everywhere.
  const auto mean = aggregate_rasters(wlc, {&a, &b}, std::vector<double>{}, -1.0f, 2);
  for (float v : mean.cells()) CHECK_THAT(v, WithinAbs(0.375, 1e-7));
  // A score of 1.5 in the second child at (col 2, row 1) is named, for any thread count.
  b.at(2, 1) = 1.5f;
  b.at(1, 2) = -0.5f;
  for (int threads : {1, 3}) {
    CHECK_THAT(input_error_text([&] {
                 aggregate_rasters(wlc, {&a, &b}, std::vector<double>{}, -1.0f, threads);
               }),
               Contains("child 2 has score 1.5") && Contains("col 2, row 1"));
  }
}

TEST_CASE("OWA of two children without weights: rasters equal the per-cell functions",
          "[aggregation]") {
  // Two children and equal weights take a row-wise path; ties (where the order weights split
  // the equal scores by child order), nodata, NaN and the limits 0 and 1 must come out as the
  // per-cell functions give them.
  const Grid g(370000.0, 5710000.0, 10.0, 37, 23, "EPSG:25832");
  auto children = make_children(g);
  children.pop_back();
  for (std::int64_t c = 0; c < 37; c += 3) children[1].at(c, 5) = children[0].at(c, 5);  // ties
  children[0].at(7, 7) = 0.0f;
  children[1].at(7, 7) = 0.0f;
  children[0].at(8, 8) = 1.0f;
  const std::vector<const Raster<float>*> ptrs = {&children[0], &children[1]};
  const float nodata = -1.0f;
  // Bit for bit: the row-wise path promises the same operations as the per-cell one.
  auto same = [](float x, float y) { return std::memcmp(&x, &y, sizeof x) == 0; };
  for (const AggregationSpec& s : {owa_andness(0.3), owa_andness(0.8), owa_order({0.7, 0.3})}) {
    INFO(s.describe());
    const Raster<float> one = aggregate_rasters(s, ptrs, std::vector<double>{}, nodata, 1);
    const Raster<float> two = aggregate_rasters(s, ptrs, std::vector<double>{}, nodata, 2);
    CHECK(std::memcmp(one.cells().data(), two.cells().data(), one.cells().size_bytes()) == 0);
    const auto parts = contribution_rasters(s, ptrs, std::vector<double>{}, nodata, 2);
    REQUIRE(parts.size() == 2);
    std::int64_t nodata_cells = 0;
    for (std::int64_t r = 0; r < g.rows(); ++r)
      for (std::int64_t c = 0; c < g.cols(); ++c) {
        const float a = children[0].at(c, r), b = children[1].at(c, r);
        if (children[0].is_nodata(a) || children[1].is_nodata(b)) {
          ++nodata_cells;
          CHECK(same(one.at(c, r), nodata));
          CHECK(same(parts[0].at(c, r), nodata));
          continue;
        }
        const std::vector<double> x{a, b};
        CHECK(same(one.at(c, r), static_cast<float>(aggregate(s, x, {}))));
        const std::vector<double> expected = contributions(s, x, {});
        CHECK(same(parts[0].at(c, r), static_cast<float>(expected[0])));
        CHECK(same(parts[1].at(c, r), static_cast<float>(expected[1])));
      }
    CHECK(nodata_cells == 2);
  }
}

TEST_CASE("contribution rasters equal the per-cell contributions", "[aggregation]") {
  const Grid g(0.0, 30.0, 10.0, 7, 3, "EPSG:25832");
  std::vector<Raster<float>> children;
  for (int k = 0; k < 3; ++k) {
    children.emplace_back(g, 0.0f, -9999.0f);
    for (std::size_t i = 0; i < children.back().cells().size(); ++i)
      children.back().cells()[i] = static_cast<float>(
          static_cast<double>((i * 7 + static_cast<std::size_t>(k) * 3) % 11) / 10.0);
  }
  children[1].cells()[5] = -9999.0f;
  std::vector<const Raster<float>*> ptrs;
  for (const auto& c : children) ptrs.push_back(&c);
  const std::vector<double> w{0.5, 0.3, 0.2};
  AggregationSpec owa;
  owa.method = AggregationMethod::owa;
  owa.andness = 0.3;
  AggregationSpec wlc;
  AggregationSpec fuzzy_and;
  fuzzy_and.method = AggregationMethod::fuzzy_and;
  for (const AggregationSpec& spec : {owa, wlc, fuzzy_and}) {
    const auto parts = contribution_rasters(spec, ptrs, w, -9999.0f, 2);
    REQUIRE(parts.size() == 3);
    for (std::size_t i = 0; i < children[0].cells().size(); ++i) {
      if (i == 5) {
        CHECK(parts[0].cells()[i] == -9999.0f);  // the nodata sentinel itself
        continue;
      }
      const std::vector<double> cell_scores{children[0].cells()[i], children[1].cells()[i],
                                            children[2].cells()[i]};
      const std::vector<double> expected = contributions(spec, cell_scores, w);
      for (std::size_t j = 0; j < 3; ++j)
        CHECK_THAT(parts[j].cells()[i], WithinAbs(expected[j], 1e-7));
    }
  }
}
