// `standort info SOURCE`: what standort sees in a raster or vector source — driver, CRS, extent,
// fields, and the problems ingest would report — as text or JSON.
#include "commands.hpp"

#include "standort/layers/inspect.hpp"

#include <iostream>
#include <memory>

namespace standort::cli {
namespace {

std::string join_numbers(const nlohmann::json& a) {
  std::string s;
  for (const auto& v : a) {
    std::ostringstream o;
    o.setf(std::ios::fixed);
    o.precision(v.get<double>() > 1000.0 || v.get<double>() < -1000.0 ? 2 : 6);
    o << v.get<double>();
    s += (s.empty() ? "" : ", ") + o.str();
  }
  return s;
}

void print_text(const nlohmann::json& j) {
  std::cout << j["path"].get<std::string>() << "\n  driver: " << j["driver"].get<std::string>()
            << "\n";
  if (j["kind"] == "raster") {
    std::cout << "  raster " << j["size"][0] << " x " << j["size"][1]
              << ", CRS: " << j["crs"].get<std::string>() << "\n";
    if (j.contains("extent")) std::cout << "  extent: " << join_numbers(j["extent"]) << "\n";
    if (j.contains("layout")) std::cout << "  layout: " << j["layout"].get<std::string>() << "\n";
    for (const auto& b : j["bands"]) {
      std::cout << "  band " << b["band"] << ": " << b["type"].get<std::string>() << " '"
                << b["description"].get<std::string>() << "'";
      if (!b["unit"].get<std::string>().empty())
        std::cout << " [" << b["unit"].get<std::string>() << "]";
      if (b.contains("nodata")) std::cout << ", nodata " << b["nodata"];
      std::cout << ", " << b["overviews"] << " overviews\n";
    }
    return;
  }
  for (const auto& l : j["layers"]) {
    std::cout << "  layer '" << l["name"].get<std::string>()
              << "': " << l["geometry_type"].get<std::string>() << ", " << l["features"]
              << " features, CRS: " << l["crs"].get<std::string>() << "\n";
    if (l.contains("extent")) std::cout << "    extent: " << join_numbers(l["extent"]) << "\n";
    if (l.contains("extent_working_crs"))
      std::cout << "    extent in " << l["working_crs"].get<std::string>() << ": "
                << join_numbers(l["extent_working_crs"]) << "\n";
    std::cout << "    fields:";
    for (const auto& f : l["fields"])
      std::cout << " " << f["name"].get<std::string>() << " (" << f["type"].get<std::string>()
                << ")";
    std::cout << "\n";
    for (const auto& w : l["warnings"])
      std::cout << "    warning: " << w.get<std::string>() << "\n";
    if (l["problems"].empty()) std::cout << "    problems: none\n";
    for (const auto& p : l["problems"])
      std::cout << "    problem: " << p.get<std::string>() << "\n";
  }
}

}  // namespace

Action register_info(CLI::App& app, const GlobalOptions&) {
  struct Options {
    std::string path, layer, crs = "EPSG:25832", assume_crs, x_field, y_field, encoding;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  app.add_option("source", opt->path, "Vector or raster file")->required();
  app.add_option("--layer", opt->layer, "Only this layer of a multi-layer source");
  app.add_option("--crs", opt->crs, "Working CRS extents are also reported in")
      ->capture_default_str();
  app.add_option("--assume-crs", opt->assume_crs, "CRS of a source that declares none");
  app.add_option("--x-field", opt->x_field, "CSV: column with x / longitude");
  app.add_option("--y-field", opt->y_field, "CSV: column with y / latitude");
  app.add_option("--encoding", opt->encoding, "Shapefile DBF encoding, e.g. CP1252");
  app.add_flag("--json", opt->json, "Machine-readable output");
  return [opt]() {
    InputSpec spec;
    spec.name =
        "NAME";  // hints read "[inputs.NAME] ..."; the matching info options are --x-field etc.
    spec.path = opt->path;
    spec.layer = opt->layer;
    spec.assume_crs = opt->assume_crs;
    spec.x_field = opt->x_field;
    spec.y_field = opt->y_field;
    spec.encoding = opt->encoding;
    const nlohmann::json j = layers::describe_source(spec, opt->crs);
    if (opt->json)
      std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    else
      print_text(j);
    return 0;
  };
}

}  // namespace standort::cli
