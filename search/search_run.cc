#include "search/search_run.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/files.h"
#include "core/memory.h"
#include "core/threads.h"
#include "datasets/batch_iterator.h"
#include "datasets/dataset.h"
#include "datasets/load.h"
#include "datasets/synthetic.h"
#include "distributed/agreement.h"
#include "events/event_writer.h"
#include "policy/controller.h"
#include "policy/controller_state.h"
#include "policy/reward.h"
#include "policy/schedules.h"
#include "run/checkpoint.h"
#include "run/checkpoint_sections.h"
#include "run/divergence.h"
#include "run/progress.h"
#include "run/rmsprop_state.h"
#include "run/run_directory.h"
#include "run/run_files.h"
#include "run/run_limits.h"
#include "run/run_ranks.h"
#include "run/step_loop.h"
#include "run/weights_file.h"
#include "search/search_events.h"
#include "search_spaces/catalog.h"
#include "search_spaces/cost_model.h"
#include "search_spaces/indices.h"
#include "search_spaces/network.h"
#include "supernet/path_weights.h"
#include "supernet/supernet.h"

namespace tunas::search {

using run::Checkpoint;
using run::path_join;

namespace {

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
  run::RmsPropState rmsprop;
  AlignedPtr<float> train_images, valid_images;
  std::vector<std::int32_t> train_labels, valid_labels;
  std::int64_t last_checkpoint_step = -1;
  run::RunDirectory dir;  // opened on rank 0 only
  run::Progress progress;
  run::RunRanks ranks;
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
  // The network as searched: tunas_train --arch builds the same one unless its flags say otherwise.
  j["network"] = {{"proxy", s.config.proxy},
                  {"proxy_layers", s.config.proxy_layers},
                  {"resolution", s.config.resolution},
                  {"width_multiplier", s.config.width_multiplier}};
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
  run::put_fingerprint(c, config_fingerprint(s.config));
  c.put_i64("meta/step", s.controller->step());
  run::put_network(c, "supernet", *s.net);
  s.rmsprop.save(c);
  c.put("controller", policy::encode_controller_state(s.controller->state()));
  run::put_iterator(c, "data/train_iterator", *s.train_iter);
  run::put_iterator(c, "data/valid_iterator", *s.valid_iter);
  return c;
}

void restore_checkpoint(SearchRun::State& s, const Checkpoint& c) {
  run::require_fingerprint(c, config_fingerprint(s.config));
  run::restore_network(c, "supernet", *s.net);
  s.rmsprop.restore(c);
  s.controller->set_state(policy::decode_controller_state(c.get("controller")));
  run::restore_iterator(c, "data/train_iterator", *s.train_iter);
  run::restore_iterator(c, "data/valid_iterator", *s.valid_iter);
  TUNAS_REQUIRE(c.get_i64("meta/step") == s.controller->step(), c.origin(),
                ": inconsistent checkpoint (step ", c.get_i64("meta/step"), " vs controller step ",
                s.controller->step(), ")");
}

void save_checkpoint(SearchRun::State& s) {
  if (s.ranks.writes_files())
    run::write_checkpoint(s.dir.file(run::kCheckpointFile), make_checkpoint(s));
  s.last_checkpoint_step = s.controller->step();
}

// The run's settings: the given ones, or with --resume the saved ones (run/run_directory.h).
SearchConfig resolve_settings(SearchConfig config) {
  make_paths_absolute(config);
  if (config.resume) {
    config = run::settings_to_resume(config, apply_config_file, resume_conflicts);
  }
  validate(config);
  return config;
}

// The space configured for the data (resolution, channels, classes, proxy strides).
void configure_space(SearchRun::State& s) {
  const SearchConfig& config = s.config;
  s.space = spaces::load_space(config.space);
  load_data(s);
  spaces::configure_data_network(s.space, config.resolution, s.data.train.channels,
                                 s.data.train.num_classes, config.width_multiplier,
                                 config.proxy ? config.proxy_layers : 0);
  run::check_fits_in_memory(
      s.space, std::max(config.batch, config.validation_batch()),
      double(config.batch + config.validation_batch()) * s.space.network.resolution *
          s.space.network.resolution * s.data.train.channels * sizeof(float),
      "--batch, --valid-batch, --resolution or --width-multiplier");
}

void set_up_cost_and_reward(SearchRun::State& s) {
  const SearchConfig& config = s.config;
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
}

// Run length and schedules (spec §6.3-6.5, learning rates scaled by the global batch).
void set_up_schedules(SearchRun::State& s) {
  const SearchConfig& config = s.config;
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
}

// Data iterators and batch buffers.
void set_up_iterators(SearchRun::State& s) {
  const SearchConfig& config = s.config;
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
}

// Supernet, optimizer slots, controller.
void build_supernet_and_controller(SearchRun::State& s) {
  const SearchConfig& config = s.config;
  supernet::SupernetConfig nc;
  nc.max_batch = config.batch;
  nc.max_eval_batch = config.validation_batch();
  nc.remat = config.remat ? supernet::RematPolicy::switches : supernet::RematPolicy::none;
  nc.weight_decay = float(s.resolved.weight_decay);
  nc.label_smoothing = float(config.label_smoothing);
  nc.init_seed = config.seed;
  s.net = std::make_unique<supernet::Supernet>(s.space, nc);
  s.rmsprop = run::RmsPropState(s.net->params().size());
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
}

// Everything a rank needs before the first step; reads files, writes none.
void load_run(SearchRun::State& s, const SearchConfig& given) {
  s.config = resolve_settings(given);
  s.dir = run::RunDirectory(s.config.out);
  set_num_threads(s.config.threads);
  configure_space(s);
  set_up_cost_and_reward(s);
  set_up_schedules(s);
  set_up_iterators(s);
  build_supernet_and_controller(s);
  s.ranks.start_replicas(s.config.replicas, *s.net);
  if (!s.ranks.writes_files()) s.config.quiet = true;  // progress comes from rank 0
  s.progress.set_quiet(s.config.quiet);
  if (const auto checkpoint = run::checkpoint_to_start_from(s.dir.path(), s.config.resume)) {
    restore_checkpoint(s, *checkpoint);
    s.last_checkpoint_step = s.controller->step();
  }
}

}  // namespace

