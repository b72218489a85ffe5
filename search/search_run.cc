#include "search/search_run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "core/files.h"
#include "core/memory.h"
#include "core/threads.h"
#include "datasets/batch_iterator.h"
#include "datasets/dataset.h"
#include "datasets/load.h"
#include "datasets/synthetic.h"
#include "distributed/agreement.h"
#include "distributed/data_parallel.h"
#include "events/event_writer.h"
#include "kernels/optim/optim.h"
#include "policy/controller.h"
#include "policy/controller_state.h"
#include "policy/reward.h"
#include "policy/schedules.h"
#include "search/checkpoint.h"
#include "search/divergence.h"
#include "search/replica_step.h"
#include "search/run_files.h"
#include "search/run_limits.h"
#include "search/search_events.h"
#include "search/weights_file.h"
#include "search_spaces/catalog.h"
#include "search_spaces/cost_model.h"
#include "search_spaces/indices.h"
#include "search_spaces/network.h"
#include "supernet/path_weights.h"
#include "supernet/supernet.h"

namespace tunas::search {

std::atomic<bool>& stop_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

static void on_stop_signal(int) { stop_requested().store(true); }

void install_stop_signal_handlers() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

namespace {

using Clock = std::chrono::steady_clock;

std::vector<policy::DecisionSpec> decision_specs(const spaces::Space& space) {
  std::vector<policy::DecisionSpec> specs;
  for (const auto& d : space.decisions) {
    policy::DecisionSpec s;
    s.path = d.path;
    s.tag = d.tag == spaces::Tag::op ? policy::DecisionTag::op : policy::DecisionTag::filters;
    s.num_choices = d.size();
    s.parent_decision = d.parent_decision;
    s.parent_choice = d.parent_choice;
    s.largest_choice = d.largest_choice;
    specs.push_back(s);
  }
  return specs;
}

double policy_entropy(const policy::Policy& p) {
  double h = 0;
  for (int d = 0; d < p.num_decisions(); ++d) {
    for (double q : p.probabilities(d))
      if (q > 0) h -= q * std::log(q);
  }
  return h;
}

// Everything the resolved run needs beyond the user's settings.
struct Resolved {
  std::int64_t total_steps = 0;
  double model_lr = 0;
  double policy_lr = 0;
  double target = 0;
  double weight_decay = 0;
  std::int64_t validation_size = 0;
};

}  // namespace

struct SearchRun::State {
  SearchConfig config;
  Resolved resolved;
  spaces::Space space;
  std::unique_ptr<spaces::CostModel> cost_model;
  std::unique_ptr<spaces::CostModel> pixel1;  // for latency_ms in outputs when available
  datasets::TrainValidationSplit data;
  std::unique_ptr<datasets::BatchIterator> train_iter, valid_iter;
  std::unique_ptr<supernet::Supernet> net;
  std::unique_ptr<policy::Controller> controller;
  std::unique_ptr<policy::SearchSchedules> schedules;
  policy::RewardConfig reward;
  AlignedPtr<float> rms_mean_square, rms_momentum;
  AlignedPtr<float> train_images, valid_images;
  std::vector<std::int32_t> train_labels, valid_labels;
  std::int64_t last_checkpoint_step = -1;
  std::string run_dir;
  std::unique_ptr<events::EventWriter> events;  // TensorBoard copy of log.jsonl
  bool progress_is_tty = false;
  // The ranks of the run (a single process unless the tool was started by mpirun); only
  // rank 0 writes files and progress.
  distributed::SingleProcessCommunicator own_comm;
  distributed::Communicator* comm = &own_comm;
  std::unique_ptr<distributed::DataParallel> dp;
  std::unique_ptr<ReplicaStep> replica_step;
  bool writes_files() const { return comm->rank() == 0; }

