// Entry point of the `standort` command: parses the command line, runs one subcommand and maps
// exceptions to exit codes (0 ok, 1 internal error, 2 bad input or scenario, 3 limit hit).
#include "commands.hpp"
#include "pipeline.hpp"

#include "standort/engine/error.hpp"
#include "standort/layers/atomic_file.hpp"
#include "standort/layers/gdal_env.hpp"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

/// The hidden first argument with which an interrupted run re-executes itself to remove its
/// temporaries; followed by the signal's number and the paths.
constexpr const char* kInterruptedFlag = "--standort-interrupted";

/// Removes `paths` (this run's temporaries), says so, and leaves with 128 + `signal`.
[[noreturn]] void leave_interrupted(const std::vector<std::filesystem::path>& paths, int signal) {
  standort::layers::remove_temporaries(paths);
  static const char message[] =
      "\nstandort: interrupted; no output of this run was left half-written\n";
  [[maybe_unused]] const auto n = ::write(STDERR_FILENO, message, sizeof message - 1);
  std::_Exit(signal == SIGINT || signal == SIGTERM ? 128 + signal : 1);
}

/// The second half of stopping on a signal, in the re-executed process: no thread of the
/// interrupted run is left to write, so what is removed stays removed.
[[noreturn]] void finish_interrupted(int argc, char** argv) {
  leave_interrupted({argv + std::min(argc, 3), argv + argc}, argc > 2 ? std::atoi(argv[2]) : 0);
}

/// SIGINT and SIGTERM are blocked in every thread and taken by one watcher thread instead of an
/// asynchronous handler, so that stopping can do what a handler may not: wait for files being
/// moved into place, remove this run's temporaries and staging folder, then leave with 128 +
/// the signal (130 for Ctrl-C, 143 for SIGTERM), however long the step that was running.
///
/// Removing temporaries while the run's other threads still write would race with them (a file
/// created in the staging folder after it was emptied leaves it behind), and a thread cannot be
/// stopped from outside. So the watcher freezes the registry and re-executes the program with the
/// list: execve ends every other thread at once and keeps the process id, and the fresh image
/// removes the temporaries and exits with the signal's code, as the interrupted run would.
void watch_stop_signals() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  // Before any other thread exists: the threads started later inherit the mask.
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  std::thread([stop] {
    int signal = 0;
    if (sigwait(&stop, &signal) != 0) return;
    std::lock_guard<std::mutex> publishing(standort::layers::publish_mutex());
    const auto paths = standort::layers::freeze_temporaries();
    std::vector<std::string> args{"standort", kInterruptedFlag, std::to_string(signal)};
    for (const auto& p : paths) args.push_back(p.string());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    // Not re-executed (no /proc): remove them here, racing with the threads still running.
    leave_interrupted(paths, signal);
  }).detach();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace standort;
  if (argc > 1 && std::strcmp(argv[1], kInterruptedFlag) == 0) finish_interrupted(argc, argv);
  // Rasters of a few to a few hundred MB are allocated and freed again and again (indicators,
  // scores, compression buffers). By default glibc maps each from the kernel and unmaps it on
  // free, so every reuse pays page faults on fresh zeroed pages: a sixth of a run's CPU time.
  // Served from the heap and kept there, freed memory is reused instead; the peak is unchanged.
  // One heap for all threads: a raster freed by the thread that wrote its file is memory the
  // computing threads reuse (with a heap per thread it would be kept for its own thread only).
  mallopt(M_MMAP_THRESHOLD, 512 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_ARENA_MAX, 1);
  watch_stop_signals();
  CLI::App app{
      "standort — spatial planning engine for Bochum: indicator rasters, suitability and district "
      "statistics"};
  app.require_subcommand(1);
  cli::GlobalOptions global;
  app.set_version_flag("--version", [] {
    const auto v = layers::library_versions();
    return std::string("standort ") + STANDORT_VERSION + " (GDAL " + v.gdal + ", PROJ " + v.proj +
           ", GEOS " + v.geos + ")";
  });

  std::map<CLI::App*, cli::Action> actions;
  auto add = [&](const char* name, const char* description, auto registrar) {
    CLI::App* sub = app.add_subcommand(name, description);
    sub->add_flag("-q,--quiet", global.quiet, "No progress output on stderr");
    sub->add_option("--threads", global.threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(0, 256));
    actions[sub] = registrar(*sub, global);
  };
  add("run",
      "Run a scenario (without arguments: the built-in Bochum scenario) and write all outputs",
      cli::register_run);
  add("validate", "Check a scenario and its inputs; write nothing", cli::register_validate);
  add("explain", "Why a location scores as it does: indicators, scores, weights, contributions",
      cli::register_explain);
  add("match", "Shortlists of a run's candidate sites for investors' requirement profiles",
      cli::register_match);
  add("diff", "How two scenarios differ: score differences, site and district rank changes",
      cli::register_diff);
  add("sites", "Candidate sites: 'sites find' locates the best contiguous regions of a run",
      cli::register_sites);
  add("info", "Show what standort sees in a vector or raster source", cli::register_info);
  add("proximity", "Exact distance from every cell to the nearest point of a layer, as a COG",
      cli::register_proximity);
  add("heatmap", "Kernel density of weighted points (QGIS Heatmap kernels), as a COG",
      cli::register_heatmap);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    for (auto& [sub, action] : actions) {
      if (!sub->parsed()) continue;
      const int code = action();
      // Every output is written and closed by now; leave without tearing down GDAL's driver
      // registry and caches, which takes a few milliseconds and changes nothing.
      std::cout.flush();
      std::cerr.flush();
      std::_Exit(code);
    }
    return 2;
  } catch (const InputError& e) {
    cli::close_progress_line();
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const LimitError& e) {
    cli::close_progress_line();
    std::cerr << "limit: " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    cli::close_progress_line();
    std::cerr << "internal error: " << e.what() << "\n";
    return 1;
  }
}