SearchRun::SearchRun(SearchConfig config, distributed::Communicator* comm)
    : s_(std::make_unique<State>()) {
  State& s = *s_;
  s.ranks.use(comm);
  distributed::agree_on_setup(s.ranks.comm(), [&] {
    load_run(s, config);
    return str_cat(config_fingerprint(s.config), " resume=", s.config.resume);
  });
  if (!s.ranks.writes_files()) return;
  s.dir.open(s.config.resume ? s.controller->step() : -1, build_params_json(s),
             read_file(spaces::space_path(s.config.space)));
}

SearchRun::~SearchRun() = default;

const SearchConfig& SearchRun::config() const { return s_->config; }
std::int64_t SearchRun::total_steps() const { return s_->resolved.total_steps; }
std::size_t SearchRun::arena_capacity_bytes() const { return s_->net->arena().capacity(); }
std::size_t SearchRun::arena_high_water_bytes() const { return s_->net->arena().high_water(); }

namespace {

// One step's K architectures and what the step measured of them (buffers reused every step).
struct SearchStep {
  explicit SearchStep(int replicas)
      : samples(std::size_t(replicas)), rewards(samples.size()), costs(samples.size()),
        accuracies(samples.size()), adjustments(samples.size()) {}

  std::int64_t step = 0;  // t
  policy::WarmupProbabilities warmup;
  double model_lr = 0, policy_lr = 0;
  std::vector<policy::ArchitectureSample> samples;
  std::vector<double> rewards, costs, accuracies, adjustments;
  supernet::ReplicaResult logged_train;  // replica 0's: spec §7.2 logs one replica
  double loss = 0, empirical = 0, regularization = 0;  // means over the replicas
  double mean_accuracy = 0, mean_cost = 0, mean_adjustment = 0;
  policy::UpdateStats update;
};

// The global batch buffers as tensors.
struct SearchBatches {
  explicit SearchBatches(SearchRun::State& s)
      : train(s.train_images.get(), shape(s, s.config.batch)),
        valid(s.valid_images.get(), shape(s, s.config.validation_batch())) {}
  static Shape4 shape(const SearchRun::State& s, int n) {
    const int res = s.space.network.resolution;
    return Shape4{n, res, res, s.train_iter->channels()};
  }
  Tensor train, valid;
};

// 1-2. Sample K architectures and cost them (spec §6.3).
void sample_architectures(SearchRun::State& s, SearchStep& st) {
  st.step = s.controller->step();
  st.warmup = s.schedules->warmup(st.step);
  st.model_lr = s.schedules->model_learning_rate(st.step);
  st.policy_lr = s.schedules->policy_learning_rate(st.step);
  for (std::size_t r = 0; r < st.samples.size(); ++r) {
    st.samples[r] = s.controller->sample(int(r), st.warmup);
    st.costs[r] = s.cost_model->cost(st.samples[r].masks);
  }
}

// 3. Shared-weight update: K sub-batches, gradients averaged over the fixed replica tree
// (run/replica_step.h), dense TF-1 RMSProp. A diverged replica stops every rank.
void train_shared_weights(SearchRun::State& s, SearchStep& st, const Tensor& batch) {
  const int K = s.config.replicas;
  const std::vector<supernet::ReplicaResult>& trained = s.ranks.replica_step().train(
      *s.train_iter, batch, s.train_labels.data(),
      [&](int r) -> const supernet::Masks& { return st.samples[std::size_t(r)].masks; }, st.step);
  st.loss = st.empirical = st.regularization = 0;
  for (int r = 0; r < K; ++r) {
    const supernet::ReplicaResult& res_r = trained[std::size_t(r)];
    // Every rank sees every replica's loss (gathered), so every rank throws this.
    if (const auto problem =
            run::training_loss_problem(res_r.loss, s.space.network.classes, st.step,
                                       s.last_checkpoint_step,
                                       str_cat("It came from replica ", r, ". A lower --model-lr may help.")))
      throw distributed::AgreedError(*problem);
    if (r == 0) st.logged_train = res_r;
    st.loss += res_r.loss / K;
    st.empirical += res_r.empirical_loss / K;
    st.regularization += res_r.regularization_loss / K;
  }
  s.rmsprop.update(s.net->params(), st.model_lr);
}

// 4. Validation pass of the same architectures with the updated weights.
void validate_architectures(SearchRun::State& s, SearchStep& st, const Tensor& batch) {
  const int K = s.config.replicas;
  const std::vector<supernet::ReplicaResult>& evaluated = s.ranks.replica_step().evaluate(
      *s.valid_iter, batch, s.valid_labels.data(),
      [&](int r) -> const supernet::Masks& { return st.samples[std::size_t(r)].masks; });
  st.mean_accuracy = 0;
  for (int r = 0; r < K; ++r) {
    const supernet::ReplicaResult& ev = evaluated[std::size_t(r)];
    st.accuracies[r] = double(ev.correct) / double(ev.batch);
    st.mean_accuracy += st.accuracies[r] / K;
  }
}

// 5. Rewards, baseline, REINFORCE.
void update_policy(SearchRun::State& s, SearchStep& st) {
  const int K = s.config.replicas;
  st.mean_cost = st.mean_adjustment = 0;
  for (int r = 0; r < K; ++r) {
    const policy::Reward rw = policy::compute_reward(s.reward, st.accuracies[r], st.costs[r]);
    st.rewards[r] = rw.value;
    st.adjustments[r] = rw.cost_adjustment;
    st.mean_cost += st.costs[r] / K;
    st.mean_adjustment += rw.cost_adjustment / K;
  }
  st.update = s.controller->update(st.samples, st.rewards, st.policy_lr);
}

// The log.jsonl record of a step. Spec §7.2: the scalars of one replica (replica 0), as the
// original logs them; the means over the K replicas under "<name>_mean".
Json step_record(const SearchRun::State& s, const SearchStep& st, const std::vector<int>& argmax,
                 double images_per_s) {
  const SearchConfig& c = s.config;
  const int K = c.replicas;
  const policy::UpdateStats& us = st.update;
  double reinforce_loss = 0, mean_advantage = 0;
  for (int r = 0; r < K; ++r) {
    const double a = st.rewards[r] - us.baseline;
    reinforce_loss += -a * st.samples[r].log_prob / K;
    mean_advantage += a / K;
  }
  const double advantage = st.rewards[0] - us.baseline;
  Json rec = Json::object();
  rec["step"] = st.step;
  rec["epoch"] = double(st.step + 1) * c.global_batch() / double(s.data.train.size());
  rec["model/loss"] = st.logged_train.loss;
  rec["model/empirical_loss"] = st.logged_train.empirical_loss;
  rec["model/regularization_loss"] = st.logged_train.regularization_loss;
  rec["model/learning_rate"] = st.model_lr;
  rec["rlcontroller/empirical_loss"] = -advantage * st.samples[0].log_prob;
  rec["rlcontroller/entropy_loss"] = -c.entropy_weight * st.samples[0].entropy;
  rec["rlcontroller/validation_accuracy"] = st.accuracies[0];
  rec["rlcontroller/reward"] = st.rewards[0];
  rec["rlcontroller/step_baseline"] = us.mean_reward;  // r-bar of spec §4.4
  rec["rlcontroller/baseline"] = us.baseline;
  rec["rlcontroller/advantage"] = advantage;
  rec["rlcontroller/log_prob"] = st.samples[0].log_prob;
  rec["rlcontroller/estimated_cost"] = st.costs[0];
  rec["rlcontroller/cost_ratio"] = st.costs[0] / s.reward.cost_target;
  rec["rlcontroller/cost_adjustment"] = st.adjustments[0];
  rec["model/loss_mean"] = st.loss;
  rec["model/empirical_loss_mean"] = st.empirical;
  rec["model/regularization_loss_mean"] = st.regularization;
  rec["rlcontroller/empirical_loss_mean"] = reinforce_loss;
  rec["rlcontroller/entropy_loss_mean"] = -c.entropy_weight * us.mean_entropy;
  rec["rlcontroller/validation_accuracy_mean"] = st.mean_accuracy;
  rec["rlcontroller/reward_mean"] = us.mean_reward;
  rec["rlcontroller/advantage_mean"] = mean_advantage;
  rec["rlcontroller/log_prob_mean"] = us.mean_log_prob;
  rec["rlcontroller/estimated_cost_mean"] = st.mean_cost;
  rec["rlcontroller/cost_ratio_mean"] = st.mean_cost / s.reward.cost_target;
  rec["rlcontroller/cost_adjustment_mean"] = st.mean_adjustment;
  rec["rlcontroller/sample_entropy"] = us.mean_entropy;
  rec["rlcontroller/policy_entropy"] = policy_entropy(s.controller->policy());
  rec["rlcontroller/learning_rate"] = st.policy_lr;
  rec["rlcontroller/increase_ops_prob"] = st.warmup.ops;
  rec["rlcontroller/increase_filters_prob"] = st.warmup.filters;
  rec["argmax/indices"] = spaces::format_indices(argmax);
  rec["argmax/cost"] = s.cost_model->cost_of(argmax);
  rec["images_per_second"] = images_per_s;
  Json probs = Json::object();
  for (int d = 0; d < s.controller->policy().num_decisions(); ++d)
    if (s.space.decisions[std::size_t(d)].size() > 1)
      probs[s.space.decisions[std::size_t(d)].path] = s.controller->policy().probabilities(d);
  rec["probabilities"] = probs;
  return rec;
}

// Every log_every steps and at the last: the log record, its events and the progress line.
void log_step(SearchRun::State& s, const SearchStep& st, const run::StepRate& rate) {
  const SearchConfig& c = s.config;
  const std::int64_t done = s.controller->step();
  if (st.step % c.log_every != 0 && done != s.resolved.total_steps) return;
  const std::vector<int> argmax = s.controller->policy().argmax_indices();
  const double images_per_s =
      rate.steps_per_second(done) * c.replicas * (c.batch + c.validation_batch());
  s.dir.log(st.step, step_record(s, st, argmax, images_per_s), [&](events::EventWriter& w) {
    add_search_events(w, s.space, s.controller->policy(), st.costs, st.accuracies);
  });
  if (s.progress.quiet()) return;
  char line[512];
  std::snprintf(line, sizeof line,
                "step %lld/%lld  epoch %.2f  %.0f img/s  ETA %s  loss %.3f  val_acc %.3f  "
                "cost %.2f  argmax %.2f %s  entropy %.1f",
                (long long)done, (long long)s.resolved.total_steps,
                double(done) * c.global_batch() / double(s.data.train.size()), images_per_s,
                rate.eta(done, s.resolved.total_steps).c_str(), st.loss, st.mean_accuracy,
                st.mean_cost, s.cost_model->cost_of(argmax), s.cost_model->unit().c_str(),
                policy_entropy(s.controller->policy()));
  s.progress.step_line(line);
}

}  // namespace

