#include "standort/engine/coverage.hpp"

#include "standort/engine/error.hpp"
#include "standort/engine/parallel.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <span>
#include <sstream>
#include <utility>

namespace standort {
namespace {

// Window coordinates: u = column, v = row (downwards), both in cells and shifted by `offset`, a
// power of two above the window's size, so every coordinate inside the window has the same
// exponent and differences and sums of them are exact.
struct LocalPoint {
  double u;
  double v;
};

// An edge piece's "dx" for every cell below it in its column, applied by the row sweep.
struct CarryEvent {
  std::int64_t row;
  std::int64_t col;
  double du;
};

class CoverageSweep {
 public:
  CoverageSweep(std::int64_t cols, std::int64_t rows, double offset, std::vector<double>& cells)
      : m_cols(cols),
        m_rows(rows),
        m_offset(offset),
        m_u0(offset),
        m_u1(offset + static_cast<double>(cols)),
        m_v0(offset),
        m_v1(offset + static_cast<double>(rows)),
        m_cells(cells) {}

  // Adds the edge a -> b of a ring whose contributions are multiplied by `sign` (+1 for area that
  // counts, -1 for a hole or a reversed ring).
  void add_edge(LocalPoint a, LocalPoint b, double sign) {
    if (a.u == b.u) return;  // vertical: no extent in x, no contribution
    if (a.u > b.u) {
      std::swap(a, b);
      sign = -sign;
    }
    if (b.u <= m_u0 || a.u >= m_u1) return;
    // Columns outside the window receive nothing: cut the edge at the window's sides.
    LocalPoint p = a, q = b;
    const double slope = (b.v - a.v) / (b.u - a.u);
    if (a.u < m_u0) p = {m_u0, a.v + (m_u0 - a.u) * slope};
    if (b.u > m_u1) q = {m_u1, a.v + (m_u1 - a.u) * slope};
    // Rows above the window see the part of the edge above it as lying on the window's top line
    // (the clamp in the area integral); the part below the window adds nothing to it.
    LocalPoint points[4];
    int n = 0;
    points[n++] = p;
    std::pair<double, double> cuts[2];  // (t along p -> q, the window line crossed)
    int cut_count = 0;
    for (const double line : {m_v0, m_v1}) {
      if ((p.v - line) * (q.v - line) < 0.0) cuts[cut_count++] = {(line - p.v) / (q.v - p.v), line};
    }
    if (cut_count == 2 && cuts[1].first < cuts[0].first) std::swap(cuts[0], cuts[1]);
    for (int i = 0; i < cut_count; ++i) {
      const double u = std::clamp(p.u + cuts[i].first * (q.u - p.u), points[n - 1].u, q.u);
      points[n++] = {u, cuts[i].second};
    }
    points[n++] = q;
    for (int i = 0; i + 1 < n; ++i) {
      const LocalPoint& s = points[i];
      const LocalPoint& e = points[i + 1];
      if (!(e.u > s.u)) continue;
      const double mid_v = 0.5 * (s.v + e.v);
      if (mid_v >= m_v1) continue;
      if (mid_v <= m_v0) {
        traverse(s.u, m_v0, e.u, m_v0, sign);
      } else {
        traverse(s.u, std::clamp(s.v, m_v0, m_v1), e.u, std::clamp(e.v, m_v0, m_v1), sign);
      }
    }
  }

  // Applies the carried widths row by row and clamps rounding residue into [0, 1].
  void finish() {
    // Stable counting sort of the events by row keeps their order of creation within a cell.
    std::vector<std::int64_t> start(static_cast<std::size_t>(m_rows) + 1, 0);
    for (const CarryEvent& e : m_events) ++start[static_cast<std::size_t>(e.row)];
    std::int64_t total = 0;
    for (auto& s : start) {
      const std::int64_t count = s;
      s = total;
      total += count;
    }
    std::vector<CarryEvent> sorted(m_events.size());
    {
      std::vector<std::int64_t> next(start.begin(), start.end());
      for (const CarryEvent& e : m_events) sorted[static_cast<std::size_t>(next[e.row]++)] = e;
    }
    m_events.clear();
    m_events.shrink_to_fit();
    std::vector<double> running(static_cast<std::size_t>(m_cols), 0.0);
    std::size_t k = 0;
    for (std::int64_t r = 0; r < m_rows; ++r) {
      for (; k < sorted.size() && sorted[k].row == r; ++k)
        running[static_cast<std::size_t>(sorted[k].col)] += sorted[k].du;
      double* row = m_cells.data() + r * m_cols;
      for (std::int64_t c = 0; c < m_cols; ++c)
        row[c] = std::clamp(row[c] + running[static_cast<std::size_t>(c)], 0.0, 1.0);
    }
  }

