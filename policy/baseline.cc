#include "policy/baseline.h"

#include <cmath>

#include "core/error.h"

namespace tunas::policy {

Baseline::Baseline(double momentum) : momentum_(momentum) {
  TUNAS_REQUIRE(momentum >= 0.0 && momentum < 1.0,
                "baseline momentum must be in [0, 1), got ", momentum);
}

double Baseline::update(double mean_reward) {
  numerator_ = momentum_ * numerator_ + (1.0 - momentum_) * mean_reward;
  denominator_ = momentum_ * denominator_ + (1.0 - momentum_);
  return value();
}

double Baseline::value() const { return denominator_ > 0.0 ? numerator_ / denominator_ : 0.0; }

void Baseline::set_state(double numerator, double denominator) {
  TUNAS_REQUIRE(std::isfinite(numerator) && denominator >= 0.0 && denominator < 1.0,
                "baseline state: need a finite numerator and 0 <= denominator < 1, got ",
                numerator, " and ", denominator);
  numerator_ = numerator;
  denominator_ = denominator;
}

}  // namespace tunas::policy
