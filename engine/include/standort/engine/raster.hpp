// Raster<T>: a Grid plus contiguous row-major cells plus a nodata value.
// is_nodata() is the one place that decides what counts as nodata (NaN always does for floats).
#pragma once

#include "standort/engine/grid.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

namespace standort {

/// Rows [begin, end) of a grid to compute; end < 0 means through the last row. Operations that
/// take a window compute those rows with the whole grid's arithmetic, so a grid computed band by
/// band is bit-identical to the grid computed at once.
struct RowWindow {
  std::int64_t begin = 0;
  std::int64_t end = -1;
  std::int64_t resolved_end(const Grid& g) const {
    return end < 0 ? g.rows() : std::min(end, g.rows());
  }
};

/// Hands the whole pages inside [p, p + bytes) back to the system (their contents become zeros):
/// for memory about to be freed, so that the process's heap does not keep it (and its exit does
/// not have to free it). The pages at either end, which the heap's own bookkeeping may share, are
/// left alone.
void release_pages(void* p, std::size_t bytes) noexcept;

/// Allocator that leaves trivially constructible cells uninitialised, so a raster whose every
/// cell an operation writes is not first zeroed by one thread (the first touch happens in the
/// operation's parallel loop instead).
template <class T>
struct NoFillAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = NoFillAllocator<U>;
  };
  NoFillAllocator() = default;
  template <class U>
  NoFillAllocator(const NoFillAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

/// Tag for the Raster constructor whose cells the caller promises to write before reading.
struct NoFill {};

template <class T>
class Raster {
 public:
  Raster() = default;
  Raster(Grid grid, T fill, std::optional<T> nodata = std::nullopt)
      : m_grid(std::move(grid)),
        m_cells(static_cast<std::size_t>(m_grid.cell_count()), fill),
        m_nodata(nodata) {}
  /// Cells are left undefined: for operations that assign every cell exactly once.
  Raster(Grid grid, NoFill, std::optional<T> nodata = std::nullopt)
      : m_grid(std::move(grid)),
        m_cells(static_cast<std::size_t>(m_grid.cell_count())),
        m_nodata(nodata) {}

  const Grid& grid() const { return m_grid; }
  std::optional<T> nodata() const { return m_nodata; }
  void set_nodata(std::optional<T> nodata) { m_nodata = nodata; }

  T& at(std::int64_t col, std::int64_t row) { return m_cells[index(col, row)]; }
  const T& at(std::int64_t col, std::int64_t row) const { return m_cells[index(col, row)]; }
  std::span<T> row(std::int64_t r) {
    return {m_cells.data() + index(0, r), static_cast<std::size_t>(m_grid.cols())};
  }
  std::span<const T> row(std::int64_t r) const {
    return {m_cells.data() + index(0, r), static_cast<std::size_t>(m_grid.cols())};
  }
  std::span<T> cells() { return m_cells; }
  std::span<const T> cells() const { return m_cells; }

  bool is_nodata(T value) const {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(value)) return true;
      if (m_nodata && !std::isnan(*m_nodata)) return value == *m_nodata;
      return false;
    } else {
      return m_nodata && value == *m_nodata;
    }
  }

 private:
  std::size_t index(std::int64_t col, std::int64_t row) const {
    return static_cast<std::size_t>(row * m_grid.cols() + col);
  }

  Grid m_grid;
  std::vector<T, NoFillAllocator<T>> m_cells;
  std::optional<T> m_nodata;
};

}  // namespace standort
