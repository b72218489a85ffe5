// Every setting of a search run, from defaults, a YAML config file and command-line flags.
//
// One option table (search_config.cc) defines each setting once: its flag (--width-multiplier),
// its YAML/params.json key (width_multiplier), its help text and how it parses. So every flag
// can be set in a --config YAML file, flags override the file, and params.json written into
// the run directory is itself a valid config file (that is how --resume reloads a run).
//
// Parsing never half-applies: a bad value throws tunas::Error naming the flag or the file
// and line, and the valid range or choices.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"

namespace tunas::search {

struct SearchConfig {
  // What is searched, on what, against which cost.
  std::string space = "proxylessnas_search";
  std::string data = "fashion_mnist";  // fashion_mnist | synthetic | cifar10
  std::string data_dir;                // "" = the dataset's default location
  std::string cost_model = "tunas_pixel1";
  std::string lut;                     // table file for the "lut" cost model
  double target_ms = 0;                // 0 = the space's default target (84 / 57 ms)
  std::string reward = "abs";          // abs | mnas | mnas_hard | unconstrained
  double beta = -0.10;

  // Run length and batches.
  std::int64_t steps = 0;   // 0 = derived from epochs
  double epochs = 2;        // used when steps == 0
  int batch = 64;           // training images per replica per step
  int valid_batch = 0;      // validation images per replica per step (0 = batch)
  int replicas = 4;         // K architectures per step (32 in the original)
  std::int64_t validation_size = 10000;  // images held out of the training set for rewards
  std::int64_t synthetic_size = 2000;    // images in the synthetic dataset (tests, smoke runs)
  int num_classes = 0;             // on-disk sets: 0 = the class folders found; 1001 = spec §0
  bool skip_corrupt_images = true;  // on-disk sets: replace unreadable images (warned, counted)

  // Proxy network for small inputs (spec-less: ours). proxy = resolution 32 with the stem
  // and the first stride-2 layer at stride 1.
  bool proxy = true;
  int proxy_layers = 2;  // leading stride-2 layers run at stride 1 by the proxy
  int resolution = 32;
  double width_multiplier = 1.0;

  // Optimisation (spec §6.3, §6.8). nullopt ("auto") = the spec's batch-scaled default; any
  // number, 0 included, is used as given (0 freezes what it drives).
  std::optional<double> model_lr;  // peak; auto = 0.165 * global_batch / 256
  double model_warmup_fraction = 0.025;
  double weight_decay = -1;       // -1 = the space's default (4e-5)
  double label_smoothing = 0.1;
  std::optional<double> policy_lr;  // auto = 3e-4 * global_batch / 256 * policy_lr_scale
  double policy_lr_scale = 1.0;
  std::string policy_lr_schedule = "exponential";  // exponential | constant
  double policy_delay_fraction = 0.25;
  double warmup_fraction = 0.25;  // op and filter warm-up, unless set apart below
  std::optional<double> op_warmup_fraction;      // spec increase_ops; auto = warmup_fraction
  std::optional<double> filter_warmup_fraction;  // spec increase_filters; auto = warmup_fraction
  double entropy_weight = 0;
  // Controller ablation knobs (spec §4.1, §4.4, §4.5; TuNAS defaults).
  double baseline_momentum = 0.95;
  double policy_adam_beta1 = 0.0;
  double policy_adam_beta2 = 0.999;
  double policy_adam_epsilon = 1e-8;
  double policy_temperature = 1.0;
  bool remat = true;

  // Bookkeeping.
  std::uint64_t seed = 0;
  int threads = 0;  // 0 = all cores
  std::string out = "runs/search";
  std::int64_t log_every = 10;
  std::int64_t checkpoint_every = 200;
  bool quiet = false;
  bool resume = false;
  std::string config;  // the --config file it came from, if any
  std::vector<std::string> given_keys;  // keys set by --config or a flag (--resume checks them)

  // validate() bounds batch and replicas (kMaxBatch, kMaxReplicas), so this never overflows.
  int global_batch() const { return int(std::int64_t(batch) * replicas); }
  double op_warmup() const { return op_warmup_fraction.value_or(warmup_fraction); }
  double filter_warmup() const { return filter_warmup_fraction.value_or(warmup_fraction); }
  int validation_batch() const { return valid_batch > 0 ? valid_batch : batch; }
};

// Applies a YAML mapping of option keys (a --config file or a run's params.json, whose
// derived keys, params_json_derived_keys(), are skipped). Unknown keys and bad values throw
// tunas::Error naming the file and line. A params.json written before "auto" existed (its
// "resolved" section holds model_learning_rate) wrote the default learning rates as 0; those
// read as auto, so older runs resume as they started.
void apply_config_file(SearchConfig& config, const std::string& path);

// Keys a search writes into params.json beside the settings: the spec §7.1 names of the
// resolved values (max_global_step, rl_learning_rate, ...) and the "resolved" section.
const std::vector<std::string>& params_json_derived_keys();

// Parses argv (flags only). Returns false when --help was given (the usage was printed).
// --config FILE is applied first, then every other flag, whatever their order.
bool parse_search_flags(SearchConfig& config, int argc, char** argv);

// The usage text of tunas_search.
std::string search_usage();

// Throws tunas::Error when a value is out of range or settings contradict each other.
void validate(const SearchConfig& config);

// Every setting as JSON keyed like the config file (params.json; spec §7.1 asks for
// sorted keys). `resolved` adds derived values (steps, learning rates, target...).
Json config_to_json(const SearchConfig& config);

// The settings that must not change when a run is resumed, as one string. Settings added
// after the first release count only when set away from their default, so the checkpoints
// of older runs still match.
std::string config_fingerprint(const SearchConfig& config);

// The result-affecting settings given now (now.given_keys) whose values differ from the
// run's, as "--steps (run: 100, now: 200), ..."; "" when none.
std::string resume_conflicts(const SearchConfig& run, const SearchConfig& now);

// Space, data and LUT paths made absolute, so the run's params.json works from any
// directory (space names stay names).
void make_paths_absolute(SearchConfig& config);

}  // namespace tunas::search
