#include "standort/engine/error.hpp"
#include "standort/layers/map_render.hpp"
#include "standort/layers/qml.hpp"
#include "standort/layers/vector_reader.hpp"
#include "support.hpp"

#include <cpl_minixml.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>

#include <boost/geometry/algorithms/within.hpp>
#include <boost/geometry/strategies/strategies.hpp>

#include <array>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <thread>

using namespace standort;
using Catch::Contains;
using Catch::Matchers::WithinAbs;

namespace {

struct XmlFree {
  void operator()(CPLXMLNode* node) const { CPLDestroyXMLNode(node); }
};
using XmlPtr = std::unique_ptr<CPLXMLNode, XmlFree>;

struct DatasetClose {
  void operator()(GDALDataset* ds) const { GDALClose(ds); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetClose>;

/// The parsed document; fails the test when it is not well-formed XML.
XmlPtr parse_svg(const std::string& svg) {
  XmlPtr root(CPLParseXMLString(svg.c_str()));
  REQUIRE(root);
  REQUIRE(CPLGetXMLNode(root.get(), "=svg") != nullptr);
  return root;
}

const CPLXMLNode* svg_element(const XmlPtr& root) { return CPLGetXMLNode(root.get(), "=svg"); }

const CPLXMLNode* find_id(const CPLXMLNode* node, const std::string& id) {
  for (; node; node = node->psNext) {
    if (node->eType != CXT_Element) continue;
    const char* value = CPLGetXMLValue(node, "id", nullptr);
    if (value && id == value) return node;
    if (const CPLXMLNode* found = find_id(node->psChild, id)) return found;
  }
  return nullptr;
}

/// The character data of `node` and its <tspan> children, concatenated.
std::string text_of(const CPLXMLNode* node) {
  std::string s;
  for (const CPLXMLNode* c = node->psChild; c; c = c->psNext) {
    if (c->eType == CXT_Text) s += c->pszValue;
    if (c->eType == CXT_Element && std::string(c->pszValue) == "tspan") s += text_of(c);
  }
  return s;
}

/// The text of every <text> element below `node`, in document order.
void collect_texts(const CPLXMLNode* node, std::vector<std::string>& out) {
  for (; node; node = node->psNext) {
    if (node->eType != CXT_Element) continue;
    if (std::string(node->pszValue) == "text")
      out.push_back(text_of(node));
    else
      collect_texts(node->psChild, out);
  }
}

std::vector<std::string> all_texts(const XmlPtr& root) {
  std::vector<std::string> out;
  collect_texts(svg_element(root)->psChild, out);
  return out;
}

bool has_text(const std::vector<std::string>& texts, const std::string& s) {
  return std::find(texts.begin(), texts.end(), s) != texts.end();
}

double attr(const CPLXMLNode* node, const char* name) {
  const char* v = CPLGetXMLValue(node, name, nullptr);
  REQUIRE(v != nullptr);
  return std::atof(v);
}

/// Opens PNG bytes with GDAL's PNG driver (from /vsimem/).
class PngImage {
 public:
  explicit PngImage(const std::string& bytes) : m_bytes(bytes) {
    GDALAllRegister();
    static int counter = 0;
    m_path = "/vsimem/test-map-" + std::to_string(counter++) + ".png";
    VSILFILE* f = VSIFileFromMemBuffer(m_path.c_str(), reinterpret_cast<GByte*>(m_bytes.data()),
                                       m_bytes.size(), FALSE);
    REQUIRE(f != nullptr);
    VSIFCloseL(f);
    const char* png_only[] = {"PNG", nullptr};
    m_ds.reset(static_cast<GDALDataset*>(
        GDALOpenEx(m_path.c_str(), GDAL_OF_RASTER, png_only, nullptr, nullptr)));
    REQUIRE(m_ds);
  }
  ~PngImage() {
    m_ds.reset();
    VSIUnlink(m_path.c_str());
  }
  int width() const { return m_ds->GetRasterXSize(); }
  int height() const { return m_ds->GetRasterYSize(); }
  int bands() const { return m_ds->GetRasterCount(); }
  /// Band values (R, G, B[, A]) of pixel (x, y); a missing alpha reads as 255.
  std::array<int, 4> pixel(int x, int y) const {
    std::array<int, 4> out{0, 0, 0, 255};
    for (int b = 0; b < bands() && b < 4; ++b) {
      GByte v = 0;
      REQUIRE(m_ds->GetRasterBand(b + 1)->RasterIO(GF_Read, x, y, 1, 1, &v, 1, 1, GDT_Byte, 0, 0) ==
              CE_None);
      out[static_cast<std::size_t>(b)] = v;
    }
    return out;
  }

 private:
  std::string m_bytes;
  std::string m_path;
  DatasetPtr m_ds;
};

/// The PNG embedded in the SVG's <image id="raster">, decoded from its data URI.
std::string embedded_png(const std::string& svg) {
  const std::string marker = "data:image/png;base64,";
  const auto begin = svg.find(marker);
  REQUIRE(begin != std::string::npos);
  const auto end = svg.find('"', begin);
  std::string b64 = svg.substr(begin + marker.size(), end - begin - marker.size());
  const int n = CPLBase64DecodeInPlace(reinterpret_cast<GByte*>(b64.data()));
  b64.resize(static_cast<std::size_t>(n));
  return b64;
}

void check_rgb(const std::array<int, 4>& got, int r, int g, int b, int tolerance = 0) {
  INFO("pixel " << got[0] << "," << got[1] << "," << got[2] << " expected " << r << "," << g << ","
                << b);
  CHECK(std::abs(got[0] - r) <= tolerance);
  CHECK(std::abs(got[1] - g) <= tolerance);
  CHECK(std::abs(got[2] - b) <= tolerance);
}

Polygon square(double x0, double y0, double x1, double y1) {
  Polygon p;
  p.outer() = {{x0, y0}, {x0, y1}, {x1, y1}, {x1, y0}, {x0, y0}};  // clockwise, closed
  return p;
}

MultiPolygon multi(const Polygon& p) { return MultiPolygon{p}; }

/// A w x h raster of `cell` m cells with its top-left corner at (0, h * cell), filled with `v`.
Raster<float> constant_raster(int w, int h, double cell, float v) {
  return Raster<float>(Grid(0.0, h * cell, cell, w, h, "EPSG:25832"), v, -9999.0f);
}

/// The ramp of the .qml styles: viridis stops at 0, 0.25, 0.5, 0.75, 1 (qml.cpp).
std::vector<layers::RampStop> unit_ramp() { return layers::ramp_stops(0.0, 1.0, false, 2); }

layers::MapSpec small_spec(const Raster<float>* raster) {
  layers::MapSpec spec;
  spec.title = "Eignung gesamt";
  spec.subtitle = "Test · 100 m";
  spec.extent = {0.0, 0.0, 10000.0, 8000.0};
  spec.width_px = 500;
  if (raster) spec.raster = layers::MapRaster{raster, unit_ramp()};
  layers::MapPolygons districts;
  districts.polygons = {multi(square(1000, 1000, 4000, 4000)),
                        multi(square(5000, 1000, 9000, 4000)),
                        multi(square(1000, 5000, 9000, 7000))};
  districts.labels = {"Höntrop", "Wattenscheid", "Kornharpen/Voede-Abzweig"};
  spec.layers.push_back(districts);
  spec.legend.title = "Eignung";
  spec.legend.unit = "0..1";
  spec.legend.ramp = unit_ramp();
  spec.legend.classes = {{layers::Rgba{150, 150, 150, 255}, {40, 40, 40, 255}, "Ausschluss"}};
  return spec;
}

}  // namespace

TEST_CASE("map SVG is well-formed XML with title, labels, legend and scale bar text", "[map]") {
  const Raster<float> raster = constant_raster(100, 80, 100.0, 0.5f);
  const layers::MapImage image = layers::render_map(small_spec(&raster), "test map");
  const XmlPtr root = parse_svg(image.svg);
  const CPLXMLNode* svg = svg_element(root);
  CHECK(attr(svg, "width") == image.layout.width_px);
  CHECK(attr(svg, "height") == image.layout.height_px);
  CHECK(std::string(CPLGetXMLValue(svg, "viewBox", "")) ==
        "0 0 " + std::to_string(image.layout.width_px) + " " +
            std::to_string(image.layout.height_px));
  CHECK(image.svg.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0) == 0);

