#include "kernels/f32-bn/bn.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/threads.h"

namespace tunas::kernels {

namespace {

// Channels per reduction task. Tasks own whole channels, so every per-channel sum runs over
// the rows in order on one thread (bitwise independent of the thread count).
constexpr int kChannelBlock = 32;
// Rows per task of the element-wise passes.
constexpr std::int64_t kRowBlock = 256;

int channel_blocks(int channels) { return (channels + kChannelBlock - 1) / kChannelBlock; }

// scale = gamma * inv_std, shift = beta - mean * scale: z = x * scale + shift. The forward and
// the backward both use this one expression, so the backward sees the forward's exact z.
inline void fold_affine(int c0, int c1, float* scale, float* shift, const float* mean,
                        const float* inv_std, const float* gamma, const float* beta) {
  for (int c = c0; c < c1; ++c) {
    scale[c - c0] = gamma[c] * inv_std[c];
    shift[c - c0] = beta[c] - mean[c] * scale[c - c0];
  }
}

template <Activation A>
void normalize_rows(std::int64_t r0, std::int64_t r1, int c0, int c1, float* dst,
                    std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                    const float* scale, const float* shift) {
  const int n = c1 - c0;
  for (std::int64_t r = r0; r < r1; ++r) {
    const float* x = src + r * src_stride + c0;
    float* y = dst + r * dst_stride + c0;
    for (int c = 0; c < n; ++c) y[c] = activation_value(A, x[c] * scale[c] + shift[c]);
  }
}

// dst = act(src * scale + shift) over all rows; per-channel vectors are folded per channel
// block inside each row task (no allocation).
void normalize(std::int64_t pixels, int channels, float* dst, std::int64_t dst_stride,
               const float* src, std::int64_t src_stride, const float* mean,
               const float* inv_std, const float* gamma, const float* beta, Activation act) {
  parallel_for(pixels, kRowBlock, [&](std::int64_t r0, std::int64_t r1) {
    float scale[kChannelBlock], shift[kChannelBlock];
    for (int c0 = 0; c0 < channels; c0 += kChannelBlock) {
      const int c1 = std::min(channels, c0 + kChannelBlock);
      fold_affine(c0, c1, scale, shift, mean, inv_std, gamma, beta);
#define TUNAS_CALL(A) \
  normalize_rows<A>(r0, r1, c0, c1, dst, dst_stride, src, src_stride, scale, shift)
      TUNAS_ACTIVATION_SWITCH(act, TUNAS_CALL)
#undef TUNAS_CALL
    }
  });
}

// Per-channel double sums over all rows for channels [c0, c1): mean and biased variance.
void block_statistics(std::int64_t pixels, int c0, int c1, const float* src,
                      std::int64_t src_stride, double* mean, double* variance) {
  const int n = c1 - c0;
  double sum[kChannelBlock] = {};
  for (std::int64_t r = 0; r < pixels; ++r) {
    const float* x = src + r * src_stride + c0;
    for (int c = 0; c < n; ++c) sum[c] += x[c];
  }
  for (int c = 0; c < n; ++c) mean[c] = sum[c] / double(pixels);
  double sq[kChannelBlock] = {};
  for (std::int64_t r = 0; r < pixels; ++r) {
    const float* x = src + r * src_stride + c0;
    for (int c = 0; c < n; ++c) {
      const double d = double(x[c]) - mean[c];
      sq[c] += d * d;
    }
  }
  for (int c = 0; c < n; ++c) variance[c] = sq[c] / double(pixels);
}

template <Activation A>
void backward_block(std::int64_t pixels, int c0, int c1, float* d_src, std::int64_t d_src_stride,
                    float* d_gamma, float* d_beta, const float* d_dst, std::int64_t d_dst_stride,
                    const float* mean, const float* inv_std, const float* src,
                    std::int64_t src_stride, const float* gamma, const float* beta) {
  const int n = c1 - c0;
  float scale[kChannelBlock], shift[kChannelBlock];
  fold_affine(c0, c1, scale, shift, mean, inv_std, gamma, beta);
  const float* m = mean + c0;
  const float* s = inv_std + c0;
  // Pass 1: sum dz and sum dz * xhat per channel.
  double sum_dz[kChannelBlock] = {}, sum_dz_xhat[kChannelBlock] = {};
  for (std::int64_t r = 0; r < pixels; ++r) {
    const float* x = src + r * src_stride + c0;
    const float* dy = d_dst + r * d_dst_stride + c0;
    for (int c = 0; c < n; ++c) {
      const float dz = dy[c] * activation_derivative(A, x[c] * scale[c] + shift[c]);
      const float xhat = (x[c] - m[c]) * s[c];
      sum_dz[c] += dz;
      sum_dz_xhat[c] += double(dz) * xhat;
    }
  }
  float k_dz[kChannelBlock], k_xhat[kChannelBlock], k_scale[kChannelBlock];
  for (int c = 0; c < n; ++c) {
    if (d_beta) d_beta[c0 + c] += float(sum_dz[c]);
    if (d_gamma) d_gamma[c0 + c] += float(sum_dz_xhat[c]);
    k_dz[c] = float(sum_dz[c] / double(pixels));
    k_xhat[c] = float(sum_dz_xhat[c] / double(pixels));
    k_scale[c] = scale[c];  // gamma * inv_std
  }
  // Pass 2: d_src += gamma * inv_std * (dz - mean(dz) - xhat * mean(dz * xhat)).
  for (std::int64_t r = 0; r < pixels; ++r) {
    const float* x = src + r * src_stride + c0;
    const float* dy = d_dst + r * d_dst_stride + c0;
    float* dx = d_src + r * d_src_stride + c0;
    for (int c = 0; c < n; ++c) {
      const float dz = dy[c] * activation_derivative(A, x[c] * scale[c] + shift[c]);
      const float xhat = (x[c] - m[c]) * s[c];
      dx[c] += k_scale[c] * (dz - k_dz[c] - xhat * k_xhat[c]);
    }
  }
}

}  // namespace

void f32_bn_batch_statistics(std::int64_t pixels, int channels, float* mean, float* variance,
                             const float* src, std::int64_t src_stride) {
  TUNAS_DASSERT(pixels >= 1 && src_stride >= channels);
  parallel_for(channel_blocks(channels), 1, [&](std::int64_t b0, std::int64_t b1) {
    for (std::int64_t b = b0; b < b1; ++b) {
      const int c0 = int(b) * kChannelBlock, c1 = std::min(channels, c0 + kChannelBlock);
      double m[kChannelBlock], v[kChannelBlock];
      block_statistics(pixels, c0, c1, src, src_stride, m, v);
      for (int c = c0; c < c1; ++c) {
        mean[c] = float(m[c - c0]);
        variance[c] = float(v[c - c0]);
      }
    }
  });
}

void f32_bn_forward_training(std::int64_t pixels, int channels, float* dst,
                             std::int64_t dst_stride, float* save_mean, float* save_inv_std,
                             float* batch_variance, const float* src, std::int64_t src_stride,
                             const float* gamma, const float* beta, Activation act, float eps) {
  TUNAS_DASSERT(pixels >= 1 && src_stride >= channels && dst_stride >= channels);
  parallel_for(channel_blocks(channels), 1, [&](std::int64_t b0, std::int64_t b1) {
    for (std::int64_t b = b0; b < b1; ++b) {
      const int c0 = int(b) * kChannelBlock, c1 = std::min(channels, c0 + kChannelBlock);
      double m[kChannelBlock], v[kChannelBlock];
      block_statistics(pixels, c0, c1, src, src_stride, m, v);
      for (int c = c0; c < c1; ++c) {
        save_mean[c] = float(m[c - c0]);
        save_inv_std[c] = float(1.0 / std::sqrt(v[c - c0] + double(eps)));
        if (batch_variance) batch_variance[c] = float(v[c - c0]);
      }
    }
  });
  normalize(pixels, channels, dst, dst_stride, src, src_stride, save_mean, save_inv_std, gamma,
            beta, act);
}

void f32_bn_forward_inference(std::int64_t pixels, int channels, float* dst,
                              std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                              const float* gamma, const float* beta, const float* moving_mean,
                              const float* moving_variance, Activation act, float eps) {
  TUNAS_DASSERT(src_stride >= channels && dst_stride >= channels);
  parallel_for(pixels, kRowBlock, [&](std::int64_t r0, std::int64_t r1) {
    float scale[kChannelBlock], shift[kChannelBlock];
    for (int c0 = 0; c0 < channels; c0 += kChannelBlock) {
      const int c1 = std::min(channels, c0 + kChannelBlock);
      for (int c = c0; c < c1; ++c) {
        const float inv_std = float(1.0 / std::sqrt(double(moving_variance[c]) + double(eps)));
        scale[c - c0] = gamma[c] * inv_std;
        shift[c - c0] = beta[c] - moving_mean[c] * scale[c - c0];
      }
#define TUNAS_CALL(A) \
  normalize_rows<A>(r0, r1, c0, c1, dst, dst_stride, src, src_stride, scale, shift)
      TUNAS_ACTIVATION_SWITCH(act, TUNAS_CALL)
#undef TUNAS_CALL
    }
  });
}

void f32_bn_backward_training(std::int64_t pixels, int channels, float* d_src,
                              std::int64_t d_src_stride, float* d_gamma, float* d_beta,
                              const float* d_dst, std::int64_t d_dst_stride,
                              const float* save_mean, const float* save_inv_std,
                              const float* src, std::int64_t src_stride, const float* gamma,
                              const float* beta, Activation act) {
  TUNAS_DASSERT(pixels >= 1 && src_stride >= channels && d_src_stride >= channels &&
                d_dst_stride >= channels);
  parallel_for(channel_blocks(channels), 1, [&](std::int64_t b0, std::int64_t b1) {
    for (std::int64_t b = b0; b < b1; ++b) {
      const int c0 = int(b) * kChannelBlock, c1 = std::min(channels, c0 + kChannelBlock);
#define TUNAS_CALL(A)                                                                       \
  backward_block<A>(pixels, c0, c1, d_src, d_src_stride, d_gamma, d_beta, d_dst, d_dst_stride, \
                    save_mean, save_inv_std, src, src_stride, gamma, beta)
      TUNAS_ACTIVATION_SWITCH(act, TUNAS_CALL)
#undef TUNAS_CALL
    }
  });
}

void f32_bn_update_moving_statistics(int channels, float* moving_mean, float* moving_variance,
                                     const float* batch_mean, const float* batch_variance,
                                     std::int64_t pixels, float momentum) {
  const double bessel = pixels > 1 ? double(pixels) / double(pixels - 1) : 1.0;
  const float rate = 1.f - momentum;
  for (int c = 0; c < channels; ++c) {
    moving_mean[c] -= rate * (moving_mean[c] - batch_mean[c]);
    moving_variance[c] -= rate * (moving_variance[c] - float(double(batch_variance[c]) * bessel));
  }
}

}  // namespace tunas::kernels
