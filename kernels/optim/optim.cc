#include "kernels/optim/optim.h"

#include <cmath>

#include "core/error.h"
#include "core/threads.h"
#include "kernels/config.h"

namespace tunas::kernels {

void f32_rmsprop_ukernel_scalar(std::int64_t count, float* weight, float* mean_square,
                                float* momentum_slot, const float* grad, float lr, float decay,
                                float momentum, float epsilon) {
  const float one_minus_decay = 1.f - decay;
  for (std::int64_t i = 0; i < count; ++i) {
    const float g = grad[i];
    const float ms = mean_square[i] + (g * g - mean_square[i]) * one_minus_decay;
    const float mom = momentum * momentum_slot[i] + lr * g / std::sqrt(ms + epsilon);
    mean_square[i] = ms;
    momentum_slot[i] = mom;
    weight[i] -= mom;
  }
}

void f32_sgd_momentum_ukernel_scalar(std::int64_t count, float* weight, float* momentum_slot,
                                     const float* grad, float lr, float momentum) {
  for (std::int64_t i = 0; i < count; ++i) {
    const float mom = momentum * momentum_slot[i] + grad[i];
    momentum_slot[i] = mom;
    weight[i] -= lr * mom;
  }
}

namespace {

constexpr std::int64_t kGrain = 1 << 14;

// The dispatch table (kernels/config.h), one slot per update.
struct OptimTable {
  static constexpr const char* kFamily = "optim";
  UkernelSlot<f32_rmsprop_ukernel_fn> rmsprop{"rmsprop"};
  UkernelSlot<f32_sgd_momentum_ukernel_fn> sgd_momentum{"sgd_momentum"};
  auto slots() const { return std::tie(rmsprop, sgd_momentum); }
  void fill(Isa cap) {
#define TUNAS_OPTIM_UKERNEL(isa, update, fn) update.offer(Isa::isa, cap, fn, #fn);
#include "kernels/optim/optim.inc"
#undef TUNAS_OPTIM_UKERNEL
  }
};

const OptimTable& table(Isa cap) { return ukernel_table<OptimTable>(cap); }

}  // namespace

void f32_rmsprop_update(Isa cap, std::int64_t count, float* weight, float* mean_square,
                        float* momentum_slot, const float* grad, float lr, float decay,
                        float momentum, float epsilon) {
  f32_rmsprop_ukernel_fn* const ukernel = table(cap).rmsprop.fn;
  parallel_for(count, kGrain, [&](std::int64_t begin, std::int64_t end) {
    ukernel(end - begin, weight + begin, mean_square + begin, momentum_slot + begin, grad + begin,
            lr, decay, momentum, epsilon);
  });
}

void f32_sgd_momentum_update(Isa cap, std::int64_t count, float* weight, float* momentum_slot,
                             const float* grad, float lr, float momentum) {
  f32_sgd_momentum_ukernel_fn* const ukernel = table(cap).sgd_momentum.fn;
  parallel_for(count, kGrain, [&](std::int64_t begin, std::int64_t end) {
    ukernel(end - begin, weight + begin, momentum_slot + begin, grad + begin, lr, momentum);
  });
}

void f32_rmsprop_update(std::int64_t count, float* weight, float* mean_square,
                        float* momentum_slot, const float* grad, float lr, float decay,
                        float momentum, float epsilon) {
  f32_rmsprop_update(kernel_isa(), count, weight, mean_square, momentum_slot, grad, lr, decay,
                     momentum, epsilon);
}

void f32_sgd_momentum_update(std::int64_t count, float* weight, float* momentum_slot,
                             const float* grad, float lr, float momentum) {
  f32_sgd_momentum_update(kernel_isa(), count, weight, momentum_slot, grad, lr, momentum);
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