  const auto texts = all_texts(root);
  CHECK(has_text(texts, "Eignung gesamt"));
  CHECK(has_text(texts, "Test · 100 m"));
  CHECK(has_text(texts, "Höntrop"));  // UTF-8 umlaut kept as is
  CHECK(has_text(texts, "Wattenscheid"));
  // A long name is set on two lines (two tspans) that read as the whole name.
  CHECK(has_text(texts, "Kornharpen/Voede-Abzweig"));
  CHECK(image.svg.find(">Kornharpen/</tspan>") != std::string::npos);
  CHECK(has_text(texts, "Eignung (0..1)"));
  CHECK(has_text(texts, "Ausschluss"));
  for (const char* tick : {"0.00", "0.25", "0.50", "0.75", "1.00"}) CHECK(has_text(texts, tick));
  // 10 km wide frame: a fifth is 2 km, a nice length itself.
  CHECK(has_text(texts, "2 km"));
  CHECK(has_text(texts, "N"));

  // The frame: 500 px for 10 km (20 m/px), 8 km high = 400 px; the raster image fills it.
  CHECK(image.layout.frame_width_px == 500);
  CHECK(image.layout.frame_height_px == 400);
  CHECK_THAT(image.layout.metres_per_px, WithinAbs(20.0, 1e-12));
  const CPLXMLNode* img = find_id(svg->psChild, "raster");
  REQUIRE(img != nullptr);
  CHECK(attr(img, "width") == 500);
  CHECK(attr(img, "height") == 400);
  CHECK(attr(img, "x") == image.layout.frame_x_px);
  CHECK(attr(img, "y") == image.layout.frame_y_px);
  const PngImage embedded(embedded_png(image.svg));
  CHECK(embedded.width() == 500);
  CHECK(embedded.height() == 400);
}

TEST_CASE("map text is escaped and cleaned so the SVG stays well-formed", "[map]") {
  layers::MapSpec spec;
  spec.title = "A & B <C> \"D\"";
  spec.extent = {0.0, 0.0, 1000.0, 1000.0};
  spec.width_px = 200;
  layers::MapPolygons p;
  p.polygons = {multi(square(100, 100, 900, 900))};
  p.labels = {std::string("Bad\x01 byte \xff")};
  spec.layers.push_back(p);
  const layers::MapImage image = layers::render_map(spec, "test map");
  const XmlPtr root = parse_svg(image.svg);
  const auto texts = all_texts(root);
  CHECK(has_text(texts, "A & B <C> \"D\""));
  CHECK(has_text(texts, "Bad  byte \xEF\xBF\xBD"));  // control character blanked, U+FFFD
}

TEST_CASE("map scale bar: nice length, drawn length = metres / metres per pixel", "[map]") {
  // Hand-computed: the nice value nearest in ratio (|ln(L / target)| smallest).
  CHECK(layers::nice_scale_length_m(2000.0) == 2000.0);
  CHECK(layers::nice_scale_length_m(3700.0) ==
        5000.0);  // ln(5000/3700)=0.301 < ln(3700/2500)=0.392
  CHECK(layers::nice_scale_length_m(2200.0) == 2000.0);  // 0.095 < ln(2500/2200)=0.128
  CHECK(layers::nice_scale_length_m(7.1) == 10.0);       // ln(10/7.1)=0.342 < ln(7.1/5)=0.351
  CHECK_THAT(layers::nice_scale_length_m(0.3), WithinAbs(0.25, 1e-15));

  for (const auto& [width_m, language, label] :
       {std::tuple{12500.0, "de", "2,5 km"}, std::tuple{12500.0, "en", "2.5 km"},
        std::tuple{2600.0, "de", "500 m"}, std::tuple{47000.0, "en", "10 km"}}) {
    layers::MapSpec spec;
    spec.extent = {300000.0, 5700000.0, 300000.0 + width_m, 5700000.0 + width_m * 0.7};
    spec.width_px = 777;
    spec.language = language;
    const layers::MapImage image = layers::render_map(spec, "test map");
    const XmlPtr root = parse_svg(image.svg);
    const CPLXMLNode* bar = find_id(svg_element(root)->psChild, "scale-bar-frame");
    const CPLXMLNode* text = find_id(svg_element(root)->psChild, "scale-bar-label");
    REQUIRE(bar != nullptr);
    REQUIRE(text != nullptr);
    CHECK(text_of(text) == label);
    const double metres_per_px = width_m / 777.0;
    const double drawn_px = attr(bar, "width");
    INFO(label << ": " << drawn_px << " px");
    CHECK_THAT(drawn_px * metres_per_px, WithinAbs(image.layout.scale_bar_m, 0.05 * metres_per_px));
    CHECK_THAT(image.layout.scale_bar_m, WithinAbs(layers::nice_scale_length_m(width_m / 5), 0.0));
    // The label sits at the bar's right end.
    CHECK_THAT(attr(text, "x"), WithinAbs(attr(bar, "x") + drawn_px, 0.1));
  }
}

TEST_CASE("map PNG reopens with GDAL; a raster at the top stop shows the top colour", "[map]") {
  const Raster<float> raster = constant_raster(100, 80, 100.0, 1.0f);
  layers::MapSpec spec = small_spec(&raster);
  spec.layers.clear();
  const layers::MapImage image = layers::render_map(spec, "test map");
  const PngImage png(image.png);
  CHECK(png.width() == image.layout.width_px);
  CHECK(png.height() == image.layout.height_px);
  CHECK(png.bands() == 3);
  const int cx = image.layout.frame_x_px + image.layout.frame_width_px / 2;
  const int cy = image.layout.frame_y_px + image.layout.frame_height_px / 2;
  check_rgb(png.pixel(cx, cy), 253, 231, 37, 2);  // viridis' last stop, #fde725
  // Outside the frame, left of it: the white page.
  check_rgb(png.pixel(image.layout.frame_x_px - 8, cy), 255, 255, 255, 0);
}

TEST_CASE("map of a nodata-only raster leaves the frame white", "[map]") {
  const Raster<float> raster = constant_raster(100, 80, 100.0, -9999.0f);
  layers::MapSpec spec = small_spec(&raster);
  spec.layers.clear();
  const layers::MapImage image = layers::render_map(spec, "test map");
  const PngImage png(image.png);
  const auto& l = image.layout;
  for (const auto& [fx, fy] : {std::pair{0.25, 0.25}, std::pair{0.5, 0.5}, std::pair{0.75, 0.6}})
    check_rgb(png.pixel(l.frame_x_px + static_cast<int>(fx * l.frame_width_px),
                        l.frame_y_px + static_cast<int>(fy * l.frame_height_px)),
              255, 255, 255, 0);
  CHECK(PngImage(embedded_png(image.svg)).pixel(250, 200)[3] == 0);  // transparent
}

TEST_CASE("map polygon: path in pixel coordinates, outline dark, fill drawn", "[map]") {
  // 1 km frame at 100 px: 10 m per pixel; without title the frame starts at (16, 16).
  layers::MapSpec spec;
  spec.extent = {0.0, 0.0, 1000.0, 1000.0};
  spec.width_px = 100;
  layers::MapPolygons p;
  p.polygons = {multi(square(505, 205, 805, 805))};
  p.stroke_width_px = 2.0;
  spec.layers.push_back(p);
  const layers::MapImage image = layers::render_map(spec, "test map");
  REQUIRE(image.layout.frame_x_px == 16);
  REQUIRE(image.layout.frame_y_px == 16);
  // x = 16 + 505 / 10 = 66.5, y = 16 + (1000 - 805) / 10 = 35.5; y flipped.
  CHECK(image.svg.find("d=\"M66.5 95.5 66.5 35.5 96.5 35.5 96.5 95.5Z\"") != std::string::npos);
  const PngImage png(image.png);
  // The left edge runs through the centre of pixel column 66; a 2 px stroke covers it fully.
  check_rgb(png.pixel(66, 65), 40, 40, 40, 2);
  check_rgb(png.pixel(80, 65), 255, 255, 255, 0);  // inside, no fill
  check_rgb(png.pixel(60, 65), 255, 255, 255, 0);  // outside

  spec.layers[0].fills = {layers::Rgba{200, 30, 40, 255}};
  const PngImage filled(layers::render_map(spec, "test map").png);
  check_rgb(filled.pixel(80, 65), 200, 30, 40, 0);
  check_rgb(filled.pixel(66, 65), 40, 40, 40, 2);  // outline drawn above the fill
  check_rgb(filled.pixel(60, 65), 255, 255, 255, 0);
}

TEST_CASE("map label points lie inside concave polygons and polygons with holes", "[map]") {
  // A U: the centroid (150, 135.7) lies in the notch, outside the polygon.
  Polygon u;
  u.outer() = {{0, 0},     {0, 300},   {100, 300}, {100, 100}, {200, 100},
               {200, 300}, {300, 300}, {300, 0},   {0, 0}};
  const auto pu = layers::label_point(multi(u));
  REQUIRE(pu);
  CHECK(boost::geometry::within(*pu, u));
  // A square with a hole at its centre: the centroid lies in the hole.
  Polygon ring = square(0, 0, 300, 300);
  ring.inners().push_back({{100, 100}, {200, 100}, {200, 200}, {100, 200}, {100, 100}});
  const auto pr = layers::label_point(multi(ring));
  REQUIRE(pr);
  CHECK(boost::geometry::within(*pr, ring));
  // A plain square: its centroid. A multipolygon: inside its largest part.
  const auto ps = layers::label_point(multi(square(0, 0, 300, 300)));
  REQUIRE(ps);
  CHECK_THAT(ps->x(), WithinAbs(150.0, 1e-9));
  CHECK_THAT(ps->y(), WithinAbs(150.0, 1e-9));
  const MultiPolygon two{square(0, 0, 10, 10), square(100, 100, 400, 400)};
  const auto pm = layers::label_point(two);
  REQUIRE(pm);
  CHECK_THAT(pm->x(), WithinAbs(250.0, 1e-9));
  CHECK_THAT(pm->y(), WithinAbs(250.0, 1e-9));
  CHECK_FALSE(layers::label_point(MultiPolygon{}));

  // In the SVG the label is centred on that point.
  layers::MapSpec spec;
  spec.extent = {0.0, 0.0, 300.0, 300.0};
  spec.width_px = 300;
  layers::MapPolygons p;
  p.polygons = {multi(u)};
  p.labels = {"U"};
  spec.layers.push_back(p);
  const layers::MapImage image = layers::render_map(spec, "test map");
  const XmlPtr root = parse_svg(image.svg);
  std::vector<const CPLXMLNode*> found;
  std::function<void(const CPLXMLNode*)> walk = [&](const CPLXMLNode* n) {
    for (; n; n = n->psNext)
      if (n->eType == CXT_Element) {
        if (std::string(n->pszValue) == "text" && text_of(n) == "U") found.push_back(n);
        walk(n->psChild);
      }
  };
  walk(svg_element(root)->psChild);
  REQUIRE(found.size() == 1);
  CHECK_THAT(attr(found[0], "x"), WithinAbs(image.layout.x_px(pu->x()), 0.051));
}

TEST_CASE("map raster: block means of the valid cells, coloured like QGIS", "[map]") {
  // 4 x 4 cells of 10 m into a 2 x 2 px frame: each pixel averages a 2 x 2 block.
  Raster<float> r = constant_raster(4, 4, 10.0, -9999.0f);
  const float nd = -9999.0f;
  const float cells[4][4] = {{0.1f, 0.2f, nd, nd},  // rows from the top
                             {0.3f, nd, nd, nd},
                             {0.5f, 0.5f, 0.6f, 0.6f},
                             {0.5f, 0.5f, 0.7f, 0.7f}};
  for (int row = 0; row < 4; ++row)
    for (int col = 0; col < 4; ++col) r.at(col, row) = cells[row][col];
  layers::MapSpec spec;
  spec.extent = {0.0, 0.0, 40.0, 40.0};
  spec.width_px = 2;
  spec.raster = layers::MapRaster{&r, unit_ramp()};
  const layers::MapImage image = layers::render_map(spec, "test map");
  const PngImage embedded(embedded_png(image.svg));
  REQUIRE(embedded.width() == 2);
  REQUIRE(embedded.height() == 2);
  // Top left: mean(0.1, 0.2, 0.3) = 0.2 between stops 0 (68,1,84) and 0.25 (59,82,139) at
  // t = 0.8; QGIS truncates: 68 + int(-9 * 0.8) = 61, 1 + int(81 * 0.8) = 65, 84 + int(55 * 0.8)
  // = 128.
  const auto tl = embedded.pixel(0, 0);
  check_rgb(tl, 61, 65, 128);
  CHECK(tl[3] == 255);
  CHECK(embedded.pixel(1, 0)[3] == 0);            // only nodata: transparent
  check_rgb(embedded.pixel(0, 1), 33, 145, 140);  // 0.5 is a stop: its colour exactly
  // Bottom right: mean 0.65 between 0.5 (33,145,140) and 0.75 (94,201,98) at t = 0.6:
  // 33 + int(36.6) = 69, 145 + int(33.6) = 178, 140 + int(-25.2) = 115 (rounding would give 70,
  // 179, 115).
  check_rgb(embedded.pixel(1, 1), 69, 178, 115);
  // The PNG shows the same colours, the empty pixel white.
  const PngImage png(image.png);
  const int x = image.layout.frame_x_px, y = image.layout.frame_y_px;
  check_rgb(png.pixel(x, y), 61, 65, 128, 2);
  check_rgb(png.pixel(x + 1, y), 255, 255, 255, 2);
  check_rgb(png.pixel(x + 1, y + 1), 69, 178, 115, 2);
}

TEST_CASE("map ramp colours follow QGIS's interpolated shader", "[map]") {
  const auto stops = unit_ramp();
  // Clamped at both ends (clip = 0 in the .qml).
  const layers::Rgba low = layers::ramp_colour(stops, -5.0), high = layers::ramp_colour(stops, 9.0);
  CHECK((low.r == 68 && low.g == 1 && low.b == 84 && low.alpha == 255));
  CHECK((high.r == 253 && high.g == 231 && high.b == 37));
  // Halfway between 0.75 (94,201,98) and 1 (253,231,37): 94 + int(79.5) = 173, 201 + int(15) =
  // 216, 98 + int(-30.5) = 68.
  const layers::Rgba mid = layers::ramp_colour(stops, 0.875);
  CHECK((mid.r == 173 && mid.g == 216 && mid.b == 68));
  CHECK(layers::ramp_colour(stops, std::nan("")).alpha == 0);
}

TEST_CASE("map category overlay: majority code per pixel, painted over the raster", "[map]") {
  const Raster<float> raster = constant_raster(4, 4, 10.0, 0.5f);  // (33,145,140) everywhere
  Raster<std::uint8_t> codes(Grid(0.0, 40.0, 10.0, 4, 4, "EPSG:25832"), std::uint8_t{0},
                             std::uint8_t{255});
  const std::uint8_t cells[4][4] = {{1, 1, 1, 1},  // TL: 1,1,1,0 -> 1; TR: 1,1,0,0 -> tie -> 0
                                    {1, 0, 0, 0},
                                    {7, 7, 2, 2},     // BL: unlisted 7 -> not drawn
                                    {7, 7, 2, 255}};  // BR: 2,2,2 + nodata -> 2
  for (int row = 0; row < 4; ++row)
    for (int col = 0; col < 4; ++col) codes.at(col, row) = cells[row][col];
  layers::MapSpec spec;
  spec.extent = {0.0, 0.0, 40.0, 40.0};
  spec.width_px = 2;
  spec.raster = layers::MapRaster{&raster, unit_ramp()};
  spec.categories = layers::MapCategories{
      &codes, {{1, 150, 150, 150, 255, "Ausschluss"}, {2, 255, 0, 0, 128, "Hälfte"}}};
  const PngImage embedded(embedded_png(layers::render_map(spec, "test map").svg));
  check_rgb(embedded.pixel(0, 0), 150, 150, 150);
  check_rgb(embedded.pixel(1, 0), 33, 145, 140);
  check_rgb(embedded.pixel(0, 1), 33, 145, 140);
  // Red at alpha 128 over (33,145,140): round((255 * 128 + c * 127) / 255) = 144, 72, 70.
  const auto br = embedded.pixel(1, 1);
  check_rgb(br, 144, 72, 70);
  CHECK(br[3] == 255);
}

TEST_CASE("map PNG is the SVG file rendered, though its raster is composited directly", "[map]") {
  // Cells without data (transparent pixels), a half-transparent category over the ramp, district
  // fills, outlines and labels over both: render_map composites the raster itself instead of
  // letting librsvg decode it from the SVG; the pixels, and so the PNG bytes, must not differ.
  Raster<float> raster = constant_raster(100, 80, 100.0, 0.5f);
  for (int row = 0; row < 80; ++row)
    for (int col = 0; col < 100; ++col) {
      raster.at(col, row) = static_cast<float>((col + row) % 37) / 36.0f;
      if ((col / 7 + row / 5) % 4 == 0) raster.at(col, row) = std::nanf("");
    }
  Raster<std::uint8_t> codes(raster.grid(), std::uint8_t{0}, std::uint8_t{255});
  for (int row = 0; row < 80; ++row)
    for (int col = 0; col < 100; ++col)
      codes.at(col, row) = static_cast<std::uint8_t>(col > 60 ? 2 : row < 20 ? 1 : 0);
  layers::MapSpec spec = small_spec(&raster);
  spec.categories = layers::MapCategories{
      &codes, {{1, 150, 150, 150, 255, "Ausschluss"}, {2, 201, 33, 47, 131, "Teilweise"}}};
  spec.layers[0].fills = {layers::Rgba{200, 30, 40, 90}, std::nullopt,
                          layers::Rgba{20, 90, 200, 200}};
  const layers::MapImage image = layers::render_map(spec, "test map");
  const std::string reference =
      layers::svg_to_png(image.svg, image.layout.width_px, image.layout.height_px, "reference");
  CHECK(image.png.size() == reference.size());
  CHECK(image.png == reference);
  // And the image did take part: a transparent cell shows white, a covered one the category.
  const PngImage png(image.png);
  const int fx = image.layout.frame_x_px, fy = image.layout.frame_y_px;
  // 5 px per cell: cell (0, 20) has no data and no category, cell (0, 0) category 1, opaque.
  check_rgb(png.pixel(fx + 2, fy + 102), 255, 255, 255);
  check_rgb(png.pixel(fx + 2, fy + 2), 150, 150, 150);
}

TEST_CASE("map renders are byte-identical, also from several threads at once", "[map]") {
  const Raster<float> raster = constant_raster(100, 80, 100.0, 0.3f);
  const layers::MapSpec spec = small_spec(&raster);
  const layers::MapImage first = layers::render_map(spec, "test map");
  const layers::MapImage second = layers::render_map(spec, "test map");
  CHECK(first.svg == second.svg);
  CHECK(first.png == second.png);
  std::vector<layers::MapImage> results(3);
  std::vector<std::thread> threads;
  for (auto& r : results) threads.emplace_back([&] { r = layers::render_map(spec, "test map"); });
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    CHECK(r.svg == first.svg);
    CHECK(r.png == first.png);
  }
}

