// AVX2+FMA backward-data depthwise micro-kernels (f32-dwconv.inc). Gather form: every
// input pixel sums the taps that read it, so each d_src element is written by one call.
//
// Input columns are split into S classes ix = c (mod S). Within a class the taps that read
// ix are kw = r0 + S*i (r0 = (c + pad_left) mod S, i < KR) at output column
// ox = (ix + pad_left - kw) / S, so for the class pixels ix0 + S*p this is a stride-1
// correlation of d_dst with the KR flipped taps w[kh][r0 + S*(KR-1-m)] (m < KR):
// d_src[ix0 + S*p] += sum_m d_dst[base + p + m] * w'[m]. The forward's register-blocked
// window runs it; blocks touching the border skip taps outside [0, out_w).
#include "kernels/f32-dwconv/f32-dwconv-avx2-common.h"

namespace tunas::kernels {
namespace {
using namespace dwconv_avx2;

template <int K, int S, int KR, int Q, bool kMasked, bool kChecked>
void backward_data_block(const ConvGeometry& g, int ix0, int r0, int kh_begin, int kh_end,
                         int ty, float* d_src_row, int64_t d_src_stride, const float* d_dst,
                         int64_t d_dst_stride, const float* weight, int64_t weight_stride,
                         __m256i mask) {
  const int base = (ix0 + g.pad_left - r0) / S - (KR - 1);  // d_dst column of window j = 0
  __m256 acc[Q];
  for (int q = 0; q < Q; ++q) {
    acc[q] = load<kMasked>(d_src_row + int64_t(ix0 + S * q) * d_src_stride, mask);
  }
  for (int kh = kh_begin; kh < kh_end; kh += S) {
    __m256 w[KR];
    for (int m = 0; m < KR; ++m) {
      w[m] = load<kMasked>(weight + int64_t(kh * K + r0 + S * (KR - 1 - m)) * weight_stride,
                           mask);
    }
    const float* x = d_dst + (int64_t((ty - kh) / S) * g.out_w + base) * d_dst_stride;
    window_block<KR, 1, Q, kMasked, kChecked>(acc, x, d_dst_stride, w, mask, -base,
                                              g.out_w - base);
  }
  for (int q = 0; q < Q; ++q) {
    store<kMasked>(d_src_row + int64_t(ix0 + S * q) * d_src_stride, mask, acc[q]);
  }
}

// One class of input columns (ix = c, c + S, ...) of one row.
template <int K, int S, int KR, bool kMasked>
void backward_data_class(const ConvGeometry& g, int c, int r0, int kh_begin, int kh_end, int ty,
                         float* d_src_row, int64_t d_src_stride, const float* d_dst,
                         int64_t d_dst_stride, const float* weight, int64_t weight_stride,
                         __m256i mask) {
  constexpr int P = KR >= 7 ? 6 : 8;
  const int count = (g.in_w - c + S - 1) / S;  // class pixels ix = c + S * t, t < count
  // Interior t: window columns base(t) + [0, KR) inside [0, out_w), base(t) = t + b0.
  const int b0 = (c + g.pad_left - r0) / S - (KR - 1);
  Span cols;
  cols.lo = std::clamp(-b0, 0, count);
  cols.hi = std::clamp(g.out_w - KR - b0 + 1, cols.lo, count);
  for_column_blocks<P>(count, cols, [&](auto q, int t, bool checked) {
    constexpr int Q = decltype(q)::value;
    if (checked) {
      backward_data_block<K, S, KR, Q, kMasked, true>(g, c + S * t, r0, kh_begin, kh_end, ty,
                                                      d_src_row, d_src_stride, d_dst,
                                                      d_dst_stride, weight, weight_stride, mask);
    } else {
      backward_data_block<K, S, KR, Q, kMasked, false>(g, c + S * t, r0, kh_begin, kh_end, ty,
                                                       d_src_row, d_src_stride, d_dst,
                                                       d_dst_stride, weight, weight_stride, mask);
    }
  });
}

template <int K, int S, bool kMasked>
void backward_data_row(const ConvGeometry& g, int iy, float* d_src, int64_t d_src_stride,
                       const float* d_dst, int64_t d_dst_stride, const float* weight,
                       int64_t weight_stride, __m256i mask) {
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
      backward_data_class<K, S, (K + S - 1) / S, kMasked>(g, c, r0, kh_begin, kh_end, ty,
                                                          d_src_row, d_src_stride, d_dst,
                                                          d_dst_stride, weight, weight_stride,
                                                          mask);
    } else {
      static_assert(S <= 2, "other strides need more KR instantiations");
      backward_data_class<K, S, K / S, kMasked>(g, c, r0, kh_begin, kh_end, ty, d_src_row,
                                                d_src_stride, d_dst, d_dst_stride, weight,
                                                weight_stride, mask);
    }
  }
}

template <int K, int S>
void backward_data(const ConvGeometry& g, int channels, int row_begin, int row_end,
                   float* d_src, int64_t d_src_stride, const float* d_dst, int64_t d_dst_stride,
                   const float* weight, int64_t weight_stride) {
  TUNAS_DASSERT(g.kernel == K && g.stride == S);
  const __m256i full = _mm256_set1_epi32(-1);
  const __m256i tail = tail_mask(channels % kTile);
  const int full_channels = channels - channels % kTile;
  for (int iy = row_begin; iy < row_end; ++iy) {
    for (int c = 0; c < full_channels; c += kTile) {
      backward_data_row<K, S, false>(g, iy, d_src + c, d_src_stride, d_dst + c, d_dst_stride,
                                     weight + c, weight_stride, full);
    }
    if (full_channels < channels) {
      backward_data_row<K, S, true>(g, iy, d_src + full_channels, d_src_stride,
                                    d_dst + full_channels, d_dst_stride,
                                    weight + full_channels, weight_stride, tail);
    }
  }
}

}  // namespace

#define TUNAS_DWCONV_BACKWARD_DATA_AVX2(K, S, fn)                                            \
  void fn(const ConvGeometry& g, int channels, int row_begin, int row_end, float* d_src,      \
          int64_t d_src_stride, const float* d_dst, int64_t d_dst_stride, const float* weight, \
          int64_t weight_stride) {                                                           \
    backward_data<K, S>(g, channels, row_begin, row_end, d_src, d_src_stride, d_dst,         \
                        d_dst_stride, weight, weight_stride);                                \
  }
TUNAS_DWCONV_BACKWARD_DATA_AVX2(3, 1, f32_dwconv_backward_data_ukernel_3x3s1_8c_avx2)
TUNAS_DWCONV_BACKWARD_DATA_AVX2(3, 2, f32_dwconv_backward_data_ukernel_3x3s2_8c_avx2)
TUNAS_DWCONV_BACKWARD_DATA_AVX2(5, 1, f32_dwconv_backward_data_ukernel_5x5s1_8c_avx2)
TUNAS_DWCONV_BACKWARD_DATA_AVX2(5, 2, f32_dwconv_backward_data_ukernel_5x5s2_8c_avx2)
TUNAS_DWCONV_BACKWARD_DATA_AVX2(7, 1, f32_dwconv_backward_data_ukernel_7x7s1_8c_avx2)
TUNAS_DWCONV_BACKWARD_DATA_AVX2(7, 2, f32_dwconv_backward_data_ukernel_7x7s2_8c_avx2)
#undef TUNAS_DWCONV_BACKWARD_DATA_AVX2

}  // namespace tunas::kernels
