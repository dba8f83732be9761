#include "standort/engine/sensitivity.hpp"

#include "standort/engine/aggregation.hpp"
#include "standort/engine/error.hpp"
#include "standort/engine/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <mutex>
#include <numeric>
#include <random>
#include <sstream>

namespace standort {

namespace {

constexpr double quiet_nan = std::numeric_limits<double>::quiet_NaN();
/// Sibling weights must sum to 1 within this.
constexpr double weight_sum_tolerance = 1e-9;

/// The seed of run r: the (r + 1)-th output of splitmix64 started at `seed` (Steele, Lea & Flood
/// 2014, "Fast splittable pseudorandom number generators", OOPSLA).
std::uint64_t run_seed(std::uint64_t seed, std::uint64_t run) {
  std::uint64_t z = seed + (run + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// The random numbers of one run, from its own generator.
class RunRandom {
 public:
  RunRandom(std::uint64_t seed, std::uint64_t run) : m_engine(run_seed(seed, run)) {}

  /// Uniform on the open interval (0, 1): (k + 0.5) / 2^53, k the generator's top 53 bits.
  double uniform() { return (static_cast<double>(m_engine() >> 11) + 0.5) * 0x1.0p-53; }

  /// Standard normal, Marsaglia's polar method (both variates of a pair are used, in order).
  double normal() {
    if (m_has_spare) {
      m_has_spare = false;
      return m_spare;
    }
    for (;;) {
      const double u = 2.0 * uniform() - 1.0;
      const double v = 2.0 * uniform() - 1.0;
      const double s = u * u + v * v;
      if (s >= 1.0 || s == 0.0) continue;
      const double f = std::sqrt(-2.0 * std::log(s) / s);
      m_spare = v * f;
      m_has_spare = true;
      return u * f;
    }
  }

  /// The logarithm of a Gamma(alpha, 1) variate, alpha > 0 (Marsaglia & Tsang; for alpha < 1
  /// G(alpha) = G(alpha + 1) U^(1/alpha), added in logs so small alphas do not underflow).
  double log_gamma_variate(double alpha) {
    if (alpha < 1.0) {
      const double boosted = log_gamma_variate(alpha + 1.0);
      return boosted + std::log(uniform()) / alpha;
    }
    const double d = alpha - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      const double x = normal();
      const double t = 1.0 + c * x;
      if (t <= 0.0) continue;
      const double v = t * t * t;
      const double u = uniform();
      const double x2 = x * x;
      if (u < 1.0 - 0.0331 * x2 * x2) return std::log(d * v);
      if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return std::log(d * v);
    }
  }

 private:
  std::mt19937_64 m_engine;
  bool m_has_spare = false;
  double m_spare = 0.0;
};

std::string node_label(const ModelNode& n) {
  return n.parent < 0 ? std::string("the goal") : "'" + n.name + "'";
}

/// Checks that the tree can be evaluated (parents before children, leaves with a criterion,
/// resolved weights) and returns the number of criteria (the largest criterion index + 1).
std::size_t check_model(const Model& model, const std::string& where) {
  if (model.nodes.empty())
    throw InputError(where + ": the criteria tree is empty; give the scenario a goal and criteria");
  int max_criterion = -1;
  for (std::size_t k = 0; k < model.nodes.size(); ++k) {
    const ModelNode& n = model.nodes[k];
    if (n.criterion >= 0) {
      max_criterion = std::max(max_criterion, n.criterion);
      continue;
    }
    if (n.children.empty())
      throw InputError(where + ": " + node_label(n) +
                       " has no children; give it criteria or remove it");
    double sum = 0.0;
    for (int c : n.children) {
      if (c <= static_cast<int>(k) || c >= static_cast<int>(model.nodes.size()))
        throw InputError(where + ": the criteria tree is not ordered parents first at " +
                         node_label(n) + "; build it with parse_scenario()");
      const double w = model.nodes[static_cast<std::size_t>(c)].weight;
      if (!std::isfinite(w) || w < 0.0) {
        std::ostringstream s;
        s << where << ": " << node_label(model.nodes[static_cast<std::size_t>(c)]) << " has weight "
          << w << "; weights must be finite and >= 0";
        throw InputError(s.str());
      }
      sum += w;
    }
    if (!(std::abs(sum - 1.0) <= weight_sum_tolerance)) {
      std::ostringstream s;
      s << where << ": the weights of the children of " << node_label(n) << " sum to " << sum
        << ", not 1; resolve the scenario's weights first (resolve_weights)";
      throw InputError(s.str());
    }
  }
  if (max_criterion < 0)
    throw InputError(where + ": the criteria tree has no criteria; give the scenario criteria");
  return static_cast<std::size_t>(max_criterion) + 1;
}

/// Divides each sibling group by its sum (summed in child order), as aggregate() does.
void normalise_groups(const Model& model, std::vector<double>& w) {
  for (const ModelNode& n : model.nodes) {
    if (n.criterion >= 0) continue;
    double sum = 0.0;
    for (int c : n.children) sum += w[static_cast<std::size_t>(c)];
    for (int c : n.children) w[static_cast<std::size_t>(c)] /= sum;
  }
}

/// The scenario's weights, normalised per group.
std::vector<double> base_weights(const Model& model) {
  std::vector<double> w(model.nodes.size());
  for (std::size_t k = 0; k < w.size(); ++k) w[k] = model.nodes[k].weight;
  w[0] = 1.0;
  normalise_groups(model, w);
  return w;
}

/// The weights of run r (see the header), written to `w` (one per node).
void draw_run(const Model& model, const WeightPerturbation& p, std::int64_t run,
              std::vector<double>& w) {
  RunRandom random(p.seed, static_cast<std::uint64_t>(run));
  w.assign(model.nodes.size(), 0.0);
  w[0] = 1.0;
  if (p.kind == WeightPerturbation::Kind::uniform_percent) {
    const double half_width = p.percent / 100.0;
    for (const ModelNode& n : model.nodes) {
      if (n.criterion >= 0) continue;
      for (int c : n.children) {
        const double factor = 1.0 + half_width * (2.0 * random.uniform() - 1.0);
        w[static_cast<std::size_t>(c)] = model.nodes[static_cast<std::size_t>(c)].weight * factor;
      }
    }
    normalise_groups(model, w);
    return;
  }
  const double minus_inf = -std::numeric_limits<double>::infinity();
  for (const ModelNode& n : model.nodes) {
    if (n.criterion >= 0) continue;
    // Gamma variates in logs; the weights are exp(log G_i - max) / sum, which cannot underflow
    // to an all-zero group.
    double top = minus_inf;
    for (int c : n.children) {
      const double alpha = p.concentration * model.nodes[static_cast<std::size_t>(c)].weight;
      const double log_g = alpha > 0.0 ? random.log_gamma_variate(alpha) : minus_inf;
      w[static_cast<std::size_t>(c)] = log_g;
      top = std::max(top, log_g);
    }
    if (top == minus_inf) {
      // Every variate underflowed (concentration * weight below about 1e-300): the limit of
      // the Dirichlet as the concentration goes to 0 puts all weight on one child, child i with
      // probability w_i.
      const double u = random.uniform();
      double cumulative = 0.0;
      int chosen = n.children.back();
      for (int c : n.children) {
        cumulative += model.nodes[static_cast<std::size_t>(c)].weight;
        if (u < cumulative) {
          chosen = c;
          break;
        }
      }
      for (int c : n.children) w[static_cast<std::size_t>(c)] = c == chosen ? 1.0 : 0.0;
      continue;
    }
    double sum = 0.0;
    for (int c : n.children) {
      double& x = w[static_cast<std::size_t>(c)];
      x = std::exp(x - top);
      sum += x;
    }
    for (int c : n.children) w[static_cast<std::size_t>(c)] /= sum;
  }
}

/// Checks sites x criteria scores: row length and values in 0..1 or NaN.
void check_site_scores(const std::vector<std::vector<double>>& scores, std::size_t criteria,
                       const std::string& where) {
  for (std::size_t s = 0; s < scores.size(); ++s) {
    if (scores[s].size() != criteria) {
      std::ostringstream m;
      m << where << ": site " << s + 1 << " has " << scores[s].size() << " criterion scores, the "
        << "criteria tree has " << criteria << " criteria; give one score per criterion";
      throw InputError(m.str());
    }
    for (std::size_t c = 0; c < criteria; ++c) {
      const double x = scores[s][c];
      if (std::isnan(x) || (x >= 0.0 && x <= 1.0)) continue;
      std::ostringstream m;
      m << where << ": site " << s + 1 << " has score " << x << " for criterion " << c + 1
        << "; criterion scores lie between 0 and 1 (NaN = no data): apply the value functions "
           "first";
      throw InputError(m.str());
    }
  }
}

/// Evaluates the tree for sites with node weights `w`, node by node with aggregate(), as
/// explain_cell() does. Buffers are reused between calls.
class TreeEvaluator {
 public:
  explicit TreeEvaluator(const Model& model) : m_model(model), m_node(model.nodes.size()) {}

  double score(const std::vector<double>& w, const std::vector<double>& criterion_scores) {
    for (double x : criterion_scores)
      if (std::isnan(x)) return quiet_nan;
    for (std::size_t k = m_model.nodes.size(); k-- > 0;) {
      const ModelNode& n = m_model.nodes[k];
      if (n.criterion >= 0) {
        m_node[k] = criterion_scores[static_cast<std::size_t>(n.criterion)];
        continue;
      }
      m_scores.clear();
      m_weights.clear();
      for (int c : n.children) {
        m_scores.push_back(m_node[static_cast<std::size_t>(c)]);
        m_weights.push_back(w[static_cast<std::size_t>(c)]);
      }
      m_node[k] = aggregate(n.aggregation, m_scores, m_weights);
    }
    return m_node[0];
  }

 private:
  const Model& m_model;
  std::vector<double> m_node, m_scores, m_weights;
};

/// Ranks (1 = best) of `scores`: decreasing score, NaN last, equal scores by index.
void rank_sites(const std::vector<double>& scores, std::vector<int>& order,
                std::vector<int>& ranks) {
  order.resize(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    const double x = scores[static_cast<std::size_t>(a)];
    const double y = scores[static_cast<std::size_t>(b)];
    if (std::isnan(x) != std::isnan(y)) return std::isnan(y);
    if (!std::isnan(x) && x != y) return x > y;
    return a < b;
  });
  ranks.resize(scores.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    ranks[static_cast<std::size_t>(order[i])] = static_cast<int>(i) + 1;
}

/// Scores and ranks of all sites for node weights `w`.
void score_and_rank(TreeEvaluator& tree, const std::vector<double>& w,
                    const std::vector<std::vector<double>>& sites, std::vector<double>& scores,
                    std::vector<int>& order, std::vector<int>& ranks) {
  scores.resize(sites.size());
  for (std::size_t s = 0; s < sites.size(); ++s) scores[s] = tree.score(w, sites[s]);
  rank_sites(scores, order, ranks);
}

/// Checks runs x nodes weights against the tree: one weight per node, finite and >= 0, each
/// sibling group summing to 1.
void check_run_weights(const Model& model, const std::vector<std::vector<double>>& run_weights,
                       const std::string& where) {
  if (run_weights.empty())
    throw InputError(where + ": no runs; give the weights of at least one run (sample_weights)");
  for (std::size_t r = 0; r < run_weights.size(); ++r) {
    const auto& w = run_weights[r];
    if (w.size() != model.nodes.size()) {
      std::ostringstream s;
      s << where << ": run " << r + 1 << " has " << w.size() << " weights for a tree of "
        << model.nodes.size() << " nodes; give one weight per node (sample_weights)";
      throw InputError(s.str());
    }
    for (const ModelNode& n : model.nodes) {
      if (n.criterion >= 0) continue;
      double sum = 0.0;
      for (int c : n.children) {
        const double x = w[static_cast<std::size_t>(c)];
        if (!std::isfinite(x) || x < 0.0) {
          std::ostringstream s;
          s << where << ": run " << r + 1 << " gives "
            << node_label(model.nodes[static_cast<std::size_t>(c)]) << " weight " << x
            << "; weights must be finite and >= 0";
          throw InputError(s.str());
        }
        sum += x;
      }
      if (!(std::abs(sum - 1.0) <= weight_sum_tolerance)) {
        std::ostringstream s;
        s << where << ": in run " << r + 1 << " the weights of the children of " << node_label(n)
          << " sum to " << sum << ", not 1; normalise each sibling group";
        throw InputError(s.str());
      }
    }
  }
}

/// The leaf node of criterion c, for messages.
std::string criterion_label(const Model& model, std::size_t c) {
  for (const ModelNode& n : model.nodes)
    if (n.criterion == static_cast<int>(c))
      return "criterion " + std::to_string(c + 1) + " ('" + n.name + "')";
  return "criterion " + std::to_string(c + 1);
}

/// Checks criterion rasters: as many as criteria, one grid, scores in 0..1 or nodata (the first
/// bad cell in row-major order is named).
void check_criterion_rasters(const Model& model, const std::vector<const Raster<float>*>& rasters,
                             std::size_t criteria, int threads, const std::string& where) {
  if (rasters.size() != criteria) {
    std::ostringstream s;
    s << where << ": " << rasters.size() << " criterion rasters for a tree of " << criteria
      << " criteria; give one score raster per criterion, in criterion order";
    throw InputError(s.str());
  }
  for (std::size_t c = 0; c < criteria; ++c)
    if (rasters[c] == nullptr)
      throw InputError(where + ": the raster of " + criterion_label(model, c) + " is missing");
  const Grid& grid = rasters[0]->grid();
  for (std::size_t c = 1; c < criteria; ++c) {
    const Grid& g = rasters[c]->grid();
    if (g == grid) continue;
    std::ostringstream s;
    s << where << ": " << criterion_label(model, c) << " lies on a different grid (" << g.cols()
      << " x " << g.rows() << " cells of " << g.cell_size() << " m from (" << g.xmin() << ", "
      << g.ymax() << ")) than " << criterion_label(model, 0) << " (" << grid.cols() << " x "
      << grid.rows() << " cells of " << grid.cell_size() << " m from (" << grid.xmin() << ", "
      << grid.ymax() << ")); compute all criteria on the scenario's grid";
    throw InputError(s.str());
  }
  struct Bad {
    std::int64_t row = -1, col = 0;
    std::size_t criterion = 0;
    float value = 0.0f;
  };
  Bad first;
  std::mutex first_mutex;
  const std::int64_t cols = grid.cols();
  parallel_for_blocks(grid.rows(), threads, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      for (std::int64_t col = 0; col < cols; ++col) {
        for (std::size_t c = 0; c < criteria; ++c) {
          const float v = rasters[c]->at(col, r);
          if (rasters[c]->is_nodata(v) || (v >= 0.0f && v <= 1.0f)) continue;
          std::lock_guard lock(first_mutex);
          if (first.row < 0 || r < first.row || (r == first.row && col < first.col))
            first = {r, col, c, v};
          return;
        }
      }
    }
  });
  if (first.row >= 0) {
    std::ostringstream s;
    s << where << ": " << criterion_label(model, first.criterion) << " has score " << first.value
      << " at cell (col " << first.col << ", row " << first.row
      << "); criterion scores lie between 0 and 1: check its value function";
    throw InputError(s.str());
  }
}

// sqrt(max(0, s^T C s)) at every cell whose criteria all have data, C = matrix_of(s) (n x n,
// row-major; one matrix for linear trees, one per order of the OWA children otherwise); nodata
// elsewhere. Rows in parallel, each cell from its inputs only.
template <class MatrixOf>
Raster<float> quadratic_sd(const std::vector<const Raster<float>*>& criteria, float nodata,
                           int threads, MatrixOf&& matrix_of) {
  const std::size_t n = criteria.size();
  const Grid& grid = criteria[0]->grid();
  const auto cols = static_cast<std::size_t>(grid.cols());
  Raster<float> out(grid, NoFill{}, nodata);
  parallel_for_blocks(grid.rows(), threads, [&](std::int64_t r0, std::int64_t r1) {
    std::vector<double> s(n);
    std::vector<const float*> rows(n);
    for (std::int64_t r = r0; r < r1; ++r) {
      for (std::size_t i = 0; i < n; ++i) rows[i] = criteria[i]->row(r).data();
      float* dst = out.row(r).data();
      for (std::size_t col = 0; col < cols; ++col) {
        bool missing = false;
        for (std::size_t i = 0; i < n; ++i) {
          const float v = rows[i][col];
          missing |= criteria[i]->is_nodata(v);
          s[i] = static_cast<double>(v);
        }
        if (missing) {
          dst[col] = nodata;
          continue;
        }
        const std::vector<double>& c = matrix_of(s);
        double variance = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
          double row_sum = 0.0;
          for (std::size_t j = 0; j < n; ++j) row_sum += c[i * n + j] * s[j];
          variance += s[i] * row_sum;
        }
        dst[col] = static_cast<float>(std::sqrt(std::max(0.0, variance)));
      }
    }
  });
  return out;
}

