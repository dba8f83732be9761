// standort-make-demo-data OUT.gpkg
//
// Builds the built-in Bochum demo GeoPackage from the fact tables in demo_facts.hpp: the city
// outline, 30 statistical districts shaped as an area-weighted power diagram, the 6 Stadtbezirke as
// their unions, campuses, research institutes, business parks, motorway junctions, rail stations,
// district centres, community facilities, the Ruhr and the Kemnader See (hand-drawn along the
// outline), protected areas (hand-drawn) and seeded sets of synthetic business settlements and
// schools. Reads no data files; the output depends only on this source.

#include "demo_facts.hpp"
#include "standort/engine/geometry.hpp"
#include "standort/layers/vector_writer.hpp"

#include <proj.h>

#include <boost/geometry.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <numbers>
#include <optional>
#include <random>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace bg = boost::geometry;
namespace demo = standort::demo;
using standort::Box;
using standort::Linestring;
using standort::MultiPolygon;
using standort::Point;
using standort::Polygon;
using standort::layers::FieldType;
using standort::layers::FieldValue;
using standort::layers::VectorTable;
using Ring = Polygon::ring_type;

constexpr std::string_view working_crs = "EPSG:25832";
constexpr std::uint64_t settlement_seed = 20300;
constexpr std::size_t settlement_count = 4000;
constexpr std::uint64_t school_seed = 20301;
constexpr int school_count = 120;
constexpr double school_min_spacing_m = 150.0;  // no two synthetic schools closer than this
constexpr int school_attempts = 10000;          // draws per school before giving up
// Hand-drawn water: clipped to the outline grown by its own accuracy (simplified at 150 m).
constexpr double water_clip_margin_m = 150.0;
constexpr int buffer_points_per_circle = 36;
// Fitting the district power diagram (see area_weighted_partition).
constexpr int shape_rounds = 10;  // site moves towards matching centroids
constexpr int shape_round_iterations = 20;
constexpr int settle_iterations = 300;            // weight-only iterations at the end
constexpr double settle_tolerance = 1e-7;         // stop when every area is this close (relative)
constexpr double weight_step = 0.8;               // damping of the Newton step on the power weights
constexpr double weight_probe_m2 = 1e4;           // finite-difference step for d(area)/d(weight)
constexpr double min_slope = 0.25;                // floor for that slope (empty or tiny cells)
constexpr double site_step = 0.5;                 // damping of the site moves
constexpr double weld_tolerance_m = 0.01;         // cell vertices closer than this are merged
constexpr double shared_edge_tolerance_m = 0.05;  // an edge this close to a cell borders it
constexpr double speck_area_m2 = 1.0;             // union noise below this is dropped
// Synthetic business settlements: a mixture of Gaussian clusters around the business parks and
// the district centroids, with lognormal employee counts (overall median about 6).
constexpr double park_share = 0.4;  // share of settlements drawn around business parks
constexpr double district_sigma_m = 600.0;
constexpr double park_median_employees = 9.0;
constexpr double district_median_employees = 5.0;
constexpr double employees_log_sigma = 1.5;
constexpr double dominant_sector_share = 0.45;  // extra share of a park's own sector
constexpr std::uint64_t site_seed = 20302;      // synthetic candidate sites

struct ProjContextDeleter {
  void operator()(PJ_CONTEXT* context) const noexcept { proj_context_destroy(context); }
};
struct ProjDeleter {
  void operator()(PJ* pj) const noexcept { proj_destroy(pj); }
};
using ProjContextPtr = std::unique_ptr<PJ_CONTEXT, ProjContextDeleter>;
using ProjPtr = std::unique_ptr<PJ, ProjDeleter>;

/// Projects WGS84 lon/lat to EPSG:25832 through PROJ (EPSG:4326 normalised to lon,lat order).
class LonLatToUtm {
 public:
  LonLatToUtm() : m_context(proj_context_create()) {
    if (!m_context) throw std::runtime_error("PROJ: cannot create a context");
    proj_log_level(m_context.get(), PJ_LOG_NONE);
    ProjPtr raw(proj_create_crs_to_crs(m_context.get(), "EPSG:4326", "EPSG:25832", nullptr));
    if (!raw) fail("cannot create the transformation EPSG:4326 -> EPSG:25832");
    m_transform.reset(proj_normalize_for_visualization(m_context.get(), raw.get()));
    if (!m_transform) fail("cannot normalise the axis order of EPSG:4326 -> EPSG:25832");
  }

  Point operator()(demo::LonLat p) const {
    const PJ_COORD out = proj_trans(m_transform.get(), PJ_FWD, proj_coord(p.lon, p.lat, 0.0, 0.0));
    if (!std::isfinite(out.xy.x) || !std::isfinite(out.xy.y)) {
      std::ostringstream where;
      where.precision(9);
      where << "cannot project lon/lat (" << p.lon << ", " << p.lat << ")";
      fail(where.str());
    }
    return {out.xy.x, out.xy.y};
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    const int code = proj_context_errno(m_context.get());
    const char* reason = code != 0 ? proj_context_errno_string(m_context.get(), code) : nullptr;
    throw std::runtime_error("PROJ: " + what + (reason ? std::string(": ") + reason : ""));
  }

  ProjContextPtr m_context;
  ProjPtr m_transform;
};

// Deterministic random numbers: mt19937_64's raw output is fixed by the standard; the
// distributions below are written out so that no library-defined distribution is involved.

class Random {
 public:
  explicit Random(std::uint64_t seed) : m_engine(seed) {}

  /// Uniform in [0, 1) from the top 53 bits of one draw.
  double uniform() { return static_cast<double>(m_engine() >> 11) * 0x1.0p-53; }

  /// Standard normal by the Box–Muller transform; the second value of each pair is kept.
  double normal() {
    if (m_has_spare) {
      m_has_spare = false;
      return m_spare;
    }
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * std::numbers::pi * u2;
    m_spare = radius * std::sin(angle);
    m_has_spare = true;
    return radius * std::cos(angle);
  }

  /// An index drawn with probability proportional to the increments of `cumulative`.
  std::size_t pick(const std::vector<double>& cumulative) {
    const double u = uniform() * cumulative.back();
    const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
    return std::min(static_cast<std::size_t>(it - cumulative.begin()), cumulative.size() - 1);
  }

 private:
  std::mt19937_64 m_engine;
  double m_spare = 0.0;
  bool m_has_spare = false;
};

std::vector<double> cumulative_sums(const std::vector<double>& weights) {
  std::vector<double> sums(weights.size());
  double total = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) sums[i] = total += weights[i];
  return sums;
}

Polygon polygon_from_lonlat(std::span<const demo::LonLat> vertices, const LonLatToUtm& to_utm) {
  Polygon polygon;
  for (const auto& v : vertices) polygon.outer().push_back(to_utm(v));
  bg::correct(polygon);
  return polygon;
}

void translate(MultiPolygon& mp, double dx, double dy) {
  auto shift = [&](Ring& ring) {
    for (Point& p : ring) p = Point(p.x() + dx, p.y() + dy);
  };
  for (Polygon& poly : mp) {
    shift(poly.outer());
    for (Ring& inner : poly.inners()) shift(inner);
  }
}

/// Drops holes and parts smaller than `min_area_m2`, the leftovers of unions of polygons whose
/// shared edges were computed separately.
void remove_specks(MultiPolygon& mp, double min_area_m2) {
  for (Polygon& poly : mp) {
    auto& inners = poly.inners();
    inners.erase(std::remove_if(inners.begin(), inners.end(),
                                [&](const Ring& r) { return std::abs(bg::area(r)) < min_area_m2; }),
                 inners.end());
  }
  mp.erase(std::remove_if(mp.begin(), mp.end(),
                          [&](const Polygon& p) { return std::abs(bg::area(p)) < min_area_m2; }),
           mp.end());
}

