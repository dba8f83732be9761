#include "standort/engine/error.hpp"
#include "standort/engine/weights.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

using namespace standort;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

const std::vector<std::string> abc = {"a", "b", "c"};
const std::vector<std::string> abcd = {"a", "b", "c", "d"};

double sum_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

void check_weights(const std::vector<double>& got, const std::vector<double>& expected,
                   double tolerance) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    CHECK_THAT(got[i], WithinAbs(expected[i], tolerance));
  CHECK_THAT(sum_of(got), WithinAbs(1.0, 1e-12));
}

/// The message of the InputError `f` throws ("" when it throws none).
template <class F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// The common 3x3 textbook matrix (e.g. in Saaty's introductions to the AHP).
const PairwiseMatrix textbook3 = {{1.0, 3.0, 5.0}, {1.0 / 3, 1.0, 3.0}, {1.0 / 5, 1.0 / 3, 1.0}};
// A 4x4 matrix whose CR is above 0.1 (the light-intensity comparisons of Saaty 1977 as they are
// usually reproduced).
const PairwiseMatrix inconsistent4 = {{1.0, 5.0, 6.0, 7.0},
                                      {1.0 / 5, 1.0, 4.0, 6.0},
                                      {1.0 / 6, 1.0 / 4, 1.0, 4.0},
                                      {1.0 / 7, 1.0 / 6, 1.0 / 4, 1.0}};

}  // namespace

TEST_CASE("direct weights are normalised to sum 1", "[weights]") {
  check_weights(direct_weights(std::vector<double>{2.0, 1.0, 1.0}, abc, "w"), {0.5, 0.25, 0.25},
                1e-15);
  check_weights(direct_weights(std::vector<double>{0.1, 0.7, 0.2}, abc, "w"), {0.1, 0.7, 0.2},
                1e-15);
  check_weights(direct_weights(std::vector<double>{3.0}, std::vector<std::string>{"x"}, "w"), {1.0},
                0.0);
}

TEST_CASE("direct weights refuse zero, negative, NaN and infinite weights", "[weights]") {
  const std::string where = "[criteria.wissen] weights";
  for (double bad : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity()}) {
    const std::string message = input_error([&] {
      direct_weights(std::vector<double>{1.0, bad, 2.0}, abc, where);
    });
    CHECK_THAT(message, Contains(where) && Contains("'b'") && Contains("positive"));
  }
  CHECK_THROWS_AS(direct_weights(std::vector<double>{0.0, 0.0, 0.0}, abc, "w"), InputError);
  CHECK_THAT(input_error([&] {
               direct_weights(std::vector<double>{1.0, 2.0}, abc, "w");
             }),
             Contains("2 weights for 3 criteria"));
  CHECK_THROWS_AS(direct_weights(std::vector<double>{}, std::vector<std::string>{}, "w"),
                  InputError);
}

TEST_CASE("rank weights match hand-computed values for n = 4", "[weights]") {
  const std::vector<int> ranks = {1, 2, 3, 4};
  // Rank order centroid (Barron & Barrett 1996): w_r = (1/4) sum_{k=r..4} 1/k
  // = 25/48, 13/48, 7/48, 3/48 = 0.5208, 0.2708, 0.1458, 0.0625.
  check_weights(rank_weights(ranks, RankMethod::centroid, abcd, "w"),
                {25.0 / 48, 13.0 / 48, 7.0 / 48, 3.0 / 48}, 1e-15);
  CHECK_THAT(rank_weights(ranks, RankMethod::centroid, abcd, "w")[0], WithinAbs(0.5208, 5e-5));
  // Rank sum: (n - r + 1) / 10.
  check_weights(rank_weights(ranks, RankMethod::sum, abcd, "w"), {0.4, 0.3, 0.2, 0.1}, 1e-15);
  // Rank reciprocal: (1/r) / (25/12) = 12/25, 6/25, 4/25, 3/25.
  check_weights(rank_weights(ranks, RankMethod::reciprocal, abcd, "w"), {0.48, 0.24, 0.16, 0.12},
                1e-15);
}

