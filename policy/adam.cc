#include "policy/adam.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace tunas::policy {

void validate_adam_config(const AdamConfig& config) {
  TUNAS_REQUIRE(config.beta1 >= 0.0 && config.beta1 < 1.0,
                "adam: beta1 must be in [0, 1), got ", config.beta1);
  TUNAS_REQUIRE(config.beta2 >= 0.0 && config.beta2 < 1.0,
                "adam: beta2 must be in [0, 1), got ", config.beta2);
  TUNAS_REQUIRE(config.epsilon > 0.0, "adam: epsilon must be > 0, got ", config.epsilon);
}

TunasAdam::TunasAdam(std::size_t size, AdamConfig config)
    : config_(config),
      m_(size, 0.0),
      v_(size, 0.0),
      beta1_power_(config.beta1),
      beta2_power_(config.beta2) {
  validate_adam_config(config);
}

void TunasAdam::step(std::span<double> params, std::span<const double> grad_mean,
                     std::span<const double> grad_sq_mean, double lr) {
  TUNAS_CHECK(params.size() == size() && grad_mean.size() == size() &&
              grad_sq_mean.size() == size());
  TUNAS_REQUIRE(lr >= 0.0 && std::isfinite(lr), "adam: learning rate must be >= 0, got ", lr);
  const double b1 = config_.beta1, b2 = config_.beta2;
  const double lr_t = lr * std::sqrt(1.0 - beta2_power_) / (1.0 - beta1_power_);
  for (std::size_t i = 0; i < size(); ++i) {
    m_[i] = b1 * m_[i] + (1.0 - b1) * grad_mean[i];
    v_[i] = b2 * v_[i] + (1.0 - b2) * grad_sq_mean[i];
    params[i] -= lr_t * m_[i] / (std::sqrt(v_[i]) + config_.epsilon);
  }
  beta1_power_ *= b1;
  beta2_power_ *= b2;
}

void TunasAdam::set_state(std::span<const double> m, std::span<const double> v,
                          double beta1_power, double beta2_power) {
  TUNAS_REQUIRE(m.size() == size() && v.size() == size(), "adam state: expected ", size(),
                " moments, got m ", m.size(), " and v ", v.size());
  TUNAS_REQUIRE(std::all_of(v.begin(), v.end(), [](double x) { return x >= 0.0; }),
                "adam state: second moments must be >= 0");
  TUNAS_REQUIRE(beta1_power >= 0.0 && beta1_power < 1.0 && beta2_power >= 0.0 &&
                    beta2_power < 1.0,
                "adam state: beta powers must be in [0, 1), got ", beta1_power, " and ",
                beta2_power);
  std::copy(m.begin(), m.end(), m_.begin());
  std::copy(v.begin(), v.end(), v_.begin());
  beta1_power_ = beta1_power;
  beta2_power_ = beta2_power;
}

}  // namespace tunas::policy
