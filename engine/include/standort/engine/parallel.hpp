// Row-parallel loops. Each row is computed by exactly one thread from inputs only, so results do
// not depend on the thread count; blocks are contiguous to keep caches warm.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace standort {

/// More threads than this never help on the machines standort runs on.
constexpr int max_threads = 256;

/// Threads to use: `requested` when > 0 (at most max_threads), otherwise the hardware concurrency.
inline int resolve_threads(int requested) {
  if (requested > 0) return std::min(requested, max_threads);
  return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, max_threads);
}

/// Calls body(begin, end) on disjoint blocks of [0, count) (at most `max_block` long) from up to
/// `threads` threads. The first exception thrown by any block is rethrown after all threads
/// joined.
template <class Body>
void parallel_for_blocks(std::int64_t count, int threads, Body&& body,
                         std::int64_t max_block = 64) {
  threads = resolve_threads(threads);
  if (count <= 0) return;
  const std::int64_t block = std::max<std::int64_t>(
      1, std::min<std::int64_t>(max_block, count / (std::int64_t{threads} * 4) + 1));
  if (threads == 1 || count <= block) {
    body(std::int64_t{0}, count);
    return;
  }
  std::atomic<std::int64_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (;;) {
      const std::int64_t begin = next.fetch_add(block);
      if (begin >= count) return;
      try {
        body(begin, std::min(count, begin + block));
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next.store(count);
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads - 1));
  for (int t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // the system gives no more threads: carry on with those started
    }
  }
  worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace standort
