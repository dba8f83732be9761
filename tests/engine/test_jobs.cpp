#include "standort/engine/jobs.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace standort;

TEST_CASE("with one thread, jobs run in wait(), in order, on the caller's thread", "[jobs]") {
  JobQueue jobs(1);
  CHECK(jobs.background_threads() == 0);
  std::vector<int> order;
  std::vector<std::thread::id> ran_on;
  for (int k = 0; k < 5; ++k)
    jobs.add([&, k] {
      order.push_back(k);
      ran_on.push_back(std::this_thread::get_id());
    });
  CHECK(order.empty());  // nothing ran before wait()
  jobs.wait();
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
  for (const auto& id : ran_on) CHECK(id == std::this_thread::get_id());
  // The queue takes new jobs after a wait.
  jobs.add([&] { order.push_back(5); });
  jobs.wait();
  CHECK(order.size() == 6);
}

TEST_CASE("with several threads every job runs exactly once", "[jobs]") {
  JobQueue jobs(4);
  CHECK(jobs.background_threads() == 3);
  std::vector<std::atomic<int>> runs(500);
  for (auto& r : runs) r = 0;
  for (std::size_t k = 0; k < runs.size(); ++k) jobs.add([&, k] { ++runs[k]; });
  jobs.wait();
  for (const auto& r : runs) CHECK(r == 1);
}

TEST_CASE("a failing job cancels the rest and wait() reports the earliest failure", "[jobs]") {
  for (int threads : {1, 2, 4}) {
    INFO(threads << " threads");
    JobQueue jobs(threads);
    std::atomic<int> ran{0};
    for (int k = 0; k < 200; ++k)
      jobs.add([&, k] {
        ++ran;
        if (k == 10 || k == 50) throw std::runtime_error("job " + std::to_string(k) + " failed");
      });
    CHECK_THROWS_WITH(jobs.wait(), "job 10 failed");
    CHECK(ran < 200);
    if (threads == 1) CHECK(ran == 11);
    // After the report the queue works again.
    bool again = false;
    jobs.add([&] { again = true; });
    jobs.wait();
    CHECK(again);
  }
}

TEST_CASE("destroying the queue drops the jobs not started and waits for the running ones",
          "[jobs]") {
  std::atomic<int> started{0}, finished{0};
  {
    JobQueue jobs(3);
    for (int k = 0; k < 1000; ++k)
      jobs.add([&] {
        ++started;
        volatile double x = 0.0;
        for (int i = 0; i < 20000; ++i) x = x + 1.0;
        ++finished;
      });
  }
  CHECK(started == finished);
  CHECK(started <= 1000);
}
