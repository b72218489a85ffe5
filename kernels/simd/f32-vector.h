// The part of a float vector type (kernels/simd/avx2.h F32x8, avx512.h F32x16) that only
// differs by the intrinsic prefix: expanded inside the struct, after its Reg and Mask types
// and its masked_load(p, mask) / masked_store(p, mask, v), which neither read nor write the
// inactive lanes. The struct is what ISA-generic kernel templates take as V.
#pragma once

#define TUNAS_SIMD_INLINE __attribute__((always_inline)) static inline

#define TUNAS_F32_VECTOR_OPS(prefix)                                                  \
  TUNAS_SIMD_INLINE Reg zero() { return prefix##_setzero_ps(); }                     \
  TUNAS_SIMD_INLINE Reg add(Reg a, Reg b) { return prefix##_add_ps(a, b); }          \
  TUNAS_SIMD_INLINE Reg fmadd(Reg a, Reg b, Reg c) { return prefix##_fmadd_ps(a, b, c); } \
  TUNAS_SIMD_INLINE Reg broadcast(const float* p) { return prefix##_set1_ps(*p); }   \
  template <bool kMasked>                                                             \
  TUNAS_SIMD_INLINE Reg load(const float* p, Mask mask) {                            \
    if constexpr (kMasked) return masked_load(p, mask);                              \
    (void)mask;                                                                       \
    return prefix##_loadu_ps(p);                                                     \
  }                                                                                   \
  template <bool kMasked>                                                             \
  TUNAS_SIMD_INLINE void store(float* p, Mask mask, Reg v) {                         \
    if constexpr (kMasked) {                                                          \
      masked_store(p, mask, v);                                                       \
    } else {                                                                          \
      (void)mask;                                                                     \
      prefix##_storeu_ps(p, v);                                                      \
    }                                                                                 \
  }
