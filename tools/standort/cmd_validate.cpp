// `standort validate SCENARIO`: checks the scenario (criteria tree, weights, AHP consistency,
// value functions, references), every input and the grid, and prints the tree; writes nothing.
#include "commands.hpp"
#include "model_report.hpp"
#include "pipeline.hpp"
#include "sites.hpp"

#include <iostream>
#include <memory>

namespace standort::cli {

Action register_validate(CLI::App& app, const GlobalOptions& global) {
  auto scenario_path = std::make_shared<std::string>();
  app.add_option("scenario", *scenario_path,
                 "Scenario TOML file (default: the built-in Bochum scenario)");
  return [scenario_path, &global]() {
    const std::filesystem::path file =
        scenario_path->empty() ? default_scenario() : std::filesystem::path(*scenario_path);
    const Scenario scenario = load_scenario(file);
    Progress progress(global.quiet);
    // The checks `run` makes before it computes anything, in the same order.
    check_output_folder(scenario, scenario.outputs.folder);
    const LoadedInputs inputs = load_inputs(scenario, progress);
    check_site_ids(scenario, inputs);
    const Grid grid = plan_grid(scenario, inputs);
    std::cout << file.string() << ": ok — " << scenario.inputs.size() << " inputs, "
              << scenario.criteria.size() << " criteria, grid " << grid.cols() << " x "
              << grid.rows() << " cells of " << grid.cell_size() << " m\n";
    for (const auto& [name, report] : inputs.reports) {
      std::cout << "  " << name << ": " << report.features << " features (" << report.driver << ", "
                << report.source_crs << ")";
      if (report.repaired) std::cout << ", " << report.repaired << " repaired";
      if (!report.warnings.empty()) std::cout << ", " << report.warnings.size() << " warning(s)";
      std::cout << "\n";
    }
    std::cout << model_text(scenario);
    if (scenario.sites) {
      const std::vector<InvestorProfile> investors = checked_investors(scenario);
      std::cout << "sites: '" << scenario.sites->layer << "'";
      if (!scenario.sites->distances.empty()) {
        std::cout << ", distances to";
        for (const std::string& d : scenario.sites->distances) std::cout << " '" << d << "'";
      }
      std::cout << "\n";
      if (!investors.empty()) {
        std::cout << "investors (" << scenario.sites->investors.filename().string() << "):";
        for (const InvestorProfile& p : investors) std::cout << " " << p.key;
        std::cout << " — checked\n";
      }
    }
    if (scenario.regions) {
      const RegionOptions& o = scenario.regions->options;
      std::cout << "regions: up to " << o.max_regions << " of at least " << o.min_area_ha << " ha, "
                << o.min_spacing_m << " m apart\n";
    }
    const WeightPerturbation& p = scenario.sensitivity.perturbation;
    std::cout << "sensitivity (run --sensitivity): " << p.runs << " runs, ";
    if (p.kind == WeightPerturbation::Kind::dirichlet)
      std::cout << "Dirichlet, concentration " << p.concentration;
    else
      std::cout << "uniform, +/- " << p.percent << " %";
    std::cout << ", seed " << p.seed << "\n";
    return 0;
  };
}

}  // namespace standort::cli
