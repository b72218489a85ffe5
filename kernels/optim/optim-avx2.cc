// AVX2 optimizer update kernels (optim.inc; compiled with tunas_avx2_sources() and
// -ffp-contract=off; called only when tunas::cpu_has(Isa::avx2)). 8 elements per vector, the
// same IEEE operations in the same order as the scalar kernels in optim.cc, so the results are
// bitwise equal to theirs; the tail (< 8 elements) runs that scalar code.
#include <immintrin.h>

#include "kernels/optim/optim.h"

namespace tunas::kernels {

void f32_rmsprop_ukernel_avx2(std::int64_t count, float* weight, float* mean_square,
                              float* momentum_slot, const float* grad, float lr, float decay,
                              float momentum, float epsilon) {
  const __m256 one_minus_decay = _mm256_set1_ps(1.f - decay);
  const __m256 vlr = _mm256_set1_ps(lr), vmomentum = _mm256_set1_ps(momentum);
  const __m256 veps = _mm256_set1_ps(epsilon);
  std::int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m256 g = _mm256_loadu_ps(grad + i);
    __m256 ms = _mm256_loadu_ps(mean_square + i);
    ms = _mm256_add_ps(ms, _mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(g, g), ms), one_minus_decay));
    const __m256 step =
        _mm256_div_ps(_mm256_mul_ps(vlr, g), _mm256_sqrt_ps(_mm256_add_ps(ms, veps)));
    const __m256 mom = _mm256_add_ps(_mm256_mul_ps(vmomentum, _mm256_loadu_ps(momentum_slot + i)),
                                     step);
    _mm256_storeu_ps(mean_square + i, ms);
    _mm256_storeu_ps(momentum_slot + i, mom);
    _mm256_storeu_ps(weight + i, _mm256_sub_ps(_mm256_loadu_ps(weight + i), mom));
  }
  f32_rmsprop_ukernel_scalar(count - i, weight + i, mean_square + i, momentum_slot + i, grad + i,
                             lr, decay, momentum, epsilon);
}

void f32_sgd_momentum_ukernel_avx2(std::int64_t count, float* weight, float* momentum_slot,
                                   const float* grad, float lr, float momentum) {
  const __m256 vlr = _mm256_set1_ps(lr), vmomentum = _mm256_set1_ps(momentum);
  std::int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m256 mom = _mm256_add_ps(_mm256_mul_ps(vmomentum, _mm256_loadu_ps(momentum_slot + i)),
                                     _mm256_loadu_ps(grad + i));
    _mm256_storeu_ps(momentum_slot + i, mom);
    const __m256 step = _mm256_mul_ps(vlr, mom);
    _mm256_storeu_ps(weight + i, _mm256_sub_ps(_mm256_loadu_ps(weight + i), step));
  }
  f32_sgd_momentum_ukernel_scalar(count - i, weight + i, momentum_slot + i, grad + i, lr, momentum);
}

}  // namespace tunas::kernels
