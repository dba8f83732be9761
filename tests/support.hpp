// Helpers shared by the tests: where the real Bochum data lives (skipped visibly when absent)
// and a scratch folder that removes itself.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <random>
#include <string>

namespace standort::test {

/// ../shared/data/bochum, or "" when it is not there.
inline std::filesystem::path shared_data() {
  const std::filesystem::path p(STANDORT_SHARED_DATA);
  return std::filesystem::exists(p / "SOURCES.md") ? p : std::filesystem::path();
}

/// Use at the top of a test that needs the shared data: warns visibly and returns when absent.
#define STANDORT_REQUIRE_SHARED_DATA(var)                                                        \
  const std::filesystem::path var = ::standort::test::shared_data();                             \
  if (var.empty()) {                                                                             \
    WARN("SKIPPED: ../shared/data/bochum is not present; this test needs the real Bochum data"); \
    return;                                                                                      \
  }

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    m_path = std::filesystem::temp_directory_path() /
             ("standort-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

 private:
  std::filesystem::path m_path;
};

}  // namespace standort::test
