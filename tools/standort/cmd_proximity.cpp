// `standort proximity SOURCE -o OUT.tif`: the exact distance step on its own — distance from every
// cell centre to the nearest point of SOURCE, plus the nearest feature's FID, as a COG or plain
// GeoTIFF.
#include "commands.hpp"
#include "pipeline.hpp"

#include "standort/engine/distance.hpp"
#include "standort/engine/error.hpp"
#include "standort/layers/gdal_env.hpp"
#include "standort/layers/raster_writer.hpp"

#include <iostream>
#include <memory>

namespace standort::cli {

Action register_proximity(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::string source, layer, out, crs = "EPSG:25832", assume_crs, extent_from, extent_layer;
    std::vector<double> extent;
    double cell_size_m = 10.0;
    double buffer_m = 0.0;
    double max_memory_gb = 0.0;
    std::string format = "cog";
    bool no_nearest_id = false;
  };
  auto opt = std::make_shared<Options>();
  app.add_option("source", opt->source, "Point layer to measure distance to")->required();
  app.add_option("-o,--out", opt->out, "Output GeoTIFF (COG)")->required();
  app.add_option("--layer", opt->layer, "Layer of a multi-layer source");
  app.add_option("--cell-size", opt->cell_size_m, "Cell size in metres")->capture_default_str();
  app.add_option("--extent", opt->extent, "Grid extent: xmin ymin xmax ymax in the working CRS")
      ->expected(4);
  app.add_option("--extent-from", opt->extent_from, "Vector file whose extent defines the grid");
  app.add_option("--extent-layer", opt->extent_layer, "Layer of --extent-from");
  app.add_option("--buffer", opt->buffer_m, "Margin in metres around --extent-from")
      ->capture_default_str();
  app.add_option("--crs", opt->crs, "Working CRS (projected, metres)")->capture_default_str();
  app.add_option("--assume-crs", opt->assume_crs, "CRS of a source that declares none");
  app.add_option("--format", opt->format,
                 "cog (compressed, tiled, overviews) or gtiff (plain, fastest to write)")
      ->check(CLI::IsMember({"cog", "gtiff"}))
      ->capture_default_str();
  app.add_flag("--no-nearest-id", opt->no_nearest_id,
               "Write only the distance band, not the nearest feature's FID");
  app.add_option("--max-memory-gb", opt->max_memory_gb, "Memory limit for rasters in GiB")
      ->check(CLI::Range(0.001, 1e6));
  return [opt, &global]() {
    if (std::filesystem::is_directory(opt->out))
      throw InputError(opt->out + ": is a folder; -o takes the path of the GeoTIFF to write");
    if (!(opt->buffer_m >= 0.0)) throw InputError("--buffer must be zero or positive metres");
    Progress progress(global.quiet);
    layers::require_projected_metric_crs(opt->crs, "--crs");
    InputSpec spec;
    spec.name = "source";
    spec.path = opt->source;
    spec.layer = opt->layer;
    spec.assume_crs = opt->assume_crs;
    spec.geometry = GeometryKind::point;
    progress.begin("read " + opt->source);
    layers::ReadReport report;
    const FeatureSet source = layers::read_layer(spec, opt->crs, report);
    progress.end();

    Extent extent;
    if (!opt->extent.empty()) {
      extent = {opt->extent[0], opt->extent[1], opt->extent[2], opt->extent[3]};
      if (extent.empty())
        throw InputError("--extent must be xmin ymin xmax ymax with xmin < xmax and ymin < ymax");
    } else if (!opt->extent_from.empty()) {
      InputSpec e;
      e.name = "extent";
      e.path = opt->extent_from;
      e.layer = opt->extent_layer;
      layers::ReadReport r;
      extent = layers::read_layer(e, opt->crs, r).extent().buffered(opt->buffer_m);
    } else {
      throw InputError(
          "give the grid's extent with --extent xmin ymin xmax ymax or --extent-from FILE");
    }
    ResourceLimits limits;
    if (opt->max_memory_gb > 0.0)
      limits.max_bytes = static_cast<std::int64_t>(opt->max_memory_gb * 1024.0 * 1024.0 * 1024.0);
    check_grid_budget(extent, opt->cell_size_m, 12, limits, "proximity grid");
    layers::require_true_scale(opt->crs, (extent.xmin + extent.xmax) / 2.0,
                               (extent.ymin + extent.ymax) / 2.0, 0.02, "--crs");
    const Grid grid = Grid::snapped(extent, opt->cell_size_m, opt->crs);

    progress.begin("distance");
    DistanceField<float> field = distance_to_points<float>(
        grid, source.points, {.threads = global.threads, .nearest_index = !opt->no_nearest_id});
    Raster<float> fid;
    std::string fid_description;
    if (!opt->no_nearest_id)
      fid = nearest_feature_band(field.nearest_index, source, fid_description);
    field.nearest_index = Raster<std::int32_t>();
    progress.end();

    progress.begin("write " + opt->out);
    layers::GeoTiffOptions options;
    options.cog = opt->format == "cog";
    options.threads = global.threads;
    options.overview_resampling = "NEAREST";
    std::vector<layers::BandOut> bands{
        {field.distance_m.cells(),
         "distance to nearest feature",
         "m",
         {{"formula", "Euclidean distance from the cell centre to the nearest point"}}}};
    if (!opt->no_nearest_id)
      bands.push_back({fid.cells(), fid_description, "", {{"source", source.source}}});
    layers::write_geotiff(opt->out, grid, bands, options);
    progress.end();
    return 0;
  };
}

}  // namespace standort::cli
