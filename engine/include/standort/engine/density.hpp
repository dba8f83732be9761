// Kernel density ("heatmap") rasters from weighted points, evaluated at every cell centre from the
// points' true positions. Kernels and the Raw / Scaled outputs follow QGIS's Heatmap (Kernel
// Density Estimation) algorithm (qgskde.cpp: Wand & Jones 1995, p. 175); `density` is the
// normalised estimate whose integral over the plane equals the sum of the weights.
//
// Cost. Uniform, Epanechnikov, quartic and triweight are polynomials in (x - px)^2 along a row, so
// each point adds its polynomial's coefficients to a difference array over the columns it reaches
// (in column blocks one or two smallest radii wide, expanded around each block's start to keep the
// arithmetic well conditioned), and one pass per row sums and evaluates them:
// O(rows * cols * degree + N * rows_reached * blocks_reached), i.e. linear, not quadratic, in the
// radius measured in cells. Triangular and Gaussian are evaluated directly in each point's window:
// O(N * (radius / cell)^2). Rows run in parallel; each row depends only on the inputs, so results
// are bit-identical for any thread count, and blocks are aligned to the grid's columns, so a tile
// of rows or columns reproduces the whole grid's cells exactly.
#pragma once

#include "standort/engine/raster.hpp"

#include <span>
#include <string>

namespace standort {

enum class Kernel { quartic, triangular, uniform, triweight, epanechnikov, gaussian };

enum class DensityScale {
  raw,          ///< QGIS "Raw": weight * kernel shape, 1 at the point for most kernels
  qgis_scaled,  ///< QGIS "Scaled": QGIS's normalising constants, as QGIS computes them
  density,      ///< normalised: integrates to the weight (weight units per m²)
};

struct DensityOptions {
  Kernel kernel = Kernel::quartic;
  double radius_m = 1000.0;  ///< kernel radius (bandwidth); for Gaussian the truncation radius,
                             ///< sigma = radius / 4
  double decay = 0.0;        ///< triangular only: QGIS's decay ratio (-1..1); 0 = linear to zero
  DensityScale scale = DensityScale::raw;
  int threads = 0;
  RowWindow rows;  ///< compute only these rows; the result's grid is grid.rows_window(...)
};

/// How a radius is chosen when none is given.
enum class BandwidthRule { none, silverman, scott };

/// Bandwidth in metres from the points' spread.
/// silverman: Esri's spatial variant of Silverman's rule of thumb ("How Kernel Density works"):
///   0.9 * min(SD, sqrt(1 / ln 2) * Dm) * n^-0.2, SD the (weighted) standard distance from the
///   (weighted) mean centre, Dm the (weighted) median distance from it, n the sum of the weights.
/// scott: Scott's rule in two dimensions: sigma * n^(-1/6), sigma = sqrt((var_x + var_y) / 2).
/// Compact kernels use the bandwidth as their radius; the Gaussian uses it as sigma (radius 4
/// sigma). Throws InputError when the points have no spread (fewer than two distinct positions).
double bandwidth_m(BandwidthRule rule, std::span<const Point> points,
                   std::span<const double> weights);

/// The kernel at distance `distance_m` from a point of weight 1 (0 beyond the radius).
double kernel_value(Kernel kernel, double distance_m, double radius_m, double decay,
                    DensityScale scale);

/// Parses "quartic", "triangular", ... ; throws InputError naming `where` otherwise.
Kernel parse_kernel(const std::string& name, const std::string& where);
std::string kernel_name(Kernel kernel);

/// Density at every cell centre. `weights` (empty = all 1) and `radii` (empty = options.radius_m)
/// are per point. Points outside the grid contribute inside it. Throws InputError on non-finite
/// coordinates, weights or radii, or radii <= 0.
template <class T>
Raster<T> kernel_density(const Grid& grid, std::span<const Point> points,
                         std::span<const double> weights, std::span<const double> radii,
                         const DensityOptions& options);

extern template Raster<float> kernel_density<float>(const Grid&, std::span<const Point>,
                                                    std::span<const double>,
                                                    std::span<const double>, const DensityOptions&);
extern template Raster<double> kernel_density<double>(const Grid&, std::span<const Point>,
                                                      std::span<const double>,
                                                      std::span<const double>,
                                                      const DensityOptions&);

}  // namespace standort
