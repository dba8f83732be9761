// Grid: the georeferencing of a raster (north-up, square cells) and nothing else.
// Cell counts are std::int64_t with checked multiplication; snapping is outward, like gdalwarp
// -tap.
#pragma once

#include "standort/engine/geometry.hpp"

#include <cstdint>
#include <string>

namespace standort {

class Grid {
 public:
  Grid() = default;
  /// A grid whose top-left corner is (xmin, ymax). Throws InputError on a non-positive or
  /// non-finite cell size or negative dimensions, LimitError when cols*rows overflows.
  Grid(double xmin, double ymax, double cell_size, std::int64_t cols, std::int64_t rows,
       std::string crs);

  /// The smallest grid aligned to multiples of cell_size that covers `extent`.
  static Grid snapped(const Extent& extent, double cell_size, std::string crs);

  double xmin() const { return m_xmin; }
  double ymax() const { return m_ymax; }
  double xmax() const { return m_xmin + static_cast<double>(m_cols) * m_cell_size; }
  double ymin() const { return m_ymax - static_cast<double>(m_rows) * m_cell_size; }
  double cell_size() const { return m_cell_size; }
  std::int64_t cols() const { return m_cols; }
  std::int64_t rows() const { return m_rows; }
  std::int64_t cell_count() const { return m_cols * m_rows; }
  const std::string& crs() const { return m_crs; }
  Extent extent() const { return {xmin(), ymin(), xmax(), ymax()}; }

  /// Coordinates of a cell centre.
  double x(std::int64_t col) const {
    return m_xmin + (static_cast<double>(col) + 0.5) * m_cell_size;
  }
  double y(std::int64_t row) const {
    return m_ymax - (static_cast<double>(row) + 0.5) * m_cell_size;
  }
  /// Column / row containing a coordinate (may lie outside [0, cols) / [0, rows)).
  std::int64_t col(double x) const;
  std::int64_t row(double y) const;
  bool contains_cell(std::int64_t col, std::int64_t row) const {
    return col >= 0 && row >= 0 && col < m_cols && row < m_rows;
  }

  /// Rows [row_begin, row_end) of this grid as a grid of their own (same columns).
  Grid rows_window(std::int64_t row_begin, std::int64_t row_end) const;

  /// The part of this grid (same alignment) that covers `extent`, clamped to this grid.
  Grid crop(const Extent& extent) const;
  /// GDAL-style geotransform {xmin, cell, 0, ymax, 0, -cell}.
  void geotransform(double out[6]) const;

  bool operator==(const Grid& other) const = default;

 private:
  double m_xmin = 0.0;
  double m_ymax = 0.0;
  double m_cell_size = 1.0;
  std::int64_t m_cols = 0;
  std::int64_t m_rows = 0;
  std::string m_crs;
};

/// cols * rows, or LimitError when the product does not fit in int64.
std::int64_t checked_cells(std::int64_t cols, std::int64_t rows);

/// Limits checked before any grid is allocated.
struct ResourceLimits {
  std::int64_t max_cells = 4'000'000'000;
  std::int64_t max_bytes = 16LL << 30;  ///< 16 GiB on a 24 GiB machine
};

/// Throws LimitError (with the requested size, the limit and a cell size that would fit) when
/// `layers` rasters of `bytes_per_cell` on `grid` exceed the limits.
void check_grid_budget(const Grid& grid, std::int64_t bytes_per_cell, const ResourceLimits& limits,
                       const std::string& what);

/// Same check for a grid that is only described, before it is constructed.
void check_grid_budget(const Extent& extent, double cell_size, std::int64_t bytes_per_cell,
                       const ResourceLimits& limits, const std::string& what);

}  // namespace standort
