#include "kernels/f32-conv/conv.h"

#include <algorithm>

#include "core/error.h"
#include "core/threads.h"

namespace tunas::kernels {

namespace {
constexpr int kOutBlock = 64;  // output channels accumulated on the stack at once
constexpr int kInBlock = 8;    // input channels per backward-weights cell

inline std::int64_t pixel_index(int n, int y, int x, int h, int w) {
  return (std::int64_t(n) * h + y) * w + x;
}
}  // namespace

void f32_conv_forward(const ConvGeometry& g, int channels_in, int channels_out, float* dst,
                      std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                      const float* weight, std::int64_t weight_cin_stride,
                      std::int64_t weight_tap_stride) {
  TUNAS_DASSERT(src_stride >= channels_in && dst_stride >= channels_out);
  parallel_for(std::int64_t(g.batch) * g.out_h, 1, [&](std::int64_t r0, std::int64_t r1) {
    float acc[kOutBlock];
    for (std::int64_t r = r0; r < r1; ++r) {
      const int n = int(r / g.out_h), oy = int(r % g.out_h);
      for (int ox = 0; ox < g.out_w; ++ox) {
        float* y = dst + pixel_index(n, oy, ox, g.out_h, g.out_w) * dst_stride;
        for (int o0 = 0; o0 < channels_out; o0 += kOutBlock) {
          const int no = std::min(kOutBlock, channels_out - o0);
          for (int o = 0; o < no; ++o) acc[o] = 0.f;
          for (int ky = 0; ky < g.kernel; ++ky) {
            const int iy = oy * g.stride - g.pad_top + ky;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int kx = 0; kx < g.kernel; ++kx) {
              const int ix = ox * g.stride - g.pad_left + kx;
              if (ix < 0 || ix >= g.in_w) continue;
              const float* x = src + pixel_index(n, iy, ix, g.in_h, g.in_w) * src_stride;
              const float* w_tap = weight + (ky * g.kernel + kx) * weight_tap_stride + o0;
              for (int i = 0; i < channels_in; ++i) {
                const float xi = x[i];
                const float* w = w_tap + i * weight_cin_stride;
                for (int o = 0; o < no; ++o) acc[o] += xi * w[o];
              }
            }
          }
          for (int o = 0; o < no; ++o) y[o0 + o] = acc[o];
        }
      }
    }
  });
}

void f32_conv_backward_data(const ConvGeometry& g, int channels_in, int channels_out,
                            float* d_src, std::int64_t d_src_stride, const float* d_dst,
                            std::int64_t d_dst_stride, const float* weight,
                            std::int64_t weight_cin_stride, std::int64_t weight_tap_stride) {
  TUNAS_DASSERT(d_src_stride >= channels_in && d_dst_stride >= channels_out);
  // Gather form: each input pixel sums the output pixels whose window covers it, so tasks
  // over input rows write disjoint d_src.
  parallel_for(std::int64_t(g.batch) * g.in_h, 1, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      const int n = int(r / g.in_h), iy = int(r % g.in_h);
      for (int ix = 0; ix < g.in_w; ++ix) {
        float* dx = d_src + pixel_index(n, iy, ix, g.in_h, g.in_w) * d_src_stride;
        for (int i = 0; i < channels_in; ++i) {
          float sum = 0.f;
          for (int ky = 0; ky < g.kernel; ++ky) {
            const int ty = iy + g.pad_top - ky;  // = oy * stride
            if (ty < 0 || ty % g.stride != 0 || ty / g.stride >= g.out_h) continue;
            for (int kx = 0; kx < g.kernel; ++kx) {
              const int tx = ix + g.pad_left - kx;
              if (tx < 0 || tx % g.stride != 0 || tx / g.stride >= g.out_w) continue;
              const float* dy = d_dst + pixel_index(n, ty / g.stride, tx / g.stride, g.out_h, g.out_w) *
                                            d_dst_stride;
              const float* w = weight + (ky * g.kernel + kx) * weight_tap_stride + i * weight_cin_stride;
              for (int o = 0; o < channels_out; ++o) sum += dy[o] * w[o];
            }
          }
          dx[i] += sum;
        }
      }
    }
  });
}

void f32_conv_backward_weights(const ConvGeometry& g, int channels_in, int channels_out,
                               float* d_weight, std::int64_t d_weight_cin_stride,
                               std::int64_t d_weight_tap_stride, const float* d_dst,
                               std::int64_t d_dst_stride, const float* src,
                               std::int64_t src_stride) {
  TUNAS_DASSERT(src_stride >= channels_in && d_dst_stride >= channels_out);
  // One cell = (tap, block of <= 8 input channels, block of <= 64 output channels); it sums
  // over every output pixel in order into a stack tile, then adds the tile to d_weight.
  const int taps = g.kernel * g.kernel;
  const int in_blocks = (channels_in + kInBlock - 1) / kInBlock;
  const int out_blocks = (channels_out + kOutBlock - 1) / kOutBlock;
  parallel_for(std::int64_t(taps) * in_blocks * out_blocks, 1, [&](std::int64_t c0, std::int64_t c1) {
    float acc[kInBlock][kOutBlock];
    for (std::int64_t cell = c0; cell < c1; ++cell) {
      const int tap = int(cell / (std::int64_t(in_blocks) * out_blocks));
      const int rest = int(cell % (std::int64_t(in_blocks) * out_blocks));
      const int i0 = (rest / out_blocks) * kInBlock, o0 = (rest % out_blocks) * kOutBlock;
      const int ni = std::min(kInBlock, channels_in - i0), no = std::min(kOutBlock, channels_out - o0);
      const int ky = tap / g.kernel, kx = tap % g.kernel;
      for (int i = 0; i < ni; ++i) {
        for (int o = 0; o < no; ++o) acc[i][o] = 0.f;
      }
      for (int n = 0; n < g.batch; ++n) {
        for (int oy = 0; oy < g.out_h; ++oy) {
          const int iy = oy * g.stride - g.pad_top + ky;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int ox = 0; ox < g.out_w; ++ox) {
            const int ix = ox * g.stride - g.pad_left + kx;
            if (ix < 0 || ix >= g.in_w) continue;
            const float* x = src + pixel_index(n, iy, ix, g.in_h, g.in_w) * src_stride + i0;
            const float* dy = d_dst + pixel_index(n, oy, ox, g.out_h, g.out_w) * d_dst_stride + o0;
            for (int i = 0; i < ni; ++i) {
              const float xi = x[i];
              for (int o = 0; o < no; ++o) acc[i][o] += xi * dy[o];
            }
          }
        }
      }
      float* dw = d_weight + tap * d_weight_tap_stride + i0 * d_weight_cin_stride + o0;
      for (int i = 0; i < ni; ++i) {
        for (int o = 0; o < no; ++o) dw[i * d_weight_cin_stride + o] += acc[i][o];
      }
    }
  });
}

}  // namespace tunas::kernels
