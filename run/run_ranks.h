// The ranks of a run: one process, or the tool's communicator under mpirun. The K replicas of
// a step are split over them (run/replica_step.h); only rank 0 writes files and progress.
#pragma once

#include <memory>

#include "distributed/communicator.h"
#include "distributed/data_parallel.h"
#include "run/replica_step.h"
#include "supernet/supernet.h"

namespace tunas::run {

class RunRanks {
 public:
  RunRanks() = default;
  RunRanks(const RunRanks&) = delete;
  RunRanks& operator=(const RunRanks&) = delete;

  // The tool's communicator (nullptr: this process alone).
  void use(distributed::Communicator* comm) {
    if (comm != nullptr) comm_ = comm;
  }
  distributed::Communicator& comm() { return *comm_; }
  bool writes_files() const { return comm_->rank() == 0; }

  // Splits `replicas` replicas of each step of `net` over the ranks.
  void start_replicas(int replicas, supernet::Supernet& net) {
    dp_ = std::make_unique<distributed::DataParallel>(*comm_, replicas);
    replica_step_ = std::make_unique<ReplicaStep>(*dp_, net);
  }
  ReplicaStep& replica_step() { return *replica_step_; }

 private:
  distributed::SingleProcessCommunicator own_;
  distributed::Communicator* comm_ = &own_;
  std::unique_ptr<distributed::DataParallel> dp_;
  std::unique_ptr<ReplicaStep> replica_step_;
};

}  // namespace tunas::run
