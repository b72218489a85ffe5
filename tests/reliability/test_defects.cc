// One test per defect of issue 13 ("Nothing lost, nothing crashes"), each failing on the code
// before its fix.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "process.h"
#include "run/checkpoint.h"
#include "run/divergence.h"
#include "run/run_files.h"
#include "run/run_limits.h"
#include "search/search_config.h"
#include "search/search_run.h"
#include "supernet/supernet.h"
#include "tiny_runs.h"
#include "train/train_config.h"

namespace fs = std::filesystem;
using tunas::test::fresh_dir;
using tunas::test::run_tool;
using tunas::test::tiny_search_flags;
using tunas::test::tiny_train_flags;

namespace {

std::string search_flag_error(std::vector<std::string> args) {
  args.insert(args.begin(), "tunas_search");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  tunas::search::SearchConfig c;
  try {
    tunas::search::parse_search_flags(c, int(argv.size()), argv.data());
    tunas::search::validate(c);
  } catch (const tunas::Error& e) {
    return e.what();
  }
  return "<accepted: batch " + std::to_string(c.batch) + ", replicas " +
         std::to_string(c.replicas) + ">";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string little_endian(std::uint64_t v, int bytes) {
  std::string s;
  for (int i = 0; i < bytes; ++i) s += char((v >> (8 * i)) & 0xff);
  return s;
}

}  // namespace

TEST_CASE("defect 1: integer options are range-checked, never wrapped modulo 2^32") {
  // Outside the field's type: the row's range (narrowed to the type) is named.
  CHECK(contains(search_flag_error({"--batch", "4294967300"}),
                 "option --batch must be in [1, 65536], got 4294967300 (out of range)"));
  CHECK(contains(search_flag_error({"--batch", "-4294967292"}), "out of range"));
  CHECK(contains(search_flag_error({"--replicas", "4294967297"}),
                 "option --replicas must be in [1, 4096], got 4294967297"));
  CHECK(contains(search_flag_error({"--seed", "-1"}), "must be in [0, "));
  CHECK(contains(search_flag_error({"--steps", "99999999999999999999"}), "out of range"));
  const auto arch = run_tool("tunas_arch", {"info", "--space", "proxylessnas_search",
                                            "--resolution", "4294967328"});
  CHECK(arch.exit_code == 1);
  CHECK(contains(arch.err, "--resolution must be in [8, 1024], got 4294967328"));
}

TEST_CASE("defect 2: a crafted section length is a truncated checkpoint, not an overflow") {
  const std::string magic = "TUNASCKP";
  for (std::uint64_t length : {~std::uint64_t(0), ~std::uint64_t(0) - 16, std::uint64_t(1) << 62}) {
    const std::string bytes = magic + little_endian(1, 4) + little_endian(1, 4) +
                              little_endian(1, 4) + "w" + little_endian(length, 8) + "abc";
    CHECK_THROWS_WITH_AS(
        tunas::run::Checkpoint::parse(
            {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, "crafted.bin"),
        doctest::Contains("crafted.bin: checkpoint is truncated"), tunas::Error);
  }
  const std::string long_name = magic + little_endian(1, 4) + little_endian(1, 4) +
                                little_endian(0xffffffffu, 4) + "w";
  CHECK_THROWS_WITH_AS(
      tunas::run::Checkpoint::parse(
          {reinterpret_cast<const std::uint8_t*>(long_name.data()), long_name.size()}, "n.bin"),
      doctest::Contains("truncated"), tunas::Error);
}

TEST_CASE("defect 3: batch x replicas is bounded, so the global batch cannot overflow") {
  CHECK(contains(search_flag_error({"--batch", "65536", "--replicas", "65536"}),
                 "--replicas must be in [1, 4096]"));
  CHECK(contains(search_flag_error({"--batch", "100000", "--replicas", "40000"}),
                 "--batch must be in [1, 65536]"));
  tunas::search::SearchConfig c;
  c.batch = tunas::run::kMaxBatch;
  c.replicas = tunas::run::kMaxReplicas;
  tunas::search::validate(c);
  CHECK(c.global_batch() == std::int64_t(65536) * 4096);  // the largest product still fits
}

TEST_CASE("defect 4: a relative --space is stored absolute; --resume and export work elsewhere") {
  const std::string home = fresh_dir("relative_home"), other = fresh_dir("relative_other");
  fs::copy_file(tunas::test::tiny_space_path(), home + "/my_space.yaml");
  auto flags = tiny_search_flags("run", 12, "my_space.yaml");
  flags.push_back("--checkpoint-every=4");
  const auto started = run_tool("tunas_search", flags, home);
  REQUIRE(started.exit_code == 0);
  const YAML::Node params = YAML::LoadFile(home + "/run/params.json");
  CHECK(params["space"].as<std::string>() == home + "/my_space.yaml");
  CHECK(run_tool("tunas_search", {"--resume", "--out", home + "/run", "--quiet"}, other).exit_code == 0);
  const auto exported = run_tool("tunas_arch", {"export", "--run", home + "/run"}, other);
  CHECK(exported.exit_code == 0);
  INFO(exported.err);
}

TEST_CASE("defect 5: a finite divergence stops the run naming the step and the checkpoint") {
  using tunas::run::training_loss_problem;
  CHECK_FALSE(training_loss_problem(2.4, 10, 3, -1, "").has_value());
  CHECK_FALSE(training_loss_problem(200.0, 10, 3, -1, "").has_value());  // bad, but below 100 ln 10
  const auto diverged = training_loss_problem(3.6e12, 10, 17, 10, "lower it");
  REQUIRE(diverged.has_value());
  CHECK(diverged->find("training loss 3.6e+12 at step 17") != std::string::npos);
  CHECK(diverged->find("the last checkpoint (step 10) is intact. lower it") != std::string::npos);
  const auto non_finite = training_loss_problem(std::nan(""), 10, 4, -1, "");
  REQUIRE(non_finite.has_value());
  CHECK(non_finite->find("non-finite training loss") != std::string::npos);
  CHECK(tunas::run::divergence_threshold(10) == doctest::Approx(100 * std::log(10.0)));

  // End to end: a learning rate that blows the loss up ends with exit 1, the step named, and
  // the checkpoint written before it still resumable.
  const std::string dir = fresh_dir("diverge") + "/run";
  auto flags = tiny_search_flags(dir, 40);
  flags.insert(flags.end(), {"--model-lr", "1e6"});
  const auto r = run_tool("tunas_search", flags);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "training loss"));
  CHECK(contains(r.err, " at step "));
  if (tunas::file_exists(dir + "/checkpoint.bin"))
    CHECK_NOTHROW(tunas::run::read_checkpoint(dir + "/checkpoint.bin"));
}

