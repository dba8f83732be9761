#include "standort/engine/value_function.hpp"

#include "standort/engine/error.hpp"
#include "standort/engine/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace standort {
namespace {

constexpr double quiet_nan = std::numeric_limits<double>::quiet_NaN();

static_assert(std::variant_size_v<ValueDefinition> ==
                  static_cast<std::size_t>(ValueKind::categorical) + 1,
              "ValueKind must list ValueDefinition's alternatives in order");

// Linear interpolation from (a, sa) to (b, sb), kept within the two scores so rounding never
// leaves [0, 1]; NaN stays NaN (std::clamp compares with <, which is false for NaN).
double interpolate(double x, double a, double sa, double b, double sb) {
  const double t = (x - a) / (b - a);
  return std::clamp(sa + t * (sb - sa), std::min(sa, sb), std::max(sa, sb));
}

std::string num(double v) {
  std::ostringstream s;
  s << std::setprecision(10) << v;
  return s.str();
}

bool is_simple_unit(std::string_view unit) {
  return unit.find_first_of(" /") == std::string_view::npos;
}

// "2000 m", or "2000" without a unit.
std::string with_unit(double v, std::string_view unit) {
  return unit.empty() ? num(v) : num(v) + " " + std::string(unit);
}

// "0.003 /m", "0.01 /m^2"; nothing appended without a unit.
std::string per_unit(double v, std::string_view unit, bool squared = false) {
  if (unit.empty()) return num(v);
  const std::string u = is_simple_unit(unit) ? std::string(unit) : "(" + std::string(unit) + ")";
  return num(v) + " /" + u + (squared ? "^2" : "");
}

[[noreturn]] void fail(const std::string& where, const std::string& message) {
  throw InputError(where + ": " + message);
}

void require_finite(const std::string& where, const char* name, double v, const char* example) {
  if (!std::isfinite(v))
    fail(where, std::string(name) + " must be a finite number, got " + num(v) + "; e.g. " + name +
                    " = " + example);
}

void require_positive(const std::string& where, const char* name, double v, const char* example) {
  require_finite(where, name, v, example);
  if (!(v > 0.0))
    fail(where, std::string(name) + " must be greater than 0, got " + num(v) + "; e.g. " + name +
                    " = " + example);
}

void require_score(const std::string& where, const std::string& name, double v) {
  if (!(v >= 0.0 && v <= 1.0))
    fail(where, name + " must lie between 0 and 1, got " + num(v) +
                    "; a score is the fraction of full suitability (1 = best)");
}

// CategoricalValue for the raster loop: codes sorted once, looked up by binary search.
class CategoryTable {
 public:
  explicit CategoryTable(const CategoricalValue& f)
      : m_default(f.default_score.value_or(quiet_nan)) {
    std::vector<CategoryScore> sorted = f.categories;
    std::sort(sorted.begin(), sorted.end(),
              [](const CategoryScore& a, const CategoryScore& b) { return a.code < b.code; });
    m_codes.reserve(sorted.size());
    m_scores.reserve(sorted.size());
    for (const CategoryScore& c : sorted) {
      m_codes.push_back(c.code);
      m_scores.push_back(c.score);
    }
  }

  double operator()(double x) const {
    if (std::isnan(x)) return x;
    const auto it = std::lower_bound(m_codes.begin(), m_codes.end(), x);
    if (it != m_codes.end() && *it == x)
      return m_scores[static_cast<std::size_t>(it - m_codes.begin())];
    return m_default;
  }

