#include "standort/engine/error.hpp"
#include "standort/engine/model.hpp"
#include "standort/engine/sensitivity.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace standort;
using Catch::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

using Matrix = std::vector<std::vector<double>>;
const double no_data = std::numeric_limits<double>::quiet_NaN();

struct NodeSpec {
  std::string name;
  int parent;
  int criterion;
  double raw_weight;
};

/// A tree from (name, parent, criterion, raw weight) listed parents first, weights resolved.
Model build(const std::vector<NodeSpec>& specs, AggregationSpec pillar_q = {}) {
  Model m;
  for (const NodeSpec& s : specs) {
    ModelNode n;
    n.name = s.name;
    n.parent = s.parent;
    n.criterion = s.criterion;
    n.raw_weight = s.raw_weight;
    m.nodes.push_back(n);
    if (s.parent >= 0)
      m.nodes[static_cast<std::size_t>(s.parent)].children.push_back(
          static_cast<int>(m.nodes.size()) - 1);
  }
  for (ModelNode& n : m.nodes)
    if (n.name == "q") n.aggregation = pillar_q;
  resolve_weights(m, "test");
  return m;
}

/// Goal = 0.5 P + 0.3 Q + 0.2 e; P = 0.6 a + 0.4 b; Q = 0.5 c + 0.5 d (criteria a..e = 0..4).
Model tree(AggregationSpec q = {}) {
  return build({{"goal", -1, -1, 1.0},
                {"p", 0, -1, 0.5},
                {"q", 0, -1, 0.3},
                {"e", 0, 4, 0.2},
                {"a", 1, 0, 0.6},
                {"b", 1, 1, 0.4},
                {"c", 2, 2, 0.5},
                {"d", 2, 3, 0.5}},
               q);
}

AggregationSpec owa(double andness) {
  AggregationSpec s;
  s.method = AggregationMethod::owa;
  s.andness = andness;
  return s;
}

/// Goal = 0.6 a + 0.4 b.
Model two_criteria() { return build({{"goal", -1, -1, 1.0}, {"a", 0, 0, 0.6}, {"b", 0, 1, 0.4}}); }

WeightPerturbation dirichlet(double concentration, int runs, std::uint64_t seed = 1) {
  WeightPerturbation p;
  p.kind = WeightPerturbation::Kind::dirichlet;
  p.concentration = concentration;
  p.runs = runs;
  p.seed = seed;
  return p;
}

