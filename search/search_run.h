// One TuNAS search run (spec §6.3): the loop that alternates shared-weight RMSProp steps on
// K sampled architectures with REINFORCE updates of the policy, and everything around it:
// the run directory, logs, progress, checkpoints, resume, interruption and the export of
// the final architecture.
//
// Run directory (<out>/):
//   params.json               every resolved setting (a valid --config file; spec §7.1 keys)
//   space.yaml                the searched space as given
//   log.jsonl                 one JSON record every log_every steps (spec §7.2 scalars)
//   checkpoint.bin            the latest checkpoint (atomic: temp file + rename)
//   final_architecture.json   {"indices", "latency_ms" | cost, "macs", "params", layers...}
//
// Determinism: a run is a pure function of its settings and seed; neither the thread count
// nor the number of MPI ranks changes any number (the replica gradients are summed along one
// fixed tree, run/replica_step.h), and a run resumed from a checkpoint, on any number of
// ranks, ends bit for bit where an uninterrupted run ends.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/json.h"
#include "distributed/communicator.h"
#include "run/step_loop.h"
#include "search/search_config.h"

namespace tunas::search {

struct SearchOutcome : run::RunOutcome {
  std::string final_indices;  // "i:j:..." of the argmax architecture (also when interrupted)
  double final_cost = 0;      // its cost under the run's cost model
};

class SearchRun {
 public:
  // Loads the space, data, cost model, supernet and controller; with config.resume, restores
  // the latest checkpoint of config.out (throws tunas::Error when there is none or when it
  // belongs to other settings). Writes params.json and space.yaml.
  // With comm (the tool's, under mpirun) the K replicas are split over its ranks: every rank
  // loads the run, the ranks agree that they all could and that their settings and binaries
  // match (distributed/agreement.h; else every rank throws the same AgreedError and nothing
  // is written), and only rank 0 writes files and progress. The result is bitwise that of
  // one process. --resume reads the run directory on every rank (a shared filesystem).
  explicit SearchRun(SearchConfig config, distributed::Communicator* comm = nullptr);
  ~SearchRun();

  // Runs until the last step (or max_steps more steps, for tests; < 0 = no limit) or an
  // interruption (run/stop_signal.h). A non-finite loss stops the run with tunas::Error naming the step; the last
  // checkpoint is left as it was.
  SearchOutcome run(std::int64_t max_steps = -1);

  const SearchConfig& config() const;
  std::int64_t total_steps() const;
  // The supernet workspace arena's capacity and high-water mark (the soak test samples them).
  std::size_t arena_capacity_bytes() const;
  std::size_t arena_high_water_bytes() const;

  struct State;  // the loaded run; defined in search_run.cc

 private:
  std::unique_ptr<State> s_;
};

// Rewrites <run_dir>/final_architecture.json from the run's latest checkpoint (finished or
// not). With weights_path non-empty, also writes the supernet weights of that architecture's
// path (every parameter the architecture uses, as a checkpoint-format file). Returns the
// written JSON.
Json export_final_architecture(const std::string& run_dir, const std::string& weights_path = "");

}  // namespace tunas::search
