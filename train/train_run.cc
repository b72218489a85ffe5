#include "train/train_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/files.h"
#include "core/memory.h"
#include "core/threads.h"
#include "datasets/batch_iterator.h"
#include "datasets/load.h"
#include "datasets/synthetic.h"
#include "distributed/agreement.h"
#include "onnx_export/export.h"
#include "policy/schedules.h"
#include "run/checkpoint.h"
#include "run/checkpoint_sections.h"
#include "run/option_table.h"
#include "run/divergence.h"
#include "run/progress.h"
#include "run/rmsprop_state.h"
#include "run/run_directory.h"
#include "run/run_limits.h"
#include "run/run_ranks.h"
#include "run/step_loop.h"
#include "run/weights_file.h"
#include "search_spaces/catalog.h"
#include "search_spaces/cost_model.h"
#include "search_spaces/indices.h"
#include "search_spaces/network.h"
#include "train/architecture_file.h"

namespace tunas::train {

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
  run::RmsPropState rmsprop;
  AlignedPtr<float> train_images;
  std::vector<std::int32_t> train_labels;
  std::int64_t total_steps = 0, warmup_steps = 0, step = 0, last_checkpoint_step = -1;
  double peak_lr = 0, weight_decay = 0, dropout = 0;
  Json costs = Json::object();
  double latency_ms = -1;
  std::int64_t macs = 0, params = 0;
  run::RunDirectory dir;  // opened on rank 0 only
  run::Progress progress;
  run::RunRanks ranks;    // rank 0 alone writes and evaluates
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

run::Checkpoint make_checkpoint(const TrainRun::State& s) {
  run::Checkpoint c;
  run::put_fingerprint(c, train_fingerprint(s.config));
  c.put_i64("meta/step", s.step);
  c.put_i64("meta/dropout_calls", std::int64_t(s.net->dropout_calls()));
  run::put_network(c, "model", *s.net);
  s.rmsprop.save(c);
  run::put_iterator(c, "data/train_iterator", *s.train_iter);
  return c;
}

void restore_checkpoint(TrainRun::State& s, const run::Checkpoint& c) {
  run::require_fingerprint(c, train_fingerprint(s.config));
  s.step = c.get_i64("meta/step");
  TUNAS_REQUIRE(s.step >= 0 && s.step <= s.total_steps, c.origin(), ": step ", s.step,
                " out of range [0, ", s.total_steps, "]");
  s.net->set_dropout_calls(std::uint64_t(c.get_i64("meta/dropout_calls")));
  run::restore_network(c, "model", *s.net);
  s.rmsprop.restore(c);
  run::restore_iterator(c, "data/train_iterator", *s.train_iter);
}

void save_checkpoint(TrainRun::State& s) {
  if (s.ranks.writes_files())
    run::write_checkpoint(s.dir.file(run::kCheckpointFile), make_checkpoint(s));
  s.last_checkpoint_step = s.step;
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
  r[kLrAutoSpelledAuto] = true;
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
  run::write_weights_file(s.dir.file("weights.bin"), s.net->params(), s.space_name,
                             spaces::format_indices(s.indices), s.net->bn_statistics());
  result["weights_file"] = "weights.bin";
  result["exported_weights"] = "last step";  // the weights this result scores (no best-of)
  result["onnx"] = Json();
  try {
    onnx_export::export_onnx(s.dir.file("model.onnx"), *s.net, s.eval_set, eval_pc,
                             onnx_export::model_info(s.space, s.space_name, s.indices));
    result["onnx"] = "model.onnx";
  } catch (const Error& e) {
    std::fprintf(stderr, "tunas_train: no model.onnx: %s\n", e.what());
  }
}

}  // namespace

