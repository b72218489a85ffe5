// One data-parallel pass over the K replicas of a step, on one process or on the N ranks of
// an MPI job, with the same result bit for bit (distributed/data_parallel.h has the tree).
//
// Replica r of a step takes the r-th sub-batch of the step from the iterator (so one process
// reads sub-batches 0..K-1 in order; a rank reads only its own and skips the others without
// preprocessing them), runs with masks(r), and:
//   train():    its gradient d(loss_r)/K goes into a leaf of the fixed tree; the tree sum is
//               left in params().grads() on every rank. In stateful BN mode every replica
//               starts from the same moving statistics and the tree mean of the K updated
//               copies is left in bn_statistics() (per-replica batch statistics, like TPU
//               cores; K = 1 is the plain single-batch update). With dropout, replica r of
//               step t draws dropout stream t*K + r.
//   evaluate(): forward only.
// Both return every replica's ReplicaResult (all K, on every rank), in a buffer of the
// ReplicaStep that the next call overwrites; nothing is allocated per step.
#pragma once

#include <cstdint>
#include <vector>

#include "core/function_ref.h"
#include "core/memory.h"
#include "core/tensor.h"
#include "datasets/batch_iterator.h"
#include "distributed/data_parallel.h"
#include "supernet/supernet.h"

namespace tunas::run {

// The step's result from its replicas' (replica order): losses averaged, counts summed. For
// one replica, its own result.
supernet::ReplicaResult combine_replicas(const std::vector<supernet::ReplicaResult>& replicas);

class ReplicaStep {
 public:
  using MasksOf = FunctionRef<const supernet::Masks&(int replica)>;

  ReplicaStep(distributed::DataParallel& dp, supernet::Supernet& net);

  // images: one sub-batch's buffer; labels: images.n() entries. step: the global step t.
  const std::vector<supernet::ReplicaResult>& train(datasets::BatchIterator& data,
                                                    const Tensor& images, std::int32_t* labels,
                                                    MasksOf masks, std::int64_t step);
  const std::vector<supernet::ReplicaResult>& evaluate(datasets::BatchIterator& data,
                                                       const Tensor& images, std::int32_t* labels,
                                                       MasksOf masks);

 private:
  // mine_ (this rank's replicas) -> every replica's results in results_.
  const std::vector<supernet::ReplicaResult>& gather();

  distributed::DataParallel& dp_;
  supernet::Supernet& net_;
  AlignedPtr<float> sum_, bn_start_;
  std::vector<supernet::ReplicaResult> mine_, results_;  // sized once
  std::vector<double> mine_values_, all_values_;
};

}  // namespace tunas::run
