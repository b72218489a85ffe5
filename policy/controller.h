// The TuNAS controller (§4): the multinomial policy, one sampling RNG stream per replica,
// the reward baseline and the TuNAS Adam, updated once per search step by REINFORCE.
//
// Per search step t (t = step() before the call to update):
//   1. each replica r calls sample(r, warmup_probabilities(t));
//   2. the search loop measures a reward per sample (reward.h);
//   3. update(samples, rewards, policy_learning_rate(t)) advances the baseline, m, v,
//      the beta powers and the step, and moves the logits (not while lr = 0).
// Thread-safety: sample() for DISTINCT replicas may run concurrently (each replica owns
// its RNG; the logits are only read). update() and set_state() need exclusive access.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/rng.h"
#include "policy/adam.h"
#include "policy/baseline.h"
#include "policy/policy.h"
#include "policy/sample.h"

namespace tunas::policy {

struct ControllerConfig {
  int num_replicas = 1;             // K samples per step (32 in the original)
  std::uint64_t seed = 0;           // replica r samples from Rng(seed, replica_stream(r))
  double baseline_momentum = 0.95;
  double entropy_weight = 0.0;      // lambda of the entropy term -lambda*H
  double temperature = 1.0;         // T: samples from softmax(logits/T) (§4.1)
  AdamConfig adam;                  // beta1 0, beta2 0.999, eps-hat 1e-8
};

// Throws tunas::Error on num_replicas < 1, a bad momentum, a negative or non-finite
// entropy weight, a temperature that is not > 0, or a bad Adam config.
void validate_controller_config(const ControllerConfig& config);

// The RNG stream of replica r: stream_id("policy/sample/replica/<r>").
std::uint64_t replica_stream(int replica);

struct UpdateStats {
  std::int64_t step = 0;       // t, the step this update belonged to
  double learning_rate = 0.0;  // lr passed in
  double mean_reward = 0.0;    // r-bar, fed to the baseline
  double baseline = 0.0;       // b after this step's update (used for the advantages)
  double mean_log_prob = 0.0;  // replica means of sample.log_prob and sample.entropy
  double mean_entropy = 0.0;
};

// Everything needed to resume bit for bit (controller_state.h serialises it).
struct ControllerState {
  std::vector<int> num_choices;  // structure check: one entry per decision
  std::int64_t step = 0;
  std::vector<double> logits;
  std::vector<double> adam_m;
  std::vector<double> adam_v;
  double adam_beta1_power = 0.0;
  double adam_beta2_power = 0.0;
  double baseline_numerator = 0.0;
  double baseline_denominator = 0.0;
  std::uint64_t seed = 0;
  std::vector<std::uint64_t> rng_positions;  // one per replica
};

class Controller {
 public:
  Controller(std::vector<DecisionSpec> decisions, ControllerConfig config);

  const ControllerConfig& config() const { return config_; }
  int num_replicas() const { return config_.num_replicas; }
  const Policy& policy() const { return policy_; }
  // Mutable access for tests and for importing logits; not for use during a step.
  Policy& policy() { return policy_; }
  const Baseline& baseline() const { return baseline_; }
  const TunasAdam& adam() const { return adam_; }
  // Number of completed updates (the global step t of §6.3).
  std::int64_t step() const { return step_; }

  // Draws replica's architecture from its own stream. Throws tunas::Error on a replica
  // outside [0, num_replicas) or a warm-up probability outside [0, 1].
  ArchitectureSample sample(int replica, WarmupProbabilities warmup);

  // One REINFORCE step. samples[r] must have been drawn from the CURRENT logits (no
  // update since), rewards[r] is its reward; both have num_replicas() entries.
  //   b = baseline.update(mean_r R_r);  A_r = R_r - b;
  //   g_r = -A_r * d lp_r / d logits (active, non-replaced nodes);
  //   Adam step with mean_r g_r and mean_r g_r^2 at lr (moments advance even at lr = 0);
  //   if lambda != 0: logits -= lr * mean_r(-lambda * dH_r/d logits), the entropy gradient
  //   taken at the sampling logits, after the Adam step and without touching m or v.
  // Throws tunas::Error on size mismatches, non-finite rewards or lr < 0.
  UpdateStats update(std::span<const ArchitectureSample> samples,
                     std::span<const double> rewards, double learning_rate);

  ControllerState state() const;
  // Restores a state taken from a controller with the same decisions and replica count;
  // throws tunas::Error naming the mismatch otherwise.
  void set_state(const ControllerState& state);

 private:
  ControllerConfig config_;
  Policy policy_;
  Baseline baseline_;
  TunasAdam adam_;
  std::vector<Rng> rngs_;
  std::int64_t step_ = 0;
};

}  // namespace tunas::policy
