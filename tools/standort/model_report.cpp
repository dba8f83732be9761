#include "model_report.hpp"

#include <cstdio>
#include <sstream>

namespace standort::cli {

namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string weighting_text(const ModelNode& n) {
  std::string text = n.report.method;
  if (n.report.ahp) {
    text += ", CR " + fixed(n.report.ahp->cr, 3);
    if (!n.report.stakeholders.empty()) {
      text += "; stakeholders";
      for (std::size_t i = 0; i < n.report.stakeholders.size(); ++i)
        text +=
            " " + n.report.stakeholders[i] + " (CR " + fixed(n.report.stakeholder_cr[i], 3) + ")";
    }
  }
  return text;
}

std::string constraint_text(const ConstraintSpec& c) {
  switch (c.kind) {
    case ConstraintKind::inside:
      return "inside the polygons of '" + c.layer + "'";
    case ConstraintKind::within:
      return "within " + fixed(c.distance_m, 1) + " m of '" + c.layer + "'";
    case ConstraintKind::threshold:
      return "indicator of '" + c.criterion + "' " +
             (c.above ? "above " + fixed(*c.above, 3) : "below " + fixed(*c.below, 3));
  }
  return "";
}

}  // namespace

std::string model_text(const Scenario& scenario) {
  const Model& m = scenario.model;
  std::ostringstream out;
  // Depth-first, children in file order.
  auto visit = [&](auto&& self, int k, int depth) -> void {
    const ModelNode& n = m.nodes[static_cast<std::size_t>(k)];
    out << std::string(static_cast<std::size_t>(2 + 2 * depth), ' ');
    if (n.criterion >= 0) {
      const CriterionSpec& c = scenario.criteria[static_cast<std::size_t>(n.criterion)];
      out << n.name << "  weight " << fixed(n.weight, 3) << ", global " << fixed(n.global_weight, 3)
          << "  "
          << (c.value.moments_from_data
                  ? value_kind_name(c.value.function.kind()) +
                        " with the mean and standard deviation of the indicator's cells"
                  : c.value.function.describe())
          << "\n";
      return;
    }
    out << (k == 0 ? "goal" : n.name)
        << (n.title.empty() || n.title == n.name ? "" : " (" + n.title + ")");
    if (k != 0)
      out << "  weight " << fixed(n.weight, 3) << ", global " << fixed(n.global_weight, 3);
    out << "  " << n.aggregation.describe() << "; children weighted by " << weighting_text(n)
        << "\n";
    if (!n.report.warning.empty())
      out << std::string(static_cast<std::size_t>(4 + 2 * depth), ' ')
          << "accepted: " << n.report.warning << "\n";
    for (int c : n.children) self(self, c, depth + 1);
  };
  out << "criteria tree:\n";
  visit(visit, 0, 0);
  if (!scenario.constraints.empty()) {
    out << "exclusions (the first that applies is the cell's reason):\n";
    for (std::size_t i = 0; i < scenario.constraints.size(); ++i) {
      const ConstraintSpec& c = scenario.constraints[i];
      out << "  " << i + 1 << " " << c.reason << ": " << constraint_text(c)
          << (c.where.empty() ? "" : " where " + c.where) << "\n";
    }
  }
  return out.str();
}

nlohmann::json model_json(const Scenario& scenario, const std::vector<ValueFunction>* applied) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const ModelNode& n : scenario.model.nodes) {
    nlohmann::json j = {
        {"name", n.name},     {"title", n.title},   {"description", n.description},
        {"parent", n.parent}, {"weight", n.weight}, {"global_weight", n.global_weight}};
    if (n.criterion >= 0) {
      const CriterionSpec& c = scenario.criteria[static_cast<std::size_t>(n.criterion)];
      j["criterion"] = c.name;
      j["indicator_file"] = c.output + ".tif";
      if (scenario.outputs.criterion_scores && scenario.criteria.size() > 1)
        j["score_file"] = c.name + "_score.tif";
      const auto index = static_cast<std::size_t>(n.criterion);
      // The moments an MS function took from the indicator, so that explain can apply it again.
      if (c.value.moments_from_data && applied && index < applied->size()) {
        const ValueDefinition& d = (*applied)[index].definition;
        if (const auto* small = std::get_if<FuzzyMSSmallValue>(&d))
          j["moments"] = {{"mean", small->mean}, {"std_dev", small->std_dev}};
        else if (const auto* large = std::get_if<FuzzyMSLargeValue>(&d))
          j["moments"] = {{"mean", large->mean}, {"std_dev", large->std_dev}};
      }
      j["value_function"] = applied && index < applied->size() ? (*applied)[index].describe()
                            : c.value.moments_from_data
                                ? value_kind_name(c.value.function.kind()) +
                                      " with the mean and standard deviation of the indicator"
                                : c.value.function.describe();
    } else {
      j["aggregation"] = n.aggregation.describe();
      j["weighting"] = n.report.method;
      j["score_file"] = n.parent < 0 ? "suitability.tif" : n.name + "_score.tif";
      if (n.report.ahp) {
        j["ahp"] = {{"cr", n.report.ahp->cr},
                    {"lambda_max", n.report.ahp->lambda_max},
                    {"ci", n.report.ahp->ci}};
        if (!n.report.stakeholders.empty()) {
          j["ahp"]["stakeholders"] = n.report.stakeholders;
          j["ahp"]["stakeholder_cr"] = n.report.stakeholder_cr;
          j["ahp"]["disagreement"] = n.report.disagreement;
        }
      }
      if (!n.report.warning.empty()) j["accepted_inconsistency"] = n.report.warning;
    }
    nodes.push_back(std::move(j));
  }
  nlohmann::json constraints = nlohmann::json::array();
  for (std::size_t i = 0; i < scenario.constraints.size(); ++i) {
    const ConstraintSpec& c = scenario.constraints[i];
    constraints.push_back({{"code", i + 1},
                           {"name", c.name},
                           {"reason", c.reason},
                           {"rule", constraint_text(c)},
                           {"where", c.where}});
  }
  return {{"nodes", nodes},
          {"constraints", constraints},
          {"explainable", scenario.model.explainable()}};
}

}  // namespace standort::cli
