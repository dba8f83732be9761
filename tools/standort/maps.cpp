#include "maps.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace standort::cli {
namespace {

/// The field's column in `t`, or -1.
int field_index(const layers::VectorTable& t, const std::string& name) {
  for (std::size_t j = 0; j < t.fields.size(); ++j)
    if (t.fields[j].first == name) return static_cast<int>(j);
  return -1;
}

std::string text_field(const layers::VectorTable& t, std::size_t row, int col) {
  if (col < 0) return {};
  const auto* s = std::get_if<std::string>(&t.rows[row][static_cast<std::size_t>(col)]);
  return s ? *s : std::string();
}

double number_field(const layers::VectorTable& t, std::size_t row, int col) {
  if (col < 0) return std::nan("");
  const auto& v = t.rows[row][static_cast<std::size_t>(col)];
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return std::nan("");
}

/// The ramp's labels in the map's language ("0,25" in German).
std::vector<layers::RampStop> localised(std::vector<layers::RampStop> stops, const Lang& lang,
                                        int precision) {
  for (auto& s : stops) s.label = lang.num(s.value, precision);
  return stops;
}

/// "employees per km2" reads better as "employees per km²".
std::string pretty_unit(std::string unit) {
  for (const char* from : {"km2", "m2"}) {
    const auto at = unit.find(from);
    if (at != std::string::npos && at + std::string(from).size() == unit.size())
      unit.replace(at + std::string(from).size() - 1, 1, "²");
  }
  return unit;
}

}  // namespace

std::vector<PlannedMap> plan_maps(const MapSources& sources, const Lang& lang,
                                  const std::string& version) {
  const std::string subtitle = sources.scenario_name;
  // The cell size as short as it is exact: "10 m", "12.5 m".
  int decimals = 0;
  while (decimals < 3 &&
         std::abs(sources.cell_size_m * std::pow(10.0, decimals) -
                  std::round(sources.cell_size_m * std::pow(10.0, decimals))) > 1e-9)
    ++decimals;
  const std::string credits = "standort " + version + " · " + sources.crs + " · " +
                              lang.num(sources.cell_size_m, decimals) + " m " + lang.text("cells");
  // A frame within 1000 × 1000 px: tall extents get a narrower frame, not a taller one.
  const double aspect = sources.extent.height() / sources.extent.width();
  const int width_px =
      aspect > 1.0 ? std::max(200, static_cast<int>(std::floor(1000.0 / aspect))) : 1000;
  // District outlines on every raster map: the first level thin and named, a coarser second
  // level bold on top of it.
  std::vector<layers::MapPolygons> outlines;
  std::vector<layers::LegendClass> outline_legend;
  if (sources.districts && !sources.districts->empty()) {
    const auto& levels = *sources.districts;
    for (std::size_t k = 0; k < std::min<std::size_t>(levels.size(), 2); ++k) {
      const layers::VectorTable& t = levels[k];
      layers::MapPolygons p;
      p.polygons = t.polygons;
      if (k == 0) {
        const int name = field_index(t, "name");
        for (std::size_t i = 0; i < t.rows.size(); ++i) p.labels.push_back(text_field(t, i, name));
        p.stroke = {60, 60, 60, 255};
        p.stroke_width_px = 0.8;
        p.label_size_px = t.rows.size() > 12 ? 10.0 : 12.0;
      } else {
        p.stroke = {20, 20, 20, 255};
        p.stroke_width_px = 2.0;
      }
      outline_legend.push_back({std::nullopt, p.stroke, t.name});
      outlines.push_back(std::move(p));
    }
    // The coarse level is drawn first so that the named level's labels stay on top.
    if (outlines.size() == 2) std::swap(outlines[0], outlines[1]);
  }

  std::vector<PlannedMap> maps;
  for (const MapLayerSource& r : sources.rasters) {
    PlannedMap m;
    m.stem = r.stem;
    layers::MapSpec& s = m.spec;
    s.title = r.title;
    s.subtitle = subtitle;
    s.credits = credits;
    s.extent = sources.extent;
    s.width_px = width_px;
    s.language = lang.code();
    s.raster = layers::MapRaster{r.values, r.stops};
    s.legend.title = r.legend_title;
    s.legend.unit = pretty_unit(r.unit);
    s.legend.ramp = localised(r.stops, lang, r.precision);
    // Where rules exclude cells, the overall score is 0 by rule, not by its criteria: those
    // cells are drawn in the colours of exclusions.qml.
    if (r.stem == "map_suitability" && sources.exclusions) {
      const std::vector<layers::PaletteEntry> palette =
          layers::category_palette(sources.exclusion_reasons, 1);
      s.categories = layers::MapCategories{sources.exclusions, palette};
      for (const layers::LegendClass& c : layers::legend_classes(palette))
        s.legend.classes.push_back(c);
    }
    s.layers = outlines;
    for (const auto& c : outline_legend) s.legend.classes.push_back(c);
    // The candidate sites on the overall map, the best five named by their rank.
    if (r.stem == "map_suitability" && sources.sites && !sources.sites->rows.empty()) {
      const layers::VectorTable& t = *sources.sites;
      const int rank = field_index(t, "rank");
      layers::MapPolygons p;
      p.polygons = t.polygons;
      for (std::size_t i = 0; i < t.rows.size(); ++i) {
        const double rk = number_field(t, i, rank);
        p.labels.push_back(rk >= 1.0 && rk <= 5.0 ? std::to_string(static_cast<int>(rk)) : "");
      }
      p.stroke = {200, 30, 90, 255};
      p.stroke_width_px = 1.6;
      p.label_size_px = 12.0;
      s.layers.push_back(std::move(p));
      s.legend.classes.push_back({std::nullopt, {200, 30, 90, 255}, lang.text("Sites (rank)")});
    }
    maps.push_back(std::move(m));
  }

  // The district means as a choropleth, one map per level.
  if (sources.districts) {
    const std::vector<layers::RampStop> stops = layers::ramp_stops(0.0, 1.0, false, 2);
    for (const layers::VectorTable& t : *sources.districts) {
      const int name = field_index(t, "name");
      const int mean = field_index(t, "suitability_mean");
      if (mean < 0) continue;
      PlannedMap m;
      m.stem = "map_districts_" + t.name;
      layers::MapSpec& s = m.spec;
      s.title = lang.text("Mean suitability per district") + ": " + t.name;
      s.subtitle = subtitle;
      s.credits = credits;
      s.extent = sources.extent;
      s.width_px = width_px;
      s.language = lang.code();
      layers::MapPolygons p;
      p.polygons = t.polygons;
      p.stroke = {40, 40, 40, 255};
      p.stroke_width_px = 1.0;
      // Few districts have room for their value beside the name.
      const bool values = t.rows.size() <= 12;
      p.label_size_px = values ? 12.0 : 10.0;
      for (std::size_t i = 0; i < t.rows.size(); ++i) {
        const double v = number_field(t, i, mean);
        p.fills.push_back(std::isfinite(v)
                              ? std::optional<layers::Rgba>(layers::ramp_colour(stops, v))
                              : std::nullopt);
        p.labels.push_back(text_field(t, i, name) +
                           (values && std::isfinite(v) ? " " + lang.num(v, 2) : std::string()));
      }
      s.layers.push_back(std::move(p));
      s.legend.title = lang.text("Mean suitability");
      s.legend.unit = "0..1";
      s.legend.ramp = localised(stops, lang, 2);
      s.legend.classes.push_back({std::nullopt, {40, 40, 40, 255}, t.name});
      maps.push_back(std::move(m));
    }
  }
  return maps;
}

}  // namespace standort::cli
