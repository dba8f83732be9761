#include "standort/engine/aggregation.hpp"

#include "standort/engine/error.hpp"
#include "standort/engine/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace standort {
namespace {

constexpr double quiet_nan = std::numeric_limits<double>::quiet_NaN();

/// A spec resolved for a fixed number of children: weights normalised, order weights derived.
struct Prepared {
  AggregationMethod method = AggregationMethod::wlc;
  std::size_t n = 0;
  std::vector<double> weights;           ///< criterion weights, sum 1
  std::vector<double> order;             ///< OWA order weights, sum 1
  std::vector<double> cumulative_order;  ///< W_0 = 0, W_k = w_1 + ... + w_k
  bool equal_weights = true;             ///< OWA: plain OWA instead of WOWA
  bool quantifier = false;               ///< OWA from andness: W*(t) = t^alpha
  double alpha = 1.0;                    ///< 0 and +inf stand for the OR and AND limits
  double gamma = 0.9;
  /// WOWA with at most max_table_children children: for each order of the children (by the
  /// lexicographic rank of the permutation), the weight of each position, so that a cell looks
  /// them up instead of evaluating W* again.
  std::vector<double> position_weights;
};

constexpr std::size_t max_table_children = 5;

/// Per-thread buffers, so evaluating a cell never allocates.
struct Scratch {
  std::vector<double> x;
  std::vector<std::size_t> index;
  std::vector<double> w;  ///< position weights when they are not tabulated
  explicit Scratch(std::size_t n) : x(n), index(n), w(n) {}
};

std::string context(const AggregationSpec& spec) { return "aggregation " + spec.describe(); }

/// RIM quantifier weights w_k = Q(k/n) - Q((k-1)/n), Q(r) = r^alpha, normalised to sum 1;
/// alpha = 0 and +inf give the OR and AND limits.
std::vector<double> rim_weights(double alpha, std::size_t n) {
  std::vector<double> w(n, 0.0);
  if (n == 0) return w;
  if (std::isinf(alpha)) {
    w[n - 1] = 1.0;
    return w;
  }
  if (alpha == 0.0) {
    w[0] = 1.0;
    return w;
  }
  const double nd = static_cast<double>(n);
  double previous = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    const double q = std::pow(static_cast<double>(k + 1) / nd, alpha);
    w[k] = q - previous;
    previous = q;
  }
  double sum = 0.0;
  for (double x : w) sum += x;
  for (double& x : w) x /= sum;
  return w;
}

/// The alpha whose RIM weights for n children have orness 1 - andness.
double rim_alpha(double andness, std::size_t n) {
  if (!(andness >= 0.0 && andness <= 1.0)) {
    std::ostringstream s;
    s << "OWA: andness " << andness << " is outside [0, 1]";
    throw InputError(s.str());
  }
  if (n <= 1) return 1.0;
  if (andness == 1.0) return std::numeric_limits<double>::infinity();
  if (andness == 0.0) return 0.0;
  // Orness falls monotonically from 1 (alpha -> 0) to 0 (alpha -> inf); bisect on ln(alpha).
  const double target = 1.0 - andness;
  const auto error = [&](double log_alpha) {
    return orness(rim_weights(std::exp(log_alpha), n)) - target;
  };
  double lo = -60.0;
  double hi = 60.0;
  for (int i = 0; i < 200 && hi - lo > 1e-15; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (error(mid) > 0.0) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return std::exp(std::abs(error(lo)) <= std::abs(error(hi)) ? lo : hi);
}

Prepared prepare(const AggregationSpec& spec, std::size_t n, std::span<const double> weights,
                 const std::string& where) {
  spec.validate(where, n);
  if (n == 0) throw InputError(where + ": nothing to aggregate; give at least one child");
  Prepared p;
  p.method = spec.method;
  p.n = n;
  p.gamma = spec.gamma;
  if (weights.empty()) {
    p.weights.assign(n, 1.0 / static_cast<double>(n));
  } else {
    if (weights.size() != n) {
      std::ostringstream s;
      s << where << ": " << weights.size() << " weights for " << n
        << " children; give one weight per child";
      throw InputError(s.str());
    }
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(weights[i]) || weights[i] < 0.0) {
        std::ostringstream s;
        s << where << ": child " << i + 1 << " has weight " << weights[i]
          << "; weights must be finite and >= 0";
        throw InputError(s.str());
      }
      sum += weights[i];
    }
    if (!(sum > 0.0)) throw InputError(where + ": all weights are 0; give at least one positive");
    p.weights.resize(n);
    for (std::size_t i = 0; i < n; ++i) p.weights[i] = weights[i] / sum;
    p.equal_weights =
        std::all_of(weights.begin(), weights.end(), [&](double w) { return w == weights[0]; });
  }
  if (spec.method == AggregationMethod::owa) {
    if (spec.andness) {
      p.quantifier = true;
      p.alpha = rim_alpha(*spec.andness, n);
      p.order = rim_weights(p.alpha, n);
    } else {
      double sum = 0.0;
      for (double w : spec.order_weights) sum += w;
      p.order.resize(n);
      for (std::size_t k = 0; k < n; ++k) p.order[k] = spec.order_weights[k] / sum;
    }
    p.cumulative_order.assign(n + 1, 0.0);
    for (std::size_t k = 0; k < n; ++k)
      p.cumulative_order[k + 1] = p.cumulative_order[k] + p.order[k];
  }
  return p;
}