 private:
  std::vector<double> m_codes;
  std::vector<double> m_scores;
  double m_default;
};

// The per-cell loop, instantiated once per kind so the score inlines into it.
template <class F>
void score_rows(const Raster<float>& input, const Raster<std::uint8_t>* mask, Raster<float>& out,
                float nodata, std::int64_t r0, std::int64_t r1, const F& f) {
  for (std::int64_t r = r0; r < r1; ++r) {
    const auto in = input.row(r);
    const auto dst = out.row(r);
    const std::uint8_t* keep = mask ? mask->row(r).data() : nullptr;
    for (std::size_t c = 0; c < in.size(); ++c) {
      const float v = in[c];
      if (input.is_nodata(v) || (keep && keep[c] == 0)) {
        dst[c] = nodata;
        continue;
      }
      const double s = f(static_cast<double>(v));
      dst[c] = std::isnan(s) ? nodata : static_cast<float>(s);
    }
  }
}

std::string describe_kind(const LinearValue& f, std::string_view u) {
  return "linear: " + num(f.s0) + " at " + with_unit(f.x0, u) + ", " + num(f.s1) + " at " +
         with_unit(f.x1, u) + ", linear between, constant beyond";
}

std::string describe_kind(const LogisticGrowthValue& f, std::string_view u) {
  return "logistic growth: 1 / (1 + exp(-" + num(f.steepness) + " * (x - " + num(f.midpoint) +
         "))); midpoint " + with_unit(f.midpoint, u) + ", steepness " + per_unit(f.steepness, u);
}

std::string describe_kind(const LogisticDecayValue& f, std::string_view u) {
  return "logistic decay: 1 / (1 + exp(" + num(f.steepness) + " * (x - " + num(f.midpoint) +
         "))); midpoint " + with_unit(f.midpoint, u) + ", steepness " + per_unit(f.steepness, u);
}

std::string describe_kind(const GaussianValue& f, std::string_view u) {
  return "gaussian: exp(-(x - " + num(f.ideal) + ")^2 / (2 * " + num(f.spread) + "^2)); ideal " +
         with_unit(f.ideal, u) + ", spread " + with_unit(f.spread, u);
}

std::string describe_kind(const FuzzySmallValue& f, std::string_view u) {
  return "fuzzy small: 1 / (1 + (x / " + num(f.midpoint) + ")^" + num(f.spread) +
         "), 1 for x <= 0; midpoint " + with_unit(f.midpoint, u) + ", spread " + num(f.spread);
}

std::string describe_kind(const FuzzyLargeValue& f, std::string_view u) {
  return "fuzzy large: 1 / (1 + (x / " + num(f.midpoint) + ")^-" + num(f.spread) +
         "), 0 for x <= 0; midpoint " + with_unit(f.midpoint, u) + ", spread " + num(f.spread);
}

std::string describe_kind(const FuzzyNearValue& f, std::string_view u) {
  return "fuzzy near: 1 / (1 + " + num(f.spread) + " * (x - " + num(f.midpoint) +
         ")^2); midpoint " + with_unit(f.midpoint, u) + ", spread " + per_unit(f.spread, u, true);
}

std::string describe_kind(const FuzzyGaussianValue& f, std::string_view u) {
  return "fuzzy gaussian: exp(-" + num(f.spread) + " * (x - " + num(f.midpoint) +
         ")^2); midpoint " + with_unit(f.midpoint, u) + ", spread " + per_unit(f.spread, u, true);
}

std::string ms_parameters(double mean, double std_dev, double a, double b, std::string_view u) {
  return "mean " + with_unit(mean, u) + ", standard deviation " + with_unit(std_dev, u) +
         ", mean multiplier " + num(a) + ", standard deviation multiplier " + num(b);
}

std::string describe_kind(const FuzzyMSSmallValue& f, std::string_view u) {
  const double am = f.mean_multiplier * f.mean, bs = f.std_multiplier * f.std_dev;
  return "fuzzy MS small: 1 for x <= " + num(am) + ", else " + num(bs) + " / (x - " + num(am) +
         " + " + num(bs) + "); " +
         ms_parameters(f.mean, f.std_dev, f.mean_multiplier, f.std_multiplier, u);
}

std::string describe_kind(const FuzzyMSLargeValue& f, std::string_view u) {
  const double am = f.mean_multiplier * f.mean, bs = f.std_multiplier * f.std_dev;
  return "fuzzy MS large: 0 for x <= " + num(am) + ", else 1 - " + num(bs) + " / (x - " + num(am) +
         " + " + num(bs) + "); " +
         ms_parameters(f.mean, f.std_dev, f.mean_multiplier, f.std_multiplier, u);
}

std::string describe_kind(const PowerValue& f, std::string_view u) {
  return "power: ((x - " + num(f.low) + ") / (" + num(f.high) + " - " + num(f.low) + "))^" +
         num(f.exponent) + "; 0 at " + with_unit(f.low, u) + ", 1 at " + with_unit(f.high, u) +
         ", constant beyond";
}

std::string describe_kind(const SymmetricLinearValue& f, std::string_view u) {
  const std::string top =
      f.plateau_width > 0.0 ? "1 within " + with_unit(f.plateau_width / 2.0, u) + " of " : "1 at ";
  return "symmetric linear: " + top + with_unit(f.centre, u) + ", falling linearly to 0 at " +
         with_unit(f.half_width, u) + " from it";
}

std::string describe_kind(const PiecewiseValue& f, std::string_view u) {
  std::string s = "piecewise linear through ";
  for (std::size_t i = 0; i < f.points.size(); ++i)
    s += (i ? ", (" : "(") + with_unit(f.points[i].value, u) + ", " + num(f.points[i].score) + ")";
  return s + "; constant beyond the ends";
}

std::string describe_kind(const CategoricalValue& f, std::string_view) {
  std::string s = "categorical: ";
  for (std::size_t i = 0; i < f.categories.size(); ++i)
    s += (i ? ", " : "") + num(f.categories[i].code) + " -> " + num(f.categories[i].score);
  return s + "; other codes -> " + (f.default_score ? num(*f.default_score) : "nodata");
}

void validate_midpoint_spread(const std::string& where, double midpoint, double spread,
                              const char* spread_example) {
  require_finite(where, "midpoint", midpoint, "500");
  require_positive(where, "spread", spread, spread_example);
}

void validate_ms(const std::string& where, double mean, double std_dev, double a, double b) {
  require_finite(where, "mean", mean, "850 (the indicator's mean, see cell_moments)");
  require_positive(where, "std_dev", std_dev,
                   "420 (the indicator's standard deviation, see cell_moments)");
  require_finite(where, "mean_multiplier", a, "1");
  require_positive(where, "std_multiplier", b, "1");
  if (!std::isfinite(a * mean) || !std::isfinite(b * std_dev))
    fail(where, "mean_multiplier * mean and std_multiplier * std_dev overflow (" + num(a * mean) +
                    ", " + num(b * std_dev) + "); use multipliers near 1");
}

}  // namespace

