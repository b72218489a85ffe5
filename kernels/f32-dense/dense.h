// Dense (fully connected) layer with bias: the classifier head (a 1x1 conv on the pooled
// [batch][features] map in TuNAS) and, with rows = batch, the SE 1x1 convs.
// Runs on the 1x1-conv GEMM (kernels/f32-conv1x1); this file only adds the bias handling.
//
//   src      [rows][channels_in]           row stride src_stride    (>= channels_in)
//   dst      [rows][channels_out]          row stride dst_stride    (>= channels_out)
//   weight   [channels_in][channels_out]   row stride weight_stride (>= channels_out)
//   bias     [channels_out]
//
// Forward overwrites dst; backward ACCUMULATES into d_src, d_weight, d_bias. Saved state:
// src (for d_weight) and weight (for d_src). Thread and determinism guarantees as conv1x1.
#pragma once

#include <cstdint>

namespace tunas::kernels {

// dst = src * weight + bias
void f32_dense_forward(std::int64_t rows, int channels_in, int channels_out, float* dst,
                       std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                       const float* weight, std::int64_t weight_stride, const float* bias);

// d_src += d_dst * weight^T
void f32_dense_backward_data(std::int64_t rows, int channels_in, int channels_out, float* d_src,
                             std::int64_t d_src_stride, const float* d_dst,
                             std::int64_t d_dst_stride, const float* weight,
                             std::int64_t weight_stride);

// d_weight += src^T * d_dst;  d_bias += column sums of d_dst (d_bias may be null).
void f32_dense_backward_weights(std::int64_t rows, int channels_in, int channels_out,
                                float* d_weight, std::int64_t d_weight_stride, float* d_bias,
                                const float* d_dst, std::int64_t d_dst_stride, const float* src,
                                std::int64_t src_stride);

}  // namespace tunas::kernels
