#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "search/search_config.h"

using tunas::search::SearchConfig;

namespace {
bool parse(SearchConfig& c, std::vector<std::string> args) {
  std::vector<char*> argv{const_cast<char*>("tunas_search")};
  for (auto& a : args) argv.push_back(a.data());
  return tunas::search::parse_search_flags(c, int(argv.size()), argv.data());
}
std::string temp_file(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  tunas::write_file_atomic(path.string(), text);
  return path.string();
}
}  // namespace

TEST_CASE("search flags: values, booleans, aliases") {
  SearchConfig c;
  CHECK(parse(c, {"--space", "mobilenet_v3_like_search", "--target=57.5", "--replicas", "3",
                  "--quiet", "--remat=false", "--width-multiplier", "0.5"}));
  CHECK(c.space == "mobilenet_v3_like_search");
  CHECK(c.target_ms == 57.5);
  CHECK(c.replicas == 3);
  CHECK(c.quiet);
  CHECK_FALSE(c.remat);
  CHECK(c.width_multiplier == 0.5);
  CHECK_NOTHROW(tunas::search::validate(c));
}

TEST_CASE("search flags: errors name the flag and the value") {
  SearchConfig c;
  CHECK_THROWS_WITH_AS(parse(c, {"--no-such-flag", "1"}), doctest::Contains("--no-such-flag"),
                       tunas::Error);
  CHECK_THROWS_WITH_AS(parse(c, {"--batch", "many"}),
                       doctest::Contains("option --batch: expected an integer, got 'many'"),
                       tunas::Error);
  CHECK_THROWS_WITH_AS(parse(c, {"--beta"}), doctest::Contains("--beta needs a value"), tunas::Error);
  CHECK_THROWS_WITH_AS(parse(c, {"--quiet=maybe"}), doctest::Contains("expected true or false"),
                       tunas::Error);
  CHECK_THROWS_WITH_AS(parse(c, {"stray"}), doctest::Contains("unexpected argument 'stray'"),
                       tunas::Error);
  CHECK(c.batch == SearchConfig().batch);  // nothing half-applied
}

TEST_CASE("search config file: applied first, flags override, errors name file and line") {
  const std::string good = temp_file("tunas_cfg_good.yaml", "batch: 32\nseed: 7\nreward: mnas\n");
  SearchConfig c;
  CHECK(parse(c, {"--seed", "9", "--config", good}));
  CHECK(c.batch == 32);
  CHECK(c.seed == 9);  // the flag wins whatever the order
  CHECK(c.reward == "mnas");
  CHECK(c.config == good);

  const std::string unknown = temp_file("tunas_cfg_unknown.yaml", "batch: 32\nbatchsize: 7\n");
  SearchConfig d;
  CHECK_THROWS_WITH_AS(parse(d, {"--config", unknown}),
                       doctest::Contains("tunas_cfg_unknown.yaml:2: unknown option 'batchsize'"),
                       tunas::Error);
  const std::string bad_value = temp_file("tunas_cfg_bad.yaml", "steps: ten\n");
  CHECK_THROWS_WITH_AS(parse(d, {"--config", bad_value}),
                       doctest::Contains("tunas_cfg_bad.yaml:1: steps: expected an integer"),
                       tunas::Error);
  const std::string malformed = temp_file("tunas_cfg_malformed.yaml", "batch: [1, 2\n");
  CHECK_THROWS_WITH_AS(parse(d, {"--config", malformed}), doctest::Contains("malformed YAML"),
                       tunas::Error);
  CHECK_THROWS_WITH_AS(parse(d, {"--config", "/nonexistent/cfg.yaml"}),
                       doctest::Contains("/nonexistent/cfg.yaml"), tunas::Error);
  CHECK(d.batch == SearchConfig().batch);
}

