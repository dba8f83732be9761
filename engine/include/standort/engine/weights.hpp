// Criterion weights for a group of sibling criteria: direct weights, weights from ranks, Saaty's
// AHP (principal eigenvector, consistency ratio, the most inconsistent judgement) and group AHP.
// Every function returns weights that sum to 1; messages name the criteria and how to fix them.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace standort {

/// Direct weights normalised to sum 1 (divided by their sum, summed in index order).
/// Every raw weight must be finite and > 0. Zero is deliberately refused: a criterion with weight
/// 0 has no effect in a weighted sum but still vetoes a weighted product, so the message asks to
/// remove the criterion instead. `names` (one per weight) and `where` appear in the messages.
std::vector<double> direct_weights(std::span<const double> raw, std::span<const std::string> names,
                                   const std::string& where);

enum class RankMethod {
  sum,         ///< rank sum: (n - r + 1) / sum_k (n - k + 1)
  reciprocal,  ///< rank reciprocal: (1 / r) / sum_k (1 / k)
  centroid,    ///< rank order centroid: (1 / n) sum_{k=r..n} 1 / k (Barron & Barrett 1996)
};

/// Parses "rank_sum", "rank_reciprocal", "rank_order_centroid" (also "sum", "reciprocal",
/// "centroid", "roc"); throws InputError naming `where` otherwise.
RankMethod parse_rank_method(const std::string& name, const std::string& where);

/// Weights from ranks (1 = most important), after Stillwell, Seaver & Edwards (1981) for rank sum
/// and rank reciprocal and Barron & Barrett (1996, Management Science 42(11)) for the rank order
/// centroid. Each rank must be an integer in [1, n]; only the order of the ranks matters. The
/// criteria are put in order of rank and take positions 1..n; criteria with equal rank share the
/// positions they occupy and each gets the mean of the weights of those positions, so ranks
/// {1, 2, 2, 4} and {1, 2, 2, 3} both give criteria 2 and 3 the mean of the position-2 and
/// position-3 weights. The weights sum to 1.
std::vector<double> rank_weights(std::span<const int> ranks, RankMethod method,
                                 std::span<const std::string> names, const std::string& where);

/// A pairwise comparison matrix, row by row: a[i][j] is how much more important criterion i is
/// than criterion j on Saaty's 1-9 scale, a[j][i] = 1 / a[i][j], a[i][i] = 1.
using PairwiseMatrix = std::vector<std::vector<double>>;

/// Largest number of criteria in one AHP matrix: the end of Saaty's random index table.
constexpr std::size_t ahp_max_criteria = 15;

/// Saaty's random consistency index RI for an n x n matrix, n = 1..15: 0, 0, 0.58, 0.90, 1.12,
/// 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59 (Saaty 1980, The Analytic Hierarchy
/// Process, McGraw-Hill: the mean consistency index of random reciprocal matrices on the 1/9..9
/// scale). Throws std::out_of_range outside 1..15.
double random_index(std::size_t n);

/// One judgement a[i][j] (i < j) with the value that would be consistent with the weights.
struct AhpJudgement {
  std::size_t i = 0;
  std::size_t j = 0;
  double given = 1.0;       ///< a[i][j] as the user wrote it
  double consistent = 1.0;  ///< w_i / w_j
};

struct AhpResult {
  std::vector<double> weights;  ///< principal right eigenvector, sums to 1
  double lambda_max = 0.0;      ///< principal eigenvalue (>= n)
  double ci = 0.0;              ///< consistency index max(0, lambda_max - n) / (n - 1); 0 for n = 1
  double ri = 0.0;              ///< random_index(n)
  double cr = 0.0;              ///< consistency ratio ci / ri; 0 for n <= 2
  /// The pair (i, j), i < j, maximising |ln(a_ij * w_j / w_i)| (the first such pair in row-major
  /// order on ties); {0, 0, 1, 1} for n = 1.
  AhpJudgement most_inconsistent;
};