TEST_CASE("rank weights follow the ranks, not the order the criteria are listed in", "[weights]") {
  check_weights(rank_weights(std::vector<int>{3, 1, 4, 2}, RankMethod::centroid, abcd, "w"),
                {7.0 / 48, 25.0 / 48, 3.0 / 48, 13.0 / 48}, 1e-15);
}

TEST_CASE("tied ranks share the mean weight of the positions they occupy", "[weights]") {
  // Positions 2 and 3 shared: ROC (13/48 + 7/48) / 2 = 10/48 each, whichever rank convention.
  const std::vector<double> roc = {25.0 / 48, 10.0 / 48, 10.0 / 48, 3.0 / 48};
  check_weights(rank_weights(std::vector<int>{1, 2, 2, 4}, RankMethod::centroid, abcd, "w"), roc,
                1e-15);
  check_weights(rank_weights(std::vector<int>{1, 2, 2, 3}, RankMethod::centroid, abcd, "w"), roc,
                1e-15);
  // Rank sum with all four tied: every criterion 1/4.
  check_weights(rank_weights(std::vector<int>{1, 1, 1, 1}, RankMethod::sum, abcd, "w"),
                {0.25, 0.25, 0.25, 0.25}, 1e-15);
  // Rank reciprocal, first two tied: (12/25 + 6/25) / 2 = 9/25.
  check_weights(rank_weights(std::vector<int>{1, 1, 3, 4}, RankMethod::reciprocal, abcd, "w"),
                {0.36, 0.36, 0.16, 0.12}, 1e-15);
}

TEST_CASE("rank weights refuse ranks outside 1..n", "[weights]") {
  CHECK_THAT(input_error([] {
               rank_weights(std::vector<int>{1, 5, 2, 3}, RankMethod::sum, abcd, "[x] ranks");
             }),
             Contains("[x] ranks") && Contains("'b'") && Contains("rank 5"));
  CHECK_THROWS_AS(rank_weights(std::vector<int>{0, 1, 2, 3}, RankMethod::sum, abcd, "w"),
                  InputError);
  CHECK(parse_rank_method("rank_order_centroid", "w") == RankMethod::centroid);
  CHECK(parse_rank_method("rank_sum", "w") == RankMethod::sum);
  CHECK(parse_rank_method("rank_reciprocal", "w") == RankMethod::reciprocal);
  CHECK_THROWS_AS(parse_rank_method("borda", "w"), InputError);
}

TEST_CASE("AHP of the 3x3 textbook matrix", "[weights]") {
  // Reference: numpy.linalg.eig (numpy 1.24.2) on this matrix, computed independently with
  // /usr/bin/python3: w = 0.6369855717, 0.2582849944, 0.1047294339, lambda_max = 3.0385110906,
  // CI = 0.0192555453, CR = 0.0331992160 (the values usually quoted are 0.637, 0.258, 0.105,
  // 3.039 and 0.033).
  const AhpResult r = ahp(textbook3, abc, "w");
  check_weights(r.weights, {0.6369855717447568, 0.2582849943744952, 0.10472943388074796}, 1e-12);
  CHECK_THAT(r.lambda_max, WithinAbs(3.0385110905581727, 1e-12));
  CHECK_THAT(r.ci, WithinAbs(0.01925554527908635, 1e-12));
  CHECK_THAT(r.ri, WithinAbs(0.58, 1e-15));
  CHECK_THAT(r.cr, WithinAbs(0.03319921599842474, 1e-12));
  // Most inconsistent: |ln(a_ij w_j / w_i)| is largest for (a, b): 3 given, 2.466 consistent.
  CHECK(r.most_inconsistent.i == 0);
  CHECK(r.most_inconsistent.j == 1);
  CHECK_THAT(r.most_inconsistent.given, WithinAbs(3.0, 0.0));
  CHECK_THAT(r.most_inconsistent.consistent, WithinAbs(2.4662120743304667, 1e-10));
  CHECK_FALSE(check_consistency(r, abc, "w").has_value());
}

