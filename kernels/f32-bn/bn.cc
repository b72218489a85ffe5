#include "kernels/f32-bn/bn.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/cpu.h"
#include "core/error.h"
#include "core/threads.h"
#include "kernels/config.h"
#include "kernels/f32-bn/bn-chunk.h"

namespace tunas::kernels {

namespace bn_detail {
namespace {

// ---- scalar chunk kernels (always built; the reference path for TUNAS_MAX_ISA=scalar) ----

// Channels per register tile of the scalar reductions (a fixed trip count vectorises).
constexpr int kTile = 16;

template <int W>
void moments_tile(std::int64_t rows, int n, const float* x, std::int64_t stride, float* pivot,
                  float* dsum, float* sqsum) {
  const int w = W > 0 ? W : n;
  float s[kTile] = {}, d[kTile] = {}, q[kTile] = {}, a[kTile];
  for (std::int64_t r = 0; r < rows; ++r) {
    for (int c = 0; c < w; ++c) s[c] += x[r * stride + c];
  }
  for (int c = 0; c < w; ++c) a[c] = s[c] / float(rows);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (int c = 0; c < w; ++c) {
      const float t = x[r * stride + c] - a[c];
      d[c] += t;
      q[c] += t * t;
    }
  }
  for (int c = 0; c < w; ++c) {
    pivot[c] = a[c];
    dsum[c] = d[c];
    sqsum[c] = q[c];
  }
}

void moments(std::int64_t rows, int channels, const float* src, std::int64_t src_stride,
             float* pivot, float* dsum, float* sqsum) {
  for (int c0 = 0; c0 < channels; c0 += kTile) {
    const int n = std::min(kTile, channels - c0);
    if (n == kTile) {
      moments_tile<kTile>(rows, n, src + c0, src_stride, pivot + c0, dsum + c0, sqsum + c0);
    } else {
      moments_tile<0>(rows, n, src + c0, src_stride, pivot + c0, dsum + c0, sqsum + c0);
    }
  }
}

template <Activation A>
void normalize(std::int64_t rows, int channels, float* dst, std::int64_t dst_stride,
               const float* src, std::int64_t src_stride, const float* scale,
               const float* shift) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* x = src + r * src_stride;
    float* y = dst + r * dst_stride;
    for (int c = 0; c < channels; ++c) y[c] = activation_value(A, x[c] * scale[c] + shift[c]);
  }
}

template <Activation A, int W>
void backward_sums_tile(std::int64_t rows, int n, const float* d_dst, std::int64_t d_dst_stride,
                        const float* src, std::int64_t src_stride, const float* scale,
                        const float* shift, const float* mean, const float* inv_std,
                        float* sum_dz, float* sum_dz_xhat) {
  const int w = W > 0 ? W : n;
  float sd[kTile] = {}, sdx[kTile] = {};
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* x = src + r * src_stride;
    const float* dy = d_dst + r * d_dst_stride;
    for (int c = 0; c < w; ++c) {
      const float dz = dy[c] * activation_derivative(A, x[c] * scale[c] + shift[c]);
      const float xhat = (x[c] - mean[c]) * inv_std[c];
      sd[c] += dz;
      sdx[c] += dz * xhat;
    }
  }
  for (int c = 0; c < w; ++c) {
    sum_dz[c] = sd[c];
    sum_dz_xhat[c] = sdx[c];
  }
}

template <Activation A>
void backward_sums(std::int64_t rows, int channels, const float* d_dst,
                   std::int64_t d_dst_stride, const float* src, std::int64_t src_stride,
                   const Coefficients& k, float* sum_dz, float* sum_dz_xhat) {
  for (int c0 = 0; c0 < channels; c0 += kTile) {
    const int n = std::min(kTile, channels - c0);
#define TUNAS_TILE(W)                                                                            \
  backward_sums_tile<A, W>(rows, n, d_dst + c0, d_dst_stride, src + c0, src_stride,              \
                           k.scale + c0, k.shift + c0, k.mean + c0, k.inv_std + c0, sum_dz + c0, \
                           sum_dz_xhat + c0)
    if (n == kTile) {
      TUNAS_TILE(kTile);
    } else {
      TUNAS_TILE(0);
    }
#undef TUNAS_TILE
  }
}

