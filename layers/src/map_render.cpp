#include "standort/layers/map_render.hpp"

#include "geos_handles.hpp"
#include "standort/engine/error.hpp"
#include "standort/layers/atomic_file.hpp"
#include "standort/layers/text.hpp"

#include <cairo.h>
#include <geos_c.h>
#include <gio/gio.h>
#include <libdeflate.h>
#include <librsvg/rsvg.h>

#include <boost/geometry/algorithms/area.hpp>
#include <boost/geometry/algorithms/centroid.hpp>
#include <boost/geometry/algorithms/equals.hpp>
#include <boost/geometry/algorithms/within.hpp>
#include <boost/geometry/strategies/strategies.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string_view>

namespace bg = boost::geometry;

namespace standort::layers {
namespace {

constexpr int max_frame_px = 8000;
constexpr int margin_px = 16;
constexpr int legend_gap_px = 24;
constexpr const char* font_family = "'DejaVu Sans', sans-serif";
constexpr Rgba text_colour{20, 20, 20, 255};
// libdeflate levels, with the "up" filter. On the maps of the default run level 2 is as fast as
// level 1 and a few per cent smaller; level 4 is 20 % slower for 3 % less, level 6 twice as slow.
constexpr int embedded_zlevel = 2;
constexpr int png_file_zlevel = 2;

// Owners of the librsvg, GLib and cairo handles; nothing else here frees them.
struct GObjectUnref {
  void operator()(void* object) const { g_object_unref(object); }
};
using RsvgHandlePtr = std::unique_ptr<RsvgHandle, GObjectUnref>;
using InputStreamPtr = std::unique_ptr<GInputStream, GObjectUnref>;
struct GErrorFree {
  void operator()(GError* error) const { g_error_free(error); }
};
using GErrorPtr = std::unique_ptr<GError, GErrorFree>;
struct SurfaceDestroy {
  void operator()(cairo_surface_t* surface) const { cairo_surface_destroy(surface); }
};
using SurfacePtr = std::unique_ptr<cairo_surface_t, SurfaceDestroy>;
struct CairoDestroy {
  void operator()(cairo_t* cr) const { cairo_destroy(cr); }
};
using CairoPtr = std::unique_ptr<cairo_t, CairoDestroy>;

void put_int(std::string& out, long long v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

/// `v` in tenths, rounded; far-off values are held to +-1e16 so the integer cannot overflow.
long long tenths_of(double v) { return std::llround(std::clamp(v, -1e16, 1e16) * 10.0); }

/// `v` rounded to 0.1, without a trailing ".0" and never "-0".
void put_px(std::string& out, double v) {
  long long tenths = tenths_of(v);
  if (tenths < 0) {
    out += '-';
    tenths = -tenths;
  }
  put_int(out, tenths / 10);
  if (tenths % 10 != 0) {
    out += '.';
    out += static_cast<char>('0' + tenths % 10);
  }
}

std::string fixed(double v, int decimals) {
  char buf[400];  // room for any double in fixed notation with a few decimals
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  return r.ec == std::errc() ? std::string(buf, r.ptr) : std::string("(too large)");
}

std::string hex(const Rgba& c) {
  constexpr char digits[] = "0123456789abcdef";
  std::string s = "#";
  for (int v : {c.r, c.g, c.b}) {
    s += digits[(v >> 4) & 0xF];
    s += digits[v & 0xF];
  }
  return s;
}

/// Text for SVG content and attributes: valid UTF-8, no control characters, XML-escaped.
std::string svg_text(std::string_view s) {
  std::string clean = sanitize_utf8(s);
  for (char& c : clean)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  return xml_escape(clean);
}

std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

/// A generous estimate of the width of `s` in DejaVu Sans at `size_px` (its widest common glyphs
/// are about 0.62 em, capitals about 0.7 em): used to size the legend, never to place text.
double text_width_px(std::string_view s, double size_px, bool bold = false) {
  return static_cast<double>(code_points(s)) * size_px * (bold ? 0.68 : 0.62);
}

/// Splits a long label into two lines at the break ('/', '-', ' ') nearest its middle.
std::vector<std::string> label_lines(const std::string& label) {
  constexpr std::size_t max_single_line = 14;
  if (code_points(label) <= max_single_line) return {label};
  std::size_t best = std::string::npos;
  const double middle = static_cast<double>(label.size()) / 2.0;
  for (std::size_t i = 1; i + 1 < label.size(); ++i) {
    const char c = label[i];
    if (c != '/' && c != '-' && c != ' ') continue;
    const std::size_t cut = c == ' ' ? i : i + 1;  // keep '/' and '-' at the end of line one
    if (best == std::string::npos ||
        std::abs(static_cast<double>(cut) - middle) < std::abs(static_cast<double>(best) - middle))
      best = cut;
  }
  if (best == std::string::npos) return {label};
  std::string first = label.substr(0, best), second = label.substr(best);
  while (!first.empty() && first.back() == ' ') first.pop_back();
  while (!second.empty() && second.front() == ' ') second.erase(0, 1);
  if (first.empty() || second.empty()) return {label};
  return {first, second};
}

/// Greedy word wrap to lines of at most `max_chars` code points (a longer word keeps its line).
std::vector<std::string> wrap_words(const std::string& text, std::size_t max_chars) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    start = end + 1;
    if (word.empty()) continue;
    if (!line.empty() && code_points(line) + 1 + code_points(word) > max_chars) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

[[noreturn]] void input_error(const std::string& where, const std::string& what) {
  throw InputError(where + ": " + what);
}

void check_colour(const Rgba& c, const std::string& where, const std::string& what) {
  for (int v : {c.r, c.g, c.b, c.alpha})
    if (v < 0 || v > 255)
      input_error(where, what + " has a colour component " + std::to_string(v) +
                             " outside 0..255; give each of red, green, blue, alpha as 0..255");
}

void check_stops(const std::vector<RampStop>& stops, const std::string& where,
                 const std::string& what) {
  if (stops.size() < 2)
    input_error(where,
                what + " has " + std::to_string(stops.size()) +
                    " colour stop(s); a ramp needs at least 2 (its lowest and highest value)");
  for (std::size_t i = 0; i < stops.size(); ++i) {
    if (!std::isfinite(stops[i].value))
      input_error(where, what + ": stop " + std::to_string(i + 1) +
                             " has a value that is not a finite number");
    check_colour({stops[i].r, stops[i].g, stops[i].b, 255}, where,
                 what + ": stop " + std::to_string(i + 1));
    if (i > 0 && !(stops[i].value > stops[i - 1].value))
      input_error(where, what + ": stop values must increase, but stop " + std::to_string(i + 1) +
                             " (" + fixed(stops[i].value, 6) + ") follows " +
                             fixed(stops[i - 1].value, 6) + "; sort the stops by value");
  }
}

bool overlaps(const Extent& a, const Extent& b) {
  return a.xmin < b.xmax && b.xmin < a.xmax && a.ymin < b.ymax && b.ymin < a.ymax;
}

std::string describe(const Extent& e) {
  return "x " + fixed(e.xmin, 1) + " .. " + fixed(e.xmax, 1) + ", y " + fixed(e.ymin, 1) + " .. " +
         fixed(e.ymax, 1);
}

void check_grid_overlap(const Grid& grid, const Extent& frame, const std::string& where,
                        const std::string& what) {
  if (grid.cols() <= 0 || grid.rows() <= 0) input_error(where, what + " has no cells");
  if (!overlaps(grid.extent(), frame))
    input_error(where, what + " (" + describe(grid.extent()) +
                           ") does not overlap the map extent (" + describe(frame) +
                           "); both must be in the working CRS, and the extent must cover the "
                           "area of the raster");
}

void validate(const MapSpec& spec, const std::string& where) {
  const Extent& e = spec.extent;
  if (!std::isfinite(e.xmin) || !std::isfinite(e.xmax) || !std::isfinite(e.ymin) ||
      !std::isfinite(e.ymax) || e.empty())
    input_error(where, "the map extent is empty or not finite (" + describe(e) +
                           "); give xmin < xmax and ymin < ymax in working CRS metres");
  if (spec.width_px < 1 || spec.width_px > max_frame_px)
    input_error(where, "the map width " + std::to_string(spec.width_px) + " px is outside 1.." +
                           std::to_string(max_frame_px) + " px; 1000 px suits a report page");
  const double height = static_cast<double>(spec.width_px) * e.height() / e.width();
  if (height > max_frame_px)
    input_error(where, "the map frame would be " + fixed(height, 0) + " px high (extent " +
                           fixed(e.width(), 0) + " x " + fixed(e.height(), 0) + " m at " +
                           std::to_string(spec.width_px) + " px wide), over the limit of " +
                           std::to_string(max_frame_px) +
                           " px; use a smaller width or a wider extent");
  if (spec.language != "de" && spec.language != "en")
    input_error(
        where, "unknown map language '" + sanitize_utf8(spec.language) + "'; use \"de\" or \"en\"");
  if (spec.raster) {
    if (!spec.raster->values) input_error(where, "the map raster has no values");
    check_stops(spec.raster->stops, where, "the raster's colour ramp");
  }
  if (spec.categories) {
    if (!spec.categories->codes) input_error(where, "the map's category overlay has no codes");
    for (const PaletteEntry& entry : spec.categories->entries) {
      if (entry.value < 0 || entry.value > 255)
        input_error(where, "category code " + std::to_string(entry.value) +
                               " is outside 0..255 (the overlay holds bytes)");
      check_colour({entry.r, entry.g, entry.b, entry.alpha}, where,
                   "category '" + entry.label + "'");
    }
  }
  for (std::size_t k = 0; k < spec.layers.size(); ++k) {
    const MapPolygons& layer = spec.layers[k];
    const std::string name = "polygon layer " + std::to_string(k + 1);
    const std::size_t n = layer.polygons.size();
    if (!layer.labels.empty() && layer.labels.size() != n)
      input_error(where, name + " has " + std::to_string(layer.labels.size()) + " labels for " +
                             std::to_string(n) + " polygons; give one label per polygon or none");
    if (!layer.fills.empty() && layer.fills.size() != n)
      input_error(where, name + " has " + std::to_string(layer.fills.size()) + " fills for " +
                             std::to_string(n) + " polygons; give one fill per polygon or none");
    if (!(layer.stroke_width_px >= 0.0 && layer.stroke_width_px <= 50.0))
      input_error(where, name + ": the outline width must be 0..50 px");
    if (!(layer.label_size_px > 0.0 && layer.label_size_px <= 200.0))
      input_error(where, name + ": the label size must be above 0 and at most 200 px");
    check_colour(layer.stroke, where, name + "'s outline");
    for (const auto& fill : layer.fills)
      if (fill) check_colour(*fill, where, name + "'s fill");
    for (std::size_t i = 0; i < n; ++i)
      for (const Polygon& part : layer.polygons[i]) {
        auto finite = [](const Point& p) { return std::isfinite(p.x()) && std::isfinite(p.y()); };
        bool ok = std::all_of(part.outer().begin(), part.outer().end(), finite);
        for (const auto& ring : part.inners())
          ok = ok && std::all_of(ring.begin(), ring.end(), finite);
        if (!ok)
          input_error(where, name + ", polygon " + std::to_string(i + 1) +
                                 ": a coordinate is not a finite number");
      }
  }
  if (!spec.legend.ramp.empty()) check_stops(spec.legend.ramp, where, "the legend's ramp");
  for (const LegendClass& c : spec.legend.classes) {
    if (c.fill) check_colour(*c.fill, where, "legend class '" + c.label + "'");
    check_colour(c.stroke, where, "legend class '" + c.label + "'");
  }
}

/// Along one axis: for each map pixel, the source cells it overlaps and the overlap lengths (in
/// cells). Pixel p spans [origin + p * step, origin + (p + 1) * step) in cell units.
struct Footprints {
  std::vector<std::int64_t> first;
  std::vector<int> count;
  std::vector<std::size_t> offset;
  std::vector<double> weight;
};

Footprints footprints(double origin, double step, int pixels, std::int64_t cells) {
  Footprints f;
  f.first.resize(static_cast<std::size_t>(pixels));
  f.count.resize(static_cast<std::size_t>(pixels));
  f.offset.resize(static_cast<std::size_t>(pixels));
  for (int p = 0; p < pixels; ++p) {
    const double a = origin + p * step, b = origin + (p + 1) * step;
    const std::int64_t k0 =
        std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(a)), 0, cells);
    const std::int64_t k1 = std::min<std::int64_t>(cells, static_cast<std::int64_t>(std::ceil(b)));
    const auto i = static_cast<std::size_t>(p);
    f.offset[i] = f.weight.size();
    f.first[i] = k0;
    int n = 0;
    for (std::int64_t k = k0; k < k1; ++k) {
      const double w =
          std::min(b, static_cast<double>(k + 1)) - std::max(a, static_cast<double>(k));
      if (w <= 1e-9) {  // an edge that touches a cell by rounding only
        if (n == 0) ++f.first[i];
        continue;
      }
      f.weight.push_back(w);
      ++n;
    }
    f.count[i] = n;
  }
  return f;
}

/// The two axes' footprints of a grid under the map frame.
struct FrameFootprints {
  Footprints x, y;
};

FrameFootprints frame_footprints(const Grid& grid, const MapLayout& layout) {
  const double step = layout.metres_per_px / grid.cell_size();
  return {footprints((layout.frame_extent.xmin - grid.xmin()) / grid.cell_size(), step,
                     layout.frame_width_px, grid.cols()),
          footprints((grid.ymax() - layout.frame_extent.ymax) / grid.cell_size(), step,
                     layout.frame_height_px, grid.rows())};
}

/// RGBA pixels of the frame: each pixel the overlap-weighted mean of the valid cells under it (in
/// double, in a fixed order), coloured on the ramp; transparent where no valid cell lies under it.
std::vector<std::uint8_t> colour_raster(const MapRaster& raster, const MapLayout& layout) {
  const Raster<float>& values = *raster.values;
  const FrameFootprints f = frame_footprints(values.grid(), layout);
  const auto w = static_cast<std::size_t>(layout.frame_width_px);
  const auto h = static_cast<std::size_t>(layout.frame_height_px);
  std::vector<std::uint8_t> rgba(w * h * 4, 0);
  std::vector<double> sum(w), total(w);
  // Each source row's horizontal sums (valid values times their weights, and the weights) are
  // computed once and kept while the next pixel row may use the same source row; every sum adds
  // the same terms in the same order as cell by cell, and an invalid cell adds +0, so the pixels
  // do not depend on the caching.
  struct RowSums {
    std::int64_t row = -1;
    std::vector<double> s, t;
  };
  RowSums cache[2];
  for (RowSums& c : cache) {
    c.s.resize(w);
    c.t.resize(w);
  }
  const std::optional<float> nodata = values.nodata();
  const bool has_nodata = nodata.has_value() && !std::isnan(*nodata);
  const float nodata_value = has_nodata ? *nodata : 0.0f;
  auto row_sums = [&](std::int64_t r) -> const RowSums& {
    for (const RowSums& c : cache)
      if (c.row == r) return c;
    // Replace the row that is not the more recent one: footprints move downwards.
    RowSums& c = cache[0].row < cache[1].row ? cache[0] : cache[1];
    c.row = r;
    const std::span<const float> row = values.row(r);
    for (std::size_t i = 0; i < w; ++i) {
      const float* src = row.data() + f.x.first[i];
      const double* wx = f.x.weight.data() + f.x.offset[i];
      double s = 0.0, t = 0.0;
      const int n = f.x.count[i];
      for (int dx = 0; dx < n; ++dx) {
        const float v = src[dx];
        const bool ok = v == v && !(has_nodata && v == nodata_value);
        s += static_cast<double>(ok ? v : 0.0f) * wx[dx];
        t += static_cast<double>(ok) * wx[dx];
      }
      c.s[i] = s;
      c.t[i] = t;
    }
    return c;
  };
  for (std::size_t j = 0; j < h; ++j) {
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(total.begin(), total.end(), 0.0);
    for (int dy = 0; dy < f.y.count[j]; ++dy) {
      const double wy = f.y.weight[f.y.offset[j] + static_cast<std::size_t>(dy)];
      const RowSums& r = row_sums(f.y.first[j] + dy);
      for (std::size_t i = 0; i < w; ++i) {
        sum[i] += r.s[i] * wy;
        total[i] += r.t[i] * wy;
      }
    }
    std::uint8_t* out = rgba.data() + j * w * 4;
    for (std::size_t i = 0; i < w; ++i) {
      if (!(total[i] > 0.0)) continue;
      const Rgba c = ramp_colour(raster.stops, sum[i] / total[i]);
      out[i * 4 + 0] = static_cast<std::uint8_t>(c.r);
      out[i * 4 + 1] = static_cast<std::uint8_t>(c.g);
      out[i * 4 + 2] = static_cast<std::uint8_t>(c.b);
      out[i * 4 + 3] = static_cast<std::uint8_t>(c.alpha);
    }
  }
  return rgba;
}

/// Paints `colour` over the RGBA pixel `dst` (source-over, straight alpha, rounded).
void paint_over(std::uint8_t* dst, const PaletteEntry& colour) {
  const int top = colour.alpha, below = dst[3];
  const int out = top * 255 + below * (255 - top);  // alpha x 255^2
  if (out == 0) return;
  const int src[3] = {colour.r, colour.g, colour.b};
  for (int c = 0; c < 3; ++c)
    dst[c] = static_cast<std::uint8_t>(
        (src[c] * top * 255 + dst[c] * below * (255 - top) + out / 2) / out);
  dst[3] = static_cast<std::uint8_t>((out + 127) / 255);
}

/// Paints the category overlay over the RGBA frame pixels `rgba`: in each pixel the code covering
/// the largest part of it (a mode like GDAL's MODE resampling, overlaps weighted, ties to the
/// smaller code), where code 0 and unlisted codes stand for "not drawn" and nodata cells do not
/// count.
void paint_categories(const MapCategories& categories, const MapLayout& layout,
                      std::vector<std::uint8_t>& rgba) {
  const Raster<std::uint8_t>& codes = *categories.codes;
  std::array<int, 256> entry_of;
  entry_of.fill(-1);
  for (std::size_t e = 0; e < categories.entries.size(); ++e)
    if (categories.entries[e].value > 0)
      entry_of[static_cast<std::size_t>(categories.entries[e].value)] = static_cast<int>(e);
  const FrameFootprints f = frame_footprints(codes.grid(), layout);
  const auto w = static_cast<std::size_t>(layout.frame_width_px);
  const auto h = static_cast<std::size_t>(layout.frame_height_px);
  std::array<double, 256> weight{};
  std::vector<int> touched;
  auto bucket_of = [&](std::uint8_t code) { return entry_of[code] < 0 ? 0 : int{code}; };
  for (std::size_t j = 0; j < h; ++j)
    for (std::size_t i = 0; i < w; ++i) {
      // Most pixels lie under one bucket only: find that out before weighing.
      int only = -1;
      bool mixed = false;
      for (int dy = 0; dy < f.y.count[j] && !mixed; ++dy) {
        const std::uint8_t* src = codes.row(f.y.first[j] + dy).data() + f.x.first[i];
        for (int dx = 0; dx < f.x.count[i]; ++dx) {
          if (codes.is_nodata(src[dx])) continue;
          const int bucket = bucket_of(src[dx]);
          if (only < 0) only = bucket;
          mixed = mixed || bucket != only;
        }
      }
      int best = only;
      if (mixed) {
        for (int dy = 0; dy < f.y.count[j]; ++dy) {
          const double wy = f.y.weight[f.y.offset[j] + static_cast<std::size_t>(dy)];
          const std::uint8_t* src = codes.row(f.y.first[j] + dy).data() + f.x.first[i];
          const double* wx = f.x.weight.data() + f.x.offset[i];
          for (int dx = 0; dx < f.x.count[i]; ++dx) {
            if (codes.is_nodata(src[dx])) continue;
            const auto bucket = static_cast<std::size_t>(bucket_of(src[dx]));
            if (weight[bucket] == 0.0) touched.push_back(static_cast<int>(bucket));
            weight[bucket] += wx[dx] * wy;
          }
        }
        best = -1;
        for (int code : touched) {
          const double wb = best < 0 ? -1.0 : weight[static_cast<std::size_t>(best)];
          const double wc = weight[static_cast<std::size_t>(code)];
          if (wc > wb || (wc == wb && code < best)) best = code;
        }
        for (int code : touched) weight[static_cast<std::size_t>(code)] = 0.0;
        touched.clear();
      }
      if (best > 0)
        paint_over(rgba.data() + (j * w + i) * 4,
                   categories.entries[static_cast<std::size_t>(entry_of[best])]);
    }
}

/// 8-bit pixels in memory: `channels` (red, green, blue[, alpha]) at these byte offsets within a
/// pixel, pixels `pixel_stride` bytes apart, rows `line_stride` bytes apart.
struct PixelBuffer {
  const std::uint8_t* data = nullptr;
  int width = 0, height = 0;
  std::vector<int> channels;
  std::ptrdiff_t pixel_stride = 0, line_stride = 0;
};

void put_be32(std::string& out, std::uint32_t v) {
  const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                         static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(bytes, 4);
}

/// Appends a PNG chunk: length, type, data and the CRC-32 of type and data.
void put_chunk(std::string& out, const char (&type)[5], std::string_view data) {
  put_be32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.append(type, 4);
  out.append(data);
  put_be32(out,
           static_cast<std::uint32_t>(libdeflate_crc32(0, out.data() + start, out.size() - start)));
}

struct CompressorFree {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

/// PNG bytes of `pixels` (8-bit RGB, or RGBA with four channels): every row with the "up" filter
/// (on standort's maps smaller than libpng's adaptive choice among all filters, in less than half
/// the time), the rows compressed as one zlib stream by libdeflate at `level`, in one IDAT chunk.
/// libdeflate instead of zlib (libpng's only compressor): on the maps it is about 40 % faster at
/// level 2 than zlib at level 2, and the files are about 10 % smaller.
std::string encode_png(const PixelBuffer& pixels, int level, const std::string& where) {
  const auto channels = pixels.channels.size();
  const auto width = static_cast<std::size_t>(pixels.width);
  const auto height = static_cast<std::size_t>(pixels.height);
  const std::size_t row_bytes = 1 + width * channels;
  if (width == 0 || height == 0 || width > 0x7fffffffu || height > 0x7fffffffu ||
      row_bytes * height > (std::size_t{1} << 31))
    throw std::runtime_error(where + ": encoding a PNG failed: " + std::to_string(width) + " x " +
                             std::to_string(height) + " pixels is not a size standort writes");
  // The filtered rows: filter type 2 ("up"), then each byte minus the byte above it.
  std::vector<std::uint8_t> filtered(row_bytes * height);
  std::vector<std::uint8_t> previous(width * channels, 0), current(width * channels);
  for (std::size_t y = 0; y < height; ++y) {
    const std::uint8_t* src = pixels.data + static_cast<std::ptrdiff_t>(y) * pixels.line_stride;
    std::uint8_t* c = current.data();
    for (std::size_t x = 0; x < width; ++x, src += pixels.pixel_stride)
      for (std::size_t k = 0; k < channels; ++k) *c++ = src[pixels.channels[k]];
    std::uint8_t* dst = filtered.data() + y * row_bytes;
    *dst++ = 2;
    for (std::size_t i = 0; i < current.size(); ++i)
      dst[i] = static_cast<std::uint8_t>(current[i] - previous[i]);
    previous.swap(current);
  }
  const std::unique_ptr<libdeflate_compressor, CompressorFree> compressor(
      libdeflate_alloc_compressor(level));
  if (!compressor) throw std::runtime_error(where + ": encoding a PNG failed: out of memory");
  std::string idat(libdeflate_zlib_compress_bound(compressor.get(), filtered.size()), '\0');
  const std::size_t n = libdeflate_zlib_compress(compressor.get(), filtered.data(), filtered.size(),
                                                 idat.data(), idat.size());
  if (n == 0)
    throw std::runtime_error(where + ": encoding a PNG failed: the compressor overflowed");
  idat.resize(n);
  std::string ihdr;
  put_be32(ihdr, static_cast<std::uint32_t>(width));
  put_be32(ihdr, static_cast<std::uint32_t>(height));
  // Bit depth 8; colour type 6 (RGBA) or 2 (RGB); deflate; adaptive filtering; no interlace.
  const char rest[5] = {8, static_cast<char>(channels == 4 ? 6 : 2), 0, 0, 0};
  ihdr.append(rest, 5);
  std::string out("\x89PNG\r\n\x1a\n", 8);
  out.reserve(8 + 25 + 12 + idat.size() + 12);
  put_chunk(out, "IHDR", ihdr);
  put_chunk(out, "IDAT", idat);
  put_chunk(out, "IEND", {});
  return out;
}

void append_base64(std::string& out, std::string_view bytes) {
  constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  const std::size_t start = out.size();
  out.resize(start + (n + 2) / 3 * 4);
  char* dst = out.data() + start;
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    *dst++ = table[(v >> 18) & 63];
    *dst++ = table[(v >> 12) & 63];
    *dst++ = table[(v >> 6) & 63];
    *dst++ = table[v & 63];
  }
  if (i < n) {
    const std::uint32_t v =
        (std::uint32_t{p[i]} << 16) | (i + 1 < n ? std::uint32_t{p[i + 1]} << 8 : 0u);
    *dst++ = table[(v >> 18) & 63];
    *dst++ = table[(v >> 12) & 63];
    *dst++ = i + 1 < n ? table[(v >> 6) & 63] : '=';
    *dst++ = '=';
  }
}

void append_image(std::string& svg, const std::vector<std::uint8_t>& rgba, const MapLayout& layout,
                  const std::string& where) {
  const int w = layout.frame_width_px, h = layout.frame_height_px;
  const std::string png = encode_png({rgba.data(), w, h, {0, 1, 2, 3}, 4, std::ptrdiff_t{4} * w},
                                     embedded_zlevel, where);
  svg += "<image id=\"raster\" x=\"";
  put_int(svg, layout.frame_x_px);
  svg += "\" y=\"";
  put_int(svg, layout.frame_y_px);
  svg += "\" width=\"";
  put_int(svg, layout.frame_width_px);
  svg += "\" height=\"";
  put_int(svg, layout.frame_height_px);
  // One image pixel per frame pixel; viewers that scale the SVG keep the cells sharp.
  svg +=
      "\" preserveAspectRatio=\"none\" image-rendering=\"optimizeSpeed\" "
      "style=\"image-rendering:pixelated\" xlink:href=\"data:image/png;base64,";
  append_base64(svg, png);
  svg += "\"/>\n";
}

Extent envelope(const MultiPolygon& mp) {
  Extent e{std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
           -std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  for (const Polygon& part : mp)
    for (const Point& p : part.outer()) e.expand(p.x(), p.y());
  return e;
}

template <class Ring>
void append_ring(std::string& d, const Ring& ring, const MapLayout& layout) {
  std::vector<std::pair<long long, long long>> tenths;
  tenths.reserve(ring.size());
  for (const Point& p : ring) {
    const std::pair<long long, long long> t{tenths_of(layout.x_px(p.x())),
                                            tenths_of(layout.y_px(p.y()))};
    if (tenths.empty() || tenths.back() != t) tenths.push_back(t);
  }
  while (tenths.size() > 1 && tenths.back() == tenths.front()) tenths.pop_back();
  if (tenths.size() < 3) return;
  for (std::size_t i = 0; i < tenths.size(); ++i) {
    d += i == 0 ? (d.empty() ? "M" : " M") : " ";
    put_px(d, static_cast<double>(tenths[i].first) / 10.0);
    d += ' ';
    put_px(d, static_cast<double>(tenths[i].second) / 10.0);
  }
  d += 'Z';
}

/// The SVG path data of `mp` in document pixels (0.1 px), or "" when nothing of it is drawable.
std::string path_data(const MultiPolygon& mp, const MapLayout& layout) {
  std::string d;
  for (const Polygon& part : mp) {
    append_ring(d, part.outer(), layout);
    for (const auto& hole : part.inners()) append_ring(d, hole, layout);
  }
  return d;
}

GEOSGeometry* geos_ring(GEOSContextHandle_t ctx, const Polygon::ring_type& ring) {
  std::vector<double> xy;
  xy.reserve(ring.size() * 2 + 2);
  for (const Point& p : ring) {
    xy.push_back(p.x());
    xy.push_back(p.y());
  }
  if (ring.size() >= 1 && !bg::equals(ring.front(), ring.back())) {
    xy.push_back(ring.front().x());
    xy.push_back(ring.front().y());
  }
  if (xy.size() < 8) return nullptr;
  GEOSCoordSequence* seq =
      GEOSCoordSeq_copyFromBuffer_r(ctx, xy.data(), static_cast<unsigned>(xy.size() / 2), 0, 0);
  return seq ? GEOSGeom_createLinearRing_r(ctx, seq) : nullptr;
}

/// GEOS's interior point (GEOSPointOnSurface) of one polygon.
std::optional<Point> point_on_surface(const Polygon& part) {
  // No message handler: a label point is found or not, and GEOS has nothing to tell the user.
  const GeosContext geos(GeosContext::Messages::none);
  GEOSContextHandle_t ctx = geos.get();
  GEOSGeometry* shell = geos_ring(ctx, part.outer());
  if (!shell) return std::nullopt;
  std::vector<GEOSGeometry*> holes;
  for (const auto& inner : part.inners())
    if (GEOSGeometry* hole = geos_ring(ctx, inner)) holes.push_back(hole);
  const GeosGeometry polygon(
      ctx, GEOSGeom_createPolygon_r(ctx, shell, holes.data(), static_cast<unsigned>(holes.size())));
  if (!polygon) return std::nullopt;
  const GeosGeometry point(ctx, GEOSPointOnSurface_r(ctx, polygon.get()));
  double x = 0.0, y = 0.0;
  if (!point || GEOSisEmpty_r(ctx, point.get()) != 0 || GEOSGeomGetX_r(ctx, point.get(), &x) != 1 ||
      GEOSGeomGetY_r(ctx, point.get(), &y) != 1)
    return std::nullopt;
  return Point(x, y);
}

struct Layout {
  MapLayout map;
  int legend_x = 0, legend_width = 0;
  int title_y = 0, subtitle_y = 0;
};

int legend_width_px(const MapLegend& legend) {
  double need = 140.0;
  for (const RampStop& s : legend.ramp) need = std::max(need, 30.0 + text_width_px(s.label, 12));
  for (const LegendClass& c : legend.classes)
    need = std::max(need, 26.0 + text_width_px(c.label, 12));
  return static_cast<int>(std::ceil(std::min(need, 300.0)));
}

Layout compute_layout(const MapSpec& spec) {
  Layout l;
  MapLayout& m = l.map;
  const Extent& e = spec.extent;
  m.frame_width_px = spec.width_px;
  m.metres_per_px = e.width() / spec.width_px;
  m.frame_height_px = std::max(1, static_cast<int>(std::lround(e.height() / m.metres_per_px)));
  const double centre_y = (e.ymin + e.ymax) / 2.0;
  const double half_height_m = m.frame_height_px * m.metres_per_px / 2.0;
  m.frame_extent = {e.xmin, centre_y - half_height_m, e.xmax, centre_y + half_height_m};
  int y = margin_px;
  if (!spec.title.empty()) l.title_y = (y += 20);
  if (!spec.subtitle.empty()) l.subtitle_y = (y += 20);
  m.frame_x_px = margin_px;
  m.frame_y_px = y + (y > margin_px ? 14 : 0);
  l.legend_x = m.frame_x_px + m.frame_width_px + legend_gap_px;
  l.legend_width = legend_width_px(spec.legend);
  // Wide enough for the legend and for the title lines (they are not wrapped).
  const double title_px =
      std::max({text_width_px(spec.title, 20, true), text_width_px(spec.subtitle, 13),
                text_width_px(spec.credits, 10)});
  m.width_px = std::max(l.legend_x + l.legend_width + margin_px,
                        margin_px + static_cast<int>(std::ceil(title_px)) + margin_px);
  m.scale_bar_m = nice_scale_length_m(e.width() / 5.0);
  m.scale_bar_px = m.scale_bar_m / m.metres_per_px;
  return l;
}

void open_text(std::string& svg, double x, double y, const char* attributes = "") {
  svg += "<text x=\"";
  put_px(svg, x);
  svg += "\" y=\"";
  put_px(svg, y);
  svg += '"';
  svg += attributes;
  svg += '>';
}

void append_text(std::string& svg, double x, double y, const std::string& text,
                 const char* attributes = "") {
  open_text(svg, x, y, attributes);
  svg += svg_text(text);
  svg += "</text>\n";
}

/// "2 km", "500 m", "2,5 km" (de) / "2.5 km" (en).
std::string distance_label(double metres, const std::string& language) {
  const bool km = metres >= 1000.0;
  const double v = km ? metres / 1000.0 : metres;
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (language == "de") std::replace(s.begin(), s.end(), '.', ',');
  return s + (km ? " km" : " m");
}

/// The scale bar under the frame: alternating segments, "0" and the length at the ends.
int append_scale_bar(std::string& svg, const Layout& l, const std::string& language) {
  const MapLayout& m = l.map;
  // 1 and 2 x 10^k in quarters, 2.5 and 5 x 10^k in fifths.
  const double mantissa =
      m.scale_bar_m / std::pow(10.0, std::floor(std::log10(m.scale_bar_m * (1.0 + 1e-9))));
  const int segments = mantissa < 2.2 ? 4 : 5;
  const double x0 = m.frame_x_px;
  const double top = m.frame_y_px + m.frame_height_px + 22;
  const double label_y = top - 5;
  svg += "<g id=\"scale-bar\">\n";
  for (int k = 0; k < segments; ++k) {
    const double a = x0 + m.scale_bar_px * k / segments;
    const double b = x0 + m.scale_bar_px * (k + 1) / segments;
    svg += "<rect x=\"";
    put_px(svg, a);
    svg += "\" y=\"";
    put_px(svg, top);
    svg += "\" width=\"";
    put_px(svg, static_cast<double>(tenths_of(b) - tenths_of(a)) / 10.0);
    svg += "\" height=\"6\" fill=\"";
    svg += k % 2 == 0 ? "#333333" : "#ffffff";
    svg += "\"/>\n";
  }
  svg += "<rect id=\"scale-bar-frame\" x=\"";
  put_px(svg, x0);
  svg += "\" y=\"";
  put_px(svg, top);
  svg += "\" width=\"";
  put_px(svg, m.scale_bar_px);
  svg += "\" height=\"6\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>\n";
  append_text(svg, x0, label_y, "0", " font-size=\"11\" text-anchor=\"middle\"");
  append_text(svg, x0 + m.scale_bar_px, label_y, distance_label(m.scale_bar_m, language),
              " id=\"scale-bar-label\" font-size=\"11\" text-anchor=\"middle\"");
  svg += "</g>\n";
  return static_cast<int>(top) + 6;
}

void append_north_arrow(std::string& svg, double x, double top) {
  svg += "<g id=\"north-arrow\">\n";
  append_text(svg, x, top + 14, "N",
              " font-size=\"15\" font-weight=\"bold\" text-anchor=\"middle\"");
  const double tip = top + 19, base = top + 47, notch = top + 40;
  auto pt = [&svg](double px_x, double px_y, const char* sep) {
    put_px(svg, px_x);
    svg += ',';
    put_px(svg, px_y);
    svg += sep;
  };
  svg += "<polygon points=\"";
  pt(x, tip, " ");
  pt(x - 9, base, " ");
  pt(x, notch, "");
  svg += "\" fill=\"#333333\"/>\n<polygon points=\"";
  pt(x, tip, " ");
  pt(x + 9, base, " ");
  pt(x, notch, "");
  svg += "\" fill=\"#ffffff\" stroke=\"#333333\" stroke-width=\"1\" stroke-linejoin=\"round\"/>\n";
  svg += "</g>\n";
}

/// The legend column; returns the y below its last element.
double append_legend(std::string& svg, const MapLegend& legend, const Layout& l) {
  const double x = l.legend_x;
  double y = l.map.frame_y_px;
  svg += "<g id=\"legend\" font-size=\"12\">\n";
  std::string heading = legend.title;
  if (!legend.unit.empty()) heading += (heading.empty() ? "" : " ") + ("(" + legend.unit + ")");
  const auto max_chars =
      static_cast<std::size_t>(std::max(8.0, std::floor(l.legend_width / (13.0 * 0.62))));
  for (const std::string& line : wrap_words(heading, max_chars)) {
    y += 16;
    append_text(svg, x, y, line, " font-size=\"13\" font-weight=\"bold\"");
  }
  y += 12;
  if (!legend.ramp.empty()) {
    const auto& stops = legend.ramp;
    const double v0 = stops.front().value, v1 = stops.back().value;
    const double bar_h = std::clamp(32.0 * static_cast<double>(stops.size() - 1), 120.0, 320.0);
    y += 4;
    svg += "<rect x=\"";
    put_px(svg, x);
    svg += "\" y=\"";
    put_px(svg, y);
    svg += "\" width=\"18\" height=\"";
    put_px(svg, bar_h);
    svg += "\" fill=\"url(#legend-ramp)\" stroke=\"#333333\" stroke-width=\"0.8\"/>\n";
    double last_label_y = -1e9;
    for (std::size_t i = stops.size(); i-- > 0;) {  // top (high values) to bottom
      const double ty = y + bar_h * (1.0 - (stops[i].value - v0) / (v1 - v0));
      const bool end = i == 0 || i + 1 == stops.size();
      const double bottom_y = y + bar_h;
      if (!end && (ty - last_label_y < 14.0 || bottom_y - ty < 14.0)) continue;
      svg += "<line x1=\"";
      put_px(svg, x + 18);
      svg += "\" y1=\"";
      put_px(svg, ty);
      svg += "\" x2=\"";
      put_px(svg, x + 23);
      svg += "\" y2=\"";
      put_px(svg, ty);
      svg += "\" stroke=\"#333333\" stroke-width=\"0.8\"/>\n";
      append_text(svg, x + 27, ty + 4, stops[i].label);
      last_label_y = ty;
    }
    y += bar_h + 18;
  }
  for (const LegendClass& c : legend.classes) {
    svg += "<rect x=\"";
    put_px(svg, x);
    svg += "\" y=\"";
    put_px(svg, y);
    svg += "\" width=\"18\" height=\"12\" fill=\"";
    if (c.fill) {
      svg += hex(*c.fill);
      if (c.fill->alpha < 255) {
        svg += "\" fill-opacity=\"";
        svg += fixed(c.fill->alpha / 255.0, 3);
      }
    } else {
      svg += "none";
    }
    svg += "\" stroke=\"";
    svg += hex(c.stroke);
    svg += "\" stroke-width=\"";
    svg += c.fill ? "0.8" : "1.5";
    svg += "\"/>\n";
    // Long labels (exclusion reasons) wrap within the legend column.
    const auto class_chars = static_cast<std::size_t>(
        std::max(8.0, std::floor((l.legend_width - 26.0) / (12.0 * 0.62))));
    const std::vector<std::string> lines = wrap_words(c.label, class_chars);
    for (std::size_t k = 0; k < lines.size(); ++k)
      append_text(svg, x + 26, y + 10.5 + 15.0 * static_cast<double>(k), lines[k]);
    y += 20 + 15.0 * static_cast<double>(lines.empty() ? 0 : lines.size() - 1);
  }
  svg += "</g>\n";
  return y;
}

void append_defs(std::string& svg, const MapSpec& spec, const MapLayout& m) {
  svg += "<defs>\n<clipPath id=\"map-frame\"><rect x=\"";
  put_int(svg, m.frame_x_px);
  svg += "\" y=\"";
  put_int(svg, m.frame_y_px);
  svg += "\" width=\"";
  put_int(svg, m.frame_width_px);
  svg += "\" height=\"";
  put_int(svg, m.frame_height_px);
  svg += "\"/></clipPath>\n";
  if (!spec.legend.ramp.empty()) {
    // Bottom (first stop) to top (last stop), linear in sRGB like the raster's ramp.
    const auto& stops = spec.legend.ramp;
    const double v0 = stops.front().value, v1 = stops.back().value;
    svg += "<linearGradient id=\"legend-ramp\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n";
    for (const RampStop& s : stops) {
      svg += "<stop offset=\"";
      svg += fixed((s.value - v0) / (v1 - v0), 4);
      svg += "\" stop-color=\"";
      svg += hex({s.r, s.g, s.b, 255});
      svg += "\"/>\n";
    }
    svg += "</linearGradient>\n";
  }
  svg += "</defs>\n";
}

void append_polygons(std::string& svg, const MapSpec& spec, const MapLayout& m) {
  const Extent& frame = m.frame_extent;
  for (std::size_t k = 0; k < spec.layers.size(); ++k) {
    const MapPolygons& layer = spec.layers[k];
    std::vector<std::string> paths(layer.polygons.size());
    for (std::size_t i = 0; i < layer.polygons.size(); ++i) {
      const Extent e = envelope(layer.polygons[i]);
      if (!e.empty() && overlaps(e, frame)) paths[i] = path_data(layer.polygons[i], m);
    }
    // Fills first, outlines after, so no polygon's fill covers a neighbour's outline.
    if (!layer.fills.empty()) {
      svg += "<g stroke=\"none\" fill-rule=\"evenodd\">\n";
      for (std::size_t i = 0; i < paths.size(); ++i) {
        if (paths[i].empty() || !layer.fills[i]) continue;
        svg += "<path fill=\"";
        svg += hex(*layer.fills[i]);
        if (layer.fills[i]->alpha < 255) {
          svg += "\" fill-opacity=\"";
          svg += fixed(layer.fills[i]->alpha / 255.0, 3);
        }
        svg += "\" d=\"";
        svg += paths[i];
        svg += "\"/>\n";
      }
      svg += "</g>\n";
    }
    if (layer.stroke_width_px > 0.0) {
      svg += "<g fill=\"none\" fill-rule=\"evenodd\" stroke=\"";
      svg += hex(layer.stroke);
      if (layer.stroke.alpha < 255) {
        svg += "\" stroke-opacity=\"";
        svg += fixed(layer.stroke.alpha / 255.0, 3);
      }
      svg += "\" stroke-width=\"";
      svg += fixed(layer.stroke_width_px, 2);
      svg += "\" stroke-linejoin=\"round\">\n";
      for (const std::string& d : paths) {
        if (d.empty()) continue;
        svg += "<path d=\"";
        svg += d;
        svg += "\"/>\n";
      }
      svg += "</g>\n";
    }
  }
}

void append_labels(std::string& svg, const MapSpec& spec, const MapLayout& m) {
  for (const MapPolygons& layer : spec.layers) {
    if (layer.labels.empty()) continue;
    const double size = layer.label_size_px;
    svg += "<g class=\"labels\" font-size=\"";
    put_px(svg, size);
    svg += "\" text-anchor=\"middle\" fill=\"";
    svg += hex(text_colour);
    svg += "\" stroke=\"#ffffff\" stroke-opacity=\"0.8\" stroke-width=\"";
    put_px(svg, std::max(2.0, size * 0.32));
    svg += "\" stroke-linejoin=\"round\" paint-order=\"stroke\">\n";
    for (std::size_t i = 0; i < layer.polygons.size(); ++i) {
      if (layer.labels[i].empty()) continue;
      const std::optional<Point> p = label_point(layer.polygons[i]);
      if (!p) continue;
      const double x = m.x_px(p->x()), y = m.y_px(p->y());
      if (x < m.frame_x_px || x > m.frame_x_px + m.frame_width_px || y < m.frame_y_px ||
          y > m.frame_y_px + m.frame_height_px)
        continue;
      const std::vector<std::string> lines = label_lines(layer.labels[i]);
      const double line_h = size * 1.15;
      // Baselines so the block of lines is centred on the point (0.35 em: half a capital).
      const double first = y - line_h * static_cast<double>(lines.size() - 1) / 2.0 + size * 0.35;
      if (lines.size() == 1) {
        append_text(svg, x, first, lines.front());
        continue;
      }
      svg += "<text>";
      for (std::size_t k = 0; k < lines.size(); ++k) {
        svg += "<tspan x=\"";
        put_px(svg, x);
        svg += "\" y=\"";
        put_px(svg, first + line_h * static_cast<double>(k));
        svg += "\">";
        svg += svg_text(lines[k]);
        svg += "</tspan>";
      }
      svg += "</text>\n";
    }
    svg += "</g>\n";
  }
}

/// A map as the SVG file and as what the PNG is rendered from: the same document without its white
/// background and raster image (the overlay), and the image's pixels, which are composited
/// directly instead of being encoded into the overlay and decoded again by librsvg.
struct SvgDocument {
  std::string svg;
  std::string overlay;
  std::vector<std::uint8_t> rgba;  // frame_width_px x frame_height_px straight RGBA; may be empty
};

SvgDocument build_svg(const MapSpec& spec, const Layout& l, const std::string& where,
                      MapLayout& layout_out) {
  MapLayout m = l.map;
  SvgDocument doc;
  std::string defs;
  append_defs(defs, spec, m);
  const std::string background = "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  std::string body;
  if (!spec.title.empty())
    append_text(body, margin_px, l.title_y, spec.title,
                " id=\"title\" font-size=\"20\" font-weight=\"bold\"");
  if (!spec.subtitle.empty())
    append_text(body, margin_px, l.subtitle_y, spec.subtitle,
                " id=\"subtitle\" font-size=\"13\" fill=\"#555555\"");

  const std::string frame_open = "<g id=\"map\" clip-path=\"url(#map-frame)\">\n";
  std::string image;
  if (spec.raster || spec.categories) {
    // The categories are painted into the raster's pixels: one image, one PNG to encode.
    std::vector<std::uint8_t> rgba =
        spec.raster ? colour_raster(*spec.raster, m)
                    : std::vector<std::uint8_t>(static_cast<std::size_t>(m.frame_width_px) *
                                                    static_cast<std::size_t>(m.frame_height_px) * 4,
                                                0);
    if (spec.categories) paint_categories(*spec.categories, m, rgba);
    append_image(image, rgba, m, where);
    doc.rgba = std::move(rgba);
  }
  std::string frame;
  append_polygons(frame, spec, m);
  append_labels(frame, spec, m);

  std::string tail;
  tail += "<rect id=\"map-border\" x=\"";
  put_px(tail, m.frame_x_px - 0.5);
  tail += "\" y=\"";
  put_px(tail, m.frame_y_px - 0.5);
  tail += "\" width=\"";
  put_int(tail, m.frame_width_px + 1);
  tail += "\" height=\"";
  put_int(tail, m.frame_height_px + 1);
  tail += "\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>\n";
  int bottom = append_scale_bar(tail, l, spec.language);
  if (!spec.credits.empty()) {
    bottom += 18;
    append_text(tail, m.frame_x_px, bottom, spec.credits, " font-size=\"10\" fill=\"#666666\"");
  }
  double legend_bottom = append_legend(tail, spec.legend, l);
  const double frame_bottom = m.frame_y_px + m.frame_height_px;
  const double arrow_top = std::max(legend_bottom + 8.0, frame_bottom - 48.0);
  append_north_arrow(tail, l.legend_x + 10, arrow_top);
  legend_bottom = arrow_top + 48.0;
  m.height_px = static_cast<int>(std::ceil(std::max<double>(bottom, legend_bottom))) + margin_px;

  std::string svg;
  svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg +=
      "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
      "version=\"1.1\" width=\"";
  put_int(svg, m.width_px);
  svg += "\" height=\"";
  put_int(svg, m.height_px);
  svg += "\" viewBox=\"0 0 ";
  put_int(svg, m.width_px);
  svg += ' ';
  put_int(svg, m.height_px);
  svg += "\" font-family=\"";
  svg += font_family;
  svg += "\" fill=\"";
  svg += hex(text_colour);
  svg += "\">\n<title>";
  svg += svg_text(spec.title);
  svg += "</title>\n";
  svg += defs;
  doc.overlay.reserve(svg.size() + body.size() + frame.size() + tail.size() + 64);
  doc.overlay = svg;
  doc.svg.reserve(doc.overlay.capacity() + background.size() + image.size());
  doc.svg = std::move(svg);
  doc.svg += background;
  for (std::string* out : {&doc.svg, &doc.overlay}) {
    *out += body;
    *out += frame_open;
    if (out == &doc.svg) *out += image;
    *out += frame;
    *out += "</g>\n";
    *out += tail;
    *out += "</svg>\n";
  }
  layout_out = m;
  return doc;
}

[[noreturn]] void render_failed(const std::string& where, const std::string& what) {
  throw std::runtime_error(where + ": rendering the map to PNG failed: " + what);
}

/// A white RGB24 cairo surface of `width` x `height` pixels.
SurfacePtr white_surface(int width, int height, const std::string& where) {
  SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    render_failed(where, cairo_status_to_string(cairo_surface_status(surface.get())));
  const CairoPtr cr(cairo_create(surface.get()));
  cairo_set_source_rgb(cr.get(), 1.0, 1.0, 1.0);
  cairo_paint(cr.get());
  return surface;
}

/// Renders `svg` with librsvg over what `surface` holds, one pixel per viewBox unit.
void render_svg_onto(cairo_surface_t* surface, std::string_view svg, const std::string& where) {
  // The document is our own: lift libxml2's size limits.
  const InputStreamPtr stream(
      g_memory_input_stream_new_from_data(svg.data(), static_cast<gssize>(svg.size()), nullptr));
  GError* raw_error = nullptr;
  const RsvgHandlePtr handle(rsvg_handle_new_from_stream_sync(
      stream.get(), nullptr, RSVG_HANDLE_FLAG_UNLIMITED, nullptr, &raw_error));
  GErrorPtr error(raw_error);
  if (!handle) render_failed(where, error ? error->message : "librsvg could not read the SVG");
  rsvg_handle_set_dpi(handle.get(), 96.0);
  const CairoPtr cr(cairo_create(surface));
  const RsvgRectangle viewport{0.0, 0.0,
                               static_cast<double>(cairo_image_surface_get_width(surface)),
                               static_cast<double>(cairo_image_surface_get_height(surface))};
  raw_error = nullptr;
  const gboolean ok = rsvg_handle_render_document(handle.get(), cr.get(), &viewport, &raw_error);
  error.reset(raw_error);
  if (!ok) render_failed(where, error ? error->message : "librsvg could not render the SVG");
  if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS)
    render_failed(where, cairo_status_to_string(cairo_status(cr.get())));
}

/// Paints straight-alpha RGBA pixels (`width` x `height`) at (x, y), source-over, one pixel per
/// pixel: what librsvg does with an <image> placed there at one pixel per unit.
void composite_rgba(cairo_surface_t* surface, const std::vector<std::uint8_t>& rgba, int width,
                    int height, int x, int y, const std::string& where) {
  // Cairo's ARGB32: native-endian words, colours premultiplied by alpha (rounded to nearest, as
  // librsvg premultiplies an image's pixels).
  const SurfacePtr image(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height));
  if (cairo_surface_status(image.get()) != CAIRO_STATUS_SUCCESS)
    render_failed(where, cairo_status_to_string(cairo_surface_status(image.get())));
  cairo_surface_flush(image.get());
  unsigned char* data = cairo_image_surface_get_data(image.get());
  const int stride = cairo_image_surface_get_stride(image.get());
  for (int row = 0; row < height; ++row) {
    const std::uint8_t* src = rgba.data() + static_cast<std::size_t>(row) * width * 4;
    auto* dst = reinterpret_cast<std::uint32_t*>(data + static_cast<std::ptrdiff_t>(row) * stride);
    for (int col = 0; col < width; ++col, src += 4) {
      const std::uint32_t a = src[3];
      auto premultiply = [a](std::uint32_t c) { return (c * a + 127) / 255; };
      dst[col] = (a << 24) | (premultiply(src[0]) << 16) | (premultiply(src[1]) << 8) |
                 premultiply(src[2]);
    }
  }
  cairo_surface_mark_dirty(image.get());
  const CairoPtr cr(cairo_create(surface));
  cairo_set_source_surface(cr.get(), image.get(), x, y);
  cairo_paint(cr.get());
  if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS)
    render_failed(where, cairo_status_to_string(cairo_status(cr.get())));
}