/// Checks a pairwise comparison matrix and throws InputError naming `where`, the criteria and the
/// values when it is not one. Rules: names.size() == n, 1 <= n <= 15 (one criterion gives weight
/// 1; beyond 15 no random index exists and Saaty advises splitting the criteria into a
/// hierarchy), square, every entry finite and > 0, diagonal 1, a[j][i] = 1 / a[i][j] within a
/// relative 1e-6, and every entry within Saaty's scale [1/9, 9] (relative tolerance 1e-6). An
/// entry off the scale is an error, not a warning, because the random index, and so the
/// consistency ratio, is calibrated on that scale only.
void validate_pairwise_matrix(const PairwiseMatrix& a, std::span<const std::string> names,
                              const std::string& where);

/// Saaty's AHP: validates `a` (validate_pairwise_matrix), then takes the principal right
/// eigenvector normalised to sum 1. It is computed by repeated squaring of the matrix (rescaled at
/// each step, rows summed in index order), which converges for every positive matrix, followed by
/// power iteration w <- A w / sum(A w) until no weight changes by more than 1e-14.
/// lambda_max = sum_i (A w)_i for that w; CI, RI, CR and the most inconsistent judgement as in
/// AhpResult. A perfectly consistent matrix (a_ij = v_i / v_j) gives w = v / sum(v) and CR = 0.
AhpResult ahp(const PairwiseMatrix& a, std::span<const std::string> names,
              const std::string& where);

/// Consistency gate. Returns nullopt when result.cr <= threshold. Above it, throws InputError
/// unless `accept_inconsistent`, in which case it returns the same text as a warning for the run's
/// manifest. The text names `where`, the CR, the most inconsistent judgement (both criteria, the
/// value given and the value that would be consistent with the other judgements) and how to fix
/// it (revise that judgement, or set accept_inconsistent).
std::optional<std::string> check_consistency(const AhpResult& result,
                                             std::span<const std::string> names,
                                             const std::string& where, double threshold = 0.1,
                                             bool accept_inconsistent = false);

/// Parses one Saaty judgement written as text: a positive number ("3", "0.2", "2.5") or a
/// fraction of two positive numbers ("1/5", " 1 / 5 "). Throws InputError naming `where` and the
/// text otherwise (empty, negative, zero, non-finite, trailing characters). The scale itself is
/// checked with the whole matrix.
double parse_saaty_judgement(std::string_view text, const std::string& where);

/// A judgement as a planner writes it: "3", "1/5" (when the reciprocal is within 1e-6 of an
/// integer), otherwise the number with up to 4 significant digits ("2.5", "0.4").
std::string format_judgement(double value);

struct GroupAhpResult {
  PairwiseMatrix aggregate;  ///< element-wise weighted geometric mean of the stakeholders' matrices
  AhpResult group;           ///< ahp() of the aggregate matrix
  std::vector<double> stakeholder_weights;  ///< normalised to sum 1
  std::vector<AhpResult> stakeholders;      ///< each stakeholder's own matrix through ahp()
  /// Per criterion: the coefficient of variation of the stakeholders' own weights for it,
  /// sd / mean with mean = sum_k s_k w_k,i and sd = sqrt(sum_k s_k (w_k,i - mean)^2) (population
  /// form, weighted by the stakeholder weights s_k). 0 = all stakeholders give the criterion the
  /// same weight; 0.5 = their weights typically lie 50 % away from the mean weight.
  std::vector<double> disagreement;
};

/// Group AHP by aggregation of individual judgements (AIJ, Forman & Peniwati 1998, EJOR 108):
/// a_ij = prod_k a_k,ij ^ s_k (s the stakeholder weights through direct_weights; an empty span
/// means equal weights), computed as exp(sum_k s_k ln a_k,ij) in stakeholder order for i < j, with
/// a_ji = 1 / a_ij, so the aggregate is exactly reciprocal; then ahp() on the aggregate. Each
/// matrix is validated with `where` + " stakeholder '<name>'". The consistency of the individual
/// matrices is reported, not enforced: apply check_consistency to the parts the scenario asks to
/// gate.
GroupAhpResult group_ahp(const std::vector<PairwiseMatrix>& matrices,
                         std::span<const std::string> stakeholder_names,
                         std::span<const double> stakeholder_weights,
                         std::span<const std::string> criterion_names, const std::string& where);

}  // namespace standort