SearchOutcome SearchRun::run(std::int64_t max_steps) {
  State& s = *s_;
  const SearchBatches batches(s);
  SearchStep st(s.config.replicas);
  const run::StepRate rate(s.controller->step());
  run::StepLoop loop;
  loop.total_steps = s.resolved.total_steps;
  loop.checkpoint_every = s.config.checkpoint_every;
  loop.max_steps = max_steps;
  loop.step = [&] { return s.controller->step(); };
  loop.run_step = [&] {
    sample_architectures(s, st);
    train_shared_weights(s, st, batches.train);
    validate_architectures(s, st, batches.valid);
    update_policy(s, st);
    log_step(s, st, rate);
  };
  loop.save_checkpoint = [&] { save_checkpoint(s); };
  loop.last_checkpoint_step = [&] { return s.last_checkpoint_step; };
  SearchOutcome outcome;
  outcome.run_dir = s.dir.path();
  run::run_step_loop(loop, s.ranks.comm(), s.progress, outcome);

  const std::vector<int> argmax = s.controller->policy().argmax_indices();
  outcome.final_indices = spaces::format_indices(argmax);
  outcome.final_cost = s.cost_model->cost_of(argmax);
  Json final = architecture_json(s, argmax);
  final["step"] = outcome.steps_done;
  final["total_steps"] = outcome.total_steps;
  if (s.ranks.writes_files())
    write_file_atomic(s.dir.file("final_architecture.json"),
                      json_text(final, 2, s.dir.file("final_architecture.json")) + "\n");
  return outcome;
}

Json export_final_architecture(const std::string& run_dir, const std::string& weights_path) {
  const std::string params_path = path_join(run_dir, "params.json");
  TUNAS_REQUIRE(file_exists(params_path), run_dir, " is not a search run directory (no params.json)");
  SearchRun::State s;
  apply_config_file(s.config, params_path);
  s.config.out = run_dir;
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
  const Checkpoint ckpt = run::read_checkpoint(path_join(run_dir, "checkpoint.bin"));
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
    run::write_weights_file(weights_path, path.params(), s.space.name, spaces::format_indices(argmax));
    j["weights"] = weights_path;
  }
  const std::string path = path_join(run_dir, "final_architecture.json");
  write_file_atomic(path, json_text(j, 2, path) + "\n");
  return j;
}

}  // namespace tunas::search
