// Joint assignment of investors to distinct sites from a fit matrix: the optimal assignment
// (Hungarian algorithm) and the greedy first-come assignment it is compared with, so a report can
// show what placing investors one after another costs against placing them together.
#pragma once

#include <limits>
#include <string>
#include <vector>

namespace standort {

/// Marks an infeasible investor-site pair in a fit matrix (e.g. the site fails a hard requirement
/// of the investor). Any NaN counts as infeasible.
inline constexpr double infeasible_fit = std::numeric_limits<double>::quiet_NaN();

struct Assignment {
  std::vector<int> site_of;  ///< per investor: the index of its site, -1 = none
  double total_fit = 0.0;    ///< sum of the assigned pairs' fits, summed in investor order
  int assigned = 0;          ///< investors with a site
};

/// The best assignment of investors (rows of `fit`) to distinct sites (columns); fit[i][s] says
/// how well site s suits investor i, higher is better, NaN = infeasible pair. Every row has the
/// same length; no investors or no sites are allowed. Rule: first the most investors placed on
/// feasible sites (maximum cardinality), then, among the assignments placing that many, the
/// largest total fit. Investors left without a feasible site stay unassigned (-1).
///
/// Kuhn-Munkres with potentials and shortest augmenting paths (Jonker-Volgenant style),
/// O(r^2 c) for r = min(investors, sites) rows and c = max(...) columns: the matrix is transposed
/// when there are more investors than sites, which is the same as padding it to a square with
/// constant-cost dummy rows (they cannot change the optimum). The cost of a feasible pair is
/// max_fit - fit (in [0, R], R the range of the feasible fits); an infeasible pair costs
/// (r + 1) R (1 when R = 0), more than any r feasible pairs together, so an assignment with one
/// more feasible pair always costs less; infeasible pairs the solver had to use are unassigned
/// afterwards. Ties between equal reduced costs go to the lowest column index, so the result is a
/// fixed function of the matrix; when several assignments reach the same total, which of them is
/// returned is fixed but not otherwise specified. Totals are exact up to rounding of about
/// 1e-16 * r^2 * R.
///
/// Throws InputError naming `where` when rows differ in length, a fit is +/-infinity, or the fits
/// span a range too wide for the costs to stay finite.
Assignment optimal_assignment(const std::vector<std::vector<double>>& fit,
                              const std::string& where);

/// First come, first served: investors in row order each take their best still-free feasible
/// site (equal fits: the lowest site index), or stay unassigned when none is left. Same input
/// rules and errors as optimal_assignment().
Assignment greedy_assignment(const std::vector<std::vector<double>>& fit, const std::string& where);

}  // namespace standort
