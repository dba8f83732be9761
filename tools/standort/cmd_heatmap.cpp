// `standort heatmap POINTS -o OUT.tif`: a kernel density raster on its own, with QGIS's Heatmap
// kernels and Raw / Scaled outputs, or a normalised density per m² or km².
#include "step.hpp"

#include "standort/engine/density.hpp"
#include "standort/engine/error.hpp"
#include "standort/layers/raster_writer.hpp"

#include <cmath>
#include <memory>
#include <sstream>

namespace standort::cli {

Action register_heatmap(CLI::App& app, const GlobalOptions& global) {
  struct Options : StepOptions {
    std::string kernel = "quartic", output_values = "raw", weight_field, radius_field, bandwidth;
    double radius_m = 0.0, decay = 0.0;
  };
  auto opt = std::make_shared<Options>();
  add_step_options(app, *opt, "Point layer");
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
  CLI::Option* radius_given = app.get_option("--radius");
  const OptionWords words{{"[criteria.heatmap] density kernel: radius_m", "--radius"},
                          {"[criteria.heatmap] density kernel: ", ""},
                          {"[criteria.heatmap] decay", "--decay"},
                          {"[criteria.heatmap] weight_field = ", "--weight-field "},
                          {"[criteria.heatmap] radius_field = ", "--radius-field "},
                          {"[criteria.heatmap] ", ""}};
  return step_action(words, [opt, &global, radius_given]() {
    if (radius_given->count() > 0 && !(opt->radius_m > 0.0 && std::isfinite(opt->radius_m)))
      throw InputError("--radius must be positive metres, got " + option_number(opt->radius_m) +
                       "; leave it out for Silverman's rule");
    if (!(opt->decay >= -1.0 && opt->decay <= 1.0))
      throw InputError("--decay must lie between -1 and 1 (QGIS's decay ratio), got " +
                       option_number(opt->decay));
    // The same checks and metadata as a scenario's density criterion: build one and reuse it.
    std::ostringstream criterion;
    criterion.precision(17);
    criterion << "[criteria.heatmap]\nkind = \"density\"\nlayer = \"points\"\nkernel = "
              << toml_quote(opt->kernel) << "\noutput_values = " << toml_quote(opt->output_values)
              << "\n";
    if (opt->radius_m > 0.0) criterion << "radius_m = " << opt->radius_m << "\n";
    if (!opt->radius_field.empty())
      criterion << "radius_field = " << toml_quote(opt->radius_field) << "\n";
    if (!opt->bandwidth.empty()) criterion << "bandwidth = " << toml_quote(opt->bandwidth) << "\n";
    if (!opt->weight_field.empty())
      criterion << "weight_field = " << toml_quote(opt->weight_field) << "\n";
    if (opt->kernel == "triangular")
      criterion << "decay = " << opt->decay << "\n";
    else if (opt->decay != 0.0)
      throw InputError("--decay applies to the triangular kernel only");
    criterion << "value = { function = \"linear\", points = [[0, 0.0], [1, 1.0]] }\n";
    const Scenario scenario = step_scenario(*opt, criterion.str(), "standort heatmap options");

    Progress progress(global.quiet);
    const LoadedInputs inputs = load_inputs(scenario, progress);
    const Grid grid = plan_grid(scenario, inputs, 1);  // bands keep memory bounded
    const CriterionSpec& c = scenario.criteria.front();
    layers::GeoTiffOptions options;
    options.threads = global.threads;
    write_in_bands(
        *opt, scenario, grid, 4, options, "density", progress, [&](RowWindow rows, Progress& p) {
          IndicatorRaster r =
              density_indicator(c, inputs.layers.at("points"), grid, global.threads, p, rows);
          BandRasters b;
          b.info.push_back({r.description, r.unit, r.metadata});
          b.rasters.push_back(std::move(r.values));
          return b;
        });
    return 0;
  });
}

}  // namespace standort::cli
