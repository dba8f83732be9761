// `standort diff A B [-o DIR]`: how two scenarios differ. A and B are output folders of two runs
// on the same grid, or two scenario files (then both are run first, into DIR/a and DIR/b). Writes
// per pillar and for the overall score the difference raster B - A, the rank changes of the
// candidate sites and of the districts of every level, and prints a summary.
#include "commands.hpp"
#include "districts.hpp"
#include "pipeline.hpp"

#include "standort/engine/error.hpp"
#include "standort/layers/atomic_file.hpp"
#include "standort/layers/probe.hpp"
#include "standort/layers/qml.hpp"
#include "standort/layers/raster_writer.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

namespace standort::cli {

namespace {

namespace fs = std::filesystem;
constexpr float k_diff_nodata = -9999.0f;

nlohmann::json read_manifest(const fs::path& dir) {
  std::ifstream in(dir / "manifest.json");
  if (!in)
    throw InputError((dir / "manifest.json").string() +
                     ": no run's outputs here; give the output folders of two runs or two "
                     "scenario files");
  try {
    nlohmann::json m = nlohmann::json::parse(in);
    for (const char* key : {"grid", "model", "outputs"})
      if (!m.contains(key))
        throw InputError((dir / "manifest.json").string() + ": has no '" + key +
                         "'; it was written by an older standort: run the "
                         "scenario again");
    m.at("model").at("nodes");
    return m;
  } catch (const nlohmann::json::exception& e) {
    throw InputError((dir / "manifest.json").string() + ": not a readable manifest (" + e.what() +
                     "); run the scenario again");
  }
}

/// The files a run's manifest lists: only these are the run's (a folder may hold older files).
std::set<std::string> listed(const nlohmann::json& manifest) {
  std::set<std::string> out;
  for (const auto& o : manifest.at("outputs"))
    if (o.is_object() && o.contains("file")) out.insert(o["file"].get<std::string>());
  return out;
}

/// Rows of a CSV written by write_csv: header names to cells (quoted cells unquoted).
std::vector<std::map<std::string, std::string>> read_table(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::map<std::string, std::string>> rows;
  if (!in) return rows;
  auto split = [](const std::string& line) {
    std::vector<std::string> out;
    std::string cell;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (c == '"') {
        if (quoted && i + 1 < line.size() && line[i + 1] == '"') {
          cell += '"';
          ++i;
        } else {
          quoted = !quoted;
        }
      } else if (c == ',' && !quoted) {
        out.push_back(std::move(cell));
        cell.clear();
      } else if (c != '\r') {
        cell += c;
      }
    }
    out.push_back(std::move(cell));
    return out;
  };
  std::string line;
  if (!std::getline(in, line)) return rows;
  const auto header = split(line);
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    const auto cells = split(line);
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

/// The name of column `index` of a CSV written by write_csv.
std::string column_name(const fs::path& file, std::size_t index) {
  std::ifstream in(file);
  std::string header;
  std::getline(in, header);
  std::size_t begin = 0;
  for (std::size_t k = 0; k < index; ++k) begin = header.find(',', begin) + 1;
  const std::size_t end = header.find(',', begin);
  std::string name =
      header.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  if (!name.empty() && name.back() == '\r') name.pop_back();
  return name;
}

double number_or_nan(const std::map<std::string, std::string>& row, const std::string& key) {
  const auto it = row.find(key);
  if (it == row.end() || it->second.empty()) return std::nan("");
  try {
    return std::stod(it->second);
  } catch (const std::exception&) {
    return std::nan("");
  }
}

/// Ranks (1 = best) by `key`, descending; rows without a value last in file order.
std::map<std::string, int> ranks_by(const std::vector<std::map<std::string, std::string>>& rows,
                                    const std::string& id, const std::string& key) {
  std::vector<std::size_t> order(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const double x = number_or_nan(rows[a], key), y = number_or_nan(rows[b], key);
    if (std::isnan(y)) return !std::isnan(x);
    return !std::isnan(x) && x > y;
  });
  std::map<std::string, int> out;
  for (std::size_t r = 0; r < order.size(); ++r) {
    const auto it = rows[order[r]].find(id);
    if (it != rows[order[r]].end()) out.emplace(it->second, static_cast<int>(r + 1));
  }
  return out;
}

/// A table of rank changes between the rows of A and B matched by `id`.
layers::VectorTable rank_changes(const std::string& name,
                                 const std::vector<std::map<std::string, std::string>>& a,
                                 const std::vector<std::map<std::string, std::string>>& b,
                                 const std::string& id, const std::string& value) {
  layers::VectorTable t;
  t.name = name;
  t.fields = {{id, layers::FieldType::string},         {"name", layers::FieldType::string},
              {value + "_a", layers::FieldType::real}, {value + "_b", layers::FieldType::real},
              {"difference", layers::FieldType::real}, {"rank_a", layers::FieldType::integer},
              {"rank_b", layers::FieldType::integer},  {"moved_up", layers::FieldType::integer}};
  const auto ra = ranks_by(a, id, value), rb = ranks_by(b, id, value);
  std::map<std::string, const std::map<std::string, std::string>*> in_b;
  for (const auto& row : b)
    if (const auto it = row.find(id); it != row.end()) in_b.emplace(it->second, &row);
  for (const auto& row : a) {
    const auto key = row.find(id);
    if (key == row.end()) continue;
    const auto other = in_b.find(key->second);
    if (other == in_b.end() || !ra.count(key->second) || !rb.count(key->second)) continue;
    const double va = number_or_nan(row, value), vb = number_or_nan(*other->second, value);
    const int rank_a = ra.at(key->second), rank_b = rb.at(key->second);
    const auto label = row.find("name");
    t.rows.push_back({key->second, label == row.end() ? std::string() : label->second, va, vb,
                      vb - va, static_cast<std::int64_t>(rank_a), static_cast<std::int64_t>(rank_b),
                      static_cast<std::int64_t>(rank_a - rank_b)});
  }
  return t;
}

}  // namespace

