#include "standort/engine/jobs.hpp"

#include "standort/engine/parallel.hpp"

#include <system_error>

namespace standort {

JobQueue::JobQueue(int threads) {
  const int background = resolve_threads(threads) - 1;
  for (int t = 0; t < background; ++t) {
    try {
      m_threads.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
      break;  // the system gives no more threads: the caller runs the rest in wait()
    }
  }
}

JobQueue::~JobQueue() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_queue.clear();
    m_stop = true;
  }
  m_changed.notify_all();
  for (std::thread& t : m_threads) t.join();
}

void JobQueue::add(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    // After a failure nothing new starts: wait() reports the failure.
    if (m_error) return;
    m_queue.emplace_back(m_added++, std::move(job));
  }
  m_changed.notify_one();
}

bool JobQueue::run_next(std::unique_lock<std::mutex>& lock) {
  if (m_queue.empty()) return false;
  auto [index, job] = std::move(m_queue.front());
  m_queue.pop_front();
  ++m_running;
  lock.unlock();
  std::exception_ptr error;
  try {
    job();
  } catch (...) {
    error = std::current_exception();
  }
  job = nullptr;  // what the job holds is released before it counts as finished
  lock.lock();
  --m_running;
  if (error) {
    if (!m_error || index < m_error_index) {
      m_error = error;
      m_error_index = index;
    }
    m_queue.clear();
  }
  m_changed.notify_all();
  return true;
}

void JobQueue::work() {
  std::unique_lock<std::mutex> lock(m_mutex);
  for (;;) {
    m_changed.wait(lock, [&] { return m_stop || !m_queue.empty(); });
    if (!run_next(lock) && m_stop) return;
  }
}

void JobQueue::wait() {
  std::unique_lock<std::mutex> lock(m_mutex);
  while (run_next(lock)) {
  }
  m_changed.wait(lock, [&] { return m_running == 0 && m_queue.empty(); });
  if (m_error) {
    std::exception_ptr error = std::exchange(m_error, nullptr);
    std::rethrow_exception(error);
  }
}

}  // namespace standort