/// Torra's W*: the quantifier t^alpha when the order weights come from it, otherwise piecewise
/// linear through (k/n, W_k).
double interpolate_order(const Prepared& p, double t) {
  t = std::clamp(t, 0.0, 1.0);
  if (p.quantifier) {
    if (std::isinf(p.alpha)) return t >= 1.0 ? 1.0 : 0.0;
    if (p.alpha == 0.0) return t > 0.0 ? 1.0 : 0.0;
    return std::pow(t, p.alpha);
  }
  const double position = t * static_cast<double>(p.n);
  const auto k = static_cast<std::size_t>(position);
  if (k >= p.n) return p.cumulative_order[p.n];
  const double f = position - static_cast<double>(k);
  return p.cumulative_order[k] + f * (p.cumulative_order[k + 1] - p.cumulative_order[k]);
}

/// Sorts s.index by decreasing s.x, ties in child order (insertion sort: stable, no allocation).
void sort_decreasing(Scratch& s, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) s.index[i] = i;
  for (std::size_t i = 1; i < n; ++i) {
    const std::size_t moving = s.index[i];
    std::size_t j = i;
    while (j > 0 && s.x[s.index[j - 1]] < s.x[moving]) {
      s.index[j] = s.index[j - 1];
      --j;
    }
    s.index[j] = moving;
  }
}

/// Running state of one cell's WOWA: criterion weight and W* of the positions done so far.
struct WowaState {
  double cumulative = 0.0;
  double before = 0.0;  ///< W*(cumulative); W*(0) = 0
};

/// The weight the child at sorted position k receives at this cell (OWA / WOWA).
double owa_position_weight(const Prepared& p, const Scratch& s, std::size_t k, WowaState& state) {
  if (p.equal_weights) return p.order[k];
  state.cumulative += p.weights[s.index[k]];
  // The last position ends at t = 1 exactly, whatever the rounding of the running sum.
  const double after =
      k + 1 == p.n ? interpolate_order(p, 1.0) : interpolate_order(p, state.cumulative);
  const double weight = after - state.before;
  state.before = after;
  return weight;
}

/// Fills p.position_weights (WOWA with few children): for every order of the children, each
/// position's weight as owa_position_weight gives it, position after position.
void tabulate_position_weights(Prepared& p) {
  if (p.method != AggregationMethod::owa || p.equal_weights || p.n > max_table_children) return;
  Scratch s(p.n);
  for (std::size_t i = 0; i < p.n; ++i) s.index[i] = i;
  std::size_t count = 1;
  for (std::size_t k = 2; k <= p.n; ++k) count *= k;
  p.position_weights.assign(count * p.n, 0.0);
  do {
    double* w = p.position_weights.data() + permutation_rank(s.index.data(), p.n) * p.n;
    WowaState state;
    for (std::size_t k = 0; k < p.n; ++k) w[k] = owa_position_weight(p, s, k, state);
  } while (std::next_permutation(s.index.begin(), s.index.end()));
}

