// AVX-512 forward depthwise micro-kernels (f32-dwconv.inc): 16-channel tiles with __mmask16
// tails, P = 16 pixel blocks (12 for 7x7) within 32 zmm registers. Compiled natively and,
// renamed, against SIMDe for the tests (kernels/simd/avx512.h).
#include "kernels/simd/avx512.h"
#include "kernels/f32-dwconv/f32-dwconv-forward.h"

namespace tunas::kernels {
using TUNAS_AVX512_NS::F32x16;
TUNAS_DWCONV_FORWARD(F32x16, 3, 1, 16, TUNAS_AVX512_FN(f32_dwconv_forward_ukernel_3x3s1_16c_avx512))
TUNAS_DWCONV_FORWARD(F32x16, 3, 2, 16, TUNAS_AVX512_FN(f32_dwconv_forward_ukernel_3x3s2_16c_avx512))
TUNAS_DWCONV_FORWARD(F32x16, 5, 1, 16, TUNAS_AVX512_FN(f32_dwconv_forward_ukernel_5x5s1_16c_avx512))
TUNAS_DWCONV_FORWARD(F32x16, 5, 2, 16, TUNAS_AVX512_FN(f32_dwconv_forward_ukernel_5x5s2_16c_avx512))
TUNAS_DWCONV_FORWARD(F32x16, 7, 1, 12, TUNAS_AVX512_FN(f32_dwconv_forward_ukernel_7x7s1_16c_avx512))
TUNAS_DWCONV_FORWARD(F32x16, 7, 2, 12, TUNAS_AVX512_FN(f32_dwconv_forward_ukernel_7x7s2_16c_avx512))
}  // namespace tunas::kernels
