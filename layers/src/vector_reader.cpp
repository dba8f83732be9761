#include "standort/layers/vector_reader.hpp"

#include "gdal_handles.hpp"
#include "geos_handles.hpp"
#include "standort/engine/error.hpp"
#include "standort/layers/gdal_env.hpp"
#include "standort/layers/text.hpp"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <geos_c.h>
#include <ogr_geometry.h>
#include <ogrsf_frmts.h>

#include <boost/geometry/algorithms/correct.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>
#include <string_view>
#include <utility>

namespace standort::layers {
namespace {

namespace fs = std::filesystem;

// "(x y)" with enough digits for metres and degrees alike.
std::string xy(double x, double y) {
  std::ostringstream s;
  s.precision(10);
  s << "(" << x << " " << y << ")";
  return s.str();
}

std::string square_metres(double area_m2) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(area_m2 < 10.0 ? 2 : 1);
  s << area_m2 << " m²";
  return s.str();
}

// "" when valid, else GEOS's reason and location. A geometry GEOS cannot even build (a ring of
// fewer than four points) is invalid with GEOS's own words, which `trap` caught.
std::string geos_invalid_reason(const OGRGeometry& geom, const GeosContext& geos,
                                const GdalErrorTrap& trap) {
  GEOSContextHandle_t ctx = geos.get();
  const GeosGeometry g(ctx, geom.exportToGEOS(ctx));
  if (!g)
    return trap.last_error().empty() ? std::string("GEOS cannot build it")
                                     : "GEOS cannot build it: " + trap.last_error();
  char* reason_raw = nullptr;
  GEOSGeometry* location_raw = nullptr;
  const char valid = GEOSisValidDetail_r(ctx, g.get(), 0, &reason_raw, &location_raw);
  const auto free_text = [ctx](char* t) { GEOSFree_r(ctx, t); };
  const std::unique_ptr<char, decltype(free_text)> reason(reason_raw, free_text);
  const GeosGeometry location(ctx, location_raw);
  if (valid == 1) return "";
  std::string out = reason ? reason.get() : "invalid geometry";
  double x = 0, y = 0;
  if (location && GEOSGeomGetX_r(ctx, location.get(), &x) == 1 &&
      GEOSGeomGetY_r(ctx, location.get(), &y) == 1)
    out += " at " + xy(x, y);
  return out;
}

std::string srs_label(const OGRSpatialReference& srs) {
  std::string label;
  const char* auth = srs.GetAuthorityName(nullptr);
  const char* code = srs.GetAuthorityCode(nullptr);
  if (auth && code) label = std::string(auth) + ":" + code;
  const char* name = srs.GetName();
  if (name) label += label.empty() ? std::string(name) : " (" + std::string(name) + ")";
  return label.empty() ? "an unnamed CRS" : label;
}

// "" when every coordinate is finite, else the first vertex that is not, as "(x y)". Called on
// points, lines and polygons only (collections were refused before), so it recurses at most two
// levels.
std::string first_non_finite(const OGRGeometry& g) {
  const auto type = wkbFlatten(g.getGeometryType());
  if (type == wkbPoint) {
    const auto& p = *g.toPoint();
    return std::isfinite(p.getX()) && std::isfinite(p.getY()) ? "" : xy(p.getX(), p.getY());
  }
  if (OGR_GT_IsCurve(type) == TRUE && OGR_GT_IsSubClassOf(type, wkbLineString)) {
    const auto* c = dynamic_cast<const OGRSimpleCurve*>(&g);
    for (int i = 0; c && i < c->getNumPoints(); ++i)
      if (!std::isfinite(c->getX(i)) || !std::isfinite(c->getY(i)))
        return xy(c->getX(i), c->getY(i));
    return "";
  }
  if (type == wkbPolygon) {
    for (const auto* ring : *g.toPolygon())
      if (std::string bad = first_non_finite(*ring); !bad.empty()) return bad;
    return "";
  }
  if (OGR_GT_IsSubClassOf(type, wkbGeometryCollection)) {
    for (const auto* part : *g.toGeometryCollection())
      if (std::string bad = first_non_finite(*part); !bad.empty()) return bad;
  }
  return "";
}

// "" when every ring of a polygon or multi-polygon ends where it starts, else which ring does
// not, with its first and last vertex.
std::string unclosed_ring(const OGRGeometry& g) {
  const auto type = wkbFlatten(g.getGeometryType());
  auto check = [](const OGRPolygon& p, const std::string& part) -> std::string {
    for (int r = 0; r <= p.getNumInteriorRings(); ++r) {
      const OGRLinearRing* ring = r == 0 ? p.getExteriorRing() : p.getInteriorRing(r - 1);
      const int n = ring ? ring->getNumPoints() : 0;
      if (n == 0) continue;
      if (ring->getX(0) == ring->getX(n - 1) && ring->getY(0) == ring->getY(n - 1)) continue;
      return (r == 0 ? std::string("the outer ring") : "hole " + std::to_string(r)) + part +
             " is not closed (first " + xy(ring->getX(0), ring->getY(0)) + ", last " +
             xy(ring->getX(n - 1), ring->getY(n - 1)) + ")";
    }
    return "";
  };
  if (type == wkbPolygon) return check(*g.toPolygon(), "");
  if (type == wkbMultiPolygon) {
    int k = 0;
    for (const auto* part : *g.toMultiPolygon()) {
      if (std::string bad = check(*part, " of part " + std::to_string(++k)); !bad.empty())
        return bad;
    }
  }
  return "";
}

Polygon to_polygon(const OGRPolygon& p) {
  Polygon out;
  auto copy_ring = [](const OGRLinearRing& ring, auto& dst) {
    dst.reserve(static_cast<std::size_t>(ring.getNumPoints()));
    for (int i = 0; i < ring.getNumPoints(); ++i) dst.emplace_back(ring.getX(i), ring.getY(i));
  };
  if (const OGRLinearRing* ext = p.getExteriorRing()) copy_ring(*ext, out.outer());
  for (int i = 0; i < p.getNumInteriorRings(); ++i) {
    out.inners().emplace_back();
    copy_ring(*p.getInteriorRing(i), out.inners().back());
  }
  boost::geometry::correct(out);
  return out;
}

// Polygonal parts of a repaired geometry (GEOS make-valid nests at most one collection deep);
// lower-dimensional leftovers are dropped.
void collect_polygons(const OGRGeometry& g, MultiPolygon& out) {
  const auto type = wkbFlatten(g.getGeometryType());
  if (type == wkbPolygon) {
    if (!g.IsEmpty()) out.push_back(to_polygon(*g.toPolygon()));
  } else if (OGR_GT_IsSubClassOf(type, wkbGeometryCollection)) {
    for (const auto* part : *g.toGeometryCollection()) collect_polygons(*part, out);
  }
}

std::string field_list(OGRFeatureDefn* defn) {
  std::string s;
  for (int i = 0; i < defn->GetFieldCount(); ++i)
    s += (i ? ", " : "") + std::string(defn->GetFieldDefn(i)->GetNameRef());
  return s.empty() ? "(none)" : s;
}

int require_field(OGRFeatureDefn* defn, const std::string& field, const std::string& where,
                  const std::string& key) {
  if (field.empty()) return -1;
  const int index = defn->GetFieldIndex(field.c_str());
  if (index < 0) {
    std::vector<std::string> names;
    for (int i = 0; i < defn->GetFieldCount(); ++i)
      names.emplace_back(defn->GetFieldDefn(i)->GetNameRef());
    const std::string best = closest_match(field, names);
    throw InputError(where + ": has no field '" + field + "' (set as " + key + ")" +
                     (best.empty() ? "" : "; did you mean '" + best + "'?") +
                     " Fields: " + field_list(defn));
  }
  return index;
}

// Bytes read as Windows-1252, as UTF-8: how a name in a CP1252 file without a .cpg reads once
// the right encoding is set. The five bytes CP1252 leaves undefined become U+FFFD.
std::string cp1252_to_utf8(std::string_view bytes) {
  static const char16_t high[32] = {0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
                                    0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};
  std::string out;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    const char32_t cp = b < 0x80 ? b : b < 0xA0 ? high[b - 0x80] : b;
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

// The first C1 control character (U+0080..U+009F) in valid UTF-8 text, or 0. In real names they
// only appear when CP1252 text (€ „ “ ” – …) was decoded as ISO-8859-1.
char32_t first_c1_control(std::string_view utf8) {
  for (std::size_t i = 0; i + 1 < utf8.size(); ++i)
    if (static_cast<unsigned char>(utf8[i]) == 0xC2) {
      const auto next = static_cast<unsigned char>(utf8[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return next;
    }
  return 0;
}

std::string lower_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

// Whether the file beside `p` with extension `ext` (".shx") exists, in lower or upper case.
bool has_sibling(const fs::path& p, const std::string& ext) {
  std::string upper = ext;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  fs::path lower_path = p, upper_path = p;
  return fs::exists(lower_path.replace_extension(ext)) ||
         fs::exists(upper_path.replace_extension(upper));
}

// File name extensions and the drivers they promise, for the names standort's drivers use; a
// driver's first extension is the one to suggest.
constexpr std::pair<std::string_view, std::string_view> extension_drivers[] = {
    {".geojson", "GeoJSON"},    {".json", "GeoJSON"},       {".gpkg", "GPKG"},
    {".shp", "ESRI Shapefile"}, {".dbf", "ESRI Shapefile"}, {".csv", "CSV"}};

// The driver a file name promises; "" for other names.
std::string driver_of_extension(const std::string& ext) {
  for (const auto& [e, driver] : extension_drivers)
    if (e == ext) return std::string(driver);
  return "";
}

std::string extension_of_driver(const std::string& driver) {
  for (const auto& [ext, d] : extension_drivers)
    if (d == driver) return std::string(ext);
  return "";
}

std::string driver_title(GDALDriver* driver) {
  const char* long_name = driver->GetMetadataItem(GDAL_DMD_LONGNAME);
  return long_name ? long_name : driver->GetDescription();
}

}  // namespace

std::string unopenable_reason(const fs::path& path, const std::vector<std::string>& gdal_errors) {
  // GDAL opens a folder of Shapefiles as one data source; any other folder ends here.
  if (fs::is_directory(path))
    return "it is a folder without a Shapefile GDAL can read; give the path of the file itself "
           "(.gpkg, .geojson, .shp or .csv)";
  std::string head(64, '\0');
  {
    std::ifstream in(path, std::ios::binary);
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(std::max<std::streamsize>(0, in.gcount())));
  }
  const std::string readable =
      "; standort reads GeoPackage, GeoJSON, Shapefile and CSV (with x_field/y_field)";
  if (head.empty() && fs::is_regular_file(path))
    return "the file is empty (0 bytes): the export or download that wrote it failed; write it "
           "again";
  if (head.rfind("PK\x03\x04", 0) == 0)
    return "it is a ZIP archive; unpack it and point the input at the .gpkg, .geojson, .shp or "
           ".csv inside";
  std::size_t first = 0;
  if (head.rfind("\xEF\xBB\xBF", 0) == 0) first = 3;
  first = head.find_first_not_of(" \t\r\n", first);
  if (first != std::string::npos && head[first] == '<')
    return "it starts with '<', so it is HTML or XML (a web page saved in place of the data, or "
           "KML/GML), not GeoJSON" +
           readable + "; download the data again or convert it with ogr2ogr";
  const auto& allowed = allowed_vector_drivers();
  if (auto* driver = static_cast<GDALDriver*>(
          GDALIdentifyDriverEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_RASTER, nullptr, nullptr))) {
    const std::string name = driver->GetDescription();
    const bool vector = driver->GetMetadataItem(GDAL_DCAP_VECTOR) != nullptr;
    if (!vector)
      return "it is a raster in the format '" + driver_title(driver) + "' (GDAL driver " + name +
             "); inputs are vector layers of points, lines or polygons" + readable;
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
      return "it is in the format '" + driver_title(driver) + "' (GDAL driver " + name +
             "), which standort does not read as an input" + readable +
             "; convert it, e.g. ogr2ogr -f GPKG OUT.gpkg " + path.filename().string();
  }
  std::string why;
  for (const std::string& e : gdal_errors)
    if (why.find(e) == std::string::npos) why += (why.empty() ? "" : "; ") + e;
  const std::string ext = lower_extension(path);
  const std::string gdal = why.empty() ? "" : " (GDAL: " + why + ")";
  if (why.find("Too many nested") != std::string::npos)
    return "it nests JSON objects and arrays deeper than GDAL reads" + gdal +
           " (e.g. geometry collections inside geometry collections); standort reads points, "
           "lines and polygons: write each feature as one of those";
  if (ext == ".geojson" || ext == ".json")
    return "it is not valid GeoJSON" + gdal +
           "; the file is truncated or damaged: export or download it again";
  if (ext == ".gpkg")
    return "it is not a valid GeoPackage" + gdal +
           "; the file is truncated or damaged: copy or export it again";
  return (why.empty() ? std::string("GDAL does not recognise its content") : why) + readable;
}

const std::vector<std::string>& allowed_vector_drivers() {
  static const std::vector<std::string> drivers{"GPKG", "GeoJSON", "ESRI Shapefile", "CSV",
                                                "PostgreSQL"};
  return drivers;
}

struct OpenSources::Impl {
  std::map<std::string, DatasetPtr> open;  // by path and open options
};

OpenSources::OpenSources() : m_impl(std::make_unique<Impl>()) {}
OpenSources::~OpenSources() = default;

LayerRead read_layer_collect(const InputSpec& spec, const std::string& target_crs,
                             OpenSources* sources) {
  init_gdal();
  GdalErrorTrap trap;
  const std::string path = spec.path.string();
  const std::string input_key = "[inputs." + spec.name + "]";
  LayerRead result;
  result.features.name = spec.name;
  result.features.crs = target_crs;

  CPLStringList allowed;
  for (const auto& d : allowed_vector_drivers()) allowed.AddString(d.c_str());
  CPLStringList open_options;
  const bool csv_xy = !spec.x_field.empty();
  if (csv_xy) {
    open_options.SetNameValue("X_POSSIBLE_NAMES", spec.x_field.c_str());
    open_options.SetNameValue("Y_POSSIBLE_NAMES", spec.y_field.c_str());
    open_options.SetNameValue("KEEP_GEOM_COLUMNS", "NO");
  }
  if (!spec.encoding.empty()) open_options.SetNameValue("ENCODING", spec.encoding.c_str());

  const bool is_pg = path.rfind("PG:", 0) == 0;
  if (!is_pg && !fs::exists(spec.path))
    throw InputError(path + ": no such file (input '" + spec.name + "'); check " + input_key +
                     " path");
  // A Shapefile is several files side by side; GDAL's own words for a missing part name a
  // configuration option instead of the file.
  bool without_dbf = false;
  if (!is_pg && lower_extension(spec.path) == ".shp") {
    const std::string stem = spec.path.stem().string();
    if (!has_sibling(spec.path, ".shx"))
      throw InputError(path + ": the Shapefile's index " + stem +
                       ".shx is missing beside it (input '" + spec.name +
                       "'); a Shapefile is several files side by side (.shp, .shx, .dbf, .prj, "
                       ".cpg): copy the .shx along, or rebuild it with ogr2ogr --config "
                       "SHAPE_RESTORE_SHX YES");
    if (!has_sibling(spec.path, ".dbf")) {
      std::string used;
      for (const auto& [key, value] :
           {std::pair<std::string, std::string>{"id_field", spec.id_field},
            {"name_field", spec.name_field},
            {"where", spec.where}})
        if (!value.empty()) used += (used.empty() ? "" : ", ") + key + " = \"" + value + "\"";
      if (!used.empty())
        throw InputError(path + ": the Shapefile's attribute table " + stem +
                         ".dbf is missing beside it, but " + input_key + " " + used +
                         " needs its fields; copy the .dbf along with the .shp");
      without_dbf = true;
    }
  }
  std::string source_key = path;
  for (const char* const* o = open_options.List(); o && *o; ++o)
    source_key += std::string("\n") + *o;
  GDALDataset* ds = nullptr;
  if (sources) {
    const auto found = sources->m_impl->open.find(source_key);
    if (found != sources->m_impl->open.end()) ds = found->second.get();
  }
  DatasetPtr opened;
  if (!ds) {
    opened.reset(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, allowed.List(),
                                   open_options.List(), nullptr));
    if (!opened)
      throw InputError(path + ": cannot be opened as a vector layer (input '" + spec.name +
                       "'): " + unopenable_reason(spec.path, trap.errors()));
    ds = opened.get();
    if (sources) sources->m_impl->open.emplace(source_key, std::move(opened));
  }
  result.report.driver = ds->GetDriver()->GetDescription();
  if (!is_pg && fs::is_regular_file(spec.path)) {
    const std::string ext = lower_extension(spec.path);
    const std::string promised = driver_of_extension(ext);
    if (!promised.empty() && promised != result.report.driver)
      throw InputError(path + ": holds the format '" + driver_title(ds->GetDriver()) +
                       "', though its name ends in " + ext + " (input '" + spec.name +
                       "'); check that it is the file you meant, and rename it to " +
                       extension_of_driver(result.report.driver));
  }
  const bool is_csv = result.report.driver == "CSV";
  if (is_csv && !csv_xy)
    throw InputError(path + ": a CSV file needs coordinate columns; set " + input_key +
                     " x_field = \"...\" and y_field = \"...\" (and assume_crs)");