void require_valid(const MultiPolygon& mp, const std::string& what) {
  std::string reason;
  if (mp.empty() || !(bg::area(mp) > 0.0)) throw std::runtime_error(what + ": empty polygon");
  if (!bg::is_valid(mp, reason)) throw std::runtime_error(what + ": invalid polygon: " + reason);
}

std::string fixed(double value, int decimals) {
  std::ostringstream out;
  out.precision(decimals);
  out << std::fixed << value;
  return out.str();
}

std::string percent(double fraction) { return fixed(100.0 * fraction, 4) + " %"; }

double km2(double area_m2, double decimals = 4.0) {
  const double scale = std::pow(10.0, decimals);
  return std::round(area_m2 / 1e6 * scale) / scale;
}

/// Sutherland–Hodgman step: the part of the convex ring (open, clockwise) where a·p <= b.
std::vector<Point> clip_half_plane(const std::vector<Point>& ring, double ax, double ay, double b) {
  std::vector<Point> out;
  if (ring.empty()) return out;
  out.reserve(ring.size() + 1);
  auto side = [&](const Point& p) { return ax * p.x() + ay * p.y() - b; };
  Point prev = ring.back();
  double f_prev = side(prev);
  for (const Point& cur : ring) {
    const double f_cur = side(cur);
    if ((f_prev > 0.0) != (f_cur > 0.0)) {
      const double t = f_prev / (f_prev - f_cur);
      out.emplace_back(prev.x() + t * (cur.x() - prev.x()), prev.y() + t * (cur.y() - prev.y()));
    }
    if (f_cur <= 0.0) out.push_back(cur);
    prev = cur;
    f_prev = f_cur;
  }
  // Remove repeated vertices created where a vertex lies on the clipping line.
  std::vector<Point> unique;
  unique.reserve(out.size());
  for (const Point& p : out) {
    if (unique.empty() || bg::comparable_distance(unique.back(), p) > 1e-12) unique.push_back(p);
  }
  while (unique.size() > 1 && bg::comparable_distance(unique.front(), unique.back()) <= 1e-12) {
    unique.pop_back();
  }
  return unique;
}

/// Power cells clipped to an outline. Works relative to a local origin so that the squared
/// coordinates in the half-plane tests stay small.
class PowerDiagram {
 public:
  explicit PowerDiagram(const Polygon& outline) {
    Box envelope;
    bg::envelope(outline, envelope);
    m_origin = Point(
        std::round((envelope.min_corner().x() + envelope.max_corner().x()) / 2000.0) * 1000.0,
        std::round((envelope.min_corner().y() + envelope.max_corner().y()) / 2000.0) * 1000.0);
    MultiPolygon local{outline};
    translate(local, -m_origin.x(), -m_origin.y());
    m_outline = local.front();
    bg::envelope(m_outline, envelope);
    const double margin = 10000.0;
    const double x0 = envelope.min_corner().x() - margin, x1 = envelope.max_corner().x() + margin;
    const double y0 = envelope.min_corner().y() - margin, y1 = envelope.max_corner().y() + margin;
    m_bounds = {Point(x0, y0), Point(x0, y1), Point(x1, y1), Point(x1, y0)};  // clockwise
  }

  Point to_local(const Point& p) const { return {p.x() - m_origin.x(), p.y() - m_origin.y()}; }

  MultiPolygon to_crs(MultiPolygon mp) const {
    translate(mp, m_origin.x(), m_origin.y());
    return mp;
  }

  /// Cell of site `i` (local coordinates) for the given weights, clipped to the outline.
  MultiPolygon cell(std::size_t i, const std::vector<Point>& sites,
                    const std::vector<double>& weights) const {
    std::vector<Point> convex = m_bounds;
    const Point& si = sites[i];
    const double si2 = si.x() * si.x() + si.y() * si.y();
    for (std::size_t j = 0; j < sites.size() && convex.size() >= 3; ++j) {
      if (j == i) continue;
      const Point& sj = sites[j];
      const double sj2 = sj.x() * sj.x() + sj.y() * sj.y();
      convex = clip_half_plane(convex, 2.0 * (sj.x() - si.x()), 2.0 * (sj.y() - si.y()),
                               sj2 - si2 + weights[i] - weights[j]);
    }
    MultiPolygon clipped;
    if (convex.size() < 3) return clipped;
    Polygon cell;
    cell.outer().assign(convex.begin(), convex.end());
    cell.outer().push_back(convex.front());
    bg::intersection(cell, m_outline, clipped);
    return clipped;
  }

 private:
  Point m_origin;
  Polygon m_outline;
  std::vector<Point> m_bounds;
};

/// Neighbouring cells compute their shared vertices separately (Boost.Geometry rescales each
/// overlay to its own range), so the copies can differ by a millimetre. This gives every vertex
/// within `weld_tolerance_m` of an earlier one that earlier position, in a fixed order, so that
/// shared edges coincide exactly and unions of cells close without slivers.
void weld_vertices(std::vector<MultiPolygon>& cells) {
  using Key = std::pair<std::int64_t, std::int64_t>;
  std::map<Key, std::vector<Point>> seen;
  auto key_of = [](const Point& p) {
    return Key{static_cast<std::int64_t>(std::floor(p.x() / weld_tolerance_m)),
               static_cast<std::int64_t>(std::floor(p.y() / weld_tolerance_m))};
  };
  auto weld = [&](const Point& p) {
    const Key k = key_of(p);
    for (std::int64_t dx = -1; dx <= 1; ++dx) {
      for (std::int64_t dy = -1; dy <= 1; ++dy) {
        const auto it = seen.find(Key{k.first + dx, k.second + dy});
        if (it == seen.end()) continue;
        for (const Point& q : it->second) {
          if (bg::distance(p, q) <= weld_tolerance_m) return q;
        }
      }
    }
    seen[k].push_back(p);
    return p;
  };
  auto weld_ring = [&](Ring& ring) {
    for (Point& p : ring) p = weld(p);
    ring.erase(std::unique(ring.begin(), ring.end(),
                           [](const Point& a, const Point& b) { return bg::equals(a, b); }),
               ring.end());
  };
  for (MultiPolygon& mp : cells) {
    for (Polygon& poly : mp) {
      weld_ring(poly.outer());
      for (Ring& inner : poly.inners()) weld_ring(inner);
    }
  }
}

/// The district each part of each cell goes to. A cell's largest part stays with it. A power cell
/// is convex, but clipped to the concave outline it can fall apart; a detached smaller part goes to
/// the neighbouring cell it shares the longest edge with (it stays if it touches no other cell).
std::vector<std::vector<std::size_t>> part_owners(const std::vector<MultiPolygon>& cells) {
  std::vector<std::vector<std::size_t>> owners(cells.size());
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const MultiPolygon& cell = cells[i];
    owners[i].assign(cell.size(), i);
    if (cell.size() < 2) continue;
    std::size_t largest = 0;
    for (std::size_t k = 1; k < cell.size(); ++k) {
      if (bg::area(cell[k]) > bg::area(cell[largest])) largest = k;
    }
    for (std::size_t k = 0; k < cell.size(); ++k) {
      if (k == largest) continue;
      std::vector<double> shared(cells.size(), 0.0);
      const Ring& ring = cell[k].outer();
      for (std::size_t v = 0; v + 1 < ring.size(); ++v) {
        const Point mid((ring[v].x() + ring[v + 1].x()) / 2.0,
                        (ring[v].y() + ring[v + 1].y()) / 2.0);
        for (std::size_t j = 0; j < cells.size(); ++j) {
          if (j != i && bg::distance(mid, cells[j]) <= shared_edge_tolerance_m) {
            shared[j] += bg::distance(ring[v], ring[v + 1]);
          }
        }
      }
      const auto best = std::max_element(shared.begin(), shared.end());
      if (*best > 0.0) owners[i][k] = static_cast<std::size_t>(best - shared.begin());
    }
  }
  return owners;
}