namespace {

// --arch of a search: the network options not given take the values the search used (its
// final_architecture.json "network"), so the architecture trains as it was searched.
void inherit_searched_network(TrainConfig& config) {
  if (config.arch.empty() || !config.indices.empty()) return;  // both: refused later
  const ArchitectureFile arch = read_architecture_file(config.arch);
  if (!arch.network) return;
  auto given = [&](const char* key) {
    return std::find(config.given_keys.begin(), config.given_keys.end(), key) !=
           config.given_keys.end();
  };
  std::string inherited;
  auto inherit = [&](const char* key, auto TrainConfig::*field, auto value) {
    if (given(key) || config.*field == value) return;
    config.*field = value;
    inherited += str_cat(" ", tunas::option_flag_name(key), " ", json_line(Json(value)));
  };
  inherit("proxy", &TrainConfig::proxy, arch.network->proxy);
  inherit("proxy_layers", &TrainConfig::proxy_layers, arch.network->proxy_layers);
  inherit("resolution", &TrainConfig::resolution, arch.network->resolution);
  inherit("width_multiplier", &TrainConfig::width_multiplier, arch.network->width_multiplier);
  if (!inherited.empty() && !config.quiet)
    std::fprintf(stderr, "tunas_train: the network as searched (--arch %s):%s\n",
                 config.arch.c_str(), inherited.c_str());
}

// The run's settings: the given ones, or with --resume the saved ones (run/run_directory.h).
TrainConfig resolve_settings(TrainConfig config) {
  make_paths_absolute(config);
  if (config.resume)
    config = run::settings_to_resume(config, apply_train_config_file, train_resume_conflicts);
  else
    inherit_searched_network(config);
  validate(config);
  return config;
}

// The architecture in its space configured for the data, and its costs.
void resolve_network(TrainRun::State& s) {
  const TrainConfig& config = s.config;
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
}

// Run length and schedule (spec §7.6: 2.5 % linear warm-up, cosine decay, lr 0.165*b/256).
void set_up_schedule(TrainRun::State& s) {
  const TrainConfig& config = s.config;
  s.total_steps = config.steps > 0
                      ? config.steps
                      : std::max<std::int64_t>(
                            1, std::int64_t(double(s.train_set.size()) * config.epochs / config.batch));
  s.warmup_steps = policy::fraction_of_steps(config.warmup_fraction, s.total_steps);
  s.peak_lr = config.lr.value_or(0.165 * config.batch / 256.0);
  s.weight_decay = config.weight_decay >= 0 ? config.weight_decay : s.space.weight_decay;
  if (config.dropout >= 0) {
    s.dropout = config.dropout;
  } else {
    const double epochs = double(s.total_steps) * config.batch / double(s.train_set.size());
    const bool v3 = s.space.name.find("mobilenet_v3") != std::string::npos;
    s.dropout = epochs < 150 ? 0.0 : (v3 ? 0.25 : 0.15);
  }
}

// The stand-alone network (exact widths, stateful BN), its optimizer slots and data.
void build_network(TrainRun::State& s) {
  const TrainConfig& config = s.config;
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
  run::check_fits_in_memory(
      pruned, std::max(config.batch, config.eval_batch),
      double(config.batch) * pruned.network.resolution * pruned.network.resolution *
          pruned.network.input_channels * sizeof(float),
      "--batch, --eval-batch, --resolution or --width-multiplier");
  s.net = std::make_unique<supernet::Supernet>(pruned, nc);
  if (!config.init_weights.empty())  // a resumed run's weights come from its checkpoint below
    run::read_weights_file(config.init_weights, s.net->params(), spaces::format_indices(s.indices));
  s.rmsprop = run::RmsPropState(s.net->params().size());

  const int res = s.space.network.resolution;
  datasets::BatchIteratorConfig tc;
  tc.seed = config.seed;
  tc.purpose = "train/train";
  s.train_iter = std::make_unique<datasets::BatchIterator>(
      s.train_set, datasets::proxy_preprocess(s.train_set, true, res), tc);
  s.train_images =
      aligned_array<float>(std::size_t(config.batch) * res * res * s.train_iter->channels());
  s.train_labels.resize(std::size_t(config.batch));
}

// Everything a rank needs before the first step; reads files, writes none.
void load_run(TrainRun::State& s, const TrainConfig& given) {
  s.config = resolve_settings(given);
  s.dir = run::RunDirectory(s.config.out);
  set_num_threads(s.config.threads);
  resolve_network(s);
  set_up_schedule(s);
  build_network(s);
  s.ranks.start_replicas(s.config.replicas, *s.net);
  if (!s.ranks.writes_files()) s.config.quiet = true;  // progress comes from rank 0
  s.progress.set_quiet(s.config.quiet);
  if (const auto checkpoint = run::checkpoint_to_start_from(s.dir.path(), s.config.resume)) {
    restore_checkpoint(s, *checkpoint);
    s.last_checkpoint_step = s.step;
  }
}

}  // namespace