TEST_CASE("AHP of an inconsistent 4x4 matrix and the consistency gate", "[weights]") {
  // Reference: numpy.linalg.eig: w = 0.6186687796, 0.2353228216, 0.1009339729, 0.0450744258,
  // lambda_max = 4.3907302186 (Saaty 1977 reports 4.39 for these comparisons), CR = 0.1447149.
  const AhpResult r = ahp(inconsistent4, abcd, "w");
  check_weights(r.weights,
                {0.6186687796321189, 0.2353228216445599, 0.10093397289776256, 0.045074425825558796},
                1e-12);
  CHECK_THAT(r.lambda_max, WithinAbs(4.3907302185762, 1e-11));
  CHECK_THAT(r.cr, WithinAbs(0.14471489576896307, 1e-11));
  // The judgement furthest from the others: a over d = 7, where the weights imply 13.73.
  CHECK(r.most_inconsistent.i == 0);
  CHECK(r.most_inconsistent.j == 3);
  CHECK_THAT(r.most_inconsistent.consistent, WithinAbs(13.725494408434855, 1e-9));

  const std::string where = "[criteria.versorgung] ahp";
  const std::string message = input_error([&] { check_consistency(r, abcd, where); });
  CHECK_THAT(message, Contains(where) && Contains("0.145") && Contains("'a' over 'd' = 7") &&
                          Contains("13.73") && Contains("accept_inconsistent"));
  const auto warning = check_consistency(r, abcd, where, 0.1, true);
  REQUIRE(warning.has_value());
  CHECK_THAT(*warning, Contains("'a' over 'd'"));
  // A looser limit lets it pass without a warning.
  CHECK_FALSE(check_consistency(r, abcd, where, 0.15).has_value());
}

TEST_CASE("a perfectly consistent matrix returns its weights and CR 0", "[weights]") {
  const std::vector<double> v = {0.4, 0.3, 0.2, 0.1};
  PairwiseMatrix a(4, std::vector<double>(4));
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 4; ++j) a[i][j] = v[i] / v[j];
  const AhpResult r = ahp(a, abcd, "w");
  check_weights(r.weights, v, 1e-12);
  CHECK_THAT(r.lambda_max, WithinAbs(4.0, 1e-12));
  CHECK_THAT(r.cr, WithinAbs(0.0, 1e-12));
  CHECK_THAT(r.most_inconsistent.consistent, WithinRel(r.most_inconsistent.given, 1e-12));
}

TEST_CASE("AHP of two criteria and of one", "[weights]") {
  const std::vector<std::string> two = {"a", "b"};
  const AhpResult r2 = ahp(PairwiseMatrix{{1.0, 4.0}, {0.25, 1.0}}, two, "w");
  check_weights(r2.weights, {0.8, 0.2}, 1e-12);
  CHECK_THAT(r2.cr, WithinAbs(0.0, 0.0));
  const AhpResult r1 = ahp(PairwiseMatrix{{1.0}}, std::vector<std::string>{"a"}, "w");
  check_weights(r1.weights, {1.0}, 0.0);
  CHECK_THAT(r1.cr, WithinAbs(0.0, 0.0));
}

TEST_CASE("AHP weights sum to 1 and lambda_max >= n on random reciprocal matrices", "[weights]") {
  // Deterministic judgements from the whole Saaty scale, so most of these matrices are badly
  // inconsistent; the eigenvector must still satisfy A w = lambda_max w.
  const std::vector<double> scale = {1.0,     2.0,     3.0,     4.0,     5.0,     6.0,
                                     7.0,     8.0,     9.0,     1.0 / 2, 1.0 / 3, 1.0 / 4,
                                     1.0 / 5, 1.0 / 6, 1.0 / 7, 1.0 / 8, 1.0 / 9};
  std::uint32_t state = 12345;
  for (std::size_t n = 3; n <= ahp_max_criteria; n += 3) {
    PairwiseMatrix a(n, std::vector<double>(n, 1.0));
    std::vector<std::string> names;
    for (std::size_t i = 0; i < n; ++i) names.push_back(std::string("c").append(std::to_string(i)));
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) {
        state = state * 1664525u + 1013904223u;
        a[i][j] = scale[(state >> 8) % scale.size()];
        a[j][i] = 1.0 / a[i][j];
      }
    const AhpResult r = ahp(a, names, "w");
    CHECK_THAT(sum_of(r.weights), WithinAbs(1.0, 1e-12));
    CHECK(r.lambda_max >= static_cast<double>(n) - 1e-12);
    for (std::size_t i = 0; i < n; ++i) {
      double row = 0.0;
      for (std::size_t j = 0; j < n; ++j) row += a[i][j] * r.weights[j];
      CHECK_THAT(row, WithinRel(r.lambda_max * r.weights[i], 1e-10));
    }
  }
}

