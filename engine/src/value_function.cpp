#include "standort/engine/value_function.hpp"

#include "standort/engine/error.hpp"
#include "standort/engine/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace standort {

double LinearValue::operator()(double x) const {
  const double lo = std::min(x0, x1);
  const double hi = std::max(x0, x1);
  if (x <= lo) return x0 < x1 ? s0 : s1;
  if (x >= hi) return x0 < x1 ? s1 : s0;
  const double t = (x - x0) / (x1 - x0);
  return s0 + t * (s1 - s0);
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

Raster<float> apply_value_function(const Raster<float>& input, const LinearValue& f, float nodata,
                                   const Raster<std::uint8_t>* mask, int threads) {
  Raster<float> out(input.grid(), nodata, nodata);
  parallel_for_blocks(input.grid().rows(), threads, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      auto in = input.row(r);
      auto dst = out.row(r);
      for (std::size_t c = 0; c < in.size(); ++c) {
        if (input.is_nodata(in[c]) || (mask && mask->row(r)[c] == 0)) continue;
        dst[c] = static_cast<float>(f(static_cast<double>(in[c])));
      }
    }
  });
  return out;
}

}  // namespace standort