template <Activation A>
void backward_rows(std::int64_t rows, int channels, float* d_src, std::int64_t d_src_stride,
                   const float* d_dst, std::int64_t d_dst_stride, const float* src,
                   std::int64_t src_stride, const Coefficients& k, bool overwrite) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* x = src + r * src_stride;
    const float* dy = d_dst + r * d_dst_stride;
    float* dx = d_src + r * d_src_stride;
    for (int c = 0; c < channels; ++c) {
      const float dz = dy[c] * activation_derivative(A, x[c] * k.scale[c] + k.shift[c]);
      const float old = overwrite ? 0.f : dx[c];
      dx[c] = old + k.scale[c] * (dz - k.k_dz[c] - (x[c] - k.mean[c]) * k.k_xhat_s[c]);
    }
  }
}

}  // namespace

const ChunkKernels& chunk_kernels_scalar() {
#define TUNAS_BN_ROW(fn)                                                                      \
  {fn<Activation::none>, fn<Activation::relu>, fn<Activation::relu6>, fn<Activation::hswish>, \
   fn<Activation::sigmoid>, fn<Activation::swish>}
  static const ChunkKernels kernels = {"scalar", moments, TUNAS_BN_ROW(normalize),
                                       TUNAS_BN_ROW(backward_sums), TUNAS_BN_ROW(backward_rows)};
#undef TUNAS_BN_ROW
  return kernels;
}

}  // namespace bn_detail

namespace {

using bn_detail::ChunkKernels;
using bn_detail::Coefficients;

// Rows per reduction chunk. The chunk partition depends on `pixels` only, float partial sums
// never run over more than kChunkRows rows, and chunks are combined in double in chunk order:
// bitwise independent of the thread count and of TBB's scheduling.
constexpr std::int64_t kChunkRows = 128;
// Channels per task of the (cheap) chunk-combining step.
constexpr int kCombineBlock = 64;
// Elements per task of the parallel passes (the partition of the element-wise passes never
// changes a result; that of the reductions is the fixed chunk grid).
constexpr std::int64_t kTaskElements = 16384;

std::int64_t chunk_count(std::int64_t pixels) { return (pixels + kChunkRows - 1) / kChunkRows; }
std::int64_t chunk_rows(std::int64_t pixels, std::int64_t k) {
  return std::min(kChunkRows, pixels - k * kChunkRows);
}
std::int64_t chunk_grain(int channels) {
  return std::max<std::int64_t>(1, kTaskElements / (kChunkRows * std::max(channels, 1)));
}
std::int64_t row_grain(int channels) {
  return std::max<std::int64_t>(16, kTaskElements / std::max(channels, 1));
}

// The dispatch table (kernels/config.h): one slot, the chunk kernel set.
struct BnTable {
  static constexpr const char* kFamily = "f32-bn";
  UkernelSlot<const ChunkKernels&()> chunk{"chunk"};
  auto slots() const { return std::tie(chunk); }
  void fill(Isa cap) {
#define TUNAS_BN_UKERNEL(isa, fn) chunk.offer(Isa::isa, cap, bn_detail::fn, #fn);
#include "kernels/f32-bn/f32-bn.inc"
#undef TUNAS_BN_UKERNEL
  }
};

const ChunkKernels& kernels_for(Isa cap) {
  return ukernel_table<BnTable>(cap).chunk.fn();
}

// Per-thread scratch, grown on first use to the largest size seen and never shrunk, so a
// call allocates only when a shape is larger than any before it on this thread. Indexed by
// nesting depth: a thread waiting inside parallel_for may run another task that calls BN
// again; that call gets the next buffer instead of the one in use.
thread_local std::vector<std::vector<float>> t_scratch;
thread_local std::size_t t_scratch_depth = 0;

class Scratch {
 public:
  explicit Scratch(std::size_t floats) : depth_(t_scratch_depth++) {
    if (t_scratch.size() <= depth_) t_scratch.resize(depth_ + 1);
    std::vector<float>& buffer = t_scratch[depth_];
    if (buffer.size() < floats) buffer.resize(floats);
    data_ = buffer.data();
  }
  ~Scratch() { --t_scratch_depth; }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  float* data() const { return data_; }