  OGRLayer* layer = nullptr;
  if (spec.layer.empty()) {
    if (ds->GetLayerCount() != 1) {
      std::string names;
      for (auto* l : ds->GetLayers())
        names += (names.empty() ? "" : ", ") + std::string(l->GetName());
      throw InputError(path + ": holds " + std::to_string(ds->GetLayerCount()) + " layers (" +
                       names + "); choose one with " + input_key + " layer = \"...\"");
    }
    layer = ds->GetLayer(0);
  } else {
    layer = ds->GetLayerByName(spec.layer.c_str());
    if (!layer) {
      std::vector<std::string> names;
      for (auto* l : ds->GetLayers()) names.emplace_back(l->GetName());
      const std::string best = closest_match(spec.layer, names);
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      throw InputError(path + ": has no layer '" + spec.layer + "'" +
                       (best.empty() ? "" : "; did you mean '" + best + "'?") + " Layers: " + list);
    }
  }
  result.report.layer = layer->GetName();
  // A layer of a kept-open source may be read again for another input: its filter goes with
  // this one.
  struct ClearFilter {
    OGRLayer* layer;
    bool set;
    ~ClearFilter() {
      if (set) layer->SetAttributeFilter(nullptr);
    }
  } clear_filter{layer, !spec.where.empty()};
  if (!spec.where.empty() && layer->SetAttributeFilter(spec.where.c_str()) != OGRERR_NONE)
    throw InputError(path + ": layer '" + result.report.layer + "': where = \"" + spec.where +
                     "\" is not a valid attribute filter" +
                     (trap.last_error().empty() ? "" : ": " + trap.last_error()) +
                     "; write it as an SQL WHERE clause, e.g. kind = 'Universität'");
  const std::string where = path + ": layer '" + result.report.layer + "'";
  result.features.source = path + (spec.layer.empty() ? "" : " (layer " + spec.layer + ")");
  if (without_dbf)
    result.report.warnings.push_back(where +
                                     ": the Shapefile has no .dbf beside it, so its "
                                     "features have no attributes");

