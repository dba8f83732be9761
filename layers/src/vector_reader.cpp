#include "standort/layers/vector_reader.hpp"

#include "gdal_handles.hpp"
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

#include <cmath>
#include <memory>
#include <sstream>

namespace standort::layers {
namespace {

// GEOS context plus the geometries made in it, freed together.
class GeosContext {
 public:
  GeosContext() : m_ctx(OGRGeometry::createGEOSContext()) {}
  ~GeosContext() { OGRGeometry::freeGEOSContext(m_ctx); }
  GeosContext(const GeosContext&) = delete;
  GeosContext& operator=(const GeosContext&) = delete;
  GEOSContextHandle_t get() const { return m_ctx; }

 private:
  GEOSContextHandle_t m_ctx;
};

// "" when valid, else GEOS's reason and location.
std::string geos_invalid_reason(const OGRGeometry& geom, const GeosContext& geos) {
  GEOSContextHandle_t ctx = geos.get();
  const auto destroy = [ctx](GEOSGeometry* g) { GEOSGeom_destroy_r(ctx, g); };
  const std::unique_ptr<GEOSGeometry, decltype(destroy)> g(geom.exportToGEOS(ctx), destroy);
  if (!g) return "cannot be converted for validation";
  char* reason_raw = nullptr;
  GEOSGeometry* location_raw = nullptr;
  const char valid = GEOSisValidDetail_r(ctx, g.get(), 0, &reason_raw, &location_raw);
  const auto free_text = [ctx](char* t) { GEOSFree_r(ctx, t); };
  const std::unique_ptr<char, decltype(free_text)> reason(reason_raw, free_text);
  const std::unique_ptr<GEOSGeometry, decltype(destroy)> location(location_raw, destroy);
  if (valid == 1) return "";
  std::string out = reason ? reason.get() : "invalid geometry";
  double x = 0, y = 0;
  if (location && GEOSGeomGetX_r(ctx, location.get(), &x) == 1 &&
      GEOSGeomGetY_r(ctx, location.get(), &y) == 1) {
    std::ostringstream s;
    s.precision(10);
    s << " at (" << x << " " << y << ")";
    out += s.str();
  }
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

bool all_finite(const OGRGeometry& g) {
  const auto type = wkbFlatten(g.getGeometryType());
  if (type == wkbPoint) {
    const auto& p = *g.toPoint();
    return std::isfinite(p.getX()) && std::isfinite(p.getY());
  }
  if (OGR_GT_IsCurve(type) == TRUE && OGR_GT_IsSubClassOf(type, wkbLineString)) {
    const auto* c = dynamic_cast<const OGRSimpleCurve*>(&g);
    for (int i = 0; c && i < c->getNumPoints(); ++i)
      if (!std::isfinite(c->getX(i)) || !std::isfinite(c->getY(i))) return false;
    return true;
  }
  if (type == wkbPolygon) {
    for (const auto* ring : *g.toPolygon())
      if (!all_finite(*ring)) return false;
    return true;
  }
  if (OGR_GT_IsSubClassOf(type, wkbGeometryCollection)) {
    for (const auto* part : *g.toGeometryCollection())
      if (!all_finite(*part)) return false;
    return true;
  }
  return true;
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

// Polygonal parts of a (possibly repaired) geometry; lower-dimensional leftovers are dropped.
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

}  // namespace

const std::vector<std::string>& allowed_vector_drivers() {
  static const std::vector<std::string> drivers{"GPKG", "GeoJSON", "ESRI Shapefile", "CSV",
                                                "PostgreSQL"};
  return drivers;
}

LayerRead read_layer_collect(const InputSpec& spec, const std::string& target_crs) {
  init_gdal();
  GdalErrorTrap trap;
  const std::string path = spec.path.string();
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
  if (!is_pg && !std::filesystem::exists(spec.path))
    throw InputError(path + ": no such file (input '" + spec.name + "'); check [inputs." +
                     spec.name + "] path");
  DatasetPtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, allowed.List(),
                                  open_options.List(), nullptr));
  if (!ds) {
    std::string why = trap.last_error();
    throw InputError(
        path + ": cannot be opened as a vector layer (input '" + spec.name + "')" +
        (why.empty() ? "" : ": " + why) +
        "; standort reads GeoPackage, GeoJSON, Shapefile and CSV (with x_field/y_field)");
  }
  result.report.driver = ds->GetDriver()->GetDescription();
  const bool is_csv = result.report.driver == "CSV";
  if (is_csv && !csv_xy)
    throw InputError(path + ": a CSV file needs coordinate columns; set [inputs." + spec.name +
                     "] x_field = \"...\" and y_field = \"...\" (and assume_crs)");

