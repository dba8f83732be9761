#include "scenario_text.hpp"
#include "standort/engine/error.hpp"
#include "standort/engine/model.hpp"
#include "standort/engine/scenario.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <tuple>

using namespace standort;
using Catch::Contains;
using Catch::Matchers::WithinAbs;
using standort::test::error_of;
using standort::test::replace;

namespace {

// Three pillars over four criteria; Wissen weighs its two criteria by AHP, the goal weighs the
// pillars directly.
const std::string tree = R"(
[scenario]
name = "tree"

[inputs.points]
path = "p.gpkg"

[grid]
cell_size_m = 10
extent = [0, 0, 100, 100]

[goal]
aggregation = "wlc"

[pillars.wissen]
title = "Wissen"
weight = 2
weighting = "ahp"
[pillars.wissen.ahp]
order = ["campus", "research"]
matrix = [[1, 3], ["1/3", 1]]

[pillars.wandel]
title = "Wandel"
weight = 1
aggregation = { method = "owa", andness = 0.5 }

[pillars.wir]
weight = 1

[criteria.campus]
pillar = "wissen"
layer = "points"
value = { function = "linear", points = [[0, 1.0], [1000, 0.0]] }

[criteria.research]
pillar = "wissen"
layer = "points"
value = { function = "linear", points = [[0, 1.0], [2000, 0.0]] }

[criteria.business]
pillar = "wandel"
layer = "points"
value = { function = "linear", points = [[0, 1.0], [3000, 0.0]] }

[criteria.centres]
pillar = "wir"
layer = "points"
value = { function = "linear", points = [[0, 1.0], [500, 0.0]] }
)";

const ModelNode& node(const Model& m, const std::string& name) {
  for (const ModelNode& n : m.nodes)
    if (n.name == name) return n;
  FAIL("no node " << name);
  return m.nodes.front();
}

}  // namespace

TEST_CASE("the criteria tree: pillars, AHP and direct weights, global weights", "[model]") {
  const Scenario s = parse_scenario(tree, "s.toml", "/base");
  const Model& m = s.model;
  REQUIRE(m.nodes.size() == 8);  // goal, 3 pillars, 4 criteria
  CHECK(m.pillars().size() == 3);
  // Direct weights 2 : 1 : 1 among the pillars.
  CHECK_THAT(node(m, "wissen").weight, WithinAbs(0.5, 1e-12));
  CHECK_THAT(node(m, "wandel").weight, WithinAbs(0.25, 1e-12));
  // A 2 x 2 AHP matrix [[1, 3], [1/3, 1]] is consistent: weights 3/4 and 1/4.
  CHECK_THAT(node(m, "campus").weight, WithinAbs(0.75, 1e-12));
  CHECK_THAT(node(m, "research").weight, WithinAbs(0.25, 1e-12));
  CHECK(node(m, "wissen").report.method == "ahp");
  CHECK_THAT(node(m, "wissen").report.ahp->cr, WithinAbs(0.0, 1e-12));
  // Global weights multiply down the tree and sum to 1 over the criteria.
  CHECK_THAT(node(m, "campus").global_weight, WithinAbs(0.375, 1e-12));
  CHECK_THAT(node(m, "centres").global_weight, WithinAbs(0.25, 1e-12));
  double total = 0.0;
  for (const ModelNode& n : m.nodes)
    if (n.criterion >= 0) total += n.global_weight;
  CHECK_THAT(total, WithinAbs(1.0, 1e-12));
  // Every parent comes before its children.
  for (std::size_t i = 1; i < m.nodes.size(); ++i) CHECK(m.nodes[i].parent < static_cast<int>(i));
  CHECK(m.explainable());
}

TEST_CASE("criteria without pillars hang off the goal with normalised weights", "[model]") {
  std::string flat = tree.substr(0, tree.find("[goal]"));
  flat += R"(
[criteria.a]
layer = "points"
weight = 3
value = { function = "linear", points = [[0, 1.0], [1000, 0.0]] }
[criteria.b]
layer = "points"
value = { function = "linear", points = [[0, 1.0], [1000, 0.0]] }
)";
  const Scenario s = parse_scenario(flat, "s.toml", "/base");
  REQUIRE(s.model.nodes.size() == 3);
  CHECK(s.model.pillars().empty());
  CHECK_THAT(node(s.model, "a").weight, WithinAbs(0.75, 1e-12));
  CHECK_THAT(node(s.model, "b").global_weight, WithinAbs(0.25, 1e-12));
}