  // Source and target CRS, both in traditional GIS axis order (x = easting / longitude).
  OGRSpatialReference source;
  // A GeoJSON "crs" member of type "link" names its CRS by URL only. init_gdal refused the
  // fetch, and GDAL then took GeoJSON's default, WGS 84, which the file does not claim.
  std::string crs_link;
  for (const auto& e : trap.errors())
    if (e.rfind(kRefusedFetch, 0) == 0) crs_link = e.substr(std::string(kRefusedFetch).size());
  if (!crs_link.empty() && spec.assume_crs.empty())
    throw InputError(where + ": gives its CRS only as a link to " + crs_link +
                     ", which standort does not fetch over the network; set " + input_key +
                     " assume_crs = \"EPSG:25832\" (or whatever CRS the link names)");
  if (const OGRSpatialReference* declared = crs_link.empty() ? layer->GetSpatialRef() : nullptr) {
    source = *declared;
    source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  } else if (!spec.assume_crs.empty()) {
    if (source.SetFromUserInput(spec.assume_crs.c_str()) != OGRERR_NONE)
      throw InputError(where + ": assume_crs = \"" + spec.assume_crs +
                       "\" is not a CRS PROJ knows; use e.g. \"EPSG:25832\"");
    source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  } else {
    throw InputError(
        where + ": declares no CRS" +
        (result.report.driver == "ESRI Shapefile" ? " (the .prj beside it is missing)" : "") +
        "; set " + input_key +
        " assume_crs = \"EPSG:25832\" (or whatever CRS the coordinates are in)");
  }
  result.report.source_crs = srs_label(source);
  OGRSpatialReference target;
  if (!parse_crs(target_crs, target))
    throw InputError("working CRS '" + target_crs +
                     "' is not a CRS PROJ knows; set [grid] crs = \"EPSG:25832\"");
  target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  // Longitude/latitude for the area-of-use check: the source CRS's own geographic CRS, so no
  // datum transformation has to be looked up (its metre-level shift from WGS84 is irrelevant to
  // a check with a margin of degrees).
  OGRSpatialReference lonlat;
  if (std::unique_ptr<OGRSpatialReference> geog{source.CloneGeogCS()})
    lonlat = *geog;
  else
    lonlat.SetWellKnownGeogCS("WGS84");
  lonlat.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  // Data already in the working CRS is taken as it is: no identity transformation to build.
  const bool same_crs = source.IsSame(&target) != 0;
  TransformPtr to_target(same_crs ? nullptr : OGRCreateCoordinateTransformation(&source, &target));
  TransformPtr to_lonlat(OGRCreateCoordinateTransformation(&source, &lonlat));
  if ((!same_crs && !to_target) || !to_lonlat)
    throw InputError(where + ": no transformation from " + result.report.source_crs + " to " +
                     target_crs + (trap.last_error().empty() ? "" : ": " + trap.last_error()));
  double aou_w = -180, aou_s = -90, aou_e = 180, aou_n = 90;
  const char* aou_name = nullptr;
  const bool has_aou = target.GetAreaOfUse(&aou_w, &aou_s, &aou_e, &aou_n, &aou_name);
  constexpr double aou_margin_deg = 3.0;

