#include "standort/engine/weights.hpp"

#include "standort/engine/error.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <iomanip>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace standort {
namespace {

constexpr double judgement_tolerance = 1e-6;
constexpr double power_tolerance = 1e-14;

std::string quoted(const std::string& name) { return "'" + name + "'"; }

std::string list_names(std::span<const std::string> names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) s += ", ";
    s += quoted(names[i]);
  }
  return s;
}

void check_name_count(std::size_t values, std::span<const std::string> names,
                      const std::string& what, const std::string& where) {
  if (values == names.size()) return;
  std::ostringstream s;
  s << where << ": " << values << ' ' << what << " for " << names.size() << " criteria ("
    << list_names(names) << "); give exactly one per criterion, in the same order";
  throw InputError(s.str());
}

std::vector<double> normalised(std::vector<double> v) {
  double sum = 0.0;
  for (double x : v) sum += x;
  for (double& x : v) x /= sum;
  return v;
}

std::string pair_name(std::span<const std::string> names, std::size_t i, std::size_t j) {
  return quoted(names[i]) + " over " + quoted(names[j]);
}

/// Row sums of the n x n row-major matrix m, normalised to sum 1.
std::vector<double> normalised_row_sums(const std::vector<double>& m, std::size_t n) {
  std::vector<double> w(n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) w[i] += m[i * n + j];
  return normalised(std::move(w));
}

double max_abs_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double d = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

/// y = m w for the n x n row-major matrix m; sums in index order.
std::vector<double> multiply(const std::vector<double>& m, const std::vector<double>& w) {
  const std::size_t n = w.size();
  std::vector<double> y(n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) y[i] += m[i * n + j] * w[j];
  return y;
}

/// Principal right eigenvector (sum 1) of a positive n x n row-major matrix. Repeated squaring
/// makes the error decay like (lambda_2 / lambda_max)^(2^k), so it converges for any positive
/// matrix within 64 steps; the power iteration on the original matrix then polishes the result.
std::vector<double> principal_eigenvector(const std::vector<double>& a, std::size_t n) {
  std::vector<double> m = a;
  std::vector<double> square(n * n);
  std::vector<double> w = normalised_row_sums(m, n);
  for (int step = 0; step < 64; ++step) {
    double largest = 0.0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        double s = 0.0;
        for (std::size_t k = 0; k < n; ++k) s += m[i * n + k] * m[k * n + j];
        square[i * n + j] = s;
        largest = std::max(largest, s);
      }
    for (double& x : square) x /= largest;
    m.swap(square);
    std::vector<double> next = normalised_row_sums(m, n);
    const double change = max_abs_difference(next, w);
    w = std::move(next);
    if (change <= power_tolerance * 0.1) break;
  }
  for (int iteration = 0; iteration < 10000; ++iteration) {
    std::vector<double> next = normalised(multiply(a, w));
    const double change = max_abs_difference(next, w);
    w = std::move(next);
    if (change <= power_tolerance) return w;
  }
  throw std::runtime_error("AHP: the power iteration did not converge to 1e-14");
}

}  // namespace

std::vector<double> direct_weights(std::span<const double> raw, std::span<const std::string> names,
                                   const std::string& where) {
  check_name_count(raw.size(), names, "weights", where);
  if (raw.empty()) throw InputError(where + ": no weights given; give one weight per criterion");
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (std::isfinite(raw[i]) && raw[i] > 0.0) continue;
    std::ostringstream s;
    s << where << ": criterion " << quoted(names[i]) << " has weight " << raw[i]
      << "; weights must be positive finite numbers (relative importance, e.g. 2 = twice as "
         "important as 1); remove a criterion that should not count instead of giving it 0";
    throw InputError(s.str());
  }
  return normalised(std::vector<double>(raw.begin(), raw.end()));
}