 private:
  std::size_t depth_;
  float* data_ = nullptr;
};

// Batch mean and biased variance. Each chunk gives (pivot, sum(x - pivot), sum(x - pivot)^2)
// in float; chunks are combined in double in chunk order:
//   S  = sum_k (n_k * pivot_k + D_k),  mean = S / n,
//   M2 = sum_k (Q_k + 2 (pivot_k - mean) D_k + n_k (pivot_k - mean)^2)   (exact identity).
// Writes mean, and variance and/or inv_std = 1/sqrt(var + eps) where not null.
// scratch: 3 * chunk_count(pixels) * channels floats. `produce`, when given, writes each chunk
// of src right before its moments are taken.
void statistics(const ChunkKernels& kern, float* scratch, std::int64_t pixels, int channels,
                const float* src, std::int64_t src_stride, float* mean, float* variance,
                float* inv_std, float eps, const BnRowsHook* produce = nullptr) {
  const std::int64_t chunks = chunk_count(pixels);
  float* parts = scratch;  // [chunk][pivot | dsum | sqsum][channels]
  const std::size_t part_stride = 3 * std::size_t(channels);
  parallel_for(chunks, chunk_grain(channels), [&](std::int64_t k0, std::int64_t k1) {
    for (std::int64_t k = k0; k < k1; ++k) {
      float* p = parts + std::size_t(k) * part_stride;
      if (produce) (*produce)(k * kChunkRows, k * kChunkRows + chunk_rows(pixels, k));
      kern.moments(chunk_rows(pixels, k), channels, src + k * kChunkRows * src_stride,
                   src_stride, p, p + channels, p + 2 * channels);
    }
  });
  const std::int64_t blocks = (channels + kCombineBlock - 1) / kCombineBlock;
  const std::int64_t grain = std::max<std::int64_t>(1, 4096 / (chunks * kCombineBlock));
  parallel_for(blocks, grain, [&](std::int64_t b0, std::int64_t b1) {
    for (std::int64_t b = b0; b < b1; ++b) {
      const int c0 = int(b) * kCombineBlock, w = std::min(kCombineBlock, channels - c0);
      double s[kCombineBlock] = {}, m[kCombineBlock], m2[kCombineBlock] = {};
      for (std::int64_t k = 0; k < chunks; ++k) {
        const float* p = parts + std::size_t(k) * part_stride + c0;
        const double n = double(chunk_rows(pixels, k));
        for (int c = 0; c < w; ++c) s[c] += n * double(p[c]) + double(p[channels + c]);
      }
      for (int c = 0; c < w; ++c) m[c] = s[c] / double(pixels);
      for (std::int64_t k = 0; k < chunks; ++k) {
        const float* p = parts + std::size_t(k) * part_stride + c0;
        const double n = double(chunk_rows(pixels, k));
        for (int c = 0; c < w; ++c) {
          const double dm = double(p[c]) - m[c];
          m2[c] += double(p[2 * channels + c]) + 2.0 * dm * double(p[channels + c]) + n * dm * dm;
        }
      }
      for (int c = 0; c < w; ++c) {
        const double var = std::max(0.0, m2[c] / double(pixels));
        mean[c0 + c] = float(m[c]);
        if (variance) variance[c0 + c] = float(var);
        if (inv_std) inv_std[c0 + c] = float(1.0 / std::sqrt(var + double(eps)));
      }
    }
  });
}

// dst = act(src * scale + shift), parallel over rows.
void normalize(const ChunkKernels& kern, std::int64_t pixels, int channels, float* dst,
               std::int64_t dst_stride, const float* src, std::int64_t src_stride,
               const float* scale, const float* shift, Activation act) {
  const bn_detail::NormalizeFn fn = kern.normalize[int(act)];
  parallel_for(pixels, row_grain(channels), [&](std::int64_t r0, std::int64_t r1) {
    fn(r1 - r0, channels, dst + r0 * dst_stride, dst_stride, src + r0 * src_stride, src_stride,
       scale, shift);
  });
}

// scale = gamma * inv_std, shift = beta - mean * scale: z = x * scale + shift. The forward and
// the backward both use this one expression, so the backward sees the forward's exact z.
void fold_affine(int channels, float* scale, float* shift, const float* mean,
                 const float* inv_std, const float* gamma, const float* beta) {
  for (int c = 0; c < channels; ++c) {
    scale[c] = gamma[c] * inv_std[c];
    shift[c] = beta[c] - mean[c] * scale[c];
  }
}

}  // namespace