/// State of the fit: power-diagram sites and weights (local coordinates) and what they give.
class DistrictFit {
 public:
  DistrictFit(const PowerDiagram& diagram, std::vector<Point> goals, std::vector<double> targets_m2)
      : m_diagram(diagram),
        m_goals(std::move(goals)),
        m_targets(std::move(targets_m2)),
        m_sites(m_goals),
        m_weights(m_goals.size(), 0.0),
        m_areas(m_goals.size()),
        m_slopes(m_goals.size()),
        m_centroids(m_goals.size()) {
    measure();
  }

  /// One damped Newton step per cell on the weights, towards the target areas.
  void step_weights() {
    double mean = 0.0;
    for (std::size_t i = 0; i < m_weights.size(); ++i) {
      m_weights[i] += weight_step * (m_targets[i] - m_areas[i]) / m_slopes[i];
      mean += m_weights[i];
    }
    mean /= static_cast<double>(m_weights.size());
    for (double& w : m_weights) w -= mean;
    measure();
  }

  /// Moves each site so that its district's centroid comes closer to the official centroid.
  void step_sites() {
    for (std::size_t i = 0; i < m_sites.size(); ++i) {
      m_sites[i] = Point(m_sites[i].x() + site_step * (m_goals[i].x() - m_centroids[i].x()),
                         m_sites[i].y() + site_step * (m_goals[i].y() - m_centroids[i].y()));
    }
    measure();
  }

  double area_error() const { return m_area_error; }

  /// The districts in the working CRS: welded cells with detached parts handed on.
  std::vector<MultiPolygon> districts() const {
    std::vector<MultiPolygon> cells;
    for (std::size_t i = 0; i < m_sites.size(); ++i) {
      cells.push_back(m_diagram.to_crs(m_diagram.cell(i, m_sites, m_weights)));
    }
    weld_vertices(cells);
    const auto owners = part_owners(cells);
    std::vector<MultiPolygon> result(cells.size());
    for (std::size_t i = 0; i < cells.size(); ++i) {
      for (std::size_t k = 0; k < cells[i].size(); ++k) {
        if (owners[i][k] == i) result[i].push_back(cells[i][k]);
      }
    }
    for (std::size_t i = 0; i < cells.size(); ++i) {
      for (std::size_t k = 0; k < cells[i].size(); ++k) {
        if (owners[i][k] == i) continue;
        MultiPolygon& target = result[owners[i][k]];
        MultiPolygon merged;
        bg::union_(target, MultiPolygon{cells[i][k]}, merged);
        target = std::move(merged);
      }
    }
    for (MultiPolygon& d : result) remove_specks(d, speck_area_m2);
    return result;
  }

 private:
  /// Areas and centroids per district (parts counted for their owners) and the slope
  /// d(area)/d(weight) of every cell.
  void measure() {
    const std::size_t n = m_sites.size();
    std::vector<MultiPolygon> cells(n);
    for (std::size_t i = 0; i < n; ++i) {
      cells[i] = m_diagram.cell(i, m_sites, m_weights);
      std::vector<double> nudged = m_weights;
      nudged[i] += weight_probe_m2;
      const double nudged_area = bg::area(m_diagram.cell(i, m_sites, nudged));
      m_slopes[i] = std::max((nudged_area - bg::area(cells[i])) / weight_probe_m2, min_slope);
    }
    const auto owners = part_owners(cells);
    std::vector<double> mx(n, 0.0), my(n, 0.0);
    std::fill(m_areas.begin(), m_areas.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t k = 0; k < cells[i].size(); ++k) {
        const double a = bg::area(cells[i][k]);
        Point c(0.0, 0.0);
        bg::centroid(cells[i][k], c);
        const std::size_t owner = owners[i][k];
        m_areas[owner] += a;
        mx[owner] += a * c.x();
        my[owner] += a * c.y();
      }
    }
    m_area_error = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      m_centroids[i] =
          m_areas[i] > 0.0 ? Point(mx[i] / m_areas[i], my[i] / m_areas[i]) : m_sites[i];
      m_area_error = std::max(m_area_error, std::abs(m_areas[i] - m_targets[i]) / m_targets[i]);
    }
  }

  const PowerDiagram& m_diagram;
  std::vector<Point> m_goals;
  std::vector<double> m_targets;
  std::vector<Point> m_sites;
  std::vector<double> m_weights;
  std::vector<double> m_areas;
  std::vector<double> m_slopes;
  std::vector<Point> m_centroids;
  double m_area_error = 0.0;
};

/// Area-weighted power diagram of the districts inside the outline:
/// cell_i = outline ∩ {x : |x - s_i|² - w_i <= |x - s_j|² - w_j for all j}.
/// The sites start at the official centroids and are moved, in a few damped rounds, until each
/// district's own centroid lies near the official one (power cells of the plain centroids drift by
/// some hundred metres). Then, with the sites fixed, the weights are iterated until every district
/// has its target area.
std::vector<MultiPolygon> area_weighted_partition(const Polygon& outline,
                                                  const std::vector<Point>& centroids,
                                                  const std::vector<double>& targets_m2) {
  const PowerDiagram diagram(outline);
  std::vector<Point> goals;
  for (const Point& c : centroids) goals.push_back(diagram.to_local(c));
  DistrictFit fit(diagram, std::move(goals), targets_m2);
  for (int round = 0; round < shape_rounds; ++round) {
    for (int i = 0; i < shape_round_iterations; ++i) fit.step_weights();
    fit.step_sites();
  }
  for (int i = 0; i < settle_iterations && fit.area_error() > settle_tolerance; ++i) {
    fit.step_weights();
  }
  return fit.districts();
}

VectorTable make_table(std::string name, standort::GeometryKind kind,
                       std::vector<std::pair<std::string, FieldType>> fields) {
  VectorTable table;
  table.name = std::move(name);
  table.crs = std::string(working_crs);
  table.kind = kind;
  table.fields = std::move(fields);
  table.metadata["generator"] = "standort-make-demo-data";
  return table;
}

FieldValue text(std::string_view s) { return std::string(s); }
FieldValue integer(std::int64_t v) { return v; }

struct DistrictLayers {
  VectorTable districts;
  VectorTable stadtbezirke;
  double max_area_error = 0.0;
  double max_centroid_offset_m = 0.0;
};