RankMethod parse_rank_method(const std::string& name, const std::string& where) {
  if (name == "rank_sum" || name == "sum") return RankMethod::sum;
  if (name == "rank_reciprocal" || name == "reciprocal") return RankMethod::reciprocal;
  if (name == "rank_order_centroid" || name == "centroid" || name == "roc")
    return RankMethod::centroid;
  throw InputError(where + ": unknown rank method '" + name +
                   "'; use rank_sum, rank_reciprocal or rank_order_centroid");
}

std::vector<double> rank_weights(std::span<const int> ranks, RankMethod method,
                                 std::span<const std::string> names, const std::string& where) {
  check_name_count(ranks.size(), names, "ranks", where);
  const std::size_t n = ranks.size();
  if (n == 0) throw InputError(where + ": no ranks given; give one rank per criterion");
  for (std::size_t i = 0; i < n; ++i) {
    if (ranks[i] >= 1 && static_cast<std::size_t>(ranks[i]) <= n) continue;
    std::ostringstream s;
    s << where << ": criterion " << quoted(names[i]) << " has rank " << ranks[i]
      << "; ranks must be whole numbers from 1 (most important) to " << n
      << " (the number of criteria); equal ranks are allowed for ties";
    throw InputError(s.str());
  }

  const double nd = static_cast<double>(n);
  std::vector<double> position(n);
  for (std::size_t p = 0; p < n; ++p) {
    const double r = static_cast<double>(p + 1);
    switch (method) {
      case RankMethod::sum:
        position[p] = nd - r + 1.0;
        break;
      case RankMethod::reciprocal:
        position[p] = 1.0 / r;
        break;
      case RankMethod::centroid: {
        double s = 0.0;
        for (std::size_t k = n; k > p; --k) s += 1.0 / static_cast<double>(k);
        position[p] = s / nd;
        break;
      }
    }
  }
  position = normalised(std::move(position));

  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return ranks[a] < ranks[b]; });
  std::vector<double> weights(n);
  for (std::size_t begin = 0; begin < n;) {
    std::size_t end = begin + 1;
    while (end < n && ranks[order[end]] == ranks[order[begin]]) ++end;
    double share = 0.0;
    for (std::size_t p = begin; p < end; ++p) share += position[p];
    share /= static_cast<double>(end - begin);
    for (std::size_t p = begin; p < end; ++p) weights[order[p]] = share;
    begin = end;
  }
  return weights;
}

double random_index(std::size_t n) {
  static constexpr std::array<double, ahp_max_criteria> table = {
      0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59};
  if (n < 1 || n > table.size())
    throw std::out_of_range("random_index: n = " + std::to_string(n) + " is outside 1..15");
  return table[n - 1];
}

std::string format_judgement(double value) {
  std::ostringstream s;
  if (!std::isfinite(value) || value <= 0.0) {
    s << value;
    return s.str();
  }
  const auto near_integer = [](double x) {
    return x >= 1.0 && std::abs(x - std::round(x)) <= judgement_tolerance * x;
  };
  if (near_integer(value)) {
    s << std::llround(value);
  } else if (value < 1.0 && near_integer(1.0 / value)) {
    s << "1/" << std::llround(1.0 / value);
  } else {
    s << std::setprecision(4) << value;
  }
  return s.str();
}

