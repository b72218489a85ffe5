// AVX2+FMA vector forms of the activations in activation.h (8 floats per __m256).
//
// Internal to the kernels: include ONLY from sources compiled with tunas_avx2_sources()
// (-mavx2 -mfma), and call only when tunas::cpu_has(Isa::avx2). Shared by
// kernels/f32-activation and kernels/f32-bn (which fuses the activation).
// The formulas are activation-simd.inc, shared with activation-avx512.h.
#pragma once

#include <initializer_list>

#include <immintrin.h>

#include "kernels/f32-activation/activation.h"

namespace tunas::kernels::avx2 {

using Reg = __m256;
using Cmp = __m256;  // all-ones lanes where true
#define TUNAS_MM(op) _mm256_##op
inline Reg floor_ps(Reg x) { return _mm256_floor_ps(x); }
inline Reg pow2_ps(Reg n) {
  const __m256i bits = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
  return _mm256_castsi256_ps(_mm256_slli_epi32(bits, 23));
}
template <int kPredicate>
inline Cmp cmp(Reg a, Reg b) { return _mm256_cmp_ps(a, b, kPredicate); }
inline Cmp cmp_and(Cmp a, Cmp b) { return _mm256_and_ps(a, b); }
inline Reg select(Cmp m, Reg if_true, Reg if_false) {
  return _mm256_blendv_ps(if_false, if_true, m);
}
#include "kernels/f32-activation/activation-simd.inc"
#undef TUNAS_MM

// Lanes [0, n) set, 0 <= n <= 8: for loads of a channel tail (maskload never touches
// masked-out lanes). Stores of a tail go through a stack array (vmaskmovps stores are slow
// on AMD).
inline __m256i tail_mask(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

inline void store_tail(float* dst, __m256 v, int n) {
  alignas(32) float tmp[8];
  _mm256_store_ps(tmp, v);
  for (int i = 0; i < n; ++i) dst[i] = tmp[i];
}

}  // namespace tunas::kernels::avx2
