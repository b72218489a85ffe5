// Times one fixed-tree gradient reduction (distributed/data_parallel.h) of a vector of
// --floats floats across the ranks of an mpirun job: the ranks' partial sums combined pairwise
// up the tree, then broadcast from rank 0. One replica per rank, leaves filled with a
// constant, so only the exchange and the additions are timed. docs/SCALING.md uses it for
// the latency and bandwidth of the link (shared memory, or TCP over a veth pair).
//
//   mpirun -np 2 build/bin/tunas_bench_tree_sum [--floats N] [--iterations I]
//
// Prints, from rank 0: ranks, hosts, floats, bytes, median and minimum ms per reduction,
// and bytes sent + received by rank 0 per reduction.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/memory.h"
#include "run/option_table.h"
#include "distributed/tool_main.h"
#include "distributed/data_parallel.h"

namespace {

struct TreeSumOptions {
  std::int64_t floats = 1 << 20;
  int iterations = 20;
};

const tunas::OptionTable<TreeSumOptions>& table() {
  using C = TreeSumOptions;
  static const tunas::OptionTable<C> t({
      tunas::option("floats", &C::floats, "floats per reduction").above(0),
      tunas::option("iterations", &C::iterations, "timed reductions").above(0),
  });
  return t;
}

int bench_main(tunas::distributed::Communicator& comm, int argc, char** argv) {
  TreeSumOptions o;
  if (!table().parse_tool(o, argc, argv,
                          "usage: mpirun -np R tunas_bench_tree_sum [--floats N] [--iterations I]\n"))
    return 0;
  const std::int64_t floats = o.floats;
  const int iterations = o.iterations;
  tunas::distributed::DataParallel dp(comm, comm.size());
  auto sum = tunas::aligned_array<float>(std::size_t(floats));
  const auto leaf = [&](int r, float* out) { std::fill_n(out, floats, float(r + 1)); };
  dp.tree_sum(floats, leaf, sum.get());  // warm-up: buffers, connections
  const tunas::distributed::CommStats before = comm.stats();
  std::vector<double> ms;
  for (int it = 0; it < iterations; ++it) {
    (void)comm.any_true(false);  // start together
    const auto t0 = std::chrono::steady_clock::now();
    dp.tree_sum(floats, leaf, sum.get());
    ms.push_back(1e3 * std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  const double expected = double(comm.size()) * (comm.size() + 1) / 2;
  TUNAS_REQUIRE(sum[0] == float(expected) && sum[std::size_t(floats - 1)] == float(expected),
                "wrong sum ", sum[0], ", expected ", expected);
  std::sort(ms.begin(), ms.end());
  const tunas::distributed::CommStats& after = comm.stats();
  // any_true moves a few bytes per call; it is not counted (MPI_Allreduce of one int).
  const double moved = double(after.bytes_sent + after.bytes_received - before.bytes_sent -
                              before.bytes_received) / iterations;
  if (comm.rank() == 0)
    std::printf("%s: floats %lld (%lld bytes): median %.3f ms, min %.3f ms per reduction; rank 0 "
                "moved %.0f bytes per reduction\n",
                comm.describe().c_str(), (long long)floats, (long long)floats * 4,
                ms[ms.size() / 2], ms.front(), moved);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return tunas::distributed::run_distributed_tool("tunas_bench_tree_sum", bench_main, argc, argv);
}