WeightPerturbation uniform(double percent, int runs, std::uint64_t seed = 1) {
  WeightPerturbation p;
  p.kind = WeightPerturbation::Kind::uniform_percent;
  p.percent = percent;
  p.runs = runs;
  p.seed = seed;
  return p;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

bool same_result(const SensitivityResult& x, const SensitivityResult& y) {
  if (x.sites.size() != y.sites.size() || x.runs != y.runs || x.top_k != y.top_k) return false;
  for (std::size_t i = 0; i < x.sites.size(); ++i) {
    const SiteSensitivity &a = x.sites[i], &b = y.sites[i];
    if (!same_bits(a.p_top_k, b.p_top_k) || a.rank_p05 != b.rank_p05 || a.rank_p50 != b.rank_p50 ||
        a.rank_p95 != b.rank_p95 || !same_bits(a.score_mean, b.score_mean) ||
        !same_bits(a.score_sd, b.score_sd) || a.base_rank != b.base_rank ||
        !same_bits(a.base_score, b.base_score))
      return false;
  }
  return true;
}

bool same_raster(const Raster<float>& a, const Raster<float>& b) {
  return a.grid() == b.grid() &&
         std::memcmp(a.cells().data(), b.cells().data(), a.cells().size() * sizeof(float)) == 0;
}

/// `m` with the weights of one run.
Model with_weights(Model m, const std::vector<double>& w) {
  for (std::size_t k = 0; k < m.nodes.size(); ++k) m.nodes[k].weight = w[k];
  return m;
}

/// Random criterion rasters on a cols x rows grid, scores in 0..1; a few cells nodata (the
/// sentinel in one raster, NaN in another).
std::vector<Raster<float>> random_criteria(std::int64_t cols, std::int64_t rows, std::size_t n,
                                           float nodata, std::uint64_t seed) {
  const Grid g(0.0, static_cast<double>(rows) * 10.0, 10.0, cols, rows, "EPSG:25832");
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<Raster<float>> out;
  for (std::size_t c = 0; c < n; ++c) {
    out.emplace_back(g, 0.0f, nodata);
    for (float& v : out.back().cells()) v = u(rng);
  }
  out[1].cells()[3] = nodata;
  if (n > 2)
    out[2].cells()[static_cast<std::size_t>(cols) + 1] = std::numeric_limits<float>::quiet_NaN();
  return out;
}

std::vector<const Raster<float>*> pointers(const std::vector<Raster<float>>& rasters) {
  std::vector<const Raster<float>*> out;
  for (const auto& r : rasters) out.push_back(&r);
  return out;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

/// Mean and population variance of column k of `rows`, two-pass.
std::pair<double, double> moments(const Matrix& rows, std::size_t k) {
  double sum = 0.0;
  for (const auto& r : rows) sum += r[k];
  const double mean = sum / static_cast<double>(rows.size());
  double ss = 0.0;
  for (const auto& r : rows) ss += (r[k] - mean) * (r[k] - mean);
  return {mean, ss / static_cast<double>(rows.size())};
}

}  // namespace

TEST_CASE("Dirichlet weights: groups sum to 1, mean and variance are the Dirichlet's",
          "[sensitivity]") {
  const Model m = tree();
  const double c = 100.0;
  const int runs = 4000;
  const Matrix w = sample_weights(m, dirichlet(c, runs), "[sensitivity]");
  REQUIRE(w.size() == static_cast<std::size_t>(runs));
  for (const auto& run : w) {
    REQUIRE(run.size() == m.nodes.size());
    CHECK_THAT(run[0], WithinAbs(1.0, 0.0));
    for (const ModelNode& n : m.nodes) {
      if (n.criterion >= 0) continue;
      double sum = 0.0;
      for (int ch : n.children) sum += run[static_cast<std::size_t>(ch)];
      CHECK_THAT(sum, WithinAbs(1.0, 1e-12));
    }
  }
  // Each weight of a Dirichlet(c w) group is Beta(c w_i, c (1 - w_i)): mean w_i, variance
  // v_i = w_i (1 - w_i) / (c + 1). The mean of `runs` draws has sd sqrt(v_i / runs); allow 4.5 of
  // them. The sample variance of nearly normal draws has relative sd sqrt(2 / runs) = 2.2 %;
  // allow 12 %.
  for (std::size_t k = 1; k < m.nodes.size(); ++k) {
    const double base = m.nodes[k].weight;
    const double v = base * (1.0 - base) / (c + 1.0);
    const auto [mean, var] = moments(w, k);
    INFO("node " << m.nodes[k].name << " base weight " << base);
    CHECK_THAT(mean, WithinAbs(base, 4.5 * std::sqrt(v / runs)));
    CHECK_THAT(var, WithinRel(v, 0.12));
  }
}

TEST_CASE("Dirichlet weights with concentration 1 (Gamma shapes below 1) follow Beta laws",
          "[sensitivity]") {
  const int runs = 20000;
  // Weights 0.6 / 0.4, concentration 1: a ~ Beta(0.6, 0.4), variance 0.24 / 2 = 0.12. Its
  // kurtosis is 3 - 4/3 (Beta excess kurtosis formula), so the sample variance has relative sd
  // sqrt((5/3 - 1) / runs) = 0.6 %; allow 4 %. The mean: sd sqrt(0.12 / runs) = 0.0024; allow
  // 0.011.
  const Matrix w = sample_weights(two_criteria(), dirichlet(1.0, runs), "t");
  const auto [mean, var] = moments(w, 1);
  CHECK_THAT(mean, WithinAbs(0.6, 0.011));
  CHECK_THAT(var, WithinRel(0.12, 0.04));
  // Weights 0.5 / 0.5, concentration 1: a ~ Beta(1/2, 1/2), the arcsine law, with
  // P(a < 0.1) = (2 / pi) asin(sqrt(0.1)) = 0.204833; binomial sd sqrt(0.2 * 0.8 / runs) = 0.0028,
  // allow 0.015.
  const Model half = build({{"goal", -1, -1, 1.0}, {"a", 0, 0, 1.0}, {"b", 0, 1, 1.0}});
  const Matrix h = sample_weights(half, dirichlet(1.0, runs, 5), "t");
  int below = 0;
  for (const auto& run : h) below += run[1] < 0.1 ? 1 : 0;
  CHECK_THAT(below / static_cast<double>(runs), WithinAbs(0.204833, 0.015));
  // Even concentration 1e-6 (shapes 5e-7) gives valid weights, nearly all on one child.
  const Matrix tiny = sample_weights(half, dirichlet(1e-6, 200, 3), "t");
  int one_sided = 0;
  for (const auto& run : tiny) {
    CHECK_THAT(run[1] + run[2], WithinAbs(1.0, 1e-12));
    one_sided += run[1] > 0.999 || run[2] > 0.999 ? 1 : 0;
  }
  CHECK(one_sided >= 195);
}

TEST_CASE("uniform percent weights: bounded ratios, 0 percent = the scenario's weights",
          "[sensitivity]") {
  const Model m = tree();
  const double p = 10.0;
  const Matrix w = sample_weights(m, uniform(p, 500), "t");
  // w'_i / w'_j = (w_i f_i) / (w_j f_j) with f in (0.9, 1.1): within w_i / w_j * (0.9/1.1)^+-1.
  const double r = (1.0 + p / 100.0) / (1.0 - p / 100.0);
  for (const auto& run : w) {
    CHECK_THAT(run[1] + run[2] + run[3], WithinAbs(1.0, 1e-12));
    CHECK_THAT(run[4] + run[5], WithinAbs(1.0, 1e-12));
    const double base_ratio = m.nodes[1].weight / m.nodes[3].weight;  // P / e = 2.5
    CHECK(run[1] / run[3] < base_ratio * r);
    CHECK(run[1] / run[3] > base_ratio / r);
  }
  const Matrix zero = sample_weights(m, uniform(0.0, 3), "t");
  for (const auto& run : zero)
    for (std::size_t k = 1; k < m.nodes.size(); ++k)
      CHECK_THAT(run[k], WithinAbs(m.nodes[k].weight, 1e-15));
}

TEST_CASE("the same seed gives the same weights, another seed other weights", "[sensitivity]") {
  const Model m = tree();
  for (const WeightPerturbation& p : {dirichlet(50.0, 20, 42), uniform(20.0, 20, 42)}) {
    const Matrix a = sample_weights(m, p, "t");
    const Matrix b = sample_weights(m, p, "t");
    WeightPerturbation other = p;
    other.seed = 43;
    const Matrix c = sample_weights(m, other, "t");
    double largest_difference = 0.0;
    for (std::size_t r = 0; r < a.size(); ++r) {
      for (std::size_t k = 0; k < a[r].size(); ++k) {
        CHECK(same_bits(a[r][k], b[r][k]));
        largest_difference = std::max(largest_difference, std::abs(a[r][k] - c[r][k]));
      }
    }
    CHECK(largest_difference > 1e-3);
    // A run's weights do not depend on how many runs are drawn.
    WeightPerturbation fewer = p;
    fewer.runs = 5;
    const Matrix d = sample_weights(m, fewer, "t");
    for (std::size_t k = 0; k < d[4].size(); ++k) CHECK(same_bits(d[4][k], a[4][k]));
  }
}

TEST_CASE("a dominating site stays first; two close sites swap with the Beta probability",
          "[sensitivity]") {
  const Model m = two_criteria();
  const int runs = 4000;
  // Site 1 scores 1 whatever the weights: always first. Sites 2 and 3 swap: site 2 beats site 3
  // when 0.8 a + 0.2 b > 0.2 a + 0.8 b, i.e. a > 0.5.
  const Matrix dominated = {{1.0, 1.0}, {0.8, 0.2}, {0.2, 0.8}};
  const SensitivityResult d = site_sensitivity(m, dominated, dirichlet(20.0, runs), 1, 2, "t");
  CHECK_THAT(d.sites[0].p_top_k, WithinAbs(1.0, 0.0));
  CHECK_THAT(d.sites[1].p_top_k, WithinAbs(0.0, 0.0));
  CHECK_THAT(d.sites[2].p_top_k, WithinAbs(0.0, 0.0));
  CHECK(d.sites[0].rank_p95 == 1);

  // Without the dominating site the two swap for the top. With concentration 20, a ~ Beta(12, 8)
  // and P(a > 0.5) = P(Binomial(19, 1/2) <= 11) = 430104 / 2^19 = 0.8203583; binomial sd over
  // 4000 runs 0.0061, allow 0.03.
  const Matrix close = {{0.8, 0.2}, {0.2, 0.8}, {0.1, 0.1}};
  const SensitivityResult s = site_sensitivity(m, close, dirichlet(20.0, runs), 1, 2, "t");
  REQUIRE(s.sites.size() == 3);
  CHECK(s.runs == runs);
  CHECK(s.top_k == 1);
  CHECK(s.sites[0].p_top_k > 0.0);
  CHECK(s.sites[0].p_top_k < 1.0);
  CHECK(s.sites[1].p_top_k > 0.0);
  CHECK(s.sites[1].p_top_k < 1.0);
  CHECK_THAT(s.sites[0].p_top_k, WithinAbs(0.8203583, 0.03));
  CHECK_THAT(s.sites[0].p_top_k + s.sites[1].p_top_k, WithinAbs(1.0, 1e-12));
  CHECK_THAT(s.sites[2].p_top_k, WithinAbs(0.0, 0.0));
  // Nearest-rank percentiles: site 1 is first in 82 % of the runs, second otherwise.
  CHECK(s.sites[0].rank_p05 == 1);
  CHECK(s.sites[0].rank_p50 == 1);
  CHECK(s.sites[0].rank_p95 == 2);
  CHECK(s.sites[1].rank_p05 == 1);
  CHECK(s.sites[1].rank_p50 == 2);
  CHECK(s.sites[1].rank_p95 == 2);
  CHECK(s.sites[2].rank_p05 == 3);
  CHECK(s.sites[2].rank_p95 == 3);
  // Base: 0.6 * 0.8 + 0.4 * 0.2 = 0.56, 0.44, 0.1.
  CHECK(s.sites[0].base_rank == 1);
  CHECK(s.sites[1].base_rank == 2);
  CHECK_THAT(s.sites[0].base_score, WithinAbs(0.56, 1e-15));
  // Score of site 1 = 0.2 + 0.6 a: mean 0.2 + 0.6 * 0.6 = 0.56, sd 0.6 sqrt(0.24 / 21) =
  // 0.0641427. The mean of 4000 runs has sd 0.001; allow 0.0046. The sd: allow 10 %.
  CHECK_THAT(s.sites[0].score_mean, WithinAbs(0.56, 0.0046));
  CHECK_THAT(s.sites[0].score_sd, WithinRel(0.0641427, 0.1));
  // Site 3 scores 0.1 whatever the weights: sd 0 up to rounding.
  CHECK_THAT(s.sites[2].score_sd, WithinAbs(0.0, 1e-15));

  // Uniform +-10 % cannot overturn 0.6 : 0.4 (the ratio moves at most by 1.1 / 0.9 < 1.5).
  const SensitivityResult u10 = site_sensitivity(m, close, uniform(10.0, 500), 1, 1, "t");
  CHECK_THAT(u10.sites[0].p_top_k, WithinAbs(1.0, 0.0));
  // +-50 %: factors 0.5 + U; site 2 wins when 0.4 f_b > 0.6 f_a, i.e. U_b > 0.25 + 1.5 U_a,
  // probability integral_0^0.5 (0.75 - 1.5 u) du = 0.1875; binomial sd 0.0062, allow 0.03.
  const SensitivityResult u50 = site_sensitivity(m, close, uniform(50.0, runs), 1, 1, "t");
  CHECK_THAT(u50.sites[1].p_top_k, WithinAbs(0.1875, 0.03));
}

TEST_CASE("zero perturbation: ranks collapse to the base rank, score sd is 0", "[sensitivity]") {
  const Matrix sites = {{0.9, 0.1, 0.5, 0.5, 0.3}, {0.2, 0.8, 0.4, 0.1, 0.9},
                        {0.5, 0.5, 0.5, 0.5, 0.5}, {0.3, no_data, 0.2, 0.2, 0.2},
                        {0.7, 0.7, 0.0, 1.0, 0.6}, {0.5, 0.5, 0.5, 0.5, 0.5}};
  for (const Model& m : {tree(), tree(owa(0.3))}) {
    const SensitivityResult r = site_sensitivity(m, sites, uniform(0.0, 50), 3, 2, "t");
    for (std::size_t s = 0; s < sites.size(); ++s) {
      const SiteSensitivity& x = r.sites[s];
      INFO("site " << s);
      CHECK_THAT(x.p_top_k, WithinAbs(x.base_rank <= 3 ? 1.0 : 0.0, 0.0));
      CHECK(x.rank_p05 == x.base_rank);
      CHECK(x.rank_p50 == x.base_rank);
      CHECK(x.rank_p95 == x.base_rank);
      if (s == 3) continue;  // no data
      CHECK_THAT(x.score_sd, WithinAbs(0.0, 0.0));
      CHECK_THAT(x.score_mean, WithinAbs(x.base_score, 1e-15));
      // The base score is explain_cell's overall score.
      CHECK_THAT(x.base_score, WithinAbs(explain_cell(m, sites[s]).node_scores[0], 1e-15));
    }
    // The site without data ranks last; the two identical sites keep their index order.
    CHECK(r.sites[3].base_rank == 6);
    CHECK(std::isnan(r.sites[3].score_mean));
    CHECK(r.sites[2].base_rank < r.sites[5].base_rank);
    CHECK(r.sites[5].base_rank - r.sites[2].base_rank == 1);

    const auto criteria = random_criteria(11, 7, 5, -9999.0f, 3);
    const Matrix w = sample_weights(m, uniform(0.0, 20), "t");
    for (ScoreSdMethod method : {ScoreSdMethod::automatic, ScoreSdMethod::direct}) {
      const Raster<float> sd = score_sd_raster(m, pointers(criteria), w, -9999.0f, 2, method);
      int valid = 0;
      for (float v : sd.cells()) {
        if (v == -9999.0f) continue;  // the nodata sentinel itself
        CHECK_THAT(v, WithinAbs(0.0, 0.0));
        ++valid;
      }
      CHECK(valid == 11 * 7 - 2);
    }
  }
}

TEST_CASE("sensitivity is bit-identical for 1 and N threads", "[sensitivity]") {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Matrix sites(40, std::vector<double>(5));
  for (auto& s : sites)
    for (double& x : s) x = u(rng);
  sites[7][2] = no_data;
  for (const Model& m : {tree(), tree(owa(0.3))}) {
    // 1100 runs: more than one chunk of runs.
    const WeightPerturbation p = dirichlet(30.0, 1100, 9);
    const SensitivityResult one = site_sensitivity(m, sites, p, 5, 1, "t");
    for (int threads : {2, 5})
      CHECK(same_result(one, site_sensitivity(m, sites, p, 5, threads, "t")));
    CHECK(same_result(one, site_sensitivity(m, sites, p, 5, 1, "t")));
    WeightPerturbation other = p;
    other.seed = 10;
    CHECK_FALSE(same_result(one, site_sensitivity(m, sites, other, 5, 2, "t")));

    // 5000 columns: bands of 6 rows, so the 20 rows form 4 bands for the threads to share.
    const auto criteria = random_criteria(5000, 20, 5, -1.0f, 4);
    const Matrix w = sample_weights(m, dirichlet(30.0, 12, 9), "t");
    for (ScoreSdMethod method : {ScoreSdMethod::automatic, ScoreSdMethod::direct}) {
      const Raster<float> a = score_sd_raster(m, pointers(criteria), w, -1.0f, 1, method);
      for (int threads : {2, 3}) {
        const Raster<float> b = score_sd_raster(m, pointers(criteria), w, -1.0f, threads, method);
        CHECK(same_raster(a, b));
      }
    }
  }
}

TEST_CASE("score sd: the covariance shortcut equals direct evaluation", "[sensitivity]") {
  const Model m = tree();
  REQUIRE(is_linear(m));
  const float nodata = -9999.0f;
  const auto criteria = random_criteria(9, 6, 5, nodata, 21);
  const Matrix w = sample_weights(m, dirichlet(1000.0, 300, 2), "t");

  // The covariance of the global weights equals the two-pass covariance of the global weights
  // computed here from the run weights.
  Matrix global(w.size(), std::vector<double>(5));
  for (std::size_t r = 0; r < w.size(); ++r) {
    const auto& x = w[r];
    global[r] = {x[1] * x[4], x[1] * x[5], x[2] * x[6], x[2] * x[7], x[3]};
  }
  const Matrix cov = global_weight_covariance(m, w);
  for (std::size_t i = 0; i < 5; ++i) {
    for (std::size_t j = 0; j < 5; ++j) {
      const double mi = moments(global, i).first, mj = moments(global, j).first;
      double sum = 0.0;
      for (const auto& g : global) sum += (g[i] - mi) * (g[j] - mj);
      CHECK_THAT(cov[i][j], WithinAbs(sum / static_cast<double>(global.size()), 1e-15));
    }
  }

  const Raster<float> shortcut =
      score_sd_raster(m, pointers(criteria), w, nodata, 2, ScoreSdMethod::covariance);
  const Raster<float> direct =
      score_sd_raster(m, pointers(criteria), w, nodata, 2, ScoreSdMethod::direct);
  const Raster<float> automatic = score_sd_raster(m, pointers(criteria), w, nodata, 2);
  CHECK(same_raster(shortcut, automatic));

  // References per cell over the runs, accumulated here in run order (Welford):
  // `exact` from explain_cell in double, `stored` from evaluate_model's float overall scores.
  std::vector<Model> run_models;
  for (const auto& x : w) run_models.push_back(with_weights(m, x));
  std::vector<double> stored_mean(54, 0.0), stored_m2(54, 0.0);
  for (std::size_t r = 0; r < w.size(); ++r) {
    const ModelScores ms = evaluate_model(run_models[r], pointers(criteria), nodata, 1);
    for (std::size_t i = 0; i < 54; ++i) {
      const double x = ms.node_scores[0].cells()[i];
      const double d = x - stored_mean[i];
      stored_mean[i] += d / static_cast<double>(r + 1);
      stored_m2[i] += d * (x - stored_mean[i]);
    }
  }
  double largest_sd = 0.0;
  int valid = 0;
  for (std::size_t i = 0; i < 54; ++i) {
    std::vector<double> s(5);
    bool missing = false;
    for (std::size_t c = 0; c < 5; ++c) {
      s[c] = criteria[c].cells()[i];
      missing |= criteria[c].is_nodata(criteria[c].cells()[i]);
    }
    if (missing) {
      CHECK(shortcut.cells()[i] == nodata);  // the sentinel itself
      CHECK(direct.cells()[i] == nodata);
      continue;
    }
    ++valid;
    double mean = 0.0, m2 = 0.0;
    for (std::size_t r = 0; r < w.size(); ++r) {
      const double x = explain_cell(run_models[r], s).node_scores[0];
      const double d = x - mean;
      mean += d / static_cast<double>(r + 1);
      m2 += d * (x - mean);
    }
    const double exact = std::sqrt(m2 / static_cast<double>(w.size()));
    largest_sd = std::max(largest_sd, exact);
    // The raster stores float: below 1/64 its rounding is at most 2^-31 = 4.7e-10.
    CHECK_THAT(shortcut.cells()[i], WithinAbs(exact, 1e-9));
    // Direct evaluation is evaluate_model's arithmetic exactly.
    const double stored = std::sqrt(stored_m2[i] / static_cast<double>(w.size()));
    CHECK_THAT(direct.cells()[i], WithinAbs(static_cast<float>(stored), 1e-12));
    // Its overall scores pass through float twice (pillar and goal), at most 2 * 2^-25 = 6e-8
    // off each run's exact score, and the sd moves by no more than that (Minkowski).
    CHECK_THAT(direct.cells()[i], WithinAbs(exact, 1e-7));
  }
  CHECK(valid == 52);
  REQUIRE(largest_sd < 1.0 / 64.0);
  REQUIRE(largest_sd > 1e-4);  // a real spread, not a trivially zero one
}

TEST_CASE("score sd of a non-linear tree: every run evaluated as evaluate_model does",
          "[sensitivity]") {
  const Model m = tree(owa(0.3));
  REQUIRE_FALSE(is_linear(m));
  const float nodata = -9999.0f;
  const auto criteria = random_criteria(8, 5, 5, nodata, 8);
  const Matrix w = sample_weights(m, dirichlet(50.0, 40, 6), "t");
  const Raster<float> sd =
      score_sd_raster(m, pointers(criteria), w, nodata, 2, ScoreSdMethod::direct);
  std::vector<double> mean(40, 0.0), m2(40, 0.0);
  for (std::size_t r = 0; r < w.size(); ++r) {
    const ModelScores ms = evaluate_model(with_weights(m, w[r]), pointers(criteria), nodata, 1);
    for (std::size_t i = 0; i < 40; ++i) {
      const double x = ms.node_scores[0].cells()[i];
      const double d = x - mean[i];
      mean[i] += d / static_cast<double>(r + 1);
      m2[i] += d * (x - mean[i]);
    }
  }
  double largest = 0.0;
  for (std::size_t i = 0; i < 40; ++i) {
    if (i == 3 || i == 9) {
      CHECK(sd.cells()[i] == nodata);  // the sentinel itself
      continue;
    }
    const auto expected = static_cast<float>(std::sqrt(m2[i] / 40.0));
    CHECK_THAT(sd.cells()[i], WithinAbs(expected, 1e-12));
    largest = std::max(largest, static_cast<double>(expected));
  }
  CHECK(largest > 1e-3);
  CHECK_THAT(error_of([&] {
               score_sd_raster(m, pointers(criteria), w, nodata, 1, ScoreSdMethod::covariance);
             }),
             Contains("needs a tree of weighted sums"));
}

TEST_CASE("one-at-a-time sweep: delta 0 is the base ranking, larger shifts swap sites",
          "[sensitivity]") {
  const Model m = two_criteria();
  const Matrix close = {{0.8, 0.2}, {0.2, 0.8}, {0.1, 0.1}};
  const std::vector<SweepResult> sweep = one_at_a_time(m, close, {-0.5, 0.0, 0.5, 1.0}, "t");
  REQUIRE(sweep.size() == 8);  // nodes a and b, four deltas each
  // a: 0.3 -> b = 0.4 * 0.7 / 0.4 = 0.7: site 1 0.38, site 2 0.62, so they swap.
  CHECK(sweep[0].node == 1);
  CHECK_THAT(sweep[0].weight, WithinAbs(0.3, 1e-15));
  CHECK(sweep[0].ranks == std::vector<int>{2, 1, 3});
  CHECK(sweep[1].ranks == std::vector<int>{1, 2, 3});
  CHECK_THAT(sweep[2].weight, WithinAbs(0.9, 1e-15));
  CHECK(sweep[2].ranks == std::vector<int>{1, 2, 3});
  // 0.6 * 2 = 1.2 is capped at 1.
  CHECK_THAT(sweep[3].weight, WithinAbs(1.0, 0.0));
  CHECK(sweep[3].ranks == std::vector<int>{1, 2, 3});
  // b: 0.6 -> a = 0.6 * 0.4 / 0.6 = 0.4: site 1 0.44, site 2 0.56.
  CHECK(sweep[4].node == 2);
  CHECK(sweep[4].ranks == std::vector<int>{1, 2, 3});
  CHECK(sweep[6].ranks == std::vector<int>{2, 1, 3});
  CHECK_THAT(sweep[7].weight, WithinAbs(0.8, 1e-15));
  CHECK(sweep[7].ranks == std::vector<int>{2, 1, 3});

  // On the bigger tree, delta 0 reproduces site_sensitivity's base ranks for every node.
  const Model t = tree(owa(0.7));
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Matrix sites(12, std::vector<double>(5));
  for (auto& s : sites)
    for (double& x : s) x = u(rng);
  const SensitivityResult base = site_sensitivity(t, sites, uniform(0.0, 1), 1, 1, "t");
  const std::vector<SweepResult> zero = one_at_a_time(t, sites, {0.0}, "t");
  CHECK(zero.size() == 7);  // every node but the goal has siblings
  for (const SweepResult& r : zero)
    for (std::size_t s = 0; s < sites.size(); ++s) CHECK(r.ranks[s] == base.sites[s].base_rank);
}

TEST_CASE("sensitivity input errors name where, what and how to fix it", "[sensitivity]") {
  const Model m = two_criteria();
  const Matrix ok = {{0.5, 0.5}};
  const std::string where = "[sensitivity]";
  auto run = [&](WeightPerturbation p, const Matrix& sites = {{0.5, 0.5}}, int top_k = 1) {
    return error_of([&] { site_sensitivity(m, sites, p, top_k, 1, where); });
  };
  WeightPerturbation p;
  p.runs = 0;
  CHECK_THAT(run(p), Contains("[sensitivity]: runs is 0"));
  p = WeightPerturbation{};
  p.concentration = 0.0;
  CHECK_THAT(run(p), Contains("concentration is 0"));
  p.concentration = -3.0;
  CHECK_THAT(run(p), Contains("positive"));
  p = uniform(100.0, 10);
  CHECK_THAT(run(p), Contains("percent is 100"));
  p = uniform(-1.0, 10);
  CHECK_THAT(run(p), Contains("[0, 100)"));
  CHECK_THAT(run(WeightPerturbation{}, ok, 0), Contains("top_k is 0"));
  CHECK_THAT(run(WeightPerturbation{}, {{0.5, 0.5}, {0.5}}),
             Contains("site 2 has 1 criterion scores") && Contains("2 criteria"));
  CHECK_THAT(run(WeightPerturbation{}, {{0.5, 1.5}}),
             Contains("site 1 has score 1.5 for criterion 2") && Contains("between 0 and 1"));
  CHECK_THAT(run(WeightPerturbation{}, {{-0.1, 0.5}}), Contains("score -0.1"));
  CHECK_THAT(error_of([&] { sample_weights(m, uniform(120.0, 3), where); }),
             Contains("[sensitivity]: percent is 120"));
  CHECK_THAT(error_of([&] { one_at_a_time(m, ok, {-2.0}, where); }),
             Contains("delta 1 is -2") && Contains(">= -1"));
  CHECK_THAT(error_of([&] { one_at_a_time(m, ok, {no_data}, where); }), Contains("delta 1 is nan"));
  CHECK_THAT(error_of([&] {
               one_at_a_time(m, {{0.5, 2.0}}, {0.1}, where);
             }),
             Contains("between 0 and 1"));

  // A tree whose weights were not resolved.
  Model unresolved = m;
  unresolved.nodes[1].weight = 0.9;
  CHECK_THAT(error_of([&] { sample_weights(unresolved, WeightPerturbation{}, where); }),
             Contains("the children of the goal sum to 1.3") && Contains("resolve_weights"));

  // score_sd_raster: rasters and run weights that do not fit.
  const auto criteria = random_criteria(4, 4, 2, -1.0f, 1);
  const Matrix w = sample_weights(m, WeightPerturbation{}, where);
  CHECK_THAT(error_of([&] { score_sd_raster(m, {&criteria[0]}, w, -1.0f, 1); }),
             Contains("1 criterion rasters for a tree of 2 criteria"));
  const Raster<float> elsewhere(Grid(100.0, 40.0, 10.0, 4, 4, "EPSG:25832"), 0.5f, -1.0f);
  CHECK_THAT(error_of([&] {
               score_sd_raster(m, {&criteria[0], &elsewhere}, w, -1.0f, 1);
             }),
             Contains("criterion 2 ('b') lies on a different grid"));
  Raster<float> bad = criteria[1];
  bad.at(2, 3) = 1.25f;
  bad.at(1, 3) = -0.5f;
  CHECK_THAT(error_of([&] {
               score_sd_raster(m, {&criteria[0], &bad}, w, -1.0f, 3);
             }),
             Contains("criterion 2 ('b') has score -0.5 at cell (col 1, row 3)"));
  CHECK_THAT(error_of([&] {
               score_sd_raster(m, pointers(criteria), {{1.0, 0.5}}, -1.0f, 1);
             }),
             Contains("run 1 has 2 weights for a tree of 3 nodes"));
  CHECK_THAT(error_of([&] {
               score_sd_raster(m, pointers(criteria), {{1.0, 0.5, 0.6}}, -1.0f, 1);
             }),
             Contains("sum to 1.1, not 1"));
  CHECK_THAT(error_of([&] { score_sd_raster(m, pointers(criteria), {}, -1.0f, 1); }),
             Contains("no runs"));
}

TEST_CASE("score sd by order of the OWA / fuzzy children equals direct evaluation",
          "[sensitivity]") {
  const float nodata = -9999.0f;
  AggregationSpec fuzzy_and;
  fuzzy_and.method = AggregationMethod::fuzzy_and;
  for (const AggregationSpec& q : {owa(0.3), owa(0.8), fuzzy_and}) {
    const Model m = tree(q);
    REQUIRE_FALSE(is_linear(m));
    REQUIRE(is_piecewise_linear(m));
    const auto criteria = random_criteria(30, 20, 5, nodata, 11);
    const Matrix w = sample_weights(m, dirichlet(20.0, 60, 4), "t");
    const Raster<float> by_order =
        score_sd_raster(m, pointers(criteria), w, nodata, 2, ScoreSdMethod::by_order);
    const Raster<float> direct =
        score_sd_raster(m, pointers(criteria), w, nodata, 1, ScoreSdMethod::direct);
    const Raster<float> automatic = score_sd_raster(m, pointers(criteria), w, nodata, 3);
    double largest = 0.0;
    for (std::size_t i = 0; i < by_order.cells().size(); ++i) {
      REQUIRE((by_order.cells()[i] == nodata) == (direct.cells()[i] == nodata));
      if (direct.cells()[i] == nodata) continue;
      // Direct evaluation stores node scores as Float32 (as evaluate_model does): 1e-6.
      CHECK_THAT(by_order.cells()[i], WithinAbs(direct.cells()[i], 1e-6));
      // automatic picks by_order: the same bits for any thread count
      CHECK(std::memcmp(&automatic.cells()[i], &by_order.cells()[i], sizeof(float)) == 0);
      largest = std::max(largest, static_cast<double>(direct.cells()[i]));
    }
    CHECK(largest > 1e-3);
  }
  // An OWA over a pillar (an inner node) orders run-dependent scores: not piecewise linear here.
  Model nested = build({{"goal", -1, -1, 1.0},
                        {"q", 0, -1, 0.5},
                        {"p", 0, -1, 0.5},
                        {"a", 2, 0, 0.5},
                        {"b", 2, 1, 0.5},
                        {"c", 1, 2, 1.0}});
  nested.nodes[0].aggregation = owa(0.3);
  CHECK_FALSE(is_piecewise_linear(nested));
}
