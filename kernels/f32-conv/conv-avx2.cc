// AVX2+FMA micro-kernels of the full k x k convolution (f32-conv.inc, conv-simd.h).
// Compiled with -mavx2 -mfma (tunas_avx2_sources); called only when cpu_has(Isa::avx2).
#include "kernels/simd/avx2.h"
#include "kernels/f32-conv/conv-simd.h"

namespace tunas::kernels {
TUNAS_CONV_SIMD_UKERNELS(avx2::F32x8, f32_conv_forward_rows_avx2,
                         f32_conv_backward_weights_cells_avx2)
}  // namespace tunas::kernels
