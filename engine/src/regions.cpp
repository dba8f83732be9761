#include "standort/engine/regions.hpp"

#include "standort/engine/error.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <unordered_map>

namespace standort {
namespace {

std::string num(double v) {
  std::ostringstream s;
  s << std::setprecision(10) << v;
  return s.str();
}

[[noreturn]] void fail(const std::string& where, const std::string& message) {
  throw InputError(where + ": " + message);
}

// Relative slack for comparing areas and distances that are whole numbers of cells in exact
// arithmetic but reach us through decimal inputs (0.35 ha is not exactly 35 cells of 0.01 ha).
constexpr double slack = 1e-9;

// What a cell may still become. Only `open` cells grow regions or seed them.
enum class CellState : std::uint8_t {
  closed,     // nodata, excluded by the mask, in an accepted region or within its spacing
  open,       //
  too_small,  // its open component is smaller than the minimum area
};

struct Seed {
  float score;
  std::int64_t cell;
};

// Seed order: higher score first, then lower cell index. A strict total order (cells are unique).
bool seed_before(const Seed& a, const Seed& b) {
  return a.score > b.score || (a.score == b.score && a.cell < b.cell);
}

// The open cells in seed order, sorted lazily: each call that reaches past the sorted prefix
// selects the next chunk (nth_element) and sorts only that chunk.
class SeedOrder {
 public:
  explicit SeedOrder(std::vector<Seed> seeds) : m_seeds(std::move(seeds)) {}

  const Seed* at(std::size_t i) {
    if (i >= m_seeds.size()) return nullptr;
    while (i >= m_sorted) extend();
    return &m_seeds[i];
  }

 private:
  void extend() {
    const std::size_t end =
        std::min(m_seeds.size(), m_sorted + std::max<std::size_t>(4096, m_sorted));
    const auto first = m_seeds.begin() + static_cast<std::ptrdiff_t>(m_sorted);
    const auto last = m_seeds.begin() + static_cast<std::ptrdiff_t>(end);
    if (end < m_seeds.size()) std::nth_element(first, last, m_seeds.end(), seed_before);
    std::sort(first, last, seed_before);
    m_sorted = end;
  }

  std::vector<Seed> m_seeds;
  std::size_t m_sorted = 0;
};

struct CellBox {
  std::int64_t col0 = std::numeric_limits<std::int64_t>::max();
  std::int64_t row0 = std::numeric_limits<std::int64_t>::max();
  std::int64_t col1 = std::numeric_limits<std::int64_t>::min();  // inclusive
  std::int64_t row1 = std::numeric_limits<std::int64_t>::min();  // inclusive
  void expand(std::int64_t col, std::int64_t row) {
    col0 = std::min(col0, col);
    col1 = std::max(col1, col);
    row0 = std::min(row0, row);
    row1 = std::max(row1, row);
  }
  bool intersects(const CellBox& o) const {
    return col0 <= o.col1 && o.col0 <= col1 && row0 <= o.row1 && o.row0 <= row1;
  }
};

struct Candidate {
  std::vector<std::int64_t> cells;  // ascending
  Seed seed{};
  double mean = 0.0;
  double min = 0.0;
  double max = 0.0;
  CellBox cells_box;  // of the region's cells
  CellBox touched;    // of every cell the growth queued: the result depends on nothing else
};

// Higher mean, then more cells, then the earlier seed.
bool better(const Candidate& a, const Candidate& b) {
  if (a.mean != b.mean) return a.mean > b.mean;
  if (a.cells.size() != b.cells.size()) return a.cells.size() > b.cells.size();
  return seed_before(a.seed, b.seed);
}

struct CellCounts {
  std::int64_t min;
  std::int64_t target;
  std::int64_t max;
};

// Greedy region growth over the open cells (step 2 of the header).
class Grower {
 public:
  Grower(const Grid& grid, std::span<const float> scores, const std::vector<CellState>& state,
         bool eight_connected)
      : m_cols(grid.cols()),
        m_rows(grid.rows()),
        m_scores(scores),
        m_state(state),
        m_queued(state.size(), 0),
        m_neighbours(eight_connected ? 8 : 4) {}

