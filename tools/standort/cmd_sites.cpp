// `standort sites find OUTDIR`: the best contiguous regions of a run's suitability surface, over
// the cells no exclusion rule takes, with other sizes and spacings than the scenario's [regions]
// (the same procedure; see regions.hpp). Writes found_regions.geojson / .csv / .qml.
#include "commands.hpp"
#include "districts.hpp"
#include "pipeline.hpp"
#include "step.hpp"

#include "standort/engine/error.hpp"
#include "standort/engine/regions.hpp"
#include "standort/layers/atomic_file.hpp"
#include "standort/layers/polygonize.hpp"
#include "standort/layers/probe.hpp"
#include "standort/layers/qml.hpp"
#include "standort/layers/vector_writer.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>

namespace standort::cli {

Action register_sites(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::string run_dir;
    std::string out_dir;
    RegionOptions regions;
    int connectivity = 8;
  };
  auto opt = std::make_shared<Options>();
  app.require_subcommand(1);
  CLI::App* find = app.add_subcommand(
      "find", "The best contiguous regions of a run's suitability over non-excluded cells");
  find->add_option("outdir", opt->run_dir, "Output folder of a run")->required();
  find->add_option("--min-area-ha", opt->regions.min_area_ha, "Smallest region (ha)")->required();
  find->add_option("--max-area-ha", opt->regions.max_area_ha,
                   "Largest region (ha); regions grow past the target only while that keeps "
                   "their mean (default: the minimum)");
  find->add_option("--target-area-ha", opt->regions.target_area_ha,
                   "Area each region is grown to (default: the minimum)");
  find->add_option("--spacing-m", opt->regions.min_spacing_m,
                   "Least distance between two regions' cell centres (m)");
  find->add_option("--regions", opt->regions.max_regions, "Most regions")->capture_default_str();
  find->add_option("--connectivity", opt->connectivity, "4 or 8 neighbours")
      ->check(CLI::IsMember({4, 8}))
      ->capture_default_str();
  find->add_option("-o,--out", opt->out_dir, "Folder for found_regions.* (default: OUTDIR)");
  // The region settings' checks speak in scenario keys ([regions] min_area_ha); here they are
  // options.
  const OptionWords words{{"e.g. min_area_ha = ", "e.g. --min-area-ha "},
                          {"e.g. max_area_ha = ", "e.g. --max-area-ha "},
                          {"min_area_ha", "--min-area-ha"},
                          {"max_area_ha", "--max-area-ha"},
                          {"target_area_ha", "--target-area-ha"},
                          {"min_spacing_m", "--spacing-m"},
                          {"max_regions", "--regions"}};
  return step_action(words, [opt, &global]() {
    namespace fs = std::filesystem;
    const fs::path run = opt->run_dir;
    // Only files the run's manifest lists: an earlier run may have left others in the folder.
    std::set<std::string> written;
    {
      std::ifstream in(run / "manifest.json");
      if (!in)
        throw InputError((run / "manifest.json").string() +
                         ": no run's outputs here; give the output folder of a run");
      try {
        const nlohmann::json manifest = nlohmann::json::parse(in);
        for (const auto& o : manifest.at("outputs"))
          written.insert(o.at("file").get<std::string>());
      } catch (const nlohmann::json::exception& e) {
        throw InputError((run / "manifest.json").string() + ": not a readable manifest (" +
                         e.what() + "); run the scenario again");
      }
    }
    if (!written.count("suitability.tif"))
      throw InputError((run / "suitability.tif").string() +
                       ": no suitability raster here; give the output folder of a run that wrote "
                       "COGs");
    RegionOptions o = opt->regions;
    o.eight_connected = opt->connectivity == 8;
    const Raster<float> suitability = layers::read_band(run / "suitability.tif", 1);
    std::optional<Raster<std::uint8_t>> available;
    if (written.count("exclusions.tif")) {
      const Raster<float> codes = layers::read_band(run / "exclusions.tif", 1);
      if (!(codes.grid() == suitability.grid()))
        throw InputError((run / "exclusions.tif").string() +
                         ": lies on another grid than suitability.tif; run the scenario again");
      available.emplace(suitability.grid(), std::uint8_t{0});
      for (std::size_t i = 0; i < codes.cells().size(); ++i)
        available->cells()[i] = codes.cells()[i] == 0.0f ? 1 : 0;
    }
    const std::vector<FoundRegion> found =
        find_regions(suitability, available ? &*available : nullptr, o, "standort sites find");
    const Grid& grid = suitability.grid();
    std::vector<MultiPolygon> outlines = layers::polygonize_labels(
        region_labels(grid, found), static_cast<std::int32_t>(found.size()));
    layers::VectorTable t;
    t.name = "found_regions";
    t.crs = grid.crs();
    t.kind = GeometryKind::polygon;
    t.fields = {
        {"rank", layers::FieldType::integer},         {"area_ha", layers::FieldType::real},
        {"cells", layers::FieldType::integer},        {"suitability_mean", layers::FieldType::real},
        {"suitability_min", layers::FieldType::real}, {"suitability_max", layers::FieldType::real}};
    auto r6 = [](double v) { return std::round(v * 1e6) / 1e6; };
    for (std::size_t k = 0; k < found.size(); ++k) {
      const FoundRegion& r = found[k];
      t.rows.push_back({static_cast<std::int64_t>(r.id), std::round(r.area_ha * 1e4) / 1e4,
                        static_cast<std::int64_t>(r.cells.size()), r6(r.mean_score),
                        r6(r.min_score), r6(r.max_score)});
      t.polygons.push_back(std::move(outlines[k]));
    }
    const fs::path out = opt->out_dir.empty() ? run : fs::path(opt->out_dir);
    fs::create_directories(out);
    // Not while a run writes to the same folder.
    const layers::FolderLock lock(out);
    layers::write_geojson_rfc7946(out / "found_regions.geojson", t);
    write_csv(out / "found_regions.csv", t);
    layers::write_text_atomic(out / "found_regions.qml", layers::polygon_outline_qml("rank"));
    if (!global.quiet) {
      std::cout << "standort: " << found.size() << " region(s) of at least " << o.min_area_ha
                << " ha";
      if (o.min_spacing_m > 0.0) std::cout << ", " << o.min_spacing_m << " m apart";
      std::cout << ":\n";
      for (const FoundRegion& r : found) {
        char line[160];
        std::snprintf(line, sizeof line, "  %d. %.2f ha, mean suitability %.3f (%.3f-%.3f)\n", r.id,
                      r.area_ha, r.mean_score, r.min_score, r.max_score);
        std::cout << line;
      }
      std::cout << "  written to "
                << fs::absolute(out / "found_regions.geojson").lexically_normal().string() << "\n";
    }
    return 0;
  });
}

}  // namespace standort::cli
