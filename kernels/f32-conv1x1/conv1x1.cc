#include "kernels/f32-conv1x1/conv1x1.h"

#include <algorithm>

#include "core/error.h"
#include "core/threads.h"
#include "kernels/f32-conv1x1/gemm.h"

namespace tunas::kernels {

namespace {

// f32_gemm (parallel) or f32_gemm_serial.
using GemmFn = void (*)(std::int64_t, std::int64_t, std::int64_t, float*, std::int64_t,
                        const float*, std::int64_t, std::int64_t, const float*, std::int64_t,
                        std::int64_t, const float*, bool);
constexpr GemmFn kParallel = &f32_gemm;

// C[pixels][cout] = A[pixels][cin] * B[cin][cout] (+ bias)
void forward(GemmFn gemm, std::int64_t pixels, int channels_in, int channels_out, float* dst,
             std::int64_t dst_stride, const float* src, std::int64_t src_stride,
             const float* weight, std::int64_t weight_stride, const float* bias) {
  TUNAS_DASSERT(src_stride >= channels_in && dst_stride >= channels_out &&
                weight_stride >= channels_out);
  gemm(pixels, channels_out, channels_in, dst, dst_stride, src, src_stride, 1, weight,
       weight_stride, 1, bias, /*accumulate=*/false);
}

}  // namespace

void f32_conv1x1_forward(std::int64_t pixels, int channels_in, int channels_out, float* dst,
                         std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                         const float* weight, std::int64_t weight_stride) {
  forward(kParallel, pixels, channels_in, channels_out, dst, dst_stride, src, src_stride, weight,
          weight_stride, nullptr);
}

void f32_conv1x1_forward_serial(std::int64_t pixels, int channels_in, int channels_out,
                                float* dst, std::int64_t dst_stride, const float* src,
                                std::int64_t src_stride, const float* weight,
                                std::int64_t weight_stride) {
  forward(&f32_gemm_serial, pixels, channels_in, channels_out, dst, dst_stride, src, src_stride,
          weight, weight_stride, nullptr);
}

void f32_conv1x1_bias_forward(std::int64_t pixels, int channels_in, int channels_out, float* dst,
                              std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                              const float* weight, std::int64_t weight_stride, const float* bias) {
  forward(kParallel, pixels, channels_in, channels_out, dst, dst_stride, src, src_stride, weight,
          weight_stride, bias);
}

namespace {

// C[pixels][cin] (+)= A[pixels][cout] * B[cout][cin], B = weight^T (element (o, i) at i*ws + o)
void backward_data(GemmFn gemm, bool accumulate, std::int64_t pixels, int channels_in, int channels_out,
                   float* d_src, std::int64_t d_src_stride, const float* d_dst,
                   std::int64_t d_dst_stride, const float* weight, std::int64_t weight_stride) {
  TUNAS_DASSERT(d_src_stride >= channels_in && d_dst_stride >= channels_out &&
                weight_stride >= channels_out);
  gemm(pixels, channels_in, channels_out, d_src, d_src_stride, d_dst, d_dst_stride, 1, weight, 1,
       weight_stride, nullptr, accumulate);
}

}  // namespace

void f32_conv1x1_backward_data(std::int64_t pixels, int channels_in, int channels_out,
                               float* d_src, std::int64_t d_src_stride, const float* d_dst,
                               std::int64_t d_dst_stride, const float* weight,
                               std::int64_t weight_stride) {
  backward_data(kParallel, true, pixels, channels_in, channels_out, d_src, d_src_stride, d_dst,
                d_dst_stride, weight, weight_stride);
}

void f32_conv1x1_backward_data_serial(std::int64_t pixels, int channels_in, int channels_out,
                                      float* d_src, std::int64_t d_src_stride,
                                      const float* d_dst, std::int64_t d_dst_stride,
                                      const float* weight, std::int64_t weight_stride) {
  backward_data(&f32_gemm_serial, true, pixels, channels_in, channels_out, d_src, d_src_stride,
                d_dst, d_dst_stride, weight, weight_stride);
}

void f32_conv1x1_backward_data_overwrite(std::int64_t pixels, int channels_in, int channels_out,
                                         float* d_src, std::int64_t d_src_stride,
                                         const float* d_dst, std::int64_t d_dst_stride,
                                         const float* weight, std::int64_t weight_stride) {
  backward_data(kParallel, false, pixels, channels_in, channels_out, d_src, d_src_stride, d_dst,
                d_dst_stride, weight, weight_stride);
}

void f32_conv1x1_backward_weights(std::int64_t pixels, int channels_in, int channels_out,
                                  float* d_weight, std::int64_t d_weight_stride,
                                  const float* d_dst, std::int64_t d_dst_stride, const float* src,
                                  std::int64_t src_stride) {
  TUNAS_DASSERT(src_stride >= channels_in && d_dst_stride >= channels_out &&
                d_weight_stride >= channels_out);
  // C[cin][cout] += A[cin][pixels] * B[pixels][cout], A = src^T (element (i, p) at p*ss + i)
  f32_gemm(channels_in, channels_out, pixels, d_weight, d_weight_stride, src, 1, src_stride, d_dst,
           d_dst_stride, 1, nullptr, /*accumulate=*/true);
}

void f32_conv1x1_backward_bias(std::int64_t pixels, int channels_out, float* d_bias,
                               const float* d_dst, std::int64_t d_dst_stride) {
  // Channel blocks are independent tasks; inside one, pixels are summed in order.
  constexpr int kBlock = 64;
  const int blocks = (channels_out + kBlock - 1) / kBlock;
  parallel_for(blocks, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t blk = begin; blk < end; ++blk) {
      const int c0 = int(blk) * kBlock, c1 = std::min(channels_out, c0 + kBlock);
      double sum[kBlock] = {};
      for (std::int64_t p = 0; p < pixels; ++p) {
        const float* row = d_dst + p * d_dst_stride;
        for (int c = c0; c < c1; ++c) sum[c - c0] += row[c];
      }
      for (int c = c0; c < c1; ++c) d_bias[c] += float(sum[c - c0]);
    }
  });
}

}  // namespace tunas::kernels
