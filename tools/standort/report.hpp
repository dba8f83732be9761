// report.html: one self-contained page (inline CSS, the SVG maps, the data, a small script that
// sorts tables) that tells planners what a run did and found, in German or English. It is built
// from the run folder's files and manifest, so it shows exactly what the run wrote.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace standort::cli {

/// The report as HTML. `manifest` is the run's manifest (its outputs list may lack the report);
/// the tables and maps are read from the files it lists in `out_dir`. `lang` is "de" or "en".
/// Throws InputError when a listed file cannot be read.
std::string report_html(const std::filesystem::path& out_dir, const nlohmann::json& manifest,
                        const std::string& lang);

}  // namespace standort::cli
