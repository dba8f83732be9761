// The criteria tree of a scenario: the goal, its pillars (e.g. Wissen, Wandel, Wir-Gefühl) and the
// criteria under them. Each inner node weighs its children (direct, rank or AHP weights, resolved
// when the scenario is read) and aggregates their scores cell by cell.
#pragma once

#include "standort/engine/aggregation.hpp"
#include "standort/engine/raster.hpp"
#include "standort/engine/weights.hpp"

#include <optional>
#include <string>
#include <vector>

namespace standort {

enum class WeightingMethod {
  direct,
  rank_sum,
  rank_reciprocal,
  rank_order_centroid,
  ahp,
  group_ahp
};

/// How an inner node weighs its children, as the scenario states it.
struct WeightingSpec {
  WeightingMethod method = WeightingMethod::direct;
  std::vector<std::string> order;           ///< AHP: the children, in matrix order
  std::vector<PairwiseMatrix> matrices;     ///< AHP: one; group AHP: one per stakeholder
  std::vector<std::string> stakeholders;    ///< group AHP
  std::vector<double> stakeholder_weights;  ///< group AHP; empty = equal
  double cr_limit = 0.1;                    ///< consistency ratio above this is an error
  bool accept_inconsistent = false;         ///< ... unless the scenario accepts it
};

/// What the weighting produced, for the manifest and `standort validate`.
struct WeightingReport {
  std::string method;            ///< e.g. "ahp", "direct"
  std::optional<AhpResult> ahp;  ///< single or group AHP (the group's result)
  std::vector<std::string> stakeholders;
  std::vector<double> stakeholder_cr;  ///< group AHP: each stakeholder's consistency ratio
  std::vector<double> disagreement;    ///< group AHP: per child, see group_ahp()
  std::string warning;                 ///< accepted inconsistency, else empty
};

struct ModelNode {
  std::string name;  ///< "goal", a pillar's key, or a criterion's key
  std::string title;
  std::string description;
  int parent = -1;     ///< index of the parent node; -1 for the goal
  int criterion = -1;  ///< leaves: index into Scenario::criteria; -1 for inner nodes
  std::vector<int> children;
  double raw_weight = 1.0;      ///< as given (direct weighting of the parent)
  int rank = 0;                 ///< as given (rank weighting of the parent); 0 = none
  double weight = 1.0;          ///< among its siblings, normalised: siblings sum to 1
  double global_weight = 1.0;   ///< product of the weights from the goal down to this node
  AggregationSpec aggregation;  ///< inner nodes
  WeightingSpec weighting;      ///< inner nodes: how the children are weighted
  WeightingReport report;       ///< inner nodes: what the weighting gave
  int line = 0;                 ///< where the node is defined in the scenario
};

/// The tree, node 0 is the goal. Inner nodes are listed before their children.
struct Model {
  std::vector<ModelNode> nodes;

  bool is_leaf(int node) const { return nodes[static_cast<std::size_t>(node)].criterion >= 0; }
  /// The pillars: the goal's inner children (empty when criteria hang directly off the goal).
  std::vector<int> pillars() const;
  /// True when every inner node aggregates additively (WLC, OWA, fuzzy AND / OR), so that each
  /// criterion's share of the overall score at a cell is defined and the shares sum to it.
  bool explainable() const;
};

/// Fills in `weight` and `global_weight` of every node from its parent's weighting and checks it
/// (AHP consistency and all). Throws InputError naming `label` and the node's line.
void resolve_weights(Model& model, const std::string& label);

/// The scores of a model's inner nodes at every cell.
struct ModelScores {
  std::vector<Raster<float>> node_scores;  ///< per node; empty for leaves (their scores are input)
  /// Per criterion (Scenario::criteria order): its share of the overall score at each cell, when
  /// the model is explainable; otherwise empty.
  std::vector<Raster<float>> contributions;
};

/// Aggregates `criterion_scores` (one raster per criterion, same grid, nodata = `nodata`) up the
/// tree. Cells where any criterion is nodata are nodata in every node above it.
/// With `with_contributions` false, ModelScores::contributions stays empty: model_contributions
/// computes them later (for instance when their file is written, so that they do not take memory
/// meanwhile).
ModelScores evaluate_model(const Model& model,
                           const std::vector<const Raster<float>*>& criterion_scores, float nodata,
                           int threads = 0, bool with_contributions = true);

/// Each criterion's share of the overall score at each cell (ModelScores::contributions), from
/// the criterion scores and the node scores evaluate_model computed; empty when the model is not
/// explainable. Where the overall score is 0 every share is 0.
std::vector<Raster<float>> model_contributions(
    const Model& model, const std::vector<const Raster<float>*>& criterion_scores,
    const std::vector<Raster<float>>& node_scores, float nodata, int threads = 0);

/// The same for one cell: node scores (leaves: their criterion's score) and contributions.
struct CellExplanation {
  std::vector<double> node_scores;
  std::vector<double> contributions;  ///< per criterion; empty when not explainable
};
CellExplanation explain_cell(const Model& model, const std::vector<double>& criterion_scores);

std::string weighting_method_name(WeightingMethod method);
/// Parses "direct", "rank_sum", "rank_reciprocal", "rank_order_centroid", "ahp", "group_ahp".
WeightingMethod parse_weighting_method(const std::string& name, const std::string& where);
std::vector<std::string> weighting_method_names();

}  // namespace standort
