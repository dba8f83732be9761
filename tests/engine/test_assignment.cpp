#include "standort/engine/assignment.hpp"
#include "standort/engine/error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using namespace standort;
using Catch::Contains;
using Catch::Matchers::WithinAbs;

namespace {

using Matrix = std::vector<std::vector<double>>;
const double no = infeasible_fit;  // an infeasible pair

/// The best (most assigned, then largest total) over every partial assignment, by enumeration.
struct Best {
  int assigned = 0;
  double total = 0.0;
};

void enumerate(const Matrix& fit, std::size_t investor, std::vector<char>& taken, int assigned,
               double total, Best& best) {
  if (investor == fit.size()) {
    if (assigned > best.assigned || (assigned == best.assigned && total > best.total))
      best = {assigned, total};
    return;
  }
  enumerate(fit, investor + 1, taken, assigned, total, best);  // this investor stays without
  for (std::size_t s = 0; s < taken.size(); ++s) {
    if (taken[s] || std::isnan(fit[investor][s])) continue;
    taken[s] = 1;
    enumerate(fit, investor + 1, taken, assigned + 1, total + fit[investor][s], best);
    taken[s] = 0;
  }
}

Best brute_force(const Matrix& fit) {
  Best best;
  std::vector<char> taken(fit.empty() ? 0 : fit.front().size(), 0);
  enumerate(fit, 0, taken, 0, 0.0, best);
  return best;
}

/// Distinct sites, feasible pairs only, and total / assigned consistent with site_of.
void check_valid(const Matrix& fit, const Assignment& a) {
  REQUIRE(a.site_of.size() == fit.size());
  const std::size_t sites = fit.empty() ? 0 : fit.front().size();
  std::vector<int> used(sites, 0);
  double total = 0.0;
  int assigned = 0;
  for (std::size_t i = 0; i < fit.size(); ++i) {
    const int s = a.site_of[i];
    if (s < 0) {
      CHECK(s == -1);
      continue;
    }
    REQUIRE(static_cast<std::size_t>(s) < sites);
    CHECK_FALSE(std::isnan(fit[i][static_cast<std::size_t>(s)]));
    CHECK(++used[static_cast<std::size_t>(s)] == 1);
    total += fit[i][static_cast<std::size_t>(s)];
    ++assigned;
  }
  CHECK(assigned == a.assigned);
  CHECK_THAT(a.total_fit, WithinAbs(total, 1e-12));
}

/// Random fits on a coarse 0.1 grid (so ties occur), each infeasible with `p_infeasible`.
Matrix random_fit(std::mt19937_64& rng, std::size_t investors, std::size_t sites,
                  double p_infeasible) {
  std::uniform_int_distribution<int> tenth(0, 10);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Matrix fit(investors, std::vector<double>(sites));
  for (auto& row : fit)
    for (double& f : row) f = u(rng) < p_infeasible ? no : tenth(rng) / 10.0;
  return fit;
}

std::string error_of(const Matrix& fit, bool optimal) {
  try {
    if (optimal)
      optimal_assignment(fit, "[investors] fits");
    else
      greedy_assignment(fit, "[investors] fits");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("optimal assignment equals brute force on every small shape, with infeasible pairs",
          "[assignment]") {
  std::mt19937_64 rng(20240611);
  int cases = 0;
  for (std::size_t investors = 0; investors <= 6; ++investors) {
    for (std::size_t sites = 0; sites <= 6; ++sites) {
      for (double p_infeasible : {0.0, 0.3, 0.7}) {
        for (int repeat = 0; repeat < 12; ++repeat) {
          const Matrix fit = random_fit(rng, investors, sites, p_infeasible);
          const Assignment opt = optimal_assignment(fit, "test");
          const Assignment greedy = greedy_assignment(fit, "test");
          check_valid(fit, opt);
          check_valid(fit, greedy);
          const Best best = brute_force(fit);
          INFO(investors << " investors x " << sites << " sites, case " << repeat);
          CHECK(opt.assigned == best.assigned);
          CHECK_THAT(opt.total_fit, WithinAbs(best.total, 1e-9));
          // Optimal is never worse than greedy in the order the rule defines: more assigned
          // first, then the larger total.
          CHECK(opt.assigned >= greedy.assigned);
          if (opt.assigned == greedy.assigned) CHECK(opt.total_fit >= greedy.total_fit - 1e-12);
          ++cases;
        }
      }
    }
  }
  CHECK(cases == 7 * 7 * 3 * 12);
}

TEST_CASE("optimal assignment of continuous fits equals the best permutation (8 x 8, 3 x 6, 6 x 3)",
          "[assignment]") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  // Fully feasible: every investor is assigned when sites suffice, so the optimum is the best
  // injection; enumerate permutations of the larger side.
  for (auto [investors, sites] : {std::pair<std::size_t, std::size_t>{8, 8}, {3, 6}, {6, 3}}) {
    for (int repeat = 0; repeat < 5; ++repeat) {
      Matrix fit(investors, std::vector<double>(sites));
      for (auto& row : fit)
        for (double& f : row) f = u(rng);
      const std::size_t n = std::max(investors, sites);
      std::vector<std::size_t> perm(n);
      std::iota(perm.begin(), perm.end(), 0);
      double best = -1.0;
      do {
        double total = 0.0;
        // perm maps the larger side onto positions; pairs beyond the smaller side are dummies.
        for (std::size_t i = 0; i < n; ++i) {
          const std::size_t a = i, b = perm[i];
          const std::size_t inv = investors >= sites ? a : b, site = investors >= sites ? b : a;
          if (inv < investors && site < sites) total += fit[inv][site];
        }
        best = std::max(best, total);
      } while (std::next_permutation(perm.begin(), perm.end()));
      const Assignment opt = optimal_assignment(fit, "test");
      check_valid(fit, opt);
      CHECK(opt.assigned == static_cast<int>(std::min(investors, sites)));
      CHECK_THAT(opt.total_fit, WithinAbs(best, 1e-9));
    }
  }
}

TEST_CASE("greedy first-come assignment loses against the joint optimum in hand-made cases",
          "[assignment]") {
  // Investor 1 takes site 1 (0.9) first, leaving investor 2 with 0.1: total 1.0. Jointly,
  // 0.8 + 0.85 = 1.65.
  const Matrix swap = {{0.9, 0.8}, {0.85, 0.1}};
  const Assignment greedy = greedy_assignment(swap, "test");
  CHECK(greedy.site_of == std::vector<int>{0, 1});
  CHECK_THAT(greedy.total_fit, WithinAbs(1.0, 1e-12));
  const Assignment opt = optimal_assignment(swap, "test");
  CHECK(opt.site_of == std::vector<int>{1, 0});
  CHECK_THAT(opt.total_fit, WithinAbs(1.65, 1e-12));
  CHECK(opt.assigned == 2);

  // Investor 2 accepts only site 1. Greedy gives it to investor 1 and leaves investor 2 out
  // (1 assigned, 0.9); the optimum places both (0.5 + 0.8 = 1.3), although its total would be
  // smaller than 0.9 with only one: more investors placed comes first.
  const Matrix blocked = {{0.9, 0.5}, {0.8, no}};
  const Assignment g2 = greedy_assignment(blocked, "test");
  CHECK(g2.site_of == std::vector<int>{0, -1});
  CHECK(g2.assigned == 1);
  CHECK_THAT(g2.total_fit, WithinAbs(0.9, 1e-12));
  const Assignment o2 = optimal_assignment(blocked, "test");
  CHECK(o2.site_of == std::vector<int>{1, 0});
  CHECK(o2.assigned == 2);
  CHECK_THAT(o2.total_fit, WithinAbs(1.3, 1e-12));

  // Same cardinality either way, but a 0.05 margin beats a big single fit: maximum cardinality
  // must not cost total fit when both place everyone.
  const Matrix close = {{1.0, 0.95, 0.0}, {0.96, 0.0, 0.0}};
  CHECK(optimal_assignment(close, "test").site_of == std::vector<int>{1, 0});
  CHECK(greedy_assignment(close, "test").site_of == std::vector<int>{0, 1});
}

TEST_CASE("assignment edge cases: infeasible rows, no investors, no sites, more investors",
          "[assignment]") {
  // Investor 2 fits no site: it stays unassigned, the others are placed.
  const Matrix fit = {{0.5, no}, {no, no}, {no, 0.7}};
  for (const Assignment& a : {optimal_assignment(fit, "t"), greedy_assignment(fit, "t")}) {
    CHECK(a.site_of == std::vector<int>{0, -1, 1});
    CHECK(a.assigned == 2);
    CHECK_THAT(a.total_fit, WithinAbs(1.2, 1e-12));
  }
  // No investors.
  const Assignment none = optimal_assignment({}, "t");
  CHECK(none.site_of.empty());
  CHECK(none.assigned == 0);
  CHECK_THAT(none.total_fit, WithinAbs(0.0, 0.0));
  CHECK(greedy_assignment({}, "t").site_of.empty());
  // Investors but no sites; everything infeasible.
  CHECK(optimal_assignment({{}, {}}, "t").site_of == std::vector<int>{-1, -1});
  CHECK(optimal_assignment({{no, no}, {no, no}}, "t").site_of == std::vector<int>{-1, -1});
  // Three investors, one site: the best investor for it gets it.
  const Assignment one = optimal_assignment({{0.2}, {0.9}, {0.4}}, "t");
  CHECK(one.site_of == std::vector<int>{-1, 0, -1});
  CHECK_THAT(one.total_fit, WithinAbs(0.9, 1e-12));
  // Negative fits are fits too (e.g. scores below a reference): still the largest total.
  const Assignment negative = optimal_assignment({{-1.0, -3.0}, {-2.0, -10.0}}, "t");
  CHECK(negative.site_of == std::vector<int>{1, 0});
  CHECK_THAT(negative.total_fit, WithinAbs(-5.0, 1e-12));
  // Greedy ties go to the lowest site index.
  CHECK(greedy_assignment({{0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}}, "t").site_of ==
        std::vector<int>{0, 1});
}

TEST_CASE("assignment is deterministic and optimal >= greedy on larger random cases",
          "[assignment]") {
  std::mt19937_64 rng(99);
  for (auto [investors, sites] :
       {std::pair<std::size_t, std::size_t>{40, 60}, {60, 40}, {50, 50}}) {
    const Matrix fit = random_fit(rng, investors, sites, 0.4);
    const Assignment a = optimal_assignment(fit, "t");
    const Assignment b = optimal_assignment(fit, "t");
    CHECK(a.site_of == b.site_of);
    CHECK(std::memcmp(&a.total_fit, &b.total_fit, sizeof(double)) == 0);
    check_valid(fit, a);
    const Assignment g = greedy_assignment(fit, "t");
    check_valid(fit, g);
    CHECK(a.assigned >= g.assigned);
    if (a.assigned == g.assigned) CHECK(a.total_fit >= g.total_fit - 1e-12);
  }
}

TEST_CASE("assignment input errors name where, what and how to fix it", "[assignment]") {
  for (bool optimal : {true, false}) {
    CHECK_THAT(error_of({{0.1, 0.2}, {0.3}}, optimal),
               Contains("[investors] fits: investor 2 has fits for 1 sites") &&
                   Contains("one fit per site"));
    CHECK_THAT(error_of({{0.1, std::numeric_limits<double>::infinity()}}, optimal),
               Contains("investor 1 for site 2 is inf") && Contains("NaN marks an infeasible"));
    CHECK_THAT(error_of({{-std::numeric_limits<double>::infinity()}}, optimal),
               Contains("is -inf"));
  }
  CHECK_THAT(error_of({{1e308, -1e308}}, true), Contains("rescale the fits"));
}
