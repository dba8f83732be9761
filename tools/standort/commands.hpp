// The subcommands of the `standort` executable. Each file registers one subcommand on the CLI11
// app; main.cpp holds the explicit list and the single try/catch that maps errors to exit codes.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace standort::cli {

/// Options shared by every subcommand.
struct GlobalOptions {
  bool quiet = false;
  int threads = 0;
};

/// A registered subcommand's action, run by main after parsing; returns the exit code.
using Action = std::function<int()>;

Action register_run(CLI::App& app, const GlobalOptions& global);
Action register_validate(CLI::App& app, const GlobalOptions& global);
Action register_explain(CLI::App& app, const GlobalOptions& global);
Action register_info(CLI::App& app, const GlobalOptions& global);
Action register_proximity(CLI::App& app, const GlobalOptions& global);
Action register_heatmap(CLI::App& app, const GlobalOptions& global);
Action register_match(CLI::App& app, const GlobalOptions& global);
Action register_diff(CLI::App& app, const GlobalOptions& global);
Action register_sites(CLI::App& app, const GlobalOptions& global);

}  // namespace standort::cli
