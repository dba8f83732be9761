// How much the results depend on the weights of the criteria tree: weights drawn at random around
// the scenario's (Monte Carlo), how stable a ranking of candidate sites is under them, how much
// each cell's overall score varies, and one-at-a-time sweeps of single weights.
//
// Randomness. Run r draws from its own std::mt19937_64 seeded with the (r + 1)-th output of
// splitmix64 started at `seed`, so each run's weights are the same for any thread count and any
// number of runs. Uniform variates are (k + 0.5) / 2^53 from the generator's top 53 bits, normals
// come from Marsaglia's polar method, and Gamma variates from Marsaglia & Tsang (2000, "A simple
// method for generating gamma variables", ACM TOMS 26(3)), with G(a) = G(a + 1) U^(1/a) for
// a < 1; none of the standard library's distributions is used (their algorithms differ between
// implementations), so the draws are the same on every platform up to the last-bit rounding of
// std::log, std::exp and std::pow there.
#pragma once

#include "standort/engine/model.hpp"
#include "standort/engine/raster.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace standort {

/// How the weights are perturbed. Each sibling group (the children of one inner node) is drawn
/// independently and sums to 1; the goal keeps weight 1.
struct WeightPerturbation {
  enum class Kind {
    /// Dirichlet(concentration * w_i) over each sibling group: mean w_i, variance
    /// w_i (1 - w_i) / (concentration + 1). A base weight of 0 stays 0.
    dirichlet,
    /// Each weight times U(1 - percent/100, 1 + percent/100), then renormalised per group.
    uniform_percent
  } kind = Kind::dirichlet;
  double concentration = 100.0;
  double percent = 10.0;
  int runs = 1000;
  std::uint64_t seed = 1;

  /// Throws InputError naming `where` unless runs >= 1, concentration > 0 (finite) and
  /// 0 <= percent < 100.
  void validate(const std::string& where) const;
};

/// The weights of every run: runs x nodes (each node's weight among its siblings; the goal 1),
/// each sibling group summing to 1. Throws InputError naming `where` for an invalid perturbation
/// or a model whose weights are not resolved (a sibling group not summing to 1).
std::vector<std::vector<double>> sample_weights(const Model& model, const WeightPerturbation& p,
                                                const std::string& where);

struct SiteSensitivity {
  double p_top_k = 0.0;  ///< share of the runs in which the site ranks top_k or better
  /// Rank percentiles over the runs (nearest-rank: the smallest rank that at least 5 / 50 / 95 %
  /// of the runs reach).
  int rank_p05 = 0, rank_p50 = 0, rank_p95 = 0;
  double score_mean = 0.0, score_sd = 0.0;  ///< over the runs; sd is the population sd
  int base_rank = 0;                        ///< with the scenario's weights
  double base_score = 0.0;                  ///< with the scenario's weights
};

struct SensitivityResult {
  std::vector<SiteSensitivity> sites;
  int top_k = 0;
  int runs = 0;
};

/// Ranks candidate sites in every run. `site_criterion_scores` is sites x criteria (criteria in
/// the order of ModelNode::criterion), scores in 0..1; a site with any NaN score has no overall
/// score (NaN mean and sd) and ranks last in every run. Ranks: 1 = best, equal scores by site
/// index. Each site's score is evaluated as explain_cell() does (aggregate() node by node, in
/// double). Runs are computed in parallel over `threads` (0 = all cores) and combined in run
/// order, so the result is bit-identical for any thread count. Throws InputError naming `where`
/// for an invalid perturbation, top_k < 1, a score row of the wrong length or a score outside
/// 0..1, and LimitError when the rank counts (sites^2 counters) would exceed 2 GiB.
SensitivityResult site_sensitivity(const Model& model,
                                   const std::vector<std::vector<double>>& site_criterion_scores,
                                   const WeightPerturbation& p, int top_k, int threads,
                                   const std::string& where);

