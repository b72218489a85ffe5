// AVX-512 vector forms of the activations in activation.h (16 floats per __m512): the same
// formulas, constants and kink conventions as activation-avx2.h (exp is the same Cephes-style
// polynomial), so each lane equals the AVX2 result. Include ONLY from *-avx512.cc sources
// (tunas_avx512_sources(); compiled natively and against SIMDe, kernels/simd/avx512.h).
#pragma once

#include "kernels/f32-activation/activation.h"
#include "kernels/simd/avx512.h"

namespace tunas::kernels::TUNAS_AVX512_NS {
namespace {

// exp(x) for x clamped to [-87.336, 88.376] (normal float range; NaN propagates).
inline __m512 exp_ps(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3365447504f)),
                    _mm512_set1_ps(88.3762626647949f));
  // n = round(x / ln2), r = x - n * ln2 (ln2 split in two for exactness).
  __m512 n = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), _mm512_set1_ps(0.5f));
  n = _mm512_roundscale_ps(n, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.f)));
  const __m512i e = _mm512_slli_epi32(
      _mm512_add_epi32(cvt_integral_ps_epi32(n), _mm512_set1_epi32(127)), 23);
  return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}

inline __m512 sigmoid_ps(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.f);
  return _mm512_div_ps(one, _mm512_add_ps(one, exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

template <Activation A>
inline __m512 activation_value_ps(__m512 z) {
  const __m512 zero = _mm512_setzero_ps();
  if constexpr (A == Activation::none) {
    return z;
  } else if constexpr (A == Activation::relu) {
    return _mm512_max_ps(z, zero);
  } else if constexpr (A == Activation::relu6) {
    return _mm512_min_ps(_mm512_max_ps(z, zero), _mm512_set1_ps(6.f));
  } else if constexpr (A == Activation::hswish) {
    const __m512 r = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(z, _mm512_set1_ps(3.f)), zero),
                                   _mm512_set1_ps(6.f));
    return _mm512_mul_ps(_mm512_mul_ps(z, r), _mm512_set1_ps(1.f / 6.f));
  } else if constexpr (A == Activation::sigmoid) {
    return sigmoid_ps(z);
  } else {
    return _mm512_mul_ps(z, sigmoid_ps(z));
  }
}

template <Activation A>
inline __m512 activation_derivative_ps(__m512 z) {
  const __m512 zero = _mm512_setzero_ps();
  const __m512 one = _mm512_set1_ps(1.f);
  if constexpr (A == Activation::none) {
    return one;
  } else if constexpr (A == Activation::relu) {
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(z, zero, _CMP_GT_OQ), one);
  } else if constexpr (A == Activation::relu6) {
    const __mmask16 in = _mm512_cmp_ps_mask(z, zero, _CMP_GT_OQ) &
                         _mm512_cmp_ps_mask(z, _mm512_set1_ps(6.f), _CMP_LT_OQ);
    return _mm512_maskz_mov_ps(in, one);
  } else if constexpr (A == Activation::hswish) {
    const __m512 mid = _mm512_mul_ps(_mm512_add_ps(_mm512_add_ps(z, z), _mm512_set1_ps(3.f)),
                                     _mm512_set1_ps(1.f / 6.f));
    const __mmask16 low = _mm512_cmp_ps_mask(z, _mm512_set1_ps(-3.f), _CMP_LE_OQ);
    const __mmask16 high = _mm512_cmp_ps_mask(z, _mm512_set1_ps(3.f), _CMP_GE_OQ);
    return _mm512_mask_blend_ps(high, _mm512_maskz_mov_ps(__mmask16(~low), mid), one);
  } else if constexpr (A == Activation::sigmoid) {
    const __m512 s = sigmoid_ps(z);
    return _mm512_mul_ps(s, _mm512_sub_ps(one, s));
  } else {
    const __m512 s = sigmoid_ps(z);
    return _mm512_mul_ps(s, _mm512_fmadd_ps(z, _mm512_sub_ps(one, s), one));
  }
}

}  // namespace
}  // namespace tunas::kernels::TUNAS_AVX512_NS