/// The weights of the positions, for the order of the children in s.index (after
/// sort_decreasing): from the table when there is one, otherwise computed into `w`.
const double* position_weights(const Prepared& p, const Scratch& s, std::vector<double>& w) {
  if (!p.position_weights.empty())
    return p.position_weights.data() + permutation_rank(s.index.data(), p.n) * p.n;
  WowaState state;
  for (std::size_t k = 0; k < p.n; ++k) w[k] = owa_position_weight(p, s, k, state);
  return w.data();
}

/// Aggregates the scores in s.x (none NaN, all in [0, 1]).
double evaluate(const Prepared& p, Scratch& s) {
  const std::size_t n = p.n;
  const auto& x = s.x;
  switch (p.method) {
    case AggregationMethod::wlc: {
      double sum = 0.0;
      for (std::size_t i = 0; i < n; ++i) sum += p.weights[i] * x[i];
      return sum;
    }
    case AggregationMethod::weighted_product: {
      double product = 1.0;
      for (std::size_t i = 0; i < n; ++i) product *= std::pow(x[i], p.weights[i]);
      return product;
    }
    case AggregationMethod::owa: {
      sort_decreasing(s, n);
      const double* w = position_weights(p, s, s.w);
      double sum = 0.0;
      for (std::size_t k = 0; k < n; ++k) sum += w[k] * x[s.index[k]];
      return sum;
    }
    case AggregationMethod::fuzzy_and: {
      double m = x[0];
      for (std::size_t i = 1; i < n; ++i) m = std::min(m, x[i]);
      return m;
    }
    case AggregationMethod::fuzzy_or: {
      double m = x[0];
      for (std::size_t i = 1; i < n; ++i) m = std::max(m, x[i]);
      return m;
    }
    case AggregationMethod::fuzzy_product:
    case AggregationMethod::fuzzy_sum:
    case AggregationMethod::fuzzy_gamma: {
      double product = 1.0;
      double complement = 1.0;
      for (std::size_t i = 0; i < n; ++i) {
        product *= x[i];
        complement *= 1.0 - x[i];
      }
      const double algebraic_sum = 1.0 - complement;
      if (p.method == AggregationMethod::fuzzy_product) return product;
      if (p.method == AggregationMethod::fuzzy_sum) return algebraic_sum;
      return std::pow(algebraic_sum, p.gamma) * std::pow(product, 1.0 - p.gamma);
    }
  }
  return quiet_nan;
}

void throw_out_of_range(const AggregationSpec& spec, std::size_t child, double score,
                        const std::string& cell) {
  std::ostringstream s;
  s << context(spec) << ": child " << child + 1 << " has score " << score << cell
    << "; child scores must lie between 0 and 1: check that child's value function or input";
  throw InputError(s.str());
}

/// Each child's additive share of the aggregated score for the scores in s.x (none NaN, all in
/// [0, 1]), written to `share`; only for methods with has_additive_contributions().
void additive_shares(const Prepared& p, Scratch& s, std::span<double> share) {
  std::fill(share.begin(), share.end(), 0.0);
  switch (p.method) {
    case AggregationMethod::wlc:
      for (std::size_t i = 0; i < p.n; ++i) share[i] = p.weights[i] * s.x[i];
      break;
    case AggregationMethod::owa: {
      sort_decreasing(s, p.n);
      const double* w = position_weights(p, s, s.w);
      for (std::size_t k = 0; k < p.n; ++k) share[s.index[k]] = w[k] * s.x[s.index[k]];
      break;
    }
    case AggregationMethod::fuzzy_and:
    case AggregationMethod::fuzzy_or: {
      // The deciding child (the first at the minimum / maximum) takes the whole score.
      std::size_t best = 0;
      for (std::size_t i = 1; i < p.n; ++i) {
        const bool better =
            p.method == AggregationMethod::fuzzy_and ? s.x[i] < s.x[best] : s.x[i] > s.x[best];
        if (better) best = i;
      }
      share[best] = s.x[best];
      break;
    }
    default:
      break;
  }
}

}  // namespace