TEST_CASE("evaluating the tree on rasters equals the hand-computed scores", "[model]") {
  const Scenario s = parse_scenario(tree, "s.toml", "/base");
  const Grid g(0.0, 20.0, 10.0, 2, 2, "EPSG:25832");
  const float nodata = -9999.0f;
  // Cell 0: campus 1, research 0.2, business 0.6, centres 0.4; cell 3 is nodata in one criterion.
  const std::vector<std::vector<float>> values = {{1.0f, 0.5f, 0.0f, 0.3f},
                                                  {0.2f, 0.5f, 1.0f, 0.3f},
                                                  {0.6f, 0.1f, 0.0f, nodata},
                                                  {0.4f, 0.9f, 1.0f, 0.3f}};
  std::vector<Raster<float>> criteria;
  for (const auto& v : values) {
    criteria.emplace_back(g, 0.0f, nodata);
    for (std::size_t i = 0; i < 4; ++i) criteria.back().cells()[i] = v[i];
  }
  std::vector<const Raster<float>*> ptrs;
  for (const auto& r : criteria) ptrs.push_back(&r);
  const ModelScores one = evaluate_model(s.model, ptrs, nodata, 1);
  const ModelScores three = evaluate_model(s.model, ptrs, nodata, 3);
  // Cell 0 by hand: Wissen = 0.75 * 1 + 0.25 * 0.2 = 0.8; Wandel (one child) = 0.6; Wir = 0.4;
  // overall = 0.5 * 0.8 + 0.25 * 0.6 + 0.25 * 0.4 = 0.65.
  const auto wissen = static_cast<std::size_t>(&node(s.model, "wissen") - s.model.nodes.data());
  CHECK_THAT(one.node_scores[wissen].cells()[0], WithinAbs(0.8, 1e-6));
  CHECK_THAT(one.node_scores[0].cells()[0], WithinAbs(0.65, 1e-6));
  // Cell 3: business is nodata, so Wandel and the overall score are nodata; Wissen is not.
  CHECK(one.node_scores[0].cells()[3] == nodata);  // the nodata sentinel itself
  CHECK_THAT(one.node_scores[wissen].cells()[3], WithinAbs(0.75 * 0.3 + 0.25 * 0.3, 1e-6));
  // Contributions: global weight x score in a tree of weighted sums; they sum to the overall.
  REQUIRE(one.contributions.size() == 4);
  CHECK_THAT(one.contributions[0].cells()[0], WithinAbs(0.375 * 1.0, 1e-6));
  for (std::size_t i = 0; i < 3; ++i) {
    double sum = 0.0;
    for (const auto& c : one.contributions) sum += c.cells()[i];
    CHECK_THAT(sum, WithinAbs(one.node_scores[0].cells()[i], 1e-6));
  }
  CHECK(one.contributions[2].cells()[3] == nodata);
  // 1 thread and 3 threads: the same bits.
  for (std::size_t k = 0; k < one.node_scores.size(); ++k)
    if (!one.node_scores[k].cells().empty())
      CHECK(std::memcmp(one.node_scores[k].cells().data(), three.node_scores[k].cells().data(),
                        16) == 0);
  // explain_cell gives the same numbers for one cell.
  const CellExplanation e = explain_cell(s.model, {1.0, 0.2, 0.6, 0.4});
  CHECK_THAT(e.node_scores[0], WithinAbs(0.65, 1e-12));
  double sum = 0.0;
  for (double c : e.contributions) sum += c;
  CHECK_THAT(sum, WithinAbs(0.65, 1e-12));
}

