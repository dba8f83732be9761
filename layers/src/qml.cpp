#include "standort/layers/qml.hpp"

#include "standort/layers/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace standort::layers {
namespace {

std::string hex_color(int r, int g, int b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", r & 0xFF, g & 0xFF, b & 0xFF);
  return buf;
}

std::string number(double v, int precision) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(precision);
  s << v;
  return s.str();
}

// Viridis anchor colours (matplotlib's colour map, sampled at 0, 0.25, 0.5, 0.75, 1).
constexpr int viridis[5][3] = {
    {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};

/// Opens a raster style: the document, the pipe and the renderer element (its attributes given
/// as `renderer`), its transparency and min/max settings.
void open_raster_style(std::ostringstream& s, const std::string& renderer) {
  s << "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
    << "<qgis version=\"3.22.0\" styleCategories=\"AllStyleCategories\" "
       "hasScaleBasedVisibilityFlag=\"0\">\n"
    << "  <pipe>\n"
    << "    <rasterrenderer " << renderer << ">\n"
    << "      <rasterTransparency/>\n"
    << "      <minMaxOrigin>\n"
    << "        <limits>None</limits>\n"
    << "        <extent>WholeRaster</extent>\n"
    << "        <statAccuracy>Estimated</statAccuracy>\n"
    << "        <cumulativeCutLower>0.02</cumulativeCutLower>\n"
    << "        <cumulativeCutUpper>0.98</cumulativeCutUpper>\n"
    << "        <stdDevFactor>2</stdDevFactor>\n"
    << "      </minMaxOrigin>\n";
}

/// Closes what open_raster_style opened, with neutral colour adjustments and `resampler`.
void close_raster_style(std::ostringstream& s, const std::string& resampler) {
  s << "    </rasterrenderer>\n"
    << "    <brightnesscontrast brightness=\"0\" contrast=\"0\" gamma=\"1\"/>\n"
    << "    <huesaturation saturation=\"0\" colorizeOn=\"0\" colorizeRed=\"255\" "
       "colorizeGreen=\"128\" colorizeBlue=\"128\""
    << " colorizeStrength=\"100\" grayscaleMode=\"0\" invertColors=\"0\"/>\n"
    << "    " << resampler << "\n"
    << "    <resamplingStage>resamplingFilter</resamplingStage>\n"
    << "  </pipe>\n"
    << "  <blendMode>0</blendMode>\n"
    << "</qgis>\n";
}

}  // namespace

std::vector<RampStop> ramp_stops(double min, double max, bool reverse, int precision) {
  std::vector<RampStop> stops;
  for (int i = 0; i < 5; ++i) {
    const double t = i / 4.0;
    const double v = min + t * (max - min);
    const auto& c = viridis[reverse ? 4 - i : i];
    stops.push_back({v, c[0], c[1], c[2], number(v, precision)});
  }
  return stops;
}

std::string raster_pseudocolor_qml(int band, const std::vector<RampStop>& stops, int precision) {
  const double min = stops.front().value;
  const double max = stops.back().value;
  std::ostringstream s;
  open_raster_style(s, "type=\"singlebandpseudocolor\" band=\"" + std::to_string(band) +
                           "\" opacity=\"1\" alphaBand=\"-1\" classificationMin=\"" +
                           number(min, precision) + "\" classificationMax=\"" +
                           number(max, precision) + "\" nodataColor=\"\"");
  s << "      <rastershader>\n"
    << "        <colorrampshader colorRampType=\"INTERPOLATED\" classificationMode=\"1\" clip=\"0\""
    << " minimumValue=\"" << number(min, precision) << "\" maximumValue=\""
    << number(max, precision) << "\" labelPrecision=\"" << precision << "\">\n"
    << "          <colorramp type=\"gradient\" name=\"[source]\">\n"
    << "            <Option type=\"Map\">\n"
    << "              <Option type=\"QString\" name=\"color1\" value=\"" << stops.front().r << ","
    << stops.front().g << "," << stops.front().b << ",255\"/>\n"
    << "              <Option type=\"QString\" name=\"color2\" value=\"" << stops.back().r << ","
    << stops.back().g << "," << stops.back().b << ",255\"/>\n"
    << "              <Option type=\"QString\" name=\"discrete\" value=\"0\"/>\n"
    << "              <Option type=\"QString\" name=\"rampType\" value=\"gradient\"/>\n"
    << "              <Option type=\"QString\" name=\"stops\" value=\"";
  for (std::size_t i = 1; i + 1 < stops.size(); ++i) {
    const double t = (stops[i].value - min) / (max - min);
    s << (i > 1 ? ":" : "") << number(t, 4) << ";" << stops[i].r << "," << stops[i].g << ","
      << stops[i].b << ",255";
  }
  s << "\"/>\n"
    << "            </Option>\n"
    << "          </colorramp>\n";
  for (const auto& stop : stops)
    s << "          <item alpha=\"255\" value=\"" << number(stop.value, precision) << "\" label=\""
      << xml_escape(stop.label) << "\" color=\"" << hex_color(stop.r, stop.g, stop.b) << "\"/>\n";
  s << "        </colorrampshader>\n"
    << "      </rastershader>\n";
  close_raster_style(s, "<rasterresampler maxOversampling=\"2\"/>");
  return s.str();
}