/// PNG bytes (8-bit RGB) of an RGB24 cairo surface.
std::string surface_png(cairo_surface_t* surface, const std::string& where) {
  cairo_surface_flush(surface);
  // Cairo's RGB24 pixels are native-endian 32-bit words 0xXXRRGGBB; the colour bytes are read in
  // place (cairo's own PNG writer only offers libpng's slower defaults).
  const bool little = std::endian::native == std::endian::little;
  const PixelBuffer pixels{cairo_image_surface_get_data(surface),
                           cairo_image_surface_get_width(surface),
                           cairo_image_surface_get_height(surface),
                           little ? std::vector<int>{2, 1, 0} : std::vector<int>{1, 2, 3},
                           4,
                           cairo_image_surface_get_stride(surface)};
  return encode_png(pixels, png_file_zlevel, where);
}

/// The map as PNG bytes: white, the raster image composited at the frame, then the overlay
/// rendered by librsvg. The same pixels as rendering the SVG file (svg_to_png), without encoding
/// the image into a document and decoding it again.
std::string render_png(const SvgDocument& doc, const MapLayout& m, const std::string& where) {
  const SurfacePtr surface = white_surface(m.width_px, m.height_px, where);
  if (!doc.rgba.empty())
    composite_rgba(surface.get(), doc.rgba, m.frame_width_px, m.frame_height_px, m.frame_x_px,
                   m.frame_y_px, where);
  render_svg_onto(surface.get(), doc.overlay, where);
  return surface_png(surface.get(), where);
}

}  // namespace