DistrictLayers make_district_layers(const Polygon& outline, const LonLatToUtm& to_utm) {
  std::vector<Point> centres;
  double official_total = 0.0;
  for (const auto& d : demo::districts) {
    centres.push_back(to_utm(d.centroid));
    official_total += d.area_km2;
  }
  const double outline_area = bg::area(outline);
  std::vector<double> targets;
  for (const auto& d : demo::districts) {
    targets.push_back(d.area_km2 / official_total * outline_area);
  }

  const std::vector<MultiPolygon> shapes = area_weighted_partition(outline, centres, targets);

  DistrictLayers layers;
  layers.districts = make_table("statistische_bezirke", standort::GeometryKind::polygon,
                                {{"stat_bezirk_nr", FieldType::integer},
                                 {"name", FieldType::string},
                                 {"stadtbezirk_nr", FieldType::integer},
                                 {"stadtbezirk", FieldType::string},
                                 {"area_km2", FieldType::real},
                                 {"official_area_km2", FieldType::real}});
  for (std::size_t i = 0; i < demo::districts.size(); ++i) {
    const auto& d = demo::districts[i];
    const MultiPolygon& cell = shapes[i];
    require_valid(cell, "statistische_bezirke: district " + std::to_string(d.number) + " ('" +
                            std::string(d.name) + "')");
    Point centroid(0.0, 0.0);
    bg::centroid(cell, centroid);
    layers.max_area_error =
        std::max(layers.max_area_error, std::abs(bg::area(cell) - targets[i]) / targets[i]);
    layers.max_centroid_offset_m =
        std::max(layers.max_centroid_offset_m, bg::distance(centroid, centres[i]));
    layers.districts.polygons.push_back(cell);
    layers.districts.rows.push_back({integer(d.number), text(d.name), integer(d.stadtbezirk),
                                     text(demo::stadtbezirke.at(d.stadtbezirk - 1).name),
                                     km2(bg::area(cell)), d.area_km2});
  }
  auto& meta = layers.districts.metadata;
  meta["source"] =
      "Stadt Bochum, Statistische Bezirke: number, name, Stadtbezirk, official area and centroid";
  meta["attribution"] = "Datenquelle: Stadt Bochum – Statistische Bezirke";
  meta["approximate"] = "yes";
  meta["note"] =
      "Approximate shapes: an area-weighted power diagram inside the simplified city outline, "
      "fitted so that each district keeps its official share of the area and its official "
      "centroid; the boundaries are straight lines, not the real ones. area_km2 is the area of "
      "the generated polygon (official shares scaled to the outline's " +
      fixed(outline_area / 1e6, 2) + " km²).";
  meta["max_area_error"] = percent(layers.max_area_error);
  meta["max_centroid_offset_m"] = fixed(layers.max_centroid_offset_m, 1);

  layers.stadtbezirke = make_table("stadtbezirke", standort::GeometryKind::polygon,
                                   {{"stadtbezirk_nr", FieldType::integer},
                                    {"stadtbezirk", FieldType::string},
                                    {"stadtbezirk_roman", FieldType::string},
                                    {"area_km2", FieldType::real}});
  for (const auto& sb : demo::stadtbezirke) {
    MultiPolygon merged;
    for (std::size_t i = 0; i < demo::districts.size(); ++i) {
      if (demo::districts[i].stadtbezirk != sb.number) continue;
      MultiPolygon next;
      bg::union_(merged, shapes[i], next);
      merged = std::move(next);
    }
    remove_specks(merged, speck_area_m2);
    require_valid(merged, "stadtbezirke: " + std::string(sb.name));
    layers.stadtbezirke.rows.push_back(
        {integer(sb.number), text(sb.name), text(sb.roman), km2(bg::area(merged))});
    layers.stadtbezirke.polygons.push_back(std::move(merged));
  }
  auto& sb_meta = layers.stadtbezirke.metadata;
  sb_meta["source"] = "Union of the generated statistische_bezirke per Stadtbezirk";
  sb_meta["attribution"] = "Datenquelle: Stadt Bochum – Statistische Bezirke";
  sb_meta["approximate"] = "yes";
  sb_meta["note"] =
      "Approximate shapes: unions of the approximate statistical districts of this file, not the "
      "official Stadtbezirk boundaries.";
  return layers;
}

VectorTable make_outline_layer(const Polygon& outline) {
  VectorTable table = make_table(
      "stadtgrenze", standort::GeometryKind::polygon,
      {{"name", FieldType::string}, {"ags", FieldType::string}, {"area_km2", FieldType::real}});
  table.polygons.push_back(MultiPolygon{outline});
  table.rows.push_back({text("Bochum"), text("05911000"), km2(bg::area(outline))});
  table.metadata["source"] =
      "Union of the Stadt Bochum statistical districts, simplified (Douglas-Peucker, 150 m)";
  table.metadata["attribution"] = "Datenquelle: Stadt Bochum – Statistische Bezirke";
  table.metadata["approximate"] = "yes";
  table.metadata["note"] =
      "Approximate city outline: " + std::to_string(outline.outer().size() - 1) +
      " vertices, within about 150 m of the real boundary; its area is " +
      fixed(bg::area(outline) / 1e6, 2) +
      " km² against 145.85 km² unsimplified and about 145.7 km² official.";
  return table;
}

VectorTable make_campus_layer(const LonLatToUtm& to_utm) {
  VectorTable table = make_table("campuses", standort::GeometryKind::point,
                                 {{"campus_id", FieldType::integer},
                                  {"name", FieldType::string},
                                  {"kind", FieldType::string},
                                  {"poi_id", FieldType::integer},
                                  {"address", FieldType::string}});
  std::int64_t id = 0;
  for (const auto& c : demo::campuses) {
    table.points.push_back(to_utm(c.position));
    table.rows.push_back(
        {integer(++id), text(c.name), text(c.kind), integer(c.poi_id), text(c.address)});
  }
  table.metadata["source"] =
      "Stadt Bochum POI database (StadtBochum/OpenData, data/EDUC/schools/bochum_schools.csv, "
      "retrieved 2023-10-17), CC0 1.0";
  table.metadata["attribution"] = "Stadt Bochum, Open Data";
  table.metadata["note"] = "Positions are the official POI coordinates; poi_id names the entry.";
  return table;
}

VectorTable make_park_layer(const LonLatToUtm& to_utm) {
  VectorTable table = make_table("business_parks", standort::GeometryKind::point,
                                 {{"park_id", FieldType::integer},
                                  {"name", FieldType::string},
                                  {"position", FieldType::string},
                                  {"area_ha", FieldType::real}});
  std::int64_t id = 0;
  for (const auto& p : demo::business_parks) {
    table.points.push_back(to_utm(p.position));
    table.rows.push_back({integer(++id), text(p.name), text(p.position_kind), p.area_ha});
  }
  table.metadata["source"] =
      "position=poi: Stadt Bochum POIs (CC0) as chosen in bochum_strategie_standorte; area_ha: "
      "metropole.ruhr (MARK 51°7), WAZ 2018 (Hiltrop, Lothringen)";
  table.metadata["approximate"] = "yes";
  table.metadata["note"] =
      "Points with position=approximate were placed by hand and may be several hundred metres off; "
      "the Technologiequartier labels of the POI points are assumptions.";
  return table;
}

VectorTable make_junction_layer(const LonLatToUtm& to_utm) {
  VectorTable table = make_table("motorway_junctions", standort::GeometryKind::point,
                                 {{"junction_id", FieldType::integer},
                                  {"name", FieldType::string},
                                  {"motorway", FieldType::string},
                                  {"position", FieldType::string}});
  std::int64_t id = 0;
  for (const auto& j : demo::junctions) {
    table.points.push_back(to_utm(j.position));
    table.rows.push_back({integer(++id), text(j.name), text(j.motorway), text(j.position_kind)});
  }
  table.metadata["source"] =
      "Junction names: Wikipedia (A 448, Autobahnkreuz Bochum, Autobahnkreuz Bochum/Witten, "
      "Autobahndreieck Bochum-West), autobahnatlas-online.de (A 43)";
  table.metadata["approximate"] = "yes";
  table.metadata["note"] =
      "Only the three interchanges use published coordinates; the other junctions were placed by "
      "hand along the motorway and may be several hundred metres off.";
  return table;
}