 private:
  // Walks a segment with ua < ub inside the window through the cells it crosses.
  void traverse(double ua, double va, double ub, double vb, double sign) {
    const double du = ub - ua;
    const double dv = vb - va;
    const int dir = dv > 0.0 ? 1 : (dv < 0.0 ? -1 : 0);
    double ku = std::floor(ua) + 1.0;                                  // next column line
    double kv = dir > 0 ? std::floor(va) + 1.0 : std::ceil(va) - 1.0;  // next row line
    double pu = ua, pv = va;
    for (;;) {
      const bool u_cross = ku < ub;
      const bool v_cross = dir > 0 ? kv < vb : (dir < 0 && kv > vb);
      if (!u_cross && !v_cross) {
        piece(pu, pv, ub, vb, sign);
        return;
      }
      const double tu = u_cross ? (ku - ua) / du : 2.0;
      const double tv = v_cross ? (kv - va) / dv : 2.0;
      double nu, nv;
      if (tu <= tv) {
        nu = ku;
        nv = tu == tv ? kv : clamp_v(va + tu * dv, pv, kv, vb, dir);
        ku += 1.0;
        if (tu == tv) kv += dir;
      } else {
        nv = kv;
        nu = std::clamp(ua + tv * du, pu, std::min(ku, ub));
        kv += dir;
      }
      piece(pu, pv, nu, nv, sign);
      pu = nu;
      pv = nv;
    }
  }

  // Keeps an interpolated v between the previous point and the next row line (or the end).
  static double clamp_v(double v, double pv, double kv, double vb, int dir) {
    if (dir > 0) return std::clamp(v, pv, std::min(kv, vb));
    if (dir < 0) return std::clamp(v, std::max(kv, vb), pv);
    return pv;
  }

  // A piece of an edge inside one cell: its trapezoid goes to the cell, its width to every cell
  // below (through an event at the next row).
  void piece(double u0, double v0, double u1, double v1, double sign) {
    const double du = (u1 - u0) * sign;
    if (du == 0.0) return;
    const std::int64_t col = std::clamp<std::int64_t>(
        static_cast<std::int64_t>(std::floor(0.5 * (u0 + u1)) - m_offset), 0, m_cols - 1);
    const std::int64_t row = std::clamp<std::int64_t>(
        static_cast<std::int64_t>(std::floor(0.5 * (v0 + v1)) - m_offset), 0, m_rows - 1);
    const double bottom = m_offset + static_cast<double>(row + 1);
    const double height = 0.5 * ((bottom - v0) + (bottom - v1));
    m_cells[static_cast<std::size_t>(row * m_cols + col)] += height * du;
    if (row + 1 < m_rows) m_events.push_back({row + 1, col, du});
  }

  std::int64_t m_cols;
  std::int64_t m_rows;
  double m_offset;
  double m_u0, m_u1, m_v0, m_v1;
  std::vector<double>& m_cells;
  std::vector<CarryEvent> m_events;
};

std::string describe(const Grid& g) {
  std::ostringstream s;
  s.precision(12);
  s << g.cols() << " x " << g.rows() << " cells of " << g.cell_size() << " m at (" << g.xmin()
    << ", " << g.ymax() << ")" << (g.crs().empty() ? "" : " in ") << g.crs();
  return s.str();
}

struct WeightedValue {
  double value;
  double weight;
};

// exactextract's WeightedQuantiles::quantile on values already sorted by value and merged:
// with n values, weights w_i and C_i the sum of the weights before value i, the points
// s_0 = 0 and s_i = i * w_i + (n - 1) * C_i rise with i; the quantile interpolates between the two
// values around q * sum(w) * (n - 1). A linear scan finds the first point above it, as a binary
// search over the stored points would.
double quantile_of_sorted(std::span<const WeightedValue> merged, double q, double sum_w) {
  const std::size_t n = merged.size();
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  const double n_minus_1 = static_cast<double>(n) - 1.0;
  const double target = q * sum_w * n_minus_1;
  double cumsum = 0.0;
  double s_prev = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double s_i =
        i == 0 ? 0.0 : static_cast<double>(i) * merged[i].weight + n_minus_1 * cumsum;
    if (s_i > target) {
      if (i == 0) return merged.front().value;
      const WeightedValue& l = merged[i - 1];
      return l.value + (target - s_prev) * (merged[i].value - l.value) / (s_i - s_prev);
    }
    s_prev = s_i;
    cumsum += merged[i].weight;
  }
  return merged.back().value;
}

double sum_of_weights(std::span<const WeightedValue> merged) {
  double sum_w = 0.0;
  for (const WeightedValue& m : merged) sum_w += m.weight;
  return sum_w;
}

// Sorts by value (stable, so equal values keep their order) and merges equal values.
std::vector<WeightedValue> sort_and_merge(std::vector<WeightedValue> items) {
  std::stable_sort(items.begin(), items.end(), [](const WeightedValue& a, const WeightedValue& b) {
    return a.value < b.value;
  });
  std::vector<WeightedValue> merged;
  merged.reserve(items.size());
  for (const WeightedValue& item : items) {
    if (!merged.empty() && merged.back().value == item.value)
      merged.back().weight += item.weight;
    else
      merged.push_back(item);
  }
  return merged;
}

// A covered cell's value as a key whose unsigned order is the float order (sign bit flipped for
// positives, all bits for negatives).
std::uint32_t sortable_key(float value) {
  const auto bits = std::bit_cast<std::uint32_t>(value);
  return (bits & 0x80000000u) != 0 ? ~bits : (bits | 0x80000000u);
}

float value_of_key(std::uint32_t key) {
  return std::bit_cast<float>((key & 0x80000000u) != 0 ? (key & 0x7fffffffu) : ~key);
}

// A partly covered cell for the median: its key and its coverage.
struct PartialItem {
  std::uint32_t key;
  double weight;
};

// Buffers one thread reuses from district to district. Cells wholly inside the polygon (the vast
// majority, weight 1) are collected as bare four-byte keys; the few partly covered ones
// separately, with their weights. The rest is bucket_median's: the keys spread into buckets, each
// bucket's first key and first partly covered cell, its distinct values and weight, the byte map
// that counts them (all zero between uses), and one bucket's keys sorted and merged.
struct StatsScratch {
  std::vector<std::uint32_t, NoFillAllocator<std::uint32_t>> keys;
  std::vector<PartialItem> partial;
  std::vector<std::uint32_t, NoFillAllocator<std::uint32_t>> buffer;
  std::vector<std::uint32_t> start, next, pstart, distinct, sorted;
  std::vector<double> weight;
  std::vector<std::uint8_t> seen;
  std::vector<std::pair<std::uint32_t, double>> values;
  std::uint32_t key_or = 0, key_and = ~0u;  // over the collected keys (canonical)
};

}  // namespace

