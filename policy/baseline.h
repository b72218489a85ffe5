// The REINFORCE baseline (§4.4): a bias-corrected exponential moving average of the mean
// reward of each step, updated BEFORE it is used so the step's own rewards are in it.
#pragma once

namespace tunas::policy {

class Baseline {
 public:
  // Throws tunas::Error unless 0 <= momentum < 1.
  explicit Baseline(double momentum = 0.95);

  // num <- mu*num + (1-mu)*mean_reward; den <- mu*den + (1-mu); returns b = num/den.
  double update(double mean_reward);
  // num/den; 0 before the first update (den = 0).
  double value() const;

  double momentum() const { return momentum_; }
  double numerator() const { return numerator_; }
  double denominator() const { return denominator_; }
  // For checkpoints: restores the exact (num, den) pair. Throws if den is outside [0, 1).
  void set_state(double numerator, double denominator);

 private:
  double momentum_;
  double numerator_ = 0.0;
  double denominator_ = 0.0;
};

}  // namespace tunas::policy
