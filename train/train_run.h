// One stand-alone training run (spec §7.6, `mobile_train_eval`): an architecture of a search
// space, pruned to exact widths (supernet::prune_space), trained from scratch with stateful
// batch norm, dropout before the classifier, label smoothing, L2 on conv kernels and TF-1
// RMSProp under linear warm-up + cosine decay, then evaluated on the whole evaluation set.
//
// Run directory (<out>/):
//   params.json      every setting (a valid --config file) + a "resolved" section
//   log.jsonl        a training record every log_every steps, an eval record per evaluation
//   checkpoint.bin   weights, BN moving statistics, RMSProp slots, data iterator, dropout
//                    counter, step (run/checkpoint.h format, written atomically)
//   result.json      the final metric (validation or test top-1) and the architecture's costs
//   weights.bin      the final (last-step) weights, the ones result.json scores, with the BN
//                    moving statistics (run/weights_file.h; tunas_arch onnx reads it)
//   model.onnx       the same weights as ONNX (onnx_export/onnx_model.h); result.json's
//                    "onnx" names it (null when the exporter refuses the network)
//
// Data: by default the search's split (split_train_validation with the same held-out size as
// tunas_search), training on its train part and evaluating on its validation part; with
// use_test_set, training on the whole official training set and evaluating on the test set.
//
// Evaluation runs over EVERY image of the evaluation set once, in batches of eval_batch; the
// last batch is short when the size is not a multiple (unlike the original, which dropped the
// remainder, spec §7.6): our sets are small enough for the remainder to matter.
//
// Data parallelism: with replicas = K the batch is cut into K sub-batches (run/
// replica_step.h: per-replica BN batch statistics, gradients and BN moving statistics over
// the fixed replica tree), run by one process or split over the ranks of an mpirun job.
//
// Determinism: a run is a pure function of its settings; neither the thread count nor the
// number of MPI ranks changes any number, and a resumed run ends bit for bit where an uninterrupted one ends (same
// checkpoint.bin, same metrics in result.json).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/json.h"
#include "datasets/dataset.h"
#include "distributed/communicator.h"
#include "datasets/preprocess.h"
#include "run/step_loop.h"
#include "supernet/supernet.h"
#include "train/train_config.h"

namespace tunas::train {

struct EvalResult {
  std::int64_t images = 0;   // images scored (= the set's size)
  std::int64_t correct = 0;  // top-1 hits
  double loss = 0;           // mean training-form loss (with label smoothing) over the images
  std::int64_t batches = 0;
  double top1() const { return images > 0 ? double(correct) / double(images) : 0.0; }
};

// Scores every image of `set` exactly once with net.evaluate (moving BN statistics in stateful
// mode), batches of `batch` images (the last one short). batch <= the net's max_eval_batch.
EvalResult evaluate_set(supernet::Supernet& net, const supernet::Masks& masks,
                        const datasets::ImageSet& set, const datasets::PreprocessConfig& preprocess,
                        int batch);

struct TrainOutcome : run::RunOutcome {
  Json result;  // result.json's content (null when interrupted or already finished)
  // --resume of a run that had finished: nothing ran, result.json was left as it was.
  bool already_finished = false;
};

class TrainRun {
 public:
  // Loads the architecture, data and network; with config.resume, restores <out>'s latest
  // checkpoint (throws when there is none or it belongs to other settings). Writes params.json.
  // With comm (under mpirun) the config's replicas are split over the ranks as in
  // search::SearchRun; rank 0 alone writes, evaluates and reports.
  explicit TrainRun(TrainConfig config, distributed::Communicator* comm = nullptr);
  ~TrainRun();

  // Trains to the last step (or max_steps more, for tests; < 0 = no limit) or an interruption
  // (run/stop_signal.h), checkpoints, and when the last step is reached evaluates and
  // writes result.json.
  TrainOutcome run(std::int64_t max_steps = -1);

  const TrainConfig& config() const;
  std::int64_t total_steps() const;
  const std::string& indices() const;
  const std::string& space_name() const;
  // The stand-alone network, its masks and the evaluation set (ONNX checks compare them).
  supernet::Supernet& network();
  const supernet::Masks& masks() const;
  const datasets::ImageSet& eval_set() const;

  struct State;

 private:
  std::unique_ptr<State> s_;
};

}  // namespace tunas::train