TEST_CASE("defect 6: --resume refuses changed settings; a finished training run keeps result.json") {
  const std::string search_dir = fresh_dir("resume_flags") + "/run";
  REQUIRE(run_tool("tunas_search", tiny_search_flags(search_dir, 6)).exit_code == 0);
  const auto changed = run_tool("tunas_search", {"--resume", "--out", search_dir, "--steps", "9",
                                                 "--batch", "4", "--quiet"});
  CHECK(changed.exit_code == 1);
  CHECK(contains(changed.err, "--resume would change --steps (run: 6, now: 9), --batch (run: 8, now: 4)"));
  // The same values, or settings that do not change the result, are fine.
  CHECK(run_tool("tunas_search", {"--resume", "--out", search_dir, "--steps", "6", "--threads", "2",
                                  "--quiet"}).exit_code == 0);

  const std::string train_dir = fresh_dir("resume_train") + "/run";
  REQUIRE(run_tool("tunas_train", tiny_train_flags(train_dir, 6)).exit_code == 0);
  const std::string result = tunas::read_file(train_dir + "/result.json");
  const auto again = run_tool("tunas_train", {"--resume", "--out", train_dir, "--quiet"});
  CHECK(again.exit_code == 0);
  CHECK(tunas::read_file(train_dir + "/result.json") == result);
  const auto lr = run_tool("tunas_train", {"--resume", "--out", train_dir, "--lr", "0.5"});
  CHECK(lr.exit_code == 1);
  CHECK(contains(lr.err, "--lr (run: 0.2, now: 0.5)"));
}

TEST_CASE("defect 7: final_architecture.json carries a YAML space; a mismatched --space is refused") {
  const std::string dir = fresh_dir("arch_space");
  const std::string space = dir + "/user_space.yaml";
  fs::copy_file(tunas::test::tiny_space_path(), space);
  REQUIRE(run_tool("tunas_search", tiny_search_flags(dir + "/search", 6, space)).exit_code == 0);
  fs::remove(space);  // the architecture alone must be enough
  const std::string arch = dir + "/search/final_architecture.json";
  CHECK(contains(tunas::read_file(arch), "\"space_yaml\""));
  const std::vector<std::string> train = {"--arch", arch, "--data", "synthetic", "--synthetic-size",
                                          "200", "--validation-size", "40", "--resolution", "16",
                                          "--proxy=false", "--steps", "2", "--batch", "8", "--quiet"};
  auto ok = train;
  ok.insert(ok.end(), {"--out", dir + "/train"});
  const auto trained = run_tool("tunas_train", ok);
  INFO(trained.err);
  CHECK(trained.exit_code == 0);
  auto mismatched = train;
  mismatched.insert(mismatched.end(), {"--space", "proxylessnas_search", "--out", dir + "/wrong"});
  const auto refused = run_tool("tunas_train", mismatched);
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "was searched in the space 'tiny_search'"));
  CHECK_FALSE(fs::exists(dir + "/wrong"));
}

