// AVX2+FMA vector forms of the activations in activation.h (8 floats per __m256).
//
// Internal to the kernels: include ONLY from sources compiled with tunas_avx2_sources()
// (-mavx2 -mfma), and call only when tunas::cpu_has(Isa::avx2). Shared by
// kernels/f32-activation and kernels/f32-bn (which fuses the activation).
// Same formulas and kink conventions as the scalar activation_value/activation_derivative;
// exp is a Cephes-style polynomial (about 2 ulp), so sigmoid/swish differ from the scalar
// std::exp path by a few ulp; every other activation is bitwise equal to the scalar one
// given the same z.
#pragma once

#include <immintrin.h>

#include "kernels/f32-activation/activation.h"

namespace tunas::kernels::avx2 {

// exp(x) for x clamped to [-87.336, 88.376] (normal float range; NaN propagates).
inline __m256 exp_ps(__m256 x) {
  const __m256 hi = _mm256_set1_ps(88.3762626647949f);
  const __m256 lo = _mm256_set1_ps(-87.3365447504f);
  x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
  // n = round(x / ln2), r = x - n * ln2 (ln2 split in two for exactness).
  __m256 n = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f));
  n = _mm256_floor_ps(n);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

inline __m256 sigmoid_ps(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

template <Activation A>
inline __m256 activation_value_ps(__m256 z) {
  const __m256 zero = _mm256_setzero_ps();
  if constexpr (A == Activation::none) {
    return z;
  } else if constexpr (A == Activation::relu) {
    return _mm256_max_ps(z, zero);
  } else if constexpr (A == Activation::relu6) {
    return _mm256_min_ps(_mm256_max_ps(z, zero), _mm256_set1_ps(6.f));
  } else if constexpr (A == Activation::hswish) {
    const __m256 r = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(z, _mm256_set1_ps(3.f)), zero),
                                   _mm256_set1_ps(6.f));
    return _mm256_mul_ps(_mm256_mul_ps(z, r), _mm256_set1_ps(1.f / 6.f));
  } else if constexpr (A == Activation::sigmoid) {
    return sigmoid_ps(z);
  } else {
    return _mm256_mul_ps(z, sigmoid_ps(z));
  }
}

template <Activation A>
inline __m256 activation_derivative_ps(__m256 z) {
  const __m256 zero = _mm256_setzero_ps();
  const __m256 one = _mm256_set1_ps(1.f);
  if constexpr (A == Activation::none) {
    return one;
  } else if constexpr (A == Activation::relu) {
    return _mm256_and_ps(_mm256_cmp_ps(z, zero, _CMP_GT_OQ), one);
  } else if constexpr (A == Activation::relu6) {
    const __m256 in = _mm256_and_ps(_mm256_cmp_ps(z, zero, _CMP_GT_OQ),
                                    _mm256_cmp_ps(z, _mm256_set1_ps(6.f), _CMP_LT_OQ));
    return _mm256_and_ps(in, one);
  } else if constexpr (A == Activation::hswish) {
    const __m256 mid = _mm256_mul_ps(_mm256_add_ps(_mm256_add_ps(z, z), _mm256_set1_ps(3.f)),
                                     _mm256_set1_ps(1.f / 6.f));
    const __m256 low = _mm256_cmp_ps(z, _mm256_set1_ps(-3.f), _CMP_LE_OQ);
    const __m256 high = _mm256_cmp_ps(z, _mm256_set1_ps(3.f), _CMP_GE_OQ);
    return _mm256_blendv_ps(_mm256_andnot_ps(low, mid), one, high);
  } else if constexpr (A == Activation::sigmoid) {
    const __m256 s = sigmoid_ps(z);
    return _mm256_mul_ps(s, _mm256_sub_ps(one, s));
  } else {
    const __m256 s = sigmoid_ps(z);
    return _mm256_mul_ps(s, _mm256_fmadd_ps(z, _mm256_sub_ps(one, s), one));
  }
}

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