TEST_CASE("map errors name what is wrong and how to fix it", "[map]") {
  const Raster<float> raster = constant_raster(100, 80, 100.0, 0.5f);
  auto fails_with = [](const layers::MapSpec& spec, const std::string& text) {
    CHECK_THROWS_WITH(layers::render_map(spec, "maps/eignung"),
                      Contains("maps/eignung") && Contains(text));
    CHECK_THROWS_AS(layers::render_map(spec, "maps/eignung"), InputError);
  };
  layers::MapSpec spec = small_spec(&raster);
  spec.extent = {10.0, 0.0, 10.0, 100.0};
  fails_with(spec, "extent is empty");
  spec = small_spec(&raster);
  spec.width_px = 0;
  fails_with(spec, "map width 0 px");
  spec = small_spec(&raster);
  spec.raster->stops.resize(1);
  fails_with(spec, "at least 2");
  spec = small_spec(&raster);
  std::swap(spec.raster->stops[1], spec.raster->stops[2]);
  fails_with(spec, "must increase");
  // A grid in UTM metres under an extent in degrees, the usual cause.
  const Raster<float> utm(Grid(370000.0, 5708000.0, 100.0, 100, 80, "EPSG:25832"), 0.5f);
  spec = small_spec(&utm);
  spec.extent = {7.0, 51.0, 7.3, 51.5};
  fails_with(spec, "does not overlap the map extent");
  spec = small_spec(&raster);
  spec.layers[0].labels.pop_back();
  fails_with(spec, "2 labels for 3 polygons");
  spec = small_spec(&raster);
  spec.language = "fr";
  fails_with(spec, "use \"de\" or \"en\"");
}