  OGRFeatureDefn* defn = layer->GetLayerDefn();
  const int id_index = require_field(defn, spec.id_field, where, input_key + " id_field");
  int name_index = require_field(defn, spec.name_field, where, input_key + " name_field");
  if (name_index < 0) name_index = defn->GetFieldIndex("name");
  for (int i = 0; i < defn->GetFieldCount(); ++i) {
    if (!valid_utf8(defn->GetFieldDefn(i)->GetNameRef()))
      throw InputError(
          where + ": field name '" + sanitize_utf8(defn->GetFieldDefn(i)->GetNameRef()) +
          "' is not valid UTF-8; the file is probably in another encoding (e.g. CP1252): "
          "convert it to UTF-8, or for a Shapefile set " +
          input_key + " encoding = \"CP1252\"");
  }
  std::vector<int> numeric_fields;
  std::vector<int> string_fields;
  for (int i = 0; i < defn->GetFieldCount(); ++i) {
    const auto type = defn->GetFieldDefn(i)->GetType();
    if (type == OFTInteger || type == OFTInteger64 || type == OFTReal) {
      numeric_fields.push_back(i);
      result.features.numeric[defn->GetFieldDefn(i)->GetNameRef()];
    } else if (type == OFTString || type == OFTStringList) {
      string_fields.push_back(i);
      result.features.text[defn->GetFieldDefn(i)->GetNameRef()];
    }
  }