std::string raster_paletted_qml(int band, const std::vector<PaletteEntry>& entries) {
  std::ostringstream s;
  open_raster_style(s, "type=\"paletted\" band=\"" + std::to_string(band) +
                           "\" opacity=\"1\" alphaBand=\"-1\" nodataColor=\"\"");
  s << "      <colorPalette>\n";
  for (const auto& e : entries)
    s << "        <paletteEntry value=\"" << e.value << "\" alpha=\"" << e.alpha << "\" label=\""
      << xml_escape(e.label) << "\" color=\"" << hex_color(e.r, e.g, e.b) << "\"/>\n";
  s << "      </colorPalette>\n";
  close_raster_style(s, "<rasterresampler/>");
  return s.str();
}

std::vector<PaletteEntry> category_palette(const std::vector<std::string>& labels,
                                           int first_value) {
  // Qualitative colours (ColorBrewer "Set1"), readable on a map.
  constexpr int set1[9][3] = {{228, 26, 28},   {55, 126, 184},  {77, 175, 74},
                              {152, 78, 163},  {255, 127, 0},   {166, 86, 40},
                              {247, 129, 191}, {153, 153, 153}, {255, 255, 51}};
  std::vector<PaletteEntry> out;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto& c = set1[i % 9];
    out.push_back({first_value + static_cast<int>(i), c[0], c[1], c[2], 255, labels[i]});
  }
  return out;
}

std::string polygon_outline_qml(const std::string& label_field) {
  std::ostringstream s;
  s << "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
    << "<qgis version=\"3.22.0\" styleCategories=\"Symbology|Labeling\" labelsEnabled=\""
    << (label_field.empty() ? 0 : 1) << "\">\n"
    << "  <renderer-v2 type=\"singleSymbol\" symbollevels=\"0\" enableorderby=\"0\" "
       "forceraster=\"0\">\n"
    << "    <symbols>\n"
    << "      <symbol type=\"fill\" name=\"0\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n"
    << "        <layer class=\"SimpleFill\" enabled=\"1\" locked=\"0\" pass=\"0\">\n"
    << "          <Option type=\"Map\">\n"
    << "            <Option type=\"QString\" name=\"color\" value=\"255,255,255,0\"/>\n"
    << "            <Option type=\"QString\" name=\"joinstyle\" value=\"round\"/>\n"
    << "            <Option type=\"QString\" name=\"outline_color\" value=\"40,40,40,255\"/>\n"
    << "            <Option type=\"QString\" name=\"outline_style\" value=\"solid\"/>\n"
    << "            <Option type=\"QString\" name=\"outline_width\" value=\"0.5\"/>\n"
    << "            <Option type=\"QString\" name=\"outline_width_unit\" value=\"MM\"/>\n"
    << "            <Option type=\"QString\" name=\"style\" value=\"no\"/>\n"
    << "          </Option>\n"
    << "        </layer>\n"
    << "      </symbol>\n"
    << "    </symbols>\n"
    << "    <rotation/>\n"
    << "    <sizescale/>\n"
    << "  </renderer-v2>\n";
  if (!label_field.empty()) {
    s << "  <labeling type=\"simple\">\n"
      << "    <settings calloutType=\"simple\">\n"
      << "      <text-style fieldName=\"" << xml_escape(label_field)
      << "\" isExpression=\"0\" fontFamily=\"Sans Serif\""
      << " fontSize=\"8\" fontSizeUnit=\"Point\" fontWeight=\"50\" textColor=\"20,20,20,255\" "
         "textOpacity=\"1\">\n"
      << "        <text-buffer bufferDraw=\"1\" bufferSize=\"0.8\" bufferSizeUnits=\"MM\" "
         "bufferColor=\"255,255,255,255\""
      << " bufferOpacity=\"0.8\" bufferJoinStyle=\"128\"/>\n"
      << "      </text-style>\n"
      << "      <text-format wrapChar=\"\" multilineAlign=\"3\" autoWrapLength=\"0\"/>\n"
      << "      <placement placement=\"1\" centroidInside=\"1\" centroidWhole=\"0\" "
         "fitInPolygonOnly=\"0\" priority=\"5\"/>\n"
      << "      <rendering obstacle=\"1\" drawLabels=\"1\" displayAll=\"0\" limitNumLabels=\"0\" "
         "upsidedownLabels=\"0\"/>\n"
      << "    </settings>\n"
      << "  </labeling>\n";
  }
  s << "  <blendMode>0</blendMode>\n"
    << "  <featureBlendMode>0</featureBlendMode>\n"
    << "  <layerGeometryType>2</layerGeometryType>\n"
    << "</qgis>\n";
  return s.str();
}