AggregationMethod parse_aggregation_method(const std::string& name, const std::string& where) {
  if (name == "wlc" || name == "weighted_sum") return AggregationMethod::wlc;
  if (name == "weighted_product") return AggregationMethod::weighted_product;
  if (name == "owa") return AggregationMethod::owa;
  if (name == "fuzzy_and") return AggregationMethod::fuzzy_and;
  if (name == "fuzzy_or") return AggregationMethod::fuzzy_or;
  if (name == "fuzzy_product") return AggregationMethod::fuzzy_product;
  if (name == "fuzzy_sum" || name == "fuzzy_algebraic_sum") return AggregationMethod::fuzzy_sum;
  if (name == "fuzzy_gamma") return AggregationMethod::fuzzy_gamma;
  throw InputError(where + ": unknown aggregation method '" + name +
                   "'; use wlc, weighted_product, owa, fuzzy_and, fuzzy_or, fuzzy_product, "
                   "fuzzy_sum or fuzzy_gamma");
}

std::string_view aggregation_method_name(AggregationMethod method) {
  switch (method) {
    case AggregationMethod::wlc:
      return "wlc";
    case AggregationMethod::weighted_product:
      return "weighted_product";
    case AggregationMethod::owa:
      return "owa";
    case AggregationMethod::fuzzy_and:
      return "fuzzy_and";
    case AggregationMethod::fuzzy_or:
      return "fuzzy_or";
    case AggregationMethod::fuzzy_product:
      return "fuzzy_product";
    case AggregationMethod::fuzzy_sum:
      return "fuzzy_sum";
    case AggregationMethod::fuzzy_gamma:
      return "fuzzy_gamma";
  }
  return "unknown";
}

void AggregationSpec::validate(const std::string& where, std::size_t child_count) const {
  std::ostringstream s;
  if (method == AggregationMethod::owa) {
    if (andness && !order_weights.empty()) {
      s << where << ": OWA takes either order_weights or andness, not both; keep one";
    } else if (!andness && order_weights.empty()) {
      s << where
        << ": OWA needs order_weights (one per child, the first for the best score) or "
           "an andness between 0 (OR) and 1 (AND), e.g. andness = 0.5 for the mean";
    } else if (andness && !(*andness >= 0.0 && *andness <= 1.0)) {
      s << where << ": andness is " << *andness
        << "; it must lie between 0 (OR: the best score counts) and 1 (AND: the worst counts)";
    } else if (!andness) {
      double sum = 0.0;
      for (std::size_t k = 0; k < order_weights.size(); ++k) {
        if (!std::isfinite(order_weights[k]) || order_weights[k] < 0.0) {
          s << where << ": order weight " << k + 1 << " is " << order_weights[k]
            << "; order weights must be finite and >= 0";
          throw InputError(s.str());
        }
        sum += order_weights[k];
      }
      if (!(sum > 0.0)) {
        s << where << ": all order weights are 0; give at least one positive";
      } else if (child_count > 0 && order_weights.size() != child_count) {
        s << where << ": " << order_weights.size() << " order weights for " << child_count
          << " children; give one order weight per child (the first for the best score)";
      }
    }
  } else if (!order_weights.empty() || andness) {
    s << where << ": order_weights and andness apply only to method \"owa\", not to \""
      << aggregation_method_name(method) << "\"; remove them or choose owa";
  }
  if (s.tellp() == std::streampos(0) && method == AggregationMethod::fuzzy_gamma &&
      !(gamma >= 0.0 && gamma <= 1.0)) {
    s << where << ": gamma is " << gamma
      << "; it must lie between 0 (fuzzy product) and 1 (fuzzy algebraic sum), e.g. 0.9";
  }
  if (s.tellp() != std::streampos(0)) throw InputError(s.str());
}