  // The kind of geometry the input holds: as the scenario says, else as the layer declares,
  // else as its first feature has it. The message for an odd feature says which.
  std::optional<GeometryKind> kind = spec.geometry;
  std::string kind_from = spec.geometry ? " (" + input_key + " geometry)" : "";
  if (!kind) {
    switch (wkbFlatten(layer->GetGeomType())) {
      case wkbPoint:
      case wkbMultiPoint:
        kind = GeometryKind::point;
        break;
      case wkbLineString:
      case wkbMultiLineString:
        kind = GeometryKind::line;
        break;
      case wkbPolygon:
      case wkbMultiPolygon:
        kind = GeometryKind::polygon;
        break;
      default:
        break;
    }
    if (kind) kind_from = " (the layer's declared geometry type)";
  }
  bool dropped_zm = false;
  std::int64_t c1_features = 0;
  std::string c1_example;
  GeosContext geos(GeosContext::Messages::to_gdal);
  FeatureSet& fs = result.features;
  layer->ResetReading();
  for (;;) {
    const std::size_t errors_before = trap.errors().size();
    FeaturePtr feature(layer->GetNextFeature());
    if (!feature) break;
    ++result.report.features;
    const std::int64_t fid = feature->GetFID();
    std::string name = name_index >= 0 && feature->IsFieldSetAndNotNull(name_index)
                           ? feature->GetFieldAsString(name_index)
                           : "";
    // A name in another encoding is shown as it reads in CP1252, the usual suspect.
    const bool name_utf8 = valid_utf8(name);
    std::string label = where + ", feature " + std::to_string(fid);
    if (!name.empty())
      label += name_utf8 ? " ('" + name + "')" : " ('" + cp1252_to_utf8(name) + "' read as CP1252)";
    auto problem = [&](const std::string& what) { result.problems.push_back(label + ": " + what); };

    bool text_ok = true;
    bool c1_counted = false;
    for (int i : string_fields) {
      if (!feature->IsFieldSetAndNotNull(i)) continue;
      const char* text = feature->GetFieldAsString(i);
      const char* field = defn->GetFieldDefn(i)->GetNameRef();
      if (!valid_utf8(text)) {
        problem(std::string("field '") + field +
                "' is not valid UTF-8 text; the file is in another encoding: for a Shapefile "
                "without .cpg set " +
                input_key + " encoding = \"CP1252\" (or the right one), else convert the file " +
                "to UTF-8");
        text_ok = false;
        break;
      }
      if (const char32_t c1 = first_c1_control(text); c1 && !c1_counted) {
        c1_counted = true;
        if (++c1_features == 1) {
          std::ostringstream s;
          s << "U+" << std::hex << std::uppercase << std::setw(4) << std::setfill('0')
            << static_cast<unsigned>(c1) << std::dec << " in field '" << field << "' of feature "
            << fid;
          c1_example = s.str();
        }
      }
    }
    if (!text_ok) continue;

    OGRGeometry* geom = feature->GetGeometryRef();
    if (geom && wkbFlatten(geom->getGeometryType()) == wkbPoint && geom->IsEmpty()) {
      // GDAL reads a point with a NaN coordinate as an empty point.
      const auto* p = geom->toPoint();
      if (std::isnan(p->getX()) != std::isnan(p->getY())) {
        problem("has a NaN coordinate " + xy(p->getX(), p->getY()) +
                "; fix the coordinates in the source");
        continue;
      }
    }
    if (!geom && trap.errors().size() > errors_before) {
      // E.g. WKB nested deeper than GDAL's 32 levels: the driver drops the geometry.
      std::string why;
      for (std::size_t i = errors_before; i < trap.errors().size(); ++i)
        why += (why.empty() ? "" : "; ") + trap.errors()[i];
      problem("has a geometry GDAL cannot read (GDAL: " + why +
              "); fix or remove the feature in the source");
      continue;
    }
    if (!geom || geom->IsEmpty()) {
      // GDAL reads a point whose coordinates are all NaN as an empty point; say so, since the
      // file may well show [NaN, NaN] rather than nothing.
      const bool empty_point = geom && wkbFlatten(geom->getGeometryType()) == wkbPoint;
      problem(std::string(empty_point ? "has an empty point (no coordinates, or only NaN)"
                                      : "has no geometry (null or empty)") +
              std::string(csv_xy ? "; check the x/y columns of this row"
                                 : "; remove the feature or give it a geometry"));
      continue;
    }
    if (geom->Is3D() || geom->IsMeasured()) {
      geom->flattenTo2D();
      geom->setMeasured(FALSE);
      dropped_zm = true;
    }
    const auto type = wkbFlatten(geom->getGeometryType());
    std::optional<GeometryKind> this_kind;
    if (type == wkbPoint ||
        (type == wkbMultiPoint && geom->toMultiPoint()->getNumGeometries() == 1))
      this_kind = GeometryKind::point;
    else if (type == wkbPolygon || type == wkbMultiPolygon)
      this_kind = GeometryKind::polygon;
    else if (type == wkbLineString || type == wkbMultiLineString)
      this_kind = GeometryKind::line;
    if (!kind && this_kind) {
      kind = this_kind;
      kind_from = " (as its first feature, " + std::to_string(fid) + ", is)";
    }
    if (!this_kind || this_kind != kind) {
      const std::string what =
          std::string("is a ") + OGRGeometryTypeToName(geom->getGeometryType());
      if (!this_kind)
        problem(what + "; standort reads points, lines and polygons" +
                (type == wkbMultiPoint ? " (a multi-point needs exactly one part)" : "") +
                "; convert the feature or remove it");
      else
        problem(what + ", but this input holds " + kind_plural(*kind) + kind_from +
                "; split mixed layers into one layer per geometry type");
      continue;
    }
    if (const std::string bad = first_non_finite(*geom); !bad.empty()) {
      problem("has a NaN or infinite coordinate " + bad + "; fix the coordinates in the source");
      continue;
    }

    // Plausibility of coordinates: lon/lat ranges for geographic sources, area of use of the
    // target.
    OGREnvelope env;
    geom->getEnvelope(&env);
    if (source.IsGeographic() && (std::fabs(env.MinX) > 180.0 || std::fabs(env.MaxX) > 180.0 ||
                                  std::fabs(env.MinY) > 90.0 || std::fabs(env.MaxY) > 90.0)) {
      std::ostringstream s;
      s.precision(10);
      s << "has coordinates (" << env.MinX << " " << env.MinY
        << ") outside longitude/latitude ranges, but the file declares " << result.report.source_crs
        << "; the coordinates look projected: fix the file's CRS or set " << input_key
        << " assume_crs for a file without CRS";
      problem(s.str());
      continue;
    }
    if (has_aou) {
      double xs[4] = {env.MinX, env.MaxX, env.MinX, env.MaxX};
      double ys[4] = {env.MinY, env.MinY, env.MaxY, env.MaxY};
      int ok[4] = {0, 0, 0, 0};
      to_lonlat->Transform(4, xs, ys, nullptr, ok);
      bool inside = true;
      for (int i = 0; i < 4; ++i)
        inside = inside && ok[i] && xs[i] >= aou_w - aou_margin_deg &&
                 xs[i] <= aou_e + aou_margin_deg && ys[i] >= aou_s - aou_margin_deg &&
                 ys[i] <= aou_n + aou_margin_deg;
      if (!inside) {
        std::ostringstream s;
        s.precision(8);
        s << "lies at (" << env.MinX << " " << env.MinY << ") in " << result.report.source_crs;
        if (ok[0]) s << " = lon " << xs[0] << ", lat " << ys[0];
        s << ", outside the area of use of " << target_crs << " (" << (aou_name ? aou_name : "")
          << ": lon " << aou_w << ".." << aou_e << ", lat " << aou_s << ".." << aou_n
          << "); check that the file's CRS is right (swapped or projected coordinates?)";
        problem(s.str());
        continue;
      }
    }

    std::unique_ptr<OGRGeometry> owned;
    if (*kind == GeometryKind::polygon) {
      bool repaired = false;
      if (const std::string open = unclosed_ring(*geom); !open.empty()) {
        if (!spec.repair) {
          problem("polygon is invalid: " + open + "; set " + input_key +
                  " repair = true to close it");
          continue;
        }
        geom->closeRings();
        repaired = true;
      }
      const std::string invalid = geos_invalid_reason(*geom, geos, trap);
      if (!invalid.empty()) {
        if (!spec.repair) {
          problem("polygon is invalid: " + invalid + "; set " + input_key +
                  " repair = true to repair it with GEOS make-valid");
          continue;
        }
        owned.reset(geom->MakeValid());
        MultiPolygon left;
        if (owned) collect_polygons(*owned, left);
        if (left.empty()) {
          problem("polygon is invalid (" + invalid + ") and collapses to " +
                  (owned && !owned->IsEmpty()
                       ? std::string("a ") + OGRGeometryTypeToName(owned->getGeometryType()) +
                             " without area"
                       : std::string("nothing")) +
                  " when repaired; fix the geometry in the source or remove the feature");
          continue;
        }
        repaired = true;
        geom = owned.get();
      }
      if (repaired) ++result.report.repaired;
    }
    if (to_target && geom->transform(to_target.get()) != OGRERR_NONE) {
      problem("cannot be transformed from " + result.report.source_crs + " to " + target_crs +
              (trap.last_error().empty() ? "" : ": " + trap.last_error()));
      continue;
    }
    if (*kind == GeometryKind::point) {
      const OGRPoint* p =
          type == wkbPoint ? geom->toPoint() : geom->toMultiPoint()->getGeometryRef(0);
      fs.points.emplace_back(p->getX(), p->getY());
    } else if (*kind == GeometryKind::line) {
      MultiLinestring ml;
      auto add = [&ml](const OGRLineString& l) {
        Linestring out;
        for (int i = 0; i < l.getNumPoints(); ++i) out.emplace_back(l.getX(i), l.getY(i));
        if (out.size() >= 2) ml.push_back(std::move(out));
      };
      if (type == wkbLineString)
        add(*geom->toLineString());
      else
        for (const auto* part : *geom->toMultiLineString()) add(*part);
      if (ml.empty()) {
        problem("line has fewer than two points; fix the geometry in the source");
        continue;
      }
      fs.lines.push_back(std::move(ml));
    } else {
      MultiPolygon mp;
      collect_polygons(*geom, mp);
      if (mp.empty()) {
        problem("polygon has no area; fix the geometry in the source or remove the feature");
        continue;
      }
      fs.polygons.push_back(std::move(mp));
    }
    fs.fids.push_back(fid);
    fs.ids.push_back(id_index >= 0 ? feature->GetFieldAsString(id_index) : std::to_string(fid));
    fs.names.push_back(name_utf8 ? name : sanitize_utf8(name));
    for (int i : numeric_fields) {
      const double v =
          feature->IsFieldSetAndNotNull(i) ? feature->GetFieldAsDouble(i) : std::nan("");
      fs.numeric[defn->GetFieldDefn(i)->GetNameRef()].push_back(v);
    }
    for (int i : string_fields)
      fs.text[defn->GetFieldDefn(i)->GetNameRef()].push_back(
          feature->IsFieldSetAndNotNull(i) ? feature->GetFieldAsString(i) : "");
  }
  fs.kind = kind.value_or(GeometryKind::point);
  if (dropped_zm)
    result.report.warnings.push_back(where +
                                     ": Z/M coordinates were dropped (standort works in 2D)");
  if (c1_features > 0)
    result.report.warnings.push_back(
        where + ": " + std::to_string(c1_features) +
        " feature(s) hold control characters U+0080..U+009F in their text (first: " + c1_example +
        "), which is what CP1252 text (€ „ “ ” – …) looks like when read as ISO-8859-1; set " +
        input_key + " encoding = \"CP1252\" if the file is in that encoding");
  for (const auto& w : trap.warnings()) result.report.warnings.push_back(where + ": GDAL: " + w);
  return result;
}

