// Batch normalisation over NHWC rows, fused with an activation, forward and backward.
//
// Layout: `pixels` rows (N*H*W) of which the first `channels` entries are used; row r of a
// buffer starts at ptr + r * stride (stride >= channels). Per-channel vectors (gamma, beta,
// mean, inv_std, moving statistics, gradients) are dense [channels]. Only the channel prefix
// is read or written, which is how masked BN runs on the active channels (spec §3.4, §3.6):
// inactive channels of the destination are left untouched (the caller keeps them at 0).
//
// Training mode (spec §3.6, eps = 1e-3 in TuNAS):
//   mean[c]    = sum_r x[r][c] / pixels
//   var[c]     = sum_r (x[r][c] - mean[c])^2 / pixels           (biased, for normalising)
//   inv_std[c] = 1 / sqrt(var[c] + eps)
//   z          = gamma * (x - mean) * inv_std + beta;   y = act(z)
//   saved state for the backward: save_mean, save_inv_std (plus the forward input x).
// Inference mode uses the moving statistics in place of the batch ones.
//
// Partition and precision: rows are cut into fixed chunks of 128 rows (from `pixels` alone).
// Per chunk, each channel is summed in float over the chunk's rows in order; chunks are
// combined in double in chunk order. Statistics are a shifted two-pass per chunk (pivot =
// chunk mean, then sums of (x - pivot) and (x - pivot)^2 while the chunk is in cache),
// combined exactly: M2 = sum_k Q_k + 2 (pivot_k - mean) D_k + n_k (pivot_k - mean)^2, so the
// data is streamed once for the statistics, never sum/sum-of-squares. The backward computes
// its two sums in one sweep. Reductions run in parallel over chunks, the element-wise passes
// over rows (all channels of a row at unit stride), so every result is bitwise independent
// of the thread count and of TBB's scheduling.
// ISA: the chunk kernel sets listed in f32-bn.inc, chosen once from the CPU features and
// TUNAS_MAX_ISA (kernels/config.h; AVX2+FMA when allowed, else scalar); the ISA overloads
// below take the table of an ISA cap. The ISAs agree to float rounding, not bitwise.
// Memory: the chunk partial sums and a few per-channel vectors, f32_bn_scratch_floats() floats.
// The overloads with a leading `scratch` take them from the caller (the supernet lends them
// from its arena, so a step never allocates); the others use a per-thread buffer that grows on
// the first call with a larger shape and is never shrunk or freed before the thread exits.
// Forward overwrites dst (dst == src allowed with equal strides); backward ACCUMULATES into
// d_src, d_gamma, d_beta. Reentrant for disjoint outputs (also from several threads).
#pragma once

#include <cstdint>

#include "core/cpu.h"
#include "core/function_ref.h"
#include "kernels/f32-activation/activation.h"

