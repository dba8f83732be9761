// Value functions turn a measured indicator (a distance in metres, a density, a land-use code) into
// a 0..1 score. ValueFunction holds one of the kinds below, chosen at run time from the scenario;
// the raster applier dispatches on the kind once per block of rows, never per cell.
//
// Rules common to every kind:
// - NaN in gives NaN out; apply_value_function writes nodata for it.
// - For parameters that pass validate(), every finite or infinite input gives a score in [0, 1]
//   (the one exception: CategoricalValue without a default gives NaN, i.e. nodata, for codes it
//   does not list). Beyond a kind's breakpoints the score is constant, as stated per kind.
//
// Fuzzy kinds follow ArcGIS Spatial Analyst's Fuzzy Membership classes (FuzzySmall, FuzzyLarge,
// FuzzyNear, FuzzyGaussian, FuzzyMSSmall, FuzzyMSLarge; parameters f1 = spread, f2 = midpoint) and
// QGIS's "Fuzzify raster" algorithms (qgsalgorithmfuzzifyraster.cpp: small, large, near, gaussian,
// linear, power). Where the two tools or their documentation disagree, standort does this:
// - Small / large at x <= 0. ArcGIS rejects negative input ("Negative values are not accepted in
//   the Small and Large membership types"); QGIS evaluates pow(x / midpoint, +-spread) as is, which
//   gives NaN for negative x and a non-integer spread, and scores above 1 or infinite for odd
//   integer spreads. standort uses the limit at 0+: small gives 1, large gives 0, for every x <= 0
//   (at x = 0 this is what QGIS computes). QGIS checks neither midpoint nor spread; standort
//   requires midpoint > 0 and spread > 0.
// - MS small. ArcGIS's FuzzyMSSmall page gives b s / (x - a m + b s) for x > a m but 0 for
//   x <= a m, which contradicts its own summary ("smaller values having a membership closer to
//   1") and jumps from 0 to 1 at x = a m. standort gives 1 for x <= a m (the continuous reading).
//   MS large is as documented: 1 - b s / (x - a m + b s) for x > a m, else 0.
// - Mean and standard deviation. ArcGIS takes them from the input raster; here they are explicit
//   parameters, so a scenario states them or the caller computes them with cell_moments().
// - Power and linear: QGIS's bounds convention (score 0 at `low`, 1 at `high`; low > high gives a
//   decreasing function). LinearValue is more general: any two scores s0 at x0 and s1 at x1.
#pragma once

#include "standort/engine/raster.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace standort {

/// Score s0 at x0, s1 at x1, linear between, constant beyond (x0 != x1; either order).
struct LinearValue {
  double x0 = 0.0;
  double s0 = 1.0;
  double x1 = 1.0;
  double s1 = 0.0;

  double operator()(double x) const;
  /// Throws InputError naming `where` when the breakpoints are not finite, equal, or the scores
  /// lie outside [0, 1].
  void validate(const std::string& where) const;
};

/// 1 / (1 + exp(-steepness * (x - midpoint))): 0.5 at the midpoint, rising towards 1.
/// Steepness > 0 (units 1 / x); the slope at the midpoint is steepness / 4. Mathematically the
/// score stays strictly inside (0, 1) and never reaches either end; in double precision it rounds
/// to exactly 1 once t = steepness * (x - midpoint) exceeds about 36.7, and to exactly 0 once t is
/// below about -709.8 (where exp overflows). Stored as float cells, it is 1 from t > 17.3 on.
struct LogisticGrowthValue {
  double midpoint = 0.0;
  double steepness = 0.0;

  double operator()(double x) const;
  void validate(const std::string& where) const;
};

/// 1 / (1 + exp(steepness * (x - midpoint))): 0.5 at the midpoint, falling towards 0; the mirror
/// image of LogisticGrowthValue (same parameters, same rounding limits).
struct LogisticDecayValue {
  double midpoint = 0.0;
  double steepness = 0.0;

  double operator()(double x) const;
  void validate(const std::string& where) const;
};

/// exp(-(x - ideal)^2 / (2 spread^2)): 1 at the ideal value, 0.6065 at ideal +- spread, towards 0
/// on both sides. Spread > 0, in the units of x.
struct GaussianValue {
  double ideal = 0.0;
  double spread = 0.0;

