#include "standort/engine/model.hpp"

#include "standort/engine/error.hpp"
#include "standort/engine/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace standort {

namespace {

constexpr std::pair<WeightingMethod, const char*> k_weighting_names[] = {
    {WeightingMethod::direct, "direct"},
    {WeightingMethod::rank_sum, "rank_sum"},
    {WeightingMethod::rank_reciprocal, "rank_reciprocal"},
    {WeightingMethod::rank_order_centroid, "rank_order_centroid"},
    {WeightingMethod::ahp, "ahp"},
    {WeightingMethod::group_ahp, "group_ahp"},
};

std::string node_where(const ModelNode& n) {
  if (n.parent < 0) return "[goal]";
  return (n.criterion >= 0 ? "[criteria." : "[pillars.") + n.name + "]";
}

/// Weighs the children of `node` and stores their weights.
void weigh_children(Model& model, int node, const std::string& label) {
  ModelNode& parent = model.nodes[static_cast<std::size_t>(node)];
  const std::string where = label + ":" + std::to_string(parent.line) + ": " + node_where(parent);
  std::vector<std::string> names;
  std::vector<double> raw;
  std::vector<int> ranks;
  for (int c : parent.children) {
    const ModelNode& child = model.nodes[static_cast<std::size_t>(c)];
    names.push_back(child.name);
    raw.push_back(child.raw_weight);
    ranks.push_back(child.rank);
  }
  const WeightingSpec& w = parent.weighting;
  WeightingReport report;
  report.method = weighting_method_name(w.method);
  std::vector<double> weights;
  switch (w.method) {
    case WeightingMethod::direct:
      weights = direct_weights(raw, names, where + " weights of its children");
      break;
    case WeightingMethod::rank_sum:
    case WeightingMethod::rank_reciprocal:
    case WeightingMethod::rank_order_centroid: {
      for (std::size_t i = 0; i < ranks.size(); ++i)
        if (ranks[i] <= 0)
          throw InputError(where + " weighs its children by rank, but " +
                           node_where(model.nodes[static_cast<std::size_t>(parent.children[i])]) +
                           " has no rank; give it rank = 1 (most important), 2, ...");
      const RankMethod m = w.method == WeightingMethod::rank_sum          ? RankMethod::sum
                           : w.method == WeightingMethod::rank_reciprocal ? RankMethod::reciprocal
                                                                          : RankMethod::centroid;
      weights = rank_weights(ranks, m, names, where + " ranks of its children");
      break;
    }
    case WeightingMethod::ahp:
    case WeightingMethod::group_ahp: {
      // The matrix rows follow `order`, which must name exactly the children.
      std::vector<std::string> sorted_order = w.order, sorted_names = names;
      std::sort(sorted_order.begin(), sorted_order.end());
      std::sort(sorted_names.begin(), sorted_names.end());
      if (sorted_order != sorted_names) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        throw InputError(where + ".ahp order must list each child exactly once: " + list);
      }
      AhpResult result;
      if (w.method == WeightingMethod::ahp) {
        if (w.matrices.size() != 1)
          throw InputError(where + ".ahp needs one matrix = [[...], ...]");
        result = ahp(w.matrices.front(), w.order, where + ".ahp");
      } else {
        const GroupAhpResult g =
            group_ahp(w.matrices, w.stakeholders, w.stakeholder_weights, w.order, where + ".ahp");
        result = g.group;
        report.stakeholders = w.stakeholders;
        for (const AhpResult& s : g.stakeholders) report.stakeholder_cr.push_back(s.cr);
        report.disagreement = g.disagreement;
      }
      if (auto warning =
              check_consistency(result, w.order, where + ".ahp", w.cr_limit, w.accept_inconsistent))
        report.warning = *warning;
      // Weights come in `order`; hand them to the children in their own order.
      weights.assign(names.size(), 0.0);
      for (std::size_t i = 0; i < names.size(); ++i)
        weights[i] = result.weights[static_cast<std::size_t>(
            std::find(w.order.begin(), w.order.end(), names[i]) - w.order.begin())];
      if (w.method == WeightingMethod::group_ahp) {
        std::vector<double> d(names.size());
        for (std::size_t i = 0; i < names.size(); ++i)
          d[i] = report.disagreement[static_cast<std::size_t>(
              std::find(w.order.begin(), w.order.end(), names[i]) - w.order.begin())];
        report.disagreement = d;
      }
      report.ahp = std::move(result);
      break;
    }
  }
  for (std::size_t i = 0; i < parent.children.size(); ++i)
    model.nodes[static_cast<std::size_t>(parent.children[i])].weight = weights[i];
  parent.aggregation.validate(where + " aggregation", parent.children.size());
  parent.report = std::move(report);
}

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

}  // namespace

