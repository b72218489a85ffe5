#include "search/search_config.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "core/error.h"
#include "core/files.h"
#include "datasets/load.h"
#include "search/option_table.h"
#include "search/run_limits.h"
#include "search_spaces/catalog.h"

namespace tunas::search {

namespace {

using C = SearchConfig;

const OptionTable<SearchConfig>& table() {
  static const OptionTable<SearchConfig> t({
      option("space", &C::space, "search space: a TuNAS name (proxylessnas_search, "
                                 "proxylessnas_enlarged_search, mobilenet_v3_like_search) or a YAML path"),
      option("data", &C::data,
             "dataset: fashion_mnist | synthetic | cifar10 | imagefolder | filelist (--data-dir DIR)"),
      option("data_dir", &C::data_dir,
             "dataset directory (fashion_mnist default: /usr/share/datasets/fashion-mnist)"),
      option("cost_model", &C::cost_model, "cost model: tunas_pixel1 (ms), macs, params, lut"),
      option("lut", &C::lut, "latency table file for --cost-model lut (tunas_profile)"),
      option("target_ms", &C::target_ms,
             "cost target T0 (0 = the space's default: 84 or 57 ms); flag alias --target"),
      option("reward", &C::reward, "reward: abs (default) | mnas | mnas_hard | unconstrained"),
      option("beta", &C::beta, "cost exponent beta of the reward (TuNAS: -0.10)"),
      option("steps", &C::steps, "search steps (0 = from --epochs)"),
      option("epochs", &C::epochs, "epochs over the search-train split (used when --steps is 0)"),
      option("batch", &C::batch, "training images per replica per step"),
      option("valid_batch", &C::valid_batch, "validation images per replica per step (0 = batch)"),
      option("replicas", &C::replicas, "K: architectures sampled per step (gradients averaged)"),
      option("validation_size", &C::validation_size,
             "images of the training set held out for the rewards"),
      option("synthetic_size", &C::synthetic_size, "training images of --data synthetic"),
      option("num_classes", &C::num_classes,
             "imagefolder/filelist: logits (0 = the classes found; 1001 for ImageNet, spec §0)"),
      option("skip_corrupt_images", &C::skip_corrupt_images,
             "imagefolder/filelist: replace an unreadable image by another of its batch (warned, "
             "counted) instead of stopping"),
      option("proxy", &C::proxy, "proxy network for small inputs (see --proxy-layers)"),
      option("proxy_layers", &C::proxy_layers,
             "how many leading stride-2 layers the proxy runs at stride 1 (stem, first block)"),
      option("resolution", &C::resolution, "input resolution the network is built for"),
      option("width_multiplier", &C::width_multiplier, "multiplier on every block width"),
      option("model_lr", &C::model_lr,
             "peak model learning rate, >= 0 (auto = 0.165 * global batch / 256)"),
      option("model_warmup_fraction", &C::model_warmup_fraction, "linear model lr warm-up fraction"),
      option("weight_decay", &C::weight_decay, "L2 weight decay (-1 = the space's default)"),
      option("label_smoothing", &C::label_smoothing, "label smoothing of the training loss"),
      option("policy_lr", &C::policy_lr,
             "base policy learning rate, >= 0 (auto = 3e-4 * global batch / 256 * policy_lr_scale)"),
      option("policy_lr_scale", &C::policy_lr_scale, "multiplier on the default policy lr"),
      option("policy_lr_schedule", &C::policy_lr_schedule,
             "exponential (x10 over learning) | constant"),
      option("policy_delay_fraction", &C::policy_delay_fraction,
             "fraction of steps before the policy learns"),
      option("warmup_fraction", &C::warmup_fraction, "op and filter warm-up fraction (<= delay)"),
      option("op_warmup_fraction", &C::op_warmup_fraction,
             "op warm-up fraction, in [0, 1] and <= delay (auto = --warmup-fraction)"),
      option("filter_warmup_fraction", &C::filter_warmup_fraction,
             "filter warm-up fraction, in [0, 1] and <= delay (auto = --warmup-fraction)"),
      option("entropy_weight", &C::entropy_weight, "entropy regularisation lambda"),
      option("baseline_momentum", &C::baseline_momentum,
             "reward baseline EMA momentum, in [0, 1) (TuNAS: 0.95)"),
      option("policy_adam_beta1", &C::policy_adam_beta1, "policy Adam beta1, in [0, 1) (TuNAS: 0)"),
      option("policy_adam_beta2", &C::policy_adam_beta2,
             "policy Adam beta2, in [0, 1) (TuNAS: 0.999)"),
      option("policy_adam_epsilon", &C::policy_adam_epsilon,
             "policy Adam epsilon-hat, > 0 (TuNAS: 1e-8)"),
      option("policy_temperature", &C::policy_temperature,
             "sampling temperature T: softmax(logits/T), > 0 (TuNAS: 1)"),
      option("remat", &C::remat, "rematerialise multi-branch switches in the backward pass"),
      option("seed", &C::seed, "random seed (weights, policy samples, data order)"),
      option("threads", &C::threads, "threads (0 = all cores)"),
      option("out", &C::out, "run directory"),
      option("log_every", &C::log_every, "steps between log.jsonl records and progress lines"),
      option("checkpoint_every", &C::checkpoint_every, "steps between checkpoints"),
      option("quiet", &C::quiet, "no progress output"),
      option("resume", &C::resume, "continue the run in --out from its last checkpoint"),
  });
  return t;
}

std::string flag_name(const std::string& key) { return option_flag_name(key); }

}  // namespace

const std::vector<std::string>& params_json_derived_keys() {
  static const std::vector<std::string> keys = {
      "resolved", "max_global_step", "rl_delay_steps", "increase_ops_warmup_steps",
      "increase_filters_warmup_steps", "model_learning_rate", "rl_learning_rate",
      "rl_cost_model_target", "use_bfloat16", "model_weight_decay", "ssd"};
  return keys;
}

void apply_config_file(SearchConfig& config, const std::string& path) {
  SearchConfig updated = config;
  table().apply_file(updated, path, params_json_derived_keys());
  // Older params.json: 0 was the spelling of the default learning rates (see the header).
  const YAML::Node resolved = YAML::LoadFile(path)["resolved"];
  if (resolved && resolved.IsMap() && resolved["model_learning_rate"]) {
    if (updated.model_lr == 0.0) updated.model_lr.reset();
    if (updated.policy_lr == 0.0) updated.policy_lr.reset();
  }
  config = updated;
}

bool parse_search_flags(SearchConfig& config, int argc, char** argv) {
  std::string file;
  if (!table().parse_flags(config, argc, argv, search_usage(), &file, {{"target", "target_ms"}},
                           &config.given_keys))
    return false;
  if (!file.empty()) config.config = file;
  return true;
}

std::string search_usage() {
  std::ostringstream os;
  os << "usage: tunas_search [options]\n\n"
        "Runs a TuNAS weight-sharing architecture search: trains one supernet and a policy\n"
        "per decision with REINFORCE against the reward r = accuracy + beta*|T/T0 - 1|, then\n"
        "writes the argmax architecture to <out>/final_architecture.json.\n\n"
        "Every option can also be set in a YAML file (--config FILE, keys as below with '_');\n"
        "flags override the file. <out>/params.json holds every resolved setting.\n\n"
        "options:\n";
  os << "  --config FILE              YAML file of options\n";
  os << table().help_lines();
  os << "  --help                     this text\n\n"
        "Exit status: 0 done, 1 bad input or a failed run (message on stderr), 130 interrupted\n"
        "(a checkpoint was saved; continue with --resume --out DIR), 2 internal error (a bug).\n";
  return os.str();
}

void validate(const SearchConfig& c) {
  auto require_positive = [](double v, const char* key) {
    TUNAS_REQUIRE(v > 0, flag_name(key), " must be > 0, got ", v);
  };
  auto require_fraction = [](double v, const char* key) {
    TUNAS_REQUIRE(v >= 0 && v <= 1, flag_name(key), " must be in [0, 1], got ", v);
  };
  TUNAS_REQUIRE(datasets::is_dataset_name(c.data), "--data must be one of ",
                datasets::kDatasetNames, ", got '", c.data, "'");
  TUNAS_REQUIRE(c.num_classes >= 0, "--num-classes must be >= 0 (0 = the classes found), got ",
                c.num_classes);
  TUNAS_REQUIRE(c.steps >= 0, "--steps must be >= 0, got ", c.steps);
  TUNAS_REQUIRE(c.steps > 0 || c.epochs > 0, "give --steps N or --epochs E (> 0)");
  TUNAS_REQUIRE(c.epochs >= 0, "--epochs must be >= 0, got ", c.epochs);
  require_in_range(c.batch, 1, kMaxBatch, "--batch");
  require_in_range(c.valid_batch, 0, kMaxBatch, "--valid-batch");
  require_in_range(c.replicas, 1, kMaxReplicas, "--replicas");
  require_positive(double(c.validation_size), "validation_size");
  require_in_range(c.synthetic_size, std::int64_t(1), kMaxSyntheticImages, "--synthetic-size");
  require_in_range(c.width_multiplier, 1e-3, kMaxWidthMultiplier, "--width-multiplier");
  require_in_range(c.threads, 0, kMaxThreads, "--threads");
  require_in_range(c.epochs, 0.0, kMaxEpochs, "--epochs");
  TUNAS_REQUIRE(c.proxy_layers >= 0 && c.proxy_layers <= 8, "--proxy-layers must be in [0, 8], got ",
                c.proxy_layers);
  TUNAS_REQUIRE(c.resolution >= 8 && c.resolution <= 1024, "--resolution must be in [8, 1024], got ",
                c.resolution);
  require_positive(c.width_multiplier, "width_multiplier");
  TUNAS_REQUIRE(c.target_ms >= 0, "--target must be >= 0 (0 = the space's default), got ",
                c.target_ms);
  TUNAS_REQUIRE(c.model_lr.value_or(0) >= 0, "--model-lr must be >= 0 or auto, got ",
                c.model_lr.value_or(0));
  TUNAS_REQUIRE(c.policy_lr.value_or(0) >= 0, "--policy-lr must be >= 0 or auto, got ",
                c.policy_lr.value_or(0));
  require_positive(c.policy_lr_scale, "policy_lr_scale");
  TUNAS_REQUIRE(c.policy_lr_schedule == "exponential" || c.policy_lr_schedule == "constant",
                "--policy-lr-schedule must be exponential or constant, got '",
                c.policy_lr_schedule, "'");
  require_fraction(c.model_warmup_fraction, "model_warmup_fraction");
  require_fraction(c.policy_delay_fraction, "policy_delay_fraction");
  require_fraction(c.warmup_fraction, "warmup_fraction");
  require_fraction(c.op_warmup(), "op_warmup_fraction");
  require_fraction(c.filter_warmup(), "filter_warmup_fraction");
  auto require_unit_interval = [](double v, const char* key) {
    TUNAS_REQUIRE(v >= 0 && v < 1, flag_name(key), " must be in [0, 1), got ", v);
  };
  require_unit_interval(c.baseline_momentum, "baseline_momentum");
  require_unit_interval(c.policy_adam_beta1, "policy_adam_beta1");
  require_unit_interval(c.policy_adam_beta2, "policy_adam_beta2");
  require_positive(c.policy_adam_epsilon, "policy_adam_epsilon");
  require_positive(c.policy_temperature, "policy_temperature");
  require_fraction(c.label_smoothing, "label_smoothing");
  TUNAS_REQUIRE(c.weight_decay == -1 || c.weight_decay >= 0,
                "--weight-decay must be >= 0 (or -1 for the space's default), got ", c.weight_decay);
  TUNAS_REQUIRE(c.entropy_weight >= 0, "--entropy-weight must be >= 0, got ", c.entropy_weight);
  TUNAS_REQUIRE(c.threads >= 0, "--threads must be >= 0, got ", c.threads);
  TUNAS_REQUIRE(!c.out.empty(), "--out must name a directory");
  require_positive(double(c.log_every), "log_every");
  require_positive(double(c.checkpoint_every), "checkpoint_every");
  TUNAS_REQUIRE(c.cost_model != "lut" || !c.lut.empty(), "--cost-model lut needs --lut FILE");
}

Json config_to_json(const SearchConfig& config) {
  return table().to_json(config, {"resume", "quiet"});
}

namespace {
// Settings that change the computation; threads, remat (bitwise-equal gradients), output
// and logging/checkpoint cadence do not.
// The settings that change a run's result, as the first release fingerprinted them.
const std::vector<std::string>& original_result_keys() {
  static const std::vector<std::string> keys = {
      "space", "data", "data_dir", "cost_model", "lut", "target_ms", "reward",
      "beta", "steps", "epochs", "batch", "valid_batch", "replicas",
      "validation_size", "synthetic_size", "proxy", "proxy_layers", "resolution",
      "width_multiplier", "model_lr", "model_warmup_fraction", "weight_decay",
      "label_smoothing", "policy_lr", "policy_lr_scale", "policy_lr_schedule",
      "policy_delay_fraction", "warmup_fraction", "entropy_weight", "seed"};
  return keys;
}
// Result-changing settings added later: fingerprinted only away from their defaults, so runs
// of earlier releases still resume.
const std::vector<std::string>& later_result_keys() {
  static const std::vector<std::string> keys = {
      "op_warmup_fraction", "filter_warmup_fraction", "baseline_momentum", "policy_adam_beta1",
      "policy_adam_beta2", "policy_adam_epsilon", "policy_temperature", "num_classes"};
  return keys;
}
// Every setting that changes the result: --resume refuses a new value for any of them.
const std::vector<std::string>& fingerprint_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> all = original_result_keys();
    all.insert(all.end(), later_result_keys().begin(), later_result_keys().end());
    return all;
  }();
  return keys;
}
}  // namespace

