// tunas_search: the TuNAS weight-sharing architecture search (see --help and README.md).
#include <chrono>
#include <cstdio>

#include "core/error.h"
#include "distributed/tool_main.h"
#ifdef TUNAS_HAVE_LATENCY
#include "latency/lut_cost_model.h"
#endif
#include "run/stop_signal.h"
#include "search/search_config.h"
#include "search/search_run.h"

namespace {

int search_main(tunas::distributed::Communicator& comm, int argc, char** argv) {
#ifdef TUNAS_HAVE_LATENCY
  tunas::latency::register_latency_cost_models();  // "lut" (search_spaces cannot link latency/)
#endif
  tunas::search::SearchConfig config;
  if (!tunas::search::parse_search_flags(config, argc, argv)) return 0;
  tunas::run::install_stop_signal_handlers();
  tunas::search::SearchRun run(config, &comm);
  if (!run.config().quiet) {
    std::fprintf(stderr, "tunas_search: %s on %s, %lld steps x %d replicas, run directory %s%s\n",
                 run.config().space.c_str(), run.config().data.c_str(),
                 static_cast<long long>(run.total_steps()), run.config().replicas,
                 run.config().out.c_str(), run.config().resume ? " (resumed)" : "");
    if (comm.size() > 1) std::fprintf(stderr, "tunas_search: %s\n", comm.describe().c_str());
  }
  const auto started = std::chrono::steady_clock::now();
  const tunas::search::SearchOutcome outcome = run.run();
  if (tunas::distributed::launcher_world_size() > 0 && !run.config().quiet)
    tunas::distributed::print_communication_summary(
        "tunas_search", comm, outcome.steps_this_call,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (outcome.interrupted) {
    std::fprintf(stderr,
                 "tunas_search: interrupted at step %lld/%lld; checkpoint saved. Continue with:\n"
                 "  tunas_search --resume --out %s\n",
                 static_cast<long long>(outcome.steps_done),
                 static_cast<long long>(outcome.total_steps), outcome.run_dir.c_str());
    return 130;
  }
  if (comm.rank() != 0) return 0;
  std::printf("final architecture: %s\ncost: %.3f\nwritten to %s/final_architecture.json\n",
              outcome.final_indices.c_str(), outcome.final_cost, outcome.run_dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return tunas::distributed::run_distributed_tool("tunas_search", search_main, argc, argv);
}