namespace {

// A polygon ring of the engine as a GEOS ring; null when GEOS refuses it.
GEOSGeometry* geos_ring(GEOSContextHandle_t ctx, const Polygon::ring_type& ring) {
  GEOSCoordSequence* seq = GEOSCoordSeq_create_r(ctx, static_cast<unsigned>(ring.size()), 2);
  if (!seq) return nullptr;
  for (std::size_t i = 0; i < ring.size(); ++i)
    GEOSCoordSeq_setXY_r(ctx, seq, static_cast<unsigned>(i), ring[i].x(), ring[i].y());
  return GEOSGeom_createLinearRing_r(ctx, seq);
}

GEOSGeometry* geos_multipolygon(GEOSContextHandle_t ctx, const MultiPolygon& mp) {
  std::vector<GEOSGeometry*> parts;
  bool ok = true;
  for (const Polygon& p : mp) {
    GEOSGeometry* shell = geos_ring(ctx, p.outer());
    std::vector<GEOSGeometry*> holes;
    for (const auto& inner : p.inners()) holes.push_back(geos_ring(ctx, inner));
    const bool rings_ok =
        shell && std::all_of(holes.begin(), holes.end(), [](GEOSGeometry* h) { return h; });
    GEOSGeometry* poly = rings_ok ? GEOSGeom_createPolygon_r(ctx, shell, holes.data(),
                                                             static_cast<unsigned>(holes.size()))
                                  : nullptr;
    if (!poly) {
      if (shell && !rings_ok) GEOSGeom_destroy_r(ctx, shell);
      for (GEOSGeometry* h : holes)
        if (h && !rings_ok) GEOSGeom_destroy_r(ctx, h);
      ok = false;
      continue;
    }
    parts.push_back(poly);
  }
  GEOSGeometry* out = GEOSGeom_createCollection_r(ctx, GEOS_MULTIPOLYGON, parts.data(),
                                                  static_cast<unsigned>(parts.size()));
  if (!ok && out) {
    GEOSGeom_destroy_r(ctx, out);
    return nullptr;
  }
  return out;
}

// A point inside `g`, for messages.
std::string point_in(GEOSContextHandle_t ctx, const GEOSGeometry* g) {
  const GeosGeometry p(ctx, GEOSPointOnSurface_r(ctx, g));
  double x = 0, y = 0;
  if (!p || GEOSGeomGetX_r(ctx, p.get(), &x) != 1 || GEOSGeomGetY_r(ctx, p.get(), &y) != 1)
    return "";
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(1);
  s << " around (" << x << " " << y << ")";
  return s.str();
}

struct CoverageFinding {
  double area_m2;
  std::string text;
};

// The largest findings first, at most `shown` of them, and a line for the rest.
void add_findings(std::vector<CoverageFinding>& found, const std::string& where,
                  const std::string& what, std::vector<std::string>& out) {
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.area_m2 > b.area_m2; });
  constexpr std::size_t shown = 5;
  for (std::size_t i = 0; i < std::min(shown, found.size()); ++i) out.push_back(found[i].text);
  if (found.size() > shown) {
    double rest = 0.0;
    for (std::size_t i = shown; i < found.size(); ++i) rest += found[i].area_m2;
    out.push_back(where + ": and " + std::to_string(found.size() - shown) + " more " + what + " (" +
                  square_metres(rest) + " together)");
  }
}

}  // namespace