Raster<float> sd_by_covariance(const Model& model,
                               const std::vector<const Raster<float>*>& criteria,
                               const std::vector<std::vector<double>>& run_weights, float nodata,
                               int threads, const std::string& where) {
  const std::vector<std::vector<double>> cov = global_weight_covariance(model, run_weights, where);
  const std::size_t n = criteria.size();
  std::vector<double> c(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) c[i * n + j] = cov[i][j];
  return quadratic_sd(criteria, nodata, threads,
                      [&](const std::vector<double>&) -> const std::vector<double>& { return c; });
}

// The inner nodes that are not weighted sums, for the by_order method.
std::vector<std::size_t> ordered_nodes(const Model& model) {
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < model.nodes.size(); ++k)
    if (model.nodes[k].criterion < 0 && model.nodes[k].aggregation.method != AggregationMethod::wlc)
      out.push_back(k);
  return out;
}

std::size_t factorial(std::size_t n) { return n <= 1 ? 1 : n * factorial(n - 1); }

// The order of `values` (indices by decreasing value, ties by index) as its position among the
// n! permutations in lexicographic order.
std::size_t order_index(const double* values, std::size_t n) {
  std::size_t idx[8];
  for (std::size_t i = 0; i < n; ++i) idx[i] = i;
  std::stable_sort(idx, idx + n,
                   [&](std::size_t a, std::size_t b) { return values[a] > values[b]; });
  return permutation_rank(idx, n);
}

