#include "train/train_config.h"

#include <sstream>

#include <yaml-cpp/yaml.h>

#include "core/error.h"
#include "core/files.h"
#include "datasets/load.h"
#include "run/option_blocks.h"
#include "run/option_table.h"
#include "run/run_limits.h"
#include "search_spaces/catalog.h"

namespace tunas::train {

namespace {

using C = TrainConfig;

// One row per setting: key, field, help, valid range or choices, and whether it changes the
// trained network (fingerprinted; --resume refuses a new value).
const OptionTable<TrainConfig>& table() {
  static const OptionTable<TrainConfig> t(concat<C>({
      {
          option("space", &C::space, "search space (name or YAML path); default: the --arch file's")
              .changes_result(),
          option("indices", &C::indices, "architecture as a colon list i:j:k (one per decision)")
              .changes_result(),
          option("arch", &C::arch, "final_architecture.json of tunas_search (indices, space)")
              .changes_result(),
          option("init_weights", &C::init_weights,
                 "start from these weights (tunas_arch export --weights: the supernet's path)")
              .changes_result(),
      },
      data_options<C>(),
      {
          validation_size_option<C>(),
          option("num_classes", &C::num_classes,
                 "imagefolder/filelist: logits (0 = the classes found; 1001 for ImageNet, spec §0)")
              .in(0, datasets::kMaxClasses)
              .changes_result(),
          option("skip_corrupt_images", &C::skip_corrupt_images,
                 "imagefolder/filelist: replace an unreadable image by another of its batch "
                 "(warned, counted) instead of stopping")
              .changes_result(),
          option("use_test_set", &C::use_test_set,
                 "train on the full training set, evaluate on the test set")
              .changes_result(),
      },
      network_options<C>(),
      {
          option("steps", &C::steps, "training steps (0 = from --epochs)").at_least(0).changes_result(),
          option("epochs", &C::epochs, "epochs over the training set (used when --steps is 0)")
              .in(0, run::kMaxEpochs)
              .changes_result(),
          option("batch", &C::batch, "training images per step")
              .in(1, run::kMaxBatch)
              .changes_result(),
          option("replicas", &C::replicas,
                 "data-parallel replicas (sub-batches of batch/replicas; a multiple of the MPI ranks)")
              .in(1, run::kMaxReplicas)
              .changes_result(),
          option("eval_batch", &C::eval_batch, "images per evaluation batch (last one may be short)")
              .in(1, run::kMaxBatch)
              .changes_result(),
          option("lr", &C::lr, "peak learning rate (auto = 0.165 * batch / 256)")
              .at_least(0)
              .changes_result()
              .fingerprint_auto_as_zero(),
          option("warmup_fraction", &C::warmup_fraction, "linear lr warm-up fraction, then cosine")
              .in_half_open(0, 1)
              .changes_result(),
      },
      regularisation_options<C>(),
      {
          option("dropout", &C::dropout, "dropout before the classifier")
              .in_half_open(0, 1)
              .or_value(-1, "for the spec's rule: 0 if epochs < 150, else 0.15/0.25")
              .changes_result(),
          option("path_dropout_rate", &C::path_dropout_rate,
                 "path dropout of skippable layers (spec §7.6; default 0)")
              .in_half_open(0, 1)
              .changes_result_when_set(),
      },
      run_options<C>("random seed (weights, data order, dropout)"),
      {
          option("eval_every", &C::eval_every, "steps between evaluations (0 = only at the end)")
              .at_least(0),
      },
  }));
  return t;
}

}  // namespace

void apply_train_config_file(TrainConfig& config, const std::string& path) {
  TrainConfig updated = config;
  table().apply_file(updated, path, {"resolved"});
  // A params.json written before --lr took "auto" spelled the default as 0; newer ones say
  // "lr_auto_spelled_auto" in their resolved section (see build_params_json).
  const YAML::Node resolved = YAML::LoadFile(path)["resolved"];
  if (resolved && resolved.IsMap() && resolved["learning_rate"] &&
      !resolved[kLrAutoSpelledAuto] && updated.lr == 0.0)
    updated.lr.reset();
  config = updated;
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
  os << option_help_block(table().help_lines()) << "\n" << kRunToolExitStatus;
  return os.str();
}

void validate(const TrainConfig& c) {
  table().check(c);  // every row's range and choices
  TUNAS_REQUIRE(!c.space.empty() || !c.arch.empty(),
                "give the architecture: --space S --indices I, or --arch final_architecture.json");
  TUNAS_REQUIRE(c.steps > 0 || c.epochs > 0, "give --steps N or --epochs E (> 0)");
  TUNAS_REQUIRE(c.batch % c.replicas == 0, "--batch ", c.batch, " must be a multiple of --replicas ",
                c.replicas, " (each replica trains batch/replicas images)");
  TUNAS_REQUIRE(!c.out.empty(), "--out must name a directory");
}

Json train_config_to_json(const TrainConfig& config) {
  return table().to_json(config, {"resume", "quiet"});
}

std::string train_fingerprint(const TrainConfig& config) {
  return json_line(table().fingerprint(config));
}

std::string train_resume_conflicts(const TrainConfig& run, const TrainConfig& now) {
  return table().resume_conflicts(run, now, now.given_keys);
}

void make_paths_absolute(TrainConfig& config) {
  config.space = spaces::stable_space_reference(config.space);
  config.arch = absolute_path(config.arch);
  config.init_weights = absolute_path(config.init_weights);
  config.data_dir = absolute_path(config.data_dir);
}

}  // namespace tunas::train
