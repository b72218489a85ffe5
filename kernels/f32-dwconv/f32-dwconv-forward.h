// AVX2+FMA forward depthwise micro-kernels (f32-dwconv.inc). Per output row and 8-channel
// tile, columns go in blocks of P pixels (then 4, 2, 1) that load every input pixel of a
// kernel row once and keep the K weights of that row in registers (K + P + 1 <= 16 ymm);
// blocks touching the left/right padding skip the padded taps.
#include "kernels/f32-dwconv/f32-dwconv-avx2-common.h"

namespace tunas::kernels {
namespace {
using namespace dwconv_avx2;

template <int K, int S, int Q, bool kMasked, bool kChecked>
void forward_block(const ConvGeometry& g, int ox, int kh_begin, int kh_end, int y0,
                   float* dst_row, int64_t dst_stride, const float* src, int64_t src_stride,
                   const float* weight, int64_t weight_stride, __m256i mask) {
  const int x0 = ox * S - g.pad_left;
  __m256 acc[Q];
  for (int q = 0; q < Q; ++q) acc[q] = _mm256_setzero_ps();
  for (int kh = kh_begin; kh < kh_end; ++kh) {
    __m256 w[K];
    for (int m = 0; m < K; ++m) {
      w[m] = load<kMasked>(weight + int64_t(kh * K + m) * weight_stride, mask);
    }
    const float* x = src + (int64_t(y0 + kh) * g.in_w + x0) * src_stride;
    window_block<K, S, Q, kMasked, kChecked>(acc, x, src_stride, w, mask, -x0, g.in_w - x0);
  }
  for (int q = 0; q < Q; ++q) store<kMasked>(dst_row + int64_t(ox + q) * dst_stride, mask, acc[q]);
}

template <int K, int S, bool kMasked>
void forward_row(const ConvGeometry& g, int oy, Span cols, float* dst, int64_t dst_stride,
                 const float* src, int64_t src_stride, const float* weight,
                 int64_t weight_stride, __m256i mask) {
  constexpr int P = K == 7 ? 6 : 8;
  const int y0 = oy * S - g.pad_top;
  const int kh_begin = std::max(0, -y0);
  const int kh_end = std::min(K, g.in_h - y0);
  float* dst_row = dst + int64_t(oy) * g.out_w * dst_stride;
  for_column_blocks<P>(g.out_w, cols, [&](auto q, int ox, bool checked) {
    constexpr int Q = decltype(q)::value;
    if (checked) {
      forward_block<K, S, Q, kMasked, true>(g, ox, kh_begin, kh_end, y0, dst_row, dst_stride,
                                            src, src_stride, weight, weight_stride, mask);
    } else {
      forward_block<K, S, Q, kMasked, false>(g, ox, kh_begin, kh_end, y0, dst_row, dst_stride,
                                             src, src_stride, weight, weight_stride, mask);
    }
  });
}

template <int K, int S>
void forward(const ConvGeometry& g, int channels, int row_begin, int row_end, float* dst,
             int64_t dst_stride, const float* src, int64_t src_stride, const float* weight,
             int64_t weight_stride) {
  TUNAS_DASSERT(g.kernel == K && g.stride == S);
  const Span cols = interior_span(g.out_w, g.in_w, K, S, g.pad_left);
  const __m256i full = _mm256_set1_epi32(-1);
  const __m256i tail = tail_mask(channels % kTile);
  const int full_channels = channels - channels % kTile;
  for (int oy = row_begin; oy < row_end; ++oy) {
    for (int c = 0; c < full_channels; c += kTile) {
      forward_row<K, S, false>(g, oy, cols, dst + c, dst_stride, src + c, src_stride,
                               weight + c, weight_stride, full);
    }
    if (full_channels < channels) {
      forward_row<K, S, true>(g, oy, cols, dst + full_channels, dst_stride,
                              src + full_channels, src_stride, weight + full_channels,
                              weight_stride, tail);
    }
  }
}

}  // namespace

#define TUNAS_DWCONV_FORWARD_AVX2(K, S, fn)                                                  \
  void fn(const ConvGeometry& g, int channels, int row_begin, int row_end, float* dst,       \
          int64_t dst_stride, const float* src, int64_t src_stride, const float* weight,     \
          int64_t weight_stride) {                                                           \
    forward<K, S>(g, channels, row_begin, row_end, dst, dst_stride, src, src_stride, weight, \
                  weight_stride);                                                            \
  }
TUNAS_DWCONV_FORWARD_AVX2(3, 1, f32_dwconv_forward_ukernel_3x3s1_8c_avx2)
TUNAS_DWCONV_FORWARD_AVX2(3, 2, f32_dwconv_forward_ukernel_3x3s2_8c_avx2)
TUNAS_DWCONV_FORWARD_AVX2(5, 1, f32_dwconv_forward_ukernel_5x5s1_8c_avx2)
TUNAS_DWCONV_FORWARD_AVX2(5, 2, f32_dwconv_forward_ukernel_5x5s2_8c_avx2)
TUNAS_DWCONV_FORWARD_AVX2(7, 1, f32_dwconv_forward_ukernel_7x7s1_8c_avx2)
TUNAS_DWCONV_FORWARD_AVX2(7, 2, f32_dwconv_forward_ukernel_7x7s2_8c_avx2)
#undef TUNAS_DWCONV_FORWARD_AVX2

}  // namespace tunas::kernels
