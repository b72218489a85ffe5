// Full k x k convolution with stride and TF SAME padding (the stem: 3x3 / 5x5, stride 2 or 1,
// 1 or 3 input channels), NHWC float32, forward / backward-data / backward-weights.
//
//   src, d_src  [batch][in_h][in_w][channels_in]     pixel stride *_stride (>= channels_in);
//               images and rows dense in pixels: pixel (n, y, x) at ((n*in_h + y)*in_w + x)*stride
//   dst, d_dst  [batch][out_h][out_w][channels_out]  pixel stride *_stride (>= channels_out)
//   weight      HWIO [k][k][channels_in][channels_out]: element (ky, kx, i, o) at
//               (ky*k + kx) * tap_stride + i * cin_stride + o, where a [k][k][max_in][max_out]
//               buffer has cin_stride = max_out and tap_stride = max_in * max_out; d_weight alike.
//   geometry    kernels/conv_geometry.h (same_conv_geometry gives TF SAME padding).
//
// Only channel prefixes (channels_in of src/d_src rows and weight taps, channels_out of
// dst/d_dst rows and weight rows) are read or written. Forward overwrites dst; backward
// ACCUMULATES into d_src and d_weight. Saved state: src (for d_weight), weight (for d_src).
// Each output element is computed by one task in a fixed order (forward over output rows:
// taps in order, input channels in order; backward-data over input rows; backward-weights
// over (tap, channel block) cells: output pixels in order), so results are bitwise
// independent of the thread count. Forward and backward-weights run the micro-kernels of
// f32-conv.inc that the CPU allows (scalar, AVX2+FMA, AVX-512). No allocation.
#pragma once

#include <cstdint>

#include "core/cpu.h"
#include "kernels/conv_geometry.h"

namespace tunas::kernels {

void f32_conv_forward(const ConvGeometry& geometry, int channels_in, int channels_out, float* dst,
                      std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                      const float* weight, std::int64_t weight_cin_stride,
                      std::int64_t weight_tap_stride);

void f32_conv_backward_data(const ConvGeometry& geometry, int channels_in, int channels_out,
                            float* d_src, std::int64_t d_src_stride, const float* d_dst,
                            std::int64_t d_dst_stride, const float* weight,
                            std::int64_t weight_cin_stride, std::int64_t weight_tap_stride);

void f32_conv_backward_weights(const ConvGeometry& geometry, int channels_in, int channels_out,
                               float* d_weight, std::int64_t d_weight_cin_stride,
                               std::int64_t d_weight_tap_stride, const float* d_dst,
                               std::int64_t d_dst_stride, const float* src,
                               std::int64_t src_stride);

// The same with the table of an ISA cap (tests, benchmarks): an ISA that is not allowed here
// falls back to the best one allowed below it.
void f32_conv_forward(Isa cap, const ConvGeometry& geometry, int channels_in, int channels_out,
                      float* dst, std::int64_t dst_stride, const float* src,
                      std::int64_t src_stride, const float* weight,
                      std::int64_t weight_cin_stride, std::int64_t weight_tap_stride);
void f32_conv_backward_weights(Isa cap, const ConvGeometry& geometry, int channels_in,
                               int channels_out, float* d_weight,
                               std::int64_t d_weight_cin_stride, std::int64_t d_weight_tap_stride,
                               const float* d_dst, std::int64_t d_dst_stride, const float* src,
                               std::int64_t src_stride);

// ---- micro-kernels (internal: f32-conv.inc) --------------------------------------------
// The operands of one call, as the public functions above take them.
struct ConvArgs {
  ConvGeometry g;
  int channels_in, channels_out;
  float* out;  // forward: dst; backward-weights: d_weight
  std::int64_t out_stride, out_tap_stride;  // dst: pixel stride, 0; d_weight: cin, tap stride
  const float* src;
  std::int64_t src_stride;
  const float* weight_or_d_dst;  // forward: weight; backward-weights: d_dst
  std::int64_t stride_a, stride_b;  // weight: cin, tap stride; d_dst: pixel stride, 0
};
// Backward-weights cells: (tap, block of <= kConvInBlock input channels, block of
// <= kConvOutBlock output channels), cell index = (tap * in_blocks + in_block) * out_blocks +
// out_block; a cell sums every output pixel in order and adds the sum to d_weight.
constexpr int kConvInBlock = 8;
namespace conv_detail {
// Pixel (n, y, x) of a dense [batch][h][w] image stack.
inline std::int64_t pixel_index(int n, int y, int x, int h, int w) {
  return (std::int64_t(n) * h + y) * w + x;
}
}  // namespace conv_detail
constexpr int kConvOutBlock = 64;
// forward_rows: output rows [begin, end) of batch * out_h (row = n * out_h + oy), all pixels
// and channels; backward_weights_cells: cells [begin, end). The _avx2 / _avx512 ones must
// only be called when tunas::cpu_has(Isa::avx2 / avx512).
#define TUNAS_CONV_DECLARE(isa, pass, fn) \
  void fn(const ConvArgs& args, std::int64_t begin, std::int64_t end);
#define TUNAS_CONV_UKERNEL TUNAS_CONV_DECLARE
#include "kernels/f32-conv/f32-conv.inc"
#undef TUNAS_CONV_UKERNEL
#undef TUNAS_CONV_DECLARE

}  // namespace tunas::kernels
