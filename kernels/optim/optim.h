// Optimizer updates and the masked L2 weight-decay helper (spec §3.8, §6.3).
//
// Update kernels work on flat, dense parameter arrays of `count` floats: weight, slots and
// gradient are parallel arrays (slots owned by the caller, allocated once). Every element is
// updated, even where the gradient is 0 (TF dense semantics: unsampled weights keep moving
// by their momentum). Parallel over elements; element-wise, so bitwise independent of the
// thread count. The gradient is only read. ISA: the update kernels listed in optim.inc,
// chosen once from the CPU features and TUNAS_MAX_ISA (kernels/config.h); every ISA gives
// bitwise the same result.
#pragma once

#include <cstdint>

#include "core/cpu.h"

namespace tunas::kernels {

// TensorFlow-1 RMSProp defaults used by TuNAS.
inline constexpr float kRmsPropInitialMeanSquare = 1.0f;  // the ms slot starts at 1, not 0
inline constexpr float kRmsPropDecay = 0.9f;
inline constexpr float kRmsPropMomentum = 0.9f;
inline constexpr float kRmsPropEpsilon = 1.0f;

// TF ApplyRMSProp, per element:
//   ms  += (g^2 - ms) * (1 - decay)                   (= decay*ms + (1-decay)*g^2)
//   mom  = momentum * mom + lr * g / sqrt(ms + epsilon)      (epsilon INSIDE the sqrt)
//   w   -= mom
// mean_square must start at kRmsPropInitialMeanSquare and momentum_slot at 0.
void f32_rmsprop_update(std::int64_t count, float* weight, float* mean_square,
                        float* momentum_slot, const float* grad, float lr, float decay,
                        float momentum, float epsilon);

// TF ApplyMomentum (use_nesterov = false), per element:
//   mom = momentum * mom + g;   w -= lr * mom
void f32_sgd_momentum_update(std::int64_t count, float* weight, float* momentum_slot,
                             const float* grad, float lr, float momentum);

// The same with the table of an ISA cap (tests, benchmarks; kernels/config.h): an ISA that
// is not allowed here falls back to the best one allowed below it.
void f32_rmsprop_update(Isa cap, std::int64_t count, float* weight, float* mean_square,
                        float* momentum_slot, const float* grad, float lr, float decay,
                        float momentum, float epsilon);
void f32_sgd_momentum_update(Isa cap, std::int64_t count, float* weight, float* momentum_slot,
                             const float* grad, float lr, float momentum);

// Single-threaded update kernels over `count` consecutive elements (optim.inc), same maths.
// The _avx2 ones must only be called when tunas::cpu_has(Isa::avx2).
using f32_rmsprop_ukernel_fn = void(std::int64_t count, float* weight, float* mean_square,
                                    float* momentum_slot, const float* grad, float lr,
                                    float decay, float momentum, float epsilon);
using f32_sgd_momentum_ukernel_fn = void(std::int64_t count, float* weight, float* momentum_slot,
                                         const float* grad, float lr, float momentum);
f32_rmsprop_ukernel_fn f32_rmsprop_ukernel_scalar;
f32_rmsprop_ukernel_fn f32_rmsprop_ukernel_avx2;
f32_rmsprop_ukernel_fn f32_rmsprop_ukernel_avx512;
f32_sgd_momentum_ukernel_fn f32_sgd_momentum_ukernel_scalar;
f32_sgd_momentum_ukernel_fn f32_sgd_momentum_ukernel_avx2;
f32_sgd_momentum_ukernel_fn f32_sgd_momentum_ukernel_avx512;

// Masked L2 decay on a slice of a weight tensor (spec §3.8): for every element w of the
// slice, d_weight += scale * weight_decay * w, and the return value is
//   scale * (weight_decay / 2) * sum(w^2)       (summed in double, in index order).
// The slice has `rank` (1..4) dimensions with extents[i] elements at strides[i] (in floats);
// d_weight uses the same strides as weight. E.g. the active (a_in, a_out) part of a
// k x k x max_in x max_out HWIO kernel: extents {k, k, a_in, a_out}, strides
// {k*max_in*max_out, max_in*max_out, max_out, 1}. `scale` is the switch mask value m_i
// (1/n during op warm-up). d_weight may be null to evaluate the loss only. Single-threaded.
double f32_l2_decay(int rank, const std::int64_t* extents, const std::int64_t* strides,
                    float* d_weight, const float* weight, float weight_decay, float scale);

}  // namespace tunas::kernels