// The permutation with Lehmer code `code` (inverse of order_index).
std::vector<std::size_t> permutation_of(std::size_t code, std::size_t n) {
  std::vector<std::size_t> digits(n);
  for (std::size_t i = n; i-- > 0;) {
    const std::size_t base = n - i;
    digits[i] = code % base;
    code /= base;
  }
  std::vector<std::size_t> pool(n), out;
  for (std::size_t i = 0; i < n; ++i) pool[i] = i;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(pool[digits[i]]);
    pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(digits[i]));
  }
  return out;
}

Raster<float> sd_by_order(const Model& model, const std::vector<const Raster<float>*>& criteria,
                          const std::vector<std::vector<double>>& run_weights, float nodata,
                          int threads) {
  const std::vector<std::size_t> nodes = ordered_nodes(model);
  const std::size_t n = criteria.size();
  // Cases: one order per ordered node, combined in mixed radix.
  std::vector<std::size_t> radix;
  std::size_t cases = 1;
  for (std::size_t k : nodes) {
    radix.push_back(factorial(model.nodes[k].children.size()));
    cases *= radix.back();
  }
  // Per case and run the coefficients: the criteria's shares of the overall score at a cell whose
  // scores have that order, divided by the scores (explain_cell; shares are linear in the scores
  // once the orders are fixed). Their covariance over the runs, Welford in run order.
  std::vector<std::vector<double>> cov(cases, std::vector<double>(n * n, 0.0));
  Model m = model;
  std::vector<double> mean(n), coef(n), rep(n);
  for (std::size_t c = 0; c < cases; ++c) {
    std::fill(rep.begin(), rep.end(), 0.5);
    std::size_t rest = c;
    for (std::size_t o = nodes.size(); o-- > 0;) {
      const std::size_t code = rest % radix[o];
      rest /= radix[o];
      const auto& children = model.nodes[nodes[o]].children;
      const std::vector<std::size_t> perm = permutation_of(code, children.size());
      for (std::size_t j = 0; j < perm.size(); ++j) {
        const auto leaf = static_cast<std::size_t>(children[perm[j]]);
        rep[static_cast<std::size_t>(model.nodes[leaf].criterion)] =
            0.9 - 0.8 * static_cast<double>(j) / static_cast<double>(perm.size());
      }
    }
    std::fill(mean.begin(), mean.end(), 0.0);
    std::vector<double>& cv = cov[c];
    for (std::size_t r = 0; r < run_weights.size(); ++r) {
      for (std::size_t k = 0; k < m.nodes.size(); ++k) m.nodes[k].weight = run_weights[r][k];
      const CellExplanation e = explain_cell(m, rep);
      for (std::size_t i = 0; i < n; ++i) coef[i] = e.contributions[i] / rep[i];
      const double count = static_cast<double>(r + 1);
      std::vector<double> before(mean);
      for (std::size_t i = 0; i < n; ++i) mean[i] += (coef[i] - mean[i]) / count;
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j)
          cv[i * n + j] += (coef[i] - before[i]) * (coef[j] - mean[j]);
    }
    for (double& v : cv) v /= static_cast<double>(run_weights.size());
  }
  return quadratic_sd(criteria, nodata, threads,
                      [&](const std::vector<double>& s) -> const std::vector<double>& {
                        double child[8];
                        std::size_t c = 0;
                        for (std::size_t o = 0; o < nodes.size(); ++o) {
                          const auto& children = model.nodes[nodes[o]].children;
                          for (std::size_t j = 0; j < children.size(); ++j)
                            child[j] = s[static_cast<std::size_t>(
                                model.nodes[static_cast<std::size_t>(children[j])].criterion)];
                          c = c * radix[o] + order_index(child, children.size());
                        }
                        return cov[c];
                      });
}