VectorTable make_station_layer(const LonLatToUtm& to_utm) {
  VectorTable table = make_table("rail_stations", standort::GeometryKind::point,
                                 {{"station_id", FieldType::integer},
                                  {"name", FieldType::string},
                                  {"kind", FieldType::string},
                                  {"position", FieldType::string}});
  std::int64_t id = 0;
  for (const auto& s : demo::stations) {
    table.points.push_back(to_utm(s.position));
    table.rows.push_back({integer(++id), text(s.name), text(s.kind), text(s.position_kind)});
  }
  table.metadata["source"] =
      "Bochum Hbf: VRR stop de:05911:5194; Wattenscheid, Höntrop, Dahlhausen, Langendreer: "
      "Wikipedia coordinates; services: WAZ Bahnhofs-Check 2022";
  table.metadata["approximate"] = "yes";
  table.metadata["note"] =
      "Stations with position=approximate were placed by hand from street descriptions and may be "
      "a few hundred metres off.";
  return table;
}

constexpr std::array<std::string_view, 7> sectors{
    {"IT/Software", "Gesundheit", "Handel", "Handwerk", "Logistik", "Dienstleistung", "Industrie"}};
// Base sector mix, in the order of `sectors`.
constexpr std::array<double, 7> sector_weights{{0.08, 0.12, 0.22, 0.18, 0.07, 0.25, 0.08}};

/// How the synthetic settlements gather around each business park (same order as
/// demo::business_parks): spread, relative share, and the park's own sector (index into `sectors`).
struct ParkCluster {
  double sigma_m;
  double weight;
  std::size_t sector;
};
constexpr std::array<ParkCluster, 11> park_clusters{{
    {600.0, 3.0, 0},  // MARK 51°7
    {350.0, 1.5, 0},  // Technologiezentrum Ruhr
    {400.0, 1.5, 0},  // Technologiequartier
    {300.0, 1.0, 0},  // ZESS
    {300.0, 0.8, 0},  // World Factory
    {400.0, 1.5, 4},  // Hiltrop: logistics
    {300.0, 0.8, 3},  // Lothringen: crafts
    {350.0, 0.8, 1},  // Gerthe-Süd: health
    {400.0, 1.2, 3},  // Zeche Holland: crafts
    {500.0, 1.2, 5},  // Westpark: services
    {450.0, 1.0, 6},  // Riemke: industry
}};
static_assert(park_clusters.size() == demo::business_parks.size());

struct Cluster {
  Point centre;
  double sigma_m;
  double median_employees;
  std::optional<std::size_t> sector;  // the cluster's own sector, if any
};

VectorTable make_settlement_layer(const Polygon& outline, const LonLatToUtm& to_utm) {
  std::vector<Cluster> clusters;
  std::vector<double> weights;
  double park_weight_total = 0.0;
  for (const auto& c : park_clusters) park_weight_total += c.weight;
  for (std::size_t i = 0; i < park_clusters.size(); ++i) {
    const ParkCluster& c = park_clusters[i];
    clusters.push_back(
        {to_utm(demo::business_parks[i].position), c.sigma_m, park_median_employees, c.sector});
    weights.push_back(park_share * c.weight / park_weight_total);
  }
  double district_area_total = 0.0;
  for (const auto& d : demo::districts) district_area_total += d.area_km2;
  for (const auto& d : demo::districts) {
    clusters.push_back({to_utm(d.centroid), district_sigma_m, district_median_employees, {}});
    weights.push_back((1.0 - park_share) * d.area_km2 / district_area_total);
  }
  const std::vector<double> cluster_cumulative = cumulative_sums(weights);
  const std::vector<double> sector_cumulative =
      cumulative_sums({sector_weights.begin(), sector_weights.end()});

  VectorTable table = make_table("business_settlements", standort::GeometryKind::point,
                                 {{"settlement_id", FieldType::integer},
                                  {"sector", FieldType::string},
                                  {"employees", FieldType::integer}});
  Random random(settlement_seed);
  std::size_t attempts = 0;
  while (table.points.size() < settlement_count) {
    if (++attempts > 100 * settlement_count) {
      throw std::runtime_error("business_settlements: too many points fell outside the outline");
    }
    const Cluster& cluster = clusters[random.pick(cluster_cumulative)];
    const double x = cluster.centre.x() + cluster.sigma_m * random.normal();
    const double y = cluster.centre.y() + cluster.sigma_m * random.normal();
    const Point p(x, y);
    if (!bg::within(p, outline)) continue;
    std::size_t sector = random.pick(sector_cumulative);
    if (cluster.sector && random.uniform() < dominant_sector_share) sector = *cluster.sector;
    const double raw =
        std::exp(std::log(cluster.median_employees) + employees_log_sigma * random.normal());
    const auto employees = static_cast<std::int64_t>(std::clamp(std::round(raw), 1.0, 2000.0));
    table.points.push_back(p);
    table.rows.push_back({integer(static_cast<std::int64_t>(table.points.size())),
                          text(sectors[sector]), integer(employees)});
  }
  table.metadata["synthetic"] = "yes";
  table.metadata["note"] = "Synthetic points for demonstration, not real businesses.";
  table.metadata["source"] =
      "Generated: Gaussian clusters around the business parks and the district centroids "
      "(weighted by district area), lognormal employee counts, seed " +
      std::to_string(settlement_seed);
  return table;
}

/// Splits `total` in proportion to `weights` by largest remainders; ties go to the earlier entry.
std::vector<int> apportion(const std::vector<double>& weights, int total) {
  double sum = 0.0;
  for (double w : weights) sum += w;
  std::vector<int> counts(weights.size());
  std::vector<std::pair<double, std::size_t>> remainders;
  int assigned = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const double exact = total * weights[i] / sum;
    counts[i] = static_cast<int>(std::floor(exact));
    assigned += counts[i];
    remainders.emplace_back(exact - counts[i], i);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (int k = 0; k < total - assigned; ++k)
    ++counts[remainders[static_cast<std::size_t>(k)].second];
  return counts;
}

VectorTable make_research_layer(const LonLatToUtm& to_utm) {
  for (const auto& r : demo::research_sites) {
    for (const auto& c : demo::campuses) {
      if (r.poi_id == c.poi_id) {
        throw std::runtime_error("research_institutes: POI " + std::to_string(r.poi_id) + " ('" +
                                 std::string(r.name) +
                                 "') is already in campuses; remove it from research_sites");
      }
    }
  }
  VectorTable table = make_table("research_institutes", standort::GeometryKind::point,
                                 {{"research_id", FieldType::integer},
                                  {"name", FieldType::string},
                                  {"kind", FieldType::string},
                                  {"poi_id", FieldType::integer},
                                  {"address", FieldType::string},
                                  {"source", FieldType::string}});
  std::int64_t id = 0;
  for (const auto& r : demo::research_sites) {
    table.points.push_back(to_utm(r.position));
    table.rows.push_back({integer(++id), text(r.name), text(r.kind), integer(r.poi_id),
                          text(r.address),
                          "Stadt Bochum POI database (CC0), POI " + std::to_string(r.poi_id)});
  }
  table.metadata["source"] =
      "Stadt Bochum POI database (StadtBochum/OpenData, data/EDUC/schools/bochum_schools.csv, "
      "retrieved 2023-10-17), CC0 1.0: the research and university POIs that are not campuses";
  table.metadata["attribution"] = "Stadt Bochum, Open Data";
  table.metadata["note"] =
      "Positions are the official POI coordinates. The 12 sites of the campuses layer and the "
      "student-services POI 335687 are left out; kind follows the POI category "
      "(Forschungseinrichtung, Hochschuleinrichtung, Private Hochschule).";
  return table;
}

