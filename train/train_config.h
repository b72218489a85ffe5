// Every setting of a stand-alone training run (tunas_train, spec §7.6), from defaults, a YAML
// --config file and flags. One option table (train_config.cc, on search/option_table.h) defines
// each setting once; <out>/params.json is itself a valid --config file (--resume reloads it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"

namespace tunas::train {

struct TrainConfig {
  // What is trained.
  std::string space;    // a TuNAS space name or YAML path; "" = the --arch file's "space"
  std::string indices;  // "i:j:..." (empty for a fixed architecture)
  std::string arch;     // a final_architecture.json (its "indices", and "space" unless --space)
  std::string init_weights;  // a weights file (tunas_arch export --weights); "" = §3.7 init

  // Data: the search's train/validation split, or the full training set + the test set.
  std::string data = "fashion_mnist";  // fashion_mnist | synthetic | cifar10
  std::string data_dir;
  std::int64_t validation_size = 10000;  // as tunas_search: min(this, train/5) held out
  std::int64_t synthetic_size = 2000;
  int num_classes = 0;             // on-disk sets: 0 = the class folders found; 1001 = spec §0
  bool skip_corrupt_images = true;  // on-disk sets: replace unreadable images (warned, counted)
  bool use_test_set = false;

  // The network (the same proxy options as tunas_search).
  bool proxy = true;
  int proxy_layers = 2;  // leading stride-2 layers run at stride 1 (as tunas_search)
  int resolution = 32;
  double width_multiplier = 1.0;

  // Run length and optimisation (spec §7.6; 0 / -1 = the spec's defaults).
  std::int64_t steps = 0;  // 0 = from epochs
  double epochs = 10;
  int batch = 128;
  // Data-parallel replicas per step: the batch is cut into `replicas` sub-batches, each with
  // its own BN batch statistics (as TPU cores), gradients averaged over the fixed replica
  // tree. Under mpirun a multiple of the ranks; 1 = one batch, the plain single-process step.
  int replicas = 1;
  int eval_batch = 256;
  // Peak; nullopt ("auto") = 0.165 * batch / 256; any number, 0 included, as given.
  std::optional<double> lr;
  double warmup_fraction = 0.025;
  double weight_decay = -1;     // -1 = the space's default (4e-5)
  double label_smoothing = 0.1;
  double dropout = -1;          // -1 = spec: 0 below 150 epochs, else 0.15 (0.25 for V3 spaces)
  double path_dropout_rate = 0; // spec §7.6: kept skippable layers x Bernoulli(1-p)/(1-p)

  // Bookkeeping.
  std::uint64_t seed = 0;
  int threads = 0;
  std::string out = "runs/train";
  std::int64_t eval_every = 0;  // steps between evaluations (0 = only at the end)
  std::int64_t log_every = 50;
  std::int64_t checkpoint_every = 500;
  bool quiet = false;
  bool resume = false;
  std::string config;
  std::vector<std::string> given_keys;  // keys set by --config or a flag (--resume checks them)
};

// The key build_params_json puts into params.json's "resolved" section: this file spells the
// default learning rate "auto" (older ones wrote 0, which reads as auto).
inline constexpr const char* kLrAutoSpelledAuto = "lr_auto_spelled_auto";

// Applies a --config file or a run's params.json (its "resolved" section skipped).
void apply_train_config_file(TrainConfig& config, const std::string& path);
// Returns false when --help was given (usage printed).
bool parse_train_flags(TrainConfig& config, int argc, char** argv);
std::string train_usage();
// Throws tunas::Error on out-of-range values or contradictory settings.
void validate(const TrainConfig& config);
// Every setting keyed like the config file (params.json).
Json train_config_to_json(const TrainConfig& config);
// The settings that must not change on --resume (threads, out, cadences excluded).
std::string train_fingerprint(const TrainConfig& config);
// The fingerprinted settings given now (now.given_keys) that differ from the run's, as
// "--steps (run: 100, now: 200), ..."; "" when none.
std::string train_resume_conflicts(const TrainConfig& run, const TrainConfig& now);
// Space, architecture, weights and data paths made absolute (names stay names).
void make_paths_absolute(TrainConfig& config);

}  // namespace tunas::train
