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
  fails([](SearchConfig& c) { c.data = "imagenet"; }, "--data must be fashion_mnist, synthetic or cifar10");
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
