#include "train/train_config.h"

#include <sstream>

#include "core/error.h"
#include "core/files.h"
#include "datasets/load.h"
#include "search/option_table.h"
#include "search/run_limits.h"
#include "search_spaces/catalog.h"

namespace tunas::train {

namespace {

using C = TrainConfig;

const OptionTable<TrainConfig>& table() {
  static const OptionTable<TrainConfig> t({
      option("space", &C::space, "search space (name or YAML path); default: the --arch file's"),
      option("indices", &C::indices, "architecture as a colon list i:j:k (one per decision)"),
      option("arch", &C::arch, "final_architecture.json of tunas_search (indices, space)"),
      option("init_weights", &C::init_weights,
             "start from these weights (tunas_arch export --weights: the supernet's path)"),
      option("data", &C::data,
             "dataset: fashion_mnist | synthetic | cifar10 | imagefolder | filelist (--data-dir DIR)"),
      option("data_dir", &C::data_dir, "dataset directory (default: the dataset's)"),
      option("validation_size", &C::validation_size,
             "images held out of training (the search's split; min(N, train/5))"),
      option("synthetic_size", &C::synthetic_size, "training images of --data synthetic"),
      option("num_classes", &C::num_classes,
             "imagefolder/filelist: logits (0 = the classes found; 1001 for ImageNet, spec §0)"),
      option("skip_corrupt_images", &C::skip_corrupt_images,
             "imagefolder/filelist: replace an unreadable image by another of its batch (warned, "
             "counted) instead of stopping"),
      option("use_test_set", &C::use_test_set,
             "train on the full training set, evaluate on the test set"),
      option("proxy", &C::proxy, "proxy network for small inputs (see --proxy-layers)"),
      option("proxy_layers", &C::proxy_layers,
             "how many leading stride-2 layers the proxy runs at stride 1 (stem, first block)"),
      option("resolution", &C::resolution, "input resolution the network is built for"),
      option("width_multiplier", &C::width_multiplier, "multiplier on every block width"),
      option("steps", &C::steps, "training steps (0 = from --epochs)"),
      option("epochs", &C::epochs, "epochs over the training set (used when --steps is 0)"),
      option("batch", &C::batch, "training images per step"),
      option("replicas", &C::replicas,
             "data-parallel replicas (sub-batches of batch/replicas; a multiple of the MPI ranks)"),
      option("eval_batch", &C::eval_batch, "images per evaluation batch (last one may be short)"),
      option("lr", &C::lr, "peak learning rate (0 = 0.165 * batch / 256)"),
      option("warmup_fraction", &C::warmup_fraction, "linear lr warm-up fraction, then cosine"),
      option("weight_decay", &C::weight_decay, "L2 on conv kernels (-1 = the space's default)"),
      option("label_smoothing", &C::label_smoothing, "label smoothing of the training loss"),
      option("dropout", &C::dropout,
             "dropout before the classifier (-1 = spec: 0 if epochs < 150, else 0.15/0.25)"),
      option("path_dropout_rate", &C::path_dropout_rate,
             "path dropout of skippable layers, in [0, 1) (spec §7.6; default 0)"),
      option("seed", &C::seed, "random seed (weights, data order, dropout)"),
      option("threads", &C::threads, "threads (0 = all cores)"),
      option("out", &C::out, "run directory"),
      option("eval_every", &C::eval_every, "steps between evaluations (0 = only at the end)"),
      option("log_every", &C::log_every, "steps between log.jsonl records and progress lines"),
      option("checkpoint_every", &C::checkpoint_every, "steps between checkpoints"),
      option("quiet", &C::quiet, "no progress output"),
      option("resume", &C::resume, "continue the run in --out from its last checkpoint"),
  });
  return t;
}

}  // namespace

void apply_train_config_file(TrainConfig& config, const std::string& path) {
  table().apply_file(config, path, {"resolved"});
}

bool parse_train_flags(TrainConfig& config, int argc, char** argv) {
  std::string file;
  if (!table().parse_flags(config, argc, argv, train_usage(), &file, {}, &config.given_keys))
    return false;
  if (!file.empty()) config.config = file;
  return true;
}

std::string train_usage() {
  std::ostringstream os;
  os << "usage: tunas_train (--space S --indices I | --arch final_architecture.json) [options]\n\n"
        "Trains one architecture from scratch as a stand-alone network (spec §7.6): exact\n"
        "widths, stateful batch norm, dropout, TF-1 RMSProp with linear warm-up and cosine\n"
        "decay, label smoothing, L2 on conv kernels. By default it trains on the search's\n"
        "training split and reports validation top-1; --use-test-set trains on the whole\n"
        "training set and reports test top-1. Writes <out>/result.json, params.json,\n"
        "log.jsonl and checkpoint.bin, and at the end the final weights as weights.bin and\n"
        "model.onnx (raw [0, 255] NCHW images in, logits out; see README, ONNX).\n\n"
        "Every option can also be set in a YAML file (--config FILE, keys as below with '_');\n"
        "flags override the file.\n\noptions:\n";
  os << "  --config FILE              YAML file of options\n";
  os << table().help_lines();
  os << "  --help                     this text\n\n"
        "Exit status: 0 done, 1 bad input or a failed run (message on stderr), 130 interrupted\n"
        "(a checkpoint was saved; continue with --resume --out DIR), 2 internal error (a bug).\n";
  return os.str();
}

void validate(const TrainConfig& c) {
  auto positive = [](double v, const char* key) {
    TUNAS_REQUIRE(v > 0, option_flag_name(key), " must be > 0, got ", v);
  };
  auto fraction = [](double v, const char* key) {
    TUNAS_REQUIRE(v >= 0 && v <= 1, option_flag_name(key), " must be in [0, 1], got ", v);
  };
  TUNAS_REQUIRE(!c.space.empty() || !c.arch.empty(),
                "give the architecture: --space S --indices I, or --arch final_architecture.json");
  TUNAS_REQUIRE(datasets::is_dataset_name(c.data), "--data must be one of ",
                datasets::kDatasetNames, ", got '", c.data, "'");
  TUNAS_REQUIRE(c.num_classes >= 0, "--num-classes must be >= 0 (0 = the classes found), got ",
                c.num_classes);
  TUNAS_REQUIRE(c.steps >= 0, "--steps must be >= 0, got ", c.steps);
  TUNAS_REQUIRE(c.epochs >= 0, "--epochs must be >= 0, got ", c.epochs);
  TUNAS_REQUIRE(c.steps > 0 || c.epochs > 0, "give --steps N or --epochs E (> 0)");
  search::require_in_range(c.batch, 1, search::kMaxBatch, "--batch");
  search::require_in_range(c.replicas, 1, search::kMaxReplicas, "--replicas");
  TUNAS_REQUIRE(c.batch % c.replicas == 0, "--batch ", c.batch, " must be a multiple of --replicas ",
                c.replicas, " (each replica trains batch/replicas images)");
  search::require_in_range(c.eval_batch, 1, search::kMaxBatch, "--eval-batch");
  positive(double(c.validation_size), "validation_size");
  search::require_in_range(c.synthetic_size, std::int64_t(1), search::kMaxSyntheticImages,
                           "--synthetic-size");
  search::require_in_range(c.width_multiplier, 1e-3, search::kMaxWidthMultiplier,
                           "--width-multiplier");
  search::require_in_range(c.threads, 0, search::kMaxThreads, "--threads");
  search::require_in_range(c.epochs, 0.0, search::kMaxEpochs, "--epochs");
  TUNAS_REQUIRE(c.resolution >= 8 && c.resolution <= 1024, "--resolution must be in [8, 1024], got ",
                c.resolution);
  positive(c.width_multiplier, "width_multiplier");
  TUNAS_REQUIRE(c.proxy_layers >= 0 && c.proxy_layers <= 8, "--proxy-layers must be in [0, 8], got ",
                c.proxy_layers);
  TUNAS_REQUIRE(c.lr >= 0, "--lr must be >= 0, got ", c.lr);
  fraction(c.warmup_fraction, "warmup_fraction");
  TUNAS_REQUIRE(c.warmup_fraction < 1, "--warmup-fraction must be < 1, got ", c.warmup_fraction);
  fraction(c.label_smoothing, "label_smoothing");
  TUNAS_REQUIRE(c.weight_decay == -1 || c.weight_decay >= 0,
                "--weight-decay must be >= 0 (or -1 for the space's default), got ", c.weight_decay);
  TUNAS_REQUIRE(c.dropout == -1 || (c.dropout >= 0 && c.dropout < 1),
                "--dropout must be in [0, 1) (or -1 for the spec's rule), got ", c.dropout);
  TUNAS_REQUIRE(c.path_dropout_rate >= 0 && c.path_dropout_rate < 1,
                "--path-dropout-rate must be in [0, 1), got ", c.path_dropout_rate);
  TUNAS_REQUIRE(c.threads >= 0, "--threads must be >= 0, got ", c.threads);
  TUNAS_REQUIRE(!c.out.empty(), "--out must name a directory");
  TUNAS_REQUIRE(c.eval_every >= 0, "--eval-every must be >= 0, got ", c.eval_every);
  positive(double(c.log_every), "log_every");
  positive(double(c.checkpoint_every), "checkpoint_every");
}

Json train_config_to_json(const TrainConfig& config) {
  return table().to_json(config, {"resume", "quiet"});
}

namespace {
// Settings that do not change the trained network.
const std::vector<std::string>& unfingerprinted_keys() {
  static const std::vector<std::string> keys = {"resume",    "quiet",     "threads",
                                                "out",       "eval_every", "log_every",
                                                "checkpoint_every", "config"};
  return keys;
}
}  // namespace

std::string train_fingerprint(const TrainConfig& config) {
  std::vector<std::string> skip = unfingerprinted_keys();
  // Added later: counted only when set, so the checkpoints of older runs still match.
  if (config.path_dropout_rate == 0) skip.push_back("path_dropout_rate");
  return json_line(table().to_json(config, skip));
}

std::string train_resume_conflicts(const TrainConfig& run, const TrainConfig& now) {
  std::vector<std::string> keys;
  for (const std::string& key : now.given_keys) {
    bool skipped = false;
    for (const std::string& k : unfingerprinted_keys()) skipped = skipped || k == key;
    if (!skipped) keys.push_back(key);
  }
  return table().differences(run, now, keys);
}

void make_paths_absolute(TrainConfig& config) {
  config.space = spaces::stable_space_reference(config.space);
  config.arch = absolute_path(config.arch);
  config.init_weights = absolute_path(config.init_weights);
  config.data_dir = absolute_path(config.data_dir);
}

}  // namespace tunas::train
