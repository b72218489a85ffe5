#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "run/checkpoint.h"
#include "search/search_config.h"
#include "search/search_run.h"
#include "run/weights_file.h"
#include "search_spaces/catalog.h"
#include "search_spaces/indices.h"
#include "search_spaces/network.h"
#include "supernet/supernet.h"
#include "tests/common/tiny_runs.h"

using tunas::search::SearchConfig;
using tunas::search::SearchRun;
namespace fs = std::filesystem;

namespace {

std::string fresh_dir(const std::string& name) {
  return tunas::test::fresh_temp_dir("tunas_search_test_" + name);
}

SearchConfig tiny_config(const std::string& out) {
  SearchConfig c = tunas::test::tiny_search_config(out);
  c.threads = 2;
  return c;
}

std::vector<std::string> tiny_flags(const std::string& out) {
  return {"--space", std::string(TUNAS_SOURCE_DIR) + "/tests/search/tiny_space.yaml",
          "--data", "synthetic", "--synthetic-size", "400", "--validation-size", "80",
          "--resolution", "16", "--proxy=false", "--cost-model", "macs", "--target", "60000",
          "--steps", "40", "--batch", "8", "--replicas", "2", "--log-every", "2",
          "--checkpoint-every", "2", "--policy-lr", "0.05", "--seed", "3", "--threads", "2",
          "--out", out, "--quiet"};
}

// Starts build/bin/tunas_search with args; returns its pid.
pid_t spawn_search(const std::vector<std::string>& args) {
  const std::string binary = std::string(TUNAS_BINARY_DIR) + "/bin/tunas_search";
  const pid_t pid = fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);  // the final-architecture summary
    std::vector<char*> argv{const_cast<char*>(binary.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

int run_search(const std::vector<std::string>& args) { return wait_exit_code(spawn_search(args)); }

// Waits until the run has written a checkpoint of at least `step`; false on timeout.
bool wait_for_checkpoint(const std::string& dir, int step) {
  const std::string log = dir + "/log.jsonl";
  for (int i = 0; i < 3000; ++i) {
    if (tunas::file_exists(dir + "/checkpoint.bin") && tunas::file_exists(log)) {
      const std::string text = tunas::read_file(log);
      const std::string key = "\"step\": " + std::to_string(step);
      for (auto pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos + 1)) {
        const char next = pos + key.size() < text.size() ? text[pos + key.size()] : ' ';
        if (next < '0' || next > '9') return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("search run: a short run writes every output") {
  const std::string dir = fresh_dir("outputs");
  SearchRun run(tiny_config(dir));
  const auto outcome = run.run();
  CHECK(outcome.steps_done == 12);
  CHECK_FALSE(outcome.interrupted);
  for (const char* f : {"params.json", "space.yaml", "log.jsonl", "checkpoint.bin", "final_architecture.json"})
    CHECK_MESSAGE(tunas::file_exists(dir + "/" + f), f);
  const YAML::Node params = YAML::LoadFile(dir + "/params.json");
  for (const char* key : {"space", "cost_model", "target_ms", "reward", "beta", "steps", "replicas", "seed"})
    CHECK_MESSAGE(params[key], key);
  // Spec §7.1 keys at the top level.
  CHECK(params["max_global_step"].as<int>() == 12);
  for (const char* key : {"rl_delay_steps", "increase_ops_warmup_steps", "increase_filters_warmup_steps",
                          "model_learning_rate", "rl_learning_rate", "rl_cost_model_target",
                          "use_bfloat16", "model_weight_decay", "ssd"})
    CHECK_MESSAGE(params[key], key);
  CHECK(params["ssd"].as<std::string>() == "tiny_search");
  CHECK(params["rl_learning_rate"].as<double>() == 0.05);
  const YAML::Node final_arch = YAML::LoadFile(dir + "/final_architecture.json");
  CHECK(final_arch["indices"].as<std::string>() == outcome.final_indices);
  CHECK(final_arch["macs"].as<long>() > 0);
  CHECK(final_arch["params"].as<long>() > 0);
  CHECK(final_arch["cost"].as<double>() == doctest::Approx(outcome.final_cost));
  // log.jsonl: steps 0, 2, ..., 10 and the last (11), each a JSON object with the §7.2 scalars.
  const std::string log = tunas::read_file(dir + "/log.jsonl");
  int records = 0;
  for (std::size_t pos = 0; (pos = log.find('\n', pos)) != std::string::npos; ++pos) ++records;
  CHECK(records == 7);
  const YAML::Node first = YAML::Load(log.substr(0, log.find('\n')));
  for (const char* key : {"model/loss", "model/learning_rate", "rlcontroller/reward",
                          "rlcontroller/baseline", "rlcontroller/advantage",
                          "rlcontroller/estimated_cost", "rlcontroller/increase_ops_prob",
                          "rlcontroller/policy_entropy", "argmax/cost", "probabilities"})
    CHECK_MESSAGE(first[key], key);
  CHECK(first["rlcontroller/increase_ops_prob"].as<double>() == 1.0);  // warm-up starts at 1
  // The export rewrites the same architecture from the checkpoint.
  fs::remove(dir + "/final_architecture.json");
  const tunas::Json exported = tunas::search::export_final_architecture(dir);
  CHECK(YAML::LoadFile(dir + "/final_architecture.json")["indices"].as<std::string>() ==
        outcome.final_indices);
}

TEST_CASE("search run: resuming from a checkpoint ends bit for bit like an uninterrupted run") {
  const std::string a = fresh_dir("uninterrupted"), b = fresh_dir("resumed");
  {
    SearchRun run(tiny_config(a));
    run.run();
  }
  {
    SearchRun run(tiny_config(b));
    run.run(6);  // stops after 6 steps; its last checkpoint is at step 6 (saved on exit)
  }
  SearchConfig resume;
  resume.out = b;
  resume.resume = true;
  resume.quiet = true;
  resume.threads = 1;  // thread count may change: results do not depend on it
  SearchRun run(resume);
  const auto outcome = run.run();
  CHECK(outcome.steps_done == 12);
  CHECK(tunas::read_file(a + "/checkpoint.bin") == tunas::read_file(b + "/checkpoint.bin"));
  CHECK(tunas::read_file(a + "/final_architecture.json") ==
        tunas::read_file(b + "/final_architecture.json"));
  CHECK(tunas::read_file(a + "/log.jsonl").size() > 0);
}

TEST_CASE("search run: bad runs fail clearly and keep what was there") {
  SUBCASE("resume without a checkpoint") {
    SearchConfig c;
    c.out = fresh_dir("nothing_here");
    c.resume = true;
    CHECK_THROWS_WITH_AS(SearchRun{c}, doctest::Contains("--resume: no checkpoint in"), tunas::Error);
  }
  SUBCASE("a new run into an existing run directory") {
    const std::string dir = fresh_dir("existing");
    {
      SearchRun run(tiny_config(dir));
      run.run(1);
    }
    CHECK_THROWS_WITH_AS(SearchRun{tiny_config(dir)}, doctest::Contains("already holds a run"),
                         tunas::Error);
  }
  SUBCASE("a non-finite loss stops the run naming the step; the checkpoint stays intact") {
    const std::string dir = fresh_dir("nan");
    SearchConfig c = tiny_config(dir);
    c.model_lr = 1e30;
    c.steps = 40;
    SearchRun run(c);
    std::string before;
    CHECK_THROWS_WITH_AS(run.run(), doctest::Contains("training loss"), tunas::Error);
    if (tunas::file_exists(dir + "/checkpoint.bin")) {
      before = tunas::read_file(dir + "/checkpoint.bin");
      // The checkpoint still parses and can be resumed from.
      SearchConfig resume;
      resume.out = dir;
      resume.resume = true;
      CHECK_NOTHROW(SearchRun{resume});
    }
  }
  SUBCASE("an unwritable run directory is a clear error") {
    const std::string dir = fresh_dir("file_in_the_way");
    tunas::write_file_atomic(dir, "not a directory");
    CHECK_THROWS_WITH_AS(SearchRun{tiny_config(dir + "/run")}, doctest::Contains("run"),
                         tunas::Error);
  }
  SUBCASE("an unknown space, dataset directory or cost model") {
    SearchConfig c = tiny_config(fresh_dir("bad_inputs"));
    c.space = "no_such_space";
    CHECK_THROWS_WITH_AS(SearchRun{c}, doctest::Contains("no_such_space"), tunas::Error);
    c = tiny_config(fresh_dir("bad_inputs"));
    c.data = "fashion_mnist";
    c.data_dir = "/nonexistent/fashion";
    CHECK_THROWS_WITH_AS(SearchRun{c}, doctest::Contains("/nonexistent/fashion"), tunas::Error);
    c = tiny_config(fresh_dir("bad_inputs"));
    c.cost_model = "flops";
    CHECK_THROWS_WITH_AS(SearchRun{c}, doctest::Contains("flops"), tunas::Error);
  }
}

TEST_CASE("tunas_search process: SIGKILL midway, --resume, same result; SIGINT checkpoints") {
  const std::string a = fresh_dir("proc_uninterrupted"), b = fresh_dir("proc_killed"),
                    c = fresh_dir("proc_sigint");
  REQUIRE(run_search(tiny_flags(a)) == 0);

  const pid_t killed = spawn_search(tiny_flags(b));
  REQUIRE(wait_for_checkpoint(b, 10));
  kill(killed, SIGKILL);
  CHECK(wait_exit_code(killed) == 128 + SIGKILL);
  CHECK(run_search({"--resume", "--out", b, "--quiet"}) == 0);
  CHECK(tunas::read_file(a + "/checkpoint.bin") == tunas::read_file(b + "/checkpoint.bin"));
  CHECK(tunas::read_file(a + "/final_architecture.json") ==
        tunas::read_file(b + "/final_architecture.json"));

  const pid_t interrupted = spawn_search(tiny_flags(c));
  REQUIRE(wait_for_checkpoint(c, 4));
  kill(interrupted, SIGINT);
  const int code = wait_exit_code(interrupted);
  if (code == 130) {  // interrupted before the end: a checkpoint was saved and it resumes
    CHECK(tunas::file_exists(c + "/checkpoint.bin"));
    CHECK(run_search({"--resume", "--out", c, "--quiet"}) == 0);
  } else {
    CHECK(code == 0);  // the run finished before the signal arrived
  }
  CHECK(tunas::read_file(a + "/checkpoint.bin") == tunas::read_file(c + "/checkpoint.bin"));
}

TEST_CASE("tunas_search process: bad flags exit 1 with a message") {
  CHECK(run_search({"--batch", "zero", "--quiet"}) == 1);
  CHECK(run_search({"--definitely-not-a-flag"}) == 1);
  CHECK(run_search({"--help"}) == 0);
}

TEST_CASE("export: the exported path weights compute what the searched supernet computes") {
  namespace sn = tunas::supernet;
  namespace sp = tunas::spaces;
  const std::string dir = fresh_dir("export_weights");
  SearchConfig config = tiny_config(dir);
  config.steps = 8;
  {
    SearchRun run(config);
    run.run();
  }
  const std::string weights = dir + "/argmax.weights";
  const tunas::Json exported = tunas::search::export_final_architecture(dir, weights);
  const std::string indices = YAML::LoadFile(dir + "/final_architecture.json")["indices"].as<std::string>();
  CHECK(YAML::LoadFile(dir + "/final_architecture.json")["weights"].as<std::string>() == weights);

  // The searched network, rebuilt here from what params.json recorded.
  const YAML::Node resolved = YAML::LoadFile(dir + "/params.json")["resolved"];
  sp::Space space = sp::load_space(config.space);
  sp::NetworkConfig net = space.network;
  net.resolution = resolved["input_shape"][0].as<int>();
  net.input_channels = resolved["input_shape"][2].as<int>();
  net.classes = resolved["classes"].as<int>();
  sp::configure_network(space, net);
  const std::vector<int> idx = sp::parse_indices(space, indices);
  sn::SupernetConfig nc;
  nc.max_batch = 4;
  sn::Supernet searched(space, nc);
  const tunas::run::Checkpoint ckpt = tunas::run::read_checkpoint(dir + "/checkpoint.bin");
  ckpt.get_floats("supernet/weights", searched.params().values(), searched.params().size());

  const sp::Space pruned = sn::prune_space(space, idx);
  sn::Supernet standalone(pruned, nc);
  tunas::run::read_weights_file(weights, standalone.params(), indices);

  // Same batch, batch-statistics BN in both: the one-hot supernet equals the exported network.
  tunas::Rng rng(11, tunas::stream_id("export test"));
  const int res = net.resolution;
  std::vector<float> images(std::size_t(4) * res * res * net.input_channels);
  for (float& v : images) v = float(rng.normal());
  std::vector<std::int32_t> labels = {0, 1, 2, 3};
  for (auto& l : labels) l %= net.classes;
  const tunas::Tensor x(images.data(), tunas::Shape4{4, res, res, net.input_channels});
  const sn::ReplicaResult a = searched.evaluate(x, labels.data(), sn::masks_from_indices(space, idx));
  std::vector<float> logits_a(searched.last_logits(), searched.last_logits() + 4 * net.classes);
  const sn::ReplicaResult b = standalone.evaluate(
      x, labels.data(), sn::masks_from_indices(pruned, std::vector<int>(pruned.decisions.size(), 0)));
  CHECK(a.loss == doctest::Approx(b.loss).epsilon(1e-5));
  for (int i = 0; i < 4 * net.classes; ++i)
    CHECK(logits_a[std::size_t(i)] == doctest::Approx(standalone.last_logits()[i]).epsilon(1e-4));

  // A file of another architecture is refused by name.
  CHECK_THROWS_WITH_AS(tunas::run::read_weights_file(weights, standalone.params(), "9:9"),
                       doctest::Contains("not of '9:9'"), tunas::Error);
  CHECK_THROWS_WITH_AS(tunas::run::read_weights_file(dir + "/params.json", standalone.params(), ""),
                       doctest::Contains("params.json"), tunas::Error);
}

TEST_CASE("tunas_arch export: from a run directory, with weights; a bad directory is an error") {
  const std::string dir = fresh_dir("export_cli");
  SearchConfig config = tiny_config(dir);
  config.steps = 4;
  {
    SearchRun run(config);
    run.run();
  }
  fs::remove(dir + "/final_architecture.json");
  const std::string tool = std::string(TUNAS_BINARY_DIR) + "/bin/tunas_arch";
  const std::string cmd = tool + " export --run " + dir + " --weights " + dir + "/w.bin > " + dir + "/out.json";
  CHECK(std::system(cmd.c_str()) == 0);
  CHECK(tunas::file_exists(dir + "/final_architecture.json"));
  CHECK(tunas::file_exists(dir + "/w.bin"));
  CHECK(YAML::LoadFile(dir + "/out.json")["indices"].as<std::string>() ==
        YAML::LoadFile(dir + "/final_architecture.json")["indices"].as<std::string>());
  const std::string bad = tool + " export --run " + dir + "/missing 2> " + dir + "/err.txt";
  CHECK(WEXITSTATUS(std::system(bad.c_str())) == 1);
  CHECK(tunas::read_file(dir + "/err.txt").find("not a search run directory") != std::string::npos);
}