TEST_CASE("OWA and fuzzy AND nodes split the score additively; products are not explainable",
          "[model]") {
  std::string and_tree =
      replace(tree, R"(aggregation = { method = "owa", andness = 0.5 })", R"(aggregation = "wlc")");
  and_tree =
      replace(and_tree, "[goal]\naggregation = \"wlc\"", "[goal]\naggregation = \"fuzzy_and\"");
  const Scenario s = parse_scenario(and_tree, "s.toml", "/base");
  CHECK(s.model.explainable());
  // Wissen 0.8, Wandel 0.6, Wir 0.4: AND = min = 0.4, all of it from Wir's only criterion.
  const CellExplanation e = explain_cell(s.model, {1.0, 0.2, 0.6, 0.4});
  CHECK_THAT(e.node_scores[0], WithinAbs(0.4, 1e-12));
  CHECK_THAT(e.contributions[3], WithinAbs(0.4, 1e-12));
  CHECK_THAT(e.contributions[0], WithinAbs(0.0, 1e-12));

  const Scenario p = parse_scenario(
      replace(tree, "[goal]\naggregation = \"wlc\"", "[goal]\naggregation = \"weighted_product\""),
      "s.toml", "/base");
  CHECK_FALSE(p.model.explainable());
  const CellExplanation pe = explain_cell(p.model, {1.0, 0.2, 0.6, 0.4});
  // 0.8^0.5 * 0.6^0.25 * 0.4^0.25
  CHECK_THAT(pe.node_scores[0], WithinAbs(std::pow(0.8, 0.5) * std::pow(0.24, 0.25), 1e-12));
  CHECK(pe.contributions.empty());
}

TEST_CASE("criteria-tree mistakes are named with a fix", "[model]") {
  CHECK_THAT(error_of(replace(tree, "pillar = \"wir\"", "pillar = \"wirr\"")),
             Contains("did you mean 'wir'"));
  CHECK_THAT(error_of(replace(tree, "pillar = \"wir\"\n", "")), Contains("needs pillar"));
  CHECK_THAT(error_of(replace(tree, "[pillars.wir]\n", "[pillars.wir]\nparent = \"wir\"\n")),
             Contains("cycle"));
  CHECK_THAT(error_of(replace(tree, R"(order = ["campus", "research"])", R"(order = ["campus"])")),
             Contains("order must list each child"));
  CHECK_THAT(error_of(replace(tree, R"(matrix = [[1, 3], ["1/3", 1]])",
                              R"(matrix = [[1, 3], ["1/2", 1]])")),
             Contains("'research' over 'campus'"));
  CHECK_THAT(error_of(replace(tree, "weighting = \"ahp\"", "weighting = \"ahb\"")),
             Contains("did you mean 'ahp'"));
  CHECK_THAT(error_of(replace(tree, "weighting = \"ahp\"", "weighting = \"rank_sum\"")),
             Contains("has an ahp table but weighting = \"rank_sum\""));
  // Rank weighting needs a rank on every child.
  CHECK_THAT(error_of(replace(tree, "[goal]\naggregation = \"wlc\"",
                              "[goal]\nweighting = \"rank_order_centroid\"")),
             Contains("has no rank"));
  CHECK_THAT(error_of(replace(tree, R"(aggregation = { method = "owa", andness = 0.5 })",
                              R"(aggregation = { method = "owa", andness = 1.5 })")),
             Contains("andness"));
  // An empty pillar is an error, not a silent zero.
  CHECK_THAT(error_of(tree + "\n[pillars.empty]\nweight = 1\n"), Contains("has no criteria"));
}

TEST_CASE("a pillar weighed by an inconsistent AHP matrix fails unless accepted", "[model]") {
  const std::string three = R"(
[scenario]
name = "ahp"
[inputs.points]
path = "p.gpkg"
[grid]
extent = [0, 0, 100, 100]
[goal]
weighting = "ahp"
[goal.ahp]
order = ["a", "b", "c"]
matrix = [[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]
[criteria.a]
layer = "points"
value = { function = "linear", points = [[0, 1.0], [1, 0.0]] }
[criteria.b]
layer = "points"
value = { function = "linear", points = [[0, 1.0], [1, 0.0]] }
[criteria.c]
layer = "points"
value = { function = "linear", points = [[0, 1.0], [1, 0.0]] }
)";
  CHECK_THAT(error_of(three), Contains("accept_inconsistent"));
  const Scenario s = parse_scenario(
      replace(three, "order = [", "accept_inconsistent = true\norder = ["), "s.toml", "/base");
  CHECK(s.model.nodes.front().report.ahp->cr > 0.1);
  CHECK_FALSE(s.model.nodes.front().report.warning.empty());
}