Raster<float> sd_by_evaluation(const Model& model,
                               const std::vector<const Raster<float>*>& criteria,
                               const std::vector<std::vector<double>>& run_weights, float nodata,
                               int threads) {
  const Grid& grid = criteria[0]->grid();
  const std::int64_t cols = grid.cols();
  // Bands of about 32k cells: the criteria, node scores and running moments of a band stay in
  // cache while all runs pass over it.
  const std::int64_t band_rows = std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(1, cols));
  const std::int64_t bands = (grid.rows() + band_rows - 1) / band_rows;
  const std::size_t n_nodes = model.nodes.size();
  Raster<float> out(grid, NoFill{}, nodata);
  parallel_for_blocks(
      bands, threads,
      [&](std::int64_t b0, std::int64_t b1) {
        for (std::int64_t b = b0; b < b1; ++b) {
          const std::int64_t row0 = b * band_rows;
          const std::int64_t row1 = std::min(grid.rows(), row0 + band_rows);
          const Grid band = grid.rows_window(row0, row1);
          std::vector<Raster<float>> crit;
          crit.reserve(criteria.size());
          for (const Raster<float>* c : criteria) {
            crit.emplace_back(band, NoFill{}, c->nodata());
            for (std::int64_t r = row0; r < row1; ++r)
              std::copy(c->row(r).begin(), c->row(r).end(), crit.back().row(r - row0).begin());
          }
          const auto cells = static_cast<std::size_t>(band.cell_count());
          std::vector<double> mean(cells, 0.0), m2(cells, 0.0);
          std::vector<char> missing(cells, 0);
          std::vector<Raster<float>> node(n_nodes);
          std::vector<const Raster<float>*> children;
          std::vector<double> weights;
          for (std::size_t run = 0; run < run_weights.size(); ++run) {
            const std::vector<double>& w = run_weights[run];
            for (std::size_t k = n_nodes; k-- > 0;) {
              const ModelNode& n = model.nodes[k];
              if (n.criterion >= 0) continue;
              children.clear();
              weights.clear();
              for (int ch : n.children) {
                const ModelNode& child = model.nodes[static_cast<std::size_t>(ch)];
                children.push_back(child.criterion >= 0
                                       ? &crit[static_cast<std::size_t>(child.criterion)]
                                       : &node[static_cast<std::size_t>(ch)]);
                weights.push_back(w[static_cast<std::size_t>(ch)]);
              }
              node[k] = aggregate_rasters(n.aggregation, children, weights, nodata, 1);
            }
            const Raster<float>& overall = node[0];
            const double count = static_cast<double>(run + 1);
            for (std::size_t i = 0; i < cells; ++i) {
              const float v = overall.cells()[i];
              if (overall.is_nodata(v)) {
                missing[i] = 1;
                continue;
              }
              const double x = static_cast<double>(v);
              const double delta = x - mean[i];
              mean[i] += delta / count;
              m2[i] += delta * (x - mean[i]);
            }
          }
          const double runs = static_cast<double>(run_weights.size());
          for (std::size_t i = 0; i < cells; ++i) {
            bool nodata_cell = missing[i] != 0;
            for (const Raster<float>& c : crit) nodata_cell |= c.is_nodata(c.cells()[i]);
            out.cells()[static_cast<std::size_t>(row0 * cols) + i] =
                nodata_cell ? nodata : static_cast<float>(std::sqrt(m2[i] / runs));
          }
        }
      },
      1);
  return out;
}

}  // namespace