std::string weighting_method_name(WeightingMethod method) {
  for (const auto& [m, name] : k_weighting_names)
    if (m == method) return name;
  return "?";
}

std::vector<std::string> weighting_method_names() {
  std::vector<std::string> out;
  for (const auto& [m, name] : k_weighting_names) out.emplace_back(name);
  return out;
}

WeightingMethod parse_weighting_method(const std::string& name, const std::string& where) {
  for (const auto& [m, n] : k_weighting_names)
    if (name == n) return m;
  std::string list;
  for (const auto& n : weighting_method_names()) list += (list.empty() ? "" : ", ") + n;
  throw InputError(where + ": weighting \"" + name + "\" is unknown; use one of " + list);
}

std::vector<int> Model::pillars() const {
  std::vector<int> out;
  if (nodes.empty()) return out;
  for (int c : nodes.front().children)
    if (!is_leaf(c)) out.push_back(c);
  return out;
}

bool Model::explainable() const {
  return std::all_of(nodes.begin(), nodes.end(), [](const ModelNode& n) {
    return n.criterion >= 0 || has_additive_contributions(n.aggregation.method);
  });
}

void resolve_weights(Model& model, const std::string& label) {
  for (std::size_t i = 0; i < model.nodes.size(); ++i) {
    ModelNode& n = model.nodes[i];
    if (n.criterion >= 0) continue;
    if (n.children.empty())
      throw InputError(label + ":" + std::to_string(n.line) + ": " + node_where(n) +
                       " has no criteria; give criteria pillar = \"" + n.name + "\" or remove it");
    weigh_children(model, static_cast<int>(i), label);
  }
  // Parents come before their children, so one pass in order multiplies the weights down.
  for (ModelNode& n : model.nodes)
    n.global_weight =
        n.parent < 0 ? 1.0
                     : model.nodes[static_cast<std::size_t>(n.parent)].global_weight * n.weight;
}

ModelScores evaluate_model(const Model& model,
                           const std::vector<const Raster<float>*>& criterion_scores, float nodata,
                           int threads, bool with_contributions) {
  ModelScores out;
  out.node_scores.resize(model.nodes.size());
  auto child_raster = [&](int c) -> const Raster<float>* {
    const ModelNode& child = model.nodes[static_cast<std::size_t>(c)];
    return child.criterion >= 0 ? criterion_scores.at(static_cast<std::size_t>(child.criterion))
                                : &out.node_scores[static_cast<std::size_t>(c)];
  };
  // Children come after their parents: aggregate from the last node backwards.
  for (std::size_t k = model.nodes.size(); k-- > 0;) {
    const ModelNode& n = model.nodes[k];
    if (n.criterion >= 0) continue;
    std::vector<const Raster<float>*> children;
    std::vector<double> weights;
    for (int c : n.children) {
      children.push_back(child_raster(c));
      weights.push_back(model.nodes[static_cast<std::size_t>(c)].weight);
    }
    out.node_scores[k] = aggregate_rasters(n.aggregation, children, weights, nodata, threads);
  }
  if (with_contributions)
    out.contributions =
        model_contributions(model, criterion_scores, out.node_scores, nodata, threads);
  return out;
}

