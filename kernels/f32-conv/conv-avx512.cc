// AVX-512 micro-kernels of the full k x k convolution (f32-conv.inc, conv-simd.h): tiles of
// up to 64 output channels with __mmask16 tails. Compiled natively (tunas_avx512_sources;
// called only when cpu_has(Isa::avx512)) and, renamed, against SIMDe for the tests.
#include "kernels/simd/avx512.h"
#include "kernels/f32-conv/conv-simd.h"

namespace tunas::kernels {
TUNAS_CONV_SIMD_UKERNELS(TUNAS_AVX512_NS::F32x16, TUNAS_AVX512_FN(f32_conv_forward_rows_avx512),
                         TUNAS_AVX512_FN(f32_conv_backward_weights_cells_avx512))
}  // namespace tunas::kernels
