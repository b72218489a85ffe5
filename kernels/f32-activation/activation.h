// Element-wise activations, forward and backward, on [rows][channels] with row strides.
//
//   none     y = x
//   relu     y = max(x, 0)
//   relu6    y = min(max(x, 0), 6)
//   hswish   y = x * relu6(x + 3) / 6                  (TuNAS "swish6")
//   sigmoid  y = 1 / (1 + exp(-x))
//   swish    y = x * sigmoid(x)
//
// Derivatives at the kinks follow TF's gradient ops: relu'(0) = 0; relu6' = 1 only on the
// open interval (0, 6); hswish' = (2x + 3)/6 on the open interval (-3, 3), 0 at or below -3
// and 1 at or above 3.
//
// Layout: row r, channel c of a buffer at ptr[r * stride + c]; only the first `channels`
// entries of each row are touched (channel prefixes, STYLE G3). Forward overwrites dst and
// may run in place (dst == src with equal strides). Backward ACCUMULATES:
// d_src += d_dst * f'(src), where src is the forward INPUT (saved state: the input).
// Parallel over rows (tasks of whole rows, unit-stride channel loops); every element is
// independent, so results never depend on the thread count. No allocation.
// ISA: the row kernels listed in f32-activation.inc, chosen once from the CPU features and
// TUNAS_MAX_ISA (kernels/config.h; AVX2+FMA ones when allowed, else scalar). relu/relu6/hswish/none are bitwise equal across ISAs; sigmoid/swish use a
// polynomial exp on AVX2 and agree with the scalar std::exp path to a few ulp.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "core/activation.h"
#include "core/cpu.h"

namespace tunas::kernels {

// The one activation enum and its names live in core/activation.h (search spaces use it too).
using ::tunas::Activation;
using ::tunas::activation_name;

// Scalar definitions shared by every kernel that fuses an activation (BN). Inline so that
// loops with a loop-invariant `act` vectorise.
inline float sigmoid_value(float x) { return 1.f / (1.f + std::exp(-x)); }

inline float activation_value(Activation act, float x) {
  switch (act) {
    case ::tunas::kernels::Activation::none: return x;
    case ::tunas::kernels::Activation::relu: return x > 0.f ? x : 0.f;
    case ::tunas::kernels::Activation::relu6: return x > 0.f ? (x < 6.f ? x : 6.f) : 0.f;
    case ::tunas::kernels::Activation::hswish: {
      const float r = x + 3.f;
      return x * (r > 0.f ? (r < 6.f ? r : 6.f) : 0.f) * (1.f / 6.f);
    }
    case ::tunas::kernels::Activation::sigmoid: return sigmoid_value(x);
    case ::tunas::kernels::Activation::swish: return x * sigmoid_value(x);
  }
  return x;
}

// f'(x) for the same x that the forward saw.
inline float activation_derivative(Activation act, float x) {
  switch (act) {
    case ::tunas::kernels::Activation::none: return 1.f;
    case ::tunas::kernels::Activation::relu: return x > 0.f ? 1.f : 0.f;
    case ::tunas::kernels::Activation::relu6: return (x > 0.f && x < 6.f) ? 1.f : 0.f;
    case ::tunas::kernels::Activation::hswish: return x <= -3.f ? 0.f : (x >= 3.f ? 1.f : (2.f * x + 3.f) * (1.f / 6.f));
    case ::tunas::kernels::Activation::sigmoid: {
      const float s = sigmoid_value(x);
      return s * (1.f - s);
    }
    case ::tunas::kernels::Activation::swish: {
      const float s = sigmoid_value(x);
      return s * (1.f + x * (1.f - s));
    }
  }
  return 1.f;
}

void f32_activation_forward(Activation act, std::int64_t rows, int channels, float* dst,
                            std::int64_t dst_stride, const float* src, std::int64_t src_stride);

void f32_activation_backward(Activation act, std::int64_t rows, int channels, float* d_src,
                             std::int64_t d_src_stride, const float* d_dst,
                             std::int64_t d_dst_stride, const float* src,
                             std::int64_t src_stride);

// The same with the table of an ISA cap (tests, benchmarks; kernels/config.h): an ISA that
// is not allowed here falls back to the best one allowed below it.
void f32_activation_forward(Isa isa, Activation act, std::int64_t rows, int channels,
                            float* dst, std::int64_t dst_stride, const float* src,
                            std::int64_t src_stride);
void f32_activation_backward(Isa isa, Activation act, std::int64_t rows, int channels,
                             float* d_src, std::int64_t d_src_stride, const float* d_dst,
                             std::int64_t d_dst_stride, const float* src,
                             std::int64_t src_stride);

// Single-threaded row kernels behind the functions above (same contract, no threads).
// The _avx2 and _avx512 ones must only be called when tunas::cpu_has(Isa::avx2 / avx512).
using f32_activation_forward_rows_fn = void(Activation act, std::int64_t rows, int channels,
                                            float* dst, std::int64_t dst_stride,
                                            const float* src, std::int64_t src_stride);
using f32_activation_backward_rows_fn = void(Activation act, std::int64_t rows, int channels,
                                             float* d_src, std::int64_t d_src_stride,
                                             const float* d_dst, std::int64_t d_dst_stride,
                                             const float* src, std::int64_t src_stride);
#define TUNAS_ACTIVATION_UKERNEL(isa, pass, fn) f32_activation_##pass##_rows_fn fn;
#include "kernels/f32-activation/f32-activation.inc"
#undef TUNAS_ACTIVATION_UKERNEL

}  // namespace tunas::kernels

namespace tunas::kernels {

// Calls f(std::integral_constant<Activation, A>{}) with A == act, so that each inner loop is
// compiled once per activation and is branch-free.
template <typename F>
void with_constant_activation(Activation act, F&& f) {
  switch (act) {
    case Activation::none: f(std::integral_constant<Activation, Activation::none>{}); return;
#define TUNAS_ACTIVATION_CONSTANT_CASE(id, value, spelling) \
  case Activation::id: f(std::integral_constant<Activation, Activation::id>{}); return;
      TUNAS_ACTIVATIONS(TUNAS_ACTIVATION_CONSTANT_CASE)
#undef TUNAS_ACTIVATION_CONSTANT_CASE
  }
}

}  // namespace tunas::kernels

// TUNAS_ACTIVATION_SWITCH(act, MY_CALL) with #define MY_CALL(A) f<A>(...): MY_CALL expanded
// with A the constant equal to act (with_constant_activation), one copy per activation.
#define TUNAS_ACTIVATION_SWITCH(act, call)                                   \
  ::tunas::kernels::with_constant_activation(                                \
      act, [&](auto constant_) { call(decltype(constant_)::value); });
