#include <doctest/doctest.h>

#include <atomic>
#include <vector>

#include "core/threads.h"

TEST_CASE("parallel_for covers every index exactly once at any thread count") {
  for (int threads : {1, 2, 3}) {
    tunas::set_num_threads(threads);
    std::vector<std::atomic<int>> hits(1000);
    tunas::parallel_for(1000, 7, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) hits[i]++;
    });
    for (auto& h : hits) CHECK(h.load() == 1);
  }
  tunas::set_num_threads(0);
  CHECK(tunas::num_threads() >= 1);
}