TrainRun::TrainRun(TrainConfig config, distributed::Communicator* comm)
    : s_(std::make_unique<State>()) {
  State& s = *s_;
  s.ranks.use(comm);
  distributed::agree_on_setup(s.ranks.comm(), [&] {
    load_run(s, config);
    return str_cat(train_fingerprint(s.config), " resume=", s.config.resume);
  });
  if (s.ranks.writes_files())
    s.dir.open(s.config.resume ? s.step : -1, build_params_json(s), s.space_yaml);
}

TrainRun::~TrainRun() = default;
const TrainConfig& TrainRun::config() const { return s_->config; }
std::int64_t TrainRun::total_steps() const { return s_->total_steps; }
const std::string& TrainRun::indices() const { return s_->indices_text; }
const std::string& TrainRun::space_name() const { return s_->space_name; }
supernet::Supernet& TrainRun::network() { return *s_->net; }
const supernet::Masks& TrainRun::masks() const { return s_->masks; }
const datasets::ImageSet& TrainRun::eval_set() const { return s_->eval_set; }

namespace {

// This invocation's training figures (the log and result.json report them).
struct TrainCall {
  explicit TrainCall(std::int64_t first) : first_step(first), rate(first) {}
  std::int64_t first_step;
  run::StepRate rate;        // wall time, for the ETA
  double train_seconds = 0;  // inside training steps, for images per second
  double last_loss = 0;      // of the last step (0 if none ran)

  double images_per_second(const TrainRun::State& s) const {
    return train_seconds > 0 ? double(s.step - first_step) * s.config.batch / train_seconds : 0.0;
  }
};

// Scores the evaluation set at the current step: a log record and a progress message.
EvalResult evaluate_now(TrainRun::State& s, const datasets::PreprocessConfig& eval_pc,
                        bool final_eval) {
  const EvalResult ev = evaluate_set(*s.net, s.masks, s.eval_set, eval_pc, s.config.eval_batch);
  Json rec = Json::object();
  rec["step"] = s.step;
  rec["eval/set"] = s.eval_name;
  rec["eval/top1"] = ev.top1();
  rec["eval/loss"] = ev.loss;
  rec["eval/images"] = ev.images;
  s.dir.log(s.step, rec);
  char line[384];
  std::snprintf(line, sizeof line, "%s step %lld: %s top-1 %.4f (%lld images), loss %.4f\n",
                final_eval ? "final eval" : "eval", (long long)s.step, s.eval_name.c_str(),
                ev.top1(), (long long)ev.images, ev.loss);
  s.progress.message(line);
  return ev;
}

// Every log_every steps and at the last: the log record and the progress line of step t.
void log_train_step(TrainRun::State& s, const TrainCall& call, std::int64_t t,
                    const supernet::ReplicaResult& r, double lr) {
  const TrainConfig& c = s.config;
  if (t % c.log_every != 0 && s.step != s.total_steps) return;
  const double images_per_s = call.images_per_second(s);
  Json rec = Json::object();
  rec["step"] = t;
  rec["epoch"] = double(s.step) * c.batch / double(s.train_set.size());
  rec["loss"] = r.loss;
  rec["empirical_loss"] = r.empirical_loss;
  rec["regularization_loss"] = r.regularization_loss;
  rec["train_top1"] = double(r.correct) / double(r.batch);
  rec["learning_rate"] = lr;
  rec["images_per_second"] = images_per_s;
  s.dir.log(t, rec);
  if (s.progress.quiet()) return;
  char line[384];
  std::snprintf(line, sizeof line,
                "step %lld/%lld  epoch %.2f  %.0f img/s  ETA %s  loss %.3f  train_acc %.3f  lr %.4f",
                (long long)s.step, (long long)s.total_steps,
                double(s.step) * c.batch / double(s.train_set.size()), images_per_s,
                call.rate.eta(s.step, s.total_steps).c_str(), r.loss,
                double(r.correct) / double(r.batch), lr);
  s.progress.step_line(line);
}

// One training step: K sub-batches over the fixed replica tree (run/replica_step.h; K = 1:
// one batch), the divergence check on every rank, RMSProp.
void train_step(TrainRun::State& s, TrainCall& call, const Tensor& batch) {
  const std::int64_t t = s.step;
  const auto started = std::chrono::steady_clock::now();
  const double lr = policy::model_learning_rate(s.peak_lr, s.warmup_steps, s.total_steps, t);
  const supernet::ReplicaResult r = run::combine_replicas(s.ranks.replica_step().train(
      *s.train_iter, batch, s.train_labels.data(),
      [&](int) -> const supernet::Masks& { return s.masks; }, t));
  // The loss is gathered from every replica: every rank throws this.
  if (const auto problem = run::training_loss_problem(
          r.loss, s.space.network.classes, t, s.last_checkpoint_step, "A lower --lr may help."))
    throw distributed::AgreedError(*problem);
  s.rmsprop.update(s.net->params(), lr);
  ++s.step;
  call.last_loss = r.loss;
  call.train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log_train_step(s, call, t, r, lr);
}

// result.json: the final evaluation, the architecture's costs and this invocation's figures.
Json result_json(const TrainRun::State& s, const TrainCall& call, const EvalResult& ev) {
  const TrainConfig& c = s.config;
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
  j["final_train_loss"] = call.last_loss;  // the last step of this invocation (0 if none ran)
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
  j["images_per_second"] = call.images_per_second(s);
  j["wall_seconds"] = call.rate.seconds();
  j["resumed"] = call.first_step > 0;
  j["threads"] = c.threads;
  return j;
}

}  // namespace

