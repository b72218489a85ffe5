// Squeeze-and-excite gate, NHWC float32 (spec §1.1, §3.4).
//
// The SE block on an E-channel tensor x is composed from kernels of other families:
//   pooled = f32_global_avg_pool_forward(x)                          [batch][E]
//   h      = relu(f32_conv1x1_bias_forward(pooled, W1, b1))          [batch][hidden]
//   gate   = sigmoid(f32_conv1x1_bias_forward(h, W2, b2))            [batch][E]
//   y      = f32_se_gate_forward(x, gate)                            y[n][p][c] = x * gate[n][c]
// (the 1x1 convs run on the pooled map with `pixels` = batch; masked SE runs all of it on
// channel prefixes). This file holds the one SE-specific kernel: the gate multiply.
//
//   src, dst, d_src, d_dst  [batch][pixels_per_image][channels], pixel stride *_stride
//                           (>= channels); images dense in pixels
//   gate, d_gate            [batch][channels], row stride *_stride (>= channels)
//
// Forward overwrites dst (in place allowed). Backward ACCUMULATES:
//   d_src[n][p][c] += d_dst[n][p][c] * gate[n][c]          (saved state: gate)
//   d_gate[n][c]   += sum_p d_dst[n][p][c] * src[n][p][c]   (saved state: src, summed in double)
// Parallel; bitwise independent of the thread count. No allocation.
#pragma once

#include <cstdint>

namespace tunas::kernels {

void f32_se_gate_forward(int batch, std::int64_t pixels_per_image, int channels, float* dst,
                         std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                         const float* gate, std::int64_t gate_stride);

void f32_se_gate_backward_data(int batch, std::int64_t pixels_per_image, int channels,
                               float* d_src, std::int64_t d_src_stride, const float* d_dst,
                               std::int64_t d_dst_stride, const float* gate,
                               std::int64_t gate_stride);

void f32_se_gate_backward_gate(int batch, std::int64_t pixels_per_image, int channels,
                               float* d_gate, std::int64_t d_gate_stride, const float* d_dst,
                               std::int64_t d_dst_stride, const float* src,
                               std::int64_t src_stride);

}  // namespace tunas::kernels