double LinearValue::operator()(double x) const {
  const double lo = std::min(x0, x1);
  const double hi = std::max(x0, x1);
  if (x <= lo) return x0 < x1 ? s0 : s1;
  if (x >= hi) return x0 < x1 ? s1 : s0;
  return interpolate(x, x0, s0, x1, s1);
}

void LinearValue::validate(const std::string& where) const {
  std::ostringstream s;
  if (!std::isfinite(x0) || !std::isfinite(x1) || !std::isfinite(s0) || !std::isfinite(s1)) {
    s << where << ": breakpoints must be finite numbers";
  } else if (x0 == x1) {
    s << where << ": the two breakpoints are both at " << x0
      << "; give two different values, e.g. [[500, 1.0], [5000, 0.0]]";
  } else if (s0 < 0.0 || s0 > 1.0 || s1 < 0.0 || s1 > 1.0) {
    s << where << ": scores must lie between 0 and 1, got " << s0 << " and " << s1;
  } else {
    return;
  }
  throw InputError(s.str());
}

double LogisticGrowthValue::operator()(double x) const {
  return 1.0 / (1.0 + std::exp(-steepness * (x - midpoint)));
}

void LogisticGrowthValue::validate(const std::string& where) const {
  require_finite(where, "midpoint", midpoint, "2000");
  require_positive(where, "steepness", steepness, "0.003 (the score rises through the midpoint)");
}

double LogisticDecayValue::operator()(double x) const {
  return 1.0 / (1.0 + std::exp(steepness * (x - midpoint)));
}

void LogisticDecayValue::validate(const std::string& where) const {
  require_finite(where, "midpoint", midpoint, "2000");
  require_positive(where, "steepness", steepness,
                   "0.003 (logistic_decay falls through the midpoint by itself)");
}