std::string AggregationSpec::describe() const {
  std::ostringstream s;
  switch (method) {
    case AggregationMethod::wlc:
      s << "WLC (weighted linear combination, sum of w_i x_i)";
      break;
    case AggregationMethod::weighted_product:
      s << "weighted product (product of x_i^w_i)";
      break;
    case AggregationMethod::owa:
      if (andness) {
        s << "OWA (andness " << *andness
          << ", order weights from the quantifier Q(r) = r^alpha; WOWA with criterion weights)";
      } else {
        s << "OWA (order weights";
        for (std::size_t k = 0; k < order_weights.size(); ++k)
          s << (k == 0 ? " " : ", ") << order_weights[k];
        s << ", best score first; WOWA with criterion weights)";
      }
      break;
    case AggregationMethod::fuzzy_and:
      s << "fuzzy AND (minimum; criterion weights not used)";
      break;
    case AggregationMethod::fuzzy_or:
      s << "fuzzy OR (maximum; criterion weights not used)";
      break;
    case AggregationMethod::fuzzy_product:
      s << "fuzzy product (product of x_i; criterion weights not used)";
      break;
    case AggregationMethod::fuzzy_sum:
      s << "fuzzy algebraic sum (1 - product of (1 - x_i); criterion weights not used)";
      break;
    case AggregationMethod::fuzzy_gamma:
      s << "fuzzy gamma " << gamma << " (algebraic sum^" << gamma << " * product^" << 1.0 - gamma
        << "; criterion weights not used)";
      break;
  }
  return s.str();
}

double orness(std::span<const double> order_weights) {
  const std::size_t n = order_weights.size();
  if (n <= 1) return 0.5;
  double sum = 0.0;
  for (std::size_t k = 0; k < n; ++k) sum += static_cast<double>(n - 1 - k) * order_weights[k];
  return sum / static_cast<double>(n - 1);
}

std::vector<double> owa_weights_from_andness(double andness, std::size_t n) {
  return rim_weights(rim_alpha(andness, n), n);
}

double aggregate(const AggregationSpec& spec, std::span<const double> scores,
                 std::span<const double> weights) {
  const Prepared p = prepare(spec, scores.size(), weights, context(spec));
  if (std::any_of(scores.begin(), scores.end(), [](double x) { return std::isnan(x); }))
    return quiet_nan;
  Scratch s(p.n);
  for (std::size_t i = 0; i < p.n; ++i) {
    if (!(scores[i] >= 0.0 && scores[i] <= 1.0)) throw_out_of_range(spec, i, scores[i], "");
    s.x[i] = scores[i];
  }
  return evaluate(p, s);
}

