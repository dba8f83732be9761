// `standort run [SCENARIO] [-o DIR]`: runs a whole scenario and writes its outputs.
#include "commands.hpp"
#include "pipeline.hpp"

#include "standort/engine/error.hpp"

#include <iostream>
#include <memory>

namespace standort::cli {

Action register_run(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::string scenario;
    std::string out_dir;
    double max_memory_gb = 0.0;
    bool criterion_scores = false;
    bool sensitivity = false;
    std::string lang;
  };
  auto opt = std::make_shared<Options>();
  app.add_option("scenario", opt->scenario,
                 "Scenario TOML file (default: the built-in Bochum scenario)");
  app.add_option("-o,--out", opt->out_dir,
                 "Output folder (default: [outputs] folder of the scenario)");
  app.add_option("--max-memory-gb", opt->max_memory_gb,
                 "Memory limit for rasters in GiB (overrides [limits])")
      ->check(CLI::Range(0.001, 1e6));
  app.add_flag("--criterion-scores", opt->criterion_scores,
               "Also write each criterion's score raster (as [outputs] criterion_scores = true)");
  app.add_flag("--sensitivity", opt->sensitivity,
               "Also test how stable the site ranking and each cell's score are when the weights "
               "vary ([sensitivity] in the scenario)");
  app.add_option("--lang", opt->lang,
                 "Language of the maps and report.html: de or en (default: [outputs] language, "
                 "which defaults to de)")
      ->check(CLI::IsMember({"de", "en"}));
  return [opt, &global]() {
    const std::filesystem::path file =
        opt->scenario.empty() ? default_scenario() : std::filesystem::path(opt->scenario);
    Scenario scenario = load_scenario(file);
    if (opt->max_memory_gb > 0.0)
      scenario.limits.max_bytes =
          static_cast<std::int64_t>(opt->max_memory_gb * 1024.0 * 1024.0 * 1024.0);
    if (opt->criterion_scores) scenario.outputs.criterion_scores = true;
    if (!opt->lang.empty()) scenario.outputs.language = opt->lang;
    const std::filesystem::path out =
        opt->out_dir.empty() ? scenario.outputs.folder : std::filesystem::path(opt->out_dir);
    if (std::filesystem::exists(out) && !std::filesystem::is_directory(out))
      throw InputError(out.string() +
                       ": the output folder is an existing file; choose another folder with -o");
    Progress progress(global.quiet);
    run_scenario(scenario, out, global.threads, progress, opt->sensitivity);
    if (!global.quiet) {
      const auto abs = std::filesystem::absolute(out).lexically_normal();
      std::cout << "standort: outputs written to " << abs.string() << "\n";
      if (scenario.outputs.report && std::filesystem::exists(out / "report.html"))
        std::cout << "  the report, with maps and tables: " << (abs / "report.html").string()
                  << "\n";
      if (std::filesystem::exists(out / "standort.qgz"))
        std::cout << "  the whole analysis in QGIS: qgis " << (abs / "standort.qgz").string()
                  << "\n";
      std::cout << "  (each file has a .qml style beside it, which QGIS applies when it opens the "
                   "file on its own)\n";
    }
    return 0;
  };
}

}  // namespace standort::cli