void WeightPerturbation::validate(const std::string& where) const {
  std::ostringstream s;
  if (runs < 1) {
    s << where << ": runs is " << runs << "; give at least 1 run (e.g. runs = 1000)";
  } else if (!(std::isfinite(concentration) && concentration > 0.0)) {
    s << where << ": concentration is " << concentration
      << "; it must be a positive number (larger = weights closer to the scenario's, e.g. 100)";
  } else if (!(percent >= 0.0 && percent < 100.0)) {
    s << where << ": percent is " << percent
      << "; it must lie in [0, 100) (each weight varies by up to that many percent, e.g. 10)";
  }
  if (s.tellp() != std::streampos(0)) throw InputError(s.str());
}

std::vector<std::vector<double>> sample_weights(const Model& model, const WeightPerturbation& p,
                                                const std::string& where) {
  p.validate(where);
  check_model(model, where);
  std::vector<std::vector<double>> out(static_cast<std::size_t>(p.runs));
  for (std::size_t r = 0; r < out.size(); ++r)
    draw_run(model, p, static_cast<std::int64_t>(r), out[r]);
  return out;
}

SensitivityResult site_sensitivity(const Model& model,
                                   const std::vector<std::vector<double>>& site_criterion_scores,
                                   const WeightPerturbation& p, int top_k, int threads,
                                   const std::string& where) {
  p.validate(where);
  if (top_k < 1) {
    std::ostringstream s;
    s << where << ": top_k is " << top_k << "; give at least 1 (the size of the shortlist)";
    throw InputError(s.str());
  }
  const std::size_t criteria = check_model(model, where);
  check_site_scores(site_criterion_scores, criteria, where);
  const std::size_t sites = site_criterion_scores.size();
  const double counter_bytes = static_cast<double>(sites) * static_cast<double>(sites) * 4.0;
  if (counter_bytes > static_cast<double>(2LL << 30)) {
    std::ostringstream s;
    s << where << ": ranking " << sites << " sites needs " << sites << " x " << sites
      << " rank counters (" << counter_bytes / static_cast<double>(1LL << 30)
      << " GiB, limit 2 GiB); rank fewer sites, e.g. the best 10000 by base score";
    throw LimitError(s.str());
  }

  SensitivityResult result;
  result.top_k = top_k;
  result.runs = p.runs;
  result.sites.resize(sites);
  {
    TreeEvaluator tree(model);
    std::vector<double> scores;
    std::vector<int> order, ranks;
    score_and_rank(tree, base_weights(model), site_criterion_scores, scores, order, ranks);
    for (std::size_t s = 0; s < sites; ++s) {
      result.sites[s].base_score = scores[s];
      result.sites[s].base_rank = ranks[s];
    }
  }
  if (sites == 0) return result;

  std::vector<std::uint32_t> rank_count(sites * sites, 0);
  std::vector<std::int64_t> top_count(sites, 0);
  std::vector<double> mean(sites, 0.0), m2(sites, 0.0);
  // Runs are computed in parallel a chunk at a time and folded in run order.
  const std::int64_t chunk = std::min<std::int64_t>(512, p.runs);
  std::vector<double> chunk_scores(static_cast<std::size_t>(chunk) * sites);
  std::vector<int> chunk_ranks(static_cast<std::size_t>(chunk) * sites);
  for (std::int64_t first = 0; first < p.runs; first += chunk) {
    const std::int64_t count = std::min<std::int64_t>(chunk, p.runs - first);
    parallel_for_blocks(count, threads, [&](std::int64_t r0, std::int64_t r1) {
      TreeEvaluator tree(model);
      std::vector<double> w, scores;
      std::vector<int> order, ranks;
      for (std::int64_t r = r0; r < r1; ++r) {
        draw_run(model, p, first + r, w);
        score_and_rank(tree, w, site_criterion_scores, scores, order, ranks);
        const auto offset = static_cast<std::size_t>(r) * sites;
        std::copy(scores.begin(), scores.end(), chunk_scores.begin() + offset);
        std::copy(ranks.begin(), ranks.end(), chunk_ranks.begin() + offset);
      }
    });
    for (std::int64_t r = 0; r < count; ++r) {
      const double k = static_cast<double>(first + r + 1);
      const auto offset = static_cast<std::size_t>(r) * sites;
      for (std::size_t s = 0; s < sites; ++s) {
        const int rank = chunk_ranks[offset + s];
        ++rank_count[s * sites + static_cast<std::size_t>(rank - 1)];
        if (rank <= top_k) ++top_count[s];
        const double x = chunk_scores[offset + s];
        const double delta = x - mean[s];
        mean[s] += delta / k;
        m2[s] += delta * (x - mean[s]);
      }
    }
  }

  const auto runs = static_cast<std::int64_t>(p.runs);
  // Nearest-rank percentile q: the smallest rank reached by at least ceil(q * runs / 100) runs.
  auto percentile = [&](std::size_t s, std::int64_t q) {
    const std::int64_t needed = std::max<std::int64_t>(1, (q * runs + 99) / 100);
    std::int64_t cumulative = 0;
    for (std::size_t rank = 0; rank < sites; ++rank) {
      cumulative += rank_count[s * sites + rank];
      if (cumulative >= needed) return static_cast<int>(rank) + 1;
    }
    return static_cast<int>(sites);
  };
  for (std::size_t s = 0; s < sites; ++s) {
    SiteSensitivity& out = result.sites[s];
    out.p_top_k = static_cast<double>(top_count[s]) / static_cast<double>(runs);
    out.rank_p05 = percentile(s, 5);
    out.rank_p50 = percentile(s, 50);
    out.rank_p95 = percentile(s, 95);
    out.score_mean = mean[s];
    out.score_sd = std::sqrt(m2[s] / static_cast<double>(runs));
  }
  return result;
}

