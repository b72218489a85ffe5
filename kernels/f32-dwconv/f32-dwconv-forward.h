// Forward depthwise micro-kernels, generic over the vector type V (f32-dwconv-simd.h). Per
// output row and channel tile, columns go in blocks of P pixels (then 8, then the remainder
// as one block: f32-dwconv-simd.h for_column_blocks) that load every input pixel of a
// kernel row once and keep the K weights of that row in registers (K + P + 1 <=
// V::kRegisters); blocks touching the left/right padding skip the padded taps. Channel tiles
// walk bands of rows (f32-dwconv-simd.h for_band_tiles).
// Included by f32-dwconv-forward-{avx2,avx512}.cc, which define the .inc kernels with
// TUNAS_DWCONV_FORWARD.
#pragma once

#include "kernels/f32-dwconv/f32-dwconv-simd.h"

namespace tunas::kernels::dwconv_simd {
namespace {

template <typename V, int K, int S, int Q, bool kMasked, bool kChecked>
void forward_block(const ConvGeometry& g, int ox, int kh_begin, int kh_end, int y0,
                   float* dst_row, int64_t dst_stride, const float* src, int64_t src_stride,
                   const float* weight, int64_t weight_stride, typename V::Mask mask) {
  const int x0 = ox * S - g.pad_left;
  typename V::Reg acc[Q];
  for (int q = 0; q < Q; ++q) acc[q] = V::zero();
  for (int kh = kh_begin; kh < kh_end; ++kh) {
    typename V::Reg w[K];
    for (int m = 0; m < K; ++m) {
      w[m] = V::template load<kMasked>(weight + int64_t(kh * K + m) * weight_stride, mask);
    }
    const float* x = src + (int64_t(y0 + kh) * g.in_w + x0) * src_stride;
    window_block<V, K, S, Q, kMasked, kChecked>(acc, x, src_stride, w, mask, -x0, g.in_w - x0);
  }
  for (int q = 0; q < Q; ++q) {
    V::template store<kMasked>(dst_row + int64_t(ox + q) * dst_stride, mask, acc[q]);
  }
}

template <typename V, int K, int S, int P, bool kMasked>
void forward_row(const ConvGeometry& g, int oy, Span cols, float* dst, int64_t dst_stride,
                 const float* src, int64_t src_stride, const float* weight,
                 int64_t weight_stride, typename V::Mask mask) {
  static_assert(K + P + 1 <= V::kRegisters, "register budget");
  const int y0 = oy * S - g.pad_top;
  const int kh_begin = std::max(0, -y0);
  const int kh_end = std::min(K, g.in_h - y0);
  float* dst_row = dst + int64_t(oy) * g.out_w * dst_stride;
  for_column_blocks<P>(g.out_w, cols, [&](auto q, int ox, bool checked) {
    constexpr int Q = decltype(q)::value;
    if (checked) {
      forward_block<V, K, S, Q, kMasked, true>(g, ox, kh_begin, kh_end, y0, dst_row, dst_stride,
                                               src, src_stride, weight, weight_stride, mask);
    } else {
      forward_block<V, K, S, Q, kMasked, false>(g, ox, kh_begin, kh_end, y0, dst_row,
                                                dst_stride, src, src_stride, weight,
                                                weight_stride, mask);
    }
  });
}

// P pixels per column block.
template <typename V, int K, int S, int P>
void forward(const ConvGeometry& g, int channels, int row_begin, int row_end, float* dst,
             int64_t dst_stride, const float* src, int64_t src_stride, const float* weight,
             int64_t weight_stride) {
  TUNAS_DASSERT(g.kernel == K && g.stride == S);
  const Span cols = interior_span(g.out_w, g.in_w, K, S, g.pad_left);
  const int band = l1_row_band(int64_t(S) * g.in_w, src_stride);
  for_band_tiles<V>(row_begin, row_end, band, channels,
                    [&](int oy, int c, auto masked, typename V::Mask mask) {
                      forward_row<V, K, S, P, decltype(masked)::value>(
                          g, oy, cols, dst + c, dst_stride, src + c, src_stride, weight + c,
                          weight_stride, mask);
                    });
}

}  // namespace
}  // namespace tunas::kernels::dwconv_simd

// Defines the .inc kernel `fn` as forward<V, K, S, P> in namespace tunas::kernels.
#define TUNAS_DWCONV_FORWARD(V, K, S, P, fn)                                                    \
  void fn(const ConvGeometry& g, int channels, int row_begin, int row_end, float* dst,          \
          int64_t dst_stride, const float* src, int64_t src_stride, const float* weight,        \
          int64_t weight_stride) {                                                              \
    dwconv_simd::forward<V, K, S, P>(g, channels, row_begin, row_end, dst, dst_stride, src,     \
                                     src_stride, weight, weight_stride);                        \
  }