std::string config_fingerprint(const SearchConfig& config) {
  Json j = config_to_json(config);
  Json::object_t kept;
  for (const std::string& key : original_result_keys()) kept[key] = j[key];
  // The learning rates as the first release wrote them: auto was 0. An explicit 0 is "0".
  for (const auto& [key, value] : {std::pair{"model_lr", config.model_lr},
                                   std::pair{"policy_lr", config.policy_lr}}) {
    kept[key] = !value ? Json(0.0) : *value == 0.0 ? Json("0") : Json(*value);
  }
  Json defaults = config_to_json(SearchConfig{});
  for (const std::string& key : later_result_keys())
    if (j[key].dump() != defaults[key].dump()) kept[key] = j[key];
  return json_line(Json(kept));
}

std::string resume_conflicts(const SearchConfig& run, const SearchConfig& now) {
  std::vector<std::string> keys;
  for (const std::string& key : now.given_keys) {
    for (const std::string& f : fingerprint_keys())
      if (key == f) keys.push_back(key);
  }
  return table().differences(run, now, keys);
}

void make_paths_absolute(SearchConfig& config) {
  config.space = spaces::stable_space_reference(config.space);
  config.data_dir = absolute_path(config.data_dir);
  config.lut = absolute_path(config.lut);
}

}  // namespace tunas::search
