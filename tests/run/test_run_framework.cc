// The run framework's pieces on their own (the search and training suites run them end to
// end): the step loop's checkpoint cadence and stop, the run directory's log on a new and a
// resumed run, the resume settings, the start-up checkpoint, the RMSProp slots.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "kernels/optim/optim.h"
#include "run/checkpoint.h"
#include "run/rmsprop_state.h"
#include "run/run_directory.h"
#include "run/step_loop.h"
#include "run/stop_signal.h"

namespace fs = std::filesystem;
namespace run = tunas::run;

namespace {

std::string fresh_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("tunas_run_framework_" + name);
  fs::remove_all(p);
  return p.string();
}

// A loop over a counter that records the steps it checkpoints.
struct CountingRun {
  std::int64_t step = 0, last_checkpoint = -1;
  std::vector<std::int64_t> saved;

  run::StepLoop loop(std::int64_t total, std::int64_t every, std::int64_t max_steps) {
    run::StepLoop l;
    l.total_steps = total;
    l.checkpoint_every = every;
    l.max_steps = max_steps;
    l.step = [this] { return step; };
    l.run_step = [this] { ++step; };
    l.save_checkpoint = [this] {
      saved.push_back(step);
      last_checkpoint = step;
    };
    l.last_checkpoint_step = [this] { return last_checkpoint; };
    return l;
  }
};

// A config with the fields settings_to_resume touches, and one that changes the result.
struct FakeConfig {
  std::string out;
  int threads = 0;
  bool quiet = false, resume = false;
  double lr = 0;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  for (char ch : text) {
    if (ch == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line += ch;
    }
  }
  return lines;
}

}  // namespace

TEST_CASE("step loop: a checkpoint every N steps, at the last step, and where an early stop ends") {
  tunas::distributed::SingleProcessCommunicator comm;
  run::Progress quiet;
  quiet.set_quiet(true);
  CountingRun full;
  run::RunOutcome outcome;
  run::run_step_loop(full.loop(10, 4, -1), comm, quiet, outcome);
  CHECK(full.saved == std::vector<std::int64_t>{4, 8, 10});
  CHECK(outcome.steps_done == 10);
  CHECK(outcome.total_steps == 10);
  CHECK(outcome.steps_this_call == 10);
  CHECK_FALSE(outcome.interrupted);

  CountingRun part;  // max_steps: 5 steps, then the end-of-call checkpoint at 5
  run::run_step_loop(part.loop(10, 4, 5), comm, quiet, outcome);
  CHECK(part.saved == std::vector<std::int64_t>{4, 5});
  CHECK(outcome.steps_done == 5);
  CHECK(outcome.steps_this_call == 5);
  CHECK_FALSE(outcome.interrupted);
}

TEST_CASE("step loop: a stop request ends the loop before the next step, with a checkpoint") {
  tunas::distributed::SingleProcessCommunicator comm;
  run::Progress quiet;
  quiet.set_quiet(true);
  CountingRun r;
  r.step = 3;
  run::stop_requested().store(true);
  run::RunOutcome outcome;
  run::run_step_loop(r.loop(10, 4, -1), comm, quiet, outcome);
  run::stop_requested().store(false);
  CHECK(outcome.interrupted);
  CHECK(outcome.steps_this_call == 0);
  CHECK(r.saved == std::vector<std::int64_t>{3});
}

TEST_CASE("run directory: a new run starts an empty log; a resumed one drops the records from its step on") {
  const std::string dir = fresh_dir("log");
  tunas::Json params = tunas::Json::object();
  params["seed"] = 3;
  {
    run::RunDirectory fresh(dir);
    CHECK_FALSE(fresh.is_open());
    fresh.log(0, tunas::Json::object());  // not open: nothing is written
    CHECK_FALSE(tunas::file_exists(fresh.file("log.jsonl")));
    fresh.open(-1, params, "name: tiny\n");
    CHECK(tunas::read_file(fresh.file("log.jsonl")).empty());
    CHECK(tunas::read_file(fresh.file("space.yaml")) == "name: tiny\n");
    CHECK(tunas::read_file(fresh.file("params.json")) == params.dump(2) + "\n");
    for (int step = 0; step < 3; ++step) {
      tunas::Json rec = tunas::Json::object();
      rec["step"] = step;
      rec["loss"] = 1.0 / (step + 1);
      fresh.log(step, rec);
    }
    CHECK(lines_of(tunas::read_file(fresh.file("log.jsonl"))).size() == 3);
  }
  run::RunDirectory resumed(dir);
  resumed.open(2, params, "name: tiny\n");
  const auto lines = lines_of(tunas::read_file(resumed.file("log.jsonl")));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("\"step\": 0") != std::string::npos);
  CHECK(lines[1].find("\"step\": 1") != std::string::npos);
}

