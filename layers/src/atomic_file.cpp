#include "standort/layers/atomic_file.hpp"

#include "standort/engine/error.hpp"

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <sys/file.h>
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

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

std::set<std::filesystem::path>& registry() {
  static std::set<std::filesystem::path> paths;
  return paths;
}

}  // namespace

void register_temporary(const std::filesystem::path& path) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  registry().insert(path);
}

void unregister_temporary(const std::filesystem::path& path) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  registry().erase(path);
}

std::vector<std::filesystem::path> freeze_temporaries() {
  registry_mutex().lock();  // never unlocked: the process ends while it is held
  return {registry().begin(), registry().end()};
}

void remove_temporaries(const std::vector<std::filesystem::path>& paths) {
  for (const auto& p : paths) {
    const std::string name = p.filename().string();
    if (name.find(temp_marker) == std::string::npos) continue;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(p.parent_path(), ec)) {
      const std::string sibling = entry.path().filename().string();
      // The name itself or the name with a suffix ("-journal"), but not a longer number: the
      // temporaries of process 12345 are not this process's (1234) with a digit added.
      const bool side_file = sibling.size() > name.size() &&
                             !std::isdigit(static_cast<unsigned char>(sibling[name.size()]));
      if (sibling.compare(0, name.size(), name) == 0 &&
          (sibling.size() == name.size() || side_file)) {
        std::error_code ignored;
        std::filesystem::remove_all(entry.path(), ignored);
      }
    }
  }
}

std::mutex& publish_mutex() {
  static std::mutex m;
  return m;
}

std::filesystem::path staging_folder(const std::filesystem::path& folder) {
  std::string name(".staging");
  name += temp_marker;
  name += std::to_string(::getpid());
  return folder / name;
}

AtomicPath::AtomicPath(std::filesystem::path target)
    : m_target(std::move(target)), m_temp(temp_name(m_target)) {
  register_temporary(m_temp);
}

AtomicPath::~AtomicPath() {
  if (!m_committed) {
    std::error_code ec;
    std::filesystem::remove(m_temp, ec);
  }
  unregister_temporary(m_temp);
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

FolderLock::FolderLock(const std::filesystem::path& folder) {
  const std::filesystem::path file = folder / ".standort.lock";
  m_fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (m_fd < 0)
    throw InputError(folder.string() + ": cannot write to the output folder (" +
                     std::strerror(errno) + "); choose a writable folder with -o");
  if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char pid[32] = {};
    const ssize_t n = ::pread(m_fd, pid, sizeof pid - 1, 0);
    ::close(m_fd);
    m_fd = -1;
    if (error == EWOULDBLOCK)
      throw InputError(folder.string() + ": another standort run" +
                       (n > 0 ? " (process " + std::string(pid, static_cast<std::size_t>(n)) + ")"
                              : std::string()) +
                       " is writing to this output folder; wait for it to finish or choose "
                       "another folder with -o");
    throw InputError(folder.string() + ": cannot lock the output folder (" + std::strerror(error) +
                     "); choose another folder with -o");
  }
  // Who holds the lock, for the message another run prints.
  const std::string pid = std::to_string(::getpid());
  [[maybe_unused]] const bool noted =
      ::ftruncate(m_fd, 0) == 0 &&
      ::pwrite(m_fd, pid.data(), pid.size(), 0) == static_cast<ssize_t>(pid.size());
}

FolderLock::~FolderLock() {
  if (m_fd >= 0) ::close(m_fd);  // closing releases the flock
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
