// Loop-level tests of the search (spec §6.3, §4.3-§4.5) on the tiny space with the MACs model:
// the step order against a straight-line replay of §6.3 from the library's parts, logits
// exactly 0 during the controller delay, the cost fed to the reward, and a small search that
// moves its arg-max cost to the target.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "core/files.h"
#include "core/memory.h"
#include "datasets/batch_iterator.h"
#include "datasets/dataset.h"
#include "datasets/load.h"
#include "datasets/preprocess.h"
#include "kernels/optim/optim.h"
#include "policy/controller.h"
#include "policy/controller_state.h"
#include "policy/reward.h"
#include "policy/schedules.h"
#include "run/checkpoint.h"
#include "search/search_config.h"
#include "search/search_run.h"
#include "search_spaces/catalog.h"
#include "search_spaces/cost_model.h"
#include "supernet/supernet.h"
#include "tests/common/tiny_runs.h"

namespace {

namespace fs = std::filesystem;
using tunas::search::SearchConfig;
using tunas::search::SearchRun;

std::string fresh_dir(const std::string& name) {
  return tunas::test::fresh_temp_dir("tunas_search_loop_" + name);
}

// 4 steps: controller delay 2 steps, op and filter warm-up 2 steps (p = 1, then 0.5).
SearchConfig loop_config(const std::string& out) {
  SearchConfig c = tunas::test::tiny_search_config(out);
  c.steps = 4;
  c.log_every = 1;
  c.checkpoint_every = 1000;
  c.model_lr = 5.0;  // large: the validation pass must see visibly updated weights
  c.valid_batch = 32;
  c.policy_delay_fraction = 0.5;
  c.warmup_fraction = 0.5;
  return c;
}

std::vector<tunas::policy::DecisionSpec> decision_specs(const tunas::spaces::Space& space) {
  std::vector<tunas::policy::DecisionSpec> specs;
  for (const auto& d : space.decisions)
    specs.push_back({d.path,
                     d.tag == tunas::spaces::Tag::op ? tunas::policy::DecisionTag::op
                                                     : tunas::policy::DecisionTag::filters,
                     d.size(), d.parent_decision, d.parent_choice, d.largest_choice});
  return specs;
}

std::vector<YAML::Node> log_records(const std::string& dir) {
  std::vector<YAML::Node> records;
  std::istringstream in(tunas::read_file(dir + "/log.jsonl"));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) records.push_back(YAML::Load(line));
  return records;
}

// What a run leaves after its last step.
struct StepState {
  std::vector<float> weights, mean_square, momentum;
  tunas::policy::ControllerState controller;
};

StepState read_state(const std::string& dir, std::int64_t num_params) {
  const tunas::run::Checkpoint c = tunas::run::read_checkpoint(dir + "/checkpoint.bin");
  StepState s;
  for (auto [name, v] : {std::pair{"supernet/weights", &s.weights},
                         std::pair{"optimizer/mean_square", &s.mean_square},
                         std::pair{"optimizer/momentum", &s.momentum}}) {
    v->resize(std::size_t(num_params));
    c.get_floats(name, v->data(), num_params);
  }
  s.controller = tunas::policy::decode_controller_state(c.get("controller"));
  return s;
}