bool is_piecewise_linear(const Model& model) {
  std::size_t cases = 1;
  for (const ModelNode& n : model.nodes) {
    if (n.criterion >= 0 || n.aggregation.method == AggregationMethod::wlc) continue;
    const AggregationMethod m = n.aggregation.method;
    if (m != AggregationMethod::owa && m != AggregationMethod::fuzzy_and &&
        m != AggregationMethod::fuzzy_or)
      return false;
    if (n.children.size() > 6) return false;
    for (int c : n.children)
      if (model.nodes[static_cast<std::size_t>(c)].criterion < 0) return false;
    cases *= factorial(n.children.size());
    if (cases > 720) return false;
  }
  return true;
}

bool is_linear(const Model& model) {
  return std::all_of(model.nodes.begin(), model.nodes.end(), [](const ModelNode& n) {
    return n.criterion >= 0 || n.aggregation.method == AggregationMethod::wlc;
  });
}

std::vector<std::vector<double>> global_weight_covariance(
    const Model& model, const std::vector<std::vector<double>>& run_weights,
    const std::string& where) {
  const std::size_t n = check_model(model, where);
  check_run_weights(model, run_weights, where);
  std::vector<double> node_global(model.nodes.size()), g(n), mean(n, 0.0), delta(n);
  std::vector<double> moment(n * n, 0.0);
  for (std::size_t r = 0; r < run_weights.size(); ++r) {
    const std::vector<double>& w = run_weights[r];
    std::fill(g.begin(), g.end(), 0.0);
    node_global[0] = 1.0;
    for (std::size_t k = 0; k < model.nodes.size(); ++k) {
      const ModelNode& node = model.nodes[k];
      if (node.criterion >= 0) {
        g[static_cast<std::size_t>(node.criterion)] += node_global[k];
        continue;
      }
      double sum = 0.0;
      for (int c : node.children) sum += w[static_cast<std::size_t>(c)];
      for (int c : node.children)
        node_global[static_cast<std::size_t>(c)] =
            node_global[k] * (w[static_cast<std::size_t>(c)] / sum);
    }
    // Welford: M += (k - 1) / k * d d^T with d the deviation from the previous mean.
    const double k = static_cast<double>(r + 1);
    for (std::size_t i = 0; i < n; ++i) {
      delta[i] = g[i] - mean[i];
      mean[i] += delta[i] / k;
    }
    const double factor = (k - 1.0) / k;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i; j < n; ++j) moment[i * n + j] += factor * delta[i] * delta[j];
  }
  const double runs = static_cast<double>(run_weights.size());
  std::vector<std::vector<double>> cov(n, std::vector<double>(n));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i; j < n; ++j) cov[i][j] = cov[j][i] = moment[i * n + j] / runs;
  return cov;
}

