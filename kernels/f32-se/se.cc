#include "kernels/f32-se/se.h"

#include <algorithm>

#include "core/threads.h"

namespace tunas::kernels {

namespace {
constexpr int kChannelBlock = 64;
constexpr std::int64_t kRowGrain = 256;

// dst[r][c] (op)= a[r][c] * gate[r / pixels_per_image][c] over all rows; one helper for the
// forward (overwrite) and backward-data (accumulate).
template <bool kAccumulate>
void gate_rows(int batch, std::int64_t pixels_per_image, int channels, float* dst,
               std::int64_t dst_stride, const float* a, std::int64_t a_stride, const float* gate,
               std::int64_t gate_stride) {
  parallel_for(std::int64_t(batch) * pixels_per_image, kRowGrain,
               [&](std::int64_t r0, std::int64_t r1) {
                 for (std::int64_t r = r0; r < r1; ++r) {
                   const float* g = gate + (r / pixels_per_image) * gate_stride;
                   const float* x = a + r * a_stride;
                   float* y = dst + r * dst_stride;
                   for (int c = 0; c < channels; ++c) {
                     if constexpr (kAccumulate) {
                       y[c] += x[c] * g[c];
                     } else {
                       y[c] = x[c] * g[c];
                     }
                   }
                 }
               });
}
}  // namespace

void f32_se_gate_forward(int batch, std::int64_t pixels_per_image, int channels, float* dst,
                         std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                         const float* gate, std::int64_t gate_stride) {
  gate_rows<false>(batch, pixels_per_image, channels, dst, dst_stride, src, src_stride, gate,
                   gate_stride);
}

void f32_se_gate_backward_data(int batch, std::int64_t pixels_per_image, int channels,
                               float* d_src, std::int64_t d_src_stride, const float* d_dst,
                               std::int64_t d_dst_stride, const float* gate,
                               std::int64_t gate_stride) {
  gate_rows<true>(batch, pixels_per_image, channels, d_src, d_src_stride, d_dst, d_dst_stride,
                  gate, gate_stride);
}

void f32_se_gate_backward_gate(int batch, std::int64_t pixels_per_image, int channels,
                               float* d_gate, std::int64_t d_gate_stride, const float* d_dst,
                               std::int64_t d_dst_stride, const float* src,
                               std::int64_t src_stride) {
  const int blocks = (channels + kChannelBlock - 1) / kChannelBlock;
  parallel_for(std::int64_t(batch) * blocks, 1, [&](std::int64_t t0, std::int64_t t1) {
    for (std::int64_t t = t0; t < t1; ++t) {
      const std::int64_t n = t / blocks;
      const int c0 = int(t % blocks) * kChannelBlock, c1 = std::min(channels, c0 + kChannelBlock);
      double sum[kChannelBlock] = {};
      for (std::int64_t p = 0; p < pixels_per_image; ++p) {
        const std::int64_t r = n * pixels_per_image + p;
        const float* x = src + r * src_stride;
        const float* dy = d_dst + r * d_dst_stride;
        for (int c = c0; c < c1; ++c) sum[c - c0] += double(dy[c]) * x[c];
      }
      for (int c = c0; c < c1; ++c) d_gate[n * d_gate_stride + c] += float(sum[c - c0]);
    }
  });
}

}  // namespace tunas::kernels
