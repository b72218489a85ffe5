#include "search/search_config.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "core/error.h"
#include "core/files.h"
#include "datasets/load.h"
#include "run/option_blocks.h"
#include "run/option_table.h"
#include "run/run_limits.h"
#include "search_spaces/catalog.h"

namespace tunas::search {

namespace {

using C = SearchConfig;

// One row per setting: key, field, help, valid range or choices, and whether it changes the
// result (fingerprinted; --resume refuses a new value). Rows marked changes_result_when_set
// came after the first release and count only away from their default.
const OptionTable<SearchConfig>& table() {
  static const OptionTable<SearchConfig> t(concat<C>({
      {
          option("space", &C::space,
                 "search space: a TuNAS name (proxylessnas_search, proxylessnas_enlarged_search, "
                 "mobilenet_v3_like_search) or a YAML path")
              .changes_result(),
      },
      data_options<C>(),
      {
          validation_size_option<C>(),
          option("num_classes", &C::num_classes,
                 "imagefolder/filelist: logits (0 = the classes found; 1001 for ImageNet, spec §0)")
              .in(0, datasets::kMaxClasses)
              .changes_result_when_set(),
          option("skip_corrupt_images", &C::skip_corrupt_images,
                 "imagefolder/filelist: replace an unreadable image by another of its batch "
                 "(warned, counted) instead of stopping"),
          option("cost_model", &C::cost_model, "cost model: tunas_pixel1 (ms), macs, params, lut")
              .changes_result(),
          option("lut", &C::lut, "latency table file for --cost-model lut (tunas_profile)")
              .changes_result(),
          option("target_ms", &C::target_ms,
                 "cost target T0 (0 = the space's default: 84 or 57 ms); flag alias --target")
              .at_least(0)
              .changes_result(),
          option("reward", &C::reward, "reward (TuNAS: abs)")
              .one_of({"abs", "mnas", "mnas_hard", "unconstrained"})
              .changes_result(),
          option("beta", &C::beta, "cost exponent beta of the reward (TuNAS: -0.10)")
              .changes_result(),
          option("steps", &C::steps, "search steps (0 = from --epochs)").at_least(0).changes_result(),
          option("epochs", &C::epochs, "epochs over the search-train split (used when --steps is 0)")
              .in(0, run::kMaxEpochs)
              .changes_result(),
          option("batch", &C::batch, "training images per replica per step")
              .in(1, run::kMaxBatch)
              .changes_result(),
          option("valid_batch", &C::valid_batch, "validation images per replica per step (0 = batch)")
              .in(0, run::kMaxBatch)
              .changes_result(),
          option("replicas", &C::replicas, "K: architectures sampled per step (gradients averaged)")
              .in(1, run::kMaxReplicas)
              .changes_result(),
      },
      network_options<C>(),
      {
          option("model_lr", &C::model_lr, "peak model learning rate (auto = 0.165 * global batch / 256)")
              .at_least(0)
              .changes_result()
              .fingerprint_auto_as_zero(),
          option("model_warmup_fraction", &C::model_warmup_fraction, "linear model lr warm-up fraction")
              .in(0, 1)
              .changes_result(),
      },
      regularisation_options<C>(),
      {
          option("policy_lr", &C::policy_lr,
                 "base policy learning rate (auto = 3e-4 * global batch / 256 * policy_lr_scale)")
              .at_least(0)
              .changes_result()
              .fingerprint_auto_as_zero(),
          option("policy_lr_scale", &C::policy_lr_scale, "multiplier on the default policy lr")
              .above(0)
              .changes_result(),
          option("policy_lr_schedule", &C::policy_lr_schedule,
                 "exponential (x10 over learning) or constant")
              .one_of({"exponential", "constant"})
              .changes_result(),
          option("policy_delay_fraction", &C::policy_delay_fraction,
                 "fraction of steps before the policy learns")
              .in(0, 1)
              .changes_result(),
          option("warmup_fraction", &C::warmup_fraction, "op and filter warm-up fraction (<= delay)")
              .in(0, 1)
              .changes_result(),
          option("op_warmup_fraction", &C::op_warmup_fraction,
                 "op warm-up fraction, <= delay (auto = --warmup-fraction)")
              .in(0, 1)
              .changes_result_when_set(),
          option("filter_warmup_fraction", &C::filter_warmup_fraction,
                 "filter warm-up fraction, <= delay (auto = --warmup-fraction)")
              .in(0, 1)
              .changes_result_when_set(),
          option("entropy_weight", &C::entropy_weight, "entropy regularisation lambda")
              .at_least(0)
              .changes_result(),
          option("baseline_momentum", &C::baseline_momentum,
                 "reward baseline EMA momentum (TuNAS: 0.95)")
              .in_half_open(0, 1)
              .changes_result_when_set(),
          option("policy_adam_beta1", &C::policy_adam_beta1, "policy Adam beta1 (TuNAS: 0)")
              .in_half_open(0, 1)
              .changes_result_when_set(),
          option("policy_adam_beta2", &C::policy_adam_beta2, "policy Adam beta2 (TuNAS: 0.999)")
              .in_half_open(0, 1)
              .changes_result_when_set(),
          option("policy_adam_epsilon", &C::policy_adam_epsilon,
                 "policy Adam epsilon-hat (TuNAS: 1e-8)")
              .above(0)
              .changes_result_when_set(),
          option("policy_temperature", &C::policy_temperature,
                 "sampling temperature T: softmax(logits/T) (TuNAS: 1)")
              .above(0)
              .changes_result_when_set(),
          // Bitwise-equal gradients either way: not fingerprinted.
          option("remat", &C::remat, "rematerialise multi-branch switches in the backward pass"),
      },
      run_options<C>("random seed (weights, policy samples, data order)"),
  }));
  return t;
}

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
  os << option_help_block(table().help_lines()) << "\n" << kRunToolExitStatus;
  return os.str();
}

void validate(const SearchConfig& c) {
  table().check(c);  // every row's range and choices
  TUNAS_REQUIRE(c.steps > 0 || c.epochs > 0, "give --steps N or --epochs E (> 0)");
  TUNAS_REQUIRE(!c.out.empty(), "--out must name a directory");
  TUNAS_REQUIRE(c.cost_model != "lut" || !c.lut.empty(), "--cost-model lut needs --lut FILE");
}

Json config_to_json(const SearchConfig& config) {
  return table().to_json(config, {"resume", "quiet"});
}

std::string config_fingerprint(const SearchConfig& config) {
  return json_line(table().fingerprint(config));
}

std::string resume_conflicts(const SearchConfig& run, const SearchConfig& now) {
  return table().resume_conflicts(run, now, now.given_keys);
}

void make_paths_absolute(SearchConfig& config) {
  config.space = spaces::stable_space_reference(config.space);
  config.data_dir = absolute_path(config.data_dir);
  config.lut = absolute_path(config.lut);
}

}  // namespace tunas::search
