// 1x1 convolution (pointwise conv) as a GEMM on channel prefixes, NHWC float32.
//
// Pixels are rows: a batch of N images of H x W is `pixels` = N*H*W rows, and row r of a
// tensor starts at ptr + r * stride. Channel counts are extents, strides are separate
// (STYLE G3), so every call can run on the first k channels of a max-width buffer; no
// element past the channel prefix of any row is read from a gradient or written.
//
//   src      [pixels][channels_in]            row stride src_stride       (>= channels_in)
//   dst      [pixels][channels_out]           row stride dst_stride       (>= channels_out)
//   weight   [channels_in][channels_out]      row stride weight_stride    (>= channels_out)
//            (TF HWIO with H = W = 1; a channel prefix of a [max_in][max_out] kernel)
//   bias     [channels_out]
//
// Forward overwrites dst. Backward-data and backward-weights ACCUMULATE (+=) into d_src,
// d_weight and d_bias (STYLE G10); zeroing them is the caller's step. The backward needs
// no saved state beyond the forward's inputs (src for the weights, weight for the data).
// Outputs must not alias inputs.
//
// All functions split work over tunas::parallel_for; results are bitwise independent of
// the thread count. No heap allocation. Reentrant: concurrent calls need disjoint outputs.
// The AVX2+FMA GEMM is used when the CPU has it (TUNAS_MAX_ISA=scalar forces scalar).
#pragma once

#include <cstdint>

namespace tunas::kernels {

// dst = src * weight
void f32_conv1x1_forward(std::int64_t pixels, int channels_in, int channels_out, float* dst,
                         std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                         const float* weight, std::int64_t weight_stride);

// dst = src * weight + bias (bias broadcast over pixels). Used by the SE 1x1 convs and the
// classifier (kernels/f32-dense).
void f32_conv1x1_bias_forward(std::int64_t pixels, int channels_in, int channels_out, float* dst,
                              std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                              const float* weight, std::int64_t weight_stride, const float* bias);

// d_src += d_dst * weight^T
void f32_conv1x1_backward_data(std::int64_t pixels, int channels_in, int channels_out,
                               float* d_src, std::int64_t d_src_stride, const float* d_dst,
                               std::int64_t d_dst_stride, const float* weight,
                               std::int64_t weight_stride);

// d_src = d_dst * weight^T: the same with d_src overwritten (need not be initialised), which
// saves the caller the zero pass over a fresh gradient buffer; bitwise equal to
// f32_conv1x1_backward_data into a zeroed d_src.
void f32_conv1x1_backward_data_overwrite(std::int64_t pixels, int channels_in, int channels_out,
                                         float* d_src, std::int64_t d_src_stride,
                                         const float* d_dst, std::int64_t d_dst_stride,
                                         const float* weight, std::int64_t weight_stride);

// Serial forms of f32_conv1x1_forward and f32_conv1x1_backward_data (accumulating), for
// callers that already split the pixels over threads: the supernet runs them on row ranges
// inside the batch norm of the conv's output (kernels/f32-bn BnRowsHook). Same results (a
// row range of a GEMM is computed exactly as in the whole), on the calling thread only.
void f32_conv1x1_forward_serial(std::int64_t pixels, int channels_in, int channels_out,
                                float* dst, std::int64_t dst_stride, const float* src,
                                std::int64_t src_stride, const float* weight,
                                std::int64_t weight_stride);
void f32_conv1x1_backward_data_serial(std::int64_t pixels, int channels_in, int channels_out,
                                      float* d_src, std::int64_t d_src_stride,
                                      const float* d_dst, std::int64_t d_dst_stride,
                                      const float* weight, std::int64_t weight_stride);

// d_weight += src^T * d_dst
void f32_conv1x1_backward_weights(std::int64_t pixels, int channels_in, int channels_out,
                                  float* d_weight, std::int64_t d_weight_stride,
                                  const float* d_dst, std::int64_t d_dst_stride, const float* src,
                                  std::int64_t src_stride);

// d_bias[j] += sum over pixels of d_dst[p][j]. Summed in double, pixels in order.
void f32_conv1x1_backward_bias(std::int64_t pixels, int channels_out, float* d_bias,
                               const float* d_dst, std::int64_t d_dst_stride);

}  // namespace tunas::kernels