TEST_CASE("AHP validation names the criteria, the values and the fix", "[weights]") {
  const std::string where = "[criteria.wissen] ahp";
  PairwiseMatrix not_reciprocal = textbook3;
  not_reciprocal[2][1] = 0.5;  // c over b should be 1/3
  CHECK_THAT(input_error([&] { ahp(not_reciprocal, abc, where); }),
             Contains(where) && Contains("'b' over 'c' is 3") && Contains("'c' over 'b' is 1/2") &&
                 Contains("to 1/3"));

  PairwiseMatrix off_scale = textbook3;
  off_scale[0][2] = 12.0;
  off_scale[2][0] = 1.0 / 12;
  CHECK_THAT(input_error([&] { ahp(off_scale, abc, where); }),
             Contains("'a' over 'c' is 12") && Contains("1/9 .. 9"));

  PairwiseMatrix bad_diagonal = textbook3;
  bad_diagonal[1][1] = 2.0;
  CHECK_THAT(input_error([&] { ahp(bad_diagonal, abc, where); }), Contains("'b'"));

  PairwiseMatrix negative = textbook3;
  negative[0][1] = -3.0;
  CHECK_THROWS_AS(ahp(negative, abc, where), InputError);

  PairwiseMatrix ragged = textbook3;
  ragged[1].pop_back();
  CHECK_THAT(input_error([&] { ahp(ragged, abc, where); }), Contains("square"));

  CHECK_THAT(input_error([&] { ahp(textbook3, abcd, where); }),
             Contains("3 rows but there are 4 criteria"));

  std::vector<std::string> sixteen;
  for (int i = 0; i < 16; ++i) sixteen.push_back(std::string("c").append(std::to_string(i)));
  CHECK_THAT(
      input_error([&] { ahp(PairwiseMatrix(16, std::vector<double>(16, 1.0)), sixteen, where); }),
      Contains("hierarchy"));
  // 1/9 written as a rounded decimal is within the scale check but not reciprocal to 9.
  CHECK_THROWS_AS(
      ahp(PairwiseMatrix{{1.0, 9.0}, {0.111, 1.0}}, std::vector<std::string>{"a", "b"}, where),
      InputError);
}

TEST_CASE("Saaty's random index table", "[weights]") {
  CHECK_THAT(random_index(1), WithinAbs(0.0, 0.0));
  CHECK_THAT(random_index(2), WithinAbs(0.0, 0.0));
  CHECK_THAT(random_index(3), WithinAbs(0.58, 1e-15));
  CHECK_THAT(random_index(4), WithinAbs(0.90, 1e-15));
  CHECK_THAT(random_index(10), WithinAbs(1.49, 1e-15));
  CHECK_THAT(random_index(12), WithinAbs(1.48, 1e-15));
  CHECK_THAT(random_index(15), WithinAbs(1.59, 1e-15));
  CHECK_THROWS_AS(random_index(16), std::out_of_range);
}