void f32_bn_batch_statistics(Isa isa, std::int64_t pixels, int channels, float* mean,
                             float* variance, const float* src, std::int64_t src_stride) {
  TUNAS_DASSERT(pixels >= 1 && src_stride >= channels);
  if (channels <= 0) return;
  Scratch scratch(std::size_t(f32_bn_scratch_floats(pixels, channels)));
  statistics(kernels_for(isa), scratch.data(), pixels, channels, src, src_stride, mean, variance,
             nullptr, 0.f);
}

namespace {

// f32_bn_forward_training, with src produced chunk by chunk when `produce` is given.
void forward_training(const ChunkKernels& kern, float* scratch, std::int64_t pixels, int channels,
                      float* dst, std::int64_t dst_stride, float* save_mean, float* save_inv_std,
                      float* batch_variance, const float* src, std::int64_t src_stride,
                      const float* gamma, const float* beta, Activation act, float eps,
                      const BnRowsHook* produce = nullptr) {
  TUNAS_DASSERT(pixels >= 1 && src_stride >= channels && dst_stride >= channels);
  if (channels <= 0) return;
  statistics(kern, scratch, pixels, channels, src, src_stride, save_mean, batch_variance,
             save_inv_std, eps, produce);
  float* scale = scratch;  // the chunk sums are spent
  float* shift = scale + channels;
  fold_affine(channels, scale, shift, save_mean, save_inv_std, gamma, beta);
  normalize(kern, pixels, channels, dst, dst_stride, src, src_stride, scale, shift, act);
}

void forward_inference(const ChunkKernels& kern, float* scratch, std::int64_t pixels, int channels,
                       float* dst, std::int64_t dst_stride, const float* src,
                       std::int64_t src_stride, const float* gamma, const float* beta,
                       const float* moving_mean, const float* moving_variance, Activation act,
                       float eps) {
  TUNAS_DASSERT(src_stride >= channels && dst_stride >= channels);
  if (channels <= 0 || pixels <= 0) return;
  float* scale = scratch;
  float* shift = scale + channels;
  for (int c = 0; c < channels; ++c) {
    const float inv_std = float(1.0 / std::sqrt(double(moving_variance[c]) + double(eps)));
    scale[c] = gamma[c] * inv_std;
    shift[c] = beta[c] - moving_mean[c] * scale[c];
  }
  normalize(kern, pixels, channels, dst, dst_stride, src, src_stride, scale, shift, act);
}

// f32_bn_backward_training (overwrite == false) and f32_bn_backward_training_overwrite;
// consume, when given, runs on each block of d_src rows right after it is written.
void backward_training(const ChunkKernels& kern, float* scratch, bool overwrite,
                       std::int64_t pixels, int channels, float* d_src,
                       std::int64_t d_src_stride, float* d_gamma, float* d_beta,
                       const float* d_dst, std::int64_t d_dst_stride, const float* save_mean,
                       const float* save_inv_std, const float* src, std::int64_t src_stride,
                       const float* gamma, const float* beta, Activation act,
                       const BnRowsHook* consume = nullptr) {
  TUNAS_DASSERT(pixels >= 1 && src_stride >= channels && d_src_stride >= channels &&
                d_dst_stride >= channels);
  if (channels <= 0) return;
  const std::int64_t chunks = chunk_count(pixels);
  // [scale | shift | k_dz | k_xhat_s][channels], then [chunk][sum_dz | sum_dz_xhat][channels].
  float* scale = scratch;
  float* shift = scale + channels;
  float* k_dz = shift + channels;
  float* k_xhat_s = k_dz + channels;
  float* parts = k_xhat_s + channels;
  fold_affine(channels, scale, shift, save_mean, save_inv_std, gamma, beta);
  const Coefficients coef{scale, shift, save_mean, save_inv_std, k_dz, k_xhat_s};

  // Both reductions in one sweep, per fixed chunk.
  const bn_detail::BackwardSumsFn sums = kern.backward_sums[int(act)];
  parallel_for(chunks, chunk_grain(channels), [&](std::int64_t k0, std::int64_t k1) {
    for (std::int64_t k = k0; k < k1; ++k) {
      float* p = parts + std::size_t(k) * 2 * channels;
      sums(chunk_rows(pixels, k), channels, d_dst + k * kChunkRows * d_dst_stride, d_dst_stride,
           src + k * kChunkRows * src_stride, src_stride, coef, p, p + channels);
    }
  });
  // Combine the chunks in double, in chunk order.
  const std::int64_t blocks = (channels + kCombineBlock - 1) / kCombineBlock;
  const std::int64_t grain = std::max<std::int64_t>(1, 4096 / (chunks * kCombineBlock));
  parallel_for(blocks, grain, [&](std::int64_t b0, std::int64_t b1) {
    for (std::int64_t b = b0; b < b1; ++b) {
      const int c0 = int(b) * kCombineBlock, w = std::min(kCombineBlock, channels - c0);
      double sd[kCombineBlock] = {}, sdx[kCombineBlock] = {};
      for (std::int64_t k = 0; k < chunks; ++k) {
        const float* p = parts + std::size_t(k) * 2 * channels + c0;
        for (int c = 0; c < w; ++c) {
          sd[c] += double(p[c]);
          sdx[c] += double(p[channels + c]);
        }
      }
      for (int c = 0; c < w; ++c) {
        if (d_beta) d_beta[c0 + c] += float(sd[c]);
        if (d_gamma) d_gamma[c0 + c] += float(sdx[c]);
        k_dz[c0 + c] = float(sd[c] / double(pixels));
        k_xhat_s[c0 + c] = float(sdx[c] / double(pixels)) * save_inv_std[c0 + c];
      }
    }
  });
  // Element-wise pass, parallel over rows, in blocks of row_grain rows.
  const bn_detail::BackwardRowsFn rows_fn = kern.backward_rows[int(act)];
  const std::int64_t block = row_grain(channels);
  parallel_for(pixels, block, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t b0 = r0; b0 < r1; b0 += block) {
      const std::int64_t rows = std::min(block, r1 - b0);
      float* dx = d_src + b0 * d_src_stride;
      rows_fn(rows, channels, dx, d_src_stride, d_dst + b0 * d_dst_stride, d_dst_stride,
              src + b0 * src_stride, src_stride, coef, overwrite);
      if (consume) (*consume)(b0, b0 + rows);
    }
  });
}

}  // namespace