void validate_pairwise_matrix(const PairwiseMatrix& a, std::span<const std::string> names,
                              const std::string& where) {
  const std::size_t n = names.size();
  if (a.size() != n) {
    std::ostringstream s;
    s << where << ": the comparison matrix has " << a.size() << " rows but there are " << n
      << " criteria (" << list_names(names) << "); give one row and one column per criterion";
    throw InputError(s.str());
  }
  if (n == 0) throw InputError(where + ": the comparison matrix is empty");
  if (n > ahp_max_criteria) {
    std::ostringstream s;
    s << where << ": AHP with " << n << " criteria; at most " << ahp_max_criteria
      << " can be compared in one matrix (Saaty's random index ends there, and judgements "
         "become unreliable long before); group the criteria into a hierarchy";
    throw InputError(s.str());
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i].size() != n) {
      std::ostringstream s;
      s << where << ": row " << i + 1 << " (" << quoted(names[i])
        << ") of the comparison matrix has " << a[i].size()
        << " values; the matrix must be square, " << n << " x " << n;
      throw InputError(s.str());
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      if (std::isfinite(a[i][j]) && a[i][j] > 0.0) continue;
      std::ostringstream s;
      s << where << ": judgement " << pair_name(names, i, j) << " is " << a[i][j]
        << "; judgements must be positive numbers on Saaty's scale 1/9 .. 9";
      throw InputError(s.str());
    }
  for (std::size_t i = 0; i < n; ++i) {
    if (std::abs(a[i][i] - 1.0) <= judgement_tolerance) continue;
    std::ostringstream s;
    s << where << ": the diagonal entry for " << quoted(names[i]) << " is " << a[i][i]
      << "; a criterion compared with itself must be 1";
    throw InputError(s.str());
  }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      if (std::abs(a[i][j] * a[j][i] - 1.0) <= judgement_tolerance) continue;
      std::ostringstream s;
      s << where << ": judgement " << pair_name(names, i, j) << " is " << format_judgement(a[i][j])
        << " but " << pair_name(names, j, i) << " is " << format_judgement(a[j][i])
        << "; the two must be reciprocals: set " << pair_name(names, j, i) << " to "
        << format_judgement(1.0 / a[i][j]) << " (or " << pair_name(names, i, j) << " to "
        << format_judgement(1.0 / a[j][i]) << ")";
      throw InputError(s.str());
    }
  const double lo = (1.0 / 9.0) * (1.0 - judgement_tolerance);
  const double hi = 9.0 * (1.0 + judgement_tolerance);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      if (a[i][j] >= lo && a[i][j] <= hi) continue;
      std::ostringstream s;
      s << where << ": judgement " << pair_name(names, i, j) << " is " << format_judgement(a[i][j])
        << ", outside Saaty's scale 1/9 .. 9 (9 = extreme importance); use a value on the "
           "scale, or compare the criteria in a hierarchy if one truly dwarfs the other";
      throw InputError(s.str());
    }
}

AhpResult ahp(const PairwiseMatrix& a, std::span<const std::string> names,
              const std::string& where) {
  validate_pairwise_matrix(a, names, where);
  const std::size_t n = a.size();
  AhpResult result;
  result.ri = random_index(n);
  if (n == 1) {
    result.weights = {1.0};
    result.lambda_max = 1.0;
    return result;
  }
  std::vector<double> flat(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) flat[i * n + j] = a[i][j];
  result.weights = principal_eigenvector(flat, n);
  const std::vector<double> aw = multiply(flat, result.weights);
  for (double x : aw) result.lambda_max += x;
  const double nd = static_cast<double>(n);
  result.ci = std::max(0.0, (result.lambda_max - nd) / (nd - 1.0));
  result.cr = n <= 2 ? 0.0 : result.ci / result.ri;

  double worst = -1.0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      const double consistent = result.weights[i] / result.weights[j];
      const double error = std::abs(std::log(a[i][j] / consistent));
      if (error > worst) {
        worst = error;
        result.most_inconsistent = {i, j, a[i][j], consistent};
      }
    }
  return result;
}

std::optional<std::string> check_consistency(const AhpResult& result,
                                             std::span<const std::string> names,
                                             const std::string& where, double threshold,
                                             bool accept_inconsistent) {
  if (!std::isfinite(threshold) || threshold < 0.0) {
    std::ostringstream s;
    s << where << ": the consistency ratio limit is " << threshold
      << "; give a number >= 0 (Saaty's usual limit is 0.1)";
    throw InputError(s.str());
  }
  if (result.cr <= threshold) return std::nullopt;
  check_name_count(result.weights.size(), names, "AHP weights", where);
  const AhpJudgement& worst = result.most_inconsistent;
  std::ostringstream s;
  s << where
    << ": the AHP judgements are inconsistent: consistency ratio CR = " << std::setprecision(3)
    << result.cr << ", above the limit " << threshold
    << ". The judgement least in line with the others is " << pair_name(names, worst.i, worst.j)
    << " = " << format_judgement(worst.given) << "; the other judgements imply about "
    << format_judgement(worst.consistent) << ". ";
  if (accept_inconsistent) {
    s << "Inconsistency accepted by the scenario; the weights are used as they are";
    return s.str();
  }
  s << "Revise that judgement (or those it conflicts with) until CR <= " << threshold
    << ", or accept the inconsistency explicitly in the scenario (accept_inconsistent = true)";
  throw InputError(s.str());
}

