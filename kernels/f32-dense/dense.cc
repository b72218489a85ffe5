#include "kernels/f32-dense/dense.h"

#include "kernels/f32-conv1x1/conv1x1.h"

namespace tunas::kernels {

void f32_dense_forward(std::int64_t rows, int channels_in, int channels_out, float* dst,
                       std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                       const float* weight, std::int64_t weight_stride, const float* bias) {
  f32_conv1x1_bias_forward(rows, channels_in, channels_out, dst, dst_stride, src, src_stride,
                           weight, weight_stride, bias);
}

void f32_dense_backward_data(std::int64_t rows, int channels_in, int channels_out, float* d_src,
                             std::int64_t d_src_stride, const float* d_dst,
                             std::int64_t d_dst_stride, const float* weight,
                             std::int64_t weight_stride) {
  f32_conv1x1_backward_data(rows, channels_in, channels_out, d_src, d_src_stride, d_dst,
                            d_dst_stride, weight, weight_stride);
}

void f32_dense_backward_weights(std::int64_t rows, int channels_in, int channels_out,
                                float* d_weight, std::int64_t d_weight_stride, float* d_bias,
                                const float* d_dst, std::int64_t d_dst_stride, const float* src,
                                std::int64_t src_stride) {
  f32_conv1x1_backward_weights(rows, channels_in, channels_out, d_weight, d_weight_stride, d_dst,
                               d_dst_stride, src, src_stride);
  if (d_bias) f32_conv1x1_backward_bias(rows, channels_out, d_bias, d_dst, d_dst_stride);
}

}  // namespace tunas::kernels
