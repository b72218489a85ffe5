// Shared building blocks of the AVX2+FMA depthwise micro-kernels. Include ONLY from sources
// compiled with tunas_avx2_sources() (STYLE.md G6): everything here uses AVX2 intrinsics.
//
// Channel tiles are 8 floats (one __m256). The tail tile (channels % 8) uses masked loads
// and stores, which neither read nor write the lanes past `channels`.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "core/error.h"
#include "kernels/f32-dwconv/dwconv.h"

namespace tunas::kernels::dwconv_avx2 {

constexpr int kTile = 8;

// Lanes [0, n) set.
inline __m256i tail_mask(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

template <bool kMasked>
inline __m256 load(const float* p, __m256i mask) {
  if constexpr (kMasked) {
    return _mm256_maskload_ps(p, mask);
  } else {
    (void)mask;
    return _mm256_loadu_ps(p);
  }
}

template <bool kMasked>
inline void store(float* p, __m256i mask, __m256 v) {
  if constexpr (kMasked) {
    _mm256_maskstore_ps(p, mask, v);
  } else {
    (void)mask;
    _mm256_storeu_ps(p, v);
  }
}

// Columns [lo, hi) of a strided window walk whose taps x*stride - pad + [0, k) all lie
// inside [0, extent); positions outside it need bounds checks.
struct Span {
  int lo = 0, hi = 0;
};
inline Span interior_span(int count, int extent, int k, int stride, int pad) {
  Span s;
  s.lo = std::min(count, (pad + stride - 1) / stride);
  const int last = extent - k + pad;  // largest x*stride with the window inside
  s.hi = last >= 0 ? std::min(count, last / stride + 1) : 0;
  s.hi = std::max(s.hi, s.lo);
  return s;
}

// acc[p] += sum_{m < K} x[(p * S + m) * x_stride] * w[m] for p < P, each x loaded once.
// Per p the taps are added in increasing m. With kChecked, window positions j = p * S + m
// outside [j_begin, j_end) are padding: never loaded, they contribute 0 * w (the same sum
// for finite weights). A select rather than a skip keeps the loops fully unrolled, so acc
// stays in registers.
template <int K, int S, int P, bool kMasked, bool kChecked>
__attribute__((always_inline)) inline void window_block(__m256 (&acc)[P], const float* x,
                                                        int64_t x_stride, const __m256 (&w)[K],
                                                        __m256i mask, int j_begin, int j_end) {
  constexpr int J = (P - 1) * S + K;
#pragma GCC unroll 64
  for (int j = 0; j < J; ++j) {
    __m256 v;
    if (kChecked) {
      v = (j >= j_begin && j < j_end) ? load<kMasked>(x + j * x_stride, mask)
                                      : _mm256_setzero_ps();
    } else {
      v = load<kMasked>(x + j * x_stride, mask);
    }
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      const int m = j - p * S;
      if (m >= 0 && m < K) acc[p] = _mm256_fmadd_ps(v, w[m], acc[p]);
    }
  }
}

// Walks columns [0, count) in blocks of P, then 4, 2 and 1 for the remainder, calling
// body(std::integral_constant<int, Q>, first_column, checked) where `checked` says that the
// block leaves the interior span (so some of its taps are padding). Register-blocking the
// border and narrow rows too keeps several independent FMA chains in flight.
template <int P, typename Body>
__attribute__((always_inline)) inline void for_column_blocks(int count, Span interior,
                                                             const Body& body) {
  auto checked = [&](int x, int q) { return x < interior.lo || x + q > interior.hi; };
  int x = 0;
  for (; x + P <= count; x += P) body(std::integral_constant<int, P>{}, x, checked(x, P));
  if constexpr (P > 4) {
    for (; x + 4 <= count; x += 4) body(std::integral_constant<int, 4>{}, x, checked(x, 4));
  }
  if constexpr (P > 2) {
    for (; x + 2 <= count; x += 2) body(std::integral_constant<int, 2>{}, x, checked(x, 2));
  }
  for (; x < count; ++x) body(std::integral_constant<int, 1>{}, x, checked(x, 1));
}

}  // namespace tunas::kernels::dwconv_avx2