Rgba ramp_colour(const std::vector<RampStop>& stops, double value) {
  // QGIS's QgsColorRampShader::shade (src/core/raster/qgscolorrampshader.cpp), interpolated
  // mode without clipping: the same tolerance, float arithmetic and truncation.
  constexpr double tolerance = 0.0000001;  // QGIS's DOUBLE_DIFF_THRESHOLD
  if (stops.empty() || std::isnan(value)) return {0, 0, 0, 0};
  const std::size_t n = stops.size();
  std::size_t idx = 0;
  while (idx < n && stops[idx].value + tolerance < value) ++idx;
  const bool overflow = idx >= n;
  if (overflow) idx = n - 1;
  const RampStop& current = stops[idx];
  if (idx < 1 || overflow || current.value - tolerance <= value)
    return {current.r, current.g, current.b, 255};
  const RampStop& previous = stops[idx - 1];
  const auto range = static_cast<float>(current.value - previous.value);
  const auto offset = static_cast<float>(value - previous.value);
  const float scale = offset / range;
  auto mix = [scale](int a, int b) {
    return a + static_cast<int>(static_cast<float>(b - a) * scale);
  };
  return {mix(previous.r, current.r), mix(previous.g, current.g), mix(previous.b, current.b), 255};
}

std::vector<LegendClass> legend_classes(const std::vector<PaletteEntry>& entries) {
  std::vector<LegendClass> out;
  out.reserve(entries.size());
  for (const PaletteEntry& e : entries)
    out.push_back({Rgba{e.r, e.g, e.b, e.alpha}, Rgba{40, 40, 40, 255}, e.label});
  return out;
}

