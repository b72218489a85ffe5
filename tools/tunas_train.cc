// tunas_train: trains one architecture from scratch as a stand-alone network (spec §7.6) and
// reports validation (or, with --use-test-set, test) top-1 in <out>/result.json. See --help.
#include <chrono>
#include <cstdio>

#include "core/error.h"
#include "core/files.h"
#include "core/json.h"
#include "distributed/tool_main.h"
#include "run/run_files.h"
#include "run/stop_signal.h"
#include "train/train_config.h"
#include "train/train_run.h"

namespace {

int train_main(tunas::distributed::Communicator& comm, int argc, char** argv) {
  tunas::train::TrainConfig config;
  if (!tunas::train::parse_train_flags(config, argc, argv)) return 0;
  tunas::run::install_stop_signal_handlers();
  tunas::train::TrainRun run(config, &comm);
  const auto& c = run.config();
  if (!c.quiet) {
    std::fprintf(stderr, "tunas_train: %s [%s] on %s%s, %lld steps of %d, run directory %s%s\n",
                 run.space_name().c_str(), run.indices().c_str(), c.data.c_str(),
                 c.use_test_set ? " (full train, test set)" : " (search split, validation)",
                 static_cast<long long>(run.total_steps()), c.batch, c.out.c_str(),
                 c.resume ? " (resumed)" : "");
  }
  const auto started = std::chrono::steady_clock::now();
  const tunas::train::TrainOutcome outcome = run.run();
  if (tunas::distributed::launcher_world_size() > 0 && !c.quiet)
    tunas::distributed::print_communication_summary(
        "tunas_train", comm, outcome.steps_this_call,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (outcome.interrupted) {
    std::fprintf(stderr,
                 "tunas_train: interrupted at step %lld/%lld; checkpoint saved. Continue with:\n"
                 "  tunas_train --resume --out %s\n",
                 static_cast<long long>(outcome.steps_done),
                 static_cast<long long>(outcome.total_steps), outcome.run_dir.c_str());
    return 130;
  }
  if (comm.rank() != 0) return 0;
  if (outcome.already_finished) {
    std::fprintf(stderr, "tunas_train: the run in %s had finished; its result.json is unchanged\n",
                 outcome.run_dir.c_str());
    std::fputs(tunas::read_file(tunas::run::path_join(outcome.run_dir, "result.json")).c_str(),
               stdout);
    return 0;
  }
  std::printf("%s\n", tunas::json_text(outcome.result, 2, "the result").c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return tunas::distributed::run_distributed_tool("tunas_train", train_main, argc, argv);
}
