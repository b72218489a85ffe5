// AVX2+FMA backward-weights depthwise micro-kernels (f32-dwconv.inc). Per 8-channel tile
// and group of R kernel rows, the R*K weight gradients stay in registers over every pixel
// of the row band and are added to d_weight once at the end. Columns go in blocks of P
// output pixels (then 4, 2, 1): the d_dst vectors are loaded once and every src pixel of the
// block's window once (R*K + P + 1 <= 16 ymm registers; R*K >= 5 independent FMA chains);
// blocks touching the padding skip the padded taps.
#include "kernels/f32-dwconv/f32-dwconv-avx2-common.h"

namespace tunas::kernels {
namespace {
using namespace dwconv_avx2;

template <int K, int S, int R, int P, bool kMasked>
void backward_weights_tile(const ConvGeometry& g, int row_begin, int row_end, Span cols,
                           float* d_weight, int64_t d_weight_stride, const float* d_dst,
                           int64_t d_dst_stride, const float* src, int64_t src_stride,
                           __m256i mask) {
  for (int kh0 = 0; kh0 < K; kh0 += R) {
    __m256 acc[R][K];
    for (int r = 0; r < R; ++r) {
      for (int kw = 0; kw < K; ++kw) acc[r][kw] = _mm256_setzero_ps();
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
        __m256 d[Q];
        for (int p = 0; p < Q; ++p) {
          d[p] = load<kMasked>(dd_row + int64_t(ox + p) * d_dst_stride, mask);
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
            const __m256 v = (!checked || (j >= j_begin && j < j_end))
                                 ? load<kMasked>(x + j * src_stride, mask)
                                 : _mm256_setzero_ps();
#pragma GCC unroll 16
            for (int p = 0; p < Q; ++p) {
              const int m = j - p * S;
              if (m >= 0 && m < K) acc[r][m] = _mm256_fmadd_ps(d[p], v, acc[r][m]);
            }
          }
        }
      });
    }
    for (int r = 0; r < R && kh0 + r < K; ++r) {
      for (int kw = 0; kw < K; ++kw) {
        float* dw = d_weight + int64_t((kh0 + r) * K + kw) * d_weight_stride;
        store<kMasked>(dw, mask, _mm256_add_ps(load<kMasked>(dw, mask), acc[r][kw]));
      }
    }
  }
}

template <int K, int S, int R, int P>
void backward_weights(const ConvGeometry& g, int channels, int row_begin, int row_end,
                      float* d_weight, int64_t d_weight_stride, const float* d_dst,
                      int64_t d_dst_stride, const float* src, int64_t src_stride) {
  TUNAS_DASSERT(g.kernel == K && g.stride == S);
  static_assert(R * K + P + 1 <= 16, "register budget");
  const Span cols = interior_span(g.out_w, g.in_w, K, S, g.pad_left);
  const __m256i full = _mm256_set1_epi32(-1);
  const __m256i tail = tail_mask(channels % kTile);
  const int full_channels = channels - channels % kTile;
  for (int c = 0; c < full_channels; c += kTile) {
    backward_weights_tile<K, S, R, P, false>(g, row_begin, row_end, cols, d_weight + c,
                                             d_weight_stride, d_dst + c, d_dst_stride, src + c,
                                             src_stride, full);
  }
  if (full_channels < channels) {
    backward_weights_tile<K, S, R, P, true>(
        g, row_begin, row_end, cols, d_weight + full_channels, d_weight_stride,
        d_dst + full_channels, d_dst_stride, src + full_channels, src_stride, tail);
  }
}

}  // namespace

// R kernel rows per pass and P pixels per block, chosen by measurement (benchmarks/RESULTS.md).
#define TUNAS_DWCONV_BACKWARD_WEIGHTS_AVX2(K, S, R, P, fn)                                   \
  void fn(const ConvGeometry& g, int channels, int row_begin, int row_end, float* d_weight,   \
          int64_t d_weight_stride, const float* d_dst, int64_t d_dst_stride, const float* src, \
          int64_t src_stride) {                                                              \
    backward_weights<K, S, R, P>(g, channels, row_begin, row_end, d_weight, d_weight_stride, \
                                 d_dst, d_dst_stride, src, src_stride);                      \
  }
TUNAS_DWCONV_BACKWARD_WEIGHTS_AVX2(3, 1, 3, 4, f32_dwconv_backward_weights_ukernel_3x3s1_8c_avx2)
TUNAS_DWCONV_BACKWARD_WEIGHTS_AVX2(3, 2, 3, 4, f32_dwconv_backward_weights_ukernel_3x3s2_8c_avx2)
TUNAS_DWCONV_BACKWARD_WEIGHTS_AVX2(5, 1, 2, 4, f32_dwconv_backward_weights_ukernel_5x5s1_8c_avx2)
TUNAS_DWCONV_BACKWARD_WEIGHTS_AVX2(5, 2, 2, 4, f32_dwconv_backward_weights_ukernel_5x5s2_8c_avx2)
TUNAS_DWCONV_BACKWARD_WEIGHTS_AVX2(7, 1, 1, 6, f32_dwconv_backward_weights_ukernel_7x7s1_8c_avx2)
TUNAS_DWCONV_BACKWARD_WEIGHTS_AVX2(7, 2, 1, 6, f32_dwconv_backward_weights_ukernel_7x7s2_8c_avx2)
#undef TUNAS_DWCONV_BACKWARD_WEIGHTS_AVX2

}  // namespace tunas::kernels