std::int64_t f32_bn_scratch_floats(std::int64_t pixels, int channels) {
  // statistics: 3 per chunk; backward: 4 + 2 per chunk (per channel).
  const std::int64_t chunks = chunk_count(std::max<std::int64_t>(pixels, 1));
  return std::max(3 * chunks, 4 + 2 * chunks) * std::max(channels, 0);
}

void f32_bn_forward_training(Isa isa, std::int64_t pixels, int channels, float* dst,
                             std::int64_t dst_stride, float* save_mean, float* save_inv_std,
                             float* batch_variance, const float* src, std::int64_t src_stride,
                             const float* gamma, const float* beta, Activation act, float eps) {
  Scratch scratch(std::size_t(f32_bn_scratch_floats(pixels, channels)));
  forward_training(kernels_for(isa), scratch.data(), pixels, channels, dst, dst_stride, save_mean,
                   save_inv_std, batch_variance, src, src_stride, gamma, beta, act, eps);
}

void f32_bn_forward_inference(Isa isa, std::int64_t pixels, int channels, float* dst,
                              std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                              const float* gamma, const float* beta, const float* moving_mean,
                              const float* moving_variance, Activation act, float eps) {
  Scratch scratch(std::size_t(f32_bn_scratch_floats(pixels, channels)));
  forward_inference(kernels_for(isa), scratch.data(), pixels, channels, dst, dst_stride, src,
                    src_stride, gamma, beta, moving_mean, moving_variance, act, eps);
}