std::string polygon_ranked_qml(const std::string& rank_field, int count,
                               const std::string& label_field) {
  // Rank classes: the best 5, 6-10, 11-20, the rest; bright is best (viridis, as the rasters).
  struct RankClass {
    int first, last;
    const char* colour;
  };
  std::vector<RankClass> classes;
  const RankClass candidates[] = {{1, 5, "253,231,37"},
                                  {6, 10, "94,201,98"},
                                  {11, 20, "33,145,140"},
                                  {21, std::max(21, count), "59,82,139"}};
  for (const RankClass& c : candidates)
    if (c.first <= std::max(count, 1))
      classes.push_back({c.first, std::min(c.last, std::max(count, 1)), c.colour});
  std::ostringstream s;
  s << "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
    << "<qgis version=\"3.22.0\" styleCategories=\"Symbology|Labeling\" labelsEnabled=\""
    << (label_field.empty() ? 0 : 1) << "\">\n"
    << "  <renderer-v2 type=\"graduatedSymbol\" attr=\"" << xml_escape(rank_field)
    << "\" graduatedMethod=\"GraduatedColor\" symbollevels=\"0\" enableorderby=\"0\" "
       "forceraster=\"0\">\n    <ranges>\n";
  for (std::size_t k = 0; k < classes.size(); ++k) {
    s << "      <range lower=\"" << classes[k].first - 0.5 << "\" upper=\"" << classes[k].last + 0.5
      << "\" symbol=\"" << k << "\" label=\"rank " << classes[k].first;
    if (classes[k].last > classes[k].first) s << '-' << classes[k].last;
    s << "\" render=\"true\"/>\n";
  }
  s << "    </ranges>\n    <symbols>\n";
  for (std::size_t k = 0; k < classes.size(); ++k)
    s << "      <symbol type=\"fill\" name=\"" << k
      << "\" alpha=\"0.85\" clip_to_extent=\"1\" force_rhr=\"0\">\n"
      << "        <layer class=\"SimpleFill\" enabled=\"1\" locked=\"0\" pass=\"0\">\n"
      << "          <Option type=\"Map\">\n"
      << "            <Option type=\"QString\" name=\"color\" value=\"" << classes[k].colour
      << ",255\"/>\n"
      << "            <Option type=\"QString\" name=\"outline_color\" value=\"20,20,20,255\"/>\n"
      << "            <Option type=\"QString\" name=\"outline_style\" value=\"solid\"/>\n"
      << "            <Option type=\"QString\" name=\"outline_width\" value=\"0.4\"/>\n"
      << "            <Option type=\"QString\" name=\"outline_width_unit\" value=\"MM\"/>\n"
      << "            <Option type=\"QString\" name=\"style\" value=\"solid\"/>\n"
      << "          </Option>\n        </layer>\n      </symbol>\n";
  s << "    </symbols>\n    <rotation/>\n    <sizescale/>\n  </renderer-v2>\n";
  // The labels of polygon_outline_qml.
  const std::string outline = polygon_outline_qml(label_field);
  const auto a = outline.find("  <labeling");
  const auto b = outline.find("  <blendMode>");
  if (a != std::string::npos && b != std::string::npos) s << outline.substr(a, b - a);
  s << "  <blendMode>0</blendMode>\n"
    << "  <featureBlendMode>0</featureBlendMode>\n"
    << "  <layerGeometryType>2</layerGeometryType>\n"
    << "</qgis>\n";
  return s.str();
}

}  // namespace standort::layers