double GaussianValue::operator()(double x) const {
  const double z = (x - ideal) / spread;
  return std::exp(-0.5 * (z * z));
}

void GaussianValue::validate(const std::string& where) const {
  require_finite(where, "ideal", ideal, "300");
  require_positive(where, "spread", spread, "150 (the score is 0.61 at ideal +- spread)");
}

double FuzzySmallValue::operator()(double x) const {
  if (x <= 0.0) return 1.0;
  return 1.0 / (1.0 + std::pow(x / midpoint, spread));
}

void FuzzySmallValue::validate(const std::string& where) const {
  require_positive(where, "midpoint", midpoint, "500 (the value that scores 0.5)");
  require_positive(where, "spread", spread, "5 (typically 1 to 10; larger is steeper)");
}

double FuzzyLargeValue::operator()(double x) const {
  if (x <= 0.0) return 0.0;
  return 1.0 / (1.0 + std::pow(x / midpoint, -spread));
}

void FuzzyLargeValue::validate(const std::string& where) const {
  require_positive(where, "midpoint", midpoint, "500 (the value that scores 0.5)");
  require_positive(where, "spread", spread, "5 (typically 1 to 10; larger is steeper)");
}

double FuzzyNearValue::operator()(double x) const {
  const double d = x - midpoint;
  return 1.0 / (1.0 + spread * (d * d));
}

void FuzzyNearValue::validate(const std::string& where) const {
  validate_midpoint_spread(where, midpoint, spread,
                           "0.0001 (the score is 0.5 at midpoint +- 1 / sqrt(spread))");
}

double FuzzyGaussianValue::operator()(double x) const {
  const double d = x - midpoint;
  return std::exp(-spread * (d * d));
}

void FuzzyGaussianValue::validate(const std::string& where) const {
  validate_midpoint_spread(where, midpoint, spread,
                           "0.0001 (the score is 0.5 at midpoint +- sqrt(ln 2 / spread))");
}

double FuzzyMSSmallValue::operator()(double x) const {
  const double am = mean_multiplier * mean;
  const double bs = std_multiplier * std_dev;
  if (x <= am) return 1.0;
  return bs / ((x - am) + bs);
}

void FuzzyMSSmallValue::validate(const std::string& where) const {
  validate_ms(where, mean, std_dev, mean_multiplier, std_multiplier);
}

double FuzzyMSLargeValue::operator()(double x) const {
  const double am = mean_multiplier * mean;
  const double bs = std_multiplier * std_dev;
  if (x <= am) return 0.0;
  return 1.0 - bs / ((x - am) + bs);
}

void FuzzyMSLargeValue::validate(const std::string& where) const {
  validate_ms(where, mean, std_dev, mean_multiplier, std_multiplier);
}

double PowerValue::operator()(double x) const {
  if (low < high) {
    if (x <= low) return 0.0;
    if (x >= high) return 1.0;
  } else {
    if (x >= low) return 0.0;
    if (x <= high) return 1.0;
  }
  return std::pow((x - low) / (high - low), exponent);
}

void PowerValue::validate(const std::string& where) const {
  require_finite(where, "low", low, "0 (the value that scores 0)");
  require_finite(where, "high", high, "1000 (the value that scores 1)");
  if (low == high)
    fail(where, "low and high are both " + num(low) +
                    "; give the value that scores 0 as low and the one that scores 1 as high, "
                    "e.g. low = 5000, high = 500 for a score that falls with distance");
  require_positive(where, "exponent", exponent, "2 (1 is linear)");
}

double SymmetricLinearValue::operator()(double x) const {
  const double d = std::abs(x - centre);
  const double top = 0.5 * plateau_width;
  if (d <= top) return 1.0;
  if (d >= half_width) return 0.0;
  return interpolate(d, top, 1.0, half_width, 0.0);
}