double nice_scale_length_m(double target_m) {
  if (!(target_m > 0.0) || !std::isfinite(target_m)) return 1.0;
  const int exponent = static_cast<int>(std::floor(std::log10(target_m)));
  double best = 0.0;
  for (int k = exponent - 1; k <= exponent + 1; ++k)
    for (double mantissa : {1.0, 2.0, 2.5, 5.0}) {
      // 10^k exactly for negative k too: divide by the integer power instead of multiplying.
      const double power = std::pow(10.0, std::abs(k));
      const double length = k >= 0 ? mantissa * power : mantissa / power;
      if (best == 0.0 ||
          std::abs(std::log(length / target_m)) < std::abs(std::log(best / target_m)))
        best = length;
    }
  return best;
}

std::optional<Point> label_point(const MultiPolygon& polygons) {
  const Polygon* largest = nullptr;
  double largest_area = -1.0;
  for (const Polygon& part : polygons) {
    const double a = std::abs(bg::area(part));
    if (a > largest_area) {
      largest_area = a;
      largest = &part;
    }
  }
  if (!largest || largest->outer().empty()) return std::nullopt;
  if (largest_area > 0.0) {
    Point c;
    bg::centroid(*largest, c);
    if (bg::within(c, *largest)) return c;
  }
  if (const auto p = point_on_surface(*largest)) return *p;
  return largest->outer().front();
}

MapImage render_map(const MapSpec& spec, const std::string& where) {
  validate(spec, where);
  const Layout layout = compute_layout(spec);
  if (spec.raster)
    check_grid_overlap(spec.raster->values->grid(), layout.map.frame_extent, where, "the raster");
  if (spec.categories)
    check_grid_overlap(spec.categories->codes->grid(), layout.map.frame_extent, where,
                       "the category overlay");
  MapImage image;
  SvgDocument doc = build_svg(spec, layout, where, image.layout);
  image.png = render_png(doc, image.layout, where);
  image.svg = std::move(doc.svg);
  return image;
}

std::string svg_to_png(const std::string& svg, int width, int height, const std::string& where) {
  const SurfacePtr surface = white_surface(width, height, where);
  render_svg_onto(surface.get(), svg, where);
  return surface_png(surface.get(), where);
}

MapLayout write_map(const std::filesystem::path& stem, const MapSpec& spec) {
  const MapImage image = render_map(spec, stem.string());
  if (!stem.parent_path().empty()) std::filesystem::create_directories(stem.parent_path());
  write_text_atomic(stem.string() + ".svg", image.svg);
  write_text_atomic(stem.string() + ".png", image.png);
  return image.layout;
}

}  // namespace standort::layers
