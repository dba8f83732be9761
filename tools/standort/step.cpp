#include "step.hpp"

#include "standort/engine/error.hpp"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <future>
#include <memory>
#include <regex>
#include <sstream>

namespace standort::cli {

void add_step_options(CLI::App& app, StepOptions& opt, const std::string& source_help) {
  app.add_option("source", opt.source, source_help)->required();
  app.add_option("-o,--out", opt.out, "Output GeoTIFF")->required();
  app.add_option("--layer", opt.layer, "Layer of a multi-layer source");
  app.add_option("--cell-size", opt.cell_size_m, "Cell size in metres")->capture_default_str();
  app.add_option("--extent", opt.extent, "Grid extent: xmin ymin xmax ymax in the working CRS")
      ->expected(4);
  app.add_option("--extent-from", opt.extent_from, "Vector file whose extent defines the grid");
  app.add_option("--extent-layer", opt.extent_layer, "Layer of --extent-from");
  app.add_option("--buffer", opt.buffer_m, "Margin in metres around --extent-from")
      ->capture_default_str();
  app.add_option("--crs", opt.crs, "Working CRS (projected, metres)")->capture_default_str();
  app.add_option("--assume-crs", opt.assume_crs, "CRS of a source that declares none");
  app.add_option("--format", opt.format,
                 "cog (compressed, tiled, overviews) or gtiff (plain, fastest to write)")
      ->check(CLI::IsMember({"cog", "gtiff"}))
      ->capture_default_str();
  app.add_option("--max-memory-gb", opt.max_memory_gb, "Memory limit for rasters in GiB")
      ->check(CLI::Range(0.001, 1e6));
}

std::string option_number(double v) {
  std::ostringstream s;
  s.precision(6);
  s << v;
  return s.str();
}

std::string toml_quote(const std::string& value) {
  std::string q = "\"";
  for (char c : value) q += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return q + "\"";
}

Scenario step_scenario(const StepOptions& opt, const std::string& criterion_toml,
                       const std::string& label) {
  if (std::filesystem::is_directory(opt.out))
    throw InputError(opt.out + ": is a folder; -o takes the path of the GeoTIFF to write");
  if (!(opt.buffer_m >= 0.0 && std::isfinite(opt.buffer_m)))
    throw InputError("--buffer must be zero or positive metres, got " +
                     option_number(opt.buffer_m));
  if (!(opt.cell_size_m > 0.0 && std::isfinite(opt.cell_size_m)))
    throw InputError("--cell-size must be positive metres, got " + option_number(opt.cell_size_m));
  if (!opt.extent.empty()) {
    const auto& e = opt.extent;
    if (!(std::isfinite(e[0]) && std::isfinite(e[1]) && std::isfinite(e[2]) &&
          std::isfinite(e[3]) && e[0] < e[2] && e[1] < e[3]))
      throw InputError(
          "--extent must be four finite numbers xmin ymin xmax ymax with xmin < xmax "
          "and ymin < ymax, got " +
          option_number(e[0]) + " " + option_number(e[1]) + " " + option_number(e[2]) + " " +
          option_number(e[3]));
  }
  // The output's folder must take a new file, before anything is computed.
  const std::filesystem::path out = std::filesystem::absolute(opt.out);
  const std::filesystem::path folder = out.parent_path();
  if (!std::filesystem::is_directory(folder))
    throw InputError(opt.out + ": the folder " + folder.string() +
                     " does not exist; create it or choose another path with -o");
  if (::access(folder.c_str(), W_OK | X_OK) != 0)
    throw InputError(opt.out + ": cannot write into the folder " + folder.string() + " (" +
                     std::strerror(errno) + "); choose a writable path with -o");
  std::error_code ec;
  for (const std::string& input : {opt.source, opt.extent_from})
    if (!input.empty() && std::filesystem::equivalent(out, input, ec))
      throw InputError(opt.out + ": is also an input of this command (" + input +
                       "); writing it would replace the input; choose another path with -o");
  std::ostringstream toml;
  toml.precision(17);  // numbers reach the scenario exactly
  toml << "[inputs.points]\npath = " << toml_quote(std::filesystem::absolute(opt.source).string())
       << "\ngeometry = \"point\"\n";
  if (!opt.layer.empty()) toml << "layer = " << toml_quote(opt.layer) << "\n";
  if (!opt.assume_crs.empty()) toml << "assume_crs = " << toml_quote(opt.assume_crs) << "\n";
  toml << "[grid]\ncrs = " << toml_quote(opt.crs) << "\ncell_size_m = " << opt.cell_size_m << "\n";
  if (!opt.extent.empty()) {
    toml << "extent = [" << opt.extent[0] << ", " << opt.extent[1] << ", " << opt.extent[2] << ", "
         << opt.extent[3] << "]\n";
  } else if (!opt.extent_from.empty()) {
    toml << "extent_from = \"extent\"\nbuffer_m = " << opt.buffer_m << "\n[inputs.extent]\npath = "
         << toml_quote(std::filesystem::absolute(opt.extent_from).string()) << "\n";
    if (!opt.extent_layer.empty()) toml << "layer = " << toml_quote(opt.extent_layer) << "\n";
  } else {
    throw InputError(
        "give the grid's extent with --extent xmin ymin xmax ymax or --extent-from FILE");
  }
  if (opt.max_memory_gb > 0.0) toml << "[limits]\nmax_memory_gb = " << opt.max_memory_gb << "\n";
  toml << criterion_toml;
  return parse_scenario(toml.str(), label, std::filesystem::current_path());
}

namespace {

void write_bands(const StepOptions& opt, const Scenario& scenario, const Grid& grid,
                 std::int64_t bytes_per_cell, layers::GeoTiffOptions options,
                 const std::string& step, Progress& progress,
                 const std::function<BandRasters(RowWindow, Progress&)>& produce) {
  options.cog = opt.format == "cog";
  const std::int64_t budget =
      std::min<std::int64_t>(scenario.limits.max_bytes, std::int64_t{1} << 30);
  if (options.cog && band_rows(grid, bytes_per_cell, budget) >= grid.rows()) {
    // A COG that fits is written from memory: its overviews are then built without a staging file.
    const BandRasters b = produce({}, progress);
    progress.begin("write " + opt.out);
    std::vector<layers::BandOut> bands;
    for (std::size_t i = 0; i < b.rasters.size(); ++i)
      bands.push_back(
          {b.rasters[i].cells(), b.info[i].description, b.info[i].unit, b.info[i].metadata});
    layers::write_geotiff(opt.out, grid, bands, options);
    progress.end();
    return;
  }
  // Band by band, writing one band while the next is computed. Two bands are alive at a time, so
  // each gets half the budget; plain GeoTIFFs use bands of at most ~16 MiB of cells even when
  // the grid would fit, which keeps memory low and overlaps the file write with the computation.
  std::int64_t rows_per_band = band_rows(grid, bytes_per_cell, budget / 2);
  if (!options.cog)
    rows_per_band =
        std::min(rows_per_band, band_rows(grid, bytes_per_cell, std::int64_t{16} << 20));
  progress.begin(step + " and write, in bands of " + std::to_string(rows_per_band) + " rows");
  Progress quiet(true);
  std::unique_ptr<layers::GeoTiffStream> stream;
  std::future<void> writing;
  try {
    for (std::int64_t r0 = 0; r0 < grid.rows(); r0 += rows_per_band) {
      auto band = std::make_shared<BandRasters>(produce({r0, r0 + rows_per_band}, quiet));
      if (writing.valid()) writing.get();  // rethrows the writer's error
      if (!stream)
        stream = std::make_unique<layers::GeoTiffStream>(opt.out, grid, band->info, options);
      writing = std::async(std::launch::async, [&stream, band, r0] {
        std::vector<std::span<const float>> rows;
        for (const auto& r : band->rasters) rows.push_back(r.cells());
        stream->write_rows(r0, rows);
      });
    }
    if (writing.valid()) writing.get();
  } catch (...) {
    if (writing.valid()) writing.wait();  // the writer must not outlive the stream
    throw;
  }
  stream->finish();
  progress.end();
}

}  // namespace

Action step_action(OptionWords words, std::function<int()> body) {
  // Keys are replaced in list order: each command lists its own keys before a catch-all such as
  // "[criteria.heatmap] ", and the grid, CRS and source keys here follow them.
  for (auto [key, option] : OptionWords{{"a larger cell_size_m", "a larger --cell-size"},
                                        {"[grid] cell_size_m", "--cell-size"},
                                        {"[grid] crs", "--crs"},
                                        {"set [inputs.points] assume_crs = ", "give --assume-crs "},
                                        {"[inputs.points] assume_crs", "--assume-crs"},
                                        {"input 'points'", "the source"}})
    words.emplace_back(key, option);
  return [words = std::move(words), body = std::move(body)]() {
    const auto reword = [&](std::string text) {
      // "standort heatmap options:16: [criteria.heatmap] decay ..." -> "--decay ..."
      text = std::regex_replace(text, std::regex("standort [a-z]+ options:[0-9]+: "), "");
      for (const auto& [key, option] : words)
        for (auto at = text.find(key); at != std::string::npos;
             at = text.find(key, at + option.size()))
          text.replace(at, key.size(), option);
      return text;
    };
    try {
      return body();
    } catch (const InputError& e) {
      throw InputError(reword(e.what()));
    } catch (const LimitError& e) {
      throw LimitError(reword(e.what()));
    }
  };
}

void write_in_bands(const StepOptions& opt, const Scenario& scenario, const Grid& grid,
                    std::int64_t bytes_per_cell, layers::GeoTiffOptions options,
                    const std::string& step, Progress& progress,
                    const std::function<BandRasters(RowWindow, Progress&)>& produce) {
  try {
    write_bands(opt, scenario, grid, bytes_per_cell, options, step, progress, produce);
  } catch (const std::exception& e) {
    const std::filesystem::path out = std::filesystem::absolute(opt.out);
    rethrow_write_error(e, out.parent_path(), out.filename().string());
  }
}

}  // namespace standort::cli