Action register_diff(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::string a, b, out_dir = "out/diff";
  };
  auto opt = std::make_shared<Options>();
  app.add_option("a", opt->a, "Output folder of the first run, or its scenario file")->required();
  app.add_option("b", opt->b, "Output folder of the second run, or its scenario file")->required();
  app.add_option("-o,--out", opt->out_dir, "Folder for the differences")->capture_default_str();
  return [opt, &global]() {
    const fs::path out = opt->out_dir;
    fs::path a = opt->a, b = opt->b;
    // Scenario files: run both first.
    for (auto [path, sub] : {std::pair<fs::path*, const char*>{&a, "a"}, {&b, "b"}}) {
      if (!fs::is_regular_file(*path)) continue;
      Progress progress(global.quiet);
      const Scenario scenario = load_scenario(*path);
      run_scenario(scenario, out / sub, global.threads, progress);
      *path = out / sub;
    }
    const nlohmann::json ma = read_manifest(a), mb = read_manifest(b);
    if (ma.at("grid") != mb.at("grid"))
      throw InputError(a.string() + " and " + b.string() + ": the runs lie on different grids (" +
                       ma.at("grid").dump() + " and " + mb.at("grid").dump() +
                       "); compare runs with the same [grid]");
    fs::create_directories(out);
    // Not while a run writes to the same folder.
    const layers::FolderLock lock(out);
    // Overall score and pillars present in both runs.
    std::vector<std::string> stems;
    for (const auto& n : ma.at("model").at("nodes"))
      if (!n.contains("criterion") && n.contains("score_file")) {
        const std::string file = n.at("score_file").get<std::string>();
        if (listed(ma).count(file) && listed(mb).count(file))
          stems.push_back(file.substr(0, file.size() - 4));
      }
    layers::GeoTiffOptions cog;
    cog.nodata = k_diff_nodata;
    cog.metadata["a"] = fs::absolute(a).lexically_normal().string();
    cog.metadata["b"] = fs::absolute(b).lexically_normal().string();
    std::ostringstream summary;
    for (const std::string& stem : stems) {
      const Raster<float> ra = layers::read_band(a / (stem + ".tif"), 1);
      const Raster<float> rb = layers::read_band(b / (stem + ".tif"), 1);
      Raster<float> d(ra.grid(), NoFill{}, k_diff_nodata);
      double sum = 0.0, largest = 0.0;
      std::int64_t n = 0, changed = 0;
      for (std::size_t i = 0; i < d.cells().size(); ++i) {
        const float x = ra.cells()[i], y = rb.cells()[i];
        if (ra.is_nodata(x) || rb.is_nodata(y)) {
          d.cells()[i] = k_diff_nodata;
          continue;
        }
        const double v = static_cast<double>(y) - static_cast<double>(x);
        d.cells()[i] = static_cast<float>(v);
        sum += v;
        largest = std::max(largest, std::fabs(v));
        ++n;
        changed += std::fabs(v) >= 0.01;
      }
      layers::write_geotiff(
          out / ("diff_" + stem + ".tif"), ra.grid(),
          {{d.cells(), stem + ": B - A", "", {{"meaning", "score of B minus score of A"}}}}, cog);
      const double top = std::max(largest, 1e-6);
      layers::write_text_atomic(
          out / ("diff_" + stem + ".qml"),
          layers::raster_pseudocolor_qml(1, layers::ramp_stops(-top, top, false, 3), 3));
      char line[256];
      std::snprintf(line, sizeof line,
                    "  %-22s mean change %+.4f, largest %.4f, %.1f %% of cells by 0.01 or more\n",
                    stem.c_str(), n ? sum / static_cast<double>(n) : 0.0, largest,
                    n ? 100.0 * static_cast<double>(changed) / static_cast<double>(n) : 0.0);
      summary << line;
    }
    // Rank changes of the sites and of the districts of every level.
    std::vector<std::pair<std::string, layers::VectorTable>> tables;
    const std::set<std::string> in_a = listed(ma), in_b = listed(mb);
    const auto sa = in_a.count("sites.csv") ? read_table(a / "sites.csv")
                                            : std::vector<std::map<std::string, std::string>>{};
    const auto sb = in_b.count("sites.csv") ? read_table(b / "sites.csv")
                                            : std::vector<std::map<std::string, std::string>>{};
    if (!sa.empty() && !sb.empty())  // columns: rank, the site id, name, ...
      tables.push_back(
          {"diff_sites.csv",
           rank_changes("sites", sa, sb, column_name(a / "sites.csv", 1), "suitability_mean")});
    for (const auto& o : ma.at("outputs")) {
      const std::string file = o.at("file").get<std::string>();
      if (file.size() < 4 || file.substr(file.size() - 4) != ".csv" || file == "sites.csv" ||
          file == "regions.csv")
        continue;
      if (!in_b.count(file)) continue;
      const auto da = read_table(a / file), db = read_table(b / file);
      if (da.empty() || db.empty() || !da.front().count("suitability_mean")) continue;
      // A district table's first column is the district id.
      const std::string id = column_name(a / file, 0);
      tables.push_back({"diff_" + file, rank_changes(file.substr(0, file.size() - 4), da, db, id,
                                                     "suitability_mean")});
    }
    for (const auto& [file, table] : tables) {
      write_csv(out / file, table);
      std::int64_t moved = 0;
      for (const auto& row : table.rows) moved += std::get<std::int64_t>(row.back()) != 0;
      summary << "  " << file << ": " << moved << " of " << table.rows.size() << " change rank\n";
    }
    if (!global.quiet) {
      std::cout << "standort: differences B - A written to "
                << fs::absolute(out).lexically_normal().string() << "\n"
                << summary.str();
    }
    return 0;
  };
}

}  // namespace standort::cli
