// How a scenario's criteria tree and exclusion rules are reported: as text for `standort
// validate` and as JSON in the run's manifest (which `standort explain` reads back).
#pragma once

#include "standort/engine/scenario.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace standort::cli {

/// The tree with each node's weight among its siblings, its global weight, how it aggregates,
/// the AHP consistency where used, and each criterion's value function; then the constraints.
std::string model_text(const Scenario& scenario);

/// The same as JSON: {"nodes": [...], "constraints": [...]}; node 0 is the goal.
nlohmann::json model_json(const Scenario& scenario);

}  // namespace standort::cli
