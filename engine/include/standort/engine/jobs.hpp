// Jobs that run beside the caller: a run writes each output file as soon as the rasters it needs
// are final, while it goes on computing the next ones.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace standort {

/// Independent jobs, started in the order they are added by `threads - 1` background threads and,
/// inside wait(), by the caller as well, so that all `threads` threads are busy once the caller has
/// nothing else to do. With one thread nothing runs in the background: wait() runs every job on
/// the caller's thread, in order.
///
/// A job that throws cancels the jobs not yet started; wait() rethrows the exception of the
/// earliest-added job that failed. The destructor drops the jobs not started and waits for the
/// running ones: whatever a job uses must outlive the queue.
class JobQueue {
 public:
  explicit JobQueue(int threads);
  ~JobQueue();
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  void add(std::function<void()> job);
  /// Runs jobs until every job added has finished, then rethrows the first failure (if any).
  void wait();
  /// Background threads actually started (0 with one thread, or when the system gives none).
  std::size_t background_threads() const { return m_threads.size(); }

 private:
  /// Runs the next queued job with `lock` released meanwhile; false when none is queued.
  bool run_next(std::unique_lock<std::mutex>& lock);
  void work();

  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<std::pair<std::size_t, std::function<void()>>> m_queue;
  std::size_t m_added = 0;
  std::size_t m_running = 0;
  bool m_stop = false;
  std::size_t m_error_index = 0;
  std::exception_ptr m_error;
  std::vector<std::thread> m_threads;
};

}  // namespace standort
