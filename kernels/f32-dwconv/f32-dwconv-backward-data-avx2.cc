// AVX2+FMA backward-data depthwise micro-kernels (f32-dwconv.inc): 8-channel tiles.
#include "kernels/simd/avx2.h"
#include "kernels/f32-dwconv/f32-dwconv-backward-data.h"

namespace tunas::kernels {
using avx2::F32x8;
TUNAS_DWCONV_BACKWARD_DATA(F32x8, 3, 1, f32_dwconv_backward_data_ukernel_3x3s1_8c_avx2)
TUNAS_DWCONV_BACKWARD_DATA(F32x8, 3, 2, f32_dwconv_backward_data_ukernel_3x3s2_8c_avx2)
TUNAS_DWCONV_BACKWARD_DATA(F32x8, 5, 1, f32_dwconv_backward_data_ukernel_5x5s1_8c_avx2)
TUNAS_DWCONV_BACKWARD_DATA(F32x8, 5, 2, f32_dwconv_backward_data_ukernel_5x5s2_8c_avx2)
TUNAS_DWCONV_BACKWARD_DATA(F32x8, 7, 1, f32_dwconv_backward_data_ukernel_7x7s1_8c_avx2)
TUNAS_DWCONV_BACKWARD_DATA(F32x8, 7, 2, f32_dwconv_backward_data_ukernel_7x7s2_8c_avx2)
}  // namespace tunas::kernels