  /// The region grown from `seed`; fewer than counts.min cells means its open component is
  /// smaller than the minimum (the cells returned are then that whole component).
  Candidate grow(std::int64_t seed, const CellCounts& counts) {
    if (++m_stamp == 0) {  // after 2^32 growths: forget every mark
      std::fill(m_queued.begin(), m_queued.end(), 0u);
      m_stamp = 1;
    }
    Candidate out;
    out.seed = {m_scores[static_cast<std::size_t>(seed)], seed};
    m_heap.clear();
    queue(seed, out.touched);
    double sum = 0.0;
    auto n = [&] { return static_cast<std::int64_t>(out.cells.size()); };
    while (!m_heap.empty()) {
      if (n() >= counts.target) {
        if (n() >= counts.max) break;
        if (static_cast<double>(m_heap.front().score) < sum / static_cast<double>(n())) break;
      }
      std::pop_heap(m_heap.begin(), m_heap.end(), heap_less);
      const Seed next = m_heap.back();
      m_heap.pop_back();
      out.cells.push_back(next.cell);
      sum += next.score;
      const std::int64_t row = next.cell / m_cols;
      const std::int64_t col = next.cell % m_cols;
      out.cells_box.expand(col, row);
      for (int k = 0; k < m_neighbours; ++k) {
        const std::int64_t c = col + offsets[k][0];
        const std::int64_t r = row + offsets[k][1];
        if (c < 0 || r < 0 || c >= m_cols || r >= m_rows) continue;
        queue(r * m_cols + c, out.touched);
      }
    }
    std::sort(out.cells.begin(), out.cells.end());
    // Statistics in ascending cell order, so they do not depend on the order of growth.
    double total = 0.0;
    out.min = std::numeric_limits<double>::infinity();
    out.max = -std::numeric_limits<double>::infinity();
    for (std::int64_t cell : out.cells) {
      const double v = m_scores[static_cast<std::size_t>(cell)];
      total += v;
      out.min = std::min(out.min, v);
      out.max = std::max(out.max, v);
    }
    out.mean = total / static_cast<double>(out.cells.size());
    return out;
  }

 private:
  // Max-heap order for std::push_heap: the front is the highest score, then the lowest index.
  static bool heap_less(const Seed& a, const Seed& b) { return seed_before(b, a); }

  void queue(std::int64_t cell, CellBox& touched) {
    const auto i = static_cast<std::size_t>(cell);
    if (m_state[i] != CellState::open || m_queued[i] == m_stamp) return;
    m_queued[i] = m_stamp;
    touched.expand(cell % m_cols, cell / m_cols);
    m_heap.push_back({m_scores[i], cell});
    std::push_heap(m_heap.begin(), m_heap.end(), heap_less);
  }

  // Edge neighbours first; the diagonals are used with 8-connectivity only.
  static constexpr std::int64_t offsets[8][2] = {{1, 0}, {-1, 0}, {0, 1},  {0, -1},
                                                 {1, 1}, {-1, 1}, {1, -1}, {-1, -1}};