std::vector<std::string> district_coverage_warnings(const FeatureSet& districts,
                                                    const std::string& where, double min_area_m2) {
  std::vector<std::string> out;
  if (districts.kind != GeometryKind::polygon || districts.polygons.empty()) return out;
  init_gdal();
  GdalErrorTrap trap;
  const GeosContext geos(GeosContext::Messages::to_gdal);
  GEOSContextHandle_t ctx = geos.get();
  const std::size_t n = districts.polygons.size();
  std::vector<GeosGeometry> g;
  std::vector<Box> boxes;
  g.reserve(n);
  for (const MultiPolygon& mp : districts.polygons) {
    g.emplace_back(ctx, geos_multipolygon(ctx, mp));
    Box box(Point(HUGE_VAL, HUGE_VAL), Point(-HUGE_VAL, -HUGE_VAL));
    for (const Polygon& p : mp)
      for (const Point& v : p.outer()) {
        box.min_corner().x(std::min(box.min_corner().x(), v.x()));
        box.min_corner().y(std::min(box.min_corner().y(), v.y()));
        box.max_corner().x(std::max(box.max_corner().x(), v.x()));
        box.max_corner().y(std::max(box.max_corner().y(), v.y()));
      }
    boxes.push_back(box);
  }
  const std::string in_crs = " in " + districts.crs;
  bool failed = false;

  // Overlaps: pairs whose bounding boxes meet, swept along x.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return boxes[a].min_corner().x() < boxes[b].min_corner().x();
  });
  std::vector<CoverageFinding> overlaps;
  for (std::size_t a = 0; a < n; ++a) {
    const std::size_t i = order[a];
    for (std::size_t b = a + 1; b < n; ++b) {
      const std::size_t j = order[b];
      if (boxes[j].min_corner().x() > boxes[i].max_corner().x()) break;
      if (boxes[j].min_corner().y() > boxes[i].max_corner().y() ||
          boxes[j].max_corner().y() < boxes[i].min_corner().y() || !g[i] || !g[j])
        continue;
      const GeosGeometry common(ctx, GEOSIntersection_r(ctx, g[i].get(), g[j].get()));
      double area = 0.0;
      if (!common || GEOSArea_r(ctx, common.get(), &area) != 1) {
        failed = true;
        continue;
      }
      if (!(area > min_area_m2)) continue;
      const std::size_t first = std::min(i, j), second = std::max(i, j);
      overlaps.push_back({area, where + ": districts " + districts.label(first) + " and " +
                                    districts.label(second) + " overlap by " + square_metres(area) +
                                    point_in(ctx, common.get()) + in_crs +
                                    "; cells there count for both; fix the boundaries in the "
                                    "source"});
    }
  }
  add_findings(overlaps, where, "overlaps of districts", out);

  // Gaps: holes of the union of all districts.
  std::vector<GEOSGeometry*> copies;
  for (const GeosGeometry& d : g)
    if (d) copies.push_back(GEOSGeom_clone_r(ctx, d.get()));
  const GeosGeometry all(ctx,
                         GEOSGeom_createCollection_r(ctx, GEOS_GEOMETRYCOLLECTION, copies.data(),
                                                     static_cast<unsigned>(copies.size())));
  const GeosGeometry merged(ctx, all ? GEOSUnaryUnion_r(ctx, all.get()) : nullptr);
  std::vector<CoverageFinding> gaps;
  if (!merged) {
    failed = true;
  } else {
    const int parts = GEOSGeomTypeId_r(ctx, merged.get()) == GEOS_POLYGON
                          ? 1
                          : GEOSGetNumGeometries_r(ctx, merged.get());
    for (int k = 0; k < parts; ++k) {
      const GEOSGeometry* part = GEOSGeomTypeId_r(ctx, merged.get()) == GEOS_POLYGON
                                     ? merged.get()
                                     : GEOSGetGeometryN_r(ctx, merged.get(), k);
      if (!part || GEOSGeomTypeId_r(ctx, part) != GEOS_POLYGON) continue;
      for (int h = 0; h < GEOSGetNumInteriorRings_r(ctx, part); ++h) {
        const GEOSGeometry* ring = GEOSGetInteriorRingN_r(ctx, part, h);
        const GeosGeometry hole(
            ctx, ring ? GEOSGeom_createPolygon_r(ctx, GEOSGeom_clone_r(ctx, ring), nullptr, 0)
                      : nullptr);
        double area = 0.0;
        if (!hole || GEOSArea_r(ctx, hole.get(), &area) != 1) {
          failed = true;
          continue;
        }
        if (!(area > min_area_m2)) continue;
        double hx0 = 0, hy0 = 0, hx1 = 0, hy1 = 0;
        GEOSGeom_getXMin_r(ctx, hole.get(), &hx0);
        GEOSGeom_getYMin_r(ctx, hole.get(), &hy0);
        GEOSGeom_getXMax_r(ctx, hole.get(), &hx1);
        GEOSGeom_getYMax_r(ctx, hole.get(), &hy1);
        std::string around;
        for (std::size_t i = 0; i < n; ++i) {
          const Box& b = boxes[i];
          if (!g[i] || b.min_corner().x() > hx1 || b.max_corner().x() < hx0 ||
              b.min_corner().y() > hy1 || b.max_corner().y() < hy0)
            continue;
          if (GEOSIntersects_r(ctx, g[i].get(), hole.get()) == 1)
            around += (around.empty() ? "" : ", ") + districts.label(i);
        }
        gaps.push_back({area, where + ": a gap of " + square_metres(area) +
                                  point_in(ctx, hole.get()) + in_crs + " belongs to no district" +
                                  (around.empty() ? "" : " (it lies between " + around + ")") +
                                  "; cells there count for none; fix the boundaries in the "
                                  "source"});
      }
    }
  }
  add_findings(gaps, where, "gaps between districts", out);
  if (failed)
    out.push_back(where + ": some districts could not be checked for overlaps and gaps" +
                  (trap.last_error().empty() ? "" : " (GEOS: " + trap.last_error() + ")"));
  return out;
}

FeatureSet read_layer(const InputSpec& spec, const std::string& target_crs, ReadReport& report,
                      OpenSources* sources) {
  LayerRead r = read_layer_collect(spec, target_crs, sources);
  report = r.report;
  if (!r.problems.empty()) {
    std::ostringstream s;
    s << "input '" << spec.name << "': " << r.problems.size() << " of " << r.report.features
      << " features cannot be used:";
    const std::size_t shown = std::min<std::size_t>(r.problems.size(), 20);
    for (std::size_t i = 0; i < shown; ++i) s << "\n  " << r.problems[i];
    if (r.problems.size() > shown) s << "\n  ... and " << r.problems.size() - shown << " more";
    throw InputError(s.str());
  }
  if (r.features.size() == 0) {
    const std::string who = spec.origin.empty() ? "input '" + spec.name + "'" : spec.origin;
    if (!spec.where.empty())
      throw InputError(spec.path.string() + ": layer '" + r.report.layer + "': " + who +
                       " where = \"" + spec.where +
                       "\" selects none of its features; check the field name and value");
    throw InputError(spec.path.string() + ": layer '" + r.report.layer + "' has no features (" +
                     who + ")");
  }
  return std::move(r.features);
}

}  // namespace standort::layers
