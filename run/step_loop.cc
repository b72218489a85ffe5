#include "run/step_loop.h"

#include "run/stop_signal.h"

namespace tunas::run {

void run_step_loop(const StepLoop& loop, distributed::Communicator& comm, const Progress& progress,
                   RunOutcome& outcome) {
  outcome.total_steps = loop.total_steps;
  outcome.steps_this_call = 0;
  outcome.interrupted = false;
  while (loop.step() < loop.total_steps) {
    if (loop.max_steps >= 0 && outcome.steps_this_call >= loop.max_steps) break;
    if (stop_agreed(comm)) {
      outcome.interrupted = true;
      break;
    }
    loop.run_step();
    ++outcome.steps_this_call;
    const std::int64_t done = loop.step();
    if (done % loop.checkpoint_every == 0 || done == loop.total_steps) loop.save_checkpoint();
  }
  progress.finish();
  if (loop.last_checkpoint_step() != loop.step()) loop.save_checkpoint();
  outcome.steps_done = loop.step();
}

}  // namespace tunas::run
