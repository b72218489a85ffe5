#include "policy/schedules.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.h"

namespace tunas::policy {
namespace {

void require_step(std::int64_t step) {
  TUNAS_REQUIRE(step >= 0, "schedule: step must be >= 0, got ", step);
}

}  // namespace

std::int64_t fraction_of_steps(double fraction, std::int64_t total_steps) {
  TUNAS_REQUIRE(fraction >= 0.0 && fraction <= 1.0,
                "schedule: fraction must be in [0, 1], got ", fraction);
  TUNAS_REQUIRE(total_steps >= 0, "schedule: total steps must be >= 0, got ", total_steps);
  return std::int64_t(fraction * double(total_steps));
}

double model_learning_rate(double peak, std::int64_t warmup_steps, std::int64_t total_steps,
                           std::int64_t step) {
  TUNAS_REQUIRE(std::isfinite(peak) && peak >= 0.0,
                "model learning rate: peak must be >= 0, got ", peak);
  TUNAS_REQUIRE(warmup_steps >= 0 && warmup_steps < total_steps,
                "model learning rate: need 0 <= warm-up steps < total steps, got warm-up ",
                warmup_steps, " and total ", total_steps);
  require_step(step);
  if (step < warmup_steps) return peak * double(step) / double(warmup_steps);
  const double span = double(total_steps - warmup_steps);
  const double progress = double(std::min(step - warmup_steps, total_steps - warmup_steps));
  return peak * 0.5 * (1.0 + std::cos(std::numbers::pi * progress / span));
}

double warmup_probability(std::int64_t warmup_steps, std::int64_t step) {
  TUNAS_REQUIRE(warmup_steps >= 0, "warm-up probability: warm-up steps must be >= 0, got ",
                warmup_steps);
  if (warmup_steps == 0) return 0.0;
  const double t = double(std::max<std::int64_t>(step, 0));
  return 1.0 - std::min(t / double(warmup_steps), 1.0);
}

double policy_learning_rate(double base_lr, std::int64_t delay_steps, std::int64_t total_steps,
                            bool exponential, std::int64_t step) {
  TUNAS_REQUIRE(std::isfinite(base_lr) && base_lr >= 0.0,
                "policy learning rate: base rate must be >= 0, got ", base_lr);
  TUNAS_REQUIRE(total_steps > 0, "policy learning rate: total steps must be > 0, got ",
                total_steps);
  TUNAS_REQUIRE(delay_steps >= 0 && delay_steps <= total_steps,
                "policy learning rate: need 0 <= delay steps <= total steps, got delay ",
                delay_steps, " and total ", total_steps);
  require_step(step);
  if (step < delay_steps) return 0.0;
  if (!exponential) return base_lr;
  const double progress = double(step - delay_steps) /
                          double(std::max<std::int64_t>(1, total_steps - delay_steps));
  return base_lr * std::pow(10.0, std::max(0.0, progress));
}

void validate_warmup_within_delay(std::int64_t op_warmup_steps,
                                  std::int64_t filter_warmup_steps, std::int64_t delay_steps) {
  TUNAS_REQUIRE(op_warmup_steps <= delay_steps, "op warm-up (", op_warmup_steps,
                " steps) is longer than the controller delay (", delay_steps,
                " steps): the controller would learn from warm-up samples");
  TUNAS_REQUIRE(filter_warmup_steps <= delay_steps, "filter warm-up (", filter_warmup_steps,
                " steps) is longer than the controller delay (", delay_steps,
                " steps): the controller would learn from warm-up samples");
}

SearchSchedules::SearchSchedules(const ScheduleConfig& config)
    : config_(config),
      model_warmup_steps_(fraction_of_steps(config.model_warmup_fraction, config.total_steps)),
      policy_delay_steps_(fraction_of_steps(config.policy_delay_fraction, config.total_steps)),
      op_warmup_steps_(fraction_of_steps(config.op_warmup_fraction, config.total_steps)),
      filter_warmup_steps_(fraction_of_steps(config.filter_warmup_fraction, config.total_steps)) {
  TUNAS_REQUIRE(config.total_steps > 0, "schedule: total steps must be > 0, got ",
                config.total_steps);
  validate_warmup_within_delay(op_warmup_steps_, filter_warmup_steps_, policy_delay_steps_);
  // Evaluate once so bad rates or a model warm-up covering the whole run fail here.
  (void)model_learning_rate(0);
  (void)policy_learning_rate(0);
}

double SearchSchedules::model_learning_rate(std::int64_t step) const {
  return policy::model_learning_rate(config_.model_lr_peak, model_warmup_steps_,
                                     config_.total_steps, step);
}

double SearchSchedules::policy_learning_rate(std::int64_t step) const {
  return policy::policy_learning_rate(config_.policy_lr, policy_delay_steps_, config_.total_steps,
                                      config_.policy_lr_exponential, step);
}

WarmupProbabilities SearchSchedules::warmup(std::int64_t step) const {
  require_step(step);
  return {warmup_probability(op_warmup_steps_, step),
          warmup_probability(filter_warmup_steps_, step)};
}

}  // namespace tunas::policy
