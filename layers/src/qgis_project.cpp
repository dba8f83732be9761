#include "standort/layers/qgis_project.hpp"

#include "gdal_handles.hpp"
#include "standort/layers/atomic_file.hpp"
#include "standort/layers/gdal_env.hpp"
#include "standort/layers/text.hpp"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <ogr_spatialref.h>

#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace standort::layers {

namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

/// A spatialrefsys element as QGIS writes it: WKT, PROJ string, authority id.
std::string spatialrefsys(const std::string& crs) {
  OGRSpatialReference srs;
  if (!parse_crs(crs, srs)) throw std::runtime_error("unknown CRS '" + crs + "'");
  char* wkt = nullptr;
  const char* options[] = {"FORMAT=WKT2_2019", nullptr};
  srs.exportToWkt(&wkt, options);
  char* proj4 = nullptr;
  srs.exportToProj4(&proj4);
  std::ostringstream s;
  s << "<spatialrefsys><wkt>" << xml_escape(wkt ? wkt : "") << "</wkt><proj4>"
    << xml_escape(proj4 ? proj4 : "") << "</proj4><authid>" << xml_escape(crs) << "</authid>"
    << "<description>" << xml_escape(srs.GetName() ? srs.GetName() : crs) << "</description>"
    << "<geographicflag>" << (srs.IsGeographic() ? "true" : "false")
    << "</geographicflag></spatialrefsys>";
  CPLFree(wkt);
  CPLFree(proj4);
  return s.str();
}

/// The children of a QML document's <qgis> root (the style itself) and the root's attributes
/// that a project keeps on the layer (labelsEnabled, hasScaleBasedVisibilityFlag).
std::pair<std::string, std::string> style_parts(const std::string& qml) {
  const auto root = qml.find("<qgis");
  if (root == std::string::npos) return {"", ""};
  const auto root_end = qml.find('>', root);
  const auto close = qml.rfind("</qgis>");
  if (root_end == std::string::npos || close == std::string::npos || close < root_end)
    return {"", ""};
  std::string attributes;
  const std::string tag = qml.substr(root, root_end - root);
  for (const char* key : {"labelsEnabled", "hasScaleBasedVisibilityFlag"}) {
    const auto at = tag.find(std::string(key) + "=\"");
    if (at == std::string::npos) continue;
    const auto end = tag.find('"', at + std::string(key).size() + 2);
    if (end == std::string::npos) continue;
    attributes += ' ';
    attributes.append(tag, at, end - at + 1);
  }
  return {qml.substr(root_end + 1, close - root_end - 1), attributes};
}

}  // namespace

void write_qgz(const std::filesystem::path& target, const std::string& title,
               const std::string& crs, const Extent& extent,
               const std::vector<ProjectLayer>& layers) {
  init_gdal();
  const std::string srs = spatialrefsys(crs);
  std::vector<std::string> groups;
  for (const ProjectLayer& l : layers)
    if (std::find(groups.begin(), groups.end(), l.group) == groups.end()) groups.push_back(l.group);
  auto id_of = [](std::size_t k) { return "standort_layer_" + std::to_string(k + 1); };

  std::ostringstream x;
  x << "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
    << "<qgis projectname=\"" << xml_escape(title) << "\" version=\"3.22.0\">\n"
    << "  <homePath path=\"\"/>\n  <title>" << xml_escape(title) << "</title>\n"
    << "  <projectCrs>" << srs << "</projectCrs>\n"
    << "  <layer-tree-group>\n    <customproperties/>\n";
  for (const std::string& g : groups) {
    x << "    <layer-tree-group name=\"" << xml_escape(g)
      << "\" checked=\"Qt::Checked\" expanded=\"1\">\n      <customproperties/>\n";
    for (std::size_t k = 0; k < layers.size(); ++k) {
      const ProjectLayer& l = layers[k];
      if (l.group != g) continue;
      x << "      <layer-tree-layer id=\"" << id_of(k) << "\" name=\"" << xml_escape(l.name)
        << "\" source=\"" << xml_escape(l.source) << "\" providerKey=\""
        << (l.raster ? "gdal" : "ogr") << "\" checked=\""
        << (l.visible ? "Qt::Checked" : "Qt::Unchecked")
        << "\" expanded=\"0\">\n        <customproperties/>\n      </layer-tree-layer>\n";
    }
    x << "    </layer-tree-group>\n";
  }
  x << "  </layer-tree-group>\n"
    << "  <mapcanvas name=\"theMapCanvas\" annotationsVisible=\"1\">\n    <units>meters</units>\n"
    << "    <extent><xmin>" << number(extent.xmin) << "</xmin><ymin>" << number(extent.ymin)
    << "</ymin><xmax>" << number(extent.xmax) << "</xmax><ymax>" << number(extent.ymax)
    << "</ymax></extent>\n    <rotation>0</rotation>\n    <destinationsrs>" << srs
    << "</destinationsrs>\n  </mapcanvas>\n  <projectlayers>\n";
  for (std::size_t k = 0; k < layers.size(); ++k) {
    const ProjectLayer& l = layers[k];
    const auto [style, attributes] = style_parts(l.qml);
    x << "    <maplayer type=\"" << (l.raster ? "raster" : "vector") << "\""
      << (l.raster ? "" : " geometry=\"Polygon\"") << attributes << ">\n"
      << "      <id>" << id_of(k) << "</id>\n      <datasource>" << xml_escape(l.source)
      << "</datasource>\n      <layername>" << xml_escape(l.name) << "</layername>\n      <srs>"
      << srs << "</srs>\n      <provider" << (l.raster ? "" : " encoding=\"UTF-8\"") << ">"
      << (l.raster ? "gdal" : "ogr") << "</provider>\n"
      << style << "\n    </maplayer>\n";
  }
  // QGIS reads projectCrs only with ProjectionsEnabled set.
  x << "  </projectlayers>\n  <properties>\n    <Paths>\n"
    << "      <Absolute type=\"bool\">false</Absolute>\n    </Paths>\n"
    << "    <SpatialRefSys>\n      <ProjectionsEnabled type=\"int\">1</ProjectionsEnabled>\n"
    << "    </SpatialRefSys>\n  </properties>\n</qgis>\n";
  const std::string text = x.str();

  if (!target.parent_path().empty()) std::filesystem::create_directories(target.parent_path());
  AtomicPath tmp(target);
  GdalErrorTrap trap;
  void* zip = CPLCreateZip(tmp.temp().c_str(), nullptr);
  if (!zip) throw std::runtime_error(target.string() + ": cannot create the zip file");
  // A fixed time stamp keeps the file the same from run to run.
  CPLStringList options;
  options.SetNameValue("TIMESTAMP", "946684800");
  const std::string inner = target.stem().string() + ".qgs";
  const bool ok = CPLCreateFileInZip(zip, inner.c_str(), options.List()) == CE_None &&
                  CPLWriteFileInZip(zip, text.data(), static_cast<int>(text.size())) == CE_None &&
                  CPLCloseFileInZip(zip) == CE_None;
  const bool closed = CPLCloseZip(zip) == CE_None;
  if (!ok || !closed || !trap.errors().empty())
    throw std::runtime_error(target.string() + ": writing the project failed" +
                             (trap.last_error().empty() ? "" : ": " + trap.last_error()));
  tmp.commit();
}

}  // namespace standort::layers
