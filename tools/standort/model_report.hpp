// How a scenario's criteria tree and exclusion rules are reported: as text for `standort
// validate` and as JSON in the run's manifest (which `standort explain` reads back).
#pragma once

#include "standort/engine/scenario.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace standort::cli {

/// The tree with each node's weight among its siblings, its global weight, how it aggregates,
/// the AHP consistency where used, and each criterion's value function; then the constraints.
std::string model_text(const Scenario& scenario);

/// The same as JSON: {"nodes": [...], "constraints": [...]}; node 0 is the goal. `applied`, when
/// given, holds the value functions as a run applied them (one per criterion: MS memberships
/// with the indicator's mean and standard deviation filled in).
nlohmann::json model_json(const Scenario& scenario,
                          const std::vector<ValueFunction>* applied = nullptr);

}  // namespace standort::cli