TEST_CASE("tunas_train --arch builds the network as searched; its own flags still win") {
  const std::string dir = fresh_dir("arch_network");
  auto search = tiny_search_flags(dir + "/search", 4);
  search.insert(search.end(), {"--width-multiplier", "0.5", "--resolution", "24"});
  REQUIRE(run_tool("tunas_search", search).exit_code == 0);
  const std::string arch = dir + "/search/final_architecture.json";
  CHECK(contains(tunas::read_file(arch), "\"width_multiplier\": 0.5"));
  const std::vector<std::string> train = {"--arch", arch, "--data", "synthetic", "--synthetic-size",
                                          "200", "--validation-size", "40", "--steps", "2",
                                          "--batch", "8"};
  auto inherited = train;
  inherited.insert(inherited.end(), {"--out", dir + "/inherited"});
  const auto a = run_tool("tunas_train", inherited);
  INFO(a.err);
  REQUIRE(a.exit_code == 0);
  CHECK(contains(a.err, "the network as searched"));
  const std::string params_a = tunas::read_file(dir + "/inherited/params.json");
  CHECK(contains(params_a, "\"width_multiplier\": 0.5"));
  CHECK(contains(params_a, "\"resolution\": 24"));
  CHECK(contains(params_a, "\"proxy\": false"));
  auto overridden = train;
  overridden.insert(overridden.end(), {"--width-multiplier", "1", "--out", dir + "/overridden", "--quiet"});
  REQUIRE(run_tool("tunas_train", overridden).exit_code == 0);
  const std::string params_b = tunas::read_file(dir + "/overridden/params.json");
  CHECK(contains(params_b, "\"width_multiplier\": 1.0"));
  CHECK(contains(params_b, "\"resolution\": 24"));
}

TEST_CASE("defect 8: config files refuse duplicate keys, a second document and directories") {
  const std::string dir = fresh_dir("config_files");
  tunas::write_file_atomic(dir + "/dup.yaml", "steps: 4\nbatch: 8\nsteps: 5\n");
  tunas::write_file_atomic(dir + "/two.yaml", "steps: 4\n---\nbatch: 8\n");
  CHECK(contains(search_flag_error({"--config", dir + "/dup.yaml"}),
                 "dup.yaml:3: duplicate key 'steps' (first at line 1)"));
  CHECK(contains(search_flag_error({"--config", dir + "/two.yaml"}), "two.yaml:2: a second YAML document"));
  CHECK(contains(search_flag_error({"--config", dir}), "is a directory"));
}

TEST_CASE("defect 9: sizes, epochs, forgotten values, log steps, BN statistics, big spaces") {
  SUBCASE("absurd sizes are refused with an estimate before anything is allocated") {
    const std::string dir = fresh_dir("absurd") + "/run";
    auto flags = tiny_search_flags(dir, 4);
    flags.insert(flags.end(), {"--batch", "65536", "--resolution", "1024"});
    const auto r = run_tool("tunas_search", flags);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "the run needs at least"));
    CHECK(contains(r.err, "GiB, this machine has"));
    CHECK_FALSE(fs::exists(dir));
  }
  SUBCASE("--epochs 1e30 and --out --quiet") {
    CHECK(contains(search_flag_error({"--epochs", "1e30"}), "--epochs must be in [0, 1e+06], got 1e+30"));
    CHECK(contains(search_flag_error({"--out", "--quiet"}), "option --out needs a value, got the option '--quiet'"));
    CHECK(contains(search_flag_error({"--out=--quiet", "--threads", "2000"}), "--threads must be in [0, 1024]"));
  }
  SUBCASE("a log record without a numeric step is dropped, not an internal error") {
    const std::string log = fresh_dir("log") + "/log.jsonl";
    tunas::write_file_atomic(log, "{\"step\": 0}\n{\"step\": abc}\n{\"step\": 1}\n{\"step\": \n{\"step\": 7}\n");
    CHECK_NOTHROW(tunas::run::truncate_log(log, 5));
    CHECK(tunas::read_file(log) == "{\"step\": 0}\n{\"step\": 1}\n");
  }
  SUBCASE("non-finite BN statistics in a checkpoint are refused on resume") {
    const std::string dir = fresh_dir("bn_inf") + "/run";
    REQUIRE(run_tool("tunas_train", tiny_train_flags(dir, 4)).exit_code == 0);
    // Rewind the run (step 2) and poison one moving variance.
    tunas::run::Checkpoint c = tunas::run::read_checkpoint(dir + "/checkpoint.bin");
    const auto& stats = c.get("model/bn_statistics");
    std::vector<float> values(stats.size() / sizeof(float));
    c.get_floats("model/bn_statistics", values.data(), std::int64_t(values.size()));
    values.back() = INFINITY;
    c.put_floats("model/bn_statistics", values.data(), std::int64_t(values.size()));
    c.put_i64("meta/step", 2);
    tunas::run::write_checkpoint(dir + "/checkpoint.bin", c);
    fs::remove(dir + "/result.json");
    const auto r = run_tool("tunas_train", {"--resume", "--out", dir});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "checkpoint section 'model/bn_statistics' holds inf at index"));
  }
  SUBCASE("parameter registration is linear in the number of parameters") {
    auto seconds_for = [](int n) {
      tunas::supernet::ParameterStore store;
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < n; ++i)
        (void)store.add("blocks/" + std::to_string(i) + "/layers/0/conv/kernel", {1}, true);
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    const double small = seconds_for(5000), large = seconds_for(40000);
    INFO("5k: " << small << " s, 40k: " << large << " s");
    // Quadratic registration (the old linear name search per add) takes seconds for 40k.
    CHECK(large < 0.5);
  }
}
