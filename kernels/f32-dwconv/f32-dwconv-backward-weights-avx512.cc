// AVX-512 backward-weights depthwise micro-kernels (f32-dwconv.inc): 16-channel tiles with
// __mmask16 tails; all K kernel rows (R = K) or most of them stay in the 32 zmm registers
// (R*K + P + 1 <= 32; not yet tuned by measurement: no AVX-512 machine here). Compiled
// natively and, renamed, against SIMDe for the tests (kernels/simd/avx512.h).
#include "kernels/simd/avx512.h"
#include "kernels/f32-dwconv/f32-dwconv-backward-weights.h"

namespace tunas::kernels {
using TUNAS_AVX512_NS::F32x16;
TUNAS_DWCONV_BACKWARD_WEIGHTS(F32x16, 3, 1, 3, 8, TUNAS_AVX512_FN(f32_dwconv_backward_weights_ukernel_3x3s1_16c_avx512))
TUNAS_DWCONV_BACKWARD_WEIGHTS(F32x16, 3, 2, 3, 8, TUNAS_AVX512_FN(f32_dwconv_backward_weights_ukernel_3x3s2_16c_avx512))
TUNAS_DWCONV_BACKWARD_WEIGHTS(F32x16, 5, 1, 5, 4, TUNAS_AVX512_FN(f32_dwconv_backward_weights_ukernel_5x5s1_16c_avx512))
TUNAS_DWCONV_BACKWARD_WEIGHTS(F32x16, 5, 2, 5, 4, TUNAS_AVX512_FN(f32_dwconv_backward_weights_ukernel_5x5s2_16c_avx512))
TUNAS_DWCONV_BACKWARD_WEIGHTS(F32x16, 7, 1, 3, 8, TUNAS_AVX512_FN(f32_dwconv_backward_weights_ukernel_7x7s1_16c_avx512))
TUNAS_DWCONV_BACKWARD_WEIGHTS(F32x16, 7, 2, 3, 8, TUNAS_AVX512_FN(f32_dwconv_backward_weights_ukernel_7x7s2_16c_avx512))
}  // namespace tunas::kernels
