// AVX2+FMA row kernels for kernels/f32-activation (compiled with tunas_avx2_sources();
// called only when tunas::cpu_has(Isa::avx2)). Each row: 8 channels per vector, the channel
// tail (< 8) through a masked load and a stack store, so nothing past `channels` is written.
#include <immintrin.h>

#include "kernels/f32-activation/activation-avx2.h"
#include "kernels/f32-activation/activation-rows.h"
#include "kernels/f32-activation/activation.h"

namespace tunas::kernels {

namespace {

template <Activation A>
void forward_rows(std::int64_t rows, int channels, float* dst, std::int64_t dst_stride,
                  const float* src, std::int64_t src_stride) {
  const int tail = channels & 7;
  const __m256i mask = avx2::tail_mask(tail);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* x = src + r * src_stride;
    float* y = dst + r * dst_stride;
    int c = 0;
    for (; c + 8 <= channels; c += 8) {
      _mm256_storeu_ps(y + c, avx2::activation_value_ps<A>(_mm256_loadu_ps(x + c)));
    }
    if (tail) avx2::store_tail(y + c, avx2::activation_value_ps<A>(_mm256_maskload_ps(x + c, mask)), tail);
  }
}

template <Activation A>
void backward_rows(std::int64_t rows, int channels, float* d_src, std::int64_t d_src_stride,
                   const float* d_dst, std::int64_t d_dst_stride, const float* src,
                   std::int64_t src_stride) {
  const int tail = channels & 7;
  const __m256i mask = avx2::tail_mask(tail);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* x = src + r * src_stride;
    const float* dy = d_dst + r * d_dst_stride;
    float* dx = d_src + r * d_src_stride;
    int c = 0;
    for (; c + 8 <= channels; c += 8) {
      const __m256 g = _mm256_mul_ps(_mm256_loadu_ps(dy + c),
                                     avx2::activation_derivative_ps<A>(_mm256_loadu_ps(x + c)));
      _mm256_storeu_ps(dx + c, _mm256_add_ps(_mm256_loadu_ps(dx + c), g));
    }
    if (tail) {
      const __m256 g = _mm256_mul_ps(_mm256_maskload_ps(dy + c, mask),
                                     avx2::activation_derivative_ps<A>(_mm256_maskload_ps(x + c, mask)));
      avx2::store_tail(dx + c, _mm256_add_ps(_mm256_maskload_ps(dx + c, mask), g), tail);
    }
  }
}

}  // namespace

TUNAS_ACTIVATION_ROW_KERNELS(f32_activation_forward_rows_avx2, f32_activation_backward_rows_avx2)

}  // namespace tunas::kernels
