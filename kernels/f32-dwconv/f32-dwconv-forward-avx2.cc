// AVX2+FMA forward depthwise micro-kernels (f32-dwconv.inc): 8-channel tiles, P = 8 pixel
// blocks (7 for 7x7: 14, 28 and 56 columns split evenly) within 16 ymm registers.
#include "kernels/simd/avx2.h"
#include "kernels/f32-dwconv/f32-dwconv-forward.h"

namespace tunas::kernels {
using avx2::F32x8;
TUNAS_DWCONV_FORWARD(F32x8, 3, 1, 8, f32_dwconv_forward_ukernel_3x3s1_8c_avx2)
TUNAS_DWCONV_FORWARD(F32x8, 3, 2, 8, f32_dwconv_forward_ukernel_3x3s2_8c_avx2)
TUNAS_DWCONV_FORWARD(F32x8, 5, 1, 8, f32_dwconv_forward_ukernel_5x5s1_8c_avx2)
TUNAS_DWCONV_FORWARD(F32x8, 5, 2, 8, f32_dwconv_forward_ukernel_5x5s2_8c_avx2)
TUNAS_DWCONV_FORWARD(F32x8, 7, 1, 7, f32_dwconv_forward_ukernel_7x7s1_8c_avx2)
TUNAS_DWCONV_FORWARD(F32x8, 7, 2, 7, f32_dwconv_forward_ukernel_7x7s2_8c_avx2)
}  // namespace tunas::kernels