void f32_bn_backward_training(Isa isa, std::int64_t pixels, int channels, float* d_src,
                              std::int64_t d_src_stride, float* d_gamma, float* d_beta,
                              const float* d_dst, std::int64_t d_dst_stride,
                              const float* save_mean, const float* save_inv_std,
                              const float* src, std::int64_t src_stride, const float* gamma,
                              const float* beta, Activation act) {
  Scratch scratch(std::size_t(f32_bn_scratch_floats(pixels, channels)));
  backward_training(kernels_for(isa), scratch.data(), false, pixels, channels, d_src,
                    d_src_stride, d_gamma, d_beta, d_dst, d_dst_stride, save_mean, save_inv_std,
                    src, src_stride, gamma, beta, act);
}

void f32_bn_backward_training_overwrite(Isa isa, std::int64_t pixels, int channels,
                                        float* d_src, std::int64_t d_src_stride, float* d_gamma,
                                        float* d_beta, const float* d_dst,
                                        std::int64_t d_dst_stride, const float* save_mean,
                                        const float* save_inv_std, const float* src,
                                        std::int64_t src_stride, const float* gamma,
                                        const float* beta, Activation act) {
  Scratch scratch(std::size_t(f32_bn_scratch_floats(pixels, channels)));
  backward_training(kernels_for(isa), scratch.data(), true, pixels, channels, d_src,
                    d_src_stride, d_gamma, d_beta, d_dst, d_dst_stride, save_mean, save_inv_std,
                    src, src_stride, gamma, beta, act);
}

// ---- caller-owned scratch, default ISA ----

void f32_bn_forward_training(float* scratch, std::int64_t pixels, int channels, float* dst,
                             std::int64_t dst_stride, float* save_mean, float* save_inv_std,
                             float* batch_variance, const float* src, std::int64_t src_stride,
                             const float* gamma, const float* beta, Activation act, float eps) {
  forward_training(kernels_for(kernel_isa()), scratch, pixels, channels, dst, dst_stride,
                   save_mean, save_inv_std, batch_variance, src, src_stride, gamma, beta, act, eps);
}

void f32_bn_forward_inference(float* scratch, std::int64_t pixels, int channels, float* dst,
                              std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                              const float* gamma, const float* beta, const float* moving_mean,
                              const float* moving_variance, Activation act, float eps) {
  forward_inference(kernels_for(kernel_isa()), scratch, pixels, channels, dst, dst_stride, src,
                    src_stride, gamma, beta, moving_mean, moving_variance, act, eps);
}

