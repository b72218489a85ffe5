// AVX2+FMA backward-weights depthwise micro-kernels (f32-dwconv.inc): 8-channel tiles; R
// kernel rows per pass and P pixels per block chosen by measurement (benchmarks/RESULTS.md).
#include "kernels/simd/avx2.h"
#include "kernels/f32-dwconv/f32-dwconv-backward-weights.h"

namespace tunas::kernels {
using avx2::F32x8;
TUNAS_DWCONV_BACKWARD_WEIGHTS(F32x8, 3, 1, 3, 4, f32_dwconv_backward_weights_ukernel_3x3s1_8c_avx2)
TUNAS_DWCONV_BACKWARD_WEIGHTS(F32x8, 3, 2, 3, 4, f32_dwconv_backward_weights_ukernel_3x3s2_8c_avx2)
TUNAS_DWCONV_BACKWARD_WEIGHTS(F32x8, 5, 1, 2, 4, f32_dwconv_backward_weights_ukernel_5x5s1_8c_avx2)
TUNAS_DWCONV_BACKWARD_WEIGHTS(F32x8, 5, 2, 2, 4, f32_dwconv_backward_weights_ukernel_5x5s2_8c_avx2)
TUNAS_DWCONV_BACKWARD_WEIGHTS(F32x8, 7, 1, 1, 6, f32_dwconv_backward_weights_ukernel_7x7s1_8c_avx2)
TUNAS_DWCONV_BACKWARD_WEIGHTS(F32x8, 7, 2, 1, 6, f32_dwconv_backward_weights_ukernel_7x7s2_8c_avx2)
}  // namespace tunas::kernels
