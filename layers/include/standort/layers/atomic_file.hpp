// Atomic writes: every output is written under a temporary name in its target folder and renamed
// over the final name only after a checked close, so readers never see half-written files. Also
// what keeps an output folder consistent when runs are interrupted or overlap: a registry of the
// temporaries a signal must remove, a lock per output folder, and a guard for the moments when
// finished files are moved into place.
#pragma once

#include <filesystem>
#include <mutex>
#include <string_view>
#include <vector>

namespace standort::layers {

/// A temporary path beside `target`; removed on destruction unless commit() renamed it.
class AtomicPath {
 public:
  explicit AtomicPath(std::filesystem::path target);
  ~AtomicPath();
  AtomicPath(const AtomicPath&) = delete;
  AtomicPath& operator=(const AtomicPath&) = delete;

  const std::filesystem::path& temp() const { return m_temp; }
  const std::filesystem::path& target() const { return m_target; }
  /// Renames the temporary file onto the target. Throws std::runtime_error on failure.
  void commit();

 private:
  std::filesystem::path m_target;
  std::filesystem::path m_temp;
  bool m_committed = false;
};

/// Writes `content` to `target` atomically (temporary file, flush and close checked, rename).
void write_text_atomic(const std::filesystem::path& target, std::string_view content);

/// Removes temporary files and staging folders left in `folder` by an interrupted earlier run.
/// Call it only while holding the folder's FolderLock: another run's temporaries look the same.
void remove_stale_temporaries(const std::filesystem::path& folder);

/// A hidden folder inside `folder` where a run writes all its outputs before moving them into
/// place together; registered as a temporary (removed on an interrupting signal) until
/// unregistered, and removed by remove_stale_temporaries when a killed run left it.
std::filesystem::path staging_folder(const std::filesystem::path& folder);

/// Temporaries an interrupting signal removes: files being written and staging folders.
void register_temporary(const std::filesystem::path& path);
void unregister_temporary(const std::filesystem::path& path);
/// For the signal watcher only: the registered temporaries, after which the registry stays locked
/// for the rest of the process's life, so that no thread can register (and then create) another.
std::vector<std::filesystem::path> freeze_temporaries();
/// Removes each of `paths` (recursively) with the side files GDAL may have written beside it (its
/// name with a suffix, such as "-journal" or ".aux.xml"). A path whose name does not carry the
/// temporary marker is left alone, so a wrong argument can never remove an output or a user's file.
void remove_temporaries(const std::vector<std::filesystem::path>& paths);

/// Held while finished files are moved into place, so that an interrupting signal waits for the
/// moves to end instead of leaving a folder half old, half new.
std::mutex& publish_mutex();

/// An exclusive lock on an output folder (flock on its hidden ".standort.lock"), held for the
/// object's life and released by the kernel if the process dies. A second run writing to the
/// same folder gets InputError naming the folder and the process holding it.
class FolderLock {
 public:
  explicit FolderLock(const std::filesystem::path& folder);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int m_fd = -1;
};

}  // namespace standort::layers