void SymmetricLinearValue::validate(const std::string& where) const {
  require_finite(where, "centre", centre, "500");
  require_positive(where, "half_width", half_width, "300 (the score is 0 at centre +- 300)");
  require_finite(where, "plateau_width", plateau_width, "0");
  if (plateau_width < 0.0)
    fail(where, "plateau_width must be 0 or more, got " + num(plateau_width) +
                    "; it is the width of the range around the centre that scores 1");
  if (!(0.5 * plateau_width < half_width))
    fail(where, "half the plateau_width (" + num(0.5 * plateau_width) +
                    ") must be less than half_width (" + num(half_width) +
                    ") so the score can fall to 0; widen half_width or narrow the plateau");
}

double PiecewiseValue::operator()(double x) const {
  if (std::isnan(x) || points.empty()) return quiet_nan;
  if (x <= points.front().value) return points.front().score;
  if (x >= points.back().value) return points.back().score;
  const auto b = std::upper_bound(points.begin(), points.end(), x,
                                  [](double v, const ValuePoint& p) { return v < p.value; });
  const auto a = b - 1;
  return interpolate(x, a->value, a->score, b->value, b->score);
}

void PiecewiseValue::validate(const std::string& where) const {
  if (points.size() < 2)
    fail(where, "points needs at least two [value, score] pairs, got " +
                    std::to_string(points.size()) + "; e.g. [[0, 1.0], [500, 0.8], [2000, 0]]");
  for (std::size_t i = 0; i < points.size(); ++i) {
    const std::string at = "points[" + std::to_string(i) + "]";
    if (!std::isfinite(points[i].value))
      fail(where, at + " has a value that is not a finite number (" + num(points[i].value) + ")");
    require_score(where, at + " score", points[i].score);
    if (i > 0 && !(points[i].value > points[i - 1].value))
      fail(where, at + " value " + num(points[i].value) + " does not exceed the value before it (" +
                      num(points[i - 1].value) +
                      "); list the points with strictly increasing values");
  }
}

double CategoricalValue::operator()(double x) const {
  if (std::isnan(x)) return x;
  for (const CategoryScore& c : categories)
    if (x == c.code) return c.score;
  return default_score.value_or(quiet_nan);
}

void CategoricalValue::validate(const std::string& where) const {
  if (categories.empty())
    fail(where, "map lists no codes; give at least one, e.g. map = { \"1\" = 1.0, \"2\" = 0.5 }");
  for (std::size_t i = 0; i < categories.size(); ++i) {
    const double code = categories[i].code;
    const std::string at = "code " + num(code);
    if (!std::isfinite(code)) fail(where, "codes must be finite numbers, got " + num(code));
    if (static_cast<double>(static_cast<float>(code)) != code)
      fail(where, at + " cannot be stored exactly in a 32-bit float raster cell, so no cell would "
                       "ever match it; use integer codes (up to 16777216) or the cells' exact "
                       "values");
    require_score(where, at + " score", categories[i].score);
    for (std::size_t j = 0; j < i; ++j)
      if (categories[j].code == code)
        fail(where, at + " is listed twice (scores " + num(categories[j].score) + " and " +
                        num(categories[i].score) + "); keep one");
  }
  if (default_score) require_score(where, "default", *default_score);
}

double ValueFunction::operator()(double x) const {
  return std::visit([x](const auto& f) { return f(x); }, definition);
}

void ValueFunction::validate(const std::string& where) const {
  std::visit([&where](const auto& f) { f.validate(where); }, definition);
}

std::string ValueFunction::describe(std::string_view unit) const {
  return std::visit([unit](const auto& f) { return describe_kind(f, unit); }, definition);
}

std::string value_kind_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::linear:
      return "linear";
    case ValueKind::logistic_growth:
      return "logistic_growth";
    case ValueKind::logistic_decay:
      return "logistic_decay";
    case ValueKind::gaussian:
      return "gaussian";
    case ValueKind::fuzzy_small:
      return "fuzzy_small";
    case ValueKind::fuzzy_large:
      return "fuzzy_large";
    case ValueKind::fuzzy_near:
      return "fuzzy_near";
    case ValueKind::fuzzy_gaussian:
      return "fuzzy_gaussian";
    case ValueKind::fuzzy_ms_small:
      return "fuzzy_ms_small";
    case ValueKind::fuzzy_ms_large:
      return "fuzzy_ms_large";
    case ValueKind::power:
      return "power";
    case ValueKind::symmetric_linear:
      return "symmetric_linear";
    case ValueKind::piecewise:
      return "piecewise";
    case ValueKind::categorical:
      return "categorical";
  }
  throw std::logic_error("value_kind_name: unknown ValueKind");
}

