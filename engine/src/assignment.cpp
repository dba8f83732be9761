#include "standort/engine/assignment.hpp"

#include "standort/engine/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <sstream>

namespace standort {

namespace {

/// Checks the matrix (same row lengths, no infinities) and returns the number of sites.
std::size_t check_fit(const std::vector<std::vector<double>>& fit, const std::string& where) {
  const std::size_t sites = fit.empty() ? 0 : fit.front().size();
  for (std::size_t i = 0; i < fit.size(); ++i) {
    if (fit[i].size() != sites) {
      std::ostringstream s;
      s << where << ": investor " << i + 1 << " has fits for " << fit[i].size()
        << " sites, investor 1 for " << sites
        << "; give every investor one fit per site (NaN for an infeasible site)";
      throw InputError(s.str());
    }
    for (std::size_t j = 0; j < sites; ++j) {
      if (std::isinf(fit[i][j])) {
        std::ostringstream s;
        s << where << ": the fit of investor " << i + 1 << " for site " << j + 1 << " is "
          << fit[i][j] << "; fits must be finite (NaN marks an infeasible pair)";
        throw InputError(s.str());
      }
    }
  }
  return sites;
}

Assignment finish(const std::vector<std::vector<double>>& fit, std::vector<int> site_of) {
  Assignment a;
  a.site_of = std::move(site_of);
  for (std::size_t i = 0; i < a.site_of.size(); ++i) {
    if (a.site_of[i] < 0) continue;
    a.total_fit += fit[i][static_cast<std::size_t>(a.site_of[i])];
    ++a.assigned;
  }
  return a;
}

/// Minimum-cost assignment of every row of an r x c cost matrix (r <= c) to a distinct column:
/// the shortest augmenting path algorithm with row and column potentials, one row added per
/// phase. Returns the column of each row.
template <class Cost>
std::vector<std::size_t> hungarian(std::size_t rows, std::size_t cols, Cost cost) {
  // 1-based, as in the textbook formulation: column 0 is the virtual start of each phase.
  std::vector<double> u(rows + 1, 0.0), v(cols + 1, 0.0), min_slack(cols + 1);
  std::vector<std::size_t> row_of(cols + 1, 0), way(cols + 1, 0);
  std::vector<char> used(cols + 1);
  const double inf = std::numeric_limits<double>::infinity();
  for (std::size_t i = 1; i <= rows; ++i) {
    row_of[0] = i;
    std::size_t j0 = 0;
    std::fill(min_slack.begin(), min_slack.end(), inf);
    std::fill(used.begin(), used.end(), 0);
    do {
      used[j0] = 1;
      const std::size_t i0 = row_of[j0];
      double delta = inf;
      std::size_t j1 = 0;
      for (std::size_t j = 1; j <= cols; ++j) {
        if (used[j]) continue;
        const double slack = cost(i0 - 1, j - 1) - u[i0] - v[j];
        if (slack < min_slack[j]) {
          min_slack[j] = slack;
          way[j] = j0;
        }
        // Strictly smaller: equal slacks go to the lowest column index.
        if (min_slack[j] < delta) {
          delta = min_slack[j];
          j1 = j;
        }
      }
      for (std::size_t j = 0; j <= cols; ++j) {
        if (used[j]) {
          u[row_of[j]] += delta;
          v[j] -= delta;
        } else {
          min_slack[j] -= delta;
        }
      }
      j0 = j1;
    } while (row_of[j0] != 0);
    do {
      const std::size_t j1 = way[j0];
      row_of[j0] = row_of[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<std::size_t> col_of(rows, 0);
  for (std::size_t j = 1; j <= cols; ++j)
    if (row_of[j] != 0) col_of[row_of[j] - 1] = j - 1;
  return col_of;
}

}  // namespace

Assignment optimal_assignment(const std::vector<std::vector<double>>& fit,
                              const std::string& where) {
  const std::size_t investors = fit.size();
  const std::size_t sites = check_fit(fit, where);
  std::vector<int> site_of(investors, -1);
  if (investors == 0 || sites == 0) return finish(fit, std::move(site_of));

  bool any_feasible = false;
  double lo = 0.0, hi = 0.0;
  for (const auto& row : fit) {
    for (double f : row) {
      if (std::isnan(f)) continue;
      lo = any_feasible ? std::min(lo, f) : f;
      hi = any_feasible ? std::max(hi, f) : f;
      any_feasible = true;
    }
  }
  if (!any_feasible) return finish(fit, std::move(site_of));

  const bool transposed = investors > sites;
  const std::size_t rows = transposed ? sites : investors;
  const std::size_t cols = transposed ? investors : sites;
  const double range = hi - lo;
  const double infeasible_cost = range > 0.0 ? static_cast<double>(rows + 1) * range : 1.0;
  if (!std::isfinite(infeasible_cost)) {
    std::ostringstream s;
    s << where << ": the fits range from " << lo << " to " << hi
      << ", too wide to compare sums of them; rescale the fits, e.g. to 0..1";
    throw InputError(s.str());
  }
  auto fit_at = [&](std::size_t r, std::size_t c) { return transposed ? fit[c][r] : fit[r][c]; };
  const std::vector<std::size_t> col_of = hungarian(rows, cols, [&](std::size_t r, std::size_t c) {
    const double f = fit_at(r, c);
    return std::isnan(f) ? infeasible_cost : hi - f;
  });
  for (std::size_t r = 0; r < rows; ++r) {
    const std::size_t c = col_of[r];
    if (std::isnan(fit_at(r, c))) continue;
    const std::size_t investor = transposed ? c : r;
    const std::size_t site = transposed ? r : c;
    site_of[investor] = static_cast<int>(site);
  }
  return finish(fit, std::move(site_of));
}

Assignment greedy_assignment(const std::vector<std::vector<double>>& fit,
                             const std::string& where) {
  const std::size_t sites = check_fit(fit, where);
  std::vector<char> taken(sites, 0);
  std::vector<int> site_of(fit.size(), -1);
  for (std::size_t i = 0; i < fit.size(); ++i) {
    int best = -1;
    for (std::size_t j = 0; j < sites; ++j) {
      if (taken[j] || std::isnan(fit[i][j])) continue;
      if (best < 0 || fit[i][j] > fit[i][static_cast<std::size_t>(best)])
        best = static_cast<int>(j);
    }
    if (best < 0) continue;
    taken[static_cast<std::size_t>(best)] = 1;
    site_of[i] = best;
  }
  return finish(fit, std::move(site_of));
}

}  // namespace standort
