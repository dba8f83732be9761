// libFuzzer target: scenario text through standort::parse_scenario (behind `standort run` and
// `validate`). InputError and LimitError are its answers to bad text; a crash, a sanitizer report,
// another exception, a hang or a broken promise of the parsed scenario is a finding.
#include "standort/engine/error.hpp"
#include "standort/engine/grid.hpp"
#include "standort/engine/scenario.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

namespace {

[[noreturn]] void broken(const std::string& what) {
  std::fprintf(stderr, "fuzz_scenario: a parsed scenario breaks a promise: %s\n", what.c_str());
  std::abort();
}

// value_function.hpp: for parameters that pass validation every input but NaN scores in [0, 1];
// only a categorical function without a default gives NaN (nodata) for unlisted codes.
void check_value_function(const standort::CriterionSpec& c) {
  if (c.value.moments_from_data) return;  // mean and std_dev are filled in from the data later
  const double inf = std::numeric_limits<double>::infinity();
  for (const double x : {-inf, -1e300, -1e6, -1.0, 0.0, 0.5, 1.0, 250.0, 1e4, 1e300, inf}) {
    const double score = c.value.function(x);
    if (std::isnan(score) && c.value.function.kind() == standort::ValueKind::categorical) continue;
    if (!(score >= 0.0 && score <= 1.0))
      broken("[criteria." + c.name + "] scores " + std::to_string(score) +
             " at x = " + std::to_string(x));
  }
  c.value.function.describe();
}

// model.hpp: every node's weight lies in [0, 1] and siblings' weights sum to 1; global weights
// multiply down the tree, so the leaves' global weights sum to 1 too; parents precede children.
void check_model(const standort::Scenario& s) {
  const auto& nodes = s.model.nodes;
  if (nodes.empty()) broken("the model has no goal node");
  double leaves = 0.0;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const standort::ModelNode& n = nodes[i];
    if (!(n.weight >= 0.0 && n.weight <= 1.0) ||
        !(n.global_weight >= 0.0 && n.global_weight <= 1.0))
      broken("node '" + n.name + "' has weight " + std::to_string(n.weight) + ", global weight " +
             std::to_string(n.global_weight));
    if (i > 0 && !(n.parent >= 0 && n.parent < static_cast<int>(i)))
      broken("node '" + n.name + "' does not come after its parent");
    if (n.criterion >= 0) {
      if (n.criterion >= static_cast<int>(s.criteria.size()))
        broken("leaf '" + n.name + "' points past the criteria");
      leaves += n.global_weight;
      continue;
    }
    if (n.children.empty()) continue;
    double siblings = 0.0;
    for (const int child : n.children) siblings += nodes[static_cast<std::size_t>(child)].weight;
    if (std::fabs(siblings - 1.0) > 1e-9)
      broken("the children of '" + n.name + "' weigh " + std::to_string(siblings) + " together");
  }
  if (!s.criteria.empty() && std::fabs(leaves - 1.0) > 1e-9)
    broken("the criteria's global weights sum to " + std::to_string(leaves));
}

void check(const standort::Scenario& s) {
  for (const standort::CriterionSpec& c : s.criteria) {
    if (!s.find_input(c.layer)) broken("[criteria." + c.name + "] layer names no input");
    check_value_function(c);
  }
  for (const standort::ConstraintSpec& c : s.constraints)
    if (c.kind != standort::ConstraintKind::threshold && !s.find_input(c.layer))
      broken("[constraints." + c.name + "] layer names no input");
  check_model(s);
  // With an explicit extent, what `standort run` does next: the budget check, then the grid.
  if (s.grid.extent) {
    standort::check_grid_budget(*s.grid.extent, s.grid.cell_size_m, sizeof(float), s.limits,
                                "[grid]");
    const standort::Grid grid =
        standort::Grid::snapped(*s.grid.extent, s.grid.cell_size_m, s.grid.crs);
    if (grid.cols() < 1 || grid.rows() < 1) broken("the grid has no cells");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    check(standort::parse_scenario(text, "fuzz.toml", "/fuzz"));
  } catch (const standort::InputError&) {
  } catch (const standort::LimitError&) {
  }
  return 0;
}
