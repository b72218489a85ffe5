// tunas_train (train/): learning, resume, errors and full-set evaluation on the tiny space
// (tests/search/tiny_space.yaml) with synthetic 16x16 data. Each case runs in well under a
// second.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "datasets/synthetic.h"
#include "run/checkpoint.h"
#include "run/weights_file.h"
#include "search/search_config.h"
#include "search_spaces/catalog.h"
#include "search_spaces/indices.h"
#include "supernet/supernet.h"
#include "train/train_config.h"
#include "train/train_run.h"
#include "tests/common/tiny_runs.h"

using tunas::train::TrainConfig;
using tunas::train::TrainRun;
namespace fs = std::filesystem;

namespace {

using tunas::test::kTinyIndices;
using tunas::test::tiny_space_path;

std::string fresh_dir(const std::string& name) {
  return tunas::test::fresh_temp_dir("tunas_train_test_" + name);
}

TrainConfig tiny_config(const std::string& out) {
  TrainConfig c = tunas::test::tiny_train_config(out);
  c.steps = 300;
  c.batch = 32;
  c.eval_batch = 24;  // 80 validation images: 3 full batches and a short one of 8
  c.lr = 0.5;
  c.log_every = 10;
  c.checkpoint_every = 7;
  c.seed = 5;
  return c;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const tunas::Error& e) {
    return e.what();
  }
  return "<no error>";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("train: the loss falls and validation accuracy beats chance") {
  const std::string out = fresh_dir("learn");
  TrainRun run(tiny_config(out));
  const auto outcome = run.run();
  REQUIRE_FALSE(outcome.interrupted);
  std::vector<double> losses;
  std::istringstream log(tunas::read_file(out + "/log.jsonl"));
  for (std::string line; std::getline(log, line);) {
    const YAML::Node rec = YAML::Load(line);
    if (rec["loss"]) losses.push_back(rec["loss"].as<double>());
  }
  REQUIRE(losses.size() >= 10);
  const double first = (losses[0] + losses[1] + losses[2]) / 3;
  const double last = (losses[losses.size() - 1] + losses[losses.size() - 2] + losses[losses.size() - 3]) / 3;
  CHECK(last < first - 0.5);
  CHECK(outcome.result.is_object());
  const YAML::Node result = YAML::LoadFile(out + "/result.json");
  CHECK(result["eval_images"].as<long>() == 80);
  CHECK(result["validation_top1"].as<double>() > 0.4);  // 10 classes: chance is 0.1
  CHECK(result["metric"].as<std::string>() == "validation_top1");
  CHECK(result["macs"].as<long>() > 0);
  CHECK(result["params"].as<long>() > 0);
  CHECK(result["costs"]["macs"]["value"].as<double>() > 0);
}

TEST_CASE("train: --use-test-set trains on the whole training set and reports test top-1") {
  const std::string out = fresh_dir("test_set");
  TrainConfig c = tiny_config(out);
  c.use_test_set = true;
  c.steps = 20;
  TrainRun run(c);
  run.run();
  const YAML::Node result = YAML::LoadFile(out + "/result.json");
  CHECK(result["eval_set"].as<std::string>() == "test");
  CHECK(result["train_images"].as<long>() == 400);
  CHECK(result["eval_images"].as<long>() == 80);  // synthetic test set: max(10, 400 / 5)
  CHECK(result["test_top1"]);
}

TEST_CASE("train: a resumed run equals an uninterrupted one bit for bit") {
  const std::string a = fresh_dir("resume_a"), b = fresh_dir("resume_b");
  TrainConfig ca = tiny_config(a);
  ca.steps = 60;
  ca.dropout = 0.2;  // the dropout stream must be checkpointed too
  ca.eval_every = 20;
  {
    TrainRun run(ca);
    run.run();
  }
  TrainConfig cb = ca;
  cb.out = b;
  {
    TrainRun run(cb);
    const auto o = run.run(25);  // stops after step 25: checkpoint at 25, not on a multiple of 7
    CHECK(o.steps_done == 25);
    CHECK_FALSE(o.interrupted);
  }
  {
    TrainConfig resume;
    resume.out = b;
    resume.resume = true;
    resume.quiet = true;
    resume.threads = 2;  // the thread count changes no number
    TrainRun run(resume);
    run.run();
  }
  CHECK(tunas::read_file(a + "/checkpoint.bin") == tunas::read_file(b + "/checkpoint.bin"));
  const YAML::Node ra = YAML::LoadFile(a + "/result.json"), rb = YAML::LoadFile(b + "/result.json");
  for (const char* key : {"validation_top1", "eval_loss", "eval_correct", "steps", "indices"})
    CHECK(ra[key].Scalar() == rb[key].Scalar());
  CHECK(rb["resumed"].as<bool>());
  CHECK(tunas::read_file(a + "/log.jsonl").size() > 0);
}

TEST_CASE("train: bad architectures, files and data give clear errors") {
  const std::string out = fresh_dir("errors");
  TrainConfig c = tiny_config(out);
  c.indices = "1:0:0";
  CHECK(contains(error_of([&] { TrainRun r(c); }), "--indices: not an architecture of the space 'tiny_search'"));
  c.indices = "1:0:0:1:0:1:0:0:7";
  CHECK(contains(error_of([&] { TrainRun r(c); }), "--indices"));

  c = tiny_config(out);
  c.indices.clear();
  c.arch = out + "_missing.json";
  CHECK(contains(error_of([&] { TrainRun r(c); }), "--arch: cannot read"));
  const std::string bad = fresh_dir("bad_arch.json");
  tunas::write_file_atomic(bad, "{\"space\": \"tiny\"}\n");
  c.arch = bad;
  CHECK(contains(error_of([&] { TrainRun r(c); }), "\"indices\""));
  c.indices = kTinyIndices;
  CHECK(contains(error_of([&] { TrainRun r(c); }), "either --indices or --arch"));

  c = tiny_config(out);
  c.data = "fashion_mnist";
  c.data_dir = "/nonexistent/fashion-mnist";
  CHECK(contains(error_of([&] { TrainRun r(c); }), "/nonexistent/fashion-mnist"));

  c = tiny_config(out);
  c.space.clear();
  c.indices.clear();
  CHECK(contains(error_of([&] { TrainRun r(c); }), "--arch"));

  TrainConfig resume;
  resume.out = fresh_dir("no_run");
  resume.resume = true;
  CHECK(contains(error_of([&] { TrainRun r(resume); }), "no checkpoint"));
}

TEST_CASE("train: --arch reads a final_architecture.json") {
  const std::string out = fresh_dir("arch");
  const std::string arch = fresh_dir("arch.json");
  tunas::write_file_atomic(arch, std::string("{\"indices\": \"") + kTinyIndices +
                                     "\", \"space\": \"" + tiny_space_path() + "\", \"cost\": 1}\n");
  TrainConfig c = tiny_config(out);
  c.indices.clear();
  c.space.clear();
  c.arch = arch;
  c.steps = 5;
  TrainRun run(c);
  CHECK(run.indices() == kTinyIndices);
  run.run();
  CHECK(YAML::LoadFile(out + "/result.json")["indices"].as<std::string>() == kTinyIndices);
}

TEST_CASE("train: evaluation counts every image exactly once, whatever the batch") {
  tunas::spaces::Space space = tunas::spaces::load_space(tiny_space_path());
  tunas::spaces::NetworkConfig net = space.network;
  net.resolution = 16;
  net.input_channels = 1;
  net.classes = 10;
  tunas::spaces::configure_network(space, net);
  const auto indices = tunas::spaces::parse_indices(space, kTinyIndices);
  const auto pruned = tunas::supernet::prune_space(space, indices);
  const auto masks = tunas::supernet::masks_from_indices(
      pruned, std::vector<int>(std::size_t(pruned.num_decisions()), 0));
  tunas::supernet::SupernetConfig nc;
  nc.max_batch = 8;
  nc.max_eval_batch = 37;
  nc.bn_mode = tunas::supernet::BnMode::stateful;
  nc.init_seed = 2;
  tunas::supernet::Supernet model(pruned, nc);
  tunas::datasets::SyntheticConfig sc;
  sc.train_count = 20;
  sc.test_count = 37;  // prime: no batch size below divides it
  const auto data = tunas::datasets::make_synthetic(sc);
  tunas::datasets::PreprocessConfig pc;
  pc.height = pc.width = 16;
  pc.resize = tunas::datasets::ResizeMode::bilinear;

  const auto one = tunas::train::evaluate_set(model, masks, data.test, pc, 1);
  CHECK(one.images == 37);
  CHECK(one.batches == 37);
  for (int batch : {5, 8, 36, 37}) {
    const auto ev = tunas::train::evaluate_set(model, masks, data.test, pc, batch);
    CAPTURE(batch);
    CHECK(ev.images == 37);
    CHECK(ev.batches == (37 + batch - 1) / batch);
    CHECK(ev.correct == one.correct);  // moving statistics: per-image results, batch-independent
    CHECK(ev.loss == doctest::Approx(one.loss).epsilon(1e-5));
  }
}

TEST_CASE("train: flags, --config files and params.json share one option table") {
  const std::string cfg = fresh_dir("cfg.yaml");
  tunas::write_file_atomic(cfg, "batch: 48\nlr: 0.2\nuse_test_set: true\n");
  std::vector<std::string> args = {"tunas_train", "--config", cfg, "--lr", "0.3", "--indices=1:2",
                                   "--proxy=false", "--quiet"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  TrainConfig c;
  REQUIRE(tunas::train::parse_train_flags(c, int(argv.size()), argv.data()));
  CHECK(c.batch == 48);
  CHECK(c.lr == 0.3);
  CHECK(c.use_test_set);
  CHECK_FALSE(c.proxy);
  CHECK(c.quiet);
  CHECK(c.indices == "1:2");
  CHECK(c.config == cfg);

  std::vector<std::string> bad = {"tunas_train", "--batchh", "3"};
  std::vector<char*> bad_argv;
  for (auto& a : bad) bad_argv.push_back(a.data());
  TrainConfig d;
  CHECK(contains(error_of([&] { tunas::train::parse_train_flags(d, 3, bad_argv.data()); }),
                 "unknown option '--batchh'"));
  tunas::write_file_atomic(cfg, "batch: many\n");
  CHECK(contains(error_of([&] { tunas::train::apply_train_config_file(d, cfg); }), ":1: batch"));
  CHECK(contains(tunas::train::train_usage(), "--use-test-set"));
}

TEST_CASE("train: --init-weights starts from a weights file, and refuses another architecture's") {
  namespace sn = tunas::supernet;
  // A weights file of the stand-alone network, with weights unlike the run's own init.
  tunas::spaces::Space space = tunas::spaces::load_space(tiny_space_path());
  tunas::spaces::NetworkConfig net = space.network;
  net.resolution = 16;
  net.input_channels = 1;  // the synthetic set's shape
  net.classes = 10;
  tunas::spaces::configure_network(space, net);
  const tunas::spaces::Space pruned = sn::prune_space(space, tunas::spaces::parse_indices(space, kTinyIndices));
  sn::SupernetConfig nc;
  nc.max_batch = 1;
  nc.init_seed = 77;
  sn::Supernet source(pruned, nc);
  const std::string weights = fresh_dir("init.weights");
  tunas::run::write_weights_file(weights, source.params(), space.name, kTinyIndices);

  const std::string out = fresh_dir("init_weights");
  TrainConfig c = tiny_config(out);
  c.init_weights = weights;
  {
    TrainRun run(c);
    run.run(0);  // no step: the checkpoint holds the initial weights
  }
  const auto ckpt = tunas::run::read_checkpoint(out + "/checkpoint.bin");
  std::vector<float> saved(std::size_t(source.params().size()));
  ckpt.get_floats("model/weights", saved.data(), source.params().size());
  CHECK(std::equal(saved.begin(), saved.end(), source.params().values()));

  c.out = fresh_dir("init_weights_other");
  c.indices = "1:1:0:1:0:1:0:0:0";
  const std::string error = error_of([&] { TrainRun r(c); });
  CHECK_MESSAGE(contains(error, "not of '1:1:0:1:0:1:0:0:0'"), error);
}

TEST_CASE("train: --path-dropout-rate (spec §7.6) is range-checked and in --help") {
  TrainConfig c;
  c.space = "proxylessnas_search";
  c.path_dropout_rate = 1.0;
  CHECK(contains(error_of([&] { tunas::train::validate(c); }),
                 "--path-dropout-rate must be in [0, 1), got 1"));
  c.path_dropout_rate = -0.1;
  CHECK(contains(error_of([&] { tunas::train::validate(c); }), "--path-dropout-rate must be in [0, 1)"));
  CHECK(contains(tunas::train::train_usage(), "--path-dropout-rate N"));
  // Unset, it leaves the fingerprint of older runs alone; set, it is part of it.
  TrainConfig d;
  CHECK(tunas::train::train_fingerprint(d).find("path_dropout_rate") == std::string::npos);
  d.path_dropout_rate = 0.2;
  CHECK(tunas::train::train_fingerprint(d).find("path_dropout_rate") != std::string::npos);
}

TEST_CASE("shared blocks: tunas_search and tunas_train spell and check the network and data options alike") {
  const std::string search = tunas::search::search_usage(), train = tunas::train::train_usage();
  for (const char* flag : {"--proxy ", "--proxy-layers N", "--resolution N", "--width-multiplier N",
                           "--data S", "--data-dir S", "--synthetic-size N", "--validation-size N",
                           "--seed N", "--threads N", "--out S"}) {
    const auto line = [&](const std::string& help) {
      const std::size_t at = help.find(std::string("  ") + flag);
      return at == std::string::npos ? std::string("(missing)") : help.substr(at, help.find('\n', at) - at);
    };
    CHECK_MESSAGE(line(search) != "(missing)", flag);
    if (std::string(flag) != "--seed N") CHECK_MESSAGE(line(search) == line(train), flag);
  }
  tunas::search::SearchConfig s;
  s.proxy_layers = 9;
  tunas::train::TrainConfig t;
  t.space = "proxylessnas_search";
  t.proxy_layers = 9;
  CHECK(contains(error_of([&] { tunas::search::validate(s); }), "--proxy-layers must be in [0, 8], got 9"));
  CHECK(contains(error_of([&] { tunas::train::validate(t); }), "--proxy-layers must be in [0, 8], got 9"));
}

TEST_CASE("train: --lr is auto or a number, 0 included; older params.json (0 = default) resume as auto") {
  TrainConfig c;
  CHECK_FALSE(c.lr.has_value());
  std::vector<std::string> args = {"tunas_train", "--lr", "0"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  REQUIRE(tunas::train::parse_train_flags(c, int(argv.size()), argv.data()));
  REQUIRE(c.lr.has_value());
  CHECK(*c.lr == 0.0);
  // The fingerprint spells auto as the first release did (0), an explicit 0 apart from it.
  TrainConfig first_release;
  CHECK(tunas::train::train_fingerprint(first_release).find("\"lr\": 0.0") != std::string::npos);
  CHECK(tunas::train::train_fingerprint(c) != tunas::train::train_fingerprint(first_release));
  // An older params.json: lr 0 meant the default, its resolved section has no marker.
  const std::string old = fresh_dir("old_params.json");
  tunas::write_file_atomic(old, R"({"batch": 8, "lr": 0, "seed": 3,
  "resolved": {"learning_rate": 0.005, "total_steps": 4}})");
  TrainConfig o;
  tunas::train::apply_train_config_file(o, old);
  CHECK_FALSE(o.lr.has_value());
  CHECK(tunas::train::train_fingerprint(o).find("\"lr\": 0.0") != std::string::npos);
  // A newer one (marked) keeps an explicit 0, and "auto" reads back as auto.
  const std::string fresh = fresh_dir("new_params.json");
  tunas::write_file_atomic(fresh, std::string(R"({"batch": 8, "lr": 0, "resolved": {"learning_rate": 0, ")") +
                                      tunas::train::kLrAutoSpelledAuto + R"(": true}})");
  TrainConfig n;
  tunas::train::apply_train_config_file(n, fresh);
  CHECK(n.lr == 0.0);
  const std::string written = fresh_dir("auto_params.json");
  tunas::write_file_atomic(written, tunas::train::train_config_to_json(TrainConfig{}).dump(2));
  CHECK(tunas::read_file(written).find("\"lr\": \"auto\"") != std::string::npos);
  TrainConfig a;
  a.lr = 0.5;
  tunas::train::apply_train_config_file(a, written);
  CHECK_FALSE(a.lr.has_value());
  // A user's --config file without a resolved section: 0 is 0.
  const std::string user = fresh_dir("user_cfg.yaml");
  tunas::write_file_atomic(user, "lr: 0\n");
  TrainConfig u;
  tunas::train::apply_train_config_file(u, user);
  CHECK(u.lr == 0.0);
}
