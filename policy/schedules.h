// Step-indexed schedules of the search loop (§4.5, §6.3, §6.4). `step` is the global step t
// before its increment, starting at 0. Pure functions of their arguments; every one throws
// tunas::Error on invalid parameters, naming the parameter and its value.
#pragma once

#include <cstdint>

#include "policy/sample.h"

namespace tunas::policy {

// int(fraction * total_steps), truncating like the original (0.025 * 27050 -> 676).
// fraction in [0, 1], total_steps >= 0.
std::int64_t fraction_of_steps(double fraction, std::int64_t total_steps);

// Model (shared weights) learning rate: peak*t/W for t < W (so step 0 has lr 0), then
// peak * 1/2 * (1 + cos(pi * min(t - W, S - W) / (S - W))), reaching 0 at t >= S.
// Needs peak >= 0, 0 <= W < S, step >= 0.
double model_learning_rate(double peak, std::int64_t warmup_steps, std::int64_t total_steps,
                           std::int64_t step);

// Warm-up replacement probability p(t) = 1 - min(max(t, 0)/W, 1); 0 when W = 0. W >= 0.
double warmup_probability(std::int64_t warmup_steps, std::int64_t step);

// Controller learning rate: 0 for t < D; then lr0 * 10^(max(0, (t - D) / max(1, S - D)))
// when exponential (x10 over the learning phase), else lr0. Needs lr0 >= 0, 0 <= D <= S,
// S > 0, step >= 0.
double policy_learning_rate(double base_lr, std::int64_t delay_steps, std::int64_t total_steps,
                            bool exponential, std::int64_t step);

// §6.4: the original rejects a warm-up longer than the controller delay, so every sample
// the controller learns from is a pure policy sample. Throws tunas::Error otherwise.
void validate_warmup_within_delay(std::int64_t op_warmup_steps,
                                  std::int64_t filter_warmup_steps, std::int64_t delay_steps);

// The search defaults of §6.8 for one run, in fractions of the run length.
struct ScheduleConfig {
  std::int64_t total_steps = 0;         // S (27050 for the 90-epoch search)
  double model_lr_peak = 2.64;          // 0.165 * global_batch / 256
  double model_warmup_fraction = 0.025;
  double policy_lr = 4.8e-3;            // 3e-4 * global_batch / 256
  bool policy_lr_exponential = true;
  double policy_delay_fraction = 0.25;
  double op_warmup_fraction = 0.25;
  double filter_warmup_fraction = 0.25;
};

// All schedules of one run, with the step counts resolved once.
class SearchSchedules {
 public:
  // Validates every parameter (total_steps > 0, fractions in [0, 1], warm-ups within the
  // delay, model warm-up shorter than the run).
  explicit SearchSchedules(const ScheduleConfig& config);

  const ScheduleConfig& config() const { return config_; }
  std::int64_t model_warmup_steps() const { return model_warmup_steps_; }
  std::int64_t policy_delay_steps() const { return policy_delay_steps_; }
  std::int64_t op_warmup_steps() const { return op_warmup_steps_; }
  std::int64_t filter_warmup_steps() const { return filter_warmup_steps_; }

  double model_learning_rate(std::int64_t step) const;
  double policy_learning_rate(std::int64_t step) const;
  WarmupProbabilities warmup(std::int64_t step) const;

 private:
  ScheduleConfig config_;
  std::int64_t model_warmup_steps_;
  std::int64_t policy_delay_steps_;
  std::int64_t op_warmup_steps_;
  std::int64_t filter_warmup_steps_;
};

}  // namespace tunas::policy