Raster<float> score_sd_raster(const Model& model,
                              const std::vector<const Raster<float>*>& criterion_scores,
                              const std::vector<std::vector<double>>& run_weights, float nodata,
                              int threads, ScoreSdMethod method) {
  const std::string where = "score_sd_raster";
  const std::size_t criteria = check_model(model, where);
  check_run_weights(model, run_weights, where);
  check_criterion_rasters(model, criterion_scores, criteria, threads, where);
  if (method == ScoreSdMethod::automatic)
    method = is_linear(model)             ? ScoreSdMethod::covariance
             : is_piecewise_linear(model) ? ScoreSdMethod::by_order
                                          : ScoreSdMethod::direct;
  if (method == ScoreSdMethod::by_order) {
    if (!is_piecewise_linear(model))
      throw InputError(where +
                       ": the by-order method needs weighted sums and OWA / fuzzy AND / fuzzy OR "
                       "nodes over criteria only; use the direct evaluation for this tree");
    return sd_by_order(model, criterion_scores, run_weights, nodata, threads);
  }
  if (method == ScoreSdMethod::covariance) {
    if (!is_linear(model))
      throw InputError(where +
                       ": the covariance shortcut needs a tree of weighted sums (wlc) only; "
                       "use the direct evaluation for this tree");
    return sd_by_covariance(model, criterion_scores, run_weights, nodata, threads, where);
  }
  return sd_by_evaluation(model, criterion_scores, run_weights, nodata, threads);
}