double parse_saaty_judgement(std::string_view text, const std::string& where) {
  const auto fail = [&]() -> double {
    throw InputError(where + ": '" + std::string(text) +
                     "' is not a judgement; write a positive number on Saaty's scale 1/9 .. 9, "
                     "as a whole number (\"3\"), a fraction (\"1/5\") or a decimal (\"0.2\")");
  };
  const auto trim = [](std::string_view s) {
    const auto space = [](char c) { return c == ' ' || c == '\t'; };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
  };
  const auto number = [&](std::string_view part) {
    part = trim(part);
    double value = 0.0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() ||
        !std::isfinite(value) || value <= 0.0)
      return fail();
    return value;
  };
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return number(text);
  if (text.find('/', slash + 1) != std::string_view::npos) return fail();
  const double value = number(text.substr(0, slash)) / number(text.substr(slash + 1));
  if (!std::isfinite(value) || value <= 0.0) return fail();
  return value;
}

GroupAhpResult group_ahp(const std::vector<PairwiseMatrix>& matrices,
                         std::span<const std::string> stakeholder_names,
                         std::span<const double> stakeholder_weights,
                         std::span<const std::string> criterion_names, const std::string& where) {
  if (matrices.empty())
    throw InputError(where + ": no stakeholder matrices given; give at least one");
  if (stakeholder_names.size() != matrices.size()) {
    std::ostringstream s;
    s << where << ": " << matrices.size() << " stakeholder matrices but "
      << stakeholder_names.size() << " stakeholder names; name each stakeholder once";
    throw InputError(s.str());
  }
  GroupAhpResult result;
  if (stakeholder_weights.empty()) {
    result.stakeholder_weights.assign(matrices.size(), 1.0 / static_cast<double>(matrices.size()));
  } else {
    if (stakeholder_weights.size() != matrices.size()) {
      std::ostringstream s;
      s << where << ": " << stakeholder_weights.size() << " stakeholder weights for "
        << matrices.size() << " stakeholders (" << list_names(stakeholder_names)
        << "); give one weight per stakeholder, or none for equal weights";
      throw InputError(s.str());
    }
    result.stakeholder_weights =
        direct_weights(stakeholder_weights, stakeholder_names, where + " stakeholder weights");
  }
  for (std::size_t k = 0; k < matrices.size(); ++k)
    result.stakeholders.push_back(
        ahp(matrices[k], criterion_names, where + " stakeholder " + quoted(stakeholder_names[k])));

  const std::size_t n = criterion_names.size();
  result.aggregate.assign(n, std::vector<double>(n, 1.0));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      double log_sum = 0.0;
      for (std::size_t k = 0; k < matrices.size(); ++k)
        log_sum += result.stakeholder_weights[k] * std::log(matrices[k][i][j]);
      const double g = std::exp(log_sum);
      result.aggregate[i][j] = g;
      result.aggregate[j][i] = 1.0 / g;
    }
  result.group = ahp(result.aggregate, criterion_names, where + " (group aggregate)");

  result.disagreement.assign(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    double mean = 0.0;
    for (std::size_t k = 0; k < matrices.size(); ++k)
      mean += result.stakeholder_weights[k] * result.stakeholders[k].weights[i];
    double variance = 0.0;
    for (std::size_t k = 0; k < matrices.size(); ++k) {
      const double d = result.stakeholders[k].weights[i] - mean;
      variance += result.stakeholder_weights[k] * d * d;
    }
    result.disagreement[i] = std::sqrt(variance) / mean;
  }
  return result;
}

}  // namespace standort
