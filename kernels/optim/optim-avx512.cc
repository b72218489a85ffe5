// AVX-512 optimizer update kernels (optim.inc; tunas_avx512_sources() with -ffp-contract=off;
// called only when tunas::cpu_has(Isa::avx512), or renamed against SIMDe in the tests,
// kernels/simd/avx512.h). 16 elements per vector and the tail (< 16) through __mmask16
// loads and stores, with the same IEEE operations in the same order as the scalar kernels in
// optim.cc, so the results are bitwise equal to theirs.
#include <type_traits>

#include "kernels/optim/optim.h"
#include "kernels/simd/avx512.h"

namespace tunas::kernels {

namespace {
using TUNAS_AVX512_NS::F32x16;

// Calls step(i, std::bool_constant<masked>, mask) for the vectors of [0, count).
template <typename Step>
void for_vectors(std::int64_t count, const Step& step) {
  std::int64_t i = 0;
  for (; i + 16 <= count; i += 16) step(i, std::false_type{}, F32x16::full());
  if (i < count) step(i, std::true_type{}, F32x16::tail(int(count - i)));
}
}  // namespace

void TUNAS_AVX512_FN(f32_rmsprop_ukernel_avx512)(std::int64_t count, float* weight,
                                                 float* mean_square, float* momentum_slot,
                                                 const float* grad, float lr, float decay,
                                                 float momentum, float epsilon) {
  const __m512 one_minus_decay = _mm512_set1_ps(1.f - decay);
  const __m512 vlr = _mm512_set1_ps(lr), vmomentum = _mm512_set1_ps(momentum);
  const __m512 veps = _mm512_set1_ps(epsilon);
  for_vectors(count, [&](std::int64_t i, auto masked, __mmask16 mask) {
    constexpr bool kMasked = decltype(masked)::value;
    const __m512 g = F32x16::load<kMasked>(grad + i, mask);
    __m512 ms = F32x16::load<kMasked>(mean_square + i, mask);
    ms = _mm512_add_ps(ms, _mm512_mul_ps(_mm512_sub_ps(_mm512_mul_ps(g, g), ms), one_minus_decay));
    const __m512 step =
        _mm512_div_ps(_mm512_mul_ps(vlr, g), _mm512_sqrt_ps(_mm512_add_ps(ms, veps)));
    const __m512 mom = _mm512_add_ps(
        _mm512_mul_ps(vmomentum, F32x16::load<kMasked>(momentum_slot + i, mask)), step);
    F32x16::store<kMasked>(mean_square + i, mask, ms);
    F32x16::store<kMasked>(momentum_slot + i, mask, mom);
    F32x16::store<kMasked>(weight + i, mask,
                           _mm512_sub_ps(F32x16::load<kMasked>(weight + i, mask), mom));
  });
}

void TUNAS_AVX512_FN(f32_sgd_momentum_ukernel_avx512)(std::int64_t count, float* weight,
                                                      float* momentum_slot, const float* grad,
                                                      float lr, float momentum) {
  const __m512 vlr = _mm512_set1_ps(lr), vmomentum = _mm512_set1_ps(momentum);
  for_vectors(count, [&](std::int64_t i, auto masked, __mmask16 mask) {
    constexpr bool kMasked = decltype(masked)::value;
    const __m512 mom =
        _mm512_add_ps(_mm512_mul_ps(vmomentum, F32x16::load<kMasked>(momentum_slot + i, mask)),
                      F32x16::load<kMasked>(grad + i, mask));
    F32x16::store<kMasked>(momentum_slot + i, mask, mom);
    const __m512 step = _mm512_mul_ps(vlr, mom);
    F32x16::store<kMasked>(weight + i, mask,
                           _mm512_sub_ps(F32x16::load<kMasked>(weight + i, mask), step));
  });
}

}  // namespace tunas::kernels
