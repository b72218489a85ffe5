// Internal to kernels/f32-activation: defines one ISA's pair of row kernels (the
// f32-activation.inc signatures) from the templates forward_rows<A> and backward_rows<A> in
// scope, dispatching the activation once per call (TUNAS_ACTIVATION_SWITCH).
#pragma once

#include "kernels/f32-activation/activation.h"

#define TUNAS_ACTIVATION_ROW_KERNELS(forward_fn, backward_fn)                                 \
  void forward_fn(Activation act, std::int64_t rows, int channels, float* dst,               \
                  std::int64_t dst_stride, const float* src, std::int64_t src_stride) {      \
    TUNAS_ACTIVATION_SWITCH(act, TUNAS_ACTIVATION_FORWARD_CALL)                               \
  }                                                                                           \
  void backward_fn(Activation act, std::int64_t rows, int channels, float* d_src,            \
                   std::int64_t d_src_stride, const float* d_dst, std::int64_t d_dst_stride, \
                   const float* src, std::int64_t src_stride) {                              \
    TUNAS_ACTIVATION_SWITCH(act, TUNAS_ACTIVATION_BACKWARD_CALL)                              \
  }

#define TUNAS_ACTIVATION_FORWARD_CALL(A) \
  forward_rows<A>(rows, channels, dst, dst_stride, src, src_stride)
#define TUNAS_ACTIVATION_BACKWARD_CALL(A) \
  backward_rows<A>(rows, channels, d_src, d_src_stride, d_dst, d_dst_stride, src, src_stride)
