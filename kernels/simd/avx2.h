// 8-lane float vectors for the AVX2+FMA kernels: the vector type F32x8 that ISA-generic
// kernel templates (e.g. kernels/f32-dwconv/f32-dwconv-simd.h) are instantiated with.
// Include ONLY from sources compiled with tunas_avx2_sources(). Internal linkage (an unnamed
// namespace), so copies compiled with other -m flags never merge with these at link time.
#pragma once

#include <immintrin.h>

namespace tunas::kernels::avx2 {
namespace {

#define TUNAS_SIMD_INLINE __attribute__((always_inline)) static inline

struct F32x8 {
  using Reg = __m256;
  using Mask = __m256i;         // lane i active when its sign bit is set
  static constexpr int kLanes = 8;
  static constexpr int kRegisters = 16;

  TUNAS_SIMD_INLINE Reg zero() { return _mm256_setzero_ps(); }
  TUNAS_SIMD_INLINE Reg add(Reg a, Reg b) { return _mm256_add_ps(a, b); }
  TUNAS_SIMD_INLINE Reg fmadd(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  TUNAS_SIMD_INLINE Reg broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  TUNAS_SIMD_INLINE Mask full() { return _mm256_set1_epi32(-1); }
  // Lanes [0, n) set, 0 <= n <= 8.
  TUNAS_SIMD_INLINE Mask tail(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  // Masked forms neither read nor write the inactive lanes.
  template <bool kMasked>
  TUNAS_SIMD_INLINE Reg load(const float* p, Mask mask) {
    if constexpr (kMasked) return _mm256_maskload_ps(p, mask);
    (void)mask;
    return _mm256_loadu_ps(p);
  }
  template <bool kMasked>
  TUNAS_SIMD_INLINE void store(float* p, Mask mask, Reg v) {
    if constexpr (kMasked) {
      _mm256_maskstore_ps(p, mask, v);
    } else {
      (void)mask;
      _mm256_storeu_ps(p, v);
    }
  }
};

#undef TUNAS_SIMD_INLINE

}  // namespace
}  // namespace tunas::kernels::avx2
