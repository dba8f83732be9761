// Helpers of the command-line tests: run the standort executable and read what it wrote.
#pragma once

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace standort::test {

struct Result {
  int code = -1;
  std::string output;
};

/// Runs a shell command line, stdout and stderr together.
inline Result run_shell(const std::string& command) {
  Result r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe);
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), static_cast<int>(buf.size()), pipe)) r.output += buf.data();
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// Runs the standort executable with `args` (in `cwd` when given), stdout and stderr together.
inline Result run(const std::string& args, const std::string& cwd = "") {
  return run_shell((cwd.empty() ? std::string() : "cd '" + cwd + "' && ") +
                   std::string(STANDORT_EXE) + " " + args);
}

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

inline std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The visible files of `dir` (the outputs): hidden ones (the folder's ".standort.lock") are not
/// counted; 0 when `dir` does not exist.
inline std::size_t file_count(const std::filesystem::path& dir) {
  if (!std::filesystem::exists(dir)) return 0;
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().rfind('.', 0) != 0) ++n;
  return n;
}

}  // namespace standort::test