CoverageWindow coverage_fractions(const Grid& grid, const MultiPolygon& polygon,
                                  const std::string& where) {
  // Vertices in grid cell units (u to the right from xmin, v downwards from ymax), ring by ring.
  struct Ring {
    std::size_t begin;
    std::size_t end;
    bool outer;
  };
  std::vector<LocalPoint> points;
  std::vector<Ring> rings;
  double umin = INFINITY, umax = -INFINITY, vmin = INFINITY, vmax = -INFINITY;
  const double cell = grid.cell_size();
  auto add_ring = [&](const auto& ring, bool outer) {
    if (ring.size() < 3) return;
    const std::size_t begin = points.size();
    for (const auto& p : ring) {
      const double u = (p.x() - grid.xmin()) / cell;
      const double v = (grid.ymax() - p.y()) / cell;
      if (!std::isfinite(u) || !std::isfinite(v)) {
        std::ostringstream s;
        s.precision(12);
        s << where << ": polygon vertex (" << p.x() << " " << p.y()
          << ") is not a finite coordinate; fix or remove the feature in its source";
        throw InputError(s.str());
      }
      points.push_back({u, v});
      umin = std::min(umin, u);
      umax = std::max(umax, u);
      vmin = std::min(vmin, v);
      vmax = std::max(vmax, v);
    }
    // Boost.Geometry rings repeat the first point at the end; close a ring that does not.
    if (points.back().u != points[begin].u || points.back().v != points[begin].v)
      points.push_back(points[begin]);
    rings.push_back({begin, points.size(), outer});
  };
  for (const auto& part : polygon) {
    add_ring(part.outer(), true);
    for (const auto& inner : part.inners()) add_ring(inner, false);
  }

  CoverageWindow window;
  if (rings.empty()) return window;
  // Cells whose interior meets the bounding box, clamped to the grid.
  const double cols_d = static_cast<double>(grid.cols());
  const double rows_d = static_cast<double>(grid.rows());
  double c0 = std::floor(umin), c1 = std::ceil(umax);
  double r0 = std::floor(vmin), r1 = std::ceil(vmax);
  if (c1 == c0) c1 += 1.0;
  if (r1 == r0) r1 += 1.0;
  c0 = std::clamp(c0, 0.0, cols_d);
  c1 = std::clamp(c1, 0.0, cols_d);
  r0 = std::clamp(r0, 0.0, rows_d);
  r1 = std::clamp(r1, 0.0, rows_d);
  if (!(c1 > c0) || !(r1 > r0)) return window;
  window.col0 = static_cast<std::int64_t>(c0);
  window.row0 = static_cast<std::int64_t>(r0);
  window.cols = static_cast<std::int64_t>(c1 - c0);
  window.rows = static_cast<std::int64_t>(r1 - r0);
  check_grid_budget(Grid(grid.xmin() + c0 * cell, grid.ymax() - r0 * cell, cell, window.cols,
                         window.rows, grid.crs()),
                    static_cast<std::int64_t>(sizeof(double)), ResourceLimits{},
                    where + ": coverage fractions");
  window.fractions.assign(static_cast<std::size_t>(window.cols * window.rows), 0.0);

  double offset = 1.0;
  while (offset < static_cast<double>(std::max(window.cols, window.rows)) + 2.0) offset *= 2.0;
  for (LocalPoint& p : points) {
    p.u = (p.u - c0) + offset;
    p.v = (p.v - r0) + offset;
  }

  CoverageSweep sweep(window.cols, window.rows, offset, window.fractions);
  for (const Ring& ring : rings) {
    // Twice the signed area, positive for a clockwise ring in x/y (Boost.Geometry's outer rings):
    // with v pointing down that is -sum((v_a + v_b) * (u_b - u_a)), taken relative to the first
    // vertex to keep it well conditioned.
    const LocalPoint& ref = points[ring.begin];
    double twice_area = 0.0;
    for (std::size_t i = ring.begin; i + 1 < ring.end; ++i) {
      const LocalPoint& a = points[i];
      const LocalPoint& b = points[i + 1];
      twice_area -= ((a.v - ref.v) + (b.v - ref.v)) * (b.u - a.u);
    }
    const bool clockwise = twice_area >= 0.0;
    const double sign = clockwise == ring.outer ? 1.0 : -1.0;
    for (std::size_t i = ring.begin; i + 1 < ring.end; ++i)
      sweep.add_edge(points[i], points[i + 1], sign);
  }
  sweep.finish();
  return window;
}

