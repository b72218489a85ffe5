#include "kernels/optim/optim.h"

#include <cmath>

#include "core/error.h"
#include "core/threads.h"

namespace tunas::kernels {

namespace {
constexpr std::int64_t kGrain = 1 << 14;
}

void f32_rmsprop_update(std::int64_t count, float* weight, float* mean_square,
                        float* momentum_slot, const float* grad, float lr, float decay,
                        float momentum, float epsilon) {
  const float one_minus_decay = 1.f - decay;
  parallel_for(count, kGrain, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const float g = grad[i];
      const float ms = mean_square[i] + (g * g - mean_square[i]) * one_minus_decay;
      const float mom = momentum * momentum_slot[i] + lr * g / std::sqrt(ms + epsilon);
      mean_square[i] = ms;
      momentum_slot[i] = mom;
      weight[i] -= mom;
    }
  });
}

void f32_sgd_momentum_update(std::int64_t count, float* weight, float* momentum_slot,
                             const float* grad, float lr, float momentum) {
  parallel_for(count, kGrain, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const float mom = momentum * momentum_slot[i] + grad[i];
      momentum_slot[i] = mom;
      weight[i] -= lr * mom;
    }
  });
}

double f32_l2_decay(int rank, const std::int64_t* extents, const std::int64_t* strides,
                    float* d_weight, const float* weight, float weight_decay, float scale) {
  TUNAS_DASSERT(rank >= 1 && rank <= 4);
  // Pad to 4 dimensions with leading extent-1 axes.
  std::int64_t ext[4] = {1, 1, 1, 1}, str[4] = {0, 0, 0, 0};
  for (int i = 0; i < rank; ++i) {
    ext[4 - rank + i] = extents[i];
    str[4 - rank + i] = strides[i];
  }
  const float grad_factor = scale * weight_decay;
  double sum_sq = 0.0;
  for (std::int64_t i0 = 0; i0 < ext[0]; ++i0) {
    for (std::int64_t i1 = 0; i1 < ext[1]; ++i1) {
      for (std::int64_t i2 = 0; i2 < ext[2]; ++i2) {
        const std::int64_t base = i0 * str[0] + i1 * str[1] + i2 * str[2];
        const float* w = weight + base;
        for (std::int64_t i3 = 0; i3 < ext[3]; ++i3) {
          const double v = w[i3 * str[3]];
          sum_sq += v * v;
        }
        if (d_weight) {
          float* dw = d_weight + base;
          for (std::int64_t i3 = 0; i3 < ext[3]; ++i3) dw[i3 * str[3]] += grad_factor * w[i3 * str[3]];
        }
      }
    }
  }
  return double(scale) * 0.5 * double(weight_decay) * sum_sq;
}

}  // namespace tunas::kernels
