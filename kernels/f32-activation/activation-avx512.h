// AVX-512 vector forms of the activations in activation.h (16 floats per __m512): the
// formulas of activation-simd.inc, shared with activation-avx2.h. Include ONLY from
// *-avx512.cc sources (tunas_avx512_sources(); compiled natively and against SIMDe,
// kernels/simd/avx512.h).
#pragma once

#include <cmath>
#include <initializer_list>

#include "kernels/f32-activation/activation.h"
#include "kernels/simd/avx512.h"

namespace tunas::kernels::TUNAS_AVX512_NS {
namespace {

using Reg = __m512;
using Cmp = __mmask16;
#define TUNAS_MM(op) _mm512_##op
// SIMDe 0.7.4's _mm512_roundscale_ps returns x unchanged for the floor mode (found by the
// emulated sigmoid test), so the emulated build floors lane by lane.
inline Reg floor_ps(Reg x) {
#if TUNAS_AVX512_EMULATED
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, x);
  for (float& v : lanes) v = std::floor(v);
  return _mm512_load_ps(lanes);
#else
  return _mm512_roundscale_ps(x, _MM_FROUND_FLOOR);
#endif
}
inline Reg pow2_ps(Reg n) {
  const __m512i bits = _mm512_add_epi32(cvt_integral_ps_epi32(n), _mm512_set1_epi32(127));
  return _mm512_castsi512_ps(_mm512_slli_epi32(bits, 23));
}
template <int kPredicate>
inline Cmp cmp(Reg a, Reg b) { return _mm512_cmp_ps_mask(a, b, kPredicate); }
inline Cmp cmp_and(Cmp a, Cmp b) { return Cmp(a & b); }
inline Reg select(Cmp m, Reg if_true, Reg if_false) {
  return _mm512_mask_blend_ps(m, if_false, if_true);
}
#include "kernels/f32-activation/activation-simd.inc"
#undef TUNAS_MM

}  // namespace
}  // namespace tunas::kernels::TUNAS_AVX512_NS
