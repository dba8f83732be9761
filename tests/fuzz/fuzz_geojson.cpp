// libFuzzer target: GeoJSON bytes through the read path a scenario input takes, i.e. a .geojson
// file opened by layers::read_layer (GDAL's GeoJSON driver, validation, reprojection to
// EPSG:25832), once as given and once with repair = true. InputError is the reader's answer to bad
// data; a crash, a sanitizer report, any other exception, a hang or a broken promise is a finding.
#include "standort/engine/error.hpp"
#include "standort/layers/text.hpp"
#include "standort/layers/vector_reader.hpp"

#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

[[noreturn]] void broken(const std::string& what) {
  std::fprintf(stderr, "fuzz_geojson: a read layer breaks a promise: %s\n", what.c_str());
  std::abort();
}

// The reader checks that a path exists on disk before GDAL opens it, so the bytes go to a real
// file (one per process, removed at exit), not to /vsimem/.
class InputFile {
 public:
  InputFile()
      : m_dir(fs::temp_directory_path() / ("standort-fuzz-geojson-" + std::to_string(getpid()))) {
    fs::create_directories(m_dir);
  }
  ~InputFile() {
    std::error_code ec;
    fs::remove_all(m_dir, ec);
  }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  fs::path write(const std::uint8_t* data, std::size_t size) const {
    const fs::path path = m_dir / "input.geojson";
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) broken("cannot write " + path.string());
    return path;
  }

 private:
  fs::path m_dir;
};

bool finite(const standort::Point& p) { return std::isfinite(p.x()) && std::isfinite(p.y()); }

template <class Ring>
bool finite_ring(const Ring& ring) {
  for (const standort::Point& p : ring)
    if (!finite(p)) return false;
  return true;
}

// What vector_reader.hpp and DESIGN.md section 5 promise of every feature that was read: one entry
// per feature in every parallel vector, finite coordinates in the working CRS, only the layer's
// geometry kind, lines of two points or more, polygons with a part, valid UTF-8 text.
void check(const standort::FeatureSet& fs) {
  const std::size_t n = fs.size();
  if (fs.ids.size() != n || fs.names.size() != n) broken("ids or names do not match the features");
  const std::size_t points = fs.kind == standort::GeometryKind::point ? n : 0;
  const std::size_t lines = fs.kind == standort::GeometryKind::line ? n : 0;
  const std::size_t polygons = fs.kind == standort::GeometryKind::polygon ? n : 0;
  if (fs.points.size() != points || fs.lines.size() != lines || fs.polygons.size() != polygons)
    broken("geometries do not match the layer's kind and feature count");
  for (const auto& [field, values] : fs.numeric)
    if (values.size() != n) broken("numeric field '" + field + "' does not match the features");
  for (const auto& [field, values] : fs.text) {
    if (values.size() != n) broken("text field '" + field + "' does not match the features");
    for (const std::string& v : values)
      if (!standort::layers::valid_utf8(v)) broken("field '" + field + "' is not UTF-8");
  }
  for (const std::string& name : fs.names)
    if (!standort::layers::valid_utf8(name)) broken("a name is not UTF-8");
  for (const standort::Point& p : fs.points)
    if (!finite(p)) broken("a point is not finite");
  for (const standort::MultiLinestring& ml : fs.lines) {
    if (ml.empty()) broken("a line feature has no part");
    for (const standort::Linestring& l : ml)
      if (l.size() < 2 || !finite_ring(l)) broken("a line has < 2 points or is not finite");
  }
  for (const standort::MultiPolygon& mp : fs.polygons) {
    if (mp.empty()) broken("a polygon feature has no part");
    for (const standort::Polygon& p : mp) {
      if (!finite_ring(p.outer())) broken("an outer ring is not finite");
      for (const auto& inner : p.inners())
        if (!finite_ring(inner)) broken("a hole is not finite");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const InputFile file;
  standort::InputSpec spec;
  spec.name = "fuzz";
  spec.path = file.write(data, size);
  try {
    standort::layers::ReadReport report;
    const standort::FeatureSet fs = standort::layers::read_layer(spec, "EPSG:25832", report);
    check(fs);
    if (fs.size() != static_cast<std::size_t>(report.features) || report.repaired != 0)
      broken("read_layer kept " + std::to_string(fs.size()) + " of " +
             std::to_string(report.features) + " features without saying why");
  } catch (const standort::InputError&) {
  }
  spec.repair = true;
  try {
    const standort::layers::LayerRead read =
        standort::layers::read_layer_collect(spec, "EPSG:25832");
    check(read.features);
    if (read.features.size() + read.problems.size() !=
        static_cast<std::size_t>(read.report.features))
      broken("features kept plus problems differ from the features read");
    if (read.report.repaired > read.report.features) broken("more repairs than features");
  } catch (const standort::InputError&) {
  }
  return 0;
}
