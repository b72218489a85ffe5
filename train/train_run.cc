#include "train/train_run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>

#include "core/error.h"
#include "core/files.h"
#include "core/memory.h"
#include "core/threads.h"
#include "datasets/batch_iterator.h"
#include "datasets/load.h"
#include "datasets/synthetic.h"
#include "distributed/agreement.h"
#include "distributed/data_parallel.h"
#include "events/event_writer.h"
#include "kernels/optim/optim.h"
#include "onnx_export/export.h"
#include "policy/schedules.h"
#include "search/checkpoint.h"
#include "search/divergence.h"
#include "search/replica_step.h"
#include "search/search_run.h"
#include "search/weights_file.h"
#include "search_spaces/catalog.h"
#include "search_spaces/cost_model.h"
#include "search_spaces/indices.h"
#include "search_spaces/network.h"
#include "search/run_files.h"
#include "search/run_limits.h"
#include "train/architecture_file.h"

namespace tunas::train {

using search::format_duration;
using search::path_join;
using search::truncate_log;

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

EvalResult evaluate_set(supernet::Supernet& net, const supernet::Masks& masks,
                        const datasets::ImageSet& set, const datasets::PreprocessConfig& preprocess,
                        int batch) {
  TUNAS_REQUIRE(batch > 0, "evaluation batch must be > 0, got ", batch);
  datasets::BatchIteratorConfig ic;
  ic.purpose = "train/eval";
  ic.shuffle = false;
  ic.augment = false;
  ic.cross_epochs = false;
  datasets::BatchIterator it(set, preprocess, ic);
  const int h = it.height(), w = it.width(), c = it.channels();
  AlignedPtr<float> images = aligned_array<float>(std::size_t(batch) * h * w * c);
  std::vector<std::int32_t> labels(static_cast<std::size_t>(batch));
  const Tensor full(images.get(), Shape4{batch, h, w, c});
  EvalResult r;
  double loss_sum = 0;
  while (r.images < set.size()) {
    const int k = it.next(full, labels.data());
    TUNAS_CHECK(k > 0);
    const Tensor part(images.get(), Shape4{k, h, w, c});
    const supernet::ReplicaResult ev = net.evaluate(part, labels.data(), masks);
    TUNAS_CHECK(ev.batch == k);
    r.correct += ev.correct;
    r.images += k;
    loss_sum += ev.empirical_loss * k;
    ++r.batches;
  }
  r.loss = r.images > 0 ? loss_sum / double(r.images) : 0.0;
  return r;
}

struct TrainRun::State {
  TrainConfig config;
  std::string space_name;  // as given (name or path)
  std::string space_yaml;  // the space's YAML text (space.yaml of the run, for tunas_report)
  std::string indices_text;
  spaces::Space space;     // configured (resolution, classes, proxy strides)
  spaces::Indices indices;
  datasets::ImageSet train_set, eval_set;
  std::string eval_name;  // "validation" | "test"
  std::unique_ptr<datasets::BatchIterator> train_iter;
  std::unique_ptr<supernet::Supernet> net;
  supernet::Masks masks;
  AlignedPtr<float> rms_mean_square, rms_momentum, train_images;
  std::vector<std::int32_t> train_labels;
  std::int64_t total_steps = 0, warmup_steps = 0, step = 0, last_checkpoint_step = -1;
  double peak_lr = 0, weight_decay = 0, dropout = 0;
  Json costs = Json::object();
  double latency_ms = -1;
  std::int64_t macs = 0, params = 0;
  std::string run_dir;
  std::unique_ptr<events::EventWriter> events;  // TensorBoard copy of log.jsonl
  bool progress_is_tty = false;
  // The ranks of the run (search_run.cc has the same): rank 0 alone writes and evaluates.
  distributed::SingleProcessCommunicator own_comm;
  distributed::Communicator* comm = &own_comm;
  std::unique_ptr<distributed::DataParallel> dp;
  std::unique_ptr<search::ReplicaStep> replica_step;
  bool writes_files() const { return comm->rank() == 0; }

