// Interrupted, overlapping and failing runs: what is left in the output folder.
#include "support.hpp"
#include "tools/cli_support.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace standort::test;
using Catch::Contains;

namespace {

/// Starts `standort run -q -o OUT` (the built-in scenario) with its output discarded; the pid.
pid_t start_run(const std::filesystem::path& out, const std::vector<std::string>& env = {}) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    execl(STANDORT_EXE, STANDORT_EXE, "run", "-q", "-o", out.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

/// Waits for `pid`; its exit code, or 128 + the signal that ended it.
int wait_exit(pid_t pid) {
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// Visible files of `dir` with their bytes.
std::map<std::string, std::string> contents(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name[0] != '.') files[name] = read_all(e.path());
  }
  return files;
}

/// Hidden entries other than the lock: temporaries and staging folders.
std::vector<std::string> leftovers(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name[0] == '.' && name != ".standort.lock") names.push_back(name);
  }
  return names;
}

/// A complete run of the built-in scenario, made once: every file but the manifest is the same
/// bytes in every run, so any file of a later run can be compared with it.
const std::map<std::string, std::string>& reference() {
  static TempDir dir;
  static const std::map<std::string, std::string> files = [] {
    const Result r = run("run -q -o " + (dir / "ref").string());
    REQUIRE(r.code == 0);
    return contents(dir / "ref");
  }();
  return files;
}

/// Every visible file of `out` is complete: byte-identical to the reference run's file (the
/// manifest, whose timings differ, must parse and list exactly the reference's outputs).
void check_complete_files(const std::filesystem::path& out, bool require_all) {
  const auto& ref = reference();
  const auto now = contents(out);
  for (const auto& [name, bytes] : now) {
    INFO(name);
    REQUIRE(ref.count(name));
    if (name == "manifest.json") {
      const auto m = nlohmann::json::parse(bytes);
      const auto r = nlohmann::json::parse(ref.at(name));
      CHECK(m["outputs"] == r["outputs"]);
    } else {
      CHECK(bytes == ref.at(name));
    }
  }
  // With the manifest there, every file it lists is there too.
  if (require_all || now.count("manifest.json")) CHECK(now.size() == ref.size());
}

}  // namespace

/// A complete run into `out`, timed: the milliseconds it took (at most 4000).
int timed_complete_run(const std::filesystem::path& out) {
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(run("run -q -o " + out.string()).code == 0);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  // Capped: under the sanitizers a run takes several times as long, and the test's moments need
  // not spread over all of it there.
  return static_cast<int>(std::min<std::int64_t>(ms.count(), 4000));
}

TEST_CASE("a run killed at random moments leaves only complete files", "[cli][kill]") {
  TempDir dir;
  const auto out = dir / "out";
  reference();
  const int run_ms = timed_complete_run(out);
  INFO("a complete run took " << run_ms << " ms");
  // Fixed seed: the same moments, as fractions of a complete run, on every machine; they spread
  // over the whole run (reading, computing, writing the staged files, moving them into place), so
  // most kills land before the run ends however fast the machine is.
  std::mt19937 random(2030);
  std::uniform_int_distribution<int> delay_ms(0, std::max(20, run_ms * 95 / 100));
  int killed = 0;
  for (int i = 0; i < 16; ++i) {
    const int ms = delay_ms(random);
    INFO("iteration " << i << ", kill after " << ms << " ms");
    const pid_t pid = start_run(out);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    kill(pid, SIGKILL);
    const int code = wait_exit(pid);
    CHECK((code == 128 + SIGKILL || code == 0));
    if (code != 0) ++killed;
    // The previous complete set, untouched; or, killed while files were being moved into place,
    // complete files without a manifest.
    check_complete_files(out, false);
  }
  CHECK(killed >= 8);
  // The next run cleans up whatever the killed ones left and writes the whole set.
  REQUIRE(run("run -q -o " + out.string()).code == 0);
  CHECK(leftovers(out).empty());
  check_complete_files(out, true);
}

TEST_CASE("SIGINT and SIGTERM stop a run within 2 s, leaving the previous outputs",
          "[cli][signal]") {
  TempDir dir;
  const auto out = dir / "out";
  reference();
  const int run_ms = timed_complete_run(out);
  for (const int sig : {SIGINT, SIGTERM}) {
    // Early (reading), in the middle (computing) and late (writing): fractions of a complete run.
    for (const int ms : {run_ms / 10, run_ms * 4 / 10, run_ms * 7 / 10}) {
      INFO("signal " << sig << " after " << ms << " ms");
      const pid_t pid = start_run(out);
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      const auto sent = std::chrono::steady_clock::now();
      kill(pid, sig);
      const int code = wait_exit(pid);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
      CHECK(seconds < 2.0);
      CHECK(code == 128 + sig);  // 130 for SIGINT, 143 for SIGTERM
      const auto left = leftovers(out);
      for (const auto& name : left) UNSCOPED_INFO("left behind: " << name);
      CHECK(left.empty());
      check_complete_files(out, true);
    }
  }
}