TEST_CASE("Saaty judgements parse from text and format back", "[weights]") {
  CHECK_THAT(parse_saaty_judgement("3", "w"), WithinAbs(3.0, 0.0));
  CHECK_THAT(parse_saaty_judgement("1/5", "w"), WithinAbs(0.2, 1e-16));
  CHECK_THAT(parse_saaty_judgement(" 1 / 5 ", "w"), WithinAbs(0.2, 1e-16));
  CHECK_THAT(parse_saaty_judgement("0.2", "w"), WithinAbs(0.2, 1e-16));
  CHECK_THAT(parse_saaty_judgement("2.5", "w"), WithinAbs(2.5, 0.0));
  CHECK_THAT(parse_saaty_judgement("1/9", "w"), WithinAbs(1.0 / 9.0, 1e-16));
  for (const char* bad : {"", " ", "abc", "-3", "0", "1/0", "0/3", "3x", "1/5/2", "/5", "1/", "inf",
                          "nan", "1e999"}) {
    INFO(bad);
    CHECK_THAT(input_error([&] { parse_saaty_judgement(bad, "[criteria.x] ahp"); }),
               Contains("[criteria.x] ahp") && Contains("1/5"));
  }
  CHECK(format_judgement(3.0) == "3");
  CHECK(format_judgement(0.2) == "1/5");
  CHECK(format_judgement(1.0 / 7.0) == "1/7");
  CHECK(format_judgement(2.5) == "2.5");
  CHECK(format_judgement(13.725494) == "13.73");
}

TEST_CASE("group AHP of identical matrices equals the single AHP", "[weights]") {
  const std::vector<std::string> people = {"Planung", "Umwelt", "Wirtschaft"};
  const std::vector<PairwiseMatrix> same(3, textbook3);
  const AhpResult single = ahp(textbook3, abc, "w");
  for (const std::vector<double>& stakeholder_weights :
       {std::vector<double>{}, std::vector<double>{1.0, 2.0, 5.0}}) {
    const GroupAhpResult g = group_ahp(same, people, stakeholder_weights, abc, "w");
    check_weights(g.group.weights, single.weights, 1e-12);
    CHECK_THAT(g.group.cr, WithinAbs(single.cr, 1e-12));
    REQUIRE(g.stakeholders.size() == 3);
    REQUIRE(g.disagreement.size() == 3);
    for (double d : g.disagreement) CHECK_THAT(d, WithinAbs(0.0, 1e-12));
    CHECK_THAT(sum_of(g.stakeholder_weights), WithinAbs(1.0, 1e-15));
  }
}

TEST_CASE("group AHP aggregates judgements by the weighted geometric mean", "[weights]") {
  const std::vector<std::string> two = {"a", "b"};
  const std::vector<std::string> people = {"P", "Q"};
  // 2x2 by hand: sqrt(4 * 1) = 2, so weights 2/3, 1/3.
  const std::vector<PairwiseMatrix> m2 = {{{1.0, 4.0}, {0.25, 1.0}}, {{1.0, 1.0}, {1.0, 1.0}}};
  const GroupAhpResult g2 = group_ahp(m2, people, std::vector<double>{}, two, "w");
  CHECK_THAT(g2.aggregate[0][1], WithinAbs(2.0, 1e-15));
  CHECK_THAT(g2.aggregate[1][0], WithinAbs(0.5, 1e-15));
  check_weights(g2.group.weights, {2.0 / 3, 1.0 / 3}, 1e-12);
  // Stakeholder weights 3 : 1: 4^0.75 * 1^0.25 = 2^1.5 = 2.8284; weight a = 2.8284 / 3.8284.
  const GroupAhpResult g2w = group_ahp(m2, people, std::vector<double>{3.0, 1.0}, two, "w");
  CHECK_THAT(g2w.aggregate[0][1], WithinAbs(std::sqrt(8.0), 1e-14));
  check_weights(g2w.group.weights,
                {std::sqrt(8.0) / (1.0 + std::sqrt(8.0)), 1.0 / (1.0 + std::sqrt(8.0))}, 1e-12);

  // 3x3 by hand: two consistent matrices with weights (4, 2, 1)/7 and (8, 1, 2)/11. The geometric
  // means are a_ab = sqrt(2 * 8) = 4, a_ac = sqrt(4 * 4) = 4, a_bc = sqrt(2 * 0.5) = 1: consistent
  // with weights (4, 1, 1)/6.
  const std::vector<PairwiseMatrix> m3 = {
      {{1.0, 2.0, 4.0}, {0.5, 1.0, 2.0}, {0.25, 0.5, 1.0}},
      {{1.0, 8.0, 4.0}, {1.0 / 8, 1.0, 0.5}, {0.25, 2.0, 1.0}},
  };
  const GroupAhpResult g3 = group_ahp(m3, people, std::vector<double>{}, abc, "w");
  CHECK_THAT(g3.aggregate[0][1], WithinAbs(4.0, 1e-14));
  CHECK_THAT(g3.aggregate[0][2], WithinAbs(4.0, 1e-14));
  CHECK_THAT(g3.aggregate[1][2], WithinAbs(1.0, 1e-14));
  CHECK_THAT(g3.aggregate[2][1], WithinAbs(1.0, 1e-14));
  check_weights(g3.group.weights, {4.0 / 6, 1.0 / 6, 1.0 / 6}, 1e-12);
  CHECK_THAT(g3.group.cr, WithinAbs(0.0, 1e-12));
  check_weights(g3.stakeholders[0].weights, {4.0 / 7, 2.0 / 7, 1.0 / 7}, 1e-12);
  check_weights(g3.stakeholders[1].weights, {8.0 / 11, 1.0 / 11, 2.0 / 11}, 1e-12);
  // Disagreement, the coefficient of variation of two equally weighted values u, v:
  // |u - v| / (u + v): a (8/11 - 4/7)/(8/11 + 4/7) = 12/100, b (2/7 - 1/11)/(2/7 + 1/11) = 15/29,
  // c (2/11 - 1/7)/(2/11 + 1/7) = 3/25.
  REQUIRE(g3.disagreement.size() == 3);
  CHECK_THAT(g3.disagreement[0], WithinAbs(0.12, 1e-12));
  CHECK_THAT(g3.disagreement[1], WithinAbs(15.0 / 29, 1e-12));
  CHECK_THAT(g3.disagreement[2], WithinAbs(0.12, 1e-12));
}