// Spec §6.3, written out in order from the library's parts: 1 sample, 2 cost, 3 shared-weight
// update (K sub-batches, mean gradient, dense RMSProp), 4 validation with the UPDATED
// weights, 5 reward, baseline, controller update. `validate_first` swaps 3 and 4: the replay
// the run must NOT match.
StepState replay(const SearchConfig& c, bool validate_first) {
  namespace ds = tunas::datasets;
  namespace sp = tunas::spaces;
  namespace po = tunas::policy;
  sp::Space space = sp::load_space(c.space);
  const ds::Dataset dataset = ds::load_dataset(c.data, c.data_dir, c.synthetic_size);
  ds::SplitConfig split;
  split.validation_size = ds::held_out_count(c.validation_size, dataset.train.size());
  const ds::TrainValidationSplit data = ds::split_train_validation(dataset.train, split);
  sp::configure_data_network(space, c.resolution, data.train.channels, data.train.num_classes,
                             c.width_multiplier, 0);
  const auto cost_model = sp::make_cost_model(c.cost_model, space);
  po::RewardConfig reward;
  reward.cost_exponent = c.beta;
  reward.cost_target = c.target_ms;
  po::ScheduleConfig sc;
  sc.total_steps = c.steps;
  sc.model_lr_peak = *c.model_lr;
  sc.model_warmup_fraction = c.model_warmup_fraction;
  sc.policy_lr = *c.policy_lr;
  sc.policy_delay_fraction = c.policy_delay_fraction;
  sc.op_warmup_fraction = sc.filter_warmup_fraction = c.warmup_fraction;
  const po::SearchSchedules schedules(sc);
  const int res = space.network.resolution;
  ds::BatchIteratorConfig tc;
  tc.seed = c.seed;
  tc.purpose = "search/train";
  ds::BatchIterator train(data.train, ds::proxy_preprocess(data.train, true, res), tc);
  ds::BatchIteratorConfig vc = tc;
  vc.purpose = "search/valid";
  vc.augment = false;
  ds::BatchIterator valid(data.validation, ds::proxy_preprocess(data.validation, false, res), vc);
  const int ch = train.channels();
  const int vb = c.validation_batch();
  std::vector<float> train_px(std::size_t(c.batch) * res * res * ch);
  std::vector<float> valid_px(std::size_t(vb) * res * res * ch);
  std::vector<std::int32_t> train_labels(static_cast<std::size_t>(c.batch));
  std::vector<std::int32_t> valid_labels(static_cast<std::size_t>(vb));
  const tunas::Tensor train_batch(train_px.data(), tunas::Shape4{c.batch, res, res, ch});
  const tunas::Tensor valid_batch(valid_px.data(), tunas::Shape4{vb, res, res, ch});
  tunas::supernet::SupernetConfig nc;
  nc.max_batch = c.batch;
  nc.max_eval_batch = vb;
  nc.weight_decay = float(space.weight_decay);
  nc.label_smoothing = float(c.label_smoothing);
  nc.init_seed = c.seed;
  tunas::supernet::Supernet net(space, nc);
  auto& params = net.params();
  std::vector<float> ms(std::size_t(params.size()), tunas::kernels::kRmsPropInitialMeanSquare);
  std::vector<float> mom(std::size_t(params.size()), 0.f);
  po::ControllerConfig cc;
  cc.num_replicas = c.replicas;
  cc.seed = c.seed;
  po::Controller controller(decision_specs(space), cc);

  const int K = c.replicas;
  const auto k = static_cast<std::size_t>(K);
  std::vector<po::ArchitectureSample> samples(k);
  std::vector<double> costs(k), accuracies(k), rewards(k);
  auto validate = [&] {
    for (int r = 0; r < K; ++r) {
      valid.next(valid_batch, valid_labels.data());
      const auto ev = net.evaluate(valid_batch, valid_labels.data(), samples[std::size_t(r)].masks);
      accuracies[std::size_t(r)] = double(ev.correct) / double(ev.batch);
    }
  };
  for (std::int64_t t = 0; t < c.steps; ++t) {
    for (int r = 0; r < K; ++r) {  // 1, 2
      samples[std::size_t(r)] = controller.sample(r, schedules.warmup(t));
      costs[std::size_t(r)] = cost_model->cost(samples[std::size_t(r)].masks);
    }
    if (validate_first) validate();
    // 3. Each replica's gradient d(loss_r)/K, in replica order, then their sum along the
    // fixed tree of distributed/data_parallel.h (sum[lo,hi) = sum[lo,mid) + sum[mid,hi),
    // mid = lo + (hi-lo)/2), written out here independently of that code.
    std::vector<std::vector<float>> grads(k);
    for (int r = 0; r < K; ++r) {
      train.next(train_batch, train_labels.data());
      params.zero_grads();
      net.train_replica(train_batch, train_labels.data(), samples[std::size_t(r)].masks, 1.f / float(K));
      grads[std::size_t(r)].assign(params.grads(), params.grads() + params.size());
    }
    std::function<std::vector<float>(int, int)> tree = [&](int lo, int hi) {
      if (hi - lo == 1) return grads[std::size_t(lo)];
      const int mid = lo + (hi - lo) / 2;
      std::vector<float> a = tree(lo, mid);
      const std::vector<float> b = tree(mid, hi);
      for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
      return a;
    };
    const std::vector<float> grad_sum = tree(0, K);
    std::copy(grad_sum.begin(), grad_sum.end(), params.grads());
    tunas::kernels::f32_rmsprop_update(params.size(), params.values(), ms.data(), mom.data(),
                                       params.grads(), float(schedules.model_learning_rate(t)),
                                       tunas::kernels::kRmsPropDecay, tunas::kernels::kRmsPropMomentum,
                                       tunas::kernels::kRmsPropEpsilon);
    if (!validate_first) validate();  // 4
    for (int r = 0; r < K; ++r)  // 5
      rewards[std::size_t(r)] = po::compute_reward(reward, accuracies[std::size_t(r)], costs[std::size_t(r)]).value;
    controller.update(samples, rewards, schedules.policy_learning_rate(t));
  }
  StepState s;
  s.weights.assign(params.values(), params.values() + params.size());
  s.mean_square = ms;
  s.momentum = mom;
  s.controller = controller.state();
  return s;
}