TEST_CASE("a second run into a folder another run is writing to is refused", "[cli][lock]") {
  TempDir dir;
  const auto out = dir / "out";
  REQUIRE(run("run -q -o " + out.string()).code == 0);
  const auto before = contents(out);
  // Hold the folder's lock the way a running standort does.
  const int fd = open((out / ".standort.lock").c_str(), O_RDWR);
  REQUIRE(fd >= 0);
  REQUIRE(flock(fd, LOCK_EX | LOCK_NB) == 0);
  Result r = run("run -q -o " + out.string());
  CHECK(r.code == 2);
  CHECK_THAT(r.output, Contains("another standort run"));
  CHECK_THAT(r.output, Contains(out.string()));
  CHECK_THAT(r.output, Contains("choose another folder with -o"));
  CHECK(contents(out) == before);
  CHECK(leftovers(out).empty());
  close(fd);
  r = run("run -q -o " + out.string());
  CHECK(r.code == 0);
}

TEST_CASE("a full disk and a read-only folder give named errors, and no outputs", "[cli][fs]") {
  TempDir dir;
  const auto small = dir / "small";
  std::filesystem::create_directories(small);
  // A 3 MB file system: the run's outputs (about 60 MB) do not fit. Mounting needs root.
  if (mount("tmpfs", small.c_str(), "tmpfs", 0, "size=3m") != 0) {
    WARN("SKIPPED: cannot mount a small tmpfs here (needs root): " << std::strerror(errno));
    return;
  }
  struct Unmount {
    std::filesystem::path p;
    ~Unmount() { umount2(p.c_str(), MNT_DETACH); }
  } unmount{small};
  Result r = run("run -q -o " + (small / "out").string());
  INFO(r.output);
  CHECK(r.code == 3);
  CHECK_THAT(r.output, Contains("the disk is full"));
  CHECK_THAT(r.output, Contains((small / "out").string()));
  // The run created the folder, and a run that fails leaves nothing it created.
  CHECK(!std::filesystem::exists(small / "out"));

  // The single-raster steps map a full disk the same way, and leave no file behind.
  const std::string demo = std::string(STANDORT_DATA_DIR) + "/demo/bochum_demo.gpkg";
  const std::string step_args = " " + demo + " --layer campuses --extent-from " + demo +
                                " --extent-layer statistische_bezirke --cell-size 2 -q -o ";
  for (const std::string step : {"proximity", "heatmap --radius 2000"}) {
    r = run(step + step_args + (small / "step.tif").string());
    INFO(step << ": " << r.output);
    CHECK(r.code == 3);
    CHECK_THAT(r.output, Contains("limit: " + small.string() + ": the disk is full"));
    CHECK_THAT(r.output, Contains("while writing step.tif"));
    CHECK(!std::filesystem::exists(small / "step.tif"));
    CHECK(leftovers(small).empty());
  }

  std::filesystem::create_directories(small / "out");  // an existing folder, read-only below
  REQUIRE(mount("tmpfs", small.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, "size=3m") == 0);
  for (const std::string step : {"proximity", "heatmap --radius 2000"}) {
    r = run(step + step_args + (small / "step.tif").string());
    INFO(step << ": " << r.output);
    CHECK(r.code == 2);
    CHECK_THAT(r.output, Contains("cannot write into the folder " + small.string() +
                                  " (Read-only file system); choose a writable path with -o"));
  }
  r = run("run -q -o " + (small / "ro").string());
  INFO(r.output);
  CHECK(r.code == 2);
  CHECK_THAT(r.output, Contains("cannot create the output folder"));
  CHECK_THAT(r.output, Contains("Read-only file system"));
  r = run("run -q -o " + (small / "out").string());
  CHECK(r.code == 2);
  CHECK_THAT(r.output, Contains("cannot write to the output folder"));
}

TEST_CASE("the same bytes under LC_ALL=C and LC_ALL=de_DE.UTF-8", "[cli][locale]") {
  const Result locales = run_shell("locale -a");
  if (locales.output.find("de_DE.utf8") == std::string::npos) {
    WARN("SKIPPED: the de_DE.UTF-8 locale is not installed (tools/test generates it)");
    return;
  }
  TempDir dir;
  REQUIRE(run_shell("LC_ALL=C " + std::string(STANDORT_EXE) + " run -q -o " + (dir / "c").string())
              .code == 0);
  const Result de = run_shell("LC_ALL=de_DE.UTF-8 " + std::string(STANDORT_EXE) + " run -q -o " +
                              (dir / "de").string());
  REQUIRE(de.code == 0);
  const auto c = contents(dir / "c");
  const auto d = contents(dir / "de");
  REQUIRE(c.size() == d.size());
  for (const auto& [name, bytes] : c) {
    INFO(name);
    REQUIRE(d.count(name));
    if (name == "manifest.json") {
      auto a = nlohmann::json::parse(bytes);
      auto b = nlohmann::json::parse(d.at(name));
      for (auto* m : {&a, &b}) {
        m->erase("timings_s");
        m->erase("total_s");
      }
      CHECK(a == b);
      // No decimal commas in the numbers written as text: the run time under the German locale
      // is written with a decimal point.
      const std::string& text = d.at(name);
      const auto at = text.find("\"total_s\": ");
      REQUIRE(at != std::string::npos);
      const std::string value = text.substr(at + 11, text.find_first_of(",\n}", at + 11) - at - 11);
      CHECK(value.find_first_not_of("0123456789.") == std::string::npos);
    } else {
      CHECK(bytes == d.at(name));
    }
  }
}
