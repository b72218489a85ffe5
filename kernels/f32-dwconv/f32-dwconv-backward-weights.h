// Backward-weights depthwise micro-kernels, generic over the vector type V
// (f32-dwconv-simd.h), defined by f32-dwconv-backward-weights-{avx2,avx512}.cc with
// TUNAS_DWCONV_BACKWARD_WEIGHTS. Per channel tile and group of R kernel rows, the R*K weight gradients stay in registers over every pixel
// of the row band and are added to d_weight once at the end. Columns go in blocks of P
// output pixels (then the remainder as one block): the d_dst vectors are loaded once and
// every src pixel of the block's window once (R*K + P + 1 <= V::kRegisters; R*K >= 5 independent FMA chains);
// blocks touching the padding skip the padded taps.
#pragma once

#include "kernels/f32-dwconv/f32-dwconv-simd.h"

namespace tunas::kernels::dwconv_simd {
namespace {

template <typename V, int K, int S, int R, int P, bool kMasked>
void backward_weights_tile(const ConvGeometry& g, int row_begin, int row_end, Span cols,
                           float* d_weight, int64_t d_weight_stride, const float* d_dst,
                           int64_t d_dst_stride, const float* src, int64_t src_stride,
                           typename V::Mask mask) {
  for (int kh0 = 0; kh0 < K; kh0 += R) {
    typename V::Reg acc[R][K];
    for (int r = 0; r < R; ++r) {
      for (int kw = 0; kw < K; ++kw) acc[r][kw] = V::zero();
    }
    for (int oy = row_begin; oy < row_end; ++oy) {
      const float* dd_row = d_dst + int64_t(oy) * g.out_w * d_dst_stride;
      const float* src_rows[R];
      bool valid[R];
      for (int r = 0; r < R; ++r) {
        const int iy = oy * S + kh0 + r - g.pad_top;
        valid[r] = kh0 + r < K && iy >= 0 && iy < g.in_h;
        src_rows[r] = src + int64_t(valid[r] ? iy : 0) * g.in_w * src_stride;
      }

      for_column_blocks<P>(g.out_w, cols, [&](auto q, int ox, bool checked) {
        constexpr int Q = decltype(q)::value;
        typename V::Reg d[Q];
        for (int p = 0; p < Q; ++p) {
          d[p] = V::template load<kMasked>(dd_row + int64_t(ox + p) * d_dst_stride, mask);
        }
        const int x0 = ox * S - g.pad_left;
        const int j_begin = -x0, j_end = g.in_w - x0;  // window positions inside the row
        for (int r = 0; r < R; ++r) {
          if (!valid[r]) continue;
          const float* x = src_rows[r] + int64_t(x0) * src_stride;
          constexpr int J = (Q - 1) * S + K;
#pragma GCC unroll 64
          for (int j = 0; j < J; ++j) {
            // Padding positions contribute d * 0 (a select keeps the loop unrolled).
            const typename V::Reg v = (!checked || (j >= j_begin && j < j_end))
                                          ? V::template load<kMasked>(x + j * src_stride, mask)
                                          : V::zero();
#pragma GCC unroll 16
            for (int p = 0; p < Q; ++p) {
              const int m = j - p * S;
              if (m >= 0 && m < K) acc[r][m] = V::fmadd(d[p], v, acc[r][m]);
            }
          }
        }
      });
    }
    for (int r = 0; r < R && kh0 + r < K; ++r) {
      for (int kw = 0; kw < K; ++kw) {
        float* dw = d_weight + int64_t((kh0 + r) * K + kw) * d_weight_stride;
        V::template store<kMasked>(dw, mask,
                                   V::add(V::template load<kMasked>(dw, mask), acc[r][kw]));
      }
    }
  }
}

template <typename V, int K, int S, int R, int P>
void backward_weights(const ConvGeometry& g, int channels, int row_begin, int row_end,
                      float* d_weight, int64_t d_weight_stride, const float* d_dst,
                      int64_t d_dst_stride, const float* src, int64_t src_stride) {
  TUNAS_DASSERT(g.kernel == K && g.stride == S);
  static_assert(R * K + P + 1 <= V::kRegisters, "register budget");
  const Span cols = interior_span(g.out_w, g.in_w, K, S, g.pad_left);
  for_channel_tiles<V>(channels, [&](int c, auto masked, typename V::Mask mask) {
    backward_weights_tile<V, K, S, R, P, decltype(masked)::value>(
        g, row_begin, row_end, cols, d_weight + c, d_weight_stride, d_dst + c, d_dst_stride,
        src + c, src_stride, mask);
  });
}

}  // namespace
}  // namespace tunas::kernels::dwconv_simd

// Defines the .inc kernel `fn` as backward_weights<V, K, S, R, P> in namespace tunas::kernels:
// R kernel rows per pass and P pixels per block.
#define TUNAS_DWCONV_BACKWARD_WEIGHTS(V, K, S, R, P, fn)                                     \
  void fn(const ConvGeometry& g, int channels, int row_begin, int row_end, float* d_weight,   \
          int64_t d_weight_stride, const float* d_dst, int64_t d_dst_stride, const float* src, \
          int64_t src_stride) {                                                              \
    dwconv_simd::backward_weights<V, K, S, R, P>(g, channels, row_begin, row_end, d_weight,  \
                                                 d_weight_stride, d_dst, d_dst_stride, src,  \
                                                 src_stride);                                \
  }