  OGRLayer* layer = nullptr;
  if (spec.layer.empty()) {
    if (ds->GetLayerCount() != 1) {
      std::string names;
      for (auto* l : ds->GetLayers())
        names += (names.empty() ? "" : ", ") + std::string(l->GetName());
      throw InputError(path + ": holds " + std::to_string(ds->GetLayerCount()) + " layers (" +
                       names + "); choose one with [inputs." + spec.name + "] layer = \"...\"");
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
  if (!spec.where.empty() && layer->SetAttributeFilter(spec.where.c_str()) != OGRERR_NONE)
    throw InputError(path + ": layer '" + result.report.layer + "': where = \"" + spec.where +
                     "\" is not a valid attribute filter" +
                     (trap.last_error().empty() ? "" : ": " + trap.last_error()) +
                     "; write it as an SQL WHERE clause, e.g. kind = 'Universität'");
  const std::string where = path + ": layer '" + result.report.layer + "'";
  result.features.source = path + (spec.layer.empty() ? "" : " (layer " + spec.layer + ")");

  // Source and target CRS, both in traditional GIS axis order (x = easting / longitude).
  OGRSpatialReference source;
  if (const OGRSpatialReference* declared = layer->GetSpatialRef()) {
    source = *declared;
    source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  } else if (!spec.assume_crs.empty()) {
    if (source.SetFromUserInput(spec.assume_crs.c_str()) != OGRERR_NONE)
      throw InputError(where + ": assume_crs = \"" + spec.assume_crs +
                       "\" is not a CRS PROJ knows; use e.g. \"EPSG:25832\"");
    source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  } else {
    throw InputError(where + ": declares no CRS; set [inputs." + spec.name +
                     "] assume_crs = \"EPSG:25832\" (or whatever CRS the coordinates are in)");
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
  const std::string input_key = "[inputs." + spec.name + "]";
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

  std::optional<GeometryKind> kind = spec.geometry;
  bool dropped_zm = false;
  GeosContext geos;
  FeatureSet& fs = result.features;
  layer->ResetReading();
  for (;;) {
    FeaturePtr feature(layer->GetNextFeature());
    if (!feature) break;
    ++result.report.features;
    const std::int64_t fid = feature->GetFID();
    std::string name = name_index >= 0 && feature->IsFieldSetAndNotNull(name_index)
                           ? feature->GetFieldAsString(name_index)
                           : "";
    if (!valid_utf8(name.c_str())) name = "?";
    std::string label =
        where + ", feature " + std::to_string(fid) + (name.empty() ? "" : " ('" + name + "')");
    auto problem = [&](const std::string& what) { result.problems.push_back(label + ": " + what); };

    bool text_ok = true;
    for (int i : string_fields) {
      if (!feature->IsFieldSetAndNotNull(i)) continue;
      if (!valid_utf8(feature->GetFieldAsString(i))) {
        problem(std::string("field '") + defn->GetFieldDefn(i)->GetNameRef() +
                "' is not valid UTF-8 text; if the file is a Shapefile in another encoding, set " +
                input_key + " encoding = \"CP1252\" (or the right one)");
        text_ok = false;
        break;
      }
    }
    if (!text_ok) continue;

    OGRGeometry* geom = feature->GetGeometryRef();
    if (!geom || geom->IsEmpty()) {
      problem("has no geometry (null or empty)" +
              std::string(csv_xy ? "; check the x/y columns of this row"
                                 : "; remove the feature or give it a geometry"));
      continue;
    }
    if (geom->Is3D() || geom->IsMeasured()) {
      geom->flattenTo2D();
      geom->setMeasured(FALSE);
      dropped_zm = true;
    }
    if (!all_finite(*geom)) {
      problem("has a NaN or infinite coordinate; fix the coordinates in the source");
      continue;
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
    if (!kind && this_kind) kind = this_kind;
    if (!this_kind || this_kind != kind) {
      const std::string what =
          std::string("is a ") + OGRGeometryTypeToName(geom->getGeometryType());
      if (!this_kind)
        problem(what + "; standort reads points, lines and polygons" +
                (type == wkbMultiPoint ? " (a multi-point needs exactly one part)" : "") +
                "; convert the feature or remove it");
      else
        problem(what + ", but this input holds " + kind_plural(*kind) +
                "; split mixed layers into one layer per geometry type");
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
      const std::string invalid = geos_invalid_reason(*geom, geos);
      if (!invalid.empty()) {
        if (!spec.repair) {
          problem("polygon is invalid: " + invalid + "; set " + input_key +
                  " repair = true to repair it with GEOS make-valid");
          continue;
        }
        owned.reset(geom->MakeValid());
        if (!owned || owned->IsEmpty()) {
          problem("polygon is invalid (" + invalid +
                  ") and repair left nothing; fix the geometry in the source");
          continue;
        }
        ++result.report.repaired;
        geom = owned.get();
      }
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
        problem("polygon has no area after repair; fix the geometry in the source");
        continue;
      }
      fs.polygons.push_back(std::move(mp));
    }
    fs.fids.push_back(fid);
    fs.ids.push_back(id_index >= 0 ? feature->GetFieldAsString(id_index) : std::to_string(fid));
    fs.names.push_back(name);
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
  for (const auto& w : trap.warnings()) result.report.warnings.push_back(where + ": GDAL: " + w);
  return result;
}

FeatureSet read_layer(const InputSpec& spec, const std::string& target_crs, ReadReport& report) {
  LayerRead r = read_layer_collect(spec, target_crs);
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
