#include "core/threads.h"

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include "core/error.h"

#if defined(TUNAS_THREADING_TBB)
#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#endif

namespace tunas {

namespace {
int g_threads = 0;
#if defined(TUNAS_THREADING_TBB)
std::unique_ptr<tbb::global_control>& control() {
  static std::unique_ptr<tbb::global_control> c;
  return c;
}
#endif
int hardware_threads() { return std::max(1u, std::thread::hardware_concurrency()); }
}  // namespace

int set_num_threads(int threads) {
  TUNAS_REQUIRE(threads >= 0, "thread count must be >= 0 (0 = all), got ", threads);
  g_threads = threads == 0 ? hardware_threads() : threads;
#if defined(TUNAS_THREADING_TBB)
  control().reset();
  control() = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<std::size_t>(g_threads));
#elif defined(TUNAS_THREADING_STD)
  // Nothing to configure: parallel_for reads num_threads() on every call.
#else
  g_threads = 1;
#endif
  return g_threads;
}

int num_threads() {
#if defined(TUNAS_THREADING_TBB) || defined(TUNAS_THREADING_STD)
  return g_threads == 0 ? hardware_threads() : g_threads;
#else
  return 1;
#endif
}

void parallel_for(std::int64_t count, std::int64_t grain,
                  FunctionRef<void(std::int64_t, std::int64_t)> body) {
  if (count <= 0) return;
  grain = std::max<std::int64_t>(grain, 1);
#if defined(TUNAS_THREADING_TBB)
  if (count <= grain || num_threads() == 1) {
    body(0, count);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, count, grain),
                    [&](const tbb::blocked_range<std::int64_t>& r) { body(r.begin(), r.end()); },
                    tbb::simple_partitioner());
#elif defined(TUNAS_THREADING_STD)
  // Threads started per call, each given every workers-th chunk of `grain`: slow, but every
  // synchronisation is std::thread's, which ThreadSanitizer sees (TBB's scheduler
  // synchronises inside libtbb, which is not instrumented), and every thread certainly runs
  // chunks (a shared counter lets the calling thread take them all before a helper starts,
  // leaving TSan nothing concurrent to check). For TSan builds.
  const std::int64_t chunks = (count + grain - 1) / grain;
  const std::int64_t workers = std::min<std::int64_t>(num_threads(), chunks);
  if (workers == 1) {
    body(0, count);
    return;
  }
  auto work = [&](std::int64_t first) {
    for (std::int64_t c = first; c < chunks; c += workers) {
      body(c * grain, std::min(count, (c + 1) * grain));
    }
  };
  std::vector<std::thread> helpers;
  for (std::int64_t t = 1; t < workers; ++t) helpers.emplace_back(work, t);
  work(0);
  for (std::thread& t : helpers) t.join();
#else
  body(0, count);
#endif
}

}  // namespace tunas