/// Synthetic schools, seeded: per district in proportion to its official area, of the POI type mix,
/// outside `keep_out` (water, protected areas) and apart from each other.
VectorTable make_school_layer(const std::vector<MultiPolygon>& district_shapes,
                              const std::vector<MultiPolygon>& keep_out) {
  std::vector<double> areas;
  for (const auto& d : demo::districts) areas.push_back(d.area_km2);
  const std::vector<int> per_district = apportion(areas, school_count);
  std::vector<double> type_weights;
  for (const auto& t : demo::school_types) type_weights.push_back(t.poi_count);
  const std::vector<int> per_type = apportion(type_weights, school_count);

  Random random(school_seed);
  std::vector<std::size_t> types;
  for (std::size_t t = 0; t < per_type.size(); ++t) types.insert(types.end(), per_type[t], t);
  for (std::size_t i = types.size(); i > 1; --i) {  // Fisher-Yates with the written-out uniform
    const auto j =
        std::min(static_cast<std::size_t>(random.uniform() * static_cast<double>(i)), i - 1);
    std::swap(types[i - 1], types[j]);
  }

  VectorTable table = make_table("schools", standort::GeometryKind::point,
                                 {{"school_id", FieldType::integer},
                                  {"name", FieldType::string},
                                  {"school_type", FieldType::string},
                                  {"stat_bezirk_nr", FieldType::integer},
                                  {"origin", FieldType::string}});
  std::vector<int> numbers(demo::school_types.size(), 0);
  for (std::size_t d = 0; d < demo::districts.size(); ++d) {
    const MultiPolygon& shape = district_shapes.at(d);
    Box box;
    bg::envelope(shape, box);
    for (int k = 0; k < per_district[d]; ++k) {
      std::optional<Point> placed;
      for (int attempt = 0; attempt < school_attempts && !placed; ++attempt) {
        const Point p(
            box.min_corner().x() + random.uniform() * (box.max_corner().x() - box.min_corner().x()),
            box.min_corner().y() +
                random.uniform() * (box.max_corner().y() - box.min_corner().y()));
        if (!bg::within(p, shape)) continue;
        if (std::any_of(keep_out.begin(), keep_out.end(),
                        [&](const MultiPolygon& area) { return bg::covered_by(p, area); })) {
          continue;
        }
        const bool crowded =
            std::any_of(table.points.begin(), table.points.end(),
                        [&](const Point& q) { return bg::distance(p, q) < school_min_spacing_m; });
        if (!crowded) placed = p;
      }
      if (!placed) {
        throw std::runtime_error("schools: no free place " + fixed(school_min_spacing_m, 0) +
                                 " m from the other schools in district " +
                                 std::to_string(demo::districts[d].number) +
                                 "; lower school_min_spacing_m or school_count");
      }
      const std::size_t type = types.at(table.points.size());
      const std::string type_name(demo::school_types[type].name);
      table.points.push_back(*placed);
      table.rows.push_back({integer(static_cast<std::int64_t>(table.points.size())),
                            type_name + " (synthetisch) " + std::to_string(++numbers[type]),
                            type_name, integer(demo::districts[d].number), text("synthetic")});
    }
  }
  table.metadata["synthetic"] = "yes";
  table.metadata["origin"] = "synthetic";
  table.metadata["note"] =
      "Synthetic points for demonstration, not real schools: " + std::to_string(school_count) +
      " schools placed uniformly at random inside the generated statistical districts, in "
      "proportion to the official district areas, outside the water and protected_areas layers "
      "and at least " +
      fixed(school_min_spacing_m, 0) + " m apart.";
  table.metadata["source"] =
      "Generated, seed " + std::to_string(school_seed) +
      "; the school-type mix follows the primary categories of the Stadt Bochum POI database "
      "(StadtBochum/OpenData bochum_schools.csv, 2023-10-17, CC0): Grundschulen 49, weiterführende "
      "Schulen 27, Berufskollegs 15, Förderschulen 15";
  return table;
}

VectorTable make_centre_layer(const LonLatToUtm& to_utm) {
  for (const auto& c : demo::centre_positions) {
    if (std::none_of(demo::districts.begin(), demo::districts.end(),
                     [&](const demo::District& d) { return d.number == c.district; })) {
      throw std::runtime_error("district_centres: centre_positions names district " +
                               std::to_string(c.district) + " ('" + std::string(c.place) +
                               "'), which is not in districts; fix the number");
    }
  }
  VectorTable table = make_table("district_centres", standort::GeometryKind::point,
                                 {{"centre_id", FieldType::integer},
                                  {"name", FieldType::string},
                                  {"place", FieldType::string},
                                  {"position", FieldType::string},
                                  {"source", FieldType::string}});
  for (const auto& d : demo::districts) {
    const auto published =
        std::find_if(demo::centre_positions.begin(), demo::centre_positions.end(),
                     [&](const demo::CentrePosition& c) { return c.district == d.number; });
    const std::string name = "Zentrum " + std::string(d.name);
    if (published != demo::centre_positions.end()) {
      table.points.push_back(to_utm(published->position));
      table.rows.push_back({integer(d.number), name, text(published->place),
                            text("approximate (published place coordinate)"),
                            text(published->source)});
    } else {
      table.points.push_back(to_utm(d.centroid));
      table.rows.push_back({integer(d.number), name, text(d.name),
                            text("approximate (district centroid)"),
                            text("Stadt Bochum, Statistische Bezirke (official area centroid)")});
    }
  }
  table.metadata["source"] =
      "Official district area centroids (Stadt Bochum, Statistische Bezirke); for " +
      std::to_string(demo::centre_positions.size()) +
      " main centres published coordinates (Wikipedia articles, Stadt Bochum POI 255740)";
  table.metadata["approximate"] = "yes";
  table.metadata["note"] =
      "One Stadtteilzentrum per statistical district (centre_id = stat_bezirk_nr). A district "
      "centroid is where the district's area balances, not where its shops and services are; "
      "the published positions are the article coordinates of the Stadtteil or a central building.";
  return table;
}

VectorTable make_facility_layer(const LonLatToUtm& to_utm) {
  VectorTable table = make_table("community_facilities", standort::GeometryKind::point,
                                 {{"facility_id", FieldType::integer},
                                  {"name", FieldType::string},
                                  {"kind", FieldType::string},
                                  {"position", FieldType::string},
                                  {"source", FieldType::string}});
  std::int64_t id = 0;
  for (const auto& f : demo::facilities) {
    table.points.push_back(to_utm(f.position));
    table.rows.push_back(
        {integer(++id), text(f.name), text(f.kind), text("approximate"), text(f.source)});
  }
  table.metadata["source"] =
      "Public pages named per feature (Wikipedia articles, ruhrpottpedia.de, lobafedo.de, "
      "aroundus.com, opencaching.de, mensa.de, wieland-herrmann.de), Stadt Bochum POIs (CC0)";
  table.metadata["approximate"] = "yes";
  table.metadata["note"] =
      "Culture, green, sport and community places with approximate coordinates; features whose "
      "source says 'approximate, from memory' were placed by hand without a checked coordinate "
      "and may be several hundred metres off.";
  return table;
}

/// Where `p` falls on the closed `ring`: the segment, the parameter along it and the point.
struct RingPosition {
  std::size_t segment = 0;
  double t = 0.0;
  Point point;
};

RingPosition project_onto_ring(const Ring& ring, const Point& p) {
  RingPosition best;
  double best_distance = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
    const Point& a = ring[i];
    const Point& b = ring[i + 1];
    const double dx = b.x() - a.x(), dy = b.y() - a.y();
    const double length2 = dx * dx + dy * dy;
    if (!(length2 > 0.0)) continue;
    const double t = std::clamp(((p.x() - a.x()) * dx + (p.y() - a.y()) * dy) / length2, 0.0, 1.0);
    const Point q(a.x() + t * dx, a.y() + t * dy);
    const double distance = bg::distance(p, q);
    if (distance < best_distance) {
      best_distance = distance;
      best = {i, t, q};
    }
  }
  return best;
}