  std::int64_t m_cols;
  std::int64_t m_rows;
  std::span<const float> m_scores;
  const std::vector<CellState>& m_state;
  std::vector<std::uint32_t> m_queued;  // == m_stamp: queued in the current growth
  std::uint32_t m_stamp = 0;
  int m_neighbours;
  std::vector<Seed> m_heap;
};

// Lower envelope of the parabolas (x - q)^2 + f[q] at x = 0..n-1 (Felzenszwalb & Huttenlocher,
// "Distance Transforms of Sampled Functions", 2012). All values are whole numbers below 2^53, so
// the arithmetic is exact; `far` marks columns without a source.
void lower_envelope(const std::vector<double>& f, std::vector<double>& d, std::vector<int>& v,
                    std::vector<double>& z) {
  const int n = static_cast<int>(f.size());
  auto meet = [&](int p, int q) {
    const double a = f[static_cast<std::size_t>(p)] + static_cast<double>(p) * p;
    const double b = f[static_cast<std::size_t>(q)] + static_cast<double>(q) * q;
    return (b - a) / (2.0 * (q - p));
  };
  int k = 0;
  v[0] = 0;
  z[0] = -std::numeric_limits<double>::infinity();
  z[1] = std::numeric_limits<double>::infinity();
  for (int q = 1; q < n; ++q) {
    double s = meet(v[static_cast<std::size_t>(k)], q);
    while (s <= z[static_cast<std::size_t>(k)]) {
      --k;
      s = meet(v[static_cast<std::size_t>(k)], q);
    }
    ++k;
    v[static_cast<std::size_t>(k)] = q;
    z[static_cast<std::size_t>(k)] = s;
    z[static_cast<std::size_t>(k) + 1] = std::numeric_limits<double>::infinity();
  }
  k = 0;
  for (int q = 0; q < n; ++q) {
    while (z[static_cast<std::size_t>(k) + 1] < q) ++k;
    const int p = v[static_cast<std::size_t>(k)];
    const double dx = q - p;
    d[static_cast<std::size_t>(q)] = dx * dx + f[static_cast<std::size_t>(p)];
  }
}

// Closes the region's cells and every open cell whose centre lies closer than `spacing_cells`
// (in cell sizes) to one of theirs. Returns the window of cells that may have changed.
CellBox close_region(const Grid& grid, const Candidate& region, double spacing_cells,
                     std::vector<CellState>& state) {
  for (std::int64_t cell : region.cells) state[static_cast<std::size_t>(cell)] = CellState::closed;
  if (spacing_cells <= 0.0) return region.cells_box;
  const double limit2 = spacing_cells * spacing_cells * (1.0 - slack);
  const auto reach = static_cast<std::int64_t>(std::ceil(spacing_cells));
  CellBox w;
  w.col0 = std::max<std::int64_t>(0, region.cells_box.col0 - reach);
  w.row0 = std::max<std::int64_t>(0, region.cells_box.row0 - reach);
  w.col1 = std::min(grid.cols() - 1, region.cells_box.col1 + reach);
  w.row1 = std::min(grid.rows() - 1, region.cells_box.row1 + reach);
  const std::int64_t wc = w.col1 - w.col0 + 1;
  const std::int64_t wr = w.row1 - w.row0 + 1;
  // Larger than any squared distance inside the window, and finite so differences stay defined.
  const double far = 4.0 * static_cast<double>(wc * wc + wr * wr) + 1.0;

  // Squared vertical distance to the nearest region cell of the same column.
  std::vector<double> g(static_cast<std::size_t>(wc * wr), far);
  for (std::int64_t cell : region.cells) {
    const std::int64_t c = cell % grid.cols() - w.col0;
    const std::int64_t r = cell / grid.cols() - w.row0;
    g[static_cast<std::size_t>(r * wc + c)] = 0.0;
  }
  for (std::int64_t c = 0; c < wc; ++c) {
    double last = -1.0;  // row of the last source seen, -1 = none
    for (std::int64_t r = 0; r < wr; ++r) {
      double& x = g[static_cast<std::size_t>(r * wc + c)];
      if (x == 0.0) {
        last = static_cast<double>(r);
      } else if (last >= 0.0) {
        const double dy = static_cast<double>(r) - last;
        x = dy * dy;
      }
    }
    last = -1.0;
    for (std::int64_t r = wr - 1; r >= 0; --r) {
      double& x = g[static_cast<std::size_t>(r * wc + c)];
      if (x == 0.0) {
        last = static_cast<double>(r);
      } else if (last >= 0.0) {
        const double dy = last - static_cast<double>(r);
        x = std::min(x, dy * dy);
      }
    }
  }
  std::vector<double> f(static_cast<std::size_t>(wc)), d(static_cast<std::size_t>(wc)),
      z(static_cast<std::size_t>(wc) + 1);
  std::vector<int> v(static_cast<std::size_t>(wc));
  for (std::int64_t r = 0; r < wr; ++r) {
    std::copy_n(g.begin() + static_cast<std::ptrdiff_t>(r * wc), wc, f.begin());
    lower_envelope(f, d, v, z);
    const std::int64_t row_start = (w.row0 + r) * grid.cols() + w.col0;
    for (std::int64_t c = 0; c < wc; ++c) {
      if (d[static_cast<std::size_t>(c)] < limit2)
        state[static_cast<std::size_t>(row_start + c)] = CellState::closed;
    }
  }
  return w;
}

std::int64_t cells_at_least(double area_m2, double cell_m2) {
  return static_cast<std::int64_t>(std::ceil(area_m2 / cell_m2 * (1.0 - slack)));
}

std::int64_t cells_at_most(double area_m2, double cell_m2) {
  return static_cast<std::int64_t>(std::floor(area_m2 / cell_m2 * (1.0 + slack)));
}

CellCounts cell_counts(const RegionOptions& o, const Grid& grid, const std::string& where) {
  const double cell_m2 = grid.cell_size() * grid.cell_size();
  const double cell_ha = cell_m2 / 10000.0;
  const double min_m2 = o.min_area_ha * 10000.0;
  const double max_m2 = (o.max_area_ha > 0.0 ? o.max_area_ha : o.min_area_ha) * 10000.0;
  const double target_m2 = (o.target_area_ha > 0.0 ? o.target_area_ha : o.min_area_ha) * 10000.0;
  if (min_m2 < cell_m2 * (1.0 - slack))
    fail(where, "min_area_ha = " + num(o.min_area_ha) + " ha is smaller than one cell (" +
                    num(cell_ha) + " ha at " + num(grid.cell_size()) +
                    " m cells); set min_area_ha to at least " + num(cell_ha) +
                    " or use a finer grid");
  // Areas beyond the whole grid are the grid plus one cell: no region reaches them (and the cell
  // counts stay within 64-bit integers however large the area asked for).
  const double grid_m2 = (static_cast<double>(grid.cell_count()) + 1.0) * cell_m2;
  const CellCounts counts{cells_at_least(std::min(min_m2, grid_m2), cell_m2),
                          cells_at_least(std::min(target_m2, grid_m2), cell_m2),
                          cells_at_most(std::min(max_m2, grid_m2), cell_m2)};
  if (counts.max < counts.min)
    fail(where, "no whole number of cells (" + num(cell_ha) +
                    " ha each) lies between min_area_ha = " + num(o.min_area_ha) +
                    " and max_area_ha = " + num(o.max_area_ha) +
                    "; widen the range to include a multiple of " + num(cell_ha) + " ha");
  if (counts.target > counts.max)
    fail(where, "target_area_ha = " + num(o.target_area_ha) +
                    " ha is more than the largest whole number of cells within max_area_ha = " +
                    num(o.max_area_ha) + " ha (" + num(static_cast<double>(counts.max) * cell_ha) +
                    " ha); lower target_area_ha or raise max_area_ha");
  return counts;
}

}  // namespace

void RegionOptions::validate(const std::string& where) const {
  if (!std::isfinite(min_area_ha) || min_area_ha <= 0.0)
    fail(where, "min_area_ha must be a number > 0, got " + num(min_area_ha) +
                    "; give the smallest useful site in hectares, e.g. min_area_ha = 1.0");
  if (!std::isfinite(max_area_ha) || max_area_ha < 0.0)
    fail(where, "max_area_ha must be a number >= 0 (0 = same as min_area_ha), got " +
                    num(max_area_ha) + "; e.g. max_area_ha = " + num(2.0 * min_area_ha));
  if (max_area_ha > 0.0 && max_area_ha < min_area_ha)
    fail(where,
         "max_area_ha = " + num(max_area_ha) + " is less than min_area_ha = " + num(min_area_ha) +
             "; set max_area_ha >= min_area_ha, or 0 for regions of " + "exactly the minimum area");
  if (!std::isfinite(target_area_ha) || target_area_ha < 0.0)
    fail(where, "target_area_ha must be a number >= 0 (0 = same as min_area_ha), got " +
                    num(target_area_ha));
  if (target_area_ha > 0.0) {
    const double max = max_area_ha > 0.0 ? max_area_ha : min_area_ha;
    if (target_area_ha < min_area_ha || target_area_ha > max)
      fail(where, "target_area_ha = " + num(target_area_ha) + " lies outside [min_area_ha, " +
                      "max_area_ha] = [" + num(min_area_ha) + ", " + num(max) +
                      "]; choose a target within that range, or 0 for the minimum");
  }
  if (!std::isfinite(min_spacing_m) || min_spacing_m < 0.0)
    fail(where, "min_spacing_m must be a number >= 0, got " + num(min_spacing_m) +
                    "; give the distance in metres regions must keep apart, or 0");
  if (max_regions < 1)
    fail(where, "max_regions must be at least 1, got " + std::to_string(max_regions));
  if (candidates_per_round < 1)
    fail(where, "candidates_per_round must be at least 1, got " +
                    std::to_string(candidates_per_round) + "; the default is 128");
}

std::vector<FoundRegion> find_regions(const Raster<float>& suitability,
                                      const Raster<std::uint8_t>* available,
                                      const RegionOptions& options, const std::string& where) {
  options.validate(where);
  const Grid& grid = suitability.grid();
  if (available && !(available->grid() == grid))
    fail(where, "the availability mask's grid (" + std::to_string(available->grid().cols()) +
                    " x " + std::to_string(available->grid().rows()) + " cells of " +
                    num(available->grid().cell_size()) + " m at " + num(available->grid().xmin()) +
                    ", " + num(available->grid().ymax()) + ") differs from the suitability grid (" +
                    std::to_string(grid.cols()) + " x " + std::to_string(grid.rows()) +
                    " cells of " + num(grid.cell_size()) + " m at " + num(grid.xmin()) + ", " +
                    num(grid.ymax()) + "); compute both on the scenario's grid");
  const CellCounts counts = cell_counts(options, grid, where);
  // Cell state, queue marks, round marks and seeds: 1 + 4 + 4 + 16 bytes per cell.
  check_grid_budget(grid, 25, ResourceLimits{}, where + ": region finding");

  const std::span<const float> scores = suitability.cells();
  const auto n = static_cast<std::size_t>(grid.cell_count());
  std::vector<CellState> state(n, CellState::closed);
  std::vector<Seed> seeds;
  // Room for every cell up front: growing by copies would touch about twice the memory. Pages of
  // the reserve that no seed reaches are never touched.
  seeds.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const float v = scores[i];
    if (suitability.is_nodata(v)) continue;
    if (!std::isfinite(v)) {
      const auto cols = static_cast<std::size_t>(grid.cols());
      fail(where, "the suitability of cell (col " + std::to_string(i % cols) + ", row " +
                      std::to_string(i / cols) + ") is " + num(v) +
                      "; suitability must be finite or nodata");
    }
    if (available) {
      const std::uint8_t a = available->cells()[i];
      if (a == 0 || available->is_nodata(a)) continue;
    }
    state[i] = CellState::open;
    seeds.push_back({v, static_cast<std::int64_t>(i)});
  }

