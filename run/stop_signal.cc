#include "run/stop_signal.h"

#include <csignal>

namespace tunas::run {

std::atomic<bool>& stop_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

static void on_stop_signal(int) { stop_requested().store(true); }

void install_stop_signal_handlers() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

bool stop_agreed(distributed::Communicator& comm) { return comm.any_true(stop_requested().load()); }

}  // namespace tunas::run
