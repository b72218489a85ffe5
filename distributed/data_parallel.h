// K replicas spread over the N ranks of a communicator, and the reductions of one
// data-parallel step: a fixed-order tree sum of per-replica vectors (gradients, BN
// statistics) and an exact gather of per-replica scalars (losses, accuracies, rewards).
//
// Partition: rank q owns the contiguous replicas [q*K/N, (q+1)*K/N). K must be a multiple of
// N and N a power of two.
//
// The tree: the sum over replicas [lo, hi) is sum[lo, mid) + sum[mid, hi) with
// mid = lo + (hi - lo) / 2, and a leaf is one replica's vector. A one-process run evaluates the
// whole tree itself. With N ranks (N a power of two dividing K) every rank's range is a
// subtree, so a rank evaluates its subtree and the ranks combine their partial sums pairwise
// (rank q + d into rank q, d = 1, 2, 4, ...), which is exactly the upper part of the same
// tree. Every addition has the same operands as in one process, so the sum is bitwise the
// same for every N. Rank 0 then broadcasts it. Additions are element-wise (parallel_for), so
// the thread count does not change a bit either.
//
// Scalars are gathered, never summed across ranks: every rank ends up with every replica's
// values, bit for bit what the replica computed, and reduces them in replica order itself.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/function_ref.h"
#include "core/memory.h"
#include "distributed/communicator.h"

namespace tunas::distributed {

// Throws tunas::Error unless ranks is a power of two that divides replicas.
void check_partition(int replicas, int ranks);

// The split point of the tree over [lo, hi) (hi - lo >= 2).
inline int tree_mid(int lo, int hi) { return lo + (hi - lo) / 2; }

class DataParallel {
 public:
  // Throws tunas::Error from check_partition (same message on every rank).
  DataParallel(Communicator& comm, int replicas);

  Communicator& comm() { return comm_; }
  int replicas() const { return replicas_; }
  int first_replica() const { return first_; }  // this rank's replicas: [first, end)
  int end_replica() const { return end_; }
  bool writes_files() const { return comm_.rank() == 0; }

  // Writes replica r's n floats into out (which holds garbage on entry).
  using Leaf = FunctionRef<void(int replica, float* out)>;  // refers to the caller's callable

  // The tree sum over all K replicas of leaf(r) into sum (n floats), on every rank. leaf is
  // called for this rank's replicas only, in increasing order; it may use any shared state
  // (it is called on this thread, one replica at a time).
  void tree_sum(std::int64_t n, const Leaf& leaf, float* sum);

  // Every replica's values: `mine` holds per_replica doubles for each of this rank's
  // replicas in order; `all` receives K * per_replica doubles in replica order, on every rank.
  void gather(std::span<const double> mine, int per_replica, std::span<double> all);

  // Bytes of the last tree_sum's vector (4 n); for logs and docs/SCALING.md.
  std::int64_t last_sum_bytes() const { return last_sum_bytes_; }

 private:
  void local_sum(int lo, int hi, std::size_t depth, std::int64_t n, const Leaf& leaf, float* out);
  float* scratch(std::size_t depth, std::int64_t n);

  Communicator& comm_;
  int replicas_ = 1, first_ = 0, end_ = 1;
  std::vector<AlignedPtr<float>> scratch_;  // one buffer per tree depth
  AlignedPtr<float> received_;              // a peer rank's partial sum
  std::int64_t scratch_floats_ = 0;
  std::int64_t last_sum_bytes_ = 0;
};

}  // namespace tunas::distributed
