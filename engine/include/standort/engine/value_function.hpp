// Value functions turn a measured indicator (e.g. distance in metres) into a 0..1 score.
// For now: linear between two breakpoints, clamped outside them; nodata stays nodata.
#pragma once

#include "standort/engine/raster.hpp"

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

/// Applies `f` to every cell; cells that are nodata in `input` or 0 in `mask` (when given)
/// become `nodata` in the result.
Raster<float> apply_value_function(const Raster<float>& input, const LinearValue& f, float nodata,
                                   const Raster<std::uint8_t>* mask = nullptr, int threads = 0);

}  // namespace standort