void f32_bn_backward_training(float* scratch, std::int64_t pixels, int channels, float* d_src,
                              std::int64_t d_src_stride, float* d_gamma, float* d_beta,
                              const float* d_dst, std::int64_t d_dst_stride,
                              const float* save_mean, const float* save_inv_std,
                              const float* src, std::int64_t src_stride, const float* gamma,
                              const float* beta, Activation act) {
  backward_training(kernels_for(kernel_isa()), scratch, false, pixels, channels, d_src,
                    d_src_stride, d_gamma, d_beta, d_dst, d_dst_stride, save_mean, save_inv_std,
                    src, src_stride, gamma, beta, act);
}

void f32_bn_forward_training_produced(float* scratch, std::int64_t pixels, int channels,
                                      float* dst, std::int64_t dst_stride, float* save_mean,
                                      float* save_inv_std, float* batch_variance, float* src,
                                      std::int64_t src_stride, const float* gamma,
                                      const float* beta, Activation act, float eps,
                                      const BnRowsHook& produce) {
  forward_training(kernels_for(kernel_isa()), scratch, pixels, channels, dst, dst_stride,
                   save_mean, save_inv_std, batch_variance, src, src_stride, gamma, beta, act, eps,
                   &produce);
}

void f32_bn_backward_training_overwrite(float* scratch, std::int64_t pixels, int channels,
                                        float* d_src, std::int64_t d_src_stride, float* d_gamma,
                                        float* d_beta, const float* d_dst,
                                        std::int64_t d_dst_stride, const float* save_mean,
                                        const float* save_inv_std, const float* src,
                                        std::int64_t src_stride, const float* gamma,
                                        const float* beta, Activation act,
                                        const BnRowsHook* consume) {
  backward_training(kernels_for(kernel_isa()), scratch, true, pixels, channels, d_src,
                    d_src_stride, d_gamma, d_beta, d_dst, d_dst_stride, save_mean, save_inv_std,
                    src, src_stride, gamma, beta, act, consume);
}

// ---- default ISA (the best one cpu_has allows, fixed for the process) ----

void f32_bn_batch_statistics(std::int64_t pixels, int channels, float* mean, float* variance,
                             const float* src, std::int64_t src_stride) {
  f32_bn_batch_statistics(kernel_isa(), pixels, channels, mean, variance, src, src_stride);
}

void f32_bn_forward_training(std::int64_t pixels, int channels, float* dst,
                             std::int64_t dst_stride, float* save_mean, float* save_inv_std,
                             float* batch_variance, const float* src, std::int64_t src_stride,
                             const float* gamma, const float* beta, Activation act, float eps) {
  f32_bn_forward_training(kernel_isa(), pixels, channels, dst, dst_stride, save_mean,
                          save_inv_std, batch_variance, src, src_stride, gamma, beta, act, eps);
}

void f32_bn_forward_inference(std::int64_t pixels, int channels, float* dst,
                              std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                              const float* gamma, const float* beta, const float* moving_mean,
                              const float* moving_variance, Activation act, float eps) {
  f32_bn_forward_inference(kernel_isa(), pixels, channels, dst, dst_stride, src, src_stride,
                           gamma, beta, moving_mean, moving_variance, act, eps);
}

void f32_bn_backward_training(std::int64_t pixels, int channels, float* d_src,
                              std::int64_t d_src_stride, float* d_gamma, float* d_beta,
                              const float* d_dst, std::int64_t d_dst_stride,
                              const float* save_mean, const float* save_inv_std,
                              const float* src, std::int64_t src_stride, const float* gamma,
                              const float* beta, Activation act) {
  f32_bn_backward_training(kernel_isa(), pixels, channels, d_src, d_src_stride, d_gamma, d_beta,
                           d_dst, d_dst_stride, save_mean, save_inv_std, src, src_stride, gamma,
                           beta, act);
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