  SeedOrder order(std::move(seeds));
  Grower grower(grid, scores, state, options.eight_connected);
  std::unordered_map<std::int64_t, Candidate> cache;  // by seed; valid until their cells change
  std::vector<std::uint32_t> in_round(n, 0);          // == round: inside a candidate of this round
  // No two cells of the grid are further apart than its diagonal: a larger spacing is the same.
  const double diagonal_cells =
      std::hypot(static_cast<double>(grid.cols()), static_cast<double>(grid.rows())) + 1.0;
  const double spacing_cells = std::min(options.min_spacing_m / grid.cell_size(), diagonal_cells);
  const double cell_ha = grid.cell_size() * grid.cell_size() / 10000.0;
  std::size_t first_open = 0;  // every seed before this one is no longer open
  std::vector<FoundRegion> found;

  for (std::uint32_t round = 1; std::ssize(found) < options.max_regions; ++round) {
    const Candidate* best = nullptr;
    int grown = 0;
    for (std::size_t i = first_open;; ++i) {
      const Seed* seed = order.at(i);
      if (!seed) break;
      const auto cell = static_cast<std::size_t>(seed->cell);
      if (state[cell] != CellState::open) {
        if (i == first_open) ++first_open;
        continue;
      }
      if (in_round[cell] == round) continue;
      if (best && static_cast<double>(seed->score) < best->mean) break;
      if (grown == options.candidates_per_round) break;
      auto hit = cache.find(seed->cell);
      if (hit == cache.end()) {
        Candidate c = grower.grow(seed->cell, counts);
        if (std::ssize(c.cells) < counts.min) {
          for (std::int64_t k : c.cells) state[static_cast<std::size_t>(k)] = CellState::too_small;
          continue;
        }
        hit = cache.emplace(seed->cell, std::move(c)).first;
      }
      ++grown;
      for (std::int64_t k : hit->second.cells) in_round[static_cast<std::size_t>(k)] = round;
      if (!best || better(hit->second, *best)) best = &hit->second;
    }
    if (!best) break;

    const Candidate accepted = *best;
    const CellBox changed = close_region(grid, accepted, spacing_cells, state);
    std::erase_if(cache,
                  [&](const auto& entry) { return entry.second.touched.intersects(changed); });

    FoundRegion& r = found.emplace_back();
    r.id = static_cast<std::int32_t>(found.size());
    r.cells = accepted.cells;
    r.seed_cell = accepted.seed.cell;
    r.area_ha = static_cast<double>(accepted.cells.size()) * cell_ha;
    r.mean_score = accepted.mean;
    r.min_score = accepted.min;
    r.max_score = accepted.max;
  }
  return found;
}

Raster<std::int32_t> region_labels(const Grid& grid, const std::vector<FoundRegion>& regions) {
  Raster<std::int32_t> labels(grid, 0);
  auto cells = labels.cells();
  for (const FoundRegion& r : regions) {
    for (std::int64_t cell : r.cells) {
      if (cell < 0 || cell >= grid.cell_count())
        throw InputError("region " + std::to_string(r.id) + ": cell " + std::to_string(cell) +
                         " lies outside the " + std::to_string(grid.cols()) + " x " +
                         std::to_string(grid.rows()) + " grid; label regions on the grid they " +
                         "were found on");
      std::int32_t& label = cells[static_cast<std::size_t>(cell)];
      if (label != 0)
        throw InputError("regions " + std::to_string(label) + " and " + std::to_string(r.id) +
                         " share cell " + std::to_string(cell) +
                         "; label regions from one find_regions result");
      label = r.id;
    }
  }
  return labels;
}

}  // namespace standort