Raster<float> aggregate_rasters(const AggregationSpec& spec,
                                const std::vector<const Raster<float>*>& children,
                                std::span<const double> weights, float nodata, int threads) {
  const std::string where = context(spec);
  if (children.empty()) throw InputError(where + ": nothing to aggregate; give at least one child");
  const Grid& grid = children[0]->grid();
  for (std::size_t i = 1; i < children.size(); ++i) {
    const Grid& g = children[i]->grid();
    if (g == grid) continue;
    std::ostringstream s;
    s << where << ": child " << i + 1 << " lies on a different grid (" << g.cols() << " x "
      << g.rows() << " cells of " << g.cell_size() << " m from (" << g.xmin() << ", " << g.ymax()
      << "), " << g.crs() << ") than child 1 (" << grid.cols() << " x " << grid.rows()
      << " cells of " << grid.cell_size() << " m from (" << grid.xmin() << ", " << grid.ymax()
      << "), " << grid.crs() << "); compute all children on the scenario's grid";
    throw InputError(s.str());
  }
  Prepared p = prepare(spec, children.size(), weights, where);
  tabulate_position_weights(p);
  const bool owa_pair = p.method == AggregationMethod::owa && p.equal_weights && p.n == 2;
  const std::size_t n = p.n;
  const auto cols = static_cast<std::size_t>(grid.cols());

  struct BadCell {
    std::int64_t row = -1;
    std::size_t col = 0;
    std::size_t child = 0;
    double score = 0.0;
  };
  BadCell first_bad;
  std::mutex bad_mutex;

  Raster<float> out(grid, NoFill{}, nodata);
  parallel_for_blocks(grid.rows(), threads, [&](std::int64_t r0, std::int64_t r1) {
    Scratch s(n);
    std::vector<const float*> rows(n);
    std::vector<double> sum(p.method == AggregationMethod::wlc ? cols : 0);
    std::vector<std::uint8_t> row_missing(sum.size());
    BadCell bad;
    // For the row-wise paths: the row's first out-of-range score, in the order of the per-cell
    // path (cell by cell, child by child), so the error names the same cell.
    auto first_bad_of_row = [&](std::int64_t r) {
      for (std::size_t c = 0; c < cols && bad.row < 0; ++c)
        for (std::size_t i = 0; i < n; ++i) {
          const float v = rows[i][c];
          if (!children[i]->is_nodata(v) && !(v >= 0.0f && v <= 1.0f)) {
            bad = {r, c, i, static_cast<double>(v)};
            break;
          }
        }
    };
    for (std::int64_t r = r0; r < r1; ++r) {
      for (std::size_t i = 0; i < n; ++i) rows[i] = children[i]->row(r).data();
      float* dst = out.row(r).data();
      if (p.method == AggregationMethod::wlc) {
        // The weighted sum without the general per-cell dispatch, a child at a time along the
        // row (so that the loops vectorise): each cell still adds its children in order, the same
        // additions as evaluate(), so the same bits.
        std::fill(sum.begin(), sum.end(), 0.0);
        std::fill(row_missing.begin(), row_missing.end(), std::uint8_t{0});
        bool any_bad = false;
        for (std::size_t i = 0; i < n; ++i) {
          const float* v = rows[i];
          const std::optional<float> nd = children[i]->nodata();
          const bool has_nd = nd.has_value() && !std::isnan(*nd);
          const float nd_value = has_nd ? *nd : 0.0f;
          const double w = p.weights[i];
          std::uint8_t bad_here = 0;
          for (std::size_t c = 0; c < cols; ++c) {
            const float x = v[c];
            const bool valid = x == x && !(has_nd && x == nd_value);
            const bool in_range = x >= 0.0f && x <= 1.0f;
            bad_here |= static_cast<std::uint8_t>(valid && !in_range);
            row_missing[c] |= static_cast<std::uint8_t>(!(valid && in_range));
            sum[c] += w * static_cast<double>(x);
          }
          any_bad |= bad_here != 0;
        }
        if (any_bad && bad.row < 0) first_bad_of_row(r);
        for (std::size_t c = 0; c < cols; ++c)
          dst[c] = row_missing[c] ? nodata : static_cast<float>(sum[c]);
        continue;
      }
      if (owa_pair) {
        // OWA of two children without criterion weights, along the row: the larger score takes
        // the first order weight. The same products added in the same order as evaluate(), so
        // the same bits.
        const float* a = rows[0];
        const float* b = rows[1];
        const double o0 = p.order[0], o1 = p.order[1];
        bool any_bad = false;
        for (std::size_t c = 0; c < cols; ++c) {
          const float x = a[c], y = b[c];
          const bool valid_x = !children[0]->is_nodata(x), valid_y = !children[1]->is_nodata(y);
          const bool range_x = x >= 0.0f && x <= 1.0f, range_y = y >= 0.0f && y <= 1.0f;
          any_bad |= (valid_x && !range_x) || (valid_y && !range_y);
          const double hi = static_cast<double>(x < y ? y : x);
          const double lo = static_cast<double>(x < y ? x : y);
          const double value = o0 * hi + o1 * lo;
          dst[c] = valid_x && range_x && valid_y && range_y ? static_cast<float>(value) : nodata;
        }
        if (any_bad && bad.row < 0) first_bad_of_row(r);
        continue;
      }
      for (std::size_t c = 0; c < cols; ++c) {
        bool missing = false;
        for (std::size_t i = 0; i < n; ++i) {
          const float v = rows[i][c];
          if (children[i]->is_nodata(v)) {
            missing = true;
          } else if (!(v >= 0.0f && v <= 1.0f)) {
            if (bad.row < 0) bad = {r, c, i, static_cast<double>(v)};
            missing = true;
          } else {
            s.x[i] = static_cast<double>(v);
          }
        }
        dst[c] = missing ? nodata : static_cast<float>(evaluate(p, s));
      }
    }
    if (bad.row >= 0) {
      std::lock_guard lock(bad_mutex);
      if (first_bad.row < 0 || bad.row < first_bad.row) first_bad = bad;
    }
  });
  if (first_bad.row >= 0) {
    std::ostringstream cell;
    cell << " at cell (col " << first_bad.col << ", row " << first_bad.row << ")";
    throw_out_of_range(spec, first_bad.child, first_bad.score, cell.str());
  }
  return out;
}

bool has_additive_contributions(AggregationMethod method) {
  return method == AggregationMethod::wlc || method == AggregationMethod::owa ||
         method == AggregationMethod::fuzzy_and || method == AggregationMethod::fuzzy_or;
}

