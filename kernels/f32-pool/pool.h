// Global average pooling over NHWC images, forward and backward.
//
//   src  [batch][pixels_per_image][channels]   pixel stride src_stride (>= channels); images
//        are dense in pixels: image n starts at src + n * pixels_per_image * src_stride
//   dst  [batch][channels]                      row stride dst_stride (>= channels)
//
// Forward overwrites dst with the mean over the image's pixels (summed in double, pixels in
// order). Backward ACCUMULATES d_src[n][p][c] += d_dst[n][c] / pixels_per_image (no saved
// state). Only channel prefixes are touched. Parallel over images and channel blocks (rows
// for the backward); bitwise independent of the thread count. No allocation.
#pragma once

#include <cstdint>

namespace tunas::kernels {

void f32_global_avg_pool_forward(int batch, std::int64_t pixels_per_image, int channels,
                                 float* dst, std::int64_t dst_stride, const float* src,
                                 std::int64_t src_stride);

void f32_global_avg_pool_backward(int batch, std::int64_t pixels_per_image, int channels,
                                  float* d_src, std::int64_t d_src_stride, const float* d_dst,
                                  std::int64_t d_dst_stride);

}  // namespace tunas::kernels
