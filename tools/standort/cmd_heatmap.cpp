// `standort heatmap POINTS -o OUT.tif`: a kernel density raster on its own, with QGIS's Heatmap
// kernels and Raw / Scaled outputs, or a normalised density per m² or km².
#include "commands.hpp"
#include "pipeline.hpp"

#include "standort/engine/density.hpp"
#include "standort/engine/error.hpp"
#include "standort/layers/gdal_env.hpp"
#include "standort/layers/raster_writer.hpp"

#include <memory>
#include <sstream>

namespace standort::cli {

Action register_heatmap(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::string source, layer, out, crs = "EPSG:25832", assume_crs, extent_from, extent_layer;
    std::string kernel = "quartic", output_values = "raw", weight_field, radius_field, bandwidth;
    std::vector<double> extent;
    double cell_size_m = 10.0, radius_m = 0.0, decay = 0.0, buffer_m = 0.0, max_memory_gb = 0.0;
    std::string format = "cog";
  };
  auto opt = std::make_shared<Options>();
  app.add_option("source", opt->source, "Point layer")->required();
  app.add_option("-o,--out", opt->out, "Output GeoTIFF")->required();
  app.add_option("--layer", opt->layer, "Layer of a multi-layer source");
  app.add_option("--kernel", opt->kernel, "Kernel shape")
      ->check(CLI::IsMember(
          {"quartic", "triangular", "uniform", "triweight", "epanechnikov", "gaussian"}))
      ->capture_default_str();
  app.add_option("--radius", opt->radius_m, "Kernel radius in metres (default: Silverman's rule)");
  app.add_option("--radius-field", opt->radius_field, "Numeric field with a radius per feature");
  app.add_option("--bandwidth", opt->bandwidth, "Rule for the radius when none is given")
      ->check(CLI::IsMember({"silverman", "scott"}));
  app.add_option("--weight-field", opt->weight_field, "Numeric field with each feature's weight");
  app.add_option("--decay", opt->decay, "Triangular kernel: QGIS's decay ratio (-1..1)")
      ->capture_default_str();
  app.add_option("--output-values", opt->output_values,
                 "raw, scaled (QGIS), density_per_m2 or density_per_km2")
      ->check(CLI::IsMember({"raw", "scaled", "density_per_m2", "density_per_km2"}))
      ->capture_default_str();
  app.add_option("--cell-size", opt->cell_size_m, "Cell size in metres")->capture_default_str();
  app.add_option("--extent", opt->extent, "Grid extent: xmin ymin xmax ymax in the working CRS")
      ->expected(4);
  app.add_option("--extent-from", opt->extent_from, "Vector file whose extent defines the grid");
  app.add_option("--extent-layer", opt->extent_layer, "Layer of --extent-from");
  app.add_option("--buffer", opt->buffer_m, "Margin in metres around --extent-from")
      ->capture_default_str();
  app.add_option("--crs", opt->crs, "Working CRS (projected, metres)")->capture_default_str();
  app.add_option("--assume-crs", opt->assume_crs, "CRS of a source that declares none");
  app.add_option("--format", opt->format, "cog or gtiff")
      ->check(CLI::IsMember({"cog", "gtiff"}))
      ->capture_default_str();
  app.add_option("--max-memory-gb", opt->max_memory_gb, "Memory limit for rasters in GiB")
      ->check(CLI::Range(0.001, 1e6));
  return [opt, &global]() {
    if (std::filesystem::is_directory(opt->out))
      throw InputError(opt->out + ": is a folder; -o takes the path of the GeoTIFF to write");
    if (!(opt->buffer_m >= 0.0)) throw InputError("--buffer must be zero or positive metres");
    // The same checks and metadata as a scenario's density criterion: build one and reuse it.
    std::ostringstream toml;
    auto quote = [](const std::string& v) {
      std::string q = "\"";
      for (char c : v) q += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
      return q + "\"";
    };
    toml << "[inputs.points]\npath = " << quote(std::filesystem::absolute(opt->source).string())
         << "\ngeometry = \"point\"\n";
    if (!opt->layer.empty()) toml << "layer = " << quote(opt->layer) << "\n";
    if (!opt->assume_crs.empty()) toml << "assume_crs = " << quote(opt->assume_crs) << "\n";
    toml << "[grid]\ncrs = " << quote(opt->crs) << "\ncell_size_m = " << opt->cell_size_m << "\n";
    if (!opt->extent.empty()) {
      toml << "extent = [" << opt->extent[0] << ", " << opt->extent[1] << ", " << opt->extent[2]
           << ", " << opt->extent[3] << "]\n";
    } else if (!opt->extent_from.empty()) {
      toml << "extent_from = \"extent\"\nbuffer_m = " << opt->buffer_m
           << "\n[inputs.extent]\npath = "
           << quote(std::filesystem::absolute(opt->extent_from).string()) << "\n";
      if (!opt->extent_layer.empty()) toml << "layer = " << quote(opt->extent_layer) << "\n";
    } else {
      throw InputError(
          "give the grid's extent with --extent xmin ymin xmax ymax or --extent-from FILE");
    }
    if (opt->max_memory_gb > 0.0)
      toml << "[limits]\nmax_memory_gb = " << opt->max_memory_gb << "\n";
    toml << "[criteria.heatmap]\nkind = \"density\"\nlayer = \"points\"\nkernel = "
         << quote(opt->kernel) << "\noutput_values = " << quote(opt->output_values) << "\n";
    if (opt->radius_m > 0.0) toml << "radius_m = " << opt->radius_m << "\n";
    if (!opt->radius_field.empty()) toml << "radius_field = " << quote(opt->radius_field) << "\n";
    if (!opt->bandwidth.empty()) toml << "bandwidth = " << quote(opt->bandwidth) << "\n";
    if (!opt->weight_field.empty()) toml << "weight_field = " << quote(opt->weight_field) << "\n";
    if (opt->kernel == "triangular")
      toml << "decay = " << opt->decay << "\n";
    else if (opt->decay != 0.0)
      throw InputError("--decay applies to the triangular kernel only");
    toml << "value = { function = \"linear\", points = [[0, 0.0], [1, 1.0]] }\n";
    const Scenario scenario =
        parse_scenario(toml.str(), "standort heatmap options", std::filesystem::current_path());

    Progress progress(global.quiet);
    const LoadedInputs inputs = load_inputs(scenario, progress);
    const Grid grid = plan_grid(scenario, inputs, 1);  // bands keep memory bounded
    const CriterionSpec& c = scenario.criteria.front();
    layers::GeoTiffOptions options;
    options.cog = opt->format == "cog";
    options.threads = global.threads;
    // Large grids are computed and written in bands of rows (4 bytes a cell in memory).
    const std::int64_t budget =
        std::min<std::int64_t>(scenario.limits.max_bytes, std::int64_t{1} << 30);
    const std::int64_t rows_per_band = band_rows(grid, 4, budget);
    if (rows_per_band >= grid.rows()) {
      IndicatorRaster r =
          density_indicator(c, inputs.layers.at("points"), grid, global.threads, progress);
      progress.begin("write " + opt->out);
      layers::write_geotiff(opt->out, grid, {{r.values.cells(), r.description, r.unit, r.metadata}},
                            options);
      progress.end();
      return 0;
    }
    progress.begin("density and write, in bands of " + std::to_string(rows_per_band) + " rows");
    Progress quiet(true);
    std::unique_ptr<layers::GeoTiffStream> stream;
    for (std::int64_t r0 = 0; r0 < grid.rows(); r0 += rows_per_band) {
      IndicatorRaster r = density_indicator(c, inputs.layers.at("points"), grid, global.threads,
                                            quiet, {r0, r0 + rows_per_band});
      if (!stream)
        stream = std::make_unique<layers::GeoTiffStream>(
            opt->out, grid, std::vector<layers::BandInfo>{{r.description, r.unit, r.metadata}},
            options);
      stream->write_rows(r0, {r.values.cells()});
    }
    stream->finish();
    progress.end();
    return 0;
  };
}

}  // namespace standort::cli
