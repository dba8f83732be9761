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
    // Only a band of rows is held in memory at a time; the whole grid must still be indexable.
    check_grid_budget(extent, opt->cell_size_m, 1, limits, "proximity grid");
    layers::require_true_scale(opt->crs, (extent.xmin + extent.xmax) / 2.0,
                               (extent.ymin + extent.ymax) / 2.0, 0.02, "--crs");
    const Grid grid = Grid::snapped(extent, opt->cell_size_m, opt->crs);

    layers::GeoTiffOptions options;
    options.cog = opt->format == "cog";
    options.threads = global.threads;
    options.overview_resampling = "NEAREST";
    const layers::BandInfo distance_info{
        "distance to nearest feature",
        "m",
        {{"formula", "Euclidean distance from the cell centre to the nearest point"}}};
    // Grids whose working set (distance, index, FID: 12 bytes a cell) exceeds the band budget
    // are computed and written in bands of rows; smaller ones at once.
    const std::int64_t budget = std::min<std::int64_t>(limits.max_bytes, std::int64_t{1} << 30);
    const std::int64_t rows_per_band = band_rows(grid, opt->no_nearest_id ? 4 : 12, budget);
    std::unique_ptr<layers::GeoTiffStream> stream;
    progress.begin(rows_per_band < grid.rows() ? "distance and write, in bands of " +
                                                     std::to_string(rows_per_band) + " rows"
                                               : "distance");
    for (std::int64_t r0 = 0; r0 < grid.rows(); r0 += rows_per_band) {
      DistanceField<float> field = distance_to_points<float>(grid, source.points,
                                                             {.threads = global.threads,
                                                              .nearest_index = !opt->no_nearest_id,
                                                              .rows = {r0, r0 + rows_per_band}});
      Raster<float> fid;
      std::string fid_description;
      if (!opt->no_nearest_id)
        fid = nearest_feature_band(field.nearest_index, source, fid_description);
      field.nearest_index = Raster<std::int32_t>();
      std::vector<layers::BandInfo> infos{distance_info};
      if (!opt->no_nearest_id) infos.push_back({fid_description, "", {{"source", source.source}}});
      if (rows_per_band >= grid.rows()) {
        progress.end();
        progress.begin("write " + opt->out);
        std::vector<layers::BandOut> bands;
        bands.push_back(
            {field.distance_m.cells(), infos[0].description, infos[0].unit, infos[0].metadata});
        if (!opt->no_nearest_id)
          bands.push_back({fid.cells(), infos[1].description, infos[1].unit, infos[1].metadata});
        layers::write_geotiff(opt->out, grid, bands, options);
        break;
      }
      if (!stream) stream = std::make_unique<layers::GeoTiffStream>(opt->out, grid, infos, options);
      std::vector<std::span<const float>> rows{field.distance_m.cells()};
      if (!opt->no_nearest_id) rows.push_back(fid.cells());
      stream->write_rows(r0, rows);
    }
    if (stream) stream->finish();
    progress.end();
    return 0;
  };
}

}  // namespace standort::cli