TEST_CASE("map writes stem.svg and stem.png atomically", "[map]") {
  standort::test::TempDir dir;
  const Raster<float> raster = constant_raster(100, 80, 100.0, 0.5f);
  const layers::MapLayout layout = layers::write_map(dir / "maps/eignung", small_spec(&raster));
  std::ifstream svg(dir / "maps/eignung.svg", std::ios::binary);
  std::stringstream s;
  s << svg.rdbuf();
  CHECK(s.str().find("Eignung gesamt") != std::string::npos);
  DatasetPtr png(static_cast<GDALDataset*>(
      GDALOpen((dir / "maps/eignung.png").string().c_str(), GA_ReadOnly)));
  REQUIRE(png);
  CHECK(png->GetRasterXSize() == layout.width_px);
  CHECK(png->GetRasterYSize() == layout.height_px);
  for (const auto& e : std::filesystem::directory_iterator(dir / "maps"))
    CHECK(e.path().filename().string().find(".standort-tmp.") == std::string::npos);
}

TEST_CASE("map of the 30 Bochum districts: every name, every label inside", "[map][bochum]") {
  STANDORT_REQUIRE_SHARED_DATA(data);
  InputSpec input;
  input.name = "districts";
  input.path = data / "bochum_statistische_bezirke_epsg25832.geojson";
  input.name_field = "name";
  layers::ReadReport report;
  const FeatureSet districts = layers::read_layer(input, "EPSG:25832", report);
  REQUIRE(districts.size() == 30);
  layers::MapSpec spec;
  spec.title = "Statistische Bezirke";
  spec.extent = districts.extent().buffered(500.0);
  layers::MapPolygons layer;
  layer.polygons = districts.polygons;
  layer.labels = districts.names;
  spec.layers.push_back(layer);
  const layers::MapImage image = layers::render_map(spec, "bochum");
  const XmlPtr root = parse_svg(image.svg);
  const auto texts = all_texts(root);
  for (std::size_t i = 0; i < districts.size(); ++i) {
    INFO(districts.names[i]);
    CHECK(has_text(texts, districts.names[i]));
    const auto p = layers::label_point(districts.polygons[i]);
    REQUIRE(p);
    CHECK(boost::geometry::within(*p, districts.polygons[i]));
  }
  CHECK(has_text(texts, "Höntrop"));
  const PngImage png(image.png);
  CHECK(png.width() == image.layout.width_px);
}