TEST_CASE("run directory: a new run refuses a directory with a checkpoint; --resume needs one") {
  const std::string dir = fresh_dir("start");
  CHECK_FALSE(run::checkpoint_to_start_from(dir, false).has_value());
  CHECK_THROWS_WITH_AS(run::require_checkpoint_to_resume(dir),
                       doctest::Contains(("--resume: no checkpoint in " + dir).c_str()), tunas::Error);
  tunas::make_directories(dir);
  run::Checkpoint c;
  c.put_i64("meta/step", 7);
  run::write_checkpoint(run::path_join(dir, run::kCheckpointFile), c);
  CHECK_THROWS_WITH_AS(run::checkpoint_to_start_from(dir, false),
                       doctest::Contains("already holds a run (checkpoint.bin)"), tunas::Error);
  const auto resumed = run::checkpoint_to_start_from(dir, true);
  REQUIRE(resumed.has_value());
  CHECK(resumed->get_i64("meta/step") == 7);
}

TEST_CASE("resume settings: the saved ones, with out, threads and quiet from the invocation") {
  const std::string dir = fresh_dir("settings");
  tunas::make_directories(dir);
  run::write_checkpoint(run::path_join(dir, run::kCheckpointFile), run::Checkpoint());
  const auto read_saved = [](FakeConfig& saved, const std::string& path) {
    CHECK(fs::path(path).filename() == "params.json");
    saved.lr = 0.25;
    saved.threads = 1;
  };
  const auto same_lr = [](const FakeConfig& saved, const FakeConfig& given) {
    return given.lr == 0 || given.lr == saved.lr ? std::string() : std::string("--lr");
  };
  FakeConfig given;
  given.out = dir;
  given.threads = 4;
  given.quiet = true;
  const FakeConfig r = run::settings_to_resume(given, read_saved, same_lr);
  CHECK(r.lr == 0.25);
  CHECK(r.threads == 4);
  CHECK(r.quiet);
  CHECK(r.resume);
  CHECK(r.out == dir);
  given.lr = 0.5;
  CHECK_THROWS_WITH_AS(run::settings_to_resume(given, read_saved, same_lr),
                       doctest::Contains("--resume would change --lr"), tunas::Error);
}

TEST_CASE("RMSProp state: starts at the initial mean square and zero momentum; round-trips") {
  const std::int64_t n = 5;
  const run::RmsPropState fresh(n);
  run::Checkpoint c;
  fresh.save(c);
  std::vector<float> mean_square(n), momentum(n);
  c.get_floats("optimizer/mean_square", mean_square.data(), n);
  c.get_floats("optimizer/momentum", momentum.data(), n);
  CHECK(mean_square == std::vector<float>(n, tunas::kernels::kRmsPropInitialMeanSquare));
  CHECK(momentum == std::vector<float>(n, 0.f));

  momentum = {1, -2, 3, -4, 5};
  c.put_floats("optimizer/momentum", momentum.data(), n);
  run::RmsPropState restored(n);
  restored.restore(c);
  run::Checkpoint again;
  restored.save(again);
  std::vector<float> back(n);
  again.get_floats("optimizer/momentum", back.data(), n);
  CHECK(back == momentum);
  momentum[2] = std::nanf("");
  c.put_floats("optimizer/momentum", momentum.data(), n);
  CHECK_THROWS_AS(restored.restore(c), tunas::Error);
}