  double operator()(double x) const;
  void validate(const std::string& where) const;
};

/// ArcGIS / QGIS fuzzy small: 1 / (1 + (x / midpoint)^spread) for x > 0, 1 for x <= 0.
/// 0.5 at the midpoint; non-increasing. Midpoint > 0, spread > 0 (typically 1..10).
struct FuzzySmallValue {
  double midpoint = 0.0;
  double spread = 5.0;

  double operator()(double x) const;
  void validate(const std::string& where) const;
};

/// ArcGIS / QGIS fuzzy large: 1 / (1 + (x / midpoint)^-spread) for x > 0, 0 for x <= 0.
/// 0.5 at the midpoint; non-decreasing. Midpoint > 0, spread > 0 (typically 1..10).
struct FuzzyLargeValue {
  double midpoint = 0.0;
  double spread = 5.0;

  double operator()(double x) const;
  void validate(const std::string& where) const;
};

/// ArcGIS / QGIS fuzzy near: 1 / (1 + spread * (x - midpoint)^2). 1 at the midpoint, 0.5 at
/// midpoint +- 1 / sqrt(spread). Spread > 0, units 1 / x^2.
struct FuzzyNearValue {
  double midpoint = 0.0;
  double spread = 0.0;

  double operator()(double x) const;
  void validate(const std::string& where) const;
};

/// ArcGIS / QGIS fuzzy Gaussian: exp(-spread * (x - midpoint)^2). 1 at the midpoint; the same
/// curve as GaussianValue with sigma = 1 / sqrt(2 spread). Spread > 0, units 1 / x^2.
struct FuzzyGaussianValue {
  double midpoint = 0.0;
  double spread = 0.0;

  double operator()(double x) const;
  void validate(const std::string& where) const;
};

/// ArcGIS fuzzy MS small, from the indicator's mean m and standard deviation s and the
/// multipliers a (mean) and b (standard deviation): b s / (x - a m + b s) for x > a m, else 1.
/// Non-increasing; 0.5 at x = a m + b s. s > 0, b > 0; a m and b s finite.
struct FuzzyMSSmallValue {
  double mean = 0.0;
  double std_dev = 0.0;
  double mean_multiplier = 1.0;
  double std_multiplier = 1.0;

  double operator()(double x) const;
  void validate(const std::string& where) const;
};

/// ArcGIS fuzzy MS large: 1 - b s / (x - a m + b s) for x > a m, else 0 (symbols as for
/// FuzzyMSSmallValue). Non-decreasing; 0.5 at x = a m + b s.
struct FuzzyMSLargeValue {
  double mean = 0.0;
  double std_dev = 0.0;
  double mean_multiplier = 1.0;
  double std_multiplier = 1.0;

  double operator()(double x) const;
  void validate(const std::string& where) const;
};

/// QGIS fuzzify power: ((x - low) / (high - low))^exponent between the bounds, 0 at and beyond
/// `low`, 1 at and beyond `high`. low < high rises, low > high falls. Exponent > 0 (1 = linear,
/// 2 = slow start, 0.5 = fast start).
struct PowerValue {
  double low = 0.0;
  double high = 1.0;
  double exponent = 1.0;

  double operator()(double x) const;
  void validate(const std::string& where) const;
};

/// A triangle (or, with a plateau, a trapezoid) centred on `centre`: 1 where
/// |x - centre| <= plateau_width / 2, 0 where |x - centre| >= half_width, linear between.
/// half_width > plateau_width / 2 >= 0.
struct SymmetricLinearValue {
  double centre = 0.0;
  double half_width = 0.0;
  double plateau_width = 0.0;

  double operator()(double x) const;
  void validate(const std::string& where) const;
};

struct ValuePoint {
  double value = 0.0;
  double score = 0.0;
};

/// Linear interpolation through (value, score) breakpoints with strictly increasing values (at
/// least two); the first score below the first value, the last score above the last value.
struct PiecewiseValue {
  std::vector<ValuePoint> points;

  double operator()(double x) const;
  void validate(const std::string& where) const;
};

struct CategoryScore {
  double code = 0.0;
  double score = 0.0;
};

