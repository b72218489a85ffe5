// The loop of a run, the same for the search and stand-alone training: steps until the last
// one, until max_steps more have run (tests; < 0 = no limit) or until a stop agreed by every
// rank (run/stop_signal.h); a checkpoint every checkpoint_every steps, at the last step, and
// at the end when the last one is older than the step reached.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "distributed/communicator.h"
#include "run/progress.h"

namespace tunas::run {

struct StepLoop {
  std::int64_t total_steps = 0;
  std::int64_t checkpoint_every = 1;
  std::int64_t max_steps = -1;
  // The run's global step (the next step to run).
  std::function<std::int64_t()> step;
  // Runs one step, advancing step() by one.
  std::function<void()> run_step;
  // Writes a checkpoint of the current step.
  std::function<void()> save_checkpoint;
  // The step of the latest checkpoint (< 0: none yet).
  std::function<std::int64_t()> last_checkpoint_step;
};

// What a run's run() returns; the search and training add their results.
struct RunOutcome {
  std::int64_t steps_done = 0;  // global step reached
  std::int64_t total_steps = 0;
  std::int64_t steps_this_call = 0;
  bool interrupted = false;  // by the stop signal
  std::string run_dir;
};

// Fills outcome's steps and interrupted.
void run_step_loop(const StepLoop& loop, distributed::Communicator& comm, const Progress& progress,
                   RunOutcome& outcome);

}  // namespace tunas::run
