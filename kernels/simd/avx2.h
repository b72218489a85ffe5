// 8-lane float vectors for the AVX2+FMA kernels: the vector type F32x8 that ISA-generic
// kernel templates (e.g. kernels/f32-dwconv/f32-dwconv-simd.h) are instantiated with.
// Include ONLY from sources compiled with tunas_avx2_sources(). Internal linkage (an unnamed
// namespace), so copies compiled with other -m flags never merge with these at link time.
#pragma once

#include <immintrin.h>

#include "kernels/simd/f32-vector.h"

namespace tunas::kernels::avx2 {
namespace {

struct F32x8 {
  using Reg = __m256;
  using Mask = __m256i;  // lane i active when its sign bit is set
  static constexpr int kLanes = 8;
  static constexpr int kRegisters = 16;

  TUNAS_SIMD_INLINE Mask full() { return _mm256_set1_epi32(-1); }
  // Lanes [0, n) set, 0 <= n <= 8.
  TUNAS_SIMD_INLINE Mask tail(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  TUNAS_SIMD_INLINE Reg masked_load(const float* p, Mask m) { return _mm256_maskload_ps(p, m); }
  TUNAS_SIMD_INLINE void masked_store(float* p, Mask m, Reg v) { _mm256_maskstore_ps(p, m, v); }
  TUNAS_F32_VECTOR_OPS(_mm256)
};

}  // namespace
}  // namespace tunas::kernels::avx2