bool same_floats(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("search loop: the §6.3 step order, bit for bit against a straight-line replay") {
  const std::string dir = fresh_dir("order");
  const SearchConfig config = loop_config(dir);
  CHECK(SearchRun(config).run().steps_done == 4);
  const StepState in_order = replay(config, false);
  const StepState ran = read_state(dir, std::int64_t(in_order.weights.size()));
  CHECK(same_floats(ran.weights, in_order.weights));
  CHECK(same_floats(ran.mean_square, in_order.mean_square));
  CHECK(same_floats(ran.momentum, in_order.momentum));
  CHECK(ran.controller.logits == in_order.controller.logits);
  CHECK(ran.controller.adam_v == in_order.controller.adam_v);
  CHECK(ran.controller.baseline_numerator == in_order.controller.baseline_numerator);
  // The replay can tell the orders apart: validating before the weight update gives other
  // accuracies, so another baseline and other controller moments.
  const StepState swapped = replay(config, true);
  CHECK(same_floats(ran.weights, swapped.weights));  // the weight path does not depend on it
  CHECK(ran.controller.baseline_numerator != swapped.controller.baseline_numerator);
}

TEST_CASE("search loop: logits stay exactly 0 during the delay; moments advance") {
  const std::string dir = fresh_dir("delay");
  SearchConfig config = loop_config(dir);
  config.model_lr = 0.05;
  SearchRun run(config);  // D = 2 of 4 steps
  auto controller_at = [&] {
    const auto c = tunas::run::read_checkpoint(dir + "/checkpoint.bin");
    return tunas::policy::decode_controller_state(c.get("controller"));
  };
  for (std::int64_t t = 0; t < 2; ++t) {
    run.run(1);
    const auto state = controller_at();
    CHECK(state.step == t + 1);
    for (double z : state.logits) CHECK(z == 0.0);
    double v = 0;
    for (double x : state.adam_v) v += x;
    // The moments take the REINFORCE gradients during the delay (§4.5): none at t = 0, where
    // warm-up replaces every node (p = 1), some at t = 1 (p = 0.5).
    if (t == 1) CHECK(v > 0);
  }
  run.run(1);  // t = 2 = D: the first learning step
  double moved = 0;
  for (double z : controller_at().logits) moved += std::fabs(z);
  CHECK(moved > 0);
}

TEST_CASE("search loop: the reward is fed the cost of the sampled masks (warm-up included)") {
  const std::string dir = fresh_dir("cost");
  SearchConfig config = loop_config(dir);
  config.steps = 2;  // both inside the delay: the logits stay 0, so the samples can be redrawn
  config.policy_delay_fraction = 1.0;
  config.warmup_fraction = 1.0;
  SearchRun(config).run();
  const std::vector<YAML::Node> log = log_records(dir);
  REQUIRE(log.size() == 2);
  // Redraw replica 0's samples: same seed, same streams, zero logits, the same warm-up.
  tunas::spaces::Space space = tunas::spaces::load_space(config.space);
  tunas::spaces::configure_data_network(space, 16, 1, 10, 1.0, 0);
  tunas::policy::ControllerConfig cc;
  cc.num_replicas = config.replicas;
  cc.seed = config.seed;
  tunas::policy::Controller redraw(decision_specs(space), cc);
  const auto macs = tunas::spaces::make_cost_model("macs", space);
  bool fractional = false;
  for (int t = 0; t < 2; ++t) {
    CAPTURE(t);
    const double p = 1.0 - t / 2.0;  // warm-up probability at t, W = 2
    const auto sample = redraw.sample(0, {p, p});
    for (const auto& m : sample.masks) fractional = fractional || (m.size() > 1 && m[0] > 0 && m[0] < 1);
    const YAML::Node& rec = log[std::size_t(t)];
    const double cost = rec["rlcontroller/estimated_cost"].as<double>();
    CHECK(cost == macs->cost(sample.masks));
    CHECK(rec["rlcontroller/cost_ratio"].as<double>() == cost / config.target_ms);
    // R = acc + beta * |c/T - 1| for the same replica.
    const double acc = rec["rlcontroller/validation_accuracy"].as<double>();
    CHECK(rec["rlcontroller/reward"].as<double>() ==
          doctest::Approx(acc + config.beta * std::fabs(cost / config.target_ms - 1)).epsilon(1e-12));
    CHECK(rec["rlcontroller/cost_adjustment"].as<double>() ==
          doctest::Approx(config.beta * std::fabs(cost / config.target_ms - 1)).epsilon(1e-12));
    // The step baseline is the replica mean r-bar, logged apart from replica 0's reward.
    CHECK(rec["rlcontroller/step_baseline"].as<double>() == rec["rlcontroller/reward_mean"].as<double>());
    redraw.sample(1, {p, p});  // keep replica 1's stream in step (unused)
  }
  CHECK(fractional);  // a warm-up mask was costed
  bool distinct = false;
  for (const auto& rec : log)
    distinct = distinct || rec["rlcontroller/reward"].as<double>() != rec["rlcontroller/step_baseline"].as<double>();
  CHECK(distinct);
}

TEST_CASE("search loop: a tiny MACs search moves its arg-max cost to the target (+-10%)") {
  // The tiny space's architectures cost 20 416 to 101 184 MACs at 16x16; all choices 0 (the
  // arg-max of zero logits) cost 30 912, 61% under the target of 80 000. The policy learns from
  // step 0 with a strong cost term; accuracy barely matters here.
  const std::string dir = fresh_dir("converge");
  SearchConfig config = loop_config(dir);
  config.target_ms = 80000;
  config.beta = -1.0;
  config.steps = 60;
  config.batch = 4;
  config.replicas = 4;
  config.policy_delay_fraction = 0;
  config.warmup_fraction = 0;
  config.policy_lr = 0.1;
  config.policy_lr_schedule = "constant";
  config.model_lr = 0.05;
  config.log_every = 10;
  tunas::spaces::Space space = tunas::spaces::load_space(config.space);
  tunas::spaces::configure_data_network(space, 16, 1, 10, 1.0, 0);
  const double first = tunas::spaces::make_cost_model("macs", space)
                           ->cost_of(std::vector<int>(space.decisions.size(), 0));
  CHECK(first == 30912);
  const auto outcome = SearchRun(config).run();
  MESSAGE("arg-max MACs: before ", first, ", after ", config.steps, " steps ", outcome.final_cost,
          " (target 80000)");
  CHECK(std::fabs(outcome.final_cost / config.target_ms - 1) <= 0.10);
}