TEST_CASE("search config validation names the setting and the valid range") {
  auto fails = [](auto mutate, const char* expected) {
    SearchConfig c;
    mutate(c);
    CHECK_THROWS_WITH_AS(tunas::search::validate(c), doctest::Contains(expected), tunas::Error);
  };
  fails([](SearchConfig& c) { c.batch = 0; }, "--batch must be in [1, 65536]");
  fails([](SearchConfig& c) { c.data = "imagenet"; }, "--data must be one of fashion_mnist, cifar10, synthetic, imagefolder, filelist");
  fails([](SearchConfig& c) { c.warmup_fraction = 1.5; }, "--warmup-fraction must be in [0, 1]");
  fails([](SearchConfig& c) { c.policy_lr_schedule = "linear"; }, "--policy-lr-schedule");
  fails([](SearchConfig& c) { c.cost_model = "lut"; }, "--cost-model lut needs --lut FILE");
  fails([](SearchConfig& c) { c.steps = 0; c.epochs = 0; }, "give --steps N or --epochs E");
  fails([](SearchConfig& c) { c.resolution = 4; }, "--resolution must be in [8, 1024]");
}

TEST_CASE("params.json round-trips as a config file; fingerprint ignores threads") {
  SearchConfig c;
  c.space = "mobilenet_v3_like_search";
  c.seed = 11;
  c.remat = false;
  const std::string path =
      temp_file("tunas_params_roundtrip.json", tunas::search::config_to_json(c).dump(2));
  SearchConfig d;
  tunas::search::apply_config_file(d, path);
  CHECK(tunas::search::config_fingerprint(d) == tunas::search::config_fingerprint(c));
  CHECK(d.remat == false);
  d.threads = 7;
  CHECK(tunas::search::config_fingerprint(d) == tunas::search::config_fingerprint(c));
  d.seed = 12;
  CHECK(tunas::search::config_fingerprint(d) != tunas::search::config_fingerprint(c));
}

TEST_CASE("learning rates: auto by default, every number (0 included) as given") {
  SearchConfig c;
  CHECK_FALSE(c.model_lr.has_value());
  CHECK_FALSE(c.policy_lr.has_value());
  CHECK(parse(c, {"--policy-lr", "0", "--model-lr=0"}));
  REQUIRE(c.policy_lr.has_value());
  CHECK(*c.policy_lr == 0.0);
  CHECK(*c.model_lr == 0.0);
  CHECK(parse(c, {"--policy-lr", "auto"}));
  CHECK_FALSE(c.policy_lr.has_value());
  CHECK_THROWS_WITH_AS(parse(c, {"--model-lr", "fast"}),
                       doctest::Contains("option --model-lr: expected a number or auto, got 'fast'"),
                       tunas::Error);
  // params.json writes "auto" or the number, and reads back the same.
  c.model_lr = 0.0;
  const tunas::Json j = tunas::search::config_to_json(c);
  const std::string path = temp_file("tunas_params_auto.json", j.dump(2));
  CHECK(tunas::read_file(path).find("\"policy_lr\": \"auto\"") != std::string::npos);
  SearchConfig d;
  tunas::search::apply_config_file(d, path);
  CHECK(d.model_lr == 0.0);
  CHECK_FALSE(d.policy_lr.has_value());
  // An explicit 0 and auto are different runs.
  SearchConfig e = d;
  e.model_lr.reset();
  CHECK(tunas::search::config_fingerprint(d) != tunas::search::config_fingerprint(e));
}

TEST_CASE("params.json of an older run (0 meant the default lr) resumes with the default") {
  // Written before "auto": the settings with model_lr/policy_lr 0 and the resolved numbers.
  const std::string old = temp_file("tunas_params_old.json", R"({
  "batch": 8, "model_lr": 0, "policy_lr": 0, "seed": 3, "warmup_fraction": 0.25,
  "resolved": {"max_global_step": 12, "model_learning_rate": 0.0103, "rl_learning_rate": 1.9e-05}
})");
  SearchConfig c;
  tunas::search::apply_config_file(c, old);
  CHECK_FALSE(c.model_lr.has_value());
  CHECK_FALSE(c.policy_lr.has_value());
  CHECK(c.seed == 3);
  // ... and its checkpoint's fingerprint (auto spelled 0; no key added since) still matches.
  SearchConfig first_release;
  first_release.batch = 8;
  first_release.seed = 3;
  const std::string fp = tunas::search::config_fingerprint(first_release);
  CHECK(fp.find("\"model_lr\": 0.0,") != std::string::npos);
  CHECK(fp.find("baseline_momentum") == std::string::npos);
  CHECK(tunas::search::config_fingerprint(c) == fp);
  // A --config file without a "resolved" section: 0 is 0.
  const std::string user = temp_file("tunas_cfg_zero_lr.yaml", "policy_lr: 0\n");
  SearchConfig u;
  tunas::search::apply_config_file(u, user);
  CHECK(u.policy_lr == 0.0);
  // The spec keys a newer params.json holds at the top level are skipped when read.
  const std::string fresh = temp_file("tunas_params_new.json", R"({
  "batch": 8, "model_lr": "auto", "max_global_step": 12, "rl_learning_rate": 0.01, "ssd": "x",
  "use_bfloat16": false, "resolved": {"classes": 10}
})");
  SearchConfig n;
  CHECK_NOTHROW(tunas::search::apply_config_file(n, fresh));
  CHECK(n.batch == 8);
}

