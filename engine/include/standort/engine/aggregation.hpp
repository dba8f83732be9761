// Aggregation of child suitability scores (each in [0, 1]) into a parent score, per cell: weighted
// linear combination, weighted product, OWA / WOWA with order weights or an andness, and the fuzzy
// operators AND, OR, product, algebraic sum and gamma.
//
// Definitions (x_i child scores, p_i criterion weights normalised to sum 1, n children):
//   wlc               sum_i p_i x_i
//   weighted_product  prod_i x_i^p_i
//   owa               Torra's weighted OWA (WOWA; Torra 1997, "The weighted OWA operator", Int. J.
//                     Intelligent Systems 12(2)). Sort the scores in decreasing order,
//                     x_s(1) >= ... >= x_s(n) (ties keep child order). With order weights w
//                     (normalised to sum 1; w_1 goes to the largest score) let W*(t) be the
//                     piecewise linear function through (k/n, w_1 + ... + w_k), k = 0..n. Then
//                     score = sum_k (W*(P_k) - W*(P_k-1)) x_s(k), P_k = p_s(1) + ... + p_s(k)
//                     (P_n is taken as exactly 1). Equal order weights give W*(t) = t, i.e. WLC;
//                     equal criterion weights give plain OWA sum_k w_k x_s(k) (Yager 1988),
//                     computed directly in that case.
//   andness           Order weights from a RIM quantifier Q(r) = r^alpha (Yager 1996,
//                     "Quantifier guided aggregation using OWA operators", Int. J. Intelligent
//                     Systems 11(1)): w_k = Q(k/n) - Q((k-1)/n), alpha solved by bisection so that
//                     Yager's orness sum_k (n - k) / (n - 1) w_k equals 1 - andness (to about
//                     1e-15). andness 1 is (0, ..., 0, 1) = min (AND), 0 is (1, 0, ..., 0) = max
//                     (OR), 0.5 gives alpha = 1, equal order weights, i.e. the arithmetic mean for
//                     equal criterion weights and WLC otherwise. With criterion weights the WOWA
//                     uses Q itself as W* (it interpolates the same points), so andness 1 and 0
//                     remain min and max whatever the criterion weights.
//   fuzzy_and         min_i x_i            fuzzy_or   max_i x_i
//   fuzzy_product     prod_i x_i           fuzzy_sum  1 - prod_i (1 - x_i)  (algebraic sum)
//   fuzzy_gamma       (fuzzy_sum)^gamma * (fuzzy_product)^(1 - gamma), gamma in [0, 1]
//                     (Zimmermann & Zysno 1980; gamma 0 = product, 1 = algebraic sum)
// The fuzzy operators ignore criterion weights, as ArcGIS's Fuzzy Overlay does; weights given
// for them are checked but not used.
// Nodata: a NaN child score (or a nodata cell in a child raster) makes the parent NaN / nodata.
// Order of evaluation is fixed: sums and products run in child order (sorted order for OWA, after
// a stable sort), so results are reproducible and independent of the thread count.
#pragma once

#include "standort/engine/raster.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace standort {

enum class AggregationMethod {
  wlc,
  weighted_product,
  owa,
  fuzzy_and,
  fuzzy_or,
  fuzzy_product,
  fuzzy_sum,
  fuzzy_gamma,
};

/// Parses "wlc" (also "weighted_sum"), "weighted_product", "owa", "fuzzy_and", "fuzzy_or",
/// "fuzzy_product", "fuzzy_sum" (also "fuzzy_algebraic_sum"), "fuzzy_gamma"; throws InputError
/// naming `where` and the valid names otherwise.
AggregationMethod parse_aggregation_method(const std::string& name, const std::string& where);

/// The canonical name parse_aggregation_method accepts, e.g. "weighted_product".
std::string_view aggregation_method_name(AggregationMethod method);