TEST_CASE("group AHP over stakeholders' matrices", "[model]") {
  std::string group = replace(tree, R"([pillars.wissen.ahp]
order = ["campus", "research"]
matrix = [[1, 3], ["1/3", 1]])",
                              R"([pillars.wissen.ahp]
order = ["campus", "research"]
[pillars.wissen.ahp.stakeholders.planning]
matrix = [[1, 4], ["1/4", 1]]
[pillars.wissen.ahp.stakeholders.universities]
matrix = [[1, 1], [1, 1]])");
  group = replace(group, "weighting = \"ahp\"", "weighting = \"group_ahp\"");
  const Scenario s = parse_scenario(group, "s.toml", "/base");
  // Geometric mean of 4 and 1 is 2: weights 2/3 and 1/3.
  CHECK_THAT(node(s.model, "campus").weight, WithinAbs(2.0 / 3.0, 1e-12));
  const WeightingReport& r = node(s.model, "wissen").report;
  REQUIRE(r.stakeholders.size() == 2);
  CHECK(r.disagreement.size() == 2);
  CHECK(r.disagreement[0] > 0.0);
}

TEST_CASE("OWA and fuzzy nodes: raster contributions equal explain_cell at every cell", "[model]") {
  // Goal: fuzzy OR of two pillars; pillar A: OWA (andness 0.3) of three criteria with unequal
  // direct weights; pillar B: fuzzy AND of two criteria.
  std::string text = R"(
[scenario]
name = "owa"
[inputs.points]
path = "p.gpkg"
[grid]
extent = [0, 0, 100, 100]
[goal]
aggregation = "fuzzy_or"
[pillars.a]
aggregation = { method = "owa", andness = 0.3 }
[pillars.b]
aggregation = "fuzzy_and"
)";
  for (const auto& [name, pillar, weight] :
       {std::tuple{"c1", "a", 3}, std::tuple{"c2", "a", 1}, std::tuple{"c3", "a", 2},
        std::tuple{"c4", "b", 1}, std::tuple{"c5", "b", 1}})
    text += std::string("[criteria.") + name + "]\npillar = \"" + pillar +
            "\"\nlayer = \"points\"\nweight = " + std::to_string(weight) +
            "\nvalue = { function = \"linear\", points = [[0, 1.0], [1, 0.0]] }\n";
  const Scenario s = parse_scenario(text, "s.toml", "/base");
  REQUIRE(s.model.explainable());
  const Grid g(0.0, 90.0, 10.0, 9, 9, "EPSG:25832");
  std::vector<Raster<float>> criteria;
  for (int k = 0; k < 5; ++k) {
    criteria.emplace_back(g, 0.0f, -9999.0f);
    for (std::size_t i = 0; i < criteria.back().cells().size(); ++i)
      criteria.back().cells()[i] = static_cast<float>(
          static_cast<double>((i * 13 + static_cast<std::size_t>(k) * 7) % 17) / 16.0);
  }
  std::vector<const Raster<float>*> ptrs;
  for (const auto& r : criteria) ptrs.push_back(&r);
  const ModelScores one = evaluate_model(s.model, ptrs, -9999.0f, 1);
  const ModelScores three = evaluate_model(s.model, ptrs, -9999.0f, 3);
  REQUIRE(one.contributions.size() == 5);
  for (std::size_t i = 0; i < criteria[0].cells().size(); ++i) {
    std::vector<double> scores;
    for (const auto& r : criteria) scores.push_back(r.cells()[i]);
    const CellExplanation e = explain_cell(s.model, scores);
    CHECK_THAT(one.node_scores[0].cells()[i], WithinAbs(e.node_scores[0], 1e-6));
    double sum = 0.0;
    for (std::size_t k = 0; k < 5; ++k) {
      CHECK_THAT(one.contributions[k].cells()[i], WithinAbs(e.contributions[k], 1e-6));
      sum += one.contributions[k].cells()[i];
    }
    CHECK_THAT(sum, WithinAbs(one.node_scores[0].cells()[i], 1e-5));
  }
  for (std::size_t k = 0; k < 5; ++k)
    CHECK(std::memcmp(one.contributions[k].cells().data(), three.contributions[k].cells().data(),
                      one.contributions[k].cells().size() * sizeof(float)) == 0);
}