TEST_CASE("ablation knobs: flags, ranges named in errors, fingerprint") {
  SearchConfig c;
  CHECK(parse(c, {"--op-warmup-fraction", "0.1", "--filter-warmup-fraction", "0.2",
                  "--baseline-momentum", "0.9", "--policy-adam-beta1", "0.5", "--policy-adam-beta2",
                  "0.99", "--policy-adam-epsilon", "1e-6", "--policy-temperature", "2"}));
  CHECK(c.op_warmup() == 0.1);
  CHECK(c.filter_warmup() == 0.2);
  CHECK(c.baseline_momentum == 0.9);
  CHECK(c.policy_adam_beta1 == 0.5);
  CHECK(c.policy_adam_beta2 == 0.99);
  CHECK(c.policy_adam_epsilon == 1e-6);
  CHECK(c.policy_temperature == 2);
  CHECK_NOTHROW(tunas::search::validate(c));
  SearchConfig d;
  d.warmup_fraction = 0.2;
  CHECK(d.op_warmup() == 0.2);  // auto follows --warmup-fraction
  CHECK(d.filter_warmup() == 0.2);
  auto fails = [](auto mutate, const char* expected) {
    SearchConfig c;
    mutate(c);
    CHECK_THROWS_WITH_AS(tunas::search::validate(c), doctest::Contains(expected), tunas::Error);
  };
  fails([](SearchConfig& c) { c.op_warmup_fraction = 1.5; }, "--op-warmup-fraction must be in [0, 1] or auto, got 1.5");
  fails([](SearchConfig& c) { c.filter_warmup_fraction = -0.1; }, "--filter-warmup-fraction must be in [0, 1]");
  fails([](SearchConfig& c) { c.baseline_momentum = 1; }, "--baseline-momentum must be in [0, 1), got 1");
  fails([](SearchConfig& c) { c.policy_adam_beta1 = -0.5; }, "--policy-adam-beta1 must be in [0, 1)");
  fails([](SearchConfig& c) { c.policy_adam_beta2 = 1; }, "--policy-adam-beta2 must be in [0, 1)");
  fails([](SearchConfig& c) { c.policy_adam_epsilon = 0; }, "--policy-adam-epsilon must be > 0");
  fails([](SearchConfig& c) { c.policy_temperature = 0; }, "--policy-temperature must be > 0");
  fails([](SearchConfig& c) { c.policy_lr = -1.0; }, "--policy-lr must be >= 0 or auto");
  // Each knob is in --help with its range, and changes the fingerprint when set.
  const std::string help = tunas::search::search_usage();
  for (const char* flag : {"--op-warmup-fraction N", "--filter-warmup-fraction N", "--baseline-momentum N",
                           "--policy-adam-beta1 N", "--policy-adam-beta2 N", "--policy-adam-epsilon N",
                           "--policy-temperature N"})
    CHECK_MESSAGE(help.find(flag) != std::string::npos, flag);
  CHECK(help.find("(TuNAS: 0.95); in [0, 1)") != std::string::npos);  // the range from the row
  CHECK(tunas::search::config_fingerprint(c) != tunas::search::config_fingerprint(SearchConfig{}));
}
