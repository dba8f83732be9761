// Region finding ("locate regions"): the best contiguous groups of cells of a suitability raster,
// each between a minimum and a maximum area and at least a given distance from the others, for
// planners who need whole sites rather than single good cells.
//
// After ArcGIS Pro's Locate Regions (Spatial Analyst; "Locate Regions" and "How the Locate Regions
// tool works", pro.arcgis.com/en/pro-app/latest/tool-reference/spatial-analyst/): candidate
// regions are grown from seed cells by adding neighbouring cells, preferring higher utility, and
// the best candidates by an evaluation criterion (here: the highest average value) are selected
// one at a time, each keeping the minimum distance to those already selected (ArcGIS's
// "sequential" selection). Cells that are nodata or excluded neither join regions nor affect the
// distances, as ArcGIS documents for NoData and masked cells.
//
// The procedure, exactly (every tie is broken by the lower row-major cell index, so results are
// reproducible bit for bit; the computation is single-threaded):
// 1. A cell is open when its suitability is not nodata and the `available` mask (if given) is
//    nonzero and not the mask's nodata. Seeds are the open cells in decreasing score order.
// 2. Growing from a seed: repeatedly add the open cell adjacent (4 or 8 neighbours) to the region
//    that has the highest score (a priority queue) until the region holds the target area. Past
//    the target it keeps growing, up to the maximum area, while that best adjacent cell scores at
//    least the region's current mean, so growing on never lowers the mean. A region whose open
//    component is smaller than the minimum area is dropped, and its cells never seed again; one
//    whose component lies between the minimum and the target area is kept whole.
// 3. A round grows candidates from the seeds in order, skipping seeds inside a candidate already
//    grown in this round, and stops when the next seed scores less than the best candidate's
//    mean (a region whose cells all score at most its seed's cannot beat that mean; seeds equal
//    to it are still grown, as they may give a larger region of the same mean) or when
//    `candidates_per_round` candidates have been grown. The best candidate (highest mean, then
//    larger area, then earlier seed) is accepted: its cells, and every open cell whose centre
//    lies closer than min_spacing_m to one of its cell centres, are closed (the buffer comes from
//    an exact squared Euclidean distance transform, Felzenszwalb & Huttenlocher 2012, over the
//    region's bounding box widened by the spacing). Candidates whose growth never touched that
//    window are kept for the next round unchanged.
// 4. Rounds repeat until max_regions regions are accepted or no seed reaches the minimum area.
// So any two regions are at least min_spacing_m apart, measured as the smallest distance between
// the centres of a cell of one and a cell of the other (adjacent cells are one cell size apart;
// with min_spacing_m = 0 regions may touch but never overlap).
//
// Not modelled (ArcGIS options): a shape term in growth, a maximum distance between regions, a
// total area shared between the regions, existing regions, combinatorial selection.
//
// Cost: O(cells) to find the open cells, seeds sorted lazily in chunks (only the best are ever
// sorted), O(a log a) per grown candidate of a cells, O(window) per accepted region's buffer;
// 25 bytes of working memory per cell. On 1753 x 1375 cells, 5 regions take 50-400 ms.
#pragma once

#include "standort/engine/raster.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace standort {

struct RegionOptions {
  double min_area_ha = 1.0;     ///< smaller regions are not reported
  double max_area_ha = 0.0;     ///< 0 = min_area_ha; growth past the target stops here
  double target_area_ha = 0.0;  ///< area every region is grown to; 0 = min_area_ha
  double min_spacing_m = 0.0;   ///< between the closest cell centres of any two regions
  int max_regions = 5;
  bool eight_connected = true;  ///< false: cells join a region only through a shared edge
  /// Most candidates grown (and compared) per accepted region; more finds better regions on rough
  /// or terraced rasters at the cost of time. Rounds usually stop much earlier (step 3 above).
  int candidates_per_round = 128;

  /// Checks what does not depend on the grid; throws InputError naming `where` and the fix.
  void validate(const std::string& where) const;
};

struct FoundRegion {
  std::int32_t id = 0;              ///< 1-based, in the order the regions were accepted
  std::vector<std::int64_t> cells;  ///< row-major cell indices (row * cols + col), ascending
  std::int64_t seed_cell = 0;       ///< the cell the region was grown from
  double area_ha = 0.0;             ///< cells * cell area
  double mean_score = 0.0;          ///< mean suitability (every cell has the same area)
  double min_score = 0.0;
  double max_score = 0.0;
};

/// The best regions of `suitability` (higher = better) under `options`; fewer than max_regions
/// when no further region fits. `available` (may be null) must lie on the same grid. Throws
/// InputError naming `where` for invalid options (including a minimum area below one cell's
/// area, or no whole number of cells between the minimum and maximum area), grids that differ,
/// or infinite suitability values.
std::vector<FoundRegion> find_regions(const Raster<float>& suitability,
                                      const Raster<std::uint8_t>* available,
                                      const RegionOptions& options, const std::string& where);

/// A raster holding each region's id on its cells and 0 elsewhere (no nodata value). Throws
/// InputError when a region's cells lie outside `grid` or two regions share a cell.
Raster<std::int32_t> region_labels(const Grid& grid, const std::vector<FoundRegion>& regions);

}  // namespace standort