/// True when every inner node is a weighted sum (WLC): the overall score is then
/// sum_c g_c s_c with g the criteria's global weights.
bool is_linear(const Model& model);
/// True when every inner node is a weighted sum, or an OWA, fuzzy AND or fuzzy OR whose children
/// are all criteria, and the orders of those nodes' children number at most 720 together.
bool is_piecewise_linear(const Model& model);

/// The population covariance over the runs of the criteria's global weights (criteria x
/// criteria), each run's global weights multiplied down the tree from its normalised sibling
/// weights; accumulated in run order (Welford), so identical runs give exactly 0. Throws
/// InputError (naming `where`) when a run's weights do not fit the model.
std::vector<std::vector<double>> global_weight_covariance(
    const Model& model, const std::vector<std::vector<double>>& run_weights,
    const std::string& where = "global_weight_covariance");

enum class ScoreSdMethod {
  /// covariance for linear trees, by_order for piecewise-linear ones, direct otherwise
  automatic,
  /// Trees whose other nodes are OWA, fuzzy AND or fuzzy OR over criteria only: once the order of
  /// each such node's criterion scores is fixed, the overall score is linear in the scores again,
  /// with coefficients that depend on the run (the node's position weights) and on that order.
  /// One covariance matrix per order that occurs (at most 720 orders in all); each cell uses the
  /// one of its own order: sqrt(s^T C_order s). Exact like the covariance method.
  by_order,
  covariance,  ///< linear trees only: sqrt(s^T C s), C = global_weight_covariance()
  direct,      ///< every run evaluated, as evaluate_model() would
};

/// Per cell: the standard deviation (population, over the runs) of the overall score when the
/// tree's weights are those of each run (`run_weights`, e.g. from sample_weights()). All
/// criterion rasters lie on the same grid (criteria in ModelNode::criterion order); a cell is
/// `nodata` where any criterion is nodata.
///
/// covariance: for a tree of weighted sums the overall score is linear in the criterion scores
/// s, so its variance over the runs is exactly s^T C s (up to rounding, about 1e-16 relative to
/// the weights' variances): C is computed once and each cell costs O(criteria^2), independent of
/// the number of runs. direct: each run's tree is evaluated with aggregate_rasters(), the same
/// arithmetic as evaluate_model() (node scores stored as float, as in the suitability raster),
/// in bands of rows, and each cell's scores are accumulated in run order (Welford); the result is
/// the sd of the suitability rasters the runs would produce. The two agree to the float rounding
/// of the node scores (about 1e-8). Rows run in parallel; bit-identical for any thread count.
/// Throws InputError for rasters that do not fit the model, a score outside 0..1 (naming the
/// first such cell) or run weights that do not fit the model (or covariance for a non-linear
/// tree).
Raster<float> score_sd_raster(const Model& model,
                              const std::vector<const Raster<float>*>& criterion_scores,
                              const std::vector<std::vector<double>>& run_weights, float nodata,
                              int threads, ScoreSdMethod method = ScoreSdMethod::automatic);

struct SweepResult {
  int node = 0;            ///< the node whose weight was changed
  double delta = 0.0;      ///< relative change asked for
  std::vector<int> ranks;  ///< per site, 1 = best
  double weight = 0.0;     ///< the weight the node got (base * (1 + delta), at most 1)
};

/// One-at-a-time sweep: for every node with siblings (in node order) and every d in `deltas` (in
/// order), the node's weight becomes min(1, base * (1 + d)), its siblings' are scaled by
/// (1 - new) / (1 - base) so the group still sums to 1 (1 - new shared equally when base is 1),
/// and every site is ranked as in site_sensitivity(). d = 0 reproduces the base ranks. Throws
/// InputError naming `where` for a d that is not finite or below -1 and for the score errors of
/// site_sensitivity().
std::vector<SweepResult> one_at_a_time(
    const Model& model, const std::vector<std::vector<double>>& site_criterion_scores,
    const std::vector<double>& deltas, const std::string& where);

}  // namespace standort
