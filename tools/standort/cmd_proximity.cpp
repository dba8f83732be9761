// `standort proximity SOURCE -o OUT.tif`: the exact distance step on its own — distance from every
// cell centre to the nearest point of SOURCE, plus the nearest feature's FID, as a COG or plain
// GeoTIFF.
#include "step.hpp"

#include "standort/engine/distance.hpp"

#include <memory>

namespace standort::cli {

Action register_proximity(CLI::App& app, const GlobalOptions& global) {
  struct Options : StepOptions {
    bool no_nearest_id = false;
  };
  auto opt = std::make_shared<Options>();
  add_step_options(app, *opt, "Point layer to measure distance to");
  app.add_flag("--no-nearest-id", opt->no_nearest_id,
               "Write only the distance band, not the nearest feature's FID");
  return step_action({{"[criteria.proximity] ", ""}}, [opt, &global]() {
    const Scenario scenario =
        step_scenario(*opt,
                      "[criteria.proximity]\nkind = \"distance\"\nlayer = \"points\"\n"
                      "value = { function = \"linear\", points = [[0, 1.0], [1, 0.0]] }\n",
                      "standort proximity options");
    Progress progress(global.quiet);
    const LoadedInputs inputs = load_inputs(scenario, progress);
    const FeatureSet& source = inputs.layers.at("points");
    const Grid grid = plan_grid(scenario, inputs, 1);  // bands keep memory bounded
    layers::GeoTiffOptions options;
    options.threads = global.threads;
    options.overview_resampling = "NEAREST";  // the FID band must not be averaged
    // Working set: distance (4 bytes a cell), plus the FID (4) unless left out.
    write_in_bands(
        *opt, scenario, grid, opt->no_nearest_id ? 4 : 8, options, "distance", progress,
        [&](RowWindow rows, Progress& p) {
          p.begin("distance");
          std::string description;
          const std::vector<float> fids = opt->no_nearest_id
                                              ? std::vector<float>{}
                                              : nearest_feature_values(source, description);
          DistanceOptions distance_options;
          distance_options.threads = global.threads;
          distance_options.nearest_index = false;
          distance_options.rows = rows;
          distance_options.nearest_values = fids;
          DistanceField<float> field =
              distance_to_points<float>(grid, source.points, distance_options);
          BandRasters b;
          b.info.push_back(
              {"distance to nearest feature",
               "m",
               {{"formula", "Euclidean distance from the cell centre to the nearest point"}}});
          if (!opt->no_nearest_id) {
            b.info.push_back({description, "", {{"source", source.source}}});
            b.rasters.push_back(std::move(field.distance_m));
            b.rasters.push_back(std::move(field.nearest_value));
          } else {
            b.rasters.push_back(std::move(field.distance_m));
          }
          p.end();
          return b;
        });
    return 0;
  });
}

}  // namespace standort::cli
