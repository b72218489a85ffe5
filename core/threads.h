// Threading: TBB inside operators; kernels stay single-threaded (STYLE.md G1, G2).
//
// set_num_threads() caps every later parallel_for (a tbb::global_control for the
// process). With TUNAS_THREADING=SEQ everything runs on the calling thread; STD starts
// std::threads per call (slow; for ThreadSanitizer, which cannot see inside libtbb).
// Results must never depend on the thread count: partition work so that every output
// element is written by exactly one task, and reduce in a fixed order.
#pragma once

#include <cstdint>

#include "core/function_ref.h"

namespace tunas {

// 0 = all hardware threads. Returns the count now in force.
int set_num_threads(int threads);
int num_threads();

// Calls body(begin, end) on disjoint sub-ranges covering [0, count), each at least `grain`
// long (except the last). Blocks until all are done. `body` is only referenced, not copied:
// a step's many parallel_for calls allocate nothing.
void parallel_for(std::int64_t count, std::int64_t grain,
                  FunctionRef<void(std::int64_t, std::int64_t)> body);

}  // namespace tunas
