#include "standort/layers/atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

namespace standort::layers {
namespace {

constexpr std::string_view temp_marker = ".standort-tmp.";

std::filesystem::path temp_name(const std::filesystem::path& target) {
  static std::atomic<unsigned> counter{0};
  std::string name(".");
  name += target.filename().string();
  name += temp_marker;
  name += std::to_string(::getpid());
  name += '.';
  name += std::to_string(counter.fetch_add(1));
  return target.parent_path() / name;
}

}  // namespace

AtomicPath::AtomicPath(std::filesystem::path target)
    : m_target(std::move(target)), m_temp(temp_name(m_target)) {}

AtomicPath::~AtomicPath() {
  if (!m_committed) {
    std::error_code ec;
    std::filesystem::remove(m_temp, ec);
  }
}

void AtomicPath::commit() {
  std::error_code ec;
  std::filesystem::rename(m_temp, m_target, ec);
  if (ec)
    throw std::runtime_error(m_target.string() +
                             ": cannot move the finished file into place: " + ec.message());
  m_committed = true;
}

void write_text_atomic(const std::filesystem::path& target, std::string_view content) {
  AtomicPath tmp(target);
  std::FILE* f = std::fopen(tmp.temp().c_str(), "wb");
  if (!f) throw std::runtime_error(target.string() + ": cannot write: " + std::strerror(errno));
  const bool written = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  const bool flushed = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const int saved = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !flushed || !closed)
    throw std::runtime_error(target.string() +
                             ": writing failed: " + std::strerror(saved ? saved : errno));
  tmp.commit();
}

void remove_stale_temporaries(const std::filesystem::path& folder) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 1 && name[0] == '.' && name.find(temp_marker) != std::string::npos)
      std::filesystem::remove_all(entry.path(), ec);
  }
}

}  // namespace standort::layers