std::vector<std::string> value_kind_names() {
  std::vector<std::string> names;
  for (int k = 0; k <= static_cast<int>(ValueKind::categorical); ++k)
    names.push_back(value_kind_name(static_cast<ValueKind>(k)));
  return names;
}

ValueKind parse_value_kind(const std::string& name, const std::string& where) {
  const std::vector<std::string> names = value_kind_names();
  for (std::size_t k = 0; k < names.size(); ++k)
    if (names[k] == name) return static_cast<ValueKind>(k);
  std::string list;
  for (std::size_t k = 0; k < names.size(); ++k)
    list += (k == 0 ? "" : k + 1 == names.size() ? " or " : ", ") + names[k];
  throw InputError(where + ": unknown value function '" + name + "'; use " + list);
}

Raster<float> apply_value_function(const Raster<float>& input, const ValueFunction& f, float nodata,
                                   const Raster<std::uint8_t>* mask, int threads) {
  const Grid& g = input.grid();
  if (mask && (mask->grid().rows() != g.rows() || mask->grid().cols() != g.cols()))
    throw std::logic_error("apply_value_function: the mask's grid differs from the input's");
  Raster<float> out(g, NoFill{}, nodata);
  // Dispatch on the kind once; each kind gets its own loop with the score inlined.
  auto run = [&](const auto& score) {
    parallel_for_blocks(g.rows(), threads, [&](std::int64_t r0, std::int64_t r1) {
      score_rows(input, mask, out, nodata, r0, r1, score);
    });
  };
  std::visit(
      [&](const auto& kind) {
        if constexpr (std::is_same_v<std::decay_t<decltype(kind)>, CategoricalValue>)
          run(CategoryTable(kind));
        else
          run(kind);
      },
      f.definition);
  return out;
}

CellMoments cell_moments(const Raster<float>& input, const Raster<std::uint8_t>* mask,
                         int threads) {
  const Grid& g = input.grid();
  if (mask && (mask->grid().rows() != g.rows() || mask->grid().cols() != g.cols()))
    throw std::logic_error("cell_moments: the mask's grid differs from the input's");
  const auto rows = static_cast<std::size_t>(g.rows());
  std::vector<double> row_sum(rows, 0.0);
  std::vector<std::int64_t> row_count(rows, 0);
  auto has_data = [&](std::int64_t r, std::size_t c, float v) {
    return !input.is_nodata(v) && (!mask || mask->row(r)[c] != 0);
  };
  parallel_for_blocks(g.rows(), threads, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      const auto in = input.row(r);
      double sum = 0.0;
      std::int64_t n = 0;
      for (std::size_t c = 0; c < in.size(); ++c)
        if (has_data(r, c, in[c])) {
          sum += static_cast<double>(in[c]);
          ++n;
        }
      row_sum[static_cast<std::size_t>(r)] = sum;
      row_count[static_cast<std::size_t>(r)] = n;
    }
  });
  CellMoments m;
  double sum = 0.0;
  for (std::size_t r = 0; r < rows; ++r) {
    sum += row_sum[r];
    m.count += row_count[r];
  }
  if (m.count == 0) {
    m.mean = m.std_dev = quiet_nan;
    return m;
  }
  m.mean = sum / static_cast<double>(m.count);
  parallel_for_blocks(g.rows(), threads, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      const auto in = input.row(r);
      double squares = 0.0;
      for (std::size_t c = 0; c < in.size(); ++c)
        if (has_data(r, c, in[c])) {
          const double d = static_cast<double>(in[c]) - m.mean;
          squares += d * d;
        }
      row_sum[static_cast<std::size_t>(r)] = squares;
    }
  });
  double squares = 0.0;
  for (std::size_t r = 0; r < rows; ++r) squares += row_sum[r];
  m.std_dev = std::sqrt(squares / static_cast<double>(m.count));
  return m;
}

}  // namespace standort