/// The part of the closed `ring` between two positions, from `from` to `to`, the shorter way round.
Linestring ring_section(const Ring& ring, const RingPosition& from, const RingPosition& to) {
  const std::size_t segments = ring.size() - 1;
  auto forward = [&](const RingPosition& a, const RingPosition& b) {
    Linestring line{a.point};
    if (a.segment != b.segment || b.t < a.t) {
      std::size_t s = a.segment;
      do {
        s = (s + 1) % segments;
        line.push_back(ring[s]);
      } while (s != b.segment);
    }
    line.push_back(b.point);
    bg::unique(line);
    return line;
  };
  Linestring ahead = forward(from, to);
  Linestring back = forward(to, from);
  if (bg::length(back) < bg::length(ahead)) {
    std::reverse(back.begin(), back.end());
    return back;
  }
  return ahead;
}

MultiPolygon buffer_line(const Linestring& line, double half_width_m, bool round_ends) {
  namespace buf = bg::strategy::buffer;
  MultiPolygon result;
  const buf::distance_symmetric<double> distance(half_width_m);
  const buf::side_straight side;
  const buf::join_round join(buffer_points_per_circle);
  const buf::point_circle circle(buffer_points_per_circle);
  if (round_ends) {
    bg::buffer(line, result, distance, side, join, buf::end_round(buffer_points_per_circle),
               circle);
  } else {
    bg::buffer(line, result, distance, side, join, buf::end_flat(), circle);
  }
  return result;
}

MultiPolygon grow(const Polygon& polygon, double margin_m) {
  namespace buf = bg::strategy::buffer;
  MultiPolygon result;
  bg::buffer(polygon, result, buf::distance_symmetric<double>(margin_m), buf::side_straight(),
             buf::join_round(buffer_points_per_circle), buf::end_round(buffer_points_per_circle),
             buf::point_circle(buffer_points_per_circle));
  return result;
}

double hectares(double area_m2) { return std::round(area_m2 / 1e2) / 1e2; }

VectorTable make_water_layer(const Polygon& outline, const LonLatToUtm& to_utm) {
  const MultiPolygon region = grow(outline, water_clip_margin_m);
  const Ring& ring = outline.outer();
  Linestring boundary(ring.begin(), ring.end());

  Linestring lake_line;
  for (const auto& v : demo::kemnader_see_centreline) lake_line.push_back(to_utm(v));
  const MultiPolygon lake_full = buffer_line(lake_line, demo::kemnader_see_width_m / 2.0, true);

  VectorTable table = make_table("water", standort::GeometryKind::polygon,
                                 {{"water_id", FieldType::integer},
                                  {"name", FieldType::string},
                                  {"kind", FieldType::string},
                                  {"area_ha", FieldType::real},
                                  {"position", FieldType::string},
                                  {"source", FieldType::string}});
  auto add = [&](MultiPolygon shape, std::string_view name, std::string_view kind,
                 std::string_view source) {
    remove_specks(shape, speck_area_m2);
    require_valid(shape, "water: " + std::string(name));
    if (!bg::intersects(shape, boundary)) {
      throw std::runtime_error("water: " + std::string(name) +
                               " does not reach the city outline; check its hand-drawn position");
    }
    const double area = bg::area(shape);
    table.polygons.push_back(std::move(shape));
    table.rows.push_back({integer(static_cast<std::int64_t>(table.polygons.size())), text(name),
                          text(kind), hectares(area), text("approximate (hand-drawn)"),
                          text(source)});
  };
  for (const auto& reach : demo::ruhr_reaches) {
    const Linestring line = ring_section(ring, project_onto_ring(ring, to_utm(reach.from)),
                                         project_onto_ring(ring, to_utm(reach.to)));
    MultiPolygon band = buffer_line(line, demo::ruhr_width_m / 2.0, false);
    MultiPolygon clipped, outside_lake;
    bg::intersection(band, region, clipped);
    bg::difference(clipped, lake_full, outside_lake);
    add(std::move(outside_lake), reach.name, "river",
        "Drawn along the city outline where the Ruhr forms the boundary (Wikipedia: Dahlhausen "
        "(Bochum), Winz-Baak, Naturschutzgebiet Ruhraue Stiepel)");
  }
  MultiPolygon lake;
  bg::intersection(lake_full, region, lake);
  add(std::move(lake), "Kemnader See", "lake",
      "Hand-drawn from Wikipedia, Kemnader See (51° 25′ 23″ N, 7° 15′ 59″ O; 3 km long, 420 m "
      "mean width) and Herbeder Ruhrbrücke; the Bochum-Witten boundary crosses the lake");

  table.metadata["source"] =
      "Hand-drawn: the Ruhr along the simplified city outline where it forms the boundary, the "
      "Kemnader See from its published position and size (Wikipedia)";
  table.metadata["approximate"] = "yes";
  table.metadata["note"] =
      "Approximate (hand-drawn) water: a " + fixed(demo::ruhr_width_m, 0) +
      " m band centred on the outline for the Ruhr reaches, a " +
      fixed(demo::kemnader_see_width_m, 0) +
      " m wide band along a hand-drawn centre line for the Kemnader See, all clipped to the "
      "outline grown by " +
      fixed(water_clip_margin_m, 0) +
      " m; the river reaches stop where the lake begins. Not the real shore lines.";
  return table;
}

VectorTable make_protected_layer(const Polygon& outline, const LonLatToUtm& to_utm) {
  VectorTable table = make_table("protected_areas", standort::GeometryKind::polygon,
                                 {{"protected_id", FieldType::integer},
                                  {"name", FieldType::string},
                                  {"kind", FieldType::string},
                                  {"nsg_id", FieldType::string},
                                  {"official_area_ha", FieldType::real},
                                  {"area_ha", FieldType::real},
                                  {"position", FieldType::string},
                                  {"source", FieldType::string}});
  for (const auto& a : demo::protected_areas) {
    const Polygon drawn = polygon_from_lonlat(a.ring, to_utm);
    std::string reason;
    if (!bg::is_valid(drawn, reason)) {
      throw std::runtime_error("protected_areas: " + std::string(a.name) +
                               ": the hand-drawn ring is invalid: " + reason);
    }
    MultiPolygon shape;
    bg::intersection(drawn, outline, shape);
    remove_specks(shape, speck_area_m2);
    require_valid(shape, "protected_areas: " + std::string(a.name));
    const double area = bg::area(shape);
    table.polygons.push_back(std::move(shape));
    table.rows.push_back({integer(static_cast<std::int64_t>(table.polygons.size())), text(a.name),
                          text(a.kind), text(a.nsg_id), a.official_area_ha, hectares(area),
                          text("approximate (hand-drawn)"), text(a.source)});
  }
  table.metadata["source"] =
      "Names, identifiers and areas: LANUV NRW Naturschutzinformationen, aku-bochum.de (2013), "
      "Wikipedia; shapes hand-drawn around the published locations";
  table.metadata["approximate"] = "yes";
  table.metadata["note"] =
      "Approximate (hand-drawn) polygons clipped to the city outline, sized to about the "
      "published area (area_ha against official_area_ha); not the legal boundaries of the "
      "reserves, which are in the Landschaftspläne of the Stadt Bochum.";
  return table;
}

