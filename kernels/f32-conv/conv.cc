// Full k x k convolution: dispatch, partitioning, the scalar micro-kernels and backward-data
// (see conv.h; the vector micro-kernels are in conv-simd.h).
#include "kernels/f32-conv/conv.h"

#include <algorithm>
#include <type_traits>

#include "core/error.h"
#include "core/threads.h"
#include "kernels/config.h"

namespace tunas::kernels {

using conv_detail::pixel_index;

void f32_conv_forward_rows_scalar(const ConvArgs& a, std::int64_t r0, std::int64_t r1) {
  const ConvGeometry& g = a.g;
  constexpr int kOutBlock = 64;  // output channels accumulated on the stack at once
  float acc[kOutBlock];
  for (std::int64_t r = r0; r < r1; ++r) {
    const int n = int(r / g.out_h), oy = int(r % g.out_h);
    for (int ox = 0; ox < g.out_w; ++ox) {
      float* y = a.out + pixel_index(n, oy, ox, g.out_h, g.out_w) * a.out_stride;
      for (int o0 = 0; o0 < a.channels_out; o0 += kOutBlock) {
        const int no = std::min(kOutBlock, a.channels_out - o0);
        for (int o = 0; o < no; ++o) acc[o] = 0.f;
        for (int ky = 0; ky < g.kernel; ++ky) {
          const int iy = oy * g.stride - g.pad_top + ky;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int kx = 0; kx < g.kernel; ++kx) {
            const int ix = ox * g.stride - g.pad_left + kx;
            if (ix < 0 || ix >= g.in_w) continue;
            const float* x = a.src + pixel_index(n, iy, ix, g.in_h, g.in_w) * a.src_stride;
            const float* w_tap = a.weight_or_d_dst + (ky * g.kernel + kx) * a.stride_b + o0;
            for (int i = 0; i < a.channels_in; ++i) {
              const float xi = x[i];
              const float* w = w_tap + i * a.stride_a;
              for (int o = 0; o < no; ++o) acc[o] += xi * w[o];
            }
          }
        }
        for (int o = 0; o < no; ++o) y[o0 + o] = acc[o];
      }
    }
  }
}

void f32_conv_backward_weights_cells_scalar(const ConvArgs& a, std::int64_t c0, std::int64_t c1) {
  const ConvGeometry& g = a.g;
  const int in_blocks = (a.channels_in + kConvInBlock - 1) / kConvInBlock;
  const int out_blocks = (a.channels_out + kConvOutBlock - 1) / kConvOutBlock;
  float acc[kConvInBlock][kConvOutBlock];
  for (std::int64_t cell = c0; cell < c1; ++cell) {
    const int tap = int(cell / (std::int64_t(in_blocks) * out_blocks));
    const int rest = int(cell % (std::int64_t(in_blocks) * out_blocks));
    const int i0 = (rest / out_blocks) * kConvInBlock, o0 = (rest % out_blocks) * kConvOutBlock;
    const int ni = std::min(kConvInBlock, a.channels_in - i0);
    const int no = std::min(kConvOutBlock, a.channels_out - o0);
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
          const float* x = a.src + pixel_index(n, iy, ix, g.in_h, g.in_w) * a.src_stride + i0;
          const float* dy =
              a.weight_or_d_dst + pixel_index(n, oy, ox, g.out_h, g.out_w) * a.stride_a + o0;
          for (int i = 0; i < ni; ++i) {
            const float xi = x[i];
            for (int o = 0; o < no; ++o) acc[i][o] += xi * dy[o];
          }
        }
      }
    }
    float* dw = a.out + tap * a.out_tap_stride + i0 * a.out_stride + o0;
    for (int i = 0; i < ni; ++i) {
      for (int o = 0; o < no; ++o) dw[i * a.out_stride + o] += acc[i][o];
    }
  }
}