struct AggregationSpec {
  AggregationMethod method = AggregationMethod::wlc;
  /// owa only: order weights, the first for the largest score; >= 0, normalised to sum 1.
  std::vector<double> order_weights;
  /// owa only, instead of order_weights: 0 = max (OR) .. 0.5 = mean .. 1 = min (AND).
  std::optional<double> andness;
  /// fuzzy_gamma only; 0.9 is the default of ArcGIS's Fuzzy Gamma.
  double gamma = 0.9;

  /// Throws InputError naming `where` when the parameters do not fit the method: owa needs
  /// exactly one of order_weights (finite, >= 0, not all 0; as many as children when
  /// child_count > 0) and andness (in [0, 1]); other methods take neither; gamma must lie in
  /// [0, 1] for fuzzy_gamma.
  void validate(const std::string& where, std::size_t child_count = 0) const;
  /// One line for reports and the manifest, e.g. "OWA (andness 0.7, order weights from the
  /// quantifier Q(r) = r^alpha)".
  std::string describe() const;
};

/// OWA order weights for n children from an andness in [0, 1] (see the header comment); they sum
/// to 1 and orness() of them is 1 - andness. n = 1 gives {1}.
std::vector<double> owa_weights_from_andness(double andness, std::size_t n);

/// Yager's orness sum_k (n - k) / (n - 1) w_k of order weights (k = 1..n); 0.5 for n = 1.
double orness(std::span<const double> order_weights);

/// Aggregates one cell. `weights` are the criterion weights (>= 0, not all 0, normalised here;
/// empty = equal). Returns NaN when any score is NaN; throws InputError when a score lies outside
/// [0, 1], when the spec is invalid (validate) or when the counts differ.
double aggregate(const AggregationSpec& spec, std::span<const double> scores,
                 std::span<const double> weights);

/// aggregate() for every cell of children on one grid (checked). A cell is `nodata` in the result
/// when it is nodata in any child. Rows run in parallel (parallel_for_blocks); each cell is
/// computed alone, without allocation or virtual calls, so the result is bit-identical for any
/// thread count. A child score outside [0, 1] (and not nodata) is an InputError naming the child
/// and the first such cell in row-major order.
Raster<float> aggregate_rasters(const AggregationSpec& spec,
                                const std::vector<const Raster<float>*>& children,
                                std::span<const double> weights, float nodata, int threads = 0);

/// Whether contributions() is defined for the method: true for wlc, owa, fuzzy_and, fuzzy_or.
bool has_additive_contributions(AggregationMethod method);

/// Each child's share of the aggregated score at one cell; the shares sum to aggregate() (up to
/// rounding, as they are summed in child order).
///   wlc        p_i x_i.
///   owa        the weight the child received at this cell (W*(P_k) - W*(P_k-1) for its sorted
///              position k) times x_i; ties share in child order.
///   fuzzy_and  the score for the first child attaining the minimum, 0 for the others;
///   fuzzy_or   likewise for the maximum.
/// The multiplicative methods (weighted_product, fuzzy_product, fuzzy_sum, fuzzy_gamma) have no
/// additive decomposition: explain them by the child scores and weights themselves; calling this
/// for them throws std::invalid_argument. All shares are NaN when any score is NaN.
std::vector<double> contributions(const AggregationSpec& spec, std::span<const double> scores,
                                  std::span<const double> weights);

/// contributions() for every cell of children on one grid, one raster per child (nodata where
/// any child is nodata). The spec is prepared once (an andness is turned into order weights
/// once, not per cell); rows run in parallel; bit-identical for any thread count.
std::vector<Raster<float>> contribution_rasters(const AggregationSpec& spec,
                                                const std::vector<const Raster<float>*>& children,
                                                std::span<const double> weights, float nodata,
                                                int threads = 0);

/// The lexicographic rank (Lehmer code) of the permutation index[0..n) of 0, 1, ..., n - 1: 0 for
/// the identity, n! - 1 for the reversal. Tables indexed by the order of a few children use it.
std::size_t permutation_rank(const std::size_t* index, std::size_t n);

}  // namespace standort
