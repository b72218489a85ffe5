#include "kernels/f32-pool/pool.h"

#include <algorithm>

#include "core/threads.h"

namespace tunas::kernels {

namespace {
constexpr int kChannelBlock = 64;
}

void f32_global_avg_pool_forward(int batch, std::int64_t pixels_per_image, int channels,
                                 float* dst, std::int64_t dst_stride, const float* src,
                                 std::int64_t src_stride) {
  const int blocks = (channels + kChannelBlock - 1) / kChannelBlock;
  const double inv_count = 1.0 / double(pixels_per_image);
  parallel_for(std::int64_t(batch) * blocks, 1, [&](std::int64_t t0, std::int64_t t1) {
    for (std::int64_t t = t0; t < t1; ++t) {
      const std::int64_t n = t / blocks;
      const int c0 = int(t % blocks) * kChannelBlock, c1 = std::min(channels, c0 + kChannelBlock);
      const float* image = src + n * pixels_per_image * src_stride;
      double sum[kChannelBlock] = {};
      for (std::int64_t p = 0; p < pixels_per_image; ++p) {
        const float* x = image + p * src_stride;
        for (int c = c0; c < c1; ++c) sum[c - c0] += x[c];
      }
      for (int c = c0; c < c1; ++c) dst[n * dst_stride + c] = float(sum[c - c0] * inv_count);
    }
  });
}

void f32_global_avg_pool_backward(int batch, std::int64_t pixels_per_image, int channels,
                                  float* d_src, std::int64_t d_src_stride, const float* d_dst,
                                  std::int64_t d_dst_stride) {
  const float inv_count = float(1.0 / double(pixels_per_image));
  const std::int64_t rows = std::int64_t(batch) * pixels_per_image;
  parallel_for(rows, 256, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      const float* dy = d_dst + (r / pixels_per_image) * d_dst_stride;
      float* dx = d_src + r * d_src_stride;
      for (int c = 0; c < channels; ++c) dx[c] += dy[c] * inv_count;
    }
  });
}

}  // namespace tunas::kernels