namespace {

// The covered cells of a coverage window as runs along its rows, in row-major order: runs of
// cells wholly inside the polygon (fraction exactly 1, the vast majority, visited without reading
// their fractions) and runs of partly covered cells. Cells with fraction 0 are in no run; they
// add nothing to any sum, so skipping them changes no bit.
struct CoveredRun {
  std::int64_t row;  // window row
  std::int64_t begin;
  std::int64_t end;
  bool full;
  // Partly covered runs: where their fractions begin in CoveredRuns::fractions.
  std::size_t fractions;
};

// The runs of one window, and the fractions of its partly covered cells in run order, kept
// together so that a pass over the partly covered cells reads them in sequence rather than a
// cache line of the window's fractions per run.
struct CoveredRuns {
  std::vector<CoveredRun> runs;
  std::vector<double> fractions;
};

CoveredRuns covered_runs(const CoverageWindow& w) {
  CoveredRuns out;
  for (std::int64_t r = 0; r < w.rows; ++r) {
    const double* f = w.fractions.data() + r * w.cols;
    std::int64_t c = 0;
    while (c < w.cols) {
      if (!(f[c] > 0.0)) {
        ++c;
        continue;
      }
      const bool full = f[c] == 1.0;
      const std::int64_t begin = c;
      while (c < w.cols && f[c] > 0.0 && (f[c] == 1.0) == full) ++c;
      out.runs.push_back({r, begin, c, full, out.fractions.size()});
      if (!full) out.fractions.insert(out.fractions.end(), f + begin, f + c);
    }
  }
  return out;
}

void check_window(const Grid& grid, const CoverageWindow& coverage, const Raster<float>& values,
                  std::optional<double> threshold, const std::string& where) {
  if (!(values.grid() == grid)) {
    throw InputError(where + ": the value raster's grid (" + describe(values.grid()) +
                     ") is not the grid the coverage was computed on (" + describe(grid) +
                     "); compute the raster on the districts' grid");
  }
  if (coverage.col0 < 0 || coverage.row0 < 0 || coverage.cols < 0 || coverage.rows < 0 ||
      coverage.col0 + coverage.cols > grid.cols() || coverage.row0 + coverage.rows > grid.rows() ||
      coverage.fractions.size() != static_cast<std::size_t>(coverage.cols * coverage.rows) ||
      coverage.fractions.size() > std::numeric_limits<std::uint32_t>::max()) {
    std::ostringstream s;
    s << where << ": coverage window of " << coverage.cols << " x " << coverage.rows
      << " cells at column " << coverage.col0 << ", row " << coverage.row0 << " with "
      << coverage.fractions.size() << " fractions does not fit the grid of " << describe(grid)
      << "; compute it with coverage_fractions on this grid";
    throw InputError(s.str());
  }
  if (threshold && !std::isfinite(*threshold))
    throw InputError(where + ": the threshold must be a finite number");
}

// A key with -0 as +0: equal values are one value for the median.
inline std::uint32_t canonical_key(std::uint32_t key) {
  return key == 0x7fffffffu ? 0x80000000u : key;
}

/// Sums over a run of cells wholly inside the polygon (weight 1): four interleaved accumulators
/// and no branch per cell, so the adds do not wait on one another. Keys of the cells with data are
/// appended at `keys` (when Collect); returns how many.
struct RunSums {
  double sum = 0.0;
  double sum_d = 0.0;   // of x - shift (Collect only)
  double sum_dd = 0.0;  // of (x - shift)^2 (Collect only)
  double lo = INFINITY;
  double hi = -INFINITY;
  std::int64_t valid = 0;
  std::int64_t above = 0;
  std::uint32_t key_or = 0;     // of the keys collected (Collect only)
  std::uint32_t key_and = ~0u;  // likewise
};

template <bool Collect>
[[gnu::always_inline]] inline std::int64_t scan_whole_run(const float* p, std::int64_t length,
                                                          float nodata, bool has_nodata,
                                                          double limit, double shift, RunSums& out,
                                                          std::uint32_t* keys) {
  double sum[4] = {0.0, 0.0, 0.0, 0.0};
  double sd[4] = {0.0, 0.0, 0.0, 0.0}, sdd[4] = {0.0, 0.0, 0.0, 0.0};
  double lo[4] = {INFINITY, INFINITY, INFINITY, INFINITY};
  double hi[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
  std::int64_t valid = 0, above = 0, n = 0;
  std::uint32_t key_or = 0, key_and = ~0u;
  auto cell = [&](float v, int lane) {
    const bool ok = !(v != v) && !(has_nodata && v == nodata);
    const double x = ok ? static_cast<double>(v) : 0.0;
    sum[lane] += x;
    lo[lane] = ok ? std::min(lo[lane], x) : lo[lane];
    hi[lane] = ok ? std::max(hi[lane], x) : hi[lane];
    valid += ok;
    above += ok && x >= limit;
    if constexpr (Collect) {
      const double d = ok ? static_cast<double>(v) - shift : 0.0;
      sd[lane] += d;
      sdd[lane] += d * d;
      const std::uint32_t key = canonical_key(sortable_key(v));
      keys[n] = key;
      key_or |= ok ? key : 0u;
      key_and &= ok ? key : ~0u;
      n += ok;
    }
  };
  std::int64_t c = 0;
  for (; c + 4 <= length; c += 4) {
    cell(p[c], 0);
    cell(p[c + 1], 1);
    cell(p[c + 2], 2);
    cell(p[c + 3], 3);
  }
  for (; c < length; ++c) cell(p[c], 0);
  out.sum += (sum[0] + sum[1]) + (sum[2] + sum[3]);
  out.sum_d += (sd[0] + sd[1]) + (sd[2] + sd[3]);
  out.sum_dd += (sdd[0] + sdd[1]) + (sdd[2] + sdd[3]);
  out.lo = std::min(out.lo, std::min(std::min(lo[0], lo[1]), std::min(lo[2], lo[3])));
  out.hi = std::max(out.hi, std::max(std::max(hi[0], hi[1]), std::max(hi[2], hi[3])));
  out.valid += valid;
  out.above += above;
  out.key_or |= key_or;
  out.key_and &= key_and;
  return n;
}

/// The weighted median (exactextract's quantile, as quantile_of_sorted) of the collected cells:
/// whole cells as keys in scratch.keys (weight 1 each, any order), partly covered ones in
/// scratch.partial (key and coverage). Equal values (also -0 and +0) are one value with their
/// weights summed.
///
/// The quantile needs the number n of distinct values and the distinct values around the median,
/// not the whole order: the keys are spread into buckets by their high bits (the bits in which
/// they differ, all but the lowest 15), each bucket's distinct values are counted on a map of its
/// low bits (a byte each: 32 KiB, in the first-level cache), and only the buckets around the
/// median are sorted. With C the weight of the values below value i and w_i its weight, the point
/// s_i = i w_i + (n - 1) C_i lies between (n - 1) C_i and (n - 1) (C_i + w_i), so the first point
/// above q W (n - 1) belongs to the value whose weight holds the position q W, or to the next one.
double bucket_median(StatsScratch& scratch, double q) {
  auto& keys = scratch.keys;
  auto& partial = scratch.partial;
  const std::size_t nk = keys.size(), np = partial.size();
  if (nk + np == 0) return std::numeric_limits<double>::quiet_NaN();
  const std::uint32_t all_or = scratch.key_or, all_and = scratch.key_and;
  std::stable_sort(partial.begin(), partial.end(),
                   [](const PartialItem& a, const PartialItem& b) { return a.key < b.key; });
  const std::uint32_t varying = all_or ^ all_and;
  const int high = varying == 0 ? 0 : 32 - std::countl_zero(varying);  // bits above are shared
  const int low_bits = std::min(high, 15);
  const int bucket_bits = high - low_bits;
  const std::size_t buckets = std::size_t{1} << bucket_bits;
  const std::uint32_t high_mask = high >= 32 ? ~0u : (1u << high) - 1u;
  const std::uint32_t low_mask = (1u << low_bits) - 1u;
  auto bucket_of = [&](std::uint32_t key) {
    return static_cast<std::size_t>((key & high_mask) >> low_bits);
  };

  // Whole cells counted and spread into their buckets (in any order within a bucket).
  auto& start = scratch.start;
  start.assign(buckets + 1, 0);
  for (const std::uint32_t key : keys) ++start[bucket_of(key) + 1];
  for (std::size_t b = 0; b < buckets; ++b) start[b + 1] += start[b];
  auto& spread = scratch.buffer;
  spread.resize(nk);
  {
    auto& next = scratch.next;
    next.assign(start.begin(), start.end() - 1);
    for (const std::uint32_t key : keys) spread[next[bucket_of(key)]++] = key;
  }
  // Partly covered cells: sorted by key, so each bucket's are a range.
  auto& pstart = scratch.pstart;
  pstart.assign(buckets + 1, 0);
  for (const PartialItem& item : partial) ++pstart[bucket_of(item.key) + 1];
  for (std::size_t b = 0; b < buckets; ++b) pstart[b + 1] += pstart[b];

  // Each bucket's distinct values, on a map of one byte per low-bit pattern: every key marks its
  // byte, then every key counts its byte and clears it, so each value counts once and the map is
  // all zero again for the next bucket.
  auto& seen = scratch.seen;
  const std::size_t bytes = std::size_t{1} << low_bits;
  if (seen.size() < bytes) seen.assign(bytes, 0);
  auto& distinct = scratch.distinct;
  auto& weight = scratch.weight;
  distinct.assign(buckets, 0);
  weight.assign(buckets, 0.0);
  std::size_t n = 0;
  double total = 0.0;
  for (std::size_t b = 0; b < buckets; ++b) {
    const std::uint32_t k0 = start[b], k1 = start[b + 1], p0 = pstart[b], p1 = pstart[b + 1];
    if (k0 == k1 && p0 == p1) continue;
    for (std::uint32_t i = k0; i < k1; ++i) seen[spread[i] & low_mask] = 1;
    for (std::uint32_t j = p0; j < p1; ++j) seen[partial[j].key & low_mask] = 1;
    std::uint32_t d = 0;
    for (std::uint32_t i = k0; i < k1; ++i) {
      std::uint8_t& byte = seen[spread[i] & low_mask];
      d += byte;
      byte = 0;
    }
    double w = static_cast<double>(k1 - k0);
    for (std::uint32_t j = p0; j < p1; ++j) {
      std::uint8_t& byte = seen[partial[j].key & low_mask];
      d += byte;
      byte = 0;
      w += partial[j].weight;
    }
    distinct[b] = d;
    weight[b] = w;
    n += d;
    total += w;
  }
  const double n_minus_1 = static_cast<double>(n) - 1.0;
  const double target = q * total * n_minus_1;

  // A bucket's distinct values in order with their weights (whole cells first, then partly
  // covered ones of the same value).
  auto& values = scratch.values;
  auto& sorted = scratch.sorted;
  auto materialize = [&](std::size_t b) {
    sorted.assign(spread.begin() + start[b], spread.begin() + start[b + 1]);
    std::sort(sorted.begin(), sorted.end());
    values.clear();
    std::size_t j = pstart[b];
    const std::size_t j1 = pstart[b + 1];
    auto put = [&](std::uint32_t key, double w) {
      if (!values.empty() && values.back().first == key)
        values.back().second += w;
      else
        values.emplace_back(key, w);
    };
    for (std::size_t i = 0; i < sorted.size();) {
      const std::uint32_t key = sorted[i];
      while (j < j1 && partial[j].key < key) put(partial[j].key, partial[j].weight), ++j;
      std::size_t end = i + 1;
      while (end < sorted.size() && sorted[end] == key) ++end;
      put(key, static_cast<double>(end - i));
      i = end;
    }
    for (; j < j1; ++j) put(partial[j].key, partial[j].weight);
  };
  // The bucket that holds the position q W (found a little early rather than late: starting the
  // walk early only costs time), then the walk from the non-empty bucket before it.
  std::size_t first = 0;
  {
    double c = 0.0;
    const double position = q * total * (1.0 - 1e-9);
    while (first < buckets && (weight[first] == 0.0 || c + weight[first] < position))
      c += weight[first++];
    if (first == buckets) first = buckets - 1;
  }
  for (;;) {
    // Step back to the previous non-empty bucket, if any.
    std::size_t from = first;
    for (std::size_t b = first; b-- > 0;)
      if (weight[b] > 0.0) {
        from = b;
        break;
      }
    std::size_t idx = 0;
    double cumsum = 0.0;
    for (std::size_t b = 0; b < from; ++b) {
      idx += distinct[b];
      cumsum += weight[b];
    }
    bool have_prev = false;
    double prev_v = 0.0, s_prev = 0.0;
    bool too_late = false;
    for (std::size_t b = from; b < buckets && !too_late; ++b) {
      if (weight[b] == 0.0) continue;
      materialize(b);
      for (const auto& [key, w] : values) {
        const double v = value_of_key(key);
        const double s_i = idx == 0 ? 0.0 : static_cast<double>(idx) * w + n_minus_1 * cumsum;
        if (s_i > target) {
          if (idx == 0) return v;
          if (!have_prev) {
            too_late = true;
            break;
          }
          return prev_v + (target - s_prev) * (v - prev_v) / (s_i - s_prev);
        }
        prev_v = v;
        s_prev = s_i;
        have_prev = true;
        cumsum += w;
        ++idx;
      }
    }
    if (!too_late) return prev_v;
    // The median lies before where the walk began (only by rounding): begin one bucket earlier.
    first = from;
  }
}

/// weighted_stats for one checked window; with `mean_only` the cells are summed but not collected,
/// so neither the spread nor the median (which needs sorting) is computed. Cells are visited in
/// row-major order of the window.
WeightedStats window_stats(const Grid& grid, const CoverageWindow& coverage,
                           const CoveredRuns& covered, const Raster<float>& values,
                           std::optional<double> threshold, bool mean_only, StatsScratch& scratch) {
  WeightedStats out;
  out.threshold = threshold;
  const double cell_area = grid.cell_size() * grid.cell_size();
  const double limit = threshold.value_or(0.0);
  const bool with_threshold = threshold.has_value();
  double sum_all = 0.0, sum_c = 0.0, sum_cx = 0.0, sum_above = 0.0;
  double lo = INFINITY, hi = -INFINITY;
  auto& keys = scratch.keys;
  std::vector<PartialItem>& partial = scratch.partial;
  std::size_t n_keys = 0;
  if (!mean_only) {
    std::size_t capacity = 0;
    for (const CoveredRun& run : covered.runs)
      if (run.full) capacity += static_cast<std::size_t>(run.end - run.begin);
    keys.resize(capacity);
  }
  partial.clear();
  scratch.key_or = 0;
  scratch.key_and = ~0u;
  std::int64_t cells = 0;
  const bool has_nodata = values.nodata().has_value() && !std::isnan(*values.nodata());
  const float nodata = has_nodata ? *values.nodata() : 0.0f;
  // With no threshold, no value counts as "above" it.
  const double whole_limit = with_threshold ? limit : INFINITY;
  // The spread is summed around the window's first value with data (so that the variance does
  // not lose digits to cancellation, as in the band statistics of the raster files).
  double shift = 0.0, sum_d = 0.0, sum_dd = 0.0;
  if (!mean_only) {
    bool found = false;
    for (const CoveredRun& run : covered.runs) {
      const float* row = values.row(coverage.row0 + run.row).data() + coverage.col0;
      for (std::int64_t c = run.begin; c < run.end && !found; ++c)
        if (!values.is_nodata(row[c])) {
          shift = row[c];
          found = true;
        }
      if (found) break;
    }
  }
  const std::size_t n_runs = covered.runs.size();
  for (std::size_t k = 0; k < n_runs; ++k) {
    const CoveredRun& run = covered.runs[k];
    const float* row = values.row(coverage.row0 + run.row).data() + coverage.col0;
    // The cells a few runs ahead are asked for now: a run that starts a new row starts where the
    // hardware prefetcher, following this row, does not look.
    if (k + 4 < n_runs) {
      const CoveredRun& ahead = covered.runs[k + 4];
      __builtin_prefetch(values.row(coverage.row0 + ahead.row).data() + coverage.col0 +
                         ahead.begin);
    }
    if (run.full) {
      const std::int64_t length = run.end - run.begin;
      RunSums sums;
      if (mean_only)
        scan_whole_run<false>(row + run.begin, length, nodata, has_nodata, whole_limit, 0.0, sums,
                              nullptr);
      else
        n_keys += static_cast<std::size_t>(scan_whole_run<true>(row + run.begin, length, nodata,
                                                                has_nodata, whole_limit, shift,
                                                                sums, keys.data() + n_keys));
      sum_all += static_cast<double>(length);
      cells += sums.valid;
      scratch.key_or |= sums.key_or;
      scratch.key_and &= sums.key_and;
      sum_c += static_cast<double>(sums.valid);
      sum_cx += sums.sum;
      sum_d += sums.sum_d;
      sum_dd += sums.sum_dd;
      sum_above += static_cast<double>(sums.above);
      lo = std::min(lo, sums.lo);
      hi = std::max(hi, sums.hi);
      continue;
    }
    const double* frac = covered.fractions.data() + run.fractions;
    for (std::int64_t c = run.begin; c < run.end; ++c) {
      const double f = frac[c - run.begin];
      sum_all += f;
      const float value = row[c];
      if (values.is_nodata(value)) continue;
      const double x = value;
      ++cells;
      lo = std::min(lo, x);
      hi = std::max(hi, x);
      if (!mean_only) {
        const std::uint32_t key = canonical_key(sortable_key(value));
        partial.push_back({key, f});
        scratch.key_or |= key;
        scratch.key_and &= key;
        const double d = x - shift;
        sum_d += f * d;
        sum_dd += f * d * d;
      }
      sum_c += f;
      sum_cx += f * x;
      if (with_threshold && x >= limit) sum_above += f;
    }
  }
  keys.resize(n_keys);
  out.covered_area_m2 = sum_all * cell_area;
  out.data_area_m2 = sum_c * cell_area;
  out.cells = cells;
  if (threshold) out.area_at_or_above_ha = sum_above * cell_area / 1e4;
  if (cells == 0) return out;
  out.min = lo;
  out.max = hi;
  out.mean = sum_cx / sum_c;
  if (threshold) out.share_at_or_above_pct = 100.0 * sum_above / sum_c;
  if (mean_only) return out;

  const double variance = std::max(0.0, (sum_dd - sum_d * sum_d / sum_c) / sum_c);
  out.stddev = std::sqrt(variance);
  out.median = bucket_median(scratch, 0.5);
  return out;
}

}  // namespace

WeightedStats weighted_stats(const Grid& grid, const CoverageWindow& coverage,
                             const Raster<float>& values, std::optional<double> threshold,
                             const std::string& where) {
  check_window(grid, coverage, values, threshold, where);
  StatsScratch scratch;
  return window_stats(grid, coverage, covered_runs(coverage), values, threshold, false, scratch);
}

std::vector<WeightedStats> coverage_weighted_stats(const Raster<float>& values,
                                                   std::span<const MultiPolygon> polygons,
                                                   std::optional<double> threshold, int threads,
                                                   const std::string& where) {
  std::vector<WeightedStats> out(polygons.size());
  parallel_for_blocks(static_cast<std::int64_t>(polygons.size()), threads,
                      [&](std::int64_t begin, std::int64_t end) {
                        for (std::int64_t i = begin; i < end; ++i) {
                          const std::string label = where + ", polygon " + std::to_string(i);
                          const auto k = static_cast<std::size_t>(i);
                          const CoverageWindow window =
                              coverage_fractions(values.grid(), polygons[k], label);
                          out[k] = weighted_stats(values.grid(), window, values, threshold, label);
                        }
                      });
  return out;
}

std::vector<CoverageWindow> coverage_windows(const Grid& grid,
                                             std::span<const MultiPolygon> polygons, int threads,
                                             const std::string& where) {
  std::vector<CoverageWindow> out(polygons.size());
  parallel_for_blocks(static_cast<std::int64_t>(polygons.size()), threads,
                      [&](std::int64_t begin, std::int64_t end) {
                        for (std::int64_t i = begin; i < end; ++i) {
                          const auto k = static_cast<std::size_t>(i);
                          out[k] = coverage_fractions(grid, polygons[k],
                                                      where + ", polygon " + std::to_string(i));
                        }
                      });
  return out;
}

std::vector<std::vector<WeightedStats>> weighted_stats(const std::vector<CoverageWindow>& windows,
                                                       std::span<const StatRequest> requests,
                                                       int threads, const std::string& where) {
  std::vector<CoveredRuns> runs(windows.size());
  for (std::size_t k = 0; k < windows.size(); ++k) {
    for (const StatRequest& request : requests) {
      if (!request.values) throw InputError(where + ": a statistics request has no raster");
      check_window(request.values->grid(), windows[k], *request.values, request.threshold,
                   where + ", polygon " + std::to_string(k));
    }
    runs[k] = covered_runs(windows[k]);
  }
  // One task per raster and window, the largest windows first so that the threads finish
  // together; every task is computed from the inputs alone, so any thread count gives the same
  // bits.
  std::vector<std::vector<WeightedStats>> out(requests.size(),
                                              std::vector<WeightedStats>(windows.size()));
  std::vector<std::size_t> by_size(windows.size());
  for (std::size_t k = 0; k < by_size.size(); ++k) by_size[k] = k;
  std::stable_sort(by_size.begin(), by_size.end(), [&](std::size_t a, std::size_t b) {
    return windows[a].fractions.size() > windows[b].fractions.size();
  });
  const auto tasks = static_cast<std::int64_t>(requests.size() * windows.size());
  parallel_for_blocks(
      tasks, threads,
      [&](std::int64_t begin, std::int64_t end) {
        thread_local StatsScratch scratch;
        for (std::int64_t t = begin; t < end; ++t) {
          const auto k = by_size[static_cast<std::size_t>(t) / requests.size()];
          const auto j = static_cast<std::size_t>(t) % requests.size();
          const StatRequest& r = requests[j];
          out[j][k] = window_stats(r.values->grid(), windows[k], runs[k], *r.values, r.threshold,
                                   r.mean_only, scratch);
        }
      },
      1);
  return out;
}

std::vector<WeightedStats> weighted_stats(const std::vector<CoverageWindow>& windows,
                                          const Raster<float>& values,
                                          std::optional<double> threshold, int threads,
                                          const std::string& where, bool mean_only) {
  const StatRequest request{&values, threshold, mean_only};
  return std::move(weighted_stats(windows, std::span(&request, 1), threads, where).front());
}

double weighted_quantile(std::span<const double> values, std::span<const double> weights, double q,
                         const std::string& where) {
  if (values.size() != weights.size()) {
    throw InputError(where + ": " + std::to_string(values.size()) + " values but " +
                     std::to_string(weights.size()) + " weights; give one weight per value");
  }
  if (!(q >= 0.0 && q <= 1.0)) {
    std::ostringstream s;
    s << where << ": quantile " << q << " is outside 0..1; give e.g. 0.5 for the median";
    throw InputError(s.str());
  }
  std::vector<WeightedValue> items;
  items.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    if (weights[i] > 0.0 && !std::isnan(values[i])) items.push_back({values[i], weights[i]});
  const std::vector<WeightedValue> merged = sort_and_merge(std::move(items));
  return quantile_of_sorted(merged, q, sum_of_weights(merged));
}

}  // namespace standort