TrainOutcome TrainRun::run(std::int64_t max_steps) {
  State& s = *s_;
  const TrainConfig& c = s.config;
  TrainOutcome outcome;
  outcome.total_steps = s.total_steps;
  outcome.run_dir = s.dir.path();
  if (s.step >= s.total_steps && file_exists(s.dir.file("result.json"))) {
    // Re-evaluating would only rewrite the result with this call's (empty) training figures.
    outcome.steps_done = s.step;
    outcome.already_finished = true;
    return outcome;
  }
  const int res = s.space.network.resolution;
  const Tensor batch(s.train_images.get(),
                     Shape4{c.batch / c.replicas, res, res, s.train_iter->channels()});
  const datasets::PreprocessConfig eval_pc = datasets::proxy_preprocess(s.eval_set, false, res);
  TrainCall call(s.step);
  run::StepLoop loop;
  loop.total_steps = s.total_steps;
  loop.checkpoint_every = c.checkpoint_every;
  loop.max_steps = max_steps;
  loop.step = [&] { return s.step; };
  loop.run_step = [&] {
    train_step(s, call, batch);
    if (c.eval_every > 0 && s.step % c.eval_every == 0 && s.step != s.total_steps &&
        s.ranks.writes_files())
      evaluate_now(s, eval_pc, false);
  };
  loop.save_checkpoint = [&] { save_checkpoint(s); };
  loop.last_checkpoint_step = [&] { return s.last_checkpoint_step; };
  run::run_step_loop(loop, s.ranks.comm(), s.progress, outcome);
  if (s.step < s.total_steps) {
    outcome.interrupted = outcome.interrupted || max_steps < 0;
    return outcome;
  }
  if (!s.ranks.writes_files()) return outcome;  // rank 0 evaluates and writes result.json

  Json j = result_json(s, call, evaluate_now(s, eval_pc, true));
  write_deployment_files(s, eval_pc, j);
  write_file_atomic(s.dir.file("result.json"), json_text(j, 2, s.dir.file("result.json")) + "\n");
  outcome.result = j;
  return outcome;
}

}  // namespace tunas::train