TEST_CASE("group AHP of inconsistent matrices matches numpy", "[weights]") {
  // Reference: numpy, G = exp(0.75 ln A + 0.25 ln B) element-wise, then numpy.linalg.eig(G):
  // w = 0.5595565606, 0.3268920846, 0.1135513549, CR = 0.0110503286; B alone: w = 0.3196182639,
  // 0.5584245431, 0.1219571930, CR = 0.0157712994.
  const std::vector<PairwiseMatrix> m = {textbook3,
                                         {{1.0, 0.5, 3.0}, {2.0, 1.0, 4.0}, {1.0 / 3, 0.25, 1.0}}};
  const std::vector<std::string> people = {"P", "Q"};
  const GroupAhpResult g = group_ahp(m, people, std::vector<double>{3.0, 1.0}, abc, "w");
  CHECK_THAT(g.aggregate[0][1], WithinRel(1.916829312738817, 1e-13));
  CHECK_THAT(g.aggregate[2][0], WithinRel(0.2272438732935, 1e-12));
  check_weights(g.group.weights, {0.5595565605855237, 0.3268920845632682, 0.11355135485120818},
                1e-12);
  CHECK_THAT(g.group.cr, WithinAbs(0.01105032860878405, 1e-12));
  check_weights(g.stakeholders[1].weights,
                {0.3196182639359757, 0.5584245430947972, 0.12195719296922707}, 1e-12);
  CHECK_THAT(g.stakeholders[1].cr, WithinAbs(0.01577129938761093, 1e-12));
  CHECK(g.disagreement[1] > g.disagreement[2]);
}

TEST_CASE("group AHP validation", "[weights]") {
  const std::vector<std::string> people = {"P", "Q"};
  PairwiseMatrix broken = textbook3;
  broken[1][0] = 0.5;
  CHECK_THAT(input_error([&] {
               group_ahp({textbook3, broken}, people, std::vector<double>{}, abc, "[g] ahp");
             }),
             Contains("[g] ahp stakeholder 'Q'") && Contains("'a' over 'b'"));
  CHECK_THROWS_AS(group_ahp({textbook3, textbook3}, people, std::vector<double>{1.0}, abc, "w"),
                  InputError);
  CHECK_THROWS_AS(
      group_ahp({textbook3, textbook3}, people, std::vector<double>{1.0, -1.0}, abc, "w"),
      InputError);
  CHECK_THROWS_AS(group_ahp({}, std::vector<std::string>{}, std::vector<double>{}, abc, "w"),
                  InputError);
}
