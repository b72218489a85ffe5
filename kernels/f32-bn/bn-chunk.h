// Internal to kernels/f32-bn: the single-threaded per-ISA kernels that bn.cc drives.
// Not part of the public API (bn.h). A "chunk" is a run of consecutive rows; bn.cc fixes the
// chunk partition from the shape alone, so results never depend on the thread count.
#pragma once

#include <cstdint>

#include "kernels/f32-activation/activation.h"

namespace tunas::kernels::bn_detail {

// The TUNAS_BN_ROW tables (bn.cc, the per-ISA files) list every activation in value order.
static_assert(kActivationCount == 6, "a new activation: add it to every TUNAS_BN_ROW, then here");

// Per-channel vectors (dense [channels]) read by the element-wise kernels.
struct Coefficients {
  const float* scale;     // gamma * inv_std            (z = x * scale + shift)
  const float* shift;     // beta - mean * scale
  const float* mean;      // saved batch mean
  const float* inv_std;   // saved 1/sqrt(var + eps)
  const float* k_dz;      // mean_r(dz)                                (backward rows only)
  const float* k_xhat_s;  // mean_r(dz * xhat) * inv_std               (backward rows only)
};

// Over `rows` rows of one chunk, per channel, rows summed in order in float:
//   pivot[c] = float(sum_r x / rows), dsum[c] = sum_r (x - pivot), sqsum[c] = sum_r (x - pivot)^2
// (a shifted two-pass on data that is in cache; bn.cc combines chunks in double).
using MomentsFn = void (*)(std::int64_t rows, int channels, const float* src,
                           std::int64_t src_stride, float* pivot, float* dsum, float* sqsum);
// dst = act(src * scale + shift).
using NormalizeFn = void (*)(std::int64_t rows, int channels, float* dst, std::int64_t dst_stride,
                             const float* src, std::int64_t src_stride, const float* scale,
                             const float* shift);
// sum_dz[c] = sum_r dz, sum_dz_xhat[c] = sum_r dz * xhat, float, rows in order, with
// dz = dy * act'(x * scale + shift), xhat = (x - mean) * inv_std.
using BackwardSumsFn = void (*)(std::int64_t rows, int channels, const float* d_dst,
                                std::int64_t d_dst_stride, const float* src,
                                std::int64_t src_stride, const Coefficients& k, float* sum_dz,
                                float* sum_dz_xhat);
// d_src += scale * (dz - k_dz - (x - mean) * k_xhat_s); overwrite: d_src = 0 + that (the
// same values as adding to zeros, without reading or clearing d_src first).
using BackwardRowsFn = void (*)(std::int64_t rows, int channels, float* d_src,
                                std::int64_t d_src_stride, const float* d_dst,
                                std::int64_t d_dst_stride, const float* src,
                                std::int64_t src_stride, const Coefficients& k, bool overwrite);

struct ChunkKernels {
  const char* name;
  MomentsFn moments;
  NormalizeFn normalize[kActivationCount];  // indexed by int(Activation)
  BackwardSumsFn backward_sums[kActivationCount];
  BackwardRowsFn backward_rows[kActivationCount];
};

const ChunkKernels& chunk_kernels_scalar();
// Only when tunas::cpu_has(Isa::avx2) (the file is compiled with -mavx2 -mfma).
const ChunkKernels& chunk_kernels_avx2();
// Only when tunas::cpu_has(Isa::avx512) (the file is compiled with the AVX-512 flags).
const ChunkKernels& chunk_kernels_avx512();

}  // namespace tunas::kernels::bn_detail
