// The TuNAS variant of Adam for the controller logits (§4.5).
//
// Differences from textbook synchronous Adam, all on purpose in the original:
//  * the second moment takes the replica mean of SQUARED per-replica gradients
//    (mean_r g_r^2, not (mean_r g_r)^2), so disagreeing replicas shrink the step;
//  * beta1 = 0 by default, epsilon ("eps-hat") is added to sqrt(v);
//  * the moments and the beta powers advance on every step, also while lr = 0.
// Owns m and v for a flat parameter vector of fixed size. Not thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace tunas::policy {

struct AdamConfig {
  double beta1 = 0.0;
  double beta2 = 0.999;
  double epsilon = 1e-8;
};

// Throws tunas::Error unless 0 <= beta1 < 1, 0 <= beta2 < 1 and epsilon > 0.
void validate_adam_config(const AdamConfig& config);

class TunasAdam {
 public:
  TunasAdam(std::size_t size, AdamConfig config);

  // One step with the replica means of the gradients and of the squared gradients:
  //   m <- b1*m + (1-b1)*grad_mean;  v <- b2*v + (1-b2)*grad_sq_mean
  //   lr_t = lr*sqrt(1 - b2^t)/(1 - b1^t), using the current powers (starting at b1, b2)
  //   params -= lr_t * m/(sqrt(v) + eps);  then b1^t *= b1, b2^t *= b2.
  // All spans have size(); lr >= 0 (0 still advances m, v and the powers).
  void step(std::span<double> params, std::span<const double> grad_mean,
            std::span<const double> grad_sq_mean, double lr);

  std::size_t size() const { return m_.size(); }
  const AdamConfig& config() const { return config_; }
  std::span<const double> m() const { return m_; }
  std::span<const double> v() const { return v_; }
  double beta1_power() const { return beta1_power_; }
  double beta2_power() const { return beta2_power_; }
  // For checkpoints; throws tunas::Error on a size mismatch or a negative v.
  void set_state(std::span<const double> m, std::span<const double> v, double beta1_power,
                 double beta2_power);

 private:
  AdamConfig config_;
  std::vector<double> m_;
  std::vector<double> v_;
  double beta1_power_;
  double beta2_power_;
};

}  // namespace tunas::policy