std::vector<SweepResult> one_at_a_time(
    const Model& model, const std::vector<std::vector<double>>& site_criterion_scores,
    const std::vector<double>& deltas, const std::string& where) {
  const std::size_t criteria = check_model(model, where);
  check_site_scores(site_criterion_scores, criteria, where);
  for (std::size_t i = 0; i < deltas.size(); ++i) {
    if (std::isfinite(deltas[i]) && deltas[i] >= -1.0) continue;
    std::ostringstream s;
    s << where << ": delta " << i + 1 << " is " << deltas[i]
      << "; a relative weight change must be finite and >= -1 (e.g. -0.2 for 20 % less)";
    throw InputError(s.str());
  }
  const std::vector<double> base = base_weights(model);
  TreeEvaluator tree(model);
  std::vector<double> scores;
  std::vector<int> order;
  std::vector<SweepResult> out;
  for (std::size_t k = 1; k < model.nodes.size(); ++k) {
    const ModelNode& parent = model.nodes[static_cast<std::size_t>(model.nodes[k].parent)];
    if (parent.children.size() < 2) continue;
    for (double d : deltas) {
      std::vector<double> w = base;
      const double weight = std::min(1.0, base[k] * (1.0 + d));
      if (weight != base[k]) {
        w[k] = weight;
        const double rest = 1.0 - base[k];
        for (int c : parent.children) {
          const auto sibling = static_cast<std::size_t>(c);
          if (sibling == k) continue;
          w[sibling] = rest > 0.0
                           ? base[sibling] * ((1.0 - weight) / rest)
                           : (1.0 - weight) / static_cast<double>(parent.children.size() - 1);
        }
      }
      SweepResult r;
      r.node = static_cast<int>(k);
      r.delta = d;
      r.weight = weight;
      score_and_rank(tree, w, site_criterion_scores, scores, order, r.ranks);
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace standort
