// AVX2+FMA backward-data depthwise micro-kernels (f32-dwconv.inc). Gather form: every
// input pixel sums the taps that read it, so each d_src element is written by one call.
// Stride 1 is a correlation of d_dst with the flipped kernel: interior columns use the
// forward's register-blocked window. Other strides (and borders) go one pixel at a time
// over the taps of matching parity.
#include "kernels/f32-dwconv/f32-dwconv-avx2-common.h"

namespace tunas::kernels {
namespace {
using namespace dwconv_avx2;

template <int K, int S, bool kMasked>
void backward_data_row(const ConvGeometry& g, int iy, Span cols, float* d_src,
                       int64_t d_src_stride, const float* d_dst, int64_t d_dst_stride,
                       const float* weight, int64_t weight_stride, __m256i mask) {
  constexpr int P = K == 7 ? 6 : 8;
  const int ty = iy + g.pad_top;  // = oy * S + kh for the taps reading row iy
  // Kernel rows of matching parity with 0 <= oy < out_h.
  const int kh_first = ty % S;
  const int kh_end = std::min(K, ty + 1);
  int kh_begin = kh_first;
  while (kh_begin < kh_end && (ty - kh_begin) / S >= g.out_h) kh_begin += S;
  float* d_src_row = d_src + int64_t(iy) * g.in_w * d_src_stride;

  auto pixel = [&](int ix) {
    float* ds = d_src_row + int64_t(ix) * d_src_stride;
    const int tx = ix + g.pad_left;
    __m256 acc = load<kMasked>(ds, mask);
    for (int kh = kh_begin; kh < kh_end; kh += S) {
      const float* dd = d_dst + int64_t((ty - kh) / S) * g.out_w * d_dst_stride;
      for (int kw = tx % S; kw < std::min(K, tx + 1); kw += S) {
        const int ox = (tx - kw) / S;
        if (ox >= g.out_w) continue;
        acc = _mm256_fmadd_ps(load<kMasked>(dd + int64_t(ox) * d_dst_stride, mask),
                              load<kMasked>(weight + int64_t(kh * K + kw) * weight_stride, mask),
                              acc);
      }
    }
    store<kMasked>(ds, mask, acc);
  };

  int ix = 0;
  if constexpr (S == 1) {
    for (; ix < cols.lo; ++ix) pixel(ix);
    for (; ix + P <= cols.hi; ix += P) {
      __m256 acc[P];
      for (int p = 0; p < P; ++p) {
        acc[p] = load<kMasked>(d_src_row + int64_t(ix + p) * d_src_stride, mask);
      }
      for (int kh = kh_begin; kh < kh_end; ++kh) {
        __m256 w[K];  // flipped: d_src[ix] += d_dst[ix + pad_left - kw] * w[kw]
        for (int m = 0; m < K; ++m) {
          w[m] = load<kMasked>(weight + int64_t(kh * K + K - 1 - m) * weight_stride, mask);
        }
        const float* x =
            d_dst + (int64_t(ty - kh) * g.out_w + (ix + g.pad_left - (K - 1))) * d_dst_stride;
        window_block<K, 1, P, kMasked>(acc, x, d_dst_stride, w, mask);
      }
      for (int p = 0; p < P; ++p) {
        store<kMasked>(d_src_row + int64_t(ix + p) * d_src_stride, mask, acc[p]);
      }
    }
  }
  for (; ix < g.in_w; ++ix) pixel(ix);
}

template <int K, int S>
void backward_data(const ConvGeometry& g, int channels, int row_begin, int row_end,
                   float* d_src, int64_t d_src_stride, const float* d_dst, int64_t d_dst_stride,
                   const float* weight, int64_t weight_stride) {
  TUNAS_DASSERT(g.kernel == K && g.stride == S);
  // Interior input columns (stride 1): all K taps ix + pad_left - kw inside [0, out_w).
  const Span cols = interior_span(g.in_w, g.out_w, K, 1, K - 1 - g.pad_left);
  const __m256i full = _mm256_set1_epi32(-1);
  const __m256i tail = tail_mask(channels % kTile);
  const int full_channels = channels - channels % kTile;
  for (int iy = row_begin; iy < row_end; ++iy) {
    for (int c = 0; c < full_channels; c += kTile) {
      backward_data_row<K, S, false>(g, iy, cols, d_src + c, d_src_stride, d_dst + c,
                                     d_dst_stride, weight + c, weight_stride, full);
    }
    if (full_channels < channels) {
      backward_data_row<K, S, true>(g, iy, cols, d_src + full_channels, d_src_stride,
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
