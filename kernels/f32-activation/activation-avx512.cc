// AVX-512 row kernels for kernels/f32-activation (tunas_avx512_sources(); called only when
// tunas::cpu_has(Isa::avx512), or renamed against SIMDe in the tests, kernels/simd/avx512.h).
// Each row: 16 channels per vector, the channel tail (< 16) through __mmask16 loads and
// stores, so nothing past `channels` is read or written. Lane results equal the AVX2 ones.
#include "kernels/f32-activation/activation-avx512.h"
#include "kernels/f32-activation/activation-rows.h"

namespace tunas::kernels {

namespace {
using namespace TUNAS_AVX512_NS;

template <Activation A>
void forward_rows(std::int64_t rows, int channels, float* dst, std::int64_t dst_stride,
                  const float* src, std::int64_t src_stride) {
  const int tail = channels & 15;
  const __mmask16 mask = tail_mask(tail);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* x = src + r * src_stride;
    float* y = dst + r * dst_stride;
    int c = 0;
    for (; c + 16 <= channels; c += 16) {
      _mm512_storeu_ps(y + c, activation_value_ps<A>(_mm512_loadu_ps(x + c)));
    }
    if (tail) mask_storeu_ps(y + c, mask, activation_value_ps<A>(maskz_loadu_ps(mask, x + c)));
  }
}

template <Activation A>
void backward_rows(std::int64_t rows, int channels, float* d_src, std::int64_t d_src_stride,
                   const float* d_dst, std::int64_t d_dst_stride, const float* src,
                   std::int64_t src_stride) {
  const int tail = channels & 15;
  const __mmask16 mask = tail_mask(tail);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* x = src + r * src_stride;
    const float* dy = d_dst + r * d_dst_stride;
    float* dx = d_src + r * d_src_stride;
    int c = 0;
    for (; c + 16 <= channels; c += 16) {
      const __m512 g = _mm512_mul_ps(_mm512_loadu_ps(dy + c),
                                     activation_derivative_ps<A>(_mm512_loadu_ps(x + c)));
      _mm512_storeu_ps(dx + c, _mm512_add_ps(_mm512_loadu_ps(dx + c), g));
    }
    if (tail) {
      const __m512 g = _mm512_mul_ps(maskz_loadu_ps(mask, dy + c),
                                     activation_derivative_ps<A>(maskz_loadu_ps(mask, x + c)));
      mask_storeu_ps(dx + c, mask, _mm512_add_ps(maskz_loadu_ps(mask, dx + c), g));
    }
  }
}

}  // namespace

TUNAS_ACTIVATION_ROW_KERNELS(TUNAS_AVX512_FN(f32_activation_forward_rows_avx512),
                             TUNAS_AVX512_FN(f32_activation_backward_rows_avx512))

}  // namespace tunas::kernels