  std::string file(const std::string& name) const { return path_join(run_dir, name); }
  // One log.jsonl record, and the same numbers as a TensorBoard event at `step` (rank 0).
  void log(std::int64_t at_step, const Json& rec) {
    if (!writes_files()) return;
    const std::string line = json_line(rec);
    append_line(file("log.jsonl"), line);
    events->add_log_record(line);
    events->write(at_step);
  }
};

namespace {

// The architecture and its space: --space/--indices, or an --arch file (its space, unless
// --space names the same one).
void resolve_architecture(TrainRun::State& s) {
  const TrainConfig& c = s.config;
  s.space_name = c.space;
  s.indices_text = c.indices;
  if (c.arch.empty()) {
    s.space = spaces::load_space(s.space_name);
    s.space_yaml = read_file(spaces::space_path(s.space_name));
    return;
  }
  TUNAS_REQUIRE(c.indices.empty(), "give either --indices or --arch, not both");
  const ArchitectureFile arch = read_architecture_file(c.arch);
  s.indices_text = arch.indices;
  if (s.space_name.empty()) s.space_name = arch.space;
  s.space = architecture_space(arch, c.space);
  s.space_yaml = !c.space.empty() || arch.space_yaml.empty()
                     ? read_file(spaces::space_path(s.space_name))
                     : arch.space_yaml;
}

void load_data(TrainRun::State& s) {
  const TrainConfig& c = s.config;
  datasets::DataOptions options;  // imagefolder/filelist: streamed from disk
  options.synthetic_train_count = c.synthetic_size;
  options.num_classes = c.num_classes;
  options.skip_corrupt = c.skip_corrupt_images;
  datasets::Dataset dataset = datasets::load_dataset(c.data, c.data_dir, options);
  if (c.use_test_set) {
    s.train_set = std::move(dataset.train);
    s.eval_set = std::move(dataset.test);
    s.eval_name = "test";
  } else {
    datasets::SplitConfig split;
    split.validation_size = datasets::held_out_count(c.validation_size, dataset.train.size());
    datasets::TrainValidationSplit parts = datasets::split_train_validation(dataset.train, split);
    s.train_set = std::move(parts.train);
    s.eval_set = std::move(parts.validation);
    s.eval_name = "validation";
  }
}

// Costs of the architecture under every cost model that applies to the space (lut needs a
// table and is skipped); Pixel-1 latency is that of the original 224x224 network.
void compute_costs(TrainRun::State& s) {
  for (const std::string& name : spaces::cost_model_names()) {
    if (name == "lut") continue;
    try {
      const auto model = spaces::make_cost_model(name, s.space);
      const double v = model->cost_of(s.indices);
      Json entry = Json::object();
      entry["value"] = v;
      entry["unit"] = model->unit();
      s.costs[name] = entry;
      if (name == "tunas_pixel1") s.latency_ms = v;
    } catch (const Error&) {
      // Not applicable to this space (e.g. no Pixel-1 weights for a custom YAML space).
    }
  }
  const spaces::Network net = spaces::resolve(s.space, s.indices);
  s.macs = spaces::count_macs(net);
  s.params = spaces::count_params(net);
}

search::Checkpoint make_checkpoint(const TrainRun::State& s) {
  search::Checkpoint c;
  c.put_string("meta/fingerprint", train_fingerprint(s.config));
  c.put_i64("meta/step", s.step);
  c.put_i64("meta/dropout_calls", std::int64_t(s.net->dropout_calls()));
  auto& params = s.net->params();
  c.put_floats("model/weights", params.values(), params.size());
  c.put_floats("model/bn_statistics", s.net->bn_statistics(), s.net->bn_statistics_size());
  c.put_floats("optimizer/mean_square", s.rms_mean_square.get(), params.size());
  c.put_floats("optimizer/momentum", s.rms_momentum.get(), params.size());
  const auto t = s.train_iter->state().to_bytes();
  c.put("data/train_iterator", std::vector<std::uint8_t>(t.begin(), t.end()));
  return c;
}

void restore_checkpoint(TrainRun::State& s, const search::Checkpoint& c) {
  const std::string expected = train_fingerprint(s.config);
  const std::string found = c.get_string("meta/fingerprint");
  TUNAS_REQUIRE(found == expected, c.origin(),
                ": the checkpoint belongs to a run with other settings.\n  checkpoint: ", found,
                "\n  now:        ", expected);
  s.step = c.get_i64("meta/step");
  TUNAS_REQUIRE(s.step >= 0 && s.step <= s.total_steps, c.origin(), ": step ", s.step,
                " out of range [0, ", s.total_steps, "]");
  s.net->set_dropout_calls(std::uint64_t(c.get_i64("meta/dropout_calls")));
  auto& params = s.net->params();
  c.get_finite_floats("model/weights", params.values(), params.size());
  c.get_finite_floats("model/bn_statistics", s.net->bn_statistics(), s.net->bn_statistics_size());
  c.get_finite_floats("optimizer/mean_square", s.rms_mean_square.get(), params.size());
  c.get_finite_floats("optimizer/momentum", s.rms_momentum.get(), params.size());
  s.train_iter->restore(datasets::BatchIteratorState::from_bytes(c.get("data/train_iterator")));
}

Json build_params_json(const TrainRun::State& s) {
  Json j = train_config_to_json(s.config);
  Json& r = j["resolved"];
  r["space"] = s.space_name;
  r["ssd"] = s.space.name;
  r["indices"] = s.indices_text;
  r["total_steps"] = s.total_steps;
  r["warmup_steps"] = s.warmup_steps;
  r["learning_rate"] = s.peak_lr;
  r["weight_decay"] = s.weight_decay;
  r["dropout"] = s.dropout;
  r["train_images"] = s.train_set.size();
  r["eval_set"] = s.eval_name;
  r["eval_images"] = s.eval_set.size();
  r["input_shape"] = std::vector<int>{s.space.network.resolution, s.space.network.resolution,
                                      s.space.network.input_channels};
  r["classes"] = s.space.network.classes;
  r["class_names"] = s.train_set.class_names;  // label i = class_names[i] (image folders: sorted)
  return j;
}

// The final weights (the ones result.json scores) as weights.bin (with the BN moving
// statistics: tunas_arch onnx reads it) and model.onnx. A network the exporter refuses keeps
// its training result: the reason goes to stderr and "onnx" is null.
void write_deployment_files(TrainRun::State& s, const datasets::PreprocessConfig& eval_pc,
                            Json& result) {
  search::write_weights_file(s.file("weights.bin"), s.net->params(), s.space_name,
                             spaces::format_indices(s.indices), s.net->bn_statistics());
  result["weights_file"] = "weights.bin";
  result["exported_weights"] = "last step";  // the weights this result scores (no best-of)
  result["onnx"] = Json();
  try {
    onnx_export::export_onnx(s.file("model.onnx"), *s.net, s.eval_set, eval_pc,
                             onnx_export::model_info(s.space, s.space_name, s.indices));
    result["onnx"] = "model.onnx";
  } catch (const Error& e) {
    std::fprintf(stderr, "tunas_train: no model.onnx: %s\n", e.what());
  }
}

}  // namespace

namespace {

// Everything a rank needs before the first step; reads files, writes none.
void load_run(TrainRun::State& s, TrainConfig config) {
  make_paths_absolute(config);
  if (config.resume) {
    TUNAS_REQUIRE(file_exists(path_join(config.out, "checkpoint.bin")), "--resume: no checkpoint in ",
                  config.out, " (expected ", path_join(config.out, "checkpoint.bin"), ")");
    TrainConfig saved;
    const std::string params_path = path_join(config.out, "params.json");
    apply_train_config_file(saved, params_path);
    const std::string changed = train_resume_conflicts(saved, config);
    TUNAS_REQUIRE(changed.empty(), "--resume would change ", changed, "; the run in ",
                  params_path, "; a resumed run keeps them (drop these flags, or start a new run "
                  "with another --out)");
    saved.out = config.out;
    saved.threads = config.threads;
    saved.quiet = config.quiet;
    saved.resume = true;
    config = saved;
  }
  validate(config);
  s.config = config;
  s.run_dir = config.out;
  set_num_threads(config.threads);

  resolve_architecture(s);
  load_data(s);
  spaces::configure_data_network(s.space, config.resolution, s.train_set.channels,
                                 s.train_set.num_classes, config.width_multiplier,
                                 config.proxy ? config.proxy_layers : 0);
  try {
    s.indices = spaces::parse_indices(s.space, s.indices_text);
  } catch (const Error& e) {
    throw Error(str_cat(config.arch.empty() ? "--indices" : str_cat("--arch ", config.arch),
                        ": not an architecture of the space '", s.space.name, "': ", e.what()));
  }
  compute_costs(s);

  // Run length and schedule (spec §7.6: 2.5 % linear warm-up, cosine decay, lr 0.165*b/256).
  s.total_steps = config.steps > 0
                      ? config.steps
                      : std::max<std::int64_t>(
                            1, std::int64_t(double(s.train_set.size()) * config.epochs / config.batch));
  s.warmup_steps = policy::fraction_of_steps(config.warmup_fraction, s.total_steps);
  s.peak_lr = config.lr > 0 ? config.lr : 0.165 * config.batch / 256.0;
  s.weight_decay = config.weight_decay >= 0 ? config.weight_decay : s.space.weight_decay;
  if (config.dropout >= 0) {
    s.dropout = config.dropout;
  } else {
    const double epochs = double(s.total_steps) * config.batch / double(s.train_set.size());
    const bool v3 = s.space.name.find("mobilenet_v3") != std::string::npos;
    s.dropout = epochs < 150 ? 0.0 : (v3 ? 0.25 : 0.15);
  }

  // The stand-alone network: exact widths, stateful BN.
  const spaces::Space pruned = supernet::prune_space(s.space, s.indices);
  s.masks = supernet::masks_from_indices(pruned, spaces::Indices(std::size_t(pruned.num_decisions()), 0));
  supernet::SupernetConfig nc;
  nc.max_batch = config.batch / config.replicas;
  nc.max_eval_batch = config.eval_batch;
  nc.remat = supernet::RematPolicy::none;  // one path: nothing to rematerialise
  nc.weight_decay = float(s.weight_decay);
  nc.label_smoothing = float(config.label_smoothing);
  nc.init_seed = config.seed;
  nc.bn_mode = supernet::BnMode::stateful;
  nc.dropout = float(s.dropout);
  nc.path_dropout = float(config.path_dropout_rate);
  search::check_fits_in_memory(
      pruned, std::max(config.batch, config.eval_batch),
      double(config.batch) * pruned.network.resolution * pruned.network.resolution *
          pruned.network.input_channels * sizeof(float),
      "--batch, --eval-batch, --resolution or --width-multiplier");
  s.net = std::make_unique<supernet::Supernet>(pruned, nc);
  if (!config.init_weights.empty())  // a resumed run's weights come from its checkpoint below
    search::read_weights_file(config.init_weights, s.net->params(), spaces::format_indices(s.indices));
  const std::int64_t n = s.net->params().size();
  s.rms_mean_square = aligned_array<float>(std::size_t(n));
  std::fill_n(s.rms_mean_square.get(), n, kernels::kRmsPropInitialMeanSquare);
  s.rms_momentum = aligned_array<float>(std::size_t(n));

  const int res = s.space.network.resolution;
  datasets::BatchIteratorConfig tc;
  tc.seed = config.seed;
  tc.purpose = "train/train";
  s.train_iter = std::make_unique<datasets::BatchIterator>(
      s.train_set, datasets::proxy_preprocess(s.train_set, true, res), tc);
  s.train_images =
      aligned_array<float>(std::size_t(config.batch) * res * res * s.train_iter->channels());
  s.train_labels.resize(std::size_t(config.batch));

  s.dp = std::make_unique<distributed::DataParallel>(*s.comm, config.replicas);
  s.replica_step = std::make_unique<search::ReplicaStep>(*s.dp, *s.net);
  if (!s.writes_files()) s.config.quiet = true;  // progress comes from rank 0

  s.progress_is_tty = ::isatty(STDERR_FILENO) == 1;
  if (config.resume) {
    restore_checkpoint(s, search::read_checkpoint(s.file("checkpoint.bin")));
    s.last_checkpoint_step = s.step;
  } else {
    TUNAS_REQUIRE(!file_exists(s.file("checkpoint.bin")), "the run directory ", s.run_dir,
                  " already holds a run (checkpoint.bin); continue it with --resume or choose "
                  "another --out");
  }
}

// The run directory at start (rank 0 only).
void write_run_start(TrainRun::State& s) {
  make_directories(s.run_dir);
  if (s.config.resume) truncate_log(s.file("log.jsonl"), s.step);
  else write_file_atomic(s.file("log.jsonl"), "");
  write_file_atomic(s.file("params.json"), build_params_json(s).dump(2) + "\n");
  write_file_atomic(s.file("space.yaml"), s.space_yaml);  // for tunas_report
  s.events = std::make_unique<events::EventWriter>(s.run_dir, s.config.resume ? s.step : -1);
}

}  // namespace

TrainRun::TrainRun(TrainConfig config, distributed::Communicator* comm)
    : s_(std::make_unique<State>()) {
  State& s = *s_;
  if (comm != nullptr) s.comm = comm;
  distributed::agree_on_setup(*s.comm, [&] {
    load_run(s, config);
    return str_cat(train_fingerprint(s.config), " resume=", s.config.resume);
  });
  if (s.writes_files()) write_run_start(s);
}

TrainRun::~TrainRun() = default;
const TrainConfig& TrainRun::config() const { return s_->config; }
std::int64_t TrainRun::total_steps() const { return s_->total_steps; }
const std::string& TrainRun::indices() const { return s_->indices_text; }
const std::string& TrainRun::space_name() const { return s_->space_name; }
supernet::Supernet& TrainRun::network() { return *s_->net; }
const supernet::Masks& TrainRun::masks() const { return s_->masks; }
const datasets::ImageSet& TrainRun::eval_set() const { return s_->eval_set; }

TrainOutcome TrainRun::run(std::int64_t max_steps) {
  State& s = *s_;
  const TrainConfig& c = s.config;
  const int res = s.space.network.resolution;
  const Tensor batch(s.train_images.get(),
                     Shape4{c.batch / c.replicas, res, res, s.train_iter->channels()});
  auto& params = s.net->params();
  const datasets::PreprocessConfig eval_pc = datasets::proxy_preprocess(s.eval_set, false, res);
  const auto started = Clock::now();
  double train_seconds = 0;
  const std::int64_t first_step = s.step;
  std::int64_t steps_this_call = 0;
  double last_loss = 0;
  TrainOutcome outcome;
  outcome.total_steps = s.total_steps;
  outcome.run_dir = s.run_dir;
  if (s.step >= s.total_steps && file_exists(s.file("result.json"))) {
    // Re-evaluating would only rewrite the result with this call's (empty) training figures.
    outcome.steps_done = s.step;
    outcome.already_finished = true;
    return outcome;
  }

  auto save_checkpoint = [&] {
    if (s.writes_files()) search::write_checkpoint(s.file("checkpoint.bin"), make_checkpoint(s));
    s.last_checkpoint_step = s.step;
  };
  auto run_eval = [&](bool final_eval) {
    const EvalResult ev = evaluate_set(*s.net, s.masks, s.eval_set, eval_pc, c.eval_batch);
    Json rec = Json::object();
    rec["step"] = s.step;
    rec["eval/set"] = s.eval_name;
    rec["eval/top1"] = ev.top1();
    rec["eval/loss"] = ev.loss;
    rec["eval/images"] = ev.images;
    s.log(s.step, rec);
    if (!c.quiet) {
      std::fprintf(stderr, "%s%s step %lld: %s top-1 %.4f (%lld images), loss %.4f\n",
                   s.progress_is_tty ? "\r\033[K" : "", final_eval ? "final eval" : "eval",
                   (long long)s.step, s.eval_name.c_str(), ev.top1(), (long long)ev.images, ev.loss);
    }
    return ev;
  };

  while (s.step < s.total_steps) {
    if (max_steps >= 0 && steps_this_call >= max_steps) break;
    if (s.comm->any_true(search::stop_requested().load())) {  // every rank stops at one step
      outcome.interrupted = true;
      break;
    }
    const std::int64_t t = s.step;
    const auto step_start = Clock::now();
    const double lr = policy::model_learning_rate(s.peak_lr, s.warmup_steps, s.total_steps, t);
    // K sub-batches over the fixed replica tree (search/replica_step.h); K = 1: one batch.
    const supernet::ReplicaResult r = search::combine_replicas(s.replica_step->train(
        *s.train_iter, batch, s.train_labels.data(),
        [&](int) -> const supernet::Masks& { return s.masks; }, t));
    try {
      search::check_training_loss(r.loss, s.space.network.classes, t, s.last_checkpoint_step,
                                  "A lower --lr may help.");
    } catch (const Error& e) {
      // The loss is gathered from every replica: every rank throws this.
      throw distributed::AgreedError(e.what());
    }
    kernels::f32_rmsprop_update(params.size(), params.values(), s.rms_mean_square.get(),
                                s.rms_momentum.get(), params.grads(), float(lr),
                                kernels::kRmsPropDecay, kernels::kRmsPropMomentum,
                                kernels::kRmsPropEpsilon);
    ++s.step;
    ++steps_this_call;
    last_loss = r.loss;
    train_seconds += std::chrono::duration<double>(Clock::now() - step_start).count();
    const bool last = s.step == s.total_steps;

    if (t % c.log_every == 0 || last) {
      const double images_per_s = train_seconds > 0 ? double(steps_this_call) * c.batch / train_seconds : 0;
      Json rec = Json::object();
      rec["step"] = t;
      rec["epoch"] = double(s.step) * c.batch / double(s.train_set.size());
      rec["loss"] = r.loss;
      rec["empirical_loss"] = r.empirical_loss;
      rec["regularization_loss"] = r.regularization_loss;
      rec["train_top1"] = double(r.correct) / double(r.batch);
      rec["learning_rate"] = lr;
      rec["images_per_second"] = images_per_s;
      s.log(t, rec);
      if (!c.quiet) {
        const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
        const double steps_per_s = elapsed > 0 ? double(s.step - first_step) / elapsed : 0;
        const double eta = steps_per_s > 0 ? double(s.total_steps - s.step) / steps_per_s : -1;
        char line[384];
        std::snprintf(line, sizeof line,
                      "step %lld/%lld  epoch %.2f  %.0f img/s  ETA %s  loss %.3f  train_acc %.3f  lr %.4f",
                      (long long)s.step, (long long)s.total_steps,
                      double(s.step) * c.batch / double(s.train_set.size()), images_per_s,
                      format_duration(eta).c_str(), r.loss, double(r.correct) / double(r.batch), lr);
        if (s.progress_is_tty) std::fprintf(stderr, "\r\033[K%s", line);
        else std::fprintf(stderr, "%s\n", line);
        std::fflush(stderr);
      }
    }
    if (c.eval_every > 0 && s.step % c.eval_every == 0 && !last && s.writes_files())
      run_eval(false);
    if (s.step % c.checkpoint_every == 0 || last) save_checkpoint();
  }
  if (s.progress_is_tty && !c.quiet) std::fprintf(stderr, "\n");
  if (s.last_checkpoint_step != s.step) save_checkpoint();
  outcome.steps_done = s.step;
  outcome.steps_this_call = steps_this_call;
  if (s.step < s.total_steps) {
    outcome.interrupted = outcome.interrupted || max_steps < 0;
    return outcome;
  }
  if (!s.writes_files()) return outcome;  // rank 0 evaluates and writes result.json

  const EvalResult ev = run_eval(true);
  Json j = Json::object();
  j["space"] = s.space_name;
  j["ssd"] = s.space.name;
  j["indices"] = s.indices_text;
  j["eval_set"] = s.eval_name;
  j["metric"] = s.eval_name + "_top1";
  j["top1"] = ev.top1();
  j[s.eval_name + "_top1"] = ev.top1();
  j["eval_loss"] = ev.loss;
  j["eval_images"] = ev.images;
  j["eval_correct"] = ev.correct;
  j["train_images"] = s.train_set.size();
  j["final_train_loss"] = last_loss;  // the last step of this invocation (0 if none ran)
  j["steps"] = s.total_steps;
  j["epochs"] = double(s.total_steps) * c.batch / double(s.train_set.size());
  j["batch"] = c.batch;
  j["learning_rate"] = s.peak_lr;
  j["dropout"] = s.dropout;
  j["params"] = s.params;
  j["macs"] = s.macs;
  if (s.latency_ms >= 0) j["latency_ms"] = s.latency_ms;
  j["costs"] = s.costs;
  j["resolution"] = s.space.network.resolution;
  j["images_per_second"] = train_seconds > 0 ? double(steps_this_call) * c.batch / train_seconds : 0.0;
  j["wall_seconds"] = std::chrono::duration<double>(Clock::now() - started).count();
  j["resumed"] = first_step > 0;
  j["threads"] = c.threads;
  write_deployment_files(s, eval_pc, j);
  write_file_atomic(s.file("result.json"), j.dump(2) + "\n");
  outcome.result = j;
  return outcome;
}

}  // namespace tunas::train
