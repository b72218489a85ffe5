// Scalar reference micro-kernels: any k and stride. Always built, always allowed; the
// fallback of last resort (STYLE.md G7). Plain loops, one channel at a time.
#include "kernels/f32-dwconv/dwconv.h"

namespace tunas::kernels {

// dst is (out_h, out_w, C), src (in_h, in_w, C), weight (k, k, C); one image.
void f32_dwconv_forward_ukernel_kxk_1c_scalar(const ConvGeometry& g, int channels,
                                              int row_begin, int row_end, float* dst,
                                              int64_t dst_stride, const float* src,
                                              int64_t src_stride, const float* weight,
                                              int64_t weight_stride) {
  const int k = g.kernel;
  for (int oy = row_begin; oy < row_end; ++oy) {
    for (int ox = 0; ox < g.out_w; ++ox) {
      float* d = dst + (int64_t(oy) * g.out_w + ox) * dst_stride;
      for (int c = 0; c < channels; ++c) d[c] = 0.f;
      for (int kh = 0; kh < k; ++kh) {
        const int iy = oy * g.stride + kh - g.pad_top;
        if (iy < 0 || iy >= g.in_h) continue;
        for (int kw = 0; kw < k; ++kw) {
          const int ix = ox * g.stride + kw - g.pad_left;
          if (ix < 0 || ix >= g.in_w) continue;
          const float* s = src + (int64_t(iy) * g.in_w + ix) * src_stride;
          const float* w = weight + int64_t(kh * k + kw) * weight_stride;
          for (int c = 0; c < channels; ++c) d[c] += s[c] * w[c];
        }
      }
    }
  }
}

// d_src is (in_h, in_w, C), d_dst (out_h, out_w, C); one image. Gathers, for every input
// pixel, the taps (kh, kw) with iy + pad_top - kh = oy * stride.
void f32_dwconv_backward_data_ukernel_kxk_1c_scalar(const ConvGeometry& g, int channels,
                                                    int row_begin, int row_end, float* d_src,
                                                    int64_t d_src_stride, const float* d_dst,
                                                    int64_t d_dst_stride, const float* weight,
                                                    int64_t weight_stride) {
  const int k = g.kernel;
  for (int iy = row_begin; iy < row_end; ++iy) {
    for (int ix = 0; ix < g.in_w; ++ix) {
      float* ds = d_src + (int64_t(iy) * g.in_w + ix) * d_src_stride;
      for (int kh = 0; kh < k; ++kh) {
        const int ty = iy + g.pad_top - kh;
        if (ty < 0 || ty % g.stride != 0 || ty / g.stride >= g.out_h) continue;
        const int oy = ty / g.stride;
        for (int kw = 0; kw < k; ++kw) {
          const int tx = ix + g.pad_left - kw;
          if (tx < 0 || tx % g.stride != 0 || tx / g.stride >= g.out_w) continue;
          const int ox = tx / g.stride;
          const float* dd = d_dst + (int64_t(oy) * g.out_w + ox) * d_dst_stride;
          const float* w = weight + int64_t(kh * k + kw) * weight_stride;
          for (int c = 0; c < channels; ++c) ds[c] += dd[c] * w[c];
        }
      }
    }
  }
}

// d_weight is (k, k, C); one image, output rows [row_begin, row_end).
void f32_dwconv_backward_weights_ukernel_kxk_1c_scalar(const ConvGeometry& g, int channels,
                                                       int row_begin, int row_end,
                                                       float* d_weight, int64_t d_weight_stride,
                                                       const float* d_dst, int64_t d_dst_stride,
                                                       const float* src, int64_t src_stride) {
  const int k = g.kernel;
  for (int kh = 0; kh < k; ++kh) {
    for (int kw = 0; kw < k; ++kw) {
      float* dw = d_weight + int64_t(kh * k + kw) * d_weight_stride;
      for (int oy = row_begin; oy < row_end; ++oy) {
        const int iy = oy * g.stride + kh - g.pad_top;
        if (iy < 0 || iy >= g.in_h) continue;
        for (int ox = 0; ox < g.out_w; ++ox) {
          const int ix = ox * g.stride + kw - g.pad_left;
          if (ix < 0 || ix >= g.in_w) continue;
          const float* dd = d_dst + (int64_t(oy) * g.out_w + ox) * d_dst_stride;
          const float* s = src + (int64_t(iy) * g.in_w + ix) * src_stride;
          for (int c = 0; c < channels; ++c) dw[c] += dd[c] * s[c];
        }
      }
    }
  }
}

}  // namespace tunas::kernels