namespace tunas::kernels {

inline constexpr float kBnEpsilon = 1e-3f;
inline constexpr float kBnMomentum = 0.99f;

// Fusion with the kernel that produces (forward) or consumes (backward) the BN tensor: a hook
// called with a row range [row_begin, row_end) on the thread that reads those rows next
// (forward) or has just written them (backward), so that they pass through memory once.
// Several ranges run concurrently; each row is in exactly one range; no result depends on it.
// A FunctionRef: it refers to the caller's callable, which must outlive the call.
using BnRowsHook = FunctionRef<void(std::int64_t row_begin, std::int64_t row_end)>;

// Batch statistics: mean and biased variance per channel. pixels must be >= 1.
void f32_bn_batch_statistics(std::int64_t pixels, int channels, float* mean, float* variance,
                             const float* src, std::int64_t src_stride);

// y = act(gamma * (x - mean) * inv_std + beta) with batch statistics. Writes save_mean and
// save_inv_std (for the backward) and, when batch_variance is not null, the biased batch
// variance (for f32_bn_update_moving_statistics).
void f32_bn_forward_training(std::int64_t pixels, int channels, float* dst,
                             std::int64_t dst_stride, float* save_mean, float* save_inv_std,
                             float* batch_variance, const float* src, std::int64_t src_stride,
                             const float* gamma, const float* beta, Activation act, float eps);

// y = act(gamma * (x - moving_mean) / sqrt(moving_variance + eps) + beta).
void f32_bn_forward_inference(std::int64_t pixels, int channels, float* dst,
                              std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                              const float* gamma, const float* beta, const float* moving_mean,
                              const float* moving_variance, Activation act, float eps);

// Backward of f32_bn_forward_training (activation folded in: dz = dy * act'(z), with z
// recomputed from x and the saved statistics):
//   d_beta  += sum_r dz
//   d_gamma += sum_r dz * xhat                      (xhat = (x - mean) * inv_std)
//   d_src   += gamma * inv_std * (dz - mean_r(dz) - xhat * mean_r(dz * xhat))
// d_gamma and d_beta may be null when those gradients are not wanted.
void f32_bn_backward_training(std::int64_t pixels, int channels, float* d_src,
                              std::int64_t d_src_stride, float* d_gamma, float* d_beta,
                              const float* d_dst, std::int64_t d_dst_stride,
                              const float* save_mean, const float* save_inv_std,
                              const float* src, std::int64_t src_stride, const float* gamma,
                              const float* beta, Activation act);

// Stateful-BN update (stand-alone training, spec §3.6), per channel:
//   moving_mean     -= (1 - momentum) * (moving_mean - batch_mean)
//   moving_variance -= (1 - momentum) * (moving_variance - batch_variance * n / (n - 1))
// with n = pixels (Bessel correction as in TF's fused BN; n == 1 uses the biased variance).
void f32_bn_update_moving_statistics(int channels, float* moving_mean, float* moving_variance,
                                     const float* batch_mean, const float* batch_variance,
                                     std::int64_t pixels, float momentum);

// Scratch floats the calls below need for `pixels` rows of `channels` channels.
std::int64_t f32_bn_scratch_floats(std::int64_t pixels, int channels);

// The same with caller-owned scratch of at least f32_bn_scratch_floats(pixels, channels)
// floats (any alignment; its content is overwritten): no allocation, ever.
void f32_bn_forward_training(float* scratch, std::int64_t pixels, int channels, float* dst,
                             std::int64_t dst_stride, float* save_mean, float* save_inv_std,
                             float* batch_variance, const float* src, std::int64_t src_stride,
                             const float* gamma, const float* beta, Activation act, float eps);
void f32_bn_forward_inference(float* scratch, std::int64_t pixels, int channels, float* dst,
                              std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                              const float* gamma, const float* beta, const float* moving_mean,
                              const float* moving_variance, Activation act, float eps);
void f32_bn_backward_training(float* scratch, std::int64_t pixels, int channels, float* d_src,
                              std::int64_t d_src_stride, float* d_gamma, float* d_beta,
                              const float* d_dst, std::int64_t d_dst_stride,
                              const float* save_mean, const float* save_inv_std,
                              const float* src, std::int64_t src_stride, const float* gamma,
                              const float* beta, Activation act);

// f32_bn_forward_training of a src that the call PRODUCES: produce(r0, r1) must write rows
// [r0, r1) of src (a 1x1 conv on those pixels); it runs on each statistics chunk right before
// the statistics read it, so src is read from memory once (by the normalisation) instead of
// twice. Bitwise equal to producing all of src first, then f32_bn_forward_training.
void f32_bn_forward_training_produced(float* scratch, std::int64_t pixels, int channels,
                                      float* dst, std::int64_t dst_stride, float* save_mean,
                                      float* save_inv_std, float* batch_variance, float* src,
                                      std::int64_t src_stride, const float* gamma,
                                      const float* beta, Activation act, float eps,
                                      const BnRowsHook& produce);

// The same with d_src OVERWRITTEN (d_src += becomes d_src =): d_src need not be initialised.
// Saves the caller the zero pass over a fresh gradient buffer; each row block of d_src is
// cleared while it is in cache, right before the element-wise pass writes it, so the values
// are bitwise those of f32_bn_backward_training into a zeroed d_src. When `consume` is given,
// it runs on each block of rows of d_src right after they are written (a 1x1 conv's
// backward-data on those pixels), while they are in cache.
void f32_bn_backward_training_overwrite(float* scratch, std::int64_t pixels, int channels,
                                        float* d_src, std::int64_t d_src_stride, float* d_gamma,
                                        float* d_beta, const float* d_dst,
                                        std::int64_t d_dst_stride, const float* save_mean,
                                        const float* save_inv_std, const float* src,
                                        std::int64_t src_stride, const float* gamma,
                                        const float* beta, Activation act,
                                        const BnRowsHook* consume = nullptr);

// The same with the table of an ISA cap (tests, benchmarks; kernels/config.h): an ISA that
// is not allowed here falls back to the best one allowed below it.
void f32_bn_batch_statistics(Isa isa, std::int64_t pixels, int channels, float* mean,
                             float* variance, const float* src, std::int64_t src_stride);
void f32_bn_forward_training(Isa isa, std::int64_t pixels, int channels, float* dst,
                             std::int64_t dst_stride, float* save_mean, float* save_inv_std,
                             float* batch_variance, const float* src, std::int64_t src_stride,
                             const float* gamma, const float* beta, Activation act, float eps);
void f32_bn_forward_inference(Isa isa, std::int64_t pixels, int channels, float* dst,
                              std::int64_t dst_stride, const float* src, std::int64_t src_stride,
                              const float* gamma, const float* beta, const float* moving_mean,
                              const float* moving_variance, Activation act, float eps);
void f32_bn_backward_training(Isa isa, std::int64_t pixels, int channels, float* d_src,
                              std::int64_t d_src_stride, float* d_gamma, float* d_beta,
                              const float* d_dst, std::int64_t d_dst_stride,
                              const float* save_mean, const float* save_inv_std,
                              const float* src, std::int64_t src_stride, const float* gamma,
                              const float* beta, Activation act);

void f32_bn_backward_training_overwrite(Isa isa, std::int64_t pixels, int channels,
                                        float* d_src, std::int64_t d_src_stride, float* d_gamma,
                                        float* d_beta, const float* d_dst,
                                        std::int64_t d_dst_stride, const float* save_mean,
                                        const float* save_inv_std, const float* src,
                                        std::int64_t src_stride, const float* gamma,
                                        const float* beta, Activation act);

}  // namespace tunas::kernels