  std::string file(const std::string& name) const { return path_join(run_dir, name); }
};

namespace {

void load_data(SearchRun::State& s) {
  const SearchConfig& c = s.config;
  datasets::DataOptions options;  // imagefolder/filelist: streamed from disk
  options.synthetic_train_count = c.synthetic_size;
  options.num_classes = c.num_classes;
  options.skip_corrupt = c.skip_corrupt_images;
  datasets::Dataset dataset = datasets::load_dataset(c.data, c.data_dir, options);
  s.resolved.validation_size = datasets::held_out_count(c.validation_size, dataset.train.size());
  datasets::SplitConfig split;
  split.validation_size = s.resolved.validation_size;
  s.data = datasets::split_train_validation(dataset.train, split);
}

Json build_params_json(const SearchRun::State& s) {
  Json j = config_to_json(s.config);
  // Spec §7.1 keys at the top level, as the original writes them (params_json_derived_keys()).
  j["max_global_step"] = s.resolved.total_steps;
  j["model_learning_rate"] = s.resolved.model_lr;
  j["rl_learning_rate"] = s.resolved.policy_lr;
  j["rl_cost_model_target"] = s.resolved.target;
  j["model_weight_decay"] = s.resolved.weight_decay;
  j["rl_delay_steps"] = s.schedules->policy_delay_steps();
  j["increase_ops_warmup_steps"] = s.schedules->op_warmup_steps();
  j["increase_filters_warmup_steps"] = s.schedules->filter_warmup_steps();
  j["use_bfloat16"] = false;
  j["ssd"] = s.space.name;
  // Our other derived values.
  Json& r = j["resolved"];
  r["model_warmup_steps"] = s.schedules->model_warmup_steps();
  r["validation_images"] = s.resolved.validation_size;
  r["train_images"] = s.data.train.size();
  r["num_decisions"] = s.space.num_decisions();
  r["num_parameters"] = s.net->params().size();
  r["input_shape"] = std::vector<int>{s.space.network.resolution, s.space.network.resolution,
                                      s.space.network.input_channels};
  r["classes"] = s.space.network.classes;
  r["class_names"] = s.data.train.class_names;  // label i = class_names[i] (image folders: sorted)
  Json overrides = Json::object();
  for (const auto& [path, stride] : s.space.network.stride_overrides) overrides[path] = stride;
  r["stride_overrides"] = overrides;
  return j;
}

Json architecture_json(const SearchRun::State& s, const std::vector<int>& indices) {
  Json j = Json::object();
  j["indices"] = spaces::format_indices(indices);
  j["space"] = s.space.name;
  // A YAML space travels with the architecture: tunas_train --arch needs no other file.
  if (spaces::is_space_path(s.config.space)) {
    j["space_path"] = s.config.space;
    j["space_yaml"] = read_file(spaces::space_path(s.config.space));
  }
  j["cost_model"] = s.config.cost_model;
  j["cost"] = s.cost_model->cost_of(indices);
  j["target"] = s.resolved.target;
  if (s.pixel1) j["latency_ms"] = s.pixel1->cost_of(indices);
  const spaces::Network searched = spaces::resolve(s.space, indices);
  j["macs"] = spaces::count_macs(searched);
  j["params"] = spaces::count_params(searched);
  j["resolution"] = searched.resolution;
  j["classes"] = searched.classes;
  // The same architecture at the space's original configuration (224x224x3, 1001 classes).
  spaces::Space original = spaces::load_space(s.config.space);
  const spaces::Network full = spaces::resolve(original, indices);
  Json& ref = j["original_network"];
  ref["macs"] = spaces::count_macs(full);
  ref["params"] = spaces::count_params(full);
  ref["resolution"] = full.resolution;
  ref["classes"] = full.classes;
  Json layers = Json::array();
  for (const auto& l : searched.layers) {
    Json row = Json::object();
    row["path"] = l.path;
    row["kind"] = spaces::layer_kind_name(l.kind);
    row["residual"] = l.residual;
    row["in"] = l.in_channels;
    row["out"] = l.out_channels;
    row["kernel"] = l.kernel_size;
    row["strides"] = l.strides;
    row["expansion"] = l.expansion;
    row["se"] = l.use_se;
    row["activation"] = spaces::activation_name(l.activation);
    row["in_size"] = l.in_size;
    row["out_size"] = l.out_size;
    layers.push_back(row);
  }
  j["layers"] = layers;
  j["table"] = spaces::format_network(searched);
  return j;
}

Checkpoint make_checkpoint(const SearchRun::State& s) {
  Checkpoint c;
  c.put_string("meta/fingerprint", config_fingerprint(s.config));
  c.put_i64("meta/step", s.controller->step());
  auto& params = s.net->params();
  c.put_floats("supernet/weights", params.values(), params.size());
  c.put_floats("supernet/bn_statistics", s.net->bn_statistics(), s.net->bn_statistics_size());
  c.put_floats("optimizer/mean_square", s.rms_mean_square.get(), params.size());
  c.put_floats("optimizer/momentum", s.rms_momentum.get(), params.size());
  c.put("controller", policy::encode_controller_state(s.controller->state()));
  const auto t = s.train_iter->state().to_bytes();
  c.put("data/train_iterator", std::vector<std::uint8_t>(t.begin(), t.end()));
  const auto v = s.valid_iter->state().to_bytes();
  c.put("data/valid_iterator", std::vector<std::uint8_t>(v.begin(), v.end()));
  return c;
}

void restore_checkpoint(SearchRun::State& s, const Checkpoint& c) {
  const std::string expected = config_fingerprint(s.config);
  const std::string found = c.get_string("meta/fingerprint");
  TUNAS_REQUIRE(found == expected, c.origin(),
                ": the checkpoint belongs to a run with other settings.\n  checkpoint: ", found,
                "\n  now:        ", expected);
  auto& params = s.net->params();
  c.get_finite_floats("supernet/weights", params.values(), params.size());
  c.get_finite_floats("supernet/bn_statistics", s.net->bn_statistics(), s.net->bn_statistics_size());
  c.get_finite_floats("optimizer/mean_square", s.rms_mean_square.get(), params.size());
  c.get_finite_floats("optimizer/momentum", s.rms_momentum.get(), params.size());
  s.controller->set_state(policy::decode_controller_state(c.get("controller")));
  s.train_iter->restore(datasets::BatchIteratorState::from_bytes(c.get("data/train_iterator")));
  s.valid_iter->restore(datasets::BatchIteratorState::from_bytes(c.get("data/valid_iterator")));
  TUNAS_REQUIRE(c.get_i64("meta/step") == s.controller->step(), c.origin(),
                ": inconsistent checkpoint (step ", c.get_i64("meta/step"), " vs controller step ",
                s.controller->step(), ")");
}

}  // namespace

namespace {

// Everything a rank needs before the first step; reads files, writes none.
void load_run(SearchRun::State& s, SearchConfig config) {
  make_paths_absolute(config);
  if (config.resume) {
    const std::string params_path = path_join(config.out, "params.json");
    TUNAS_REQUIRE(file_exists(path_join(config.out, "checkpoint.bin")), "--resume: no checkpoint in ",
                  config.out, " (expected ", path_join(config.out, "checkpoint.bin"), ")");
    // The run's own settings, then anything given now on top (e.g. --threads).
    SearchConfig saved;
    apply_config_file(saved, params_path);
    const std::string changed = resume_conflicts(saved, config);
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

  // Space and network configuration.
  s.space = spaces::load_space(config.space);
  load_data(s);
  spaces::configure_data_network(s.space, config.resolution, s.data.train.channels,
                                 s.data.train.num_classes, config.width_multiplier,
                                 config.proxy ? config.proxy_layers : 0);
  check_fits_in_memory(s.space, std::max(config.batch, config.validation_batch()),
                       double(config.batch + config.validation_batch()) * s.space.network.resolution *
                           s.space.network.resolution * s.data.train.channels * sizeof(float),
                       "--batch, --valid-batch, --resolution or --width-multiplier");

  // Cost model and reward.
  s.cost_model = spaces::make_cost_model(config.cost_model, s.space, {config.lut});
  if (config.cost_model == "tunas_pixel1") {
    s.pixel1 = spaces::make_cost_model("tunas_pixel1", s.space);
  } else if (!s.space.pixel1_weights.empty()) {
    s.pixel1 = spaces::make_cost_model("tunas_pixel1", s.space);
  }
  s.resolved.target = config.target_ms > 0 ? config.target_ms : s.space.target_latency_ms;
  TUNAS_REQUIRE(s.resolved.target > 0 || config.reward == "unconstrained",
                "the space '", s.space.name, "' has no default target: give --target");
  s.reward.kind = policy::parse_reward_kind(config.reward);
  s.reward.cost_exponent = config.beta;
  s.reward.cost_target = s.resolved.target > 0 ? s.resolved.target : 1.0;
  policy::validate_reward_config(s.reward);

  // Run length and schedules (spec §6.3-6.5, learning rates scaled by the global batch).
  const int global_batch = config.global_batch();
  s.resolved.total_steps =
      config.steps > 0 ? config.steps
                       : std::max<std::int64_t>(
                             1, std::int64_t(double(s.data.train.size()) * config.epochs / global_batch));
  s.resolved.model_lr = config.model_lr.value_or(0.165 * global_batch / 256.0);
  s.resolved.policy_lr =
      config.policy_lr.value_or(3e-4 * global_batch / 256.0 * config.policy_lr_scale);
  s.resolved.weight_decay = config.weight_decay >= 0 ? config.weight_decay : s.space.weight_decay;
  policy::ScheduleConfig sc;
  sc.total_steps = s.resolved.total_steps;
  sc.model_lr_peak = s.resolved.model_lr;
  sc.model_warmup_fraction = config.model_warmup_fraction;
  sc.policy_lr = s.resolved.policy_lr;
  sc.policy_lr_exponential = config.policy_lr_schedule == "exponential";
  sc.policy_delay_fraction = config.policy_delay_fraction;
  sc.op_warmup_fraction = config.op_warmup();
  sc.filter_warmup_fraction = config.filter_warmup();
  s.schedules = std::make_unique<policy::SearchSchedules>(sc);

  // Data iterators and batch buffers.
  const int res = s.space.network.resolution;
  datasets::BatchIteratorConfig tc;
  tc.seed = config.seed;
  tc.purpose = "search/train";
  s.train_iter = std::make_unique<datasets::BatchIterator>(
      s.data.train, datasets::proxy_preprocess(s.data.train, true, res), tc);
  datasets::BatchIteratorConfig vc = tc;
  vc.purpose = "search/valid";
  vc.augment = false;
  s.valid_iter = std::make_unique<datasets::BatchIterator>(
      s.data.validation, datasets::proxy_preprocess(s.data.validation, false, res), vc);
  const int channels = s.train_iter->channels();
  s.train_images = aligned_array<float>(std::size_t(config.batch) * res * res * channels);
  s.valid_images = aligned_array<float>(std::size_t(config.validation_batch()) * res * res * channels);
  s.train_labels.resize(std::size_t(config.batch));
  s.valid_labels.resize(std::size_t(config.validation_batch()));

  // Supernet, optimizer slots, controller.
  supernet::SupernetConfig nc;
  nc.max_batch = config.batch;
  nc.max_eval_batch = config.validation_batch();
  nc.remat = config.remat ? supernet::RematPolicy::switches : supernet::RematPolicy::none;
  nc.weight_decay = float(s.resolved.weight_decay);
  nc.label_smoothing = float(config.label_smoothing);
  nc.init_seed = config.seed;
  s.net = std::make_unique<supernet::Supernet>(s.space, nc);
  const std::int64_t n = s.net->params().size();
  s.rms_mean_square = aligned_array<float>(std::size_t(n));
  std::fill_n(s.rms_mean_square.get(), n, kernels::kRmsPropInitialMeanSquare);
  s.rms_momentum = aligned_array<float>(std::size_t(n));
  policy::ControllerConfig cc;
  cc.num_replicas = config.replicas;
  cc.seed = config.seed;
  cc.entropy_weight = config.entropy_weight;
  cc.baseline_momentum = config.baseline_momentum;
  cc.adam.beta1 = config.policy_adam_beta1;
  cc.adam.beta2 = config.policy_adam_beta2;
  cc.adam.epsilon = config.policy_adam_epsilon;
  cc.temperature = config.policy_temperature;
  s.controller = std::make_unique<policy::Controller>(decision_specs(s.space), cc);

  s.dp = std::make_unique<distributed::DataParallel>(*s.comm, config.replicas);
  s.replica_step = std::make_unique<ReplicaStep>(*s.dp, *s.net);
  if (!s.writes_files()) s.config.quiet = true;  // progress comes from rank 0

  s.progress_is_tty = ::isatty(STDERR_FILENO) == 1;
  if (config.resume) {
    restore_checkpoint(s, read_checkpoint(s.file("checkpoint.bin")));
    s.last_checkpoint_step = s.controller->step();
  } else {
    TUNAS_REQUIRE(!file_exists(s.file("checkpoint.bin")), "the run directory ", s.run_dir,
                  " already holds a run (checkpoint.bin); continue it with --resume or choose "
                  "another --out");
  }
}

// The run directory at start (rank 0 only).
void write_run_start(SearchRun::State& s) {
  make_directories(s.run_dir);
  if (s.config.resume) truncate_log(s.file("log.jsonl"), s.controller->step());
  else write_file_atomic(s.file("log.jsonl"), "");
  write_file_atomic(s.file("params.json"), build_params_json(s).dump(2) + "\n");
  write_file_atomic(s.file("space.yaml"), read_file(spaces::space_path(s.config.space)));
  s.events = std::make_unique<events::EventWriter>(s.run_dir, s.config.resume ? s.controller->step() : -1);
}

// The stop flag of any rank stops every rank at the same step.
bool stop_agreed(SearchRun::State& s) { return s.comm->any_true(stop_requested().load()); }

}  // namespace

SearchRun::SearchRun(SearchConfig config, distributed::Communicator* comm)
    : s_(std::make_unique<State>()) {
  State& s = *s_;
  if (comm != nullptr) s.comm = comm;
  distributed::agree_on_setup(*s.comm, [&] {
    load_run(s, config);
    return str_cat(config_fingerprint(s.config), " resume=", s.config.resume);
  });
  if (s.writes_files()) write_run_start(s);
}

SearchRun::~SearchRun() = default;

const SearchConfig& SearchRun::config() const { return s_->config; }
std::int64_t SearchRun::total_steps() const { return s_->resolved.total_steps; }
std::size_t SearchRun::arena_capacity_bytes() const { return s_->net->arena().capacity(); }
std::size_t SearchRun::arena_high_water_bytes() const { return s_->net->arena().high_water(); }

SearchOutcome SearchRun::run(std::int64_t max_steps) {
  State& s = *s_;
  const SearchConfig& c = s.config;
  const int K = c.replicas;
  const int res = s.space.network.resolution;
  const int channels = s.train_iter->channels();
  const Tensor train_batch(s.train_images.get(), Shape4{c.batch, res, res, channels});
  const Tensor valid_batch(s.valid_images.get(), Shape4{c.validation_batch(), res, res, channels});
  auto& params = s.net->params();

  const auto k_size = static_cast<std::size_t>(K);
  std::vector<policy::ArchitectureSample> samples(k_size);
  std::vector<double> rewards(k_size), costs(k_size), accuracies(k_size), adjustments(k_size);
  const auto started = Clock::now();
  const std::int64_t first_step = s.controller->step();
  std::int64_t steps_this_call = 0;
  SearchOutcome outcome;
  outcome.total_steps = s.resolved.total_steps;
  outcome.run_dir = s.run_dir;

  auto save_checkpoint = [&] {
    if (s.writes_files()) write_checkpoint(s.file("checkpoint.bin"), make_checkpoint(s));
    s.last_checkpoint_step = s.controller->step();
  };

  while (s.controller->step() < s.resolved.total_steps) {
    if (max_steps >= 0 && steps_this_call >= max_steps) break;
    if (stop_agreed(s)) {
      outcome.interrupted = true;
      break;
    }
    const std::int64_t t = s.controller->step();
    const policy::WarmupProbabilities warmup = s.schedules->warmup(t);
    const double model_lr = s.schedules->model_learning_rate(t);
    const double policy_lr = s.schedules->policy_learning_rate(t);

    // 1-2. Sample K architectures and cost them (spec §6.3).
    for (int r = 0; r < K; ++r) {
      samples[r] = s.controller->sample(r, warmup);
      costs[r] = s.cost_model->cost(samples[r].masks);
    }
    // 3. Shared-weight update: K sub-batches, gradients averaged over the fixed replica tree
    // (replica_step.h), dense TF-1 RMSProp.
    const auto masks_of = [&](int r) -> const supernet::Masks& { return samples[std::size_t(r)].masks; };
    const std::vector<supernet::ReplicaResult> trained =
        s.replica_step->train(*s.train_iter, train_batch, s.train_labels.data(), masks_of, t);
    double loss = 0, empirical = 0, regularization = 0;
    supernet::ReplicaResult logged_train;  // replica 0's: spec §7.2 logs one replica
    for (int r = 0; r < K; ++r) {
      const supernet::ReplicaResult& res_r = trained[std::size_t(r)];
      try {
        check_training_loss(res_r.loss, s.space.network.classes, t, s.last_checkpoint_step,
                            str_cat("It came from replica ", r, ". A lower --model-lr may help."));
      } catch (const Error& e) {
        // Every rank sees every replica's loss (gathered), so every rank throws this.
        throw distributed::AgreedError(e.what());
      }
      if (r == 0) logged_train = res_r;
      loss += res_r.loss / K;
      empirical += res_r.empirical_loss / K;
      regularization += res_r.regularization_loss / K;
    }
    kernels::f32_rmsprop_update(params.size(), params.values(), s.rms_mean_square.get(),
                                s.rms_momentum.get(), params.grads(), float(model_lr),
                                kernels::kRmsPropDecay, kernels::kRmsPropMomentum,
                                kernels::kRmsPropEpsilon);
    // 4. Validation pass of the same architectures with the updated weights.
    double mean_accuracy = 0;
    const std::vector<supernet::ReplicaResult> evaluated =
        s.replica_step->evaluate(*s.valid_iter, valid_batch, s.valid_labels.data(), masks_of);
    for (int r = 0; r < K; ++r) {
      const supernet::ReplicaResult& ev = evaluated[std::size_t(r)];
      accuracies[r] = double(ev.correct) / double(ev.batch);
      mean_accuracy += accuracies[r] / K;
    }
    // 5. Rewards, baseline, REINFORCE.
    double mean_cost = 0, mean_adjustment = 0;
    for (int r = 0; r < K; ++r) {
      const policy::Reward rw = policy::compute_reward(s.reward, accuracies[r], costs[r]);
      rewards[r] = rw.value;
      adjustments[r] = rw.cost_adjustment;
      mean_cost += costs[r] / K;
      mean_adjustment += rw.cost_adjustment / K;
    }
    const policy::UpdateStats us = s.controller->update(samples, rewards, policy_lr);
    ++steps_this_call;
    const std::int64_t done = s.controller->step();

    // Logs and progress.
    const bool last = done == s.resolved.total_steps;
    if (t % c.log_every == 0 || last) {
      const std::vector<int> argmax = s.controller->policy().argmax_indices();
      const double argmax_cost = s.cost_model->cost_of(argmax);
      const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
      const double steps_per_s = elapsed > 0 ? double(done - first_step) / elapsed : 0;
      const double images_per_s = steps_per_s * K * (c.batch + c.validation_batch());
      const double entropy = policy_entropy(s.controller->policy());
      double reinforce_loss = 0, mean_advantage = 0;
      for (int r = 0; r < K; ++r) {
        const double a = rewards[r] - us.baseline;
        reinforce_loss += -a * samples[r].log_prob / K;
        mean_advantage += a / K;
      }
      // Spec §7.2: the scalars of one replica (replica 0), as the original logs them; the
      // means over the K replicas under "<name>_mean".
      const double advantage = rewards[0] - us.baseline;
      Json rec = Json::object();
      rec["step"] = t;
      rec["epoch"] = double(t + 1) * c.global_batch() / double(s.data.train.size());
      rec["model/loss"] = logged_train.loss;
      rec["model/empirical_loss"] = logged_train.empirical_loss;
      rec["model/regularization_loss"] = logged_train.regularization_loss;
      rec["model/learning_rate"] = model_lr;
      rec["rlcontroller/empirical_loss"] = -advantage * samples[0].log_prob;
      rec["rlcontroller/entropy_loss"] = -c.entropy_weight * samples[0].entropy;
      rec["rlcontroller/validation_accuracy"] = accuracies[0];
      rec["rlcontroller/reward"] = rewards[0];
      rec["rlcontroller/step_baseline"] = us.mean_reward;  // r-bar of spec §4.4
      rec["rlcontroller/baseline"] = us.baseline;
      rec["rlcontroller/advantage"] = advantage;
      rec["rlcontroller/log_prob"] = samples[0].log_prob;
      rec["rlcontroller/estimated_cost"] = costs[0];
      rec["rlcontroller/cost_ratio"] = costs[0] / s.reward.cost_target;
      rec["rlcontroller/cost_adjustment"] = adjustments[0];
      rec["model/loss_mean"] = loss;
      rec["model/empirical_loss_mean"] = empirical;
      rec["model/regularization_loss_mean"] = regularization;
      rec["rlcontroller/empirical_loss_mean"] = reinforce_loss;
      rec["rlcontroller/entropy_loss_mean"] = -c.entropy_weight * us.mean_entropy;
      rec["rlcontroller/validation_accuracy_mean"] = mean_accuracy;
      rec["rlcontroller/reward_mean"] = us.mean_reward;
      rec["rlcontroller/advantage_mean"] = mean_advantage;
      rec["rlcontroller/log_prob_mean"] = us.mean_log_prob;
      rec["rlcontroller/estimated_cost_mean"] = mean_cost;
      rec["rlcontroller/cost_ratio_mean"] = mean_cost / s.reward.cost_target;
      rec["rlcontroller/cost_adjustment_mean"] = mean_adjustment;
      rec["rlcontroller/sample_entropy"] = us.mean_entropy;
      rec["rlcontroller/policy_entropy"] = entropy;
      rec["rlcontroller/learning_rate"] = policy_lr;
      rec["rlcontroller/increase_ops_prob"] = warmup.ops;
      rec["rlcontroller/increase_filters_prob"] = warmup.filters;
      rec["argmax/indices"] = spaces::format_indices(argmax);
      rec["argmax/cost"] = argmax_cost;
      rec["images_per_second"] = images_per_s;
      Json probs = Json::object();
      for (int d = 0; d < s.controller->policy().num_decisions(); ++d)
        if (s.space.decisions[std::size_t(d)].size() > 1)
          probs[s.space.decisions[std::size_t(d)].path] = s.controller->policy().probabilities(d);
      rec["probabilities"] = probs;
      if (s.writes_files()) {
        const std::string line = json_line(rec);
        append_line(s.file("log.jsonl"), line);
        write_search_events(*s.events, t, line, s.space, s.controller->policy(), costs, accuracies);
      }

      if (!c.quiet) {
        const double eta = steps_per_s > 0 ? double(s.resolved.total_steps - done) / steps_per_s : -1;
        char line[512];
        std::snprintf(line, sizeof line,
                      "step %lld/%lld  epoch %.2f  %.0f img/s  ETA %s  loss %.3f  val_acc %.3f  "
                      "cost %.2f  argmax %.2f %s  entropy %.1f",
                      (long long)done, (long long)s.resolved.total_steps,
                      double(done) * c.global_batch() / double(s.data.train.size()), images_per_s,
                      format_duration(eta).c_str(), loss, mean_accuracy, mean_cost, argmax_cost,
                      s.cost_model->unit().c_str(), entropy);
        if (s.progress_is_tty) std::fprintf(stderr, "\r\033[K%s", line);
        else std::fprintf(stderr, "%s\n", line);
        std::fflush(stderr);
      }
    }
    if (done % c.checkpoint_every == 0 || last) save_checkpoint();
  }
  if (s.progress_is_tty && !c.quiet) std::fprintf(stderr, "\n");
  if (s.last_checkpoint_step != s.controller->step()) save_checkpoint();

  const std::vector<int> argmax = s.controller->policy().argmax_indices();
  outcome.steps_done = s.controller->step();
  outcome.steps_this_call = steps_this_call;
  outcome.final_indices = spaces::format_indices(argmax);
  outcome.final_cost = s.cost_model->cost_of(argmax);
  Json final = architecture_json(s, argmax);
  final["step"] = outcome.steps_done;
  final["total_steps"] = outcome.total_steps;
  if (s.writes_files())
    write_file_atomic(s.file("final_architecture.json"), final.dump(2) + "\n");
  return outcome;
}

Json export_final_architecture(const std::string& run_dir, const std::string& weights_path) {
  const std::string params_path = path_join(run_dir, "params.json");
  TUNAS_REQUIRE(file_exists(params_path), run_dir, " is not a search run directory (no params.json)");
  SearchRun::State s;
  apply_config_file(s.config, params_path);
  s.config.out = run_dir;
  s.run_dir = run_dir;
  // The network as it was searched, from the resolved settings recorded in params.json.
  const JsonDocument params = read_json_file(params_path);
  const JsonField top(params, params_path);
  const JsonField resolved =
      JsonField(params, str_cat(params_path, ": unreadable 'resolved' section"))["resolved"];
  TUNAS_REQUIRE(resolved["input_shape"] && resolved["classes"], params_path,
                ": no 'resolved' section (not written by tunas_search?)");
  s.space = spaces::load_space(s.config.space);
  spaces::NetworkConfig net = s.space.network;
  net.resolution = resolved["input_shape"][0].as<int>();
  net.input_channels = resolved["input_shape"][2].as<int>();
  net.classes = resolved["classes"].as<int>();
  net.width_multiplier = s.config.width_multiplier;
  const JsonField strides = resolved["stride_overrides"];
  for (const std::string& path : strides.keys()) net.stride_overrides[path] = strides[path].as<int>();
  spaces::configure_network(s.space, net);
  s.cost_model = spaces::make_cost_model(s.config.cost_model, s.space, {s.config.lut});
  if (!s.space.pixel1_weights.empty()) s.pixel1 = spaces::make_cost_model("tunas_pixel1", s.space);
  // Spec keys at the top level; runs written before that kept them under "resolved".
  auto spec_key = [&](const char* key) { return top[key] ? top[key] : resolved[key]; };
  s.resolved.target = spec_key("rl_cost_model_target").as<double>();
  // The policy's logits at the latest checkpoint; the final architecture is their arg-max.
  const Checkpoint ckpt = read_checkpoint(path_join(run_dir, "checkpoint.bin"));
  const policy::ControllerState state = policy::decode_controller_state(ckpt.get("controller"));
  policy::Policy pol(decision_specs(s.space));
  TUNAS_REQUIRE(state.logits.size() == pol.num_logits(), ckpt.origin(), ": the checkpoint has ",
                state.logits.size(), " logits, the space ", s.config.space, " needs ", pol.num_logits());
  std::copy(state.logits.begin(), state.logits.end(), pol.all_logits().begin());
  const std::vector<int> argmax = pol.argmax_indices();
  Json j = architecture_json(s, argmax);
  j["step"] = state.step;
  j["total_steps"] = spec_key("max_global_step").as<std::int64_t>();
  if (!weights_path.empty()) {
    // The searched supernet at the checkpoint, then the prefix slices of the argmax path.
    supernet::SupernetConfig nc;
    nc.max_batch = 1;  // no step is run: the smallest arena
    nc.remat = supernet::RematPolicy::none;
    supernet::Supernet searched(s.space, nc);
    ckpt.get_floats("supernet/weights", searched.params().values(), searched.params().size());
    supernet::Supernet path(supernet::prune_space(s.space, argmax), nc);
    supernet::copy_path_weights(searched.params(), path.params());
    write_weights_file(weights_path, path.params(), s.space.name, spaces::format_indices(argmax));
    j["weights"] = weights_path;
  }
  write_file_atomic(path_join(run_dir, "final_architecture.json"), j.dump(2) + "\n");
  return j;
}

}  // namespace tunas::search