std::vector<Raster<float>> model_contributions(
    const Model& model, const std::vector<const Raster<float>*>& criterion_scores,
    const std::vector<Raster<float>>& node_scores, float nodata, int threads) {
  if (!model.explainable() || criterion_scores.empty()) return {};
  // Shares of the overall score: each inner node splits its own share among its children in
  // proportion to their contributions at that node. For a tree of weighted sums this is the
  // criterion's global weight times its score.
  std::vector<Raster<float>> contributions;
  const Grid& grid = node_scores.front().grid();
  const std::size_t n_criteria = criterion_scores.size();
  contributions.reserve(n_criteria);
  for (std::size_t i = 0; i < n_criteria; ++i) contributions.emplace_back(grid, NoFill{}, nodata);
  const std::int64_t cols = grid.cols();
  const std::size_t n_nodes = model.nodes.size();
  // Nodes other than weighted sums split their score by contribution_rasters, computed once.
  std::vector<std::vector<Raster<float>>> parts(n_nodes);
  for (std::size_t k = 0; k < n_nodes; ++k) {
    const ModelNode& n = model.nodes[k];
    if (n.criterion >= 0 || n.aggregation.method == AggregationMethod::wlc) continue;
    std::vector<const Raster<float>*> children;
    std::vector<double> weights;
    for (int c : n.children) {
      const auto ch = static_cast<std::size_t>(c);
      children.push_back(model.nodes[ch].criterion >= 0
                             ? criterion_scores[static_cast<std::size_t>(model.nodes[ch].criterion)]
                             : &node_scores[ch]);
      weights.push_back(model.nodes[ch].weight);
    }
    parts[k] = contribution_rasters(n.aggregation, children, weights, nodata, threads);
  }
  // Row by row, each node's share along the whole row (so that the loops vectorise); every cell
  // gets the same operations in the same order as one cell at a time, so the same bits.
  const auto ucols = static_cast<std::size_t>(cols);
  parallel_for_blocks(grid.rows(), threads, [&](std::int64_t r0, std::int64_t r1) {
    std::vector<std::vector<double>> share(n_nodes, std::vector<double>(ucols));
    std::vector<std::uint8_t> missing(ucols);
    for (std::int64_t r = r0; r < r1; ++r) {
      const std::size_t first = static_cast<std::size_t>(r) * ucols;
      const float* overall = node_scores.front().cells().data() + first;
      for (std::size_t c = 0; c < ucols; ++c) {
        missing[c] = overall[c] == nodata || std::isnan(overall[c]);
        share[0][c] = static_cast<double>(overall[c]);
      }
      // Parents come before their children: pass each node's share down to its children.
      for (std::size_t k = 0; k < n_nodes; ++k) {
        const ModelNode& n = model.nodes[k];
        const double* mine = share[k].data();
        if (n.criterion >= 0) {
          float* dst = contributions[static_cast<std::size_t>(n.criterion)].cells().data() + first;
          for (std::size_t c = 0; c < ucols; ++c)
            dst[c] = missing[c] ? nodata : static_cast<float>(mine[c]);
          continue;
        }
        // The node's own score: the overall score at the root, its node score below.
        const float* total = node_scores[k].cells().data() + first;
        for (std::size_t j = 0; j < n.children.size(); ++j) {
          const auto ch = static_cast<std::size_t>(n.children[j]);
          double* theirs = share[ch].data();
          if (n.aggregation.method == AggregationMethod::wlc) {
            // Weighted sum: child j's part is w_j x_j, its share that part of the node's share.
            const ModelNode& child = model.nodes[ch];
            const float* x =
                child.criterion >= 0
                    ? criterion_scores[static_cast<std::size_t>(child.criterion)]->cells().data() +
                          first
                    : node_scores[ch].cells().data() + first;
            const double w = child.weight;
            for (std::size_t c = 0; c < ucols; ++c) {
              const double t = static_cast<double>(total[c]);
              theirs[c] = t > 0.0 ? mine[c] * w * static_cast<double>(x[c]) / t : 0.0;
            }
          } else {
            const float* part = parts[k][j].cells().data() + first;
            for (std::size_t c = 0; c < ucols; ++c) {
              const double t = static_cast<double>(total[c]);
              theirs[c] = t > 0.0 ? mine[c] * static_cast<double>(part[c]) / t : 0.0;
            }
          }
        }
      }
    }
  });
  return contributions;
}

CellExplanation explain_cell(const Model& model, const std::vector<double>& criterion_scores) {
  CellExplanation e;
  e.node_scores.assign(model.nodes.size(), nan());
  for (std::size_t k = model.nodes.size(); k-- > 0;) {
    const ModelNode& n = model.nodes[k];
    if (n.criterion >= 0) {
      e.node_scores[k] = criterion_scores.at(static_cast<std::size_t>(n.criterion));
      continue;
    }
    std::vector<double> scores, weights;
    for (int c : n.children) {
      scores.push_back(e.node_scores[static_cast<std::size_t>(c)]);
      weights.push_back(model.nodes[static_cast<std::size_t>(c)].weight);
    }
    e.node_scores[k] = aggregate(n.aggregation, scores, weights);
  }
  if (!model.explainable()) return e;
  std::vector<double> share(model.nodes.size(), 0.0);
  share[0] = e.node_scores[0];
  e.contributions.assign(criterion_scores.size(), nan());
  for (std::size_t k = 0; k < model.nodes.size(); ++k) {
    const ModelNode& n = model.nodes[k];
    if (n.criterion >= 0) {
      e.contributions[static_cast<std::size_t>(n.criterion)] = share[k];
      continue;
    }
    std::vector<double> scores, weights;
    for (int c : n.children) {
      scores.push_back(e.node_scores[static_cast<std::size_t>(c)]);
      weights.push_back(model.nodes[static_cast<std::size_t>(c)].weight);
    }
    const std::vector<double> parts = contributions(n.aggregation, scores, weights);
    const double total = e.node_scores[k];
    for (std::size_t j = 0; j < n.children.size(); ++j)
      share[static_cast<std::size_t>(n.children[j])] =
          total > 0.0 ? share[k] * parts[j] / total : 0.0;
  }
  return e;
}

}  // namespace standort
