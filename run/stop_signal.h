// The stop signal of a run: SIGINT/SIGTERM (or a test) set a flag; the step loop
// (run/step_loop.h) stops after the current step, saves a checkpoint and returns with
// interrupted = true.
#pragma once

#include <atomic>

#include "distributed/communicator.h"

namespace tunas::run {

std::atomic<bool>& stop_requested();
void install_stop_signal_handlers();

// True when any rank's flag is set, so that every rank stops at the same step.
bool stop_agreed(distributed::Communicator& comm);

}  // namespace tunas::run
