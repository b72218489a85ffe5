// Backward-data depthwise micro-kernels, generic over the vector type V (f32-dwconv-simd.h).
// Gather form: every input pixel sums the taps that read it, so each d_src element is
// written by one call. Included by f32-dwconv-backward-data-{avx2,avx512}.cc, which define
// the .inc kernels with TUNAS_DWCONV_BACKWARD_DATA.
//
// Input columns are split into S classes ix = c (mod S). Within a class the taps that read
// ix are kw = r0 + S*i (r0 = (c + pad_left) mod S, i < KR) at output column
// ox = (ix + pad_left - kw) / S, so for the class pixels ix0 + S*p this is a stride-1
// correlation of d_dst with the KR flipped taps w[kh][r0 + S*(KR-1-m)] (m < KR):
// d_src[ix0 + S*p] += sum_m d_dst[base + p + m] * w'[m]. The forward's register-blocked
// window runs it; blocks touching the border skip taps outside [0, out_w).
#pragma once

#include "kernels/f32-dwconv/f32-dwconv-simd.h"

namespace tunas::kernels::dwconv_simd {
namespace {

template <typename V, int K, int S, int KR, int Q, bool kMasked, bool kChecked>
void backward_data_block(const ConvGeometry& g, int ix0, int r0, int kh_begin, int kh_end,
                         int ty, float* d_src_row, int64_t d_src_stride, const float* d_dst,
                         int64_t d_dst_stride, const float* weight, int64_t weight_stride,
                         typename V::Mask mask) {
  const int base = (ix0 + g.pad_left - r0) / S - (KR - 1);  // d_dst column of window j = 0
  typename V::Reg acc[Q];
  for (int q = 0; q < Q; ++q) {
    acc[q] = V::template load<kMasked>(d_src_row + int64_t(ix0 + S * q) * d_src_stride, mask);
  }
  for (int kh = kh_begin; kh < kh_end; kh += S) {
    typename V::Reg w[KR];
    for (int m = 0; m < KR; ++m) {
      w[m] = V::template load<kMasked>(
          weight + int64_t(kh * K + r0 + S * (KR - 1 - m)) * weight_stride, mask);
    }
    const float* x = d_dst + (int64_t((ty - kh) / S) * g.out_w + base) * d_dst_stride;
    window_block<V, KR, 1, Q, kMasked, kChecked>(acc, x, d_dst_stride, w, mask, -base,
                                              g.out_w - base);
  }
  for (int q = 0; q < Q; ++q) {
    V::template store<kMasked>(d_src_row + int64_t(ix0 + S * q) * d_src_stride, mask, acc[q]);
  }
}

// One class of input columns (ix = c, c + S, ...) of one row.
template <typename V, int K, int S, int KR, bool kMasked>
void backward_data_class(const ConvGeometry& g, int c, int r0, int kh_begin, int kh_end, int ty,
                         float* d_src_row, int64_t d_src_stride, const float* d_dst,
                         int64_t d_dst_stride, const float* weight, int64_t weight_stride,
                         typename V::Mask mask) {
  // KR + P + 1 registers; on 16 registers P = 7 for KR = 7 splits 14, 28, 56 evenly.
  constexpr int P = V::kRegisters == 16 ? (KR >= 7 ? 7 : 8) : (KR >= 7 ? 12 : 16);
  const int count = (g.in_w - c + S - 1) / S;  // class pixels ix = c + S * t, t < count
  // Interior t: window columns base(t) + [0, KR) inside [0, out_w), base(t) = t + b0.
  const int b0 = (c + g.pad_left - r0) / S - (KR - 1);
  Span cols;
  cols.lo = std::clamp(-b0, 0, count);
  cols.hi = std::clamp(g.out_w - KR - b0 + 1, cols.lo, count);
  for_column_blocks<P>(count, cols, [&](auto q, int t, bool checked) {
    constexpr int Q = decltype(q)::value;
    if (checked) {
      backward_data_block<V, K, S, KR, Q, kMasked, true>(g, c + S * t, r0, kh_begin, kh_end, ty,
                                                      d_src_row, d_src_stride, d_dst,
                                                      d_dst_stride, weight, weight_stride, mask);
    } else {
      backward_data_block<V, K, S, KR, Q, kMasked, false>(g, c + S * t, r0, kh_begin, kh_end, ty,
                                                       d_src_row, d_src_stride, d_dst,
                                                       d_dst_stride, weight, weight_stride, mask);
    }
  });
}

template <typename V, int K, int S, bool kMasked>
void backward_data_row(const ConvGeometry& g, int iy, float* d_src, int64_t d_src_stride,
                       const float* d_dst, int64_t d_dst_stride, const float* weight,
                       int64_t weight_stride, typename V::Mask mask) {
  const int ty = iy + g.pad_top;  // = oy * S + kh for the taps reading row iy
  // Kernel rows of matching parity with 0 <= oy < out_h.
  const int kh_end = std::min(K, ty + 1);
  int kh_begin = ty % S;
  while (kh_begin < kh_end && (ty - kh_begin) / S >= g.out_h) kh_begin += S;
  if (kh_begin >= kh_end) return;  // no tap reads this row: d_src unchanged
  float* d_src_row = d_src + int64_t(iy) * g.in_w * d_src_stride;
  for (int c = 0; c < S && c < g.in_w; ++c) {
    const int r0 = (c + g.pad_left) % S;
    if (r0 >= K) continue;
    const int kr = (K - r0 + S - 1) / S;
    if (kr == (K + S - 1) / S) {
      backward_data_class<V, K, S, (K + S - 1) / S, kMasked>(g, c, r0, kh_begin, kh_end, ty,
                                                          d_src_row, d_src_stride, d_dst,
                                                          d_dst_stride, weight, weight_stride,
                                                          mask);
    } else {
      static_assert(S <= 2, "other strides need more KR instantiations");
      backward_data_class<V, K, S, K / S, kMasked>(g, c, r0, kh_begin, kh_end, ty, d_src_row,
                                                d_src_stride, d_dst, d_dst_stride, weight,
                                                weight_stride, mask);
    }
  }
}

template <typename V, int K, int S>
void backward_data(const ConvGeometry& g, int channels, int row_begin, int row_end,
                   float* d_src, int64_t d_src_stride, const float* d_dst, int64_t d_dst_stride,
                   const float* weight, int64_t weight_stride) {
  TUNAS_DASSERT(g.kernel == K && g.stride == S);
  const int band =
      l1_row_band(int64_t(g.in_w) + g.out_w, std::max(d_src_stride, d_dst_stride));
  for_band_tiles<V>(row_begin, row_end, band, channels,
                    [&](int iy, int c, auto masked, typename V::Mask mask) {
                      backward_data_row<V, K, S, decltype(masked)::value>(
                          g, iy, d_src + c, d_src_stride, d_dst + c, d_dst_stride, weight + c,
                          weight_stride, mask);
                    });
}

}  // namespace
}  // namespace tunas::kernels::dwconv_simd

// Defines the .inc kernel `fn` as backward_data<V, K, S> in namespace tunas::kernels.
#define TUNAS_DWCONV_BACKWARD_DATA(V, K, S, fn)                                              \
  void fn(const ConvGeometry& g, int channels, int row_begin, int row_end, float* d_src,      \
          int64_t d_src_stride, const float* d_dst, int64_t d_dst_stride, const float* weight, \
          int64_t weight_stride) {                                                           \
    dwconv_simd::backward_data<V, K, S>(g, channels, row_begin, row_end, d_src, d_src_stride, \
                                        d_dst, d_dst_stride, weight, weight_stride);         \
  }
