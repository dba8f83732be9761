// Atomic writes: every output is written under a temporary name in its target folder and renamed
// over the final name only after a checked close, so readers never see half-written files.
#pragma once

#include <filesystem>
#include <string_view>

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

/// Removes temporary files left in `folder` by an interrupted earlier run.
void remove_stale_temporaries(const std::filesystem::path& folder);

}  // namespace standort::layers
