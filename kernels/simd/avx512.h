// AVX-512 (F+BW+DQ+VL) intrinsics for the avx512 kernels, native or emulated (STYLE.md G6).
//
// Every *-avx512.cc kernel source is compiled twice:
//   * natively, with tunas_avx512_sources() (-mavx512f -mavx512bw -mavx512dq -mavx512vl
//     -mfma): <immintrin.h>, kernels named as in the .inc (fn), called only where
//     tunas::cpu_has(Isa::avx512);
//   * emulated, with TUNAS_AVX512_EMULATED=1 and no AVX-512 flags, against SIMDe's portable
//     implementation of the same intrinsics (native aliases), into the test-only library
//     tunas_kernels_avx512emu with every kernel renamed fn_avx512emu (TUNAS_AVX512_FN). The
//     tests run those copies against the same oracles on any x86-64 machine.
// Intrinsics SIMDe 0.7.4 lacks (masked unaligned loads/stores, float->int conversion) are the
// helpers below, written from ones it has. Everything lives in a namespace that differs
// between the two builds and has internal linkage, so the copies never merge at link time.
#pragma once

#if TUNAS_AVX512_EMULATED
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#define TUNAS_AVX512_FN(fn) fn##_avx512emu
#define TUNAS_AVX512_NS avx512emu
#else
#include <immintrin.h>
#define TUNAS_AVX512_FN(fn) fn
#define TUNAS_AVX512_NS avx512
#endif

#include "kernels/simd/f32-vector.h"

namespace tunas::kernels::TUNAS_AVX512_NS {
namespace {

// Lanes [0, n) set, 0 <= n <= 16.
TUNAS_SIMD_INLINE __mmask16 tail_mask(int n) { return __mmask16((1u << n) - 1u); }

// Lanes of `mask` from p, zero elsewhere; inactive lanes are never read.
TUNAS_SIMD_INLINE __m512 maskz_loadu_ps(__mmask16 mask, const float* p) {
#if TUNAS_AVX512_EMULATED
  alignas(64) float lanes[16] = {};
  for (int i = 0; i < 16; ++i)
    if (mask >> i & 1) lanes[i] = p[i];
  return _mm512_load_ps(lanes);
#else
  return _mm512_maskz_loadu_ps(mask, p);
#endif
}

// Writes the lanes of `mask` to p; inactive lanes are never written.
TUNAS_SIMD_INLINE void mask_storeu_ps(float* p, __mmask16 mask, __m512 v) {
#if TUNAS_AVX512_EMULATED
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  for (int i = 0; i < 16; ++i)
    if (mask >> i & 1) p[i] = lanes[i];
#else
  _mm512_mask_storeu_ps(p, mask, v);
#endif
}

// Integer-valued floats (|v| < 2^31) to int32.
TUNAS_SIMD_INLINE __m512i cvt_integral_ps_epi32(__m512 v) {
#if TUNAS_AVX512_EMULATED
  alignas(64) float lanes[16];
  alignas(64) int ints[16];
  _mm512_store_ps(lanes, v);
  for (int i = 0; i < 16; ++i) ints[i] = int(lanes[i]);
  return _mm512_load_si512(ints);
#else
  return _mm512_cvtps_epi32(v);
#endif
}

// 16-lane float vectors for ISA-generic kernel templates (see kernels/simd/avx2.h, F32x8).
struct F32x16 {
  using Reg = __m512;
  using Mask = __mmask16;
  static constexpr int kLanes = 16;
  static constexpr int kRegisters = 32;

  TUNAS_SIMD_INLINE Mask full() { return Mask(0xffff); }
  TUNAS_SIMD_INLINE Mask tail(int n) { return tail_mask(n); }
  TUNAS_SIMD_INLINE Reg masked_load(const float* p, Mask m) { return maskz_loadu_ps(m, p); }
  TUNAS_SIMD_INLINE void masked_store(float* p, Mask m, Reg v) { mask_storeu_ps(p, m, v); }
  TUNAS_F32_VECTOR_OPS(_mm512)
};

}  // namespace
}  // namespace tunas::kernels::TUNAS_AVX512_NS