namespace {

using UkernelFn = void(const ConvArgs&, std::int64_t, std::int64_t);

// The dispatch table (kernels/config.h): forward rows and backward-weights cells.
struct ConvTable {
  static constexpr const char* kFamily = "f32-conv";
  UkernelSlot<UkernelFn> forward_rows{"forward_rows"};
  UkernelSlot<UkernelFn> backward_weights_cells{"backward_weights_cells"};
  auto slots() const { return std::tie(forward_rows, backward_weights_cells); }
  void fill(Isa cap) {
#define TUNAS_CONV_UKERNEL(isa, pass, fn) pass.offer(Isa::isa, cap, fn, #fn);
#include "kernels/f32-conv/f32-conv.inc"
#undef TUNAS_CONV_UKERNEL
  }
};

const ConvTable& table(Isa cap) { return ukernel_table<ConvTable>(cap); }

}  // namespace

void f32_conv_forward(Isa cap, const ConvGeometry& g, int channels_in, int channels_out,
                      float* dst, std::int64_t dst_stride, const float* src,
                      std::int64_t src_stride, const float* weight,
                      std::int64_t weight_cin_stride, std::int64_t weight_tap_stride) {
  TUNAS_DASSERT(src_stride >= channels_in && dst_stride >= channels_out);
  const ConvArgs args{g,   channels_in, channels_out, dst,    dst_stride,       0,
                      src, src_stride,  weight,       weight_cin_stride, weight_tap_stride};
  const auto& rows = table(cap).forward_rows;
  parallel_for(std::int64_t(g.batch) * g.out_h, 1,
               [&](std::int64_t r0, std::int64_t r1) { rows(args, r0, r1); });
}

void f32_conv_forward(const ConvGeometry& g, int channels_in, int channels_out, float* dst,
                      std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                      const float* weight, std::int64_t weight_cin_stride,
                      std::int64_t weight_tap_stride) {
  f32_conv_forward(kernel_isa(), g, channels_in, channels_out, dst, dst_stride, src, src_stride,
                   weight, weight_cin_stride, weight_tap_stride);
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

void f32_conv_backward_weights(Isa cap, const ConvGeometry& g, int channels_in,
                               int channels_out, float* d_weight,
                               std::int64_t d_weight_cin_stride, std::int64_t d_weight_tap_stride,
                               const float* d_dst, std::int64_t d_dst_stride, const float* src,
                               std::int64_t src_stride) {
  TUNAS_DASSERT(src_stride >= channels_in && d_dst_stride >= channels_out);
  const ConvArgs args{g,   channels_in, channels_out, d_weight,     d_weight_cin_stride,
                      d_weight_tap_stride, src,       src_stride,   d_dst,
                      d_dst_stride,        0};
  const std::int64_t cells = std::int64_t(g.kernel) * g.kernel *
                             ((channels_in + kConvInBlock - 1) / kConvInBlock) *
                             ((channels_out + kConvOutBlock - 1) / kConvOutBlock);
  // One contiguous run of cells per thread: the vector kernel streams d_dst once per run
  // (its taps take turns on each row), so single-cell tasks would stream it once per tap.
  const auto& block = table(cap).backward_weights_cells;
  const std::int64_t runs = std::min<std::int64_t>(cells, num_threads());
  parallel_for(runs, 1, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) block(args, r * cells / runs, (r + 1) * cells / runs);
  });
}

void f32_conv_backward_weights(const ConvGeometry& g, int channels_in, int channels_out,
                               float* d_weight, std::int64_t d_weight_cin_stride,
                               std::int64_t d_weight_tap_stride, const float* d_dst,
                               std::int64_t d_dst_stride, const float* src,
                               std::int64_t src_stride) {
  f32_conv_backward_weights(kernel_isa(), g, channels_in, channels_out, d_weight,
                            d_weight_cin_stride, d_weight_tap_stride, d_dst, d_dst_stride, src,
                            src_stride);
}

}  // namespace tunas::kernels
