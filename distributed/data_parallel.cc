#include "distributed/data_parallel.h"

#include <cstring>

#include "core/error.h"
#include "core/threads.h"

namespace tunas::distributed {

namespace {

// out[i] = out[i] + in[i]: the tree's only arithmetic.
void add_into(float* out, const float* in, std::int64_t n) {
  parallel_for(n, 1 << 15, [=](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) out[i] += in[i];
  });
}

}  // namespace

void check_partition(int replicas, int ranks) {
  TUNAS_REQUIRE(ranks >= 1 && replicas >= 1, "bad partition: ", replicas, " replicas over ",
                ranks, " ranks");
  TUNAS_REQUIRE(replicas % ranks == 0, "--replicas ", replicas, " is not a multiple of the ",
                ranks, " MPI ranks: every rank trains the same number of replicas (valid: "
                "--replicas a multiple of ", ranks, ", or mpirun -np a power of two dividing ",
                replicas, ")");
  TUNAS_REQUIRE((ranks & (ranks - 1)) == 0, "mpirun -np ", ranks,
                " is not a power of two: the ranks combine their gradients along the fixed "
                "binary tree of a one-process run, which needs 1, 2, 4, 8, ... ranks");
}

DataParallel::DataParallel(Communicator& comm, int replicas) : comm_(comm), replicas_(replicas) {
  check_partition(replicas, comm.size());
  const int per_rank = replicas / comm.size();
  first_ = comm.rank() * per_rank;
  end_ = first_ + per_rank;
}

float* DataParallel::scratch(std::size_t depth, std::int64_t n) {
  if (n > scratch_floats_) {
    scratch_.clear();
    received_.reset();
    scratch_floats_ = n;
  }
  while (scratch_.size() <= depth) scratch_.push_back(aligned_array<float>(std::size_t(scratch_floats_)));
  return scratch_[depth].get();
}

void DataParallel::local_sum(int lo, int hi, std::size_t depth, std::int64_t n, const Leaf& leaf,
                             float* out) {
  if (hi - lo == 1) {
    leaf(lo, out);
    return;
  }
  const int mid = tree_mid(lo, hi);
  local_sum(lo, mid, depth + 1, n, leaf, out);
  float* right = scratch(depth, n);
  local_sum(mid, hi, depth + 1, n, leaf, right);
  add_into(out, right, n);
}

void DataParallel::tree_sum(std::int64_t n, const Leaf& leaf, float* sum) {
  last_sum_bytes_ = n * std::int64_t(sizeof(float));
  local_sum(first_, end_, 0, n, leaf, sum);
  const int rank = comm_.rank(), size = comm_.size();
  if (size == 1) return;
  // The upper levels of the same tree: rank q + d's subtree is the right operand of q's.
  if (n > scratch_floats_) (void)scratch(0, n);  // sizes the buffers
  if (!received_) received_ = aligned_array<float>(std::size_t(scratch_floats_));
  float* received = received_.get();
  for (int d = 1; d < size; d *= 2) {
    if (rank % (2 * d) == 0) {
      comm_.recv(rank + d, received, std::size_t(n) * sizeof(float));
      add_into(sum, received, n);
    } else {
      comm_.send(rank - d, sum, std::size_t(n) * sizeof(float));
      break;
    }
  }
  comm_.broadcast(sum, std::size_t(n) * sizeof(float));
}

void DataParallel::gather(std::span<const double> mine, int per_replica, std::span<double> all) {
  const std::size_t local = std::size_t(end_ - first_) * std::size_t(per_replica);
  TUNAS_CHECK(mine.size() == local, "gather: ", mine.size(), " values, expected ", local);
  TUNAS_CHECK(all.size() == std::size_t(replicas_) * std::size_t(per_replica), "gather: room for ",
              all.size(), " values, expected ", std::size_t(replicas_) * std::size_t(per_replica));
  comm_.allgather(mine.data(), local * sizeof(double), all.data());
}

}  // namespace tunas::distributed
