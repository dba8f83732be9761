#include "standort/engine/grid.hpp"

#include "standort/engine/error.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

namespace standort {
namespace {

std::string format_bytes(double bytes) {
  std::ostringstream s;
  s.precision(3);
  if (bytes >= 1024.0 * 1024 * 1024)
    s << bytes / (1024.0 * 1024 * 1024) << " GiB";
  else if (bytes >= 1024.0 * 1024)
    s << bytes / (1024.0 * 1024) << " MiB";
  else
    s << bytes << " bytes";
  return s.str();
}

void check_cell_size(double cell_size) {
  if (!std::isfinite(cell_size) || cell_size <= 0.0) {
    std::ostringstream s;
    s << "cell size must be a finite positive number of metres, got " << cell_size
      << "; set [grid] cell_size_m to e.g. 10";
    throw InputError(s.str());
  }
}

}  // namespace

std::int64_t checked_cells(std::int64_t cols, std::int64_t rows) {
  std::int64_t cells = 0;
  if (cols < 0 || rows < 0 || __builtin_mul_overflow(cols, rows, &cells)) {
    std::ostringstream s;
    s << "grid of " << cols << " x " << rows << " cells does not fit in a 64-bit cell count";
    throw LimitError(s.str());
  }
  return cells;
}

Grid::Grid(double xmin, double ymax, double cell_size, std::int64_t cols, std::int64_t rows,
           std::string crs)
    : m_xmin(xmin),
      m_ymax(ymax),
      m_cell_size(cell_size),
      m_cols(cols),
      m_rows(rows),
      m_crs(std::move(crs)) {
  check_cell_size(cell_size);
  if (!std::isfinite(xmin) || !std::isfinite(ymax)) throw InputError("grid origin is not finite");
  checked_cells(cols, rows);
}

Grid Grid::snapped(const Extent& extent, double cell_size, std::string crs) {
  check_cell_size(cell_size);
  if (!std::isfinite(extent.xmin) || !std::isfinite(extent.ymin) || !std::isfinite(extent.xmax) ||
      !std::isfinite(extent.ymax) || extent.xmax < extent.xmin || extent.ymax < extent.ymin) {
    throw InputError("grid extent is empty or not finite");
  }
  const double x0 = std::floor(extent.xmin / cell_size) * cell_size;
  const double y1 = std::ceil(extent.ymax / cell_size) * cell_size;
  const double x1 = std::ceil(extent.xmax / cell_size) * cell_size;
  const double y0 = std::floor(extent.ymin / cell_size) * cell_size;
  const double cols_f = std::max(1.0, std::round((x1 - x0) / cell_size));
  const double rows_f = std::max(1.0, std::round((y1 - y0) / cell_size));
  constexpr double max_dim = 9.0e15;
  if (cols_f > max_dim || rows_f > max_dim) {
    std::ostringstream s;
    s << "grid of " << cols_f << " x " << rows_f << " cells is too large to index";
    throw LimitError(s.str());
  }
  return Grid(x0, y1, cell_size, static_cast<std::int64_t>(cols_f),
              static_cast<std::int64_t>(rows_f), std::move(crs));
}

std::int64_t Grid::col(double x) const {
  return static_cast<std::int64_t>(std::floor((x - m_xmin) / m_cell_size));
}

std::int64_t Grid::row(double y) const {
  return static_cast<std::int64_t>(std::floor((m_ymax - y) / m_cell_size));
}

Grid Grid::rows_window(std::int64_t row_begin, std::int64_t row_end) const {
  row_begin = std::clamp<std::int64_t>(row_begin, 0, m_rows);
  row_end = std::clamp<std::int64_t>(row_end, row_begin, m_rows);
  return Grid(m_xmin, m_ymax - static_cast<double>(row_begin) * m_cell_size, m_cell_size, m_cols,
              row_end - row_begin, m_crs);
}

Grid Grid::crop(const Extent& extent) const {
  std::int64_t c0 = std::clamp<std::int64_t>(col(extent.xmin), 0, m_cols);
  std::int64_t c1 = std::clamp<std::int64_t>(col(extent.xmax) + 1, 0, m_cols);
  std::int64_t r0 = std::clamp<std::int64_t>(row(extent.ymax), 0, m_rows);
  std::int64_t r1 = std::clamp<std::int64_t>(row(extent.ymin) + 1, 0, m_rows);
  return Grid(m_xmin + static_cast<double>(c0) * m_cell_size,
              m_ymax - static_cast<double>(r0) * m_cell_size, m_cell_size, c1 - c0, r1 - r0, m_crs);
}

void Grid::geotransform(double out[6]) const {
  out[0] = m_xmin;
  out[1] = m_cell_size;
  out[2] = 0.0;
  out[3] = m_ymax;
  out[4] = 0.0;
  out[5] = -m_cell_size;
}

void check_grid_budget(const Extent& extent, double cell_size, std::int64_t bytes_per_cell,
                       const ResourceLimits& limits, const std::string& what) {
  check_cell_size(cell_size);
  const double cols = std::max(1.0, std::ceil(extent.width() / cell_size));
  const double rows = std::max(1.0, std::ceil(extent.height() / cell_size));
  const double cells = cols * rows;
  const double bytes = cells * static_cast<double>(bytes_per_cell);
  if (!std::isfinite(cells))
    throw LimitError(
        what +
        ": the extent is not finite or far too large for a grid; check the extent and buffer");
  if (cells <= static_cast<double>(limits.max_cells) &&
      bytes <= static_cast<double>(limits.max_bytes))
    return;
  // The smallest cell size (rounded up to a "nice" value) that fits both limits.
  const double area = extent.width() * extent.height();
  const double max_cells =
      std::min(static_cast<double>(limits.max_cells),
               static_cast<double>(limits.max_bytes) / static_cast<double>(bytes_per_cell));
  double fit = std::sqrt(area / std::max(1.0, max_cells)) * 1.05;
  const double magnitude = std::pow(10.0, std::floor(std::log10(fit)));
  for (double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (step * magnitude >= fit) {
      fit = step * magnitude;
      break;
    }
  }
  std::ostringstream s;
  s.precision(6);
  s << what << ": a grid of " << std::fixed << std::setprecision(0) << cols << " x " << rows
    << std::defaultfloat << std::setprecision(6) << " cells at " << cell_size << " m needs "
    << format_bytes(bytes) << " (" << cells << " cells), over the limit of "
    << format_bytes(static_cast<double>(limits.max_bytes)) << " / "
    << static_cast<double>(limits.max_cells) << " cells; use a cell size of at least " << fit
    << " m, a smaller extent, or raise the limit with --max-memory-gb";
  throw LimitError(s.str());
}

void check_grid_budget(const Grid& grid, std::int64_t bytes_per_cell, const ResourceLimits& limits,
                       const std::string& what) {
  check_grid_budget(grid.extent(), grid.cell_size(), bytes_per_cell, limits, what);
}

}  // namespace standort