/// Synthetic candidate sites for the site ranking and investor matching: plots at each business
/// park and a few brownfields and campus-adjacent plots, as rectangles of 1.5–14 ha at seeded
/// positions and orientations, clipped to the city outline. Whether a plot touches water or a
/// protected area is left to chance, as it would be for real parcels: the exclusion rules then
/// report the share of it they exclude.
VectorTable make_site_layer(const Polygon& outline, const LonLatToUtm& to_utm) {
  VectorTable table = make_table("candidate_sites", standort::GeometryKind::polygon,
                                 {{"site_id", FieldType::integer},
                                  {"name", FieldType::string},
                                  {"kind", FieldType::string},
                                  {"zoning", FieldType::string},
                                  {"area_ha", FieldType::real},
                                  {"origin", FieldType::string}});
  Random random(site_seed);
  struct Anchor {
    std::string name;
    std::string kind;
    Point centre;
    int plots;
  };
  std::vector<Anchor> anchors;
  for (const auto& p : demo::business_parks) {
    std::string name(p.name);
    name = name.substr(0, name.find(" ("));
    anchors.push_back({name, "business park plot", to_utm(p.position), 2});
  }
  for (std::size_t c = 0; c < 3 && c < demo::campuses.size(); ++c)
    anchors.push_back({std::string(demo::campuses[c].name), "campus-adjacent plot",
                       to_utm(demo::campuses[c].position), 1});
  for (std::size_t d = 0; d < demo::districts.size(); d += 5)
    anchors.push_back({std::string(demo::districts[d].name), "brownfield",
                       to_utm(demo::districts[d].centroid), 1});
  // Zoning classes of the Baunutzungsverordnung: GE commercial, GI industrial, MI mixed,
  // SO special area (here: science and technology).
  auto zoning_of = [&](const std::string& kind) -> std::string {
    if (kind == "campus-adjacent plot") return "SO";
    if (kind == "brownfield") return random.uniform() < 0.5 ? "MI" : "GI";
    return random.uniform() < 0.7 ? "GE" : "GI";
  };
  std::int64_t id = 0;
  for (const Anchor& a : anchors) {
    for (int k = 0; k < a.plots; ++k) {
      const double area_m2 = (1.5 + 12.5 * random.uniform()) * 1e4;
      const double aspect = 1.0 + random.uniform();  // long side / short side
      const double w = std::sqrt(area_m2 * aspect), h = area_m2 / w;
      const double angle = random.uniform() * 3.141592653589793;
      const double offset = 250.0 + 550.0 * random.uniform();
      const double bearing = random.uniform() * 2.0 * 3.141592653589793;
      const double cx = a.centre.x() + offset * std::cos(bearing);
      const double cy = a.centre.y() + offset * std::sin(bearing);
      Ring ring;
      for (const auto& [u, v] : {std::pair{-0.5, -0.5}, {-0.5, 0.5}, {0.5, 0.5}, {0.5, -0.5}}) {
        const double x = u * w, y = v * h;
        ring.push_back(Point(cx + x * std::cos(angle) - y * std::sin(angle),
                             cy + x * std::sin(angle) + y * std::cos(angle)));
      }
      ring.push_back(ring.front());
      Polygon plot;
      plot.outer() = ring;
      bg::correct(plot);
      MultiPolygon shape;
      bg::intersection(plot, outline, shape);
      remove_specks(shape, speck_area_m2);
      if (bg::area(shape) < 0.5e4) continue;  // mostly outside the city
      require_valid(shape, "candidate_sites: " + a.name);
      const std::string zoning = zoning_of(a.kind);
      const std::string name =
          a.name + (a.kind == "brownfield"             ? " brownfield"
                    : a.kind == "campus-adjacent plot" ? " campus plot"
                                                       : " plot " + std::to_string(k + 1));
      table.rows.push_back({integer(++id), text(name), text(a.kind), text(zoning),
                            hectares(bg::area(shape)), text("synthetic")});
      table.polygons.push_back(std::move(shape));
    }
  }
  table.metadata["synthetic"] = "yes";
  table.metadata["origin"] = "synthetic";
  table.metadata["note"] =
      "Synthetic candidate sites for demonstrations: rectangles of 1.5-14 ha at seeded positions "
      "near the business parks, three campuses and every fifth district centroid; names, zoning "
      "and shapes are invented, not real parcels.";
  return table;
}

std::size_t count_outside(const VectorTable& table, const Polygon& outline) {
  return static_cast<std::size_t>(
      std::count_if(table.points.begin(), table.points.end(),
                    [&](const Point& p) { return !bg::within(p, outline); }));
}

int run(const std::filesystem::path& target) {
  const LonLatToUtm to_utm;
  const Polygon outline = polygon_from_lonlat(demo::city_outline, to_utm);
  {
    std::string reason;
    if (!bg::is_valid(outline, reason)) throw std::runtime_error("stadtgrenze: " + reason);
  }

  DistrictLayers district_layers = make_district_layers(outline, to_utm);
  const std::vector<MultiPolygon> district_shapes = district_layers.districts.polygons;
  std::vector<VectorTable> tables;
  tables.push_back(make_outline_layer(outline));
  tables.push_back(std::move(district_layers.districts));
  tables.push_back(std::move(district_layers.stadtbezirke));
  tables.push_back(make_campus_layer(to_utm));
  tables.push_back(make_park_layer(to_utm));
  tables.push_back(make_junction_layer(to_utm));
  tables.push_back(make_station_layer(to_utm));
  tables.push_back(make_settlement_layer(outline, to_utm));
  VectorTable water = make_water_layer(outline, to_utm);
  VectorTable protected_areas = make_protected_layer(outline, to_utm);
  std::vector<MultiPolygon> keep_out = water.polygons;
  keep_out.insert(keep_out.end(), protected_areas.polygons.begin(), protected_areas.polygons.end());
  tables.push_back(make_research_layer(to_utm));
  tables.push_back(make_school_layer(district_shapes, keep_out));
  tables.push_back(make_centre_layer(to_utm));
  tables.push_back(make_facility_layer(to_utm));
  tables.push_back(std::move(water));
  tables.push_back(std::move(protected_areas));
  tables.push_back(make_site_layer(outline, to_utm));

  if (district_layers.max_area_error > 0.01) {
    std::cerr << "warning: statistische_bezirke: the area fit stopped "
              << percent(district_layers.max_area_error) << " from its target\n";
  }
  for (const VectorTable& t : tables) {
    if (t.kind != standort::GeometryKind::point) continue;
    if (const std::size_t outside = count_outside(t, outline); outside > 0) {
      std::cerr << "note: " << t.name << ": " << outside
                << " point(s) lie outside the simplified city outline\n";
    }
  }

  // GDAL stamps GeoPackage tables with the current time unless told otherwise; a fixed date keeps
  // the file identical from run to run. A value set by the caller wins.
  setenv("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z", 0);
  standort::layers::write_gpkg(target, tables);

  std::ostringstream summary;
  summary << target.string() << ":";
  const char* separator = " ";
  for (const VectorTable& t : tables) {
    const std::size_t count =
        t.kind == standort::GeometryKind::point ? t.points.size() : t.polygons.size();
    summary << separator << t.name << " " << count;
    separator = ", ";
  }
  summary << "; district areas within " << percent(district_layers.max_area_error)
          << " of target, centroids within " << fixed(district_layers.max_centroid_offset_m, 1)
          << " m";
  std::cout << summary.str() << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view usage = "usage: standort-make-demo-data OUT.gpkg\n";
  if (argc == 2 && (std::string_view(argv[1]) == "-h" || std::string_view(argv[1]) == "--help")) {
    std::cout << usage;
    return 0;
  }
  if (argc != 2) {
    std::cerr << usage;
    return 1;
  }
  try {
    return run(argv[1]);
  } catch (const std::exception& e) {
    std::cerr << "standort-make-demo-data: " << e.what() << '\n';
    return 1;
  }
}
