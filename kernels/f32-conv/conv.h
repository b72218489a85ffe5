// Full k x k convolution with stride and TF SAME padding (the stem: 3x3 / 5x5, stride 2 or 1,
// 1 or 3 input channels), NHWC float32, forward / backward-data / backward-weights.
//
//   src, d_src  [batch][in_h][in_w][channels_in]     pixel stride *_stride (>= channels_in);
//               images and rows dense in pixels: pixel (n, y, x) at ((n*in_h + y)*in_w + x)*stride
//   dst, d_dst  [batch][out_h][out_w][channels_out]  pixel stride *_stride (>= channels_out)
//   weight      HWIO [k][k][channels_in][channels_out]: element (ky, kx, i, o) at
//               (ky*k + kx) * tap_stride + i * cin_stride + o, where a [k][k][max_in][max_out]
//               buffer has cin_stride = max_out and tap_stride = max_in * max_out; d_weight alike.
//   geometry    kernels/conv_geometry.h (same_conv_geometry gives TF SAME padding).
//
// Only channel prefixes (channels_in of src/d_src rows and weight taps, channels_out of
// dst/d_dst rows and weight rows) are read or written. Forward overwrites dst; backward
// ACCUMULATES into d_src and d_weight. Saved state: src (for d_weight), weight (for d_src).
// Each output element is computed by one task in a fixed order (forward over output rows,
// backward-data over input rows, backward-weights over (tap, channel block) cells), so results
// are bitwise independent of the thread count. No allocation.
#pragma once

#include <cstdint>

#include "kernels/conv_geometry.h"

namespace tunas::kernels {

void f32_conv_forward(const ConvGeometry& geometry, int channels_in, int channels_out, float* dst,
                      std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                      const float* weight, std::int64_t weight_cin_stride,
                      std::int64_t weight_tap_stride);

void f32_conv_backward_data(const ConvGeometry& geometry, int channels_in, int channels_out,
                            float* d_src, std::int64_t d_src_stride, const float* d_dst,
                            std::int64_t d_dst_stride, const float* weight,
                            std::int64_t weight_cin_stride, std::int64_t weight_tap_stride);

void f32_conv_backward_weights(const ConvGeometry& geometry, int channels_in, int channels_out,
                               float* d_weight, std::int64_t d_weight_cin_stride,
                               std::int64_t d_weight_tap_stride, const float* d_dst,
                               std::int64_t d_dst_stride, const float* src,
                               std::int64_t src_stride);

}  // namespace tunas::kernels
