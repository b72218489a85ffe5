#include "policy/controller.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "policy/reinforce.h"

namespace tunas::policy {

void validate_controller_config(const ControllerConfig& config) {
  TUNAS_REQUIRE(config.num_replicas >= 1, "controller: num_replicas must be >= 1, got ",
                config.num_replicas);
  TUNAS_REQUIRE(std::isfinite(config.entropy_weight) && config.entropy_weight >= 0.0,
                "controller: entropy weight must be >= 0, got ", config.entropy_weight);
  TUNAS_REQUIRE(std::isfinite(config.temperature) && config.temperature > 0.0,
                "controller: temperature must be > 0, got ", config.temperature);
  validate_adam_config(config.adam);
  Baseline check(config.baseline_momentum);  // throws on a bad momentum
  (void)check;
}

std::uint64_t replica_stream(int replica) {
  return stream_id(str_cat("policy/sample/replica/", replica));
}

Controller::Controller(std::vector<DecisionSpec> decisions, ControllerConfig config)
    : config_((validate_controller_config(config), config)),
      policy_(std::move(decisions), config.temperature),
      baseline_(config.baseline_momentum),
      adam_(policy_.num_logits(), config.adam) {
  rngs_.reserve(std::size_t(config_.num_replicas));
  for (int r = 0; r < config_.num_replicas; ++r) rngs_.emplace_back(config_.seed, replica_stream(r));
}

ArchitectureSample Controller::sample(int replica, WarmupProbabilities warmup) {
  TUNAS_REQUIRE(replica >= 0 && replica < num_replicas(), "controller: replica ", replica,
                " outside [0, ", num_replicas(), ")");
  return sample_architecture(policy_, warmup, rngs_[std::size_t(replica)]);
}

UpdateStats Controller::update(std::span<const ArchitectureSample> samples,
                               std::span<const double> rewards, double learning_rate) {
  const std::size_t k = std::size_t(num_replicas());
  TUNAS_REQUIRE(samples.size() == k && rewards.size() == k, "controller update: expected ", k,
                " samples and rewards (one per replica), got ", samples.size(), " and ",
                rewards.size());
  TUNAS_REQUIRE(std::isfinite(learning_rate) && learning_rate >= 0.0,
                "controller update: learning rate must be >= 0, got ", learning_rate);
  UpdateStats stats;
  stats.step = step_;
  stats.learning_rate = learning_rate;
  for (std::size_t r = 0; r < k; ++r) {
    TUNAS_REQUIRE(std::isfinite(rewards[r]), "controller update: reward of replica ", r,
                  " is not finite (", rewards[r], ")");
    stats.mean_reward += rewards[r] / double(k);
    stats.mean_log_prob += samples[r].log_prob / double(k);
    stats.mean_entropy += samples[r].entropy / double(k);
  }
  stats.baseline = baseline_.update(stats.mean_reward);

  const std::size_t size = policy_.num_logits();
  std::vector<double> grad_mean(size, 0.0), grad_sq_mean(size, 0.0), grad(size);
  for (std::size_t r = 0; r < k; ++r) {
    std::fill(grad.begin(), grad.end(), 0.0);
    const double advantage = rewards[r] - stats.baseline;
    log_prob_gradient_accumulate(grad, policy_, samples[r], -advantage);  // d(-A*lp)
    for (std::size_t i = 0; i < size; ++i) {
      grad_mean[i] += grad[i] / double(k);
      grad_sq_mean[i] += grad[i] * grad[i] / double(k);  // square, THEN average
    }
  }
  std::vector<double> entropy_grad;
  if (config_.entropy_weight != 0.0) {
    entropy_grad.assign(size, 0.0);  // d(-lambda*H)/d logits, replica mean, sampling logits
    for (std::size_t r = 0; r < k; ++r) {
      entropy_gradient_accumulate(entropy_grad, policy_, samples[r],
                                  -config_.entropy_weight / double(k));
    }
  }
  std::span<double> logits = policy_.all_logits();
  adam_.step(logits, grad_mean, grad_sq_mean, learning_rate);
  for (std::size_t i = 0; i < entropy_grad.size(); ++i) logits[i] -= learning_rate * entropy_grad[i];
  ++step_;
  return stats;
}

ControllerState Controller::state() const {
  ControllerState s;
  for (const DecisionSpec& d : policy_.decisions()) s.num_choices.push_back(d.num_choices);
  s.step = step_;
  s.logits.assign(policy_.all_logits().begin(), policy_.all_logits().end());
  s.adam_m.assign(adam_.m().begin(), adam_.m().end());
  s.adam_v.assign(adam_.v().begin(), adam_.v().end());
  s.adam_beta1_power = adam_.beta1_power();
  s.adam_beta2_power = adam_.beta2_power();
  s.baseline_numerator = baseline_.numerator();
  s.baseline_denominator = baseline_.denominator();
  s.seed = config_.seed;
  for (const Rng& rng : rngs_) s.rng_positions.push_back(rng.position());
  return s;
}

void Controller::set_state(const ControllerState& s) {
  TUNAS_REQUIRE(s.num_choices.size() == std::size_t(policy_.num_decisions()),
                "controller state: has ", s.num_choices.size(), " decisions, controller has ",
                policy_.num_decisions());
  for (int d = 0; d < policy_.num_decisions(); ++d) {
    TUNAS_REQUIRE(s.num_choices[std::size_t(d)] == policy_.decision(d).num_choices,
                  "controller state: decision ", d, " ('", policy_.decision(d).path, "') has ",
                  s.num_choices[std::size_t(d)], " choices in the state, ",
                  policy_.decision(d).num_choices, " in the controller");
  }
  TUNAS_REQUIRE(s.logits.size() == policy_.num_logits(), "controller state: expected ",
                policy_.num_logits(), " logits, got ", s.logits.size());
  TUNAS_REQUIRE(s.rng_positions.size() == rngs_.size(), "controller state: has ",
                s.rng_positions.size(), " replica RNGs, controller has ", rngs_.size());
  TUNAS_REQUIRE(s.step >= 0, "controller state: negative step ", s.step);
  // Validate everything before mutating anything, so a failed load leaves no half state.
  TunasAdam adam = adam_;
  adam.set_state(s.adam_m, s.adam_v, s.adam_beta1_power, s.adam_beta2_power);
  Baseline baseline = baseline_;
  baseline.set_state(s.baseline_numerator, s.baseline_denominator);

  adam_ = std::move(adam);
  baseline_ = baseline;
  std::copy(s.logits.begin(), s.logits.end(), policy_.all_logits().begin());
  config_.seed = s.seed;
  for (std::size_t r = 0; r < rngs_.size(); ++r) {
    rngs_[r] = Rng(s.seed, replica_stream(int(r)));
    rngs_[r].set_position(s.rng_positions[r]);
  }
  step_ = s.step;
}

}  // namespace tunas::policy