std::vector<double> contributions(const AggregationSpec& spec, std::span<const double> scores,
                                  std::span<const double> weights) {
  if (!has_additive_contributions(spec.method))
    throw std::invalid_argument("contributions: " + spec.describe() +
                                " is multiplicative; it has no additive contributions");
  const Prepared p = prepare(spec, scores.size(), weights, context(spec));
  Scratch s(p.n);
  std::vector<double> share(p.n, 0.0);
  if (std::any_of(scores.begin(), scores.end(), [](double x) { return std::isnan(x); }))
    return std::vector<double>(p.n, quiet_nan);
  for (std::size_t i = 0; i < p.n; ++i) {
    if (!(scores[i] >= 0.0 && scores[i] <= 1.0)) throw_out_of_range(spec, i, scores[i], "");
    s.x[i] = scores[i];
  }
  additive_shares(p, s, share);
  return share;
}

std::vector<Raster<float>> contribution_rasters(const AggregationSpec& spec,
                                                const std::vector<const Raster<float>*>& children,
                                                std::span<const double> weights, float nodata,
                                                int threads) {
  if (!has_additive_contributions(spec.method))
    throw std::invalid_argument("contribution_rasters: " + spec.describe() +
                                " is multiplicative; it has no additive contributions");
  if (children.empty()) return {};
  const Grid& grid = children[0]->grid();
  Prepared p = prepare(spec, children.size(), weights, context(spec));
  tabulate_position_weights(p);
  const std::size_t n = p.n;
  const auto cols = static_cast<std::size_t>(grid.cols());
  std::vector<Raster<float>> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.emplace_back(grid, NoFill{}, nodata);
  const bool owa_pair = p.method == AggregationMethod::owa && p.equal_weights && n == 2;
  parallel_for_blocks(grid.rows(), threads, [&](std::int64_t r0, std::int64_t r1) {
    Scratch s(n);
    std::vector<double> share(n);
    for (std::int64_t r = r0; r < r1; ++r) {
      if (owa_pair) {
        // Two children without criterion weights, along the row: the larger score (the first on
        // a tie) takes the first order weight, as additive_shares gives it.
        const float* a = children[0]->row(r).data();
        const float* b = children[1]->row(r).data();
        float* share_a = out[0].row(r).data();
        float* share_b = out[1].row(r).data();
        const double o0 = p.order[0], o1 = p.order[1];
        for (std::size_t c = 0; c < cols; ++c) {
          const float x = a[c], y = b[c];
          const bool ok = !children[0]->is_nodata(x) && x >= 0.0f && x <= 1.0f &&
                          !children[1]->is_nodata(y) && y >= 0.0f && y <= 1.0f;
          const bool swapped = x < y;
          const auto part_a = static_cast<float>((swapped ? o1 : o0) * static_cast<double>(x));
          const auto part_b = static_cast<float>((swapped ? o0 : o1) * static_cast<double>(y));
          share_a[c] = ok ? part_a : nodata;
          share_b[c] = ok ? part_b : nodata;
        }
        continue;
      }
      for (std::size_t c = 0; c < cols; ++c) {
        const std::size_t cell = static_cast<std::size_t>(r) * cols + c;
        bool missing = false;
        for (std::size_t i = 0; i < n; ++i) {
          const float v = children[i]->cells()[cell];
          if (children[i]->is_nodata(v) || !(v >= 0.0f && v <= 1.0f))
            missing = true;
          else
            s.x[i] = static_cast<double>(v);
        }
        if (missing) {
          for (std::size_t i = 0; i < n; ++i) out[i].cells()[cell] = nodata;
          continue;
        }
        additive_shares(p, s, share);
        for (std::size_t i = 0; i < n; ++i) out[i].cells()[cell] = static_cast<float>(share[i]);
      }
    }
  });
  return out;
}

std::size_t permutation_rank(const std::size_t* index, std::size_t n) {
  std::size_t rank = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t smaller = 0;
    for (std::size_t j = i + 1; j < n; ++j) smaller += index[j] < index[i];
    rank = rank * (n - i) + smaller;
  }
  return rank;
}

}  // namespace standort