/// Exact codes -> scores (land use, zoning classes). A cell whose value equals a listed code gets
/// its score; any other value gets `default_score`, or NaN (nodata) when no default is given, so
/// an unexpected class never silently scores. Codes are compared with the raster's float cells,
/// so each must be exactly representable as a 32-bit float (every integer up to 2^24 is); codes
/// are unique (0 and -0 are the same code). The raster applier looks codes up by binary search.
struct CategoricalValue {
  std::vector<CategoryScore> categories;
  std::optional<double> default_score;

  double operator()(double x) const;
  void validate(const std::string& where) const;
};

/// The kinds, in the order of ValueDefinition's alternatives.
enum class ValueKind {
  linear,
  logistic_growth,
  logistic_decay,
  gaussian,
  fuzzy_small,
  fuzzy_large,
  fuzzy_near,
  fuzzy_gaussian,
  fuzzy_ms_small,
  fuzzy_ms_large,
  power,
  symmetric_linear,
  piecewise,
  categorical,
};

struct ValueFunction;

/// The parameters of one kind of value function, any of them.
using ValueDefinition =
    std::variant<LinearValue, LogisticGrowthValue, LogisticDecayValue, GaussianValue,
                 FuzzySmallValue, FuzzyLargeValue, FuzzyNearValue, FuzzyGaussianValue,
                 FuzzyMSSmallValue, FuzzyMSLargeValue, PowerValue, SymmetricLinearValue,
                 PiecewiseValue, CategoricalValue>;

/// One kind's parameter struct (LinearValue, LogisticDecayValue, ...).
template <class T>
concept ValueFunctionKind = !std::is_same_v<std::remove_cvref_t<T>, ValueFunction> &&
                            std::is_constructible_v<ValueDefinition, T&&>;

/// A value function of any kind. Construct it from one kind's parameters, e.g.
/// `ValueFunction f = LogisticDecayValue{2000.0, 0.003};`.
struct ValueFunction {
  ValueDefinition definition;

  ValueFunction() = default;
  template <ValueFunctionKind Kind>
  ValueFunction(Kind&& kind) : definition(std::forward<Kind>(kind)) {}

  ValueKind kind() const { return static_cast<ValueKind>(definition.index()); }
  /// Score in [0, 1] (see the rules at the top of this header).
  double operator()(double x) const;
  /// Throws InputError naming `where`, saying what is wrong and how to fix it, when a parameter is
  /// not finite, a spread or width is not positive, breakpoints are not strictly increasing,
  /// codes repeat, or a score lies outside [0, 1].
  void validate(const std::string& where) const;
  /// One line with the formula and its parameters for metadata and legends, e.g.
  /// "logistic decay: 1 / (1 + exp(0.003 * (x - 2000))); midpoint 2000 m, steepness 0.003 /m".
  /// `unit` is the indicator's unit ("m", "per km²"); empty leaves units out.
  std::string describe(std::string_view unit = {}) const;
};

/// The scenario name of a kind: "linear", "logistic_growth", ..., "categorical".
std::string value_kind_name(ValueKind kind);
/// Every kind's scenario name, in ValueKind order (for "did you mean" suggestions).
std::vector<std::string> value_kind_names();
/// The kind called `name`; throws InputError naming `where` and listing the names otherwise.
ValueKind parse_value_kind(const std::string& name, const std::string& where);

/// Applies `f` to every cell; cells that are nodata in `input` or 0 in `mask` (when given), and
/// cells `f` scores NaN, become `nodata` in the result. Rows run in parallel; every cell depends
/// only on its input, so the result is bit-identical for any thread count.
Raster<float> apply_value_function(const Raster<float>& input, const ValueFunction& f, float nodata,
                                   const Raster<std::uint8_t>* mask = nullptr, int threads = 0);

struct CellMoments {
  std::int64_t count = 0;  ///< cells with data
  double mean = 0.0;       ///< NaN when count == 0
  double std_dev = 0.0;    ///< population standard deviation (divides by count); NaN when empty
};

/// Mean and standard deviation of the cells with data (not nodata, mask != 0 when given), the
/// m and s of the fuzzy MS kinds. Two passes (mean, then squared deviations), each summed per row
/// and the row sums added in row order, so the result is the same for any thread count.
CellMoments cell_moments(const Raster<float>& input, const Raster<std::uint8_t>* mask = nullptr,
                         int threads = 0);

}  // namespace standort
