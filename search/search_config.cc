#include "search/search_config.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/error.h"
#include "core/files.h"
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
      option("data", &C::data, "dataset: fashion_mnist | synthetic | cifar10"),
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
      option("proxy", &C::proxy, "proxy network for small inputs (see --proxy-layers)"),
      option("proxy_layers", &C::proxy_layers,
             "how many leading stride-2 layers the proxy runs at stride 1 (stem, first block)"),
      option("resolution", &C::resolution, "input resolution the network is built for"),
      option("width_multiplier", &C::width_multiplier, "multiplier on every block width"),
      option("model_lr", &C::model_lr, "peak model learning rate (0 = 0.165 * global batch / 256)"),
      option("model_warmup_fraction", &C::model_warmup_fraction, "linear model lr warm-up fraction"),
      option("weight_decay", &C::weight_decay, "L2 weight decay (-1 = the space's default)"),
      option("label_smoothing", &C::label_smoothing, "label smoothing of the training loss"),
      option("policy_lr", &C::policy_lr,
             "base policy learning rate (0 = 3e-4 * global batch / 256 * policy_lr_scale)"),
      option("policy_lr_scale", &C::policy_lr_scale, "multiplier on the default policy lr"),
      option("policy_lr_schedule", &C::policy_lr_schedule,
             "exponential (x10 over learning) | constant"),
      option("policy_delay_fraction", &C::policy_delay_fraction,
             "fraction of steps before the policy learns"),
      option("warmup_fraction", &C::warmup_fraction, "op and filter warm-up fraction (<= delay)"),
      option("entropy_weight", &C::entropy_weight, "entropy regularisation lambda"),
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

void apply_config_file(SearchConfig& config, const std::string& path) {
  table().apply_file(config, path, {"resolved"});  // params.json's derived values: informational
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
  TUNAS_REQUIRE(c.data == "fashion_mnist" || c.data == "synthetic" || c.data == "cifar10",
                "--data must be fashion_mnist, synthetic or cifar10, got '", c.data, "'");
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
  TUNAS_REQUIRE(c.model_lr >= 0, "--model-lr must be >= 0, got ", c.model_lr);
  TUNAS_REQUIRE(c.policy_lr >= 0, "--policy-lr must be >= 0, got ", c.policy_lr);
  require_positive(c.policy_lr_scale, "policy_lr_scale");
  TUNAS_REQUIRE(c.policy_lr_schedule == "exponential" || c.policy_lr_schedule == "constant",
                "--policy-lr-schedule must be exponential or constant, got '",
                c.policy_lr_schedule, "'");
  require_fraction(c.model_warmup_fraction, "model_warmup_fraction");
  require_fraction(c.policy_delay_fraction, "policy_delay_fraction");
  require_fraction(c.warmup_fraction, "warmup_fraction");
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
const std::vector<std::string>& fingerprint_keys() {
  static const std::vector<std::string> keys = {
      "space", "data", "data_dir", "cost_model", "lut", "target_ms", "reward",
      "beta", "steps", "epochs", "batch", "valid_batch", "replicas",
      "validation_size", "synthetic_size", "proxy", "proxy_layers", "resolution",
      "width_multiplier", "model_lr", "model_warmup_fraction", "weight_decay",
      "label_smoothing", "policy_lr", "policy_lr_scale", "policy_lr_schedule",
      "policy_delay_fraction", "warmup_fraction", "entropy_weight", "seed"};
  return keys;
}
}  // namespace

std::string config_fingerprint(const SearchConfig& config) {
  Json j = config_to_json(config);
  Json::Object kept;
  for (const std::string& key : fingerprint_keys()) kept[key] = j[key];
  return Json(kept).dump();
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
